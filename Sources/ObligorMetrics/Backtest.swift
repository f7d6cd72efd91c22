import Foundation
import ObligorNumerics

/// A characteristic whose stability (CSI) a backtest tracks: its development-sample values and the
/// values of the backtest rows (aligned with ``BacktestInput/periods``).
public struct BacktestCharacteristic: Sendable {
    public enum Values: Sendable {
        /// Numeric values (NaN = missing: missing values are counted, not binned). Binned on the
        /// development sample's deciles.
        case numeric(baseline: [Double], current: [Double])
        /// Category labels (the PSI formula on the union of categories).
        case categorical(baseline: [String], current: [String])
    }
    public var name: String
    public var values: Values
    public init(name: String, values: Values) {
        self.name = name
        self.values = values
    }
}

/// What a PD backtest runs on.
public struct BacktestInput: Sendable {
    /// PDs of the backtest (out-of-time) rows.
    public var scores: [Double]
    /// Realised outcomes, 1 = default.
    public var labels: [Int]
    /// Period (vintage, quarter, …) of each row; periods sort as strings, or as numbers when all are numeric.
    public var periods: [String]
    /// PDs and outcomes of the development (reference) sample.
    public var baselineScores: [Double]
    public var baselineLabels: [Int]
    /// Rating grade of each row; nil to grade on the master scale (``BacktestOptions/grades``).
    public var grades: [String]?
    /// Rating grades of the development rows (only with `grades`).
    public var baselineGrades: [String]?
    /// Characteristics to track with CSI.
    public var characteristics: [BacktestCharacteristic]

    public init(scores: [Double], labels: [Int], periods: [String], baselineScores: [Double], baselineLabels: [Int],
                grades: [String]? = nil, baselineGrades: [String]? = nil, characteristics: [BacktestCharacteristic] = []) {
        self.scores = scores
        self.labels = labels
        self.periods = periods
        self.baselineScores = baselineScores
        self.baselineLabels = baselineLabels
        self.grades = grades
        self.baselineGrades = baselineGrades
        self.characteristics = characteristics
    }
}

/// Options of a backtest.
public struct BacktestOptions: Sendable, Codable, Equatable {
    /// Number of master-scale grades cut at the development sample's PD quantiles (used when the
    /// input has no grades).
    public var grades: Int = 7
    /// Zero-count rule of the reported PSI/CSI value (the raw value is reported as well).
    public var psiRule: ZeroCountRule = .default
    /// Bins of PSI (deciles of the development scores).
    public var psiBins: Int = 10
    /// Family-wise level of the Holm-corrected calibration tests (the traffic lights stay at 95% / 99.9%).
    public var alpha: Double = 0.05

    public init(grades: Int = 7, psiRule: ZeroCountRule = .default, psiBins: Int = 10, alpha: Double = 0.05) {
        self.grades = grades
        self.psiRule = psiRule
        self.psiBins = psiBins
        self.alpha = alpha
    }

    enum CodingKeys: String, CodingKey { case grades, psiRule = "psi_rule", psiBins = "psi_bins", alpha }
}

/// Stability of one characteristic in one period.
public struct BacktestCSI: Codable, Sendable, Equatable {
    public var name: String
    /// CSI under ``BacktestOptions/psiRule``, and with no adjustment (∞ when a bin is empty on one side).
    public var value: Double
    public var raw: Double
    public var verdict: String
    /// Rows with a missing value (numeric characteristics), which are not binned.
    public var missing: Int

    enum CodingKeys: String, CodingKey { case name, value, raw, verdict, missing }
}

/// One grade of one period, with Holm-adjusted p-values across all grades and periods.
public struct BacktestGradeRow: Codable, Sendable, Equatable {
    public var period: String
    /// The per-bucket tests (binomial, Jeffreys, z, Jeffreys interval, traffic light at 95% / 99.9%).
    public var row: CalibrationRow
    /// Holm-adjusted Jeffreys and binomial p-values (family: every grade × period cell).
    public var jeffreysPHolm: Double
    public var binomialPHolm: Double
    /// Traffic light of the Holm-adjusted Jeffreys p-value.
    public var trafficLightHolm: TrafficLight

    enum CodingKeys: String, CodingKey {
        case period, row, jeffreysPHolm = "jeffreys_p_holm", binomialPHolm = "binom_p_holm", trafficLightHolm = "traffic_light_holm"
    }
}

/// Everything measured on one backtest period (one origin of the rolling-origin backtest).
public struct BacktestPeriod: Codable, Sendable, Equatable {
    public var period: String
    public var n: Int
    public var defaults: Int
    /// Observed default rate and mean PD.
    public var defaultRate: Double
    public var meanPD: Double
    /// Discrimination with the DeLong standard error and 95% Wald interval.
    public var auc: Double
    public var aucSE: Double
    public var aucCI95Low: Double
    public var aucCI95High: Double
    public var gini: Double
    public var ks: Double
    public var ksThreshold: Double
    /// ECB (2019) AUC-deterioration test against the development AUC:
    /// `z = (AUC_dev − AUC_t) / s_t`, `p = 1 − Φ(z)`, traffic light of p.
    public var aucDropZ: Double
    public var aucDropP: Double
    public var aucDropLight: TrafficLight
    /// Portfolio-level calibration of the period (PD = mean PD): Jeffreys, binomial, z-test, their
    /// traffic light (from Jeffreys), Spiegelhalter, and Hosmer–Lemeshow over the grades (df = K).
    public var jeffreysP: Double
    public var binomialP: Double
    public var zTestP: Double
    public var trafficLight: TrafficLight
    public var spiegelhalterZ: Double
    public var spiegelhalterP: Double
    public var hlStatistic: Double
    public var hlGroups: Int
    public var hlP: Double
    /// PSI of the score against the development sample (its deciles): under the rule, raw, critical
    /// values (Yurdakul 2018) and verdict.
    public var psi: Double
    public var psiRaw: Double
    public var psiCriticalChiSquare95: Double
    public var psiCriticalNormal95: Double
    public var psiVerdict: String
    /// Rolling origin: PSI against the previous period (nil for the first) and the AUC change.
    public var psiVsPrevious: Double?
    public var aucChangeVsPrevious: Double?
    /// CSI per characteristic.
    public var csi: [BacktestCSI]
    /// The grade table of the period.
    public var grades: [BacktestGradeRow]

    enum CodingKeys: String, CodingKey {
        case period, n, defaults, defaultRate = "dr", meanPD = "mean_pd", auc, aucSE = "auc_se", aucCI95Low = "auc_ci95_low",
             aucCI95High = "auc_ci95_high", gini, ks, ksThreshold = "ks_threshold", aucDropZ = "auc_drop_z", aucDropP = "auc_drop_p",
             aucDropLight = "auc_drop_light", jeffreysP = "jeffreys_p", binomialP = "binom_p", zTestP = "ztest_p",
             trafficLight = "traffic_light", spiegelhalterZ = "spiegelhalter_z", spiegelhalterP = "spiegelhalter_p",
             hlStatistic = "hl_stat", hlGroups = "hl_groups", hlP = "hl_p", psi, psiRaw = "psi_raw",
             psiCriticalChiSquare95 = "psi_critical_chisq_95", psiCriticalNormal95 = "psi_critical_z_95", psiVerdict = "psi_verdict",
             psiVsPrevious = "psi_vs_previous", aucChangeVsPrevious = "auc_change_vs_previous", csi, grades
    }
}

/// The BCBS WP14 multi-period normal test of `d_t = DR_t − PD_t` over T periods:
/// `s² = [Σ d_t² − (Σ d_t)²/T] / (T − 1)`, `z = Σ d_t / (√T · s)`, `p = 1 − Φ(z)` (one-sided: PDs too low).
public struct MultiPeriodNormalTest: Codable, Sendable, Equatable {
    public var scope: String
    public var periods: Int
    public var meanDifference: Double
    public var s: Double
    public var z: Double
    public var p: Double
    public var trafficLight: TrafficLight

    enum CodingKeys: String, CodingKey { case scope, periods, meanDifference = "mean_difference", s, z, p, trafficLight = "traffic_light" }
}

/// The development (reference) sample's figures.
public struct BacktestBaseline: Codable, Sendable, Equatable {
    public var n: Int
    public var defaults: Int
    public var defaultRate: Double
    public var meanPD: Double
    public var auc: Double
    public var aucSE: Double

    enum CodingKeys: String, CodingKey { case n, defaults, defaultRate = "dr", meanPD = "mean_pd", auc, aucSE = "auc_se" }
}

/// A complete PD backtest: per period (rolling origin) discrimination, stability and calibration,
/// Holm-corrected grade tests, the pooled grade table and the multi-period tests.
public struct BacktestResult: Codable, Sendable, Equatable {
    public var options: BacktestOptions
    public var baseline: BacktestBaseline
    public var periods: [BacktestPeriod]
    /// Grade boundaries of the master scale (`[a, b)` on PD), empty when the input had its own grades.
    public var masterScale: [Double]
    /// The grade table of all backtest rows pooled.
    public var pooledGrades: [CalibrationRow]
    /// Hosmer–Lemeshow over the pooled grades, df = K (external PDs).
    public var pooledHL: HosmerLemeshow
    /// Size of the Holm family (grade × period cells).
    public var holmFamilySize: Int
    /// Multi-period normal tests: the portfolio and each grade.
    public var multiPeriod: [MultiPeriodNormalTest]
    /// Worst traffic light over the Holm-adjusted grade tests, the AUC-drop tests and the multi-period test.
    public var overall: TrafficLight

    enum CodingKeys: String, CodingKey {
        case options, baseline, periods, masterScale = "master_scale", pooledGrades = "pooled_grades", pooledHL = "pooled_hl",
             holmFamilySize = "holm_family_size", multiPeriod = "multi_period", overall
    }
}

/// The PD backtest pack (BCBS WP14 2005; ECB 2019 instructions for reporting the validation results;
/// Tasche 2003 for the traffic lights). Works on PDs from any scorer.
public enum Backtest {
    /// Runs the backtest.
    /// - Throws: ``MetricsError`` on mismatched lengths, labels other than 0/1, PDs outside [0, 1], or an
    ///   empty development sample.
    public static func run(_ input: BacktestInput, options: BacktestOptions = BacktestOptions()) throws(MetricsError) -> BacktestResult {
        let n = input.scores.count
        guard input.labels.count == n else { throw .lengthMismatch(scores: n, labels: input.labels.count) }
        guard input.periods.count == n else { throw .invalidArgument("\(input.periods.count) periods for \(n) scores") }
        guard input.baselineLabels.count == input.baselineScores.count else {
            throw .lengthMismatch(scores: input.baselineScores.count, labels: input.baselineLabels.count)
        }
        guard !input.baselineScores.isEmpty else { throw .invalidArgument("the development (baseline) sample is empty") }
        guard n > 0 else { throw .empty }
        for (i, s) in input.scores.enumerated() {
            guard s.isFinite else { throw .nonFiniteScore(index: i, value: s) }
            guard s >= 0 && s <= 1 else { throw .scoreOutOfRange(index: i, value: s) }
        }
        for (i, y) in input.labels.enumerated() where y != 0 && y != 1 { throw .invalidLabel(index: i, value: y) }
        for (i, y) in input.baselineLabels.enumerated() where y != 0 && y != 1 { throw .invalidLabel(index: i, value: y) }
        if let g = input.grades, g.count != n { throw .invalidArgument("\(g.count) grades for \(n) scores") }
        guard options.grades >= 2 else { throw .invalidArgument("at least 2 master-scale grades are needed") }

        // Development sample.
        let (bAUC, bSE) = Discrimination.deLong(scores: input.baselineScores, labels: input.baselineLabels)
        let bd = input.baselineLabels.reduce(0, +)
        let baseline = BacktestBaseline(n: input.baselineScores.count, defaults: bd,
                                        defaultRate: Double(bd) / Double(input.baselineScores.count),
                                        meanPD: input.baselineScores.reduce(0, +) / Double(input.baselineScores.count),
                                        auc: bAUC, aucSE: bSE)

        // Grades: given, or the master scale from development PD quantiles.
        var masterScale: [Double] = []
        let grades: [String]
        if let g = input.grades {
            grades = g
        } else {
            masterScale = Binning.quantileEdges(input.baselineScores, count: options.grades)
            let width = String(masterScale.count + 1).count
            grades = input.scores.map { s in
                let k = Binning.binIndex(s, edges: masterScale) + 1
                let t = String(k)
                return "G" + String(repeating: "0", count: width - t.count) + t
            }
        }

        // Periods in order.
        let names = Array(Set(input.periods))
        let numeric = names.allSatisfy { Double($0) != nil }
        let ordered = numeric ? names.sorted { Double($0)! < Double($1)! } : names.sorted()
        var rowsOf: [String: [Int]] = [:]
        for (i, p) in input.periods.enumerated() { rowsOf[p, default: []].append(i) }

        var periods: [BacktestPeriod] = []
        var previousScores: [Double]? = nil
        var previousAUC: Double? = nil
        for p in ordered {
            let idx = rowsOf[p]!
            let s = idx.map { input.scores[$0] }, y = idx.map { input.labels[$0] }
            let g = idx.map { grades[$0] }
            var period = measure(period: p, scores: s, labels: y, grades: g, baseline: input, baselineAUC: bAUC, options: options)
            if let prev = previousScores {
                period.psiVsPrevious = Stability.psi(expected: prev, actual: s, bins: options.psiBins, rule: options.psiRule).value
            }
            if let pa = previousAUC { period.aucChangeVsPrevious = period.auc - pa }
            period.csi = input.characteristics.map { csi($0, rows: idx, rule: options.psiRule, bins: options.psiBins) }
            periods.append(period)
            previousScores = s
            previousAUC = period.auc
        }

        // Holm across every grade × period cell.
        var jp: [Double] = [], bp: [Double] = []
        for p in periods { for r in p.grades { jp.append(r.row.jeffreysP); bp.append(r.row.binomialP) } }
        let jh = FairnessSignificance.holm(jp), bh = FairnessSignificance.holm(bp)
        var k = 0
        for pi in periods.indices {
            for gi in periods[pi].grades.indices {
                periods[pi].grades[gi].jeffreysPHolm = jh[k]
                periods[pi].grades[gi].binomialPHolm = bh[k]
                periods[pi].grades[gi].trafficLightHolm = Calibration.trafficLight(p: jh[k])
                k += 1
            }
        }

        // Pooled grade table and multi-period tests.
        let pooled = Calibration.gradeTable(scores: input.scores, labels: input.labels, grades: grades)
        let pooledHL = Calibration.hosmerLemeshow(table: pooled)
        var multi: [MultiPeriodNormalTest] = []
        if let t = multiPeriodNormalTest(defaultRates: periods.map(\.defaultRate), pds: periods.map(\.meanPD), scope: "portfolio") {
            multi.append(t)
        }
        for gr in pooled.map(\.label) {
            var drs: [Double] = [], pds: [Double] = []
            for p in periods { if let r = p.grades.first(where: { $0.row.grade == gr }) { drs.append(r.row.defaultRate); pds.append(r.row.meanPD) } }
            if let t = multiPeriodNormalTest(defaultRates: drs, pds: pds, scope: "grade \(gr)") { multi.append(t) }
        }
        var lights = periods.flatMap { $0.grades.map(\.trafficLightHolm) } + periods.map(\.aucDropLight)
        if let m = multi.first { lights.append(m.trafficLight) }
        let overall: TrafficLight = lights.contains(.red) ? .red : (lights.contains(.yellow) ? .yellow : .green)
        return BacktestResult(options: options, baseline: baseline, periods: periods, masterScale: masterScale,
                              pooledGrades: pooled, pooledHL: pooledHL, holmFamilySize: jp.filter { !$0.isNaN }.count,
                              multiPeriod: multi, overall: overall)
    }

    /// The multi-period normal test (BCBS WP14, §5.2 of notes/metrics.md); nil for fewer than 2 periods
    /// or when every difference is equal (s = 0).
    public static func multiPeriodNormalTest(defaultRates: [Double], pds: [Double], scope: String = "portfolio") -> MultiPeriodNormalTest? {
        precondition(defaultRates.count == pds.count)
        let t = defaultRates.count
        guard t >= 2 else { return nil }
        let d = zip(defaultRates, pds).map { $0 - $1 }
        let sum = d.reduce(0, +), sq = d.reduce(0) { $0 + $1 * $1 }
        let s2 = (sq - sum * sum / Double(t)) / Double(t - 1)
        guard s2 > 0 else { return nil }
        let s = s2.squareRoot()
        let z = sum / (Double(t).squareRoot() * s)
        let p = Special.normalSurvival(z)
        return MultiPeriodNormalTest(scope: scope, periods: t, meanDifference: sum / Double(t), s: s, z: z, p: p,
                                     trafficLight: Calibration.trafficLight(p: p))
    }

    static func measure(period: String, scores s: [Double], labels y: [Int], grades g: [String], baseline input: BacktestInput,
                        baselineAUC: Double, options: BacktestOptions) -> BacktestPeriod {
        let n = s.count, d = y.reduce(0, +)
        let mean = s.reduce(0, +) / Double(n)
        let (auc, se) = Discrimination.deLong(scores: s, labels: y)
        let ci = Discrimination.confidenceInterval(auc: auc, standardError: se)
        let ks = Discrimination.ks(scores: s, labels: y)
        let z = (baselineAUC - auc) / se
        let dropP = Special.normalSurvival(z)
        let jp = Calibration.jeffreysP(defaults: d, n: n, pd: mean)
        let sp = Calibration.spiegelhalter(scores: s, labels: y)
        let table = Calibration.gradeTable(scores: s, labels: y, grades: g)
        let hl = Calibration.hosmerLemeshow(table: table)
        let psi = Stability.psi(expected: input.baselineScores, actual: s, bins: options.psiBins, rule: options.psiRule)
        return BacktestPeriod(
            period: period, n: n, defaults: d, defaultRate: Double(d) / Double(n), meanPD: mean,
            auc: auc, aucSE: se, aucCI95Low: ci.low, aucCI95High: ci.high, gini: Discrimination.gini(auc: auc),
            ks: ks.statistic, ksThreshold: ks.threshold, aucDropZ: z, aucDropP: dropP,
            aucDropLight: Calibration.trafficLight(p: dropP),
            jeffreysP: jp, binomialP: Calibration.binomialP(defaults: d, n: n, pd: mean),
            zTestP: Calibration.zTestP(defaults: d, n: n, pd: mean), trafficLight: Calibration.trafficLight(p: jp),
            spiegelhalterZ: sp.z, spiegelhalterP: sp.pTwoSided,
            hlStatistic: hl.statistic, hlGroups: hl.groups, hlP: hl.pValueDfG,
            psi: psi.value, psiRaw: psi.raw, psiCriticalChiSquare95: psi.criticalChiSquare95,
            psiCriticalNormal95: psi.criticalNormal95, psiVerdict: psi.verdict, psiVsPrevious: nil, aucChangeVsPrevious: nil,
            csi: [], grades: table.map { BacktestGradeRow(period: period, row: $0, jeffreysPHolm: .nan, binomialPHolm: .nan, trafficLightHolm: .green) })
    }

    static func csi(_ c: BacktestCharacteristic, rows: [Int], rule: ZeroCountRule, bins: Int) -> BacktestCSI {
        switch c.values {
        case let .numeric(baseline, current):
            let b = baseline.filter { !$0.isNaN }
            let cur = rows.map { current[$0] }
            let a = cur.filter { !$0.isNaN }
            guard !b.isEmpty, !a.isEmpty else {
                return BacktestCSI(name: c.name, value: .nan, raw: .nan, verdict: "undefined (no values)", missing: cur.count - a.count)
            }
            let r = Stability.psi(expected: b, actual: a, bins: bins, rule: rule)
            return BacktestCSI(name: c.name, value: r.value, raw: r.raw, verdict: r.verdict, missing: cur.count - a.count)
        case let .categorical(baseline, current):
            let r = Stability.csi(expected: baseline, actual: rows.map { current[$0] }, rule: rule)
            return BacktestCSI(name: c.name, value: r.value, raw: r.raw, verdict: r.verdict, missing: 0)
        }
    }
}
