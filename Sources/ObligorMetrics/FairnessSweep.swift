import Foundation

/// The fairness metrics of one attribute at one approval cut-off.
public struct FairnessSweepPoint: Sendable, Equatable {
    /// Approve when PD < threshold.
    public var threshold: Double
    /// Overall approval rate.
    public var approvalRate: Double
    /// Approval rate of each group, in the attribute's group order.
    public var groupApprovalRates: [Double]
    /// Pooled comparison (every other group vs the privileged group): SPD, DI, EOD, AOD.
    public var spd: Double
    public var di: Double
    public var eod: Double
    public var aod: Double
    /// fairlearn demographic-parity ratio (min/max approval rate) and equalized-odds difference over all groups.
    public var demographicParityRatio: Double
    public var equalizedOddsDifference: Double

    public var jsonObject: [String: Any] {
        ["threshold": threshold, "approval_rate": approvalRate, "group_approval_rates": groupApprovalRates,
         "spd": spd, "di": di, "eod": eod, "aod": aod,
         "demographic_parity_ratio": demographicParityRatio, "equalized_odds_difference": equalizedOddsDifference]
    }
}

/// Fairness against the approval cut-off: the analyst sees what moving the cut-off does to each
/// metric before choosing an operating point.
public enum FairnessSweep {
    /// Metrics at each threshold (approve when PD < t).
    ///
    /// - Parameters:
    ///   - groupIndex: each row's group, 0..<groupCount; `privileged` is the privileged group's index.
    /// - Complexity: O(n log n + T·g) — rows are sorted by PD once per group and each threshold
    ///   is placed by binary search.
    public static func sweep(scores: [Double], labels: [Int], groupIndex: [Int], groupCount: Int, privileged: Int,
                             thresholds: [Double]) -> [FairnessSweepPoint] {
        // Per group: sorted PDs of goods and of bads; approvals at t = number of PDs < t.
        var goods = [[Double]](repeating: [], count: groupCount), bads = goods
        for i in 0..<scores.count {
            if labels[i] == 1 { bads[groupIndex[i]].append(scores[i]) } else { goods[groupIndex[i]].append(scores[i]) }
        }
        for k in 0..<groupCount { goods[k].sort(); bads[k].sort() }
        func below(_ a: [Double], _ t: Double) -> Int {
            var lo = 0, hi = a.count
            while lo < hi { let m = (lo + hi) / 2; if a[m] < t { lo = m + 1 } else { hi = m } }
            return lo
        }
        return thresholds.map { t in
            let counts = (0..<groupCount).map { k -> FairnessCounts in
                let ga = below(goods[k], t), ba = below(bads[k], t)
                return FairnessCounts(goodApproved: ga, goodDeclined: goods[k].count - ga, badApproved: ba, badDeclined: bads[k].count - ba)
            }
            let all = counts.reduce(FairnessCounts(), +)
            let rest = (0..<groupCount).filter { $0 != privileged }.reduce(FairnessCounts()) { $0 + counts[$1] }
            let pc = counts[privileged]
            return FairnessSweepPoint(
                threshold: t, approvalRate: all.selectionRate, groupApprovalRates: counts.map(\.selectionRate),
                spd: ComparisonMetric.statisticalParityDifference.value(unprivileged: rest, privileged: pc),
                di: ComparisonMetric.disparateImpact.value(unprivileged: rest, privileged: pc),
                eod: ComparisonMetric.equalOpportunityDifference.value(unprivileged: rest, privileged: pc),
                aod: ComparisonMetric.averageOddsDifference.value(unprivileged: rest, privileged: pc),
                demographicParityRatio: GroupSummaryMetric.demographicParityRatio.value(groups: counts, overall: all),
                equalizedOddsDifference: GroupSummaryMetric.equalizedOddsDifference.value(groups: counts, overall: all))
        }
    }
}
