import Foundation
import ObligorData

/// A constraint compiled to feature indices of a ``BoundActionSet``.
enum CompiledConstraint: Sendable {
    case oneHot(idx: [Int], limit: Int, equal: Bool)
    /// Reachability, ordinal and thermometer: allowed patterns and transitions (row = from, column = to).
    case pattern(idx: [Int], values: [[Double]], reach: [[Bool]])
    case link(source: Int, targets: [Int], scales: [Double], keepBounds: Bool)
    case ifThen(ifIdx: Int, equal: Bool, ifValue: Double, thenIdx: Int, thenValue: Double)
    case mutabilitySwitch(switchIdx: Int, targets: [Int], onValue: Double, force: Bool)

    /// Features whose own action the constraint restricts (all but linkage targets' totals).
    var indices: [Int] {
        switch self {
        case let .oneHot(i, _, _), let .pattern(i, _, _): return i
        case let .link(s, t, _, _): return [s] + t
        case let .ifThen(i, _, _, t, _): return [i, t]
        case let .mutabilitySwitch(s, t, _, _): return [s] + t
        }
    }
}

/// One independent group of features: a connected component of "features that share a constraint"
/// that holds at least one actionable feature (reachml's `actionable_partition`).
public struct ActionPart: Sendable, Equatable {
    /// Feature indices into ``BoundActionSet/features``, ascending.
    public let features: [Int]
    /// Indices into ``BoundActionSet/constraints`` of the constraints inside this part.
    public let constraints: [Int]
    /// A singleton with no joint constraint whose feature is continuous, or integral with a wide
    /// range: its reachable values form an interval, cut per model instead of listed.
    public let isInterval: Bool
}

/// An ``ActionSet`` resolved against data: types inferred, bounds filled in, constraints compiled
/// to indices, the actionable partition computed, and every row checked (reachml's `validate`).
public struct BoundActionSet: Sendable {
    /// A feature's resolved settings.
    public struct Feature: Sendable, Equatable {
        public let name: String
        public let type: FeatureType
        public let actionable: Bool
        public let lb: Double
        public let ub: Double
        public let stepDirection: Int
        /// Largest decrease (≤ 0; −∞ when unbounded).
        public let stepLB: Double
        /// Largest increase (≥ 0; +∞ when unbounded).
        public let stepUB: Double

        /// reachml's `get_action_bound`: the own-action interval at value `x`.
        public func actionBounds(at x: Double) -> (lo: Double, hi: Double) {
            guard actionable else { return (0, 0) }
            let hi = stepDirection >= 0 ? min(ub - x, stepUB) : 0
            let lo = stepDirection <= 0 ? max(lb - x, stepLB) : 0
            return (min(lo, 0), max(hi, 0))
        }

        /// The own actions a discrete feature can take at `x` (integers in the action bounds), 0 first.
        func grid(at x: Double) -> [Double] {
            let (lo, hi) = actionBounds(at: x)
            guard actionable else { return [0] }
            var out: [Double] = [0]
            let a = lo.rounded(.up), b = hi.rounded(.down)
            if a <= b { var v = a; while v <= b { if v != 0 { out.append(v) }; v += 1 } }
            return out
        }
    }

    /// Singleton discrete parts with more values than this are handled as intervals.
    public static let intervalGridThreshold = 64

    public let actionSet: ActionSet
    public let features: [Feature]
    public let constraints: [ActionConstraint]
    let compiled: [CompiledConstraint]
    /// The actionable parts, ordered by their first feature.
    public let parts: [ActionPart]
    /// Feature index by name.
    public let index: [String: Int]

    /// Binds `actionSet` to `frame` and validates every row in `rows` (all rows when nil).
    /// - Throws: ``RecourseError`` naming the feature, the constraint and the row at fault.
    public init(_ actionSet: ActionSet, frame: Frame, validateRows rows: [Int]? = nil) throws(RecourseError) {
        var index: [String: Int] = [:]
        for (k, f) in actionSet.features.enumerated() {
            guard index[f.name] == nil else { throw .invalidFeature(feature: f.name, message: "listed twice in the action set") }
            index[f.name] = k
        }
        let constrained = Set(actionSet.constraints.flatMap(\.kind.names))
        for c in actionSet.constraints {
            for n in c.kind.names where index[n] == nil {
                if frame[n] == nil { throw .unknownFeature(feature: n, constraint: c.label, available: frame.columnNames) }
                throw .invalidConstraint(constraint: c.label, feature: n, message: "the feature is not listed in the action set's features")
            }
        }
        // Resolve features against the data.
        var features: [Feature] = []
        for f in actionSet.features {
            guard let col = frame[f.name] else { throw .unknownFeature(feature: f.name, constraint: nil, available: frame.columnNames) }
            guard col.isNumeric else {
                if !f.actionable && !constrained.contains(f.name) {
                    features.append(Feature(name: f.name, type: .float, actionable: false, lb: -.infinity, ub: .infinity, stepDirection: 0,
                                            stepLB: -.infinity, stepUB: .infinity))
                    continue
                }
                throw .invalidFeature(feature: f.name, message: "the data column is \(col.type.rawValue); actionable or constrained features must be numeric")
            }
            var lo = Double.infinity, hi = -Double.infinity, allBool = true, allInt = true, firstMissing: Int? = nil
            for i in 0..<col.count {
                guard let v = col.numericValue(at: i) else { if firstMissing == nil { firstMissing = i }; continue }
                lo = min(lo, v); hi = max(hi, v)
                if v != 0 && v != 1 { allBool = false }
                if v != v.rounded() { allInt = false }
            }
            let inferred: FeatureType = allBool ? .bool : (allInt ? .int : .float)
            let type = f.type ?? inferred
            switch type {
            case .bool where !allBool:
                throw .invalidFeature(feature: f.name, message: "declared bool, but the data has values other than 0 and 1 (range \(formatDouble(lo))…\(formatDouble(hi)))")
            case .int where !allInt:
                throw .invalidFeature(feature: f.name, message: "declared int, but the data has non-integral values")
            default: break
            }
            let lb = f.lb ?? (type == .bool ? 0 : lo), ub = f.ub ?? (type == .bool ? 1 : hi)
            guard lb.isFinite, ub.isFinite else {
                throw .invalidFeature(feature: f.name, message: "no bounds: the data column has no values and lb/ub are not given")
            }
            guard lb <= ub else { throw .invalidFeature(feature: f.name, message: "lb \(formatDouble(lb)) is above ub \(formatDouble(ub))") }
            if type == .bool && (lb < 0 || ub > 1 || lb != lb.rounded() || ub != ub.rounded()) {
                throw .invalidFeature(feature: f.name, message: "bounds [\(formatDouble(lb)), \(formatDouble(ub))] are outside a bool feature's values {0, 1}")
            }
            if type == .int && (lb != lb.rounded() || ub != ub.rounded()) {
                throw .invalidFeature(feature: f.name, message: "bounds [\(formatDouble(lb)), \(formatDouble(ub))] are not integers, but the feature is int")
            }
            if let s = f.stepUB, s < 0 { throw .invalidFeature(feature: f.name, message: "step_ub must be ≥ 0 (found \(formatDouble(s)))") }
            if let s = f.stepLB, s > 0 { throw .invalidFeature(feature: f.name, message: "step_lb must be ≤ 0 (found \(formatDouble(s)))") }
            if f.actionable, let m = firstMissing {
                throw .infeasibleRow(row: m, feature: f.name, constraint: nil, message: "the value is missing, but the feature is actionable")
            }
            features.append(Feature(name: f.name, type: type, actionable: f.actionable, lb: lb, ub: ub, stepDirection: f.stepDirection,
                                    stepLB: f.stepLB ?? -.infinity, stepUB: f.stepUB ?? .infinity))
        }
        try self.init(resolved: actionSet, features: features, constraints: actionSet.constraints)
        try validate(frame: frame, rows: rows)
    }

    /// Compiles constraints and the partition for already-resolved features (no data scan).
    init(resolved actionSet: ActionSet, features: [Feature], constraints: [ActionConstraint]) throws(RecourseError) {
        self.actionSet = actionSet
        self.index = Dictionary(uniqueKeysWithValues: features.enumerated().map { ($1.name, $0) })
        let index = self.index
        self.features = features
        self.constraints = constraints
        var compiled: [CompiledConstraint] = []
        var linkInto: [Int: [Int]] = [:]   // target → sources
        for c in constraints {
            compiled.append(try Self.compile(c, features: features, index: index, linkInto: &linkInto))
        }
        self.compiled = compiled
        // Partition: connected components of the constraint hypergraph.
        var parent = Array(0..<features.count)
        func find(_ i: Int) -> Int { var i = i; while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }; return i }
        for c in compiled {
            let idx = c.indices
            for k in idx.dropFirst() { let a = find(idx[0]), b = find(k); if a != b { parent[max(a, b)] = min(a, b) } }
        }
        var groups: [Int: [Int]] = [:]
        for j in features.indices { groups[find(j), default: []].append(j) }
        var parts: [ActionPart] = []
        for root in groups.keys.sorted() {
            let members = groups[root]!.sorted()
            guard members.contains(where: { features[$0].actionable }) else { continue }
            let cons = compiled.indices.filter { members.contains(compiled[$0].indices[0]) }
            let isInterval: Bool
            if members.count == 1 && cons.isEmpty {
                let f = features[members[0]]
                isInterval = f.type == .float || (f.ub - f.lb + 1) > Double(Self.intervalGridThreshold)
            } else {
                isInterval = false
                for j in members where features[j].type == .float {
                    throw .unsupported("continuous feature '\(features[j].name)' is in a joint constraint (\(cons.map { constraints[$0].label }.joined(separator: "; "))); "
                                       + "exact verification covers continuous features in separable groups only; declare it int, or drop the constraint")
                }
            }
            parts.append(ActionPart(features: members, constraints: cons, isInterval: isInterval))
        }
        self.parts = parts
        try checkContradictions()
    }

    static func compile(_ c: ActionConstraint, features: [Feature], index: [String: Int],
                        linkInto: inout [Int: [Int]]) throws(RecourseError) -> CompiledConstraint {
        let idx = c.kind.names.map { index[$0]! }
        func requireBool(_ names: [String]) throws(RecourseError) {
            for n in names where features[index[n]!].type != .bool {
                throw .invalidConstraint(constraint: c.label, feature: n, message: "must be a bool (0/1) feature, it is \(features[index[n]!].type.rawValue)")
            }
        }
        func requireDistinct(_ names: [String]) throws(RecourseError) {
            var seen = Set<String>()
            for n in names where !seen.insert(n).inserted {
                throw .invalidConstraint(constraint: c.label, feature: n, message: "the feature appears twice")
            }
        }
        try requireDistinct(c.kind.names)
        switch c.kind {
        case let .oneHot(names, limit, limitType):
            try requireBool(names)
            guard limit >= 0 && limit <= names.count else {
                throw .invalidConstraint(constraint: c.label, feature: nil, message: "limit \(limit) must be between 0 and \(names.count)")
            }
            return .oneHot(idx: idx, limit: limit, equal: limitType == .equal)
        case let .ordinal(names, exhaustive, dir):
            try requireBool(names)
            guard names.count >= 2 else { throw .invalidConstraint(constraint: c.label, feature: nil, message: "needs at least 2 features") }
            var values: [[Double]] = exhaustive ? [] : [Array(repeating: 0, count: names.count)]
            for k in names.indices { var v = [Double](repeating: 0, count: names.count); v[k] = 1; values.append(v) }
            let m = values.count
            let reach = (0..<m).map { i in (0..<m).map { j in i == j || dir == 0 || (dir > 0 ? j > i : j < i) } }
            return .pattern(idx: idx, values: values, reach: reach)
        case let .thermometer(names, dir):
            try requireBool(names)
            guard names.count >= 2 else { throw .invalidConstraint(constraint: c.label, feature: nil, message: "needs at least 2 features") }
            // Prefix-of-ones patterns, by number of ones; p ⇒ q elementwise is "more ones".
            let values: [[Double]] = (0...names.count).map { ones in names.indices.map { $0 < ones ? 1 : 0 } }
            let m = values.count
            let reach = (0..<m).map { i in (0..<m).map { j in i == j || dir == 0 || (dir > 0 ? j > i : j < i) } }
            return .pattern(idx: idx, values: values, reach: reach)
        case let .reachability(names, values, reachability):
            guard !values.isEmpty else { throw .invalidConstraint(constraint: c.label, feature: nil, message: "values is empty") }
            for (r, v) in values.enumerated() {
                guard v.count == names.count else {
                    throw .invalidConstraint(constraint: c.label, feature: nil, message: "values[\(r)] has \(v.count) entries for \(names.count) features")
                }
                for (k, x) in v.enumerated() {
                    let f = features[idx[k]]
                    guard x.isFinite, x >= f.lb, x <= f.ub else {
                        throw .invalidConstraint(constraint: c.label, feature: names[k],
                                                 message: "values[\(r)] = \(formatDouble(x)) is outside the feature's bounds [\(formatDouble(f.lb)), \(formatDouble(f.ub))]")
                    }
                }
            }
            guard Set(values.map { $0.map(\.bitPattern) }).count == values.count else {
                throw .invalidConstraint(constraint: c.label, feature: nil, message: "values repeat")
            }
            let m = values.count
            guard reachability.count == m, reachability.allSatisfy({ $0.count == m }),
                  reachability.allSatisfy({ $0.allSatisfy { $0 == 0 || $0 == 1 } }), (0..<m).allSatisfy({ reachability[$0][$0] == 1 }) else {
                throw .invalidConstraint(constraint: c.label, feature: nil, message: "reachability must be a \(m)×\(m) 0/1 matrix with ones on the diagonal")
            }
            return .pattern(idx: idx, values: values, reach: reachability.map { $0.map { $0 == 1 } })
        case let .directionalLinkage(source, targets, scales, keepBounds):
            let s = index[source]!
            guard features[s].actionable else {
                throw .invalidConstraint(constraint: c.label, feature: source, message: "the source of a linkage must be actionable")
            }
            guard scales.count == targets.count, scales.allSatisfy({ $0.isFinite && $0 != 0 }) else {
                throw .invalidConstraint(constraint: c.label, feature: nil, message: "needs one finite, non-zero scale per target (\(targets.count))")
            }
            for (t, scale) in zip(targets, scales) {
                let k = index[t]!
                if features[k].type.isDiscrete && scale != scale.rounded() {
                    throw .invalidConstraint(constraint: c.label, feature: t,
                                             message: "scale \(formatDouble(scale)) would move a \(features[k].type.rawValue) feature by a fraction; it must be a whole number")
                }
                if linkInto[s]?.contains(k) == true {
                    throw .invalidConstraint(constraint: c.label, feature: t, message: "circular linkage: '\(t)' already links into '\(source)'")
                }
                linkInto[k, default: []].append(s)
            }
            return .link(source: s, targets: targets.map { index[$0]! }, scales: scales, keepBounds: keepBounds)
        case let .ifThen(ifName, sense, ifValue, thenName, thenValue):
            for (n, v) in [(ifName, ifValue), (thenName, thenValue)] {
                let f = features[index[n]!]
                guard v >= f.lb && v <= f.ub else {
                    throw .invalidConstraint(constraint: c.label, feature: n,
                                             message: "value \(formatDouble(v)) is outside the feature's bounds [\(formatDouble(f.lb)), \(formatDouble(f.ub))]")
                }
            }
            return .ifThen(ifIdx: index[ifName]!, equal: sense == .E, ifValue: ifValue, thenIdx: index[thenName]!, thenValue: thenValue)
        case let .mutabilitySwitch(sw, targets, onValue, force):
            let s = index[sw]!
            guard features[s].type == .bool, features[s].actionable else {
                throw .invalidConstraint(constraint: c.label, feature: sw, message: "the switch must be an actionable bool feature")
            }
            guard onValue == 0 || onValue == 1 else {
                throw .invalidConstraint(constraint: c.label, feature: sw, message: "on_value must be 0 or 1")
            }
            for t in targets where !features[index[t]!].actionable {
                throw .invalidConstraint(constraint: c.label, feature: t, message: "a switch target must be actionable")
            }
            return .mutabilitySwitch(switchIdx: s, targets: targets.map { index[$0]! }, onValue: onValue, force: force)
        }
    }

    // MARK: State constraints (what a data point itself must satisfy)

    /// The constraint's condition on a point's values (reachml's `check_feasibility`), or nil when it holds.
    func stateViolation(_ c: CompiledConstraint, _ value: (Int) -> Double) -> (feature: Int, message: String)? {
        switch c {
        case let .oneHot(idx, limit, equal):
            var sum = 0.0
            for j in idx { sum += value(j) }
            if equal ? sum != Double(limit) : sum > Double(limit) {
                return (idx[0], "the one-hot features sum to \(formatDouble(sum)); \(equal ? "exactly" : "at most") \(limit) must be 1")
            }
        case let .pattern(idx, values, _):
            let v = idx.map(value)
            if !values.contains(v) {
                return (idx[0], "the values (\(v.map(formatDouble).joined(separator: ", "))) are not one of the constraint's allowed patterns")
            }
        case let .mutabilitySwitch(s, targets, on, force):
            if value(s) == on {
                if let t = targets.first(where: { value($0) != 0 }) { return (t, "the switch is on, so the target must be 0") }
            } else if force, let t = targets.first(where: { value($0) == 0 }) {
                return (t, "the switch is off with force_change_when_off, so the target must be non-zero")
            }
        case .link, .ifThen:
            break
        }
        return nil
    }

    /// Parts whose state constraints no value combination within bounds can satisfy: names the smallest
    /// set of constraints that cannot hold together.
    func checkContradictions() throws(RecourseError) {
        for part in parts {
            let state = part.constraints.filter { if case .link = compiled[$0] { return false }; if case .ifThen = compiled[$0] { return false }; return true }
            guard state.count >= 1 else { continue }
            let feats = Array(Set(state.flatMap { compiled[$0].indices })).sorted()
            guard feats.allSatisfy({ features[$0].type.isDiscrete }) else { continue }
            var size = 1.0
            for j in feats { size *= features[j].ub - features[j].lb + 1 }
            guard size <= 200_000 else { continue }
            func satisfiable(_ cs: [Int]) -> Bool {
                var value = [Int: Double]()
                func rec(_ k: Int) -> Bool {
                    if k == feats.count { return cs.allSatisfy { stateViolation(compiled[$0], { value[$0] ?? 0 }) == nil } }
                    let f = features[feats[k]]
                    var v = f.lb
                    while v <= f.ub { value[feats[k]] = v; if rec(k + 1) { return true }; v += 1 }
                    return false
                }
                return rec(0)
            }
            if satisfiable(state) { continue }
            for c in state where !satisfiable([c]) {
                throw .contradictory(constraints: [constraints[c].label], message: "no values within the features' bounds satisfy it")
            }
            for a in state.indices { for b in state.indices where b > a && !satisfiable([state[a], state[b]]) {
                throw .contradictory(constraints: [constraints[state[a]].label, constraints[state[b]].label],
                                     message: "no values within the features' bounds satisfy both")
            } }
            throw .contradictory(constraints: state.map { constraints[$0].label }, message: "no values within the features' bounds satisfy all of them")
        }
    }

    /// reachml's `ActionSet.validate`: every row within bounds and satisfying every state constraint.
    func validate(frame: Frame, rows: [Int]?) throws(RecourseError) {
        let cols = features.map { frame[$0.name] }
        let rowList = rows ?? Array(0..<frame.rowCount)
        for i in rowList {
            let row = cols.map { $0?.numericValue(at: i) ?? .nan }
            for (j, f) in features.enumerated() where f.lb.isFinite {
                let v = row[j]
                if v.isNaN { continue }
                if v < f.lb || v > f.ub {
                    throw .infeasibleRow(row: i, feature: f.name, constraint: nil,
                                         message: "value \(formatDouble(v)) is outside the bounds [\(formatDouble(f.lb)), \(formatDouble(f.ub))]")
                }
            }
            for (k, c) in compiled.enumerated() {
                if let bad = c.indices.first(where: { row[$0].isNaN }) {
                    throw .infeasibleRow(row: i, feature: features[bad].name, constraint: constraints[k].label, message: "the value is missing")
                }
                if let (j, m) = stateViolation(c, { row[$0] }) {
                    throw .infeasibleRow(row: i, feature: features[j].name, constraint: constraints[k].label, message: m)
                }
            }
        }
    }

    /// The action-set features of every row, row-major (rows × features), NaN where missing or non-numeric.
    public func matrix(_ frame: Frame) throws(RecourseError) -> [Double] {
        let n = frame.rowCount, d = features.count
        var out = [Double](repeating: .nan, count: n * d)
        for (j, f) in features.enumerated() {
            guard let col = frame[f.name] else { throw .unknownFeature(feature: f.name, constraint: nil, available: frame.columnNames) }
            guard col.isNumeric else { continue }
            for i in 0..<n { if let v = col.numericValue(at: i) { out[i * d + j] = v } }
        }
        return out
    }
}
