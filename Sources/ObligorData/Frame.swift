/// A table of named, typed columns of equal length: the unit of data in Obligor.
///
/// ```swift
/// let frame = try Frame([
///     .double("income", [52_000, nil, 61_500]),
///     .categorical("housing", ["own", "rent", nil]),
/// ])
/// frame.rowCount            // 3
/// frame["income"]?.missingCount   // 1
/// ```
public struct Frame: Sendable, Equatable {
    /// The columns, in order.
    public private(set) var columns: [Column]
    private var indexByName: [String: Int]

    /// An empty frame with no columns and no rows.
    public init() {
        columns = []
        indexByName = [:]
    }

    /// A frame from columns.
    /// - Throws: ``FrameError`` when names repeat or lengths differ.
    public init(_ columns: [Column]) throws(FrameError) {
        self.init()
        for c in columns { try append(c) }
    }

    /// Number of rows (0 for a frame without columns).
    public var rowCount: Int { columns.first?.count ?? 0 }

    /// Column names in order.
    public var columnNames: [String] { columns.map(\.name) }

    /// The column called `name`, if any.
    public subscript(name: String) -> Column? {
        indexByName[name].map { columns[$0] }
    }

    /// The column called `name`, or a ``FrameError/missingColumn(_:available:)`` error.
    public func column(_ name: String) throws(FrameError) -> Column {
        guard let c = self[name] else { throw .missingColumn(name, available: columnNames) }
        return c
    }

    /// Adds a column at the end.
    public mutating func append(_ column: Column) throws(FrameError) {
        if indexByName[column.name] != nil { throw .duplicateColumn(column.name) }
        if !columns.isEmpty && column.count != rowCount {
            throw .lengthMismatch(column: column.name, expected: rowCount, actual: column.count)
        }
        indexByName[column.name] = columns.count
        columns.append(column)
    }

    /// Replaces the column with the same name, or appends it.
    public mutating func replace(_ column: Column) throws(FrameError) {
        if let i = indexByName[column.name] {
            guard column.count == rowCount else {
                throw .lengthMismatch(column: column.name, expected: rowCount, actual: column.count)
            }
            columns[i] = column
        } else {
            try append(column)
        }
    }

    /// The rows at `indices`, in that order (indices may repeat).
    public func selectingRows(_ indices: [Int]) -> Frame {
        var f = Frame()
        f.columns = columns.map { $0.selecting(indices) }
        f.indexByName = indexByName
        return f
    }

    /// The named columns, in the given order.
    public func selectingColumns(_ names: [String]) throws(FrameError) -> Frame {
        var f = Frame()
        for n in names { try f.append(try column(n)) }
        return f
    }

    /// Reads a binary target: a numeric column whose non-missing values are all 0 or 1.
    ///
    /// A two-level categorical column is accepted when `event` names the level that means y = 1.
    /// - Throws: ``FrameError/notBinary(column:row:value:)`` naming the first offending row (0-based),
    ///   or ``FrameError/missingTarget(column:row:)`` for a missing label.
    public func binaryTarget(_ name: String, event: String? = nil) throws(FrameError) -> [Int] {
        let c = try column(name)
        var y = [Int](repeating: 0, count: c.count)
        if case let .categorical(codes, levels) = c.values, let event {
            let used = Set(codes.filter { $0 >= 0 }).map { levels[Int($0)] }.sorted()
            guard used.contains(event) else { throw .unknownEvent(column: name, event: event, levels: used) }
            if used.count > 2 {
                // Name the row where a third distinct value first appears.
                var seen = Set<Int32>()
                for (row, code) in codes.enumerated() where code >= 0 {
                    seen.insert(code)
                    if seen.count > 2 { throw .notBinary(column: name, row: row, value: levels[Int(code)]) }
                }
            }
        }
        for i in 0..<c.count {
            if c.missing[i] { throw .missingTarget(column: name, row: i) }
            switch c.values {
            case let .double(v):
                guard v[i] == 0 || v[i] == 1 else { throw .notBinary(column: name, row: i, value: formatDouble(v[i])) }
                y[i] = Int(v[i])
            case let .int(v):
                guard v[i] == 0 || v[i] == 1 else { throw .notBinary(column: name, row: i, value: String(v[i])) }
                y[i] = v[i]
            case let .categorical(codes, levels):
                let level = levels[Int(codes[i])]
                guard let event else { throw .notBinary(column: name, row: i, value: level) }
                y[i] = level == event ? 1 : 0
            }
        }
        return y
    }
}

/// Errors from building or querying a ``Frame``.
public enum FrameError: Error, Equatable, CustomStringConvertible, Sendable {
    case duplicateColumn(String)
    case missingColumn(String, available: [String])
    case lengthMismatch(column: String, expected: Int, actual: Int)
    case notBinary(column: String, row: Int, value: String)
    case missingTarget(column: String, row: Int)
    case wrongType(column: String, expected: String, actual: ColumnType)
    case unknownEvent(column: String, event: String, levels: [String])

    public var description: String {
        switch self {
        case let .duplicateColumn(n): return "column '\(n)' appears more than once"
        case let .missingColumn(n, available):
            let shown = available.prefix(12).joined(separator: ", ") + (available.count > 12 ? ", …" : "")
            return "no column named '\(n)' (columns: \(shown))"
        case let .lengthMismatch(c, e, a): return "column '\(c)' has \(a) rows, the frame has \(e)"
        case let .notBinary(c, r, v):
            return "target column '\(c)' is not binary 0/1: row \(r + 1) has value '\(v)'"
        case let .missingTarget(c, r): return "target column '\(c)' is missing at row \(r + 1)"
        case let .wrongType(c, e, a): return "column '\(c)' is \(a.rawValue), expected \(e)"
        case let .unknownEvent(c, e, l): return "target column '\(c)' has no value '\(e)' to treat as the event (values: \(l.joined(separator: ", ")))"
        }
    }
}
