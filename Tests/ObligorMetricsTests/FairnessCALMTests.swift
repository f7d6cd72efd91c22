import Foundation
import Testing
@testable import ObligorMetrics

/// CALM's German bias audit (Feng et al. 2023; notes/calm.md §5): the published Table 3 numbers
/// come out only when the prediction of log document i is paired with row i of the test split;
/// pairing each prediction with its own record through the record id gives the corrected numbers.
///
/// Tolerance: the published values have three decimals, so |computed − published| ≤ 0.0005
/// (half a unit of the last printed digit; + 1e-12 for binary rounding at an exact half).
/// Every computed value is a ratio of small counts, so a wrong pairing or formula misses by far
/// more (the two pairings differ by 0.01–0.5).
@Suite("CALM German bias audit: as published and content-matched")
struct FairnessCALMTests {
    struct Record { var sex: String; var age: Int; var foreign: String; var good: Bool }
    let test: [Record]          // calm_german_test.csv, row order
    let docTestRow: [Int]       // per log document: the test row with the same record
    let docID: [String]
    let predictions: [String: [Bool]]   // model → per log document: predicted good

    static let tol = 0.0005 + 1e-12

    init() throws {
        func lines(_ name: String) throws -> [[String]] {
            let url = try #require(Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures"))
            return try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline)
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        test = try lines("calm_german_test").map { f in
            Record(sex: f[8], age: try #require(Int(f[12])), foreign: f[19], good: f[20] == "1")
        }
        // Predictions: the *_raw columns hold free text with commas, so read only the leading fixed columns by name.
        let url = try #require(Bundle.module.url(forResource: "calm_german_predictions", withExtension: "csv", subdirectory: "Fixtures"))
        let rows = try CSVLite.parse(String(contentsOf: url, encoding: .utf8))
        let header = rows[0]
        func col(_ n: String) throws -> Int { try #require(header.firstIndex(of: n), "column \(n)") }
        let iDoc = try col("doc_id"), iRow = try col("test_row")
        var preds: [String: [Bool]] = [:]
        for m in ["calm", "chatgpt", "gpt4"] {
            let i = try col(m + "_pred")
            preds[m] = rows.dropFirst().map { $0[i] == "good" }
        }
        predictions = preds
        docID = rows.dropFirst().map { $0[iDoc] }
        docTestRow = try rows.dropFirst().map { try #require(Int($0[iRow])) }
        #expect(test.count == 200 && docTestRow.count == 200)
    }

    /// CALM's three attributes on a list of records (female = A92; old = age > 45 via the band 45; foreign = A201).
    func attributes(_ r: [Record]) throws -> [FairnessAttribute] {
        let age = try FairnessBand(attribute: "age", cuts: [45])
        return [
            FairnessAttribute(name: "gender", groups: r.map { $0.sex == "A92" ? "female" : "male" }, privileged: "male"),
            FairnessAttribute(name: "age", groups: r.map { age.label(Double($0.age)) }, privileged: "<=45"),
            FairnessAttribute(name: "foreigner", groups: r.map { $0.foreign == "A201" ? "yes" : "no" }, privileged: "no"),
        ]
    }

    func audit(records: [Record], predictedGood: [Bool]) throws -> FairnessAudit {
        try Fairness.audit(labels: records.map { $0.good ? 0 : 1 }, approved: predictedGood, attributes: attributes(records),
                           options: FairnessAuditOptions(bootstrapReplicates: 0, minGroupSize: 0))
    }

    /// Table 3 as published: row i of the test CSV with log document i (`src/bias/process.py`).
    @Test(arguments: [
        ("chatgpt", [0.101, 0.137, -0.023], [0.005, 0.108, 0.093]),
        ("gpt4", [0.010, -0.104, 0.289], [-0.156, -0.092, 0.040]),
        ("calm", [-0.121, -0.075, -0.250], [-0.116, -0.103, -0.207]),
    ])
    func asPublished(model: String, eod: [Double], aod: [Double]) throws {
        let a = try audit(records: test, predictedGood: try #require(predictions[model]))
        for (k, attr) in a.attributes.enumerated() {
            let c = attr.pooled
            expectClose(c[.equalOpportunityDifference], eod[k], abs: Self.tol, "\(model) \(attr.name) EOD as published")
            expectClose(c[.averageOddsDifference], aod[k], abs: Self.tol, "\(model) \(attr.name) AOD as published")
        }
    }

    /// Content-matched (§5.3): each prediction joined to its own record by the record id
    /// (`test_row` of the log document = the id of the test row), through ``FairnessGrouping/align``.
    @Test(arguments: [
        ("chatgpt", [0.040, -0.055, 0.250], [0.065, 0.030, 0.215], [0.054, -0.001, 0.226]),
        ("gpt4", [-0.030, -0.108, 0.258], [0.057, -0.075, 0.054], [0.041, -0.098, 0.190]),
        ("calm", [-0.051, 0.175, -0.242], [-0.035, 0.193, 0.297], [-0.035, 0.178, -0.015]),
    ])
    func contentMatched(model: String, eod: [Double], aod: [Double], spd: [Double]) throws {
        let recordIDs: [String?] = test.indices.map { String($0) }
        let predictionIDs: [String?] = docTestRow.map { String($0) }
        let toPrediction = try FairnessGrouping.align(recordIDs: recordIDs, predictionIDs: predictionIDs)
        let preds = try #require(predictions[model])
        let a = try audit(records: test, predictedGood: toPrediction.map { preds[$0] })
        for (k, attr) in a.attributes.enumerated() {
            let c = attr.pooled
            expectClose(c[.equalOpportunityDifference], eod[k], abs: Self.tol, "\(model) \(attr.name) EOD content-matched")
            expectClose(c[.averageOddsDifference], aod[k], abs: Self.tol, "\(model) \(attr.name) AOD content-matched")
            expectClose(c[.statisticalParityDifference], spd[k], abs: Self.tol, "\(model) \(attr.name) SPD content-matched")
        }
    }

    /// Data DI of the test split (paper Fig. bias1, recomputed in notes/calm.md §5.2): label DI
    /// does not depend on the predictions or the pairing.
    @Test func labelDisparateImpact() throws {
        let a = try audit(records: test, predictedGood: test.map(\.good))
        for (attr, want) in zip(a.attributes, [0.901, 1.141, 0.821]) {
            expectClose(attr.pooled[.labelDisparateImpact], want, abs: Self.tol, "\(attr.name) label DI")
        }
    }

    /// Positional pairing is what the join refuses to assume: the logs are a permutation of the
    /// rows with at most one coincidence, and the join finds it.
    @Test func joinIsAPermutation() throws {
        let map = try FairnessGrouping.align(recordIDs: test.indices.map { String($0) }, predictionIDs: docTestRow.map { String($0) })
        #expect(Set(map).count == 200)
        #expect(map.enumerated().filter { $0.offset == $0.element }.count <= 1)
    }

    /// With the default minimum group size (30), the 5 non-foreign workers of the test split are
    /// flagged and the foreigner comparison is not judged.
    @Test func smallGroupFlagged() throws {
        let r = test
        let a = try Fairness.audit(labels: r.map { $0.good ? 0 : 1 }, approved: try #require(predictions["calm"]),
                                   attributes: attributes(r), options: FairnessAuditOptions(bootstrapReplicates: 0))
        let foreigner = a.attributes[2]
        #expect(foreigner.groups.first { $0.group == "no" }?.isSmall == true)
        #expect(foreigner.groups.first { $0.group == "no" }?.counts.n == 5)
        #expect(foreigner.verdict == .insufficientData)
        #expect(foreigner.comparisons.allSatisfy { !$0.comparable && $0.verdict == .insufficientData && $0.fisherPHolm.isNaN })
    }
}

/// A small RFC 4180 CSV parser for fixtures with quoted free text.
enum CSVLite {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var it = Array(text.unicodeScalars)[...]
        while let c = it.popFirst() {
            if quoted {
                if c == "\"" {
                    if it.first == "\"" { field.unicodeScalars.append("\""); _ = it.popFirst() } else { quoted = false; afterQuote = true }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": row.append(field); field = ""; afterQuote = false
            case "\n", "\r":
                if c == "\r", it.first == "\n" { _ = it.popFirst() }
                row.append(field); rows.append(row); row = []; field = ""; afterQuote = false
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
