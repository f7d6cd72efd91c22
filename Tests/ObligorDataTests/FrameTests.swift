import Testing
@testable import ObligorData

@Suite("Frame")
struct FrameTests {
    func sample() throws -> Frame {
        try Frame([
            .double("income", [52_000, nil, 61_500, 40_000]),
            .int("age", [30, 41, nil, 25]),
            .categorical("housing", ["own", "rent", nil, "own"]),
        ])
    }

    @Test("construction, lookup and missing counts")
    func basics() throws {
        let f = try sample()
        #expect(f.rowCount == 4)
        #expect(f.columnNames == ["income", "age", "housing"])
        #expect(f["income"]?.missingCount == 1)
        #expect(f["housing"]?.values == .categorical(codes: [0, 1, -1, 0], levels: ["own", "rent"]))
        #expect(f["nope"] == nil)
        #expect(Frame().rowCount == 0)
        let e = #expect(throws: FrameError.self) { try f.column("nope") }
        #expect(e == .missingColumn("nope", available: ["income", "age", "housing"]))
        #expect(e?.description.contains("nope") == true)
    }

    @Test("duplicate column and length mismatch")
    func constructionErrors() throws {
        #expect(throws: FrameError.duplicateColumn("a")) {
            try Frame([.int("a", [1]), .double("a", [2])])
        }
        #expect(throws: FrameError.lengthMismatch(column: "b", expected: 2, actual: 3)) {
            try Frame([.int("a", [1, 2]), .int("b", [1, 2, 3])])
        }
        var f = try Frame([.int("a", [1, 2])])
        #expect(throws: FrameError.lengthMismatch(column: "a", expected: 2, actual: 1)) { try f.replace(.int("a", [9])) }
        try f.replace(.int("a", [5, 6]))
        #expect(f["a"]?.values == .int([5, 6]))
        try f.replace(.int("b", [7, 8]))
        #expect(f.columnNames == ["a", "b"])
        #expect(FrameError.lengthMismatch(column: "b", expected: 2, actual: 3).description.contains("'b'"))
    }

    @Test("binaryTarget: numeric 0/1 columns")
    func binaryNumeric() throws {
        let f = try Frame([
            .int("y", [0, 1, 1, 0]),
            .double("yd", [1, 0, 0, 1]),
            .int("bad", [0, 1, 2, 1]),
            .double("badd", [0, 0.5, 1, 1]),
            .int("gap", [0, 1, nil, 1]),
        ])
        #expect(try f.binaryTarget("y") == [0, 1, 1, 0])
        #expect(try f.binaryTarget("yd") == [1, 0, 0, 1])
        #expect(throws: FrameError.notBinary(column: "bad", row: 2, value: "2")) { try f.binaryTarget("bad") }
        #expect(throws: FrameError.notBinary(column: "badd", row: 1, value: "0.5")) { try f.binaryTarget("badd") }
        #expect(throws: FrameError.missingTarget(column: "gap", row: 2)) { try f.binaryTarget("gap") }
        // Messages use 1-based rows.
        #expect(FrameError.notBinary(column: "bad", row: 2, value: "2").description.contains("row 3"))
        #expect(FrameError.missingTarget(column: "gap", row: 2).description.contains("row 3"))
        let e = #expect(throws: FrameError.self) { try f.binaryTarget("zzz") }
        guard case .missingColumn = e else { Issue.record("wrong error \(String(describing: e))"); return }
    }

    @Test("binaryTarget: two-level text column with an event level")
    func binaryText() throws {
        let f = try Frame([
            .categorical("status", ["good", "bad", "bad", "good"]),
            .categorical("three", ["a", "b", "c", "a"]),
        ])
        #expect(try f.binaryTarget("status", event: "bad") == [0, 1, 1, 0])
        #expect(try f.binaryTarget("status", event: "good") == [1, 0, 0, 1])
        // Without an event a text column is not binary; the first row is named.
        #expect(throws: FrameError.notBinary(column: "status", row: 0, value: "good")) { try f.binaryTarget("status") }
        let e = #expect(throws: FrameError.self) { try f.binaryTarget("three", event: "a") }
        guard case .notBinary(let c, _, _) = e else { Issue.record("wrong error"); return }
        #expect(c == "three")
        let g = try Frame([.categorical("s", ["x", nil])])
        #expect(throws: FrameError.missingTarget(column: "s", row: 1)) { try g.binaryTarget("s", event: "x") }
    }

    @Test("selectingRows and selectingColumns")
    func selecting() throws {
        let f = try sample()
        let r = f.selectingRows([3, 0, 0])
        #expect(r.rowCount == 3)
        #expect(r.columnNames == f.columnNames)
        #expect(r["income"]?.doubles(missingAs: -1) == [40_000, 52_000, 52_000])
        #expect(r["age"]?.values == .int([25, 30, 30]))
        #expect(r["housing"]?.strings == ["own", "own", "own"])
        // Missing flags follow the rows.
        let r2 = f.selectingRows([2, 1])
        #expect(r2["income"]?.missing == [false, true])
        #expect(r2["age"]?.missing == [true, false])
        #expect(r2["housing"]?.strings == [nil, "rent"])
        #expect(f.selectingRows([]).rowCount == 0)
        // Lookup by name still works after row selection.
        #expect(r2["age"]?.name == "age")

        let c = try f.selectingColumns(["housing", "income"])
        #expect(c.columnNames == ["housing", "income"])
        #expect(c["housing"] == f["housing"])
        #expect(c["age"] == nil)
        #expect(throws: FrameError.missingColumn("x", available: ["income", "age", "housing"])) { try f.selectingColumns(["income", "x"]) }
        #expect(throws: FrameError.duplicateColumn("age")) { try f.selectingColumns(["age", "age"]) }
    }

    @Test("column text, numeric values and formatting")
    func columnAccessors() throws {
        let f = try sample()
        let income = try #require(f["income"])
        #expect(income.text(at: 0) == "52000")
        #expect(income.text(at: 1) == nil)
        #expect(income.numericValue(at: 1) == nil)
        #expect(try #require(income.doubles())[1].isNaN)
        #expect(f["housing"]?.doubles() == nil)
        #expect(f["housing"]?.numericValue(at: 0) == nil)
        #expect(formatDouble(0.1) == "0.1")
        #expect(formatDouble(3) == "3")
        #expect(formatDouble(-2.5e-7) == "-2.5e-07")
        #expect(Double(formatDouble(1e300)) == 1e300)
        #expect(income.renamed("inc").name == "inc")
    }

    @Test("binaryTarget with an event that is not one of the levels is an error")
    func binaryTextUnknownEvent() throws {
        let f = try Frame([.categorical("status", ["good", "bad", "bad", "good"])])
        let e = #expect(throws: FrameError.self) { try f.binaryTarget("status", event: "Bad") }
        #expect(e != nil)
    }

    @Test("binaryTarget on a text column is linear in the row count")
    func binaryTextPerformance() throws {
        let n = 20_000
        let f = try Frame([.categorical("s", (0..<n).map { $0 % 3 == 0 ? "bad" : "good" })])
        let clock = ContinuousClock()
        var y: [Int] = []
        let elapsed = try clock.measure { y = try f.binaryTarget("s", event: "bad") }
        #expect(y.reduce(0, +) == (n + 2) / 3)
        // A linear pass over 20k rows takes milliseconds even unoptimised; the quadratic one takes ~100 s.
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }
}
