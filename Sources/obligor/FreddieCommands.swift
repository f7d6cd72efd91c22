import ArgumentParser
import Foundation
import ObligorData
import ObligorStore

/// `obligor data import-freddie`: Freddie Mac origination + performance files → labelled datasets.
struct DataImportFreddie: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-freddie",
        abstract: "Import Freddie Mac loan-level files with default labels.",
        discussion: """
        The input is origination and monthly performance files, pipe-delimited with no header; the release (legacy, \
        Zenodo-era, current, Release 47) is detected from the field count. Sentinels (FICO 9999, LTV/CLTV/DTI/MI \
        999, units/borrowers 99, text code 9) become missing; MI 000 means no mortgage insurance and stays 0. The \
        performance file is streamed in chunks (constant memory).

        Label default_<H>m: the first credit event (delinquency ≥ 90 days, RA, or zero-balance code 02/03/09/15/16) \
        within H months of origination (the month before the first payment). Prepayment (ZBC 01) and repurchase \
        (06/96) end the loan as non-default (a competing outcome). Loans observed for less than H months without an \
        event are censored: they are left out of NAME and marked in NAME-outcomes.

        Writes, in one transaction, NAME (labelled loans: loan_id, vintage, origination features, target) and \
        NAME-outcomes (every loan: outcome, censored flag, months on book of default and prepayment, data cut-off). \
        A malformed line stops the import with the file, line and field, and the workspace is left unchanged. Repeat \
        --origination/--performance for several files (e.g. one per year).
        """)

    @Option(help: "Origination file (repeatable).") var origination: [String] = []
    @Option(help: "Monthly performance file (repeatable).") var performance: [String] = []
    @Option(help: "Dataset name.") var name: String
    @Option(help: "Performance window H in months.") var horizon: Int = 12
    @Flag(help: "JSON summary on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func validate() throws {
        if origination.isEmpty { throw ValidationError("--origination is required") }
        if performance.isEmpty { throw ValidationError("--performance is required") }
        if name.isEmpty { throw ValidationError("--name must not be empty") }
        if horizon < 1 || horizon > 480 { throw ValidationError("--horizon must be between 1 and 480 months") }
    }

    func run() throws {
        note("reading \(origination.count) origination and \(performance.count) performance file(s) …")
        let (data, seconds) = try timed { try FreddieImporter.load(origination: origination, performance: performance, horizon: horizon) }
        let records = data.streams.reduce(0) { $0 + $1.records }
        let streamSeconds = data.streams.reduce(0) { $0 + $1.seconds }
        note("parsed \(data.outcomes.rowCount) loans (\(Array(Set(data.originationReleases.map(\.rawValue))).sorted().joined(separator: ", ")) origination layout) and \(records) performance records in \(fmt(seconds, 2)) s"
             + " (performance stream \(fmt(Double(records) / max(streamSeconds, 1e-9) / 1e6, 2)) M rows/s)")
        let counts = FreddieOutcome.allCases.map { "\($0.rawValue) \(data.outcomeCounts[$0] ?? 0)" }.joined(separator: ", ")
        note("outcomes within \(horizon) months: \(counts); data cut-off \(data.dataCutoff)")
        if data.labelled.rowCount == 0 { throw InputError("\(performance[0]): no loan has a matured \(horizon)-month window (all censored)") }
        var sha = SHA256Digest()
        for p in origination + performance { sha.update(Array(try fileSHA256(p).utf8)) }
        let digest = sha.finalizeHex()
        let ws = try workspace.open()
        for n in [name, "\(name)-outcomes"] where try ws.hasDataset(n) { throw WorkspaceError.duplicateDataset(n) }
        let roles = DatasetRoles(target: data.target, time: "vintage", id: "loan_id")
        let source = "freddie: " + (origination + performance).joined(separator: ", ")
        let (_, writeSeconds) = try timed {
            try ws.importDatasets([(name, data.labelled), ("\(name)-outcomes", data.outcomes)], roles: roles, source: source, sourceSHA256: digest)
        }
        let y = data.labelled[data.target]!.doubles()!
        let bads = Int(y.reduce(0, +))
        note("imported '\(name)' (\(data.labelled.rowCount) labelled loans, \(bads) defaults) and '\(name)-outcomes' (\(data.outcomes.rowCount) loans) into \(ws.path) (\(fmt(writeSeconds, 2)) s)")
        if json {
            var out: [String: Any] = [
                "name": name, "loans": data.outcomes.rowCount, "labelled": data.labelled.rowCount, "defaults": bads,
                "target": data.target, "horizon": horizon, "performance_records": records, "data_cutoff": data.dataCutoff,
                "seconds": seconds, "write_seconds": writeSeconds,
                "performance_rows_per_second": Double(records) / max(streamSeconds, 1e-9),
                "origination_releases": data.originationReleases.map(\.rawValue),
                "performance_releases": data.streams.map { $0.release?.rawValue ?? "" },
            ]
            var oc: [String: Int] = [:]
            for o in FreddieOutcome.allCases { oc[o.rawValue] = data.outcomeCounts[o] ?? 0 }
            out["outcomes"] = oc
            try printJSON(out)
        }
    }
}

/// `obligor data generate`: synthetic data generators.
struct DataGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate synthetic data.",
        subcommands: [DataGenerateFreddie.self, DataGenerateMortgagePanel.self, DataGeneratePayments.self])
}

extension FreddieRelease: ExpressibleByArgument {}

/// `obligor data generate freddie`: a synthetic Freddie Mac panel in the real file formats.
struct DataGenerateFreddie: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freddie",
        abstract: "Write a synthetic Freddie Mac loan-level panel into a directory.",
        discussion: """
        Writes sample_orig_YYYY.txt and sample_svcg_YYYY.txt. They reproduce the marginals of the real files (FICO \
        skew, LTV spikes, MI above 80 LTV, DTI caps), monthly delinquency with cures, prepayment and amortisation, \
        and a 2006–2010 house-price bust that raises default and changes the risk drivers, so out-of-time AUC drops. \
        The same seed writes the same bytes.
        """)

    @Option(help: "Origination years, FIRST-LAST (e.g. 1999-2012).") var vintages: String = "1999-2012"
    @Option(name: .customLong("loans-per-vintage"), help: "Loans per vintage year.") var loansPerVintage: Int = 1000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Output directory.") var out: String
    @Option(help: "Last reporting month YYYYMM (default: December of the last vintage + 2).") var cutoff: Int?
    @Option(help: "File layout: current (32 fields), zenodo (31), release47 (31 + 35), legacy (26).") var release: FreddieRelease = .current
    @Flag(help: "JSON summary on stdout.") var json = false

    func parsedVintages() throws -> (Int, Int) {
        let parts = vintages.split(separator: "-").map { Int($0) }
        if parts.count == 1, let a = parts[0] { return (a, a) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a <= b, a >= 1999, b <= 2025 else {
            throw ValidationError("--vintages looks like 1999-2012 (years 1999–2025, first ≤ last)")
        }
        return (a, b)
    }

    func validate() throws {
        _ = try parsedVintages()
        if loansPerVintage < 1 || loansPerVintage > 10_000_000 { throw ValidationError("--loans-per-vintage must be between 1 and 10,000,000") }
        if let c = cutoff, !(c % 100 >= 1 && c % 100 <= 12 && c / 100 >= 1999) { throw ValidationError("--cutoff is a month YYYYMM") }
    }

    func run() throws {
        let (a, b) = try parsedVintages()
        let options = FreddieGeneratorOptions(firstVintage: a, lastVintage: b, loansPerVintage: loansPerVintage, seed: seed,
                                              cutoff: cutoff, release: release)
        if options.cutoffYYYYMM / 100 < b { throw InputError("--cutoff \(options.cutoffYYYYMM) is before the last vintage \(b)") }
        let (s, seconds) = try timed { try FreddieGenerator.write(options: options, to: out) }
        note("wrote \(s.loans) loans and \(s.performanceRecords) performance records (\(release.rawValue) layout, cut-off \(options.cutoffYYYYMM)) to \(out) in \(fmt(seconds, 2)) s")
        note("vintage   loans   lifetime bad %   prepaid %")
        for v in s.perVintage {
            note("\(v.vintage)   \(pad(String(v.loans), 8))\(pad(fmt(100 * Double(v.bad) / Double(v.loans), 1), 17))\(fmt(100 * Double(v.prepaid) / Double(v.loans), 1))")
        }
        if json {
            try printJSON(["loans": s.loans, "performance_records": s.performanceRecords, "cutoff": options.cutoffYYYYMM,
                           "origination_files": s.originationFiles, "performance_files": s.performanceFiles,
                           "vintages": s.perVintage.map { ["vintage": $0.vintage, "loans": $0.loans, "bad_rate": Double($0.bad) / Double($0.loans),
                                                           "prepaid_rate": Double($0.prepaid) / Double($0.loans)] as [String: Any] }])
        }
    }
}
