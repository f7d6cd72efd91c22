import Foundation
import ObligorNeural
import ObligorNumerics
import Testing

/// Determinant by Gaussian elimination with partial pivoting (test helper).
func determinant(_ a: [[Double]]) -> Double {
    var m = a
    let n = m.count
    var det = 1.0
    for c in 0..<n {
        let p = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
        if m[p][c] == 0 { return 0 }
        if p != c { m.swapAt(p, c); det = -det }
        det *= m[c][c]
        for r in (c + 1)..<max(c + 1, n) {
            let f = m[r][c] / m[c][c]
            for k in c..<n { m[r][k] -= f * m[c][k] }
        }
    }
    return det
}

/// Integrators on H(q, p) = ½‖p‖² + V(q).
@Suite("Symplectic integrators")
struct IntegratorTests {
    /// 2-D harmonic oscillator with frequencies ω = (1, 2): V(q) = ½(q₁² + 4q₂²).
    static let omega2 = [1.0, 4.0]
    static func hoGradient(_ q: [[Double]]) -> [[Double]] { [[omega2[0] * q[0][0], omega2[1] * q[0][1]]] }
    static func hoEnergy(_ q: [[Double]], _ p: [[Double]]) -> [Double] {
        var e: [Double] = []
        for k in 0..<2 {
            let kinetic: Double = 0.5 * p[0][k] * p[0][k]
            let potential: Double = 0.5 * omega2[k] * q[0][k] * q[0][k]
            e.append(kinetic + potential)
        }
        return e
    }

    /// Leapfrog over 10⁵ steps of h = 0.01 (≈ 160 periods of the slow mode): the energy error of
    /// a symplectic scheme on a linear oscillator oscillates with relative amplitude ≈ (hω)²/4
    /// (at most 1e-4 here, for ω = 2) and does not drift. We require max relative error < 2e-4
    /// over the whole run, and that the error in the last tenth is no larger than (1 + 1e-3) times
    /// the error in the first tenth — a drift of even 1e-9 per step (1e-4 total) would fail this.
    /// Explicit Euler multiplies each mode's energy by exactly (1 + h²ω²) per step: after 10⁵
    /// steps by e^{10.0} and e^{40.0}; we check that growth to 1e-6 relative.
    @Test("harmonic oscillator: leapfrog energy bounded over 1e5 steps, explicit Euler's grows as (1+h²ω²)ⁿ")
    func harmonicOscillator() {
        let h = 0.01, steps = 100_000
        let q0: [[Double]] = [[1.0, 0.5]], p0: [[Double]] = [[0.0, 0.3]]
        let e0 = Self.hoEnergy(q0, p0).reduce(0, +)

        var q = q0, p = p0
        var firstTenth = 0.0, lastTenth = 0.0, worst = 0.0
        for s in 0..<steps {
            Integrators.leapfrog(q: &q, p: &p, step: h, gradient: Self.hoGradient)
            let err = abs(Self.hoEnergy(q, p).reduce(0, +) - e0) / e0
            worst = max(worst, err)
            if s < steps / 10 { firstTenth = max(firstTenth, err) }
            if s >= steps - steps / 10 { lastTenth = max(lastTenth, err) }
        }
        #expect(worst < 2e-4, "leapfrog max relative energy error \(worst)")
        #expect(lastTenth <= firstTenth * (1 + 1e-3), "leapfrog energy drifts: first tenth \(firstTenth), last tenth \(lastTenth)")

        // Symplectic Euler: first order, but also bounded (its error amplitude is ≈ hω/2 ≤ 1e-2).
        q = q0; p = p0
        var worstSE = 0.0
        for _ in 0..<steps {
            Integrators.symplecticEuler(q: &q, p: &p, step: h, gradient: Self.hoGradient)
            worstSE = max(worstSE, abs(Self.hoEnergy(q, p).reduce(0, +) - e0) / e0)
        }
        #expect(worstSE < 2e-2, "symplectic Euler max relative energy error \(worstSE)")

        q = q0; p = p0
        for _ in 0..<steps { Integrators.explicitEuler(q: &q, p: &p, step: h, gradient: Self.hoGradient) }
        let perMode0 = Self.hoEnergy(q0, p0), perMode = Self.hoEnergy(q, p)
        for k in 0..<2 {
            let predicted = exp(Double(steps) * log1p(h * h * Self.omega2[k]))
            let ratio = perMode[k] / perMode0[k]
            #expect(abs(ratio / predicted - 1) < 1e-6, "mode \(k): energy ratio \(ratio), predicted \(predicted)")
        }
        #expect(perMode.reduce(0, +) / e0 > 1e4)
    }

    /// A non-quadratic potential in 3 dimensions, so the Jacobian is not constant.
    static func nonlinearGradient(_ q: [[Double]]) -> [[Double]] {
        let x = q[0]
        let r2 = x.reduce(0) { $0 + $1 * $1 }
        let g0: Double = -sin(x[0]) + r2 * x[0] + 0.5 * x[1] * x[2]
        let g1: Double = -sin(x[1]) + r2 * x[1] + 0.5 * x[0] * x[2]
        let g2: Double = -sin(x[2]) + r2 * x[2] + 0.5 * x[0] * x[1]
        return [[g0, g1, g2]]
    }

    /// Jacobian of the one-step map (q, p) ↦ (q', p') by central differences (δ = 1e-6).
    static func stepJacobian(_ stepper: (inout [[Double]], inout [[Double]]) -> Void, at z: [Double]) -> [[Double]] {
        let n = z.count, d = n / 2, delta = 1e-6
        func apply(_ v: [Double]) -> [Double] {
            var q = [Array(v[0..<d])], p = [Array(v[d...])]
            stepper(&q, &p)
            return q[0] + p[0]
        }
        var jac = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for j in 0..<n {
            var plus = z, minus = z
            plus[j] += delta
            minus[j] -= delta
            let a = apply(plus), b = apply(minus)
            for i in 0..<n { jac[i][j] = (a[i] - b[i]) / (2 * delta) }
        }
        return jac
    }

    /// The one-step map of a symplectic scheme preserves volume: det J = 1. The finite-difference
    /// Jacobian entries are accurate to ≈ δ² + ε/δ ≈ 1e-10, so its 6×6 determinant (entries O(1),
    /// well conditioned for h = 0.1) is accurate to ~1e-9; we allow 1e-7. Explicit Euler's
    /// determinant is det(I + h²∇²V) ≠ 1 — here it differs from 1 by more than 1e-3 — and the
    /// damped (conformal) schemes contract volume by exactly μ³, checked to the same 1e-7.
    @Test("the step's Jacobian has determinant 1 (symplectic), μⁿ when damped, ≠ 1 for explicit Euler")
    func jacobianDeterminant() {
        let z = [0.3, -0.7, 1.1, 0.4, 0.2, -0.5]
        let h = 0.1
        let lf = Self.stepJacobian({ Integrators.leapfrog(q: &$0, p: &$1, step: h, gradient: Self.nonlinearGradient) }, at: z)
        let se = Self.stepJacobian({ Integrators.symplecticEuler(q: &$0, p: &$1, step: h, gradient: Self.nonlinearGradient) }, at: z)
        let ee = Self.stepJacobian({ Integrators.explicitEuler(q: &$0, p: &$1, step: h, gradient: Self.nonlinearGradient) }, at: z)
        #expect(abs(determinant(lf) - 1) < 1e-7, "leapfrog det \(determinant(lf))")
        #expect(abs(determinant(se) - 1) < 1e-7, "symplectic Euler det \(determinant(se))")
        #expect(abs(determinant(ee) - 1) > 1e-3, "explicit Euler det \(determinant(ee))")
        let mu = 0.8
        let damped = Self.stepJacobian({ Integrators.leapfrog(q: &$0, p: &$1, step: h, damping: mu, gradient: Self.nonlinearGradient) }, at: z)
        let dampedSE = Self.stepJacobian({ Integrators.symplecticEuler(q: &$0, p: &$1, step: h, damping: mu, gradient: Self.nonlinearGradient) }, at: z)
        #expect(abs(determinant(damped) - pow(mu, 3)) < 1e-7)
        #expect(abs(determinant(dampedSE) - pow(mu, 3)) < 1e-7)
        // Symplecticity proper (JᵀΩJ = Ω), not only volume, for leapfrog.
        let n = 6
        var worst = 0.0
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for a in 0..<3 { s += lf[a][i] * lf[a + 3][j] - lf[a + 3][i] * lf[a][j] }
                let omega: Double = (i < 3 && j == i + 3) ? 1 : (i >= 3 && j == i - 3 ? -1 : 0)
                worst = max(worst, abs(s - omega))
            }
        }
        #expect(worst < 1e-7, "JᵀΩJ − Ω = \(worst)")
    }
}

/// The optimizers' defining properties.
@Suite("Optimizers")
struct OptimizerTests {
    /// V(θ) = ½ Σ aᵢ θᵢ² with curvatures a.
    static let curvature = [1.0, 3.0, 0.5]
    static func quadGradient(_ q: [[Double]]) -> [[Double]] { [zip(q[0], curvature).map { $0 * $1 }] }
    static func quadLoss(_ q: [[Double]]) -> Double { 0.5 * zip(q[0], curvature).reduce(0) { $0 + $1.1 * $1.0 * $1.0 } }

    @Test("hamiltonian-paper: undamped it orbits (energy conserved, no convergence); damped it converges", arguments: SymplecticScheme.allCases)
    func paperDamping(scheme: SymplecticScheme) {
        var free = HamiltonianPaperOptimizer(learningRate: 0.1, scheme: scheme, damping: 1)
        var theta: [[Double]] = [[1, -1, 2]]
        let h0 = Self.quadLoss(theta)
        var lateMaxLoss = 0.0
        for s in 0..<5_000 {
            free.step(&theta, gradient: Self.quadGradient)
            if s >= 4_800 { lateMaxLoss = max(lateMaxLoss, Self.quadLoss(theta)) }
        }
        // Undamped: H stays within the scheme's band around H₀: relative amplitude ≈ hω/2 ≤ 0.09 for
        // symplectic Euler (ω ≤ √3, h = 0.1), ≈ (hω)²/4 ≤ 0.0075 for leapfrog; we allow 0.2 and 0.02.
        let band = scheme == .leapfrog ? 0.02 : 0.2
        #expect(abs(free.energy(loss: Self.quadLoss(theta)) - h0) / h0 < band)
        // ... and it keeps orbiting: late in the run the loss still climbs back to a sizeable share of H₀
        // (each mode converts all its energy to potential twice per period, ≤ 36 steps here).
        #expect(lateMaxLoss > 0.1 * h0, "undamped late max loss \(lateMaxLoss)")

        var damped = HamiltonianPaperOptimizer(learningRate: 0.1, scheme: scheme, damping: 0.9)
        theta = [[1, -1, 2]]
        for _ in 0..<2_000 { damped.step(&theta, gradient: Self.quadGradient) }
        #expect(Self.quadLoss(theta) < 1e-12 * h0, "damped loss \(Self.quadLoss(theta))")
    }

    @Test("hamiltonian-paper symplectic Euler with damping μ equals heavy-ball SGD with rate h² and momentum μ")
    func paperIsHeavyBall() {
        var ham = HamiltonianPaperOptimizer(learningRate: 0.1, scheme: .symplecticEuler, damping: 0.9)
        var sgd = SGDOptimizer(learningRate: 0.01, momentum: 0.9)
        var a: [[Double]] = [[1, -1, 2]], b = a
        for _ in 0..<50 {
            ham.step(&a, gradient: Self.quadGradient)
            sgd.step(&b, gradient: Self.quadGradient)
        }
        for i in 0..<3 { #expect(abs(a[0][i] - b[0][i]) < 1e-12) }
    }

    @Test("hamiltonian-code: first step 0.1/√0.505·η, every step ≤ √2·η per tensor, whatever the gradient scale")
    func codeStepLength() {
        for scale in [1e-6, 1.0, 1e6] {
            var opt = HamiltonianCodeOptimizer(learningRate: 0.01)
            var theta: [[Double]] = [[1, -1, 2], [0.5]]
            let grad: ([[Double]]) -> [[Double]] = { q in [Self.quadGradient([q[0]])[0].map { $0 * scale }, [scale * q[1][0]]] }
            let before = theta
            opt.step(&theta, gradient: grad)
            for t in 0..<2 {
                let len = zip(theta[t], before[t]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                // m₁ = 0.1 g, H = ½(0.01 + 1)‖g‖², so ‖Δθ‖ = η·0.1‖g‖/(√0.505‖g‖ + ε) ≈ 0.1407η, the same
                // at every gradient scale (ε = 1e-8 only matters for ‖g‖ ≲ 1e-6). Rounding: 1e-12 relative.
                let g = grad(before)[t].reduce(0) { $0 + $1 * $1 }.squareRoot()
                let expected = 0.01 * 0.1 * g / (0.505.squareRoot() * g + 1e-8)
                #expect(abs(len - expected) / expected < 1e-12, "scale \(scale), tensor \(t): \(len)")
                if scale >= 1 { #expect(abs(len - 0.01 * 0.1 / 0.505.squareRoot()) < 1e-7 * len) }  // ε/‖g‖ ≤ 1e-8 relative
            }
            for _ in 0..<200 {
                let prev = theta
                opt.step(&theta, gradient: grad)
                for t in 0..<2 {
                    let len = zip(theta[t], prev[t]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                    #expect(len <= 0.01 * 2.0.squareRoot() * (1 + 1e-12))
                }
            }
        }
    }

    @Test("Adam: the first step moves each coordinate by η·sign(g); it converges on the quadratic")
    func adam() {
        var opt = AdamOptimizer(learningRate: 0.01)
        var theta: [[Double]] = [[1, -1, 2]]
        opt.step(&theta, gradient: Self.quadGradient)
        #expect(abs(theta[0][0] - 0.99) < 1e-9 && abs(theta[0][1] + 0.99) < 1e-9 && abs(theta[0][2] - 1.99) < 1e-9)
        for _ in 0..<5_000 { opt.step(&theta, gradient: Self.quadGradient) }
        #expect(Self.quadLoss(theta) < 1e-6)
    }

    @Test("optimizer settings reject out-of-range values")
    func settings() {
        #expect(throws: NeuralError.self) { try OptimizerSettings(kind: .hamiltonianPaper, damping: 0).makeOptimizer() }
        #expect(throws: NeuralError.self) { try OptimizerSettings(kind: .adam, learningRate: -1).makeOptimizer() }
        #expect(throws: NeuralError.self) { try OptimizerSettings(kind: .hamiltonianCode, beta1: 1).makeOptimizer() }
    }
}
