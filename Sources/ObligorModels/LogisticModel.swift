import Foundation
import ObligorData
import ObligorNumerics

/// A fitted logistic-regression scorer: encoding + coefficients.
///
/// PD = sigmoid(β₀ + Σⱼ βⱼ xⱼ) on the design columns of ``encoder``.
public struct LogisticModel: ExplainableScorer, Codable, Equatable {
    /// How inputs become design columns (missing-value and category policy included).
    public let encoder: FeatureEncoder
    /// Coefficients and inference (intercept first).
    public let fit: LogisticRegression.Fit
    /// The target this model predicts.
    public let target: String
    /// Approve when PD < threshold (interchange and audits).
    public var threshold: Double

    public var featureNames: [String] { encoder.features.map(\.name) }

    /// Trains on `frame`.
    public static func train(frame: Frame, target: String, features: [String], labels: [Int], lambda: Double = 0,
                             specialValues: [String: [Double]] = [:], threshold: Double = 0.5) throws -> LogisticModel {
        guard Set(labels).count == 2 else { throw ModelError.singleClass(target: target) }
        let encoder = try FeatureEncoder(fitting: frame, features: features, specialValues: specialValues)
        let x = try encoder.design(frame, intercept: true)
        let fit = try LogisticRegression.fit(design: x, labels: labels, options: .init(lambda: lambda),
                                             columnNames: ["(intercept)"] + encoder.designNames)
        return LogisticModel(encoder: encoder, fit: fit, target: target, threshold: threshold)
    }

    public init(encoder: FeatureEncoder, fit: LogisticRegression.Fit, target: String, threshold: Double = 0.5) {
        self.encoder = encoder
        self.fit = fit
        self.target = target
        self.threshold = threshold
    }

    /// Linear predictors η = Xβ.
    ///
    /// Summed row by row in a fixed order (not by BLAS `dgemv`, whose blocking depends on the
    /// matrix shape), so a row's PD is bit-identical whether it is scored alone, in a shard or in
    /// the whole file, and whatever the thread count.
    public func linearPredictor(_ frame: Frame) throws -> [Double] {
        try encoder.design(frame, intercept: true).rowDotProducts(fit.coefficients)
    }

    public func predictPD(_ frame: Frame) throws -> [Double] {
        try linearPredictor(frame).map(Special.sigmoid)
    }

    /// Reason codes: per feature, the log-odds it adds relative to a baseline applicant,
    /// impact = Σ βₖ (xₖ − bₖ) over the feature's design columns, where the baseline bₖ is the
    /// training mean for a numeric value and 0 (the reference level) for a dummy. Only features
    /// with a positive impact (pushing PD up) are reported.
    public func reasonCodes(_ frame: Frame, top: Int) throws -> [[ReasonCode]] {
        let x = try encoder.design(frame, intercept: false)
        let beta = Array(fit.coefficients.dropFirst())
        var out: [[ReasonCode]] = []
        out.reserveCapacity(frame.rowCount)
        let means = encoderMeans
        for i in 0..<frame.rowCount {
            var codes: [ReasonCode] = []
            var col = 0
            for f in encoder.features {
                let width = f.designNames.count
                var impact = 0.0
                for k in col..<(col + width) { impact += beta[k] * (x[i, k] - means[k]) }
                col += width
                if impact > 0 {
                    let value = frame[f.name]?.text(at: i) ?? "<missing>"
                    codes.append(ReasonCode(feature: f.name, value: value, impact: impact))
                }
            }
            codes.sort { $0.impact > $1.impact }
            out.append(Array(codes.prefix(top)))
        }
        return out
    }

    /// Training means of the design columns are not stored separately; the numeric fill is the
    /// training mean, and for dummies the baseline is 0 (the reference level).
    private var encoderMeans: [Double] {
        encoder.features.flatMap { f -> [Double] in
            switch f.kind {
            case .numeric: return [f.fill ?? 0] + (f.missingIndicator ? [0] : [])
            case .categorical: return Array(repeating: 0, count: f.designNames.count)
            }
        }
    }
}
