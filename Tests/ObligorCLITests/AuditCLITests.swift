import Foundation
import Testing

/// `obligor audit` end to end on the built binary: the CALM German predictions joined by record
/// id, bad input (exit 1, messages naming file / column / line), usage errors (exit 2), the
/// report (HTML, optional PDF) and reproducibility for a seed.
@Suite("obligor audit (CLI)")
struct AuditCLITests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/ObligorMetricsTests/Fixtures")

    /// Writes `data.csv` (the 200 CALM German test records with ids r0…r199, target bad = 1) and
    /// `scores.csv` (CALM's predictions in **log order**, id = the record they belong to, PD 0.2
    /// for "good" and 0.8 for "bad"), so only a join by id pairs them correctly.
    static func calmFiles(_ box: Sandbox, mutateScores: ([String]) -> [String] = { $0 }) throws -> (data: String, scores: String) {
        let test = try String(contentsOf: fixtures.appendingPathComponent("calm_german_test.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map { $0.split(separator: ",").map(String.init) }
        var data = "id,personal_status_sex,age,foreign_worker,constant,bad\n"
        for (i, f) in test.enumerated() { data += "r\(i),\(f[8]),\(f[12]),\(f[19]),x,\(f[20] == "2" ? 1 : 0)\n" }
        let preds = try String(contentsOf: fixtures.appendingPathComponent("calm_german_predictions.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",", maxSplits: 8).map(String.init) }
        var lines: [String] = []
        for f in preds { lines.append("r\(f[1]),\(f[6] == "good" ? 0.2 : 0.8)") }   // test_row, calm_pred
        let scores = "id,pd\n" + mutateScores(lines).joined(separator: "\n") + "\n"
        return (box.write("data.csv", data), box.write("scores.csv", scores))
    }

    static let calmAttributes = ["--sensitive", "personal_status_sex", "--privileged", "A91,A93,A94",
                                 "--sensitive", "age", "--privileged", "<=45", "--band", "age:45",
                                 "--sensitive", "foreign_worker", "--privileged", "A202"]

    /// The content-matched CALM numbers of notes/calm.md §5.3 through the CLI's id join.
    /// Tolerance 0.0005: the notes print three decimals.
    @Test func calmContentMatchedThroughIDJoin() throws {
        let box = Sandbox()
        let (data, scores) = try Self.calmFiles(box)
        let r = try box.run(["audit", "--scores", scores, "--data", data, "--id", "id", "--target", "bad",
                             "--bootstrap", "0", "--min-group-size", "0", "--json"] + Self.calmAttributes)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let attrs = try #require(json["attributes"] as? [[String: Any]])
        #expect(attrs.count == 3)
        let want: [(eod: Double, aod: Double, spd: Double)] = [(-0.051, -0.035, -0.035), (0.175, 0.193, 0.178), (-0.242, 0.297, -0.015)]
        for (a, w) in zip(attrs, want) {
            let pooled = try #require((a["comparisons"] as? [[String: Any]])?.first)
            for (key, value) in [("eod", w.eod), ("aod", w.aod), ("spd", w.spd)] {
                let got = try #require(pooled[key] as? Double)
                #expect(abs(got - value) <= 0.0005 + 1e-12, "\(a["name"] ?? "") \(key): \(got) vs \(value)")
            }
        }
        // The DESIGN's short keys at the top level: the first attribute's pooled comparison.
        #expect(abs(try #require(json["eod"] as? Double) - (-0.051)) <= 0.0005 + 1e-12)
        #expect(attrs[0]["privileged"] as? String == "A91+A93+A94")
    }

    @Test func unknownAttribute() throws {
        let box = Sandbox()
        let (data, scores) = try Self.calmFiles(box)
        let r = try box.run(["audit", "--scores", scores, "--data", data, "--id", "id", "--target", "bad",
                             "--sensitive", "gender", "--privileged", "male"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("unknown sensitive attribute 'gender'") && r.stderr.contains("data.csv"), "\(r.stderr)")
    }

    @Test func privilegedValueNotPresent() throws {
        let box = Sandbox()
        let (data, scores) = try Self.calmFiles(box)
        let r = try box.run(["audit", "--scores", scores, "--data", data, "--id", "id", "--target", "bad",
                             "--sensitive", "foreign_worker", "--privileged", "A203"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("'A203'") && r.stderr.contains("column 'foreign_worker'") && r.stderr.contains("A201"), "\(r.stderr)")
    }

    @Test func singleGroup() throws {
        let box = Sandbox()
        let (data, scores) = try Self.calmFiles(box)
        let r = try box.run(["audit", "--scores", scores, "--data", data, "--id", "id", "--target", "bad",
                             "--sensitive", "constant", "--privileged", "x"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("single group") && r.stderr.contains("column 'constant'"), "\(r.stderr)")
    }

    /// Mismatched ids: a record without a score, a repeated score id, a score for no record, a missing id,
    /// and a positional `row` file. Each message names the file and the line.
    @Test func mismatchedIDs() throws {
        let base = ["audit", "--id", "id", "--target", "bad", "--sensitive", "foreign_worker", "--privileged", "A202"]
        do {   // the last score line dropped: record without a score
            let box = Sandbox()
            let (data, scores) = try Self.calmFiles(box) { Array($0.dropLast()) }
            let r = try box.run(base + ["--scores", scores, "--data", data])
            #expect(r.status == 1)
            #expect(r.stderr.contains("1 record has no score") && r.stderr.contains("data.csv, line"), "\(r.stderr)")
        }
        do {   // line 3 of the scores repeats line 2's id
            let box = Sandbox()
            let (data, scores) = try Self.calmFiles(box) { l in var l = l; l[1] = l[0]; return l }
            let r = try box.run(base + ["--scores", scores, "--data", data])
            #expect(r.status == 1)
            #expect(r.stderr.contains("scores.csv, line 3, column 'id'") && r.stderr.contains("repeats (first at line 2)"), "\(r.stderr)")
        }
        do {   // an extra score for an id the data does not have
            let box = Sandbox()
            let (data, scores) = try Self.calmFiles(box) { $0 + ["r999,0.5"] }
            let r = try box.run(base + ["--scores", scores, "--data", data])
            #expect(r.status == 1)
            #expect(r.stderr.contains("1 score match no record") && r.stderr.contains("'r999' at line 202"), "\(r.stderr)")
        }
        do {   // a missing id
            let box = Sandbox()
            let (data, scores) = try Self.calmFiles(box) { l in var l = l; l[4] = ",0.5"; return l }
            let r = try box.run(base + ["--scores", scores, "--data", data])
            #expect(r.status == 1)
            #expect(r.stderr.contains("scores.csv, line 6, column 'id': the id is missing"), "\(r.stderr)")
        }
        do {   // positional scores are refused
            let box = Sandbox()
            let (data, _) = try Self.calmFiles(box)
            let rows = box.write("rows.csv", "row,pd\n" + (0..<200).map { "\($0),0.5" }.joined(separator: "\n") + "\n")
            let r = try box.run(base + ["--scores", rows, "--data", data])
            #expect(r.status == 1)
            #expect(r.stderr.contains("no 'id' column") && r.stderr.contains("by position"), "\(r.stderr)")
        }
    }

    @Test func usageErrors() throws {
        let box = Sandbox()
        let (data, scores) = try Self.calmFiles(box)
        let r1 = try box.run(["audit", "--scores", scores, "--data", data, "--sensitive", "age", "--sensitive", "foreign_worker", "--privileged", "A202"])
        #expect(r1.status == 2, "\(r1.stderr)")
        let r2 = try box.run(["audit", "--data", data, "--sensitive", "foreign_worker", "--privileged", "A202"])
        #expect(r2.status == 2, "\(r2.stderr)")
        let r3 = try box.run(["audit", "--scores", scores, "--data", data, "--id", "id", "--target", "bad",
                              "--sensitive", "age", "--privileged", "30"])
        #expect(r3.status == 1 && r3.stderr.contains("--band age:45"), "numeric attribute without a band: \(r3.stderr)")
    }

    /// Same seed → byte-identical JSON and HTML; another seed changes the intervals. The report has
    /// the verdicts, the forest plot and the sweep; a PDF is written when Chromium is installed.
    @Test func reportAndReproducibility() throws {
        let box = Sandbox()
        let (data, scores) = try Self.calmFiles(box)
        func audit(seed: String, report: String) throws -> CLIResult {
            try box.run(["audit", "--scores", scores, "--data", data, "--id", "id", "--target", "bad", "--bootstrap", "200",
                         "--seed", seed, "--intersect", "personal_status_sex,age", "--report", box.path(report), "--json"] + Self.calmAttributes)
        }
        let a = try audit(seed: "5", report: "a.html"), b = try audit(seed: "5", report: "b.html"), c = try audit(seed: "6", report: "c.html")
        #expect(a.status == 0 && b.status == 0 && c.status == 0, "\(a.stderr)")
        #expect(a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
        let html = try String(contentsOfFile: box.path("a.html"), encoding: .utf8)
        #expect(html == (try String(contentsOfFile: box.path("b.html"), encoding: .utf8)))
        for needle in ["Summary of verdicts", "bootstrap intervals</text>", "Approval rate by group vs cut-off", "What the metrics mean",
                       "personal_status_sex × age", "small group: not compared"] {
            #expect(html.contains(needle), "report lacks \(needle)")
        }
        let json = try #require(a.json)
        #expect((json["attributes"] as? [Any])?.count == 4)
        #expect(json["verdict"] is String)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") || ProcessInfo.processInfo.environment["OBLIGOR_CHROMIUM"] != nil {
            let r = try box.run(["audit", "--scores", scores, "--data", data, "--id", "id", "--target", "bad", "--bootstrap", "0",
                                 "--report", box.path("p.html"), "--pdf", box.path("p.pdf")] + Self.calmAttributes)
            #expect(r.status == 0, "\(r.stderr)")
            let pdf = try #require(FileManager.default.contents(atPath: box.path("p.pdf")))
            #expect(pdf.starts(with: Data("%PDF".utf8)))
        }
    }

    /// From a stored model on a workspace dataset (no join needed: the model scores --data itself).
    @Test func fromModel() throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad",
                             "--sensitive", "sex,personal_status_and_sex,age_in_years,foreign_worker"]).status == 0)
        #expect(try box.run(["train", "--data", "german", "--model", "scorecard", "--name", "card"]).status == 0)
        let r = try box.run(["audit", "--model", "card", "--data", "german", "--sensitive", "sex", "--privileged", "male",
                             "--sensitive", "age_in_years", "--privileged", ">45", "--band", "age_in_years:45", "--bootstrap", "100", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        #expect(json["n"] as? Int == 1000)
        #expect(json["spd"] is Double && json["di"] is Double && json["eod"] is Double && json["aod"] is Double)
    }
}
