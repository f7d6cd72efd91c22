import Foundation
import ObligorBoosting
import ObligorData
import ObligorModels

/// Proves or refutes that a model's PD is monotone in one numeric feature over the feature's whole
/// range, all other inputs held fixed (`obligor model check-monotone`).
///
/// The domain of the feature is every real value except the model's special values (which score as
/// missing); a missing value is not ordered and is outside the claim. "up" means PD non-decreasing
/// as the feature grows, "down" non-increasing. Because PD = σ(margin) with σ strictly increasing,
/// the check works on the margin (log-odds), where no rounding of σ can hide a violation.
///
/// Decision procedures:
/// - **logit**: the margin is linear in the feature's single design column; monotone iff the
///   coefficient's sign agrees (a zero coefficient is monotone both ways).
/// - **scorecard**: the margin adds β·WoE of the feature's bin; the bins partition the real line in
///   edge order, so monotone iff β·WoE is ordered across consecutive numeric bins.
/// - **gbdt**: each leaf of a tree is a box (an interval per numeric feature, a set of codes per
///   categorical one, and whether a missing value may reach it). A tree on its own is monotone in
///   the feature iff there is no pair of leaves A, B whose boxes share a point in every other
///   feature and where some a in A's interval lies below some b in B's interval while A's value
///   exceeds B's (for "up"). This check is exact per tree. A sum of monotone functions is
///   monotone, so if every tree passes, the ensemble is **proven** monotone. If a tree fails, the
///   violating pair fixes the other features at a common point; with them fixed the ensemble
///   margin is piecewise constant in the feature, changing only at split thresholds, so evaluating
///   it at one point of every threshold region (each threshold and a point strictly between
///   neighbours) decides monotonicity along that line exactly. A decrease found there is a
///   **refutation** with two concrete rows. If every tried line is monotone (the trees' violations
///   cancel there) and the grid of all other features' threshold regions is small enough (at most
///   2·10⁷ tree evaluations), every cell of that grid is enumerated, which decides the question
///   exactly (the margin is constant within a cell). Otherwise the answer is **undecided**: deciding
///   a large ensemble exactly is NP-hard in general.
public enum Monotonicity {
    public enum Verdict: String, Sendable, Codable { case proven, refuted, undecided }

    /// Two rows that differ only in the feature and violate the claimed direction.
    public struct Counterexample: Sendable {
        /// Model input columns in model order.
        public let columns: [String]
        /// Whether each column is numeric (else categorical).
        public let numeric: [Bool]
        /// Two rows of cell text ("" = missing); row 0 has the smaller feature value.
        public let rows: [[String]]
        /// Margins (log-odds) and PDs of the two rows, as scored by the model.
        public let margins: [Double]
        public let pds: [Double]

        /// The rows as a frame the model can score.
        public func frame() throws -> Frame {
            try Frame(columns.indices.map { j in
                numeric[j] ? Column.double(columns[j], rows.map { Double($0[j]) })
                    : Column.categorical(columns[j], rows.map { $0[j].isEmpty ? nil : $0[j] })
            })
        }
    }

    public struct Report: Sendable {
        public let verdict: Verdict
        public let feature: String
        /// +1 up (PD non-decreasing), −1 down.
        public let direction: Int
        /// How the verdict was reached.
        public let method: String
        /// Split thresholds or bin edges examined.
        public let pointsChecked: Int
        /// Trees that are not monotone on their own (gbdt).
        public let nonMonotoneTrees: [Int]
        public let counterexample: Counterexample?
    }

    public enum CheckError: Error, CustomStringConvertible {
        case unsupported(String)
        public var description: String { if case let .unsupported(s) = self { return s }; return "" }
    }

    /// Checks `model` for monotonicity in `feature` (direction +1 up, −1 down).
    public static func check(_ model: AnyModel, feature: String, direction: Int) throws -> Report {
        precondition(direction == 1 || direction == -1)
        switch model {
        case let .logistic(m): return try checkLogistic(m, feature: feature, direction: direction)
        case let .scorecard(m): return try checkScorecard(m, feature: feature, direction: direction)
        case let .gbdt(m): return try checkTrees(m, feature: feature, direction: direction)
        default: throw CheckError.unsupported("check-monotone covers logit, scorecard and gbdt models; this model is \(model.kind)")
        }
    }

    // MARK: Intervals

    /// A set of reals: an interval with inclusive/exclusive ends.
    struct Interval {
        var lo = -Double.infinity, loIn = false, hi = Double.infinity, hiIn = false
        func contains(_ v: Double) -> Bool {
            (v > lo || (loIn && v == lo)) && (v < hi || (hiIn && v == hi))
        }
        func intersect(_ o: Interval) -> Interval {
            var r = self
            if o.lo > r.lo || (o.lo == r.lo && !o.loIn) { r.lo = o.lo; r.loIn = o.loIn }
            if o.hi < r.hi || (o.hi == r.hi && !o.hiIn) { r.hi = o.hi; r.hiIn = o.hiIn }
            return r
        }
        /// A point of the interval that is not special, or nil.
        func point(avoiding specials: Set<Double>) -> Double? {
            var c: [Double] = []
            if lo.isFinite && hi.isFinite { c.append(lo + (hi - lo) / 2) }
            if lo == -.infinity && hi.isFinite { c.append(hi - max(1, abs(hi))) }
            if hi == .infinity && lo.isFinite { c.append(lo + max(1, abs(lo))) }
            if loIn && lo.isFinite { c.append(lo) }
            if hiIn && hi.isFinite { c.append(hi) }
            if lo.isFinite { c.append(lo.nextUp) }
            if hi.isFinite { c.append(hi.nextDown) }
            if !lo.isFinite && !hi.isFinite { c.append(0) }
            for var v in c {
                for _ in 0..<8 {
                    if contains(v) && !specials.contains(v) && v.isFinite { return v }
                    v = v.nextUp
                }
            }
            return nil
        }
    }

    // MARK: Logistic

    static func checkLogistic(_ m: LogisticModel, feature: String, direction: Int) throws -> Report {
        var offset = 1
        var column: Int? = nil
        var spec: EncodedFeature? = nil
        for f in m.encoder.features {
            if f.name == feature { column = offset; spec = f }
            offset += f.designNames.count
        }
        guard let column, let spec else { return constant(feature, direction, "'\(feature)' is not an input of this model; its PD does not depend on it") }
        guard spec.kind == .numeric else { throw CheckError.unsupported("'\(feature)' is categorical; monotonicity needs an ordered feature") }
        let beta = m.fit.coefficients[column]
        let method = "logit: coefficient of \(feature) is \(beta)"
        if beta * Double(direction) >= 0 {
            return Report(verdict: .proven, feature: feature, direction: direction, method: method, pointsChecked: 1, nonMonotoneTrees: [], counterexample: nil)
        }
        let specials = Set(spec.specialValues)
        // Two ordinary values a full unit (or more) apart around the training mean.
        let a = Interval(lo: (spec.fill ?? 0) - 1, loIn: true, hi: .infinity).point(avoiding: specials)!
        let b = Interval(lo: a + max(1, abs(a)), loIn: true, hi: .infinity).point(avoiding: specials)!
        let base = m.encoder.features.map { f -> String in
            f.kind == .numeric ? (f.fill.map { "\($0)" } ?? "") : (f.reference ?? "")
        }
        let names = m.encoder.features.map(\.name), numeric = m.encoder.features.map { $0.kind == .numeric }
        let k = names.firstIndex(of: feature)!
        var r0 = base, r1 = base
        r0[k] = "\(a)"; r1[k] = "\(b)"
        let cx = try scored(AnyModel.logistic(m), names, numeric, [r0, r1]) { try m.linearPredictor($0) }
        return Report(verdict: .refuted, feature: feature, direction: direction, method: method, pointsChecked: 1, nonMonotoneTrees: [], counterexample: cx)
    }

    // MARK: Scorecard

    static func checkScorecard(_ m: ScorecardModel, feature: String, direction: Int) throws -> Report {
        guard let c = m.characteristics.first(where: { $0.name == feature }) else {
            return constant(feature, direction, "'\(feature)' is not a characteristic of this scorecard; its PD does not depend on it")
        }
        guard c.kind == .numeric else { throw CheckError.unsupported("'\(feature)' is categorical; monotonicity needs an ordered feature") }
        let numericBins = c.edges.count + 1
        let contribution = (0..<numericBins).map { c.coefficient * c.bins[$0].woe }
        let method = "scorecard: \(numericBins) bins of \(feature) in edge order, β·WoE per bin"
        let specials = Set(c.specialValues)
        func interval(_ k: Int) -> Interval {
            Interval(lo: k == 0 ? -.infinity : c.edges[k - 1], loIn: k > 0, hi: k == numericBins - 1 ? .infinity : c.edges[k], hiIn: false)
        }
        for k in 0..<(numericBins - 1) where (contribution[k + 1] - contribution[k]) * Double(direction) < 0 {
            guard let a = interval(k).point(avoiding: specials), let b = interval(k + 1).point(avoiding: specials) else { continue }
            let names = m.characteristics.map(\.name), numeric = m.characteristics.map { $0.kind == .numeric }
            let j = names.firstIndex(of: feature)!
            var r0 = [String](repeating: "", count: names.count), r1 = r0
            r0[j] = "\(a)"; r1[j] = "\(b)"
            let cx = try scored(AnyModel.scorecard(m), names, numeric, [r0, r1], margin: nil)
            return Report(verdict: .refuted, feature: feature, direction: direction,
                          method: method + "; bin \(c.bins[k].label) (points \(c.bins[k].points)) vs \(c.bins[k + 1].label) (points \(c.bins[k + 1].points))",
                          pointsChecked: c.edges.count, nonMonotoneTrees: [], counterexample: cx)
        }
        return Report(verdict: .proven, feature: feature, direction: direction, method: method, pointsChecked: c.edges.count, nonMonotoneTrees: [], counterexample: nil)
    }

    // MARK: Trees

    /// The region of inputs reaching a leaf.
    struct Box {
        var interval: [Interval]
        var missingOK: [Bool]
        var presentOK: [Bool]
        var allowed: [Set<Int>?]
        var excluded: [Set<Int>]
    }

    struct Leaf { let value: Double; let box: Box }

    static func leaves(_ t: DecisionTree, _ specs: [FeatureSpec]) -> [Leaf] {
        let p = specs.count
        let root = Box(interval: Array(repeating: Interval(), count: p), missingOK: Array(repeating: true, count: p),
                       presentOK: Array(repeating: true, count: p), allowed: Array(repeating: nil, count: p), excluded: Array(repeating: [], count: p))
        if t.nodeCount == 0 { return [Leaf(value: t.leafValue[0], box: root)] }
        var out: [Leaf] = []
        func walk(_ node: Int, _ box: Box) {
            if node < 0 { out.append(Leaf(value: t.leafValue[~node], box: box)); return }
            let f = t.splitFeature[node]
            for goLeft in [true, false] {
                var b = box
                b.missingOK[f] = b.missingOK[f] && (t.defaultLeft[node] == goLeft)
                if let cats = t.categoriesLeft[node] {
                    if goLeft { b.allowed[f] = (b.allowed[f] ?? Set(0..<max(specs[f].categories.count, (cats.max() ?? 0) + 1))).intersection(cats) } else { b.excluded[f].formUnion(cats) }
                } else {
                    let th = t.threshold[node], strict = t.strictLess[node]
                    b.interval[f] = b.interval[f].intersect(goLeft ? Interval(hi: th, hiIn: !strict) : Interval(lo: th, loIn: strict))
                }
                b.presentOK[f] = b.presentOK[f] && present(b, f, specs[f]) != nil
                if b.missingOK[f] || b.presentOK[f] { walk(goLeft ? t.left[node] : t.right[node], b) }
            }
        }
        walk(0, root)
        return out
    }

    /// A non-missing raw value of feature `f` inside `box`, or nil.
    static func present(_ box: Box, _ f: Int, _ spec: FeatureSpec) -> Double? {
        if spec.kind == .categorical {
            let pool = box.allowed[f] ?? Set(0..<spec.categories.count)
            return pool.subtracting(box.excluded[f]).filter { $0 < spec.categories.count }.min().map(Double.init)
        }
        return box.interval[f].point(avoiding: Set(spec.specialValues))
    }

    /// A common point of two boxes in feature `j` (NaN = missing), or nil.
    static func common(_ a: Box, _ b: Box, _ j: Int, _ spec: FeatureSpec, preferMissing: Bool) -> Double? {
        let both = a.missingOK[j] && b.missingOK[j]
        if preferMissing && both { return .nan }
        if a.presentOK[j] && b.presentOK[j] {
            var m = a
            m.interval[j] = a.interval[j].intersect(b.interval[j])
            m.allowed[j] = a.allowed[j].map { x in b.allowed[j].map { x.intersection($0) } ?? x } ?? b.allowed[j]
            m.excluded[j] = a.excluded[j].union(b.excluded[j])
            if let v = present(m, j, spec) { return v }
        }
        return both ? .nan : nil
    }

    /// Whether two boxes share a value (possibly missing) of feature `j`; no allocation in the
    /// common case of an unconstrained feature.
    static func overlaps(_ a: Box, _ b: Box, _ j: Int, _ spec: FeatureSpec) -> Bool {
        if a.missingOK[j] && b.missingOK[j] { return true }
        guard a.presentOK[j] && b.presentOK[j] else { return false }
        if spec.kind == .numeric {
            let i = a.interval[j].intersect(b.interval[j])
            if i.lo < i.hi && spec.specialValues.isEmpty { return true }
        }
        return common(a, b, j, spec, preferMissing: false) != nil
    }

    static func checkTrees(_ m: GBDTModel, feature: String, direction: Int) throws -> Report {
        guard let f = m.features.firstIndex(where: { $0.name == feature }) else {
            return constant(feature, direction, "'\(feature)' is not an input of this model; its PD does not depend on it")
        }
        guard m.features[f].kind == .numeric else { throw CheckError.unsupported("'\(feature)' is categorical; monotonicity needs an ordered feature") }
        let specs = m.features, p = specs.count
        // Per tree: pairs of leaves violating the direction.
        var violations: [(tree: Int, a: Box, b: Box)] = []
        var bad: [Int] = []
        var thresholds = Set<Double>()
        for (ti, t) in m.trees.enumerated() {
            for (k, g) in t.splitFeature.enumerated() where g == f { thresholds.insert(t.threshold[k]) }
            let ls = leaves(t, specs).filter { $0.box.presentOK[f] }
            var treeBad = false
            for a in ls {
                for b in ls where (a.value - b.value) * Double(direction) > 0 {
                    // a at a smaller feature value than b?
                    let ia = a.box.interval[f], ib = b.box.interval[f]
                    guard ia.lo < ib.hi else { continue }
                    var overlap = true
                    for j in 0..<p where j != f && !overlaps(a.box, b.box, j, specs[j]) { overlap = false; break }
                    if overlap {
                        treeBad = true
                        if violations.count < 64 { violations.append((ti, a.box, b.box)) }
                    }
                }
            }
            if treeBad { bad.append(ti) }
        }
        let method = "gbdt: \(m.trees.count) trees, leaf boxes compared pairwise along \(feature) (\(thresholds.count) distinct thresholds)"
        if bad.isEmpty {
            return Report(verdict: .proven, feature: feature, direction: direction, method: method + "; every tree is monotone, so their sum is",
                          pointsChecked: thresholds.count, nonMonotoneTrees: [], counterexample: nil)
        }
        // Representative points of every region between thresholds.
        let specials = Set(specs[f].specialValues)
        let sorted = thresholds.sorted()
        var reps: [Double] = []
        if let first = sorted.first {
            reps.append(first - max(1, abs(first)))
            for (k, t) in sorted.enumerated() {
                reps.append(t)
                let upper = k + 1 < sorted.count ? sorted[k + 1] : Double.infinity
                if let v = Interval(lo: t, loIn: false, hi: upper, hiIn: false).point(avoiding: specials) { reps.append(v) }
            }
        } else { reps = [0] }
        reps = Array(Set(reps.filter { !specials.contains($0) })).sorted()
        for v in violations {
            for preferMissing in [false, true] {
                var row = [Double](repeating: .nan, count: p)
                for j in 0..<p where j != f { row[j] = common(v.a, v.b, j, specs[j], preferMissing: preferMissing) ?? .nan }
                var grid = [Double](repeating: 0, count: reps.count * p)
                for (k, x) in reps.enumerated() {
                    for j in 0..<p { grid[k * p + j] = row[j] }
                    grid[k * p + f] = x
                }
                let margins = m.margins(RawFeatures(rows: reps.count, columns: p, values: grid))
                var worst: Int? = nil
                for k in 1..<max(1, margins.count) where (margins[k] - margins[k - 1]) * Double(direction) < 0 {
                    if worst == nil || abs(margins[k] - margins[k - 1]) > abs(margins[worst!] - margins[worst! - 1]) { worst = k }
                }
                guard let k = worst else { continue }
                func text(_ j: Int, _ x: Double) -> String {
                    if x.isNaN { return "" }
                    return specs[j].kind == .numeric ? "\(x)" : specs[j].categories[Int(x)]
                }
                var r0 = (0..<p).map { text($0, row[$0]) }, r1 = r0
                r0[f] = text(f, reps[k - 1]); r1[f] = text(f, reps[k])
                let cx = try scored(AnyModel.gbdt(m), specs.map(\.name), specs.map { $0.kind == .numeric }, [r0, r1]) { try m.margins($0) }
                return Report(verdict: .refuted, feature: feature, direction: direction,
                              method: method + "; \(bad.count) trees not monotone on their own, ensemble decrease found along tree \(v.tree)'s violation",
                              pointsChecked: thresholds.count, nonMonotoneTrees: bad, counterexample: cx)
            }
        }
        // Small ensembles: decide exactly over the grid of every other feature's threshold regions.
        if let exact = try exhaustive(m, f: f, direction: direction, reps: reps, budget: 20_000_000) {
            return Report(verdict: exact.counterexample == nil ? .proven : .refuted, feature: feature, direction: direction,
                          method: method + "; \(bad.count) trees not monotone on their own; decided exhaustively over \(exact.cells) cells of the other features' threshold regions",
                          pointsChecked: thresholds.count, nonMonotoneTrees: bad, counterexample: exact.counterexample)
        }
        return Report(verdict: .undecided, feature: feature, direction: direction,
                      method: method + "; \(bad.count) trees not monotone on their own, but the ensemble is monotone along every violating line tried",
                      pointsChecked: thresholds.count, nonMonotoneTrees: bad, counterexample: nil)
    }

    /// One value in every region the ensemble distinguishes for numeric feature `j` (each
    /// threshold, a point strictly between neighbours, a point beyond each end), specials excluded.
    static func regionPoints(_ m: GBDTModel, _ j: Int) -> [Double] {
        var th = Set<Double>()
        for t in m.trees { for (k, g) in t.splitFeature.enumerated() where g == j && t.categoriesLeft[k] == nil { th.insert(t.threshold[k]) } }
        let specials = Set(m.features[j].specialValues)
        let sorted = th.sorted()
        guard let first = sorted.first else { return [0] }
        var reps: [Double] = [first - max(1, abs(first))]
        for (k, t) in sorted.enumerated() {
            reps.append(t)
            let upper = k + 1 < sorted.count ? sorted[k + 1] : Double.infinity
            if let v = Interval(lo: t, loIn: false, hi: upper, hiIn: false).point(avoiding: specials) { reps.append(v) }
        }
        return Array(Set(reps.filter { !specials.contains($0) })).sorted()
    }

    /// Exact decision by enumeration, when the grid (cells × points along the feature × trees) fits
    /// `budget` tree evaluations: returns nil when it does not fit, else the first counterexample or none.
    static func exhaustive(_ m: GBDTModel, f: Int, direction: Int, reps: [Double], budget: Int) throws -> (cells: Int, counterexample: Counterexample?)? {
        let p = m.features.count
        var used = Set<Int>()
        for t in m.trees { used.formUnion(t.splitFeature) }
        var axes: [[Double]] = []
        var cells = 1
        for j in 0..<p {
            if j == f || !used.contains(j) { axes.append([.nan]); continue }
            let values = m.features[j].kind == .categorical ? m.features[j].categories.indices.map(Double.init) : regionPoints(m, j)
            axes.append(values + [.nan])
            cells *= axes[j].count
            if cells * reps.count * max(1, m.trees.count) > budget { return nil }
        }
        var index = [Int](repeating: 0, count: p)
        var row = [Double](repeating: .nan, count: p * reps.count)
        for _ in 0..<cells {
            for (r, x) in reps.enumerated() {
                for j in 0..<p { row[r * p + j] = axes[j][index[j]] }
                row[r * p + f] = x
            }
            let margins = m.margins(RawFeatures(rows: reps.count, columns: p, values: row))
            for k in 1..<max(1, margins.count) where (margins[k] - margins[k - 1]) * Double(direction) < 0 {
                let specs = m.features
                func text(_ j: Int, _ x: Double) -> String { x.isNaN ? "" : specs[j].kind == .numeric ? "\(x)" : specs[j].categories[Int(x)] }
                var r0 = (0..<p).map { text($0, row[(k - 1) * p + $0]) }, r1 = r0
                r1[f] = text(f, reps[k])
                r0[f] = text(f, reps[k - 1])
                let cx = try scored(AnyModel.gbdt(m), specs.map(\.name), specs.map { $0.kind == .numeric }, [r0, r1]) { try m.margins($0) }
                return (cells, cx)
            }
            // Next cell (odometer).
            var j = 0
            while j < p {
                index[j] += 1
                if index[j] < axes[j].count { break }
                index[j] = 0
                j += 1
            }
        }
        return (cells, nil)
    }

    // MARK: Helpers

    static func constant(_ feature: String, _ direction: Int, _ why: String) -> Report {
        Report(verdict: .proven, feature: feature, direction: direction, method: why, pointsChecked: 0, nonMonotoneTrees: [], counterexample: nil)
    }

    /// Scores the two rows through the model's ordinary scoring path.
    static func scored(_ model: AnyModel, _ names: [String], _ numeric: [Bool], _ rows: [[String]],
                       margin: ((Frame) throws -> [Double])?) throws -> Counterexample {
        let draft = Counterexample(columns: names, numeric: numeric, rows: rows, margins: [], pds: [])
        let frame = try draft.frame()
        let pds = try model.scorer.predictPD(frame)
        let margins = try margin?(frame) ?? pds.map { log($0) - log1p(-$0) }
        return Counterexample(columns: names, numeric: numeric, rows: rows, margins: margins, pds: pds)
    }

    static func scored(_ model: AnyModel, _ names: [String], _ numeric: [Bool], _ rows: [[String]],
                       _ margin: @escaping (Frame) throws -> [Double]) throws -> Counterexample {
        try scored(model, names, numeric, rows, margin: margin)
    }
}
