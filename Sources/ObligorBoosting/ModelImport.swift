import Foundation
import ObligorNumerics

/// Reads an XGBoost JSON model (`Booster.save_model("model.json")`, XGBoost ≥ 1.0) as a ``GBDTModel``.
///
/// Supported: objective `binary:logistic` or `binary:logitraw` with one output group; numeric
/// splits (`x < t` goes left; missing values follow `default_left`). The margin is
/// logit(base_score) + Σ leaf values for `binary:logistic` (XGBoost stores `base_score` as a
/// probability), base_score itself for `logitraw`. Node covers are `sum_hessian`, as XGBoost's own
/// TreeSHAP uses. Categorical splits are rejected with a clear error.
public enum XGBoostImport {
    /// - Parameter featureNames: names for the model's features in order; defaults to the file's
    ///   `feature_names`, else `f0, f1, …`.
    public static func model(from data: Data, featureNames: [String]? = nil) throws(BoostingError) -> GBDTModel {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let learner = root["learner"] as? [String: Any] else {
            throw .unsupportedModel("not an XGBoost JSON model (no \"learner\" object)")
        }
        let objective = ((learner["objective"] as? [String: Any])?["name"] as? String) ?? ""
        guard objective == "binary:logistic" || objective == "binary:logitraw" else {
            throw .unsupportedModel("XGBoost objective '\(objective)' is not a binary PD model (binary:logistic or binary:logitraw)")
        }
        let param = learner["learner_model_param"] as? [String: Any] ?? [:]
        let baseText = ((param["base_score"] as? String) ?? "0.5").trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
        guard let base = Double(baseText) else { throw .unsupportedModel("cannot read base_score '\(baseText)'") }
        let numClass = Int((param["num_class"] as? String) ?? "0") ?? 0
        guard numClass <= 1 else { throw .unsupportedModel("multi-class XGBoost models are not PD models") }
        let numFeature = Int((param["num_feature"] as? String) ?? "0") ?? 0
        guard let booster = (learner["gradient_booster"] as? [String: Any]),
              let model = (booster["model"] as? [String: Any]) ?? (booster["gbtree"] as? [String: Any])?["model"] as? [String: Any],
              let trees = model["trees"] as? [[String: Any]] else {
            throw .unsupportedModel("XGBoost booster has no gbtree trees (only gbtree boosters are supported)")
        }
        let fileNames = (learner["feature_names"] as? [String]) ?? []
        let names = featureNames ?? (fileNames.count == numFeature && numFeature > 0 ? fileNames : (0..<numFeature).map { "f\($0)" })
        guard names.count == numFeature else {
            throw .unsupportedModel("the model has \(numFeature) features, \(names.count) names were given")
        }
        var out: [DecisionTree] = []
        for (t, json) in trees.enumerated() {
            func ints(_ k: String) throws(BoostingError) -> [Int] {
                guard let a = json[k] as? [Any] else { throw .unsupportedModel("tree \(t): missing '\(k)'") }
                return a.map { ($0 as? NSNumber)?.intValue ?? 0 }
            }
            func doubles(_ k: String) throws(BoostingError) -> [Double] {
                guard let a = json[k] as? [Any] else { throw .unsupportedModel("tree \(t): missing '\(k)'") }
                return a.map { ($0 as? NSNumber)?.doubleValue ?? .nan }
            }
            let left = try ints("left_children"), right = try ints("right_children")
            let feature = try ints("split_indices"), cond = try doubles("split_conditions")
            let defaultLeft = try ints("default_left"), hess = try doubles("sum_hessian")
            let splitType = (try? ints("split_type")) ?? Array(repeating: 0, count: left.count)
            let n = left.count
            guard right.count == n, feature.count == n, cond.count == n, defaultLeft.count == n, hess.count == n else {
                throw .unsupportedModel("tree \(t): node arrays differ in length")
            }
            var tree = DecisionTree()
            tree.leafValue = []
            tree.leafCover = []
            // Map XGBoost node ids to internal-node or leaf indices, in depth-first order.
            func build(_ id: Int) throws(BoostingError) -> Int {
                guard id >= 0 && id < n else { throw .unsupportedModel("tree \(t): child id \(id) out of range") }
                if left[id] < 0 {
                    tree.leafValue.append(cond[id])
                    tree.leafCover.append(hess[id])
                    return ~(tree.leafValue.count - 1)
                }
                guard splitType[id] == 0 else { throw .unsupportedModel("tree \(t): categorical XGBoost splits are not supported") }
                guard feature[id] >= 0 && feature[id] < numFeature else { throw .unsupportedModel("tree \(t): split on feature \(feature[id]) of \(numFeature)") }
                let node = tree.addNode(feature: feature[id], threshold: cond[id], strictLess: true, defaultLeft: defaultLeft[id] != 0,
                                        categoriesLeft: nil, cover: hess[id], gain: 0)
                let l = try build(left[id])
                let r = try build(right[id])
                tree.left[node] = l
                tree.right[node] = r
                return node
            }
            _ = try build(0)
            if let gains = json["loss_changes"] as? [Any] {
                // Gains in internal-node order: recompute by walking ids again.
                var internalIds: [Int] = []
                func walk(_ id: Int) { if left[id] >= 0 { internalIds.append(id); walk(left[id]); walk(right[id]) } }
                walk(0)
                for (k, id) in internalIds.enumerated() { tree.gain[k] = (gains[id] as? NSNumber)?.doubleValue ?? 0 }
            }
            out.append(tree)
        }
        let margin0: Double
        if objective == "binary:logistic" {
            guard base > 0 && base < 1 else { throw .unsupportedModel("base_score \(base) is not a probability") }
            margin0 = Special.logit(base)
        } else {
            margin0 = base
        }
        var m = GBDTModel(features: names.map { FeatureSpec(name: $0, kind: .numeric) }, trees: out, baseScore: margin0,
                          parameters: BoostingParameters(), bestIteration: nil, validationMetric: nil, source: "xgboost-json")
        m.threshold = 0.5
        return m
    }
}

/// Reads a LightGBM text model (`Booster.save_model("model.txt")`) as a ``GBDTModel``.
///
/// Supported: `objective=binary` (with its `sigmoid:s`, which scales the margin), numeric splits
/// `x <= t` with missing type None (NaN read as 0) or NaN (NaN follows the default-left bit), and
/// categorical splits from `cat_boundaries`/`cat_threshold` bitsets (categories are the feature's
/// integer values). Leaf values already include the learning rate and, with `boost_from_average`,
/// the starting score, so the base margin is 0.
public enum LightGBMImport {
    public static func model(from text: String) throws(BoostingError) -> GBDTModel {
        var header: [String: String] = [:]
        var blocks: [[String: String]] = []
        var current: [String: String]? = nil
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Tree=") { if let c = current { blocks.append(c) }; current = [:]; continue }
            if line == "end of trees" { if let c = current { blocks.append(c) }; current = nil; break }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]), value = String(line[line.index(after: eq)...])
            if current != nil { current![key] = value } else { header[key] = value }
        }
        if let c = current { blocks.append(c) }
        guard let objective = header["objective"] else { throw .unsupportedModel("not a LightGBM text model (no objective= line)") }
        let objParts = objective.split(separator: " ").map(String.init)
        guard objParts.first == "binary" else { throw .unsupportedModel("LightGBM objective '\(objective)' is not binary") }
        var sigmoid = 1.0
        for part in objParts where part.hasPrefix("sigmoid:") { sigmoid = Double(part.dropFirst(8)) ?? 1 }
        guard (Int(header["num_class"] ?? "1") ?? 1) == 1 else { throw .unsupportedModel("multi-class LightGBM models are not PD models") }
        let names = (header["feature_names"] ?? "").split(separator: " ").map(String.init)
        guard !names.isEmpty else { throw .unsupportedModel("the model lists no feature_names") }
        let infos = (header["feature_infos"] ?? "").split(separator: " ").map(String.init)
        var isCategorical = [Bool](repeating: false, count: names.count)
        var maxCategory = [Int](repeating: -1, count: names.count)
        var trees: [DecisionTree] = []
        func nums(_ b: [String: String], _ k: String) -> [Double] {
            (b[k] ?? "").split(separator: " ").map { Double($0) ?? .nan }
        }
        for (t, b) in blocks.enumerated() {
            let leaves = Int(b["num_leaves"] ?? "") ?? 0
            guard leaves >= 1 else { throw .unsupportedModel("tree \(t): num_leaves missing") }
            var tree = DecisionTree()
            let leafValue = nums(b, "leaf_value").map { $0 * sigmoid }
            guard leafValue.count == leaves else { throw .unsupportedModel("tree \(t): \(leafValue.count) leaf values for \(leaves) leaves") }
            tree.leafValue = leafValue
            let leafCount = nums(b, "leaf_count")
            tree.leafCover = leafCount.count == leaves ? leafCount : Array(repeating: 1, count: leaves)
            if leaves > 1 {
                let feature = nums(b, "split_feature").map { Int($0) }
                let threshold = nums(b, "threshold")
                let decision = nums(b, "decision_type").map { Int($0) }
                let left = nums(b, "left_child").map { Int($0) }, right = nums(b, "right_child").map { Int($0) }
                let gain = nums(b, "split_gain")
                let internalCount = nums(b, "internal_count")
                let catBoundaries = nums(b, "cat_boundaries").map { Int($0) }
                let catThreshold = (b["cat_threshold"] ?? "").split(separator: " ").map { UInt32($0) ?? 0 }
                let n = leaves - 1
                guard feature.count == n, threshold.count == n, decision.count == n, left.count == n, right.count == n else {
                    throw .unsupportedModel("tree \(t): split arrays do not have num_leaves − 1 entries")
                }
                for k in 0..<n {
                    let f = feature[k]
                    guard f >= 0 && f < names.count else { throw .unsupportedModel("tree \(t): split on feature \(f)") }
                    let categorical = decision[k] & 1 == 1
                    var defaultLeft = decision[k] & 2 == 2
                    let missingType = (decision[k] >> 2) & 3
                    var cats: [Int]? = nil
                    if categorical {
                        isCategorical[f] = true
                        let ci = Int(threshold[k])
                        guard ci + 1 < catBoundaries.count else { throw .unsupportedModel("tree \(t): bad cat_boundaries") }
                        var set: [Int] = []
                        for w in catBoundaries[ci]..<catBoundaries[ci + 1] where w < catThreshold.count {
                            for bit in 0..<32 where catThreshold[w] & (1 << UInt32(bit)) != 0 { set.append((w - catBoundaries[ci]) * 32 + bit) }
                        }
                        cats = set
                        maxCategory[f] = max(maxCategory[f], set.max() ?? -1)
                        defaultLeft = false   // LightGBM sends missing and unseen categories right
                    } else {
                        switch missingType {
                        case 0: defaultLeft = 0 <= threshold[k]   // None: a missing value is read as 0
                        case 2: break                              // NaN: the stored default-left bit
                        default: throw .unsupportedModel("tree \(t): LightGBM missing type Zero (zero_as_missing) is not supported")
                        }
                    }
                    _ = tree.addNode(feature: f, threshold: threshold[k], strictLess: false, defaultLeft: defaultLeft, categoriesLeft: cats,
                                     cover: internalCount.count == n ? internalCount[k] : 1, gain: gain.count == n ? gain[k] : 0)
                }
                tree.left = left
                tree.right = right
            }
            trees.append(tree)
        }
        // Categorical features: categories are the integer values 0…max seen in any split or in feature_infos.
        var specs: [FeatureSpec] = []
        for (j, name) in names.enumerated() {
            if isCategorical[j] || (j < infos.count && infos[j].contains(":") && !infos[j].hasPrefix("[")) {
                let listed = j < infos.count ? infos[j].split(separator: ":").compactMap { Int($0) } : []
                let top = max(maxCategory[j], listed.max() ?? -1)
                specs.append(FeatureSpec(name: name, kind: .categorical, categories: (0...max(0, top)).map(String.init)))
            } else {
                specs.append(FeatureSpec(name: name, kind: .numeric))
            }
        }
        return GBDTModel(features: specs, trees: trees, baseScore: 0, parameters: BoostingParameters(), bestIteration: nil,
                         validationMetric: nil, source: "lightgbm-text")
    }
}
