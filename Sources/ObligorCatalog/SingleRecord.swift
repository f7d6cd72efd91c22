import Foundation
import ObligorBoosting
import ObligorData
import ObligorModels

extension AnyModel {
    /// Whether each input is numeric (else categorical), by name; nil for kinds that do not say.
    public var numericInputs: [String: Bool] {
        switch self {
        case let .logistic(m): return Dictionary(uniqueKeysWithValues: m.encoder.features.map { ($0.name, $0.kind == .numeric) })
        case let .scorecard(m): return Dictionary(uniqueKeysWithValues: m.characteristics.map { ($0.name, $0.kind == .numeric) })
        case let .gbdt(m): return Dictionary(uniqueKeysWithValues: m.features.map { ($0.name, $0.kind == .numeric) })
        default: return [:]
        }
    }

    /// One applicant as a one-row frame, from a JSON object `{"feature": value, …}`.
    ///
    /// Numbers (or numeric strings, for a numeric input) are values; strings are category labels;
    /// `null` or an absent key is missing. Keys the model does not use are ignored, so the same
    /// record can carry an id or extra fields. Missing-value and special-value policy is then the
    /// model's own, exactly as for a CSV row.
    public func frame(jsonRecord data: Data) throws -> Frame {
        guard let obj = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any] else {
            throw ModelError.unsupportedFormat("a JSON record must be one object {\"feature\": value, …}")
        }
        let kinds = numericInputs
        var columns: [Column] = []
        for name in scorer.featureNames {
            let numeric = kinds[name] ?? true
            let v = obj[name]
            if numeric {
                var x: Double? = nil
                switch v {
                case nil, is NSNull: x = nil
                case let n as NSNumber: x = n.doubleValue
                case let s as String where s.isEmpty: x = nil
                case let s as String:
                    guard let d = Double(s) else { throw ModelError.wrongFeatureType(feature: name, expected: "numeric", found: "string \"\(s)\"") }
                    x = d
                default: throw ModelError.wrongFeatureType(feature: name, expected: "numeric", found: "\(type(of: v!))")
                }
                columns.append(.double(name, [x]))
            } else {
                switch v {
                case nil, is NSNull: columns.append(.categorical(name, [nil]))
                case let s as String: columns.append(.categorical(name, [s.isEmpty ? nil : s]))
                case let n as NSNumber: columns.append(.categorical(name, [n.stringValue]))
                default: throw ModelError.wrongFeatureType(feature: name, expected: "categorical", found: "\(type(of: v!))")
                }
            }
        }
        return try Frame(columns)
    }
}
