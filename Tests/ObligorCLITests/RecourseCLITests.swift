import Foundation
import ObligorData
import Testing

/// `obligor recourse verify` end to end on the built binary: the German reference counts through
/// the CLI, the report, reuse of stored per-group sets, and bad input (exit 1 naming the problem).
@Suite("obligor recourse (CLI)")
struct RecourseCLITests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/ObligorRecourseTests/Fixtures")
    static var data: String { fixtures.appendingPathComponent("german_processed.csv").path }
    static var actions: String { fixtures.appendingPathComponent("german_actionsets.json").path }

    /// Imports the reference logistic weights as an Obligor PD model (PD = σ(−b − w·x)).
    static func importModel(_ box: Sandbox) throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("german_complex_nD_expected.json"))) as! [String: Any]
        let lr = expected["logreg"] as! [String: Any]
        let model: [String: Any] = ["obligor_model": "logistic", "format_version": 1, "target": "bad", "features": lr["features"]!,
                                    "intercept": -(lr["b"] as! Double), "coefficients": (lr["w"] as! [Double]).map { -$0 }, "threshold": 0.5]
        let file = box.write("lr.json", String(decoding: try JSONSerialization.data(withJSONObject: model), as: UTF8.self))
        let r = try box.run(["model", "import", file, "--name", "german-lr", "--format", "logistic-json"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// Counts equal the reachml reference exactly (231 denied, 9 fixed); sets are stored and reused.
    @Test func germanCountsReportAndStoredSets() throws {
        let box = Sandbox()
        try Self.importModel(box)
        let args = ["recourse", "verify", "--model", "german-lr", "--data", Self.data, "--actions", Self.actions, "--action-set", "complex_nD",
                    "--threshold", "0.5", "--sensitive", "ForeignWorker", "--report", box.path("r.html"), "--out", box.path("v.csv"), "--json"]
        let r = try box.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        #expect(json["denied"] as? Int == 231)
        #expect(json["no_recourse"] as? Int == 9)
        #expect(json["recourse"] as? Int == 222)
        #expect(json["abstain"] as? Int == 0)
        #expect(json["method"] as? String == "linear")
        #expect((json["part_sets_enumerated"] as? Int ?? 0) > 0)
        let groups = try #require(json["recourse_by_group"] as? [[String: Any]])
        #expect(groups.reduce(0) { $0 + ($1["fixed"] as? Int ?? 0) } == 9)
        let html = try String(contentsOfFile: box.path("r.html"), encoding: .utf8)
        #expect(html.contains("Fixed predictions (9)") && html.contains("Recourse by group"))
        let csv = try String(contentsOfFile: box.path("v.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(csv.count == 1001 && csv.filter { $0.contains(",no_recourse,") }.count == 9)
        // Second run: every part set comes from the workspace.
        let again = try box.run(args)
        let j2 = try #require(again.json)
        #expect(j2["part_sets_enumerated"] as? Int == 0)
        #expect((j2["part_sets_loaded"] as? Int ?? 0) == json["part_sets_enumerated"] as? Int)
        #expect(j2["no_recourse"] as? Int == 9)

        // The recourse rates by group feed the bias-audit report.
        let recourseJSON = box.write("recourse.json", r.stdout)
        var frame = try CSVReader.read(path: Self.data)
        let good = try frame.binaryTarget("IsCreditRiskGood")
        try frame.append(.int("bad", good.map { 1 - $0 }))
        let derived = box.write("german_bad.csv", CSVWriter.text(frame))
        let audit = try box.run(["audit", "--model", "german-lr", "--data", derived, "--target", "bad", "--sensitive", "ForeignWorker",
                                 "--privileged", "1", "--bootstrap", "0", "--report", box.path("a.html"), "--recourse", recourseJSON])
        #expect(audit.status == 0, "\(audit.stderr)")
        let auditHTML = try String(contentsOfFile: box.path("a.html"), encoding: .utf8)
        #expect(auditHTML.contains("Recourse by group") && auditHTML.contains("ForeignWorker"))
        let noGroups = try box.run(["audit", "--model", "german-lr", "--data", derived, "--target", "bad", "--sensitive", "ForeignWorker",
                                    "--privileged", "1", "--bootstrap", "0", "--report", box.path("b.html"), "--recourse", box.write("x.json", "{}")])
        #expect(noGroups.status == 1 && noGroups.stderr.contains("recourse_by_group"))
    }

    @Test func badActionSetIsExitOneNamingFeatureAndConstraint() throws {
        let box = Sandbox()
        try Self.importModel(box)
        let bad = box.write("bad.json", #"""
            {"features": [{"name": "HasGuarantor", "actionable": true}],
             "constraints": [{"type": "OneHotEncoding", "names": ["HasGuarantor", "Savings"]}]}
            """#)
        let before = box.workspaceBytes()
        let r = try box.run(["recourse", "verify", "--model", "german-lr", "--data", Self.data, "--actions", bad])
        #expect(r.status == 1)
        #expect(r.stderr.contains("'Savings'") && r.stderr.contains("OneHotEncoding"), "\(r.stderr)")
        #expect(box.workspaceBytes() == before)
        let missing = try box.run(["recourse", "verify", "--model", "german-lr", "--data", Self.data, "--actions", Self.actions])
        #expect(missing.status == 1 && missing.stderr.contains("--action-set"), "\(missing.stderr)")
        let usage = try box.run(["recourse", "verify", "--model", "german-lr", "--data", Self.data, "--actions", Self.actions, "--threshold", "2"])
        #expect(usage.status == 2)
    }
}
