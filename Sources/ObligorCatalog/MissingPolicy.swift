import Foundation
import ObligorBoosting
import ObligorModels

/// How one input's missing values, special (sentinel) values and unseen categories are scored.
/// Special values are fixed at training and stored in the model; scoring applies them exactly as
/// training did (the sentinel is read as missing before anything else sees it).
public struct MissingTreatment: Sendable, Equatable {
    public let feature: String
    /// "numeric" or "categorical".
    public let kind: String
    /// Numeric codes read as missing.
    public let specialValues: [Double]
    /// What a missing (or special) value becomes.
    public let missing: String
    /// What a category never seen in training becomes (categorical inputs).
    public let unseen: String?
}

extension AnyModel {
    /// The model's per-input missing-value policy (logit, scorecard, gbdt; empty for others).
    public var missingPolicy: [MissingTreatment] {
        switch self {
        case let .logistic(m):
            return m.encoder.features.map { f in
                switch f.kind {
                case .numeric:
                    let fill = f.fill.map { "the training mean \($0)" } ?? "rejected (no missing values in training)"
                    return MissingTreatment(feature: f.name, kind: "numeric", specialValues: f.specialValues,
                                            missing: f.missingIndicator ? "\(fill), plus indicator column \(f.name)=<missing> = 1" : "\(fill) (no indicator: none were missing in training)",
                                            unseen: nil)
                case .categorical:
                    return MissingTreatment(feature: f.name, kind: "categorical", specialValues: [],
                                            missing: f.missingDummy ? "dummy \(f.name)=<missing>" : "the reference level \(f.reference ?? "?") (all dummies 0)",
                                            unseen: "the reference level \(f.reference ?? "?") (all dummies 0)")
                }
            }
        case let .scorecard(m):
            return m.characteristics.map { c in
                let missing = c.missingBin.map { "bin <missing> (WoE \(c.bins[$0].woe), points \(c.bins[$0].points))" }
                    ?? "neutral: WoE 0 (no missing values in training)"
                let unseen: String? = c.kind == .categorical
                    ? (c.otherBin.map { "bin <other> (WoE \(c.bins[$0].woe), points \(c.bins[$0].points))" } ?? "neutral: WoE 0")
                    : nil
                return MissingTreatment(feature: c.name, kind: c.kind == .numeric ? "numeric" : "categorical",
                                        specialValues: c.specialValues, missing: missing, unseen: unseen)
            }
        case let .gbdt(m):
            var left = [Int](repeating: 0, count: m.features.count), right = left
            for t in m.trees { for (k, f) in t.splitFeature.enumerated() { if t.defaultLeft[k] { left[f] += 1 } else { right[f] += 1 } } }
            return m.features.enumerated().map { j, f in
                let missing = left[j] + right[j] == 0 ? "unused by the trees"
                    : "each split's learned default branch (\(left[j]) splits send it left, \(right[j]) right)"
                return MissingTreatment(feature: f.name, kind: f.kind.rawValue, specialValues: f.specialValues, missing: missing,
                                        unseen: f.kind == .categorical ? "treated as missing" : nil)
            }
        default:
            return []
        }
    }
}
