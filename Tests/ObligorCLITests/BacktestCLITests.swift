import Foundation
import Testing

/// End to end through the built binary: generate → import-freddie → train (out of time) → backtest with
/// report; and a malformed Freddie file → exit 1, a message naming file and line, workspace unchanged.
@Suite(.serialized) struct BacktestCLITests {
    func generate(_ box: Sandbox, loans: Int = 250, vintages: String = "2001-2008") throws -> (orig: [String], perf: [String]) {
        let r = try box.run(["data", "generate", "freddie", "--vintages", vintages, "--loans-per-vintage", "\(loans)", "--seed", "5",
                             "--out", box.path("raw-files"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try #require(r.json)
        return (try #require(j["origination_files"] as? [String]), try #require(j["performance_files"] as? [String]))
    }

    @Test func generateImportTrainBacktest() throws {
        let box = Sandbox()
        let (orig, perf) = try generate(box)
        var args = ["data", "import-freddie", "--name", "fm", "--horizon", "24", "--json"]
        for o in orig { args += ["--origination", o] }
        for p in perf { args += ["--performance", p] }
        let imp = try box.run(args)
        #expect(imp.status == 0, "\(imp.stderr)")
        let ij = try #require(imp.json)
        #expect(ij["loans"] as? Int == 2000 && (ij["defaults"] as? Int ?? 0) > 20)
        #expect((ij["performance_records"] as? Int ?? 0) > 50_000)

        _ = box.write("l2.json", "{\"lambda_l2\": 1.0}")
        let tr = try box.run(["train", "--data", "fm", "--model", "logit", "--name", "lg", "--time", "vintage", "--train-until", "2004",
                              "--config", "l2.json"])
        #expect(tr.status == 0, "\(tr.stderr)")
        let bt = try box.run(["backtest", "--model", "lg", "--data", "fm", "--time", "vintage", "--report", "bt.html", "--json"])
        #expect(bt.status == 0, "\(bt.stderr)")
        let j = try #require(bt.json)
        #expect(j["train_until"] as? String == "2004")
        let periods = try #require(j["periods"] as? [[String: Any]])
        // Cut-off 2010-12 (last vintage + 2): the 2008 loans have not all had 24 months.
        #expect(periods.map { $0["period"] as? String } == ["2005", "2006", "2007"])
        #expect((j["excluded_periods"] as? [[String: Any]])?.map { $0["period"] as? String } == ["2008"])
        for p in periods {
            let auc = try #require(p["auc"] as? Double)
            let lo = try #require(p["auc_ci95_low"] as? Double), hi = try #require(p["auc_ci95_high"] as? Double)
            #expect(lo < auc && auc < hi)
            #expect((p["grades"] as? [Any])?.isEmpty == false)
        }
        let curves = try #require(j["vintage_curves"] as? [[String: Any]])
        #expect(curves.count == 8)
        // Immature cells are blank (JSON null) at the end of the youngest cohort's curve.
        let last = try #require(curves.last?["cumulative"] as? [Any])
        #expect(last.contains { $0 is NSNull } && last.contains { $0 is Double })
        #expect(j["holm_family_size"] as? Int ?? 0 >= 4)
        // The report: well-formed, every chart has data.
        let html = try String(contentsOfFile: box.path("bt.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        #expect(html.components(separatedBy: "<svg").count == html.components(separatedBy: "</svg>").count)
        #expect(html.contains("class=\"ci-band\"") && html.contains("class=\"auc-line\""))
        #expect(html.components(separatedBy: "class=\"psi-bar\"").count - 1 == 3)
        #expect(html.contains("<polyline") && html.contains("tl-green"))
        #expect(html.contains("id=\"backtest-data\""))
        for tag in ["table", "tr", "td", "svg", "details", "dl", "p"] {
            let open = html.components(separatedBy: "<\(tag)>").count + html.components(separatedBy: "<\(tag) ").count - 2
            let close = html.components(separatedBy: "</\(tag)>").count - 1
            #expect(open == close, "<\(tag)> balanced: \(open) vs \(close)")
        }
        // Stored as a run.
        let runs = try box.run(["data", "list", "--json"])
        #expect(runs.status == 0)
    }

    @Test func immaturePeriodsAreLeftOut() throws {
        let box = Sandbox()
        let (orig, perf) = try generate(box, loans: 400, vintages: "2004-2007")
        // Cut-off 2009-12 with a 24-month window: some 2007 loans are censored.
        var args = ["data", "import-freddie", "--name", "fm", "--horizon", "24"]
        for o in orig { args += ["--origination", o] }
        for p in perf { args += ["--performance", p] }
        #expect(try box.run(args).status == 0)
        _ = box.write("l2.json", "{\"lambda_l2\": 1.0}")
        #expect(try box.run(["train", "--data", "fm", "--model", "scorecard", "--name", "sc", "--time", "vintage", "--train-until", "2005"]).status == 0)
        let bt = try box.run(["backtest", "--model", "sc", "--data", "fm", "--time", "vintage", "--json"])
        #expect(bt.status == 0, "\(bt.stderr)")
        let j = try #require(bt.json)
        let excluded = try #require(j["excluded_periods"] as? [[String: Any]])
        #expect(excluded.map { $0["period"] as? String } == ["2007"])
        #expect(excluded.allSatisfy { ($0["reason"] as? String)?.contains("not matured") == true })
        let periods = try #require(j["periods"] as? [[String: Any]])
        #expect(Set(periods.compactMap { $0["period"] as? String }).isDisjoint(with: excluded.compactMap { $0["period"] as? String }))
    }

    @Test func malformedFreddieFileLeavesWorkspaceUnchanged() throws {
        let box = Sandbox()
        let (orig, perf) = try generate(box, loans: 40, vintages: "2005-2005")
        var args = ["data", "import-freddie", "--name", "ok"]
        for o in orig { args += ["--origination", o] }
        for p in perf { args += ["--performance", p] }
        #expect(try box.run(args).status == 0)
        let before = box.workspaceBytes()
        // Corrupt line 7 of the performance file: an unknown delinquency status.
        var lines = try String(contentsOfFile: perf[0], encoding: .utf8).components(separatedBy: "\n")
        var f = lines[6].components(separatedBy: "|")
        f[3] = "Z9"
        lines[6] = f.joined(separator: "|")
        let bad = box.write("bad_svcg.txt", lines.joined(separator: "\n"))
        let r = try box.run(["data", "import-freddie", "--name", "x", "--origination", orig[0], "--performance", bad])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad_svcg.txt") && r.stderr.contains("line 7") && r.stderr.contains("delinquency_status"), "\(r.stderr)")
        #expect(box.workspaceBytes() == before && r.stdout.isEmpty)
        // A truncated origination line.
        var olines = try String(contentsOfFile: orig[0], encoding: .utf8).components(separatedBy: "\n")
        olines[2] = String(olines[2].prefix(20))
        let badOrig = box.write("bad_orig.txt", olines.joined(separator: "\n"))
        let r2 = try box.run(["data", "import-freddie", "--name", "y", "--origination", badOrig, "--performance", perf[0]])
        #expect(r2.status == 1 && r2.stderr.contains("bad_orig.txt, line 3") && r2.stderr.contains("expected 32 fields"), "\(r2.stderr)")
        #expect(box.workspaceBytes() == before)
        // A backtest on a model that does not exist is bad input too, and writes nothing.
        let r3 = try box.run(["backtest", "--model", "nope", "--data", "ok", "--time", "vintage"])
        #expect(r3.status == 1 && box.workspaceBytes() == before)
    }
}
