import Foundation
import ObligorData
import ObligorModels
import ObligorNumerics

/// A generalised linear mixed model with a latent GP: `logit P(y=1) = β₀ + xᵀβ + b(t, s)`.
///
/// The paper's "linear spatio-temporal" competitor (Kündig & Sigrist 2026). Features are standardised
/// with the training mean and population standard deviation (as in the GPBoost reference fit), the
/// coefficients and log covariance parameters are estimated jointly by quasi-Newton on the Laplace NLL,
/// with `∂NLL/∂β = Xᵀ ∂NLL/∂F`.
public struct GLMMModel: Scorer, Codable, Equatable {
    public let features: [String]
    /// Training means and population standard deviations used to standardise.
    public let means: [Double]
    public let scales: [Double]
    /// Intercept then one coefficient per standardised feature.
    public let coefficients: [Double]
    public let gp: FittedGP
    /// Optimiser iterations.
    public let iterations: Int
    /// Approve when PD < threshold (audits, recourse).
    public var threshold: Double = 0.5

    public var featureNames: [String] { features }

    /// Standardised design matrix rows with a leading 1.
    static func design(_ frame: Frame, features: [String], means: [Double], scales: [Double]) throws(ModelError) -> [Double] {
        let n = frame.rowCount, q = features.count + 1
        var x = [Double](repeating: 1, count: n * q)
        for (k, name) in features.enumerated() {
            guard let col = frame[name] else { throw .missingFeature(name) }
            guard let v = col.doubles() else { throw .wrongFeatureType(feature: name, expected: "numeric", found: "text") }
            for i in 0..<n {
                guard v[i].isFinite else { throw .missingValueRejected(feature: name, row: i) }
                x[i * q + k + 1] = (v[i] - means[k]) / scales[k]
            }
        }
        return x
    }

    /// Linear predictor `Xβ` of the rows of `frame`.
    public func linearPredictor(_ frame: Frame) throws -> [Double] {
        let x = try GLMMModel.design(frame, features: features, means: means, scales: scales)
        let q = coefficients.count
        return (0..<frame.rowCount).map { i in (0..<q).reduce(0.0) { $0 + x[i * q + $1] * coefficients[$1] } }
    }

    public func predictPD(_ frame: Frame) throws -> [Double] {
        let F = try linearPredictor(frame)
        let (mu, v, _) = try gp.latentByRow(frame)
        return FittedGP.responseMean(fixed: F, latentMean: mu, latentVariance: v)
    }

    /// Fits the GLMM.
    /// - Parameters:
    ///   - labels: 0/1 default flags.
    ///   - columns: the GP coordinate columns.
    ///   - progress: called with (iteration, NLL).
    public static func fit(frame: Frame, labels: [Int], features: [String], columns: GPCoordinateColumns,
                           covariance: CovarianceFunction, approximation: GPApproximation = .exact,
                           progress: ((Int, Double) -> Void)? = nil) throws -> GLMMModel {
        guard labels.count == frame.rowCount else { throw GPError.invalidData("\(labels.count) labels for \(frame.rowCount) rows") }
        guard Set(labels) == [0, 1] else { throw ModelError.singleClass(target: "label") }
        let n = frame.rowCount
        var means: [Double] = [], scales: [Double] = []
        for name in features {
            guard let v = frame[name]?.doubles() else {
                throw frame[name] == nil ? ModelError.missingFeature(name) : ModelError.wrongFeatureType(feature: name, expected: "numeric", found: "text")
            }
            let mu = v.reduce(0, +) / Double(n)
            let sd = (v.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(n)).squareRoot()
            guard sd > 0 else { throw ModelError.invalidConfig("feature '\(name)' is constant in the training data; remove it") }
            means.append(mu)
            scales.append(sd)
        }
        let x = try design(frame, features: features, means: means, scales: scales)
        let q = features.count + 1
        let y = labels.map(Double.init)
        let loc = try columns.locations(frame)
        let lik = try LikelihoodEvaluator(kind: .bernoulliLogit, y: y, rowLocation: loc.rowLocation, locationCount: loc.count)
        let engine = try approximation.engine(locations: loc, covariance: covariance, likelihood: lik)
        let p = covariance.parameterCount

        // Start: β from a plain logistic regression, θ from the data (GPBoost's rule).
        let xm = Matrix(rows: n, columns: q, values: x)
        let beta0 = try LogisticRegression.fit(design: xm, labels: labels).coefficients
        let theta0 = covariance.initialParameters(loc)

        func fixed(_ beta: ArraySlice<Double>) -> [Double] {
            (try? xm.gemv(Array(beta))) ?? []
        }
        var mode: [Double]? = nil
        var iteration = 0
        let objective: ([Double]) -> (Double, [Double]) = { z in
            let theta = z[0..<p].map(exp)
            let F = fixed(z[p...])
            guard let e = try? engine.evaluate(parameters: theta, fixed: F, warmStart: mode, gradients: .all),
                  let gT = e.gradientLogParameters, let gF = e.gradientFixedEffects, e.negLogLikelihood.isFinite else {
                return (.infinity, [Double](repeating: 0, count: z.count))
            }
            mode = e.mode
            let gB = (try? xm.gemv(gF, transpose: true)) ?? []
            iteration += 1
            progress?(iteration, e.negLogLikelihood)
            return (e.negLogLikelihood, gT + gB)
        }
        let optimizer = ParameterOptimizer()
        let (z, iterations) = try optimizer.minimize(theta0.map(log) + beta0, objective)
        let theta = z[0..<p].map(exp)
        let beta = Array(z[p...])
        let e = try engine.evaluate(parameters: theta, fixed: fixed(z[p...]), warmStart: mode, gradients: .none)
        let gp = FittedGP(covariance: covariance, likelihood: .bernoulliLogit, approximation: approximation, columns: columns,
                          parameters: theta, locationTime: loc.time, locationSpace: loc.space, posterior: e.posterior,
                          negLogLikelihood: e.negLogLikelihood, warnings: e.warnings.isEmpty ? nil : e.warnings)
        return GLMMModel(features: features, means: means, scales: scales, coefficients: beta, gp: gp, iterations: iterations)
    }
}
