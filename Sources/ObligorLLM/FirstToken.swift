import Foundation

/// One candidate for the first generated token.
public struct TokenLogprob: Codable, Sendable, Equatable {
    /// Vocabulary id when the backend reports it.
    public let id: Int?
    /// The token text as the backend prints it (byte-fallback tokens arrive as U+FFFD).
    public let token: String
    /// The token's bytes when the backend reports them (llama-server, Ollama); label matching uses them.
    public let bytes: [UInt8]?
    /// Natural-log probability.
    public let logprob: Double

    /// A candidate; `bytes` should be given when the backend reports them.
    public init(id: Int? = nil, token: String, bytes: [UInt8]? = nil, logprob: Double) {
        self.id = id; self.token = token; self.bytes = bytes; self.logprob = logprob
    }

    /// The text used for label matching: the bytes decoded as UTF-8 when present (and valid), else `token`.
    public var matchText: String {
        if let bytes, let s = String(bytes: bytes, encoding: .utf8) { return s }
        if let bytes, !bytes.isEmpty { return "" }   // a partial UTF-8 sequence is no label word
        return token
    }
}

/// The top-N distribution of the first generated token for one prompt, plus the greedy text when the
/// backend returned it (its first token for a one-token request).
public struct FirstTokenDistribution: Codable, Sendable, Equatable {
    /// Candidates, most likely first.
    public let entries: [TokenLogprob]
    /// Generated text, if any.
    public let greedyText: String?

    /// A distribution; the entries are sorted most likely first.
    public init(entries: [TokenLogprob], greedyText: String? = nil) {
        self.entries = entries.sorted { $0.logprob > $1.logprob }
        self.greedyText = greedyText
    }

    /// Sum of `exp(logprob)` over the entries whose text, stripped of whitespace and SentencePiece's
    /// `▁` (U+2581) and lower-cased, equals `word` (lower-cased): `good`, `▁good`, ` Good`, `GOOD` all count.
    public func probability(of word: String) -> Double {
        let target = word.lowercased()
        var p = 0.0
        for e in entries where Self.normalise(e.matchText) == target { p += exp(e.logprob) }
        return p
    }

    /// The label-matching normal form of a token text.
    public static func normalise(_ text: String) -> String {
        let spaced = String(text.unicodeScalars.map { $0 == "\u{2581}" ? " " : Character($0) })
        return spaced.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The two-choice score of notes/calm.md §7.
    public func choiceScore(favourable: String, unfavourable: String, minCoverage: Double) -> ChoiceScore {
        ChoiceScore(pFavourable: probability(of: favourable), pUnfavourable: probability(of: unfavourable),
                    favourable: favourable, unfavourable: unfavourable, minCoverage: minCoverage)
    }
}

/// `P(good)` from the label masses of the first token.
public struct ChoiceScore: Codable, Sendable, Equatable {
    /// Mass of the favourable word's variants (`p_g`).
    public let pFavourable: Double
    /// Mass of the unfavourable word's variants (`p_b`).
    public let pUnfavourable: Double
    /// `p_g + p_b`: how much of the first token the two answers take.
    public let coverage: Double
    /// `p_g / (p_g + p_b)`; nil when both are zero.
    public let pGood: Double?
    /// Hard label: the larger of the two (favourable on a tie), nil ("missing") when coverage < minCoverage.
    public let answer: String?

    /// The score of two label masses, with the hard answer at `minCoverage`.
    public init(pFavourable: Double, pUnfavourable: Double, favourable: String, unfavourable: String, minCoverage: Double) {
        self.pFavourable = pFavourable
        self.pUnfavourable = pUnfavourable
        coverage = pFavourable + pUnfavourable
        pGood = coverage > 0 ? pFavourable / coverage : nil
        if coverage > 0 && coverage >= minCoverage {
            answer = pFavourable >= pUnfavourable ? favourable : unfavourable
        } else {
            answer = nil
        }
    }
}

/// A language model that can report the distribution of its first generated token.
///
/// Server clients (``ServerScorer``) conform, and so does the embedded GGUF engine. Implementations
/// receive the full model input (CALM's chat-wrapped query, ``CALMRecord/modelPrompt``), must not apply
/// another chat template on top, and should return at least `topN` candidates when the vocabulary has
/// them (more is fine: a full-vocabulary distribution gives exact masses).
public protocol FirstTokenScorer {
    /// Names the backend in messages and in the workspace (e.g. "llama-server http://127.0.0.1:8080").
    var backendDescription: String { get }
    /// The top-`topN` first-token candidates for `prompt`, greedy (temperature 0) and deterministic.
    func firstTokenDistribution(prompt: String, topN: Int) throws -> FirstTokenDistribution
}

/// A model that can also generate text greedily, for PIXIU-style answers (the paper's protocol: greedy
/// decoding, then ``pixiuParse(_:choices:)``). Optional: the CLI uses it only with `--greedy-tokens N`.
public protocol GreedyTextGenerator {
    /// Up to `maxTokens` tokens generated greedily (temperature 0) after `prompt`.
    func greedyText(prompt: String, maxTokens: Int) throws -> String
}
