import CBLAS

/// A dense, row-major matrix of `Double` with value semantics.
///
/// Element (i, j) lives at `storage[i * columns + j]`. Copies are cheap until written
/// (copy-on-write through the underlying array).
///
/// ```swift
/// let a = Matrix(rows: 2, columns: 2, values: [4, 2, 2, 3])
/// let c = try a * a            // BLAS dgemm
/// let y = try a * [1.0, 1.0]   // BLAS dgemv
/// ```
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Row-major elements, `rows * columns` of them.
    public internal(set) var storage: [Double]

    /// A matrix filled with one value.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix from row-major values.
    /// - Precondition: `values.count == rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "Matrix(rows:\(rows), columns:\(columns)) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.storage = values
    }

    /// A matrix from an array of equally long rows.
    public init(_ rowArrays: [[Double]]) {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "All rows must have the same length")
        self.init(rows: r, columns: c, values: rowArrays.flatMap { $0 })
    }

    /// The n×n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i * n + i] = 1 }
        return m
    }

    /// A square matrix with `diagonal` on its diagonal.
    public static func diagonal(_ diagonal: [Double]) -> Matrix {
        let n = diagonal.count
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i * n + i] = diagonal[i] }
        return m
    }

    /// Element access. - Complexity: O(1)
    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// A copy of row `i`.
    public func row(_ i: Int) -> [Double] { Array(storage[(i * columns)..<((i + 1) * columns)]) }

    /// A copy of column `j`.
    public func column(_ j: Int) -> [Double] { (0..<rows).map { storage[$0 * columns + j] } }

    /// The main diagonal.
    public var diagonalElements: [Double] { (0..<min(rows, columns)).map { storage[$0 * columns + $0] } }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t.storage[j * rows + i] = storage[i * columns + j] } }
        return t
    }

    /// True when every element is finite.
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }

    public var description: String {
        (0..<rows).map { i in row(i).map { String(format: "%.6g", $0) }.joined(separator: "\t") }.joined(separator: "\n")
    }
}

// MARK: - BLAS products

extension Matrix {
    /// General matrix product `alpha * op(A) * op(B) + beta * C` through BLAS `dgemm`.
    ///
    /// - Parameters:
    ///   - a: left operand; transposed first when `transposeA`.
    ///   - b: right operand; transposed first when `transposeB`.
    ///   - alpha: scale of the product.
    ///   - beta: scale of `c` (ignored when `c` is nil).
    ///   - c: optional accumulator.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:detail:)``.
    /// - Complexity: O(m·n·k).
    public static func gemm(
        _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Double = 1, beta: Double = 0, accumulateInto c: Matrix? = nil
    ) throws(LinearAlgebraError) -> Matrix {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        guard k == kb else {
            throw .dimensionMismatch(operation: "gemm", detail: "op(A) is \(m)×\(k), op(B) is \(kb)×\(n)")
        }
        var result: Matrix
        if let c {
            guard c.rows == m, c.columns == n else {
                throw .dimensionMismatch(operation: "gemm", detail: "C is \(c.rows)×\(c.columns), expected \(m)×\(n)")
            }
            result = c
        } else {
            result = Matrix(rows: m, columns: n)
        }
        if m == 0 || n == 0 { return result }
        if k == 0 {
            for i in result.storage.indices { result.storage[i] *= (c == nil ? 0 : beta) }
            return result
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                result.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(
                        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha,
                        pa.baseAddress, Int32(a.columns), pb.baseAddress, Int32(b.columns),
                        c == nil ? 0 : beta, pc.baseAddress, Int32(n))
                }
            }
        }
        return result
    }

    /// Matrix–vector product `alpha * op(A) x + beta * y` through BLAS `dgemv`.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:detail:)``.
    public func gemv(
        _ x: [Double], transpose: Bool = false, alpha: Double = 1, beta: Double = 0, accumulateInto y: [Double]? = nil
    ) throws(LinearAlgebraError) -> [Double] {
        let outCount = transpose ? columns : rows
        let inCount = transpose ? rows : columns
        guard x.count == inCount else {
            throw .dimensionMismatch(operation: "gemv", detail: "op(A) has \(inCount) columns, x has \(x.count)")
        }
        var result = y ?? Array(repeating: 0, count: outCount)
        guard result.count == outCount else {
            throw .dimensionMismatch(operation: "gemv", detail: "y has \(result.count) elements, expected \(outCount)")
        }
        if outCount == 0 { return result }
        if inCount == 0 { return result.map { $0 * (y == nil ? 0 : beta) } }
        storage.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                result.withUnsafeMutableBufferPointer { py in
                    cblas_dgemv(
                        CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), alpha,
                        pa.baseAddress, Int32(columns), px.baseAddress, 1, y == nil ? 0 : beta, py.baseAddress, 1)
                }
            }
        }
        return result
    }

    /// `A * B` through `dgemm`.
    public static func * (lhs: Matrix, rhs: Matrix) throws(LinearAlgebraError) -> Matrix {
        try gemm(lhs, rhs)
    }

    /// `A * x` through `dgemv`.
    public static func * (lhs: Matrix, rhs: [Double]) throws(LinearAlgebraError) -> [Double] {
        try lhs.gemv(rhs)
    }

    /// The Gram matrix `Aᵀ diag(w) A` (w defaults to ones), the normal-equations matrix of
    /// weighted least squares. Uses `dsyrk` on a row-scaled copy.
    public func weightedGram(_ weights: [Double]? = nil) throws(LinearAlgebraError) -> Matrix {
        var scaled = self
        if let weights {
            guard weights.count == rows else {
                throw .dimensionMismatch(operation: "weightedGram", detail: "\(weights.count) weights for \(rows) rows")
            }
            for i in 0..<rows {
                let s = weights[i].squareRoot()
                guard s.isFinite else { throw .nonFinite(operation: "weightedGram") }
                for j in 0..<columns { scaled.storage[i * columns + j] *= s }
            }
        }
        var g = Matrix(rows: columns, columns: columns)
        if rows == 0 || columns == 0 { return g }
        scaled.storage.withUnsafeBufferPointer { pa in
            g.storage.withUnsafeMutableBufferPointer { pg in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), 1,
                            pa.baseAddress, Int32(columns), 0, pg.baseAddress, Int32(columns))
            }
        }
        for i in 0..<columns { for j in 0..<i { g.storage[i * columns + j] = g.storage[j * columns + i] } }
        return g
    }
}

/// Vector helpers on `[Double]` (BLAS level 1 where it pays).
public enum VectorOps {
    /// Dot product through `ddot`.
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: lengths differ")
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in cblas_ddot(Int32(x.count), px.baseAddress, 1, py.baseAddress, 1) }
        }
    }

    /// Euclidean norm through `dnrm2`.
    public static func norm2(_ x: [Double]) -> Double {
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { cblas_dnrm2(Int32(x.count), $0.baseAddress, 1) }
    }
}
