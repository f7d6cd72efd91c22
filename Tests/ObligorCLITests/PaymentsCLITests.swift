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
