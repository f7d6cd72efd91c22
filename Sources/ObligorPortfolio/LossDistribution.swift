import Foundation

/// An empirical portfolio loss distribution: N simulated losses, sorted.
///
/// Conventions (x₍₁₎ ≤ … ≤ x₍N₎ are the sorted draws):
/// - **Quantile / VaR**: `VaR_α = q_α = x₍k₎`, `k = ⌈Nα⌉`, the inverse of the empirical CDF,
///   `inf{x : F_N(x) ≥ α}` (Hyndman–Fan type 1, numpy `method="inverted_cdf"`); `Nα` within
///   1e-9 of an integer counts as that integer, so `α = 0.95` with N = 10,000 gives k = 9,500.
/// - **Expected shortfall**: `ES_α = (1/(1−α)) ∫_α^1 q_u du` of the empirical quantile function,
///   `ES_α = [ (k − Nα) x₍k₎ + Σ_{i>k} x₍i₎ ] / (N(1−α))` (Acerbi & Tasche 2002): the mean of the
///   worst `N(1−α)` draws, with a fractional weight on x₍k₎ when `N(1−α)` is not an integer.
///   It is coherent and always ≥ VaR_α. The plain "mean of draws ≥ VaR_α" is
///   ``tailConditionalExpectation(_:)``; the two differ only by ties at VaR and the boundary draw.
/// - **Standard deviation** uses the N − 1 denominator; ``standardError`` = sd/√N is the Monte-Carlo
///   standard error of ``expectedLoss``.
public struct LossDistribution: Sendable, Equatable {
    /// The simulated losses, ascending.
    public let sortedDraws: [Double]
    /// `Σ EAD·LGD·p_i` of the portfolio it was simulated from, when known.
    public let analyticExpectedLoss: Double?
    /// The sample mean of the draws.
    public let expectedLoss: Double
    /// The sample standard deviation (N − 1 denominator; 0 for one draw).
    public let standardDeviation: Double

    /// A distribution from draws in any order.
    /// - Throws: ``PortfolioError/invalidParameter(_:)`` for no draws or a non-finite draw.
    public init(draws: [Double], analyticExpectedLoss: Double? = nil) throws(PortfolioError) {
        guard !draws.isEmpty else { throw .invalidParameter("a loss distribution needs at least one draw") }
        if let i = draws.firstIndex(where: { !$0.isFinite }) {
            throw .invalidParameter("loss draw \(i) is \(draws[i]); draws must be finite")
        }
        let s = draws.sorted()
        let n = Double(s.count)
        var sum = 0.0
        for x in s { sum += x }
        let mean = sum / n
        var ss = 0.0
        for x in s { ss += (x - mean) * (x - mean) }
        sortedDraws = s
        self.analyticExpectedLoss = analyticExpectedLoss
        expectedLoss = mean
        standardDeviation = s.count > 1 ? (ss / (n - 1)).squareRoot() : 0
    }

    /// The number of draws N.
    public var count: Int { sortedDraws.count }
    /// The Monte-Carlo standard error of ``expectedLoss``, sd/√N.
    public var standardError: Double { standardDeviation / Double(count).squareRoot() }

    /// `k = ⌈Nα⌉` (1-based), clamped to 1...N.
    func orderIndex(_ alpha: Double) -> Int {
        precondition(alpha > 0 && alpha < 1, "a level must lie in (0, 1) (got \(alpha))")
        let t = Double(count) * alpha
        let r = t.rounded()
        let k = abs(t - r) <= 1e-9 * max(1, t) ? r : t.rounded(.up)
        return min(count, max(1, Int(k)))
    }

    /// The α-quantile `x₍⌈Nα⌉₎`, 0 < α < 1.
    public func quantile(_ alpha: Double) -> Double { sortedDraws[orderIndex(alpha) - 1] }

    /// Value at risk `VaR_α` = ``quantile(_:)``.
    public func valueAtRisk(_ alpha: Double) -> Double { quantile(alpha) }

    /// Expected shortfall `ES_α` (Acerbi–Tasche estimator, see the type's notes), 0 < α < 1.
    public func expectedShortfall(_ alpha: Double) -> Double {
        let k = orderIndex(alpha)
        let n = Double(count)
        let frac = max(0, Double(k) - n * alpha)
        var tail = 0.0
        for i in k..<count { tail += sortedDraws[i] }  // x₍k+1₎ … x₍N₎
        let es = (frac * sortedDraws[k - 1] + tail) / (n * (1 - alpha))
        return max(es, sortedDraws[k - 1])  // equal in exact arithmetic when the tail is flat
    }

    /// The mean of the draws ≥ `VaR_α` (the tail conditional expectation).
    public func tailConditionalExpectation(_ alpha: Double) -> Double {
        let v = quantile(alpha)
        let first = lowerBound(v)
        var s = 0.0
        for i in first..<count { s += sortedDraws[i] }
        return s / Double(count - first)
    }

    /// The first index with draw ≥ x.
    func lowerBound(_ x: Double) -> Int {
        var lo = 0, hi = count
        while lo < hi { let mid = (lo + hi) / 2; if sortedDraws[mid] < x { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// The first index with draw > x.
    func upperBound(_ x: Double) -> Int {
        var lo = 0, hi = count
        while lo < hi { let mid = (lo + hi) / 2; if sortedDraws[mid] <= x { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// Scores a realised loss against this distribution (see ``ScoringRules``).
    public func score(realisedLoss: Double, pinballLevels: [Double] = ReportLevels.standard.pinball) -> LossScore {
        var pin: [String: Double] = [:]
        for a in pinballLevels { pin[ReportLevels.key(a)] = ScoringRules.pinball(realised: realisedLoss, quantile: quantile(a), level: a) }
        return LossScore(realisedLoss: realisedLoss,
                         pit: ScoringRules.pit(sortedDraws: sortedDraws, realised: realisedLoss),
                         pinball: pin,
                         crps: ScoringRules.crps(sortedDraws: sortedDraws, realised: realisedLoss))
    }

    /// The Codable summary at `levels`.
    public func summary(levels: ReportLevels = .standard) -> LossSummary {
        var v: [String: Double] = [:], e: [String: Double] = [:], q: [String: Double] = [:]
        for a in levels.risk {
            v[ReportLevels.key(a)] = valueAtRisk(a)
            e[ReportLevels.key(a)] = expectedShortfall(a)
        }
        for a in levels.quantiles { q[ReportLevels.key(a)] = quantile(a) }
        return LossSummary(draws: count, expectedLoss: expectedLoss, analyticExpectedLoss: analyticExpectedLoss,
                           standardDeviation: standardDeviation, standardError: standardError,
                           valueAtRisk: v, expectedShortfall: e, quantiles: q)
    }
}

/// The levels reported in summaries; JSON keys are `String(level)` ("0.95", "0.999", "0.025").
public struct ReportLevels: Codable, Sendable, Equatable {
    /// VaR and ES levels.
    public var risk: [Double]
    /// Plain quantile levels.
    public var quantiles: [Double]
    /// Pinball-loss levels.
    public var pinball: [Double]

    /// Levels, each in (0, 1).
    public init(risk: [Double], quantiles: [Double], pinball: [Double]) {
        for a in risk + quantiles + pinball { precondition(a > 0 && a < 1, "a level must lie in (0, 1) (got \(a))") }
        self.risk = risk
        self.quantiles = quantiles
        self.pinball = pinball
    }

    /// VaR/ES at 95, 99, 99.9 %; quantiles 2.5, 50, 97.5 %; pinball at 95 and 99 % (the paper's set).
    public static let standard = ReportLevels(risk: [0.95, 0.99, 0.999], quantiles: [0.025, 0.5, 0.975], pinball: [0.95, 0.99])

    /// The JSON key of a level.
    public static func key(_ level: Double) -> String { String(level) }
}

/// Summary statistics of a ``LossDistribution``.
///
/// JSON: `{"draws", "expected_loss", "analytic_expected_loss", "standard_deviation", "standard_error",
/// "var": {"0.95", "0.99", "0.999"}, "es": {…}, "quantiles": {"0.025", "0.5", "0.975"}}`.
public struct LossSummary: Codable, Sendable, Equatable {
    public var draws: Int
    public var expectedLoss: Double
    public var analyticExpectedLoss: Double?
    public var standardDeviation: Double
    public var standardError: Double
    public var valueAtRisk: [String: Double]
    public var expectedShortfall: [String: Double]
    public var quantiles: [String: Double]

    enum CodingKeys: String, CodingKey {
        case draws
        case expectedLoss = "expected_loss"
        case analyticExpectedLoss = "analytic_expected_loss"
        case standardDeviation = "standard_deviation"
        case standardError = "standard_error"
        case valueAtRisk = "var"
        case expectedShortfall = "es"
        case quantiles
    }
}
