// LBSF evaluation bench: folded vs flat vs GBDT on aggregates, 45/90/180-day windows, ablations.
// Usage: obligor-lbsf-bench [--users N] [--seeds 1,2,3] [--epochs E] [--events-per-day R] [--test-share F]
//                            [--models folded,flat,gbdt,w90,w45,nodesc,notime,nocross] | --scale N
//   --events-per-day: the generator's median user activity (PaymentGeneratorSpec.eventsPerDay, default 1.5);
//   --test-share: share of users held out for testing (default 0.3); --models: which rows to run (default all).
// Prints a Markdown report on stdout (bench/lbsf/run.sh writes it to Reports/lbsf.md); progress on stderr.
import Foundation
import ObligorBoosting
import ObligorData
import ObligorSequences

func arg(_ name: String, _ d: String) -> String {
    let a = CommandLine.arguments
    if let i = a.firstIndex(of: name), i + 1 < a.count { return a[i + 1] }
    return d
}
func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

let users = Int(arg("--users", "3000"))!
let seeds = arg("--seeds", "1,2,3").split(separator: ",").map { UInt64($0)! }
let epochs = Int(arg("--epochs", "6"))!
let validationFraction = Double(arg("--validation", "0.15"))!
let k = Int(arg("--merchants", "16"))!, l = Int(arg("--per-merchant", "16"))!
let eventsPerDay = Double(arg("--events-per-day", "1.5"))!
let testShare = Double(arg("--test-share", "0.3"))!
let allModels = ["folded", "flat", "gbdt", "w90", "w45", "nodesc", "notime", "nocross"]
let models = arg("--models", allModels.joined(separator: ",")).split(separator: ",").map(String.init)
guard users >= 10, !seeds.isEmpty, epochs >= 1, eventsPerDay > 0, testShare > 0 && testShare < 1,
      models.allSatisfy(allModels.contains), models.first == "folded" else {
    log("bad arguments: need --users ≥ 10, --epochs ≥ 1, --events-per-day > 0, --test-share in (0, 1), --models from \(allModels) starting with folded")
    exit(2)
}
func spec(_ seed: UInt64, users n: Int) -> PaymentGeneratorSpec {
    var s = PaymentGeneratorSpec(users: n, days: 180, seed: seed)
    s.eventsPerDay = eventsPerDay
    return s
}

func peakRSSMiB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kb / 1024
}

// --scale N: throughput and peak memory at N users (one seed, one training epoch, then scoring every user).
if let scale = Int(arg("--scale", "")) {
    var t0 = Date()
    let data = try PaymentGenerator.generate(spec(1, users: scale))
    let genS = Date().timeIntervalSince(t0)
    t0 = Date()
    let byUser = LBSFInputs.index(data.events)
    let ids = Array(0..<scale)
    let spec = FoldingSpec(merchants: k, perMerchant: l, windowDays: 180)
    let enc = LBSFInputs.encode(users: ids, byUser: byUser, end: data.end, spec: spec, fields: FieldSet(), variant: .folded)
    let encS = Date().timeIntervalSince(t0)
    var cfg = LBSFNetworkConfig(); cfg.epochs = 1; cfg.positiveWeight = 4
    var net = LBSFNetwork(config: cfg)
    t0 = Date()
    net.train(enc, labels: ids.map { data.labels[$0]! })
    let trainS = Date().timeIntervalSince(t0)
    t0 = Date()
    let p = net.predict(enc)
    let scoreS = Date().timeIntervalSince(t0)
    let folded = enc.map(\.eventCount).reduce(0, +)
    print("| users | raw events | folded events | generate s | fold+encode s | train events/s (1 epoch) | scoring users/s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    print(String(format: "| %d | %d | %d | %.1f | %.1f | %.0f | %.0f | %.0f |", scale, data.events.count, folded, genS, encS,
                 Double(folded) / trainS, Double(p.count) / scoreS, peakRSSMiB()))
    exit(0)
}

struct Cell { var auc: [Double] = []; var ks: [Double] = []; var secs: [Double] = []; var events: [Int] = [] }
var table: [String: Cell] = [:]
/// Per seed: median and mean events per user (180 d), median days reached back by the flat window and by the folded tensor, test defaults.
var coverage: [(median: Double, mean: Double, flatDays: Double, foldDays: Double, testDefaults: Double)] = []
var order: [String] = []
@MainActor func record(_ key: String, _ auc: Double, _ ks: Double, _ secs: Double, _ events: Int) {
    if table[key] == nil { order.append(key); table[key] = Cell() }
    table[key]!.auc.append(auc); table[key]!.ks.append(ks); table[key]!.secs.append(secs); table[key]!.events.append(events)
}

for seed in seeds {
    let data = try PaymentGenerator.generate(spec(seed, users: users))
    let byUser = LBSFInputs.index(data.events)
    let ids = Array(0..<users)
    // Fixed split by a seeded shuffle: (1 − test share) train, test share test.
    var perm = ids
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    for i in stride(from: perm.count - 1, to: 0, by: -1) {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        perm.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
    }
    let nTrain = users - Int((Double(users) * testShare).rounded())
    let train = Array(perm[..<nTrain]), test = Array(perm[nTrain...])
    let ytr = train.map { data.labels[$0]! }, yte = test.map { data.labels[$0]! }
    log("seed \(seed): \(data.events.count) events, default rate \(String(format: "%.3f", data.defaultRate))")
    // How much of each history the flat window (last K·L events) and the folded tensor reach back: days before the end.
    var flatSpan: [Double] = [], foldSpan: [Double] = [], perUser: [Double] = []
    let foldSpec = FoldingSpec(merchants: k, perMerchant: l, windowDays: 180)
    for u in ids {
        let w = Folding.window(byUser[u] ?? [], end: data.end, days: 180)
        perUser.append(Double(w.count))
        func span(_ f: FoldedUser) -> Double {
            let oldest = f.groups.flatMap { $0.map(\.timestamp) }.min() ?? data.end
            return Double(data.end - oldest) / 86400
        }
        flatSpan.append(span(Folding.flat(user: u, events: w, n: foldSpec.flatLength)))
        foldSpan.append(span(Folding.fold(user: u, events: w, spec: foldSpec)))
    }
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.isEmpty ? .nan : (s[(s.count - 1) / 2] + s[s.count / 2]) / 2 }
    coverage.append((median(perUser), perUser.reduce(0, +) / Double(max(1, perUser.count)), median(flatSpan), median(foldSpan),
                     Double(yte.reduce(0, +))))

    func runNet(_ key: String, variant: LBSFVariant, window: Int, fields: FieldSet = FieldSet(), cross: Bool = true) {
        let spec = FoldingSpec(merchants: k, perMerchant: l, windowDays: window)
        let tr = LBSFInputs.encode(users: train, byUser: byUser, end: data.end, spec: spec, fields: fields, variant: variant)
        let te = LBSFInputs.encode(users: test, byUser: byUser, end: data.end, spec: spec, fields: fields, variant: variant)
        var cfg = LBSFNetworkConfig()
        cfg.epochs = epochs; cfg.seed = seed; cfg.crossMerchant = cross && variant == .folded
        cfg.positiveWeight = 4
        cfg.validationFraction = validationFraction
        var net = LBSFNetwork(config: cfg)
        let t0 = Date()
        net.train(tr, labels: ytr)
        let secs = Date().timeIntervalSince(t0)
        let events = tr.map(\.eventCount).reduce(0, +) * epochs
        let p = net.predict(te)
        let auc = SequenceMetrics.auc(p, yte), ks = SequenceMetrics.ks(p, yte)
        log("  \(key): AUC \(String(format: "%.4f", auc)) KS \(String(format: "%.4f", ks)) (\(String(format: "%.1f", secs)) s)")
        record(key, auc, ks, secs, events)
    }
    func runGBDT(_ key: String, window: Int) throws {
        let names = AggregateFeatures.names
        func frame(_ us: [Int]) throws -> Frame {
            let rows = us.map { AggregateFeatures.compute(byUser[$0] ?? [], end: data.end, windowDays: window) }
            return try Frame(names.indices.map { j in Column(name: names[j], values: .double(rows.map { $0[j] })) })
        }
        var p = BoostingParameters()
        p.numIterations = 200; p.learningRate = 0.05; p.numLeaves = 15; p.minDataInLeaf = 20; p.seed = seed
        let t0 = Date()
        let model = try BoostingTrainer.train(frame: try frame(train), labels: ytr, features: names, parameters: p)
        let secs = Date().timeIntervalSince(t0)
        let pd = try model.predictPD(try frame(test))
        let auc = SequenceMetrics.auc(pd, yte), ks = SequenceMetrics.ks(pd, yte)
        log("  \(key): AUC \(String(format: "%.4f", auc)) KS \(String(format: "%.4f", ks))")
        record(key, auc, ks, secs, 0)
    }
    for m in models {
        switch m {
        case "folded": runNet("folded, 180 d", variant: .folded, window: 180)
        case "flat": runNet("flat (last \(k * l)), 180 d", variant: .flat, window: 180)
        case "gbdt": try runGBDT("GBDT on aggregates, 180 d", window: 180)
        case "w90": runNet("folded, 90 d", variant: .folded, window: 90)
        case "w45": runNet("folded, 45 d", variant: .folded, window: 45)
        case "nodesc": runNet("folded, no description, 180 d", variant: .folded, window: 180, fields: FieldSet(description: false, time: true))
        case "notime": runNet("folded, no time fields, 180 d", variant: .folded, window: 180, fields: FieldSet(description: true, time: false))
        default: runNet("folded, no cross-merchant layer, 180 d", variant: .folded, window: 180, cross: false)
        }
    }
}

func ms(_ v: [Double]) -> String {
    let m = v.reduce(0, +) / Double(v.count)
    let sd = v.count > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
    return String(format: "%.3f ± %.3f", m, sd)
}
print("| model | AUC (mean ± sd) | KS (mean ± sd) | train s (mean) | train events/s |")
print("|---|---|---|---|---|")
for key in order {
    let c = table[key]!
    let s = c.secs.reduce(0, +) / Double(c.secs.count)
    let eps = c.events.reduce(0, +) > 0 ? String(format: "%.0f", Double(c.events.reduce(0, +)) / c.secs.reduce(0, +)) : "–"
    print("| \(key) | \(ms(c.auc)) | \(ms(c.ks)) | \(String(format: "%.1f", s)) | \(eps) |")
}
print("")
let testPct = Int((testShare * 100).rounded())
print("users \(users) (\(100 - testPct) % train / \(testPct) % test split per seed), median activity \(eventsPerDay) events/day, seeds \(seeds.map(String.init).joined(separator: ",")), up to \(epochs) epochs with early stopping on a \(Int(validationFraction * 100)) % hold-out of the training users, K \(k), L \(l)")
print("")
func avg(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(1, v.count)) }
print(String(format: "Histories (180 d, mean over seeds): %.0f events per user (median %.0f); the flat window (last %d events) reaches back a median %.0f days, the folded tensor (K %d × L %d) %.0f days; %.0f defaults per test set.",
             avg(coverage.map(\.mean)), avg(coverage.map(\.median)), k * l, avg(coverage.map(\.flatDays)), k, l, avg(coverage.map(\.foldDays)),
             avg(coverage.map(\.testDefaults))))
print("")
print("Paired differences against \"folded, 180 d\" on the same seed (positive: the folded 180-day model is better):")
print("")
print("| model | ΔAUC (mean ± sd) | ΔKS (mean ± sd) | seeds with ΔAUC > 0 |")
print("|---|---|---|---|")
if let ref = table[order.first ?? ""] {
    for key in order.dropFirst() {
        let c = table[key]!
        let da = zip(ref.auc, c.auc).map { $0 - $1 }, dk = zip(ref.ks, c.ks).map { $0 - $1 }
        print("| \(key) | \(ms(da)) | \(ms(dk)) | \(da.filter { $0 > 0 }.count) of \(da.count) |")
    }
}
