/// The storage type of a ``Column``.
public enum ColumnType: String, Codable, Sendable, CaseIterable {
    /// 64-bit floating point.
    case double
    /// 64-bit signed integer.
    case int
    /// Text values, dictionary-encoded: each row holds a code into ``Column/levels``.
    case categorical
}

/// One typed column of a ``Frame``, with an explicit missing-value mask.
///
/// Missing values are never encoded as NaN: a missing cell has `isMissing(row) == true` and a
/// placeholder value (0 for numbers, code −1 for categories). NaN and infinity are rejected
/// on import, so a NaN seen downstream is always a bug, never data.
public struct Column: Sendable, Equatable {
    /// The typed values.
    public enum Values: Sendable, Equatable {
        case double([Double])
        case int([Int])
        /// Codes index `levels`; −1 marks a missing cell.
        case categorical(codes: [Int32], levels: [String])
    }

    /// The column name, unique within its frame.
    public let name: String
    /// The values.
    public let values: Values
    /// `missing[i]` is true when row i has no value. Same length as the column.
    public let missing: [Bool]

    /// A column from its parts.
    /// - Precondition: `missing` has one entry per value.
    public init(name: String, values: Values, missing: [Bool]? = nil) {
        self.name = name
        self.values = values
        let n: Int
        switch values {
        case let .double(v): n = v.count
        case let .int(v): n = v.count
        case let .categorical(codes, _): n = codes.count
        }
        if let missing {
            precondition(missing.count == n, "Column \(name): \(missing.count) missing flags for \(n) values")
            self.missing = missing
        } else if case let .categorical(codes, _) = values {
            self.missing = codes.map { $0 < 0 }
        } else {
            self.missing = Array(repeating: false, count: n)
        }
    }

    /// A numeric column from optionals (nil = missing).
    public static func double(_ name: String, _ values: [Double?]) -> Column {
        Column(name: name, values: .double(values.map { $0 ?? 0 }), missing: values.map { $0 == nil })
    }

    /// An integer column from optionals (nil = missing).
    public static func int(_ name: String, _ values: [Int?]) -> Column {
        Column(name: name, values: .int(values.map { $0 ?? 0 }), missing: values.map { $0 == nil })
    }

    /// A categorical column from optional strings (nil = missing); levels in order of first appearance.
    public static func categorical(_ name: String, _ values: [String?]) -> Column {
        var levels: [String] = []
        var index: [String: Int32] = [:]
        let codes: [Int32] = values.map { v in
            guard let v else { return -1 }
            if let c = index[v] { return c }
            let c = Int32(levels.count)
            levels.append(v)
            index[v] = c
            return c
        }
        return Column(name: name, values: .categorical(codes: codes, levels: levels))
    }

    /// Number of rows.
    public var count: Int { missing.count }

    /// The storage type.
    public var type: ColumnType {
        switch values {
        case .double: return .double
        case .int: return .int
        case .categorical: return .categorical
        }
    }

    /// Number of missing cells.
    public var missingCount: Int { missing.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// True for double and int columns.
    public var isNumeric: Bool { type != .categorical }

    /// Numeric values as `Double`, nil where missing or for a categorical column.
    public func numericValue(at row: Int) -> Double? {
        if missing[row] { return nil }
        switch values {
        case let .double(v): return v[row]
        case let .int(v): return Double(v[row])
        case .categorical: return nil
        }
    }

    /// The cell as text (`nil` when missing); numbers print in shortest round-trip form.
    public func text(at row: Int) -> String? {
        if missing[row] { return nil }
        switch values {
        case let .double(v): return formatDouble(v[row])
        case let .int(v): return String(v[row])
        case let .categorical(codes, levels): return levels[Int(codes[row])]
        }
    }

    /// All values as `Double` with missing cells replaced by `fill` (numeric columns only).
    public func doubles(missingAs fill: Double = .nan) -> [Double]? {
        switch values {
        case let .double(v): return zip(v, missing).map { $1 ? fill : $0 }
        case let .int(v): return zip(v, missing).map { $1 ? fill : Double($0) }
        case .categorical: return nil
        }
    }

    /// The rows at `indices`, in that order.
    public func selecting(_ indices: [Int]) -> Column {
        let m = indices.map { missing[$0] }
        switch values {
        case let .double(v): return Column(name: name, values: .double(indices.map { v[$0] }), missing: m)
        case let .int(v): return Column(name: name, values: .int(indices.map { v[$0] }), missing: m)
        case let .categorical(codes, levels):
            return Column(name: name, values: .categorical(codes: indices.map { codes[$0] }, levels: levels), missing: m)
        }
    }

    /// The same values under another name.
    public func renamed(_ newName: String) -> Column { Column(name: newName, values: values, missing: missing) }
}

/// Shortest round-trip decimal form of a double ("0.1", "1e-05", "3").
public func formatDouble(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}
