/// A problem in a delimited text file, located by file, line and column.
///
/// `line` is the 1-based physical line in the file (the header is line 1), so an editor's
/// "go to line" lands on it. `column` is the header name of the offending field, with its
/// 1-based position.
public struct CSVError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file path (or a label such as `<stdin>`).
    public let file: String
    /// 1-based line number, nil when the problem concerns the whole file.
    public let line: Int?
    /// The column name, when one column is at fault.
    public let column: String?
    /// 1-based column position, when one column is at fault.
    public let columnPosition: Int?
    /// What is wrong.
    public let message: String

    public init(file: String, line: Int? = nil, column: String? = nil, columnPosition: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.columnPosition = columnPosition
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ", line \(line)" }
        if let column {
            s += ", column '\(column)'"
            if let columnPosition { s += " (#\(columnPosition))" }
        }
        return s + ": " + message
    }
}
