import CBLAS

/// Eigen-decomposition `A = V diag(λ) Vᵀ` of a symmetric matrix (LAPACKE `dsyevd`).
///
/// Eigenvalues are ascending; column k of ``vectors`` is the unit eigenvector of `values[k]`.
public struct SymmetricEigen: Sendable {
    /// Eigenvalues in ascending order.
    public let values: [Double]
    /// Orthonormal eigenvectors as columns.
    public let vectors: Matrix

    /// Decomposes `matrix`, reading its lower triangle.
    /// - Throws: `dimensionMismatch`, `nonFinite`, or `noConvergence`.
    /// - Complexity: O(n³).
    public init(_ matrix: Matrix) throws(LinearAlgebraError) {
        guard matrix.rows == matrix.columns else {
            throw .dimensionMismatch(operation: "SymmetricEigen", detail: "matrix is \(matrix.rows)×\(matrix.columns)")
        }
        guard matrix.isFinite else { throw .nonFinite(operation: "SymmetricEigen") }
        let n = matrix.rows
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        if n > 0 {
            let info = a.storage.withUnsafeMutableBufferPointer { pa in
                w.withUnsafeMutableBufferPointer { pw in
                    LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")),
                                   Int32(n), pa.baseAddress, Int32(n), pw.baseAddress)
                }
            }
            if info > 0 { throw .noConvergence(operation: "dsyevd", info: Int(info)) }
            if info < 0 { throw .illegalArgument(operation: "dsyevd", index: Int(-info)) }
        }
        self.values = w
        self.vectors = a
    }
}

/// Solves a general square system `A X = B` by LU with partial pivoting (LAPACKE `dgesv`).
/// - Throws: ``LinearAlgebraError/singular(pivot:)`` for a singular A.
public func solveLinearSystem(_ a: Matrix, _ b: Matrix) throws(LinearAlgebraError) -> Matrix {
    guard a.rows == a.columns, b.rows == a.rows else {
        throw .dimensionMismatch(operation: "solveLinearSystem", detail: "A is \(a.rows)×\(a.columns), B is \(b.rows)×\(b.columns)")
    }
    guard a.isFinite, b.isFinite else { throw .nonFinite(operation: "solveLinearSystem") }
    let n = a.rows
    var lu = a
    var x = b
    if n == 0 || b.columns == 0 { return x }
    var pivots = [Int32](repeating: 0, count: n)
    let info = lu.storage.withUnsafeMutableBufferPointer { pa in
        x.storage.withUnsafeMutableBufferPointer { pb in
            pivots.withUnsafeMutableBufferPointer { pp in
                LAPACKE_dgesv(LAPACK_ROW_MAJOR, Int32(n), Int32(b.columns), pa.baseAddress, Int32(n), pp.baseAddress, pb.baseAddress, Int32(b.columns))
            }
        }
    }
    if info > 0 { throw .singular(pivot: Int(info)) }
    if info < 0 { throw .illegalArgument(operation: "dgesv", index: Int(-info)) }
    return x
}
