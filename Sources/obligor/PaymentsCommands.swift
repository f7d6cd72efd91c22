import ArgumentParser
import Foundation
import ObligorCatalog
import ObligorData
import ObligorMetrics
import ObligorModels
import ObligorSequences
import ObligorStore

/// `obligor data generate payments`: synthetic merchant payment sequences with a known risk signal (LBSF).
struct DataGeneratePayments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Write synthetic payment events and default labels.",
        discussion: """
        Writes PREFIX.events.csv and PREFIX.labels.csv.

        Zipf merchant popularity, habitual merchants per user, daily and weekly cycles, bursts, log-normal amounts \
        with round-number spikes, and a 2-8 % default rate driven by a latent stress whose footprint builds up over \
        the window at specific merchants (small-loan and cash-transfer share, grocery down-trading, late-night \
        gambling, irregular utilities), partly only in description text ('installment') or time of day.

        See Sources/ObligorSequences/README.md. The same seed writes the same bytes.
        """)

    @Option(help: "Number of users.") var users: Int = 1000
    @Option(help: "Window length in days, ending at 2024-07-01T00:00:00Z.") var days: Int = 180
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Merchant catalogue size (default clamp(2*users, 200, 50000)).") var merchants: Int?
    @Option(name: .customLong("events-per-day"), help: "Median events per user per day (user activity, log-normal across users).") var eventsPerDay: Double = 1.5
    @Option(help: "Output prefix: writes PREFIX.events.csv and PREFIX.labels.csv.") var out: String = "payments"
    @Flag(help: "JSON summary on stdout.") var json = false

    var spec: PaymentGeneratorSpec {
        var s = PaymentGeneratorSpec(users: users, days: days, seed: seed)
        s.merchants = merchants
        s.eventsPerDay = eventsPerDay
        return s
    }

    func validate() throws {
        do { try spec.validate() } catch { throw ValidationError("\(error)") }
        if out.isEmpty || out.hasSuffix("/") { throw ValidationError("--out is a file prefix (PREFIX.events.csv, PREFIX.labels.csv), got '\(out)'") }
    }

    func run() throws {
        let t0 = Date()
        let data: PaymentData
        do { data = try PaymentGenerator.generate(spec) } catch let e as SequenceError { throw InputError(e.description) }
        let dir = URL(fileURLWithPath: out).deletingLastPathComponent().path
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        try CSVWriter.writeAtomically(PaymentCSV.eventsCSV(data.events), to: out + ".events.csv")
        try CSVWriter.writeAtomically(PaymentCSV.labelsCSV(data.labels), to: out + ".labels.csv")
        let secs = Date().timeIntervalSince(t0)
        note("wrote \(data.events.count) events of \(users) users (default rate \(String(format: "%.2f", 100 * data.defaultRate)) %) to \(out).events.csv, \(out).labels.csv in \(String(format: "%.1f", secs)) s")
        if json {
            try printJSON(["events": data.events.count, "users": users, "default_rate": data.defaultRate, "events_file": out + ".events.csv",
                           "labels_file": out + ".labels.csv", "seed": Int(seed)])
        }
    }
}

/// `obligor data import-events`: payment events (LBSF inputs) from CSV into the workspace, all or nothing.
struct DataImportEvents: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-events",
        abstract: "Import payment events as a named event set, all or nothing.",
        discussion: """
        The CSV has the columns user_id, merchant_id, timestamp, amount, category, description. It is read and \
        checked completely before the workspace is touched; a bad file leaves the workspace exactly as it was. \
        Events keep the file's order.

        Errors name the file, line and column: a missing or non-integer id, a negative id or amount, a timestamp \
        that is neither epoch seconds nor YYYY-MM-DDTHH:MM:SSZ or lies outside 1970-2099, an unknown category, a \
        quote in a description, a row with the wrong number of fields.

        Use the set by name: `obligor train --model lbsf --events NAME`, and --events NAME in score, explain and \
        evaluate.
        """)

    @Argument(help: "Events CSV with a header row.") var file: String
    @Option(help: "Event set name in the workspace (not ending in .csv and without '/', so --events NAME cannot be read as a path).") var name: String
    @Flag(help: "Print the event set's summary as JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func validate() throws {
        if name.isEmpty { throw ValidationError("--name must not be empty") }
        if LoadedData.isPath(name) { throw ValidationError("--name '\(name)' looks like a file path (ends in .csv, contains '/', or names an existing file); --events would read it as one") }
    }

    func run() throws {
        note("reading \(file) …")
        let (events, seconds): ([PaymentEvent], Double)
        do { (events, seconds) = try timed { try PaymentCSV.readEvents(path: file) } } catch let e as SequenceError { throw InputError(e.description) }
        note("read \(events.count) events in \(fmt(seconds, 2)) s")
        let sha = try fileSHA256(file)
        let ws = try workspace.open()
        if try ws.hasPaymentEvents(name) { throw WorkspaceError.duplicateEventSet(name) }
        let categories = PaymentCategory.allCases
        let rows = events.map { e in
            StoredPaymentEvent(user: e.user, merchant: e.merchant, timestamp: e.timestamp, amount: e.amount,
                               category: categories[e.category].rawValue, description: e.description)
        }
        let (info, writeSeconds) = try timed {
            try ws.importPaymentEvents(name: name, events: rows, source: file, sourceSHA256: sha) { n in note("  stored \(n) events …") }
        }
        note("imported event set '\(name)': \(info.events) events of \(info.users) users into \(ws.path) (\(fmt(writeSeconds, 2)) s)")
        if json { try printJSON(try jsonObject(info)) }
    }
}

/// Where lbsf commands get `--events` and `--labels`: the rule of `--data`. An argument that looks like a
/// path (ends in .csv, contains '/', or names an existing file) is read as CSV; anything else names a
/// workspace event set (`data import-events`) or, for labels, a workspace dataset (`data import`) with
/// an integer `user_id` column and a 0/1 `default` column (else the dataset's target role).
enum PaymentInputs {
    /// The events, a label for messages and metadata, and the SHA-256 of the source bytes.
    static func events(_ spec: String, workspace: WorkspaceOptions) throws -> (events: [PaymentEvent], label: String, sha256: String) {
        if LoadedData.isPath(spec) {
            do {
                return (try PaymentCSV.readEvents(path: spec), spec, try fileSHA256(spec))
            } catch let e as SequenceError { throw InputError(e.description) }
        }
        let ws = try workspace.openExisting()
        let info = try ws.paymentEventSet(named: spec)
        let events = try ws.loadPaymentEvents(named: spec).enumerated().map { i, e -> PaymentEvent in
            guard let c = PaymentCategory.named(e.category) else {
                throw WorkspaceError.corrupt("event set '\(spec)', event \(i + 1): unknown category '\(e.category)'")
            }
            return PaymentEvent(user: e.user, merchant: e.merchant, timestamp: e.timestamp, amount: e.amount, category: c.index, description: e.description)
        }
        return (events, "event set '\(spec)'", info.sourceSHA256)
    }

    /// Labels by user, and the SHA-256 of the source bytes.
    static func labels(_ spec: String, workspace: WorkspaceOptions) throws -> (labels: [Int: Int], sha256: String) {
        if LoadedData.isPath(spec) {
            do {
                return (try PaymentCSV.readLabels(path: spec), try fileSHA256(spec))
            } catch let e as SequenceError { throw InputError(e.description) }
        }
        let loaded = try LoadedData.load(spec, workspace: workspace)
        guard let idColumn = loaded.frame["user_id"], let ids = idColumn.doubles(missingAs: .nan) else {
            throw InputError("dataset '\(spec)': labels need a numeric 'user_id' column (columns: \(loaded.frame.columnNames.prefix(12).joined(separator: ", ")))")
        }
        let target = loaded.frame["default"] != nil ? "default" : (loaded.roles.target ?? "default")
        let ys = try loaded.labels(target: target)
        var out: [Int: Int] = [:]
        for (i, v) in ids.enumerated() {
            guard v.isFinite, v >= 0, v == v.rounded(), v < 9e15 else {
                throw InputError("\(loaded.locate(row: i)), column 'user_id': '\(v.isNaN ? "" : String(v))' is not a non-negative integer id")
            }
            if out[Int(v)] != nil { throw InputError("\(loaded.locate(row: i)), column 'user_id': user \(Int(v)) appears twice") }
            out[Int(v)] = ys[i]
        }
        return (out, loaded.sha256)
    }
}

/// `obligor train --model lbsf` options (payment-sequence folding).
struct LBSFTrainOptions: ParsableArguments {
    @Option(help: "lbsf: payment events, a CSV path (user_id, merchant_id, timestamp, amount, category, description) or a workspace event set from data import-events (a value that ends in .csv, contains '/' or names an existing file is a path).") var events: String?
    @Option(help: "lbsf: labels, a CSV path (user_id,default) or a workspace dataset with user_id and default columns (same rule as --events).") var labels: String?
    @Option(help: "lbsf: top K merchants per user.") var merchants: Int = 16
    @Option(name: .customLong("per-merchant"), help: "lbsf: last L events per merchant.") var perMerchant: Int = 16
    @Option(name: .customLong("window-days"), help: "lbsf: days of history before the window end.") var windowDays: Int = 180
    @Option(help: "lbsf: folded (default) | flat (the last K*L events as one sequence).") var variant: String = "folded"
    @Option(help: "lbsf: merchant ranking count | recency.") var ranking: String = "count"
    @Option(help: "lbsf: training epochs.") var epochs: Int = 8

    static let configKeys: Set<String> = ["dimension", "attention", "learning_rate", "batch_size", "positive_weight", "l2", "cross_merchant", "epochs", "seed", "validation_fraction"]

    /// Checks for `--model lbsf` (not `validate()`, which ArgumentParser runs for every train invocation).
    func check() throws {
        guard events != nil, labels != nil else { throw ValidationError("--model lbsf needs --events FILE|NAME and --labels FILE|NAME") }
        guard LBSFVariant(rawValue: variant) != nil else { throw ValidationError("--variant must be folded or flat, got '\(variant)'") }
        guard MerchantRanking(rawValue: ranking) != nil else { throw ValidationError("--ranking must be count or recency, got '\(ranking)'") }
        do { try FoldingSpec(merchants: merchants, perMerchant: perMerchant, windowDays: windowDays).validate() } catch { throw ValidationError("\(error)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
    }
}

extension TrainCommand {
    func runLBSF() throws {
        let o = lbsfOptions
        let (evs, eventsLabel, eventsSHA) = try PaymentInputs.events(o.events!, workspace: workspace)
        let (labs, labelsSHA) = try PaymentInputs.labels(o.labels!, workspace: workspace)
        var cfg = LBSFNetworkConfig()
        cfg.epochs = o.epochs
        let conf = try readConfig()
        func num(_ k: String) -> Double? { (conf[k] as? NSNumber)?.doubleValue }
        if let v = num("dimension") { cfg.dimension = Int(v) }
        if let v = num("attention") { cfg.attention = Int(v) }
        if let v = num("learning_rate") { cfg.learningRate = v }
        if let v = num("batch_size") { cfg.batchSize = Int(v) }
        if let v = num("positive_weight") { cfg.positiveWeight = v }
        if let v = num("l2") { cfg.l2 = v }
        if let v = num("epochs") { cfg.epochs = Int(v) }
        if let v = conf["cross_merchant"] as? Bool { cfg.crossMerchant = v }
        if let v = num("seed") { cfg.seed = UInt64(v) }
        if let v = num("validation_fraction") { cfg.validationFraction = v }
        if let seed { cfg.seed = seed }
        let folding = FoldingSpec(merchants: o.merchants, perMerchant: o.perMerchant, windowDays: o.windowDays, ranking: MerchantRanking(rawValue: o.ranking)!)
        let unknown = Set(labs.keys).subtracting(evs.map(\.user))
        if !unknown.isEmpty { note("lbsf: \(unknown.count) labelled users have no events (scored on an empty history)") }
        note("training lbsf (\(o.variant)) on \(labs.count) users, \(evs.count) events, K \(o.merchants), L \(o.perMerchant), window \(o.windowDays) d …")
        let t0 = Date()
        let m: LBSFModel
        do {
            m = try LBSFModel.train(events: evs, labels: labs, variant: LBSFVariant(rawValue: o.variant)!, folding: folding, config: cfg) { e, l in
                note("  [epoch \(e + 1)] train loss \(fmt(l))")
            }
        } catch let e as SequenceError { throw InputError(e.description) }
        let seconds = Date().timeIntervalSince(t0)
        let users = labs.keys.sorted()
        let ys = users.map { labs[$0]! }
        let pd = m.bind(events: evs).predictPD(users: users)
        let summary = try ClassificationSummary.summarize(scores: pd, labels: ys)
        var sha = SHA256Digest()
        sha.update(Data((eventsSHA + labelsSHA).utf8))
        let any = AnyModel.lbsf(m)
        let metadata = TrainingMetadata(dataset: eventsLabel, dataSHA256: sha.finalizeHex(), target: "default", features: ["user_id"],
                                        trainingRows: users.count, defaults: ys.reduce(0, +), timeColumn: nil, timeRange: nil,
                                        hyperparameters: ["merchants": "\(o.merchants)", "per_merchant": "\(o.perMerchant)", "window_days": "\(o.windowDays)",
                                                          "variant": o.variant, "epochs": "\(cfg.epochs)", "dimension": "\(cfg.dimension)"],
                                        seed: cfg.seed, trainedAt: ISO8601DateFormatter().string(from: Date()))
        let ws = try workspace.open()
        try ws.saveModel(name: name, kind: any.kind, formatVersion: AnyModel.formatVersion, payload: any.encodedPayload(),
                         metadata: JSONEncoder().encode(metadata), replace: replace)
        try ws.recordRun(command: "train", parameters: JSONSerialization.data(withJSONObject: [
            "events": o.events!, "labels": o.labels!, "model": "lbsf", "name": name, "variant": o.variant, "seed": Int(cfg.seed),
        ] as [String: Any], options: [.sortedKeys]), seconds: seconds, metrics: JSONEncoder().encode(summary))
        note("trained in \(fmt(seconds, 2)) s (\(fmt(Double(m.trainEvents * cfg.epochs) / max(seconds, 1e-9), 0)) events/s); in-sample AUC \(fmt(summary.auc)), KS \(fmt(summary.ks))")
        if json {
            try printJSON(["model": name, "kind": "lbsf", "train_users": users.count, "defaults": ys.reduce(0, +), "train_events": m.trainEvents,
                           "seconds": seconds, "in_sample": try jsonObject(summary)] as [String: Any])
        }
    }
}

/// Prints an LBSF model's shape (model describe).
func describeLBSF(_ m: LBSFModel) {
    let c = m.network.config
    note("lbsf (\(m.variant.rawValue)): K \(m.folding.merchants) merchants by \(m.folding.ranking.rawValue), L \(m.folding.perMerchant) events each, window \(m.folding.windowDays) d; "
         + "d \(c.dimension), attention \(c.attention), cross-merchant \(c.crossMerchant); fields: description \(m.fields.description), time \(m.fields.time)")
    note("trained on \(m.trainUsers) users, \(m.trainEvents) folded events, \(m.lossHistory.count) epochs; final loss \(fmt(m.lossHistory.last ?? .nan))")
}

/// `--events FILE|NAME` for commands that score an lbsf model: the model scores users from their payment events.
struct EventsOption: ParsableArguments {
    @Option(help: "lbsf models: payment events to score the users from, a CSV path or a workspace event set (a value that ends in .csv, contains '/' or names an existing file is a path).")
    var events: String?

    /// Attaches the events to an lbsf model; any other model must not get --events.
    func bind(_ model: AnyModel, workspace: WorkspaceOptions) throws -> AnyModel {
        guard case let .lbsf(m) = model else {
            if events != nil { throw InputError("--events is for lbsf models; this model is \(model.kind)") }
            return model
        }
        guard let events else {
            if m.events.isEmpty { throw InputError("an lbsf model scores users from their payment events: pass --events FILE|NAME") }
            return model
        }
        return .lbsf(m.bind(events: try PaymentInputs.events(events, workspace: workspace).events))
    }
}
