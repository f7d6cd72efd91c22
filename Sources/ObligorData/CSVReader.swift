import Foundation
import ObligorNumerics

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
        // Memory-mapped: the file is paged in as it is parsed, never copied whole.
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
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
struct ColumnBuilder {
    enum Mode { case numeric, text }
    let name: String
    let position: Int
    let declared: ColumnType?
    var mode: Mode
    var numbers: [Double] = []
    /// Rows so far, and the (few) rows that are missing: a sparse mask, built dense at the end.
    var rowCount = 0
    var missingRows: [Int] = []
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
    }

    /// The dense missing mask.
    func missingMask() -> [Bool] {
        var mask = [Bool](repeating: false, count: rowCount)
        for r in missingRows { mask[r] = true }
        return mask
    }

    mutating func appendText(_ s: String?) {
        guard let s else { codes.append(-1); missingRows.append(rowCount); rowCount += 1; return }
        if let c = levelIndex[s] { codes.append(c) } else {
            let c = Int32(levels.count)
            levels.append(s)
            levelIndex[s] = c
            codes.append(c)
        }
        rowCount += 1
    }
}

struct CSVParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let label: String
    let options: CSVOptions
    var position = 0
    var line = 1
    /// One past the last byte this parser reads (a chunk's end in parallel parsing).
    var end: Int
    let missingBytes: [[UInt8]]
    let longestMissingToken: Int
    /// Whether some missing token parses as a number (then the missing check must come first).
    let numericLookingMissingTokens: Bool
    /// 1-based file line of each data row.
    var rowLines: [Int32] = []

    init(bytes: UnsafeBufferPointer<UInt8>, label: String, options: CSVOptions) {
        self.bytes = bytes
        self.label = label
        self.options = options
        self.end = bytes.count
        self.missingBytes = options.missingTokens.map { Array($0.utf8) }
        self.longestMissingToken = missingBytes.map(\.count).max() ?? 0
        self.numericLookingMissingTokens = missingBytes.contains { token in
            token.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress, !p.isEmpty else { return false }
                if case .number = parseNumber(base, p.count) { return true }
                return false
            }
        }
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    func error(_ message: String, line: Int? = nil, column: ColumnBuilder? = nil) -> CSVError {
        CSVError(file: label, line: line, column: column?.name, columnPosition: column.map { $0.position + 1 }, message: message)
    }

    /// Skips blank lines; returns false at end of input.
    mutating func skipBlankLines() -> Bool {
        while position < end {
            let c = bytes[position]
            if c == 0x0A { position += 1; line += 1 }
            else if c == 0x0D { position += 1; if position < end && bytes[position] == 0x0A { position += 1 }; line += 1 }
            else { return true }
        }
        return false
    }

    /// Reads one record's fields into `fields`. Returns the line on which the record starts.
    mutating func readRecord(into fields: inout [FieldSpan]) throws(CSVError) -> Int {
        fields.removeAll(keepingCapacity: true)
        let startLine = line
        let delim = options.delimiter
        let n = end
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
        let dataStart = position
        let dataLine = line
        var builders: [ColumnBuilder]
        if let parallel = try parseInParallel(names: names, from: dataStart, line: dataLine) {
            builders = parallel
        } else {
            position = dataStart
            line = dataLine
            rowLines = []
            builders = makeBuilders(names, capacity: min(50_000_000, (end - dataStart) / max(1, dataStart) + 16))
            try parseRows(into: &builders)
        }
        let rowCount = rowLines.count
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
        if !reparse.isEmpty { try reparseAsText(reparse, builders: &builders) }
        for b in builders {
            switch b.mode {
            case .text:
                columns.append(Column(name: b.name, values: .categorical(codes: b.codes, levels: b.levels), missing: b.missingMask()))
            case .numeric:
                let asInt = b.declared == .int || (b.declared == nil && b.allIntegers)
                if asInt {
                    columns.append(Column(name: b.name, values: .int(b.numbers.map { Int($0) }), missing: b.missingMask()))
                } else {
                    columns.append(Column(name: b.name, values: .double(b.numbers), missing: b.missingMask()))
                }
            }
        }
        do { return try Frame(columns) } catch { throw self.error(error.description) }
    }

    func makeBuilders(_ names: [String], capacity: Int) -> [ColumnBuilder] {
        names.enumerated().map { ColumnBuilder(name: $1, position: $0, declared: options.types[$1], capacity: capacity) }
    }

    /// Parses records from `position` to `end` into `builders`, recording each row's line.
    mutating func parseRows(into builders: inout [ColumnBuilder]) throws(CSVError) {
        var fields: [FieldSpan] = []
        let count = builders.count
        fields.reserveCapacity(count)
        // No closures here: a closure capturing `self` would copy the parser (and retain its
        // arrays) on every cell.
        // The builders move into a manually managed buffer for the loop, so per-cell access needs
        // neither an array uniqueness check nor a dynamic exclusivity check; they move back after.
        let bp = UnsafeMutablePointer<ColumnBuilder>.allocate(capacity: count)
        bp.initialize(from: builders, count: count)
        builders = []
        defer {
            builders = Array(UnsafeBufferPointer(start: bp, count: count))
            bp.deinitialize(count: count)
            bp.deallocate()
        }
        // Fast path for rows of plain numbers and empty cells in columns that are still numeric:
        // one fused scan per field, values committed only when the whole row is plain. Any other
        // row (quotes, NA tokens, text, spaces, wrong field count) takes the general path below.
        let rowValues = UnsafeMutablePointer<Double>.allocate(capacity: count)
        let rowFlags = UnsafeMutablePointer<UInt8>.allocate(capacity: count)   // 0 number, 1 integer, 2 missing
        defer { rowValues.deallocate(); rowFlags.deallocate() }
        let base = bytes.baseAddress!
        let delim = options.delimiter
        let emptyIsMissing = missingBytes.contains { $0.isEmpty }
        while skipBlankLines() {
            var i = position
            var plain = true
            for k in 0..<count {
                guard bp[k].mode == .numeric, !bp[k].abandonedNumbers else { plain = false; break }
                if i < end && (base[i] == delim || base[i] == 0x0A || base[i] == 0x0D) || i >= end {
                    guard emptyIsMissing else { plain = false; break }
                    rowFlags[k] = 2
                } else if let (v, isInteger, next) = scanPlainNumber(base, from: i, end: end, delimiter: delim),
                          isInteger || bp[k].declared != .int {
                    rowValues[k] = v
                    rowFlags[k] = isInteger ? 1 : 0
                    i = next
                } else {
                    plain = false
                    break
                }
                if k < count - 1 {
                    guard i < end && base[i] == delim else { plain = false; break }
                    i += 1
                } else if i < end && base[i] != 0x0A && base[i] != 0x0D {
                    plain = false
                }
            }
            if plain {
                for k in 0..<count {
                    let flag = rowFlags[k]
                    if flag == 2 {
                        bp[k].numbers.append(0)
                        bp[k].missingRows.append(bp[k].rowCount)
                        bp[k].rowCount += 1
                    } else {
                        bp[k].numbers.append(rowValues[k])
                        bp[k].rowCount += 1
                        bp[k].numericCount += 1
                        if flag == 0 { bp[k].allIntegers = false }
                    }
                }
                rowLines.append(Int32(truncatingIfNeeded: line))
                position = i
                if position < end {
                    if base[position] == 0x0D { position += 1; if position < end && base[position] == 0x0A { position += 1 } } else { position += 1 }
                }
                line += 1
                continue
            }
            let recordLine = try readRecord(into: &fields)
            if fields.count != count {
                throw error("expected \(count) fields as in the header, found \(fields.count)", line: recordLine)
            }
            for k in 0..<count {
                try consume(fields[k], &bp[k], line: recordLine)
            }
            rowLines.append(Int32(truncatingIfNeeded: recordLine))
        }
    }

    /// Large files without quote characters parse in ``Parallel/threads`` chunks cut at line ends,
    /// then merge. Returns nil (parse sequentially instead) when the file is small, has quotes, or
    /// when any chunk fails or a column's type differs between chunks: the sequential parse then
    /// gives the exact error or inference of a one-pass read. The result is identical either way.
    mutating func parseInParallel(names: [String], from start: Int, line startLine: Int) throws(CSVError) -> [ColumnBuilder]? {
        let workers = Parallel.threads
        let size = end - start
        guard workers > 1, size >= 4 << 20 else { return nil }
        if memchr(bytes.baseAddress! + start, 0x22, size) != nil { return nil }
        // Chunk boundaries just after a newline.
        var cuts = [start]
        for k in 1..<workers {
            var c = start + size * k / workers
            while c < end && bytes[c] != 0x0A { c += 1 }
            if c < end { c += 1 }
            if c > cuts.last! && c < end { cuts.append(c) }
        }
        cuts.append(end)
        let chunkCount = cuts.count - 1
        let template = self
        // Rows expected: from the mean length of the lines in the first 64 KiB of data.
        let sample = min(size, 1 << 16)
        var sampleLines = 0
        for i in start..<(start + sample) where bytes[i] == 0x0A { sampleLines += 1 }
        let bytesPerRow = max(1, sample / max(1, sampleLines))
        let expectedRows = min(50_000_000, size / bytesPerRow + 64)
        // The first chunk reserves room for every row, so the others are appended without moving it.
        let parts: [(builders: [ColumnBuilder], lines: [Int32], linesConsumed: Int)?] = Parallel.map(chunkCount) { k in
            var p = template
            p.position = cuts[k]
            p.end = cuts[k + 1]
            p.line = 1   // relative; chunks are shifted once their predecessors' line counts are known
            p.rowLines = []
            var b = p.makeBuilders(names, capacity: k == 0 ? expectedRows + expectedRows / 8 : (cuts[k + 1] - cuts[k]) / bytesPerRow + 64)
            do { try p.parseRows(into: &b) } catch { return nil }
            return (b, p.rowLines, p.line - 1)
        }
        var chunks: [(builders: [ColumnBuilder], lines: [Int32])] = []
        var lineOffset = startLine - 1
        for part in parts {
            guard let part else { return nil }
            let shift = Int32(truncatingIfNeeded: lineOffset)
            chunks.append((part.builders, part.lines.map { $0 + shift }))
            lineOffset += part.linesConsumed
        }
        // Merge column by column; any column that is not plainly numeric everywhere, or plainly
        // text everywhere, falls back to the sequential parse.
        var merged = makeBuilders(names, capacity: 0)
        for k in merged.indices {
            var b = merged[k]
            defer { merged[k] = b }
            let pieces = chunks.map { $0.builders[k] }
            if pieces.allSatisfy({ $0.mode == .numeric && !$0.abandonedNumbers }) {
                b.mode = .numeric
                b.numbers = pieces[0].numbers
                for piece in pieces.dropFirst() { b.numbers.append(contentsOf: piece.numbers) }
                b.allIntegers = pieces.allSatisfy(\.allIntegers)
                b.numericCount = pieces.reduce(0) { $0 + $1.numericCount }
            } else if pieces.allSatisfy({ $0.mode == .text }) {
                b.mode = .text
                b.codes = []
                for piece in pieces {
                    let remap = piece.levels.map { level -> Int32 in
                        if let c = b.levelIndex[level] { return c }
                        let c = Int32(b.levels.count)
                        b.levels.append(level)
                        b.levelIndex[level] = c
                        return c
                    }
                    b.codes += piece.codes.map { $0 < 0 ? -1 : remap[Int($0)] }
                }
            } else {
                return nil
            }
            b.missingRows = []
            b.rowCount = 0
            for piece in pieces {
                let offset = b.rowCount
                b.missingRows.append(contentsOf: piece.missingRows.map { $0 + offset })
                b.rowCount += piece.rowCount
            }
        }
        rowLines = chunks.flatMap(\.lines)
        position = end
        return merged
    }

    func nonFiniteError(_ value: String, line: Int, column: ColumnBuilder) -> CSVError {
        error("'\(value)' is not a finite number (NaN and infinity are not accepted; leave the cell empty or NA for missing)",
              line: line, column: column)
    }

    @inline(__always)
    func consume(_ f: FieldSpan, _ b: inout ColumnBuilder, line: Int) throws(CSVError) {
        switch b.mode {
        case .text:
            b.appendText(isMissing(f) ? nil : string(f))
        case .numeric:
            // Parse first (most cells are numbers); missing tokens that look like numbers
            // ("-99999") are checked before parsing.
            var parsed: ParsedNumber = .notANumber
            if !f.hasEscapedQuote && f.end > f.start && !numericLookingMissingTokens {
                parsed = parseNumber(bytes.baseAddress! + f.start, f.end - f.start)
            }
            if case .notANumber = parsed, isMissing(f) {
                if !b.abandonedNumbers { b.numbers.append(0); b.missingRows.append(b.rowCount); b.rowCount += 1 }
                return
            }
            if numericLookingMissingTokens {
                if isMissing(f) {
                    if !b.abandonedNumbers { b.numbers.append(0); b.missingRows.append(b.rowCount); b.rowCount += 1 }
                    return
                }
                if !f.hasEscapedQuote { parsed = parseNumber(bytes.baseAddress! + f.start, f.end - f.start) }
            }
            switch parsed {
            case let .number(v, isInteger):
                if b.abandonedNumbers { b.numericCount += 1; return }
                if b.declared == .int && !isInteger {
                    throw error("'\(string(f))' is not an integer (the column is declared int)", line: line, column: b)
                }
                b.numbers.append(v)
                b.rowCount += 1
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
                    b.codes = Array(repeating: -1, count: b.rowCount)
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
    mutating func reparseAsText(_ positions: [Int], builders: inout [ColumnBuilder]) throws(CSVError) {
        for p in positions {
            builders[p].mode = .text
            builders[p].codes = []
            builders[p].missingRows = []
            builders[p].rowCount = 0
            builders[p].levels = []
            builders[p].levelIndex = [:]
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
