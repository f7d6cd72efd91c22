import Foundation

/// Options for ``CSVReader``.
public struct CSVOptions: Sendable {
    /// Field separator (default comma). Use `UInt8(ascii: "|")` for pipe-delimited files.
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// Tokens read as missing (compared after trimming spaces). NaN and infinity are not missing:
    /// in a numeric column they are an error.
    public var missingTokens: Set<String> = ["", "NA", "N/A", "NULL", "null", "?"]
    /// Declared column types; other columns are inferred.
    public var types: [String: ColumnType] = [:]

    public init(delimiter: UInt8 = UInt8(ascii: ","), missingTokens: Set<String>? = nil, types: [String: ColumnType] = [:]) {
        self.delimiter = delimiter
        if let missingTokens { self.missingTokens = missingTokens }
        self.types = types
    }
}

/// Reads RFC 4180 delimited text (header row, quoted fields, `""` escapes, CRLF or LF) into a ``Frame``.
///
/// Type inference, per column:
/// - every non-missing value is an integer → ``ColumnType/int``;
/// - every non-missing value is a number → ``ColumnType/double``;
/// - most values are text → ``ColumnType/categorical``;
/// - most values are numbers but some are not → an error naming the first text value's line:
///   that is almost always a data defect, and silently turning a numeric column into categories
///   would lose it. Declare the column categorical in ``CSVOptions/types`` to read it as text.
///
/// Rejected, each with file, line and column: a row with the wrong number of fields, an
/// unterminated quote, NaN or infinity in a numeric column, a value that does not fit a
/// declared type, an empty file, a header without data rows, empty or repeated header names.
///
/// - Complexity: O(file size), one pass (a second pass only for mixed columns that turn out categorical).
public enum CSVReader {
    /// Reads the file at `path`.
    public static func read(path: String, options: CSVOptions = CSVOptions()) throws(CSVError) -> Frame {
        try readWithLines(path: path, options: options).frame
    }

    /// Reads the file at `path` and also returns, for each data row, its 1-based line in the file,
    /// so that later checks (a non-binary target, say) can name the line.
    public static func readWithLines(path: String, options: CSVOptions = CSVOptions()) throws(CSVError) -> (frame: Frame, lines: [Int32]) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CSVError(file: path, message: "file not found")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CSVError(file: path, message: "file cannot be read")
        }
        return try readWithLines(data: data, label: path, options: options)
    }

    /// Reads CSV bytes; `label` names the source in error messages.
    public static func read(data: Data, label: String, options: CSVOptions = CSVOptions()) throws(CSVError) -> Frame {
        try readWithLines(data: data, label: label, options: options).frame
    }

    /// Reads CSV bytes, with the line number of each data row.
    public static func readWithLines(data: Data, label: String, options: CSVOptions = CSVOptions()) throws(CSVError) -> (frame: Frame, lines: [Int32]) {
        let result: Result<(frame: Frame, lines: [Int32]), CSVError> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            do throws(CSVError) {
                var parser = CSVParser(bytes: bytes, label: label, options: options)
                let frame = try parser.parse()
                return .success((frame, parser.rowLines))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Reads CSV text (for tests and small inputs).
    public static func read(text: String, label: String = "<text>", options: CSVOptions = CSVOptions()) throws(CSVError) -> Frame {
        try read(data: Data(text.utf8), label: label, options: options)
    }
}

/// One field located in the buffer.
struct FieldSpan {
    var start: Int
    var end: Int
    var quoted: Bool
    var hasEscapedQuote: Bool
}

/// Per-column accumulation while parsing.
final class ColumnBuilder {
    enum Mode { case numeric, text }
    let name: String
    let position: Int
    let declared: ColumnType?
    var mode: Mode
    var numbers: [Double] = []
    var missing: [Bool] = []
    var allIntegers = true
    var codes: [Int32] = []
    var levels: [String] = []
    var levelIndex: [String: Int32] = [:]
    // Numbers first, then text: decided at the end by majority.
    var numericCount = 0
    var textCount = 0
    var firstTextLine: Int?
    var firstTextValue: String?
    var firstNonFiniteLine: Int?
    var firstNonFiniteValue: String?
    var abandonedNumbers = false

    init(name: String, position: Int, declared: ColumnType?, capacity: Int) {
        self.name = name
        self.position = position
        self.declared = declared
        self.mode = declared == .categorical ? .text : .numeric
        if mode == .numeric { numbers.reserveCapacity(capacity) } else { codes.reserveCapacity(capacity) }
        missing.reserveCapacity(capacity)
    }

    func appendText(_ s: String?) {
        guard let s else { codes.append(-1); missing.append(true); return }
        if let c = levelIndex[s] { codes.append(c) } else {
            let c = Int32(levels.count)
            levels.append(s)
            levelIndex[s] = c
            codes.append(c)
        }
        missing.append(false)
    }
}

struct CSVParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let label: String
    let options: CSVOptions
    var position = 0
    var line = 1
    let missingBytes: [[UInt8]]
    let longestMissingToken: Int
    /// 1-based file line of each data row.
    var rowLines: [Int32] = []

    init(bytes: UnsafeBufferPointer<UInt8>, label: String, options: CSVOptions) {
        self.bytes = bytes
        self.label = label
        self.options = options
        self.missingBytes = options.missingTokens.map { Array($0.utf8) }
        self.longestMissingToken = missingBytes.map(\.count).max() ?? 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    func error(_ message: String, line: Int? = nil, column: ColumnBuilder? = nil) -> CSVError {
        CSVError(file: label, line: line, column: column?.name, columnPosition: column.map { $0.position + 1 }, message: message)
    }

    /// Skips blank lines; returns false at end of input.
    mutating func skipBlankLines() -> Bool {
        while position < bytes.count {
            let c = bytes[position]
            if c == 0x0A { position += 1; line += 1 }
            else if c == 0x0D { position += 1; if position < bytes.count && bytes[position] == 0x0A { position += 1 }; line += 1 }
            else { return true }
        }
        return false
    }

    /// Reads one record's fields into `fields`. Returns the line on which the record starts.
    mutating func readRecord(into fields: inout [FieldSpan]) throws(CSVError) -> Int {
        fields.removeAll(keepingCapacity: true)
        let startLine = line
        let delim = options.delimiter
        let n = bytes.count
        while true {
            if position < n && bytes[position] == 0x22 {
                // Quoted field.
                let quoteLine = line
                position += 1
                let start = position
                var escaped = false
                while true {
                    guard position < n else {
                        throw error("unterminated quoted field (the quote opens on line \(quoteLine))", line: quoteLine)
                    }
                    let c = bytes[position]
                    if c == 0x22 {
                        if position + 1 < n && bytes[position + 1] == 0x22 { escaped = true; position += 2; continue }
                        break
                    }
                    if c == 0x0A { line += 1 }
                    position += 1
                }
                fields.append(FieldSpan(start: start, end: position, quoted: true, hasEscapedQuote: escaped))
                position += 1  // closing quote
                // Allow spaces after the closing quote.
                while position < n && bytes[position] == 0x20 { position += 1 }
                if position < n && bytes[position] != delim && bytes[position] != 0x0A && bytes[position] != 0x0D {
                    throw error("unexpected character after a closing quote in field \(fields.count)", line: line)
                }
            } else {
                let start = position
                while position < n {
                    let c = bytes[position]
                    if c == delim || c == 0x0A || c == 0x0D { break }
                    position += 1
                }
                fields.append(FieldSpan(start: start, end: position, quoted: false, hasEscapedQuote: false))
            }
            if position >= n { return startLine }
            let c = bytes[position]
            if c == delim { position += 1; continue }
            if c == 0x0D { position += 1; if position < n && bytes[position] == 0x0A { position += 1 } }
            else { position += 1 }
            line += 1
            return startLine
        }
    }

    func string(_ f: FieldSpan) -> String {
        let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[f.start..<f.end]), as: UTF8.self)
        return f.hasEscapedQuote ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }

    func isMissing(_ f: FieldSpan) -> Bool {
        var s = f.start
        var e = f.end
        while s < e && bytes[s] == 0x20 { s += 1 }
        while e > s && bytes[e - 1] == 0x20 { e -= 1 }
        let len = e - s
        if len == 0 { return true }
        if len > longestMissingToken { return false }
        for token in missingBytes where token.count == len {
            var same = true
            for k in 0..<len where token[k] != bytes[s + k] { same = false; break }
            if same { return true }
        }
        return false
    }

    mutating func parse() throws(CSVError) -> Frame {
        guard skipBlankLines() else { throw error("the file is empty: expected a header row") }
        var fields: [FieldSpan] = []
        let headerLine = try readRecord(into: &fields)
        var names: [String] = []
        var seen: [String: Int] = [:]
        for (k, f) in fields.enumerated() {
            let name = string(f).trimmingCharacters(in: .whitespaces)
            if name.isEmpty { throw CSVError(file: label, line: headerLine, columnPosition: k + 1, message: "header field \(k + 1) is empty") }
            if let first = seen[name] {
                throw CSVError(file: label, line: headerLine, column: name, columnPosition: k + 1,
                               message: "column name repeats column #\(first + 1)")
            }
            seen[name] = k
            names.append(name)
        }
        for declared in options.types.keys where seen[declared] == nil {
            throw error("a type is declared for column '\(declared)', which is not in the header", line: headerLine)
        }
        let bytesPerRow = max(1, position)
        let capacityGuess = min(50_000_000, bytes.count / bytesPerRow + 16)
        let builders = names.enumerated().map {
            ColumnBuilder(name: $1, position: $0, declared: options.types[$1], capacity: capacityGuess)
        }
        var rowCount = 0
        while skipBlankLines() {
            let recordLine = try readRecord(into: &fields)
            if fields.count != builders.count {
                throw error("expected \(builders.count) fields as in the header, found \(fields.count)", line: recordLine)
            }
            for k in 0..<builders.count {
                try consume(fields[k], builders[k], line: recordLine)
            }
            rowLines.append(Int32(truncatingIfNeeded: recordLine))
            rowCount += 1
        }
        if rowCount == 0 { throw error("the file has a header but no data rows", line: headerLine) }

        var columns: [Column] = []
        columns.reserveCapacity(builders.count)
        var reparse: [Int] = []
        for b in builders {
            if b.abandonedNumbers {
                if b.numericCount >= b.textCount, let line = b.firstNonFiniteLine {
                    throw nonFiniteError(b.firstNonFiniteValue ?? "", line: line, column: b)
                }
                if b.numericCount >= b.textCount {
                    throw error("'\(b.firstTextValue ?? "")' is not a number, but \(b.numericCount) of the column's values are; "
                                + "fix the value, or declare the column categorical", line: b.firstTextLine, column: b)
                }
                reparse.append(b.position)
            }
        }
        if !reparse.isEmpty { try reparseAsText(reparse, builders: builders) }
        for b in builders {
            switch b.mode {
            case .text:
                columns.append(Column(name: b.name, values: .categorical(codes: b.codes, levels: b.levels), missing: b.missing))
            case .numeric:
                let asInt = b.declared == .int || (b.declared == nil && b.allIntegers)
                if asInt {
                    columns.append(Column(name: b.name, values: .int(b.numbers.map { Int($0) }), missing: b.missing))
                } else {
                    columns.append(Column(name: b.name, values: .double(b.numbers), missing: b.missing))
                }
            }
        }
        do { return try Frame(columns) } catch { throw self.error(error.description) }
    }

    func nonFiniteError(_ value: String, line: Int, column: ColumnBuilder) -> CSVError {
        error("'\(value)' is not a finite number (NaN and infinity are not accepted; leave the cell empty or NA for missing)",
              line: line, column: column)
    }

    @inline(__always)
    func consume(_ f: FieldSpan, _ b: ColumnBuilder, line: Int) throws(CSVError) {
        switch b.mode {
        case .text:
            b.appendText(isMissing(f) ? nil : string(f))
        case .numeric:
            if isMissing(f) {
                if !b.abandonedNumbers { b.numbers.append(0); b.missing.append(true) }
                return
            }
            let parsed: ParsedNumber
            if f.hasEscapedQuote {
                parsed = .notANumber
            } else {
                parsed = parseNumber(bytes.baseAddress! + f.start, f.end - f.start)
            }
            switch parsed {
            case let .number(v, isInteger):
                if b.abandonedNumbers { b.numericCount += 1; return }
                if b.declared == .int && !isInteger {
                    throw error("'\(string(f))' is not an integer (the column is declared int)", line: line, column: b)
                }
                b.numbers.append(v)
                b.missing.append(false)
                b.numericCount += 1
                if !isInteger { b.allIntegers = false }
            case .nonFinite:
                if b.declared != nil { throw nonFiniteError(string(f), line: line, column: b) }
                // Decided at the end: an error if the column is numeric, a level if it turns out to be text.
                if b.firstNonFiniteLine == nil { b.firstNonFiniteLine = line; b.firstNonFiniteValue = string(f) }
                if !b.abandonedNumbers {
                    b.abandonedNumbers = true
                    b.firstTextLine = line
                    b.firstTextValue = string(f)
                    b.numbers = []
                }
                b.textCount += 1
            case .notANumber:
                if let declared = b.declared {
                    throw error("'\(string(f))' is not a number (the column is declared \(declared.rawValue))", line: line, column: b)
                }
                if b.numericCount == 0 && !b.abandonedNumbers {
                    // Text from the first value on: a categorical column. Earlier cells were all missing.
                    b.mode = .text
                    b.codes = Array(repeating: -1, count: b.missing.count)
                    b.numbers = []
                    b.appendText(string(f))
                    return
                }
                if !b.abandonedNumbers {
                    b.abandonedNumbers = true
                    b.firstTextLine = line
                    b.firstTextValue = string(f)
                    b.numbers = []
                }
                b.textCount += 1
            }
        }
    }

    /// Second pass for columns that began numeric but are mostly text: read them as categories.
    mutating func reparseAsText(_ positions: [Int], builders: [ColumnBuilder]) throws(CSVError) {
        for p in positions {
            let b = builders[p]
            b.mode = .text
            b.codes = []
            b.missing = []
            b.levels = []
            b.levelIndex = [:]
        }
        position = 0
        line = 1
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
        var fields: [FieldSpan] = []
        _ = skipBlankLines()
        _ = try readRecord(into: &fields)
        while skipBlankLines() {
            _ = try readRecord(into: &fields)
            for p in positions {
                let f = fields[p]
                builders[p].appendText(isMissing(f) ? nil : string(f))
            }
        }
    }
}
