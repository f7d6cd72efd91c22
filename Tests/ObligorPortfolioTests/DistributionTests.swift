import Foundation
import Testing
import ObligorPortfolio

@Suite("Portfolio loss distribution and scores")
struct DistributionTests {
    let ten = try! LossDistribution(draws: [7, 3, 10, 1, 5, 2, 9, 4, 8, 6])

    @Test("Quantiles are x₍⌈Nα⌉₎ (inverse empirical CDF)")
    func quantiles() {
        #expect(ten.sortedDraws == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(ten.quantile(0.95) == 10)   // ⌈9.5⌉ = 10
        #expect(ten.quantile(0.9) == 9)     // Nα = 9 up to rounding → k = 9
        #expect(ten.quantile(0.5) == 5)
        #expect(ten.quantile(0.25) == 3)    // ⌈2.5⌉ = 3
        #expect(ten.quantile(0.01) == 1)
        #expect(ten.valueAtRisk(0.999) == 10)
        #expect(ten.expectedLoss == 5.5)
        #expect(abs(ten.standardDeviation - (55.0 / 6).squareRoot()) < 1e-12)
        #expect(abs(ten.standardError - ten.standardDeviation / 10.0.squareRoot()) < 1e-15)
    }

    @Test("Expected shortfall is the mean of the worst N(1−α) draws (Acerbi–Tasche)")
    func expectedShortfall() {
        #expect(abs(ten.expectedShortfall(0.8) - 9.5) < 1e-12)            // (9 + 10) / 2
        #expect(abs(ten.expectedShortfall(0.75) - 9.2) < 1e-12)           // (10 + 9 + ½·8) / 2.5
        #expect(abs(ten.expectedShortfall(0.95) - 10) < 1e-12)            // half a draw: 10
        #expect(abs(ten.expectedShortfall(0.5) - 8) < 1e-12)              // (6+…+10)/5
        #expect(abs(ten.tailConditionalExpectation(0.8) - 9) < 1e-12)     // mean of {8, 9, 10}
    }

    @Test("ES ≥ VaR and VaR, ES monotone in α, on skewed draws with ties")
    func coherenceProperties() throws {
        var draws: [Double] = []
        var x: UInt64 = 12345
        for _ in 0..<997 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let u = Double(x >> 11) / Double(1 << 53)
            draws.append(u < 0.3 ? 0 : (-log(1 - u) * 1000).rounded())   // atom at 0, ties
        }
        let d = try LossDistribution(draws: draws)
        var lastVar = -Double.infinity, lastES = -Double.infinity
        for a in stride(from: 0.01, to: 1.0, by: 0.01) + [0.995, 0.999] {
            let v = d.valueAtRisk(a), e = d.expectedShortfall(a)
            #expect(e >= v, "α=\(a): ES \(e) < VaR \(v)")
            #expect(v >= lastVar)
            #expect(e >= lastES - 1e-9)
            lastVar = v; lastES = e
        }
    }

    @Test("PIT uses mid-ranks for ties")
    func pit() {
        let x: [Double] = [1, 2, 2, 3]
        #expect(ScoringRules.pit(sortedDraws: x, realised: 2) == 0.5)     // (1 + ½·2)/4
        #expect(ScoringRules.pit(sortedDraws: x, realised: 0) == 0)
        #expect(ScoringRules.pit(sortedDraws: x, realised: 2.5) == 0.75)
        #expect(ScoringRules.pit(sortedDraws: x, realised: 3) == 0.875)
        #expect(ScoringRules.pit(sortedDraws: x, realised: 10) == 1)
    }

    @Test("Pinball loss on hand-computed cases")
    func pinball() {
        #expect(abs(ScoringRules.pinball(realised: 12, quantile: 10, level: 0.95) - 1.9) < 1e-12)
        #expect(abs(ScoringRules.pinball(realised: 8, quantile: 10, level: 0.95) - 0.1) < 1e-12)
        #expect(ScoringRules.pinball(realised: 10, quantile: 10, level: 0.99) == 0)
        #expect(abs(ScoringRules.pinball(realised: 0, quantile: 10, level: 0.99) - 0.1) < 1e-12)
        let s = ten.score(realisedLoss: 12)
        #expect(abs(s.pinball["0.95"]! - 0.95 * 2) < 1e-12)   // q_0.95 = 10
        #expect(abs(s.pinball["0.99"]! - 0.99 * 2) < 1e-12)
        #expect(s.pit == 1)
    }

    @Test("Sample CRPS in O(N log N) equals the O(N²) definition to 1e-9")
    func crpsMatchesBruteForce() throws {
        #expect(abs(ScoringRules.crps(sortedDraws: [3], realised: 5) - 2) < 1e-15)
        #expect(abs(ScoringRules.crps(sortedDraws: [0, 2], realised: 1) - 0.5) < 1e-15)
        var x: UInt64 = 99
        for trial in 0..<5 {
            let n = 150 + 97 * trial
            var draws: [Double] = []
            for _ in 0..<n {
                x = x &* 6364136223846793005 &+ 1442695040888963407
                let u = Double(x >> 11) / Double(1 << 53)
                draws.append(trial % 2 == 0 ? (u * 50).rounded() : exp(4 * u) * 1e3)   // ties / continuous
            }
            let sorted = draws.sorted()
            for l in [-5.0, sorted[n / 3], 25.0, 1e4, 1e5] {
                var a = 0.0, b = 0.0
                for xi in draws { a += abs(xi - l) }
                for xi in draws { for xj in draws { b += abs(xi - xj) } }
                let brute = a / Double(n) - 0.5 * b / Double(n * n)
                let fast = ScoringRules.crps(sortedDraws: sorted, realised: l)
                #expect(abs(fast - brute) <= 1e-9 * max(1, abs(brute)), "n=\(n) L=\(l): \(fast) vs \(brute)")
            }
        }
    }

    @Test("Bad draws are rejected")
    func badDraws() {
        #expect(throws: PortfolioError.invalidParameter("a loss distribution needs at least one draw")) {
            try LossDistribution(draws: [])
        }
        let e = #expect(throws: PortfolioError.self) { try LossDistribution(draws: [1, .nan]) }
        #expect(e?.description.contains("loss draw 1") == true)
    }
}
