import CQuantKernels

/// Matrix–vector products on 8-bit and 4-bit quantised weight blocks (GGUF `Q8_0` / `Q4_0`), for the
/// embedded language-model engine (``ObligorLlama``) during token-by-token generation.
///
/// The weights stay in their 32-element blocks (read in place, e.g. from a memory-mapped GGUF file);
/// the input vector is quantised once per product to 8 bits per element with one float scale per
/// 32-element block (``quantize(_:count:)``), and each output is
/// `y[r] = Σ_blocks d_w · d_x · Σ_j q_w,j · q_x,j` with exact integer inner sums. That reads 1.06
/// (Q8_0) or 0.56 (Q4_0) bytes per weight instead of float32's 4.
///
/// Two implementations compute identical bits: an AVX2/FMA/F16C one, compiled per function and used
/// only when the CPU has those extensions (checked at run time, so the binary runs on any x86-64),
/// and portable C (every other CPU, or ``Path/scalar``). The C code lives in the `CQuantKernels`
/// target; these are its only callers' wrappers.
///
/// Accuracy: the result is the exact product of the weights with the *quantised* input; quantising
/// the input perturbs each element by at most half a step, `max|x_block| / 254`, so
/// `|y − W·x| ≤ Σ_blocks (max|x_block| / 254) · Σ_j |w_j|` (plus float32 rounding of the sums).
public enum QuantizedKernels {
    /// A supported weight block format.
    public enum BlockType: Sendable, Equatable {
        /// 34-byte blocks: float16 scale, 32 signed bytes.
        case q8_0
        /// 18-byte blocks: float16 scale, 16 bytes of 4-bit codes (value = code − 8).
        case q4_0

        /// Bytes per 32-element block.
        public var bytesPerBlock: Int { self == .q8_0 ? 34 : 18 }
        /// Elements per block (32).
        public static let blockSize = 32
        var ggmlType: Int32 { self == .q8_0 ? 8 : 2 }
    }

    /// Which implementation to run (the results are bit-identical; the choice exists for tests and
    /// diagnosis).
    public enum Path: Sendable, Equatable {
        /// AVX2 when ``avx2Available``, else portable C.
        case automatic
        /// Portable C, on any CPU.
        case scalar
        /// AVX2; runs portable C when the CPU lacks AVX2, FMA or F16C.
        case avx2

        var code: Int32 {
            switch self {
            case .automatic: Int32(OBQ_PATH_AUTO)
            case .scalar: Int32(OBQ_PATH_SCALAR)
            case .avx2: Int32(OBQ_PATH_AVX2)
            }
        }
    }

    /// Whether this CPU runs the AVX2 implementation (x86-64 with AVX2, FMA and F16C).
    public static var avx2Available: Bool { obq_avx2_available() != 0 }

    /// An input vector quantised to 8 bits per element: one scale per 32-element block and the codes
    /// (each in −127…127; x ≈ scale · code).
    public struct QuantizedVector: Sendable {
        /// The number of elements (a multiple of 32).
        public let count: Int
        /// One scale per block, `max|x_block| / 127`.
        public let scales: [Float]
        /// The codes, `round(x / scale)` (ties to even), 0 in an all-zero block.
        public let codes: [Int8]
    }

    /// Quantises `count` floats (a multiple of 32) for ``matvec(_:weights:rows:columns:input:into:accumulate:path:)``.
    public static func quantize(_ x: UnsafePointer<Float>, count: Int) -> QuantizedVector {
        precondition(count >= 0 && count % BlockType.blockSize == 0, "quantize: \(count) elements is not a whole number of 32-element blocks")
        let blocks = count / BlockType.blockSize
        var scales = [Float](repeating: 0, count: blocks)
        var codes = [Int8](repeating: 0, count: count)
        scales.withUnsafeMutableBufferPointer { s in
            codes.withUnsafeMutableBufferPointer { c in
                if count > 0 { obq_quantize_activation(x, Int64(count), s.baseAddress!, c.baseAddress!) }
            }
        }
        return QuantizedVector(count: count, scales: scales, codes: codes)
    }

    /// `y[r] ← Σ_c W[r, c] · x̂[c]` (or `y[r] +=` when `accumulate`) for the `rows × columns` matrix W
    /// stored as `type` blocks, row after row (`columns / 32` blocks per row), and the quantised
    /// input x̂.
    ///
    /// - Precondition: `columns` is a multiple of 32 and equals `input.count`; `weights` holds
    ///   `rows · columns / 32` blocks and `y` `rows` floats.
    public static func matvec(
        _ type: BlockType, weights: UnsafeRawPointer, rows: Int, columns: Int,
        input: QuantizedVector, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false, path: Path = .automatic
    ) {
        precondition(rows >= 0 && columns >= 0, "quantized matvec: negative dimension")
        precondition(columns % BlockType.blockSize == 0, "quantized matvec: \(columns) columns is not a whole number of 32-element blocks")
        precondition(input.count == columns, "quantized matvec: input has \(input.count) elements, the matrix \(columns) columns")
        if rows == 0 { return }
        if columns == 0 {
            if !accumulate { y.update(repeating: 0, count: rows) }
            return
        }
        input.scales.withUnsafeBufferPointer { s in
            input.codes.withUnsafeBufferPointer { c in
                let sp = s.baseAddress!, cp = c.baseAddress!
                switch type {
                case .q8_0: obq_matvec_q8_0(weights, Int64(rows), Int64(columns), sp, cp, y, accumulate ? 1 : 0, path.code)
                case .q4_0: obq_matvec_q4_0(weights, Int64(rows), Int64(columns), sp, cp, y, accumulate ? 1 : 0, path.code)
                }
            }
        }
    }

    /// Decodes `count` elements (a multiple of 32) of `type` blocks into float32: element j of a block
    /// is `d · q_j` (Q8_0) or `(c_j − 8) · d` (Q4_0), exactly as ``ObligorLlama``'s loader decodes them.
    public static func dequantize(_ type: BlockType, from blocks: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(count >= 0 && count % BlockType.blockSize == 0, "dequantize: \(count) elements is not a whole number of 32-element blocks")
        _ = obq_dequantize(type.ggmlType, blocks, Int64(count), out)
    }
}
