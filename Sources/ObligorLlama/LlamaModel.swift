import Foundation
import ObligorNumerics

/// Errors raised while running a loaded model (loading errors are ``GGUFError``s).
public enum LlamaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A token id outside `0..<vocabularySize`.
    case tokenOutOfRange(token: Int32, vocabularySize: Int)
    /// The session's KV cache cannot hold the tokens (`capacity` positions, `requested` needed).
    case contextFull(capacity: Int, requested: Int)
    /// An empty token sequence where at least one token is needed.
    case emptyInput

    /// What went wrong.
    public var description: String {
        switch self {
        case let .tokenOutOfRange(t, n): return "token id \(t) is outside the vocabulary (0..<\(n))"
        case let .contextFull(c, r): return "the context holds \(c) tokens, \(r) were needed"
        case .emptyInput: return "no tokens to evaluate"
        }
    }
}

/// The hyper-parameters of a Llama-architecture model, read from GGUF metadata (`llama.*` keys).
public struct LlamaHyperparameters: Sendable, Equatable {
    /// Training context length (`llama.context_length`): the default session capacity.
    public let contextLength: Int
    /// Model width E (`llama.embedding_length`).
    public let embeddingLength: Int
    /// Number of transformer blocks (`llama.block_count`).
    public let layerCount: Int
    /// Hidden width of the SwiGLU feed-forward network (`llama.feed_forward_length`).
    public let feedForwardLength: Int
    /// Query heads (`llama.attention.head_count`).
    public let headCount: Int
    /// Key/value heads (`llama.attention.head_count_kv`, default ``headCount``); query head h uses
    /// key/value head `h / (headCount / kvHeadCount)` (grouped-query attention).
    public let kvHeadCount: Int
    /// Per-head width, E / ``headCount``.
    public let headDimension: Int
    /// Leading dimensions of each head that RoPE rotates (`llama.rope.dimension_count`, default the head width).
    public let ropeDimension: Int
    /// RMSNorm epsilon (`llama.attention.layer_norm_rms_epsilon`, default 1e-5).
    public let rmsEpsilon: Float
    /// RoPE base θ (`llama.rope.freq_base`, default 10000).
    public let ropeFrequencyBase: Double
    /// Linear RoPE position scale (1 / `llama.rope.scaling.factor` for `linear` scaling, else 1).
    public let ropeFrequencyScale: Double
    /// Vocabulary size (rows of `token_embd.weight`).
    public let vocabularySize: Int
}

/// A weight matrix in ggml layout: `rows` outputs of `columns` contiguous inputs, either float32 or
/// quantised blocks used in place in the file's mapping.
struct WeightMatrix {
    enum Storage {
        /// Float32 elements, row-major.
        case float(UnsafePointer<Float>)
        /// `columns / 32` blocks per row, rows back to back.
        case blocks(QuantizedKernels.BlockType, UnsafeRawPointer)
    }

    let storage: Storage
    let rows: Int
    let columns: Int

    /// Bytes per row of a block matrix.
    var rowBytes: Int {
        if case let .blocks(type, _) = storage { return columns / QuantizedKernels.BlockType.blockSize * type.bytesPerBlock }
        return columns * MemoryLayout<Float>.size
    }

    /// Writes rows `first..<first + count` as float32 (row-major, contiguous) into `out`.
    func decodeRows(_ first: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch storage {
        case let .float(data): out.update(from: data + first * columns, count: count * columns)
        case let .blocks(type, base): QuantizedKernels.dequantize(type, from: base + first * rowBytes, count: count * columns, into: out)
        }
    }
}

/// One transformer block's weights.
struct LlamaLayer {
    let attentionNorm: UnsafePointer<Float>
    let wq: WeightMatrix, wk: WeightMatrix, wv: WeightMatrix, wo: WeightMatrix
    let ffnNorm: UnsafePointer<Float>
    let gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix
}

/// A Llama-architecture language model loaded from a GGUF file, evaluated in float32 on BLAS.
///
/// Weights: float32 tensors are used in place in the memory-mapped file (no copy); F16 tensors (and
/// any 1-D quantised tensor) are dequantised once, at load, into float32 buffers owned by the model.
/// Q8_0 and Q4_0 matrices stay quantised, in place in the mapping: a single-token evaluation
/// (generation) multiplies their blocks directly (``QuantizedKernels``, with the input vector
/// quantised to 8 bits per 32-element block), and a batched evaluation (a prompt) decodes each
/// chunk of 256 rows into a float32 scratch buffer and runs `sgemm` on it, which gives exactly the
/// float32 products of the decoded weights.
///
/// The model itself is immutable and can be shared between threads; evaluation state (the KV cache)
/// lives in a ``LlamaSession``. The convenience methods ``logits(forPrompt:)``,
/// ``nextTokenProbabilities(forPrompt:)`` and ``generate(prompt:maxTokens:stopAtEOS:)`` each use a
/// fresh session. Parallelism: see ``LlamaSession`` (``Parallel/threads``, with OpenBLAS single-threaded).
public final class LlamaModel: @unchecked Sendable {
    /// The GGUF file (kept open: float32 weights live in its mapping).
    public let file: GGUFFile
    /// The tokenizer stored in the file.
    public let tokenizer: SentencePieceTokenizer
    /// The model's dimensions.
    public let hyperparameters: LlamaHyperparameters

    let embedding: WeightMatrix
    let layers: [LlamaLayer]
    let outputNorm: UnsafePointer<Float>
    let output: WeightMatrix
    private let owned: [UnsafeMutablePointer<Float>]

    /// The file's metadata.
    public var metadata: GGUFMetadata { file.metadata }
    /// The number of tokens (length of a logits vector).
    public var vocabularySize: Int { hyperparameters.vocabularySize }
    /// The path the model was loaded from.
    public var path: String { file.path }

    /// Loads the Llama model in the GGUF file at `path`.
    ///
    /// - Throws: ``GGUFError`` naming the file: not GGUF, truncated, architecture other than
    ///   `llama`, missing metadata or tensors, wrong shapes, or a tensor type other than F32, F16,
    ///   Q8_0 and Q4_0 (the error names the tensor and its type).
    public convenience init(path: String) throws(GGUFError) {
        try self.init(file: try GGUFFile(path: path))
    }

    /// Loads the Llama model in an opened GGUF file.
    public init(file: GGUFFile) throws(GGUFError) {
        let path = file.path
        let m = file.metadata
        let arch = m.string("general.architecture") ?? "(none)"
        guard arch == "llama" else { throw GGUFError(path: path, .unsupportedModel("architecture '\(arch)'; only 'llama' is supported")) }
        func int(_ key: String) throws(GGUFError) -> Int {
            guard let v = m.integer("llama." + key), v > 0 else { throw GGUFError(path: path, .missingMetadata("llama." + key)) }
            return v
        }
        let E = try int("embedding_length"), L = try int("block_count"), F = try int("feed_forward_length")
        let H = try int("attention.head_count")
        let HKV = m.integer("llama.attention.head_count_kv") ?? H
        guard E % H == 0, HKV > 0, H % HKV == 0 else {
            throw GGUFError(path: path, .unsupportedModel("\(H) heads and \(HKV) key/value heads do not divide the width \(E)"))
        }
        let hd = E / H
        let ropeDim = m.integer("llama.rope.dimension_count") ?? hd
        guard ropeDim > 0, ropeDim <= hd, ropeDim % 2 == 0 else {
            throw GGUFError(path: path, .unsupportedModel("rope dimension \(ropeDim) with head width \(hd)"))
        }
        var freqScale = 1.0
        if let type = m.string("llama.rope.scaling.type"), type != "none" {
            guard type == "linear", let factor = m.double("llama.rope.scaling.factor"), factor > 0 else {
                throw GGUFError(path: path, .unsupportedModel("RoPE scaling '\(type)' (only none and linear are supported)"))
            }
            freqScale = 1 / factor
        } else if let factor = m.double("llama.rope.scale_linear"), factor > 0 {
            freqScale = 1 / factor
        }
        if file.tensor(named: "rope_freqs.weight") != nil {
            throw GGUFError(path: path, .unsupportedModel("per-dimension RoPE frequency factors (rope_freqs.weight)"))
        }
        let tokenizer = try SentencePieceTokenizer(metadata: m, path: path)
        guard let embd = file.tensor(named: "token_embd.weight") else { throw GGUFError(path: path, .missingTensor("token_embd.weight")) }
        guard embd.dimensions.count == 2, embd.dimensions[0] == E else {
            throw GGUFError(path: path, .shapeMismatch(tensor: "token_embd.weight", expected: [E, tokenizer.vocabularySize], found: embd.dimensions))
        }
        let V = embd.dimensions[1]
        guard V == tokenizer.vocabularySize else {
            throw GGUFError(path: path, .malformed("token_embd.weight has \(V) rows but the tokenizer has \(tokenizer.vocabularySize) tokens"))
        }

        var owned: [UnsafeMutablePointer<Float>] = []
        var success = false
        defer { if !success { for p in owned { p.deallocate() } } }
        func load(_ name: String, _ dims: [Int]) throws(GGUFError) -> UnsafePointer<Float> {
            guard let t = file.tensor(named: name) else { throw GGUFError(path: path, .missingTensor(name)) }
            guard t.dimensions == dims else { throw GGUFError(path: path, .shapeMismatch(tensor: name, expected: dims, found: t.dimensions)) }
            guard t.type.isSupported else { throw GGUFError(path: path, .unsupportedTensorType(tensor: name, type: t.type)) }
            if let p = file.float32Pointer(of: t) { return p }
            let raw = try file.rawData(of: t)
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: t.elementCount)
            owned.append(buffer)
            GGMLDequantize.decode(t.type, from: raw.baseAddress!, count: t.elementCount, into: buffer)
            return UnsafePointer(buffer)
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws(GGUFError) -> WeightMatrix {
            if let t = file.tensor(named: name), t.type == .q8_0 || t.type == .q4_0 {
                guard t.dimensions == [columns, rows] else {
                    throw GGUFError(path: path, .shapeMismatch(tensor: name, expected: [columns, rows], found: t.dimensions))
                }
                guard columns % QuantizedKernels.BlockType.blockSize == 0 else {
                    throw GGUFError(path: path, .malformed("tensor '\(name)' of type \(t.type.name) has a row of \(columns) elements, not a multiple of its block size 32"))
                }
                let raw = try file.rawData(of: t)
                return WeightMatrix(storage: .blocks(t.type == .q8_0 ? .q8_0 : .q4_0, raw.baseAddress!), rows: rows, columns: columns)
            }
            return WeightMatrix(storage: .float(try load(name, [columns, rows])), rows: rows, columns: columns)
        }
        let embedding = try matrix("token_embd.weight", rows: V, columns: E)
        var layers: [LlamaLayer] = []
        for i in 0..<L {
            let p = "blk.\(i)."
            layers.append(LlamaLayer(
                attentionNorm: try load(p + "attn_norm.weight", [E]),
                wq: try matrix(p + "attn_q.weight", rows: H * hd, columns: E),
                wk: try matrix(p + "attn_k.weight", rows: HKV * hd, columns: E),
                wv: try matrix(p + "attn_v.weight", rows: HKV * hd, columns: E),
                wo: try matrix(p + "attn_output.weight", rows: E, columns: H * hd),
                ffnNorm: try load(p + "ffn_norm.weight", [E]),
                gate: try matrix(p + "ffn_gate.weight", rows: F, columns: E),
                up: try matrix(p + "ffn_up.weight", rows: F, columns: E),
                down: try matrix(p + "ffn_down.weight", rows: E, columns: F)))
        }
        let outputNorm = try load("output_norm.weight", [E])
        let output = file.tensor(named: "output.weight") == nil ? embedding : try matrix("output.weight", rows: V, columns: E)

        self.file = file
        self.tokenizer = tokenizer
        self.hyperparameters = LlamaHyperparameters(
            contextLength: m.integer("llama.context_length") ?? 2048, embeddingLength: E, layerCount: L,
            feedForwardLength: F, headCount: H, kvHeadCount: HKV, headDimension: hd, ropeDimension: ropeDim,
            rmsEpsilon: Float(m.double("llama.attention.layer_norm_rms_epsilon") ?? 1e-5),
            ropeFrequencyBase: m.double("llama.rope.freq_base") ?? 10000, ropeFrequencyScale: freqScale,
            vocabularySize: V)
        self.embedding = embedding
        self.layers = layers
        self.outputNorm = outputNorm
        self.output = output
        self.owned = owned
        success = true
    }

    deinit {
        for p in owned { p.deallocate() }
    }

    /// A new, empty evaluation session holding up to `capacity` tokens (default: the model's
    /// context length).
    public func makeSession(capacity: Int? = nil) -> LlamaSession {
        LlamaSession(model: self, capacity: capacity ?? hyperparameters.contextLength)
    }

    /// The next-token logits after the whole prompt (one float per vocabulary entry).
    ///
    /// The prompt is taken as is: add the BOS token yourself (``SentencePieceTokenizer/encode(_:)`` does).
    public func logits(forPrompt tokens: [Int32]) throws(LlamaError) -> [Float] {
        try makeSession(capacity: tokens.count).evaluate(tokens)
    }

    /// The next-token distribution after the whole prompt: the softmax of ``logits(forPrompt:)``,
    /// computed in double precision.
    public func nextTokenProbabilities(forPrompt tokens: [Int32]) throws(LlamaError) -> [Double] {
        LlamaModel.softmax(try logits(forPrompt: tokens))
    }

    /// Greedy decoding: evaluates the prompt (batched), then repeatedly appends the most likely token
    /// (the lowest id on exact ties) until `maxTokens` tokens are generated or, when `stopAtEOS`, the
    /// end-of-sequence token comes (it is not included in the result).
    public func generate(prompt tokens: [Int32], maxTokens: Int, stopAtEOS: Bool = true) throws(LlamaError) -> LlamaGeneration {
        let session = makeSession(capacity: tokens.count + max(0, maxTokens))
        var logits = try session.evaluate(tokens)
        let first = logits
        var out: [Int32] = []
        while out.count < maxTokens {
            let next = LlamaModel.argmax(logits)
            if stopAtEOS && next == tokenizer.eosID { break }
            out.append(next)
            if out.count == maxTokens { break }
            logits = try session.evaluate([next])
        }
        return LlamaGeneration(tokens: out, text: tokenizer.decode(out), firstLogits: first)
    }

    /// Greedy decoding of `text` encoded with the model's tokenizer (BOS added when the model asks for it).
    public func generate(text: String, maxTokens: Int, stopAtEOS: Bool = true) throws(LlamaError) -> LlamaGeneration {
        try generate(prompt: tokenizer.encode(text), maxTokens: maxTokens, stopAtEOS: stopAtEOS)
    }

    /// The index of the largest value (the first one on ties).
    public static func argmax(_ values: [Float]) -> Int32 {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return Int32(best)
    }

    /// `exp(x − max) / Σ exp(x − max)` in double precision.
    public static func softmax(_ logits: [Float]) -> [Double] {
        guard let mx = logits.max() else { return [] }
        var e = logits.map { Foundation.exp(Double($0) - Double(mx)) }
        let s = e.reduce(0, +)
        for i in e.indices { e[i] /= s }
        return e
    }
}

/// The result of ``LlamaModel/generate(prompt:maxTokens:stopAtEOS:)``.
public struct LlamaGeneration: Sendable {
    /// Generated token ids (without the prompt, without a final end-of-sequence token).
    public let tokens: [Int32]
    /// Their text (``SentencePieceTokenizer/decode(_:)``).
    public let text: String
    /// The logits that chose the first generated token (the prompt's next-token logits).
    public let firstLogits: [Float]
}
