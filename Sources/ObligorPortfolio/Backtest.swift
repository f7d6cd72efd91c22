import Foundation
import ObligorNumerics

/// One distribution's summary and its scores against the realised loss, flattened.
///
/// JSON: `{"draws", "expected_loss", "analytic_expected_loss", "standard_deviation", "standard_error",
/// "var": {…}, "es": {…}, "quantiles": {…}, "pit", "pinball": {"0.95", "0.99"}, "crps"}`.
@dynamicMemberLookup
public struct LossReport: Codable, Sendable, Equatable {
    /// The distribution's summary (expected loss, VaR, ES, quantiles); its fields read through the report,
    /// e.g. `report.valueAtRisk`.
    public var summary: LossSummary
    public var pit: Double
    public var pinball: [String: Double]
    public var crps: Double

    /// Summarises `distribution` at `levels` and scores `realisedLoss` against it.
    public init(distribution: LossDistribution, realisedLoss: Double, levels: ReportLevels = .standard) {
        summary = distribution.summary(levels: levels)
        let sc = distribution.score(realisedLoss: realisedLoss, pinballLevels: levels.pinball)
        pit = sc.pit
        pinball = sc.pinball
        crps = sc.crps
    }

    public subscript<T>(dynamicMember keyPath: KeyPath<LossSummary, T>) -> T { summary[keyPath: keyPath] }

    enum CodingKeys: String, CodingKey { case pit, pinball, crps }

    // One flat JSON object: the summary's keys and the scores side by side.
    public init(from decoder: Decoder) throws {
        summary = try LossSummary(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pit = try c.decode(Double.self, forKey: .pit)
        pinball = try c.decode([String: Double].self, forKey: .pinball)
        crps = try c.decode(Double.self, forKey: .crps)
    }

    public func encode(to encoder: Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pit, forKey: .pit)
        try c.encode(pinball, forKey: .pinball)
        try c.encode(crps, forKey: .crps)
    }
}

/// One period (group) of a portfolio backtest: the realised loss against the joint and independent distributions.
///
/// JSON: `{"period", "loans", "defaults", "realised_loss", "factorisation": {"method", "jitter",
/// "clipped_eigenvalues"}, "joint": LossReport, "independent": LossReport}`.
public struct PeriodReport<Key: Codable & Sendable & Hashable & Comparable>: Codable, Sendable {
    /// The group key (a period, a versioning date, …).
    public var period: Key
    /// Loans in the group.
    public var loans: Int
    /// Realised defaults in the group.
    public var defaults: Int
    /// `Σ EAD·LGD·1{realised default}`.
    public var realisedLoss: Double
    /// How the group's frailty covariance block was factorised.
    public var factorisation: FactorisationInfo
    /// With the joint frailty draw.
    public var joint: LossReport
    /// With independent defaults at the marginal PDs.
    public var independent: LossReport

    enum CodingKeys: String, CodingKey {
        case period, loans, defaults
        case realisedLoss = "realised_loss"
        case factorisation, joint, independent
    }
}

/// A portfolio backtest over groups. JSON: `{"seed", "draws", "periods": [PeriodReport]}`.
public struct PortfolioBacktestReport<Key: Codable & Sendable & Hashable & Comparable>: Codable, Sendable {
    /// The root seed.
    public var seed: UInt64
    /// Draws per distribution.
    public var draws: Int
    /// One entry per group, keys ascending.
    public var periods: [PeriodReport<Key>]
}

/// Scores realised portfolio losses per group (e.g. per period), joint frailty against independent defaults.
public enum PortfolioBacktest {
    /// For each distinct group key (ascending): simulate the group's loans jointly and independently
    /// and score the realised loss `Σ EAD·LGD·realisedDefault` against both.
    ///
    /// Group g (0-based position in the sorted keys) uses seed `RandomSource(seed: seed).split(g).seed`,
    /// so each group's result depends only on the seed, its position and its own loans.
    /// - Parameters:
    ///   - model: all loans with the frailty over all their locations (e.g. every test (t, region)).
    ///   - groups: one key per loan.
    ///   - realisedDefaults: one outcome per loan.
    /// - Throws: ``PortfolioError/lengthMismatch(field:expected:actual:)`` for `groups` or
    ///   `realisedDefaults` of the wrong length; errors of ``PortfolioModel/simulate(draws:seed:)``.
    public static func run<Key: Codable & Sendable & Hashable & Comparable>(
        model: PortfolioModel, groups: [Key], realisedDefaults: [Bool],
        draws: Int = PortfolioModel.defaultDraws, seed: UInt64, levels: ReportLevels = .standard
    ) throws(PortfolioError) -> PortfolioBacktestReport<Key> {
        let n = model.loans.count
        guard groups.count == n else { throw .lengthMismatch(field: "groups", expected: n, actual: groups.count) }
        guard realisedDefaults.count == n else {
            throw .lengthMismatch(field: "realisedDefaults", expected: n, actual: realisedDefaults.count)
        }
        try PortfolioModel.checkDraws(draws)
        var members: [Key: [Int]] = [:]
        for (i, g) in groups.enumerated() { members[g, default: []].append(i) }
        let keys = members.keys.sorted()
        let root = RandomSource(seed: seed)
        var periods: [PeriodReport<Key>] = []
        for (g, key) in keys.enumerated() {
            let idx = members[key]!
            let sub = model.subset(idx)
            var realised = 0.0
            var defaults = 0
            for i in idx where realisedDefaults[i] {
                realised += model.loans[i].lossGivenDefault
                defaults += 1
            }
            let sim = try sub.simulate(draws: draws, seed: root.split(UInt64(g)).seed)
            periods.append(PeriodReport(
                period: key, loans: idx.count, defaults: defaults, realisedLoss: realised, factorisation: sim.factorisation,
                joint: LossReport(distribution: sim.joint, realisedLoss: realised, levels: levels),
                independent: LossReport(distribution: sim.independent, realisedLoss: realised, levels: levels)))
        }
        return PortfolioBacktestReport(seed: seed, draws: draws, periods: periods)
    }
}
