import ArgumentParser
import Foundation
import ObligorCatalog
import ObligorData
import ObligorGP
import ObligorNumerics
import ObligorPortfolio
import ObligorReports

/// `obligor portfolio`: portfolio loss distributions with joint frailty draws, next to independent defaults.
struct PortfolioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portfolio",
        abstract: "Portfolio loss distribution per period, and the realised loss scored.",
        discussion: """
        For gpboost and glmm models the frailty of every (period, location) in the data is drawn jointly from the \
        GP's predictive distribution (Kündig & Sigrist 2026), then defaults are Bernoulli given the frailty; loss = \
        exposure × LGD. The independent-defaults answer (Bernoulli with each loan's marginal PD) is always reported \
        alongside. Other models have no frailty: their joint and independent answers coincide.

        Per period: expected loss, VaR and ES. The realised loss (target = 1) is scored by its PIT, the pinball loss \
        at 95/99 % and the CRPS.

        --report FILE writes an HTML report (loss bands per period, VaR joint vs independent, PIT); --pdf prints it.
        """)

    @Option(help: "Model name in the workspace.") var model: String
    @Option(help: "Workspace dataset name or CSV path (the portfolio).") var data: String
    @Option(help: "Simulated portfolios per period.") var sims: Int = 10_000
    @Option(help: "Exposure column (default: orig_upb when present).") var exposure: String?
    @Option(help: "Loss given default: a number in [0, 1] or a column name.") var lgd: String = "1"
    @Option(help: "Period column to group by (default: the GP's time column; otherwise one portfolio).") var period: String?
    @Option(help: "Realised default column (default: the dataset's target, else 'default').") var target: String?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Worker threads (default: all cores). Results do not depend on it.") var threads: Int?
    @Flag(help: "JSON report on stdout.") var json = false
    @Option(help: "Write the HTML report here.") var report: String?
    @Option(help: "Also print the report to PDF (headless Chromium; skipped with a note when absent).") var pdf: String?
    @Option(help: "Title of the HTML report.") var title: String?
    @OptionGroup var workspace: WorkspaceOptions

    func validate() throws {
        if sims < 100 { throw ValidationError("--sims must be at least 100") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if pdf != nil && report == nil { throw ValidationError("--pdf needs --report (the PDF is printed from the HTML)") }
    }

    func run() throws {
        if let threads { Parallel.threads = threads }
        let ws = try workspace.openExisting()
        let (anyModel, _) = try loadModel(model, workspace: ws)
        let loaded = try LoadedData.load(data, workspace: workspace)
        let frame = loaded.frame
        let n = frame.rowCount
        guard n > 0 else { throw InputError("\(loaded.label): no loans") }

        func numericColumn(_ name: String, _ role: String) throws -> [Double] {
            guard let col = frame[name] else { throw InputError("\(loaded.label): no column '\(name)' (\(role))") }
            guard let v = col.doubles() else { throw InputError("\(loaded.label): column '\(name)' (\(role)) is not numeric") }
            if let i = v.firstIndex(where: { !$0.isFinite }) { throw InputError("\(loaded.locate(row: i)), column '\(name)': \(role) is missing") }
            return v
        }
        guard let exposureName = exposure ?? (frame["orig_upb"] != nil ? "orig_upb" : nil) else {
            throw InputError("\(loaded.label): pass --exposure COL (no orig_upb column to default to)")
        }
        let ead = try numericColumn(exposureName, "exposure")
        let lgdValues: [Double]
        if let v = Double(lgd) {
            guard v >= 0 && v <= 1 else { throw InputError("--lgd must be in [0, 1] (got \(v))") }
            lgdValues = [Double](repeating: v, count: n)
        } else {
            lgdValues = try numericColumn(lgd, "loss given default")
        }
        let targetName = target ?? loaded.roles.target ?? "default"
        let realised = try numericColumn(targetName, "realised default").enumerated().map { (i, v) throws -> Bool in
            guard v == 0 || v == 1 else { throw InputError("\(loaded.locate(row: i)), column '\(targetName)': a default flag must be 0 or 1 (got \(v))") }
            return v == 1
        }

        // Fixed part and latent frailty per model family.
        var gp: FittedGP? = nil
        let fixed: [Double]
        switch anyModel {
        case let .gpboost(m): gp = m.gp; fixed = try m.trees.margins(frame)
        case let .glmm(m): gp = m.gp; fixed = try m.linearPredictor(frame)
        default:
            fixed = try anyModel.scorer.predictPD(frame).map { Special.logit(min(max($0, 1e-15), 1 - 1e-15)) }
        }
        let started = Date()
        let loans: [Loan]
        let frailty: LatentFrailty
        if let gp {
            let loc = try gp.columns.locations(frame)
            let unique = DistinctLocations(uniqueTime: loc.time, uniqueSpace: loc.space, dimension: loc.spaceDimension)
            note("joint frailty at \(unique.count) (period, location) points for \(n) loans …")
            let (mu, cov) = try gp.latent(at: unique, jointCovariance: true)
            frailty = try LatentFrailty(mean: mu, covariance: cov)
            loans = (0..<n).map { Loan(exposure: ead[$0], lgd: lgdValues[$0], fixedEffect: fixed[$0], location: Int(loc.rowLocation[$0])) }
        } else {
            note("model '\(model)' (\(anyModel.kind)) has no frailty: joint and independent answers coincide")
            frailty = try LatentFrailty(mean: [0], variances: [0])
            loans = (0..<n).map { Loan(exposure: ead[$0], lgd: lgdValues[$0], fixedEffect: fixed[$0], location: 0) }
        }
        let portfolio = try PortfolioModel(loans: loans, frailty: frailty)
        let periodName = period ?? gp?.columns.time
        let output: Data
        let rows: [(String, Double, Double, Double, Double, Double, Double, Double, Double, Double)]
        var reportPeriods: [PortfolioReportPeriod] = []
        if let periodName {
            guard let col = frame[periodName] else { throw InputError("\(loaded.label): no period column '\(periodName)'") }
            if let v = col.doubles(), v.allSatisfy(\.isFinite) {
                let r = try PortfolioBacktest.run(model: portfolio, groups: v, realisedDefaults: realised, draws: sims, seed: seed)
                output = try encode(r)
                rows = r.periods.map { summaryRow(formatDouble($0.period), $0.realisedLoss, $0.joint, $0.independent) }
                reportPeriods = r.periods.map { reportPeriod(formatDouble($0.period), $0) }
            } else {
                let keys = (0..<n).map { col.text(at: $0) ?? "" }
                let r = try PortfolioBacktest.run(model: portfolio, groups: keys, realisedDefaults: realised, draws: sims, seed: seed)
                output = try encode(r)
                rows = r.periods.map { summaryRow($0.period, $0.realisedLoss, $0.joint, $0.independent) }
                reportPeriods = r.periods.map { reportPeriod($0.period, $0) }
            }
        } else {
            let r = try PortfolioBacktest.run(model: portfolio, groups: [String](repeating: "all", count: n), realisedDefaults: realised,
                                              draws: sims, seed: seed)
            output = try encode(r)
            rows = r.periods.map { summaryRow($0.period, $0.realisedLoss, $0.joint, $0.independent) }
            reportPeriods = r.periods.map { reportPeriod($0.period, $0) }
        }
        note("simulated \(sims) portfolios per period in \(fmt(Date().timeIntervalSince(started), 2)) s")
        if let report {
            let page = PortfolioReport.html(PortfolioReportInput(
                title: title ?? "Portfolio loss: \(model) on \(loaded.label)", modelLabel: model, modelKind: anyModel.kind, dataLabel: loaded.label,
                hasFrailty: gp != nil, exposureColumn: exposureName, lgd: lgd, seed: seed, draws: sims, periods: reportPeriods,
                json: String(decoding: output, as: UTF8.self)))
            try writeReport(page, to: report, pdf: pdf)
        }
        if json {
            FileHandle.standardOutput.write(output)
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            note(pad("period", 10) + pad("realised", 12) + pad("EL joint", 12) + pad("EL indep", 12) + pad("VaR99 joint", 13) + pad("VaR99 indep", 13)
                 + pad("PIT joint", 11) + pad("PIT indep", 11) + pad("pinball99 j", 13) + "pinball99 i")
            for r in rows {
                note(pad(r.0, 10) + pad(sci(r.1), 12) + pad(sci(r.2), 12) + pad(sci(r.3), 12) + pad(sci(r.4), 13) + pad(sci(r.5), 13)
                     + pad(fmt(r.6, 3), 11) + pad(fmt(r.7, 3), 11) + pad(sci(r.8), 13) + sci(r.9))
            }
        }
    }

    func summaryRow(_ key: String, _ realised: Double, _ j: LossReport, _ i: LossReport)
        -> (String, Double, Double, Double, Double, Double, Double, Double, Double, Double) {
        (key, realised, j.expectedLoss, i.expectedLoss, j.valueAtRisk["0.99"] ?? .nan, i.valueAtRisk["0.99"] ?? .nan,
         j.pit, i.pit, j.pinball["0.99"] ?? .nan, i.pinball["0.99"] ?? .nan)
    }

    func reportPeriod<Key: Codable & Sendable & Hashable & Comparable>(_ label: String, _ p: PeriodReport<Key>) -> PortfolioReportPeriod {
        func summary(_ r: LossReport) -> PortfolioLossSummary {
            PortfolioLossSummary(expectedLoss: r.expectedLoss, standardDeviation: r.standardDeviation, valueAtRisk: r.valueAtRisk,
                                 expectedShortfall: r.expectedShortfall, quantiles: r.quantiles, pit: r.pit, pinball: r.pinball, crps: r.crps)
        }
        return PortfolioReportPeriod(period: label, loans: p.loans, defaults: p.defaults, realisedLoss: p.realisedLoss,
                                     joint: summary(p.joint), independent: summary(p.independent))
    }

    func sci(_ x: Double) -> String { String(format: "%.3e", x) }

    func encode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(value)
    }
}
