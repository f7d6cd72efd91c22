import Foundation

/// Writes delimited text, quoting fields that need it (RFC 4180), and files atomically.
public enum CSVWriter {
    /// One CSV field: quoted when it contains the delimiter, a quote, CR or LF.
    public static func field(_ s: String) -> String {
        // Test bytes, not Characters: "\r\n" is a single Character equal to neither "\r" nor "\n".
        if s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// The frame as CSV text with a header; missing cells are empty.
    public static func text(_ frame: Frame) -> String {
        var out = frame.columnNames.map(field).joined(separator: ",") + "\n"
        for i in 0..<frame.rowCount {
            out += frame.columns.map { field($0.text(at: i) ?? "") }.joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// Writes `contents` to `path` atomically: a temporary file in the same folder, then rename.
    /// A reader never sees a half-written file, and a failure leaves any previous file intact.
    public static func writeAtomically(_ contents: String, to path: String) throws {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
