import Foundation
import Testing

let st5kCSV = repositoryRoot.appendingPathComponent("Tests/ObligorGPTests/Fixtures/st_5k.csv").path
let panelFeatureList = "credit_score,ltv,dti,ir_spread,loan_age,orig_upb,first_time_buyer,investor,n_borrowers"

@Suite(.serialized) struct GPCLITests {
    /// train --model glmm and gpboost on the out-of-time split, score the later periods, describe as JSON.
    @Test func trainScoreDescribe() throws {
        let box = Sandbox()
        let common = ["--data", st5kCSV, "--target", "default", "--time", "t", "--train-until", "9", "--coords", "x,y",
                      "--features", panelFeatureList, "--workspace", box.workspace]
        let glmm = try box.run(["train", "--model", "glmm", "--name", "g"] + common)
        #expect(glmm.status == 0, "\(glmm.stderr)")
        #expect(glmm.stderr.contains("GP_range_space"))
        let cfg = box.write("gpb.json", #"{"num_iterations": 3}"#)
        let gpb = try box.run(["train", "--model", "gpboost", "--name", "b", "--config", cfg, "--json"] + common)
        #expect(gpb.status == 0, "\(gpb.stderr)")
        #expect(gpb.json?["kind"] as? String == "gpboost")
        let score = try box.run(["score", "--model", "b", "--data", st5kCSV, "--out", box.path("pd.csv"), "--workspace", box.workspace])
        #expect(score.status == 0, "\(score.stderr)")
        let lines = try String(contentsOfFile: box.path("pd.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5295)
        #expect(lines.dropFirst().allSatisfy { l in Double(l.split(separator: ",")[1]).map { $0 > 0 && $0 < 1 } ?? false })
        let describe = try box.run(["model", "describe", "b", "--json", "--workspace", box.workspace])
        let model = describe.json?["model"] as? [String: Any]
        let gp = model?["gp"] as? [String: Any]
        #expect((gp?["parameters"] as? [Double])?.count == 3)

        // A model file round trip (export, import under another name) scores byte for byte the same.
        #expect(try box.run(["model", "export", "b", box.path("b.obligor.json"), "--workspace", box.workspace]).status == 0)
        #expect(try box.run(["model", "import", box.path("b.obligor.json"), "--name", "b2", "--workspace", box.workspace]).status == 0)
        #expect(try box.run(["score", "--model", "b2", "--data", st5kCSV, "--out", box.path("pd2.csv"), "--workspace", box.workspace]).status == 0)
        #expect(try String(contentsOfFile: box.path("pd2.csv"), encoding: .utf8) == String(contentsOfFile: box.path("pd.csv"), encoding: .utf8))

        // Portfolio loss on the two out-of-time periods: joint frailty vs independent defaults.
        let all = try String(contentsOfFile: st5kCSV, encoding: .utf8).split(whereSeparator: \.isNewline)
        let test = box.write("test.csv", ([all[0]] + all.dropFirst().filter { $0.hasSuffix(",test") }).joined(separator: "\n") + "\n")
        let pf = try box.run(["portfolio", "--model", "b", "--data", test, "--sims", "1000", "--json", "--workspace", box.workspace])
        #expect(pf.status == 0, "\(pf.stderr)")
        let periods = pf.json?["periods"] as? [[String: Any]] ?? []
        #expect(periods.map { $0["period"] as? Double } == [10, 11])
        for p in periods {
            let joint = p["joint"] as? [String: Any], indep = p["independent"] as? [String: Any]
            let vj = (joint?["var"] as? [String: Double])?["0.99"] ?? 0, vi = (indep?["var"] as? [String: Double])?["0.99"] ?? 0
            #expect(vj > vi, "the joint frailty draw widens the 99% VaR: \(vj) vs \(vi)")
            #expect((joint?["crps"] as? Double).map { $0 > 0 } == true)
        }
    }

    /// Bad GP coordinates: exit 1, the message names the file, line and column, the workspace is unchanged.
    @Test func badCoordinatesAreRejected() throws {
        let box = Sandbox()
        let header = "t,x,y,a,default\n"
        let missing = box.write("missing.csv", header + "1,0.1,0.2,1,0\n2,0.3,0.1,2,1\n3,,0.5,3,0\n4,0.2,0.2,4,1\n")
        let textTime = box.write("text.csv", header + "Q1,0.1,0.2,1,0\nQ2,0.3,0.1,2,1\nQ3,0.4,0.5,3,0\nQ4,0.2,0.2,4,1\n")
        let oneLocation = box.write("one.csv", header + "1,0.1,0.2,1,0\n1,0.1,0.2,2,1\n1,0.1,0.2,3,0\n1,0.1,0.2,4,1\n")
        for (file, mentions) in [(missing, ["missing.csv", "line 4", "column 'x'"]), (textTime, ["text.csv", "line 2", "column 't'", "must be numeric"]),
                                 (oneLocation, ["one location"])] {
            let before = box.workspaceBytes()
            let r = try box.run(["train", "--model", "glmm", "--name", "m", "--data", file, "--target", "default", "--time", "t",
                                 "--coords", "x,y", "--features", "a", "--workspace", box.workspace])
            #expect(r.status == 1, "\(r.stderr)")
            for m in mentions { #expect(r.stderr.contains(m), "'\(m)' not in: \(r.stderr)") }
            #expect(box.workspaceBytes() == before)
        }
        let noCoords = try box.run(["train", "--model", "gpboost", "--name", "m", "--data", missing, "--target", "default", "--workspace", box.workspace])
        #expect(noCoords.status == 1 && noCoords.stderr.contains("--coords"))
        // Coordinates can come from the dataset's roles instead.
        #expect(try box.run(["data", "import", st5kCSV, "--name", "panel", "--target", "default", "--time", "t", "--coords", "x,y",
                             "--workspace", box.workspace]).status == 0)
        let fromRoles = try box.run(["train", "--model", "glmm", "--name", "r", "--data", "panel", "--train-until", "9",
                                     "--features", "credit_score,ltv", "--workspace", box.workspace])
        #expect(fromRoles.status == 0, "\(fromRoles.stderr)")
        #expect(fromRoles.stderr.contains("space x,y"))
    }

    /// Shards of a GP model: with Vecchia every location's prediction conditions on its own neighbours, so
    /// merged shard outputs equal the single run byte for byte. The exact GP solves all of a batch's
    /// locations in one triangular solve, whose BLAS blocking depends on the batch width: shard PDs may
    /// differ in the last bit (bounded here by 1e-15; README, shards section).
    @Test func gpShardsMerge() throws {
        let box = Sandbox()
        let cfg = box.write("gpb.json", #"{"num_iterations": 3}"#)
        let common = ["--data", st5kCSV, "--target", "default", "--time", "t", "--train-until", "9", "--coords", "x,y",
                      "--features", panelFeatureList, "--config", cfg, "--workspace", box.workspace]
        #expect(try box.run(["train", "--model", "gpboost", "--name", "v", "--gp-approx", "vecchia", "--neighbors", "10"] + common).status == 0)
        #expect(try box.run(["train", "--model", "gpboost", "--name", "e"] + common).status == 0)
        for name in ["v", "e"] {
            let whole = try box.run(["score", "--model", name, "--data", st5kCSV, "--out", box.path("\(name).csv"), "--workspace", box.workspace])
            #expect(whole.status == 0, "\(whole.stderr)")
            var parts: [String] = []
            for i in 0..<3 {
                let out = box.path("\(name)-\(i).csv")
                #expect(try box.run(["score", "--model", name, "--data", st5kCSV, "--shard", "\(i)/3", "--out", out, "--workspace", box.workspace]).status == 0)
                parts.append(out)
            }
            #expect(try box.run(["merge"] + parts + ["--out", box.path("\(name)-merged.csv")]).status == 0)
            let single = try String(contentsOfFile: box.path("\(name).csv"), encoding: .utf8)
            let merged = try String(contentsOfFile: box.path("\(name)-merged.csv"), encoding: .utf8)
            if name == "v" {
                #expect(merged == single)
            } else {
                let pd = { (text: String) in text.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! } }
                let a = pd(single), b = pd(merged)
                #expect(a.count == 5294 && b.count == 5294)
                #expect(zip(a, b).map { abs($0 - $1) }.max()! <= 1e-15)
            }
        }
    }
}
