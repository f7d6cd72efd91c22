import Foundation
import ObligorData
import ObligorModels
import ObligorNumerics

/// A tree ensemble PD model: margin F(x) = base + Σ_t tree_t(x), PD = σ(F(x)).
///
/// Trained here (``BoostingTrainer``) or imported (``XGBoostImport``, ``LightGBMImport``); all
/// kinds score, explain and serialise the same way. Rows are scored in parallel, each row summing
/// its trees in order, so a PD does not depend on the thread count or on which rows are scored with it.
public struct GBDTModel: ExplainableScorer, Codable, Equatable {
    /// Inputs in model order.
    public let features: [FeatureSpec]
    public let trees: [DecisionTree]
    /// Starting margin (log-odds).
    public let baseScore: Double
    /// Training parameters (defaults for an imported model).
    public let parameters: BoostingParameters
    /// Iterations kept by early stopping (nil without validation).
    public let bestIteration: Int?
    /// Best validation metric (nil without validation).
    public let validationMetric: Double?
    /// Where the trees come from: "obligor", "xgboost-json" or "lightgbm-text".
    public var source: String = "obligor"
    /// Approve when PD < threshold (audits, recourse).
    public var threshold: Double = 0.5

    public init(features: [FeatureSpec], trees: [DecisionTree], baseScore: Double, parameters: BoostingParameters,
                bestIteration: Int?, validationMetric: Double?, source: String = "obligor") {
        self.features = features
        self.trees = trees
        self.baseScore = baseScore
        self.parameters = parameters
        self.bestIteration = bestIteration
        self.validationMetric = validationMetric
        self.source = source
    }

    public var featureNames: [String] { features.map(\.name) }

    /// Margins (log-odds) of raw feature rows.
    public func margins(_ raw: RawFeatures) -> [Double] {
        let ranges = Parallel.chunks(count: raw.rows, size: 4_096)
        let p = raw.columns
        let parts: [[Double]] = raw.values.withUnsafeBufferPointer { vp in
            nonisolated(unsafe) let vp = vp
            return Parallel.map(ranges.count) { k in
                ranges[k].map { i in
                    let x = vp.baseAddress! + i * p
                    var f = baseScore
                    for t in trees { f += t.leafValue[t.leaf(x)] }
                    return f
                }
            }
        }
        return parts.flatMap { $0 }
    }

    /// Margins of the rows of `frame`.
    public func margins(_ frame: Frame) throws -> [Double] {
        margins(try RawFeatures.from(frame, specs: features))
    }

    public func predictPD(_ frame: Frame) throws -> [Double] {
        try margins(frame).map(Special.sigmoid)
    }

    /// Total split gain per feature (gain importance), in feature order.
    public var gainImportance: [Double] {
        var out = [Double](repeating: 0, count: features.count)
        for t in trees { for (k, f) in t.splitFeature.enumerated() { out[f] += t.gain[k] } }
        return out
    }

    /// Number of splits per feature (split importance), in feature order.
    public var splitImportance: [Int] {
        var out = [Int](repeating: 0, count: features.count)
        for t in trees { for f in t.splitFeature { out[f] += 1 } }
        return out
    }

    /// Exact TreeSHAP contributions (log-odds) for each row: `features.count` values per row, plus
    /// the expected margin; contributions sum to the margin minus it (local accuracy).
    public func contributions(_ raw: RawFeatures) -> (values: [[Double]], expected: Double) {
        let expected = baseScore + trees.reduce(0) { $0 + TreeSHAP.expectedValue($1) }
        let ranges = Parallel.chunks(count: raw.rows, size: 256)
        let p = raw.columns
        let parts: [[[Double]]] = Parallel.map(ranges.count) { k in
            ranges[k].map { i in
                var phi = [Double](repeating: 0, count: features.count)
                let row = Array(raw.values[(i * p)..<((i + 1) * p)])
                for t in trees { TreeSHAP.accumulate(t, row: row, into: &phi) }
                return phi
            }
        }
        return (parts.flatMap { $0 }, expected)
    }

    /// Reason codes: the features with the largest positive TreeSHAP contributions (pushing PD up).
    public func reasonCodes(_ frame: Frame, top: Int) throws -> [[ReasonCode]] {
        let raw = try RawFeatures.from(frame, specs: features)
        let (phi, _) = contributions(raw)
        return (0..<raw.rows).map { i in
            var codes: [ReasonCode] = []
            for (j, spec) in features.enumerated() where phi[i][j] > 0 {
                codes.append(ReasonCode(feature: spec.name, value: frame[spec.name]?.text(at: i) ?? "<missing>", impact: phi[i][j]))
            }
            codes.sort { $0.impact > $1.impact || ($0.impact == $1.impact && $0.feature < $1.feature) }
            return Array(codes.prefix(top))
        }
    }
}

/// Exact SHAP values of a tree's path-dependent conditional expectation (Lundberg, Erion & Lee,
/// "Consistent individualized feature attribution for tree ensembles", 2018, Algorithm 2), in
/// O(L·D²) per tree for L leaves and depth D. Node covers (training rows, or hessian mass for
/// imported XGBoost trees) weight the branches a feature outside the coalition would take.
public enum TreeSHAP {
    struct PathElement {
        var feature: Int
        var zeroFraction: Double
        var oneFraction: Double
        var weight: Double
    }

    /// E[tree(x)] under cover weights: Σ leaf value · leaf cover / total cover.
    public static func expectedValue(_ t: DecisionTree) -> Double {
        let total = t.leafCover.reduce(0, +)
        guard total > 0 else { return t.leafValue.reduce(0, +) / Double(max(1, t.leafCount)) }
        return zip(t.leafValue, t.leafCover).reduce(0) { $0 + $1.0 * $1.1 } / total
    }

    /// Adds the tree's contributions for one raw row to `phi`.
    public static func accumulate(_ t: DecisionTree, row: [Double], into phi: inout [Double]) {
        if t.nodeCount == 0 { return }
        recurse(t, row: row, node: 0, path: [], zeroFraction: 1, oneFraction: 1, feature: -1, phi: &phi)
    }

    static func cover(_ t: DecisionTree, _ child: Int) -> Double { child < 0 ? t.leafCover[~child] : t.internalCover[child] }

    static func recurse(_ t: DecisionTree, row: [Double], node: Int, path parent: [PathElement], zeroFraction: Double,
                        oneFraction: Double, feature: Int, phi: inout [Double]) {
        var path = parent
        extend(&path, zeroFraction: zeroFraction, oneFraction: oneFraction, feature: feature)
        if node < 0 {
            let value = t.leafValue[~node]
            if path.count > 1 {
                for i in 1..<path.count {
                    let w = unwoundSum(path, i)
                    phi[path[i].feature] += w * (path[i].oneFraction - path[i].zeroFraction) * value
                }
            }
            return
        }
        let f = t.splitFeature[node]
        let goLeft = t.goesLeft(node, row[f])
        let hot = goLeft ? t.left[node] : t.right[node]
        let cold = goLeft ? t.right[node] : t.left[node]
        let w = t.internalCover[node]
        let hotZero = w > 0 ? cover(t, hot) / w : 0.5
        let coldZero = w > 0 ? cover(t, cold) / w : 0.5
        var incomingZero = 1.0, incomingOne = 1.0
        if let k = path.firstIndex(where: { $0.feature == f }) {
            incomingZero = path[k].zeroFraction
            incomingOne = path[k].oneFraction
            unwind(&path, k)
        }
        recurse(t, row: row, node: hot, path: path, zeroFraction: hotZero * incomingZero, oneFraction: incomingOne, feature: f, phi: &phi)
        recurse(t, row: row, node: cold, path: path, zeroFraction: coldZero * incomingZero, oneFraction: 0, feature: f, phi: &phi)
    }

    static func extend(_ path: inout [PathElement], zeroFraction: Double, oneFraction: Double, feature: Int) {
        let depth = path.count
        path.append(PathElement(feature: feature, zeroFraction: zeroFraction, oneFraction: oneFraction, weight: depth == 0 ? 1 : 0))
        if depth == 0 { return }
        for i in stride(from: depth - 1, through: 0, by: -1) {
            path[i + 1].weight += oneFraction * path[i].weight * Double(i + 1) / Double(depth + 1)
            path[i].weight = zeroFraction * path[i].weight * Double(depth - i) / Double(depth + 1)
        }
    }

    static func unwind(_ path: inout [PathElement], _ index: Int) {
        let depth = path.count - 1
        let one = path[index].oneFraction, zero = path[index].zeroFraction
        var next = path[depth].weight
        for i in stride(from: depth - 1, through: 0, by: -1) {
            if one != 0 {
                let tmp = path[i].weight
                path[i].weight = next * Double(depth + 1) / (Double(i + 1) * one)
                next = tmp - path[i].weight * zero * Double(depth - i) / Double(depth + 1)
            } else {
                path[i].weight = path[i].weight * Double(depth + 1) / (zero * Double(depth - i))
            }
        }
        for i in index..<depth {
            path[i].feature = path[i + 1].feature
            path[i].zeroFraction = path[i + 1].zeroFraction
            path[i].oneFraction = path[i + 1].oneFraction
        }
        path.removeLast()
    }

    static func unwoundSum(_ path: [PathElement], _ index: Int) -> Double {
        let depth = path.count - 1
        let one = path[index].oneFraction, zero = path[index].zeroFraction
        var next = path[depth].weight
        var total = 0.0
        for i in stride(from: depth - 1, through: 0, by: -1) {
            if one != 0 {
                let tmp = next * Double(depth + 1) / (Double(i + 1) * one)
                total += tmp
                next = path[i].weight - tmp * zero * Double(depth - i) / Double(depth + 1)
            } else if zero != 0 {
                total += (path[i].weight / zero) / (Double(depth - i) / Double(depth + 1))
            }
        }
        return total
    }
}
