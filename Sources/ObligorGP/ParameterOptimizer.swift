import Foundation
import ObligorNumerics

/// The optimiser for covariance parameters (and GLMM coefficients): L-BFGS (``LBFGS``) with GPBoost's
/// defaults (`delta_rel_conv` 1e-6, `maxit` 1000).
///
/// Kept as an object so that successive calls — one per boosting round — reuse the L-BFGS correction
/// pairs, as GPBoost does (`reuse_learning_rates_gp_model`): later rounds then converge in one or two steps.
public final class ParameterOptimizer {
    let lbfgs: LBFGS
    /// Total iterations over all calls.
    public private(set) var totalIterations = 0

    public init(maxIterations: Int = 1000, relativeTolerance: Double = 1e-6, gradientTolerance: Double = 1e-6) {
        // A short line search: near the optimum the Laplace NLL is flat to ~1e-9 relative and (with Vecchia) piecewise
        // in the range ratio, so a long zoom only burns evaluations; a failed search ends the call at the best point.
        lbfgs = LBFGS(options: LBFGS.Options(maxIterations: maxIterations, relativeTolerance: relativeTolerance,
                                             gradientTolerance: gradientTolerance, maxLineSearchEvaluations: 8))
    }

    /// Forgets the curvature pairs of earlier calls.
    public func reset() { lbfgs.reset() }

    /// Minimises `f` from `x0`; returns the minimiser and the iteration count. Non-finite values make the
    /// line search back off.
    func minimize(_ x0: [Double], _ f: @escaping ([Double]) -> (Double, [Double])) throws(GPError) -> ([Double], Int) {
        let r: LBFGS.Result
        do {
            r = try lbfgs.minimize(from: x0) { x in
                let (v, g) = f(x)
                if !v.isFinite { throw LBFGS.OutsideDomain() }
                return (v, g)
            }
        } catch {
            throw .numerical("covariance-parameter optimisation: \(error)")
        }
        guard r.x.allSatisfy(\.isFinite) else { throw .numerical("covariance-parameter optimisation diverged") }
        totalIterations += r.iterations
        return (r.x, r.iterations)
    }
}

extension GPApproximation {
    /// Relative change of the Vecchia range ratio ρ_s/ρ_t that triggers a new neighbour search during estimation.
    public static let neighborResearchTolerance = 0.05

    func makeVecchiaEngine(locations: DistinctLocations, covariance: CovarianceFunction,
                           likelihood: LikelihoodEvaluator) throws(GPError) -> any LaplaceApproximation {
        guard let order = VecchiaOrdering(rawValue: ordering) else {
            throw .invalidParameter("unknown Vecchia ordering '\(ordering)' (\(VecchiaOrdering.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var engine = try VecchiaLaplace(locations: locations, covariance: covariance, likelihood: likelihood,
                                        numNeighbors: neighbors, ordering: order, seed: seed)
        // Re-search neighbours only when the range ratio moves by more than 5 %: with a re-search on every change the
        // NLL jumps between neighbour sets inside a line search, which then fails (measured on st_50k: 9–40
        // evaluations per boosting round without progress, against 2 evaluations per round with this setting).
        engine.neighborRedeterminationTolerance = GPApproximation.neighborResearchTolerance
        return engine
    }
}
