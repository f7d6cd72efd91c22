import ObligorBoosting
import ObligorModels

/// Renders a tree ensemble's margin as nested SQL `CASE` expressions, one per tree, with the same
/// decisions as ``DecisionTree/goesLeft(_:_:)`` after ``RawFeatures`` (special values and unseen
/// labels read as missing): a NULL follows the default direction, categories
/// by label, numeric thresholds with `<=` (or `<` for imported XGBoost trees).
enum TreeSQL {
    static func predictor(_ m: GBDTModel) -> String {
        ([SQLExport.number(m.baseScore)] + m.trees.map { tree($0, m.features) }).joined(separator: "\n            + ")
    }

    static func tree(_ t: DecisionTree, _ features: [FeatureSpec]) -> String {
        if t.nodeCount == 0 { return SQLExport.number(t.leafValue[0]) }
        return node(t, 0, features)
    }

    static func node(_ t: DecisionTree, _ n: Int, _ features: [FeatureSpec]) -> String {
        if n < 0 { return SQLExport.number(t.leafValue[~n]) }
        let spec = features[t.splitFeature[n]]
        let col = SQLExport.identifier(spec.name)
        var test: String
        if let cats = t.categoriesLeft[n] {
            test = "\(col) IN (\(cats.map { SQLExport.literal(spec.categories[$0]) }.joined(separator: ", ")))"
            // A label never seen in training scores as missing: it follows the default direction too.
            if t.defaultLeft[n] {
                test = "(\(col) IS NULL OR \(col) NOT IN (\(spec.categories.map(SQLExport.literal).joined(separator: ", "))) OR \(test))"
            }
        } else {
            test = "\(col) \(t.strictLess[n] ? "<" : "<=") \(SQLExport.number(t.threshold[n]))"
            let specials = spec.specialValues.map(SQLExport.number).joined(separator: ", ")
            // Special values score as missing.
            if t.defaultLeft[n] {
                test = "(\(col) IS NULL\(specials.isEmpty ? "" : " OR \(col) IN (\(specials))") OR \(test))"
            } else if !specials.isEmpty {
                test = "(\(col) NOT IN (\(specials)) AND \(test))"
            }
        }
        return "(CASE WHEN \(test) THEN \(node(t, t.left[n], features)) ELSE \(node(t, t.right[n], features)) END)"
    }
}
