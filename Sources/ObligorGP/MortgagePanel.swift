import Foundation
import ObligorNumerics

// A synthetic spatio-temporal mortgage default panel: the Swift port of the data-generating process of
// shared/anchors/gpboost/gen_st_mortgage.py (Kündig & Sigrist, EJOR 2026, arXiv:2410.02846).
//
//     logit P(default_it = 1) = β₀ + f(x_it) + b(t, s_region(i))
//
// The process is the same (distributions, f, frailty covariance, calibration, loan dynamics, CSV columns
// and number formats); the bytes are not: the Python script draws from numpy's PCG64, this port from
// ObligorNumerics' RandomSource (GSL MT19937, ziggurat normals), so one seed gives a different (but
// equally distributed) panel in each. The same seed always writes the same bytes here.

/// The frailty covariance of a ``MortgagePanelSpec``.
public enum MortgagePanelCovariance: String, Codable, Sendable, CaseIterable {
    /// GPBoost's `matern_space_time`: `σ² M_ν(h)`, `h = √((Δt/ρ_t)² + ‖Δs‖²/ρ_s²)` (not separable).
    case maternST = "matern_st"
    /// `σ² exp(−|Δt|/ρ_t) · exp(−‖Δs‖/ρ_s)` (separable; GPBoost's `matern_space_time` is then misspecified).
    case separableExp = "separable_exp"
}

/// Parameters of the synthetic panel; the defaults are those of `gen_st_mortgage.py`.
public struct MortgagePanelSpec: Codable, Sendable, Equatable {
    /// Largest `nRegions · nPeriods`: the frailty is drawn exactly by a dense Cholesky of that order.
    public static let maxLatentPoints = 10_000
    /// Largest number of loans accepted.
    public static let maxLoans = 10_000_000

    public var seed: UInt64 = 1
    public var nLoans: Int = 1100
    public var nRegions: Int = 60
    public var nPeriods: Int = 12
    /// First test period: train is `t < tSplit`, test `t ≥ tSplit`. `nil` means `nPeriods − 2`.
    public var tSplit: Int? = nil
    public var covariance: MortgagePanelCovariance = .maternST
    /// Matérn smoothness of `matern_st` (0.5, 1.5 or 2.5; checked for both kinds, like the script).
    public var nu: Double = 1.5
    /// Marginal variance of the frailty.
    public var sigma2: Double = 0.8
    /// Temporal range (periods).
    public var rangeTime: Double = 2.0
    /// Spatial range (degrees).
    public var rangeSpace: Double = 9.0
    /// Target mean default probability per loan-period (the intercept is bisected to hit it).
    public var baseRate: Double = 0.03
    /// Per-period prepayment (exit) probability.
    public var prepayRate: Double = 0.08
    /// Fraction of loans already on the book at t = 0 (seasoned 0–20 periods).
    public var initialBookFraction: Double = 0.5

    public init(seed: UInt64 = 1, nLoans: Int = 1100, nRegions: Int = 60, nPeriods: Int = 12, tSplit: Int? = nil,
                covariance: MortgagePanelCovariance = .maternST, nu: Double = 1.5, sigma2: Double = 0.8,
                rangeTime: Double = 2.0, rangeSpace: Double = 9.0, baseRate: Double = 0.03, prepayRate: Double = 0.08,
                initialBookFraction: Double = 0.5) {
        self.seed = seed
        self.nLoans = nLoans
        self.nRegions = nRegions
        self.nPeriods = nPeriods
        self.tSplit = tSplit
        self.covariance = covariance
        self.nu = nu
        self.sigma2 = sigma2
        self.rangeTime = rangeTime
        self.rangeSpace = rangeSpace
        self.baseRate = baseRate
        self.prepayRate = prepayRate
        self.initialBookFraction = initialBookFraction
    }

    /// The split period actually used.
    public var effectiveTSplit: Int { tSplit ?? (nPeriods - 2) }

    /// Number of latent frailty locations, `nRegions · nPeriods`.
    public var latentPoints: Int { nRegions.multipliedReportingOverflow(by: nPeriods).overflow ? Int.max : nRegions * nPeriods }

    /// Checks every parameter; the message names the CLI option.
    public func validate() throws(GPError) {
        func bad(_ s: String) -> GPError { .invalidParameter(s) }
        guard nLoans >= 1 && nLoans <= Self.maxLoans else { throw bad("--n-loans must be between 1 and \(Self.maxLoans) (got \(nLoans))") }
        guard nRegions >= 1 else { throw bad("--n-regions must be at least 1 (got \(nRegions))") }
        guard nPeriods >= 2 else { throw bad("--n-periods must be at least 2 (one train and one test period; got \(nPeriods))") }
        guard latentPoints <= Self.maxLatentPoints else {
            throw bad("n_regions * n_periods = \(latentPoints) > \(Self.maxLatentPoints): too large for the exact Cholesky draw of the frailty")
        }
        let ts = effectiveTSplit
        guard ts >= 1 && ts < nPeriods else { throw bad("--t-split must be in [1, n_periods-1] = [1, \(nPeriods - 1)] (got \(ts))") }
        guard [0.5, 1.5, 2.5].contains(nu) else { throw bad("--nu must be 0.5, 1.5 or 2.5 (got \(nu))") }
        guard sigma2 > 0 && sigma2.isFinite else { throw bad("--sigma2 must be positive and finite (got \(sigma2))") }
        guard rangeTime > 0 && rangeTime.isFinite else { throw bad("--range-time must be positive and finite (got \(rangeTime))") }
        guard rangeSpace > 0 && rangeSpace.isFinite else { throw bad("--range-space must be positive and finite (got \(rangeSpace))") }
        guard baseRate > 0 && baseRate < 1 else { throw bad("--base-rate must be in (0, 1) (got \(baseRate))") }
        guard prepayRate >= 0 && prepayRate < 1 else { throw bad("--prepay-rate must be in [0, 1) (got \(prepayRate))") }
        guard initialBookFraction >= 0 && initialBookFraction <= 1 else {
            throw bad("--initial-book-frac must be in [0, 1] (got \(initialBookFraction))")
        }
    }

    /// The frailty kernel as an ObligorGP covariance function with `θ = (σ², ρ_t, ρ_s)`.
    public func covarianceFunction() throws(GPError) -> (function: CovarianceFunction, theta: [Double]) {
        let f: CovarianceFunction
        switch covariance {
        case .maternST: f = try CovarianceFunction(kind: .maternSpaceTime, nu: nu)
        case .separableExp: f = try CovarianceFunction(kind: .separableSpaceTime, nu: 0.5)
        }
        return (f, [sigma2, rangeTime, rangeSpace])
    }
}

/// A generated panel: regions, the frailty grid, loans (static attributes) and loan-period rows.
///
/// Rows are ordered by loan, then period, as in the script. Loan attributes are indexed by loan id,
/// row attributes by row.
public struct MortgagePanel: Sendable {
    /// The CSV header, identical to `gen_st_mortgage.py`'s `COLUMNS`.
    public static let columns = [
        "loan_id", "t", "region_id", "x", "y",
        "credit_score", "ltv", "dti", "ir_spread", "loan_age", "orig_upb",
        "first_time_buyer", "investor", "n_borrowers",
        "default", "true_prob", "true_frailty", "true_fx", "split",
    ]
    /// The feature columns (meta `features`).
    public static let features = ["credit_score", "ltv", "dti", "ir_spread", "loan_age", "orig_upb",
                                  "first_time_buyer", "investor", "n_borrowers"]

    public let spec: MortgagePanelSpec
    public let tSplit: Int
    /// The calibrated intercept β₀.
    public let intercept: Double
    /// Jitter added to the diagonal of the frailty covariance (1e-8·σ² unless that was not enough).
    public let frailtyJitter: Double

    // Regions
    /// Region centroids (longitude, latitude in degrees, rounded to 4 decimals).
    public let regionX: [Double]
    public let regionY: [Double]
    /// Probability that a loan belongs to each region (Zipf-like, permuted).
    public let regionWeights: [Double]
    /// Frailty `b(t, r)` at `t * nRegions + r`.
    public let frailtyGrid: [Double]

    // Loans
    public let loanRegion: [Int]
    public let loanCreditScore: [Int]
    public let loanOrigLTV: [Double]
    public let loanDTI: [Double]
    public let loanSpread: [Double]
    public let loanOrigUPB: [Double]
    public let loanFirstTimeBuyer: [Int]
    public let loanInvestor: [Int]
    public let loanBorrowers: [Int]
    public let loanStart: [Int]
    public let loanInitialAge: [Int]

    // Rows (after defaults end loans)
    public let rowLoan: [Int]
    public let rowT: [Int]
    public let rowAge: [Int]
    public let rowLTV: [Double]
    /// `f(x)` without the intercept.
    public let rowFx: [Double]
    public let rowFrailty: [Double]
    public let rowProbability: [Double]
    public let rowDefault: [Int]

    /// Candidate rows before defaults removed later periods, and the mean probability over them (= baseRate after calibration).
    public let candidateRows: Int
    public let candidateMeanProbability: Double

    public var rowCount: Int { rowLoan.count }
    public var trainRows: Int { rowT.reduce(0) { $0 + ($1 < tSplit ? 1 : 0) } }
    public var testRows: Int { rowCount - trainRows }
    public var loansObserved: Int { Set(rowLoan).count }

    /// Default rate over the rows with `t` in `periods` (nil when there are none).
    public func defaultRate(_ include: (Int) -> Bool) -> Double? {
        var n = 0, d = 0
        for k in 0..<rowCount where include(rowT[k]) { n += 1; d += rowDefault[k] }
        return n > 0 ? Double(d) / Double(n) : nil
    }
    public var defaultRateTrain: Double? { defaultRate { $0 < tSplit } }
    public var defaultRateTest: Double? { defaultRate { $0 >= tSplit } }
    /// Default rate of each period (nil where the period has no rows).
    public var defaultRateByPeriod: [Double?] { (0..<spec.nPeriods).map { t in defaultRate { $0 == t } } }

    /// Population standard deviation of the frailty grid (meta `frailty_sd_realised`).
    public var frailtySDRealised: Double {
        let n = Double(frailtyGrid.count)
        let m = frailtyGrid.reduce(0, +) / n
        return (frailtyGrid.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
    }

    /// The CSV bytes (header + one line per row, "\n" line ends), with the script's number formats:
    /// x, y, ir_spread `%.4f`; ltv `%.3f`; dti `%.2f`; orig_upb `%.0f`; true_prob, true_frailty, true_fx `%.6g`.
    /// `true_fx` is `β₀ + f(x)` (the intercept is included, as in the script).
    public func csvBytes() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64 + rowCount * 120)
        out.append(contentsOf: Array(Self.columns.joined(separator: ",").utf8))
        out.append(0x0A)
        var f = NumberFormatterC()
        let comma: UInt8 = 0x2C
        for k in 0..<rowCount {
            let i = rowLoan[k], r = loanRegion[i]
            appendInt(&out, i); out.append(comma)
            appendInt(&out, rowT[k]); out.append(comma)
            appendInt(&out, r); out.append(comma)
            f.append(&out, regionX[r], .f4); out.append(comma)
            f.append(&out, regionY[r], .f4); out.append(comma)
            appendInt(&out, loanCreditScore[i]); out.append(comma)
            f.append(&out, rowLTV[k], .f3); out.append(comma)
            f.append(&out, loanDTI[i], .f2); out.append(comma)
            f.append(&out, loanSpread[i], .f4); out.append(comma)
            appendInt(&out, rowAge[k]); out.append(comma)
            f.append(&out, loanOrigUPB[i], .f0); out.append(comma)
            appendInt(&out, loanFirstTimeBuyer[i]); out.append(comma)
            appendInt(&out, loanInvestor[i]); out.append(comma)
            appendInt(&out, loanBorrowers[i]); out.append(comma)
            appendInt(&out, rowDefault[k]); out.append(comma)
            f.append(&out, rowProbability[k], .g6); out.append(comma)
            f.append(&out, rowFrailty[k], .g6); out.append(comma)
            f.append(&out, intercept + rowFx[k], .g6); out.append(comma)
            out.append(contentsOf: rowT[k] < tSplit ? Self.trainBytes : Self.testBytes)
            out.append(0x0A)
        }
        return out
    }

    private static let trainBytes = Array("train".utf8)
    private static let testBytes = Array("test".utf8)

    /// The `<out>.meta.json` object (keys as in the script, plus `rng`, `frailty_jitter`, `candidate_rows`,
    /// `calibrated_mean_prob`, `default_rate_by_period`). `outName` is the prefix's last path component.
    public func meta(outName: String, seconds: Double) -> [String: Any] {
        let s = spec
        let args: [String: Any] = [
            "seed": s.seed, "n_loans": s.nLoans, "n_regions": s.nRegions, "n_periods": s.nPeriods,
            "t_split": s.tSplit.map { $0 as Any } ?? NSNull(), "cov": s.covariance.rawValue, "nu": s.nu, "sigma2": s.sigma2,
            "range_time": s.rangeTime, "range_space": s.rangeSpace, "base_rate": s.baseRate, "prepay_rate": s.prepayRate,
            "initial_book_frac": s.initialBookFraction, "out": outName,
        ]
        let note = s.covariance == .maternST
            ? "matern_st equals GPBoost cov_function='matern_space_time' with cov_fct_shape=nu (time = first gp_coords column)"
            : "separable product of exponentials: GPBoost 'matern_space_time' is misspecified"
        func opt(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
        return [
            "generator": "obligor data generate mortgage-panel (port of gen_st_mortgage.py)",
            "rng": "GSL MT19937 seeded with args.seed (the script uses numpy PCG64): same process, different draws",
            "args": args,
            "t_split": tSplit,
            "features": Self.features,
            "coords": ["time": "t", "space": ["x", "y"], "space_units": "degrees lon/lat (Euclidean)"] as [String: Any],
            "true_cov": [
                "type": s.covariance.rawValue, "nu": s.nu, "sigma2": s.sigma2, "range_time": s.rangeTime,
                "range_space": s.rangeSpace, "gpboost_order": ["GP_var", "GP_range_time", "GP_range_space"], "note": note,
            ] as [String: Any],
            "intercept": intercept,
            "n_rows": rowCount, "n_train": trainRows, "n_test": testRows,
            "n_loans_observed": loansObserved,
            "n_latent_points": s.nRegions * s.nPeriods,
            "default_rate_train": opt(defaultRateTrain),
            "default_rate_test": opt(defaultRateTest),
            "default_rate_by_period": defaultRateByPeriod.map(opt),
            "frailty_sd_realised": frailtySDRealised,
            "frailty_jitter": frailtyJitter,
            "candidate_rows": candidateRows,
            "calibrated_mean_prob": candidateMeanProbability,
            "gen_seconds": (seconds * 1000).rounded() / 1000,
        ]
    }

    /// The meta object as pretty-printed JSON with sorted keys.
    public func metaJSON(outName: String, seconds: Double) throws -> Data {
        try JSONSerialization.data(withJSONObject: meta(outName: outName, seconds: seconds),
                                   options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    init(spec: MortgagePanelSpec, tSplit: Int, intercept: Double, frailtyJitter: Double, regionX: [Double], regionY: [Double],
         regionWeights: [Double], frailtyGrid: [Double], loanRegion: [Int], loanCreditScore: [Int], loanOrigLTV: [Double],
         loanDTI: [Double], loanSpread: [Double], loanOrigUPB: [Double], loanFirstTimeBuyer: [Int], loanInvestor: [Int],
         loanBorrowers: [Int], loanStart: [Int], loanInitialAge: [Int], rowLoan: [Int], rowT: [Int], rowAge: [Int],
         rowLTV: [Double], rowFx: [Double], rowFrailty: [Double], rowProbability: [Double], rowDefault: [Int],
         candidateRows: Int, candidateMeanProbability: Double) {
        self.spec = spec; self.tSplit = tSplit; self.intercept = intercept; self.frailtyJitter = frailtyJitter
        self.regionX = regionX; self.regionY = regionY; self.regionWeights = regionWeights; self.frailtyGrid = frailtyGrid
        self.loanRegion = loanRegion; self.loanCreditScore = loanCreditScore; self.loanOrigLTV = loanOrigLTV
        self.loanDTI = loanDTI; self.loanSpread = loanSpread; self.loanOrigUPB = loanOrigUPB
        self.loanFirstTimeBuyer = loanFirstTimeBuyer; self.loanInvestor = loanInvestor; self.loanBorrowers = loanBorrowers
        self.loanStart = loanStart; self.loanInitialAge = loanInitialAge
        self.rowLoan = rowLoan; self.rowT = rowT; self.rowAge = rowAge; self.rowLTV = rowLTV; self.rowFx = rowFx
        self.rowFrailty = rowFrailty; self.rowProbability = rowProbability; self.rowDefault = rowDefault
        self.candidateRows = candidateRows; self.candidateMeanProbability = candidateMeanProbability
    }
}

/// Generates ``MortgagePanel``s.
public enum MortgagePanelGenerator {
    /// The bounding box of region centroids (lon, lat in degrees), as ZIP3 centroids in the paper.
    public static let longitudeRange = (-124.0, -68.0)
    public static let latitudeRange = (25.0, 49.0)

    /// The known non-linear log-odds contribution of loan features, without the intercept (the script's `true_fx`).
    @inline(__always)
    public static func fx(creditScore fico: Double, ltv: Double, dti: Double, spread: Double, age: Double,
                          firstTimeBuyer ftb: Int, investor inv: Int, borrowers nb: Int) -> Double {
        var f = -1.1 * tanh((fico - 700.0) / 55.0)
        f += 1.6 * max(ltv - 80.0, 0) / 20.0 + 0.6 * (ltv - 70.0) / 30.0
        f += 0.5 * max(dti - 40.0, 0) / 10.0
        f += (ltv > 85.0 && fico < 690.0) ? 1.0 : 0.0            // LTV x FICO interaction
        f += 0.5 * spread
        let z = (age - 8.0) / 6.0
        f += 0.7 * exp(-z * z)                                    // seasoning hump
        f += 0.35 * Double(inv)
        f += (ftb == 1 && dti > 43.0) ? 0.3 : 0.0                 // FTB x DTI interaction
        f -= nb == 2 ? 0.25 : 0.0
        return f
    }

    @inline(__always) static func sigmoid(_ z: Double) -> Double { 1.0 / (1.0 + exp(-z)) }

    /// numpy's `np.round(x, d)` for d ≥ 0 (half to even on the scaled value).
    @inline(__always) static func roundHalfEven(_ x: Double, decimals d: Int) -> Double {
        let s = pow(10.0, Double(d))
        return (x * s).rounded(.toNearestOrEven) / s
    }

    /// Draws the frailty on the grid of `times[k]`, `(x[k], y[k])` exactly: `L z` with `L Lᵀ = Σ + jitter·I`.
    /// The jitter starts at 1e-8·σ² (the script's) and grows tenfold up to 1e-4·σ² if the factorisation fails.
    /// Returns the draw and the jitter used.
    public static func drawFrailty(kernel: CovarianceFunction, theta: [Double], times: [Double], x: [Double], y: [Double],
                                   random: RandomSource) throws -> (values: [Double], jitter: Double) {
        let n = times.count
        precondition(x.count == n && y.count == n, "drawFrailty: times, x and y need equal lengths")
        let z = (0..<n).map { _ in random.gaussian() }
        var jitter = 1e-8 * theta[0]
        // Lower triangle only (the factorisation reads it), built into a temporary that the factorisation owns alone
        // (no second n² copy). A `catch LinearAlgebraError.notPositiveDefinite(let minor)` clause crashes Swift 6.3.1's
        // SILGen here, hence the Result.
        func covariance(_ jitter: Double) -> [Double] {
            var values = [Double](repeating: 0, count: n * n)
            values.withUnsafeMutableBufferPointer { p in
                for i in 0..<n {
                    let ti = times[i], xi = x[i], yi = y[i]
                    let rowStart = i * n
                    for j in 0..<i {
                        let dt = ti - times[j], dx = xi - x[j], dy = yi - y[j]
                        p[rowStart + j] = kernel.value(theta, timeSquared: dt * dt, spaceSquared: dx * dx + dy * dy)
                    }
                    p[rowStart + i] = kernel.value(theta, timeSquared: 0, spaceSquared: 0) + jitter
                }
            }
            return values
        }
        while true {
            let jitterNow = jitter
            let factor = Result { () throws(LinearAlgebraError) -> Cholesky in
                try Cholesky(Matrix(rows: n, columns: n, values: covariance(jitterNow)))
            }
            switch factor {
            case let .success(chol):
                return (try chol.lower.gemv(z), jitter)
            case let .failure(error):
                guard case .notPositiveDefinite = error, jitter < 1e-4 * theta[0] else {
                    throw GPError.numerical("frailty covariance: \(error) (jitter \(jitter))")
                }
                jitter *= 10
            }
        }
    }

    /// Generates the panel of `spec`. `progress` receives a few lines about the slow steps (for stderr).
    public static func generate(_ spec: MortgagePanelSpec, progress: ((String) -> Void)? = nil) throws -> MortgagePanel {
        try spec.validate()
        let rng = RandomSource(seed: spec.seed)
        let T = spec.nPeriods, R = spec.nRegions, n = spec.nLoans
        let tSplit = spec.effectiveTSplit
        let (lon0, lon1) = longitudeRange, (lat0, lat1) = latitudeRange

        // ---- regions: clustered "metro" centroids in a US-like box, Zipf-ish sizes
        let nMetro = max(3, R / 8)
        let metroX = (0..<nMetro).map { _ in lon0 + (lon1 - lon0) * rng.uniform() }
        let metroY = (0..<nMetro).map { _ in lat0 + (lat1 - lat0) * rng.uniform() }
        let which = (0..<R).map { _ in rng.integer(below: nMetro) }
        var regionX = [Double](repeating: 0, count: R), regionY = regionX
        for r in 0..<R {
            let ex = rng.gaussian() * 2.5, ey = rng.gaussian() * 2.5
            regionX[r] = roundHalfEven(min(max(metroX[which[r]] + ex * 1.3, lon0), lon1), decimals: 4)
            regionY[r] = roundHalfEven(min(max(metroY[which[r]] + ey * 1.0, lat0), lat1), decimals: 4)
        }
        var weights = (1...R).map { 1.0 / pow(Double($0), 0.8) }
        rng.shuffle(&weights)
        let wSum = weights.reduce(0, +)
        weights = weights.map { $0 / wSum }

        // ---- latent frailty b(t, s_r) on the full (period x region) grid, point k = t*R + r
        let nLatent = R * T
        if nLatent >= 2000 { progress?("drawing the frailty on \(nLatent) (period x region) points (dense Cholesky) ...") }
        let (kernel, theta) = try spec.covarianceFunction()
        let gridT = (0..<nLatent).map { Double($0 / R) }
        let gridX = (0..<nLatent).map { regionX[$0 % R] }
        let gridY = (0..<nLatent).map { regionY[$0 % R] }
        let (bGrid, jitter) = try drawFrailty(kernel: kernel, theta: theta, times: gridT, x: gridX, y: gridY, random: rng)
        if nLatent >= 2000 { progress?("frailty drawn") }

        // ---- loans (static attributes), drawn variable by variable like the script
        var cdf = [Double](repeating: 0, count: R)
        var acc = 0.0
        for r in 0..<R { acc += weights[r]; cdf[r] = acc }
        for r in 0..<R { cdf[r] /= acc }
        let region: [Int] = (0..<n).map { _ in
            // numpy choice: searchsorted(cdf, u, side="right")
            let u = rng.uniform()
            var lo = 0, hi = R - 1
            while lo < hi { let mid = (lo + hi) / 2; if cdf[mid] <= u { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        let fico: [Int] = (0..<n).map { _ in Int(min(max((735.0 + 45.0 * rng.gaussian()).rounded(.toNearestOrEven), 580), 840)) }
        let origLTV = (0..<n).map { _ in min(max(78.0 + 12.0 * rng.gaussian(), 30.0), 97.0) }
        let dti = (0..<n).map { _ in min(max(35.0 + 9.0 * rng.gaussian(), 5.0), 60.0) }
        let spread = (0..<n).map { i in 0.4 + 0.5 * rng.gaussian() - 0.004 * (Double(fico[i]) - 735.0) }
        let upb = (0..<n).map { _ in ((exp(log(230000.0) + 0.45 * rng.gaussian())) / 100).rounded(.toNearestOrEven) * 100 }
        let ftb = (0..<n).map { _ in rng.uniform() < 0.25 ? 1 : 0 }
        let inv = (0..<n).map { _ in rng.uniform() < 0.10 ? 1 : 0 }
        let nb = (0..<n).map { _ in rng.uniform() < 0.5 ? 2 : 1 }
        let seasoned = (0..<n).map { _ in rng.uniform() < spec.initialBookFraction }
        let laterStart = (0..<n).map { _ in 1 + rng.integer(below: T - 1) }
        let seasoning = (0..<n).map { _ in rng.integer(below: 21) }
        let start = (0..<n).map { seasoned[$0] ? 0 : laterStart[$0] }
        let age0 = (0..<n).map { seasoned[$0] ? seasoning[$0] : 0 }

        // ---- candidate rows: loan active from its start until prepayment or T-1
        var cLoan = [Int](), cT = [Int](), cAge = [Int]()
        let expected = n * max(1, min(T, 12))
        cLoan.reserveCapacity(expected); cT.reserveCapacity(expected); cAge.reserveCapacity(expected)
        for i in 0..<n {
            for t in start[i]..<T {
                cLoan.append(i); cT.append(t); cAge.append(age0[i] + (t - start[i]))
                if rng.uniform() < spec.prepayRate { break }
            }
        }
        let m = cLoan.count
        var cLTV = [Double](repeating: 0, count: m), cFx = cLTV, cB = cLTV
        for k in 0..<m {
            let i = cLoan[k]
            let age = Double(cAge[k])
            cLTV[k] = max(origLTV[i] * (1.0 - 0.025 * age), 5.0)
            cFx[k] = fx(creditScore: Double(fico[i]), ltv: cLTV[k], dti: dti[i], spread: spread[i], age: age,
                        firstTimeBuyer: ftb[i], investor: inv[i], borrowers: nb[i])
            cB[k] = bGrid[cT[k] * R + region[i]]
        }
        let eta = zip(cFx, cB).map { $0 + $1 }
        if m >= 100_000 { progress?("\(m) candidate loan-periods; calibrating the intercept ...") }
        let beta0 = calibrateIntercept(eta, target: spec.baseRate)
        let p = eta.map { sigmoid(beta0 + $0) }
        let yRaw = p.map { rng.uniform() < $0 ? 1 : 0 }

        // ---- defaults terminate a loan: drop its later rows
        var defaulted = [Bool](repeating: false, count: n)
        var keep = [Int]()
        keep.reserveCapacity(m)
        for k in 0..<m {
            let i = cLoan[k]
            if defaulted[i] { continue }
            keep.append(k)
            if yRaw[k] == 1 { defaulted[i] = true }
        }
        return MortgagePanel(
            spec: spec, tSplit: tSplit, intercept: beta0, frailtyJitter: jitter,
            regionX: regionX, regionY: regionY, regionWeights: weights, frailtyGrid: bGrid,
            loanRegion: region, loanCreditScore: fico, loanOrigLTV: origLTV, loanDTI: dti, loanSpread: spread,
            loanOrigUPB: upb, loanFirstTimeBuyer: ftb, loanInvestor: inv, loanBorrowers: nb,
            loanStart: start, loanInitialAge: age0,
            rowLoan: keep.map { cLoan[$0] }, rowT: keep.map { cT[$0] }, rowAge: keep.map { cAge[$0] },
            rowLTV: keep.map { cLTV[$0] }, rowFx: keep.map { cFx[$0] }, rowFrailty: keep.map { cB[$0] },
            rowProbability: keep.map { p[$0] }, rowDefault: keep.map { yRaw[$0] },
            candidateRows: m, candidateMeanProbability: p.reduce(0, +) / Double(max(m, 1)))
    }

    /// The intercept β₀ with mean σ(β₀ + η) = target, by bisection on [−20, 20] (the script's 200 halvings;
    /// stops early once the bracket cannot shrink in floating point).
    public static func calibrateIntercept(_ eta: [Double], target: Double) -> Double {
        var lo = -20.0, hi = 20.0
        let count = Double(max(eta.count, 1))
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { break }
            var s = 0.0
            for e in eta { s += sigmoid(mid + e) }
            if s / count > target { hi = mid } else { lo = mid }
        }
        return 0.5 * (lo + hi)
    }
}

// MARK: - Fast number formatting (C printf semantics, like Python's %-formatting)

@inline(__always)
func appendInt(_ out: inout [UInt8], _ v: Int) {
    if v < 0 { out.append(0x2D); appendInt(&out, -v); return }
    if v < 10 { out.append(0x30 &+ UInt8(v)); return }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var x = v
    withUnsafeMutableBytes(of: &digits) { buf in
        while x > 0 { buf[count] = 0x30 &+ UInt8(x % 10); x /= 10; count += 1 }
        for k in stride(from: count - 1, through: 0, by: -1) { out.append(buf[k]) }
    }
}

/// `vsnprintf` into a reusable buffer: identical output to Python's `"%.4f" % x` etc. (both round the exact binary value).
struct NumberFormatterC {
    enum Style { case f0, f2, f3, f4, g6 }
    private var buffer = [CChar](repeating: 0, count: 64)

    mutating func append(_ out: inout [UInt8], _ x: Double, _ style: Style) {
        let format: StaticString
        switch style {
        case .f0: format = "%.0f"
        case .f2: format = "%.2f"
        case .f3: format = "%.3f"
        case .f4: format = "%.4f"
        case .g6: format = "%.6g"
        }
        let len = buffer.withUnsafeMutableBufferPointer { b -> Int32 in
            withVaList([x]) { va in
                format.withUTF8Buffer { fb in
                    fb.withMemoryRebound(to: CChar.self) { f in vsnprintf(b.baseAddress, 64, f.baseAddress, va) }
                }
            }
        }
        buffer.withUnsafeBufferPointer { b in
            for k in 0..<Int(min(len, 63)) { out.append(UInt8(bitPattern: b[k])) }
        }
    }
}
