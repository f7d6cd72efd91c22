import ObligorData

/// The one contract every Obligor model family meets.
///
/// Audits, backtests, recourse checks and reports take a `Scorer` and never special-case a model.
/// Convention: y = 1 is default (bad); a PD is in (0, 1); higher PD means riskier.
public protocol Scorer: Sendable {
    /// The input columns the model reads, by training name.
    var featureNames: [String] { get }
    /// Probability of default (event y = 1) for each row of `frame`.
    /// - Throws: ``ModelError`` when a feature column is absent, has the wrong type, or holds a
    ///   value the model's declared missing-value policy rejects.
    func predictPD(_ frame: Frame) throws -> [Double]
}

/// A reason code: one feature's adverse contribution to one applicant's score.
public struct ReasonCode: Codable, Sendable, Equatable {
    /// The feature.
    public let feature: String
    /// The applicant's value or bin, as text.
    public let value: String
    /// How much this feature raised the applicant's risk relative to the best attainable value:
    /// scorecard points lost, or log-odds added for a linear model.
    public let impact: Double

    public init(feature: String, value: String, impact: Double) {
        self.feature = feature
        self.value = value
        self.impact = impact
    }
}

/// Models that can say why a PD is high (adverse-action reason codes).
public protocol ExplainableScorer: Scorer {
    /// The `top` most adverse features for each row, largest impact first; features with no
    /// adverse impact are omitted.
    func reasonCodes(_ frame: Frame, top: Int) throws -> [[ReasonCode]]
}

/// Errors raised when training or applying a model.
public enum ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    case missingFeature(String)
    case wrongFeatureType(feature: String, expected: String, found: String)
    case missingValueRejected(feature: String, row: Int)
    case notEnoughData(String)
    case singleClass(target: String)
    case fitFailed(String)
    /// Design column `index` (0-based, intercept = 0) is a linear combination of the columns before it.
    case collinear(index: Int, name: String?)
    case invalidConfig(String)
    case unsupportedFormat(String)

    public var description: String {
        switch self {
        case let .missingFeature(f): return "the data has no column '\(f)', which the model needs"
        case let .wrongFeatureType(f, e, found): return "column '\(f)' is \(found), the model expects \(e)"
        case let .missingValueRejected(f, r): return "column '\(f)' is missing at row \(r + 1), and the model's policy for it is to reject missing values"
        case let .notEnoughData(m): return "not enough data: \(m)"
        case let .singleClass(t): return "target '\(t)' has only one class in the training data"
        case let .fitFailed(m): return "model fit failed: \(m)"
        case let .collinear(index, name):
            return "model fit failed: design column \(name.map { "'\($0)'" } ?? "\(index)") is (numerically) a linear combination of the columns "
                + "before it, so its coefficient is not identified; remove it or a column it duplicates, or add a ridge penalty (lambda_l2)"
        case let .invalidConfig(m): return "invalid model configuration: \(m)"
        case let .unsupportedFormat(m): return m
        }
    }
}
