import Foundation

/// Gauss–Hermite quadrature: `∫ f(x) e^{−x²} dx ≈ Σ_k w_k f(x_k)`, exact for polynomials of degree ≤ 2n − 1.
///
/// Nodes: the eigenvalues of the symmetric tridiagonal Jacobi matrix with off-diagonal `√(k/2)` (Golub & Welsch 1969),
/// each polished by Newton steps on the orthonormal Hermite recurrence. Weights from the Christoffel function
/// `w_k = 1 / Σ_{j<n} h_j(x_k)²`, evaluated with the Hermite *functions* `ψ_j(x) = h_j(x) e^{−x²/2}`
/// (`ψ_0 = π^{−1/4} e^{−x²/2}`, `ψ_j = x√(2/j) ψ_{j−1} − √((j−1)/j) ψ_{j−2}`), which never overflow, so the scaled weights
/// `w_k e^{x_k²} = 1 / Σ_j ψ_j(x_k)²` are accurate to working precision even where `w_k` underflows.
public struct GaussHermite: Sendable, Equatable {
    /// Nodes `x_k`, ascending.
    public let nodes: [Double]
    /// Weights `w_k` for the weight function `e^{−x²}` (they sum to √π).
    public let weights: [Double]
    /// `w_k e^{x_k²}`: the weights for integrating `f(x)` itself (used by adaptive rules).
    public let scaledWeights: [Double]

    /// The n-point rule, 1 ≤ n ≤ 300.
    public init(count n: Int) {
        precondition(n >= 1 && n <= 300, "Gauss–Hermite needs 1...300 nodes (got \(n))")
        var jacobi = Matrix(rows: n, columns: n)
        for k in 1..<max(1, n) {
            let b = (Double(k) / 2).squareRoot()
            jacobi.storage[(k - 1) * n + k] = b
            jacobi.storage[k * n + k - 1] = b
        }
        // A symmetric tridiagonal eigenproblem of this size does not fail; a failure is a LAPACK bug.
        var x = (try? SymmetricEigen(jacobi))?.values ?? []
        precondition(x.count == n, "Gauss–Hermite: the Jacobi-matrix eigensolver failed")
        var w = [Double](repeating: 0, count: n), ws = w
        for k in 0..<n {
            // Newton on h_n(x) = 0 with h_n' = √(2n) h_{n−1}, in the scaled functions (the factor e^{−x²/2} cancels).
            for _ in 0..<3 {
                let (psiN, psiN1, _) = GaussHermite.hermiteFunctions(n, at: x[k])
                let d = (2 * Double(n)).squareRoot() * psiN1
                guard d != 0 else { break }
                let step = psiN / d
                x[k] -= step
                if abs(step) <= 1e-16 * max(1, abs(x[k])) { break }
            }
            let (_, _, sumSquares) = GaussHermite.hermiteFunctions(n, at: x[k])
            ws[k] = 1 / sumSquares
            w[k] = ws[k] * exp(-x[k] * x[k])
        }
        nodes = x
        weights = w
        scaledWeights = ws
    }

    /// `ψ_n(x)`, `ψ_{n−1}(x)` and `Σ_{j<n} ψ_j(x)²` by the three-term recurrence.
    static func hermiteFunctions(_ n: Int, at x: Double) -> (Double, Double, Double) {
        var prev = 0.0
        var cur = pow(Double.pi, -0.25) * exp(-0.5 * x * x)
        var sum = 0.0
        for j in 1...n {
            sum += cur * cur
            let next = x * (2 / Double(j)).squareRoot() * cur - (Double(j - 1) / Double(j)).squareRoot() * prev
            prev = cur
            cur = next
        }
        return (cur, prev, sum)
    }

    /// The n-point rule (throwing form kept for callers that handle LAPACK errors).
    public init(points n: Int) throws(LinearAlgebraError) { self.init(count: n) }

    private static let cache: [Int: GaussHermite] = {
        var c: [Int: GaussHermite] = [:]
        for n in [30, 32, 40, 64] { c[n] = GaussHermite(count: n) }
        return c
    }()

    /// The n-point rule, from a small cache for common n.
    public static func rule(_ n: Int) -> GaussHermite { cache[n] ?? GaussHermite(count: n) }

    /// A 32-point rule, built once.
    public static var standard: GaussHermite { rule(32) }

    /// `E[f(X)]` for `X ~ N(mean, variance)` (plain, non-adaptive rule).
    @inline(__always)
    public func expectation(mean: Double, variance: Double, _ f: (Double) -> Double) -> Double {
        if variance <= 0 { return f(mean) }
        let s = (2 * variance).squareRoot()
        var acc = 0.0
        for k in 0..<nodes.count { acc += weights[k] * f(mean + s * nodes[k]) }
        return acc / Double.pi.squareRoot()
    }
}

/// The logistic-normal mean `E[σ(a + s Z)]`, `Z ~ N(0,1)`: the PD of a loan with fixed log-odds `F` whose frailty is
/// `N(μ, s²)` (`a = F + μ`), as GPBoost computes its response mean.
public enum LogisticNormal {
    /// Default number of Gauss–Hermite nodes (GPBoost uses 30; 64 keeps the error below 1e-10 for s ≤ 2).
    public static let defaultNodes = 64
    /// Above this standard deviation the integrand's complex poles (at Im z = π/s) come close enough to the real axis
    /// to slow Gauss–Hermite down; the trapezoidal rule takes over.
    public static let gaussHermiteLimit = 2.0

    /// `E[σ(a + s Z)]` for `Z ~ N(0,1)`.
    ///
    /// For `0 < s ≤ 2`: adaptive Gauss–Hermite with `nodes` points, centred at the mode `ẑ` of `σ(a + s z) φ(z)` and
    /// scaled by `τ = (1 + s² σ(1−σ))^{-1/2}` (the curvature there), as GPBoost does:
    /// `E ≈ √2 τ Σ_k w_k e^{x_k²} σ(a + s z_k) φ(z_k)`, `z_k = ẑ + √2 τ x_k`. For `s > 2`: the trapezoidal rule on
    /// [−39, 39] with step `min(1/8, π/(8s))`, exponentially accurate for this analytic integrand. `s = 0` gives `σ(a)`.
    public static func mean(offset a: Double, sd s: Double, nodes: Int = defaultNodes) -> Double {
        mean(offset: a, sd: s, rule: GaussHermite.rule(nodes))
    }

    /// ``mean(offset:sd:nodes:)`` with a given rule.
    public static func mean(offset a: Double, sd s: Double, rule: GaussHermite) -> Double {
        precondition(a.isFinite && s.isFinite && s >= 0, "LogisticNormal.mean needs finite a and s ≥ 0")
        if s == 0 { return Special.sigmoid(a) }
        if s > gaussHermiteLimit { return trapezoid(a, s) }
        // Mode of g(z) = log σ(a + s z) − z²/2: g'(z) = s(1 − σ) − z is decreasing, g'(0) ≥ 0, g'(s) ≤ 0.
        var lo = 0.0, hi = s, z = 0.0
        for _ in 0..<100 {
            let p = Special.sigmoid(a + s * z)
            let g = s * (1 - p) - z
            if g > 0 { lo = z } else { hi = z }
            let h = -s * s * p * (1 - p) - 1
            var next = z - g / h
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - z) <= 1e-14 * max(1, abs(z)) { z = next; break }
            z = next
        }
        let pm = Special.sigmoid(a + s * z)
        let tau = 1 / (1 + s * s * pm * (1 - pm)).squareRoot()
        let c = 2.0.squareRoot() * tau
        var sum = 0.0
        for k in 0..<rule.nodes.count {
            let zk = z + c * rule.nodes[k]
            sum += rule.scaledWeights[k] * Special.sigmoid(a + s * zk) * Special.normalPDF(zk)
        }
        return min(1, max(0, c * sum))
    }

    static func trapezoid(_ a: Double, _ s: Double) -> Double {
        let h = min(0.125, Double.pi / (8 * s))
        let n = Int((39 / h).rounded(.up))
        var sum = Special.sigmoid(a) * Special.normalPDF(0)
        for k in 1...n {
            let z = Double(k) * h
            sum += (Special.sigmoid(a + s * z) + Special.sigmoid(a - s * z)) * Special.normalPDF(z)
        }
        return min(1, max(0, h * sum))
    }
}
