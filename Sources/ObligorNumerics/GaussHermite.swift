import Foundation

/// Gauss–Hermite quadrature for expectations under a normal distribution.
///
/// Nodes and weights come from the Golub–Welsch algorithm (Golub & Welsch 1969): the nodes of the
/// n-point rule for the weight `e^{−x²}` are the eigenvalues of the symmetric tridiagonal Jacobi matrix
/// with off-diagonal `√(k/2)`, and the weights are `√π · v₀²` from the first components of the unit
/// eigenvectors. ``expectation(mean:variance:_:)`` rescales them to `E[f(X)]`, `X ~ N(μ, σ²)`, exactly for
/// polynomials of degree ≤ 2n − 1.
public struct GaussHermite: Sendable {
    /// Nodes for the weight `e^{−x²}`, ascending.
    public let nodes: [Double]
    /// Weights, summing to `√π`.
    public let weights: [Double]

    /// The n-point rule (n ≥ 1).
    public init(points n: Int) throws(LinearAlgebraError) {
        precondition(n >= 1, "Gauss–Hermite needs at least one point")
        var j = Matrix(rows: n, columns: n)
        for k in 1..<max(1, n) {
            let b = (Double(k) / 2).squareRoot()
            j.storage[(k - 1) * n + k] = b
            j.storage[k * n + k - 1] = b
        }
        let eig = try SymmetricEigen(j)
        nodes = eig.values
        weights = (0..<n).map { c in Double.pi.squareRoot() * eig.vectors[0, c] * eig.vectors[0, c] }
    }

    /// `E[f(X)]` for `X ~ N(mean, variance)`.
    @inline(__always)
    public func expectation(mean: Double, variance: Double, _ f: (Double) -> Double) -> Double {
        if variance <= 0 { return f(mean) }
        let s = (2 * variance).squareRoot()
        var acc = 0.0
        for k in 0..<nodes.count { acc += weights[k] * f(mean + s * nodes[k]) }
        return acc / Double.pi.squareRoot()
    }

    /// A 32-point rule, built once.
    public static let standard: GaussHermite = try! GaussHermite(points: 32)
}
