import Foundation
import Testing
@testable import ObligorMetrics

/// Bad input gets a typed error that names the attribute, value or row; bands, intersections,
/// verdicts and the sweep behave as documented.
@Suite("Fairness input checks, groups and sweep")
struct FairnessInputTests {
    let labels = [0, 1, 0, 0, 1, 0, 1, 0]
    let approved = [true, false, true, false, true, true, false, true]
    let sex = ["m", "m", "f", "f", "m", "f", "f", "m"]

    func audit(_ attrs: [FairnessAttribute], scores: [Double]? = nil) throws(FairnessError) -> FairnessAudit {
        try Fairness.audit(labels: labels, approved: approved, scores: scores, attributes: attrs,
                           options: FairnessAuditOptions(bootstrapReplicates: 0, minGroupSize: 0))
    }

    @Test func privilegedValueNotPresent() {
        #expect(throws: FairnessError.privilegedNotPresent(attribute: "sex", privileged: "male", groups: ["f", "m"])) {
            try audit([FairnessAttribute(name: "sex", groups: sex, privileged: "male")])
        }
        let message = FairnessError.privilegedNotPresent(attribute: "sex", privileged: "male", groups: ["f", "m"]).description
        #expect(message.contains("'male'") && message.contains("'sex'") && message.contains("f, m"))
    }

    @Test func singleGroup() {
        #expect(throws: FairnessError.singleGroup(attribute: "sex", group: "m")) {
            try audit([FairnessAttribute(name: "sex", groups: Array(repeating: "m", count: 8), privileged: "m")])
        }
    }

    @Test func unknownAttributeInIntersection() {
        let a = FairnessAttribute(name: "sex", groups: sex, privileged: "m")
        #expect(throws: FairnessError.unknownAttribute(name: "age", available: ["sex"])) {
            try FairnessGrouping.intersection(of: ["sex", "age"], in: [a])
        }
    }

    @Test func badLabelsScoresAndLengths() {
        #expect(throws: FairnessError.invalidLabel(index: 2, value: 2)) {
            try Fairness.audit(labels: [0, 1, 2], approved: [true, true, true],
                               attributes: [FairnessAttribute(name: "s", groups: ["a", "b", "a"], privileged: "a")])
        }
        #expect(throws: FairnessError.invalidScore(index: 1, value: 1.5)) {
            try Fairness.audit(labels: [0, 1], approved: [true, true], scores: [0.1, 1.5],
                               attributes: [FairnessAttribute(name: "s", groups: ["a", "b"], privileged: "a")])
        }
        #expect(throws: FairnessError.lengthMismatch(what: "attribute 's'", expected: 2, got: 1)) {
            try Fairness.audit(labels: [0, 1], approved: [true, true], attributes: [FairnessAttribute(name: "s", groups: ["a"], privileged: "a")])
        }
        #expect(throws: FairnessError.empty) { try Fairness.audit(labels: [], approved: [], attributes: []) }
    }

    /// The join refuses missing, duplicated and unmatched ids on either side.
    @Test func mismatchedIDs() throws {
        #expect(try FairnessGrouping.align(recordIDs: ["a", "b", "c"], predictionIDs: ["c", "a", "b"]) == [1, 2, 0])
        #expect(throws: FairnessError.duplicateID(side: "scores", id: "a", index: 2, firstIndex: 0)) {
            try FairnessGrouping.align(recordIDs: ["a", "b", "c"], predictionIDs: ["a", "b", "a"])
        }
        #expect(throws: FairnessError.duplicateID(side: "records", id: "b", index: 2, firstIndex: 1)) {
            try FairnessGrouping.align(recordIDs: ["a", "b", "b"], predictionIDs: ["a", "b", "c"])
        }
        #expect(throws: FairnessError.missingID(side: "scores", index: 1)) {
            try FairnessGrouping.align(recordIDs: ["a", "b"], predictionIDs: ["a", nil])
        }
        #expect(throws: FairnessError.unmatchedIDs(side: "records", count: 2, firstID: "b", firstIndex: 1)) {
            try FairnessGrouping.align(recordIDs: ["a", "b", "c"], predictionIDs: ["a"])
        }
        #expect(throws: FairnessError.unmatchedIDs(side: "scores", count: 1, firstID: "z", firstIndex: 2)) {
            try FairnessGrouping.align(recordIDs: ["a", "b"], predictionIDs: ["a", "b", "z"])
        }
    }

    @Test func bandsAreRightClosed() throws {
        let b = try FairnessBand(attribute: "age", cuts: [25, 45])
        #expect(b.labels == ["<=25", "(25,45]", ">45"])
        #expect([19, 25, 25.5, 45, 46].map { b.label($0) } == ["<=25", "<=25", "(25,45]", "(25,45]", ">45"])
        #expect(b.label(nil) == "<missing>")
        #expect(throws: FairnessError.self) { try FairnessBand(attribute: "age", cuts: [45, 30]) }
        #expect(throws: FairnessError.self) { try FairnessBand(attribute: "age", cuts: []) }
        #expect(try FairnessBand(attribute: "x", cuts: [0.5]).labels == ["<=0.5", ">0.5"])
    }

    @Test func intersectionGroups() throws {
        let age = ["y", "o", "y", "o", "y", "y", "o", "o"]
        let attrs = [FairnessAttribute(name: "sex", groups: sex, privileged: "m"), FairnessAttribute(name: "age", groups: age, privileged: "y")]
        let x = try FairnessGrouping.intersection(of: ["sex", "age"], in: attrs)
        #expect(x.name == "sex × age")
        #expect(x.privileged == "m & y")
        #expect(x.groups[0] == "m & y" && x.groups[2] == "f & y")
        let a = try audit(attrs + [x])
        #expect(a.attributes[2].groups.map(\.group) == ["f & o", "f & y", "m & o", "m & y"])
        #expect(a.attributes[2].comparisons.count == 4)   // pooled + 3 groups
        // Holm family: 1 (sex) + 1 (age) + 3 (intersection), none pooled.
        #expect(a.holmFamilySize == 5)
    }

    /// The sweep at the operating threshold reproduces the audit's pooled metrics exactly
    /// (the same counts; tolerance 0).
    @Test func sweepMatchesOperatingPoint() throws {
        let scores = [0.1, 0.7, 0.2, 0.55, 0.3, 0.05, 0.9, 0.4]
        let approvedAt5 = scores.map { $0 < 0.5 }
        let a = try Fairness.audit(labels: labels, approved: approvedAt5, scores: scores, threshold: 0.5,
                                   attributes: [FairnessAttribute(name: "sex", groups: sex, privileged: "m")],
                                   options: FairnessAuditOptions(bootstrapReplicates: 0, minGroupSize: 0, sweepThresholds: [0.25, 0.5, 0.75]))
        let point = try #require(a.attributes[0].sweep.first { $0.threshold == 0.5 })
        let c = a.attributes[0].pooled
        #expect(point.spd == c[.statisticalParityDifference])
        #expect(point.eod == c[.equalOpportunityDifference])
        #expect(point.aod == c[.averageOddsDifference])
        #expect(point.di == c[.disparateImpact])
        #expect(a.attributes[0].sweep.map(\.approvalRate) == [0.375, 0.625, 0.875])
    }

    /// A four-fifths violation that is significant fails; one that is not is "review"; small groups are "insufficient_data".
    @Test func verdicts() throws {
        var y: [Int] = [], ok: [Bool] = [], g: [String] = []
        for i in 0..<400 {   // group a approved 80%, group b 40%
            g.append(i < 200 ? "a" : "b")
            y.append(i % 5 == 0 ? 1 : 0)
            ok.append(i < 200 ? (i % 10 < 8) : (i % 10 < 4))
        }
        let fail = try Fairness.audit(labels: y, approved: ok, attributes: [FairnessAttribute(name: "s", groups: g, privileged: "a")],
                                      options: FairnessAuditOptions(bootstrapReplicates: 0))
        #expect(fail.verdict == .fail)
        #expect(fail.attributes[0].comparisons[1].reasons.contains { $0.contains("four-fifths") })
        let tiny = try Fairness.audit(labels: y, approved: ok, attributes: [FairnessAttribute(name: "s", groups: g, privileged: "a")],
                                      options: FairnessAuditOptions(bootstrapReplicates: 0, minGroupSize: 500))
        #expect(tiny.verdict == .insufficientData)
        #expect(tiny.holmFamilySize == 0)
    }
}
