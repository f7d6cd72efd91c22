import Foundation
import ObligorData
import ObligorNumerics

/// How the latent GP's covariance is handled.
public struct GPApproximation: Codable, Sendable, Equatable {
    /// "exact" (dense Cholesky on the distinct locations) or "vecchia".
    public var method: String
    /// Vecchia: number of conditioning neighbours.
    public var neighbors: Int
    /// Vecchia: ordering of the locations ("none", "random", "time", "time_random_space").
    public var ordering: String
    /// Seed of the random orderings.
    public var seed: UInt64

    public static let exact = GPApproximation(method: "exact", neighbors: 0, ordering: "none", seed: 0)
    public static func vecchia(neighbors: Int = 20, ordering: String = "time_random_space", seed: UInt64 = 0) -> GPApproximation {
        GPApproximation(method: "vecchia", neighbors: neighbors, ordering: ordering, seed: seed)
    }

    public init(method: String, neighbors: Int, ordering: String, seed: UInt64) {
        self.method = method
        self.neighbors = neighbors
        self.ordering = ordering
        self.seed = seed
    }

    /// Builds the Laplace engine for `locations`.
    public func engine(locations: DistinctLocations, covariance: CovarianceFunction,
                       likelihood: LikelihoodEvaluator) throws(GPError) -> any LaplaceApproximation {
        switch method {
        case "exact":
            return try ExactLaplace(locations: locations, covariance: covariance, likelihood: likelihood)
        case "vecchia":
            return try makeVecchiaEngine(locations: locations, covariance: covariance, likelihood: likelihood)
        default:
            throw .invalidParameter("unknown GP approximation '\(method)' (exact or vecchia)")
        }
    }
}

/// Where a frame keeps the GP coordinates.
public struct GPCoordinateColumns: Codable, Sendable, Equatable {
    /// The time column (nil for a purely spatial GP).
    public var time: String?
    /// Spatial coordinate columns (e.g. ["x", "y"] or [lon, lat]).
    public var space: [String]

    public init(time: String?, space: [String]) {
        self.time = time
        self.space = space
    }

    /// Reads the coordinates of every row, with errors naming the row and column.
    public func read(_ frame: Frame) throws(GPError) -> (time: [Double]?, space: [Double]) {
        guard !space.isEmpty else { throw .invalidData("no spatial coordinate columns given (--coords X,Y)") }
        func numeric(_ name: String, role: String) throws(GPError) -> [Double] {
            guard let col = frame[name] else { throw .invalidData("the data has no column '\(name)' (the GP's \(role))") }
            guard let v = col.doubles() else { throw .invalidData("column '\(name)' (the GP's \(role)) is not numeric") }
            for i in 0..<v.count where !v[i].isFinite {
                throw .invalidData("row \(i + 1), column '\(name)': the GP's \(role) is missing; every row needs its coordinates")
            }
            return v
        }
        let t = try time.map { (n: String) throws(GPError) -> [Double] in try numeric(n, role: "time coordinate") }
        let cols = try space.map { (n: String) throws(GPError) -> [Double] in try numeric(n, role: "spatial coordinate") }
        var xy = [Double](repeating: 0, count: frame.rowCount * cols.count)
        for i in 0..<frame.rowCount { for d in 0..<cols.count { xy[i * cols.count + d] = cols[d][i] } }
        return (t, xy)
    }

    /// Distinct locations of the rows of `frame`.
    public func locations(_ frame: Frame) throws(GPError) -> DistinctLocations {
        let (t, xy) = try read(frame)
        return try DistinctLocations(time: t, space: xy, dimension: space.count)
    }
}

/// The latent-GP part of a fitted model: everything prediction needs, and no training rows.
///
/// Holds the covariance function and its estimated parameters, the distinct training locations and the
/// Laplace posterior `N(b̂, (Σ⁻¹ + W)⁻¹)` there.
public struct FittedGP: Codable, Sendable, Equatable {
    public var covariance: CovarianceFunction
    public var likelihood: LikelihoodKind
    public var approximation: GPApproximation
    public var columns: GPCoordinateColumns
    /// Covariance parameters then likelihood parameters, natural scale.
    public var parameters: [Double]
    /// Training locations (time may be nil).
    public var locationTime: [Double]?
    public var locationSpace: [Double]
    public var posterior: LatentPosterior
    /// Approximate negative log marginal likelihood at the fit.
    public var negLogLikelihood: Double
    /// Numerical warnings from the final fit (nil or empty when there were none).
    public var warnings: [String]? = nil

    public var trainingLocations: DistinctLocations {
        DistinctLocations(uniqueTime: locationTime, uniqueSpace: locationSpace, dimension: columns.space.count)
    }

    /// Names of ``parameters``.
    public var parameterNames: [String] { covariance.parameterNames + likelihood.auxiliaryParameterNames }

    /// The Laplace engine on the training locations, without rows (enough for prediction).
    func predictionEngine() throws(GPError) -> any LaplaceApproximation {
        let loc = trainingLocations
        let lik = try LikelihoodEvaluator(kind: likelihood, y: [], rowLocation: [], locationCount: loc.count)
        return try approximation.engine(locations: loc, covariance: covariance, likelihood: lik)
    }

    /// Latent mean and covariance at arbitrary locations (e.g. future periods).
    public func latent(at new: DistinctLocations, jointCovariance: Bool) throws(GPError) -> (mean: [Double], covariance: Matrix) {
        try predictionEngine().predictLatent(parameters: parameters, posterior: posterior, at: new, jointCovariance: jointCovariance)
    }

    /// Per-row latent mean and variance for the rows of `frame`, plus the distinct locations they map to.
    public func latentByRow(_ frame: Frame) throws(GPError) -> (mean: [Double], variance: [Double], locations: DistinctLocations) {
        let loc = try columns.locations(frame)
        let unique = DistinctLocations(uniqueTime: loc.time, uniqueSpace: loc.space, dimension: loc.spaceDimension)
        let (mu, cov) = try latent(at: unique, jointCovariance: false)
        let q = unique.count
        var mean = [Double](repeating: 0, count: frame.rowCount), variance = mean
        for i in 0..<frame.rowCount {
            let j = Int(loc.rowLocation[i])
            mean[i] = mu[j]
            variance[i] = cov.storage[j * q + j]
        }
        return (mean, variance, loc)
    }

    /// `E[σ(F + b)]`, `b ~ N(μ, v)`: GPBoost's response mean, by adaptive Gauss–Hermite quadrature around the
    /// integrand's mode (``LogisticNormal``).
    public static func responseMean(fixed F: [Double], latentMean mu: [Double], latentVariance v: [Double]) -> [Double] {
        let rule = GaussHermite.rule(LogisticNormal.defaultNodes)
        return (0..<F.count).map { i in LogisticNormal.mean(offset: F[i] + mu[i], sd: max(0, v[i]).squareRoot(), rule: rule) }
    }
}

/// Covariance-parameter estimation by quasi-Newton minimisation of the approximate NLL in log θ.
public enum CovarianceEstimation {
    /// The result of one estimation.
    public struct Result: Sendable {
        public var parameters: [Double]
        public var evaluation: LaplaceEvaluation
        public var iterations: Int
        public var evaluations: Int
    }

    /// Minimises the NLL over log-parameters from `start`, with `F` fixed.
    /// A parameter vector where the Laplace approximation fails counts as +∞ (the line search backs off).
    public static func estimate(engine: any LaplaceApproximation, fixed F: [Double], start: [Double], warmStart: [Double]?,
                                optimizer: ParameterOptimizer) throws(GPError) -> Result {
        var mode = warmStart
        var count = 0
        // The objective also asks for ∂NLL/∂F (cheap next to the θ-gradient): if the optimiser ends on the last
        // point it evaluated, as it usually does, that evaluation is returned without another Laplace run.
        var last: (x: [Double], e: LaplaceEvaluation)? = nil
        let objective: ([Double]) -> (Double, [Double]) = { logP in
            count += 1
            let p = logP.map(exp)
            guard let e = try? engine.evaluate(parameters: p, fixed: F, warmStart: mode, gradients: .all),
                  let g = e.gradientLogParameters, e.negLogLikelihood.isFinite else {
                return (.infinity, [Double](repeating: 0, count: logP.count))
            }
            mode = e.mode
            last = (logP, e)
            return (e.negLogLikelihood, g)
        }
        let (x, iterations) = try optimizer.minimize(start.map(log), objective)
        let best = x.map(exp)
        let e: LaplaceEvaluation
        if let last, last.x == x { e = last.e } else {
            e = try engine.evaluate(parameters: best, fixed: F, warmStart: mode, gradients: .all)
        }
        return Result(parameters: best, evaluation: e, iterations: iterations, evaluations: count)
    }
}
