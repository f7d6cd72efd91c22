import Foundation
import ObligorNeural
import ObligorNumerics
@testable import ObligorSequences
import ObligorData
import ObligorModels
import Testing

@Suite("Payment generator")
struct PaymentGeneratorTests {
    static let data: PaymentData = try! PaymentGenerator.generate(PaymentGeneratorSpec(users: 600, days: 180, seed: 7))

    @Test func deterministicBySeed() throws {
        let a = try PaymentGenerator.generate(PaymentGeneratorSpec(users: 40, days: 60, seed: 3))
        let b = try PaymentGenerator.generate(PaymentGeneratorSpec(users: 40, days: 60, seed: 3))
        let c = try PaymentGenerator.generate(PaymentGeneratorSpec(users: 40, days: 60, seed: 4))
        #expect(PaymentCSV.eventsCSV(a.events) == PaymentCSV.eventsCSV(b.events))
        #expect(a.labels == b.labels)
        #expect(PaymentCSV.eventsCSV(a.events) != PaymentCSV.eventsCSV(c.events))
    }

    /// Default rate in 2–8 %: with 600 users the binomial sd at 5 % is 0.9 %, the bounds are ≥ 3 sd out.
    @Test func properties() {
        let d = Self.data
        #expect(d.defaultRate > 0.02 && d.defaultRate < 0.08, "default rate \(d.defaultRate)")
        let start = d.end - 180 * 86400
        #expect(d.events.allSatisfy { $0.timestamp >= start && $0.timestamp < d.end && $0.amount >= 0 })
        // Per user: time order, heavy-tailed merchant counts (a top merchant far above the median one).
        let users = Folding.byUser(d.events)
        #expect(users.count > 590)
        var topShare: [Double] = []
        for (_, ev) in users {
            #expect(zip(ev, ev.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
            var counts: [Int: Int] = [:]
            for e in ev { counts[e.merchant, default: 0] += 1 }
            topShare.append(Double(counts.values.max()!) / Double(ev.count))
        }
        let meanTop = topShare.reduce(0, +) / Double(topShare.count)
        #expect(meanTop > 0.08, "top merchant share \(meanTop)")
        // Zipf popularity: the most popular merchant has far more events than the 50th.
        var pop: [Int: Int] = [:]
        for e in d.events { pop[e.merchant, default: 0] += 1 }
        let sorted = pop.values.sorted(by: >)
        #expect(sorted[0] > 5 * sorted[min(49, sorted.count - 1)])
        // Round-number spikes: far more amounts at multiples of 10 than the 1 % a continuous law gives.
        let round = d.events.filter { $0.amount >= 10 && $0.amount.truncatingRemainder(dividingBy: 10) == 0 }.count
        #expect(Double(round) / Double(d.events.count) > 0.05)
        // Weekly cycle: weekend days are busier than weekdays per day.
        var byWeekday = [Int](repeating: 0, count: 7)
        for e in d.events { byWeekday[Int(((e.timestamp / 86400) + 3) % 7)] += 1 }
        #expect(Double(byWeekday[5] + byWeekday[6]) / 2 > 1.1 * Double(byWeekday[0...4].reduce(0, +)) / 5)
    }

    /// Description-only signal: the "installment" token is more frequent among defaulters.
    @Test func descriptionSignal() {
        let d = Self.data
        var tok = [0.0, 0.0], n = [0.0, 0.0]
        for e in d.events { let y = d.labels[e.user]!; n[y] += 1; if e.description.contains("installment") { tok[y] += 1 } }
        #expect(tok[1] / n[1] > 1.5 * tok[0] / n[0])
    }

    @Test func badSpec() {
        #expect(throws: SequenceError.self) { try PaymentGenerator.generate(PaymentGeneratorSpec(users: 0)) }
        #expect(throws: SequenceError.self) { try PaymentGenerator.generate(PaymentGeneratorSpec(users: 5, days: -1)) }
    }
}

@Suite("Payment CSV")
struct PaymentCSVTests {
    @Test func roundTrip() throws {
        let d = try PaymentGenerator.generate(PaymentGeneratorSpec(users: 10, days: 30, seed: 2))
        let back = try PaymentCSV.parseEvents(PaymentCSV.eventsCSV(d.events), file: "e.csv")
        #expect(back.count == d.events.count)
        #expect(zip(back, d.events).allSatisfy { $0.user == $1.user && $0.merchant == $1.merchant && $0.timestamp == $1.timestamp && abs($0.amount - $1.amount) < 0.006 && $0.category == $1.category })
        #expect(try PaymentCSV.parseLabels(PaymentCSV.labelsCSV(d.labels), file: "l.csv") == d.labels)
    }

    @Test func isoTimestamps() {
        #expect(PaymentCSV.parseTimestamp("2024-07-01T00:00:00Z") == 1_719_792_000)
        #expect(PaymentCSV.parseTimestamp("1970-01-01 00:00:01") == 1)
        #expect(PaymentCSV.parseTimestamp("2023-02-29T00:00:00Z") == nil)
        #expect(PaymentCSV.parseTimestamp("2024-13-01T00:00:00Z") == nil)
    }

    @Test func errorsNameFileLineColumn() {
        let h = PaymentCSV.eventHeader + "\n"
        func err(_ body: String) -> String {
            do { _ = try PaymentCSV.parseEvents(h + body, file: "ev.csv"); return "" } catch { return "\(error)" }
        }
        #expect(err("1,2,3,4.0,grocery,milk\n1,2,yesterday,4.0,grocery,milk\n") == "ev.csv: line 3, column 'timestamp': 'yesterday' is not a timestamp (epoch seconds or YYYY-MM-DDTHH:MM:SSZ)")
        #expect(err("1,2,3,-4.0,grocery,milk\n").hasPrefix("ev.csv: line 2, column 'amount': negative amount"))
        #expect(err("-1,2,3,4.0,grocery,milk\n").hasPrefix("ev.csv: line 2, column 'user_id'"))
        #expect(err("1,2,3,4.0,shoes,milk\n").hasPrefix("ev.csv: line 2, column 'category'"))
        #expect(err("1,2,3,4.0\n").hasPrefix("ev.csv: line 2"))
        do { _ = try PaymentCSV.parseLabels("user_id,default\n1,0\n2,-1\n", file: "lab.csv"); Issue.record("no error") } catch {
            #expect("\(error)" == "lab.csv: line 3, column 'default': '-1' is not 0 or 1")
        }
    }
}

@Suite("Folding and encoding")
struct FoldingTests {
    func ev(_ m: Int, _ t: Int64) -> PaymentEvent { PaymentEvent(user: 1, merchant: m, timestamp: t, amount: 10, category: 0, description: "a b") }

    @Test func invariants() throws {
        let d = try PaymentGenerator.generate(PaymentGeneratorSpec(users: 50, days: 90, seed: 5))
        let spec = FoldingSpec(merchants: 5, perMerchant: 4, windowDays: 45)
        for (u, all) in Folding.byUser(d.events) {
            let w = Folding.window(all, end: d.end, days: 45)
            let f = Folding.fold(user: u, events: w, spec: spec)
            #expect(f.merchants.count <= 5 && f.merchants.count == min(5, Set(w.map(\.merchant)).count))
            #expect(Set(f.merchants).count == f.merchants.count)
            var counts: [Int: Int] = [:]
            for e in w { counts[e.merchant, default: 0] += 1 }
            for (k, g) in f.groups.enumerated() {
                #expect(g.count == min(4, counts[f.merchants[k]]!))
                #expect(g.allSatisfy { $0.merchant == f.merchants[k] })
                #expect(zip(g, g.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
                // the last L: nothing of this merchant after the group's first kept event is dropped
                let later = w.filter { $0.merchant == f.merchants[k] && $0.timestamp > g.last!.timestamp }
                #expect(later.isEmpty)
            }
            // ranking by count: kept merchants have counts ≥ any dropped merchant's
            let keptMin = f.merchants.map { counts[$0]! }.min() ?? 0
            #expect(counts.filter { !f.merchants.contains($0.key) }.allSatisfy { $0.value <= keptMin })
        }
    }

    @Test func rankingAndTies() {
        let events = [ev(1, 10), ev(2, 20), ev(2, 30), ev(3, 40), ev(1, 50), ev(1, 60)]
        let byCount = Folding.fold(user: 1, events: events, spec: FoldingSpec(merchants: 2, perMerchant: 2, ranking: .count))
        #expect(byCount.merchants == [1, 2])
        #expect(byCount.groups[0].map(\.timestamp) == [50, 60])
        let byRecency = Folding.fold(user: 1, events: events, spec: FoldingSpec(merchants: 2, perMerchant: 5, ranking: .recency))
        #expect(byRecency.merchants == [1, 3])
        #expect(byRecency.groups[0].map(\.timestamp) == [10, 50, 60])
        #expect(Folding.flat(user: 1, events: events, n: 3).groups[0].map(\.timestamp) == [40, 50, 60])
        #expect(Folding.window(events, end: 60, days: 1).count == 5)
    }

    @Test func encoding() {
        #expect(EventEncoder.amountBucket(0) == 0 && EventEncoder.amountBucket(1e9) == 31)
        #expect(EventEncoder.gapBucket(nil) == 0 && EventEncoder.gapBucket(0) == 1 && EventEncoder.gapBucket(3600) == 2)
        let f = FoldedUser(user: 1, merchants: [1, 2], groups: [[ev(1, 0), ev(1, 7200)], [ev(2, 100)]])
        let (bag, groups) = EventEncoder.encode(f, end: 86400, fields: FieldSet())
        #expect(groups == [0, 2, 3] && bag.rows == 3)
        #expect(bag.ids.allSatisfy { $0 >= 0 && Int($0) < EventEncoder.vocabulary })
        // 3 base fields + 4 time fields + 2 tokens of weight 1/2
        #expect(bag.offsets[1] - bag.offsets[0] == 9)
        let (noText, _) = EventEncoder.encode(f, end: 86400, fields: FieldSet(description: false, time: false))
        #expect(noText.offsets[1] == 3)
    }
}

@Suite("LBSF network")
struct LBSFNetworkTests {
    static func tinyUsers(_ seed: UInt64, n: Int) -> ([EncodedUser], [Int]) {
        let d = try! PaymentGenerator.generate(PaymentGeneratorSpec(users: n, days: 30, seed: seed))
        let spec = FoldingSpec(merchants: 4, perMerchant: 3, windowDays: 30)
        var us: [EncodedUser] = [], ys: [Int] = []
        for (u, ev) in Folding.byUser(d.events) {
            let (b, g) = EventEncoder.encode(Folding.fold(user: u, events: ev, spec: spec), end: d.end, fields: FieldSet())
            us.append(EncodedUser(bag: b, groups: g)); ys.append(d.labels[u]!)
        }
        return (us, ys)
    }

    /// Whole-network gradient against central differences on every parameter (tolerance as in the layer tests).
    @Test(arguments: [true, false]) func gradientCheck(_ cross: Bool) {
        var cfg = LBSFNetworkConfig()
        cfg.dimension = 3; cfg.attention = 2; cfg.crossMerchant = cross; cfg.l2 = 0.01; cfg.positiveWeight = 3
        let net = LBSFNetwork(config: cfg, vocabulary: EventEncoder.vocabulary)
        let (users, labels) = Self.tinyUsers(2, n: 3)
        var ys = labels; ys[0] = 1
        let rows = Array(users.indices)
        let (_, g) = net.lossAndGradient(users, labels: ys, rows: rows, at: net.theta)
        // only check the table rows that are used (the rest are exactly 0 both ways); others fully
        var theta = net.theta
        let used = Set(users.flatMap { $0.bag.ids.map(Int.init) })
        var analytic: [[Double]] = [], numeric: [[Double]] = []
        let h = 1e-5
        for k in theta.indices {
            var a: [Double] = [], nn: [Double] = []
            for j in theta[k].indices where k != 0 || used.contains(j / cfg.dimension) {
                let old = theta[k][j]
                theta[k][j] = old + h; let fp = net.lossAndGradient(users, labels: ys, rows: rows, at: theta).0
                theta[k][j] = old - h; let fm = net.lossAndGradient(users, labels: ys, rows: rows, at: theta).0
                theta[k][j] = old
                a.append(g[k][j]); nn.append((fp - fm) / (2 * h))
            }
            analytic.append(a); numeric.append(nn)
        }
        var worst = 0.0
        for k in analytic.indices { for j in analytic[k].indices { worst = max(worst, abs(analytic[k][j] - numeric[k][j]) / max(1, abs(numeric[k][j]))) } }
        #expect(worst < 1e-6, "worst \(worst)")
        // Without the cross-merchant layer its weights get only the L2 gradient λθ.
        if !cross { for k in 6...8 { #expect(zip(g[k], net.theta[k]).allSatisfy { abs($0 - 0.01 * $1) < 1e-15 }) } }
    }

    /// A learnable problem: label = whether the user ever paid a small-loan merchant late at night.
    /// A working network drives training AUC well above 0.9; a broken gradient stays near 0.5.
    @Test func learnsSyntheticRule() {
        let rng = RandomSource(seed: 11)
        var users: [EncodedUser] = [], ys: [Int] = []
        for u in 0..<200 {
            var evs: [PaymentEvent] = []
            let y = u % 2
            for i in 0..<12 {
                let m = rng.integer(below: 6)
                var hour = 9 + rng.integer(below: 10), cat = m % 5
                if y == 1 && i == 5 { hour = 1; cat = PaymentCategory.smallLoan.index }
                if y == 0 && i == 5 && rng.uniform() < 0.5 { cat = PaymentCategory.smallLoan.index }  // loan by day: harmless
                evs.append(PaymentEvent(user: u, merchant: m, timestamp: Int64(i * 86400 + hour * 3600), amount: 20, category: cat, description: "x"))
            }
            let f = Folding.fold(user: u, events: evs, spec: FoldingSpec(merchants: 6, perMerchant: 6))
            let (b, g) = EventEncoder.encode(f, end: 20 * 86400, fields: FieldSet())
            users.append(EncodedUser(bag: b, groups: g)); ys.append(y)
        }
        var cfg = LBSFNetworkConfig()
        cfg.dimension = 8; cfg.attention = 4; cfg.epochs = 25; cfg.batchSize = 16; cfg.learningRate = 0.02
        var net = LBSFNetwork(config: cfg)
        let hist = net.train(users, labels: ys)
        #expect(hist.last! < hist.first!)
        let auc = SequenceMetrics.auc(net.predict(users), ys)
        #expect(auc > 0.9, "AUC \(auc)")
    }

    /// Early stopping keeps the parameters of the epoch with the lowest hold-out loss: re-training the same
    /// seed for exactly bestEpoch + 1 epochs without stopping reproduces them bit for bit.
    @Test func earlyStoppingKeepsBestEpoch() {
        let (users, ys) = Self.tinyUsers(4, n: 160)
        var cfg = LBSFNetworkConfig()
        cfg.dimension = 4; cfg.attention = 2; cfg.epochs = 6; cfg.learningRate = 0.05; cfg.validationFraction = 0.25
        var net = LBSFNetwork(config: cfg)
        net.train(users, labels: ys)
        let best = try! #require(net.bestEpoch)
        #expect(best >= 0 && best < 6)
        var cfg2 = cfg; cfg2.epochs = best + 1
        var again = LBSFNetwork(config: cfg2)
        again.train(users, labels: ys)
        #expect(again.theta == net.theta)
    }
}

@Suite("LBSF model")
struct LBSFModelTests {
    @Test func scorerRoundTripAndExplanations() throws {
        let d = try PaymentGenerator.generate(PaymentGeneratorSpec(users: 120, days: 60, seed: 9))
        var labels = d.labels
        labels[0] = 1; labels[1] = 0
        var cfg = LBSFNetworkConfig(); cfg.epochs = 2; cfg.dimension = 8; cfg.attention = 4
        let m = try LBSFModel.train(events: d.events, labels: labels, folding: FoldingSpec(merchants: 6, perMerchant: 5, windowDays: 60), config: cfg, end: d.end)
        #expect(m.trainUsers == 120 && m.lossHistory.count == 2)
        let json = try JSONEncoder().encode(m)
        let back = try JSONDecoder().decode(LBSFModel.self, from: json).bind(events: d.events)
        let frame = try Frame([Column(name: "user_id", values: .int([0, 5, 7]))])
        let p = try back.predictPD(frame)
        let direct = m.bind(events: d.events).predictPD(users: [0, 5, 7])
        #expect(p == direct)
        #expect(p.allSatisfy { $0 > 0 && $0 < 1 })
        let att = back.merchantAttention(user: 5)
        #expect(!att.isEmpty && att.count <= 6 && abs(att.map(\.weight).reduce(0, +) - 1) < 1e-9)
        #expect(throws: ModelError.self) { try back.predictPD(try Frame([Column(name: "id", values: .int([0]))])) }
        let codes = try back.reasonCodes(frame, top: 3)
        #expect(codes.count == 3 && codes[1].count == min(3, att.count))
        #expect(codes[1].first?.feature == "merchant:\(att[0].merchant)" && codes[1].first?.impact == att[0].weight)
    }
}
