import ObligorData
import ObligorNumerics

/// How one input column becomes design-matrix columns, fixed at training time and stored in the model.
///
/// Numeric columns: values listed in `specialValues` (for example Freddie Mac's 9999) count as
/// missing; missing cells get the training mean (`fill`) and, when the training data had any
/// missing values, a 0/1 missing-indicator column as well. Categorical columns: one dummy per
/// level except the reference level (the most frequent at training); missing gets its own dummy
/// when seen in training; a level never seen in training scores as the reference level.
public struct EncodedFeature: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case numeric, categorical }
    /// Input column name.
    public let name: String
    public let kind: Kind
    /// Numeric: values treated as missing.
    public let specialValues: [Double]
    /// Numeric: the value that replaces a missing one (the training mean); nil = missing values are rejected.
    public let fill: Double?
    /// Numeric: whether a missing-indicator column follows the value column.
    public let missingIndicator: Bool
    /// Categorical: the reference level (no dummy).
    public let reference: String?
    /// Categorical: levels that get a dummy, in design order.
    public let dummies: [String]
    /// Categorical: whether a "missing" dummy follows the level dummies.
    public let missingDummy: Bool

    /// Names of the design columns this feature produces.
    public var designNames: [String] {
        switch kind {
        case .numeric: return [name] + (missingIndicator ? ["\(name)=<missing>"] : [])
        case .categorical: return dummies.map { "\(name)=\($0)" } + (missingDummy ? ["\(name)=<missing>"] : [])
        }
    }
}

/// Builds and applies a set of ``EncodedFeature``s.
public struct FeatureEncoder: Codable, Sendable, Equatable {
    public let features: [EncodedFeature]

    /// Learns the encoding from training data.
    /// - Parameters:
    ///   - specialValues: per-column values to treat as missing.
    public init(fitting frame: Frame, features names: [String], specialValues: [String: [Double]] = [:]) throws(ModelError) {
        var out: [EncodedFeature] = []
        for name in names {
            guard let c = frame[name] else { throw .missingFeature(name) }
            switch c.values {
            case .double, .int:
                let specials = specialValues[name] ?? []
                var sum = 0.0
                var n = 0
                var anyMissing = false
                for i in 0..<c.count {
                    if let v = c.numericValue(at: i), !specials.contains(v) { sum += v; n += 1 } else { anyMissing = true }
                }
                guard n > 0 else { throw .notEnoughData("column '\(name)' has no non-missing values") }
                out.append(EncodedFeature(name: name, kind: .numeric, specialValues: specials, fill: sum / Double(n),
                                          missingIndicator: anyMissing, reference: nil, dummies: [], missingDummy: false))
            case let .categorical(codes, levels):
                var counts = [Int](repeating: 0, count: levels.count)
                var anyMissing = false
                for code in codes { if code >= 0 { counts[Int(code)] += 1 } else { anyMissing = true } }
                let used = levels.indices.filter { counts[$0] > 0 }
                guard let ref = used.max(by: { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }) else {
                    throw .notEnoughData("column '\(name)' has no non-missing values")
                }
                out.append(EncodedFeature(name: name, kind: .categorical, specialValues: [], fill: nil, missingIndicator: false,
                                          reference: levels[ref], dummies: used.filter { $0 != ref }.map { levels[$0] },
                                          missingDummy: anyMissing))
            }
        }
        features = out
    }

    /// Names of all design columns, in order (no intercept).
    public var designNames: [String] { features.flatMap(\.designNames) }

    /// The design matrix (rows × design columns), without an intercept column unless `intercept`.
    public func design(_ frame: Frame, intercept: Bool) throws(ModelError) -> Matrix {
        let p = designNames.count + (intercept ? 1 : 0)
        let n = frame.rowCount
        var x = [Double](repeating: 0, count: n * p)
        var offset = 0
        if intercept {
            for i in 0..<n { x[i * p] = 1 }
            offset = 1
        }
        for f in features {
            guard let c = frame[f.name] else { throw .missingFeature(f.name) }
            switch f.kind {
            case .numeric:
                guard c.isNumeric else { throw .wrongFeatureType(feature: f.name, expected: "numeric", found: c.type.rawValue) }
                for i in 0..<n {
                    let v = c.numericValue(at: i)
                    let isMissing = v == nil || f.specialValues.contains(v!)
                    if isMissing {
                        guard let fill = f.fill else { throw .missingValueRejected(feature: f.name, row: i) }
                        x[i * p + offset] = fill
                    } else {
                        x[i * p + offset] = v!
                    }
                    if f.missingIndicator { x[i * p + offset + 1] = isMissing ? 1 : 0 }
                }
            case .categorical:
                guard case let .categorical(codes, levels) = c.values else {
                    throw .wrongFeatureType(feature: f.name, expected: "categorical", found: c.type.rawValue)
                }
                let position = Dictionary(uniqueKeysWithValues: f.dummies.enumerated().map { ($1, $0) })
                let map: [Int?] = levels.map { position[$0] }
                for i in 0..<n {
                    let code = codes[i]
                    if code < 0 {
                        if f.missingDummy { x[i * p + offset + f.dummies.count] = 1 }
                    } else if let k = map[Int(code)] {
                        x[i * p + offset + k] = 1
                    }
                }
            }
            offset += f.designNames.count
        }
        return Matrix(rows: n, columns: p, values: x)
    }
}
