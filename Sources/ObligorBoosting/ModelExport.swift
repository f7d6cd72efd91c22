import Foundation

/// Writes a ``GBDTModel`` as a LightGBM text model (`lightgbm.Booster(model_file=…)` loads it).
///
/// Numeric features only. Each split becomes `x <= t` with LightGBM's NaN missing type and the
/// learned default direction; an imported XGBoost split `x < t` is written as `x <= t⁻` (t's
/// predecessor double), which is the same decision for every double. The base margin is added
/// to every leaf of the first tree (LightGBM text models carry no separate starting score).
public enum LightGBMExport {
    public static func text(_ m: GBDTModel) throws(BoostingError) -> String {
        if let c = m.features.first(where: { $0.kind == .categorical }) {
            throw .unsupportedModel("lightgbm-text export handles numeric features only; '\(c.name)' is categorical")
        }
        if m.features.contains(where: { !$0.specialValues.isEmpty }) {
            throw .unsupportedModel("lightgbm-text export cannot carry special_values; export --format obligor or sql")
        }
        func num(_ x: Double) -> String { String(format: "%.17g", x) }
        var trees = m.trees.isEmpty ? [DecisionTree()] : m.trees
        trees[0].leafValue = trees[0].leafValue.map { $0 + m.baseScore }
        var blocks: [String] = []
        for (k, t) in trees.enumerated() {
            var b = "Tree=\(k)\nnum_leaves=\(t.leafCount)\nnum_cat=0\n"
            if t.nodeCount > 0 {
                b += "split_feature=" + t.splitFeature.map(String.init).joined(separator: " ") + "\n"
                b += "split_gain=" + t.gain.map(num).joined(separator: " ") + "\n"
                b += "threshold=" + (0..<t.nodeCount).map { num(t.strictLess[$0] ? t.threshold[$0].nextDown : t.threshold[$0]) }.joined(separator: " ") + "\n"
                b += "decision_type=" + t.defaultLeft.map { String(($0 ? 2 : 0) | (2 << 2)) }.joined(separator: " ") + "\n"
                b += "left_child=" + t.left.map(String.init).joined(separator: " ") + "\n"
                b += "right_child=" + t.right.map(String.init).joined(separator: " ") + "\n"
            }
            b += "leaf_value=" + t.leafValue.map(num).joined(separator: " ") + "\n"
            b += "leaf_weight=" + t.leafCover.map(num).joined(separator: " ") + "\n"
            b += "leaf_count=" + t.leafCover.map { String(Int($0.rounded())) }.joined(separator: " ") + "\n"
            if t.nodeCount > 0 {
                b += "internal_value=" + Array(repeating: "0", count: t.nodeCount).joined(separator: " ") + "\n"
                b += "internal_weight=" + t.internalCover.map(num).joined(separator: " ") + "\n"
                b += "internal_count=" + t.internalCover.map { String(Int($0.rounded())) }.joined(separator: " ") + "\n"
            }
            b += "is_linear=0\nshrinkage=1\n\n"
            blocks.append(b)
        }
        var out = "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\n"
        out += "max_feature_idx=\(m.features.count - 1)\nobjective=binary sigmoid:1\n"
        out += "feature_names=" + m.features.map { $0.name.replacingOccurrences(of: " ", with: "_") }.joined(separator: " ") + "\n"
        out += "feature_infos=" + m.features.map { _ in "none" }.joined(separator: " ") + "\n"
        out += "tree_sizes=" + blocks.map { String($0.utf8.count) }.joined(separator: " ") + "\n\n"
        out += blocks.joined()
        out += "end of trees\n\nparameters:\n[objective: binary]\nend of parameters\n\npandas_categorical:null\n"
        return out
    }
}
