import Foundation
import ObligorNumerics

/// The response distribution `p(y | η)` of the latent Gaussian model, `η = F + Zb`.
public enum LikelihoodKind: String, Codable, Sendable {
    /// `y ∈ {0,1}`, `P(y=1) = σ(η)`. Laplace-approximated.
    case bernoulliLogit = "bernoulli_logit"
    /// `y = η + ε`, `ε ~ N(0, σ²_ε)`; the Laplace approximation is exact. `σ²_ε` ("error_var") is
    /// estimated with the covariance parameters and is the last entry of the parameter vector.
    case gaussian

    /// Number of likelihood parameters appended after the covariance parameters.
    public var auxiliaryParameterCount: Int { self == .gaussian ? 1 : 0 }
    /// Their names.
    public var auxiliaryParameterNames: [String] { self == .gaussian ? ["error_var"] : [] }
}

/// Per-location sums of the log-likelihood derivatives at `η = F + Zb`.
///
/// For the RE-scale Laplace approximation every row i at location j(i) contributes to
/// `g_j = Σ ∂log p/∂η_i`, `W_j = Σ −∂²log p/∂η_i²` and `T_j = Σ ∂³log p/∂η_i³`.
public struct LocationDerivatives: Sendable {
    /// `Σ_i log p(y_i | η_i)`.
    public var logLikelihood: Double
    public var gradient: [Double]
    public var negHessian: [Double]
    public var third: [Double]
}

/// Row-level log-likelihood and derivatives, aggregated to locations.
public struct LikelihoodEvaluator: Sendable {
    public let kind: LikelihoodKind
    public let y: [Double]
    public let rowLocation: [Int32]
    public let locationCount: Int

    public init(kind: LikelihoodKind, y: [Double], rowLocation: [Int32], locationCount: Int) throws(GPError) {
        guard y.count == rowLocation.count else { throw .invalidData("\(y.count) responses for \(rowLocation.count) rows") }
        for (i, v) in y.enumerated() {
            guard v.isFinite else { throw .invalidData("row \(i + 1): the response is missing or not finite") }
            if kind == .bernoulliLogit && v != 0 && v != 1 {
                throw .invalidData("row \(i + 1): a bernoulli_logit response must be 0 or 1 (got \(v))")
            }
        }
        self.kind = kind
        self.y = y
        self.rowLocation = rowLocation
        self.locationCount = locationCount
    }

    /// Derivatives at `η_i = F_i + b_{j(i)}`; `errorVariance` is used by the Gaussian likelihood only.
    public func derivatives(fixed F: [Double], latent b: [Double], errorVariance: Double = 1) -> LocationDerivatives {
        let m = locationCount
        var d = LocationDerivatives(logLikelihood: 0, gradient: .init(repeating: 0, count: m),
                                    negHessian: .init(repeating: 0, count: m), third: .init(repeating: 0, count: m))
        switch kind {
        case .bernoulliLogit:
            var ll = 0.0
            for i in 0..<y.count {
                let j = Int(rowLocation[i])
                let eta = F[i] + b[j]
                let p = Special.sigmoid(eta)
                ll += y[i] * eta - Special.log1pExp(eta)
                let w = p * (1 - p)
                d.gradient[j] += y[i] - p
                d.negHessian[j] += w
                d.third[j] -= w * (1 - 2 * p)
            }
            d.logLikelihood = ll
        case .gaussian:
            var ss = 0.0
            let inv = 1 / errorVariance
            for i in 0..<y.count {
                let j = Int(rowLocation[i])
                let r = y[i] - F[i] - b[j]
                ss += r * r
                d.gradient[j] += r * inv
                d.negHessian[j] += inv
            }
            d.logLikelihood = -0.5 * Double(y.count) * log(2 * Double.pi * errorVariance) - 0.5 * ss * inv
        }
        return d
    }

    /// Row-level pieces needed by the gradient with respect to F:
    /// `∂log p/∂η_i`, `w_i = −∂²log p/∂η_i²` and `t_i = ∂³log p/∂η_i³`.
    @inline(__always)
    public func rowDerivatives(_ i: Int, eta: Double, errorVariance: Double = 1) -> (first: Double, w: Double, third: Double) {
        switch kind {
        case .bernoulliLogit:
            let p = Special.sigmoid(eta)
            let w = p * (1 - p)
            return (y[i] - p, w, -w * (1 - 2 * p))
        case .gaussian:
            return ((y[i] - eta) / errorVariance, 1 / errorVariance, 0)
        }
    }
}

/// The Laplace approximation at one parameter vector.
public struct LaplaceEvaluation: Sendable {
    /// Approximate negative log marginal likelihood `−log p(y|F+Zb̂) + ½ b̂ᵀΣ⁻¹b̂ + ½ log det(I + ΣW)`
    /// (plus nothing else: for the Gaussian likelihood this is the exact negative log marginal likelihood).
    public var negLogLikelihood: Double
    /// Posterior mode b̂ on the distinct locations.
    public var mode: [Double]
    /// `W_j = Σ_{i∈j} −∂²log p/∂η_i²` at the mode (the Laplace posterior precision is Σ⁻¹ + diag(W)).
    public var negHessian: [Double]
    /// Per-location log-likelihood gradient at the mode (equals `Σ⁻¹b̂` there).
    public var modeGradient: [Double]
    /// `∂NLL/∂log θ_k` for the covariance parameters, then the likelihood's auxiliary parameters.
    public var gradientLogParameters: [Double]?
    /// `∂NLL/∂F_i` per row, including the implicit dependence of b̂ and W on F (nil unless asked for).
    public var gradientFixedEffects: [Double]?
    /// Newton iterations used to find the mode.
    public var newtonIterations: Int
    /// Numerical warnings (e.g. jitter added to an ill-conditioned covariance), for the analyst.
    public var warnings: [String] = []

    /// The posterior needed for prediction.
    public var posterior: LatentPosterior { LatentPosterior(mode: mode, negHessian: negHessian, modeGradient: modeGradient) }
}

/// A Laplace approximation of a latent GP on fixed locations: exact (dense Cholesky) or Vecchia.
///
/// `parameters` is the covariance parameters followed by the likelihood's auxiliary parameters,
/// all on the natural scale.
public protocol LaplaceApproximation {
    /// The covariance function.
    var covariance: CovarianceFunction { get }
    /// The likelihood.
    var likelihood: LikelihoodEvaluator { get }
    /// Evaluates the approximation; `warmStart` is a previous mode (same length as the locations).
    func evaluate(parameters: [Double], fixed F: [Double], warmStart: [Double]?,
                  gradients: LaplaceGradients) throws(GPError) -> LaplaceEvaluation
    /// Latent predictive mean and covariance at new locations from the Laplace posterior of the training
    /// locations (`jointCovariance` false: only the diagonal is filled, off-diagonals are zero).
    func predictLatent(parameters: [Double], posterior: LatentPosterior, at new: DistinctLocations,
                       jointCovariance: Bool) throws(GPError) -> (mean: [Double], covariance: Matrix)
}

/// What prediction needs from training: the Laplace posterior `N(b̂, (Σ⁻¹ + diag(W))⁻¹)` on the
/// training locations. No raw training rows.
public struct LatentPosterior: Codable, Sendable, Equatable {
    /// Posterior mode b̂.
    public var mode: [Double]
    /// Per-location `W_j` at the mode.
    public var negHessian: [Double]
    /// Per-location log-likelihood gradient at the mode, `Σ_{i∈j} ∂log p/∂η_i`; at the mode it equals
    /// `Σ⁻¹b̂`, which the exact GP's predictive mean needs.
    public var modeGradient: [Double]
    public init(mode: [Double], negHessian: [Double], modeGradient: [Double]) {
        self.mode = mode
        self.negHessian = negHessian
        self.modeGradient = modeGradient
    }
}

/// Which gradients ``LaplaceApproximation/evaluate(parameters:fixed:warmStart:gradients:)`` computes.
public struct LaplaceGradients: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let parameters = LaplaceGradients(rawValue: 1)
    public static let fixedEffects = LaplaceGradients(rawValue: 2)
    public static let none: LaplaceGradients = []
    public static let all: LaplaceGradients = [.parameters, .fixedEffects]
}
