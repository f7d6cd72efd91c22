import Foundation
import ObligorGP
import ObligorNumerics
import Testing

@Suite("Vecchia against the exact GP, and jitter warnings")
struct VecchiaExactTests {
    /// With every previous location as a neighbour the Vecchia factorisation is exact, so VecchiaLaplace must
    /// reproduce ExactLaplace (the production dense engine) on 150 st_5k locations: NLL to 1e-9 relative,
    /// gradients to 1e-6 relative (both engines round differently: dense B = I + W½ΣW½ vs sparse Q + W).
    @Test(arguments: [VecchiaOrdering.none, .random, .timeRandomSpace])
    func allNeighboursEqualsExact(ordering: VecchiaOrdering) throws {
        let data = PanelFixture.st5kTrain
        let full = try data.locations()
        let rows = (0..<data.y.count).filter { full.rowLocation[$0] < 150 }
        let loc = try DistinctLocations(time: rows.map { data.t[$0] }, space: rows.flatMap { [data.xy[2 * $0], data.xy[2 * $0 + 1]] }, dimension: 2)
        let y = rows.map { data.y[$0] }
        let F = rows.map { data.trueFx[$0] - 4 }
        let lik = try LikelihoodEvaluator(kind: .bernoulliLogit, y: y, rowLocation: loc.rowLocation, locationCount: loc.count)
        let cov = try CovarianceFunction(kind: .maternSpaceTime, nu: 1.5)
        let exact = try ExactLaplace(locations: loc, covariance: cov, likelihood: lik)
        let vecchia = try VecchiaLaplace(locations: loc, covariance: cov, likelihood: lik, numNeighbors: loc.count - 1,
                                         ordering: ordering, seed: 3)
        let theta = [0.8, 2.0, 9.0]
        let e = try exact.evaluate(parameters: theta, fixed: F, warmStart: nil, gradients: .all)
        let v = try vecchia.evaluate(parameters: theta, fixed: F, warmStart: nil, gradients: .all)
        #expect(abs(e.negLogLikelihood - v.negLogLikelihood) < 1e-9 * abs(e.negLogLikelihood))
        for k in 0..<3 {
            let a = e.gradientLogParameters![k], b = v.gradientLogParameters![k]
            #expect(abs(a - b) < 1e-6 * max(1, abs(a)), "θ gradient \(k): \(a) vs \(b)")
        }
        let gE = e.gradientFixedEffects!, gV = v.gradientFixedEffects!
        for i in stride(from: 0, to: gE.count, by: 37) { #expect(abs(gE[i] - gV[i]) < 1e-7, "row \(i)") }
        // Predictions at the next period agree as well.
        let next = DistinctLocations(uniqueTime: [12, 12], uniqueSpace: Array(loc.space[0..<4]), dimension: 2)
        let pe = try exact.predictLatent(parameters: theta, posterior: e.posterior, at: next, jointCovariance: true)
        let pv = try vecchia.predictLatent(parameters: theta, posterior: v.posterior, at: next, jointCovariance: true)
        for j in 0..<2 { #expect(abs(pe.mean[j] - pv.mean[j]) < 1e-7) }
        for q in 0..<4 { #expect(abs(pe.covariance.storage[q] - pv.covariance.storage[q]) < 1e-7) }
    }

    /// Nearly coincident locations under a smooth kernel with a huge range: the neighbour covariances are
    /// singular at the initial jitter. The fit must go on with more jitter and say so in a warning.
    @Test func illConditionedNeighboursGetJitterAndAWarning() throws {
        var space: [Double] = []
        for i in 0..<80 { space += [Double(i % 40) * 1e-7, Double(i / 40) * 1e-7] }
        let loc = try DistinctLocations(time: nil, space: space, dimension: 2)
        let y = (0..<80).map { Double($0 % 4 == 0 ? 1 : 0) }
        let lik = try LikelihoodEvaluator(kind: .bernoulliLogit, y: y, rowLocation: loc.rowLocation, locationCount: loc.count)
        let vecchia = try VecchiaLaplace(locations: loc, covariance: CovarianceFunction(kind: .gaussian), likelihood: lik, numNeighbors: 10)
        let e = try vecchia.evaluate(parameters: [1, 10], fixed: [Double](repeating: -1, count: 80), warmStart: nil, gradients: .all)
        #expect(e.negLogLikelihood.isFinite)
        #expect(e.gradientLogParameters!.allSatisfy { $0.isFinite })
        #expect(!e.warnings.isEmpty)
        #expect(e.warnings.first?.contains("jitter") == true)
    }
}

@Suite("Vecchia random orderings against GPBoost")
struct VecchiaOrderingReferenceTests {
    struct Reference: Decodable {
        struct Entry: Decodable { let vecchia_ordering: String; let nu: Double; let fixed_effects: String; let cov_pars: [Double]; let neg_log_lik: Double }
        let nll: [Entry]
    }

    /// Random orderings cannot be matched bit for bit (different random permutations), so the two Vecchia
    /// approximations are compared by value: within 0.5 % of GPBoost's NLL (notes/gpboost.md §6 goal 2). The spread
    /// between orderings of one implementation is itself ~0.1–0.2 % here (GPBoost: 537.49 random vs 537.15
    /// time_random_space at the first set).
    @Test func randomOrderingsAgreeWithGPBoost() throws {
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtureURL("ref_vecchia_orderings_st_5k.json")))
        let data = PanelFixture.st5kTrain
        let loc = try data.locations()
        let lik = try LikelihoodEvaluator(kind: .bernoulliLogit, y: data.y, rowLocation: loc.rowLocation, locationCount: loc.count)
        var worst = 0.0
        for r in ref.nll {
            let ordering = try #require(VecchiaOrdering(rawValue: r.vecchia_ordering))
            let engine = try VecchiaLaplace(locations: loc, covariance: CovarianceFunction(kind: .maternSpaceTime, nu: r.nu),
                                            likelihood: lik, numNeighbors: 20, ordering: ordering, seed: 0)
            let F = r.fixed_effects == "true_fx" ? data.trueFx : [Double](repeating: -3.6, count: data.y.count)
            let e = try engine.evaluate(parameters: r.cov_pars, fixed: F, warmStart: nil, gradients: .none)
            let rel = abs(e.negLogLikelihood - r.neg_log_lik) / r.neg_log_lik
            worst = max(worst, rel)
            #expect(rel < 0.005, "\(r.vecchia_ordering) ν \(r.nu) \(r.fixed_effects) \(r.cov_pars): \(e.negLogLikelihood) vs \(r.neg_log_lik)")
        }
        print("Vecchia random orderings vs GPBoost: worst relative difference \(worst)")
    }
}
