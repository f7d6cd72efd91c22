import ArgumentParser
import Foundation
import ObligorData
import ObligorSequences

/// `obligor data generate payments`: synthetic merchant payment sequences with a known risk signal (LBSF).
struct DataGeneratePayments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Write synthetic payment events and default labels (PREFIX.events.csv, PREFIX.labels.csv).",
        discussion: """
        Zipf merchant popularity, habitual merchants per user, daily and weekly cycles, bursts, log-normal \
        amounts with round-number spikes, and a 2-8 % default rate driven by a latent stress whose footprint \
        builds up over the window at specific merchants (small-loan and cash-transfer share, grocery \
        down-trading, late-night gambling, irregular utilities), partly only in description text \
        ('installment') or time of day. See Sources/ObligorSequences/README.md. The same seed writes the same bytes.
        """)

    @Option(help: "Number of users.") var users: Int = 1000
    @Option(help: "Window length in days, ending at 2024-07-01T00:00:00Z.") var days: Int = 180
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Merchant catalogue size (default clamp(2*users, 200, 50000)).") var merchants: Int?
    @Option(help: "Output prefix: writes PREFIX.events.csv and PREFIX.labels.csv.") var out: String = "payments"
    @Flag(help: "JSON summary on stdout.") var json = false

    var spec: PaymentGeneratorSpec {
        var s = PaymentGeneratorSpec(users: users, days: days, seed: seed)
        s.merchants = merchants
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
