import Foundation

/// The family of a covariance function of the latent Gaussian process.
public enum CovarianceKind: String, Codable, Sendable, CaseIterable {
    /// `σ² exp(−d/ρ)` on all coordinates (time, if given, is one more coordinate).
    case exponential
    /// `σ² M_ν(d/ρ)` with ν ∈ {0.5, 1.5, 2.5} (GPBoost's parametrisation, see ``CovarianceFunction/matern(_:nu:)``).
    case matern
    /// `σ² exp(−(d/ρ)²)`.
    case gaussian
    /// GPBoost's `matern_space_time`: `σ² M_ν(h)`, `h = √((Δt/ρ_t)² + ‖Δs‖²/ρ_s²)`. Time is the first coordinate.
    case maternSpaceTime = "matern_space_time"
    /// Separable product `σ² M_ν(|Δt|/ρ_t) · M_ν(‖Δs‖/ρ_s)`. Time is the first coordinate.
    case separableSpaceTime = "separable_space_time"

    /// Whether the first coordinate is time, with its own range.
    public var isSpaceTime: Bool { self == .maternSpaceTime || self == .separableSpaceTime }
}

/// How spatial distances are measured.
public enum DistanceMetric: String, Codable, Sendable {
    /// Euclidean distance in the coordinates as given (lon/lat then count as planar, like GPBoost).
    case euclidean
    /// Great-circle (haversine) distance in kilometres between (longitude, latitude) in degrees.
    /// Ranges are then in kilometres.
    case greatCircle = "great_circle"
}

/// A stationary covariance function `k(Δ; θ)` with parameters `θ` on the natural scale.
///
/// Parameters: `θ = (σ², ρ)` for isotropic kinds, `θ = (σ², ρ_t, ρ_s)` for space-time kinds. Every
/// optimiser works on `log θ`; ``valueAndLogGradient(_:timeSquared:spaceSquared:gradient:)`` gives
/// `∂k/∂log θ_k` in closed form.
///
/// The Matérn correlation for ν = 0.5, 1.5, 2.5 is the closed form (Rasmussen & Williams 2006, eq. 4.17)
/// in GPBoost's scaling of the distance: `M_ν(h)` with `a = √(2ν)·h`,
/// `M_0.5 = e^{−a}`, `M_1.5 = (1+a)e^{−a}`, `M_2.5 = (1+a+a²/3)e^{−a}`.
public struct CovarianceFunction: Codable, Sendable, Equatable {
    public var kind: CovarianceKind
    /// Matérn smoothness ν (0.5, 1.5 or 2.5); ignored by exponential and gaussian.
    public var nu: Double
    /// Distance between spatial coordinates.
    public var metric: DistanceMetric

    public init(kind: CovarianceKind, nu: Double = 1.5, metric: DistanceMetric = .euclidean) throws(GPError) {
        if kind == .matern || kind.isSpaceTime {
            guard [0.5, 1.5, 2.5].contains(nu) else {
                throw .invalidParameter("Matérn smoothness nu must be 0.5, 1.5 or 2.5 (got \(nu))")
            }
        }
        self.kind = kind
        self.nu = nu
        self.metric = metric
    }

    /// Names of the parameters in order, as GPBoost prints them.
    public var parameterNames: [String] {
        kind.isSpaceTime ? ["GP_var", "GP_range_time", "GP_range_space"] : ["GP_var", "GP_range"]
    }

    /// Number of covariance parameters.
    public var parameterCount: Int { kind.isSpaceTime ? 3 : 2 }

    /// Checks that `theta` has the right length and is positive and finite.
    public func validate(_ theta: [Double]) throws(GPError) {
        guard theta.count == parameterCount else {
            throw .invalidParameter("\(kind.rawValue) takes \(parameterCount) parameters \(parameterNames), got \(theta.count)")
        }
        for (name, v) in zip(parameterNames, theta) where !(v > 0 && v.isFinite) {
            throw .invalidParameter("covariance parameter \(name) must be positive and finite (got \(v))")
        }
    }

    // MARK: - Unit correlations of a scaled distance h

    /// `M(h)` and `D(h) = M'(h)/h` (finite at h = 0 for ν ≥ 1.5 and the Gaussian kernel).
    @inline(__always)
    func correlation(_ h: Double) -> (m: Double, dOverH: Double) {
        switch kind {
        case .gaussian:
            let e = exp(-h * h)
            return (e, -2 * e)
        case .exponential:
            let e = exp(-h)
            return (e, h > 0 ? -e / h : 0)
        case .matern, .maternSpaceTime, .separableSpaceTime:
            if nu == 0.5 {
                let e = exp(-h)
                return (e, h > 0 ? -e / h : 0)
            } else if nu == 1.5 {
                let a = 3.0.squareRoot() * h
                let e = exp(-a)
                return ((1 + a) * e, -3 * e)
            } else {
                let a = 5.0.squareRoot() * h
                let e = exp(-a)
                return ((1 + a + a * a / 3) * e, -5.0 / 3.0 * (1 + a) * e)
            }
        }
    }

    /// `k(Δ)` for squared time and space distances (isotropic kinds: `timeSquared` is added to `spaceSquared`).
    @inline(__always)
    public func value(_ theta: [Double], timeSquared dt2: Double, spaceSquared ds2: Double) -> Double {
        switch kind {
        case .exponential, .matern, .gaussian:
            return theta[0] * correlation(((dt2 + ds2).squareRoot()) / theta[1]).m
        case .maternSpaceTime:
            let h = (dt2 / (theta[1] * theta[1]) + ds2 / (theta[2] * theta[2])).squareRoot()
            return theta[0] * correlation(h).m
        case .separableSpaceTime:
            return theta[0] * correlation(dt2.squareRoot() / theta[1]).m * correlation(ds2.squareRoot() / theta[2]).m
        }
    }

    /// `k(Δ)` and `∂k/∂log θ_k` written into `gradient` (length ``parameterCount``).
    @inline(__always)
    public func valueAndLogGradient(_ theta: [Double], timeSquared dt2: Double, spaceSquared ds2: Double,
                                    gradient g: inout [Double]) -> Double {
        switch kind {
        case .exponential, .matern, .gaussian:
            let u = (dt2 + ds2) / (theta[1] * theta[1])     // h²
            let (m, dh) = correlation(u.squareRoot())
            let k = theta[0] * m
            g[0] = k
            g[1] = -theta[0] * dh * u                         // σ² M'(h) · (−h)
            return k
        case .maternSpaceTime:
            let ut = dt2 / (theta[1] * theta[1]), us = ds2 / (theta[2] * theta[2])
            let (m, dh) = correlation((ut + us).squareRoot())
            let k = theta[0] * m
            g[0] = k
            g[1] = -theta[0] * dh * ut                        // ∂h/∂log ρ_t = −ut/h
            g[2] = -theta[0] * dh * us
            return k
        case .separableSpaceTime:
            let ut = dt2 / (theta[1] * theta[1]), us = ds2 / (theta[2] * theta[2])
            let (mt, dt) = correlation(ut.squareRoot())
            let (ms, ds) = correlation(us.squareRoot())
            let k = theta[0] * mt * ms
            g[0] = k
            g[1] = -theta[0] * dt * ut * ms
            g[2] = -theta[0] * mt * ds * us
            return k
        }
    }

    /// GPBoost-style initial values from the data: variance 1, ranges such that the correlation is about
    /// 0.05 at half the median pairwise distance (`ρ = c·median/(2·3)` with the scale `c` of ν).
    public func initialParameters(_ locations: DistinctLocations) -> [Double] {
        let (medT, medS) = locations.medianPairwiseDistances(metric: metric)
        // Correlation 0.05 at distance median/2: M(h) = 0.05 ⇔ h ≈ 3.0 (ν=0.5), 4.74/√3 (1.5), 5.92/√5 (2.5).
        let h05: Double
        switch kind {
        case .gaussian: h05 = (-log(0.05)).squareRoot()
        case .exponential: h05 = -log(0.05)
        default: h05 = nu == 0.5 ? -log(0.05) : (nu == 1.5 ? 4.7439 / 3.0.squareRoot() : 5.9154 / 5.0.squareRoot())
        }
        func range(_ med: Double) -> Double { med > 0 ? med / 2 / h05 : 1 }
        if kind.isSpaceTime { return [1, range(medT), range(medS)] }
        return [1, range(medS)]
    }
}
