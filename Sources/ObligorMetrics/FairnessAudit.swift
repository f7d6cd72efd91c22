import Foundation
import ObligorNumerics

/// Settings of a bias audit. Every random step is driven by ``seed``.
public struct FairnessAuditOptions: Sendable, Equatable {
    /// Bootstrap replicates B for the confidence intervals (0 = no intervals).
    public var bootstrapReplicates: Int
    /// Seed of the bootstrap.
    public var seed: UInt64
    /// Confidence level of the intervals.
    public var confidenceLevel: Double
    /// Groups with fewer rows are flagged and never compared in a verdict or the Holm family.
    public var minGroupSize: Int
    /// Significance level for the Holm-adjusted tests in the verdicts.
    public var alpha: Double
    /// |EOD| or |AOD| above this asks for review (aif360's customary fair band ±0.1).
    public var oddsTolerance: Double
    /// The four-fifths rule's ratio (29 CFR 1607.4(D)).
    public var fourFifths: Double
    /// Approval cut-offs of the threshold sweep (needs scores); approve when PD < t.
    public var sweepThresholds: [Double]

    /// Options with the documented defaults: B = 1000, seed 20240601, 95%, min group 30,
    /// α = 0.05, tolerance 0.1, four-fifths 0.8, sweep 0.01, 0.02, …, 0.99.
    public init(bootstrapReplicates: Int = 1000, seed: UInt64 = 20240601, confidenceLevel: Double = 0.95,
                minGroupSize: Int = 30, alpha: Double = 0.05, oddsTolerance: Double = 0.1, fourFifths: Double = 0.8,
                sweepThresholds: [Double] = (1...99).map { Double($0) / 100 }) {
        self.bootstrapReplicates = bootstrapReplicates
        self.seed = seed
        self.confidenceLevel = confidenceLevel
        self.minGroupSize = minGroupSize
        self.alpha = alpha
        self.oddsTolerance = oddsTolerance
        self.fourFifths = fourFifths
        self.sweepThresholds = sweepThresholds
    }
}

/// The outcome of one comparison, attribute or audit.
public enum FairnessVerdict: String, Sendable, Codable, Comparable {
    /// No four-fifths violation, no significant approval gap, |EOD| and |AOD| within tolerance.
    case pass
    /// One warning sign: a four-fifths violation that is not significant, a significant approval
    /// gap within four-fifths, or |EOD| / |AOD| above the tolerance.
    case review
    /// Four-fifths violated **and** the approval gap is significant after Holm correction.
    case fail
    /// A group is below the minimum size: not compared.
    case insufficientData = "insufficient_data"

    var severity: Int {
        switch self { case .insufficientData: return 0; case .pass: return 1; case .review: return 2; case .fail: return 3 }
    }
    public static func < (a: FairnessVerdict, b: FairnessVerdict) -> Bool { a.severity < b.severity }
}

/// One row of the per-group table.
public struct GroupFairnessRow: Sendable {
    /// The group label.
    public var group: String
    /// Approval-lens confusion counts.
    public var counts: FairnessCounts
    /// Whether this is the privileged group.
    public var isPrivileged: Bool
    /// Fewer rows than the minimum group size.
    public var isSmall: Bool
    /// AUC within the group (NaN when scores are absent or one class is missing), DeLong SE.
    public var auc: Double
    public var aucStandardError: Double
    /// Mean PD of the group (NaN without scores).
    public var meanPD: Double
    /// Jeffreys p-value of "PD not underestimated" for the group (calibration by group).
    public var jeffreysP: Double
    /// Approval rate over the highest group's (four-fifths impact ratio).
    public var impactRatioVsMax: Double
    /// Approval rate over the privileged group's (adverse impact ratio).
    public var airVsPrivileged: Double
    /// impactRatioVsMax < four-fifths.
    public var fourFifthsFlag: Bool
    /// Bootstrap intervals of the approval rate, TPR and FPR.
    public var selectionRateCI: ConfidenceInterval?
    public var truePositiveRateCI: ConfidenceInterval?
    public var falsePositiveRateCI: ConfidenceInterval?

    /// Keys as in the oracle's `fairness.by_group` table, plus counts, CIs and calibration extras.
    public var jsonObject: [String: Any] {
        let c = counts
        let aucInterval = Discrimination.confidenceInterval(auc: auc, standardError: aucStandardError)
        var o: [String: Any] = [
            "group": group, "count": c.n, "approvals": c.approvals, "defaults": c.bads,
            "selection_rate": c.selectionRate, "base_rate_fav": c.baseRate, "default_rate": c.defaultRate,
            "tpr": c.truePositiveRate, "fpr": c.falsePositiveRate, "fnr": c.falseNegativeRate, "precision": c.precision,
            "tpr_default_lens": c.defaultLensTruePositiveRate, "fpr_default_lens": c.defaultLensFalsePositiveRate,
            "auc": auc, "auc_se": aucStandardError,
            "auc_ci95_low": aucInterval.low, "auc_ci95_high": aucInterval.high,
            "mean_pd": meanPD, "observed_over_expected": c.defaultRate / meanPD, "jeffreys_p": jeffreysP,
            "impact_ratio_vs_max": impactRatioVsMax, "air_vs_privileged": airVsPrivileged, "four_fifths_flag": fourFifthsFlag,
            "privileged": isPrivileged, "small_group": isSmall,
        ]
        if let selectionRateCI { o["selection_rate_ci"] = selectionRateCI.jsonObject }
        if let truePositiveRateCI { o["tpr_ci"] = truePositiveRateCI.jsonObject }
        if let falsePositiveRateCI { o["fpr_ci"] = falsePositiveRateCI.jsonObject }
        return o
    }
}

/// One aif360-style comparison: an unprivileged group (or every other group pooled) against the
/// privileged group.
public struct FairnessComparison: Sendable {
    /// `B_vs_A`, or `rest_vs_A` for the pooled comparison (the oracle's tags).
    public var tag: String
    /// The unprivileged group, or `rest` when pooled.
    public var unprivileged: String
    public var privileged: String
    /// Whether the unprivileged side pools every non-privileged group.
    public var isPooled: Bool
    public var unprivilegedCounts: FairnessCounts
    public var privilegedCounts: FairnessCounts
    /// Metric values in ``ComparisonMetric/allCases`` order.
    public var values: [Double]
    /// Bootstrap intervals in the same order (empty without a bootstrap).
    public var intervals: [ConfidenceInterval]
    /// Fisher exact and chi-square (no continuity correction) p-values on the 2×2 approval table.
    public var fisherP: Double
    public var chiSquare: Double
    public var chiSquareP: Double
    /// Holm-adjusted p-values across every non-pooled, comparable comparison of the audit (NaN
    /// for pooled or non-comparable comparisons).
    public var fisherPHolm: Double = .nan
    public var chiSquarePHolm: Double = .nan
    /// Both groups have at least the minimum size.
    public var comparable: Bool
    public var verdict: FairnessVerdict = .pass
    /// Why the verdict is not `pass`, in plain words.
    public var reasons: [String] = []

    /// The value of one metric.
    public subscript(_ m: ComparisonMetric) -> Double { values[ComparisonMetric.allCases.firstIndex(of: m)!] }
    /// The interval of one metric, when bootstrapped.
    public func interval(_ m: ComparisonMetric) -> ConfidenceInterval? {
        intervals.isEmpty ? nil : intervals[ComparisonMetric.allCases.firstIndex(of: m)!]
    }
    /// aif360 `DI < 0.8` (the oracle's `four_fifths_violation`).
    public var fourFifthsViolation: Bool { self[.disparateImpact] < 0.8 }

    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "tag": tag, "unprivileged": unprivileged, "privileged": privileged, "pooled": isPooled,
            "n_unprivileged": unprivilegedCounts.n, "n_privileged": privilegedCounts.n,
            "fisher_exact_p_selection": fisherP, "chi2_selection": chiSquare, "chi2_p_selection": chiSquareP,
            "fisher_exact_p_selection_holm": fisherPHolm, "chi2_p_selection_holm": chiSquarePHolm,
            "four_fifths_violation": fourFifthsViolation, "comparable": comparable,
            "verdict": verdict.rawValue, "reasons": reasons,
        ]
        var ci: [String: Any] = [:]
        for (k, m) in ComparisonMetric.allCases.enumerated() {
            o[m.rawValue] = values[k]
            if let s = m.shortKey { o[s] = values[k] }
            if !intervals.isEmpty { ci[m.rawValue] = intervals[k].jsonObject }
        }
        if !ci.isEmpty { o["ci"] = ci }
        return o
    }
}

/// The audit of one sensitive attribute.
public struct AttributeAudit: Sendable {
    public var name: String
    public var privileged: String
    /// For intersections, the crossed attributes.
    public var components: [String]
    /// Per-group rows in ascending group order.
    public var groups: [GroupFairnessRow]
    /// The pooled comparison first, then each group against the privileged group.
    public var comparisons: [FairnessComparison]
    /// fairlearn summaries in ``GroupSummaryMetric/allCases`` order, over groups with at least the
    /// minimum size (all groups when fewer than two qualify, then ``summariesIncludeSmallGroups``).
    public var summaries: [Double]
    public var summaryIntervals: [ConfidenceInterval]
    public var summariesIncludeSmallGroups: Bool
    /// Theil index between all groups (aif360 `between_all_groups_theil_index`).
    public var betweenAllGroupsTheil: Double
    /// Threshold sweep (empty without scores).
    public var sweep: [FairnessSweepPoint]
    /// The worst verdict of the comparable comparisons (`insufficient_data` when none is).
    public var verdict: FairnessVerdict

    /// A fairlearn summary.
    public subscript(_ m: GroupSummaryMetric) -> Double { summaries[GroupSummaryMetric.allCases.firstIndex(of: m)!] }
    /// The pooled comparison (unprivileged = every other group).
    public var pooled: FairnessComparison { comparisons[0] }

    public var jsonObject: [String: Any] {
        var fl: [String: Any] = [:], flci: [String: Any] = [:]
        for (k, m) in GroupSummaryMetric.allCases.enumerated() {
            fl[m.rawValue] = summaries[k]
            if !summaryIntervals.isEmpty { flci[m.rawValue] = summaryIntervals[k].jsonObject }
        }
        if !flci.isEmpty { fl["ci"] = flci }
        fl["includes_small_groups"] = summariesIncludeSmallGroups
        var o: [String: Any] = [
            "name": name, "privileged": privileged, "groups": groups.map(\.jsonObject),
            "comparisons": comparisons.map(\.jsonObject), "fairlearn": fl,
            "between_all_groups_theil_index": betweenAllGroupsTheil, "verdict": verdict.rawValue,
        ]
        if !components.isEmpty { o["components"] = components }
        if !sweep.isEmpty { o["sweep"] = sweep.map(\.jsonObject) }
        return o
    }
}

/// A complete bias audit: every attribute, Holm-corrected tests, verdicts.
public struct FairnessAudit: Sendable {
    public var rows: Int
    public var approvals: Int
    public var defaults: Int
    /// The approval cut-off the decisions came from (nil when decisions were given directly).
    public var threshold: Double?
    public var options: FairnessAuditOptions
    public var attributes: [AttributeAudit]
    /// Size of the Holm family (comparable, non-pooled comparisons across all attributes).
    public var holmFamilySize: Int
    /// The worst attribute verdict.
    public var verdict: FairnessVerdict

    /// One JSON object: run settings, `attributes`, the verdict, and at the top level `spd`, `di`,
    /// `eod`, `aod` of the first attribute's pooled comparison (the DESIGN's short keys).
    /// Non-finite numbers stay `Double`; ``jsonData()`` writes them as "inf", "-inf", "nan".
    public var jsonObject: [String: Any] {
        var o: [String: Any] = [
            "lens": "approval: favourable = repaid (y = 0) / approved (PD < threshold); signed metrics are unprivileged - privileged",
            "n": rows, "approvals": approvals, "defaults": defaults, "approval_rate": Double(approvals) / Double(max(1, rows)),
            "seed": Int(truncatingIfNeeded: options.seed), "bootstrap": options.bootstrapReplicates,
            "confidence": options.confidenceLevel, "min_group_size": options.minGroupSize, "alpha": options.alpha,
            "odds_tolerance": options.oddsTolerance, "holm_family_size": holmFamilySize,
            "attributes": attributes.map(\.jsonObject), "verdict": verdict.rawValue,
        ]
        if let threshold { o["threshold"] = threshold }
        if let first = attributes.first {
            for m in ComparisonMetric.allCases { if let s = m.shortKey { o[s] = first.pooled[m] } }
        }
        return o
    }

    /// ``jsonObject`` serialised with sorted keys, non-finite numbers as "inf", "-inf", "nan".
    public func jsonData(pretty: Bool = true) throws -> Data {
        var opts: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { opts.insert(.prettyPrinted) }
        return try JSONSerialization.data(withJSONObject: Fairness.sanitize(jsonObject), options: opts)
    }
}

/// Bias audits of PD decisions: per-group tables, aif360 and fairlearn metrics, four-fifths
/// flags, Fisher / chi-square tests with Holm correction, bootstrap intervals, threshold sweeps.
public enum Fairness {
    /// Audits decisions against outcomes for each sensitive attribute.
    ///
    /// - Parameters:
    ///   - labels: 1 = default, 0 = repaid.
    ///   - approved: the decision per row (approve = favourable).
    ///   - scores: PDs, for AUC and calibration by group and for the threshold sweep (optional).
    ///   - threshold: the cut-off that produced `approved`, recorded in the output.
    ///   - attributes: the sensitive attributes (banded or intersected already).
    /// - Throws: ``FairnessError`` for mismatched lengths, no rows, a label not 0/1, a PD outside
    ///   [0, 1], an attribute with a single group or without its privileged value, or two
    ///   attributes with the same name.
    public static func audit(labels: [Int], approved: [Bool], scores: [Double]? = nil, threshold: Double? = nil,
                             attributes: [FairnessAttribute], options: FairnessAuditOptions = .init()) throws(FairnessError) -> FairnessAudit {
        let n = labels.count
        guard n > 0 else { throw .empty }
        guard approved.count == n else { throw .lengthMismatch(what: "decisions", expected: n, got: approved.count) }
        for i in 0..<n where labels[i] != 0 && labels[i] != 1 { throw .invalidLabel(index: i, value: labels[i]) }
        if let scores {
            guard scores.count == n else { throw .lengthMismatch(what: "scores", expected: n, got: scores.count) }
            for i in 0..<n where !(scores[i] >= 0 && scores[i] <= 1) { throw .invalidScore(index: i, value: scores[i]) }
        }
        guard !attributes.isEmpty else { throw .invalidArgument("no sensitive attribute to audit") }
        guard options.bootstrapReplicates >= 0, options.minGroupSize >= 0,
              options.confidenceLevel > 0, options.confidenceLevel < 1 else {
            throw .invalidArgument("bootstrap replicates and minimum group size must be ≥ 0 and the confidence level in (0, 1)")
        }
        var names = Set<String>()
        for a in attributes {
            guard a.groups.count == n else { throw .lengthMismatch(what: "attribute '\(a.name)'", expected: n, got: a.groups.count) }
            guard names.insert(a.name).inserted else { throw .invalidArgument("attribute '\(a.name)' is given twice") }
            let distinct = a.distinctGroups
            guard distinct.contains(a.privileged) else {
                throw .privilegedNotPresent(attribute: a.name, privileged: a.privileged, groups: distinct)
            }
            guard distinct.count >= 2 else { throw .singleGroup(attribute: a.name, group: distinct[0]) }
        }

        var audits = attributes.map { auditAttribute($0, labels: labels, approved: approved, scores: scores, options: options) }

        // Holm across every comparable, non-pooled comparison of every attribute.
        var family: [(Int, Int)] = []
        for (a, audit) in audits.enumerated() {
            for (c, comp) in audit.comparisons.enumerated() where !comp.isPooled && comp.comparable { family.append((a, c)) }
        }
        let fisherHolm = FairnessSignificance.holm(family.map { audits[$0.0].comparisons[$0.1].fisherP })
        let chiHolm = FairnessSignificance.holm(family.map { audits[$0.0].comparisons[$0.1].chiSquareP })
        for (k, (a, c)) in family.enumerated() {
            audits[a].comparisons[c].fisherPHolm = fisherHolm[k]
            audits[a].comparisons[c].chiSquarePHolm = chiHolm[k]
        }
        for a in audits.indices {
            for c in audits[a].comparisons.indices { judge(&audits[a].comparisons[c], options: options) }
            let judged = audits[a].comparisons.filter { !$0.isPooled && $0.comparable }
            audits[a].verdict = judged.map(\.verdict).max() ?? .insufficientData
        }
        let overall = audits.map(\.verdict).filter { $0 != .insufficientData }.max() ?? .insufficientData
        let approvals = approved.reduce(0) { $0 + ($1 ? 1 : 0) }
        return FairnessAudit(rows: n, approvals: approvals, defaults: labels.reduce(0, +), threshold: threshold, options: options,
                             attributes: audits, holmFamilySize: family.count, verdict: overall)
    }

    /// The verdict of one comparison (see ``FairnessVerdict``).
    static func judge(_ c: inout FairnessComparison, options: FairnessAuditOptions) {
        c.reasons = []
        guard c.comparable else {
            c.verdict = .insufficientData
            let small = [(c.unprivileged, c.unprivilegedCounts.n), (c.privileged, c.privilegedCounts.n)].filter { $0.1 < options.minGroupSize }
            c.reasons = small.map { "group '\($0.0)' has \($0.1) rows, fewer than the minimum \(options.minGroupSize): not compared" }
            return
        }
        if c.isPooled { c.verdict = .pass; c.reasons = ["pooled comparison: reported, not judged"]; return }
        let su = c.unprivilegedCounts.selectionRate, sp = c.privilegedCounts.selectionRate
        let ratio = min(su, sp) / max(su, sp)
        let lower = su < sp ? c.unprivileged : c.privileged
        let violation = ratio < options.fourFifths
        let significant = c.fisherPHolm < options.alpha
        if violation {
            c.reasons.append("four-fifths rule: '\(lower)' is approved at \(percent(ratio)) of the other group's rate")
        }
        if significant {
            c.reasons.append("approval rates differ significantly (Fisher p = \(short(c.fisherP)), Holm-adjusted \(short(c.fisherPHolm)))")
        }
        for m in [ComparisonMetric.equalOpportunityDifference, .averageOddsDifference] where abs(c[m]) > options.oddsTolerance {
            c.reasons.append("\(m == .equalOpportunityDifference ? "EOD" : "AOD") = \(short(c[m])) is outside ±\(short(options.oddsTolerance))")
        }
        if violation && significant { c.verdict = .fail } else if c.reasons.isEmpty { c.verdict = .pass } else { c.verdict = .review }
    }

    static func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.1f%%", 100 * x) : "n/a" }
    static func short(_ x: Double) -> String { x.isFinite ? String(format: abs(x) < 0.001 && x != 0 ? "%.2e" : "%.3f", x) : "n/a" }

    /// Replaces non-finite doubles by "inf", "-inf", "nan" (the oracle's JSON convention).
    public static func sanitize(_ v: Any) -> Any {
        switch v {
        case let d as Double:
            if d.isNaN { return "nan" }
            if d.isInfinite { return d > 0 ? "inf" : "-inf" }
            return d
        case let a as [Any]: return a.map(sanitize)
        case let o as [String: Any]: return o.mapValues(sanitize)
        default: return v
        }
    }

    static func auditAttribute(_ a: FairnessAttribute, labels: [Int], approved: [Bool], scores: [Double]?,
                               options: FairnessAuditOptions) -> AttributeAudit {
        let names = a.distinctGroups
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let g = names.count
        let p = index[a.privileged]!
        var rowsOf = [[Int]](repeating: [], count: g)
        var cells = [[UInt8]](repeating: [], count: g)
        for i in 0..<labels.count {
            let k = index[a.groups[i]]!
            rowsOf[k].append(i)
            cells[k].append(UInt8(FairnessCounts.cell(label: labels[i], approved: approved[i])))
        }
        let counts = cells.map { rows in rows.reduce(into: FairnessCounts()) { $0.add(cell: Int($1)) } }
        let small = counts.map { $0.n < options.minGroupSize }
        // fairlearn summaries over groups large enough to compare (all, when fewer than two are).
        let large = (0..<g).filter { !small[$0] }
        let summaryGroups = large.count >= 2 ? large : Array(0..<g)
        let summariesIncludeSmall = summaryGroups.count > large.count

        // Comparisons: pooled rest first, then each group vs the privileged group.
        var pairs: [(tag: String, u: [Int], pooled: Bool)] = [("rest_vs_\(a.privileged)", (0..<g).filter { $0 != p }, true)]
        for k in 0..<g where k != p { pairs.append(("\(names[k])_vs_\(a.privileged)", [k], false)) }

        func comparisonValues(_ c: [FairnessCounts], _ u: [Int]) -> [Double] {
            let cu = u.reduce(FairnessCounts()) { $0 + c[$1] }
            return ComparisonMetric.allCases.map { $0.value(unprivileged: cu, privileged: c[p]) }
        }
        func summaryValues(_ c: [FairnessCounts]) -> [Double] {
            let sub = summaryGroups.map { c[$0] }
            let all = sub.reduce(FairnessCounts(), +)
            return GroupSummaryMetric.allCases.map { $0.value(groups: sub, overall: all) }
        }

        // Bootstrap: one stream per attribute; every statistic recomputed from resampled counts.
        var compCI = [[ConfidenceInterval]](repeating: [], count: pairs.count)
        var summaryCI: [ConfidenceInterval] = []
        var rateCI = [[ConfidenceInterval]](repeating: [], count: g)
        if options.bootstrapReplicates > 0 {
            let reps = FairnessBootstrap.resample(cells: cells, replicates: options.bootstrapReplicates, seed: options.seed,
                                                  stream: FairnessBootstrap.streamKey(a.name))
            let level = options.confidenceLevel
            func ci(_ f: ([FairnessCounts]) -> Double) -> ConfidenceInterval {
                FairnessBootstrap.percentileInterval(reps.map(f), level: level)
            }
            let compReps = reps.map { r in pairs.map { comparisonValues(r, $0.u) } }
            for (c, _) in pairs.enumerated() {
                compCI[c] = ComparisonMetric.allCases.indices.map { m in
                    FairnessBootstrap.percentileInterval(compReps.map { $0[c][m] }, level: level)
                }
            }
            let sumReps = reps.map(summaryValues)
            summaryCI = GroupSummaryMetric.allCases.indices.map { m in FairnessBootstrap.percentileInterval(sumReps.map { $0[m] }, level: level) }
            for k in 0..<g {
                rateCI[k] = [ci { $0[k].selectionRate }, ci { $0[k].truePositiveRate }, ci { $0[k].falsePositiveRate }]
            }
        }

        let maxRate = counts.map(\.selectionRate).filter { !$0.isNaN }.max() ?? .nan
        var groups: [GroupFairnessRow] = []
        for k in 0..<g {
            let c = counts[k]
            var auc = Double.nan, se = Double.nan, meanPD = Double.nan, jeffreys = Double.nan
            if let scores {
                let s = rowsOf[k].map { scores[$0] }, y = rowsOf[k].map { labels[$0] }
                meanPD = s.reduce(0, +) / Double(s.count)
                if c.bads > 0 && c.goods > 0 { (auc, se) = Discrimination.deLong(scores: s, labels: y) }
                jeffreys = Calibration.jeffreysP(defaults: c.bads, n: c.n, pd: meanPD)
            }
            let ir = c.selectionRate / maxRate
            groups.append(GroupFairnessRow(
                group: names[k], counts: c, isPrivileged: k == p, isSmall: small[k], auc: auc, aucStandardError: se, meanPD: meanPD,
                jeffreysP: jeffreys, impactRatioVsMax: ir, airVsPrivileged: c.selectionRate / counts[p].selectionRate,
                fourFifthsFlag: ir < options.fourFifths,
                selectionRateCI: rateCI[k].isEmpty ? nil : rateCI[k][0], truePositiveRateCI: rateCI[k].isEmpty ? nil : rateCI[k][1],
                falsePositiveRateCI: rateCI[k].isEmpty ? nil : rateCI[k][2]))
        }

        var comparisons: [FairnessComparison] = []
        for (c, pair) in pairs.enumerated() {
            let cu = pair.u.reduce(FairnessCounts()) { $0 + counts[$1] }
            let cp = counts[p]
            let (chi, chiP) = FairnessSignificance.chiSquare(cu.approvals, cu.declines, cp.approvals, cp.declines)
            comparisons.append(FairnessComparison(
                tag: pair.tag, unprivileged: pair.pooled ? "rest" : names[pair.u[0]], privileged: a.privileged, isPooled: pair.pooled,
                unprivilegedCounts: cu, privilegedCounts: cp, values: comparisonValues(counts, pair.u), intervals: compCI[c],
                fisherP: FairnessSignificance.fisherExact(cu.approvals, cu.declines, cp.approvals, cp.declines),
                chiSquare: chi, chiSquareP: chiP,
                comparable: cu.n >= options.minGroupSize && cp.n >= options.minGroupSize && (pair.pooled || !small[pair.u[0]])))
        }

        let sweep = scores.map { FairnessSweep.sweep(scores: $0, labels: labels, groupIndex: a.groups.map { index[$0]! }, groupCount: g,
                                                     privileged: p, thresholds: options.sweepThresholds) } ?? []
        return AttributeAudit(
            name: a.name, privileged: a.privileged, components: a.components, groups: groups, comparisons: comparisons,
            summaries: summaryValues(counts), summaryIntervals: summaryCI, summariesIncludeSmallGroups: summariesIncludeSmall,
            betweenAllGroupsTheil: FairnessIndices.betweenGroupGeneralizedEntropy(counts, alpha: 1), sweep: sweep, verdict: .pass)
    }
}
