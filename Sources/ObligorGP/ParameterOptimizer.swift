import Foundation
import ObligorNumerics

/// The quasi-Newton optimiser used for covariance parameters (and GLMM coefficients).
///
/// Kept as an object so that successive calls (one per boosting round) can reuse curvature information.
public final class ParameterOptimizer {
    /// Iteration cap (GPBoost: 1000).
    public var maxIterations: Int
    /// Gradient-norm tolerance on the log-parameter scale.
    public var gradientTolerance: Double

    public init(maxIterations: Int = 1000, gradientTolerance: Double = 1e-5) {
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
    }

    /// Minimises `f` from `x0`; returns the minimiser and the iteration count.
    func minimize(_ x0: [Double], _ f: @escaping ([Double]) -> (Double, [Double])) throws(GPError) -> ([Double], Int) {
        let r: Minimizer.Result
        do {
            r = try Minimizer.minimize(start: x0, gradientTolerance: gradientTolerance, maxIterations: maxIterations) { x in
                let (v, g) = f(x)
                return (v.isFinite ? v : 1e300, g)
            }
        } catch {
            throw .numerical("covariance-parameter optimisation: \(error)")
        }
        guard r.x.allSatisfy(\.isFinite) else { throw .numerical("covariance-parameter optimisation diverged") }
        return (r.x, r.iterations)
    }
}

extension GPApproximation {
    func makeVecchiaEngine(locations: DistinctLocations, covariance: CovarianceFunction,
                           likelihood: LikelihoodEvaluator) throws(GPError) -> any LaplaceApproximation {
        throw .invalidParameter("the Vecchia approximation is not built into this version")
    }
}
