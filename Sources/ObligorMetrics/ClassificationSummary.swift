import Foundation

/// The headline numbers of a PD model on one sample (what `obligor evaluate` / `metrics` print).
///
/// JSON keys (snake_case, fixed by the CLI contract): `n`, `defaults`, `default_rate`, `mean_pd`,
/// `auc`, `auc_se`, `auc_ci95_low`, `auc_ci95_high`, `gini`, `ks`, `ks_threshold`, `brier`,
/// `brier_skill`, `log_loss`, `spiegelhalter_z`, `spiegelhalter_p`, `hl_stat`, `hl_p`.
/// Encode with ``MetricsJSON/encoder()`` (a `ks_threshold` of +∞ is written as `"inf"`).
public struct ClassificationSummary: Codable, Sendable, Equatable {
    public var n: Int
    public var defaults: Int
    /// `defaults / n`.
    public var defaultRate: Double
    /// Mean PD.
    public var meanPD: Double
    /// Mann–Whitney AUC, ties ½.
    public var auc: Double
    /// DeLong (1988) standard error of the AUC.
    public var aucSE: Double
    /// `auc − 1.959963984540054·auc_se`.
    public var aucCI95Low: Double
    /// `auc + 1.959963984540054·auc_se`.
    public var aucCI95High: Double
    /// `2·AUC − 1`.
    public var gini: Double
    /// Exact tie-aware KS (see ``Discrimination/ks(scores:labels:)``).
    public var ks: Double
    /// The score maximising TPR − FPR (decline at score ≥ threshold).
    public var ksThreshold: Double
    public var brier: Double
    /// `1 − Brier / (DR(1 − DR))`.
    public var brierSkill: Double
    /// Natural-log log-loss with clipping at float64 epsilon.
    public var logLoss: Double
    public var spiegelhalterZ: Double
    /// Two-sided.
    public var spiegelhalterP: Double
    /// Hosmer–Lemeshow statistic over the sample's PD deciles.
    public var hlStat: Double
    /// Its p-value with df = g (number of non-empty deciles): the PDs are treated as fixed,
    /// externally given forecasts (backtest convention, BCBS WP14). For the in-sample g − 2
    /// version use ``Calibration/hosmerLemeshow(scores:labels:)``.
    public var hlP: Double

    enum CodingKeys: String, CodingKey {
        case n, defaults, auc, gini, ks, brier
        case defaultRate = "default_rate", meanPD = "mean_pd", aucSE = "auc_se"
        case aucCI95Low = "auc_ci95_low", aucCI95High = "auc_ci95_high", ksThreshold = "ks_threshold"
        case brierSkill = "brier_skill", logLoss = "log_loss"
        case spiegelhalterZ = "spiegelhalter_z", spiegelhalterP = "spiegelhalter_p"
        case hlStat = "hl_stat", hlP = "hl_p"
    }

    /// Computes every field after validating the input.
    ///
    /// - Throws: ``MetricsError`` for mismatched lengths, empty input, labels other than 0/1,
    ///   non-finite or out-of-[0, 1] scores (naming the first offending index), or a single class.
    public static func summarize(scores: [Double], labels: [Int]) throws(MetricsError) -> ClassificationSummary {
        try MetricsValidation.check(scores: scores, labels: labels, requireBothClasses: true)
        let n = scores.count
        let d = labels.reduce(0, +)
        let dr = Double(d) / Double(n)
        let groups = ScoreGroups(scores: scores, labels: labels)
        let (auc, se) = Discrimination.deLong(groups)
        let ci = Discrimination.confidenceInterval(auc: auc, standardError: se)
        let ks = Discrimination.ks(groups)
        let brier = Calibration.brier(scores: scores, labels: labels)
        let sp = Calibration.spiegelhalter(scores: scores, labels: labels)
        let hl = Calibration.hosmerLemeshow(scores: scores, labels: labels)
        return ClassificationSummary(
            n: n, defaults: d, defaultRate: dr, meanPD: scores.reduce(0, +) / Double(n),
            auc: auc, aucSE: se, aucCI95Low: ci.low, aucCI95High: ci.high,
            gini: Discrimination.gini(auc: auc), ks: ks.statistic, ksThreshold: ks.threshold,
            brier: brier, brierSkill: Calibration.brierSkill(brier: brier, defaultRate: dr),
            logLoss: Calibration.logLoss(scores: scores, labels: labels),
            spiegelhalterZ: sp.z, spiegelhalterP: sp.pTwoSided,
            hlStat: hl.statistic, hlP: hl.pValueDfG)
    }
}
