import Foundation
import ObligorNumerics

/// Distinct score values in ascending order with the number of bads (y = 1) and goods (y = 0)
/// at each: the sufficient statistic for every rank-based measure (AUC, DeLong, KS).
///
/// Built with two plain `[Double]` sorts (bads and goods separately) and one merge, so it is
/// O(n log n) without sorting tuples through closures.
struct ScoreGroups {
    var values: [Double] = []
    var bads: [Int] = []
    var goods: [Int] = []
    var nBad = 0
    var nGood = 0

    init(scores: [Double], labels: [Int]) {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        var b: [Double] = [], g: [Double] = []
        var nb = 0
        for y in labels where y == 1 { nb += 1 }
        b.reserveCapacity(nb)
        g.reserveCapacity(scores.count - nb)
        scores.withUnsafeBufferPointer { s in
            labels.withUnsafeBufferPointer { l in
                for i in 0..<s.count {
                    if l[i] == 1 { b.append(s[i]) } else { g.append(s[i]) }
                }
            }
        }
        self.init(sortedBads: sortedNoNaN(b), sortedGoods: sortedNoNaN(g))
    }

    init(sortedBads b: [Double], sortedGoods g: [Double]) {
        nBad = b.count
        nGood = g.count
        values.reserveCapacity(min(b.count + g.count, 1 << 20))
        var i = 0, j = 0
        while i < b.count || j < g.count {
            let v: Double
            if j >= g.count || (i < b.count && b[i] <= g[j]) { v = b[i] } else { v = g[j] }
            var cb = 0, cg = 0
            while i < b.count && b[i] == v { i += 1; cb += 1 }
            while j < g.count && g[j] == v { j += 1; cg += 1 }
            values.append(v); bads.append(cb); goods.append(cg)
        }
    }
}

/// Rank-ordering (discrimination) measures. Labels: 1 = default / bad, 0 = good; scores are PDs,
/// higher = riskier.
public enum Discrimination {
    /// z_{0.975} as printed by the oracle (scipy `norm.ppf(0.975)`).
    public static let z975 = 1.959963984540054

    /// Area under the ROC curve, Mann–Whitney form with ties given half credit:
    /// `AUC = [#{(b, g): s_b > s_g} + ½ #{(b, g): s_b = s_g}] / (n_bad · n_good)`
    /// (= sklearn `roc_auc_score`). O(n log n): one sort of bads and of goods, then a merge.
    /// Returns NaN when a class is empty. Scores must not be NaN.
    public static func auc(scores: [Double], labels: [Int]) -> Double {
        auc(ScoreGroups(scores: scores, labels: labels))
    }

    static func auc(_ g: ScoreGroups) -> Double {
        guard g.nBad > 0, g.nGood > 0 else { return .nan }
        // 2 × (wins + ½ ties) in integers: exact up to 2·n_bad·n_good < 2⁶³.
        var twice = 0
        var goodsBelow = 0
        for k in 0..<g.values.count {
            twice += g.bads[k] * (2 * goodsBelow + g.goods[k])
            goodsBelow += g.goods[k]
        }
        return Double(twice) / (2 * Double(g.nBad) * Double(g.nGood))
    }

    /// Gini coefficient = accuracy ratio = Somers' D = `2·AUC − 1`.
    @inlinable
    public static func gini(auc: Double) -> Double { 2 * auc - 1 }

    /// AUC with the DeLong (1988) standard error from placement values with midranks
    /// (notes/metrics.md §3.3):
    /// `V10_i = (rank_all(bad_i) − rank_bads(bad_i)) / n_good` (share of goods below bad i, ties ½),
    /// `V01_j = 1 − (rank_all(good_j) − rank_goods(good_j)) / n_bad`,
    /// `Var(AUC) = s²(V10)/n_bad + s²(V01)/n_good` with sample variances (ddof 1).
    /// The standard error is NaN when a class has fewer than 2 members.
    public static func deLong(scores: [Double], labels: [Int]) -> (auc: Double, standardError: Double) {
        deLong(ScoreGroups(scores: scores, labels: labels))
    }

    static func deLong(_ g: ScoreGroups) -> (auc: Double, standardError: Double) {
        let a = auc(g)
        guard g.nBad > 1, g.nGood > 1 else { return (a, .nan) }
        let n1 = Double(g.nBad), n0 = Double(g.nGood)
        // Placement values are constant within a tie group: accumulate with multiplicities.
        var goodsBelow = 0, badsBelow = 0
        var s10 = 0.0, s01 = 0.0
        var v10 = [Double](repeating: 0, count: g.values.count)
        var v01 = [Double](repeating: 0, count: g.values.count)
        for k in 0..<g.values.count {
            v10[k] = (Double(goodsBelow) + 0.5 * Double(g.goods[k])) / n0
            v01[k] = 1 - (Double(badsBelow) + 0.5 * Double(g.bads[k])) / n1
            s10 += Double(g.bads[k]) * v10[k]
            s01 += Double(g.goods[k]) * v01[k]
            goodsBelow += g.goods[k]
            badsBelow += g.bads[k]
        }
        let m10 = s10 / n1, m01 = s01 / n0
        var q10 = 0.0, q01 = 0.0
        for k in 0..<g.values.count {
            let d10 = v10[k] - m10, d01 = v01[k] - m01
            q10 += Double(g.bads[k]) * d10 * d10
            q01 += Double(g.goods[k]) * d01 * d01
        }
        let variance = (q10 / (n1 - 1)) / n1 + (q01 / (n0 - 1)) / n0
        return (a, variance.squareRoot())
    }

    /// Wald confidence interval `AUC ± z_{(1+level)/2} · SE` (95% by default, z = 1.959963984540054),
    /// clipped to [0, 1], the range of an AUC (a small or well-separated sample can put the raw Wald
    /// bound above 1). An undefined AUC (NaN) gives a NaN interval.
    public static func confidenceInterval(auc: Double, standardError: Double,
                                          level: Double = 0.95) -> (low: Double, high: Double) {
        let z = level == 0.95 ? z975 : Special.normalQuantile(0.5 + level / 2)
        let low = auc - z * standardError, high = auc + z * standardError
        return (low < 0 ? 0 : low, high > 1 ? 1 : high)   // NaN (undefined AUC) stays NaN
    }

    /// Exact, tie-aware Kolmogorov–Smirnov statistic between the score distributions of bads and
    /// goods: `KS = max_t |F_bad(t) − F_good(t)|` over the distinct scores t, with
    /// `F(t) = #{s ≤ t}/n` (= scipy `ks_2samp(bads, goods).statistic`, toad `KS`). Ties are never
    /// split by row order.
    ///
    /// `threshold` is the oracle's `ks_threshold`: the score t maximising `TPR(t) − FPR(t)` with
    /// `TPR(t) = #{bads ≥ t}/n_bad`, `FPR(t) = #{goods ≥ t}/n_good` over sklearn's `roc_curve`
    /// thresholds (distinct scores, descending, preceded by +∞); the first (highest) t wins ties, and
    /// it is +∞ when no threshold has `TPR − FPR > 0`. Decline "score ≥ threshold".
    /// Returns NaNs when a class is empty.
    public static func ks(scores: [Double], labels: [Int]) -> (statistic: Double, threshold: Double) {
        ks(ScoreGroups(scores: scores, labels: labels))
    }

    static func ks(_ g: ScoreGroups) -> (statistic: Double, threshold: Double) {
        guard g.nBad > 0, g.nGood > 0 else { return (.nan, .nan) }
        let statistic = ksStatistic(g, n1: g.nBad, n2: g.nGood, first: g.bads, second: g.goods)
        let n1 = Double(g.nBad), n0 = Double(g.nGood)
        var best = 0.0, threshold = Double.infinity
        var tps = 0, fps = 0
        for k in stride(from: g.values.count - 1, through: 0, by: -1) {
            tps += g.bads[k]; fps += g.goods[k]
            let d = Double(tps) / n1 - Double(fps) / n0
            if d > best { best = d; threshold = g.values[k] }
        }
        return (statistic, threshold)
    }

    /// scipy's two-sided statistic: `max(max(cdf1 − cdf2), clip(−min(cdf1 − cdf2), 0, 1))`.
    static func ksStatistic(_ g: ScoreGroups, n1: Int, n2: Int, first: [Int], second: [Int]) -> Double {
        var c1 = 0, c2 = 0
        var maxS = -Double.infinity, minS = Double.infinity
        for k in 0..<g.values.count {
            c1 += first[k]; c2 += second[k]
            let d = Double(c1) / Double(n1) - Double(c2) / Double(n2)
            maxS = max(maxS, d); minS = min(minS, d)
        }
        return max(maxS, min(max(-minS, 0), 1))
    }
}
