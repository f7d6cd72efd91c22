import Foundation
import Testing
@testable import ObligorData

@Suite("CSVWriter")
struct CSVWriterTests {
    @Test("field quoting")
    func field() {
        #expect(CSVWriter.field("plain") == "plain")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVWriter.field("cr\rhere") == "\"cr\rhere\"")
        #expect(CSVWriter.field("") == "")
    }

    @Test("a field containing CRLF is quoted")
    func fieldCRLF() throws {
        #expect(CSVWriter.field("a\r\nb") == "\"a\r\nb\"")
        let frame = try Frame([.int("id", [1, 2]), .categorical("note", ["line1\r\nline2", "x"])])
        #expect(try CSVReader.read(text: CSVWriter.text(frame)) == frame)
    }

    @Test("text → read gives back the same frame (quotes, commas, newlines, missing values)")
    func roundTrip() throws {
        let frame = try Frame([
            .int("id", [1, 2, 3, 4, 5, -6]),
            .double("amount", [0.1, nil, -2.5e-7, 1e300, 12345.678, 1.5]),
            .categorical("note", ["plain", "has, comma", "say \"hi\"", "two\nlines", nil, "  spaced"]),
            .categorical("grade", ["A", "B", "A", nil, "C", "B"]),
            .categorical("weird, \"name\"", ["x", "y", "x", "y", "x", "y"]),
        ])
        let text = CSVWriter.text(frame)
        let (back, lines) = try CSVReader.readWithLines(data: Data(text.utf8), label: "round.csv")
        #expect(back == frame)
        // Row 4's note spans two lines.
        #expect(lines == [2, 3, 4, 5, 7, 8])
        // Doubles survive bit for bit (shortest round-trip formatting).
        let rng = (0..<200).map { i in Double(sin(Double(i)) * pow(10, Double(i % 40 - 20))) }
        let f2 = try Frame([.double("v", rng)])
        let back2 = try CSVReader.read(text: CSVWriter.text(f2))
        #expect(back2["v"]?.doubles()?.map(\.bitPattern) == rng.map(\.bitPattern))
    }

    @Test("writeAtomically replaces a file's contents")
    func atomic() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("obligor-writer-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try CSVWriter.writeAtomically("old", to: path)
        try CSVWriter.writeAtomically("a\n1\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a\n1\n")
    }
}
