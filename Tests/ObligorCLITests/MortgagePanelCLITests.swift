import Foundation
import Testing

/// `obligor data generate mortgage-panel`.
@Suite(.serialized) struct MortgagePanelCLITests {
    static let columns = "loan_id,t,region_id,x,y,credit_score,ltv,dti,ir_spread,loan_age,orig_upb,"
        + "first_time_buyer,investor,n_borrowers,default,true_prob,true_frailty,true_fx,split"

    @Test func writesCSVAndMetaWithSummary() throws {
        let box = Sandbox()
        let args = ["data", "generate", "mortgage-panel", "--seed", "1", "--n-loans", "950", "--n-regions", "60", "--n-periods", "12"]
        let plain = try box.run(args + ["--out", "data/st_5k"])
        #expect(plain.status == 0, "\(plain.stderr)")
        // One summary line on stdout, like the script's.
        #expect(plain.stdout.hasPrefix("wrote st_5k.csv: ") && plain.stdout.contains("default rate train ")
                && plain.stdout.contains("intercept ") && plain.stdout.split(separator: "\n").count == 1, "\(plain.stdout)")
        let csv = try String(contentsOfFile: box.path("data/st_5k.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first.map(String.init) == Self.columns)

        let meta = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: box.path("data/st_5k.meta.json")))) as? [String: Any])
        for key in ["args", "t_split", "features", "coords", "true_cov", "intercept", "n_rows", "n_train", "n_test", "n_loans_observed",
                    "n_latent_points", "default_rate_train", "default_rate_test", "frailty_sd_realised", "gen_seconds"] {
            #expect(meta[key] != nil, "meta lacks \(key)")
        }
        #expect(meta["n_rows"] as? Int == lines.count - 1)
        #expect(meta["t_split"] as? Int == 10 && meta["n_latent_points"] as? Int == 720)
        #expect((meta["args"] as? [String: Any])?["out"] as? String == "st_5k")
        #expect((meta["true_cov"] as? [String: Any])?["type"] as? String == "matern_st")

        // --json: the same panel (same seed, same bytes) and a parseable summary.
        let j = try box.run(args + ["--out", "again", "--json"])
        #expect(j.status == 0, "\(j.stderr)")
        let summary = try #require(j.json, "stdout is not JSON: \(j.stdout)")
        #expect(summary["rows"] as? Int == lines.count - 1)
        #expect((summary["train_rows"] as? Int ?? 0) + (summary["test_rows"] as? Int ?? 0) == lines.count - 1)
        for key in ["default_rate_train", "default_rate_test", "intercept", "seconds", "latent_points"] { #expect(summary[key] != nil, "missing \(key)") }
        #expect(try String(contentsOfFile: box.path("again.csv"), encoding: .utf8) == csv)

        let sep = try box.run(args + ["--cov", "separable_exp", "--nu", "0.5", "--t-split", "6", "--out", "sep", "--json"])
        #expect(sep.status == 0, "\(sep.stderr)")
        #expect(sep.json?["t_split"] as? Int == 6 && sep.json?["cov"] as? String == "separable_exp")
        #expect(try String(contentsOfFile: box.path("sep.csv"), encoding: .utf8) != csv)
    }

    @Test func badOptionsFailClearlyAndWriteNothing() throws {
        let box = Sandbox()
        let base = ["data", "generate", "mortgage-panel", "--n-loans", "50", "--out", "bad"]
        let cases: [([String], String)] = [
            (["--n-regions", "0"], "--n-regions"),
            (["--nu", "1.0"], "--nu must be 0.5, 1.5 or 2.5"),
            (["--n-periods", "12", "--t-split", "12"], "--t-split must be in [1, n_periods-1]"),
            (["--n-regions", "1000", "--n-periods", "11"], "11000 > 10000"),
            (["--base-rate", "1.5"], "--base-rate"),
            (["--cov", "gaussian"], "--cov"),
        ]
        for (extra, text) in cases {
            let r = try box.run(base + extra)
            #expect(r.status != 0, "\(extra) should fail")
            #expect(r.stderr.contains(text), "\(extra): stderr '\(r.stderr)' lacks '\(text)'")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: box.dir.path)) ?? []
            #expect(files.isEmpty, "\(extra) wrote \(files)")
        }
    }
}
