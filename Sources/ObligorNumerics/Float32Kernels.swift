import CBLAS

/// Single-precision BLAS kernels on raw row-major buffers, for the embedded language-model engine
/// (``ObligorLlama``).
///
/// Language-model weights are stored and multiplied in float32; the engine memory-maps them from a
/// GGUF file and must multiply them in place, with explicit leading dimensions because attention
/// works on column slices (one head) of larger row-major buffers. These are thin, checked wrappers
/// of `cblas_sgemm` / `cblas_sgemv` for that use, and nothing more. Threading is OpenBLAS's own
/// (``NumericsRuntime/blasThreads``).
public enum Float32Kernels {
    /// `C ← alpha · op(A) · op(B) + beta · C`, all row-major with explicit leading dimensions.
    ///
    /// - Parameters:
    ///   - m, n, k: `op(A)` is m×k, `op(B)` is k×n, `C` is m×n.
    ///   - a: A's first element; A is stored m×k (k×m when `transposeA`) with row stride `lda`.
    ///   - b: B's first element; B is stored k×n (n×k when `transposeB`) with row stride `ldb`.
    ///   - c: C's first element, row stride `ldc`; overwritten (`beta = 0`) or accumulated into.
    /// - Precondition: the leading dimensions are at least the stored row lengths, and the buffers
    ///   hold the elements the shapes need.
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative dimension")
        precondition(lda >= max(1, transposeA ? m : k), "sgemm: lda \(lda) too small")
        precondition(ldb >= max(1, transposeB ? k : n), "sgemm: ldb \(ldb) too small")
        precondition(ldc >= max(1, n), "sgemm: ldc \(ldc) too small")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y ← alpha · op(A) · x + beta · y` for a row-major `rows × columns` matrix A with row stride `lda`.
    ///
    /// `x` has `columns` elements (`rows` when `transpose`), `y` the other count; both contiguous.
    public static func gemv(
        rows: Int, columns: Int, alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int, transpose: Bool = false,
        _ x: UnsafePointer<Float>, beta: Float = 0, _ y: UnsafeMutablePointer<Float>
    ) {
        precondition(rows >= 0 && columns >= 0, "sgemv: negative dimension")
        precondition(lda >= max(1, columns), "sgemv: lda \(lda) too small")
        let outCount = transpose ? columns : rows
        if outCount == 0 { return }
        if (transpose ? rows : columns) == 0 {
            for i in 0..<outCount { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), alpha,
                    a, Int32(lda), x, 1, beta, y, 1)
    }

    /// `Y ← X · Wᵀ` for a weight matrix W stored row-major `outputs × inputs` (one output per row, the
    /// layout of a GGUF/ggml linear layer) and `tokens` input rows X (`tokens × inputs`, contiguous).
    ///
    /// One token uses `sgemv`, more use one `sgemm`. Y is `tokens × outputs`, contiguous.
    public static func linear(
        tokens: Int, inputs: Int, outputs: Int,
        _ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>
    ) {
        if tokens == 1 {
            gemv(rows: outputs, columns: inputs, w, lda: inputs, x, y)
        } else {
            gemm(m: tokens, n: outputs, k: inputs, x, lda: inputs, w, ldb: inputs, transposeB: true, y, ldc: outputs)
        }
    }
}
