import CBLAS

/// BLAS kernels on raw row-major buffers for small neural networks (``ObligorNeural``).
///
/// ``Matrix/gemm(_:_:transposeA:transposeB:alpha:beta:accumulateInto:)`` allocates its result; a
/// network's training loop runs millions of small products and wants to write into buffers it
/// already owns and to accumulate (`beta = 1`). These two functions are thin, checked wrappers of
/// `cblas_dgemm` / `cblas_dgemv` for that use, and nothing more.
public enum NeuralKernels {
    /// `C ← alpha · op(A) · op(B) + beta · C`, all row-major.
    ///
    /// - Parameters:
    ///   - m, n, k: `op(A)` is m×k, `op(B)` is k×n, `C` is m×n.
    ///   - a: A's elements; A is stored m×k, or k×m when `transposeA`.
    ///   - b: B's elements; B is stored k×n, or n×k when `transposeB`.
    ///   - c: C's elements (m·n of them), overwritten (`beta = 0`) or accumulated into.
    /// - Precondition: the buffers hold at least the elements the shapes need.
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Double = 1,
        _ a: UnsafePointer<Double>, transposeA: Bool = false,
        _ b: UnsafePointer<Double>, transposeB: Bool = false,
        beta: Double = 0, _ c: UnsafeMutablePointer<Double>
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n), beta, c, Int32(n))
    }

    /// `y ← alpha · op(A) · x + beta · y` for a row-major `rows × columns` matrix A.
    ///
    /// `x` has `columns` elements (`rows` when `transpose`), `y` the other count.
    public static func gemv(
        rows: Int, columns: Int, alpha: Double = 1, _ a: UnsafePointer<Double>, transpose: Bool = false,
        _ x: UnsafePointer<Double>, beta: Double = 0, _ y: UnsafeMutablePointer<Double>
    ) {
        precondition(rows >= 0 && columns >= 0, "gemv: negative dimension")
        let outCount = transpose ? columns : rows
        if outCount == 0 { return }
        if (transpose ? rows : columns) == 0 {
            for i in 0..<outCount { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), alpha,
                    a, Int32(max(1, columns)), x, 1, beta, y, 1)
    }
}
