import Foundation

/// Raw rows of a CALM dataset as text fields, with the file line of each row for messages.
///
/// Fields are kept verbatim (no trimming, no number parsing) because several CALM serialisers print
/// them as they are, and Taiwan's prompt even keeps the header's leading spaces.
public struct CALMSource: Sendable {
    /// File name (or resource name) for messages.
    public let label: String
    /// Column names; `nil` for header-less files (German `german.data`, Australian `australian.dat`).
    public let header: [String]?
    /// Fields of each row.
    public let rows: [[String]]
    /// 1-based file line of each row.
    public let lines: [Int]

    /// A source from parsed rows.
    public init(label: String, header: [String]?, rows: [[String]], lines: [Int]) {
        self.label = label; self.header = header; self.rows = rows; self.lines = lines
    }

    /// "FILE, line L".
    public func locate(_ row: Int) -> String { "\(label), line \(lines[row])" }

    /// Whitespace-separated rows without a header (UCI Statlog `.data` / `.dat` files).
    public static func whitespace(text: String, label: String, fields: Int) throws -> CALMSource {
        var rows: [[String]] = [], lines: [Int] = []
        for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if f.isEmpty { continue }
            guard f.count == fields else {
                throw CALMError("\(label), line \(k + 1): expected \(fields) space-separated fields, found \(f.count)")
            }
            rows.append(f); lines.append(k + 1)
        }
        return CALMSource(label: label, header: nil, rows: rows, lines: lines)
    }

    /// Comma-separated rows with a header line (RFC 4180 quoting; CRLF or LF).
    public static func csv(text: String, label: String) throws -> CALMSource {
        var records: [[String]] = [], starts: [Int] = []
        var field = "", row: [String] = [], inQuotes = false, afterQuote = false
        var line = 1, rowStart = 1
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endRow() {
            row.append(field); field = ""
            if !(row.count == 1 && row[0].isEmpty) { records.append(row); starts.append(rowStart) }
            row = []
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 }
                    else { inQuotes = false; afterQuote = true }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "," {
                row.append(field); field = ""; afterQuote = false
            } else if c == "\n" || c == "\r" {
                if c == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }
                endRow(); afterQuote = false
                line += 1; rowStart = line
            } else if c == "\"" && field.isEmpty && !afterQuote {
                inQuotes = true
            } else {
                if afterQuote { throw CALMError("\(label), line \(line): text after a closing quote") }
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if inQuotes { throw CALMError("\(label), line \(rowStart): unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty { endRow() }
        guard let header = records.first else { throw CALMError("\(label): empty file (a header line is required)") }
        for (k, r) in records.enumerated().dropFirst() where r.count != header.count {
            throw CALMError("\(label), line \(starts[k]): \(r.count) fields, the header has \(header.count)")
        }
        return CALMSource(label: label, header: header, rows: Array(records.dropFirst()), lines: Array(starts.dropFirst()))
    }

    /// ARFF (`@attribute` lines, then `@data` rows, `?` = missing), as the UCI Polish files are shipped.
    public static func arff(text: String, label: String) throws -> CALMSource {
        var header: [String] = [], rows: [[String]] = [], lines: [Int] = []
        var inData = false
        for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("%") { continue }
            let lower = line.lowercased()
            if !inData {
                if lower.hasPrefix("@attribute") {
                    let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                    guard parts.count >= 2 else { throw CALMError("\(label), line \(k + 1): malformed @attribute") }
                    header.append(String(parts[1]))
                } else if lower.hasPrefix("@data") { inData = true }
                continue
            }
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == header.count else {
                throw CALMError("\(label), line \(k + 1): \(f.count) values, \(header.count) @attribute lines")
            }
            rows.append(f); lines.append(k + 1)
        }
        guard inData else { throw CALMError("\(label): no @data section (not an ARFF file)") }
        return CALMSource(label: label, header: header, rows: rows, lines: lines)
    }

    /// Reads a file: ARFF by extension `.arff`, otherwise CSV with a header.
    public static func read(path: String) throws -> CALMSource {
        guard let data = FileManager.default.contents(atPath: path) else { throw CALMError("\(path): cannot be read") }
        let text = String(decoding: data, as: UTF8.self)
        return path.lowercased().hasSuffix(".arff") ? try arff(text: text, label: path) : try csv(text: text, label: path)
    }

    /// Index of a column by (any of) its names.
    func column(_ names: [String]) throws -> Int {
        guard let header else { throw CALMError("\(label): a header line is required") }
        for n in names { if let i = header.firstIndex(of: n) { return i } }
        let lowered = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for n in names { if let i = lowered.firstIndex(of: n.lowercased()) { return i } }
        throw CALMError("\(label): no column '\(names[0])' (columns: \(header.prefix(16).joined(separator: ", "))\(header.count > 16 ? ", …" : ""))")
    }

    /// A field as a number, with file/line/column in the error.
    func number(_ row: Int, _ col: Int) throws -> Double {
        let s = rows[row][col].trimmingCharacters(in: .whitespaces)
        guard let v = Double(s) else {
            throw CALMError("\(locate(row)), column '\(header?[col] ?? "\(col + 1)")': '\(rows[row][col])' is not a number")
        }
        return v
    }
}
