import Foundation
import ObligorBoosting
import ObligorData
import ObligorModels
import Testing
@testable import ObligorRecourse

/// Small synthetic action sets with every constraint type: the full product of own actions over
/// all features is enumerated by an independent implementation of the notes' semantics, and every
/// reachable set and every verdict is checked against it.
@Suite("Brute-force cross-check")
struct BruteForceTests {
    struct LCG {
        var s: UInt64
        mutating func next() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) }
        mutating func int(_ n: Int) -> Int { min(n - 1, Int(next() * Double(n))) }
    }

    // Features: f0 int 0…4, f1 bool (switch), g0…g2 bool (encoded group), age int 18…40 (immutable, linked),
    // f6 int 0…3, f7 bool.
    static let names = ["f0", "f1", "g0", "g1", "g2", "age", "f6", "f7"]

    static func features(_ variant: Int) -> [FeatureAction] {
        [FeatureAction(name: "f0", type: .int, actionable: true, lb: 0, ub: 4, stepDirection: 0, stepLB: -1, stepUB: 2),
         FeatureAction(name: "f1", type: .bool, actionable: true, stepDirection: variant == 2 ? 1 : 0),
         FeatureAction(name: "g0", type: .bool, actionable: true, stepDirection: 0),
         FeatureAction(name: "g1", type: .bool, actionable: true, stepDirection: 0),
         FeatureAction(name: "g2", type: .bool, actionable: true, stepDirection: 0),
         FeatureAction(name: "age", type: .int, actionable: false, lb: 18, ub: 40, stepDirection: 1),
         FeatureAction(name: "f6", type: .int, actionable: true, lb: 0, ub: 3, stepDirection: variant == 1 ? -1 : 0),
         FeatureAction(name: "f7", type: .bool, actionable: true, stepDirection: 1)]
    }

    /// Five action sets covering one-hot (equal/max), ordinal (exhaustive or not, directions),
    /// thermometer, reachability, linkages (negative scales, keep_bounds both ways, two into one
    /// target), if-then and mutability switches.
    static func constraints(_ variant: Int) -> [ActionConstraint] {
        func c(_ k: ConstraintKind) -> ActionConstraint { ActionConstraint(label: k.typeName, kind: k) }
        switch variant {
        case 0: return [c(.oneHot(names: ["g0", "g1", "g2"], limit: 1, limitType: .equal)),
                        c(.directionalLinkage(source: "f0", targets: ["age"], scales: [1], keepBounds: false)),
                        c(.directionalLinkage(source: "f7", targets: ["age"], scales: [2], keepBounds: false))]
        case 1: return [c(.thermometer(names: ["g0", "g1", "g2"], stepDirection: 1)),
                        c(.directionalLinkage(source: "f6", targets: ["age"], scales: [-1], keepBounds: true)),
                        c(.ifThen(ifFeature: "f0", sense: .G, ifValue: 1, thenFeature: "f7", thenValue: 1))]
        case 2: return [c(.ordinal(names: ["g0", "g1", "g2"], exhaustive: false, stepDirection: 1)),
                        c(.mutabilitySwitch(switchFeature: "f1", targets: ["f6", "f7"], onValue: 1, forceChangeWhenOff: false))]
        case 3: return [c(.reachability(names: ["g0", "g1"], values: [[0, 0], [1, 0], [1, 1]], reachability: [[1, 1, 0], [0, 1, 1], [1, 0, 1]])),
                        c(.oneHot(names: ["g2", "f7"], limit: 1, limitType: .max)),
                        c(.directionalLinkage(source: "f0", targets: ["age", "f6"], scales: [3, 1], keepBounds: true))]
        default: return [c(.ordinal(names: ["g0", "g1", "g2"], exhaustive: true, stepDirection: -1)),
                         c(.mutabilitySwitch(switchFeature: "f1", targets: ["f0"], onValue: 0, forceChangeWhenOff: true)),
                         c(.ifThen(ifFeature: "f6", sense: .E, ifValue: 2, thenFeature: "f7", thenValue: 1))]
        }
    }

    /// Rows that satisfy the variant's state constraints (rejection sampling).
    static func frame(_ variant: Int, rows: Int, seed: UInt64) throws -> Frame {
        var rng = LCG(s: seed)
        var cols = [[Int]](repeating: [], count: names.count)
        var set = ActionSet(features: features(variant), constraints: constraints(variant))
        set.name = "v\(variant)"
        var attempts = 0
        while cols[0].count < rows {
            attempts += 1
            if attempts > 200_000 { throw RecourseError.unsupported("test generator: no valid rows for variant \(variant)") }
            let r = [rng.int(5), rng.int(2), rng.int(2), rng.int(2), rng.int(2), 18 + rng.int(23), rng.int(4), rng.int(2)]
            let f = try Frame(names.enumerated().map { Column.int($1, [r[$0]]) })
            if (try? BoundActionSet(set, frame: f)) != nil, Self.stateOK(variant, r) { for k in r.indices { cols[k].append(r[k]) } }
        }
        return try Frame(names.enumerated().map { Column.int($1, cols[$0]) })
    }

    static func stateOK(_ variant: Int, _ r: [Int]) -> Bool {
        let g = [r[2], r[3], r[4]]
        switch variant {
        case 0: return g.reduce(0, +) == 1
        case 1: return g == [0, 0, 0] || g == [1, 0, 0] || g == [1, 1, 0] || g == [1, 1, 1]
        case 2: return g.reduce(0, +) <= 1 && (r[1] == 0 || (r[6] == 0 && r[7] == 0))
        case 3: return [[0, 0], [1, 0], [1, 1]].contains([r[2], r[3]]) && r[4] + r[7] <= 1
        default: return g.reduce(0, +) == 1 && (r[1] == 0 ? r[0] == 0 : r[0] != 0)
        }
    }

    /// The full reachable set of row x by brute force over the product of all own actions.
    static func bruteForce(_ variant: Int, x: [Double]) -> Set<[Double]> {
        let feats = features(variant)
        let grids: [[Double]] = zip(feats, x).map { f, v in
            guard f.actionable else { return [0] }
            let hi = f.stepDirection >= 0 ? min(f.ub ?? 1, v + (f.stepUB ?? 99)) : v
            let lo = f.stepDirection <= 0 ? max(f.lb ?? 0, v + (f.stepLB ?? -99)) : v
            return stride(from: lo, through: hi, by: 1).map { $0 - v }
        }
        func ub(_ j: Int) -> Double { grids[j].max()! }
        func lb(_ j: Int) -> Double { grids[j].min()! }
        var out: Set<[Double]> = [x]
        var a = [Double](repeating: 0, count: x.count)
        func ok() -> Bool {
            let y = zip(x, a).map { $0 + $1 }
            var c = a
            for con in constraints(variant) {
                switch con.kind {
                case let .oneHot(n, limit, t):
                    let s = n.map { y[names.firstIndex(of: $0)!] }.reduce(0, +)
                    if t == .equal ? s != Double(limit) : s > Double(limit) { return false }
                case let .thermometer(n, dir):
                    let from = n.map { x[names.firstIndex(of: $0)!] }, to = n.map { y[names.firstIndex(of: $0)!] }
                    var cum = 1.0
                    for v in to { cum *= v; if v != cum { return false } }
                    if dir > 0 && zip(from, to).contains(where: { $0 == 1 && $1 == 0 }) { return false }
                    if dir < 0 && zip(from, to).contains(where: { $0 == 0 && $1 == 1 }) { return false }
                case let .ordinal(n, exhaustive, dir):
                    let to = n.map { y[names.firstIndex(of: $0)!] }, from = n.map { x[names.firstIndex(of: $0)!] }
                    let s = to.reduce(0, +)
                    if exhaustive ? s != 1 : s > 1 { return false }
                    func level(_ p: [Double]) -> Int { (p.firstIndex(of: 1) ?? -1) }
                    if dir > 0 && level(to) < level(from) { return false }
                    if dir < 0 && level(to) > level(from) { return false }
                case let .reachability(n, values, r):
                    let to = n.map { y[names.firstIndex(of: $0)!] }, from = n.map { x[names.firstIndex(of: $0)!] }
                    guard let j = values.firstIndex(of: to), let i = values.firstIndex(of: from), r[i][j] == 1 else { return false }
                case .directionalLinkage:
                    break
                case let .ifThen(i, sense, v, t, w):
                    let ii = names.firstIndex(of: i)!, ti = names.firstIndex(of: t)!
                    if ub(ii) != 0 {
                        let fires = sense == .E ? a[ii] == v : a[ii] >= v
                        if a[ti] != (fires ? w : 0) { return false }
                    }
                case let .mutabilitySwitch(s, targets, on, force):
                    let ti = targets.map { names.firstIndex(of: $0)! }
                    if y[names.firstIndex(of: s)!] == on { if ti.contains(where: { a[$0] != 0 }) { return false } }
                    // reachml keeps every part's null action, so "must change" binds only when the
                    // switch's group moves at all (here the group is exactly the switch and its targets).
                    else if force && a[names.firstIndex(of: s)!] != 0 && !ti.contains(where: { a[$0] != 0 }) { return false }
                }
            }
            // Linkages: total changes and keep-bounds limits.
            var lo = (0..<x.count).map(lb), hi = (0..<x.count).map(ub)
            var keep = [Bool](repeating: false, count: x.count)
            for con in constraints(variant) {
                guard case let .directionalLinkage(s, ts, scales, k) = con.kind else { continue }
                let si = names.firstIndex(of: s)!
                for (t, sc) in zip(ts, scales) {
                    let ti = names.firstIndex(of: t)!
                    c[ti] += sc * a[si]
                    if k { keep[ti] = true } else { lo[ti] += min(sc * lb(si), sc * ub(si)); hi[ti] += max(sc * lb(si), sc * ub(si)) }
                }
            }
            for j in x.indices where keep[j] && (c[j] < lo[j] || c[j] > hi[j]) { return false }
            out.insert(zip(x, c).map { $0 + $1 })
            return true
        }
        func rec(_ k: Int) {
            if k == x.count { _ = ok(); return }
            for v in grids[k] { a[k] = v; rec(k + 1) }
            a[k] = 0
        }
        rec(0)
        return out
    }

    /// The product of the per-part sets, as full points.
    static func product(_ space: BoundActionSet, _ reaches: [PartReach], x: [Double]) -> Set<[Double]> {
        var out: Set<[Double]> = [x]
        var current = [x]
        for (p, r) in reaches.enumerated() {
            guard case let .finite(w, pts, _) = r else { return [] }
            var next: [[Double]] = []
            for base in current {
                for k in 0..<(pts.count / w) {
                    var y = base
                    for (q, j) in space.parts[p].features.enumerated() { y[j] = pts[k * w + q] }
                    next.append(y)
                }
            }
            current = next
        }
        for y in current { out.insert(y) }
        return out
    }

    /// A random tree ensemble over the 8 features (thresholds between grid values, both split kinds).
    static func randomTrees(seed: UInt64) -> GBDTModel {
        var rng = LCG(s: seed)
        var trees: [DecisionTree] = []
        for _ in 0..<12 {
            var t = DecisionTree()
            t.leafValue = []; t.leafCover = []
            func build(_ depth: Int) -> Int {
                if depth == 3 || rng.next() < 0.15 { t.leafValue.append(rng.next() * 2 - 1); t.leafCover.append(1); return ~(t.leafValue.count - 1) }
                let f = rng.int(8)
                let range: (Double, Double) = f == 5 ? (18, 42) : (f == 0 ? (0, 4) : (f == 6 ? (0, 3) : (0, 1)))
                let th = (range.0 + rng.next() * (range.1 - range.0)).rounded() + (rng.next() < 0.5 ? 0.5 : 0)
                let node = t.splitFeature.count
                t.splitFeature.append(f); t.threshold.append(th); t.strictLess.append(rng.next() < 0.5); t.defaultLeft.append(true)
                t.categoriesLeft.append(nil); t.left.append(0); t.right.append(0); t.internalCover.append(1); t.gain.append(0)
                let l = build(depth + 1), r = build(depth + 1)
                t.left[node] = l; t.right[node] = r
                return node
            }
            _ = build(0)
            trees.append(t)
        }
        return GBDTModel(features: names.map { FeatureSpec(name: $0, kind: .numeric) }, trees: trees, baseScore: 0.3,
                         parameters: BoostingParameters(), bestIteration: nil, validationMetric: nil, source: "test")
    }

    /// A scorer with no structure the verifier can use: exhaustive search.
    struct OpaqueScorer: Scorer {
        let featureNames = BruteForceTests.names
        func predictPD(_ frame: Frame) throws -> [Double] {
            let cols = featureNames.map { frame[$0]!.doubles()! }
            return (0..<frame.rowCount).map { i in
                let x = cols.map { $0[i] }
                let eta = 0.9 * sin(x[0] * 1.3) - 0.8 * x[1] + 0.6 * x[2] * x[6] - 0.7 * x[3] + 0.05 * (x[5] - 28) - 0.5 * x[7] + 0.4 * x[4]
                return 1 / (1 + exp(-eta))
            }
        }
    }

    /// Reachable sets: per-part product == brute force, as sets of points, for every row.
    @Test(arguments: 0..<5) func reachableSetsEqualBruteForce(variant: Int) throws {
        let frame = try Self.frame(variant, rows: 60, seed: UInt64(100 + variant))
        let space = try BoundActionSet(ActionSet(features: Self.features(variant), constraints: Self.constraints(variant)), frame: frame)
        let x = try space.matrix(frame)
        let d = space.features.count
        var cache = ReachableSetCache(partCount: space.parts.count)
        for i in 0..<frame.rowCount {
            let row = Array(x[(i * d)..<((i + 1) * d)])
            let reaches = row.withUnsafeBufferPointer { rp in space.parts.indices.map { cache.reach(space, part: $0, x: rp) } }
            let mine = Self.product(space, reaches, x: row)
            let brute = Self.bruteForce(variant, x: row)
            #expect(mine == brute, "variant \(variant) row \(i): \(mine.count) vs \(brute.count) points")
            #expect(reaches.map(\.size).reduce(1, *) == Double(brute.count), "variant \(variant) row \(i)")
        }
    }

    /// Verdicts of a linear model, a tree ensemble and an opaque scorer against brute force over
    /// the full product: recourse iff some reachable point is approved; for fixed rows the best
    /// reachable PD equals the brute-force minimum to 1e-12 (the same sums in another order).
    @Test(arguments: 0..<5) func verdictsEqualBruteForce(variant: Int) throws {
        let frame = try Self.frame(variant, rows: 60, seed: UInt64(200 + variant))
        let space = try BoundActionSet(ActionSet(features: Self.features(variant), constraints: Self.constraints(variant)), frame: frame)
        let x = try space.matrix(frame)
        let d = space.features.count
        let linear = try LogisticInterchange(target: "bad", features: Self.names, intercept: -0.2,
                                             coefficients: [0.35, -0.6, 0.5, -0.4, 0.3, 0.04, -0.25, -0.7], threshold: 0.5).model()
        let models: [(String, any Scorer, Double)] = [("linear", linear, 0.42), ("tree", Self.randomTrees(seed: UInt64(7 + variant)), 0.45),
                                                      ("generic", OpaqueScorer(), 0.5)]
        for (method, model, threshold) in models {
            let verifier = try RecourseVerifier(space: space, model: model, frame: frame, options: RecourseOptions(threshold: threshold))
            #expect(verifier.method == method)
            var cache = ReachableSetCache(partCount: space.parts.count)
            let summary = try verifier.verify(cache: &cache)
            var recourse = 0, fixed = 0
            for i in 0..<frame.rowCount {
                let row = Array(x[(i * d)..<((i + 1) * d)])
                let points = Array(Self.bruteForce(variant, x: row))
                let batch = try Frame(Self.names.enumerated().map { k, n in Column.double(n, points.map { $0[k] }) })
                let pd = try model.predictPD(batch)
                let rowPD = try model.predictPD(frame.selectingRows([i]))[0]
                let result = summary.rows[i]
                if rowPD < threshold { #expect(result.verdict == .approved); continue }
                let best = pd.min()!
                if best < threshold {
                    recourse += 1
                    #expect(result.verdict == .recourse, "\(method) variant \(variant) row \(i)")
                    // The witness is a reachable point and is approved.
                    var y = row
                    for ch in result.witness ?? [] { y[Self.names.firstIndex(of: ch.feature)!] = ch.to }
                    #expect(points.contains(y), "\(method) variant \(variant) row \(i): witness not reachable")
                } else {
                    fixed += 1
                    #expect(result.verdict == .noRecourse, "\(method) variant \(variant) row \(i)")
                    #expect(abs((result.bestProbability ?? -1) - best) <= 1e-12, "\(method) variant \(variant) row \(i)")
                }
            }
            #expect(recourse + fixed > 0)
        }
    }

    /// Continuous features cut at the trees' thresholds give the exact answer, for `v < t` (XGBoost)
    /// and `v ≤ t` (LightGBM, Obligor) splits: compared with a grid that contains the interval ends,
    /// every threshold and both its floating-point neighbours, so it visits every cell.
    @Test(arguments: [true, false]) func continuousFeaturesExactForTrees(strict: Bool) throws {
        var rng = LCG(s: 99)
        let n = 80
        let income = (0..<n).map { _ in (rng.next() * 100).rounded() / 10 + 0.05 }, debt = (0..<n).map { _ in rng.next() * 5 }
        let frame = try Frame([.double("income", income), .double("debt", debt)])
        let set = ActionSet(features: [FeatureAction(name: "income", type: .float, actionable: true, lb: 0, ub: 12, stepDirection: 1, stepUB: 1.5),
                                       FeatureAction(name: "debt", type: .float, actionable: true, lb: 0, ub: 5, stepDirection: -1, stepLB: -0.7)])
        let space = try BoundActionSet(set, frame: frame)
        #expect(space.parts.allSatisfy { $0.isInterval })
        var trees: [DecisionTree] = []
        var g = LCG(s: 5)
        for _ in 0..<20 {
            var t = DecisionTree()
            t.splitFeature = [g.int(2), g.int(2), g.int(2)]
            t.threshold = t.splitFeature.map { $0 == 0 ? g.next() * 10 : g.next() * 5 }
            t.strictLess = [strict, strict, strict]; t.defaultLeft = [true, true, true]; t.categoriesLeft = [nil, nil, nil]
            t.left = [1, ~0, ~2]; t.right = [2, ~1, ~3]; t.internalCover = [1, 1, 1]; t.gain = [0, 0, 0]
            t.leafValue = (0..<4).map { _ in g.next() - 0.5 }; t.leafCover = [1, 1, 1, 1]
            trees.append(t)
        }
        let model = GBDTModel(features: [FeatureSpec(name: "income", kind: .numeric), FeatureSpec(name: "debt", kind: .numeric)], trees: trees,
                              baseScore: 0.4, parameters: BoostingParameters(), bestIteration: nil, validationMetric: nil, source: "test")
        let verifier = try RecourseVerifier(space: space, model: model, frame: frame, options: RecourseOptions(threshold: 0.5))
        var cache = ReachableSetCache(partCount: 2)
        let summary = try verifier.verify(cache: &cache)
        let cuts = Set(trees.flatMap { $0.threshold })
        for i in 0..<n {
            let r = summary.rows[i]
            if r.verdict == .approved { continue }
            func grid(_ lo: Double, _ hi: Double) -> [Double] {
                var v = Set([lo, hi])
                for k in 0...60 { v.insert(lo + (hi - lo) * Double(k) / 60) }
                for t in cuts where t >= lo && t <= hi {
                    v.insert(t)
                    if t.nextDown >= lo { v.insert(t.nextDown) }
                    if t.nextUp <= hi { v.insert(t.nextUp) }
                }
                return Array(v)
            }
            let incomes = grid(income[i], min(12, income[i] + 1.5)), debts = grid(max(0, debt[i] - 0.7), debt[i])
            let pairs = incomes.flatMap { a in debts.map { (a, $0) } }
            let best = try model.predictPD(Frame([.double("income", pairs.map(\.0)), .double("debt", pairs.map(\.1))])).min()!
            #expect((r.verdict == .recourse) == (best < 0.5), "row \(i)")
            #expect(r.verdict != .abstain)
            if r.verdict == .noRecourse { #expect(abs(r.bestProbability! - best) <= 1e-12, "row \(i)") }
            #expect(r.reachableSize.isInfinite)
        }
    }
}
