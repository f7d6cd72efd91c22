import Testing
@testable import ObligorData

@Suite("Splits")
struct SplitsTests {
    static func labels() -> [Int] {
        // 3 classes of sizes 137, 51, 12, interleaved deterministically.
        var g = SplitMix64(seed: 4)
        var y = Array(repeating: 0, count: 137) + Array(repeating: 1, count: 51) + Array(repeating: 2, count: 12)
        y.shuffle(using: &g)
        return y
    }

    @Test("stratified: per-class test counts are round(fraction · class size)",
          arguments: [0.0, 0.1, 0.25, 0.3, 0.5, 0.77, 1.0])
    func stratifiedCounts(fraction: Double) {
        let y = Self.labels()
        let p = Splits.stratified(labels: y, testFraction: fraction, seed: 99)
        for cls in 0..<3 {
            let n = y.filter { $0 == cls }.count
            let inTest = p.test.filter { y[$0] == cls }.count
            // .rounded() is round-half-away-from-zero, the rule the function documents as round().
            #expect(inTest == Int((fraction * Double(n)).rounded()), "class \(cls), fraction \(fraction)")
            #expect(p.train.filter { y[$0] == cls }.count == n - inTest)
        }
        // Disjoint, covering, sorted, nothing excluded.
        #expect(Set(p.train).isDisjoint(with: Set(p.test)))
        #expect((p.train + p.test).sorted() == Array(y.indices))
        #expect(p.train == p.train.sorted() && p.test == p.test.sorted())
        #expect(p.excluded.isEmpty)
    }

    @Test("stratified: deterministic for a seed, different across seeds")
    func stratifiedDeterminism() {
        let y = Self.labels()
        let a = Splits.stratified(labels: y, testFraction: 0.3, seed: 1)
        let b = Splits.stratified(labels: y, testFraction: 0.3, seed: 1)
        let c = Splits.stratified(labels: y, testFraction: 0.3, seed: 2)
        #expect(a == b)
        #expect(a.test != c.test)
        // Half-way rounding: 5 rows at 0.5 → round(2.5) = 3.
        let h = Splits.stratified(labels: [7, 7, 7, 7, 7], testFraction: 0.5, seed: 3)
        #expect(h.test.count == 3 && h.train.count == 2)
        #expect(Splits.stratified(labels: [], testFraction: 0.5, seed: 3) == Splits.Partition(train: [], test: [], excluded: []))
    }

    @Test("byTime on a numeric column")
    func byTimeNumeric() throws {
        let f = try Frame([.int("year", [2005, 2008, nil, 2007, 2006, 2009]), .double("t", [1, 2.5, 2, nil, 3, 2.49])])
        let p = try Splits.byTime(f, timeColumn: "year", trainUntil: "2007")
        #expect(p.train == [0, 3, 4])
        #expect(p.test == [1, 5])
        #expect(p.excluded == [2])
        let q = try Splits.byTime(f, timeColumn: "t", trainUntil: "2.49")
        #expect(q.train == [0, 2, 5])
        #expect(q.test == [1, 4])
        #expect(q.excluded == [3])
        // Numeric comparison, not text: "10" > "9" numerically although "10" < "9" as strings.
        let g = try Frame([.int("m", [9, 10, 11])])
        #expect(try Splits.byTime(g, timeColumn: "m", trainUntil: "9").test == [1, 2])
    }

    @Test("byTime on text columns: ISO dates and quarters")
    func byTimeText() throws {
        let f = try Frame([
            .categorical("date", ["2007-06-30", "2007-07-01", "2006-12-31", nil, "2007-06-29", "2008-01-01"]),
            .categorical("quarter", ["2007Q3", "2007Q4", "2006Q1", "2007Q2", nil, "2008Q1"]),
        ])
        let d = try Splits.byTime(f, timeColumn: "date", trainUntil: "2007-06-30")
        #expect(d.train == [0, 2, 4])
        #expect(d.test == [1, 5])
        #expect(d.excluded == [3])
        let q = try Splits.byTime(f, timeColumn: "quarter", trainUntil: "2007Q3")
        #expect(q.train == [0, 2, 3])
        #expect(q.test == [1, 5])
        #expect(q.excluded == [4])
        #expect(throws: FrameError.missingColumn("nope", available: ["date", "quarter"])) {
            try Splits.byTime(f, timeColumn: "nope", trainUntil: "2007")
        }
    }
}
