import Foundation
import ObligorBoosting
import ObligorData
import ObligorModels
import ObligorNumerics

/// Options for ``RecourseVerifier``.
public struct RecourseOptions: Sendable {
    /// Approve when PD < threshold (or, with ``approveAbove``, when the model's probability > threshold).
    public var threshold: Double = 0.5
    /// For a model whose probability is of the favourable outcome (reachml's German models predict
    /// "good"): approve when it is above the threshold.
    public var approveAbove = false
    /// Most candidate evaluations per row before the verifier abstains.
    public var budget = 2_000_000
    /// Explain fixed predictions (best score, blocking features and groups, smallest relaxation).
    public var explain = true
    /// Explain at most this many fixed rows (the first ones).
    public var explainLimit = 200

    public init(threshold: Double = 0.5, approveAbove: Bool = false, budget: Int = 2_000_000, explain: Bool = true, explainLimit: Int = 200) {
        self.threshold = threshold
        self.approveAbove = approveAbove
        self.budget = budget
        self.explain = explain
        self.explainLimit = explainLimit
    }
}

/// The verdict for one row.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    /// The model already approves the row.
    case approved
    /// A feasible action reaches approval; a witness is given.
    case recourse
    /// Certified: no point of the (complete) reachable set is approved. A fixed prediction.
    case noRecourse = "no_recourse"
    /// The budget ran out, or the model could not be searched exactly, before either answer.
    case abstain
}

/// One feature's change in a witness action.
public struct FeatureChange: Codable, Sendable, Equatable {
    public let feature: String
    public let from: Double
    public let to: Double
}

/// One row's outcome.
public struct RowResult: Codable, Sendable {
    /// 0-based row of the data.
    public let row: Int
    public let verdict: Verdict
    /// The model's probability at the row (PD, or the favourable probability with `approveAbove`).
    public let probability: Double
    /// The best reachable probability: exact for `no_recourse`, the witness's for `recourse`.
    public let bestProbability: Double?
    /// The witness action (changed features only), for `recourse`.
    public let witness: [FeatureChange]?
    /// Σ|a| of the witness's own actions (reachml's L1 objective).
    public let cost: Double?
    /// |R(x)|: distinct reachable points, x included (∞ with a continuous interval).
    public let reachableSize: Double
    /// Size of each actionable part's set, in partition order.
    public let partSizes: [Double]
    /// Candidate points or bounds evaluated.
    public let evaluated: Int
    /// Why a row abstained.
    public let note: String?
    /// For fixed predictions: why.
    public var explanation: FixedExplanation?

    enum CodingKeys: String, CodingKey {
        case row, verdict, probability, witness, cost, evaluated, note, explanation
        case bestProbability = "best_probability", reachableSize = "reachable_size", partSizes = "part_sizes"
    }
}

/// The outcome of verifying a dataset.
public struct RecourseSummary: Sendable {
    public let rows: [RowResult]
    /// "linear", "tree" or "generic".
    public let method: String
    public let threshold: Double
    /// Whether approval is probability > threshold (else PD < threshold).
    public let approveAbove: Bool
    /// Distinct per-part enumerations performed (sets shared by rows count once).
    public let enumerations: Int
    public let seconds: Double

    /// Rows per verdict.
    public var counts: [Verdict: Int] {
        var c: [Verdict: Int] = [:]
        for v in Verdict.allCases { c[v] = 0 }
        for r in rows { c[r.verdict, default: 0] += 1 }
        return c
    }
}

/// Recourse verification: for each denied row, proves whether some feasible action reaches approval.
///
/// Linear, logistic and scorecard models are verified exactly by each part's best contribution;
/// tree ensembles (trained here or imported from XGBoost/LightGBM) by branch and bound over parts
/// with model-aware bounds, continuous features cut at the model's split thresholds; any other
/// ``Scorer`` by exhaustive search with early exit, within a budget. See the module README.
public struct RecourseVerifier: Sendable {
    public let space: BoundActionSet
    public let options: RecourseOptions
    let adapter: any ModelAdapter
    let frame: Frame
    let x: [Double]
    let model: any Scorer
    /// The model's input names (immutable blockers and unlock relaxations are drawn from them).
    let modelNames: [String]

    /// Prepares verification of `model` on `frame` under `space` (which must be bound to the same frame).
    public init(space: BoundActionSet, model: any Scorer, frame: Frame, options: RecourseOptions = RecourseOptions()) throws(RecourseError) {
        guard options.threshold > 0 && options.threshold < 1 else { throw .model("the threshold must be in (0, 1), found \(options.threshold)") }
        self.space = space
        self.options = options
        self.frame = frame
        self.model = model
        modelNames = model.featureNames
        x = try space.matrix(frame)
        let a = try Self.adapter(model: model, frame: frame, options: options)
        // Features that change must be numeric inputs of the model (or unused by it).
        for part in space.parts {
            for j in part.features {
                let name = space.features[j].name
                if model.featureNames.contains(name) && a.modelIndex(name) == nil && a.method != "generic" {
                    throw .unsupported("feature '\(name)' can change, but the model reads it as categorical; recourse needs numeric inputs for changing features")
                }
            }
        }
        adapter = a
    }

    static func adapter(model: any Scorer, frame: Frame, options o: RecourseOptions) throws(RecourseError) -> any ModelAdapter {
        if let m = model as? LogisticModel { return try AdditiveAdapter(logistic: m, frame: frame, threshold: o.threshold, approveAbove: o.approveAbove) }
        if let m = model as? ScorecardModel { return try AdditiveAdapter(scorecard: m, frame: frame, threshold: o.threshold, approveAbove: o.approveAbove) }
        if let m = model as? GBDTModel { return try TreeAdapter(model: m, frame: frame, threshold: o.threshold, approveAbove: o.approveAbove) }
        return try GenericAdapter(scorer: model, frame: frame, threshold: o.threshold, approveAbove: o.approveAbove)
    }

    /// "linear", "tree" or "generic".
    public var method: String { adapter.method }

    /// The candidates of one part at row `i`.
    func candidates(part p: Int, reach: PartReach, row i: Int) -> Candidates {
        let feats = space.parts[p].features
        let models = feats.map { adapter.modelIndex(space.features[$0].name) }
        switch reach {
        case let .finite(_, points, costs):
            return Candidates(part: p, features: feats, modelFeatures: models, points: points, costs: costs, exact: true)
        case let .interval(lo, hi, integral):
            let x0 = x[i * space.features.count + feats[0]]
            let (values, exact) = adapter.intervalCandidates(model: models[0], lo: lo, hi: hi, integral: integral)
            var pts = [x0]
            for v in values where v != x0 && v >= lo && v <= hi && (!integral || v == v.rounded()) { pts.append(v) }
            return Candidates(part: p, features: feats, modelFeatures: models, points: pts, costs: pts.map { abs($0 - x0) }, exact: exact)
        }
    }

    /// Verifies `rows` (all rows when nil), sharing part sets through `cache`.
    public func verify(rows: [Int]? = nil, cache: inout ReachableSetCache) throws(RecourseError) -> RecourseSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        let rowList = rows ?? Array(0..<frame.rowCount)
        let d = space.features.count
        let tau = adapter.tau
        let before = cache.enumerations
        // Phase 1 (serial): per-part reachable sets of denied rows, shared through the cache.
        var reaches: [[PartReach]] = []
        var denied: [Int] = []
        for i in rowList where !(adapter.baseLoss(i) < tau) {
            denied.append(i)
            let rs: [PartReach] = x.withUnsafeBufferPointer { xp in
                let row = UnsafeBufferPointer(rebasing: xp[(i * d)..<((i + 1) * d)])
                return space.parts.indices.map { cache.reach(space, part: $0, x: row) }
            }
            reaches.append(rs)
        }
        // Phase 2 (parallel): search each denied row.
        let ranges = Parallel.chunks(count: denied.count, size: 16)
        let found: [SearchResult] = Parallel.map(ranges.count) { k in
            ranges[k].map { r in
                let i = denied[r]
                let cands = reaches[r].enumerated().map { candidates(part: $0.offset, reach: $0.element, row: i) }
                return adapter.search(row: i, parts: cands, tau: tau, budget: options.budget)
            }
        }.flatMap { $0 }
        var byRow: [Int: (SearchResult, [PartReach])] = [:]
        for (r, i) in denied.enumerated() { byRow[i] = (found[r], reaches[r]) }
        // Phase 3: verdicts, witnesses checked by the model's own scoring, explanations.
        var results: [RowResult] = []
        var explained = 0
        for i in rowList {
            let base = adapter.baseLoss(i)
            guard let (s, rs) = byRow[i] else {
                results.append(RowResult(row: i, verdict: .approved, probability: adapter.probability(loss: base), bestProbability: nil, witness: nil,
                                         cost: nil, reachableSize: .nan, partSizes: [], evaluated: 0, note: nil, explanation: nil))
                continue
            }
            let sizes = rs.map(\.size)
            let cands = rs.enumerated().map { candidates(part: $0.offset, reach: $0.element, row: i) }
            var verdict: Verdict, note: String? = nil, witness: [FeatureChange]? = nil, cost: Double? = nil
            if s.found {
                let changes = self.changes(row: i, cands: cands, choice: s.choice)
                let check = try witnessLoss(row: i, changes: changes)
                if check < tau {
                    verdict = .recourse
                    witness = changes
                    cost = zip(cands, s.choice).reduce(0) { $0 + $1.0.costs[$1.1] }
                } else {
                    verdict = .abstain
                    note = "the witness found lies on the decision boundary within rounding (loss \(check) vs threshold \(tau))"
                }
            } else if s.complete {
                verdict = .noRecourse
            } else {
                verdict = .abstain
                note = s.evaluated >= options.budget ? "search budget of \(options.budget) evaluations spent" :
                    "the model cannot be searched exactly over a continuous feature (only the interval ends were tried)"
            }
            var result = RowResult(row: i, verdict: verdict, probability: adapter.probability(loss: base),
                                   bestProbability: adapter.probability(loss: s.bestLoss), witness: witness, cost: cost,
                                   reachableSize: sizes.reduce(1, *), partSizes: sizes, evaluated: s.evaluated, note: note, explanation: nil)
            if verdict == .noRecourse && options.explain && explained < options.explainLimit {
                result.explanation = explain(row: i, cands: cands, search: s)
                explained += 1
            }
            results.append(result)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return RecourseSummary(rows: results, method: adapter.method, threshold: options.threshold,
                               approveAbove: options.approveAbove, enumerations: cache.enumerations - before, seconds: seconds)
    }

    init(unchecked space: BoundActionSet, options: RecourseOptions, adapter: any ModelAdapter, frame: Frame, x: [Double],
         model: any Scorer, modelNames: [String]) {
        self.space = space
        self.options = options
        self.adapter = adapter
        self.frame = frame
        self.x = x
        self.model = model
        self.modelNames = modelNames
    }

    func changes(row i: Int, cands: [Candidates], choice: [Int]) -> [FeatureChange] {
        var out: [FeatureChange] = []
        for (c, k) in zip(cands, choice) {
            for (q, j) in c.features.enumerated() {
                let from = c.points[q], to = c.points[k * c.width + q]
                if from != to { out.append(FeatureChange(feature: space.features[j].name, from: from, to: to)) }
            }
        }
        return out
    }

    /// The model's own loss at the row with `changes` applied (a one-row frame).
    func witnessLoss(row i: Int, changes: [FeatureChange]) throws(RecourseError) -> Double {
        var f = frame.selectingRows([i])
        for ch in changes {
            guard let col = f[ch.feature] else { continue }
            let c: Column = col.type == .int && ch.to == ch.to.rounded()
                ? Column(name: ch.feature, values: .int([Int(ch.to)])) : Column(name: ch.feature, values: .double([ch.to]))
            do { try f.replace(c) } catch { throw .model("\(error)") }
        }
        do { return try adapter.exactLoss(f) } catch { throw .model("\(error)") }
    }
}
