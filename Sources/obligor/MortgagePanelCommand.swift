import ArgumentParser
import Foundation
import ObligorData
import ObligorGP

extension MortgagePanelCovariance: ExpressibleByArgument {}

/// `obligor data generate mortgage-panel`: the synthetic spatio-temporal mortgage default panel of
/// shared/anchors/gpboost/gen_st_mortgage.py (same process, Swift random numbers).
struct DataGenerateMortgagePanel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mortgage-panel",
        abstract: "Write a synthetic loan x period mortgage default panel.",
        discussion: """
        The panel has a latent space-time frailty; it is written to PREFIX.csv and PREFIX.meta.json.

        logit P(default) = intercept + f(x) + b(t, region): f is a known non-linear function of the loan features, b \
        a zero-mean Gaussian process over (period, region centroid) drawn exactly (Cholesky of the n_regions x \
        n_periods grid, at most 10,000 points). The intercept is bisected so the mean default probability of the \
        loan-periods is --base-rate. A default ends a loan; prepayment (--prepay-rate per period) ends it without \
        default. Rows with t < --t-split are 'train', the rest 'test'.

        --cov matern_st is GPBoost's matern_space_time (sigma2 * M_nu(h), h = sqrt((dt/range_time)^2 + \
        |ds|^2/range_space^2)); --cov separable_exp is sigma2 * exp(-|dt|/range_time) * exp(-|ds|/range_space).

        Port of gen_st_mortgage.py: same columns, distributions and formats, but a different random generator (GSL \
        MT19937, not numpy PCG64), so a seed gives other draws than the script. The same seed writes the same CSV \
        bytes.
        """)

    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .customLong("n-loans"), help: "Number of loans.") var nLoans: Int = 1100
    @Option(name: .customLong("n-regions"), help: "Number of regions.") var nRegions: Int = 60
    @Option(name: .customLong("n-periods"), help: "Number of periods.") var nPeriods: Int = 12
    @Option(name: .customLong("t-split"), help: "First test period (default n_periods-2): train t < t_split, test t >= t_split.")
    var tSplit: Int?
    @Option(name: .customLong("cov"), help: "Frailty covariance: matern_st or separable_exp.") var cov: MortgagePanelCovariance = .maternST
    @Option(help: "Matern smoothness of matern_st: 0.5, 1.5 or 2.5.") var nu: Double = 1.5
    @Option(help: "Frailty marginal variance.") var sigma2: Double = 0.8
    @Option(name: .customLong("range-time"), help: "Temporal range (periods).") var rangeTime: Double = 2.0
    @Option(name: .customLong("range-space"), help: "Spatial range (degrees).") var rangeSpace: Double = 9.0
    @Option(name: .customLong("base-rate"), help: "Target mean default probability per loan-period.") var baseRate: Double = 0.03
    @Option(name: .customLong("prepay-rate"), help: "Per-period prepayment (exit) probability.") var prepayRate: Double = 0.08
    @Option(name: .customLong("initial-book-frac"), help: "Fraction of loans already on the book at t=0 (seasoned).")
    var initialBookFrac: Double = 0.5
    @Option(help: "Output prefix: writes PREFIX.csv and PREFIX.meta.json.") var out: String = "st_mortgage"
    @Flag(help: "JSON summary on stdout.") var json = false

    var spec: MortgagePanelSpec {
        MortgagePanelSpec(seed: seed, nLoans: nLoans, nRegions: nRegions, nPeriods: nPeriods, tSplit: tSplit, covariance: cov,
                          nu: nu, sigma2: sigma2, rangeTime: rangeTime, rangeSpace: rangeSpace, baseRate: baseRate,
                          prepayRate: prepayRate, initialBookFraction: initialBookFrac)
    }

    func validate() throws {
        do { try spec.validate() } catch { throw ValidationError(error.description) }
        if out.isEmpty || out.hasSuffix("/") { throw ValidationError("--out is a file prefix (PREFIX.csv, PREFIX.meta.json), got '\(out)'") }
    }

    func run() throws {
        let large = nLoans >= 100_000 || nRegions * nPeriods >= 2000
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let panel: MortgagePanel
        do {
            panel = try MortgagePanelGenerator.generate(spec, progress: large ? { note("\($0) (\(fmt(elapsed(), 1)) s)") } : nil)
        } catch let e as GPError {
            throw InputError(e.description)
        }
        if large { note("generated \(panel.rowCount) rows (\(fmt(elapsed(), 1)) s); writing ...") }

        let outURL = URL(fileURLWithPath: out)
        let dir = outURL.deletingLastPathComponent().path
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let csvPath = out + ".csv", metaPath = out + ".meta.json"
        let name = outURL.lastPathComponent
        try CSVWriter.writeAtomically(String(decoding: panel.csvBytes(), as: UTF8.self), to: csvPath)
        let seconds = elapsed()
        try panel.metaJSON(outName: name, seconds: seconds).write(to: URL(fileURLWithPath: metaPath), options: .atomic)

        let trainRate = panel.defaultRateTrain, testRate = panel.defaultRateTest
        let line = "wrote \(name).csv: \(panel.rowCount) rows (train \(panel.trainRows), test \(panel.testRows)), default rate train "
            + "\(fmt(trainRate ?? .nan, 4)) test \(fmt(testRate ?? .nan, 4)), intercept \(fmt(panel.intercept, 3)), \(fmt(seconds, 1))s"
        if json {
            note(line)
            try printJSON([
                "csv": csvPath, "meta": metaPath, "rows": panel.rowCount, "train_rows": panel.trainRows, "test_rows": panel.testRows,
                "t_split": panel.tSplit, "loans_observed": panel.loansObserved, "latent_points": nRegions * nPeriods,
                "default_rate_train": trainRate.map { $0 as Any } ?? NSNull(),
                "default_rate_test": testRate.map { $0 as Any } ?? NSNull(),
                "intercept": panel.intercept, "frailty_sd_realised": panel.frailtySDRealised,
                "frailty_jitter": panel.frailtyJitter, "cov": cov.rawValue, "seed": seed, "seconds": seconds,
            ])
        } else {
            print(line)
        }
    }
}
