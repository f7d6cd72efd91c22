import Foundation
import ObligorBoosting
import ObligorData
import ObligorModels
import ObligorNumerics

/// Settings of a GPBoost fit beyond the tree parameters.
public struct GPBoostSettings: Codable, Sendable, Equatable {
    /// Tree parameters (LightGBM names). GPBoost's useful learning rates are O(1) because the trees fit
    /// the NLL *gradient* with unit hessians; the default here is 1, as in the GPBoost anchor runs.
    public var trees: BoostingParameters
    /// Re-estimate the covariance parameters every round (GPBoost's default); false keeps the initial ones.
    public var trainCovarianceParameters = true
    /// Fixed starting covariance parameters (nil: GPBoost's data-driven rule).
    public var initialParameters: [Double]? = nil

    public init(trees: BoostingParameters, trainCovarianceParameters: Bool = true, initialParameters: [Double]? = nil) {
        self.trees = trees
        self.trainCovarianceParameters = trainCovarianceParameters
        self.initialParameters = initialParameters
    }

    /// GPBoost's anchor settings: learning rate 1, depth 3, min_data_in_leaf 50, lambda_l2 1, 40 rounds.
    public static var anchor: GPBoostSettings {
        var p = BoostingParameters()
        p.learningRate = 1
        p.maxDepth = 3
        p.numLeaves = 1024
        p.minDataInLeaf = 50
        p.lambdaL2 = 1
        p.numIterations = 40
        return GPBoostSettings(trees: p)
    }
}

/// One boosting round, for progress reporting.
public struct GPBoostProgress: Sendable {
    public let round: Int
    public let negLogLikelihood: Double
    public let parameters: [Double]
    public let validationLogLoss: Double?
    public let seconds: Double
    /// Laplace evaluations spent re-estimating θ this round.
    public let evaluations: Int
}

/// Tree boosting with a latent Gaussian-process frailty (LaGaBoost / GPBoost: Sigrist 2022 JMLR, 2023 TPAMI;
/// Kündig & Sigrist 2026 for the space-time mortgage model): `PD = E[σ(F(x) + b(t, s))]`.
///
/// Training follows GPBoost's boosting loop (notes/gpboost.md §4.5): `F₀` is the intercept of an
/// intercept-only GLMM at the initial covariance parameters; every round (a) re-estimates θ given F by
/// L-BFGS, reusing the previous round's curvature pairs, (b) computes `g = ∂NLL/∂F` of the Laplace
/// approximation (including the implicit dependence of the mode), (c) fits a histogram tree to `−g` with unit
/// hessians (leaf value `−Σg/(n_leaf + λ₂)`), and (d) adds it with the learning rate. Early stopping uses
/// the validation log-loss of the full prediction (trees + GP posterior mean and variance).
public struct GPBoostModel: Scorer, Codable, Equatable {
    /// The tree part `F(x)` (its `baseScore` is `F₀`).
    public let trees: GBDTModel
    /// The latent GP.
    public let gp: FittedGP
    public let settings: GPBoostSettings
    /// Per-round history: NLL, parameters.
    public let history: [RoundRecord]
    /// Rounds kept (early stopping), nil without validation.
    public let bestRound: Int?
    /// Approve when PD < threshold.
    public var threshold: Double = 0.5

    public struct RoundRecord: Codable, Sendable, Equatable {
        public let negLogLikelihood: Double
        public let parameters: [Double]
        public let validationLogLoss: Double?
    }

    public var featureNames: [String] { trees.featureNames }

    /// Per-row prediction: fixed part, latent mean and variance, PD.
    public struct Prediction: Sendable {
        public var fixed: [Double]
        public var latentMean: [Double]
        public var latentVariance: [Double]
        public var pd: [Double]
    }

    public func predict(_ frame: Frame) throws -> Prediction {
        let F = try trees.margins(frame)
        let (mu, v, _) = try gp.latentByRow(frame)
        return Prediction(fixed: F, latentMean: mu, latentVariance: v,
                          pd: FittedGP.responseMean(fixed: F, latentMean: mu, latentVariance: v))
    }

    public func predictPD(_ frame: Frame) throws -> [Double] { try predict(frame).pd }

    /// Trains a GPBoost model.
    /// - Parameters:
    ///   - labels: 0/1 default flags.
    ///   - validation: optional out-of-time validation rows for early stopping (`early_stopping_round`).
    public static func train(frame: Frame, labels: [Int], features: [String], columns: GPCoordinateColumns,
                             covariance: CovarianceFunction, approximation: GPApproximation = .exact,
                             settings: GPBoostSettings = .anchor, validation: (frame: Frame, labels: [Int])? = nil,
                             progress: ((GPBoostProgress) -> Void)? = nil) throws -> GPBoostModel {
        guard labels.count == frame.rowCount else { throw GPError.invalidData("\(labels.count) labels for \(frame.rowCount) rows") }
        guard Set(labels) == [0, 1] else { throw ModelError.singleClass(target: "label") }
        let y = labels.map(Double.init)
        let n = y.count
        let loc = try columns.locations(frame)
        let lik = try LikelihoodEvaluator(kind: .bernoulliLogit, y: y, rowLocation: loc.rowLocation, locationCount: loc.count)
        let engine = try approximation.engine(locations: loc, covariance: covariance, likelihood: lik)
        var params = BoostingParameters(); params = settings.trees
        let booster = try TreeBooster(frame: frame, features: features, parameters: params)
        var theta = settings.initialParameters ?? covariance.initialParameters(loc)
        try covariance.validate(theta)

        // F₀: intercept-only GLMM at the initial θ (GPBoost's FindInitialValueBoosting).
        let f0 = try initialIntercept(engine: engine, theta: theta, y: y)
        var F = [Double](repeating: f0, count: n)
        var mode: [Double]? = nil
        let optimizer = ParameterOptimizer()
        let ones = [Double](repeating: 1, count: n)
        let hasValidation = validation != nil && params.earlyStoppingRound > 0
        var validationMargins: [Double] = []
        var validRaw: RawFeatures? = nil
        if let validation {
            validRaw = try RawFeatures.from(validation.frame, specs: booster.featureSpecs)
            validationMargins = [Double](repeating: f0, count: validation.frame.rowCount)
        }
        var history: [RoundRecord] = []
        var best = (round: 0, loss: Double.infinity)
        for round in 1...max(1, params.numIterations) {
            let started = Date()
            let e: LaplaceEvaluation
            var evaluations = 1
            if settings.trainCovarianceParameters {
                let est = try CovarianceEstimation.estimate(engine: engine, fixed: F, start: theta, warmStart: mode, optimizer: optimizer)
                theta = est.parameters
                e = est.evaluation
                evaluations = est.evaluations
            } else {
                e = try engine.evaluate(parameters: theta, fixed: F, warmStart: mode, gradients: .fixedEffects)
            }
            mode = e.mode
            guard let g = e.gradientFixedEffects else { throw GPError.numerical("no gradient with respect to F") }
            let out = booster.addTree(gradients: g, hessians: ones)
            for i in 0..<n { F[i] += out[i] }
            var vLoss: Double? = nil
            if let validation, let raw = validRaw {
                let tree = booster.trees[booster.trees.count - 1]
                raw.values.withUnsafeBufferPointer { vp in
                    for i in 0..<raw.rows { validationMargins[i] += tree.leafValue[tree.leaf(vp.baseAddress! + i * raw.columns)] }
                }
                let post = try engine.evaluate(parameters: theta, fixed: F, warmStart: mode, gradients: .none)
                let gp = FittedGP(covariance: covariance, likelihood: .bernoulliLogit, approximation: approximation, columns: columns,
                                  parameters: theta, locationTime: loc.time, locationSpace: loc.space, posterior: post.posterior,
                                  negLogLikelihood: post.negLogLikelihood)
                let (mu, v, _) = try gp.latentByRow(validation.frame)
                let pd = FittedGP.responseMean(fixed: validationMargins, latentMean: mu, latentVariance: v)
                let l = logLoss(pd, validation.labels)
                vLoss = l
                if l < best.loss { best = (round, l) }
            }
            history.append(RoundRecord(negLogLikelihood: e.negLogLikelihood, parameters: theta, validationLogLoss: vLoss))
            progress?(GPBoostProgress(round: round, negLogLikelihood: e.negLogLikelihood, parameters: theta,
                                      validationLogLoss: vLoss, seconds: Date().timeIntervalSince(started),
                                      evaluations: evaluations))
            if hasValidation && round - best.round >= params.earlyStoppingRound { break }
        }
        if hasValidation {
            // Keep the best rounds; θ and the posterior are re-fitted to that F.
            booster.truncate(to: max(1, best.round))
            let rows = try RawFeatures.from(frame, specs: booster.featureSpecs)
            let kept = GBDTModel(features: booster.featureSpecs, trees: booster.trees, baseScore: f0, parameters: params,
                                 bestIteration: nil, validationMetric: nil)
            F = kept.margins(rows)
            if settings.trainCovarianceParameters {
                theta = try CovarianceEstimation.estimate(engine: engine, fixed: F, start: theta, warmStart: mode, optimizer: optimizer).parameters
            }
        }
        let final = try engine.evaluate(parameters: theta, fixed: F, warmStart: mode, gradients: .none)
        let gp = FittedGP(covariance: covariance, likelihood: .bernoulliLogit, approximation: approximation, columns: columns,
                          parameters: theta, locationTime: loc.time, locationSpace: loc.space, posterior: final.posterior,
                          negLogLikelihood: final.negLogLikelihood, warnings: final.warnings.isEmpty ? nil : final.warnings)
        let model = GBDTModel(features: booster.featureSpecs, trees: booster.trees, baseScore: f0, parameters: params,
                              bestIteration: hasValidation ? best.round : nil, validationMetric: hasValidation ? best.loss : nil,
                              source: "obligor-gpboost")
        return GPBoostModel(trees: model, gp: gp, settings: settings, history: history, bestRound: hasValidation ? best.round : nil)
    }

    /// The constant `c` minimising the Laplace NLL of `F ≡ c` at fixed θ (Newton on the scalar with the
    /// exact gradient `Σ_i ∂NLL/∂F_i` and a secant estimate of the curvature; bracketed, so it cannot diverge).
    static func initialIntercept(engine: any LaplaceApproximation, theta: [Double], y: [Double]) throws -> Double {
        let n = y.count
        let rate = min(max(y.reduce(0, +) / Double(n), 1e-6), 1 - 1e-6)
        var c = log(rate / (1 - rate))
        var mode: [Double]? = nil
        func slope(_ c: Double) throws -> Double {
            let e = try engine.evaluate(parameters: theta, fixed: [Double](repeating: c, count: n), warmStart: mode, gradients: .fixedEffects)
            mode = e.mode
            return e.gradientFixedEffects!.reduce(0, +)
        }
        // Bracket the root of the slope, then bisect with secant steps (Illinois).
        var lo = c - 1, hi = c + 1
        var sLo = try slope(lo), sHi = try slope(hi)
        var widen = 0
        while sLo > 0 && widen < 30 { lo -= 2; sLo = try slope(lo); widen += 1 }
        while sHi < 0 && widen < 60 { hi += 2; sHi = try slope(hi); widen += 1 }
        guard sLo <= 0 && sHi >= 0 else { return c }
        for _ in 0..<60 {
            c = hi - sHi * (hi - lo) / (sHi - sLo)
            if !(c > lo && c < hi) { c = 0.5 * (lo + hi) }
            let s = try slope(c)
            if abs(s) < 1e-9 * Double(n) || hi - lo < 1e-10 { break }
            if s < 0 { lo = c; sLo = s; sHi *= 0.5 } else { hi = c; sHi = s; sLo *= 0.5 }
        }
        return c
    }

    static func logLoss(_ p: [Double], _ y: [Int]) -> Double {
        var s = 0.0
        for i in 0..<p.count {
            let q = min(max(p[i], 1e-15), 1 - 1e-15)
            s -= y[i] == 1 ? log(q) : log(1 - q)
        }
        return s / Double(max(1, p.count))
    }
}
