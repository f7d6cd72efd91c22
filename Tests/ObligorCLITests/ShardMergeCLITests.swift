import Foundation
import Testing

/// Shards of evaluate, backtest and audit: N partials merged give the single-process bytes; a re-run shard
/// writes the same partial; mismatched parts are refused with the file named; streamed scoring of stdin gives
/// the bytes of scoring the file.
@Suite(.serialized) struct ShardMergeCLITests {
    static let shardCounts = [1, 2, 3, 7]

    /// Backtest JSON (and the report, which embeds it) carries its timings; everything else must match.
    static func withoutTimings(_ s: String) -> String {
        var out = s
        for pattern in [#""seconds"\s*:\s*\{[^}]*\}"#, #"&quot;seconds&quot;:\{[^}]*\}"#] {
            out = out.replacingOccurrences(of: pattern, with: "\"seconds\":…", options: .regularExpression)
        }
        return out
    }

    /// Runs `args + [--shard i/N --partial FILE]` for every shard, then merges the parts (in reverse order,
    /// since merge must not depend on it) with `mergeArgs`. Returns the merge's result.
    func shardAndMerge(_ box: Sandbox, _ args: [String], n: Int, tag: String, mergeArgs: [String]) throws -> CLIResult {
        var parts: [String] = []
        for i in 0..<n {
            let part = box.path("\(tag)-\(i)-of-\(n).json")
            let r = try box.run(args + ["--shard", "\(i)/\(n)", "--partial", part])
            #expect(r.status == 0, "\(tag) shard \(i)/\(n): \(r.stderr)")
            parts.append(part)
        }
        return try box.run(["merge"] + parts.reversed() + mergeArgs)
    }

    func file(_ box: Sandbox, _ name: String) throws -> String { try String(contentsOfFile: box.path(name), encoding: .utf8) }

    @Test func germanEvaluateAndAuditMergeByteForByte() throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad", "--sensitive", "sex,foreign_worker"]).status == 0)
        #expect(try box.run(["train", "--data", "german", "--model", "scorecard", "--name", "card"]).status == 0)
        #expect(try box.run(["train", "--data", "german", "--model", "scorecard", "--name", "card2"]).status == 0)

        // evaluate: --json and the HTML report.
        let evaluate = ["evaluate", "--model", "card", "--data", "german"]
        let single = try box.run(evaluate + ["--json", "--report", "eval-single.html"])
        #expect(single.status == 0, "\(single.stderr)")
        #expect((single.json?["auc"] as? Double).map { $0 > 0.75 && $0 < 0.9 } == true)
        for n in Self.shardCounts {
            let merged = try shardAndMerge(box, evaluate, n: n, tag: "eval", mergeArgs: ["--json", "--report", "eval-\(n).html"])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(merged.stdout == single.stdout, "evaluate merged from \(n) shards differs from one process")
            #expect(try file(box, "eval-\(n).html") == (try file(box, "eval-single.html")), "evaluate report from \(n) shards differs")
        }

        // audit: two attributes, a band, an intersection and bootstrap intervals; --json and the report.
        let audit = ["audit", "--model", "card", "--data", "german", "--sensitive", "sex", "--privileged", "male",
                     "--sensitive", "age_in_years", "--privileged", ">45", "--band", "age_in_years:45",
                     "--intersect", "sex,age_in_years", "--bootstrap", "60", "--seed", "3"]
        let singleAudit = try box.run(audit + ["--json", "--report", box.path("audit-single.html")])
        #expect(singleAudit.status == 0, "\(singleAudit.stderr)")
        #expect(singleAudit.json?["n"] as? Int == 1000)
        for n in Self.shardCounts {
            let merged = try shardAndMerge(box, audit, n: n, tag: "audit", mergeArgs: ["--json", "--report", box.path("audit-\(n).html")])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(merged.stdout == singleAudit.stdout, "audit merged from \(n) shards differs from one process")
            #expect(try file(box, "audit-\(n).html") == (try file(box, "audit-single.html")), "audit report from \(n) shards differs")
        }

        // A re-run shard writes the same bytes.
        let again = try box.run(audit + ["--shard", "1/3", "--partial", box.path("audit-again.json")])
        #expect(again.status == 0)
        #expect(try file(box, "audit-again.json") == (try file(box, "audit-1-of-3.json")))
        let evalAgain = try box.run(evaluate + ["--shard", "4/7", "--partial", box.path("eval-again.json")])
        #expect(evalAgain.status == 0)
        #expect(try file(box, "eval-again.json") == (try file(box, "eval-4-of-7.json")))

        // Mismatched parts: another threshold, another model, a missing or repeated shard, another kind.
        let other = try box.run(audit + ["--threshold", "0.4", "--shard", "2/3", "--partial", box.path("audit-t04.json")])
        #expect(other.status == 0)
        let badThreshold = try box.run(["merge", box.path("audit-0-of-3.json"), box.path("audit-1-of-3.json"), box.path("audit-t04.json"), "--json"])
        #expect(badThreshold.status == 1 && badThreshold.stderr.contains("audit-t04.json") && badThreshold.stderr.contains("'threshold'"),
                "\(badThreshold.stderr)")
        #expect(badThreshold.stdout.isEmpty)
        let card2 = try box.run(["evaluate", "--model", "card2", "--data", "german", "--shard", "1/2", "--partial", box.path("eval-card2.json")])
        #expect(card2.status == 0)
        let badModel = try box.run(["merge", box.path("eval-0-of-2.json"), box.path("eval-card2.json"), "--json"])
        #expect(badModel.status == 1 && badModel.stderr.contains("eval-card2.json") && badModel.stderr.contains("'model'"), "\(badModel.stderr)")
        let missing = try box.run(["merge", box.path("eval-0-of-3.json"), box.path("eval-2-of-3.json"), "--json"])
        #expect(missing.status == 1 && missing.stderr.contains("missing shard 1/3"), "\(missing.stderr)")
        let twice = try box.run(["merge", box.path("eval-0-of-2.json"), box.path("eval-0-of-2.json"), "--json"])
        #expect(twice.status == 1 && twice.stderr.contains("given twice"), "\(twice.stderr)")
        let kinds = try box.run(["merge", box.path("eval-0-of-1.json"), box.path("audit-0-of-1.json"), "--json"])
        #expect(kinds.status == 1 && kinds.stderr.contains("audit-0-of-1.json"), "\(kinds.stderr)")
        let mixed = try box.run(["merge", box.path("eval-0-of-1.json"), germanCSV])
        #expect(mixed.status == 1, "\(mixed.stderr)")

        // --shard without --partial is a usage error (one shard's metrics are not the data's).
        #expect(try box.run(evaluate + ["--shard", "0/2", "--json"]).status == 2)
    }

    @Test func freddieBacktestMergeByteForByte() throws {
        let box = Sandbox()
        let gen = try box.run(["data", "generate", "freddie", "--vintages", "2001-2006", "--loans-per-vintage", "150", "--seed", "11",
                               "--out", box.path("raw"), "--json"])
        #expect(gen.status == 0, "\(gen.stderr)")
        var args = ["data", "import-freddie", "--name", "fm", "--horizon", "24"]
        for o in gen.json?["origination_files"] as? [String] ?? [] { args += ["--origination", o] }
        for p in gen.json?["performance_files"] as? [String] ?? [] { args += ["--performance", p] }
        #expect(try box.run(args).status == 0)
        _ = box.write("l2.json", "{\"lambda_l2\": 1.0}")
        let tr = try box.run(["train", "--data", "fm", "--model", "logit", "--name", "lg", "--time", "vintage", "--train-until", "2003", "--config", "l2.json"])
        #expect(tr.status == 0, "\(tr.stderr)")

        let backtest = ["backtest", "--model", "lg", "--data", "fm", "--time", "vintage"]
        let single = try box.run(backtest + ["--json", "--report", "bt-single.html"])
        #expect(single.status == 0, "\(single.stderr)")
        let periods = (single.json?["periods"] as? [[String: Any]])?.count ?? 0
        #expect(periods >= 2)
        for n in Self.shardCounts {
            let merged = try shardAndMerge(box, backtest, n: n, tag: "bt", mergeArgs: ["--json", "--report", "bt-\(n).html"])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(Self.withoutTimings(merged.stdout) == Self.withoutTimings(single.stdout), "backtest merged from \(n) shards differs")
            #expect(Self.withoutTimings(try file(box, "bt-\(n).html")) == Self.withoutTimings(try file(box, "bt-single.html")),
                    "backtest report from \(n) shards differs")
        }
        // The masking hides only the timings.
        #expect(Self.withoutTimings(single.stdout) != single.stdout)
        #expect(Self.withoutTimings(single.stdout).contains("\"master_scale\""))

        let again = try box.run(backtest + ["--shard", "2/3", "--partial", box.path("bt-again.json")])
        #expect(again.status == 0)
        #expect(try file(box, "bt-again.json") == (try file(box, "bt-2-of-3.json")))

        let grades5 = try box.run(backtest + ["--grades", "5", "--shard", "1/2", "--partial", box.path("bt-g5.json")])
        #expect(grades5.status == 0)
        let bad = try box.run(["merge", box.path("bt-0-of-2.json"), box.path("bt-g5.json"), "--json"])
        #expect(bad.status == 1 && bad.stderr.contains("bt-g5.json") && bad.stderr.contains("'grades'"), "\(bad.stderr)")
    }

    /// The Spark shape: each partition (a different CSV) piped through `--data - --emit-partial`; `merge --partitions`
    /// of the partials equals one process on the whole file.
    @Test func partitionsPipedThroughStdinMergeToTheWholeFile() throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad"]).status == 0)
        #expect(try box.run(["train", "--data", "german", "--model", "scorecard", "--name", "card"]).status == 0)
        let text = try String(contentsOfFile: germanCSV, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let cuts = [0, 211, 212, 640, 1000]   // unequal partitions, one of a single row
        var files: [String] = []
        for k in 0..<(cuts.count - 1) {
            files.append(box.write("part\(k).csv", ([lines[0]] + lines[(cuts[k] + 1)...cuts[k + 1]]).joined(separator: "\n") + "\n"))
        }
        let commands: [(args: [String], tag: String)] = [
            (["evaluate", "--model", "card", "--target", "bad"], "evaluate"),
            (["audit", "--model", "card", "--target", "bad", "--sensitive", "foreign_worker", "--privileged", "no", "--bootstrap", "40"], "audit"),
        ]
        for (args, tag) in commands {
            let whole = try box.run(args + ["--data", germanCSV, "--json"])
            #expect(whole.status == 0, "\(whole.stderr)")
            var partials: [String] = []
            for (k, f) in files.enumerated() {
                let r = try box.run(args + ["--data", "-", "--emit-partial"], stdin: f)
                #expect(r.status == 0, "\(tag) partition \(k): \(r.stderr)")
                partials.append(box.write("\(tag)-partition-\(k).json", r.stdout))
            }
            let merged = try box.run(["merge", "--partitions"] + partials.reversed() + ["--json"])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(merged.stdout == whole.stdout, "\(tag) merged from partitions differs from the whole file")
            // Without --partitions, parts of different data are refused.
            let refused = try box.run(["merge"] + partials + ["--json"])
            #expect(refused.status == 1 && refused.stderr.contains("differs from"), "\(refused.stderr)")
        }
    }

    @Test func streamedScoreEqualsFileScore() throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad"]).status == 0)
        #expect(try box.run(["train", "--data", "german", "--model", "scorecard", "--name", "card"]).status == 0)

        // An id column with commas and quotes, and a quoted field holding a newline: the record splitter must
        // respect quotes, and the id must be written as the file-based run writes it.
        let lines = try String(contentsOfFile: germanCSV, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        var csv = "id,note," + lines[0] + "\n"
        for (k, line) in lines.dropFirst().enumerated() {
            csv += "\"app \(k), \"\"x\"\"\"," + (k % 50 == 0 ? "\"two\nlines\"" : "plain") + "," + line + "\n"
        }
        let path = box.write("ids.csv", csv)

        for extra in [[], ["--id", "id"]] {
            let fromFile = try box.run(["score", "--model", "card", "--data", path] + extra)
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            for chunk in ["37", "1000", "65536"] {
                let streamed = try box.run(["score", "--model", "card", "--data", "-", "--chunk-rows", chunk] + extra, stdin: path)
                #expect(streamed.status == 0, "\(streamed.stderr)")
                #expect(streamed.stdout == fromFile.stdout, "streamed (chunks of \(chunk), \(extra)) differs from the file")
            }
        }
        let toFile = try box.run(["score", "--model", "card", "--data", "-", "--out", box.path("streamed.csv"), "--chunk-rows", "100"], stdin: germanCSV)
        #expect(toFile.status == 0 && toFile.stdout.isEmpty, "\(toFile.stderr)")
        let whole = try box.run(["score", "--model", "card", "--data", germanCSV])
        #expect(try file(box, "streamed.csv") == whole.stdout)

        // A bad record in a later chunk is reported at its line in the stream.
        let bad = box.write("bad.csv", lines[0...60].joined(separator: "\n") + "\nA11,oops\n")
        let r = try box.run(["score", "--model", "card", "--data", "-", "--chunk-rows", "16"], stdin: bad)
        #expect(r.status == 1 && r.stderr.contains("<stdin>, line 62"), "\(r.stderr)")
    }
}
