import Foundation
import ObligorNumerics
import Testing
import ObligorPortfolio

/// Brute-force reference: composite Simpson on [−40, 40] with 400,000 intervals of
/// `σ(a + s z) φ(z)` (step 2e-4; Simpson error ≈ h⁴ max|f⁗| / 180 ≪ 1e-10 for s ≤ 8).
func simpsonLogisticNormal(_ a: Double, _ s: Double) -> Double {
    let n = 400_000, lo = -40.0, hi = 40.0
    let h = (hi - lo) / Double(n)
    func f(_ z: Double) -> Double { Special.sigmoid(a + s * z) * exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
    var sum = f(lo) + f(hi)
    for i in 1..<n { sum += (i % 2 == 1 ? 4 : 2) * f(lo + Double(i) * h) }
    return sum * h / 3
}

@Suite("Portfolio quadrature")
struct QuadratureTests {
    @Test("Gauss–Hermite integrates x^{2k} e^{−x²} exactly up to degree 2n−1")
    func moments() {
        for n in [30, 32, 64] {
            let r = GaussHermite(count: n)
            #expect(r.nodes.count == n)
            for k in 0..<n {  // degree 2k ≤ 2n − 2
                var s = 0.0
                for i in 0..<n { s += r.weights[i] * pow(r.nodes[i], Double(2 * k)) }
                let exact = exp(Special.logGamma(Double(k) + 0.5))
                #expect(abs(s - exact) <= 1e-11 * exact, "n=\(n) k=\(k): \(s) vs \(exact)")
            }
            var odd = 0.0
            for i in 0..<n { odd += r.weights[i] * pow(r.nodes[i], 3) }
            #expect(abs(odd) < 1e-13)
        }
    }

    @Test("E[σ(F + μ + s Z)] by Gauss–Hermite matches brute-force Simpson integration to 1e-8")
    func logisticNormalAgainstSimpson() {
        for s in [0.0, 0.1, 0.5, 0.9, 1.5, 2.0, 2.01, 2.5, 3.0, 4.0, 8.0] {
            for a in [-10.0, -8.0, -4.0, -2.5, 0.0, 1.3, 5.0, 10.0] {
                let gh = LogisticNormal.mean(offset: a, sd: s)
                let ref = simpsonLogisticNormal(a, s)
                #expect(abs(gh - ref) <= 1e-8, "a=\(a) s=\(s): GH \(gh) vs Simpson \(ref)")
            }
        }
        // 30 nodes (GPBoost's count) is still within 1e-8 for the frailty scales of the paper (s ≤ 1.5).
        for s in [0.5, 0.9, 1.5] {
            for a in [-10.0, -6.0, -3.0, 0.0, 2.0, 5.0] {
                #expect(abs(LogisticNormal.mean(offset: a, sd: s, nodes: 30) - simpsonLogisticNormal(a, s)) <= 1e-8)
            }
        }
    }

    @Test("Marginal PD uses the location's mean and variance")
    func marginalPD() throws {
        let frailty = try LatentFrailty(mean: [0.2, -0.4], covariance: Matrix([[0.8, 0.3], [0.3, 0.5]]))
        let loans = [Loan(exposure: 1, fixedEffect: -3, location: 0), Loan(exposure: 2, lgd: 0.5, fixedEffect: -1, location: 1)]
        let p = try LogisticNormal.marginalPD(loans: loans, frailty: frailty)
        #expect(abs(p[0] - simpsonLogisticNormal(-2.8, 0.8.squareRoot())) < 1e-9)
        #expect(abs(p[1] - simpsonLogisticNormal(-1.4, 0.5.squareRoot())) < 1e-9)
        // Jensen: the frailty variance raises a small PD above σ(F + μ).
        #expect(p[0] > Special.sigmoid(-2.8))
        let model = try PortfolioModel(loans: loans, frailty: frailty)
        #expect(abs(model.analyticExpectedLoss - (p[0] + 1.0 * p[1])) < 1e-14)
    }
}
