import Foundation
import ObligorData
import Testing
@testable import ObligorBoosting

@Suite struct TreeSHAPTests {
    /// v(S) = E[f(x) | x_S] by cover weighting (the quantity TreeSHAP explains), by brute force.
    static func conditionalExpectation(_ t: DecisionTree, row: [Double], known: Set<Int>, node: Int = 0) -> Double {
        if t.nodeCount == 0 { return t.leafValue[0] }
        if node < 0 { return t.leafValue[~node] }
        let f = t.splitFeature[node]
        if known.contains(f) {
            return conditionalExpectation(t, row: row, known: known, node: t.goesLeft(node, row[f]) ? t.left[node] : t.right[node])
        }
        let l = t.left[node], r = t.right[node]
        let cl = l < 0 ? t.leafCover[~l] : t.internalCover[l]
        let cr = r < 0 ? t.leafCover[~r] : t.internalCover[r]
        return (cl * conditionalExpectation(t, row: row, known: known, node: l) + cr * conditionalExpectation(t, row: row, known: known, node: r)) / (cl + cr)
    }

    /// Shapley values by enumerating every coalition.
    static func bruteForce(_ t: DecisionTree, row: [Double], features m: Int) -> [Double] {
        var phi = [Double](repeating: 0, count: m)
        func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }
        for i in 0..<m {
            let others = (0..<m).filter { $0 != i }
            for mask in 0..<(1 << others.count) {
                var s = Set<Int>()
                for (k, f) in others.enumerated() where mask & (1 << k) != 0 { s.insert(f) }
                let w = factorial(s.count) * factorial(m - s.count - 1) / factorial(m)
                var with = s
                with.insert(i)
                phi[i] += w * (conditionalExpectation(t, row: row, known: with) - conditionalExpectation(t, row: row, known: s))
            }
        }
        return phi
    }

    /// TreeSHAP equals brute-force Shapley values on small trees (depth ≤ 5, 4 features, repeated
    /// splits on a feature along a path, missing values), to 1e-12: both are exact; only the
    /// summation order differs.
    @Test func equalsBruteForceShapley() throws {
        let (frame, y) = try syntheticFrame(rows: 1_500, seed: 11)
        var p = BoostingParameters()
        p.numIterations = 5; p.numLeaves = 12; p.maxDepth = 5; p.minDataInLeaf = 10
        let m = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p)
        let raw = try RawFeatures.from(frame.selectingRows(Array(0..<25)), specs: m.features)
        var worst = 0.0
        for t in m.trees {
            for i in 0..<raw.rows {
                let row = Array(raw.values[(i * 4)..<((i + 1) * 4)])
                var fast = [Double](repeating: 0, count: 4)
                TreeSHAP.accumulate(t, row: row, into: &fast)
                let slow = Self.bruteForce(t, row: row, features: 4)
                for j in 0..<4 { worst = max(worst, abs(fast[j] - slow[j])) }
            }
        }
        #expect(worst < 1e-12, "largest difference \(worst)")
    }

    /// Local accuracy: expected margin + Σ contributions = margin, for every row (1e-10: sums of
    /// ~100 terms of size ≤ 1).
    @Test func contributionsSumToTheMargin() throws {
        let (frame, y) = try syntheticFrame(rows: 2_000, seed: 12)
        var p = BoostingParameters()
        p.numIterations = 40
        let m = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise", "grade"], parameters: p)
        let raw = try RawFeatures.from(frame, specs: m.features)
        let margins = m.margins(raw)
        let (phi, expected) = m.contributions(raw)
        for i in stride(from: 0, to: 2_000, by: 7) {
            #expect(abs(expected + phi[i].reduce(0, +) - margins[i]) < 1e-10)
        }
        // Reason codes are the positive contributions, largest first.
        let codes = try m.reasonCodes(frame.selectingRows([0, 1, 2]), top: 2)
        for (i, rc) in codes.enumerated() {
            let positive = phi[i].filter { $0 > 0 }.sorted(by: >)
            #expect(rc.map(\.impact) == Array(positive.prefix(2)))
        }
    }
}
