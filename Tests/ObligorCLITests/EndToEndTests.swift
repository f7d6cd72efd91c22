import Foundation
import ObligorData
import ObligorStore
import Testing

@Suite(.serialized) struct EndToEndTests {
    /// The README's main job: import German credit, train a scorecard, score, evaluate with a report.
    @Test func germanScorecardWorkflow() throws {
        let box = Sandbox()
        let imp = try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad", "--sensitive", "sex,foreign_worker", "--json"])
        #expect(imp.status == 0, "\(imp.stderr)")
        #expect(imp.json?["rows"] as? Int == 1000)

        let train = try box.run(["train", "--data", "german", "--model", "scorecard", "--name", "card", "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        let features = train.json?["features"] as? [String] ?? []
        #expect(!features.contains("sex") && !features.contains("foreign_worker") && !features.contains("bad"))

        let eval = try box.run(["evaluate", "--model", "card", "--data", "german", "--json", "--report", "report.html"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let j = try #require(eval.json)
        for key in ["auc", "gini", "ks", "brier", "log_loss", "calibration", "gains"] { #expect(j[key] != nil, "missing key \(key)") }
        let auc = try #require(j["auc"] as? Double)
        // In-sample AUC of a WoE scorecard on German credit is about 0.82; anything outside 0.75-0.9 is a regression.
        #expect(auc > 0.75 && auc < 0.9)
        #expect(abs((j["gini"] as! Double) - (2 * auc - 1)) < 1e-12)
        let html = try String(contentsOfFile: box.path("report.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Calibration by PD decile") && html.contains("Scorecard"))

        let score = try box.run(["score", "--model", "card", "--data", "german", "--out", "scores.csv"])
        #expect(score.status == 0, "\(score.stderr)")
        let scores = try CSVReader.read(path: box.path("scores.csv"))
        #expect(scores.columnNames == ["row", "pd"])
        #expect(scores.rowCount == 1000)

        // metrics on the written scores joined with the target reproduce evaluate's AUC.
        let german = try CSVReader.read(path: germanCSV)
        var joined = "bad,pd\n"
        for i in 0..<1000 { joined += "\(german["bad"]!.text(at: i)!),\(scores["pd"]!.text(at: i)!)\n" }
        let file = box.write("joined.csv", joined)
        let m = try box.run(["metrics", "--scores", file, "--target", "bad", "--score", "pd", "--json"])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(abs((m.json?["auc"] as? Double ?? 0) - auc) < 1e-12)

        let explain = try box.run(["explain", "--model", "card", "--data", "german", "--top", "2", "--json"])
        #expect(explain.status == 0)
        let rows = explain.json?["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 1000 && (rows[0]["reasons"] as? [Any])?.count ?? 0 <= 2)
    }

    /// Sharded scoring: the shards concatenated are byte-identical to one process, and a re-run shard repeats its bytes.
    @Test func shardsConcatenateToTheSingleRun() throws {
        let box = Sandbox()
        _ = try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad"])
        // sex is a function of personal_status_and_sex: the logit must name the aliased column.
        let aliased = try box.run(["train", "--data", "german", "--model", "logit", "--name", "lr"])
        #expect(aliased.status == 1 && aliased.stderr.contains("'sex="), "\(aliased.stderr)")
        let train = try box.run(["train", "--data", "german", "--model", "logit", "--name", "lr", "--config", box.write("c.json", #"{"lambda_l2": 0.01}"#)])
        #expect(train.status == 0, "\(train.stderr)")
        let whole = try box.run(["score", "--model", "lr", "--data", "german"])
        #expect(whole.status == 0)
        var combined = ""
        for i in 0..<3 {
            let part = try box.run(["score", "--model", "lr", "--data", "german", "--shard", "\(i)/3"])
            combined += i == 0 ? part.stdout : String(part.stdout.drop { $0 != "\n" }.dropFirst())
        }
        #expect(combined == whole.stdout)
        // Training does not depend on the thread count: the stored model bytes are identical.
        let cfg = box.path("c.json")
        #expect(try box.run(["train", "--data", "german", "--model", "logit", "--name", "t1", "--threads", "1", "--config", cfg]).status == 0)
        #expect(try box.run(["train", "--data", "german", "--model", "logit", "--name", "t2", "--threads", "2", "--config", cfg]).status == 0)
        let d1 = try box.run(["model", "describe", "t1", "--json"]).json?["model"] as? [String: Any]
        let d2 = try box.run(["model", "describe", "t2", "--json"]).json?["model"] as? [String: Any]
        #expect(d1 != nil && NSDictionary(dictionary: d1!).isEqual(to: d2!))
        let again = try box.run(["score", "--model", "lr", "--data", "german", "--shard", "1/3"])
        let again2 = try box.run(["score", "--model", "lr", "--data", "german", "--shard", "1/3"])
        #expect(again.stdout == again2.stdout)
    }

    /// Export to every format and back: obligor reloads bit for bit; logistic-json imports; SQL is written.
    @Test func modelExportImport() throws {
        let box = Sandbox()
        _ = try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad"])
        _ = try box.run(["train", "--data", "german", "--model", "scorecard", "--name", "card"])
        #expect(try box.run(["model", "export", "card", "card.json"]).status == 0)
        #expect(try box.run(["model", "import", "card.json", "--name", "card2"]).status == 0)
        let a = try box.run(["score", "--model", "card", "--data", "german"])
        let b = try box.run(["score", "--model", "card2", "--data", "german"])
        #expect(a.stdout == b.stdout && !a.stdout.isEmpty)
        #expect(try box.run(["model", "export", "card", "card.sql", "--format", "sql"]).status == 0)
        let sql = try String(contentsOfFile: box.path("card.sql"), encoding: .utf8)
        #expect(sql.contains("FROM input") && sql.contains("AS pd"))
        // A scorecard is not a plain linear model: asking for logistic-json is bad input (exit 1).
        let bad = try box.run(["model", "export", "card", "x.json", "--format", "logistic-json"])
        #expect(bad.status == 1 && bad.stderr.contains("logistic-json"))

        let spec = box.write("lr.json", #"{"obligor_model": "logistic", "format_version": 1, "target": "bad", "features": ["duration_in_month", "credit_amount"], "intercept": -1.2, "coefficients": [0.04, 0.0001], "threshold": 0.5}"#)
        #expect(try box.run(["model", "import", spec, "--name", "ext", "--format", "logistic-json"]).status == 0)
        let scored = try box.run(["score", "--model", "ext", "--data", "german"])
        let first = scored.stdout.split(separator: "\n")[1].split(separator: ",")[1]
        // Row 0: duration 6, amount 1169.
        let expected = 1 / (1 + exp(-(-1.2 + 0.04 * 6 + 0.0001 * 1169)))
        #expect(abs(Double(first)! - expected) < 1e-15)
        let describe = try box.run(["model", "describe", "ext", "--json"])
        #expect(describe.json?["kind"] as? String == "logit")
    }

    /// A stratified split keeps the default rate in both parts, is reproducible, and refuses to overwrite.
    @Test func stratifiedSplit() throws {
        let box = Sandbox()
        _ = try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad"])
        let s = try box.run(["data", "split", "german", "--test-fraction", "0.3", "--seed", "5", "--json"])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.json?["train"] as? Int == 700 && s.json?["test"] as? Int == 300)
        let d = try box.run(["data", "describe", "german-test", "--json"])
        #expect(d.json?["defaults"] as? Int == 90)   // round(0.3 · 300)
        let again = try box.run(["data", "split", "german", "--seed", "5"])
        #expect(again.status == 1 && again.stderr.contains("german-train"))
    }

    @Test func usageErrorsExitTwo() throws {
        let box = Sandbox()
        #expect(try box.run(["train", "--bogus"]).status == 2)
        #expect(try box.run(["score", "--model", "m", "--data", "d", "--shard", "5/3"]).status == 2)
        #expect(try box.run(["frobnicate"]).status == 2)
        let help = try box.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE"))
    }
}

/// Gradient boosting through the CLI: config with LightGBM names, early stopping on --valid,
/// reason codes, report, SQL export, and XGBoost/LightGBM model import.
@Suite(.serialized) struct GBDTCLITests {
    @Test func trainExplainEvaluateExport() throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad", "--sensitive", "sex,personal_status_and_sex"]).status == 0)
        #expect(try box.run(["data", "split", "german", "--seed", "4"]).status == 0)
        let cfg = box.write("gbdt.json", #"{"num_iterations": 200, "learning_rate": 0.05, "num_leaves": 8, "min_data_in_leaf": 15, "early_stopping_round": 20, "metric": "auc", "monotone_constraints": {"duration_in_month": 1}, "seed": 3}"#)
        let train = try box.run(["train", "--data", "german-train", "--model", "gbdt", "--name", "g", "--config", cfg, "--valid", "german-test", "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("best iteration"))
        let eval = try box.run(["evaluate", "--model", "g", "--data", "german-test", "--json", "--report", "g.html"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let auc = eval.json?["auc"] as? Double ?? 0
        #expect(auc > 0.7 && auc < 0.9, "hold-out AUC \(auc)")
        let html = try String(contentsOfFile: box.path("g.html"), encoding: .utf8)
        #expect(html.contains("Feature importance"))
        let explain = try box.run(["explain", "--model", "g", "--data", "german-test", "--top", "3", "--json"])
        #expect(explain.status == 0)
        let first = (explain.json?["rows"] as? [[String: Any]])?.first?["reasons"] as? [[String: Any]] ?? []
        #expect(!first.isEmpty && first.count <= 3)
        #expect(try box.run(["model", "export", "g", "g.sql", "--format", "sql"]).status == 0)
        // A typo in the config is an error, not a silent default.
        let typo = try box.run(["train", "--data", "german-train", "--model", "gbdt", "--name", "h", "--config", box.write("t.json", #"{"num_leafs": 8}"#)])
        #expect(typo.status == 1 && typo.stderr.contains("num_leafs"))
        // Early stopping without validation data is refused.
        let nov = try box.run(["train", "--data", "german-train", "--model", "gbdt", "--name", "h", "--config", cfg])
        #expect(nov.status == 1 && nov.stderr.contains("--valid"))
    }

    @Test func importLightGBMAndScore() throws {
        let box = Sandbox()
        let fixtures = repositoryRoot.appendingPathComponent("Tests/ObligorBoostingTests/Fixtures")
        let imp = try box.run(["model", "import", fixtures.appendingPathComponent("lgb_german.txt").path, "--name", "lgb", "--format", "lightgbm-text"])
        #expect(imp.status == 0, "\(imp.stderr)")
        let scored = try box.run(["score", "--model", "lgb", "--data", fixtures.appendingPathComponent("lgb_inputs.csv").path])
        #expect(scored.status == 0, "\(scored.stderr)")
        let expected = (try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("lgb_margins.json"))) as! [String: Any])["margins"] as! [Double]
        let lines = scored.stdout.split(separator: "\n").dropFirst()
        for (i, line) in lines.prefix(50).enumerated() {
            let pd = Double(line.split(separator: ",")[1])!
            #expect(abs(pd - 1 / (1 + exp(-expected[i]))) < 1e-9)
        }
        let xgb = try box.run(["model", "import", fixtures.appendingPathComponent("german_xgb.json").path, "--name", "x", "--format", "xgboost-json"])
        #expect(xgb.status == 0, "\(xgb.stderr)")
        let bad = try box.run(["model", "import", box.write("bad.json", "{}"), "--name", "y", "--format", "xgboost-json"])
        #expect(bad.status == 1 && bad.stderr.contains("bad.json"))
    }
}
