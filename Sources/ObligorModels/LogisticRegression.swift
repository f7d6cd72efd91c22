import Foundation
import ObligorNumerics

/// Maximum-likelihood logistic regression by iteratively reweighted least squares (Newton–Raphson),
/// with an optional ridge (L2) penalty on the slopes.
///
/// Model: `logit P(y = 1 | x) = β₀ + xᵀβ`. Each iteration solves the penalised normal equations
/// `(XᵀWX + λD) Δ = Xᵀ(y − p) − λDβ` by Cholesky (LAPACKE `dpotrf`/`dpotrs`), with
/// `W = diag(p(1 − p))` and `D = diag(0, 1, …, 1)` (the intercept is not penalised), and halves
/// the step while the penalised log-likelihood decreases. The objective is
/// `ℓ(β) − λ/2 ‖β_{1:}‖²`, so λ = 1/C in scikit-learn's parametrisation.
///
/// Standard errors are the square roots of the diagonal of `(XᵀWX + λD)⁻¹` at the optimum
/// (the observed information; for λ = 0 these are the usual Wald standard errors, as in statsmodels),
/// z = β / se and two-sided p = 2(1 − Φ(|z|)).
///
/// Sums over rows run in fixed chunks in a fixed order (``Matrix/chunkedWeightedGram(_:)``), so the
/// fit is bit-identical for any thread count.
///
/// Reference: McCullagh & Nelder (1989), *Generalized Linear Models*, §4.4.
public enum LogisticRegression {
    /// The fitted coefficients and inference.
    public struct Fit: Codable, Sendable, Equatable {
        /// Intercept first, then one per design column.
        public let coefficients: [Double]
        /// Standard errors, z and two-sided p (nil for an imported model without inference).
        public let standardErrors: [Double]?
        public let zValues: [Double]?
        public let pValues: [Double]?
        /// Unpenalised log-likelihood at the optimum (nil for an imported model).
        public let logLikelihood: Double?
        public let iterations: Int
        public let converged: Bool
        public let lambda: Double
    }

    /// Options for ``fit(design:labels:weights:options:)``.
    public struct Options: Sendable {
        /// Ridge penalty λ on the slopes (0 = plain maximum likelihood).
        public var lambda: Double = 0
        /// Stop when the largest absolute Newton step is below this.
        public var tolerance: Double = 1e-10
        public var maxIterations: Int = 100
        public init(lambda: Double = 0, tolerance: Double = 1e-10, maxIterations: Int = 100) {
            self.lambda = lambda
            self.tolerance = tolerance
            self.maxIterations = maxIterations
        }
    }

    /// Fits the model.
    /// - Parameters:
    ///   - design: n × p matrix whose first column is the intercept (all ones).
    ///   - labels: 0/1 outcomes, 1 = default.
    ///   - weights: optional non-negative case weights.
    /// - Throws: ``ModelError/fitFailed(_:)`` when the information matrix is singular (collinear
    ///   columns) or the likelihood has no finite maximum (complete separation; use a ridge penalty).
    /// - Complexity: O(n p²) per iteration.
    public static func fit(design x: Matrix, labels y: [Int], weights: [Double]? = nil, options: Options = Options(),
                           columnNames: [String]? = nil) throws -> Fit {
        let n = x.rows
        let p = x.columns
        guard y.count == n else { throw ModelError.fitFailed("\(y.count) labels for \(n) rows") }
        guard n > p else { throw ModelError.notEnoughData("\(n) rows for \(p) coefficients") }
        let w0 = weights ?? Array(repeating: 1, count: n)
        let yd = y.map(Double.init)
        let lambda = options.lambda
        var beta = [Double](repeating: 0, count: p)
        // Start at the intercept-only MLE, which makes the first step well scaled.
        let rate = zip(yd, w0).reduce(0) { $0 + $1.0 * $1.1 } / w0.reduce(0, +)
        if rate > 0 && rate < 1 { beta[0] = log(rate / (1 - rate)) }

        func penalisedLogLik(_ b: [Double]) throws -> (Double, Double, [Double]) {
            let eta = try x.rowDotProducts(b)
            var ll = 0.0
            var mu = [Double](repeating: 0, count: n)
            for i in 0..<n {
                // ℓ_i = y η − log(1 + e^η)
                ll += w0[i] * (yd[i] * eta[i] - Special.log1pExp(eta[i]))
                mu[i] = Special.sigmoid(eta[i])
            }
            var pen = 0.0
            for j in 1..<p { pen += b[j] * b[j] }
            return (ll - 0.5 * lambda * pen, ll, mu)
        }

        var (objective, _, mu) = try penalisedLogLik(beta)
        var iterations = 0
        var converged = false
        var information = Matrix(rows: p, columns: p)
        while iterations < options.maxIterations {
            iterations += 1
            let w = (0..<n).map { w0[$0] * mu[$0] * (1 - mu[$0]) }
            information = try x.chunkedWeightedGram(w)
            for j in 1..<p { information[j, j] += lambda }
            var score = try x.chunkedTransposeProduct((0..<n).map { w0[$0] * (yd[$0] - mu[$0]) })
            for j in 1..<p { score[j] -= lambda * beta[j] }
            let step: [Double]
            do {
                step = try Cholesky(information).solve(score)
            } catch let LinearAlgebraError.notPositiveDefinite(minor) {
                throw ModelError.collinear(index: minor - 1, name: columnNames.flatMap { minor - 1 < $0.count ? $0[minor - 1] : nil })
            } catch {
                throw ModelError.fitFailed("the information matrix cannot be factorised (\(error)); add a ridge penalty (lambda_l2)")
            }
            var t = 1.0
            var accepted = false
            for _ in 0..<30 {
                let candidate = zip(beta, step).map { $0 + t * $1 }
                let (obj, _, m) = try penalisedLogLik(candidate)
                if obj.isFinite && obj >= objective - 1e-12 * abs(objective) {
                    beta = candidate
                    objective = obj
                    mu = m
                    accepted = true
                    break
                }
                t *= 0.5
            }
            let largest = step.map { abs($0 * t) }.max() ?? 0
            if !accepted || largest < options.tolerance { converged = accepted || largest < options.tolerance; break }
            if beta.contains(where: { abs($0) > 1e8 }) {
                throw ModelError.fitFailed("coefficients diverge (complete or quasi-complete separation); add a ridge penalty (lambda_l2)")
            }
        }
        // Inference at the optimum.
        let w = (0..<n).map { w0[$0] * mu[$0] * (1 - mu[$0]) }
        information = try x.chunkedWeightedGram(w)
        for j in 1..<p { information[j, j] += lambda }
        let covariance = try Cholesky(information).inverse()
        let se = (0..<p).map { covariance[$0, $0].squareRoot() }
        let z = zip(beta, se).map { $0 / $1 }
        let pv = z.map { 2 * Special.normalSurvival(abs($0)) }
        let (_, ll, _) = try penalisedLogLik(beta)
        return Fit(coefficients: beta, standardErrors: se, zValues: z, pValues: pv, logLikelihood: ll,
                   iterations: iterations, converged: converged, lambda: lambda)
    }
}
