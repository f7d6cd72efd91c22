import Foundation
import ObligorData

/// Why a prediction is fixed: the best reachable score, what each group can do, which immutable
/// features hold the score up, and the smallest relaxations of the action set that restore recourse.
public struct FixedExplanation: Codable, Sendable {
    /// The best probability any reachable point gets (exact: the search was complete).
    public let bestProbability: Double
    /// How far the best reachable point stays from approval, in the model's loss units
    /// (log-odds for linear and tree models, probability otherwise); always ≥ 0.
    public let gap: Double
    /// Each actionable group's best change of the loss on its own (≤ 0), with what binds it.
    public let groups: [GroupContribution]
    /// Immutable features that hold the score up, largest effect first.
    public let immutableBlockers: [ImmutableBlocker]
    /// Single relaxations of the action set that restore recourse, smallest first.
    public let relaxations: [Relaxation]

    enum CodingKeys: String, CodingKey {
        case gap, groups, relaxations
        case bestProbability = "best_probability", immutableBlockers = "immutable_blockers"
    }
}

/// One actionable group's best contribution.
public struct GroupContribution: Codable, Sendable {
    public let features: [String]
    /// Best change of the loss from this group alone (≤ 0; 0 = the group cannot help).
    public let bestChange: Double
    /// What limits the group: bounds, directions, step limits, constraints.
    public let binding: [String]

    enum CodingKeys: String, CodingKey { case features, binding, bestChange = "best_change" }
}

/// An immutable feature that holds the score up.
public struct ImmutableBlocker: Codable, Sendable {
    public let feature: String
    public let value: Double
    /// The data value of the feature that would help most (at the best reachable point).
    public let bestValue: Double
    /// The change of the loss if the feature took `bestValue` (< 0).
    public let change: Double
    /// Whether that change alone would restore recourse: the feature blocks recourse.
    public let restoresRecourse: Bool

    enum CodingKeys: String, CodingKey { case feature, value, change, bestValue = "best_value", restoresRecourse = "restores_recourse" }
}

/// A single change to the action set that restores recourse for the row.
public struct Relaxation: Codable, Sendable {
    /// For example "YearsAtResidence: step_ub 2 → 3".
    public let description: String
    /// "step_bound", "direction", "drop_constraint" or "unlock_feature", in increasing severity.
    public let kind: String
    /// The witness under the relaxed action set.
    public let witness: [FeatureChange]
}

extension RecourseVerifier {
    func explain(row i: Int, cands: [Candidates], search s: SearchResult) -> FixedExplanation {
        let tau = adapter.tau
        let base = adapter.baseLoss(i)
        // Groups.
        var groups: [GroupContribution] = []
        for c in cands {
            var best = 0.0
            for k in 1..<max(1, min(c.count, 5_000)) {
                var ch: [(Int, Double)] = []
                for (q, m) in c.modelFeatures.enumerated() { if let m { ch.append((m, c.points[k * c.width + q])) } }
                let l = adapter.loss(row: i, changes: ch) - base
                if l < best { best = l }
            }
            groups.append(GroupContribution(features: c.features.map { space.features[$0].name }, bestChange: best,
                                            binding: binding(part: c.part, row: i)))
        }
        // Immutable features at the best reachable point.
        var bestChanges: [(Int, Double)] = []
        for (c, k) in zip(cands, s.choice) {
            for (q, m) in c.modelFeatures.enumerated() { if let m { bestChanges.append((m, c.points[k * c.width + q])) } }
        }
        let moving = Set(cands.flatMap { $0.features.map { space.features[$0].name } })
        var blockers: [ImmutableBlocker] = []
        for name in modelFeatureNames where !moving.contains(name) {
            guard let m = adapter.modelIndex(name), let col = frame[name], col.isNumeric, let v0 = col.numericValue(at: i) else { continue }
            var best = 0.0, bestValue = v0
            for v in distinctValues(col) where v != v0 {
                let l = adapter.loss(row: i, changes: bestChanges + [(m, v)]) - s.bestLoss
                if l < best { best = l; bestValue = v }
            }
            if best < 0 {
                blockers.append(ImmutableBlocker(feature: name, value: v0, bestValue: bestValue, change: best, restoresRecourse: s.bestLoss + best < tau))
            }
        }
        blockers.sort { $0.change < $1.change || ($0.change == $1.change && $0.feature < $1.feature) }
        return FixedExplanation(bestProbability: adapter.probability(loss: s.bestLoss), gap: max(0, s.bestLoss - tau), groups: groups,
                                immutableBlockers: Array(blockers.prefix(8)), relaxations: relaxations(row: i))
    }

    var modelFeatureNames: [String] { modelNames }

    /// Up to 64 distinct values of a numeric column, spread over its range (all when fewer).
    func distinctValues(_ col: Column) -> [Double] {
        let v = Array(Set((0..<col.count).compactMap { col.numericValue(at: $0) })).sorted()
        guard v.count > 64 else { return v }
        return (0..<64).map { v[$0 * (v.count - 1) / 63] }
    }

    /// Plain-language limits of a part at row i.
    func binding(part p: Int, row i: Int) -> [String] {
        var out: [String] = []
        let d = space.features.count
        for j in space.parts[p].features {
            let f = space.features[j], v = x[i * d + j]
            if !f.actionable { out.append("\(f.name) is immutable (it moves only through a linkage)"); continue }
            let (lo, hi) = f.actionBounds(at: v)
            if lo == 0 && hi == 0 {
                if f.stepDirection > 0 && v >= f.ub { out.append("\(f.name) may only increase and is at its upper bound \(formatDouble(f.ub))") }
                else if f.stepDirection < 0 && v <= f.lb { out.append("\(f.name) may only decrease and is at its lower bound \(formatDouble(f.lb))") }
                else { out.append("\(f.name) cannot move from \(formatDouble(v))") }
            } else {
                if f.stepUB.isFinite && hi == f.stepUB && v + hi < f.ub { out.append("\(f.name): step_ub \(formatDouble(f.stepUB)) limits the increase (ub \(formatDouble(f.ub)))") }
                if f.stepLB.isFinite && lo == f.stepLB && v + lo > f.lb { out.append("\(f.name): step_lb \(formatDouble(f.stepLB)) limits the decrease (lb \(formatDouble(f.lb)))") }
                if f.stepDirection > 0 && v > f.lb { out.append("\(f.name) may only increase") }
                if f.stepDirection < 0 && v < f.ub { out.append("\(f.name) may only decrease") }
            }
        }
        for c in space.parts[p].constraints { out.append(space.constraints[c].label) }
        return out
    }

    /// Single relaxations that restore recourse for row i, smallest first (at most 5).
    func relaxations(row i: Int) -> [Relaxation] {
        let d = space.features.count
        let one = frame.selectingRows([i])
        var tried: [(desc: String, kind: String, features: [BoundActionSet.Feature], constraints: [ActionConstraint])] = []
        let feats = space.features
        for (j, f) in feats.enumerated() where f.actionable {
            let v = x[i * d + j]
            if f.stepDirection >= 0 && f.stepUB.isFinite && v + f.stepUB < f.ub {
                let widths: [Double] = f.type.isDiscrete ? Array(stride(from: f.stepUB + 1, through: f.ub - v, by: 1)) : [f.ub - v]
                for w in widths.prefix(16) {
                    var g = feats; g[j] = f.with(stepUB: w)
                    tried.append(("\(f.name): step_ub \(formatDouble(f.stepUB)) → \(formatDouble(w))", "step_bound", g, space.constraints))
                }
            }
            if f.stepDirection <= 0 && f.stepLB.isFinite && v + f.stepLB > f.lb {
                let widths: [Double] = f.type.isDiscrete ? Array(stride(from: f.stepLB - 1, through: f.lb - v, by: -1)) : [f.lb - v]
                for w in widths.prefix(16) {
                    var g = feats; g[j] = f.with(stepLB: w)
                    tried.append(("\(f.name): step_lb \(formatDouble(f.stepLB)) → \(formatDouble(w))", "step_bound", g, space.constraints))
                }
            }
            if f.stepDirection != 0 {
                var g = feats; g[j] = f.with(direction: 0)
                tried.append(("\(f.name): allow both directions (step_direction \(f.stepDirection) → 0)", "direction", g, space.constraints))
            }
        }
        for (k, c) in space.constraints.enumerated() {
            var cs = space.constraints; cs.remove(at: k)
            tried.append(("drop \(c.label)", "drop_constraint", feats, cs))
        }
        var extraFeatures = feats
        for name in modelFeatureNames {
            if let j = space.index[name] {
                guard !feats[j].actionable, feats[j].lb.isFinite else { continue }
                var g = feats; g[j] = feats[j].with(direction: 0, actionable: true)
                tried.append(("make \(name) actionable (either direction, within [\(formatDouble(feats[j].lb)), \(formatDouble(feats[j].ub))])", "unlock_feature", g, space.constraints))
            } else if let col = frame[name], col.isNumeric {
                let vals = distinctValues(col)
                guard let lo = vals.first, let hi = vals.last, lo < hi else { continue }
                let allInt = vals.allSatisfy { $0 == $0.rounded() }
                let f = BoundActionSet.Feature(name: name, type: allInt ? .int : .float, actionable: true, lb: lo, ub: hi, stepDirection: 0,
                                               stepLB: -.infinity, stepUB: .infinity)
                extraFeatures = feats + [f]
                tried.append(("make \(name) actionable (either direction, within [\(formatDouble(lo)), \(formatDouble(hi))])", "unlock_feature", extraFeatures, space.constraints))
            }
        }
        var out: [Relaxation] = []
        var solvedFeatures = Set<String>()
        guard let adapter1 = try? Self.adapter(model: model, frame: one, options: options) else { return [] }
        for t in tried {
            if out.count >= 5 { break }
            let key = t.desc.components(separatedBy: ":").first ?? t.desc
            if t.kind == "step_bound" && solvedFeatures.contains(key) { continue }
            guard let relaxed = try? BoundActionSet(resolved: space.actionSet, features: t.features, constraints: t.constraints),
                  let x1 = try? relaxed.matrix(one) else { continue }
            let v = RecourseVerifier(unchecked: relaxed, options: RecourseOptions(threshold: options.threshold, approveAbove: options.approveAbove,
                                                                                   budget: options.budget, explain: false),
                                     adapter: adapter1, frame: one, x: x1, model: model, modelNames: modelNames)
            var cache = ReachableSetCache(partCount: relaxed.parts.count)
            guard let r = try? v.verify(rows: [0], cache: &cache).rows.first, r.verdict == .recourse else { continue }
            if t.kind == "step_bound" { solvedFeatures.insert(key) }
            out.append(Relaxation(description: t.desc, kind: t.kind, witness: r.witness ?? []))
        }
        return out
    }
}

extension BoundActionSet.Feature {
    func with(stepUB: Double? = nil, stepLB: Double? = nil, direction: Int? = nil, actionable: Bool? = nil) -> Self {
        Self(name: name, type: type, actionable: actionable ?? self.actionable, lb: lb, ub: ub, stepDirection: direction ?? stepDirection,
             stepLB: stepLB ?? self.stepLB, stepUB: stepUB ?? self.stepUB)
    }
}
