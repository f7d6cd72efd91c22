import Foundation
import ObligorLlama

/// Scores prompts in-process with a GGUF Llama model (module ObligorLlama), with no server.
///
/// The first-token distribution is the softmax of the model's logits over the whole vocabulary, so
/// label masses are exact rather than limited to a server's top-N list: the returned entries are the
/// `topN` most likely tokens plus every vocabulary token whose label-matching form
/// (``FirstTokenDistribution/normalise(_:)``) is one of ``labelWords``.
///
/// **Shared-prefix cache.** CALM prompts of one dataset share a long instruction. With a
/// ``sharedPrefix`` set, the prefix is evaluated once (always from position 0 with the same batching,
/// so its key/value cache has the same bits every time) and each prompt evaluates only its tokens
/// after the longest common token prefix with it. A prompt's result therefore depends only on the
/// prompt and the prefix, never on which prompts came before: an interrupted and resumed run gives
/// the same numbers as an uninterrupted one. Compared with evaluating each prompt from scratch the
/// logits differ only by float32 rounding (a different batching of the same sums).
public final class EmbeddedScorer: FirstTokenScorer, GreedyTextGenerator {
    /// The loaded model.
    public let model: LlamaModel
    /// Names the backend in messages and in the workspace, e.g. `embedded model.gguf`.
    public let backendDescription: String
    /// Choice words whose every vocabulary variant is always returned (exact masses); empty: top-N only.
    public var labelWords: Set<String> = [] { didSet { labelTokenIDs = Self.tokens(matching: labelWords, in: model.tokenizer) } }
    /// Text every prompt is expected to start with (e.g. the chat-wrapped CALM instruction); nil: no cache.
    public var sharedPrefix: String? {
        didSet { anchor = sharedPrefix.map { model.tokenizer.encode($0) } ?? []; anchorValid = 0 }
    }

    /// Tokens of the last prompt taken from the shared prefix's cache rather than evaluated.
    public private(set) var lastReusedTokens = 0

    private let session: LlamaSession
    private var labelTokenIDs: [Int32] = []
    private var anchor: [Int32] = []
    /// How many leading anchor tokens the session's cache holds as computed by a full anchor evaluation.
    private var anchorValid = 0

    /// Loads `path` (memory-mapped). Errors name the file (not GGUF, truncated, unsupported tensor type…).
    public init(path: String) throws {
        do { model = try LlamaModel(path: path) } catch { throw CALMError("\(error)") }
        backendDescription = "embedded " + URL(fileURLWithPath: path).lastPathComponent
        session = model.makeSession()
    }

    /// Next-token log-probabilities after `prompt` (BOS added as the model asks), in double precision.
    public func firstTokenDistribution(prompt: String, topN: Int) throws -> FirstTokenDistribution {
        let logits = try promptLogits(model.tokenizer.encode(prompt))
        let logprobs = Self.logSoftmax(logits)
        var chosen = Set(labelTokenIDs)
        // Top-N by probability; the lower id first on exact ties (deterministic).
        let order = logprobs.indices.sorted { logprobs[$0] != logprobs[$1] ? logprobs[$0] > logprobs[$1] : $0 < $1 }
        for i in order.prefix(max(0, topN)) { chosen.insert(Int32(i)) }
        let entries = chosen.sorted().map { id in
            TokenLogprob(id: Int(id), token: model.tokenizer.pieces[Int(id)], bytes: model.tokenizer.pieceBytes(id), logprob: logprobs[Int(id)])
        }
        let greedy = model.tokenizer.decode([LlamaModel.argmax(logits)])
        return FirstTokenDistribution(entries: entries, greedyText: greedy)
    }

    /// Greedy decoding (temperature 0) of up to `maxTokens` tokens after `prompt`, stopping at end of sequence.
    public func greedyText(prompt: String, maxTokens: Int) throws -> String {
        var logits = try promptLogits(model.tokenizer.encode(prompt))
        var out: [Int32] = []
        while out.count < maxTokens {
            let next = LlamaModel.argmax(logits)
            if next == model.tokenizer.eosID { break }
            out.append(next)
            if out.count == maxTokens { break }
            do { logits = try session.evaluate([next]) } catch { throw CALMError("\(backendDescription): \(error)") }
        }
        return model.tokenizer.decode(out)
    }

    /// The logits after `tokens`, reusing the shared prefix's cache where the tokens start with it.
    private func promptLogits(_ tokens: [Int32]) throws -> [Float] {
        guard !tokens.isEmpty else { throw CALMError("\(backendDescription): empty prompt") }
        var common = 0
        while common < min(tokens.count - 1, anchor.count) && tokens[common] == anchor[common] { common += 1 }
        lastReusedTokens = common
        do {
            if common > 0 {
                if anchorValid < common {
                    session.reset()
                    _ = try session.evaluate(anchor)
                    anchorValid = anchor.count
                }
                session.truncate(to: common)
                anchorValid = common   // the positions after `common` are overwritten below
            } else {
                session.reset()
                anchorValid = 0
            }
            return try session.evaluate(Array(tokens[common...]))
        } catch {
            throw CALMError("\(backendDescription): \(error) (prompt of \(tokens.count) tokens)")
        }
    }

    /// `x − logΣexp(x)` in double precision.
    static func logSoftmax(_ logits: [Float]) -> [Double] {
        guard let mx = logits.max().map(Double.init) else { return [] }
        var s = 0.0
        for l in logits { s += Foundation.exp(Double(l) - mx) }
        let lse = mx + Foundation.log(s)
        return logits.map { Double($0) - lse }
    }

    /// Vocabulary ids whose label-matching form is one of `words` (lower-cased).
    static func tokens(matching words: Set<String>, in tokenizer: SentencePieceTokenizer) -> [Int32] {
        let targets = Set(words.map { $0.lowercased() })
        guard !targets.isEmpty else { return [] }
        var ids: [Int32] = []
        for id in tokenizer.pieces.indices {
            let bytes = tokenizer.pieceBytes(Int32(id))
            guard let text = String(bytes: bytes, encoding: .utf8) else { continue }
            if targets.contains(FirstTokenDistribution.normalise(text)) { ids.append(Int32(id)) }
        }
        return ids
    }
}
