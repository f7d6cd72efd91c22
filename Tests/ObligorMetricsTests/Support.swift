import Foundation
import Testing

/// The oracle's sample (shared/fixtures/metrics) loaded from the test bundle.
struct Sample: Sendable {
    var y: [Int] = []
    var score: [Double] = []
    var group: [String] = []
    var period: [String] = []
    var grade: [String] = []

    /// Minimal CSV reader for the fixture files (no quoting in them).
    init(resource name: String) throws {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        func col(_ n: String) throws -> Int { try #require(header.firstIndex(of: n)) }
        let iy = try col("y_true"), iscore = try col("y_score"), ig = try col("group")
        let ip = try col("period"), igr = try col("grade")
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            y.append(try #require(Int(f[iy])))
            score.append(try #require(Double(f[iscore])))
            group.append(f[ig]); period.append(f[ip]); grade.append(f[igr])
        }
    }

    func subset(period p: String) -> (y: [Int], score: [Double]) {
        let idx = period.indices.filter { period[$0] == p }
        return (idx.map { y[$0] }, idx.map { score[$0] })
    }
}

/// expected_output.json: one flat object; non-finite numbers are the strings "inf", "-inf", "nan".
struct Expected: @unchecked Sendable {
    let dict: [String: Any]

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "expected_output", withExtension: "json",
                                                 subdirectory: "Fixtures"))
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        dict = try #require(obj as? [String: Any])
    }

    static func number(_ v: Any?) -> Double? {
        if let s = v as? String {
            switch s { case "inf": return .infinity; case "-inf": return -.infinity; case "nan": return .nan
            default: return nil }
        }
        return (v as? NSNumber)?.doubleValue
    }

    func num(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) -> Double {
        guard let v = Expected.number(dict[key]) else {
            Issue.record("fixture key \(key) missing or not a number", sourceLocation: sourceLocation)
            return .nan
        }
        return v
    }

    func table(_ key: String) -> [[String: Any]] { dict[key] as? [[String: Any]] ?? [] }
}

/// Absolute tolerance used for oracle parity (the brief's 1e-9), unless a test states otherwise.
let parityTol = 1e-9

/// |got − want| ≤ abs + rel·|want|; equal infinities and NaN vs NaN count as equal.
func close(_ got: Double, _ want: Double, abs: Double = parityTol, rel: Double = 0) -> Bool {
    if want.isNaN { return got.isNaN }
    if want.isInfinite { return got == want }
    return Swift.abs(got - want) <= abs + rel * Swift.abs(want)
}

func expectClose(_ got: Double, _ want: Double, abs: Double = parityTol, rel: Double = 0, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(close(got, want, abs: abs, rel: rel),
            "\(what): got \(got), want \(want), diff \(got - want)", sourceLocation: sourceLocation)
}

/// SplitMix64: a tiny seeded generator for the property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
