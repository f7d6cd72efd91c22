import Foundation
import ObligorData
import ObligorMetrics
import ObligorNumerics

/// Per-row first and second derivatives of a loss with respect to the margin (log-odds).
public protocol BoostingObjective {
    /// The constant starting margin.
    func initialScore(labels: [Double]) -> Double
    /// Writes gᵢ = ∂ℓ/∂Fᵢ and hᵢ = ∂²ℓ/∂Fᵢ² at margins `scores`.
    func gradients(scores: [Double], labels: [Double], gradients: inout [Double], hessians: inout [Double])
}

/// Binary log-loss ℓ = −y ln p − (1 − y) ln(1 − p), p = σ(F): g = p − y, h = p(1 − p).
public struct BinaryLogLoss: BoostingObjective, Sendable {
    public init() {}
    public func initialScore(labels: [Double]) -> Double {
        let mean = labels.reduce(0, +) / Double(max(1, labels.count))
        return mean > 0 && mean < 1 ? log(mean / (1 - mean)) : 0
    }
    public func gradients(scores: [Double], labels: [Double], gradients g: inout [Double], hessians h: inout [Double]) {
        let ranges = Parallel.chunks(count: scores.count, size: 65_536)
        g.withUnsafeMutableBufferPointer { gp in
            h.withUnsafeMutableBufferPointer { hp in
                nonisolated(unsafe) let gp = gp
                nonisolated(unsafe) let hp = hp
                _ = Parallel.map(ranges.count) { k in
                    for i in ranges[k] {
                        let p = Special.sigmoid(scores[i])
                        gp[i] = p - labels[i]
                        hp[i] = max(p * (1 - p), 1e-16)
                    }
                }
            }
        }
    }
}

/// Progress of a training run (for a CLI to print).
public struct BoostingProgress: Sendable {
    public let iteration: Int
    public let trainLoss: Double
    public let validationMetric: Double?
}

/// Histogram gradient boosting: a reusable booster on binned data.
///
/// ``BoostingTrainer/train(frame:labels:features:parameters:validation:progress:)`` fits binary
/// log-loss. For other models that need trees on their own gradients (GPBoost alternates a tree on
/// the current gradients with a GP update), ``TreeBooster`` grows one tree at a time from
/// caller-supplied gradients and hessians.
public final class TreeBooster {
    let specs: [FeatureSpec]
    let data: BinnedData
    let params: BoostingParameters
    let learner: TreeLearner
    let rng: RandomSource
    /// Trees grown so far.
    public private(set) var trees: [DecisionTree] = []
    private var bag: [Int32]
    private var round = 0

    /// Bins `features` of `frame` and prepares the learner.
    /// - Parameter specialValues: per-feature numeric codes read as missing (stored in the model).
    public init(frame: Frame, features names: [String], parameters: BoostingParameters,
                specialValues: [String: [Double]] = [:]) throws(BoostingError) {
        try parameters.validate()
        guard frame.rowCount > 0 else { throw .invalidData("no rows to train on") }
        guard !names.isEmpty else { throw .invalidData("no features to train on") }
        var specs: [FeatureSpec] = []
        for name in names {
            guard let col = frame[name] else { throw .invalidData("feature '\(name)' is not a column of the data") }
            let forcedCategorical = parameters.categoricalFeature.contains(name)
            switch col.values {
            case let .categorical(_, levels):
                specs.append(FeatureSpec(name: name, kind: .categorical, categories: levels))
            default:
                if forcedCategorical {
                    var seen: [String] = []
                    var set = Set<String>()
                    for i in 0..<col.count { if let t = col.text(at: i), set.insert(t).inserted { seen.append(t) } }
                    specs.append(FeatureSpec(name: name, kind: .categorical, categories: seen))
                } else {
                    specs.append(FeatureSpec(name: name, kind: .numeric, specialValues: specialValues[name] ?? []))
                }
            }
        }
        for (name, c) in parameters.monotoneConstraints where c != 0 {
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw .invalidParameter("monotone_constraints names '\(name)', which is not a feature")
            }
            if spec.kind == .categorical { throw .invalidParameter("monotone_constraints: '\(name)' is categorical; monotonicity needs an ordered feature") }
        }
        for name in parameters.categoricalFeature where !names.contains(name) {
            throw .invalidParameter("categorical_feature names '\(name)', which is not a feature")
        }
        let raw = try RawFeatures.from(frame, specs: specs)
        self.specs = specs
        self.params = parameters
        let binned = BinnedData(raw: raw, specs: specs, maxBin: parameters.maxBin, sampleCount: parameters.binConstructSampleCount,
                                seed: parameters.seed)
        self.data = binned
        // A feature with one value in every row cannot split: say so rather than carry it silently.
        let constant = (0..<binned.features).filter { j in
            let first = binned.bins[j]
            var i = 1
            while i < binned.rows && binned.bins[i * binned.features + j] == first { i += 1 }
            return i == binned.rows
        }
        if let j = constant.first {
            let value = raw.values[j].isNaN ? "missing" : (specs[j].kind == .categorical ? specs[j].categories[Int(raw.values[j])] : "\(raw.values[j])")
            throw .invalidData("feature '\(specs[j].name)' is constant in the training data (every row is \(value))"
                               + (constant.count > 1 ? ", as are \(constant.dropFirst().prefix(5).map { "'\(specs[$0].name)'" }.joined(separator: ", "))" : "")
                               + "; remove it from the features")
        }
        let monotone = specs.map { parameters.monotoneConstraints[$0.name] ?? 0 }
        self.learner = TreeLearner(data: binned, params: parameters, monotone: monotone)
        self.rng = RandomSource(seed: parameters.seed)
        self.bag = (0..<Int32(frame.rowCount)).map { $0 }
    }

    /// The feature specs (names, kinds, category dictionaries) in model order.
    public var featureSpecs: [FeatureSpec] { specs }

    /// Grows one tree on the given gradients and hessians (one per training row), appends it,
    /// and returns each training row's output of the new tree (learning rate applied).
    @discardableResult
    public func addTree(gradients g: [Double], hessians h: [Double]) -> [Double] {
        precondition(g.count == data.rows && h.count == data.rows, "addTree: one gradient and hessian per training row")
        // Bagging: redraw every bagging_freq rounds, from this round's own seeded stream.
        if params.baggingFreq > 0 && params.baggingFraction < 1 && round % params.baggingFreq == 0 {
            var all = (0..<Int32(data.rows)).map { $0 }
            rng.split(UInt64(2 * round)).shuffle(&all)
            bag = Array(all.prefix(max(1, Int((params.baggingFraction * Double(data.rows)).rounded())))).sorted()
        }
        var features = Array(0..<data.features)
        if params.featureFraction < 1 {
            rng.split(UInt64(2 * round + 1)).shuffle(&features)
            features = Array(features.prefix(max(1, Int((params.featureFraction * Double(data.features)).rounded())))).sorted()
        }
        let (tree, binNodes, rowOrder, leafRanges) = learner.grow(gradients: g, hessians: h, rows: bag, features: features)
        trees.append(tree)
        round += 1
        if bag.count == data.rows {
            // Every row is in a leaf's range: scatter the leaf values.
            var out = [Double](repeating: 0, count: data.rows)
            out.withUnsafeMutableBufferPointer { o in
                rowOrder.withUnsafeBufferPointer { order in
                    for (leaf, range) in leafRanges.enumerated() {
                        let v = tree.leafValue[leaf]
                        for k in range { o[Int(order[k])] = v }
                    }
                }
            }
            return out
        }
        return trainingOutputs(tree, binNodes)
    }

    /// The new tree's value for every training row, by traversal in bin space.
    func trainingOutputs(_ tree: DecisionTree, _ nodes: [TreeLearner.BinNode]) -> [Double] {
        let F = data.features
        if nodes.isEmpty { return [Double](repeating: tree.leafValue[0], count: data.rows) }
        let ranges = Parallel.chunks(count: data.rows, size: 65_536)
        let parts: [[Double]] = data.bins.withUnsafeBufferPointer { bp in
            nonisolated(unsafe) let bp = bp
            return Parallel.map(ranges.count) { k in
                ranges[k].map { i in
                    var node = 0
                    while true {
                        let n = nodes[node]
                        let b = Int(bp[i * F + n.feature])
                        let goLeft: Bool
                        if b == n.missingBin { goLeft = n.defaultLeft } else if let m = n.leftBins { goLeft = m[b] } else { goLeft = b <= n.binThreshold }
                        let next = goLeft ? tree.left[node] : tree.right[node]
                        if next < 0 { return tree.leafValue[~next] }
                        node = next
                    }
                }
            }
        }
        return parts.flatMap { $0 }
    }

    /// Keeps the first `count` trees.
    public func truncate(to count: Int) { trees = Array(trees.prefix(count)) }
}

/// Trains binary PD models by gradient boosting.
public enum BoostingTrainer {
    /// Fits a ``GBDTModel`` for binary log-loss.
    /// - Parameters:
    ///   - labels: 0/1, 1 = default.
    ///   - validation: optional (frame, labels) for early stopping (`early_stopping_round`, `metric`).
    ///   - progress: called after every iteration.
    /// - Throws: ``BoostingError`` for bad data or parameters (single class, no rows, unknown features).
    public static func train(frame: Frame, labels: [Int], features: [String], parameters: BoostingParameters,
                             specialValues: [String: [Double]] = [:], validation: (frame: Frame, labels: [Int])? = nil,
                             progress: ((BoostingProgress) -> Void)? = nil) throws(BoostingError) -> GBDTModel {
        guard labels.count == frame.rowCount else { throw .invalidData("\(labels.count) labels for \(frame.rowCount) rows") }
        guard Set(labels).count == 2 else { throw .invalidData("the target has a single class; a PD model needs defaults and non-defaults") }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw .invalidData("labels must be 0 or 1") }
        let booster = try TreeBooster(frame: frame, features: features, parameters: parameters, specialValues: specialValues)
        let objective = BinaryLogLoss()
        let y = labels.map(Double.init)
        let base = parameters.boostFromAverage ? objective.initialScore(labels: y) : 0
        var scores = [Double](repeating: base, count: y.count)
        var g = [Double](repeating: 0, count: y.count), h = g
        var validScores: [Double] = []
        var validRaw: RawFeatures? = nil
        if let validation {
            guard validation.labels.count == validation.frame.rowCount else { throw .invalidData("validation labels and rows differ") }
            validRaw = try RawFeatures.from(validation.frame, specs: booster.featureSpecs)
            validScores = [Double](repeating: base, count: validation.labels.count)
        }
        let higherIsBetter = parameters.metric == "auc"
        var bestMetric = higherIsBetter ? -Double.infinity : Double.infinity
        var bestIteration = 0
        for iteration in 0..<parameters.numIterations {
            objective.gradients(scores: scores, labels: y, gradients: &g, hessians: &h)
            let out = booster.addTree(gradients: g, hessians: h)
            for i in 0..<scores.count { scores[i] += out[i] }
            var metricValue: Double? = nil
            if let validation, let raw = validRaw {
                let tree = booster.trees[booster.trees.count - 1]
                raw.values.withUnsafeBufferPointer { vp in
                    for i in 0..<raw.rows { validScores[i] += tree.leafValue[tree.leaf(vp.baseAddress! + i * raw.columns)] }
                }
                let pd = validScores.map(Special.sigmoid)
                let m = higherIsBetter ? Discrimination.auc(scores: pd, labels: validation.labels) : Calibration.logLoss(scores: pd, labels: validation.labels)
                metricValue = m
                if higherIsBetter ? m > bestMetric : m < bestMetric { bestMetric = m; bestIteration = iteration + 1 }
            }
            if let progress {
                let loss = Calibration.logLoss(scores: scores.map(Special.sigmoid), labels: labels)
                progress(BoostingProgress(iteration: iteration + 1, trainLoss: loss, validationMetric: metricValue))
            }
            if parameters.earlyStoppingRound > 0, validation != nil, iteration + 1 - bestIteration >= parameters.earlyStoppingRound { break }
        }
        if validation != nil && parameters.earlyStoppingRound > 0 { booster.truncate(to: max(1, bestIteration)) }
        return GBDTModel(features: booster.featureSpecs, trees: booster.trees, baseScore: base, parameters: parameters,
                         bestIteration: validation != nil ? bestIteration : nil, validationMetric: validation != nil ? bestMetric : nil)
    }
}
