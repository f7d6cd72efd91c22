import Foundation
import ObligorNumerics
import Testing

@Suite("Cholesky, SymmetricEigen, solveLinearSystem")
struct DecompositionTests {
    @Test("L·Lᵀ reconstructs A and L is lower triangular", arguments: [1, 2, 5, 12, 30])
    func choleskyReconstructs(n: Int) throws {
        let a = spdMatrix(n, RandomSource(seed: UInt64(100 + n)))
        let chol = try Cholesky(a)
        let l = chol.lower
        #expect(chol.order == n)
        for i in 0..<n {
            #expect(l[i, i] > 0)
            for j in (i + 1)..<max(i + 1, n) { #expect(l[i, j] == 0) }
        }
        // dpotrf is backward stable: ‖LLᵀ − A‖ ≤ c·n·u·‖A‖; with n ≤ 30, c·n·u < 1e-13, so 1e-12·max|A| holds.
        let llt = naiveProduct(l, l.transposed)
        #expect(maxAbsDiff(llt, a) <= 1e-12 * maxAbs(a))
    }

    @Test("solve has a small residual; solveLower is forward substitution")
    func choleskySolve() throws {
        let rng = RandomSource(seed: 5)
        let n = 15
        let a = spdMatrix(n, rng)
        let chol = try Cholesky(a)
        let b = randomVector(n, rng)
        let x = try chol.solve(b)
        // cond(A) ≤ n + 1 = 16 (see spdMatrix) and the solve is backward stable, so the residual
        // ‖Ax − b‖∞ ≤ c·n·u·‖A‖·‖x‖ is far below 1e-12 for these sizes (‖A‖ ≤ n + n², ‖x‖ ≤ ‖b‖/n).
        let ax = naiveGemm(a, Matrix(rows: n, columns: 1, values: x), transposeA: false, transposeB: false).map { $0[0] }
        #expect(maxAbsDiff(ax, b) < 1e-12)

        // Matrix right-hand side: each column solved.
        let bm = randomMatrix(n, 3, rng)
        let xm = try chol.solve(bm)
        #expect(maxAbsDiff(naiveProduct(a, xm), bm) < 1e-12)

        // L y = b: check by multiplying back with the naive product.
        let y = try chol.solveLower(b)
        let ly = naiveGemm(chol.lower, Matrix(rows: n, columns: 1, values: y), transposeA: false, transposeB: false).map { $0[0] }
        #expect(maxAbsDiff(ly, b) < 1e-12)
        // ‖y‖² = bᵀA⁻¹b = bᵀx (both sides are the same quadratic form; cond ≤ 16 so agreement to 1e-12 relative).
        let yy = y.reduce(0) { $0 + $1 * $1 }
        let bx = zip(b, x).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(yy - bx) <= 1e-12 * abs(bx))

        let e = #expect(throws: LinearAlgebraError.self) { try chol.solve([1, 2]) }
        guard case .dimensionMismatch = e else { Issue.record("wrong error"); return }
        let e2 = #expect(throws: LinearAlgebraError.self) { try chol.solveLower([1, 2]) }
        guard case .dimensionMismatch = e2 else { Issue.record("wrong error"); return }
    }

    @Test("logDeterminant: 2×2 closed form and product of eigenvalues")
    func logDeterminant() throws {
        // det [[4, 2], [2, 3]] = 12 − 4 = 8; L = [[2, 0], [1, √2]], so 2(ln 2 + ln √2) = ln 8 up to a few ulps.
        let c2 = try Cholesky(Matrix([[4, 2], [2, 3]]))
        #expect(abs(c2.logDeterminant - log(8.0)) < 1e-14)
        // Diagonal: ln(2·3·5) to a few ulps.
        #expect(abs(try Cholesky(Matrix.diagonal([2, 3, 5])).logDeterminant - log(30.0)) < 1e-14)

        for n in [3, 8, 20] {
            let a = spdMatrix(n, RandomSource(seed: UInt64(n)))
            let eig = try SymmetricEigen(a)
            let sumLog = eig.values.reduce(0) { $0 + log($1) }
            // Both routes are backward stable and eigenvalues are ≥ n (well separated from 0), so each ln λ
            // and each ln L_ii is accurate to ~1e-15 relative; 1e-12 relative on the sum is generous.
            #expect(abs(try Cholesky(a).logDeterminant - sumLog) <= 1e-12 * abs(sumLog))
        }
    }

    @Test("inverse · A = I and the inverse is symmetric")
    func inverse() throws {
        for n in [1, 4, 16] {
            let a = spdMatrix(n, RandomSource(seed: UInt64(900 + n)))
            let inv = try Cholesky(a).inverse()
            #expect(inv == inv.transposed)
            // Error ≲ cond(A)·n·u ≤ 17·16·1.1e-16 ≈ 3e-14 per entry; 1e-12 allows slack.
            #expect(maxAbsDiff(naiveProduct(inv, a), Matrix.identity(n)) < 1e-12)
        }
        #expect(try Cholesky(Matrix(rows: 0, columns: 0)).inverse() == Matrix(rows: 0, columns: 0))
        // Diagonal case: inverse of diag(2, 4) is diag(0.5, 0.25); L = diag(√2, 2) and dpotri squares 1/√2,
        // so the (0,0) entry may be off by an ulp or two (5.6e-17 each) — 1e-15 bounds it.
        #expect(maxAbsDiff(try Cholesky(Matrix.diagonal([2, 4])).inverse(), Matrix.diagonal([0.5, 0.25])) < 1e-15)
    }

    @Test("non-positive-definite matrices report the failing leading minor")
    func notPositiveDefinite() {
        // [[1,2],[2,1]]: first minor 1 > 0, det = −3 < 0 → minor 2.
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) { try Cholesky(Matrix([[1, 2], [2, 1]])) }
        // Leading entry negative → minor 1.
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 1)) { try Cholesky(Matrix([[-1, 0], [0, 1]])) }
        // [[2,1,0],[1,2,0],[0,0,-1]]: leading minors 2, 3, −3 → minor 3.
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 3)) {
            try Cholesky(Matrix([[2, 1, 0], [1, 2, 0], [0, 0, -1]]))
        }
        // Only the lower triangle is read: the garbage upper 99 must not matter.
        #expect(throws: Never.self) { try Cholesky(Matrix([[4, 99], [2, 3]])) }
    }

    @Test("Cholesky rejects NaN, infinity and non-square input")
    func choleskyBadInput() {
        #expect(throws: LinearAlgebraError.nonFinite(operation: "Cholesky")) { try Cholesky(Matrix([[1, .nan], [.nan, 1]])) }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "Cholesky")) { try Cholesky(Matrix([[.infinity]])) }
        let e = #expect(throws: LinearAlgebraError.self) { try Cholesky(Matrix(rows: 2, columns: 3)) }
        guard case .dimensionMismatch = e else { Issue.record("wrong error"); return }
        let msg = LinearAlgebraError.notPositiveDefinite(minor: 2).description
        #expect(msg.contains("2"))
    }

    @Test("SymmetricEigen: A v = λ v, ascending, orthonormal", arguments: [1, 2, 6, 25])
    func eigenRandom(n: Int) throws {
        let b = randomMatrix(n, n, RandomSource(seed: UInt64(31 * n)))
        let a = Matrix(rows: n, columns: n, values: (0..<(n * n)).map { idx in
            let i = idx / n, j = idx % n
            return (b[i, j] + b[j, i]) / 2
        })
        let eig = try SymmetricEigen(a)
        #expect(eig.values.count == n)
        #expect(zip(eig.values, eig.values.dropFirst()).allSatisfy { $0 <= $1 })
        let v = eig.vectors
        // dsyevd is backward stable: ‖Av − λv‖ ≤ c·n·u·‖A‖ with ‖A‖ ≤ n, i.e. ≲ 25·25·1e-16·c; 1e-12 holds.
        for k in 0..<n {
            let col = v.column(k)
            for i in 0..<n {
                var s = 0.0
                for j in 0..<n { s += a[i, j] * col[j] }
                #expect(abs(s - eig.values[k] * col[i]) < 1e-12)
            }
        }
        // Orthonormality to ~n·u.
        #expect(maxAbsDiff(naiveProduct(v.transposed, v), Matrix.identity(n)) < 1e-13)
    }

    @Test("SymmetricEigen 2×2 closed form")
    func eigen2x2() throws {
        let (a, b, c) = (2.0, 1.5, -1.0)
        let mean = (a + c) / 2, r = (((a - c) / 2) * ((a - c) / 2) + b * b).squareRoot()
        let eig = try SymmetricEigen(Matrix([[a, b], [b, c]]))
        // Eigenvalues of magnitude ~3 accurate to a few ulps.
        #expect(abs(eig.values[0] - (mean - r)) < 1e-14)
        #expect(abs(eig.values[1] - (mean + r)) < 1e-14)
        // The eigenvector of the larger eigenvalue is ∝ (b, λ − a); compare up to sign.
        let lam = mean + r
        let norm = (b * b + (lam - a) * (lam - a)).squareRoot()
        let expected = [b / norm, (lam - a) / norm]
        let got = eig.vectors.column(1)
        let sign = got[0] * expected[0] + got[1] * expected[1] < 0 ? -1.0 : 1.0
        #expect(maxAbsDiff(got.map { sign * $0 }, expected) < 1e-14)

        #expect(throws: LinearAlgebraError.nonFinite(operation: "SymmetricEigen")) { try SymmetricEigen(Matrix([[.nan]])) }
        #expect(try SymmetricEigen(Matrix(rows: 0, columns: 0)).values == [])
    }

    @Test("solveLinearSystem recovers a known solution")
    func solveKnown() throws {
        // [[2,1],[1,3]] x = [3,5] → x = (4/5, 7/5); the LU solve is accurate to a couple of ulps.
        let x = try solveLinearSystem(Matrix([[2, 1], [1, 3]]), Matrix(rows: 2, columns: 1, values: [3, 5]))
        #expect(abs(x[0, 0] - 0.8) < 1e-15 && abs(x[1, 0] - 1.4) < 1e-15)

        let rng = RandomSource(seed: 2024)
        let n = 20
        var a = randomMatrix(n, n, rng)
        for i in 0..<n { a[i, i] += Double(n) }     // strictly diagonally dominant: cond ≲ 3
        let xTrue = Matrix(rows: n, columns: 2, values: (0..<(2 * n)).map { Double($0 % 7) - 3 })
        let b = naiveProduct(a, xTrue)
        let xs = try solveLinearSystem(a, b)
        // Forward error ≤ cond·(backward error) ≈ 3·n·u·growth; growth is 1 here (diagonal dominance). 1e-12 holds.
        #expect(maxAbsDiff(xs, xTrue) < 1e-12)
        // A non-symmetric matrix: the solver must not assume symmetry.
        #expect(a != a.transposed)
    }

    @Test("solveLinearSystem errors")
    func solveErrors() {
        // [[1,2],[2,4]]: row 2 = 2·row 1; partial pivoting takes row 2 first and leaves an exact zero at pivot 2.
        #expect(throws: LinearAlgebraError.singular(pivot: 2)) {
            try solveLinearSystem(Matrix([[1, 2], [2, 4]]), Matrix(rows: 2, columns: 1, values: [1, 1]))
        }
        #expect(throws: LinearAlgebraError.singular(pivot: 1)) {
            try solveLinearSystem(Matrix(rows: 2, columns: 2), Matrix(rows: 2, columns: 1, values: [1, 1]))
        }
        let e = #expect(throws: LinearAlgebraError.self) {
            try solveLinearSystem(Matrix.identity(2), Matrix(rows: 3, columns: 1))
        }
        guard case .dimensionMismatch = e else { Issue.record("wrong error"); return }
        #expect(throws: LinearAlgebraError.nonFinite(operation: "solveLinearSystem")) {
            try solveLinearSystem(Matrix.identity(2), Matrix(rows: 2, columns: 1, values: [1, .nan]))
        }
    }
}

@Suite("Gauss–Hermite quadrature")
struct GaussHermiteTests {
    /// Exact for polynomials up to degree 2n − 1: E[X^k] of N(μ, σ²) from the closed-form moments.
    @Test func integratesPolynomialsExactly() throws {
        let gh = try GaussHermite(points: 10)
        #expect(abs(gh.weights.reduce(0, +) - Double.pi.squareRoot()) < 1e-13)
        let mu = 0.3, s2 = 2.0
        #expect(abs(gh.expectation(mean: mu, variance: s2) { $0 } - mu) < 1e-12)
        #expect(abs(gh.expectation(mean: mu, variance: s2) { $0 * $0 } - (mu * mu + s2)) < 1e-12)
        // E[X⁴] = μ⁴ + 6μ²σ² + 3σ⁴.
        #expect(abs(gh.expectation(mean: mu, variance: s2) { pow($0, 4) } - (pow(mu, 4) + 6 * mu * mu * s2 + 3 * s2 * s2)) < 1e-10)
    }

    /// The logistic-normal integral against a fine trapezoid rule on ±12σ (error < 1e-12).
    @Test func logisticNormalMatchesTrapezoid() {
        for (mu, s2) in [(-4.0, 0.5), (0.0, 1.0), (2.5, 3.0), (-8.0, 0.1)] {
            let gh = GaussHermite.standard.expectation(mean: mu, variance: s2) { Special.sigmoid($0) }
            let s = s2.squareRoot()
            var trap = 0.0
            let n = 200_000
            let h = 24.0 / Double(n)
            for k in 0...n {
                let z = -12.0 + Double(k) * h
                let w = (k == 0 || k == n) ? 0.5 : 1.0
                trap += w * Special.sigmoid(mu + s * z) * Special.normalPDF(z)
            }
            trap *= h
            #expect(abs(gh - trap) < 1e-8, "mu \(mu) s2 \(s2): \(gh) vs \(trap)")
        }
    }
}
