import Foundation
import ObligorData

/// Recourse rates by group: the fairness lens on fixed predictions.
public struct RecourseGroupRate: Codable, Sendable, Equatable {
    public let attribute: String
    public let group: String
    /// Rows in the group.
    public let n: Int
    /// Rows the model denies.
    public let denied: Int
    public let recourse: Int
    public let fixed: Int
    public let abstain: Int
    /// recourse / denied (NaN when nobody is denied).
    public let recourseRate: Double
    /// fixed / n: the share of the group locked out of credit by the model.
    public let fixedShare: Double
    /// Two-sided Fisher exact p-value of fixed vs recourse among the denied, group against the rest
    /// (filled in by the caller, which owns the statistics; nil when not computed).
    public var pValue: Double?

    enum CodingKeys: String, CodingKey {
        case attribute, group, n, denied, recourse, fixed, abstain
        case recourseRate = "recourse_rate", fixedShare = "fixed_share", pValue = "p_value"
    }

    /// Rates per group of `attribute` (one label per row of `results`, in the same order).
    public static func rates(attribute: String, groups: [String], results: [RowResult]) -> [RecourseGroupRate] {
        precondition(groups.count == results.count, "one group label per row")
        var order: [String] = []
        var tally: [String: (n: Int, d: Int, r: Int, f: Int, a: Int)] = [:]
        for (g, r) in zip(groups, results) {
            if tally[g] == nil { order.append(g); tally[g] = (0, 0, 0, 0, 0) }
            tally[g]!.n += 1
            switch r.verdict {
            case .approved: break
            case .recourse: tally[g]!.d += 1; tally[g]!.r += 1
            case .noRecourse: tally[g]!.d += 1; tally[g]!.f += 1
            case .abstain: tally[g]!.d += 1; tally[g]!.a += 1
            }
        }
        return order.sorted().map { g in
            let t = tally[g]!
            return RecourseGroupRate(attribute: attribute, group: g, n: t.n, denied: t.d, recourse: t.r, fixed: t.f, abstain: t.a,
                                     recourseRate: t.d > 0 ? Double(t.r) / Double(t.d) : .nan, fixedShare: Double(t.f) / Double(max(1, t.n)), pValue: nil)
        }
    }
}

extension BoundActionSet {
    /// SHA-256 of the resolved action set (types, bounds, steps, constraints): the key under which
    /// per-part reachable sets are stored and shared.
    public var fingerprint: String {
        var s = ""
        for f in features {
            s += "\(f.name)|\(f.type.rawValue)|\(f.actionable)|\(f.lb)|\(f.ub)|\(f.stepDirection)|\(f.stepLB)|\(f.stepUB)\n"
        }
        for c in constraints { s += "\(c.kind)\n" }
        return SHA256Digest.hex(Array(s.utf8))
    }
}

extension ReachableSetCache {
    /// The finite sets in the cache, for storage: (part, key, points, costs).
    public func finiteSets() -> [(part: Int, key: String, points: [Double], costs: [Double])] {
        var out: [(Int, String, [Double], [Double])] = []
        for (p, sets) in sets.enumerated() {
            for k in sets.keys.sorted() { if case let .finite(_, pts, costs) = sets[k]! { out.append((p, k, pts, costs)) } }
        }
        return out
    }
}
