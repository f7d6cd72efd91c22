import Foundation
import ObligorNumerics

/// One evaluation stream of a ``LlamaModel``: a KV cache of up to ``capacity`` positions and the
/// number of tokens already in it.
///
/// ``evaluate(_:)`` appends tokens and returns the next-token logits after the last one. Many tokens
/// at once (a prompt) are processed in batches of up to ``batchSize`` rows with matrix–matrix
/// products; one token at a time (generation) uses matrix–vector products and the cache.
/// A session is not thread-safe; use one per thread (they can share the model).
///
/// Threads: the engine runs its own work on ``Parallel/threads`` threads (weight matrices in fixed
/// chunks of output rows, attention heads), so results are bit-identical for any thread count as
/// long as OpenBLAS itself is single-threaded (``NumericsRuntime/blasThreads`` = 1, as the CLI sets it).
public final class LlamaSession {
    /// The model evaluated.
    public let model: LlamaModel
    /// The maximum number of tokens the cache holds.
    public let capacity: Int
    /// Tokens already evaluated (the next token's position).
    public private(set) var position = 0
    /// Rows per batched forward pass (the prompt is cut into batches of this many tokens).
    public var batchSize = 512

    private let keys: [UnsafeMutablePointer<Float>]
    private let values: [UnsafeMutablePointer<Float>]

    init(model: LlamaModel, capacity: Int) {
        self.model = model
        self.capacity = max(1, capacity)
        let kvDim = model.hyperparameters.kvHeadCount * model.hyperparameters.headDimension
        keys = model.layers.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: max(1, capacity) * kvDim) }
        values = model.layers.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: max(1, capacity) * kvDim) }
    }

    deinit {
        for p in keys { p.deallocate() }
        for p in values { p.deallocate() }
    }

    /// Forgets every evaluated token (the cache is reused).
    public func reset() { position = 0 }

    /// Forgets the tokens after the first `count`, keeping the cache of that prefix: the next
    /// ``evaluate(_:)`` continues from position `count`. Scoring many prompts that share a prefix
    /// (the CALM instruction) can evaluate the prefix once and truncate back to it for each prompt;
    /// the prefix must then be tokenised on its own, which can differ from tokenising the whole text
    /// where the two parts meet.
    ///
    /// - Precondition: `0 <= count <= position`.
    public func truncate(to count: Int) {
        precondition(count >= 0 && count <= position, "truncate(to: \(count)) with \(position) tokens evaluated")
        position = count
    }

    /// Appends `tokens` at the current position and returns the next-token logits after the last one.
    ///
    /// - Throws: ``LlamaError`` for an empty input, a token outside the vocabulary, or when the
    ///   cache cannot hold the tokens (the session is unchanged then).
    public func evaluate(_ tokens: [Int32]) throws(LlamaError) -> [Float] {
        guard !tokens.isEmpty else { throw LlamaError.emptyInput }
        let V = model.vocabularySize
        for t in tokens where t < 0 || Int(t) >= V { throw LlamaError.tokenOutOfRange(token: t, vocabularySize: V) }
        guard position + tokens.count <= capacity else { throw LlamaError.contextFull(capacity: capacity, requested: position + tokens.count) }
        let step = max(1, batchSize)
        var start = 0
        var hidden: [Float] = []
        var single = false
        while start < tokens.count {
            let end = min(tokens.count, start + step)
            hidden = forward(tokens[start..<end])
            single = end - start == 1
            start = end
        }
        return logits(fromHidden: hidden, singleToken: single)
    }

    /// Runs the blocks over a batch of tokens at positions `position…`, fills the cache, advances
    /// `position`, and returns the last token's hidden state (before the final norm).
    private func forward(_ tokens: ArraySlice<Int32>) -> [Float] {
        let hp = model.hyperparameters
        let T = tokens.count, E = hp.embeddingLength, F = hp.feedForwardLength
        let H = hp.headCount, hd = hp.headDimension, qDim = H * hd
        let kvDim = hp.kvHeadCount * hd, group = H / hp.kvHeadCount
        let p0 = position, n = p0 + T

        let x = UnsafeMutablePointer<Float>.allocate(capacity: T * E)
        let xn = UnsafeMutablePointer<Float>.allocate(capacity: T * E)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: T * qDim)
        let att = UnsafeMutablePointer<Float>.allocate(capacity: T * qDim)
        let g = UnsafeMutablePointer<Float>.allocate(capacity: T * F)
        let u = UnsafeMutablePointer<Float>.allocate(capacity: T * F)
        let rope = RopeTable(positions: p0..<n, dimensions: hp.ropeDimension, base: hp.ropeFrequencyBase, scale: hp.ropeFrequencyScale)
        defer { for p in [x, xn, q, att, g, u] { p.deallocate() } }

        for (t, token) in tokens.enumerated() {
            model.embedding.decodeRows(Int(token), count: 1, into: x + t * E)
        }
        // One token (generation): quantised matrices use the block kernels; a batch decodes them.
        let single = T == 1
        let scale = Float(1 / Double(hd).squareRoot())
        for (l, layer) in model.layers.enumerated() {
            // Every row's keys and values go to the cache, but after the last block only the last
            // row's state is used: there, queries, attention and the FFN run on that row alone.
            let a = l == model.layers.count - 1 ? T - 1 : 0, R = T - a
            let kCache = keys[l] + p0 * kvDim, vCache = values[l] + p0 * kvDim
            rmsNorm(x, rows: T, width: E, weight: layer.attentionNorm, epsilon: hp.rmsEpsilon, into: xn)
            linear(xn + a * E, R, layer.wq, q, single: single)
            linear(xn, T, layer.wk, kCache, single: single)
            linear(xn, T, layer.wv, vCache, single: single)
            rope.apply(q, rows: R, firstRow: a, heads: H, headDimension: hd)
            rope.apply(kCache, rows: T, firstRow: 0, heads: hp.kvHeadCount, headDimension: hd)

            // Heads in parallel (each writes its own columns of `att`).
            let kBase = keys[l], vBase = values[l]
            _ = Parallel.map(H) { h in
                let kv = h / group
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: R * n)
                defer { scores.deallocate() }
                // scores (R × n) = scale · Q_h · K_hᵀ over every cached position.
                Float32Kernels.gemm(m: R, n: n, k: hd, alpha: scale, q + h * hd, lda: qDim,
                                    kBase + kv * hd, ldb: kvDim, transposeB: true, scores, ldc: n)
                for r in 0..<R { causalSoftmax(scores + r * n, valid: p0 + a + r + 1, count: n) }
                // att_h (R × hd) = P · V_h.
                Float32Kernels.gemm(m: R, n: hd, k: n, scores, lda: n, vBase + kv * hd, ldb: kvDim,
                                    att + h * hd, ldc: qDim)
            }
            let xa = x + a * E
            linear(att, R, layer.wo, xa, accumulate: true, single: single)

            rmsNorm(xa, rows: R, width: E, weight: layer.ffnNorm, epsilon: hp.rmsEpsilon, into: xn)
            linear(xn, R, layer.gate, g, single: single)
            linear(xn, R, layer.up, u, single: single)
            for i in 0..<(R * F) {
                let a = g[i]
                g[i] = a / (1 + expf(-a)) * u[i]
            }
            linear(g, R, layer.down, xa, accumulate: true, single: single)
        }
        position = n
        return Array(UnsafeBufferPointer(start: x + (T - 1) * E, count: E))
    }

    /// Final RMSNorm and the output head.
    private func logits(fromHidden hidden: [Float], singleToken: Bool) -> [Float] {
        let hp = model.hyperparameters
        let E = hp.embeddingLength, V = hp.vocabularySize
        var normed = [Float](repeating: 0, count: E)
        hidden.withUnsafeBufferPointer { h in
            normed.withUnsafeMutableBufferPointer { o in
                rmsNorm(h.baseAddress!, rows: 1, width: E, weight: model.outputNorm, epsilon: hp.rmsEpsilon, into: o.baseAddress!)
            }
        }
        return [Float](unsafeUninitializedCapacity: V) { out, count in
            normed.withUnsafeBufferPointer { h in linear(h.baseAddress!, 1, model.output, out.baseAddress!, single: singleToken) }
            count = V
        }
    }
}

/// Output rows of a weight matrix per parallel chunk. Fixed, so that every output element is computed
/// by the same BLAS call shape whatever the thread count.
let linearChunkRows = 256

/// `y (T × rows) ← x (T × columns) · Wᵀ` (+ y when accumulating: the residual connection), in
/// chunks of ``linearChunkRows`` output rows run by ``Parallel/map(_:_:)``.
///
/// Float32 weights: `sgemv` (one row) or `sgemm`. Quantised weights: with `single` (a one-token
/// forward pass) and one row, the block kernel on the input quantised once to Q8 blocks; otherwise
/// each chunk's rows are decoded into a float32 scratch buffer and multiplied exactly as float32
/// weights would be.
private func linear(_ x: UnsafePointer<Float>, _ tokens: Int, _ w: WeightMatrix, _ y: UnsafeMutablePointer<Float>,
                    accumulate: Bool = false, single: Bool) {
    let chunks = (w.rows + linearChunkRows - 1) / linearChunkRows
    let beta: Float = accumulate ? 1 : 0
    func float32Chunk(_ wc: UnsafePointer<Float>, _ r0: Int, _ count: Int) {
        if tokens == 1 {
            Float32Kernels.gemv(rows: count, columns: w.columns, wc, lda: w.columns, x, beta: beta, y + r0)
        } else {
            Float32Kernels.gemm(m: tokens, n: count, k: w.columns, x, lda: w.columns, wc, ldb: w.columns, transposeB: true,
                                beta: beta, y + r0, ldc: w.rows)
        }
    }
    switch w.storage {
    case let .float(data):
        _ = Parallel.map(chunks) { c in
            let r0 = c * linearChunkRows, count = min(linearChunkRows, w.rows - r0)
            float32Chunk(data + r0 * w.columns, r0, count)
        }
    case let .blocks(type, base) where single && tokens == 1:
        let input = QuantizedKernels.quantize(x, count: w.columns)
        let rowBytes = w.rowBytes
        _ = Parallel.map(chunks) { c in
            let r0 = c * linearChunkRows, count = min(linearChunkRows, w.rows - r0)
            QuantizedKernels.matvec(type, weights: base + r0 * rowBytes, rows: count, columns: w.columns, input: input,
                                    into: y + r0, accumulate: accumulate)
        }
    case .blocks:
        _ = Parallel.map(chunks) { c in
            let r0 = c * linearChunkRows, count = min(linearChunkRows, w.rows - r0)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: count * w.columns)
            defer { scratch.deallocate() }
            w.decodeRows(r0, count: count, into: scratch)
            float32Chunk(scratch, r0, count)
        }
    }
}

/// Row-wise RMSNorm: `y = x / sqrt(mean(x²) + ε) ⊙ w` (the mean accumulated in double).
private func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>, epsilon: Float,
                     into y: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let xr = x + r * width, yr = y + r * width
        var sum = 0.0
        for i in 0..<width { sum += Double(xr[i]) * Double(xr[i]) }
        let inv = Float(1 / (sum / Double(width) + Double(epsilon)).squareRoot())
        for i in 0..<width { yr[i] = xr[i] * inv * weight[i] }
    }
}

/// In place: softmax over the first `valid` entries of a row of `count` scores; the rest (future
/// positions) become 0. The normaliser is accumulated in double.
private func causalSoftmax(_ row: UnsafeMutablePointer<Float>, valid: Int, count: Int) {
    var mx = -Float.infinity
    for j in 0..<valid { mx = max(mx, row[j]) }
    var sum = 0.0
    for j in 0..<valid {
        let e = expf(row[j] - mx)
        row[j] = e
        sum += Double(e)
    }
    let inv = Float(1 / sum)
    for j in 0..<valid { row[j] *= inv }
    for j in valid..<count { row[j] = 0 }
}

/// Rotary position embedding, "normal" (GGUF llama) layout: within each head, the pairs
/// `(x[2i], x[2i+1])` for `2i < dimensions` are rotated by the angle `pos · scale · base^(−2i/dimensions)`.
private struct RopeTable {
    let cosines: [Float]
    let sines: [Float]
    let pairs: Int

    init(positions: Range<Int>, dimensions: Int, base: Double, scale: Double) {
        pairs = dimensions / 2
        var c: [Float] = [], s: [Float] = []
        c.reserveCapacity(positions.count * pairs)
        s.reserveCapacity(positions.count * pairs)
        let inverse = (0..<pairs).map { Foundation.pow(base, -2 * Double($0) / Double(dimensions)) }
        for p in positions {
            for i in 0..<pairs {
                let theta = Double(p) * scale * inverse[i]
                c.append(Float(Foundation.cos(theta)))
                s.append(Float(Foundation.sin(theta)))
            }
        }
        cosines = c
        sines = s
    }

    /// Rotates `rows` rows of `heads` heads of width `headDimension` (row-major, contiguous), row t at
    /// the table's position `firstRow + t`.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, firstRow: Int, heads: Int, headDimension: Int) {
        let width = heads * headDimension
        for t in 0..<rows {
            let ct = (firstRow + t) * pairs
            for h in 0..<heads {
                let v = x + t * width + h * headDimension
                for i in 0..<pairs {
                    let a = v[2 * i], b = v[2 * i + 1]
                    let cs = cosines[ct + i], sn = sines[ct + i]
                    v[2 * i] = a * cs - b * sn
                    v[2 * i + 1] = a * sn + b * cs
                }
            }
        }
    }
}
