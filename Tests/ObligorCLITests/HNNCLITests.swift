import Foundation
import Testing

/// `obligor train --model hnn` end to end, and its bad-input handling.
@Suite(.serialized) struct HNNCLITests {
    /// A small generated Freddie panel imported into the box's workspace as `fm`.
    func freddiePanel(_ box: Sandbox) throws {
        let gen = try box.run(["data", "generate", "freddie", "--vintages", "2003-2008", "--loans-per-vintage", "150", "--seed", "3",
                               "--out", box.path("fr")])
        #expect(gen.status == 0, "\(gen.stderr)")
        var args = ["data", "import-freddie", "--name", "fm", "--horizon", "36", "--workspace", box.workspace]
        for v in 2003...2008 {
            args += ["--origination", box.path("fr/sample_orig_\(v).txt"), "--performance", box.path("fr/sample_svcg_\(v).txt")]
        }
        let imp = try box.run(args)
        #expect(imp.status == 0, "\(imp.stderr)")
    }

    /// Out-of-time training on the Freddie panel with the paper's seven fields by default, then
    /// describe, score and evaluate; the same seed gives the same stored model bytes.
    @Test func freddieTrainDescribeScore() throws {
        let box = Sandbox()
        try freddiePanel(box)
        let cfg = box.write("h.json", #"{"hidden_layers": [16, 8], "epochs": 4, "dropout": 0.1}"#)
        let common = ["--data", "fm", "--model", "hnn", "--config", cfg, "--time", "vintage", "--train-until", "2005", "--seed", "5",
                      "--workspace", box.workspace]
        for optimizer in ["hamiltonian-paper", "hamiltonian-code", "adam", "sgd"] {
            let r = try box.run(["train", "--name", "m-\(optimizer)", "--optimizer", optimizer, "--json"] + common)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.json?["kind"] as? String == "hnn")
            #expect(r.json?["features"] as? [String] == ["fico", "mi_pct", "units", "cltv", "dti", "ltv", "borrowers"])
            #expect(r.stderr.contains("optimizer \(optimizer)"))
            #expect(r.stderr.contains("time: latest"))
        }
        let describe = try box.run(["model", "describe", "m-hamiltonian-paper", "--json", "--workspace", box.workspace])
        #expect(describe.status == 0, "\(describe.stderr)")
        let model = describe.json?["model"] as? [String: Any]
        #expect(model?["features"] as? [String] == ["fico", "mi_pct", "units", "cltv", "dti", "ltv", "single_borrower"])
        let human = try box.run(["model", "describe", "m-hamiltonian-paper", "--workspace", box.workspace])
        #expect(human.stderr.contains("optimizer hamiltonian-paper"))
        let score = try box.run(["score", "--model", "m-adam", "--data", "fm", "--out", box.path("pd.csv"), "--workspace", box.workspace])
        #expect(score.status == 0, "\(score.stderr)")
        let lines = try String(contentsOfFile: box.path("pd.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.dropFirst().allSatisfy { l in Double(l.split(separator: ",")[1]).map { $0 > 0 && $0 < 1 } ?? false })
        let eval = try box.run(["evaluate", "--model", "m-hamiltonian-code", "--data", "fm", "--json", "--workspace", box.workspace])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect((eval.json?["auc"] as? Double).map { $0 > 0 && $0 < 1 } == true)
        // Same seed, same model payload.
        let again = try box.run(["train", "--name", "again", "--optimizer", "adam"] + common)
        #expect(again.status == 0)
        let a = try box.run(["model", "describe", "m-adam", "--json", "--workspace", box.workspace]).json?["model"] as? [String: Any]
        let b = try box.run(["model", "describe", "again", "--json", "--workspace", box.workspace]).json?["model"] as? [String: Any]
        let na = (a?["network"] as? [String: Any])?["parameters"] as? [[Double]]
        let nb = (b?["network"] as? [String: Any])?["parameters"] as? [[Double]]
        #expect(na != nil && na == nb)
    }

    /// Usage errors exit 2; bad data exits 1 naming the file, line and column; the workspace is unchanged.
    @Test func badInputs() throws {
        let box = Sandbox()
        var rows = "a,b,bad\n"
        for i in 0..<60 { rows += "\(i % 7),\(Double(i) / 10),\(i % 3 == 0 ? 1 : 0)\n" }
        let good = box.write("good.csv", rows)
        let tiny = box.write("tiny.json", #"{"hidden_layers": [4], "epochs": 1}"#)
        _ = try box.run(["data", "import", good, "--name", "good", "--target", "bad", "--workspace", box.workspace])
        let before = box.workspaceBytes()

        let unknown = try box.run(["train", "--data", "good", "--model", "hnn", "--name", "x", "--optimizer", "rmsprop", "--workspace", box.workspace])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown optimizer 'rmsprop'") && unknown.stderr.contains("hamiltonian-paper"))
        let wrongModel = try box.run(["train", "--data", "good", "--model", "logit", "--name", "x", "--optimizer", "adam", "--workspace", box.workspace])
        #expect(wrongModel.status == 2)

        let badKey = box.write("bad.json", #"{"hiden_layers": [4]}"#)
        let key = try box.run(["train", "--data", "good", "--model", "hnn", "--name", "x", "--config", badKey, "--workspace", box.workspace])
        #expect(key.status == 1)
        #expect(key.stderr.contains("unknown key 'hiden_layers'"))

        let oneClass = box.write("one.csv", "a,b,bad\n1,2,0\n2,3,0\n3,4,0\n4,5,0\n")
        let single = try box.run(["train", "--data", oneClass, "--target", "bad", "--model", "hnn", "--name", "x", "--config", tiny,
                                  "--workspace", box.workspace])
        #expect(single.status == 1)
        #expect(single.stderr.contains("only one class"))

        let holes = box.write("holes.csv", "a,b,bad\n1,2,0\n2,,1\n3,4,0\n4,5,1\n5,6,0\n6,7,1\n")
        let strict = box.write("strict.json", #"{"hidden_layers": [4], "epochs": 1, "missing": "error"}"#)
        let missing = try box.run(["train", "--data", holes, "--target", "bad", "--model", "hnn", "--name", "x", "--config", strict,
                                   "--workspace", box.workspace])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("holes.csv, line 3") && missing.stderr.contains("column 'b'"), "\(missing.stderr)")

        let nan = box.write("nan.csv", "a,b,bad\n1,2,0\n2,nan,1\n3,4,0\n4,5,1\n")
        let nanRun = try box.run(["train", "--data", nan, "--target", "bad", "--model", "hnn", "--name", "x", "--config", tiny,
                                  "--workspace", box.workspace])
        #expect(nanRun.status == 1)
        #expect(nanRun.stderr.contains("line 3") && nanRun.stderr.contains("'b'"), "\(nanRun.stderr)")
        #expect(box.workspaceBytes() == before)
    }
}
