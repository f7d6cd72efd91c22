import Foundation
import ObligorBoosting
import ObligorData
import ObligorModels
import Testing
@testable import ObligorRecourse

/// The German anchors of notes/recourse.md §5–6: reachable-set sizes for every row, and verdict
/// counts for the logistic weights and the XGBoost model given, all exact (integer counts).
@Suite("German reference (reachml complex_nD)")
struct GermanReferenceTests {
    /// The partition equals the one reachml derives (recorded in the JSON), part by part.
    @Test func partitionMatchesReachml() throws {
        let (_, space) = try germanSpace()
        let names = space.parts.map { $0.features.map { space.features[$0].name } }
        #expect(names == space.actionSet.declaredPartition)
        #expect(space.parts.allSatisfy { !$0.isInterval })
    }

    /// |R(x)| and every part's size equal reference/german_complex_nD_reachable_sizes.csv for all
    /// 1,000 rows. Exact integer comparison: sizes are counts of distinct points.
    @Test func reachableSetSizesEveryRow() throws {
        let (frame, space) = try germanSpace()
        let x = try space.matrix(frame)
        let d = space.features.count
        var cache = ReachableSetCache(partCount: space.parts.count)
        let reference = try fixtureRows("german_complex_nD_reachable_sizes.csv")
        #expect(reference.count == frame.rowCount)
        var mismatches: [String] = []
        x.withUnsafeBufferPointer { xp in
            for r in reference {
                let i = Int(r[0])!
                let row = UnsafeBufferPointer(rebasing: xp[(i * d)..<((i + 1) * d)])
                let sizes = space.parts.indices.map { cache.reach(space, part: $0, x: row).size }
                let want = r.dropFirst(2).map { Double($0)! }
                if sizes != want || sizes.reduce(1, *) != Double(r[1])! { mismatches.append("row \(i): \(sizes) vs \(want)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        // Sets are shared: far fewer enumerations than rows × parts.
        #expect(cache.enumerations < frame.rowCount * space.parts.count / 4)
    }

    /// The logistic weights given (predict good iff b + w·x > 0) as an Obligor PD model:
    /// PD(bad) = σ(−b − w·x), approve when PD < 0.5. Counts must equal the expected JSON exactly;
    /// each fixed row's best reachable score equals the reference's to 5e-6 (printed to 5 decimals).
    @Test func logisticVerdictCounts() throws {
        let (frame, space) = try germanSpace()
        let lr = try #require(try germanExpected()["logreg"] as? [String: Any])
        let w = (lr["w"] as! [Double]), b = lr["b"] as! Double, names = lr["features"] as! [String]
        let model = try LogisticInterchange(target: "bad", features: names, intercept: -b, coefficients: w.map { -$0 }, threshold: 0.5).model()
        let verifier = try RecourseVerifier(space: space, model: model, frame: frame, options: RecourseOptions(threshold: 0.5))
        #expect(verifier.method == "linear")
        var cache = ReachableSetCache(partCount: space.parts.count)
        let summary = try verifier.verify(cache: &cache)
        let labels = try frame.binaryTarget("IsCreditRiskGood")
        let denied = summary.rows.filter { $0.verdict != .approved }
        let fixed = summary.rows.filter { $0.verdict == .noRecourse }
        #expect(denied.count == lr["n_pred_neg"] as! Int)
        #expect(fixed.count == lr["n_fixed_pred"] as! Int)
        #expect(denied.filter { labels[$0.row] == 0 }.count == lr["n_label_neg_pred_neg"] as! Int)
        #expect(fixed.filter { labels[$0.row] == 0 }.count == lr["n_fixed_label_neg_pred_neg"] as! Int)
        #expect(summary.counts[.abstain] == 0)
        // Per row: fixed flags and the best reachable score b + w·x' = −logit(best PD).
        let reference = try fixtureRows("german_complex_nD_logreg_verdicts.csv")
        for r in reference {
            let i = Int(r[0])!, result = summary.rows[i]
            #expect((result.verdict == .approved) == (r[1] == "1"), "row \(i)")
            #expect((result.verdict == .noRecourse) == (r[2] == "1"), "row \(i)")
            if result.verdict == .noRecourse, let best = result.bestProbability {
                let score = -log(best / (1 - best))
                #expect(abs(score - Double(r[3])!) <= 5e-6, "row \(i): \(score) vs \(r[3])")
            }
        }
        // Every witness is inside the reachable set and approved (no loopholes).
        for r in summary.rows where r.verdict == .recourse { #expect(!(r.witness ?? []).isEmpty) }
    }

    /// The XGBoost model given (300 trees, predicts "good"), imported; approve when P(good) > 0.5.
    /// Counts and every row's fixed flag must equal the reference exactly.
    @Test func xgboostVerdictCounts() throws {
        let (frame, space) = try germanSpace()
        let names = try #require(try germanExpected()["logreg"] as? [String: Any])["features"] as! [String]
        let model = try XGBoostImport.model(from: fixtureData("german_complex_nD_xgb.json"), featureNames: names)
        let verifier = try RecourseVerifier(space: space, model: model, frame: frame, options: RecourseOptions(threshold: 0.5, approveAbove: true))
        #expect(verifier.method == "tree")
        var cache = ReachableSetCache(partCount: space.parts.count)
        let summary = try verifier.verify(cache: &cache)
        let xgb = try #require(try germanExpected()["xgb"] as? [String: Any])
        let labels = try frame.binaryTarget("IsCreditRiskGood")
        let denied = summary.rows.filter { $0.verdict != .approved }
        let fixed = summary.rows.filter { $0.verdict == .noRecourse }
        #expect(denied.count == xgb["n_pred_neg"] as! Int)
        #expect(fixed.count == xgb["n_fixed_pred"] as! Int)
        #expect(denied.filter { labels[$0.row] == 0 }.count == xgb["n_label_neg_pred_neg"] as! Int)
        #expect(fixed.filter { labels[$0.row] == 0 }.count == xgb["n_fixed_label_neg_pred_neg"] as! Int)
        #expect(summary.counts[.abstain] == 0)
        for r in try fixtureRows("german_complex_nD_xgb_verdicts.csv") {
            let i = Int(r[0])!
            #expect((summary.rows[i].verdict == .approved) == (r[1] == "1"), "row \(i)")
            #expect((summary.rows[i].verdict == .noRecourse) == (r[2] == "1"), "row \(i)")
        }
    }
}
