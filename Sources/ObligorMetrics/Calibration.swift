import Foundation
import ObligorNumerics

/// Basel-style traffic light of a one-sided calibration test (OeNB / Tasche practice):
/// green `p ≥ 0.05`, yellow `0.001 ≤ p < 0.05`, red `p < 0.001`.
public enum TrafficLight: String, Codable, Sendable, CaseIterable {
    case green, yellow, red
}

/// One row of a calibration (backtest) table: a PD bucket or a rating grade.
///
/// JSON keys are the oracle's (`calib.decile_table`, `calib.grade_table`): `bin` (decile tables) or
/// `grade` (grade tables), `n`, `defaults`, `mean_pd`, `min_pd`, `max_pd`, `dr`, `o_over_e`,
/// `binom_p`, `jeffreys_p`, `ztest_p`, `jeffreys_dr_lo95`, `jeffreys_dr_hi95`, `traffic_light`
/// (from the Jeffreys p-value). Encode with ``MetricsJSON/encoder()`` when values may be infinite.
public struct CalibrationRow: Codable, Sendable, Equatable {
    /// Decile label such as `"[0.0398, 0.0579)"` (decile tables only).
    public var bin: String?
    /// Rating grade (grade tables only).
    public var grade: String?
    public var n: Int
    public var defaults: Int
    /// Mean PD of the bucket (the grade's PD in the tests).
    public var meanPD: Double
    public var minPD: Double
    public var maxPD: Double
    /// Observed default rate `defaults / n`.
    public var defaultRate: Double
    /// Observed over expected `defaults / (n · mean_pd)`.
    public var observedOverExpected: Double
    /// One-sided binomial p-value `P(X ≥ D | Bin(n, mean_pd))`.
    public var binomialP: Double
    /// Jeffreys p-value `F_Beta(mean_pd; D + ½, n − D + ½)`.
    public var jeffreysP: Double
    /// One-sided normal-approximation p-value.
    public var zTestP: Double
    /// Jeffreys 95% interval for the default rate (2.5% and 97.5% Beta quantiles).
    public var jeffreysLow95: Double
    public var jeffreysHigh95: Double
    /// ``TrafficLight`` of `jeffreysP`.
    public var trafficLight: TrafficLight

    /// `bin` or `grade`, whichever is set.
    public var label: String { bin ?? grade ?? "" }

    enum CodingKeys: String, CodingKey {
        case bin, grade, n, defaults
        case meanPD = "mean_pd", minPD = "min_pd", maxPD = "max_pd"
        case defaultRate = "dr", observedOverExpected = "o_over_e"
        case binomialP = "binom_p", jeffreysP = "jeffreys_p", zTestP = "ztest_p"
        case jeffreysLow95 = "jeffreys_dr_lo95", jeffreysHigh95 = "jeffreys_dr_hi95"
        case trafficLight = "traffic_light"
    }
}

/// Hosmer–Lemeshow statistic over buckets with p-values for both degrees-of-freedom conventions.
public struct HosmerLemeshow: Codable, Sendable, Equatable {
    /// `H = Σ_k (D_k − N_k·PD_k)² / (N_k·PD_k·(1 − PD_k))`.
    public var statistic: Double
    /// Number of buckets g.
    public var groups: Int
    /// `P(χ²_g > H)`: fixed external PDs (backtest; BCBS WP14).
    public var pValueDfG: Double
    /// `P(χ²_{g−2} > H)`: PDs fitted in-sample (classic Hosmer–Lemeshow).
    public var pValueDfGMinus2: Double

    enum CodingKeys: String, CodingKey {
        case statistic, groups, pValueDfG = "p_df_g", pValueDfGMinus2 = "p_df_g_minus_2"
    }
}

/// Calibration / accuracy measures and the per-bucket PD backtests of BCBS WP14 and ECB (2019).
///
/// All tests are one-sided with H0 "the PD is not underestimated" (true DR ≤ PD): a small p-value
/// means more defaults than the PD predicts.
public enum Calibration {
    /// Brier score `mean((p_i − y_i)²)` (sklearn `brier_score_loss`).
    public static func brier(scores: [Double], labels: [Int]) -> Double {
        precondition(scores.count == labels.count && !scores.isEmpty)
        var s = 0.0
        for i in 0..<scores.count {
            let d = scores[i] - Double(labels[i])
            s += d * d
        }
        return s / Double(scores.count)
    }

    /// The clipping constant of ``logLoss(scores:labels:)``: float64 machine epsilon, 2⁻⁵².
    public static let logLossEpsilon = Double.ulpOfOne

    /// Log-loss (natural log) `−mean(y ln p + (1 − y) ln(1 − p))` with p clipped to
    /// `[ε, 1 − ε]`, ε = float64 machine epsilon (sklearn `log_loss`), so PDs of exactly 0 or 1 stay finite.
    public static func logLoss(scores: [Double], labels: [Int]) -> Double {
        precondition(scores.count == labels.count && !scores.isEmpty)
        let eps = logLossEpsilon
        var s = 0.0
        for i in 0..<scores.count {
            let p = min(max(scores[i], eps), 1 - eps)
            s -= labels[i] == 1 ? log(p) : log(1 - p)
        }
        return s / Double(scores.count)
    }

    /// Brier skill score against the base-rate forecast: `1 − Brier / (DR·(1 − DR))`.
    public static func brierSkill(brier: Double, defaultRate: Double) -> Double {
        1 - brier / (defaultRate * (1 - defaultRate))
    }

    /// Brier skill score of the scores (see ``brierSkill(brier:defaultRate:)``).
    public static func brierSkill(scores: [Double], labels: [Int]) -> Double {
        let d = labels.reduce(0, +)
        return brierSkill(brier: brier(scores: scores, labels: labels),
                          defaultRate: Double(d) / Double(labels.count))
    }

    /// Spiegelhalter (1986) loan-level calibration test:
    /// `z = Σ (y_i − p_i)(1 − 2p_i) / √(Σ (1 − 2p_i)² p_i (1 − p_i))`, two-sided `p = 2(1 − Φ(|z|))`.
    public static func spiegelhalter(scores: [Double], labels: [Int]) -> (z: Double, pTwoSided: Double) {
        precondition(scores.count == labels.count)
        var num = 0.0, den = 0.0
        for i in 0..<scores.count {
            let p = scores[i]
            let w = 1 - 2 * p
            num += (Double(labels[i]) - p) * w
            den += w * w * p * (1 - p)
        }
        let z = num / den.squareRoot()
        return (z, 2 * Special.normalSurvival(abs(z)))
    }

    /// Hosmer–Lemeshow over given buckets: `H = Σ_k (D_k − N_k PD_k)² / (N_k PD_k (1 − PD_k))`,
    /// with p-values for df = g (external PDs) and df = g − 2 (in-sample fit).
    public static func hosmerLemeshow(n: [Int], defaults: [Int], meanPD: [Double]) -> HosmerLemeshow {
        precondition(n.count == defaults.count && n.count == meanPD.count)
        var h = 0.0
        for k in 0..<n.count {
            let nk = Double(n[k]), p = meanPD[k]
            let e = nk * p
            let d = Double(defaults[k]) - e
            h += d * d / (e * (1 - p))
        }
        let g = n.count
        return HosmerLemeshow(statistic: h, groups: g,
                              pValueDfG: Special.chiSquareSurvival(h, df: Double(g)),
                              pValueDfGMinus2: g > 2 ? Special.chiSquareSurvival(h, df: Double(g - 2)) : .nan)
    }

    /// Hosmer–Lemeshow over the rows of a calibration table (e.g. ``decileTable(scores:labels:)``).
    public static func hosmerLemeshow(table: [CalibrationRow]) -> HosmerLemeshow {
        hosmerLemeshow(n: table.map(\.n), defaults: table.map(\.defaults), meanPD: table.map(\.meanPD))
    }

    /// Hosmer–Lemeshow over the PD deciles of the sample itself.
    public static func hosmerLemeshow(scores: [Double], labels: [Int]) -> HosmerLemeshow {
        hosmerLemeshow(table: decileTable(scores: scores, labels: labels))
    }

    /// One-sided binomial test: `p = P(X ≥ D | X ~ Bin(N, PD)) = 1 − F_Bin(D − 1; N, PD)` (1 when D = 0).
    public static func binomialP(defaults: Int, n: Int, pd: Double) -> Double {
        Special.binomialUpperTail(defaults, n: n, p: pd)
    }

    /// Jeffreys test (ECB 2019): `p = F_Beta(PD; D + ½, N − D + ½)`; reject "PD adequate" if p < α.
    public static func jeffreysP(defaults: Int, n: Int, pd: Double) -> Double {
        Special.betaCDF(pd, a: Double(defaults) + 0.5, b: Double(n - defaults) + 0.5)
    }

    /// Normal-approximation test: `z = (D/N − PD) / √(PD(1 − PD)/N)`, `p = 1 − Φ(z)`.
    public static func zTestP(defaults: Int, n: Int, pd: Double) -> Double {
        let nn = Double(n)
        let z = (Double(defaults) / nn - pd) / (pd * (1 - pd) / nn).squareRoot()
        return Special.normalSurvival(z)
    }

    /// Jeffreys equal-tailed interval for the default rate: the `(1 − level)/2` and `(1 + level)/2`
    /// quantiles of `Beta(D + ½, N − D + ½)` (95% by default).
    public static func jeffreysInterval(defaults: Int, n: Int, level: Double = 0.95) -> (low: Double, high: Double) {
        let a = Double(defaults) + 0.5, b = Double(n - defaults) + 0.5
        let tail = (1 - level) / 2
        return (Special.betaQuantile(tail, a: a, b: b), Special.betaQuantile(1 - tail, a: a, b: b))
    }

    /// Traffic light of a one-sided p-value: green `p ≥ 0.05`, yellow `0.001 ≤ p < 0.05`, red `p < 0.001`.
    /// (NaN is green, as in the oracle's `np.where`.)
    public static func trafficLight(p: Double) -> TrafficLight {
        p < 0.001 ? .red : (p < 0.05 ? .yellow : .green)
    }

    /// Portfolio-level binomial and Jeffreys p-values, PD = mean PD of all rows.
    public static func portfolioTests(scores: [Double], labels: [Int]) -> (binomialP: Double, jeffreysP: Double) {
        let d = labels.reduce(0, +), n = labels.count
        let pd = scores.reduce(0, +) / Double(n)
        return (binomialP(defaults: d, n: n, pd: pd), jeffreysP(defaults: d, n: n, pd: pd))
    }

    /// One table row from a bucket's counts and PD summary (all the per-bucket tests).
    public static func row(n: Int, defaults: Int, meanPD: Double, minPD: Double, maxPD: Double,
                           bin: String? = nil, grade: String? = nil) -> CalibrationRow {
        let nn = Double(n)
        let jp = jeffreysP(defaults: defaults, n: n, pd: meanPD)
        let ci = jeffreysInterval(defaults: defaults, n: n)
        return CalibrationRow(
            bin: bin, grade: grade, n: n, defaults: defaults, meanPD: meanPD, minPD: minPD, maxPD: maxPD,
            defaultRate: Double(defaults) / nn,
            observedOverExpected: Double(defaults) / (nn * meanPD),
            binomialP: binomialP(defaults: defaults, n: n, pd: meanPD),
            jeffreysP: jp, zTestP: zTestP(defaults: defaults, n: n, pd: meanPD),
            jeffreysLow95: ci.low, jeffreysHigh95: ci.high, trafficLight: trafficLight(p: jp))
    }

    /// Calibration table by PD decile of the sample itself (edges: ``Binning/quantileEdges(_:count:)``,
    /// bins `[a, b)`); empty buckets are omitted; rows sorted by mean PD (stable).
    public static func decileTable(scores: [Double], labels: [Int], count: Int = 10) -> [CalibrationRow] {
        let edges = Binning.quantileEdges(scores, count: count)
        let keys = scores.map { Binning.binIndex($0, edges: edges) }
        return table(scores: scores, labels: labels, keys: keys) { Binning.label(bin: $0, edges: edges) }
            .map { $0.row(bin: $0.label, grade: nil) }
            .sortedByMeanPD()
    }

    /// Rating-grade backtest table: one row per grade (grades sorted as strings, then rows sorted by
    /// mean PD, stable); the grade's PD is the mean PD of its obligors.
    public static func gradeTable(scores: [Double], labels: [Int], grades: [String]) -> [CalibrationRow] {
        precondition(grades.count == scores.count)
        let names = Array(Set(grades)).sorted()
        var index: [String: Int] = [:]
        for (i, g) in names.enumerated() { index[g] = i }
        let keys = grades.map { index[$0]! }
        return table(scores: scores, labels: labels, keys: keys) { names[$0] }
            .map { $0.row(bin: nil, grade: $0.label) }
            .sortedByMeanPD()
    }

    struct Bucket {
        var label = ""
        var n = 0, defaults = 0
        var sum = 0.0, minPD = Double.infinity, maxPD = -Double.infinity
        func row(bin: String?, grade: String?) -> CalibrationRow {
            Calibration.row(n: n, defaults: defaults, meanPD: sum / Double(n), minPD: minPD, maxPD: maxPD,
                            bin: bin, grade: grade)
        }
    }

    /// Groups rows by integer key `0..<K` and returns the non-empty buckets in key order.
    static func table(scores: [Double], labels: [Int], keys: [Int], label: (Int) -> String) -> [Bucket] {
        precondition(scores.count == labels.count && keys.count == scores.count)
        let k = (keys.max() ?? -1) + 1
        var b = [Bucket](repeating: Bucket(), count: k)
        for i in 0..<scores.count {
            let key = keys[i], s = scores[i]
            b[key].n += 1
            b[key].defaults += labels[i]
            b[key].sum += s
            b[key].minPD = min(b[key].minPD, s)
            b[key].maxPD = max(b[key].maxPD, s)
        }
        var out: [Bucket] = []
        for key in 0..<k where b[key].n > 0 {
            var x = b[key]
            x.label = label(key)
            out.append(x)
        }
        return out
    }
}

extension Array where Element == CalibrationRow {
    func sortedByMeanPD() -> [CalibrationRow] {
        enumerated().sorted { ($0.element.meanPD, $0.offset) < ($1.element.meanPD, $1.offset) }.map(\.element)
    }
}
