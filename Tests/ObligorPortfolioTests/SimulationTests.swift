import Foundation
import ObligorNumerics
import Testing
import ObligorPortfolio

/// A deterministic heterogeneous test portfolio over `m` locations.
func testLoans(_ n: Int, locations m: Int, seed: UInt64, fRange: ClosedRange<Double> = -4 ... -1.5) -> [Loan] {
    let rng = RandomSource(seed: seed)
    return (0..<n).map { i in
        Loan(exposure: (50_000 + 400_000 * rng.uniform()).rounded(), lgd: i % 3 == 0 ? 1 : 0.25 + 0.5 * rng.uniform(),
             fixedEffect: fRange.lowerBound + (fRange.upperBound - fRange.lowerBound) * rng.uniform(),
             location: rng.integer(below: m))
    }
}

/// Exponential covariance σ² exp(−|i − j| / ρ) on a line of m locations.
func exponentialCovariance(_ m: Int, variance: Double, range: Double) -> Matrix {
    var v = [Double](repeating: 0, count: m * m)
    for i in 0..<m { for j in 0..<m { v[i * m + j] = variance * exp(-Double(abs(i - j)) / range) } }
    return Matrix(rows: m, columns: m, values: v)
}

@Suite("Portfolio simulation")
struct SimulationTests {
    @Test("C = 0, μ = 0: the joint simulation equals the independent one (same seed: same draws; other seed: same law)")
    func zeroFrailtyEqualsIndependent() throws {
        let m = 6
        let frailty = try LatentFrailty(mean: .init(repeating: 0, count: m), covariance: Matrix(rows: m, columns: m))
        let model = try PortfolioModel(loans: testLoans(400, locations: m, seed: 3), frailty: frailty)
        let sim = try model.simulate(draws: 10_000, seed: 11)
        #expect(sim.factorisation.method == .zero)
        // Common random numbers: identical draws (up to a rounding tie between u(1+e^{−F}) < 1 and u < σ(F)).
        let same = zip(sim.joint.sortedDraws, sim.independent.sortedDraws).filter { $0 == $1 }.count
        #expect(same >= 9_990)
        #expect(abs(sim.joint.expectedLoss - sim.independent.expectedLoss) <= 3 * sim.joint.standardError)
        // In law, with an unrelated seed for the independent answer.
        let other = try model.simulateIndependent(draws: 10_000, seed: 12_345)
        let se = (pow(sim.joint.standardError, 2) + pow(other.standardError, 2)).squareRoot()
        #expect(abs(sim.joint.expectedLoss - other.expectedLoss) <= 3 * se)
        // sd: relative SE ≈ 1/√(2N) = 0.7 % per estimate (near-normal sums), 1 % for the difference; 4 SE.
        #expect(abs(sim.joint.standardDeviation / other.standardDeviation - 1) <= 0.04)
        for a in [0.05, 0.5, 0.95] {
            // quantile MC error ≈ √(α(1−α)/N)/f(q) ≤ 0.6 sd of the loss for these levels
            #expect(abs(sim.joint.quantile(a) - other.quantile(a)) <= 0.06 * other.standardDeviation + 1e-9)
        }
        #expect(abs(sim.joint.expectedLoss - model.analyticExpectedLoss) <= 3 * sim.joint.standardError)
    }

    @Test("One loan: the loss is EAD·LGD·Bernoulli(p); VaR and ES on either side of 1 − p")
    func oneLoan() throws {
        let frailty = try LatentFrailty(mean: [0.3], covariance: Matrix([[0.5]]))
        let model = try PortfolioModel(loans: [Loan(exposure: 100, lgd: 0.4, fixedEffect: -2.6, location: 0)], frailty: frailty)
        let p = model.marginalPD[0]
        #expect(p > 0.08 && p < 0.12)
        let n = 20_000
        for d in [try model.simulateJoint(draws: n, seed: 5), try model.simulateIndependent(draws: n, seed: 6)] {
            #expect(Set(d.sortedDraws).isSubset(of: [0, 40]))
            let ones = d.sortedDraws.filter { $0 == 40 }.count
            let pHat = Double(ones) / Double(n)
            #expect(abs(pHat - p) <= 3 * (p * (1 - p) / Double(n)).squareRoot())   // SE 0.0021
            // 1 − p̂ ∈ [0.89, 0.91]; levels 0.85 and 0.95, 0.99, 0.999 lie clearly on either side.
            #expect(d.valueAtRisk(0.85) == 0)
            #expect(abs(d.expectedShortfall(0.85) - 40 * pHat / 0.15) < 1e-9)
            #expect(d.tailConditionalExpectation(0.85) == 40 * pHat)   // all draws ≥ 0
            for a in [0.95, 0.99, 0.999] {
                #expect(d.valueAtRisk(a) == 40)
                #expect(abs(d.expectedShortfall(a) - 40) < 1e-9)
            }
            #expect(abs(d.expectedLoss - 40 * pHat) < 1e-9)
        }
    }

    @Test("Large homogeneous pool: loss-fraction quantiles ≈ σ(F + σ z_α) (logit-normal Vasicek limit)")
    func homogeneousLimit() throws {
        let n = 20_000, draws = 20_000
        let f = -3.0, sd = 0.3
        let loans = [Loan](repeating: Loan(exposure: 1, fixedEffect: f, location: 0), count: n)
        let model = try PortfolioModel(loans: loans, frailty: LatentFrailty(mean: [0], covariance: Matrix([[sd * sd]])))
        let d = try model.simulateJoint(draws: draws, seed: 2026)
        for (a, tol) in [(0.99, 0.022), (0.95, 0.015)] {
            let z = Special.normalQuantile(a)
            let limit = Special.sigmoid(f + sd * z)
            // MC SE of the quantile in z units √(α(1−α)/N)/φ(z) (0.0265 at 99 %, 0.0148 at 95 %), times
            // dq/dz / q = sd (1 − q): 0.72 % at 99 %, 0.41 % at 95 %. Tolerance ≈ 3 SE + 0.2 % for the
            // finite-pool (binomial) smoothing of the quantile.
            let q = d.valueAtRisk(a) / Double(n)
            #expect(abs(q / limit - 1) <= tol, "α=\(a): simulated \(q) vs limit \(limit)")
        }
        #expect(abs(d.expectedLoss - model.analyticExpectedLoss) <= 3 * d.standardError)
    }

    @Test("Correlated frailty: expected loss matches Σ EAD·LGD·p within 3 SE; joint spread exceeds independent")
    func expectedLossAndSpread() throws {
        let m = 12
        let frailty = try LatentFrailty(mean: (0..<m).map { 0.1 * Double($0 % 4) - 0.15 },
                                        covariance: exponentialCovariance(m, variance: 0.8, range: 4))
        let model = try PortfolioModel(loans: testLoans(2_000, locations: m, seed: 17), frailty: frailty)
        let sim = try model.simulate(draws: 10_000, seed: 99)
        #expect(sim.factorisation.method == .cholesky)
        for d in [sim.joint, sim.independent] {
            #expect(d.analyticExpectedLoss == model.analyticExpectedLoss)
            #expect(abs(d.expectedLoss - model.analyticExpectedLoss) <= 3 * d.standardError)
            var last = -Double.infinity
            for a in [0.5, 0.9, 0.95, 0.99, 0.999] {
                #expect(d.expectedShortfall(a) >= d.valueAtRisk(a))
                #expect(d.valueAtRisk(a) >= last)
                last = d.valueAtRisk(a)
            }
        }
        #expect(sim.joint.standardDeviation > 2 * sim.independent.standardDeviation)
        #expect(sim.joint.valueAtRisk(0.99) > sim.independent.valueAtRisk(0.99))
    }

    @Test("Singular and slightly indefinite covariances: jitter or eigen fallback, never NaN")
    func singularCovariance() throws {
        // Location 2 duplicates location 0: rank 2 of 3.
        let c = Matrix([[1.0, 0.6, 1.0], [0.6, 1.0, 0.6], [1.0, 0.6, 1.0]])
        let frailty = try LatentFrailty(mean: [0, 0.2, 0], covariance: c)
        let model = try PortfolioModel(loans: testLoans(300, locations: 3, seed: 8), frailty: frailty)
        let sim = try model.simulate(draws: 4_000, seed: 1)
        #expect(sim.factorisation.method != .cholesky)
        #expect(sim.joint.sortedDraws.allSatisfy { $0.isFinite })
        #expect(abs(sim.joint.expectedLoss - model.analyticExpectedLoss) <= 3 * sim.joint.standardError)

        // An eigenvalue of −1e-7 (relative): beyond the 1e-8 jitter, within the 1e-6 tolerance → eigen, clipped.
        let s = 1 / 3.0.squareRoot()
        let v = Matrix([[s, 1 / 2.0.squareRoot(), 1 / 6.0.squareRoot()], [s, -1 / 2.0.squareRoot(), 1 / 6.0.squareRoot()],
                        [s, 0, -2 / 6.0.squareRoot()]])
        let lam = [2.0, 1.0, -1e-7]
        let indefinite = try Matrix.gemm(try Matrix.gemm(v, Matrix.diagonal(lam)), v, transposeB: true)
        let sym = try LatentFrailty(mean: [0, 0, 0], covariance: indefinite).covariance
        let f = try CovarianceFactor(covariance: sym)
        #expect(f.method == .eigen)
        #expect(f.clippedEigenvalues == 1)
        let back = try Matrix.gemm(f.factor, f.factor, transposeB: true)
        for i in 0..<9 { #expect(abs(back.storage[i] - sym.storage[i]) < 1e-6) }

        // Clearly indefinite: rejected with a message, not NaN.
        let bad = Matrix([[1.0, 2.0], [2.0, 1.0]])
        let e = #expect(throws: PortfolioError.self) { try CovarianceFactor(covariance: bad) }
        #expect(e?.description.contains("not positive semi-definite") == true)
    }

    @Test("Only the used locations are simulated")
    func usedLocations() throws {
        let frailty = try LatentFrailty(mean: [0, 0, 0, 0], covariance: exponentialCovariance(4, variance: 0.5, range: 1))
        let model = try PortfolioModel(loans: [Loan(exposure: 1, fixedEffect: -2, location: 3), Loan(exposure: 1, fixedEffect: -2, location: 1)],
                                       frailty: frailty)
        #expect(model.usedLocations == [1, 3])
        #expect(try model.covarianceFactor().factor.rows == 2)
        let empty = try PortfolioModel(loans: [], frailty: frailty)
        let d = try empty.simulateJoint(draws: 10, seed: 1)
        #expect(d.sortedDraws == .init(repeating: 0, count: 10))
    }
}

@Suite("Portfolio determinism", .serialized)
struct DeterminismTests {
    @Test("Same seed ⇒ identical draws; another seed differs; the thread count changes nothing")
    func determinism() throws {
        let m = 8
        let frailty = try LatentFrailty(mean: .init(repeating: -0.1, count: m), covariance: exponentialCovariance(m, variance: 0.6, range: 2))
        let model = try PortfolioModel(loans: testLoans(700, locations: m, seed: 21), frailty: frailty)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let a = try model.simulate(draws: 3_001, seed: 42)
        Parallel.threads = 4
        let b = try model.simulate(draws: 3_001, seed: 42)
        Parallel.threads = 3
        let c = try model.simulate(draws: 3_001, seed: 43)
        #expect(a.joint == b.joint)
        #expect(a.independent == b.independent)
        #expect(a.joint.count == 3_001)
        #expect(a.joint.sortedDraws != c.joint.sortedDraws)
        #expect(a.independent.sortedDraws != c.independent.sortedDraws)
        let j1 = try model.simulateJoint(draws: 3_001, seed: 42)
        #expect(j1 == a.joint)
    }
}
