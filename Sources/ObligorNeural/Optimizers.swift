import Foundation

/// A first-order optimizer over a list of parameter tensors.
///
/// `step` receives the parameters and a closure that returns the loss gradient at any parameter
/// list (same shapes). Most rules call it once per step; leapfrog calls it twice, on the same
/// mini-batch and dropout masks, so the closure must be a pure function of its argument.
public protocol Optimizer: Sendable {
    /// The optimizer's name as the CLI spells it.
    var name: String { get }
    /// The step size; schedulers change it between epochs.
    var learningRate: Double { get set }
    /// Gradient evaluations per step (for throughput accounting).
    var gradientEvaluationsPerStep: Int { get }
    /// One update of `theta`.
    mutating func step(_ theta: inout [[Double]], gradient: ([[Double]]) throws -> [[Double]]) rethrows
}

/// The optimizers the CLI knows, by name.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    /// H(θ, p) = ½‖p‖² + L(θ) integrated with a (damped) symplectic scheme: ``HamiltonianPaperOptimizer``.
    case hamiltonianPaper = "hamiltonian-paper"
    /// The author's code: per-tensor normalised EMA momentum: ``HamiltonianCodeOptimizer``.
    case hamiltonianCode = "hamiltonian-code"
    /// ``AdamOptimizer``.
    case adam
    /// ``SGDOptimizer``.
    case sgd

    /// Parses a name, throwing ``NeuralError/unknownOptimizer(name:known:)`` for anything else.
    public static func named(_ name: String) throws(NeuralError) -> OptimizerKind {
        guard let k = OptimizerKind(rawValue: name) else {
            throw .unknownOptimizer(name: name, known: allCases.map(\.rawValue))
        }
        return k
    }
}

/// Which symplectic scheme ``HamiltonianPaperOptimizer`` uses.
public enum SymplecticScheme: String, Codable, Sendable, CaseIterable {
    case symplecticEuler = "symplectic-euler"
    case leapfrog
}

/// Hyper-parameters of every optimizer, with the defaults documented on each field.
public struct OptimizerSettings: Codable, Sendable, Equatable {
    public var kind: OptimizerKind
    /// Step size. Defaults: hamiltonian-paper 0.1 (its effective SGD rate is h² = 0.01, see
    /// ``HamiltonianPaperOptimizer``), hamiltonian-code 0.01, adam 0.001, sgd 0.01.
    public var learningRate: Double
    /// hamiltonian-paper: symplectic scheme (default symplectic Euler).
    public var scheme: SymplecticScheme
    /// hamiltonian-paper: momentum retained per step, μ = e^{−γh} ∈ (0, 1] (default 0.9; 1 = no damping).
    public var damping: Double
    /// hamiltonian-code: EMA factor β (default 0.9). adam: β₁ (default 0.9). sgd: heavy-ball momentum (default 0).
    public var beta1: Double
    /// adam: β₂ (default 0.999).
    public var beta2: Double
    /// hamiltonian-code and adam: ε (default 1e-8).
    public var epsilon: Double

    public init(kind: OptimizerKind, learningRate: Double? = nil, scheme: SymplecticScheme = .symplecticEuler, damping: Double = 0.9,
                beta1: Double? = nil, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.kind = kind
        self.learningRate = learningRate ?? Self.defaultLearningRate(kind)
        self.scheme = scheme
        self.damping = damping
        self.beta1 = beta1 ?? (kind == .sgd ? 0 : 0.9)
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// The default step size of each optimizer.
    public static func defaultLearningRate(_ kind: OptimizerKind) -> Double {
        switch kind {
        case .hamiltonianPaper: return 0.1
        case .hamiltonianCode: return 0.01
        case .adam: return 0.001
        case .sgd: return 0.01
        }
    }

    /// Checks ranges.
    public func validate() throws(NeuralError) {
        guard learningRate > 0 && learningRate.isFinite else { throw .invalidOption("learning_rate must be positive, got \(learningRate)") }
        guard damping > 0 && damping <= 1 else { throw .invalidOption("damping must be in (0, 1], got \(damping)") }
        guard beta1 >= 0 && beta1 < 1 else { throw .invalidOption("beta1 must be in [0, 1), got \(beta1)") }
        guard beta2 >= 0 && beta2 < 1 else { throw .invalidOption("beta2 must be in [0, 1), got \(beta2)") }
        guard epsilon > 0 else { throw .invalidOption("epsilon must be positive, got \(epsilon)") }
    }

    /// A fresh optimizer (zero state) for these settings.
    public func makeOptimizer() throws(NeuralError) -> any Optimizer {
        try validate()
        switch kind {
        case .hamiltonianPaper: return HamiltonianPaperOptimizer(learningRate: learningRate, scheme: scheme, damping: damping)
        case .hamiltonianCode: return HamiltonianCodeOptimizer(learningRate: learningRate, beta: beta1, epsilon: epsilon)
        case .adam: return AdamOptimizer(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
        case .sgd: return SGDOptimizer(learningRate: learningRate, momentum: beta1)
        }
    }
}

/// Plain stochastic gradient descent, optionally with heavy-ball momentum:
/// `v ← μ v + g`, `θ ← θ − η v` (μ = 0: `θ ← θ − η g`).
public struct SGDOptimizer: Optimizer {
    public var learningRate: Double
    public let momentum: Double
    private var velocity: [[Double]] = []
    public var name: String { "sgd" }
    public var gradientEvaluationsPerStep: Int { 1 }

    public init(learningRate: Double, momentum: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public mutating func step(_ theta: inout [[Double]], gradient: ([[Double]]) throws -> [[Double]]) rethrows {
        let g = try gradient(theta)
        if momentum == 0 {
            for t in theta.indices { for i in theta[t].indices { theta[t][i] -= learningRate * g[t][i] } }
            return
        }
        if velocity.isEmpty { velocity = theta.map { [Double](repeating: 0, count: $0.count) } }
        for t in theta.indices {
            for i in theta[t].indices {
                velocity[t][i] = momentum * velocity[t][i] + g[t][i]
                theta[t][i] -= learningRate * velocity[t][i]
            }
        }
    }
}

/// Adam (Kingma & Ba, 2015) with bias correction:
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `θ ← θ − η m̂ / (√v̂ + ε)`, `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`.
public struct AdamOptimizer: Optimizer {
    public var learningRate: Double
    public let beta1: Double, beta2: Double, epsilon: Double
    private var m: [[Double]] = [], v: [[Double]] = []
    private var t = 0
    public var name: String { "adam" }
    public var gradientEvaluationsPerStep: Int { 1 }

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public mutating func step(_ theta: inout [[Double]], gradient: ([[Double]]) throws -> [[Double]]) rethrows {
        let g = try gradient(theta)
        if m.isEmpty {
            m = theta.map { [Double](repeating: 0, count: $0.count) }
            v = m
        }
        t += 1
        let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
        let (b1, b2, lr, eps) = (beta1, beta2, learningRate, epsilon)
        for k in theta.indices {
            // Unsafe buffers: one uniqueness check per tensor instead of one per element.
            g[k].withUnsafeBufferPointer { gp in
                m[k].withUnsafeMutableBufferPointer { mp in
                    v[k].withUnsafeMutableBufferPointer { vp in
                        theta[k].withUnsafeMutableBufferPointer { tp in
                            for i in 0..<tp.count {
                                let gi = gp[i]
                                let mi = b1 * mp[i] + (1 - b1) * gi
                                let vi = b2 * vp[i] + (1 - b2) * gi * gi
                                mp[i] = mi
                                vp[i] = vi
                                tp[i] -= lr * (mi / c1) / ((vi / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The paper's formulation: parameters θ are positions, an auxiliary momentum p has unit mass,
/// `H(θ, p) = ½‖p‖² + L(θ)`, integrated with a damped symplectic scheme (``Integrators``).
///
/// Symplectic Euler: `p ← μ p − h ∇L(θ)`, `θ ← θ + h p`. Leapfrog: kick–drift–kick with √μ
/// damping at each end, two gradient evaluations per step on the same batch. The step size h is
/// `learningRate`; because θ moves by h·p and p accumulates h·∇L, the equivalent heavy-ball
/// learning rate is h² (h = 0.1 ↔ 0.01) with momentum μ.
public struct HamiltonianPaperOptimizer: Optimizer {
    public var learningRate: Double
    public let scheme: SymplecticScheme
    public let damping: Double
    /// The momenta, one tensor per parameter tensor (start at zero).
    public private(set) var momentum: [[Double]] = []
    public var name: String { "hamiltonian-paper" }
    public var gradientEvaluationsPerStep: Int { scheme == .leapfrog ? 2 : 1 }

    public init(learningRate: Double = 0.1, scheme: SymplecticScheme = .symplecticEuler, damping: Double = 0.9) {
        self.learningRate = learningRate
        self.scheme = scheme
        self.damping = damping
    }

    public mutating func step(_ theta: inout [[Double]], gradient: ([[Double]]) throws -> [[Double]]) rethrows {
        if momentum.isEmpty { momentum = theta.map { [Double](repeating: 0, count: $0.count) } }
        switch scheme {
        case .symplecticEuler:
            try Integrators.symplecticEuler(q: &theta, p: &momentum, step: learningRate, damping: damping, gradient: gradient)
        case .leapfrog:
            try Integrators.leapfrog(q: &theta, p: &momentum, step: learningRate, damping: damping, gradient: gradient)
        }
    }

    /// The Hamiltonian `½‖p‖² + loss` at the current momentum, for a given loss value.
    public func energy(loss: Double) -> Double {
        0.5 * momentum.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } + loss
    }
}

/// The rule of the author's `AdvancedSymplecticOptimizer`, per parameter tensor:
/// `m ← β m + (1−β) g`, `H = ½Σm² + ½Σg²`, `θ ← θ − η m / (√H + ε)`.
///
/// The step length per tensor is at most √2·η whatever the gradient scale (normalised momentum).
/// It is "Hamiltonian-inspired" only: the EMA and the state-dependent step break volume
/// preservation, and the "potential" is ½‖g‖², not the loss. The code comment mentions a
/// Forest–Ruth integrator, but none is implemented there, and none here.
public struct HamiltonianCodeOptimizer: Optimizer {
    public var learningRate: Double
    public let beta: Double, epsilon: Double
    private var m: [[Double]] = []
    public var name: String { "hamiltonian-code" }
    public var gradientEvaluationsPerStep: Int { 1 }

    public init(learningRate: Double = 0.01, beta: Double = 0.9, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta = beta
        self.epsilon = epsilon
    }

    public mutating func step(_ theta: inout [[Double]], gradient: ([[Double]]) throws -> [[Double]]) rethrows {
        let g = try gradient(theta)
        if m.isEmpty { m = theta.map { [Double](repeating: 0, count: $0.count) } }
        let (b, lr, eps) = (beta, learningRate, epsilon)
        for t in theta.indices {
            g[t].withUnsafeBufferPointer { gp in
                m[t].withUnsafeMutableBufferPointer { mp in
                    theta[t].withUnsafeMutableBufferPointer { tp in
                        var kinetic = 0.0, potential = 0.0
                        for i in 0..<tp.count {
                            let mi = b * mp[i] + (1 - b) * gp[i]
                            mp[i] = mi
                            kinetic += mi * mi
                            potential += gp[i] * gp[i]
                        }
                        let scale = lr / ((0.5 * kinetic + 0.5 * potential).squareRoot() + eps)
                        for i in 0..<tp.count { tp[i] -= scale * mp[i] }
                    }
                }
            }
        }
    }
}
