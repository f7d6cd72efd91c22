import Foundation
import ObligorData

/// The reachable values of one part at one point: a finite list of distinct points, or an interval.
public enum PartReach: Sendable, Equatable {
    /// Distinct points of the part's features (row-major, `width` values each), the point itself first,
    /// with the L1 size of the own action that reaches each (the cheapest one when several do).
    case finite(width: Int, points: [Double], costs: [Double])
    /// A separable feature whose values x' ∈ [lo, hi] are all reachable (integers only when `integral`).
    case interval(lo: Double, hi: Double, integral: Bool)

    /// Number of distinct points (∞ for a continuous interval).
    public var size: Double {
        switch self {
        case let .finite(w, p, _): return Double(p.count / max(w, 1))
        case let .interval(lo, hi, integral): return integral ? hi - lo + 1 : (hi > lo ? .infinity : 1)
        }
    }
}

/// Per-part reachable sets (reachml's `ReachableSetEnumerator`, solver-free).
///
/// A part's set depends only on the values of the part's own features, so it is keyed on them and
/// shared by every row with the same values (rows that differ only in immutable features, or in
/// other parts). The product over parts is never materialised.
public struct ReachableSetCache: Sendable {
    /// Per part: key (the part's feature values) → reachable set.
    public private(set) var sets: [[String: PartReach]]
    /// Enumerations performed (cache misses).
    public private(set) var enumerations = 0

    public init(partCount: Int) { sets = Array(repeating: [:], count: partCount) }

    /// The key of a part's values.
    public static func key(_ values: [Double]) -> String { values.map { formatDouble($0) }.joined(separator: ",") }

    /// Adds a set computed elsewhere (for example loaded from the workspace).
    public mutating func insert(part: Int, key: String, reach: PartReach) { sets[part][key] = reach }

    /// The set of `part` at the row `x` (all action-set features), enumerating it on a miss.
    public mutating func reach(_ space: BoundActionSet, part: Int, x: UnsafeBufferPointer<Double>) -> PartReach {
        let values = space.parts[part].features.map { x[$0] }
        let k = Self.key(values)
        if let r = sets[part][k] { return r }
        let r = space.enumerate(part: part, x: x)
        sets[part][k] = r
        enumerations += 1
        return r
    }
}

extension BoundActionSet {
    /// Enumerates the reachable set of `part` at row `x` (values of every action-set feature).
    ///
    /// Depth-first over the part's features' own-action grids, checking each constraint as soon as
    /// its features are assigned; then total changes c = a + Σ scale · a_source, the keep-bounds
    /// limits on c, and deduplication of the points x + c (keeping the smallest Σ|a|). The null
    /// action is always included: doing nothing is always possible.
    public func enumerate(part p: Int, x: UnsafeBufferPointer<Double>) -> PartReach {
        let part = parts[p]
        if part.isInterval {
            let j = part.features[0], f = features[j]
            let (lo, hi) = f.actionBounds(at: x[j])
            return .interval(lo: x[j] + lo, hi: x[j] + hi, integral: f.type.isDiscrete)
        }
        let feats = part.features
        let width = feats.count
        let local = Dictionary(uniqueKeysWithValues: feats.enumerated().map { ($1, $0) })
        let grids = feats.map { features[$0].grid(at: x[$0]) }
        // Constraints checked after the last of their own-action features is assigned.
        var checkAt = [[Int]](repeating: [], count: width)
        var links: [(source: Int, targets: [Int], scales: [Double], keep: Bool)] = []
        for c in part.constraints {
            switch compiled[c] {
            case let .link(s, t, sc, keep): links.append((local[s]!, t.map { local[$0]! }, sc, keep))
            default: checkAt[compiled[c].indices.map { local[$0]! }.max()!].append(c)
            }
        }
        // Bounds on total change for targets of keep_bounds linkages: own action bounds widened by
        // the induced range of every keep_bounds = false linkage into the target.
        var cLo = [Double](repeating: -.infinity, count: width), cHi = [Double](repeating: .infinity, count: width)
        var bounded = [Bool](repeating: false, count: width)
        for l in links where l.keep { for t in l.targets { bounded[t] = true } }
        for t in 0..<width where bounded[t] {
            let (lo, hi) = features[feats[t]].actionBounds(at: x[feats[t]])
            cLo[t] = lo; cHi[t] = hi
            for l in links where !l.keep {
                for (k, tt) in l.targets.enumerated() where tt == t {
                    let (slo, shi) = features[feats[l.source]].actionBounds(at: x[feats[l.source]])
                    cLo[t] += min(slo * l.scales[k], shi * l.scales[k])
                    cHi[t] += max(slo * l.scales[k], shi * l.scales[k])
                }
            }
        }
        var a = [Double](repeating: 0, count: width)
        var seen: [[Double]: Int] = [:]
        var points: [Double] = feats.map { x[$0] }
        var costs: [Double] = [0]
        seen[points] = 0
        func value(_ j: Int) -> Double { x[j] + a[local[j]!] }
        func ownActionOK(_ c: Int) -> Bool {
            switch compiled[c] {
            case .oneHot, .pattern:
                if case let .pattern(idx, values, reach) = compiled[c] {
                    let from = values.firstIndex(of: idx.map { x[$0] })!
                    guard let to = values.firstIndex(of: idx.map(value)) else { return false }
                    return reach[from][to]
                }
                return stateViolation(compiled[c], value) == nil
            case let .ifThen(i, equal, v, t, w):
                if features[i].actionBounds(at: x[i]).hi == 0 { return true }   // reachml adds nothing then
                let ai = a[local[i]!]
                let fires = equal ? ai == v : ai >= v
                return a[local[t]!] == (fires ? w : 0)
            case let .mutabilitySwitch(s, targets, on, force):
                if value(s) == on { return targets.allSatisfy { a[local[$0]!] == 0 } }
                return !force || targets.contains { a[local[$0]!] != 0 }
            case .link:
                return true
            }
        }
        func rec(_ k: Int) {
            if k == width {
                var c = a
                for l in links { for (t, s) in zip(l.targets, l.scales) { c[t] += s * a[l.source] } }
                for t in 0..<width where bounded[t] { if c[t] < cLo[t] || c[t] > cHi[t] { return } }
                let point = (0..<width).map { x[feats[$0]] + c[$0] }
                let cost = a.reduce(0) { $0 + abs($1) }
                if let at = seen[point] {
                    if cost < costs[at] { costs[at] = cost }
                    return
                }
                seen[point] = costs.count
                points.append(contentsOf: point)
                costs.append(cost)
                return
            }
            for v in grids[k] {
                a[k] = v
                if checkAt[k].allSatisfy(ownActionOK) { rec(k + 1) }
            }
            a[k] = 0
        }
        rec(0)
        return .finite(width: width, points: points, costs: costs)
    }

    /// The number of distinct points reachable from row `x`: the product of the part sizes (x included).
    public func reachableSize(_ sizes: [Double]) -> Double { sizes.reduce(1, *) }
}
