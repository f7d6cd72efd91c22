import Foundation
import ObligorBoosting
@testable import ObligorCatalog
import ObligorData
import ObligorModels
import Testing

/// Synthetic applicants: PD rises with `x1`, falls with `x2`, is U-shaped in `u`; `grade` shifts it.
func monotoneFrame(rows n: Int, seed: UInt64) throws -> (Frame, [Int]) {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    var x1: [Double?] = [], x2: [Double?] = [], u: [Double?] = [], grade: [String?] = [], y: [Int] = []
    for _ in 0..<n {
        let a = next() * 4 - 2, b = next() * 4 - 2, c = next() * 4 - 2
        let g = ["A", "B", "C"][Int(next() * 3) % 3]
        let eta = -0.5 + 1.0 * a - 0.8 * b + 1.2 * (c * c - 1.3) + (g == "C" ? 0.5 : 0)
        y.append(next() < 1 / (1 + exp(-eta)) ? 1 : 0)
        x1.append(next() < 0.05 ? nil : a)
        x2.append(b)
        u.append(c)
        grade.append(g)
    }
    return (try Frame([.double("x1", x1), .double("x2", x2), .double("u", u), .categorical("grade", grade)]), y)
}

/// A counterexample must be real: the two rows differ only in the feature, the feature grows from
/// row 0 to row 1, and scoring the rows through the ordinary path gives PDs moving against `direction`.
func expectGenuine(_ r: Monotonicity.Report, _ model: AnyModel, direction: Int) throws {
    #expect(r.verdict == .refuted)
    let cx = try #require(r.counterexample)
    let j = try #require(cx.columns.firstIndex(of: r.feature))
    for k in cx.columns.indices where k != j { #expect(cx.rows[0][k] == cx.rows[1][k]) }
    #expect(try #require(Double(cx.rows[0][j])) < (try #require(Double(cx.rows[1][j]))))
    let pds = try model.scorer.predictPD(cx.frame())
    #expect(pds == cx.pds)
    #expect((cx.margins[1] - cx.margins[0]) * Double(direction) < 0, "margins \(cx.margins) do not violate direction \(direction)")
    #expect((pds[1] - pds[0]) * Double(direction) < 0, "PDs \(pds) do not violate direction \(direction)")
}

func guardModel(_ m: AnyModel) -> GBDTModel {
    if case let .gbdt(g) = m { return g }
    fatalError("not a gbdt")
}

@Suite struct MonotonicityTests {
    let features = ["x1", "x2", "u", "grade"]

    /// Trained with constraints x1 up, x2 down: both are proven (every tree monotone); the
    /// opposite claims are refuted with rows that really violate them.
    @Test func constrainedGBDTIsProven() throws {
        let (frame, y) = try monotoneFrame(rows: 4_000, seed: 1)
        var p = BoostingParameters()
        p.numIterations = 40; p.numLeaves = 15; p.minDataInLeaf = 5
        p.monotoneConstraints = ["x1": 1, "x2": -1]
        let m = AnyModel.gbdt(try BoostingTrainer.train(frame: frame, labels: y, features: features, parameters: p))
        let up = try Monotonicity.check(m, feature: "x1", direction: 1)
        #expect(up.verdict == .proven && up.pointsChecked > 10 && up.nonMonotoneTrees.isEmpty)
        #expect(try Monotonicity.check(m, feature: "x2", direction: -1).verdict == .proven)
        try expectGenuine(try Monotonicity.check(m, feature: "x1", direction: -1), m, direction: -1)
        try expectGenuine(try Monotonicity.check(m, feature: "x2", direction: 1), m, direction: 1)
        // The U-shaped, unconstrained feature is monotone in neither direction.
        try expectGenuine(try Monotonicity.check(m, feature: "u", direction: 1), m, direction: 1)
        try expectGenuine(try Monotonicity.check(m, feature: "u", direction: -1), m, direction: -1)
        #expect(throws: Monotonicity.CheckError.self) { try Monotonicity.check(m, feature: "grade", direction: 1) }
    }

    /// Without constraints the noisy fit of x1 has local dips: the proof fails and a counterexample
    /// is found (the data's trend is up, but a fully grown ensemble is not monotone).
    @Test func unconstrainedGBDTIsRefuted() throws {
        let (frame, y) = try monotoneFrame(rows: 4_000, seed: 2)
        var p = BoostingParameters()
        p.numIterations = 60; p.numLeaves = 31; p.minDataInLeaf = 5
        let m = AnyModel.gbdt(try BoostingTrainer.train(frame: frame, labels: y, features: features, parameters: p))
        let r = try Monotonicity.check(m, feature: "x1", direction: 1)
        #expect(!r.nonMonotoneTrees.isEmpty)
        try expectGenuine(r, m, direction: 1)
    }

    /// Hand-built trees: a violation that exists only where z > 0 is found with such a row; two
    /// trees that cancel are "undecided", never "proven" (each tree alone is not monotone) and
    /// never "refuted" (the sum is constant).
    @Test func handBuiltTrees() throws {
        func stump(feature: Int, threshold: Double, left: Double, right: Double) -> DecisionTree {
            var t = DecisionTree()
            t.splitFeature = [feature]; t.threshold = [threshold]; t.strictLess = [false]; t.defaultLeft = [true]
            t.categoriesLeft = [nil]; t.left = [~0]; t.right = [~1]; t.internalCover = [2]; t.gain = [1]
            t.leafValue = [left, right]; t.leafCover = [1, 1]
            return t
        }
        var gated = DecisionTree()
        // z ≤ 0 → leaf 0 (0); else x ≤ 1 → leaf 1 (1), else leaf 2 (0).
        gated.splitFeature = [1, 0]; gated.threshold = [0, 1]; gated.strictLess = [false, false]; gated.defaultLeft = [true, true]
        gated.categoriesLeft = [nil, nil]; gated.left = [~0, ~1]; gated.right = [1, ~2]; gated.internalCover = [3, 2]; gated.gain = [1, 1]
        gated.leafValue = [0, 1, 0]; gated.leafCover = [1, 1, 1]
        let specs = [FeatureSpec(name: "x", kind: .numeric), FeatureSpec(name: "z", kind: .numeric)]
        let gatedModel = AnyModel.gbdt(GBDTModel(features: specs, trees: [gated], baseScore: 0, parameters: BoostingParameters(),
                                                 bestIteration: nil, validationMetric: nil))
        let r = try Monotonicity.check(gatedModel, feature: "x", direction: 1)
        try expectGenuine(r, gatedModel, direction: 1)
        let z = try #require(Double(r.counterexample!.rows[0][1]))
        #expect(z > 0)
        #expect(try Monotonicity.check(gatedModel, feature: "x", direction: -1).verdict == .proven)
        #expect(try Monotonicity.check(gatedModel, feature: "z", direction: 1).verdict == .proven)

        let cancel = AnyModel.gbdt(GBDTModel(features: specs, trees: [stump(feature: 0, threshold: 0, left: 1, right: 0),
                                                                      stump(feature: 0, threshold: 0, left: -1, right: 0)],
                                             baseScore: 0, parameters: BoostingParameters(), bestIteration: nil, validationMetric: nil))
        // Decided by enumerating the (tiny) grid: proven, though tree 0 alone is not monotone.
        let c = try Monotonicity.check(cancel, feature: "x", direction: 1)
        #expect(c.verdict == .proven && c.nonMonotoneTrees == [0] && c.counterexample == nil && c.method.contains("exhaustively"))
        // Too large a grid for enumeration: undecided, never a guess.
        var many: [DecisionTree] = [stump(feature: 0, threshold: 0, left: 1, right: 0), stump(feature: 0, threshold: 0, left: -1, right: 0)]
        for k in 0..<400 { many.append(stump(feature: 1, threshold: Double(k), left: 0, right: 0.001)) }
        let big = AnyModel.gbdt(GBDTModel(features: specs, trees: many, baseScore: 0, parameters: BoostingParameters(), bestIteration: nil, validationMetric: nil))
        let b = try Monotonicity.check(big, feature: "x", direction: 1)
        #expect(b.verdict == .proven)   // ≈ 800 z-cells × 3 x-points × 402 trees fit the budget
        #expect(try Monotonicity.exhaustive(guardModel(big), f: 0, direction: 1, reps: [-1, 0, 1], budget: 100) == nil)

        // A special value is outside the order: a leaf holding only x = 9999 cannot refute.
        var special = DecisionTree()
        special.splitFeature = [0, 0]; special.threshold = [9999, 9998.5]; special.strictLess = [false, false]; special.defaultLeft = [true, true]
        special.categoriesLeft = [nil, nil]; special.left = [1, ~0]; special.right = [~2, ~1]; special.internalCover = [3, 2]; special.gain = [1, 1]
        special.leafValue = [0, 5, 1]; special.leafCover = [1, 1, 1]   // x ≤ 9998.5 → 0; (9998.5, 9999] → 5; > 9999 → 1
        let withSpecial = [FeatureSpec(name: "x", kind: .numeric, specialValues: [9999]), FeatureSpec(name: "z", kind: .numeric)]
        let sm = AnyModel.gbdt(GBDTModel(features: withSpecial, trees: [special], baseScore: 0, parameters: BoostingParameters(),
                                         bestIteration: nil, validationMetric: nil))
        // (9998.5, 9999) still holds ordinary values scoring 5 > 1, so "up" is refuted there, not at 9999 itself.
        let s = try Monotonicity.check(sm, feature: "x", direction: 1)
        try expectGenuine(s, sm, direction: 1)
        #expect(!s.counterexample!.rows.contains { $0[0] == "9999.0" })
    }

    /// Scorecard: with monotone binning, β·WoE is ordered, so one direction is proven and the other
    /// refuted; without it, the U-shaped feature is refuted both ways. Logistic: the coefficient sign.
    @Test func scorecardAndLogistic() throws {
        let (frame, y) = try monotoneFrame(rows: 4_000, seed: 3)
        var o = ScorecardOptions()
        o.monotone = true
        let card = AnyModel.scorecard(try ScorecardModel.train(frame: frame, target: "bad", features: ["x1", "x2", "u", "grade"], labels: y, options: o))
        #expect(try Monotonicity.check(card, feature: "x1", direction: 1).verdict == .proven)
        try expectGenuine(try Monotonicity.check(card, feature: "x1", direction: -1), card, direction: -1)
        #expect(try Monotonicity.check(card, feature: "x2", direction: -1).verdict == .proven)
        o.monotone = false
        o.minIV = 0
        let free = AnyModel.scorecard(try ScorecardModel.train(frame: frame, target: "bad", features: ["x1", "x2", "u"], labels: y, options: o))
        try expectGenuine(try Monotonicity.check(free, feature: "u", direction: 1), free, direction: 1)
        try expectGenuine(try Monotonicity.check(free, feature: "u", direction: -1), free, direction: -1)

        let logit = AnyModel.logistic(try LogisticModel.train(frame: frame, target: "bad", features: ["x1", "x2", "grade"], labels: y))
        #expect(try Monotonicity.check(logit, feature: "x1", direction: 1).verdict == .proven)
        #expect(try Monotonicity.check(logit, feature: "x2", direction: -1).verdict == .proven)
        try expectGenuine(try Monotonicity.check(logit, feature: "x1", direction: -1), logit, direction: -1)
        try expectGenuine(try Monotonicity.check(logit, feature: "x2", direction: 1), logit, direction: 1)
    }
}

/// Soundness on imported XGBoost (strict `<` splits, 300 trees) and LightGBM (categorical splits)
/// models: every "proven" verdict survives a brute-force sweep of the feature over all its
/// threshold regions on real rows, and every "refuted" one comes with genuine rows.
@Suite struct ImportedMonotonicityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ObligorBoostingTests/Fixtures")

    func sweep(_ m: GBDTModel, _ frame: Frame, _ verdicts: inout [Monotonicity.Verdict]) throws {
        let raw = try RawFeatures.from(frame, specs: m.features)
        let p = m.features.count
        let used = Set(m.trees.flatMap(\.splitFeature))
        for (f, spec) in m.features.enumerated() where spec.kind == .numeric && used.contains(f) {
            for direction in [1, -1] {
                let r = try Monotonicity.check(.gbdt(m), feature: spec.name, direction: direction)
                verdicts.append(r.verdict)
                switch r.verdict {
                case .refuted: try expectGenuine(r, .gbdt(m), direction: direction)
                case .undecided: break
                case .proven:
                    let points = Monotonicity.regionPoints(m, f)
                    for i in stride(from: 0, to: raw.rows, by: 5) {
                        var values: [Double] = []
                        for x in points { var row = Array(raw.values[(i * p)..<((i + 1) * p)]); row[f] = x; values += row }
                        let margins = m.margins(RawFeatures(rows: points.count, columns: p, values: values))
                        for k in 1..<margins.count { #expect((margins[k] - margins[k - 1]) * Double(direction) >= 0, "\(spec.name) row \(i)") }
                    }
                }
            }
        }
    }

    @Test func xgboostAndLightGBM() throws {
        var verdicts: [Monotonicity.Verdict] = []
        let fx = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("xgb_margins.json"))) as! [String: Any]
        let xgb = try XGBoostImport.model(from: Data(contentsOf: Self.fixtures.appendingPathComponent("german_xgb.json")),
                                          featureNames: fx["feature_names"] as? [String])
        try sweep(xgb, try CSVReader.read(path: Self.fixtures.appendingPathComponent("xgb_inputs.csv").path), &verdicts)
        let lgb = try LightGBMImport.model(from: String(contentsOf: Self.fixtures.appendingPathComponent("lgb_german.txt"), encoding: .utf8))
        try sweep(lgb, try CSVReader.read(path: Self.fixtures.appendingPathComponent("lgb_inputs.csv").path), &verdicts)
        #expect(verdicts.contains(.refuted))
        print("imported-model verdicts:", Dictionary(grouping: verdicts, by: \.rawValue).mapValues(\.count))
        #expect(verdicts.count >= 10)
    }
}
