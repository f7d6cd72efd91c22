import Foundation
import Testing

@Suite struct ProductionCLITests {
    /// The first applicant of German credit as a JSON record (numbers as numbers, labels as strings,
    /// plus an unused field).
    static let firstApplicant = """
    {"status_of_existing_checking_account": "... < 0 DM", "duration_in_month": 6,
     "credit_history": "critical account/ other credits existing (not at this bank)", "purpose": "radio/television",
     "credit_amount": 1169, "savings_account_and_bonds": "unknown/ no savings account", "present_employment_since": "... >= 7 years",
     "installment_rate_in_percentage_of_disposable_income": 4, "personal_status_and_sex": "male : single",
     "other_debtors_or_guarantors": "none", "present_residence_since": 4, "property": "real estate", "age_in_years": 67,
     "other_installment_plans": "none", "housing": "own", "number_of_existing_credits_at_this_bank": 2,
     "job": "skilled employee / official", "number_of_people_being_liable_to_provide_maintenance_for": 1,
     "telephone": "yes, registered under the customers name", "foreign_worker": "yes", "sex": "male", "application_id": "A-1"}
    """

    /// `score --json-record -` prints the same PD, to the last digit, as scoring the CSV row.
    @Test(arguments: ["scorecard", "gbdt", "logit"])
    func singleRecordMatchesBatch(kind: String) throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad", "--sensitive", "sex,foreign_worker"]).status == 0)
        let cfg = box.write("c.json", kind == "gbdt" ? #"{"num_iterations": 30, "num_leaves": 8, "seed": 1}"# : "{}")
        let train = try box.run(["train", "--data", "german", "--model", kind, "--name", "m", "--config", cfg])
        #expect(train.status == 0, "\(train.stderr)")
        let batch = try box.run(["score", "--model", "m", "--data", "german"])
        #expect(batch.status == 0, "\(batch.stderr)")
        let firstPD = batch.stdout.split(separator: "\n")[1].split(separator: ",").last.map(String.init)
        let record = box.write("r.json", Self.firstApplicant)
        let single = try box.run(["score", "--model", "m", "--json-record", record])
        #expect(single.status == 0, "\(single.stderr)")
        #expect(single.stdout == "{\"pd\":\(firstPD ?? "?")}\n")
        // Bad records are input errors (exit 1), not crashes.
        let bad = try box.run(["score", "--model", "m", "--json-record", box.write("b.json", #"{"duration_in_month": "six"}"#)])
        #expect(kind == "scorecard" ? bad.status == 1 || bad.status == 0 : bad.status == 1, "\(bad.stderr)")
        #expect(try box.run(["score", "--model", "m", "--json-record", box.write("c2.json", "[1,2]")]).status == 1)
        #expect(try box.run(["score", "--model", "m"]).status == 2)
    }

    /// check-monotone: a GBDT trained with duration up is proven up (exit 0) and refuted down (exit
    /// 1) with two CSV rows that differ only in duration; the scored rows agree with `score`.
    @Test func checkMonotoneCommand() throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad", "--sensitive", "sex,foreign_worker"]).status == 0)
        let cfg = box.write("g.json", #"{"num_iterations": 40, "num_leaves": 8, "min_data_in_leaf": 10, "monotone_constraints": {"duration_in_month": 1}, "seed": 3}"#)
        #expect(try box.run(["train", "--data", "german", "--model", "gbdt", "--name", "g", "--config", cfg]).status == 0)
        let up = try box.run(["model", "check-monotone", "--model", "g", "--feature", "duration_in_month", "--direction", "up"])
        #expect(up.status == 0 && up.stderr.contains("PROVEN"), "\(up.stderr)")
        let down = try box.run(["model", "check-monotone", "--model", "g", "--feature", "duration_in_month", "--direction", "down", "--json"])
        #expect(down.status == 1, "\(down.stderr)")
        let cx = try #require(down.json?["counterexample"] as? [String: Any])
        let pds = try #require(cx["pds"] as? [Double])
        #expect(pds.count == 2 && pds[1] > pds[0])
        #expect(down.json?["verdict"] as? String == "refuted")
        // The counterexample rows, as a CSV, score to the same PDs through `score`.
        let text = try box.run(["model", "check-monotone", "--model", "g", "--feature", "duration_in_month", "--direction", "down"])
        #expect(text.status == 1)
        let rows = text.stdout.split(separator: "\n").map(String.init)
        #expect(rows.count == 3)
        let csv = box.write("cx.csv", rows.joined(separator: "\n") + "\n")
        let scored = try box.run(["score", "--model", "g", "--data", csv])
        #expect(scored.status == 0, "\(scored.stderr)")
        // Compared as text: the CSV carries the shortest round-trip form of each PD (JSON numbers may be rounded).
        let scoredPDs = scored.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").last! }
        let reported = rows.dropFirst().map { $0.split(separator: ",").last! }
        #expect(scoredPDs == reported)
        #expect(abs(Double(reported[0])! - pds[0]) < 1e-15 && abs(Double(reported[1])! - pds[1]) < 1e-15)
        #expect(try box.run(["model", "check-monotone", "--model", "g", "--feature", "purpose", "--direction", "up"]).status == 1)
    }

    /// `model describe` shows each input's missing/special-value policy, in text and JSON.
    @Test func describeShowsMissingPolicy() throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad", "--sensitive", "sex,foreign_worker"]).status == 0)
        for kind in ["logit", "scorecard", "gbdt"] {
            let cfg = box.write("\(kind).json", kind == "gbdt" ? #"{"special_values": {"duration_in_month": [6]}, "num_iterations": 10, "seed": 1}"#
                                                        : #"{"special_values": {"duration_in_month": [6]}}"#)
            #expect(try box.run(["train", "--data", "german", "--model", kind, "--name", kind, "--config", cfg]).status == 0)
            let text = try box.run(["model", "describe", kind])
            #expect(text.status == 0)
            #expect(text.stderr.contains("missing-value policy"))
            #expect(text.stderr.contains("missing and special values 6.0 →"), "\(text.stderr)")
            let json = try box.run(["model", "describe", kind, "--json"])
            let policy = try #require(json.json?["missing_policy"] as? [[String: Any]])
            let duration = try #require(policy.first { $0["feature"] as? String == "duration_in_month" })
            #expect(duration["special_values"] as? [Double] == [6])
        }
    }

    /// Shards: the index defaults to $JOB_COMPLETION_INDEX; `merge` of the shard files is byte for
    /// byte the single-process output; a re-run shard writes the same bytes; `--data -` filters
    /// stdin to stdout with the same bytes as reading the file.
    @Test func shardsFromJobIndexMergeToTheSingleRun() throws {
        let box = Sandbox()
        #expect(try box.run(["data", "import", germanCSV, "--name", "german", "--target", "bad", "--sensitive", "sex,foreign_worker"]).status == 0)
        let cfg = box.write("g.json", #"{"num_iterations": 30, "num_leaves": 8, "seed": 2}"#)
        #expect(try box.run(["train", "--data", "german", "--model", "gbdt", "--name", "g", "--config", cfg]).status == 0)
        let whole = try box.run(["score", "--model", "g", "--data", germanCSV, "--out", "whole.csv"])
        #expect(whole.status == 0, "\(whole.stderr)")
        var parts: [String] = []
        for i in 0..<4 {
            let r = try box.run(["score", "--model", "g", "--data", germanCSV, "--out", "part-\(i).csv"], env: ["JOB_COMPLETION_INDEX": "\(i)", "OBLIGOR_SHARD_COUNT": "4"])
            #expect(r.status == 0, "\(r.stderr)")
            parts.append("part-\(i).csv")
        }
        let p2 = FileManager.default.contents(atPath: box.path("part-2.csv"))
        #expect(try box.run(["score", "--model", "g", "--data", germanCSV, "--out", "part-2.csv", "--shard-count", "4"], env: ["JOB_COMPLETION_INDEX": "2"]).status == 0)
        #expect(FileManager.default.contents(atPath: box.path("part-2.csv")) == p2)
        #expect(p2.map { String(decoding: $0, as: UTF8.self).split(separator: "\n").count } == 251)
        let merged = try box.run(["merge"] + parts + ["--out", "merged.csv"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let wholeBytes = try #require(FileManager.default.contents(atPath: box.path("whole.csv")))
        #expect(FileManager.default.contents(atPath: box.path("merged.csv")) == wholeBytes)
        // Stdin filter.
        let piped = try box.run(["score", "--model", "g", "--data", "-"], stdin: germanCSV)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(Data(piped.stdout.utf8) == wholeBytes)
        // Errors: an index without a count; a count without an index; an index out of range; mismatched parts.
        #expect(try box.run(["score", "--model", "g", "--data", germanCSV], env: ["JOB_COMPLETION_INDEX": "1"]).status == 1)
        #expect(try box.run(["score", "--model", "g", "--data", germanCSV, "--shard-count", "3"]).status == 2)
        #expect(try box.run(["score", "--model", "g", "--data", germanCSV], env: ["JOB_COMPLETION_INDEX": "4", "OBLIGOR_SHARD_COUNT": "4"]).status == 1)
        let other = box.write("other.csv", "id,pd\nA,0.5\n")
        #expect(try box.run(["merge", "part-0.csv", other]).status == 1)
    }
}
