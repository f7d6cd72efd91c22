import Foundation
import ObligorNumerics

/// Significance tests on the 2×2 approval table of an unprivileged and a privileged group,
/// and the Holm (1979) step-down correction across many such tests.
///
/// The table is `[[approved_u, declined_u], [approved_p, declined_p]]`, as in the oracle
/// (scipy `fisher_exact`, `chi2_contingency(correction=False)`).
public enum FairnessSignificance {
    /// Relative tolerance for "as or less likely than the observed table" (R's `fisher.test` and
    /// scipy use 1 + 1e-7), so tables whose probability equals the observed one up to rounding count.
    public static let fisherRelativeTolerance = 1e-7

    /// Two-sided Fisher exact p-value: the sum of the hypergeometric probabilities of all tables
    /// with the observed margins that are no more likely than the observed one.
    public static func fisherExact(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Double {
        let rowU = a + b, approvals = a + c, declines = b + d
        let total = a + b + c + d
        guard total > 0, rowU > 0, rowU < total, approvals > 0, declines > 0 else { return 1 }
        let lo = max(0, rowU - declines), hi = min(rowU, approvals)
        let pObserved = Special.hypergeometricPMF(a, successes: approvals, failures: declines, draws: rowU)
        let cutoff = pObserved * (1 + fisherRelativeTolerance)
        var p = 0.0
        for k in lo...hi {
            let pk = Special.hypergeometricPMF(k, successes: approvals, failures: declines, draws: rowU)
            if pk <= cutoff { p += pk }
        }
        return min(1, p)
    }

    /// Pearson's chi-square test of independence without continuity correction (df = 1).
    /// Statistic and p-value are NaN when an expected count is zero (a margin is empty).
    public static func chiSquare(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> (statistic: Double, p: Double) {
        let obs = [Double(a), Double(b), Double(c), Double(d)]
        let n = obs.reduce(0, +)
        let r1 = Double(a + b), r2 = Double(c + d), c1 = Double(a + c), c2 = Double(b + d)
        let expected = [r1 * c1 / n, r1 * c2 / n, r2 * c1 / n, r2 * c2 / n]
        guard n > 0, expected.allSatisfy({ $0 > 0 }) else { return (.nan, .nan) }
        var stat = 0.0
        for k in 0..<4 { let dlt = obs[k] - expected[k]; stat += dlt * dlt / expected[k] }
        return (stat, Special.chiSquareSurvival(stat, df: 1))
    }

    /// Holm's step-down adjusted p-values (Holm 1979; `statsmodels multipletests(method="holm")`):
    /// with the m finite p-values sorted ascending, p̃₍ⱼ₎ = max_{k ≤ j} min(1, (m − k + 1) p₍ₖ₎).
    /// NaN entries stay NaN and do not count towards m. Output is in input order.
    public static func holm(_ p: [Double]) -> [Double] {
        let idx = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
        let m = idx.count
        var out = [Double](repeating: .nan, count: p.count)
        var running = 0.0
        for (k, i) in idx.enumerated() {
            running = max(running, min(1, Double(m - k) * p[i]))
            out[i] = running
        }
        return out
    }
}
