import Foundation
import ObligorLlama
import Testing

@Suite struct TokenizerTests {
    static let tokenizer: SentencePieceTokenizer = {
        let file = try! GGUFFile(path: fixturePath("tiny-llama-calm.gguf"))
        return try! SentencePieceTokenizer(metadata: file.metadata, path: file.path)
    }()

    /// llama-server's /tokenize (no BOS) for "good", " good", "bad", "\ngood".
    @Test(arguments: ["08_tokenize.json", "09_tokenize.json", "10_tokenize.json", "11_tokenize.json"])
    func matchesServerTokenize(_ name: String) throws {
        let json = try fixtureJSON(name)
        let content = (json["request"] as! [String: Any])["content"] as! String
        let expected = ((json["response"] as! [String: Any])["tokens"] as! [[String: Any]])
        let ids = Self.tokenizer.encode(content, addBOS: false)
        #expect(ids.map(Int.init) == expected.map { $0["id"] as! Int }, "\(content.debugDescription)")
        // The server's pieces are the tokens' text (byte tokens as their byte).
        let pieces = ids.map { String(decoding: Self.tokenizer.pieceBytes($0), as: UTF8.self) }
        #expect(pieces == expected.map { $0["piece"] as! String })
    }

    /// The German record-0 CALM prompt: the server evaluated 1,274 tokens (BOS included) and echoed
    /// the prompt back as "<s>" followed by the detokenised text (with SentencePiece's dummy-prefix space).
    @Test func germanPromptTokenCount() throws {
        let (_, _, response) = try serverDistribution()
        let prompt = try germanPrompt()
        let ids = Self.tokenizer.encode(prompt)
        #expect(ids.first == Self.tokenizer.bosID)
        #expect(ids.count == response["tokens_evaluated"] as! Int)
        #expect(ids.count == 1274)
        #expect("<s>" + Self.tokenizer.decode(Array(ids.dropFirst())) == response["prompt"] as! String)
        #expect(Self.tokenizer.decode(ids) == " " + prompt)
    }

    /// pieceBytes for every id equals the bytes llama-server reported for that token.
    @Test func pieceBytesMatchServer() throws {
        let (_, bytes, _) = try serverDistribution()
        #expect(bytes.count == Self.tokenizer.vocabularySize)
        for (id, b) in bytes { #expect(Self.tokenizer.pieceBytes(Int32(id)) == b, "token \(id)") }
    }

    /// A hand-made vocabulary where the score order, not the left-to-right order, decides the merges,
    /// ties go to the leftmost pair, and missing characters fall back to bytes (or unk).
    @Test func mergeOrderTiesAndByteFallback() {
        var pieces = ["<unk>", "<s>", "</s>"], scores: [Float] = [0, 0, 0]
        var types: [SentencePieceTokenizer.TokenType] = [.unknown, .control, .control]
        func add(_ p: String, _ s: Float, _ t: SentencePieceTokenizer.TokenType = .normal) { pieces.append(p); scores.append(s); types.append(t) }
        add("<0xC3>", 0, .byte); add("<0xA9>", 0, .byte)   // é = C3 A9; no other byte tokens
        for c in ["▁", "a", "b", "c"] { add(c, -10) }
        add("ab", -5); add("bc", -1)        // "abc": bc (higher score) wins over ab
        add("▁a", -3)
        add("aa", -2)                        // "aaa": tie between the two pairs -> leftmost
        let tok = SentencePieceTokenizer(pieces: pieces, scores: scores, types: types, bosID: 1, eosID: 2, unknownID: 0,
                                         addsBOS: true, addsSpacePrefix: false)
        let id = { (p: String) in Int32(pieces.firstIndex(of: p)!) }
        #expect(tok.encode("abc", addBOS: false) == [id("a"), id("bc")])
        #expect(tok.encode("aaa", addBOS: false) == [id("aa"), id("a")])
        #expect(tok.encode(" a", addBOS: false) == [id("▁a")])
        #expect(tok.encode("é", addBOS: false) == [id("<0xC3>"), id("<0xA9>")])
        // ü = C3 BC: <0xC3> exists, <0xBC> does not -> unk for that byte.
        #expect(tok.encode("ü", addBOS: false) == [id("<0xC3>"), 0])
        #expect(tok.encode("", addBOS: true) == [1])
        #expect(tok.pieceBytes(id("▁a")) == [0x20, 0x61])
        #expect(tok.pieceBytes(id("<0xA9>")) == [0xA9])
        #expect(tok.pieceBytes(1).isEmpty)
    }

    /// Independent oracle: the naive O(n²) rule (scan all adjacent pairs, merge the best-scoring,
    /// leftmost on ties) on random strings over the tiny vocabulary's alphabet.
    @Test func heapMergeEqualsNaiveMerge() {
        let tok = Self.tokenizer
        var pieceID: [String: Int32] = [:]
        for (i, p) in tok.pieces.enumerated() where tok.types[i] == .normal { pieceID[p] = pieceID[p] ?? Int32(i) }
        let alphabet = Array("goodbadyesnoGBYNAnswerHumanAssistantText x\n")
        var state: UInt64 = 12345
        for _ in 0..<200 {
            var s = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = Int(state >> 58) + 1
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                s.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            var symbols = ("▁" + s.replacingOccurrences(of: " ", with: "▁")).map(String.init)
            while true {
                var best: (Float, Int)? = nil
                for i in 0..<(symbols.count - 1) {
                    if let id = pieceID[symbols[i] + symbols[i + 1]] {
                        let sc = tok.scores[Int(id)]
                        if best == nil || sc > best!.0 { best = (sc, i) }
                    }
                }
                guard let (_, i) = best else { break }
                symbols[i] += symbols[i + 1]
                symbols.remove(at: i + 1)
            }
            var expected: [Int32] = []
            for sym in symbols {
                if let id = pieceID[sym] { expected.append(id) } else {
                    for b in sym.utf8 { expected.append(Int32(tok.pieces.firstIndex(of: String(format: "<0x%02X>", b))!)) }
                }
            }
            #expect(tok.encode(s, addBOS: false) == expected, "\(s.debugDescription)")
        }
    }
}
