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
        let idle = try box.run(["data", "generate", "payments", "--users", "5", "--events-per-day", "0"])
        #expect(idle.status == 2 && idle.stderr.contains("--events-per-day"), "\(idle.stderr)")
        // User activity scales the number of events.
        let quiet = try box.run(["data", "generate", "payments", "--users", "30", "--days", "20", "--out", "q", "--json"])
        let busy = try box.run(["data", "generate", "payments", "--users", "30", "--days", "20", "--events-per-day", "7", "--out", "b", "--json"])
        let nq = quiet.json?["events"] as? Int ?? 0, nb = busy.json?["events"] as? Int ?? 0
        #expect(nq > 0 && nb > 2 * nq, "\(nq) vs \(nb)")
    }

    /// Events and labels stored in the workspace train and score exactly as the CSV files do.
    @Test func workspaceEventsMatchCSVRoute() throws {
        let box = Sandbox()
        let gen = try box.run(["data", "generate", "payments", "--users", "120", "--days", "45", "--seed", "5", "--out", "d/pay"])
        #expect(gen.status == 0, "\(gen.stderr)")
        let ev = box.path("d/pay.events.csv"), lab = box.path("d/pay.labels.csv")
        let imp = try box.run(["data", "import-events", ev, "--name", "pay", "--json"])
        #expect(imp.status == 0, "\(imp.stderr)")
        let lines = try String(contentsOfFile: ev, encoding: .utf8).split(separator: "\n").count - 1
        #expect(imp.json?["events"] as? Int == lines && imp.json?["users"] as? Int == 120, "\(imp.stdout)")
        let labImp = try box.run(["data", "import", lab, "--name", "paylab", "--target", "default"])
        #expect(labImp.status == 0, "\(labImp.stderr)")
        let list = try box.run(["data", "list", "--json"])
        #expect(((list.json?["event_sets"] as? [[String: Any]])?.first?["name"] as? String) == "pay", "\(list.stdout)")

        let common = ["--merchants", "5", "--per-merchant", "4", "--window-days", "45", "--epochs", "2", "--seed", "7"]
        let fromCSV = try box.run(["train", "--model", "lbsf", "--events", ev, "--labels", lab, "--name", "csv"] + common)
        #expect(fromCSV.status == 0, "\(fromCSV.stderr)")
        let fromWS = try box.run(["train", "--model", "lbsf", "--events", "pay", "--labels", "paylab", "--name", "ws"] + common)
        #expect(fromWS.status == 0, "\(fromWS.stderr)")
        // Mixed: workspace events, CSV labels.
        let mixed = try box.run(["train", "--model", "lbsf", "--events", "pay", "--labels", lab, "--name", "mixed"] + common)
        #expect(mixed.status == 0, "\(mixed.stderr)")

        for (model, events, data, out) in [("csv", ev, lab, "a.csv"), ("ws", "pay", "paylab", "b.csv"), ("mixed", "pay", lab, "c.csv"),
                                           ("csv", "pay", lab, "d.csv")] {
            let r = try box.run(["score", "--model", model, "--data", data, "--events", events, "--out", box.path(out)])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let a = try String(contentsOfFile: box.path("a.csv"), encoding: .utf8)
        #expect(a.split(separator: "\n").count == 121)
        for other in ["b.csv", "c.csv", "d.csv"] {
            #expect(try String(contentsOfFile: box.path(other), encoding: .utf8) == a, "\(other) differs from the CSV route")
        }
        let eval = try box.run(["evaluate", "--model", "ws", "--data", "paylab", "--events", "pay", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let unknown = try box.run(["score", "--model", "ws", "--data", lab, "--events", "nosuchset"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no event set named 'nosuchset'") && unknown.stderr.contains("pay"), "\(unknown.stderr)")
        let dup = try box.run(["data", "import-events", ev, "--name", "pay"])
        #expect(dup.status == 1 && dup.stderr.contains("already exists"), "\(dup.stderr)")
    }

    /// Every bad event names file, line and column, and leaves the workspace byte for byte as it was.
    @Test func importEventsRejectsBadInputAndWritesNothing() throws {
        let box = Sandbox()
        let header = "user_id,merchant_id,timestamp,amount,category,description\n"
        let good = box.write("good.csv", header + "1,2,1700000000,5.00,grocery,milk\n2,3,2024-01-02T10:00:00Z,7.5,small_loan,loan quick\n")
        let ok = try box.run(["data", "import-events", good, "--name", "good"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let before = box.workspaceBytes()
        #expect(before != nil)
        let cases: [(String, String)] = [
            ("2,3,not-a-time,5.0,grocery,milk", "line 3, column 'timestamp'"),
            ("2,3,2024-02-30T10:00:00Z,5.0,grocery,milk", "line 3, column 'timestamp'"),
            ("2,3,-86400,5.0,grocery,milk", "line 3, column 'timestamp': '-86400' is out of range"),
            ("2,3,5000000000,5.0,grocery,milk", "line 3, column 'timestamp': '5000000000' is out of range"),
            ("2,3,1700000000,-5.0,grocery,milk", "line 3, column 'amount': negative amount"),
            ("2,3,1700000000,nan,grocery,milk", "line 3, column 'amount'"),
            (",3,1700000000,5.0,grocery,milk", "line 3, column 'user_id': the user id is missing"),
            ("2,,1700000000,5.0,grocery,milk", "line 3, column 'merchant_id': the merchant id is missing"),
            ("-2,3,1700000000,5.0,grocery,milk", "line 3, column 'user_id': negative id"),
            ("2,3,1700000000,5.0,grocery", "line 3, column '': 5 fields, the header has 6"),
            ("2,3,1700000000,5.0,casino,milk", "line 3, column 'category': unknown category"),
        ]
        for (k, (row, message)) in cases.enumerated() {
            let f = box.write("bad\(k).csv", header + "1,2,1700000000,5.00,grocery,milk\n" + row + "\n")
            let r = try box.run(["data", "import-events", f, "--name", "bad\(k)"])
            #expect(r.status == 1, "\(row): \(r.stderr)")
            #expect(r.stderr.contains("bad\(k).csv: \(message)"), "\(row): \(r.stderr)")
            #expect(box.workspaceBytes() == before, "\(row): the workspace changed")
        }
        // A bad file on a fresh sandbox creates no workspace at all.
        let fresh = Sandbox()
        let f = fresh.write("bad.csv", header + "1,2,yesterday,5.00,grocery,milk\n")
        let r = try fresh.run(["data", "import-events", f, "--name", "x"])
        #expect(r.status == 1 && fresh.workspaceBytes() == nil, "\(r.stderr)")
        // A name that --events would read as a path is refused.
        let pathName = try box.run(["data", "import-events", good, "--name", "events.csv"])
        #expect(pathName.status == 2 && pathName.stderr.contains("looks like a file path"), "\(pathName.stderr)")
        // A taken name opens the workspace but writes nothing.
        let again = try box.run(["data", "import-events", good, "--name", "good"])
        #expect(again.status == 1 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(box.workspaceBytes() == before)
    }
}
