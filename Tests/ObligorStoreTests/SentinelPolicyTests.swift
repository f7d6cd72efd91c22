import Foundation
import ObligorBoosting
import ObligorCatalog
import ObligorData
@testable import ObligorModels
import Testing

/// Data full of sentinels, HELOC/Freddie style: x1 uses -7, -8, -9 (≈ 30% of rows) and x2 uses 9999
/// (≈ 20%), on top of ordinary missing values; grade has missing labels.
func sentinelFrame(rows n: Int, seed: UInt64) throws -> (Frame, [Int]) {
    let (base, y) = try monotoneFrame(rows: n, seed: seed)
    var state = seed
    func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    let x1 = (0..<n).map { i -> Double? in
        let r = next()
        return r < 0.1 ? -7 : r < 0.2 ? -8 : r < 0.3 ? -9 : base["x1"]!.numericValue(at: i)
    }
    let x2 = (0..<n).map { i -> Double? in next() < 0.2 ? 9999 : (next() < 0.05 ? nil : base["x2"]!.numericValue(at: i)) }
    let grade = (0..<n).map { i -> String? in next() < 0.1 ? nil : base["grade"]!.text(at: i) }
    return (try Frame([.double("x1", x1), .double("x2", x2), base["u"]!, .categorical("grade", grade)]), y)
}

let sentinelSpecials: [String: [Double]] = ["x1": [-7, -8, -9], "x2": [9999]]

@Suite struct SentinelPolicyTests {
    /// GBDT: the margin each training row had inside the trainer (bin space, where sentinels were
    /// binned as missing) equals, bit for bit and row by row, the margin the stored model gives the
    /// same raw row at scoring time (raw space, where the stored special values become NaN).
    @Test func gbdtTrainingAndScoringAgreeRowByRow() throws {
        let (frame, y) = try sentinelFrame(rows: 3_000, seed: 21)
        var p = BoostingParameters()
        p.numIterations = 30; p.numLeaves = 15; p.minDataInLeaf = 5; p.baggingFraction = 0.8; p.baggingFreq = 1; p.seed = 9
        let features = ["x1", "x2", "u", "grade"]
        let booster = try TreeBooster(frame: frame, features: features, parameters: p, specialValues: sentinelSpecials)
        let objective = BinaryLogLoss()
        let labels = y.map(Double.init)
        let base = objective.initialScore(labels: labels)
        var scores = [Double](repeating: base, count: y.count)
        var g = scores, h = scores
        for _ in 0..<p.numIterations {
            objective.gradients(scores: scores, labels: labels, gradients: &g, hessians: &h)
            let out = booster.addTree(gradients: g, hessians: h)
            for i in scores.indices { scores[i] += out[i] }
        }
        let model = GBDTModel(features: booster.featureSpecs, trees: booster.trees, baseScore: base, parameters: p,
                              bestIteration: nil, validationMetric: nil)
        #expect(model.features[0].specialValues == [-7, -8, -9] && model.features[1].specialValues == [9999])
        let scored = try model.margins(frame)
        let disagree = scores.indices.filter { scores[$0].bitPattern != scored[$0].bitPattern }
        #expect(disagree.isEmpty, "\(disagree.count) rows differ, first \(disagree.prefix(5))")
        // Sentinels matter: the trees use the missing branch for x1 and x2.
        #expect(model.trees.contains { t in t.splitFeature.contains(0) })
        // A sentinel row scores exactly as the same row with the value missing.
        let sentinelRows = (0..<frame.rowCount).filter { [-7, -8, -9].contains(frame["x1"]!.numericValue(at: $0) ?? 0) }
        let blanked = try Frame([.double("x1", sentinelRows.map { _ in nil }), .double("x2", sentinelRows.map { frame["x2"]!.numericValue(at: $0) }),
                                 .double("u", sentinelRows.map { frame["u"]!.numericValue(at: $0) }),
                                 .categorical("grade", sentinelRows.map { frame["grade"]!.text(at: $0) })])
        #expect(try model.margins(blanked) == sentinelRows.map { scored[$0] })
    }

    /// Scorecard: the bin each training row is counted in (the stored goods and bads per bin)
    /// equals the bin scoring assigns to the same rows; every sentinel row lands in <missing>.
    @Test func scorecardTrainingAndScoringAgreeRowByRow() throws {
        let (frame, y) = try sentinelFrame(rows: 3_000, seed: 22)
        var o = ScorecardOptions()
        o.minIV = 0
        let card = try ScorecardModel.train(frame: frame, target: "bad", features: ["x1", "x2", "u", "grade"], labels: y, options: o,
                                            specialValues: sentinelSpecials)
        for c in card.characteristics {
            let bins = try card.binIndices(c, frame)
            var goods = [Int](repeating: 0, count: c.bins.count), bads = goods
            for (i, b) in bins.enumerated() {
                let b = try #require(b, "training row \(i) has no bin for \(c.name)")
                if y[i] == 1 { bads[b] += 1 } else { goods[b] += 1 }
                if let v = frame[c.name]!.numericValue(at: i), (sentinelSpecials[c.name] ?? []).contains(v) { #expect(b == c.missingBin) }
            }
            #expect(goods == c.bins.map(\.goods), "\(c.name)")
            #expect(bads == c.bins.map(\.bads), "\(c.name)")
        }
        let x1 = try #require(card.characteristics.first { $0.name == "x1" })
        let missing = try #require(x1.missingBin)
        #expect(x1.bins[missing].goods + x1.bins[missing].bads > 800)   // the sentinels (≈ 30%) and nothing lost
        // Sentinels never shape the numeric bins: every edge lies within the ordinary values' range (x1 ∈ [-2, 2]).
        #expect(x1.edges.allSatisfy { $0 > -2.5 && $0 < 2.5 }, "\(x1.edges)")
    }

    /// Logistic: a sentinel is scored as the training mean plus the missing indicator, the same
    /// design row training used; `missingPolicy` reports all three models' treatment.
    @Test func logisticAndDescribedPolicy() throws {
        let (frame, y) = try sentinelFrame(rows: 2_000, seed: 23)
        let lr = try LogisticModel.train(frame: frame, target: "bad", features: ["x1", "x2", "grade"], labels: y, specialValues: sentinelSpecials)
        let x = try lr.encoder.design(frame, intercept: true)
        let col = 1 + (lr.encoder.designNames.firstIndex(of: "x1") ?? -100)
        let fill = try #require(lr.encoder.features[0].fill)
        for i in 0..<frame.rowCount where [-7.0, -8, -9].contains(frame["x1"]!.numericValue(at: i) ?? 0) {
            #expect(x[i, col] == fill && x[i, col + 1] == 1)
        }
        let policy = AnyModel.logistic(lr).missingPolicy
        #expect(policy.first?.specialValues == [-7, -8, -9] && policy.first?.missing.contains("indicator") == true)
        let card = AnyModel.scorecard(try ScorecardModel.train(frame: frame, target: "bad", features: ["x1", "x2"], labels: y,
                                                               specialValues: sentinelSpecials))
        #expect(card.missingPolicy.allSatisfy { $0.missing.hasPrefix("bin <missing>") })
    }
}
