import Foundation
import Testing
@testable import ObligorData
import ObligorNumerics

@Suite("CSVReader")
struct CSVReaderTests {
    @Test("quoted fields: commas, escaped quotes, embedded newlines; later line numbers stay right")
    func quotedFields() throws {
        let text = "id,name,amount\n1,\"Smith, John\",10.5\n2,\"say \"\"hi\"\"\",20\n3,\"two\nlines\",30\n4,plain,40\n"
        let (frame, lines) = try CSVReader.readWithLines(data: Data(text.utf8), label: "q.csv")
        #expect(frame.rowCount == 4)
        #expect(frame["name"]?.strings == ["Smith, John", "say \"hi\"", "two\nlines", "plain"])
        #expect(frame["amount"]?.values == .double([10.5, 20, 30, 40]))
        #expect(frame["id"]?.values == .int([1, 2, 3, 4]))
        // Row 3 starts on line 4 and spans lines 4–5, so row 4 is on line 6.
        #expect(lines == [2, 3, 4, 6])

        // An error after the multi-line field names the physical line.
        let bad = "id,name\n1,\"a\nb\nc\"\n2,x,extra\n"
        let e = try #require(csvError(bad, label: "bad.csv"))
        #expect(e.line == 5)
        #expect(e.description.contains("bad.csv") && e.description.contains("line 5"))
    }

    @Test("a quoted number is a number; a quoted NA is missing; spaces after a closing quote are allowed")
    func quotedNumbers() throws {
        let frame = try CSVReader.read(text: "a,b\n\"12\" ,x\n\"NA\",\"y\"\n")
        #expect(frame["a"]?.values == .int([12, 0]))
        #expect(frame["a"]?.missing == [false, true])
        #expect(frame["b"]?.strings == ["x", "y"])
        let e = try #require(csvError("a,b\n\"1\"x,2\n"))
        #expect(e.line == 2)
    }

    @Test("CRLF line endings, a UTF-8 BOM and blank trailing lines")
    func crlfBomBlank() throws {
        let text = "\u{FEFF}x,label\r\n1,a\r\n\r\n2,\"b\r\nc\"\r\n3,d\r\n\r\n\r\n"
        let (frame, lines) = try CSVReader.readWithLines(data: Data(text.utf8), label: "crlf.csv")
        #expect(frame.columnNames == ["x", "label"])          // BOM not part of the first name
        #expect(frame["x"]?.values == .int([1, 2, 3]))
        #expect(frame["label"]?.strings == ["a", "b\r\nc", "d"])
        // Line 3 blank; row 2 spans lines 4–5; row 3 on line 6.
        #expect(lines == [2, 4, 6])
        // No trailing newline at all.
        #expect(try CSVReader.read(text: "x\n1\n2").rowCount == 2)
    }

    @Test("NA tokens are missing in numeric and text columns; NaN is not")
    func missingTokens() throws {
        let text = "n,t\n1,a\nNA,NA\n,N/A\nNULL,null\n?,?\n  NA  ,b\n5,\n"
        let frame = try CSVReader.read(text: text)
        let n = try #require(frame["n"]), t = try #require(frame["t"])
        #expect(n.type == .int)
        #expect(n.missing == [false, true, true, true, true, true, false])
        #expect(n.numericValue(at: 6) == 5)
        #expect(t.type == .categorical)
        #expect(t.strings == ["a", nil, nil, nil, nil, "b", nil])
        if case let .categorical(_, levels) = t.values { #expect(levels == ["a", "b"]) }
        // Custom tokens replace the defaults.
        let custom = try CSVReader.read(text: "n\n-\n3\nNA\n", options: CSVOptions(missingTokens: ["-", "NA"]))
        #expect(custom["n"]?.missing == [true, false, true])
        // Without "-" among the tokens it is text, and text first makes the column categorical.
        let notMissing = try CSVReader.read(text: "n\n-\n3\n", options: CSVOptions(missingTokens: ["NA"]))
        #expect(notMissing["n"]?.strings == ["-", "3"])
        // An empty field is always missing, whatever the tokens.
        #expect(try CSVReader.read(text: "n,m\n,1\n2,2\n", options: CSVOptions(missingTokens: ["NA"]))["n"]?.missing == [true, false])
    }

    @Test("custom missing tokens longer than four characters are honoured")
    func longMissingTokens() throws {
        let options = CSVOptions(missingTokens: ["", "MISSING", "-99999"])
        let frame = try CSVReader.read(text: "x,y\n1,a\nMISSING,-99999\n3,b\n", options: options)
        #expect(frame["x"]?.missing == [false, true, false])
        #expect(frame["y"]?.missing == [false, true, false])
    }

    @Test("type inference: int, double, categorical, all-missing")
    func inference() throws {
        let text = "i,d,c,m,e\n1,1.5,a,,1e3\n-2,2,b,NA,2\n30,-0.25,a,,3\n"
        let frame = try CSVReader.read(text: text)
        #expect(frame["i"]?.values == .int([1, -2, 30]))
        #expect(frame["d"]?.values == .double([1.5, 2, -0.25]))
        #expect(frame["c"]?.values == .categorical(codes: [0, 1, 0], levels: ["a", "b"]))
        #expect(frame["m"]?.missingCount == 3)
        #expect(frame["m"]?.isNumeric == true)
        // An exponent makes the column double even when every value is whole.
        #expect(frame["e"]?.values == .double([1000, 2, 3]))
        // Text first after missing cells: earlier missing cells stay missing.
        let f2 = try CSVReader.read(text: "c\n\nNA\nx\n")
        #expect(f2["c"]?.type == .categorical)
        #expect(f2["c"]?.strings == [nil, "x"])   // the blank line is skipped, not a row
    }

    @Test("declared types override inference")
    func declaredTypes() throws {
        let options = CSVOptions(types: ["a": .double, "b": .categorical, "c": .int])
        let frame = try CSVReader.read(text: "a,b,c\n1,10,7\n2,20,\n", options: options)
        #expect(frame["a"]?.values == .double([1, 2]))
        #expect(frame["b"]?.values == .categorical(codes: [0, 1], levels: ["10", "20"]))
        #expect(frame["c"]?.values == .int([7, 0]))
        #expect(frame["c"]?.missing == [false, true])
        // A declared column missing from the header is an error on the header line.
        let e = try #require(csvError("a\n1\n", options: CSVOptions(types: ["zz": .int])))
        #expect(e.line == 1 && e.message.contains("zz"))
        // A declared numeric column rejects text.
        let e2 = try #require(csvError("a,b\n1,x\n2,y\n", label: "d.csv", options: CSVOptions(types: ["b": .double])))
        #expect(e2.line == 2 && e2.column == "b" && e2.columnPosition == 2)
    }

    @Test("declared int column rejects 1.5 with line and column")
    func declaredIntRejectsFraction() throws {
        let e = try #require(csvError("id,n\na,1\nb,1.5\n", label: "ints.csv", options: CSVOptions(types: ["n": .int])))
        #expect(e.line == 3)
        #expect(e.column == "n")
        #expect(e.columnPosition == 2)
        #expect(e.description.contains("ints.csv"))
        #expect(e.description.contains("line 3"))
        #expect(e.description.contains("'n'"))
        #expect(e.message.contains("1.5"))
    }

    @Test("mostly numbers with one text value is an error naming that value's line and column")
    func mixedMostlyNumbers() throws {
        var text = "id,score\n"
        for i in 1...10 { text += "\(i),\(Double(i) * 0.5)\n" }
        text += "11,n/a!\n"        // line 12
        for i in 12...15 { text += "\(i),\(i)\n" }
        let e = try #require(csvError(text, label: "scores.csv"))
        #expect(e.line == 12)
        #expect(e.column == "score")
        #expect(e.columnPosition == 2)
        #expect(e.description.contains("scores.csv"))
        #expect(e.description.contains("line 12"))
        #expect(e.description.contains("score"))
        #expect(e.message.contains("n/a!"))
        // Declaring it categorical reads it.
        let f = try CSVReader.read(text: text, options: CSVOptions(types: ["score": .categorical]))
        #expect(f["score"]?.type == .categorical)
        #expect(f["score"]?.text(at: 10) == "n/a!")
    }

    @Test("mostly text with some numbers is categorical, numbers kept as their text")
    func mixedMostlyText() throws {
        let text = "k,v\n1,7\n2,apple\n3,pear\nNA,apple\n4,07\n"
        let frame = try CSVReader.read(text: text)
        let v = try #require(frame["v"])
        #expect(v.type == .categorical)
        #expect(v.strings == ["7", "apple", "pear", "apple", "07"])
        #expect(frame["k"]?.missing == [false, false, false, true, false])
    }

    @Test("ragged rows: too many and too few fields name the line")
    func ragged() throws {
        let e1 = try #require(csvError("a,b,c\n1,2,3\n\n4,5\n", label: "r.csv"))
        #expect(e1.line == 4)
        #expect(e1.message.contains("3") && e1.message.contains("2"))
        #expect(e1.description.contains("r.csv") && e1.description.contains("line 4"))
        let e2 = try #require(csvError("a,b\n1,2\n3,4,5\n"))
        #expect(e2.line == 3)
    }

    @Test("unterminated quote names the line where the quote opens")
    func unterminatedQuote() throws {
        let e = try #require(csvError("a,b\n1,x\n2,\"never closed\n3,y\n4,z\n", label: "u.csv"))
        #expect(e.line == 3)
        #expect(e.message.contains("unterminated"))
        #expect(e.description.contains("u.csv") && e.description.contains("line 3"))
    }

    @Test("empty files and header-only files are errors", arguments: ["", "\n\n", "\r\n", "\u{FEFF}"])
    func emptyFile(text: String) throws {
        let e = try #require(csvError(text, label: "empty.csv"))
        #expect(e.message.contains("empty"))
        #expect(e.description.hasPrefix("empty.csv"))
    }

    @Test("header without data rows is an error on line 1")
    func headerOnly() throws {
        for text in ["a,b\n", "a,b", "a,b\n\n\n"] {
            let e = try #require(csvError(text, label: "h.csv"))
            #expect(e.line == 1)
            #expect(e.message.contains("no data rows"))
            #expect(e.description.contains("h.csv, line 1"))
        }
    }

    @Test("repeated or empty header names are errors")
    func headerNames() throws {
        let e = try #require(csvError("a,b, a\n1,2,3\n", label: "dup.csv"))
        #expect(e.line == 1 && e.column == "a" && e.columnPosition == 3)
        #expect(e.description.contains("dup.csv") && e.description.contains("line 1") && e.description.contains("'a'"))
        let e2 = try #require(csvError("a,,c\n1,2,3\n"))
        #expect(e2.line == 1 && e2.columnPosition == 2)
        // Header names are trimmed.
        #expect(try CSVReader.read(text: " a , b\n1,2\n").columnNames == ["a", "b"])
    }

    @Test("NaN or infinity in a numeric column is an error with line and column",
          arguments: ["nan", "NaN", "inf", "-Infinity", "1e999"])
    func nonFiniteInNumeric(token: String) throws {
        let e = try #require(csvError("id,x\n1,0.5\n2,\(token)\n3,1\n", label: "nf.csv"))
        #expect(e.line == 3)
        #expect(e.column == "x")
        #expect(e.description.contains("nf.csv") && e.description.contains("line 3") && e.description.contains("'x'"))
    }

    @Test("readWithLines: header is line 1, blank lines counted")
    func lineNumbers() throws {
        let text = "\n\nh\n1\n\n2\n3\n\n\n4\n"
        let (frame, lines) = try CSVReader.readWithLines(data: Data(text.utf8), label: "l.csv")
        #expect(frame.rowCount == 4)
        #expect(lines == [4, 6, 7, 10])
        // A header preceded by blank lines reports its own line.
        let e = try #require(csvError("\n\nh\n"))
        #expect(e.line == 3)
    }

    @Test("other delimiters")
    func delimiter() throws {
        let frame = try CSVReader.read(text: "a|b\n1,5|\"x|y\"\n", options: CSVOptions(delimiter: UInt8(ascii: "|")))
        #expect(frame["a"]?.strings == ["1,5"])
        #expect(frame["b"]?.strings == ["x|y"])
    }

    @Test("reading from a path, and a missing file")
    func fromPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("obligor-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("f.csv").path
        try CSVWriter.writeAtomically("a,b\n1,x\n2,y\n", to: path)
        let (frame, lines) = try CSVReader.readWithLines(path: path)
        #expect(frame.rowCount == 2 && lines == [2, 3])
        #expect(try CSVReader.read(path: path) == frame)
        let missing = dir.appendingPathComponent("nope.csv").path
        let e = #expect(throws: CSVError.self) { try CSVReader.read(path: missing) }
        #expect(e?.file == missing)
        #expect(e?.description.contains(missing) == true)
    }

    @Test("a NaN/inf token in a column that turns out to be text is just text, whatever the row order")
    func nonFiniteTokenInTextColumn() throws {
        // Text first: categorical, "inf" is a level.
        let textFirst = try CSVReader.read(text: "v\nx\ny\nz\ninf\n1\n")
        #expect(textFirst["v"]?.strings == ["x", "y", "z", "inf", "1"])
        // Number first, then mostly text: the same column should read the same way.
        let numberFirst = try CSVReader.read(text: "v\n1\nx\ny\nz\ninf\n")
        #expect(numberFirst["v"]?.strings == ["1", "x", "y", "z", "inf"])
    }
}

/// Large files parse in parallel chunks; the result must equal the one-thread parse exactly,
/// including types, missing cells, category dictionaries and line numbers.
@Suite(.serialized) struct ParallelCSVTests {
    static func bigFile(rows: Int, seed: UInt64, extra: (Int) -> String? = { _ in nil }) -> String {
        var g = SplitMix64(seed: seed)
        var s = "a,b,c,grade,bad\n"
        for i in 0..<rows {
            if let line = extra(i) { s += line + "\n"; continue }
            let a = Double(Int.random(in: -1_000_000...1_000_000, using: &g)) / 1000
            let b = Int.random(in: 0..<50, using: &g) == 0 ? "" : String(Int.random(in: 0...9999, using: &g))
            let c = Int.random(in: 0..<100, using: &g) == 0 ? "NA" : String(format: "%.9fe-3", Double.random(in: -1...1, using: &g))
            let grade = ["A", "B", "C", "D"][Int.random(in: 0..<4, using: &g)]
            s += "\(a),\(b),\(c),\(grade),\(Int.random(in: 0...1, using: &g))\n"
        }
        return s
    }

    func parse(_ text: String, threads: Int) -> Result<(frame: Frame, lines: [Int32]), CSVError> {
        let saved = Parallel.threads
        Parallel.threads = threads
        defer { Parallel.threads = saved }
        return Result { () throws(CSVError) in try CSVReader.readWithLines(data: Data(text.utf8), label: "big.csv") }
    }

    @Test func parallelEqualsSequential() throws {
        let text = Self.bigFile(rows: 200_000, seed: 11)
        #expect(text.utf8.count > 4 << 20)   // large enough for the parallel path
        let one = try parse(text, threads: 1).get()
        let two = try parse(text, threads: 2).get()
        let three = try parse(text, threads: 3).get()
        #expect(one.frame == two.frame && one.lines == two.lines)
        #expect(one.frame == three.frame && one.lines == three.lines)
        #expect(one.frame["a"]?.type == .double && one.frame["b"]?.type == .int && one.frame["grade"]?.type == .categorical)
        #expect(one.lines.first == 2 && one.lines.last == 200_001)
    }

    @Test func errorsInTheSecondHalfNameTheSameLine() throws {
        let text = Self.bigFile(rows: 200_000, seed: 12) { $0 == 150_000 ? "1,2,3" : nil }
        for threads in [1, 2] {
            switch parse(text, threads: threads) {
            case .success: Issue.record("a ragged row was accepted")
            case let .failure(e): #expect(e.line == 150_002, "threads \(threads): \(e)")
            }
        }
    }
}
