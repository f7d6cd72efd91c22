/// A SentencePiece-style tokenizer with score-driven bigram merges and byte fallback, built from a
/// GGUF vocabulary (`tokenizer.ggml.model == "llama"`, the Llama / Llama-2 tokenizer).
///
/// Encoding (``encode(_:addBOS:)``):
/// 1. add the dummy prefix (a space before the text) when `tokenizer.ggml.add_space_prefix` is true
///    (the default), and replace every space by `▁` (U+2581);
/// 2. start with one symbol per Unicode scalar;
/// 3. repeatedly merge the adjacent pair whose concatenation is a vocabulary piece with the highest
///    score (the leftmost pair on ties), until no adjacent pair forms a piece;
/// 4. emit each symbol's id; a symbol that is not a piece (a character missing from the vocabulary)
///    becomes its UTF-8 bytes as `<0xNN>` byte tokens, or the unknown token when those are missing.
///
/// Pieces of type control, byte and unknown never take part in merges: they stand for something
/// other than their text. Special-token text in the input (`"<s>"`) is treated as plain text.
public struct SentencePieceTokenizer: Sendable {
    /// A vocabulary entry's kind (`tokenizer.ggml.token_type`; SentencePiece's piece types).
    public enum TokenType: Int, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The pieces, indexed by token id (`▁` marks a space).
    public let pieces: [String]
    /// The merge scores (higher merges first).
    public let scores: [Float]
    /// The piece types.
    public let types: [TokenType]
    /// Beginning-of-sequence token.
    public let bosID: Int32
    /// End-of-sequence token.
    public let eosID: Int32
    /// Unknown token (used when a byte has no `<0xNN>` piece).
    public let unknownID: Int32
    /// Whether ``encode(_:)`` adds ``bosID`` (`tokenizer.ggml.add_bos_token`, default true).
    public let addsBOS: Bool
    /// Whether a space is put before the text (`tokenizer.ggml.add_space_prefix`, default true).
    public let addsSpacePrefix: Bool

    private let mergeable: [[UInt8]: Int32]
    private let byteTokens: [Int32]  // 256 entries, -1 where absent

    /// The number of tokens.
    public var vocabularySize: Int { pieces.count }

    /// Builds a tokenizer from explicit vocabulary arrays (all of the same length).
    public init(pieces: [String], scores: [Float], types: [TokenType], bosID: Int32, eosID: Int32, unknownID: Int32,
                addsBOS: Bool = true, addsSpacePrefix: Bool = true) {
        precondition(pieces.count == scores.count && pieces.count == types.count, "vocabulary arrays differ in length")
        self.pieces = pieces
        self.scores = scores
        self.types = types
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.addsBOS = addsBOS
        self.addsSpacePrefix = addsSpacePrefix
        var mergeable: [[UInt8]: Int32] = [:]
        var byteTokens = [Int32](repeating: -1, count: 256)
        for (i, piece) in pieces.enumerated() {
            switch types[i] {
            case .byte:
                if let b = Self.byteValue(piece) { byteTokens[Int(b)] = Int32(i) }
            case .control, .unknown:
                break
            case .normal, .userDefined, .unused:
                let key = Array(piece.utf8)
                if mergeable[key] == nil { mergeable[key] = Int32(i) }
            }
        }
        self.mergeable = mergeable
        self.byteTokens = byteTokens
    }

    /// Builds the tokenizer stored in GGUF metadata.
    ///
    /// - Throws: ``GGUFError`` naming `path` when the tokenizer model is not `"llama"` or the token
    ///   arrays are missing or inconsistent.
    public init(metadata m: GGUFMetadata, path: String) throws(GGUFError) {
        let model = m.string("tokenizer.ggml.model")
        guard model == "llama" else {
            throw GGUFError(path: path, .unsupportedModel("tokenizer model '\(model ?? "(none)")'; only the SentencePiece \"llama\" tokenizer is supported"))
        }
        guard let pieces = m.stringArray("tokenizer.ggml.tokens") else { throw GGUFError(path: path, .missingMetadata("tokenizer.ggml.tokens")) }
        let scores = m.doubleArray("tokenizer.ggml.scores").map { $0.map { Float($0) } } ?? [Float](repeating: 0, count: pieces.count)
        let rawTypes = m.integerArray("tokenizer.ggml.token_type") ?? [Int](repeating: 1, count: pieces.count)
        guard scores.count == pieces.count, rawTypes.count == pieces.count else {
            throw GGUFError(path: path, .malformed("tokenizer arrays differ in length (\(pieces.count) tokens, \(scores.count) scores, \(rawTypes.count) types)"))
        }
        let types = rawTypes.map { TokenType(rawValue: $0) ?? .normal }
        func id(_ key: String, _ fallback: Int) throws(GGUFError) -> Int32 {
            let v = m.integer(key) ?? fallback
            guard v >= 0 && v < pieces.count else { throw GGUFError(path: path, .malformed("\(key) = \(v) is outside the vocabulary of \(pieces.count)")) }
            return Int32(v)
        }
        self.init(pieces: pieces, scores: scores, types: types,
                  bosID: try id("tokenizer.ggml.bos_token_id", 1), eosID: try id("tokenizer.ggml.eos_token_id", 2),
                  unknownID: try id("tokenizer.ggml.unknown_token_id", 0),
                  addsBOS: m.bool("tokenizer.ggml.add_bos_token") ?? true,
                  addsSpacePrefix: m.bool("tokenizer.ggml.add_space_prefix") ?? true)
    }

    /// The byte a `<0xNN>` piece stands for.
    static func byteValue(_ piece: String) -> UInt8? {
        let u = Array(piece.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        return UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
    }

    /// Token ids for `text`, with ``bosID`` first when ``addsBOS``.
    public func encode(_ text: String) -> [Int32] { encode(text, addBOS: addsBOS) }

    /// Token ids for `text`, with ``bosID`` first when `addBOS`.
    public func encode(_ text: String, addBOS: Bool) -> [Int32] {
        var out: [Int32] = addBOS ? [bosID] : []
        if text.isEmpty { return out }
        // Normalise: dummy prefix, spaces -> U+2581 (UTF-8 E2 96 81).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 3)
        if addsSpacePrefix { bytes += [0xE2, 0x96, 0x81] }
        for b in text.utf8 { if b == 0x20 { bytes += [0xE2, 0x96, 0x81] } else { bytes.append(b) } }
        // Initial symbols: one per Unicode scalar (UTF-8 sequence).
        var start: [Int] = [], length: [Int] = []
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let n = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 1
            let len = min(n, bytes.count - i)
            start.append(i); length.append(len)
            i += len
        }
        let count = start.count
        var prev = (0..<count).map { $0 - 1 }
        var next = (0..<count).map { $0 + 1 < count ? $0 + 1 : -1 }

        // Candidate merges, best first: higher score, then smaller left position.
        var heap = MergeHeap()
        func consider(_ left: Int, _ right: Int) {
            guard left >= 0, right >= 0 else { return }
            let s = start[left], n = length[left] + length[right]
            if let id = mergeable[Array(bytes[s..<(s + n)])] {
                heap.push(.init(score: scores[Int(id)], left: left, right: right, size: n))
            }
        }
        for k in 0..<(count - 1) { consider(k, k + 1) }
        while let c = heap.pop() {
            // Stale when either side has since merged (a side's length changed or it was absorbed).
            if length[c.left] == 0 || length[c.right] == 0 || length[c.left] + length[c.right] != c.size || next[c.left] != c.right { continue }
            length[c.left] += length[c.right]
            length[c.right] = 0
            next[c.left] = next[c.right]
            if next[c.right] >= 0 { prev[next[c.right]] = c.left }
            consider(prev[c.left], c.left)
            consider(c.left, next[c.left])
        }
        var k = 0
        while k >= 0 && k < count {
            let piece = Array(bytes[start[k]..<(start[k] + length[k])])
            if let id = mergeable[piece] {
                out.append(id)
            } else {
                for b in piece { out.append(byteTokens[Int(b)] >= 0 ? byteTokens[Int(b)] : unknownID) }
            }
            k = next[k]
        }
        return out
    }

    /// The bytes a token stands for in generated text: a byte token's byte, a piece's UTF-8 with `▁`
    /// turned into a space, and nothing for control and unknown tokens (and ids outside the vocabulary).
    public func pieceBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0 && Int(id) < pieces.count else { return [] }
        let piece = pieces[Int(id)]
        switch types[Int(id)] {
        case .control, .unknown: return []
        case .byte: return Self.byteValue(piece).map { [$0] } ?? []
        case .normal, .userDefined, .unused:
            var out: [UInt8] = []
            let u = Array(piece.utf8)
            out.reserveCapacity(u.count)
            var i = 0
            while i < u.count {
                if i + 2 < u.count && u[i] == 0xE2 && u[i + 1] == 0x96 && u[i + 2] == 0x81 {
                    out.append(0x20); i += 3
                } else {
                    out.append(u[i]); i += 1
                }
            }
            return out
        }
    }

    /// The text of a token sequence: the concatenated ``pieceBytes(_:)`` decoded as UTF-8 (invalid
    /// sequences become U+FFFD). The dummy-prefix space of an encoded text is kept.
    public func decode(_ ids: [Int32]) -> String {
        String(decoding: ids.flatMap { pieceBytes($0) }, as: UTF8.self)
    }
}

/// A binary max-heap of merge candidates (higher score first, then smaller left symbol index).
private struct MergeHeap {
    struct Candidate {
        let score: Float
        let left: Int
        let right: Int
        let size: Int
        /// Whether `self` should be merged before `other`.
        func precedes(_ other: Candidate) -> Bool {
            score > other.score || (score == other.score && left < other.left)
        }
    }

    private var items: [Candidate] = []

    mutating func push(_ c: Candidate) {
        items.append(c)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !items[i].precedes(items[parent]) { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Candidate? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return top }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < items.count && items[l].precedes(items[best]) { best = l }
            if r < items.count && items[r].precedes(items[best]) { best = r }
            if best == i { break }
            items.swapAt(i, best)
            i = best
        }
        return top
    }
}
