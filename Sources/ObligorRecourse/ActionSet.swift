import Foundation

/// The variable type of a feature, as reachml infers it: `bool` when every value is 0 or 1,
/// `int` when every value is integral, `float` otherwise.
public enum FeatureType: String, Codable, Sendable, Equatable {
    case bool, int, float

    /// True for `bool` and `int` (grid step 1).
    public var isDiscrete: Bool { self != .float }
}

/// What one feature may do: reachml's `ActionElement`.
///
/// The own action `a` at a point x lies in [a_lb, a_ub] with
/// a_ub = min(ub − x, step_ub) when `stepDirection` ≥ 0 (else 0) and
/// a_lb = max(lb − x, step_lb) when `stepDirection` ≤ 0 (else 0); a non-actionable feature has a = 0.
public struct FeatureAction: Codable, Sendable, Equatable {
    /// Column name in the data.
    public var name: String
    /// Declared type; nil = inferred from the data.
    public var type: FeatureType?
    /// Whether the feature can be acted on directly (a linkage may still move an immutable feature).
    public var actionable: Bool
    /// Lower bound of the feature's value; nil = the data minimum (0 for bool).
    public var lb: Double?
    /// Upper bound of the feature's value; nil = the data maximum (1 for bool).
    public var ub: Double?
    /// −1: may only decrease; 0: either way; +1: may only increase.
    public var stepDirection: Int
    /// Largest decrease per action (a number ≤ 0); nil = unbounded.
    public var stepLB: Double?
    /// Largest increase per action (a number ≥ 0); nil = unbounded.
    public var stepUB: Double?

    public init(name: String, type: FeatureType? = nil, actionable: Bool, lb: Double? = nil, ub: Double? = nil,
                stepDirection: Int = 0, stepLB: Double? = nil, stepUB: Double? = nil) {
        self.name = name
        self.type = type
        self.actionable = actionable
        self.lb = lb
        self.ub = ub
        self.stepDirection = stepDirection
        self.stepLB = stepLB
        self.stepUB = stepUB
    }

    enum CodingKeys: String, CodingKey {
        case name, type, actionable, lb, ub
        case stepDirection = "step_direction", stepLB = "step_lb", stepUB = "step_ub"
    }
}

/// A joint constraint over several features, with reachml's semantics (notes §1).
///
/// Encoding constraints (one-hot, ordinal, thermometer, reachability, if-then, mutability switch)
/// restrict the features' **own actions** `a`; directional linkages add to a target's **total change**
/// `c`; the reachable point is x + c.
public enum ConstraintKind: Sendable, Equatable {
    /// How a one-hot limit is enforced.
    public enum LimitType: String, Sendable, Equatable { case equal, max }
    /// The sense of an if-then condition on the if-feature's action: `G` (≥ value) or `E` (= value).
    public enum Sense: String, Sendable, Equatable { case G, E }

    /// Σ (x + a) over `names` = `limit` (`equal`) or ≤ `limit` (`max`); bool features.
    case oneHot(names: [String], limit: Int, limitType: LimitType)
    /// One-hot dummies of ordered levels, `names[0]` lowest; with `exhaustive` false the all-zero
    /// pattern is allowed and is the lowest level. Direction +1: only to higher levels; −1: only lower.
    case ordinal(names: [String], exhaustive: Bool, stepDirection: Int)
    /// Nested dummies x_k = 1[Z ≥ z_k]: valid patterns are a prefix of ones. Direction +1: dummies
    /// only turn on; −1: only off.
    case thermometer(names: [String], stepDirection: Int)
    /// (x + a)[names] must be one of `values`, reachable from the current value: `reachability[i][j] = 1`
    /// when value j can be reached from value i (diagonal 1).
    case reachability(names: [String], values: [[Double]], reachability: [[Int]])
    /// c_k = a_k + scale_k · a_source for every target k (scales relative to the source's).
    /// `keepBounds` true keeps c_k within the target's own action bounds; false widens them.
    case directionalLinkage(source: String, targets: [String], scales: [Double], keepBounds: Bool)
    /// u = [a_if ≥ v] (or [a_if = v]); then a_then = u · w, so the then-feature is pinned to 0
    /// unless the implication fires. reachml applies nothing when the if-feature cannot increase at x.
    case ifThen(ifFeature: String, sense: Sense, ifValue: Double, thenFeature: String, thenValue: Double)
    /// When the switch's value after the action equals `onValue`, the targets' own actions are 0;
    /// otherwise, with `forceChangeWhenOff`, at least one target must move.
    case mutabilitySwitch(switchFeature: String, targets: [String], onValue: Double, forceChangeWhenOff: Bool)

    /// reachml's class name.
    public var typeName: String {
        switch self {
        case .oneHot: return "OneHotEncoding"
        case .ordinal: return "OrdinalEncoding"
        case .thermometer: return "ThermometerEncoding"
        case .reachability: return "ReachabilityConstraint"
        case .directionalLinkage: return "DirectionalLinkage"
        case .ifThen: return "IfThenConstraint"
        case .mutabilitySwitch: return "MutabilitySwitch"
        }
    }

    /// Every feature the constraint involves (source first for a linkage, switch first for a switch).
    public var names: [String] {
        switch self {
        case let .oneHot(n, _, _), let .ordinal(n, _, _), let .thermometer(n, _), let .reachability(n, _, _): return n
        case let .directionalLinkage(s, t, _, _): return [s] + t
        case let .ifThen(i, _, _, t, _): return [i, t]
        case let .mutabilitySwitch(s, t, _, _): return [s] + t
        }
    }
}

/// A constraint with the label that error messages and explanations use.
public struct ActionConstraint: Sendable, Equatable {
    /// `constraints[k] Type(names…)`, or the `id` given in the file.
    public var label: String
    public var kind: ConstraintKind

    public init(label: String, kind: ConstraintKind) {
        self.label = label
        self.kind = kind
    }
}

/// A user's action set: per-feature actionability and joint constraints, before it meets data.
///
/// Read from JSON in the schema of reachml's exported action sets (`german_actionsets.json`):
/// either a file with `"action_sets": {NAME: {...}}` or one action set
/// `{"features": [...], "constraints": [...]}`. See ``ActionSet/load(data:name:)`` and the module README.
/// Features of the data that the action set does not list are immutable.
public struct ActionSet: Sendable, Equatable {
    /// The action set's name (the key in a multi-set file, or "action_set").
    public var name: String
    public var features: [FeatureAction]
    public var constraints: [ActionConstraint]
    /// The partition the file declares (`actionable_partition`), if any, for cross-checking.
    public var declaredPartition: [[String]]?

    public init(name: String = "action_set", features: [FeatureAction], constraints: [ActionConstraint] = [],
                declaredPartition: [[String]]? = nil) {
        self.name = name
        self.features = features
        self.constraints = constraints
        self.declaredPartition = declaredPartition
    }

    /// The names of the action sets in a file (one entry, "action_set", for a single-set file).
    public static func names(in data: Data) throws(RecourseError) -> [String] {
        let root = try jsonRoot(data)
        if let sets = root["action_sets"] as? [String: Any] { return sets.keys.sorted() }
        return [(root["name"] as? String) ?? "action_set"]
    }

    /// Reads one action set from JSON.
    /// - Parameter name: which set of a multi-set file; may be omitted when the file holds one set.
    /// - Throws: ``RecourseError/malformed(_:)`` naming the offending field, or
    ///   ``RecourseError/unknownActionSet(_:available:)``.
    public static func load(data: Data, name: String? = nil) throws(RecourseError) -> ActionSet {
        let root = try jsonRoot(data)
        var object = root
        var setName = (root["name"] as? String) ?? "action_set"
        if let sets = root["action_sets"] as? [String: Any] {
            let available = sets.keys.sorted()
            let chosen: String
            if let name { chosen = name } else if available.count == 1 { chosen = available[0] } else {
                throw .unknownActionSet("(none chosen; pass --action-set NAME)", available: available)
            }
            guard let o = sets[chosen] as? [String: Any] else { throw .unknownActionSet(chosen, available: available) }
            object = o
            setName = chosen
        } else if let name, name != setName {
            throw .unknownActionSet(name, available: [setName])
        }
        guard let rawFeatures = object["features"] as? [Any] else { throw .malformed("no \"features\" list") }
        var features: [FeatureAction] = []
        for (k, raw) in rawFeatures.enumerated() {
            guard let f = raw as? [String: Any] else { throw .malformed("features[\(k)] is not an object") }
            features.append(try parseFeature(f, index: k))
        }
        var constraints: [ActionConstraint] = []
        for (k, raw) in ((object["constraints"] as? [Any]) ?? []).enumerated() {
            guard let c = raw as? [String: Any] else { throw .malformed("constraints[\(k)] is not an object") }
            constraints.append(try parseConstraint(c, index: k))
        }
        let partition = (object["actionable_partition"] as? [[Any]])?.map { $0.compactMap { $0 as? String } }
        return ActionSet(name: setName, features: features, constraints: constraints, declaredPartition: partition)
    }

    static func jsonRoot(_ data: Data) throws(RecourseError) -> [String: Any] {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw .malformed("not valid JSON (\(error.localizedDescription))")
        }
        guard let root = parsed as? [String: Any] else { throw .malformed("the top level must be a JSON object") }
        return root
    }

    static func number(_ v: Any?) -> Double? {
        if let b = v as? Bool { return b ? 1 : 0 }
        if let n = v as? NSNumber { return n.doubleValue }
        return nil
    }

    static func parseFeature(_ f: [String: Any], index k: Int) throws(RecourseError) -> FeatureAction {
        guard let name = f["name"] as? String, !name.isEmpty else { throw .malformed("features[\(k)] has no \"name\"") }
        var type: FeatureType? = nil
        if let t = f["type"] as? String {
            switch t {
            case "bool", "boolean", "binary": type = .bool
            case "int", "integer": type = .int
            case "float", "continuous", "double": type = .float
            default: throw .invalidFeature(feature: name, message: "type '\(t)' is not bool, int or float")
            }
        }
        func optionalNumber(_ key: String) throws(RecourseError) -> Double? {
            guard let v = f[key], !(v is NSNull) else { return nil }
            guard let n = number(v), !n.isNaN else { throw .invalidFeature(feature: name, message: "\(key) must be a number or null") }
            return n.isInfinite ? nil : n
        }
        let actionable: Bool
        switch f["actionable"] {
        case nil: actionable = true
        case let b as Bool: actionable = b
        case let n as NSNumber: actionable = n.intValue != 0
        default: throw .invalidFeature(feature: name, message: "actionable must be true or false")
        }
        let dir = try optionalNumber("step_direction") ?? 0
        guard dir == -1 || dir == 0 || dir == 1 else {
            throw .invalidFeature(feature: name, message: "step_direction must be -1, 0 or 1 (found \(dir))")
        }
        return FeatureAction(name: name, type: type, actionable: actionable, lb: try optionalNumber("lb"), ub: try optionalNumber("ub"),
                             stepDirection: Int(dir), stepLB: try optionalNumber("step_lb"), stepUB: try optionalNumber("step_ub"))
    }

    static func parseConstraint(_ c: [String: Any], index k: Int) throws(RecourseError) -> ActionConstraint {
        guard let type = c["type"] as? String else { throw .malformed("constraints[\(k)] has no \"type\"") }
        let provisional = "constraints[\(k)] \(type)"
        func strings(_ key: String) throws(RecourseError) -> [String] {
            guard let a = c[key] as? [Any], a.allSatisfy({ $0 is String }) else {
                throw .invalidConstraint(constraint: provisional, feature: nil, message: "\"\(key)\" must be a list of feature names")
            }
            return a.map { $0 as! String }
        }
        func string(_ key: String) throws(RecourseError) -> String {
            guard let s = c[key] as? String else {
                throw .invalidConstraint(constraint: provisional, feature: nil, message: "\"\(key)\" must be a feature name")
            }
            return s
        }
        func num(_ key: String, default d: Double? = nil) throws(RecourseError) -> Double {
            if let v = c[key], !(v is NSNull) {
                guard let n = number(v), n.isFinite else {
                    throw .invalidConstraint(constraint: provisional, feature: nil, message: "\"\(key)\" must be a finite number")
                }
                return n
            }
            guard let d else { throw .invalidConstraint(constraint: provisional, feature: nil, message: "\"\(key)\" is required") }
            return d
        }
        func flag(_ key: String, default d: Bool) -> Bool {
            if let b = c[key] as? Bool { return b }
            if let n = c[key] as? NSNumber { return n.intValue != 0 }
            return d
        }
        func direction(_ key: String) throws(RecourseError) -> Int {
            let d = try num(key, default: 0)
            guard d == -1 || d == 0 || d == 1 else {
                throw .invalidConstraint(constraint: provisional, feature: nil, message: "\(key) must be -1, 0 or 1")
            }
            return Int(d)
        }
        let kind: ConstraintKind
        switch type {
        case "OneHotEncoding":
            let lt = (c["limit_type"] as? String) ?? "equal"
            guard let limitType = ConstraintKind.LimitType(rawValue: lt) else {
                throw .invalidConstraint(constraint: provisional, feature: nil, message: "limit_type must be 'equal' or 'max'")
            }
            kind = .oneHot(names: try strings("names"), limit: Int(try num("limit", default: 1)), limitType: limitType)
        case "OrdinalEncoding":
            kind = .ordinal(names: try strings("names"), exhaustive: flag("exhaustive", default: true), stepDirection: try direction("step_direction"))
        case "ThermometerEncoding":
            kind = .thermometer(names: try strings("names"), stepDirection: try direction("step_direction"))
        case "ReachabilityConstraint":
            let names = try strings("names")
            guard let rawValues = c["values"] as? [[Any]] else {
                throw .invalidConstraint(constraint: provisional, feature: nil, message: "\"values\" must be a list of value lists")
            }
            let values = rawValues.map { $0.map { number($0) ?? .nan } }
            var reach: [[Int]]
            if let r = c["reachability"] as? [[Any]] {
                reach = r.map { $0.map { Int(number($0) ?? -1) } }
            } else {
                reach = Array(repeating: Array(repeating: 1, count: values.count), count: values.count)
            }
            kind = .reachability(names: names, values: values, reachability: reach)
        case "DirectionalLinkage":
            let source: String, targets: [String]
            if c["source"] != nil {
                source = try string("source")
                targets = try strings("targets")
            } else {
                let names = try strings("names")
                guard names.count >= 2 else {
                    throw .invalidConstraint(constraint: provisional, feature: nil, message: "a linkage needs a source and at least one target")
                }
                source = names[0]
                targets = Array(names.dropFirst())
            }
            var scales: [Double]
            if let s = c["scales"] as? [Any] {
                scales = s.map { number($0) ?? .nan }
                // reachml's names=[source, *targets] form gives one scale per name, relative to the source's.
                if scales.count == targets.count + 1, c["source"] == nil {
                    let s0 = scales[0]
                    scales = scales.dropFirst().map { $0 / s0 }
                }
            } else {
                scales = Array(repeating: 1, count: targets.count)
            }
            kind = .directionalLinkage(source: source, targets: targets, scales: scales, keepBounds: flag("keep_bounds", default: false))
        case "IfThenConstraint":
            guard let i = c["if"] as? [String: Any], let t = c["then"] as? [String: Any] else {
                throw .invalidConstraint(constraint: provisional, feature: nil, message: "needs \"if\": {name, sense, value} and \"then\": {name, value}")
            }
            guard let iname = i["name"] as? String, let tname = t["name"] as? String,
                  let iv = number(i["value"]), let tv = number(t["value"]) else {
                throw .invalidConstraint(constraint: provisional, feature: nil, message: "\"if\" and \"then\" each need a name and a numeric value")
            }
            guard let sense = ConstraintKind.Sense(rawValue: (i["sense"] as? String) ?? "G") else {
                throw .invalidConstraint(constraint: provisional, feature: iname, message: "sense must be 'G' or 'E'")
            }
            kind = .ifThen(ifFeature: iname, sense: sense, ifValue: iv, thenFeature: tname, thenValue: tv)
        case "MutabilitySwitch":
            kind = .mutabilitySwitch(switchFeature: try string("switch"), targets: try strings("targets"),
                                     onValue: try num("on_value", default: 1), forceChangeWhenOff: flag("force_change_when_off", default: true))
        default:
            throw .invalidConstraint(constraint: provisional, feature: nil, message: "unknown constraint type (known: OneHotEncoding, OrdinalEncoding, "
                                     + "ThermometerEncoding, ReachabilityConstraint, DirectionalLinkage, IfThenConstraint, MutabilitySwitch)")
        }
        let label = (c["id"] as? String) ?? "constraints[\(k)] \(type)(\(kind.names.joined(separator: ", ")))"
        return ActionConstraint(label: label, kind: kind)
    }

    /// The action set as JSON in the same schema it is read from (one set, sorted keys).
    public func jsonData() -> Data {
        func opt(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
        let features: [[String: Any]] = self.features.map { f in
            ["name": f.name, "type": f.type.map { $0.rawValue as Any } ?? NSNull(), "actionable": f.actionable, "lb": opt(f.lb), "ub": opt(f.ub),
             "step_direction": f.stepDirection, "step_lb": opt(f.stepLB), "step_ub": opt(f.stepUB)]
        }
        let constraints: [[String: Any]] = self.constraints.map { c in
            var o: [String: Any] = ["type": c.kind.typeName, "id": c.label]
            switch c.kind {
            case let .oneHot(n, l, t): o["names"] = n; o["limit"] = l; o["limit_type"] = t.rawValue
            case let .ordinal(n, e, d): o["names"] = n; o["exhaustive"] = e; o["step_direction"] = d
            case let .thermometer(n, d): o["names"] = n; o["step_direction"] = d
            case let .reachability(n, v, r): o["names"] = n; o["values"] = v; o["reachability"] = r
            case let .directionalLinkage(s, t, sc, k): o["source"] = s; o["targets"] = t; o["scales"] = sc; o["keep_bounds"] = k
            case let .ifThen(i, s, iv, t, tv): o["if"] = ["name": i, "sense": s.rawValue, "value": iv]; o["then"] = ["name": t, "value": tv]
            case let .mutabilitySwitch(s, t, on, f): o["switch"] = s; o["targets"] = t; o["on_value"] = on; o["force_change_when_off"] = f
            }
            return o
        }
        let root: [String: Any] = ["name": name, "features": features, "constraints": constraints]
        return (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    }
}
