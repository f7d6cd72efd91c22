import Foundation
import ObligorNumerics

/// How the L2 term of the objective enters training.
public enum RegularizerMode: String, Codable, Sendable, CaseIterable {
    /// The paper's Hamiltonian loss: `L = CE + λ·½‖θ‖²`, with its gradient `λθ` applied.
    case paper
    /// The author's code: `λ·Σ_tensors ‖θ_t‖₂` is added to the *reported* loss only (it is a
    /// Python float there, so it has no gradient); optimisation is plain cross-entropy.
    case code
    /// No penalty at all.
    case none
}

/// Options of the mini-batch training loop.
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// Passes over the training data (default 30, as in the paper's code).
    public var epochs: Int = 30
    /// Rows per mini-batch (default 32); the last batch of an epoch may be smaller.
    public var batchSize: Int = 32
    /// Seed of the shuffling and dropout streams (initialisation has its own seed in ``MLP``).
    public var seed: UInt64 = 1
    /// λ of the L2 term (default 0.01, the paper's `reg_coeff`).
    public var lambda: Double = 0.01
    /// How λ enters (default ``RegularizerMode/paper``).
    public var regularizer: RegularizerMode = .paper
    /// Early stopping: stop after this many epochs without a validation-loss improvement of more
    /// than `minDelta`, and restore the best epoch's parameters (0 = never stop early; the best
    /// epoch is still restored when there is validation data).
    public var patience: Int = 5
    public var minDelta: Double = 0
    /// Reduce-on-plateau scheduler on the validation loss (the paper's code: factor 0.5,
    /// patience 3, minimum 1e-5). `schedulerFactor = 1` turns it off.
    public var schedulerFactor: Double = 0.5
    public var schedulerPatience: Int = 3
    public var minimumLearningRate: Double = 1e-5

    public init() {}

    /// Checks ranges.
    public func validate() throws(NeuralError) {
        guard epochs >= 1 else { throw .invalidOption("epochs must be at least 1") }
        guard batchSize >= 1 else { throw .invalidOption("batch_size must be at least 1") }
        guard lambda >= 0 && lambda.isFinite else { throw .invalidOption("lambda must be non-negative") }
        guard patience >= 0 && schedulerPatience >= 0 else { throw .invalidOption("patience must be non-negative") }
        guard schedulerFactor > 0 && schedulerFactor <= 1 else { throw .invalidOption("scheduler factor must be in (0, 1]") }
        guard minimumLearningRate >= 0 else { throw .invalidOption("minimum learning rate must be non-negative") }
    }
}

/// One epoch of training, as recorded in the history.
public struct EpochRecord: Codable, Sendable, Equatable {
    public let epoch: Int
    /// Mean mini-batch data loss (weighted cross-entropy) over the epoch.
    public let trainLoss: Double
    /// Weighted cross-entropy on the validation data (nil without validation data).
    public let validationLoss: Double?
    /// The penalty term at the end of the epoch, in the regulariser's own form.
    public let penalty: Double
    /// Learning rate used during the epoch.
    public let learningRate: Double
}

/// What happened during training.
public struct TrainingHistory: Codable, Sendable, Equatable {
    public var epochs: [EpochRecord] = []
    /// The epoch (1-based) whose parameters were kept.
    public var bestEpoch: Int = 0
    public var stoppedEarly = false
    /// Optimizer steps taken and gradient evaluations made (leapfrog makes two per step).
    public var steps = 0
    public var gradientEvaluations = 0
    /// Training rows processed (epochs × rows), for throughput.
    public var samplesProcessed = 0
}

/// The mini-batch training loop shared by the PD models (and, later, sequence models).
public enum Trainer {
    /// The penalty `λ·½‖θ‖²` (paper) or `λ·Σ_t‖θ_t‖₂` (code) of a parameter list.
    public static func penalty(_ theta: [[Double]], lambda: Double, mode: RegularizerMode) -> Double {
        switch mode {
        case .none: return 0
        case .paper: return lambda * 0.5 * theta.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } }
        case .code: return lambda * theta.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        }
    }

    /// The full objective and its gradient on one batch: data loss plus the penalty, with the
    /// penalty's gradient `λθ` only in ``RegularizerMode/paper`` mode.
    public static func objective(network: MLP, parameters: [[Double]], batch: Batch, loss: LossFunction,
                                 lambda: Double, mode: RegularizerMode,
                                 dropoutMasks: [[Double]?]? = nil) throws(NeuralError) -> (loss: Double, gradient: [[Double]]) {
        var (value, grad) = try network.lossAndGradient(parameters: parameters, batch: batch, loss: loss, dropoutMasks: dropoutMasks)
        value += penalty(parameters, lambda: lambda, mode: mode)
        if mode == .paper && lambda > 0 {
            for t in grad.indices { for i in grad[t].indices { grad[t][i] += lambda * parameters[t][i] } }
        }
        return (value, grad)
    }

    /// Weighted cross-entropy of `network` on `data` in inference mode (no dropout, no penalty).
    public static func evaluate(network: MLP, parameters: [[Double]], data: Batch, loss: LossFunction) throws(NeuralError) -> Double {
        let k = network.outputCount
        let logits = network.logits(data.x, rows: data.rows, parameters: parameters)
        let p = MLP.probabilities(logits: logits, outputs: k)
        var total = 0.0, wsum = 0.0
        for r in 0..<data.rows {
            let y = data.targets[r]
            let py: Double = k == 1 ? (y == 1 ? p[r] : 1 - p[r]) : p[r * k + y]
            total += data.weights[r] * -log(max(py, 1e-300))
            wsum += data.weights[r]
        }
        guard wsum > 0 else { throw .invalidOption("validation weights sum to zero") }
        return total / wsum
    }

    /// Trains `network` by mini-batch optimisation.
    ///
    /// Each epoch shuffles the rows with a seeded stream, draws dropout masks from a second stream,
    /// and lets the optimizer take one step per batch. With `validation` data, the validation loss
    /// drives the plateau scheduler and early stopping, and the best epoch's parameters are
    /// restored (a deep copy: Swift arrays are values, unlike the shallow `state_dict().copy()`
    /// of the paper's code, which silently tracked the latest weights).
    ///
    /// - Throws: ``NeuralError/nonFinite(_:)`` when the loss diverges (lower the learning rate),
    ///   or an error of the network or optimizer settings.
    public static func train(network: MLP, optimizer settings: OptimizerSettings, loss: LossFunction, data: Batch,
                             validation: Batch? = nil, options: TrainingOptions,
                             progress: ((EpochRecord) -> Void)? = nil) throws(NeuralError) -> (network: MLP, history: TrainingHistory) {
        try options.validate()
        var optimizer = try settings.makeOptimizer()
        guard data.columns == network.inputCount else { throw .shapeMismatch("data has \(data.columns) columns, the network \(network.inputCount) inputs") }
        guard data.rows > 0 else { throw .invalidOption("no training rows") }
        if let bad = data.x.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite("training input at row \(bad / data.columns + 1), column \(bad % data.columns + 1)")
        }
        let root = RandomSource(seed: options.seed)
        let shuffleRNG = root.split(1)
        let dropoutRNG = root.split(2)
        var theta = network.parameters
        var best = theta
        var bestLoss = Double.infinity
        var sinceBest = 0, sinceSchedulerBest = 0
        var schedulerBest = Double.infinity
        var history = TrainingHistory()
        var order = Array(0..<data.rows)
        let d = data.columns
        for epoch in 1...options.epochs {
            shuffleRNG.shuffle(&order)
            var lossSum = 0.0
            var batches = 0
            var start = 0
            while start < data.rows {
                let rows = Array(order[start..<min(data.rows, start + options.batchSize)])
                start += options.batchSize
                var x = [Double](repeating: 0, count: rows.count * d)
                for (r, i) in rows.enumerated() { for j in 0..<d { x[r * d + j] = data.x[i * d + j] } }
                let batch = Batch(rows: rows.count, columns: d, x: x, targets: rows.map { data.targets[$0] },
                                  weights: rows.map { data.weights[$0] })
                let masks = network.dropoutMasks(rows: rows.count, rng: dropoutRNG)
                var firstLoss: Double? = nil
                var evaluations = 0
                var failure: NeuralError? = nil
                optimizer.step(&theta) { q in
                    do {
                        let (value, grad) = try network.lossAndGradient(parameters: q, batch: batch, loss: loss, dropoutMasks: masks)
                        evaluations += 1
                        if firstLoss == nil { firstLoss = value }
                        if options.regularizer == .paper && options.lambda > 0 {
                            var g = grad
                            let lambda = options.lambda
                            for t in g.indices {
                                q[t].withUnsafeBufferPointer { qp in
                                    g[t].withUnsafeMutableBufferPointer { gp in for i in 0..<gp.count { gp[i] += lambda * qp[i] } }
                                }
                            }
                            return g
                        }
                        return grad
                    } catch {
                        failure = error as? NeuralError ?? .invalidOption("\(error)")
                        return q.map { [Double](repeating: 0, count: $0.count) }
                    }
                }
                if let failure { throw failure }
                history.steps += 1
                history.gradientEvaluations += evaluations
                guard let value = firstLoss, value.isFinite else {
                    throw .nonFinite("training loss diverged at epoch \(epoch), step \(history.steps) (lower the learning rate)")
                }
                lossSum += value
                batches += 1
            }
            history.samplesProcessed += data.rows
            guard theta.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                throw .nonFinite("parameters diverged at epoch \(epoch) (lower the learning rate)")
            }
            let validationLoss = try validation.map { v throws(NeuralError) in try evaluate(network: network, parameters: theta, data: v, loss: loss) }
            let record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(max(1, batches)), validationLoss: validationLoss,
                                     penalty: penalty(theta, lambda: options.lambda, mode: options.regularizer),
                                     learningRate: optimizer.learningRate)
            history.epochs.append(record)
            progress?(record)
            guard let vl = validationLoss else { best = theta; history.bestEpoch = epoch; continue }
            guard vl.isFinite else { throw .nonFinite("validation loss at epoch \(epoch)") }
            if vl < bestLoss - options.minDelta {
                bestLoss = vl
                best = theta
                history.bestEpoch = epoch
                sinceBest = 0
            } else {
                sinceBest += 1
            }
            if vl < schedulerBest {
                schedulerBest = vl
                sinceSchedulerBest = 0
            } else {
                sinceSchedulerBest += 1
                if options.schedulerFactor < 1 && sinceSchedulerBest > options.schedulerPatience {
                    optimizer.learningRate = max(options.minimumLearningRate, optimizer.learningRate * options.schedulerFactor)
                    sinceSchedulerBest = 0
                }
            }
            if options.patience > 0 && sinceBest >= options.patience && epoch < options.epochs {
                history.stoppedEarly = true
                break
            }
        }
        var out = network
        out.parameters = best
        return (out, history)
    }
}
