import Foundation

/// The signed two-group metrics of aif360 (Bellamy et al. 2018), **unprivileged minus (or over)
/// privileged**, in the approval lens (favourable = repaid / approved).
public enum ComparisonMetric: String, CaseIterable, Codable, Sendable {
    /// SPD = SR_u − SR_p (selection = approval rate).
    case statisticalParityDifference = "statistical_parity_difference"
    /// DI = SR_u / SR_p.
    case disparateImpact = "disparate_impact"
    /// EOD = TPR_u − TPR_p (TPR = P(approve | repaid)).
    case equalOpportunityDifference = "equal_opportunity_difference"
    /// AOD = ½[(FPR_u − FPR_p) + (TPR_u − TPR_p)] (FPR = P(approve | defaulted)).
    case averageOddsDifference = "average_odds_difference"
    /// ½[|FPR_u − FPR_p| + |TPR_u − TPR_p|].
    case averageAbsOddsDifference = "average_abs_odds_difference"
    /// FPR_u − FPR_p.
    case falsePositiveRateDifference = "false_positive_rate_difference"
    /// max(|TPR_u − TPR_p|, |FPR_u − FPR_p|) (fairlearn's equalized-odds difference for two groups).
    case equalizedOddsDifference2Group = "equalized_odds_difference_2group"
    /// Theil index GE(1) of the benefits bᵢ = ŷᵢ − yᵢ + 1 over the rows compared.
    case theilIndex = "theil_index"
    /// Theil index with each bᵢ replaced by its group's mean (privileged, unprivileged).
    case betweenGroupTheilIndex = "between_group_theil_index"
    /// Generalised entropy index GE(2) of the benefits.
    case generalizedEntropyIndexA2 = "generalized_entropy_index_a2"
    /// SPD on the observed labels: P(repaid | u) − P(repaid | p) (data bias).
    case labelStatisticalParityDifference = "label_statistical_parity_difference"
    /// DI on the observed labels: P(repaid | u) / P(repaid | p).
    case labelDisparateImpact = "label_disparate_impact"

    /// The value for an unprivileged and a privileged group.
    public func value(unprivileged u: FairnessCounts, privileged p: FairnessCounts) -> Double {
        switch self {
        case .statisticalParityDifference: return u.selectionRate - p.selectionRate
        case .disparateImpact: return u.selectionRate / p.selectionRate
        case .equalOpportunityDifference: return u.truePositiveRate - p.truePositiveRate
        case .averageOddsDifference:
            return 0.5 * ((u.falsePositiveRate - p.falsePositiveRate) + (u.truePositiveRate - p.truePositiveRate))
        case .averageAbsOddsDifference:
            return 0.5 * (abs(u.falsePositiveRate - p.falsePositiveRate) + abs(u.truePositiveRate - p.truePositiveRate))
        case .falsePositiveRateDifference: return u.falsePositiveRate - p.falsePositiveRate
        case .equalizedOddsDifference2Group:
            return max(abs(u.truePositiveRate - p.truePositiveRate), abs(u.falsePositiveRate - p.falsePositiveRate))
        case .theilIndex: return FairnessIndices.generalizedEntropy([u + p], alpha: 1)
        case .betweenGroupTheilIndex: return FairnessIndices.betweenGroupGeneralizedEntropy([p, u], alpha: 1)
        case .generalizedEntropyIndexA2: return FairnessIndices.generalizedEntropy([u + p], alpha: 2)
        case .labelStatisticalParityDifference: return u.baseRate - p.baseRate
        case .labelDisparateImpact: return u.baseRate / p.baseRate
        }
    }

    /// The short CLI key (`spd`, `di`, `eod`, `aod`) where the DESIGN contract names one.
    public var shortKey: String? {
        switch self {
        case .statisticalParityDifference: return "spd"
        case .disparateImpact: return "di"
        case .equalOpportunityDifference: return "eod"
        case .averageOddsDifference: return "aod"
        default: return nil
        }
    }

    /// The value that means parity (1 for ratios, 0 otherwise).
    public var ideal: Double { (self == .disparateImpact || self == .labelDisparateImpact) ? 1 : 0 }
}

/// fairlearn's (Bird et al. 2020) unsigned summaries over **all** groups, `method="between_groups"`
/// unless the name says otherwise: difference = max_g − min_g, ratio = min_g / max_g.
public enum GroupSummaryMetric: String, CaseIterable, Codable, Sendable {
    /// max − min of the approval rate.
    case demographicParityDifference = "demographic_parity_difference"
    /// min / max of the approval rate (the four-fifths impact ratio of the worst group).
    case demographicParityRatio = "demographic_parity_ratio"
    /// max over groups of |SR_g − SR_overall| (`method="to_overall"`).
    case demographicParityDifferenceToOverall = "demographic_parity_difference_to_overall"
    /// max(diff TPR, diff FPR) (`agg="worst_case"`).
    case equalizedOddsDifference = "equalized_odds_difference"
    /// mean(diff TPR, diff FPR) (`agg="mean"`).
    case equalizedOddsDifferenceMean = "equalized_odds_difference_mean"
    /// min(ratio TPR, ratio FPR).
    case equalizedOddsRatio = "equalized_odds_ratio"
    /// max − min of TPR.
    case equalOpportunityDifference = "equal_opportunity_difference"
    /// min / max of TPR.
    case equalOpportunityRatio = "equal_opportunity_ratio"

    /// The value over `groups` (each group's counts); `overall` is their pooled counts.
    public func value(groups: [FairnessCounts], overall: FairnessCounts) -> Double {
        func spread(_ f: (FairnessCounts) -> Double) -> (difference: Double, ratio: Double) {
            let v = groups.map(f)
            if v.contains(where: \.isNaN) { return (.nan, .nan) }
            let lo = v.min() ?? .nan, hi = v.max() ?? .nan
            return (hi - lo, lo / hi)
        }
        switch self {
        case .demographicParityDifference: return spread(\.selectionRate).difference
        case .demographicParityRatio: return spread(\.selectionRate).ratio
        case .demographicParityDifferenceToOverall:
            let all = overall.selectionRate
            return groups.map { abs($0.selectionRate - all) }.max() ?? .nan
        case .equalizedOddsDifference: return max(spread(\.truePositiveRate).difference, spread(\.falsePositiveRate).difference)
        case .equalizedOddsDifferenceMean: return 0.5 * (spread(\.truePositiveRate).difference + spread(\.falsePositiveRate).difference)
        case .equalizedOddsRatio: return min(spread(\.truePositiveRate).ratio, spread(\.falsePositiveRate).ratio)
        case .equalOpportunityDifference: return spread(\.truePositiveRate).difference
        case .equalOpportunityRatio: return spread(\.truePositiveRate).ratio
        }
    }
}

/// Inequality indices of the individual "benefit" bᵢ = ŷᵢ − yᵢ + 1 (Speicher et al. 2018, as in
/// aif360), with ŷ and y coded 1 = favourable (approved, repaid): b = 0 for a declined good
/// payer, 2 for an approved defaulter, 1 otherwise.
public enum FairnessIndices {
    /// GE(α) = mean[(bᵢ/μ)^α − 1] / (α(α − 1)); GE(1) (Theil) = mean[(bᵢ/μ) ln(bᵢ/μ)] with 0 ln 0 = 0;
    /// GE(0) = −mean[ln(bᵢ/μ)]. Over the rows of all `groups` together.
    public static func generalizedEntropy(_ groups: [FairnessCounts], alpha: Double) -> Double {
        // Benefit value → number of rows.
        var n0 = 0, n1 = 0, n2 = 0
        for g in groups {
            n0 += g.goodDeclined
            n1 += g.goodApproved + g.badDeclined
            n2 += g.badApproved
        }
        return entropy(values: [(0, n0), (1, n1), (2, n2)], alpha: alpha)
    }

    /// GE(α) with each row's benefit replaced by its group's mean benefit (aif360
    /// `between_group_generalized_entropy_index`; α = 1 is `between_group_theil_index`).
    public static func betweenGroupGeneralizedEntropy(_ groups: [FairnessCounts], alpha: Double) -> Double {
        var values: [(Double, Int)] = []
        for g in groups where g.n > 0 {
            let mean = Double(g.approvals - g.goods + g.n) / Double(g.n)   // mean of ŷ − y + 1
            values.append((mean, g.n))
        }
        return entropy(values: values, alpha: alpha)
    }

    /// GE(α) of a distribution given as (value, multiplicity) pairs.
    static func entropy(values: [(Double, Int)], alpha: Double) -> Double {
        var total = 0, sum = 0.0
        for (v, c) in values { total += c; sum += v * Double(c) }
        guard total > 0 else { return .nan }
        let n = Double(total)
        let mu = sum / n
        guard mu > 0 else { return .nan }
        var acc = 0.0
        for (v, c) in values where c > 0 {
            let r = v / mu
            let term: Double
            if alpha == 1 {
                term = r > 0 ? r * log(r) : 0
            } else if alpha == 0 {
                term = -log(r)
            } else {
                term = (pow(r, alpha) - 1) / (alpha * (alpha - 1))
            }
            acc += Double(c) * term
        }
        return acc / n
    }
}
