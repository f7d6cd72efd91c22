import Foundation
import ObligorData
import ObligorNumerics

/// The plain `logistic-json` interchange form of a linear model (DESIGN.md):
/// PD = sigmoid(intercept + Σ cⱼ·xⱼ), approve when PD < threshold.
///
/// ```json
/// {"obligor_model": "logistic", "format_version": 1, "target": "bad",
///  "features": ["f1", "f2"], "intercept": -1.2, "coefficients": [0.4, -0.7], "threshold": 0.5}
/// ```
public struct LogisticInterchange: Codable, Sendable, Equatable {
    public var obligorModel = "logistic"
    public var formatVersion = 1
    public var target: String
    public var features: [String]
    public var intercept: Double
    public var coefficients: [Double]
    public var threshold: Double

    enum CodingKeys: String, CodingKey {
        case target, features, intercept, coefficients, threshold
        case obligorModel = "obligor_model", formatVersion = "format_version"
    }

    public init(target: String, features: [String], intercept: Double, coefficients: [Double], threshold: Double) {
        self.target = target
        self.features = features
        self.intercept = intercept
        self.coefficients = coefficients
        self.threshold = threshold
    }

    /// Checks the fields and returns a numeric-only ``LogisticModel`` (no missing values allowed).
    public func model() throws(ModelError) -> LogisticModel {
        guard obligorModel == "logistic" else { throw .unsupportedFormat("logistic-json: obligor_model must be \"logistic\", found \"\(obligorModel)\"") }
        guard formatVersion == 1 else { throw .unsupportedFormat("logistic-json: format_version \(formatVersion) is not supported (1 is)") }
        guard features.count == coefficients.count else {
            throw .unsupportedFormat("logistic-json: \(features.count) features but \(coefficients.count) coefficients")
        }
        guard Set(features).count == features.count else { throw .unsupportedFormat("logistic-json: feature names repeat") }
        guard intercept.isFinite, coefficients.allSatisfy(\.isFinite) else { throw .unsupportedFormat("logistic-json: coefficients must be finite") }
        guard threshold > 0 && threshold < 1 else { throw .unsupportedFormat("logistic-json: threshold must be in (0, 1)") }
        let encoder = FeatureEncoder(numeric: features)
        let fit = LogisticRegression.Fit(coefficients: [intercept] + coefficients, standardErrors: nil, zValues: nil, pValues: nil, logLikelihood: nil, iterations: 0, converged: true, lambda: 0)
        return LogisticModel(encoder: encoder, fit: fit, target: target, threshold: threshold)
    }

    /// The interchange form of a model whose features are all numeric without missing-value handling.
    public init(_ m: LogisticModel) throws(ModelError) {
        guard m.encoder.features.allSatisfy({ $0.kind == .numeric && !$0.missingIndicator && $0.specialValues.isEmpty }) else {
            throw .unsupportedFormat("logistic-json holds plain numeric linear models only; this model has categorical or missing-value encodings (export --format obligor or sql)")
        }
        self.init(target: m.target, features: m.featureNames, intercept: m.fit.coefficients[0],
                  coefficients: Array(m.fit.coefficients.dropFirst()), threshold: m.threshold)
    }
}

extension FeatureEncoder {
    /// Plain numeric features with no missing-value handling (missing cells are rejected at scoring).
    public init(numeric names: [String]) {
        features = names.map {
            EncodedFeature(name: $0, kind: .numeric, specialValues: [], fill: nil, missingIndicator: false, reference: nil, dummies: [], missingDummy: false)
        }
    }
}
