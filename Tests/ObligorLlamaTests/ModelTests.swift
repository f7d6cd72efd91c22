import Foundation
import ObligorLlama
import ObligorNumerics
import Testing

/// A straightforward double-precision Llama forward pass, token by token over the whole history,
/// written from the architecture's definition (independent of the engine's batching, BLAS and cache).
func referenceLogits(file: GGUFFile, tokens: [Int32]) throws -> [Double] {
    let m = file.metadata
    let E = m.integer("llama.embedding_length")!, L = m.integer("llama.block_count")!
    let H = m.integer("llama.attention.head_count")!, HKV = m.integer("llama.attention.head_count_kv") ?? H
    let eps = m.double("llama.attention.layer_norm_rms_epsilon")!, base = m.double("llama.rope.freq_base") ?? 10000
    let hd = E / H
    func w(_ name: String) throws -> [Double] { try file.floats(of: file.tensor(named: name)!).map(Double.init) }
    func matvec(_ a: [Double], _ x: [Double]) -> [Double] {
        let cols = x.count, rows = a.count / cols
        return (0..<rows).map { r in (0..<cols).reduce(0.0) { $0 + a[r * cols + $1] * x[$1] } }
    }
    func rms(_ x: [Double], _ g: [Double]) -> [Double] {
        let s = 1 / ((x.map { $0 * $0 }.reduce(0, +) / Double(x.count)) + eps).squareRoot()
        return x.indices.map { x[$0] * s * g[$0] }
    }
    func rope(_ v: inout [Double], heads: Int, pos: Int) {
        for h in 0..<heads {
            for i in 0..<(hd / 2) {
                let theta = Double(pos) * pow(base, -2 * Double(i) / Double(hd))
                let a = v[h * hd + 2 * i], b = v[h * hd + 2 * i + 1]
                v[h * hd + 2 * i] = a * cos(theta) - b * sin(theta)
                v[h * hd + 2 * i + 1] = a * sin(theta) + b * cos(theta)
            }
        }
    }
    let emb = try w("token_embd.weight")
    var x = tokens.map { Array(emb[(Int($0) * E)..<(Int($0) * E + E)]) }
    for l in 0..<L {
        let p = "blk.\(l)."
        let an = try w(p + "attn_norm.weight"), wq = try w(p + "attn_q.weight"), wk = try w(p + "attn_k.weight")
        let wv = try w(p + "attn_v.weight"), wo = try w(p + "attn_output.weight"), fn = try w(p + "ffn_norm.weight")
        let wg = try w(p + "ffn_gate.weight"), wu = try w(p + "ffn_up.weight"), wd = try w(p + "ffn_down.weight")
        var qs: [[Double]] = [], ks: [[Double]] = [], vs: [[Double]] = []
        for t in x.indices {
            let xn = rms(x[t], an)
            var q = matvec(wq, xn), k = matvec(wk, xn)
            rope(&q, heads: H, pos: t)
            rope(&k, heads: HKV, pos: t)
            qs.append(q); ks.append(k); vs.append(matvec(wv, xn))
        }
        for t in x.indices {
            var att = [Double](repeating: 0, count: H * hd)
            for h in 0..<H {
                let kv = h * HKV / H
                let s = (0...t).map { j in (0..<hd).reduce(0.0) { $0 + qs[t][h * hd + $1] * ks[j][kv * hd + $1] } / Double(hd).squareRoot() }
                let mx = s.max()!
                let e = s.map { exp($0 - mx) }
                let z = e.reduce(0, +)
                for j in 0...t { for d in 0..<hd { att[h * hd + d] += e[j] / z * vs[j][kv * hd + d] } }
            }
            let o = matvec(wo, att)
            for i in 0..<E { x[t][i] += o[i] }
            let xn = rms(x[t], fn)
            let g = matvec(wg, xn), u = matvec(wu, xn)
            let hidden = g.indices.map { g[$0] / (1 + exp(-g[$0])) * u[$0] }
            let d = matvec(wd, hidden)
            for i in 0..<E { x[t][i] += d[i] }
        }
    }
    let out = file.tensor(named: "output.weight") != nil ? try w("output.weight") : emb
    return matvec(out, rms(x[x.count - 1], try w("output_norm.weight")))
}

/// Writes a random Llama GGUF (the tiny model's tokenizer) with the given shape; F32 weights.
func writeRandomLlama(to path: String, embedding E: Int, layers L: Int, heads H: Int, kvHeads HKV: Int, ff F: Int,
                      tiedOutput: Bool, seed: UInt64) throws {
    let tiny = try GGUFFile(path: fixturePath("tiny-llama-calm.gguf"))
    let V = tiny.tensor(named: "token_embd.weight")!.dimensions[1]
    let rng = RandomSource(seed: seed)
    func random(_ n: Int, _ scale: Double) -> [Float] { (0..<n).map { _ in Float(rng.gaussian() * scale) } }
    var w = TestGGUFWriter()
    for key in tiny.metadata.keys where !key.hasPrefix("llama.") { w.add(key, tiny.metadata[key]!) }
    w.add("llama.embedding_length", .uint32(UInt32(E)))
    w.add("llama.block_count", .uint32(UInt32(L)))
    w.add("llama.feed_forward_length", .uint32(UInt32(F)))
    w.add("llama.attention.head_count", .uint32(UInt32(H)))
    w.add("llama.attention.head_count_kv", .uint32(UInt32(HKV)))
    w.add("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
    w.add("llama.rope.freq_base", .float32(500))
    w.add("llama.context_length", .uint32(256))
    let hd = E / H
    w.addF32("token_embd.weight", dims: [E, V], random(V * E, 0.5))
    for l in 0..<L {
        let p = "blk.\(l)."
        w.addF32(p + "attn_norm.weight", dims: [E], random(E, 0.3).map { 1 + $0 })
        w.addF32(p + "attn_q.weight", dims: [E, H * hd], random(E * H * hd, 0.3))
        w.addF32(p + "attn_k.weight", dims: [E, HKV * hd], random(E * HKV * hd, 0.3))
        w.addF32(p + "attn_v.weight", dims: [E, HKV * hd], random(E * HKV * hd, 0.3))
        w.addF32(p + "attn_output.weight", dims: [H * hd, E], random(E * H * hd, 0.2))
        w.addF32(p + "ffn_norm.weight", dims: [E], random(E, 0.3).map { 1 + $0 })
        w.addF32(p + "ffn_gate.weight", dims: [E, F], random(E * F, 0.3))
        w.addF32(p + "ffn_up.weight", dims: [E, F], random(E * F, 0.3))
        w.addF32(p + "ffn_down.weight", dims: [F, E], random(E * F, 0.2))
    }
    w.addF32("output_norm.weight", dims: [E], random(E, 0.3).map { 1 + $0 })
    if !tiedOutput { w.addF32("output.weight", dims: [E, V], random(V * E, 0.5)) }
    try w.write(to: path)
}

@Suite(.serialized) struct ModelTests {
    static let model = try! LlamaModel(path: fixturePath("tiny-llama-calm.gguf"))

    /// The full next-token distribution after the German record-0 CALM prompt equals llama-server's
    /// (05_completion.json: n_probs over the whole 437-token vocabulary, prompt not cached).
    @Test func germanPromptMatchesLlamaServer() throws {
        let (logprob, _, _) = try serverDistribution()
        let tokens = Self.model.tokenizer.encode(try germanPrompt())
        let p = try Self.model.nextTokenProbabilities(forPrompt: tokens)
        #expect(p.count == 437 && logprob.count == 437)
        var worst = 0.0, worstID = -1
        for (id, lp) in logprob {
            let d = abs(p[id] - exp(lp))
            if d > worst { worst = d; worstID = id }
        }
        print("ObligorLlama vs llama-server (05_completion.json): max |Δp| = \(worst) at token \(worstID); p[179] = \(p[179]) vs \(exp(logprob[179]!))")
        #expect(worst < 1e-4)
        #expect(LlamaModel.argmax(try Self.model.logits(forPrompt: tokens)) == 179)
    }

    /// Grouped-query attention (4 query heads on 2 key/value heads), tied output head, non-default
    /// RoPE base, non-unit norms: the engine equals a double-precision reference forward pass.
    @Test(arguments: [(4, 2, true), (4, 1, false), (2, 2, false)])
    func matchesDoublePrecisionReference(heads: Int, kvHeads: Int, tied: Bool) throws {
        let path = temporaryPath("gqa")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeRandomLlama(to: path, embedding: 32, layers: 2, heads: heads, kvHeads: kvHeads, ff: 48, tiedOutput: tied, seed: 7)
        let model = try LlamaModel(path: path)
        #expect(model.hyperparameters.kvHeadCount == kvHeads)
        let tokens = model.tokenizer.encode("Human: \nIs the applicant good or bad?\n\nAssistant: \n")
        let reference = try referenceLogits(file: model.file, tokens: tokens)
        let ours = try model.logits(forPrompt: tokens)
        let scale = reference.map(abs).max()!
        let worst = zip(ours, reference).map { abs(Double($0) - $1) }.max()!
        #expect(worst / scale < 2e-5, "max |Δlogit| \(worst), logit scale \(scale)")
    }

    /// Token-by-token evaluation through the KV cache, and prompt batches of 7, give the same logits
    /// as one batched pass.
    @Test func cacheAndBatchingAgreeWithOneBatch() throws {
        let tokens = Array(Self.model.tokenizer.encode(try germanPrompt()).prefix(300))
        let whole = try Self.model.logits(forPrompt: tokens)
        let stepwise = Self.model.makeSession(capacity: tokens.count)
        var last: [Float] = []
        _ = try stepwise.evaluate(Array(tokens.prefix(250)))
        for t in tokens.dropFirst(250) { last = try stepwise.evaluate([t]) }
        let small = Self.model.makeSession()
        small.batchSize = 7
        let batched = try small.evaluate(tokens)
        let scale = whole.map(abs).max()!
        #expect(zip(whole, last).map { abs($0 - $1) }.max()! < 1e-4 * scale)
        #expect(zip(whole, batched).map { abs($0 - $1) }.max()! < 1e-4 * scale)
        #expect(stepwise.position == tokens.count)
    }

    /// A shared prefix evaluated once and truncated back to gives the same logits as a fresh session.
    @Test func truncateReusesThePrefixCache() throws {
        let tok = Self.model.tokenizer
        let prefix = tok.encode("Human: \nEvaluate the creditworthiness of a customer.")
        let a = tok.encode(" Text: good income.\n\nAssistant: \n", addBOS: false)
        let b = tok.encode(" Text: no income, many debts.\n\nAssistant: \n", addBOS: false)
        let s = Self.model.makeSession()
        _ = try s.evaluate(prefix)
        let la = try s.evaluate(a)
        s.truncate(to: prefix.count)
        #expect(s.position == prefix.count)
        let lb = try s.evaluate(b)
        let fa = try Self.model.logits(forPrompt: prefix + a), fb = try Self.model.logits(forPrompt: prefix + b)
        let scale = fa.map(abs).max()!
        #expect(zip(la, fa).map { abs($0 - $1) }.max()! < 1e-4 * scale)
        #expect(zip(lb, fb).map { abs($0 - $1) }.max()! < 1e-4 * scale)
        #expect(zip(la, lb).map { abs($0 - $1) }.max()! > 1e-2 * scale)  // the two prompts really differ
    }

    /// Results do not depend on the thread count (bit-identical), with OpenBLAS single-threaded.
    @Test func threadCountDoesNotChangeLogits() throws {
        let tokens = Array(Self.model.tokenizer.encode(try germanPrompt()).prefix(600))
        let savedBLAS = NumericsRuntime.blasThreads, savedThreads = Parallel.threads
        defer { NumericsRuntime.blasThreads = savedBLAS; Parallel.threads = savedThreads }
        NumericsRuntime.blasThreads = 1
        Parallel.threads = 1
        let one = try Self.model.logits(forPrompt: tokens)
        Parallel.threads = 3
        let three = try Self.model.logits(forPrompt: tokens)
        #expect(one == three)
        // The wide output head (437 rows) is cut into chunks, so several threads really share it.
        let gqaPath = temporaryPath("threads")
        defer { try? FileManager.default.removeItem(atPath: gqaPath) }
        try writeRandomLlama(to: gqaPath, embedding: 64, layers: 1, heads: 4, kvHeads: 2, ff: 600, tiedOutput: false, seed: 3)
        let wide = try LlamaModel(path: gqaPath)
        Parallel.threads = 1
        let a = try wide.logits(forPrompt: Array(tokens.prefix(40)))
        Parallel.threads = 2
        let b = try wide.logits(forPrompt: Array(tokens.prefix(40)))
        #expect(a == b)
    }

    /// Greedy generation with the cache equals re-evaluating the growing prompt from scratch.
    @Test func greedyGenerationMatchesRecomputation() throws {
        let prompt = Self.model.tokenizer.encode("Human: \nGood or bad?\n\nAssistant: \n")
        let g = try Self.model.generate(prompt: prompt, maxTokens: 6, stopAtEOS: false)
        #expect(g.tokens.count == 6)
        var context = prompt
        for t in g.tokens {
            #expect(LlamaModel.argmax(try Self.model.logits(forPrompt: context)) == t)
            context.append(t)
        }
        #expect(g.text == Self.model.tokenizer.decode(g.tokens))
        #expect(g.firstLogits == (try Self.model.logits(forPrompt: prompt)))
    }

    @Test func runtimeErrors() throws {
        #expect(throws: LlamaError.tokenOutOfRange(token: 437, vocabularySize: 437)) { try Self.model.logits(forPrompt: [1, 437]) }
        #expect(throws: LlamaError.emptyInput) { try Self.model.logits(forPrompt: []) }
        let s = Self.model.makeSession(capacity: 3)
        _ = try s.evaluate([1, 2])
        #expect(throws: LlamaError.contextFull(capacity: 3, requested: 4)) { try s.evaluate([5, 6]) }
        #expect(s.position == 2)
        s.reset()
        #expect(s.position == 0)
        #expect(try s.evaluate([1, 2, 3]).count == 437)
    }
}
