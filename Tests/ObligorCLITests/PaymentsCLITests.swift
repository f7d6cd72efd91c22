import Foundation
import Testing

/// `obligor data generate payments` and `obligor train --model lbsf`.
@Suite(.serialized) struct PaymentsCLITests {
    @Test func generateTrainDescribe() throws {
        let box = Sandbox()
        let gen = try box.run(["data", "generate", "payments", "--users", "150", "--days", "60", "--seed", "3", "--out", "d/pay", "--json"])
        #expect(gen.status == 0, "\(gen.stderr)")
        let events = try String(contentsOfFile: box.path("d/pay.events.csv"), encoding: .utf8)
        #expect(events.hasPrefix("user_id,merchant_id,timestamp,amount,category,description\n"))
        #expect(gen.json?["events"] as? Int == events.split(separator: "\n").count - 1)
        let again = try box.run(["data", "generate", "payments", "--users", "150", "--days", "60", "--seed", "3", "--out", "d/pay2"])
        #expect(again.status == 0)
        #expect(try String(contentsOfFile: box.path("d/pay2.events.csv"), encoding: .utf8) == events)

        let train = try box.run(["train", "--model", "lbsf", "--events", box.path("d/pay.events.csv"), "--labels", box.path("d/pay.labels.csv"),
                                 "--merchants", "6", "--per-merchant", "5", "--window-days", "60", "--epochs", "2", "--name", "seq", "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.json?["kind"] as? String == "lbsf" && train.json?["train_users"] as? Int == 150)
        let describe = try box.run(["model", "describe", "seq"])
        #expect(describe.status == 0 && describe.stderr.contains("lbsf (folded): K 6 merchants"), "\(describe.stderr)")

        // Score, explain and evaluate the users in the labels file from their events.
        let ev = box.path("d/pay.events.csv"), lab = box.path("d/pay.labels.csv")
        let score = try box.run(["score", "--model", "seq", "--data", lab, "--events", ev, "--out", box.path("pd.csv")])
        #expect(score.status == 0, "\(score.stderr)")
        let pds = try String(contentsOfFile: box.path("pd.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(pds.count == 150 && pds.allSatisfy { l in Double(l.split(separator: ",")[1]).map { $0 > 0 && $0 < 1 } ?? false })
        let explain = try box.run(["explain", "--model", "seq", "--data", lab, "--events", ev, "--top", "2", "--json"])
        #expect(explain.status == 0, "\(explain.stderr)")
        let evaluate = try box.run(["evaluate", "--model", "seq", "--data", lab, "--events", ev, "--target", "default", "--json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect((evaluate.json?["auc"] as? Double).map { $0 > 0.5 } == true, "\(evaluate.stdout)")
        // Without events the lbsf model cannot score; with events, another model kind refuses them.
        let noEvents = try box.run(["score", "--model", "seq", "--data", lab])
        #expect(noEvents.status == 1 && noEvents.stderr.contains("--events"), "\(noEvents.stderr)")
    }

    @Test func badInputNamesFileLineColumn() throws {
        let box = Sandbox()
        let ev = box.write("ev.csv", "user_id,merchant_id,timestamp,amount,category,description\n1,2,1700000000,5.0,grocery,milk\n2,3,not-a-time,5.0,grocery,milk\n")
        let lab = box.write("lab.csv", "user_id,default\n1,0\n2,1\n")
        let r = try box.run(["train", "--model", "lbsf", "--events", ev, "--labels", lab, "--name", "x"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("ev.csv: line 3, column 'timestamp'"), "\(r.stderr)")
        let missing = try box.run(["train", "--model", "lbsf", "--name", "x"])
        #expect(missing.status == 2 && missing.stderr.contains("--events"), "\(missing.stderr)")
        let neg = try box.run(["data", "generate", "payments", "--users", "-5"])
        #expect(neg.status == 2, "\(neg.stderr)")
    }
}
