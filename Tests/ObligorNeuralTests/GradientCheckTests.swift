import Foundation
import ObligorNeural
import ObligorNumerics
import Testing

/// Central finite differences of `f` at every coordinate of every tensor.
func finiteDifferences(_ theta: [[Double]], step h: Double = 1e-5, _ f: ([[Double]]) throws -> Double) rethrows -> [[Double]] {
    var out = theta.map { [Double](repeating: 0, count: $0.count) }
    for t in theta.indices {
        for i in theta[t].indices {
            var plus = theta, minus = theta
            plus[t][i] += h
            minus[t][i] -= h
            out[t][i] = (try f(plus) - f(minus)) / (2 * h)
        }
    }
    return out
}

/// Largest |a − b| / max(1, |b|) over all entries.
func maxRelativeError(_ a: [[Double]], _ b: [[Double]]) -> Double {
    var worst = 0.0
    for t in a.indices { for i in a[t].indices { worst = max(worst, abs(a[t][i] - b[t][i]) / max(1, abs(b[t][i]))) } }
    return worst
}

func randomBatch(rows: Int, columns: Int, classes: Int, seed: UInt64, weighted: Bool = false) -> Batch {
    let rng = RandomSource(seed: seed)
    return Batch(rows: rows, columns: columns, x: (0..<(rows * columns)).map { _ in rng.gaussian() },
                 targets: (0..<rows).map { _ in rng.integer(below: classes) },
                 weights: weighted ? (0..<rows).map { _ in 0.2 + 2 * rng.uniform() } : nil)
}

/// Gradient checks: back-propagation against central finite differences, layer by layer.
///
/// Tolerance: with h = 1e-5 the central difference has truncation error h²·|f'''|/6 ≈ 1e-10 and
/// rounding error ≈ ε·|f|/h ≈ 1e-11 for these O(1) losses, so a correct gradient agrees to
/// better than 1e-8; a wrong one (a missing term, a transposed product, a wrong mask or slope)
/// is off by O(1e-2) or more. 1e-6 separates the two by orders of magnitude either way.
/// LeakyReLU's kink at 0 could spoil a difference only if a pre-activation lay within 1e-5 of 0;
/// with these fixed seeds none does (the check would fail loudly, not silently pass).
@Suite("Back-propagation against finite differences")
struct GradientCheckTests {
    static let tolerance = 1e-6

    func check(_ layers: [Layer], loss: LossFunction, classes: Int, weighted: Bool = false, dropoutSeed: UInt64? = nil,
               initialization: Initialization = .pytorchUniform) throws {
        let net = try MLP(layers: layers, seed: 11, initialization: initialization)
        let batch = randomBatch(rows: 9, columns: net.inputCount, classes: classes, seed: 5, weighted: weighted)
        let masks = dropoutSeed.map { net.dropoutMasks(rows: 9, rng: RandomSource(seed: $0)) }
        let (_, grad) = try net.lossAndGradient(parameters: net.parameters, batch: batch, loss: loss, dropoutMasks: masks)
        let fd = try finiteDifferences(net.parameters) { try net.lossAndGradient(parameters: $0, batch: batch, loss: loss, dropoutMasks: masks).loss }
        let err = maxRelativeError(grad, fd)
        #expect(err < Self.tolerance, "max relative gradient error \(err)")
        // The check must be able to fail: a perturbed gradient is detected.
        var wrong = grad
        wrong[0][0] += 1e-3
        #expect(maxRelativeError(wrong, fd) > Self.tolerance)
    }

    @Test("dense layer alone, softmax cross-entropy (3 classes)")
    func dense() throws {
        try check([.dense(inputs: 4, outputs: 3)], loss: .softmaxCrossEntropy, classes: 3)
    }

    @Test("dense → LeakyReLU(0.1) → dense, softmax cross-entropy")
    func leaky() throws {
        try check([.dense(inputs: 5, outputs: 6), .leakyReLU(slope: 0.1), .dense(inputs: 6, outputs: 2)], loss: .softmaxCrossEntropy, classes: 2)
    }

    @Test("ReLU (slope 0) and He initialisation")
    func relu() throws {
        try check([.dense(inputs: 3, outputs: 8), .leakyReLU(slope: 0), .dense(inputs: 8, outputs: 2)], loss: .softmaxCrossEntropy,
                  classes: 2, initialization: .heNormal)
    }

    @Test("dropout with fixed masks (training mode)")
    func dropout() throws {
        try check(MLP.perceptron(inputs: 4, hidden: [7, 5], outputs: 2, slope: 0.01, dropout: 0.3), loss: .softmaxCrossEntropy,
                  classes: 2, dropoutSeed: 3)
    }

    @Test("sigmoid cross-entropy on one logit, with row weights")
    func sigmoidLoss() throws {
        try check(MLP.perceptron(inputs: 4, hidden: [6], outputs: 1), loss: .sigmoidCrossEntropy, classes: 2, weighted: true)
    }

    @Test("class-weighted softmax cross-entropy, two hidden layers (the HNN architecture in miniature)")
    func weighted() throws {
        try check(MLP.perceptron(inputs: 7, hidden: [8, 6], outputs: 2, slope: 0.01, dropout: 0.2), loss: .softmaxCrossEntropy,
                  classes: 2, weighted: true, dropoutSeed: 9)
    }

    @Test("objective with the paper's penalty λ·½‖θ‖² (gradient λθ) and the code's penalty (no gradient)")
    func penalty() throws {
        let net = try MLP(layers: MLP.perceptron(inputs: 3, hidden: [4], outputs: 2), seed: 2)
        let batch = randomBatch(rows: 6, columns: 3, classes: 2, seed: 8)
        let (_, grad) = try Trainer.objective(network: net, parameters: net.parameters, batch: batch, loss: .softmaxCrossEntropy,
                                              lambda: 0.3, mode: .paper)
        let fd = try finiteDifferences(net.parameters) {
            try Trainer.objective(network: net, parameters: $0, batch: batch, loss: .softmaxCrossEntropy, lambda: 0.3, mode: .paper).loss
        }
        #expect(maxRelativeError(grad, fd) < Self.tolerance)
        // Code mode: the value includes λ·Σ‖θ_t‖ but the gradient is the plain cross-entropy's.
        let (valueCode, gradCode) = try Trainer.objective(network: net, parameters: net.parameters, batch: batch,
                                                          loss: .softmaxCrossEntropy, lambda: 0.3, mode: .code)
        let (valueNone, gradNone) = try Trainer.objective(network: net, parameters: net.parameters, batch: batch,
                                                          loss: .softmaxCrossEntropy, lambda: 0.3, mode: .none)
        #expect(gradCode == gradNone)
        let norms = net.parameters.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }.reduce(0, +)
        #expect(abs(valueCode - valueNone - 0.3 * norms) < 1e-12)
    }

    @Test("softmax probabilities sum to one and the cross-entropy equals −log p_y")
    func probabilities() throws {
        let net = try MLP(layers: [.dense(inputs: 2, outputs: 3)], seed: 4)
        let batch = Batch(rows: 1, columns: 2, x: [0.3, -1.2], targets: [2])
        let p = MLP.probabilities(logits: net.logits(batch.x, rows: 1), outputs: 3)
        #expect(abs(p.reduce(0, +) - 1) < 1e-15)
        let loss = try net.lossAndGradient(parameters: net.parameters, batch: batch, loss: .softmaxCrossEntropy).loss
        #expect(abs(loss + log(p[2])) < 1e-14)
    }

    @Test("row-wise (dgemv) and batched (dgemm) inference agree to rounding")
    func rowwise() throws {
        let net = try MLP(layers: MLP.perceptron(inputs: 5, hidden: [16, 8], outputs: 2, dropout: 0.5), seed: 1)
        let batch = randomBatch(rows: 50, columns: 5, classes: 2, seed: 1)
        let a = net.logits(batch.x, rows: 50), b = net.logitsRowwise(batch.x, rows: 50)
        // Both sum the same products in possibly different orders: agreement to ~1e-15·|terms|.
        for i in a.indices { #expect(abs(a[i] - b[i]) < 1e-12) }
    }

    @Test("bad shapes and options are refused with a clear error")
    func badShapes() throws {
        #expect(throws: NeuralError.self) { try MLP(layers: [.dense(inputs: 3, outputs: 4), .dense(inputs: 5, outputs: 2)], seed: 1) }
        #expect(throws: NeuralError.self) { try MLP(layers: [.leakyReLU(slope: 0.1)], seed: 1) }
        #expect(throws: NeuralError.self) { try MLP(layers: [.dense(inputs: 3, outputs: 2), .dropout(rate: 1)], seed: 1) }
        let net = try MLP(layers: [.dense(inputs: 3, outputs: 2)], seed: 1)
        let bad = Batch(rows: 1, columns: 3, x: [1, 2, 3], targets: [2])
        #expect(throws: NeuralError.self) { try net.lossAndGradient(parameters: net.parameters, batch: bad, loss: .softmaxCrossEntropy) }
        #expect(throws: NeuralError.unknownOptimizer(name: "rmsprop", known: ["hamiltonian-paper", "hamiltonian-code", "adam", "sgd"])) {
            try OptimizerKind.named("rmsprop")
        }
    }
}
