import ObligorNumerics

/// One loan of a portfolio: what is lost if it defaults and its default log-odds given the frailty.
///
/// The loan defaults with probability `σ(fixedEffect + b_location)`, where `b` is the latent
/// frailty vector (``LatentFrailty``), and then loses `exposure × lgd`.
public struct Loan: Codable, Sendable, Equatable {
    /// Exposure at default (EAD), finite and ≥ 0 (for example the current unpaid balance).
    public var exposure: Double
    /// Loss given default as a fraction of the exposure, in [0, 1].
    public var lgd: Double
    /// The fixed part `F_i` of the default log-odds (tree ensemble or linear predictor), finite.
    public var fixedEffect: Double
    /// Index `j(i)` of the loan's latent location in ``LatentFrailty/mean`` (0-based).
    public var location: Int

    /// A loan. `lgd` defaults to 1 (loss = exposure), as in Kündig & Sigrist's portfolio study.
    public init(exposure: Double, lgd: Double = 1, fixedEffect: Double, location: Int) {
        self.exposure = exposure
        self.lgd = lgd
        self.fixedEffect = fixedEffect
        self.location = location
    }

    /// `exposure × lgd`, the loss if the loan defaults.
    public var lossGivenDefault: Double { exposure * lgd }

    enum CodingKeys: String, CodingKey {
        case exposure, lgd
        case fixedEffect = "fixed_effect"
        case location
    }

    /// Throws ``PortfolioError/invalidLoan(index:field:reason:)`` for the first bad field.
    func validate(index: Int, locationCount: Int) throws(PortfolioError) {
        guard exposure.isFinite, exposure >= 0 else {
            throw .invalidLoan(index: index, field: "exposure", reason: "is \(exposure); it must be finite and ≥ 0")
        }
        guard lgd.isFinite, lgd >= 0, lgd <= 1 else {
            throw .invalidLoan(index: index, field: "lgd", reason: "is \(lgd); it must lie in [0, 1]")
        }
        guard fixedEffect.isFinite else {
            throw .invalidLoan(index: index, field: "fixed_effect", reason: "is \(fixedEffect); it must be finite")
        }
        guard location >= 0, location < locationCount else {
            throw .invalidLoan(index: index, field: "location",
                               reason: "is \(location); it must be in 0..<\(locationCount) (the number of latent locations)")
        }
    }
}

/// The latent frailty at `m` locations: `b ~ N(mean, covariance)`.
///
/// In the space-time model these are the GP's predictive mean and joint predictive covariance at
/// the distinct (period, region) locations of the loans being scored (GPBoost:
/// `predict(..., pred_latent=True, predict_cov_mat=True)`). The covariance may be singular or
/// slightly indefinite from round-off; ``CovarianceFactor`` handles that.
public struct LatentFrailty: Sendable, Equatable {
    /// `μ`, length m.
    public let mean: [Double]
    /// `C`, m × m, symmetric positive semi-definite (symmetrised on input).
    public let covariance: Matrix

    /// Validates and stores the frailty distribution.
    /// - Throws: ``PortfolioError/invalidFrailty(_:)`` when `covariance` is not m × m, an entry is
    ///   not finite, it is asymmetric beyond 1e-8 relative, or a variance is negative.
    public init(mean: [Double], covariance: Matrix) throws(PortfolioError) {
        let m = mean.count
        guard covariance.rows == m, covariance.columns == m else {
            throw .invalidFrailty("covariance is \(covariance.rows)×\(covariance.columns) but the mean has \(m) entries")
        }
        for (j, v) in mean.enumerated() where !v.isFinite {
            throw .invalidFrailty("mean[\(j)] is \(v); it must be finite")
        }
        var scale = 0.0
        for j in 0..<m {
            let d = covariance[j, j]
            guard d.isFinite, d >= 0 else { throw .invalidFrailty("variance covariance[\(j)][\(j)] is \(d); it must be finite and ≥ 0") }
            scale = max(scale, d)
        }
        var s = covariance.storage
        for i in 0..<m {
            for j in 0..<i {
                let a = s[i * m + j], b = s[j * m + i]
                guard a.isFinite, b.isFinite else {
                    throw .invalidFrailty("covariance[\(i)][\(j)] or [\(j)][\(i)] is not finite")
                }
                guard a == b || abs(a - b) <= 1e-8 * scale else {
                    throw .invalidFrailty("covariance is not symmetric: [\(i)][\(j)] = \(a), [\(j)][\(i)] = \(b)")
                }
                let avg = 0.5 * (a + b)
                s[i * m + j] = avg
                s[j * m + i] = avg
            }
        }
        self.mean = mean
        self.covariance = Matrix(rows: m, columns: m, values: s)
    }

    /// Independent frailty `N(mean, diag(variances))`.
    public init(mean: [Double], variances: [Double]) throws(PortfolioError) {
        guard mean.count == variances.count else {
            throw .invalidFrailty("\(variances.count) variances for \(mean.count) means")
        }
        try self.init(mean: mean, covariance: Matrix.diagonal(variances))
    }

    /// The number of locations m.
    public var count: Int { mean.count }

    /// `C_jj`.
    public var variances: [Double] { covariance.diagonalElements }

    /// The distribution of the sub-vector `b[indices]` (mean and covariance sub-block).
    func restricted(to indices: [Int]) -> (mean: [Double], covariance: [Double]) {
        let m = count, k = indices.count
        var c = [Double](repeating: 0, count: k * k)
        covariance.storage.withUnsafeBufferPointer { s in
            for (a, i) in indices.enumerated() {
                for (b, j) in indices.enumerated() { c[a * k + b] = s[i * m + j] }
            }
        }
        return (indices.map { mean[$0] }, c)
    }
}
