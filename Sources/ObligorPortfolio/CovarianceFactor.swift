import ObligorNumerics

/// A square root `A` of a frailty covariance, `C ≈ A Aᵀ`, used to draw `b = μ + A z`, `z ~ N(0, I)`.
///
/// Tried in order, on the symmetrised matrix:
/// 1. all entries zero → `A = 0` (`zero`);
/// 2. Cholesky `C = L Lᵀ` (`cholesky`);
/// 3. Cholesky of `C + εI` with `ε = 1e-10 · mean(C_jj)`, then `1e-8 · mean(C_jj)` (`cholesky_jitter`);
/// 4. eigen-decomposition `C = V Λ Vᵀ`, eigenvalues below zero clipped to 0, `A = V Λ₊^{1/2}`
///    (`eigen`); exact for singular positive semi-definite C. Eigenvalues below
///    `−1e-6 · max(λ_max, mean C_jj)` mean C is not a covariance, and an error is thrown.
///
/// The factor is always finite.
public struct CovarianceFactor: Sendable {
    /// How the factor was obtained.
    public enum Method: String, Codable, Sendable {
        case zero, cholesky
        case choleskyJitter = "cholesky_jitter"
        case eigen
    }
    /// The method used.
    public let method: Method
    /// The jitter `ε` added to the diagonal (0 unless `cholesky_jitter`).
    public let jitter: Double
    /// The number of negative eigenvalues set to 0 (`eigen` only).
    public let clippedEigenvalues: Int
    /// `A` (lower triangular unless `eigen`), k × k.
    public let factor: Matrix

    /// Factorises the symmetric k × k matrix `c` (row-major).
    /// - Throws: ``PortfolioError/invalidFrailty(_:)`` for non-finite input or a clearly indefinite matrix.
    public init(covariance c: Matrix) throws(PortfolioError) {
        let k = c.rows
        guard c.columns == k else { throw .invalidFrailty("covariance is \(c.rows)×\(c.columns), not square") }
        guard c.isFinite else { throw .invalidFrailty("covariance contains NaN or infinity") }
        if c.storage.allSatisfy({ $0 == 0 }) {
            self.init(method: .zero, jitter: 0, clipped: 0, factor: Matrix(rows: k, columns: k))
            return
        }
        if let l = try? Cholesky(c), l.lower.isFinite {
            self.init(method: .cholesky, jitter: 0, clipped: 0, factor: l.lower)
            return
        }
        let meanDiag = c.diagonalElements.reduce(0, +) / Double(max(k, 1))
        if meanDiag > 0 {
            for rel in [1e-10, 1e-8] {
                let eps = rel * meanDiag
                var s = c.storage
                for j in 0..<k { s[j * k + j] += eps }
                if let l = try? Cholesky(Matrix(rows: k, columns: k, values: s)), l.lower.isFinite {
                    self.init(method: .choleskyJitter, jitter: eps, clipped: 0, factor: l.lower)
                    return
                }
            }
        }
        let eig: SymmetricEigen
        do { eig = try SymmetricEigen(c) } catch {
            throw .invalidFrailty("covariance could not be factorised (Cholesky failed, eigen-decomposition: \(error))")
        }
        let lmax = eig.values.last ?? 0
        let tol = 1e-6 * max(lmax, meanDiag)
        if let lmin = eig.values.first, lmin < -tol {
            throw .invalidFrailty("covariance is not positive semi-definite: smallest eigenvalue \(lmin), largest \(lmax)")
        }
        var a = [Double](repeating: 0, count: k * k)
        var clipped = 0
        for col in 0..<k {
            let lam = eig.values[col]
            if lam < 0 { clipped += 1 }
            let r = max(0, lam).squareRoot()
            for row in 0..<k { a[row * k + col] = eig.vectors[row, col] * r }
        }
        let f = Matrix(rows: k, columns: k, values: a)
        guard f.isFinite else { throw .invalidFrailty("eigen-decomposition produced non-finite values") }
        self.init(method: .eigen, jitter: 0, clipped: clipped, factor: f)
    }

    private init(method: Method, jitter: Double, clipped: Int, factor: Matrix) {
        self.method = method
        self.jitter = jitter
        self.clippedEigenvalues = clipped
        self.factor = factor
    }

    /// The Codable description of how the factor was obtained.
    public var info: FactorisationInfo { FactorisationInfo(method: method, jitter: jitter, clippedEigenvalues: clippedEigenvalues) }
}

/// How a covariance was factorised, for reports.
public struct FactorisationInfo: Codable, Sendable, Equatable {
    /// `zero`, `cholesky`, `cholesky_jitter` or `eigen`.
    public var method: CovarianceFactor.Method
    /// Diagonal jitter added before Cholesky.
    public var jitter: Double
    /// Negative eigenvalues clipped to 0.
    public var clippedEigenvalues: Int

    enum CodingKeys: String, CodingKey {
        case method, jitter
        case clippedEigenvalues = "clipped_eigenvalues"
    }
}
