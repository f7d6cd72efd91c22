import Foundation
import ObligorData
import ObligorMetrics
import ObligorNumerics
import Testing
@testable import ObligorBoosting

@Suite struct BoostingTests {
    /// g and h of the log-loss against central finite differences of ℓ(F) = −y ln σ(F) − (1 − y) ln(1 − σ(F)).
    /// Step 1e-5: truncation error O(h²) ≈ 1e-10, rounding ≈ 1e-11; tolerance 1e-7.
    @Test func gradientsMatchFiniteDifferences() {
        let f: [Double] = [-3, -0.7, 0, 0.4, 2.5, 8]
        let ys: [Double] = [0, 1, 1, 0, 1, 0]
        var g = [Double](repeating: 0, count: f.count), h = g
        BinaryLogLoss().gradients(scores: f, labels: ys, gradients: &g, hessians: &h)
        func loss(_ x: Double, _ y: Double) -> Double { y * Special.log1pExp(-x) + (1 - y) * Special.log1pExp(x) }
        let e = 1e-5
        for i in 0..<f.count {
            let d1 = (loss(f[i] + e, ys[i]) - loss(f[i] - e, ys[i])) / (2 * e)
            let d2 = (loss(f[i] + e, ys[i]) - 2 * loss(f[i], ys[i]) + loss(f[i] - e, ys[i])) / (e * e)
            #expect(abs(g[i] - d1) < 1e-7)
            #expect(abs(h[i] - d2) < 1e-4)   // second difference: rounding ≈ 1e-16/1e-10 = 1e-6 relative to ℓ
        }
    }

    /// A hand-checkable tree. Starting from F = 0 (p = ½, g = ½ − y, h = ¼), with λ = 0 and η = 1:
    /// groups (x1, x2) = (0,0): 10 goods; (0,1): 10 goods; (1,0): 2 bads of 10; (1,1): 10 bads.
    /// Root split on x1 (gain 20 + 0.8 − 6.4 = 14.4 beats x2's 6.4); then x1 = 1 splits on x2
    /// (gain 3.6 + 10 − 0.8 = 12.8; x1 = 0 has gain 0). Leaves: −G/H = −2, −1.2, 2.
    @Test func exactTwoSplitTree() throws {
        var x1: [Double?] = [], x2: [Double?] = [], y: [Int] = []
        for (a, b, bads) in [(0.0, 0.0, 0), (0, 1, 0), (1, 0, 2), (1, 1, 10)] {
            for k in 0..<10 { x1.append(a); x2.append(b); y.append(k < bads ? 1 : 0) }
        }
        let frame = try Frame([.double("x1", x1), .double("x2", x2)])
        var p = BoostingParameters()
        p.numIterations = 1; p.learningRate = 1; p.numLeaves = 3; p.minDataInLeaf = 1; p.minSumHessianInLeaf = 0
        p.boostFromAverage = false
        let m = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2"], parameters: p)
        let t = m.trees[0]
        #expect(t.nodeCount == 2)
        #expect(t.splitFeature == [0, 1])
        #expect(t.threshold == [0.5, 0.5])
        #expect(abs(t.gain[0] - 14.4) < 1e-12 && abs(t.gain[1] - 12.8) < 1e-12)
        let margins = try m.margins(frame)
        for (i, expected) in [(0, -2.0), (10, -2.0), (20, -1.2), (30, 2.0)] { #expect(abs(margins[i] - expected) < 1e-12) }
    }

    /// Training is reproducible: same seed → identical model; 1 or 3 threads → identical model.
    @Test func deterministicForSeedAndThreads() throws {
        let (frame, y) = try syntheticFrame(rows: 3_000, seed: 1)
        var p = BoostingParameters()
        p.numIterations = 30; p.baggingFraction = 0.7; p.baggingFreq = 1; p.featureFraction = 0.75; p.seed = 42
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let a = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p)
        Parallel.threads = 3
        let b = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p)
        #expect(a == b)
        p.seed = 43
        let c = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p)
        #expect(a != c)
    }

    /// The model learns the signal: held-out AUC close to the Bayes AUC of the generator would be
    /// ideal; we require > 0.75 (the generator's logistic signal gives ≈ 0.80) and that the noise
    /// feature has the least gain.
    @Test func learnsSignalAndUsesCategories() throws {
        let (frame, y) = try syntheticFrame(rows: 8_000, seed: 2)
        let (test, yt) = try syntheticFrame(rows: 4_000, seed: 3)
        var p = BoostingParameters()
        p.numIterations = 80; p.learningRate = 0.1; p.numLeaves = 15; p.minDataPerGroup = 50
        let m = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p)
        let auc = Discrimination.auc(scores: try m.predictPD(test), labels: yt)
        #expect(auc > 0.75, "held-out AUC \(auc)")
        let gain = m.gainImportance
        #expect(gain[2] < gain[0] && gain[2] < gain[1] && gain[2] < gain[3])
        #expect(m.trees.contains { $0.categoriesLeft.contains { $0 != nil } })
    }

    /// Monotone constraints hold on a grid sweep: PD is non-decreasing in x1 and non-increasing in
    /// x2 for every other-feature profile tried, although the unconstrained data are not monotone in x2.
    @Test func monotoneConstraintsHoldOnAGrid() throws {
        let (frame, y) = try syntheticFrame(rows: 5_000, seed: 4)
        var p = BoostingParameters()
        p.numIterations = 60; p.numLeaves = 20; p.minDataInLeaf = 5
        p.monotoneConstraints = ["x1": 1, "x2": -1]
        let m = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p)
        let grid = stride(from: -2.5, through: 2.5, by: 0.05).map { $0 }
        for profile in 0..<12 {
            let other = Double(profile) / 6 - 1
            let grade = ["A", "C", "F", nil][profile % 4]
            let up = try Frame([.double("x1", grid), .double("x2", grid.map { _ in other }),
                                .double("noise", grid.map { _ in 0.5 }), .categorical("grade", grid.map { _ in grade })])
            let down = try Frame([.double("x1", grid.map { _ in other }), .double("x2", grid),
                                  .double("noise", grid.map { _ in 0.5 }), .categorical("grade", grid.map { _ in grade })])
            let pu = try m.predictPD(up), pdn = try m.predictPD(down)
            for k in 1..<grid.count {
                #expect(pu[k] >= pu[k - 1], "x1 sweep not increasing at \(grid[k])")
                #expect(pdn[k] <= pdn[k - 1], "x2 sweep not decreasing at \(grid[k])")
            }
        }
    }

    /// Early stopping keeps the best iteration on the validation set.
    @Test func earlyStopping() throws {
        let (frame, y) = try syntheticFrame(rows: 2_000, seed: 5)
        let (valid, yv) = try syntheticFrame(rows: 1_000, seed: 6)
        var p = BoostingParameters()
        p.numIterations = 400; p.learningRate = 0.3; p.numLeaves = 31; p.minDataInLeaf = 5; p.earlyStoppingRound = 10; p.metric = "binary_logloss"
        let m = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p,
                                          validation: (valid, yv))
        let best = try #require(m.bestIteration)
        #expect(m.trees.count == best && best < 400)
        let loss = Calibration.logLoss(scores: try m.predictPD(valid), labels: yv)
        #expect(abs(loss - m.validationMetric!) < 1e-12)
    }

    /// Codable round trip predicts bit for bit.
    @Test func reloadIsBitIdentical() throws {
        let (frame, y) = try syntheticFrame(rows: 2_000, seed: 7)
        var p = BoostingParameters()
        p.numIterations = 20
        let m = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p)
        let back = try JSONDecoder().decode(GBDTModel.self, from: JSONEncoder().encode(m))
        #expect(back == m)
        #expect(try back.predictPD(frame) == m.predictPD(frame))
    }

    @Test func badInputIsRejectedClearly() throws {
        let (frame, y) = try syntheticFrame(rows: 200, seed: 8)
        let p = BoostingParameters()
        #expect(throws: BoostingError.self) { try BoostingTrainer.train(frame: frame, labels: y.map { _ in 0 }, features: ["x1"], parameters: p) }
        let empty = frame.selectingRows([])
        #expect(throws: BoostingError.self) { try BoostingTrainer.train(frame: empty, labels: [], features: ["x1"], parameters: p) }
        #expect(throws: BoostingError.invalidData("feature 'nope' is not a column of the data")) {
            try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "nope"], parameters: p)
        }
        var bad = p
        bad.numLeaves = 1
        #expect(throws: BoostingError.self) { try BoostingTrainer.train(frame: frame, labels: y, features: ["x1"], parameters: bad) }
        #expect(throws: BoostingError.self) { try BoostingParameters.fromConfig(["num_leafs": 4]) }
        // A constant feature is named in the error; missing values are allowed (x1 has some).
        var withConstant = frame
        try withConstant.append(.double("constant", Array(repeating: 1, count: 200)))
        #expect(throws: BoostingError.self) { try BoostingTrainer.train(frame: withConstant, labels: y, features: ["x1", "constant"], parameters: p) }
        do {
            _ = try BoostingTrainer.train(frame: withConstant, labels: y, features: ["x1", "constant"], parameters: p)
        } catch {
            #expect(error.description.contains("'constant'") && error.description.contains("constant in the training data"))
        }
        #expect(frame["x1"]!.missingCount > 0)
        _ = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2"], parameters: p)
    }
}
