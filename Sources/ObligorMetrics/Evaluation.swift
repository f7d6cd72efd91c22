import Foundation

/// Everything `obligor evaluate` and `obligor metrics` report for one sample: the headline
/// summary, the PD-decile calibration table with per-bucket tests, the gains table, optionally a
/// per-grade table and the PSI against a baseline (development) sample.
public struct Evaluation: Sendable {
    public let summary: ClassificationSummary
    public let calibration: [CalibrationRow]
    public let gains: [GainsRow]
    public let grades: [CalibrationRow]?
    /// PSI of the scores against the baseline's deciles (default zero-count rule), when a baseline was given.
    public let psi: PSIResult?

    /// Computes the evaluation.
    /// - Throws: ``MetricsError`` for invalid scores or labels.
    public static func evaluate(scores: [Double], labels: [Int], grades: [String]? = nil, baseline: [Double]? = nil) throws(MetricsError) -> Evaluation {
        let summary = try ClassificationSummary.summarize(scores: scores, labels: labels)
        return Evaluation(
            summary: summary,
            calibration: Calibration.decileTable(scores: scores, labels: labels),
            gains: Gains.table(scores: scores, labels: labels),
            grades: grades.map { Calibration.gradeTable(scores: scores, labels: labels, grades: $0) },
            psi: baseline.map { Stability.psi(expected: $0, actual: scores) })
    }

    /// One flat JSON object: the summary's keys at the top level (`auc`, `gini`, `ks`, `brier`,
    /// `log_loss`, …), plus `calibration`, `gains`, and `grades` / `psi` / `psi_table` when present.
    public func jsonObject() throws -> [String: Any] {
        let encoder = MetricsJSON.encoder()
        func object<T: Encodable>(_ v: T) throws -> Any { try JSONSerialization.jsonObject(with: encoder.encode(v), options: [.fragmentsAllowed]) }
        var out = (try object(summary) as? [String: Any]) ?? [:]
        out["calibration"] = try object(calibration)
        out["gains"] = try object(gains)
        if let grades { out["grades"] = try object(grades) }
        if let psi {
            out["psi"] = psi.value.isFinite ? psi.value : "inf"
            out["psi_detail"] = try object(psi)
        }
        return out
    }
}
