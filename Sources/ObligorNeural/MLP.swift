import Foundation
import ObligorNumerics

/// One layer of a feed-forward network.
///
/// Only ``dense(inputs:outputs:)`` layers carry parameters (a weight matrix W, stored row-major
/// `inputs × outputs`, and a bias vector b); activations and dropout act element-wise.
public enum Layer: Codable, Sendable, Equatable {
    /// `y = x W + b`.
    case dense(inputs: Int, outputs: Int)
    /// `y = x` for x > 0, `slope · x` otherwise (slope 0 is ReLU; PyTorch's default slope is 0.01).
    case leakyReLU(slope: Double)
    /// Inverted dropout: in training each unit is zeroed with probability `rate` and the survivors
    /// are scaled by `1 / (1 − rate)`; at inference it is the identity.
    case dropout(rate: Double)
}

/// How dense layers are initialised.
public enum Initialization: String, Codable, Sendable, CaseIterable {
    /// PyTorch's `nn.Linear` default: W and b uniform on ±1/√fan_in (Kaiming-uniform with a = √5).
    case pytorchUniform = "pytorch-uniform"
    /// He (Kaiming) normal: W ~ N(0, 2/fan_in), b = 0.
    case heNormal = "he-normal"
}

/// The loss on the network's outputs.
public enum LossFunction: String, Codable, Sendable {
    /// Softmax over K ≥ 2 logits, cross-entropy against a class index (PyTorch `CrossEntropyLoss`).
    case softmaxCrossEntropy = "softmax-cross-entropy"
    /// One logit, sigmoid, binary cross-entropy against 0/1 (PyTorch `BCEWithLogitsLoss`).
    case sigmoidCrossEntropy = "sigmoid-cross-entropy"
}

/// A mini-batch: row-major inputs, class targets and per-row weights.
///
/// The batch loss is the weighted mean `Σ wᵢ ℓᵢ / Σ wᵢ` (PyTorch's convention for class weights).
public struct Batch: Sendable {
    public let rows: Int
    public let columns: Int
    /// `rows × columns` inputs, row-major.
    public let x: [Double]
    /// Class index of each row (0 or 1 for the sigmoid loss).
    public let targets: [Int]
    /// Weight of each row (class weight × any sample weight).
    public let weights: [Double]

    public init(rows: Int, columns: Int, x: [Double], targets: [Int], weights: [Double]? = nil) {
        precondition(x.count == rows * columns && targets.count == rows, "Batch: \(x.count) values / \(targets.count) targets for \(rows)×\(columns)")
        precondition(weights == nil || weights!.count == rows, "Batch: weights count")
        self.rows = rows
        self.columns = columns
        self.x = x
        self.targets = targets
        self.weights = weights ?? [Double](repeating: 1, count: rows)
    }
}

/// A multi-layer perceptron: a sequence of ``Layer``s with manual back-propagation on BLAS.
///
/// Parameters are a list of tensors, two per dense layer in order (weight `inputs × outputs`
/// row-major, then bias), kept as plain `[[Double]]` so that optimizers can treat each tensor
/// separately (per-tensor rules such as ``HamiltonianCodeOptimizer``). The network value is
/// immutable during training; the trainer passes parameter lists to ``lossAndGradient(parameters:batch:loss:dropoutMasks:)``.
///
/// ```swift
/// let net = try MLP(layers: MLP.perceptron(inputs: 7, hidden: [128, 64], outputs: 2, slope: 0.01, dropout: 0.2), seed: 1)
/// let (loss, grad) = try net.lossAndGradient(parameters: net.parameters, batch: batch, loss: .softmaxCrossEntropy)
/// ```
public struct MLP: Codable, Sendable, Equatable {
    /// The layers, input first.
    public let layers: [Layer]
    /// Parameter tensors: for each dense layer, its weight then its bias.
    public var parameters: [[Double]]

    /// A network with freshly initialised parameters.
    /// - Throws: ``NeuralError/shapeMismatch(_:)`` when consecutive dense layers do not chain, or
    ///   ``NeuralError/invalidOption(_:)`` for a dropout rate outside [0, 1) or a non-finite slope.
    public init(layers: [Layer], seed: UInt64, initialization: Initialization = .pytorchUniform) throws(NeuralError) {
        var width: Int? = nil
        for (k, layer) in layers.enumerated() {
            switch layer {
            case let .dense(i, o):
                guard i > 0 && o > 0 else { throw .shapeMismatch("layer \(k): dense(\(i), \(o)) needs positive sizes") }
                if let w = width, w != i { throw .shapeMismatch("layer \(k): dense expects \(i) inputs but the previous layer gives \(w)") }
                width = o
            case let .leakyReLU(s):
                guard s.isFinite else { throw .invalidOption("layer \(k): LeakyReLU slope must be finite") }
            case let .dropout(r):
                guard r >= 0 && r < 1 else { throw .invalidOption("layer \(k): dropout rate \(r) must be in [0, 1)") }
            }
        }
        guard width != nil else { throw .shapeMismatch("a network needs at least one dense layer") }
        self.layers = layers
        let rng = RandomSource(seed: seed)
        var params: [[Double]] = []
        for layer in layers {
            guard case let .dense(i, o) = layer else { continue }
            switch initialization {
            case .pytorchUniform:
                let bound = 1 / Double(i).squareRoot()
                params.append((0..<(i * o)).map { _ in (2 * rng.uniform() - 1) * bound })
                params.append((0..<o).map { _ in (2 * rng.uniform() - 1) * bound })
            case .heNormal:
                let sd = (2 / Double(i)).squareRoot()
                params.append((0..<(i * o)).map { _ in rng.gaussian() * sd })
                params.append([Double](repeating: 0, count: o))
            }
        }
        parameters = params
    }

    /// The layers of an MLP `inputs → hidden… → outputs` with LeakyReLU (and dropout when
    /// `dropout > 0`) after each hidden layer, as in the HNN paper's code.
    public static func perceptron(inputs: Int, hidden: [Int], outputs: Int, slope: Double = 0.01, dropout: Double = 0) -> [Layer] {
        var layers: [Layer] = []
        var width = inputs
        for h in hidden {
            layers.append(.dense(inputs: width, outputs: h))
            layers.append(.leakyReLU(slope: slope))
            if dropout > 0 { layers.append(.dropout(rate: dropout)) }
            width = h
        }
        layers.append(.dense(inputs: width, outputs: outputs))
        return layers
    }

    /// Width of the input.
    public var inputCount: Int {
        for l in layers { if case let .dense(i, _) = l { return i } }
        return 0
    }

    /// Width of the output (logits).
    public var outputCount: Int {
        for l in layers.reversed() { if case let .dense(_, o) = l { return o } }
        return 0
    }

    /// Names of the parameter tensors: `dense0.weight`, `dense0.bias`, ….
    public var parameterNames: [String] {
        var out: [String] = []
        var k = 0
        for l in layers { if case .dense = l { out += ["dense\(k).weight", "dense\(k).bias"]; k += 1 } }
        return out
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Checks that `parameters` has this network's tensor shapes.
    public func validate(_ parameters: [[Double]]) throws(NeuralError) {
        var t = 0
        for l in layers {
            guard case let .dense(i, o) = l else { continue }
            guard t + 1 < parameters.count, parameters[t].count == i * o, parameters[t + 1].count == o else {
                throw .shapeMismatch("parameter tensors do not match dense layer \(t / 2) (\(i)×\(o))")
            }
            t += 2
        }
        guard t == parameters.count else { throw .shapeMismatch("\(parameters.count) parameter tensors for \(t) expected") }
    }

    /// Fresh dropout masks for a batch of `rows`: one entry per layer, nil except for dropout
    /// layers, whose mask holds 0 or 1/(1 − rate) per unit.
    ///
    /// Masks are drawn outside ``lossAndGradient(parameters:batch:loss:dropoutMasks:)`` so that an
    /// optimizer that evaluates the gradient twice on one batch (leapfrog) sees one fixed loss.
    public func dropoutMasks(rows: Int, rng: RandomSource) -> [[Double]?] {
        var width = inputCount
        return layers.map { l -> [Double]? in
            switch l {
            case let .dense(_, o): width = o; return nil
            case .leakyReLU: return nil
            case let .dropout(rate):
                if rate == 0 { return nil }
                let keep = 1 / (1 - rate)
                return (0..<(rows * width)).map { _ in rng.uniform() < rate ? 0 : keep }
            }
        }
    }

    // MARK: - Forward

    /// Logits for `rows` inputs (row-major `rows × inputCount`), inference mode (no dropout).
    ///
    /// One BLAS `dgemm` per dense layer over the whole block; fast, for training-time validation.
    /// For scores that must not depend on which other rows are scored with them, use ``logitsRowwise(_:rows:)``.
    public func logits(_ x: [Double], rows: Int, parameters: [[Double]]? = nil) -> [Double] {
        let params = parameters ?? self.parameters
        var a = x
        var width = inputCount
        var t = 0
        for l in layers {
            switch l {
            case let .dense(i, o):
                a = Self.denseForward(a, rows: rows, inputs: i, outputs: o, w: params[t], b: params[t + 1])
                t += 2
                width = o
            case let .leakyReLU(s):
                for k in a.indices where a[k] <= 0 { a[k] *= s }
            case .dropout:
                break
            }
        }
        precondition(a.count == rows * width)
        return a
    }

    /// Logits computed one row at a time (BLAS `dgemv`), so a row's output depends on that row alone,
    /// never on the batch it is scored in. Rows are processed in fixed chunks on ``Parallel`` threads.
    public func logitsRowwise(_ x: [Double], rows: Int) -> [Double] {
        let d = inputCount, k = outputCount
        let ranges = Parallel.chunks(count: rows, size: 2_048)
        let parts: [[Double]] = Parallel.map(ranges.count) { c in
            var out: [Double] = []
            out.reserveCapacity(ranges[c].count * k)
            for i in ranges[c] {
                var a = Array(x[(i * d)..<((i + 1) * d)])
                var t = 0
                for l in layers {
                    switch l {
                    case let .dense(inn, o):
                        var y = parameters[t + 1]
                        parameters[t].withUnsafeBufferPointer { w in
                            a.withUnsafeBufferPointer { ap in
                                y.withUnsafeMutableBufferPointer { yp in
                                    NeuralKernels.gemv(rows: inn, columns: o, w.baseAddress!, transpose: true, ap.baseAddress!, beta: 1, yp.baseAddress!)
                                }
                            }
                        }
                        a = y
                        t += 2
                    case let .leakyReLU(s):
                        for j in a.indices where a[j] <= 0 { a[j] *= s }
                    case .dropout:
                        break
                    }
                }
                out += a
            }
            return out
        }
        return parts.flatMap { $0 }
    }

    /// Class probabilities from logits: softmax per row (K ≥ 2), or the sigmoid of a single logit.
    public static func probabilities(logits: [Double], outputs: Int) -> [Double] {
        if outputs == 1 { return logits.map(sigmoid) }
        var p = logits
        let rows = logits.count / outputs
        for i in 0..<rows {
            let base = i * outputs
            var mx = -Double.infinity
            for j in 0..<outputs { mx = max(mx, p[base + j]) }
            var s = 0.0
            for j in 0..<outputs { p[base + j] = exp(p[base + j] - mx); s += p[base + j] }
            for j in 0..<outputs { p[base + j] /= s }
        }
        return p
    }

    static func denseForward(_ a: [Double], rows: Int, inputs: Int, outputs: Int, w: [Double], b: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rows * outputs)
        y.withUnsafeMutableBufferPointer { yp in
            for r in 0..<rows { for j in 0..<outputs { yp[r * outputs + j] = b[j] } }
            a.withUnsafeBufferPointer { ap in
                w.withUnsafeBufferPointer { wp in
                    NeuralKernels.gemm(m: rows, n: outputs, k: inputs, ap.baseAddress!, wp.baseAddress!, beta: 1, yp.baseAddress!)
                }
            }
        }
        return y
    }

    // MARK: - Loss and back-propagation

    /// The batch loss (weighted mean of per-row losses) and its gradient with respect to every
    /// parameter tensor, by back-propagation.
    ///
    /// - Parameters:
    ///   - dropoutMasks: masks from ``dropoutMasks(rows:rng:)`` for training mode; nil = inference
    ///     mode (dropout off).
    /// - Throws: ``NeuralError/shapeMismatch(_:)`` for inconsistent shapes or out-of-range targets.
    public func lossAndGradient(parameters: [[Double]], batch: Batch, loss: LossFunction,
                                dropoutMasks: [[Double]?]? = nil) throws(NeuralError) -> (loss: Double, gradient: [[Double]]) {
        try validate(parameters)
        guard batch.columns == inputCount else { throw .shapeMismatch("batch has \(batch.columns) columns, the network \(inputCount) inputs") }
        let k = outputCount
        switch loss {
        case .softmaxCrossEntropy:
            guard k >= 2 else { throw .shapeMismatch("softmax cross-entropy needs at least 2 outputs, the network has \(k)") }
        case .sigmoidCrossEntropy:
            guard k == 1 else { throw .shapeMismatch("sigmoid cross-entropy needs 1 output, the network has \(k)") }
        }
        let limit = loss == .softmaxCrossEntropy ? k : 2
        if let bad = batch.targets.firstIndex(where: { $0 < 0 || $0 >= limit }) {
            throw .shapeMismatch("target \(batch.targets[bad]) at batch row \(bad) is not a class index below \(limit)")
        }
        if let masks = dropoutMasks, masks.count != layers.count { throw .shapeMismatch("dropout masks for \(masks.count) layers, network has \(layers.count)") }
        let n = batch.rows

        // Forward, keeping each layer's input.
        var inputs: [[Double]] = []
        inputs.reserveCapacity(layers.count)
        var a = batch.x
        var t = 0
        for (li, l) in layers.enumerated() {
            inputs.append(a)
            switch l {
            case let .dense(i, o):
                a = Self.denseForward(a, rows: n, inputs: i, outputs: o, w: parameters[t], b: parameters[t + 1])
                t += 2
            case let .leakyReLU(s):
                for j in a.indices where a[j] <= 0 { a[j] *= s }
            case .dropout:
                if let m = dropoutMasks?[li] {
                    guard m.count == a.count else { throw .shapeMismatch("dropout mask of layer \(li) has \(m.count) entries, activations \(a.count)") }
                    for j in a.indices { a[j] *= m[j] }
                }
            }
        }

        // Loss and its derivative with respect to the logits.
        let wsum = batch.weights.reduce(0, +)
        guard wsum > 0 else { throw .invalidOption("batch weights sum to \(wsum); they must be positive") }
        var total = 0.0
        var delta = [Double](repeating: 0, count: n * k)
        switch loss {
        case .softmaxCrossEntropy:
            for r in 0..<n {
                let base = r * k
                var mx = -Double.infinity
                for j in 0..<k { mx = max(mx, a[base + j]) }
                var s = 0.0
                for j in 0..<k { s += exp(a[base + j] - mx) }
                let logZ = mx + log(s)
                let y = batch.targets[r]
                let w = batch.weights[r] / wsum
                total += w * (logZ - a[base + y])
                for j in 0..<k { delta[base + j] = w * (exp(a[base + j] - logZ) - (j == y ? 1 : 0)) }
            }
        case .sigmoidCrossEntropy:
            for r in 0..<n {
                let z = a[r], y = Double(batch.targets[r])
                let w = batch.weights[r] / wsum
                // log(1 + e^z) − y z, computed stably.
                total += w * (max(z, 0) - z * y + log1p(exp(-abs(z))))
                delta[r] = w * (sigmoid(z) - y)
            }
        }

        // Backward.
        var grads = [[Double]](repeating: [], count: parameters.count)
        var d = delta
        t = parameters.count
        for li in stride(from: layers.count - 1, through: 0, by: -1) {
            let x = inputs[li]
            switch layers[li] {
            case let .dense(i, o):
                t -= 2
                var gw = [Double](repeating: 0, count: i * o)
                var gb = [Double](repeating: 0, count: o)
                x.withUnsafeBufferPointer { xp in
                    d.withUnsafeBufferPointer { dp in
                        gw.withUnsafeMutableBufferPointer { gp in
                            NeuralKernels.gemm(m: i, n: o, k: n, xp.baseAddress!, transposeA: true, dp.baseAddress!, gp.baseAddress!)
                        }
                    }
                }
                for r in 0..<n { for j in 0..<o { gb[j] += d[r * o + j] } }
                grads[t] = gw
                grads[t + 1] = gb
                if li > 0 {
                    var dx = [Double](repeating: 0, count: n * i)
                    d.withUnsafeBufferPointer { dp in
                        parameters[t].withUnsafeBufferPointer { wp in
                            dx.withUnsafeMutableBufferPointer { xp in
                                NeuralKernels.gemm(m: n, n: i, k: o, dp.baseAddress!, wp.baseAddress!, transposeB: true, xp.baseAddress!)
                            }
                        }
                    }
                    d = dx
                }
            case let .leakyReLU(s):
                for j in d.indices where x[j] <= 0 { d[j] *= s }
            case .dropout:
                if let m = dropoutMasks?[li] { for j in d.indices { d[j] *= m[j] } }
            }
        }
        return (total, grads)
    }
}

@inline(__always) func sigmoid(_ z: Double) -> Double {
    z >= 0 ? 1 / (1 + exp(-z)) : { let e = exp(z); return e / (1 + e) }()
}
