import Foundation
import ObligorBoosting
import ObligorData
import ObligorModels
import ObligorNumerics

/// One part's candidate points for one row, in model coordinates.
struct Candidates: Sendable {
    /// Part index in the bound action set.
    let part: Int
    /// Action-set feature indices of the part.
    let features: [Int]
    /// Model feature index of each part feature (nil when the model does not read it).
    let modelFeatures: [Int?]
    /// Points, row-major; point 0 is the row itself.
    let points: [Double]
    let costs: [Double]
    /// False when the list only samples an interval the model can distinguish inside.
    let exact: Bool
    var width: Int { features.count }
    var count: Int { costs.count }
}

/// The outcome of searching one row's reachable set.
struct SearchResult: Sendable {
    var found: Bool
    /// Chosen point per part (index into its candidates) of the best point found.
    var choice: [Int]
    /// Loss of that point (approve iff loss < τ).
    var bestLoss: Double
    /// True when the search covered the whole set exactly (a "no" is a certificate).
    var complete: Bool
    var evaluated: Int
}

/// What the verifier needs from a model: losses (approve iff loss < τ), candidate cuts for
/// intervals, and a search over the product of parts that never materialises it.
protocol ModelAdapter: Sendable {
    /// Model feature index of an action-set feature name.
    func modelIndex(_ name: String) -> Int?
    /// The name of a model feature.
    func modelName(_ m: Int) -> String
    /// Candidate values that represent every value in [lo, hi] the model can distinguish.
    func intervalCandidates(model m: Int?, lo: Double, hi: Double, integral: Bool) -> (values: [Double], exact: Bool)
    func baseLoss(_ row: Int) -> Double
    func search(row: Int, parts: [Candidates], tau: Double, budget: Int) -> SearchResult
    /// Loss of the row with some model features changed.
    func loss(row: Int, changes: [(Int, Double)]) -> Double
    /// The model's own loss on a one-row frame (checks a witness with the model's scoring code).
    func exactLoss(_ frame: Frame) throws -> Double
    /// Loss → the model's probability (PD, or the favourable probability when approving above).
    func probability(loss: Double) -> Double
    /// The decision threshold in loss units.
    var tau: Double { get }
    /// "linear", "tree" or "generic".
    var method: String { get }
}

extension ModelAdapter {
    func mixedCandidates(_ c: [Double], lo: Double, hi: Double) -> [Double] {
        var out = Set<Double>([lo, hi])
        for v in c where v >= lo && v <= hi { out.insert(v) }
        return out.sorted()
    }
}

// MARK: - Additive models (logistic, scorecard)

/// Logistic and scorecard models: loss = s · η with η additive over features, so the best point is
/// the sum of each part's best change (O(Σ|R_part|), exact).
struct AdditiveAdapter: ModelAdapter {
    enum Term: Sendable {
        /// β·v (β_ind for the missing indicator); special values take the fill.
        case linear(beta: Double, indicatorBeta: Double, specials: [Double], fill: Double?)
        /// coefficient · WoE(bin(v)); bins are (-∞, e1), [e1, e2), …; specials go to the missing bin.
        case binned(coefficient: Double, edges: [Double], woe: [Double], specials: [Double], missingWoe: Double)
        case unsupported
    }
    let names: [String]
    let terms: [Term]
    let base: [Double]
    let sign: Double
    let tau: Double
    let scorecard: ScorecardModel?
    let logistic: LogisticModel?
    /// Each model feature's values in the data (NaN where missing or not numeric).
    let columnValues: [[Double]]
    var method: String { "linear" }

    init(logistic m: LogisticModel, frame: Frame, threshold: Double, approveAbove: Bool) throws(RecourseError) {
        var names: [String] = [], terms: [Term] = []
        var col = 1
        for f in m.encoder.features {
            names.append(f.name)
            switch f.kind {
            case .numeric:
                terms.append(.linear(beta: m.fit.coefficients[col], indicatorBeta: f.missingIndicator ? m.fit.coefficients[col + 1] : 0,
                                     specials: f.specialValues, fill: f.fill))
            case .categorical:
                terms.append(.unsupported)
            }
            col += f.designNames.count
        }
        self.names = names
        self.terms = terms
        columnValues = names.map { frame[$0]?.doubles(missingAs: .nan) ?? Array(repeating: .nan, count: frame.rowCount) }
        let sign: Double = approveAbove ? -1 : 1
        self.sign = sign
        tau = sign * Special.logit(threshold)
        do { base = try m.linearPredictor(frame).map { sign * $0 } } catch { throw .model("\(error)") }
        scorecard = nil
        logistic = m
    }

    init(scorecard m: ScorecardModel, frame: Frame, threshold: Double, approveAbove: Bool) throws(RecourseError) {
        names = m.characteristics.map(\.name)
        columnValues = names.map { frame[$0]?.doubles(missingAs: .nan) ?? Array(repeating: .nan, count: frame.rowCount) }
        terms = m.characteristics.map { c in
            guard c.kind == .numeric else { return .unsupported }
            return .binned(coefficient: c.coefficient, edges: c.edges, woe: c.bins.map(\.woe), specials: c.specialValues,
                           missingWoe: c.missingBin.map { c.bins[$0].woe } ?? 0)
        }
        let sign: Double = approveAbove ? -1 : 1
        self.sign = sign
        tau = sign * Special.logit(threshold)
        var eta = [Double](repeating: m.intercept, count: frame.rowCount)
        for c in m.characteristics {
            let woe = try Self.scorecardWoE(c, frame: frame)
            for i in eta.indices { eta[i] += c.coefficient * woe[i] }
        }
        base = eta.map { sign * $0 }
        scorecard = m
        logistic = nil
    }

    /// WoE of every row for one characteristic, from the model's public bins (numeric and categorical).
    static func scorecardWoE(_ c: ScorecardModel.Characteristic, frame: Frame) throws(RecourseError) -> [Double] {
        guard let col = frame[c.name] else { throw .model("the data has no column '\(c.name)', which the scorecard needs") }
        let missing = c.missingBin.map { c.bins[$0].woe } ?? 0
        switch c.kind {
        case .numeric:
            guard col.isNumeric else { throw .model("column '\(c.name)' is \(col.type.rawValue), the scorecard expects numbers") }
            return (0..<col.count).map { i in
                guard let v = col.numericValue(at: i), !c.specialValues.contains(v) else { return missing }
                return c.bins[binIndex(v, c.edges)].woe
            }
        case .categorical:
            guard case let .categorical(codes, levels) = col.values else {
                throw .model("column '\(c.name)' is \(col.type.rawValue), the scorecard expects categories")
            }
            var byLevel: [String: Int] = [:]
            for (k, b) in c.bins.enumerated() { for l in b.levels ?? [] { byLevel[l] = k } }
            let other = c.otherBin.map { c.bins[$0].woe } ?? 0
            let map = levels.map { byLevel[$0].map { c.bins[$0].woe } ?? other }
            return codes.map { $0 < 0 ? missing : map[Int($0)] }
        }
    }

    static func binIndex(_ x: Double, _ edges: [Double]) -> Int {
        var lo = 0, hi = edges.count
        while lo < hi { let mid = (lo + hi) >> 1; if edges[mid] <= x { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    func modelIndex(_ name: String) -> Int? { names.firstIndex(of: name) }
    func modelName(_ m: Int) -> String { names[m] }
    func baseLoss(_ row: Int) -> Double { base[row] }
    func probability(loss: Double) -> Double { Special.sigmoid(sign * loss) }

    /// The term's contribution to η at value v (+∞ loss when the model would reject the value).
    func term(_ m: Int, _ v: Double) -> Double {
        switch terms[m] {
        case let .linear(beta, ib, specials, fill):
            if v.isNaN || specials.contains(v) { guard let fill else { return sign * .infinity }; return beta * fill + ib }
            return beta * v
        case let .binned(coef, edges, woe, specials, missingWoe):
            if v.isNaN || specials.contains(v) { return coef * missingWoe }
            return coef * woe[Self.binIndex(v, edges)]
        case .unsupported:
            return .nan
        }
    }

    func intervalCandidates(model m: Int?, lo: Double, hi: Double, integral: Bool) -> (values: [Double], exact: Bool) {
        guard let m else { return ([lo, hi], true) }
        switch terms[m] {
        case let .linear(_, _, specials, _):
            return (mixedCandidates(specials.filter { !integral || $0 == $0.rounded() }, lo: lo, hi: hi), true)
        case let .binned(_, edges, _, specials, _):
            let cuts = edges.map { integral ? $0.rounded(.up) : $0 } + specials.filter { !integral || $0 == $0.rounded() }
            return (mixedCandidates(cuts, lo: lo, hi: hi), true)
        case .unsupported:
            return ([lo, hi], false)
        }
    }

    /// Loss change of one part's point relative to the row.
    func delta(_ c: Candidates, point k: Int, x: [Double]) -> Double {
        var d = 0.0
        for (q, m) in c.modelFeatures.enumerated() {
            guard let m else { continue }
            let v = c.points[k * c.width + q], v0 = c.points[q]
            if v != v0 { d += sign * (term(m, v) - term(m, v0)) }
        }
        return d
    }

    func search(row: Int, parts: [Candidates], tau: Double, budget: Int) -> SearchResult {
        var total = base[row]
        var choice: [Int] = []
        var evaluated = 0
        var complete = true
        for c in parts {
            var best = 0.0, arg = 0
            for k in 1..<max(1, c.count) {
                let d = delta(c, point: k, x: [])
                if d.isNaN { complete = false; continue }
                if d < best { best = d; arg = k }
            }
            evaluated += c.count
            if !c.exact { complete = false }
            total += best
            choice.append(arg)
        }
        return SearchResult(found: total < tau, choice: choice, bestLoss: total, complete: complete, evaluated: evaluated)
    }

    func loss(row: Int, changes: [(Int, Double)]) -> Double {
        var l = base[row]
        for (m, v) in changes { l += sign * (term(m, v) - originalTerm(row: row, m)) }
        return l
    }

    func originalTerm(row: Int, _ m: Int) -> Double { term(m, columnValues[m][row]) }

    func exactLoss(_ frame: Frame) throws -> Double {
        if let logistic { return sign * (try logistic.linearPredictor(frame))[0] }
        let m = scorecard!
        var eta = m.intercept
        for c in m.characteristics { eta += c.coefficient * (try Self.scorecardWoE(c, frame: frame))[0] }
        return sign * eta
    }
}

// MARK: - Tree ensembles

/// Tree ensembles: branch and bound over parts. With some parts fixed, each tree's smallest reachable
/// leaf (following fixed features, and both sides where a free feature's candidate range straddles
/// the split) bounds the loss from below; a branch is cut when its bound cannot beat the best point
/// found, and the search stops at the first point below the threshold.
struct TreeAdapter: ModelAdapter {
    let model: GBDTModel
    let raw: RawFeatures
    let sign: Double
    let tau: Double
    /// Per model feature, the sorted split thresholds (candidate cuts).
    let thresholds: [[Double]]
    /// Per tree, the model features it splits on.
    let treeFeatures: [Set<Int>]
    /// Per model feature, the trees that split on it (ascending).
    let treesByFeature: [[Int]]
    /// The forest flattened (global node and leaf indices), so searching never copies a tree.
    let roots: [Int]
    let nodeFeature: [Int]
    let nodeThreshold: [Double]
    let nodeStrict: [Bool]
    let nodeDefaultLeft: [Bool]
    let nodeCategories: [[Int]?]
    let nodeLeft: [Int]
    let nodeRight: [Int]
    /// sign · leaf value.
    let leafLoss: [Double]
    let maxNodes: Int
    /// Per model feature: whether some split on it is `v < t` (XGBoost) / `v ≤ t` (LightGBM, Obligor).
    let strictSplits: [Bool]
    let looseSplits: [Bool]
    var method: String { "tree" }

    init(model: GBDTModel, frame: Frame, threshold: Double, approveAbove: Bool) throws(RecourseError) {
        self.model = model
        do { raw = try RawFeatures.from(frame, specs: model.features) } catch { throw .model("\(error)") }
        sign = approveAbove ? -1 : 1
        tau = sign * Special.logit(threshold)
        var th = [Set<Double>](repeating: [], count: model.features.count)
        var strict = [Bool](repeating: false, count: model.features.count), loose = strict
        var tf: [Set<Int>] = []
        for t in model.trees {
            var s = Set<Int>()
            for (k, f) in t.splitFeature.enumerated() {
                s.insert(f)
                if t.categoriesLeft[k] == nil {
                    th[f].insert(t.threshold[k])
                    if t.strictLess[k] { strict[f] = true } else { loose[f] = true }
                }
            }
            tf.append(s)
        }
        thresholds = th.map { $0.sorted() }
        strictSplits = strict
        looseSplits = loose
        treeFeatures = tf
        var byFeature = [[Int]](repeating: [], count: model.features.count)
        for (t, fs) in tf.enumerated() { for f in fs { byFeature[f].append(t) } }
        treesByFeature = byFeature
        var roots: [Int] = [], nf: [Int] = [], nt: [Double] = [], ns: [Bool] = [], nd: [Bool] = [], nc: [[Int]?] = []
        var nl: [Int] = [], nr: [Int] = [], leaves: [Double] = []
        let sgn: Double = approveAbove ? -1 : 1
        for t in model.trees {
            let n0 = nf.count, l0 = leaves.count
            func global(_ c: Int) -> Int { c >= 0 ? c + n0 : ~(~c + l0) }
            roots.append(t.nodeCount == 0 ? ~l0 : n0)
            nf += t.splitFeature; nt += t.threshold; ns += t.strictLess; nd += t.defaultLeft; nc += t.categoriesLeft
            nl += t.left.map(global); nr += t.right.map(global)
            leaves += t.leafValue.map { sgn * $0 }
        }
        self.roots = roots
        nodeFeature = nf; nodeThreshold = nt; nodeStrict = ns; nodeDefaultLeft = nd; nodeCategories = nc
        nodeLeft = nl; nodeRight = nr; leafLoss = leaves
        maxNodes = model.trees.map(\.nodeCount).max() ?? 0
    }

    func modelIndex(_ name: String) -> Int? { model.features.firstIndex { $0.name == name && $0.kind == .numeric } }
    func modelName(_ m: Int) -> String { model.features[m].name }
    func probability(loss: Double) -> Double { Special.sigmoid(sign * loss) }

    func baseLoss(_ row: Int) -> Double {
        let x = Array(raw.values[(row * raw.columns)..<((row + 1) * raw.columns)])
        return fullLoss(x)
    }

    func fullLoss(_ x: [Double]) -> Double {
        var l = sign * model.baseScore
        for root in roots {
            var node = root
            while node >= 0 { node = goesLeft(node, x[nodeFeature[node]]) ? nodeLeft[node] : nodeRight[node] }
            l += leafLoss[~node]
        }
        return l
    }

    func intervalCandidates(model m: Int?, lo: Double, hi: Double, integral: Bool) -> (values: [Double], exact: Bool) {
        guard let m else { return ([lo, hi], true) }
        // Cells between consecutive thresholds: with `v < t` splits a cell is [t_i, t_i+1), represented by
        // its smallest value t_i (or lo); with `v ≤ t` splits it is (t_i, t_i+1], represented by t_i+1 (or hi).
        // Integers: the smallest integer ≥ t_i, or the largest ≤ t_i+1.
        var cuts: [Double] = []
        for t in thresholds[m] {
            if strictSplits[m] { cuts.append(integral ? t.rounded(.up) : t) }
            if looseSplits[m] { cuts.append(integral ? t.rounded(.down) : t) }
            // Both kinds on one feature: cells can be open at both ends, so take the neighbours too.
            if strictSplits[m] && looseSplits[m] { cuts += integral ? [t.rounded(.down) + 1, t.rounded(.up) - 1] : [t.nextUp, t.nextDown] }
        }
        return (mixedCandidates(cuts, lo: lo, hi: hi), true)
    }

    func loss(row: Int, changes: [(Int, Double)]) -> Double {
        var x = Array(raw.values[(row * raw.columns)..<((row + 1) * raw.columns)])
        for (m, v) in changes { x[m] = v }
        return fullLoss(x)
    }

    func exactLoss(_ frame: Frame) throws -> Double { sign * (try model.margins(frame))[0] }

    @inline(__always)
    func goesLeft(_ node: Int, _ v: Double) -> Bool {
        if v.isNaN { return nodeDefaultLeft[node] }
        if let cats = nodeCategories[node] { return cats.contains(Int(v)) }
        return nodeStrict[node] ? v < nodeThreshold[node] : v <= nodeThreshold[node]
    }

    /// Smallest sign·leaf reachable in tree `t` when free features range over [lo, hi]: an iterative
    /// depth-first walk (`stack` is scratch space with room for every node of the largest tree).
    func treeBound(_ t: Int, x: [Double], free: [Bool], lo: [Double], hi: [Double], stack: inout [Int]) -> Double {
        let root = roots[t]
        if root < 0 { return leafLoss[~root] }
        var best = Double.infinity
        stack[0] = root
        var top = 1
        while top > 0 {
            top -= 1
            let node = stack[top]
            if node < 0 { best = min(best, leafLoss[~node]); continue }
            let f = nodeFeature[node]
            if free[f] {
                if goesLeft(node, lo[f]) { stack[top] = nodeLeft[node]; top += 1 }
                if !goesLeft(node, hi[f]) { stack[top] = nodeRight[node]; top += 1 }
            } else {
                stack[top] = goesLeft(node, x[f]) ? nodeLeft[node] : nodeRight[node]
                top += 1
            }
        }
        return best
    }

    func search(row: Int, parts: [Candidates], tau: Double, budget: Int) -> SearchResult {
        let p = raw.columns
        var x = Array(raw.values[(row * p)..<((row + 1) * p)])
        var free = [Bool](repeating: false, count: p)
        var lo = x, hi = x
        for c in parts {
            for (q, m) in c.modelFeatures.enumerated() {
                guard let m else { continue }
                free[m] = true
                var a = Double.infinity, b = -Double.infinity
                for k in 0..<c.count { a = min(a, c.points[k * c.width + q]); b = max(b, c.points[k * c.width + q]) }
                lo[m] = a; hi[m] = b
            }
        }
        let trees = roots
        var stack = [Int](repeating: 0, count: maxNodes * 2 + 2)
        var bound = trees.indices.map { treeBound($0, x: x, free: free, lo: lo, hi: hi, stack: &stack) }
        // Trees touching each part.
        let touching: [[Int]] = parts.map { c in
            let ms = c.modelFeatures.compactMap { $0 }
            if ms.count == 1 { return treesByFeature[ms[0]] }
            return Array(Set(ms.flatMap { treesByFeature[$0] })).sorted()
        }
        let fixedBase = sign * model.baseScore
        var best = fullLossOf(x: x)
        var bestChoice = [Int](repeating: 0, count: parts.count)
        var choice = bestChoice
        var evaluated = 1
        var exhausted = false
        var complete = parts.allSatisfy(\.exact)
        func total() -> Double { bound.reduce(fixedBase, +) }
        func rec(_ d: Int) {
            if best < tau || exhausted { return }
            if d == parts.count {
                let l = total()   // all fixed: bounds are exact leaf values
                if l < best { best = l; bestChoice = choice }
                return
            }
            let c = parts[d]
            let saved = touching[d].map { bound[$0] }
            var options: [(Double, Int)] = []
            options.reserveCapacity(c.count)
            for k in 0..<c.count {
                for (q, m) in c.modelFeatures.enumerated() { if let m { x[m] = c.points[k * c.width + q]; free[m] = false } }
                for t in touching[d] { bound[t] = treeBound(t, x: x, free: free, lo: lo, hi: hi, stack: &stack) }
                options.append((total(), k))
                evaluated += 1
            }
            if evaluated > budget { exhausted = true }
            options.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            for (b, k) in options {
                if b >= best || best < tau || exhausted { break }
                for (q, m) in c.modelFeatures.enumerated() { if let m { x[m] = c.points[k * c.width + q]; free[m] = false } }
                for t in touching[d] { bound[t] = treeBound(t, x: x, free: free, lo: lo, hi: hi, stack: &stack) }
                choice[d] = k
                rec(d + 1)
            }
            for (q, m) in c.modelFeatures.enumerated() { if let m { x[m] = c.points[q]; free[m] = true } }
            for (i, t) in touching[d].enumerated() { bound[t] = saved[i] }
            choice[d] = 0
        }
        rec(0)
        if exhausted && !(best < tau) { complete = false }
        return SearchResult(found: best < tau, choice: bestChoice, bestLoss: best, complete: complete, evaluated: evaluated)
    }

    func fullLossOf(x: [Double]) -> Double { fullLoss(x) }
}

// MARK: - Any other scorer

/// Any other ``Scorer``: the product of the parts' candidates, scored in batches, stopping at the
/// first approval or when the budget is spent. Exact for discrete parts only.
struct GenericAdapter: ModelAdapter {
    let scorer: any Scorer
    let frame: Frame
    let columns: [String]
    let base: [Double]
    let sign: Double
    let tau: Double
    var method: String { "generic" }

    init(scorer: any Scorer, frame: Frame, threshold: Double, approveAbove: Bool) throws(RecourseError) {
        self.scorer = scorer
        self.frame = frame
        columns = frame.columnNames
        let sign: Double = approveAbove ? -1 : 1
        self.sign = sign
        tau = sign * threshold
        do { base = try scorer.predictPD(frame).map { sign * $0 } } catch { throw .model("\(error)") }
    }

    func modelIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }
    func modelName(_ m: Int) -> String { columns[m] }
    func baseLoss(_ row: Int) -> Double { base[row] }
    func probability(loss: Double) -> Double { sign * loss }
    func intervalCandidates(model m: Int?, lo: Double, hi: Double, integral: Bool) -> (values: [Double], exact: Bool) {
        ([lo, hi], lo == hi || m == nil)
    }

    /// Scores copies of `row` with the given changes (one change list per copy).
    func losses(row: Int, _ variants: [[(Int, Double)]]) -> [Double] {
        var f = frame.selectingRows(Array(repeating: row, count: variants.count))
        var touched = Set<Int>()
        for v in variants { for (m, _) in v { touched.insert(m) } }
        for m in touched.sorted() {
            let col = frame[columns[m]]!
            let original = col.numericValue(at: row) ?? .nan
            let values = variants.map { v in v.last(where: { $0.0 == m })?.1 ?? original }
            let newCol: Column
            if col.type == .int, values.allSatisfy({ $0 == $0.rounded() && $0.isFinite }) {
                newCol = Column(name: col.name, values: .int(values.map { Int($0) }))
            } else {
                newCol = Column(name: col.name, values: .double(values))
            }
            try? f.replace(newCol)
        }
        guard let pd = try? scorer.predictPD(f) else { return Array(repeating: .infinity, count: variants.count) }
        return pd.map { sign * $0 }
    }

    func loss(row: Int, changes: [(Int, Double)]) -> Double { losses(row: row, [changes])[0] }
    func exactLoss(_ frame: Frame) throws -> Double { sign * (try scorer.predictPD(frame))[0] }

    func search(row: Int, parts: [Candidates], tau: Double, budget: Int) -> SearchResult {
        var best = base[row], bestChoice = [Int](repeating: 0, count: parts.count)
        var counter = [Int](repeating: 0, count: parts.count)
        var evaluated = 0
        var done = parts.isEmpty
        var complete = parts.allSatisfy(\.exact)
        while !done && !(best < tau) {
            var batch: [[(Int, Double)]] = [], choices: [[Int]] = []
            while batch.count < 512 && !done {
                var v: [(Int, Double)] = []
                for (d, c) in parts.enumerated() {
                    for (q, m) in c.modelFeatures.enumerated() { if let m { v.append((m, c.points[counter[d] * c.width + q])) } }
                }
                batch.append(v)
                choices.append(counter)
                var d = parts.count - 1
                while d >= 0 { counter[d] += 1; if counter[d] < parts[d].count { break }; counter[d] = 0; d -= 1 }
                if d < 0 { done = true }
            }
            let l = losses(row: row, batch)
            evaluated += l.count
            for (k, v) in l.enumerated() where v < best { best = v; bestChoice = choices[k] }
            if evaluated >= budget && !done { complete = false; break }
        }
        return SearchResult(found: best < tau, choice: bestChoice, bestLoss: best, complete: complete, evaluated: evaluated)
    }
}
