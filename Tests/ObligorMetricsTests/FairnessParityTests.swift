import Foundation
import Testing
@testable import ObligorMetrics

/// The oracle's sample with its decision column (`y_pred`: 1 = decline, 0 = approve).
struct DecisionSample {
    var y: [Int] = []
    var score: [Double] = []
    var approved: [Bool] = []
    var group: [String] = []

    init(resource name: String) throws {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures"))
        var lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        let iy = try #require(header.firstIndex(of: "y_true")), isc = try #require(header.firstIndex(of: "y_score"))
        let ip = try #require(header.firstIndex(of: "y_pred")), ig = try #require(header.firstIndex(of: "group"))
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            y.append(try #require(Int(f[iy])))
            score.append(try #require(Double(f[isc])))
            approved.append(try #require(Int(f[ip])) == 0)
            group.append(f[ig])
        }
    }
}

/// Every `fairness.*` value of shared/anchors/metrics/reference_metrics.py (fairlearn 0.15 /
/// aif360 0.6.1 / scipy) on the fixture sample, privileged group A, approval lens.
/// Tolerance: 1e-9 absolute (`parityTol`, the bound): every value is a ratio of small
/// integer counts or a closed form of them, so double rounding differs from numpy's by ~1e-15.
@Suite("Fairness oracle parity (expected_output.json, fairness.*)")
struct FairnessParityTests {
    let audit: FairnessAudit
    let ex: Expected

    init() throws {
        let s = try DecisionSample(resource: "current")
        ex = try Expected()
        audit = try Fairness.audit(labels: s.y, approved: s.approved, scores: s.score,
                                   attributes: [FairnessAttribute(name: "group", groups: s.group, privileged: "A")],
                                   options: FairnessAuditOptions(bootstrapReplicates: 0))
    }

    @Test func perGroupTable() throws {
        let want = ex.table("fairness.by_group")
        let got = audit.attributes[0].groups
        #expect(want.count == 3 && got.count == 3)
        for (w, g) in zip(want, got) {
            #expect(w["group"] as? String == g.group)
            let o = g.jsonObject
            #expect((w["count"] as? NSNumber)?.intValue == g.counts.n)
            #expect((w["four_fifths_flag"] as? Bool) == g.fourFifthsFlag, "four_fifths_flag of \(g.group)")
            for key in ["selection_rate", "tpr", "fpr", "fnr", "base_rate_fav", "default_rate", "mean_pd", "auc",
                        "tpr_default_lens", "fpr_default_lens", "impact_ratio_vs_max", "air_vs_privileged"] {
                let wv = try #require(Expected.number(w[key]), "fixture \(key)")
                let gv = try #require(o[key] as? Double, "audit \(key)")
                expectClose(gv, wv, "by_group[\(g.group)].\(key)")
            }
        }
    }

    @Test func fairlearnSummaries() {
        let a = audit.attributes[0]
        for m in GroupSummaryMetric.allCases {
            expectClose(a[m], ex.num("fairness.fairlearn.\(m.rawValue)"), "fairlearn.\(m.rawValue)")
        }
    }

    @Test func aif360Comparisons() {
        let comps = audit.attributes[0].comparisons
        #expect(comps.map(\.tag) == ["rest_vs_A", "B_vs_A", "C_vs_A"])
        for c in comps {
            let prefix = "fairness.aif360.\(c.tag)."
            for m in ComparisonMetric.allCases { expectClose(c[m], ex.num(prefix + m.rawValue), prefix + m.rawValue) }
            expectClose(c.fisherP, ex.num(prefix + "fisher_exact_p_selection"), prefix + "fisher_exact_p_selection")
            expectClose(c.chiSquareP, ex.num(prefix + "chi2_p_selection"), prefix + "chi2_p_selection")
            #expect(c.fourFifthsViolation == (ex.dict[prefix + "four_fifths_violation"] as? Bool), "\(prefix)four_fifths_violation")
        }
    }

    /// Every fairness key of the fixture is checked by the tests above (guards against a new oracle key going unnoticed).
    @Test func everyFairnessKeyCovered() {
        let covered = Set(ComparisonMetric.allCases.map(\.rawValue) + ["fisher_exact_p_selection", "chi2_p_selection", "four_fifths_violation"])
        for key in ex.dict.keys where key.hasPrefix("fairness.aif360.") {
            #expect(covered.contains(String(key.split(separator: ".").last!)), "uncovered oracle key \(key)")
        }
        for key in ex.dict.keys where key.hasPrefix("fairness.fairlearn.") {
            #expect(GroupSummaryMetric(rawValue: String(key.split(separator: ".").last!)) != nil, "uncovered oracle key \(key)")
        }
    }

    /// Holm on a textbook example (Holm 1979 step-down; statsmodels `multipletests(method="holm")`
    /// gives [0.04, 0.06, 0.06, 0.06] for these inputs). Exact arithmetic on short decimals: 1e-12.
    @Test func holmStepDown() {
        let adj = FairnessSignificance.holm([0.01, 0.04, 0.03, 0.02])
        let want = [0.04, 0.06, 0.06, 0.06]
        for (g, w) in zip(adj, want) { expectClose(g, w, abs: 1e-12, "holm") }
        let withNaN = FairnessSignificance.holm([0.5, .nan, 0.01])
        #expect(withNaN[1].isNaN)
        expectClose(withNaN[2], 0.02, abs: 1e-12, "holm m excludes NaN")
        expectClose(withNaN[0], 0.5, abs: 1e-12, "holm cap and monotone")
    }

    /// Fisher exact on R's `fisher.test` tea-tasting table [[3,1],[1,3]]: p = 0.4857142857 (= 34/70).
    @Test func fisherTeaTasting() {
        expectClose(FairnessSignificance.fisherExact(3, 1, 1, 3), 34.0 / 70.0, abs: 1e-12, "fisher tea")
        expectClose(FairnessSignificance.fisherExact(5, 0, 0, 5), 2.0 / 252.0, abs: 1e-12, "fisher extreme")
    }
}
