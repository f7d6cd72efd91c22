import CBLAS
import Foundation

/// The Cholesky factorisation `A = L Lᵀ` of a symmetric positive-definite matrix (LAPACKE `dpotrf`).
///
/// ```swift
/// let chol = try Cholesky(Matrix([[4, 2], [2, 3]]))
/// let x = try chol.solve([1, 2])      // A x = b
/// let logDet = chol.logDeterminant    // ln det A = 2 Σ ln L_ii
/// ```
public struct Cholesky: Sendable {
    /// The lower-triangular factor L (upper triangle zeroed).
    public let lower: Matrix

    /// Factorises `matrix`, reading its lower triangle.
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(minor:)`` when a leading minor is not
    ///   positive, `dimensionMismatch` for a non-square input, `nonFinite` for NaN/inf.
    /// - Complexity: O(n³/3).
    public init(_ matrix: Matrix) throws(LinearAlgebraError) {
        guard matrix.rows == matrix.columns else {
            throw .dimensionMismatch(operation: "Cholesky", detail: "matrix is \(matrix.rows)×\(matrix.columns)")
        }
        guard matrix.isFinite else { throw .nonFinite(operation: "Cholesky") }
        let n = matrix.rows
        var l = matrix
        if n > 0 {
            let info = l.storage.withUnsafeMutableBufferPointer { p in
                LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), p.baseAddress, Int32(n))
            }
            if info > 0 { throw .notPositiveDefinite(minor: Int(info)) }
            if info < 0 { throw .illegalArgument(operation: "dpotrf", index: Int(-info)) }
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { l.storage[i * n + j] = 0 } }
        }
        self.lower = l
    }

    /// The order n.
    public var order: Int { lower.rows }

    /// `ln det A = 2 Σ ln L_ii`.
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<order { s += log(lower[i, i]) }
        return 2 * s
    }

    /// Solves `A X = B` for a matrix right-hand side (LAPACKE `dpotrs`).
    public func solve(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        guard b.rows == order else {
            throw .dimensionMismatch(operation: "Cholesky.solve", detail: "A is \(order)×\(order), B has \(b.rows) rows")
        }
        var x = b
        if order == 0 || b.columns == 0 { return x }
        let info = lower.storage.withUnsafeBufferPointer { pl in
            x.storage.withUnsafeMutableBufferPointer { px in
                LAPACKE_dpotrs(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(order), Int32(b.columns),
                               pl.baseAddress, Int32(order), px.baseAddress, Int32(b.columns))
            }
        }
        if info < 0 { throw .illegalArgument(operation: "dpotrs", index: Int(-info)) }
        return x
    }

    /// Solves `A x = b`.
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        try solve(Matrix(rows: b.count, columns: 1, values: b)).storage
    }

    /// Solves `L y = b` (forward substitution, `dtrsv`).
    public func solveLower(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == order else {
            throw .dimensionMismatch(operation: "Cholesky.solveLower", detail: "b has \(b.count) elements, expected \(order)")
        }
        var y = b
        if order == 0 { return y }
        lower.storage.withUnsafeBufferPointer { pl in
            y.withUnsafeMutableBufferPointer { py in
                cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(order), pl.baseAddress, Int32(order), py.baseAddress, 1)
            }
        }
        return y
    }

    /// Solves `L X = B` for a matrix right-hand side (`dtrsm`), i.e. `X = L⁻¹B`.
    public func solveLower(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        try triangularSolve(b, transpose: false)
    }

    /// Solves `Lᵀ X = B` for a matrix right-hand side (`dtrsm`), i.e. `X = L⁻ᵀB`.
    public func solveUpper(_ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        try triangularSolve(b, transpose: true)
    }

    /// Solves `Lᵀ x = b` (back substitution, `dtrsv`).
    public func solveUpper(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        try triangularSolve(Matrix(rows: b.count, columns: 1, values: b), transpose: true).storage
    }

    private func triangularSolve(_ b: Matrix, transpose: Bool) throws(LinearAlgebraError) -> Matrix {
        guard b.rows == order else {
            throw .dimensionMismatch(operation: "Cholesky triangular solve", detail: "L is \(order)×\(order), B has \(b.rows) rows")
        }
        var x = b
        if order == 0 || b.columns == 0 { return x }
        lower.storage.withUnsafeBufferPointer { pl in
            x.storage.withUnsafeMutableBufferPointer { px in
                cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit,
                            Int32(order), Int32(b.columns), 1, pl.baseAddress, Int32(order), px.baseAddress, Int32(b.columns))
            }
        }
        return x
    }

    /// `A⁻¹` (LAPACKE `dpotri`), symmetric.
    public func inverse() throws(LinearAlgebraError) -> Matrix {
        var inv = lower
        let n = order
        if n == 0 { return inv }
        let info = inv.storage.withUnsafeMutableBufferPointer { p in
            LAPACKE_dpotri(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), p.baseAddress, Int32(n))
        }
        if info > 0 { throw .singular(pivot: Int(info)) }
        if info < 0 { throw .illegalArgument(operation: "dpotri", index: Int(-info)) }
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { inv.storage[i * n + j] = inv.storage[j * n + i] } }
        return inv
    }
}
