import Foundation
import Testing
@testable import ObligorLLM

/// Thread-safe notes from a server handler.
final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    private var n = 0
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Canonical JSON text of a value (for comparing request fields).
func canonical(_ v: Any) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [v], options: [.sortedKeys]), as: UTF8.self)
}

func jsonData(_ o: Any) -> Data { try! JSONSerialization.data(withJSONObject: o) }

/// Contract tests: the recorded llama-server exchanges replayed through a loopback HTTP server that
/// checks every recorded request field against what the client sends; synthetic Ollama and OpenAI-legacy
/// responses in the documented shapes; connection errors, missing log-probabilities, retries.
@Suite("LLM server clients")
struct ServerScorerTests {
    static let fast = HTTPRetryPolicy(timeout: 10, retries: 2, backoff: 0.01)

    /// CALM German test record 0 as the model sees it (built by the module, not read from the capture).
    static func germanPrompt() throws -> String {
        try CALMDataset.german.records(from: CALMDataset.german.shippedSource(), split: .test)[0].modelPrompt
    }

    /// Serves the recorded response when path and every recorded request field match.
    func replay(_ file: String) throws -> (LoopbackHTTPServer, Log, [String: Any]) {
        let f = try Fixture.json("llama_server/\(file)")
        let endpoint = f["endpoint"] as! String
        let request = (f["request"] as! [String: Any]).mapValues(canonical)
        let response = jsonData(f["response"]!)
        let log = Log()
        let server = try LoopbackHTTPServer { r in
            log.add("request")
            guard r.method == "POST", r.path == endpoint else { log.add("wrong route \(r.method) \(r.path)"); return (404, Data("{}".utf8)) }
            guard let sent = r.json else { log.add("body is not JSON"); return (400, Data("{}".utf8)) }
            for (k, v) in request where sent[k].map(canonical) != v {
                log.add("field \(k): sent \(sent[k].map(canonical) ?? "nothing"), recorded \(v.prefix(80))")
            }
            return (200, response)
        }
        return (server, log, f)
    }

    @Test func llamaNativeCompletion() throws {
        let (server, log, _) = try replay("01_completion.json")
        defer { server.stop() }
        let scorer = try ServerScorer(baseURL: server.url, api: .llama, policy: Self.fast)
        let d = try scorer.firstTokenDistribution(prompt: try Self.germanPrompt(), topN: 10)
        #expect(log.all == ["request"])
        #expect(d.entries.count == 10 && d.entries[0].id == 179 && d.greedyText == "\u{FFFD}")
    }

    @Test func llamaFullVocabulary() throws {
        let (server, log, _) = try replay("05_completion.json")
        defer { server.stop() }
        let scorer = try ServerScorer(baseURL: server.url + "/", api: .llama, policy: Self.fast)
        let d = try scorer.firstTokenDistribution(prompt: try Self.germanPrompt(), topN: 100000)
        #expect(log.all == ["request"])
        #expect(d.entries.count == 437)
    }

    @Test func llamaV1Completions() throws {
        let (server, log, _) = try replay("03_v1_completions.json")
        defer { server.stop() }
        let scorer = try ServerScorer(baseURL: server.url, api: .openai, model: "x", policy: Self.fast)
        let d = try scorer.firstTokenDistribution(prompt: try Self.germanPrompt(), topN: 10)
        #expect(log.all == ["request"])
        #expect(d.entries.count == 10 && close(d.entries[0].logprob, -0.05050257220864296, 1e-15))
    }

    /// The chat API sends the bare query; the server's template (CALM's, in the tiny GGUF) wraps it.
    @Test func llamaChatCompletions() throws {
        let (server, log, _) = try replay("04_v1_chat_completions.json")
        defer { server.stop() }
        let scorer = try ServerScorer(baseURL: server.url, api: .llamaChat, model: "x", policy: Self.fast)
        let d = try scorer.firstTokenDistribution(prompt: try Self.germanPrompt(), topN: 10)
        #expect(log.all == ["request"])
        #expect(d.entries.count == 10 && d.greedyText == "\u{FFFD}")
    }

    @Test func ollamaGenerateShape() throws {
        let log = Log()
        let server = try LoopbackHTTPServer { r in
            let b = r.json ?? [:]
            let options = b["options"] as? [String: Any] ?? [:]
            if b["logprobs"] == nil {   // greedy generation
                if (options["num_predict"] as? Int) != 16 || canonical(b["raw"] ?? 0) != canonical(true) { log.add("generation body") }
                return (200, jsonData(["model": "calm", "response": " Good. The client", "done": true]))
            }
            if r.path != "/api/generate" { log.add("path \(r.path)") }
            if canonical(b["raw"] ?? 0) != canonical(true) || canonical(b["stream"] ?? 0) != canonical(false) { log.add("raw/stream") }
            if canonical(b["logprobs"] ?? 0) != canonical(true) || (b["top_logprobs"] as? Int) != 20 { log.add("logprobs") }
            if (options["temperature"] as? Int) != 0 || (options["num_predict"] as? Int) != 1 { log.add("options") }
            if (b["model"] as? String) != "calm" || (b["prompt"] as? String) != "Human: \nQ\n\nAssistant: \n" { log.add("model/prompt") }
            let top: [[String: Any]] = [["token": " good", "logprob": -0.4, "bytes": Array(" good".utf8)],
                                        ["token": " bad", "logprob": -1.2, "bytes": Array(" bad".utf8)],
                                        ["token": "Good", "logprob": -3.0]]
            return (200, jsonData(["model": "calm", "response": " good", "done": true,
                                   "logprobs": [["token": " good", "logprob": -0.4, "bytes": Array(" good".utf8), "top_logprobs": top]]]))
        }
        defer { server.stop() }
        let scorer = try ServerScorer(baseURL: server.url, api: .ollama, model: "calm", policy: Self.fast)
        let d = try scorer.firstTokenDistribution(prompt: CALMRecord.chatWrap("Q"), topN: 50)
        #expect(log.all.isEmpty, "\(log.all)")
        let s = d.choiceScore(favourable: "good", unfavourable: "bad", minCoverage: 0.5)
        #expect(close(s.pFavourable, exp(-0.4) + exp(-3.0), 1e-12) && close(s.pUnfavourable, exp(-1.2), 1e-12))
        #expect(d.greedyText == " good" && s.answer == "good")
        #expect(throws: ServerError.self) { _ = try ServerScorer(baseURL: server.url, api: .ollama) }   // model required
        let text = try scorer.greedyText(prompt: CALMRecord.chatWrap("Q"), maxTokens: 16)
        #expect(text == " Good. The client" && pixiuParse(text, choices: ["good", "bad"]) == "good" && log.all.isEmpty)
    }

    @Test func openAILegacyShape() throws {
        let server = try LoopbackHTTPServer { _ in
            (200, jsonData(["choices": [["text": " bad", "index": 0,
                                         "logprobs": ["tokens": [" bad"], "token_logprobs": [-0.3], "text_offset": [0],
                                                      "top_logprobs": [[" bad": -0.3, " good": -1.6, "\u{2581}Good": -2.5, " the": -4.0]]]]]]))
        }
        defer { server.stop() }
        let scorer = try ServerScorer(baseURL: server.url, api: .openai, model: "calm-7b", policy: Self.fast)
        let body = scorer.requestBody(prompt: "P", topN: 10)
        #expect((body["max_tokens"] as? Int) == 1 && (body["logprobs"] as? Int) == 10 && (body["model"] as? String) == "calm-7b")
        let d = try scorer.firstTokenDistribution(prompt: "P", topN: 10)
        #expect(d.entries.map(\.token) == [" bad", " good", "\u{2581}Good", " the"])
        let s = d.choiceScore(favourable: "good", unfavourable: "bad", minCoverage: 0.5)
        #expect(close(s.pFavourable, exp(-1.6) + exp(-2.5), 1e-12) && s.answer == "bad" && d.greedyText == " bad")
    }

    @Test func unreachableServerNamesTheURL() throws {
        let server = try LoopbackHTTPServer { _ in (200, Data("{}".utf8)) }
        let url = server.url
        server.stop()
        let scorer = try ServerScorer(baseURL: url, api: .llama, policy: HTTPRetryPolicy(timeout: 5, retries: 1, backoff: 0.01))
        do {
            _ = try scorer.firstTokenDistribution(prompt: "P", topN: 5)
            Issue.record("expected an error")
        } catch let e as ServerError {
            #expect(e.description.contains("\(url)/completion") && e.description.contains("2 attempts"), "\(e)")
        }
        #expect(throws: ServerError.self) { _ = try ServerScorer(baseURL: "localhost:8080", api: .llama) }
    }

    @Test func responseWithoutLogprobsIsAClearError() throws {
        let server = try LoopbackHTTPServer { _ in (200, jsonData(["content": " good", "stop": true])) }
        defer { server.stop() }
        let scorer = try ServerScorer(baseURL: server.url, api: .llama, policy: Self.fast)
        do {
            _ = try scorer.firstTokenDistribution(prompt: "P", topN: 5)
            Issue.record("expected an error")
        } catch let e as ServerError {
            #expect(e.description.contains("returned no log-probabilities") && e.description.contains("Ollama ≥ 0.12.11"), "\(e)")
        }
    }

    @Test func serverErrorIsRetried() throws {
        let f = try Fixture.json("llama_server/01_completion.json")
        let response = jsonData(f["response"]!)
        let log = Log()
        let server = try LoopbackHTTPServer { _ in
            log.next() == 1 ? (500, Data("{\"error\":\"loading model\"}".utf8)) : (200, response)
        }
        defer { server.stop() }
        let scorer = try ServerScorer(baseURL: server.url, api: .llama, policy: Self.fast)
        let d = try scorer.firstTokenDistribution(prompt: "P", topN: 10)
        #expect(d.entries.count == 10 && log.next() == 3)   // two requests before this call
        // A 4xx is not retried and is reported with the body.
        let bad = try LoopbackHTTPServer { _ in log.add("4xx"); return (400, Data("{\"error\":\"bad n_probs\"}".utf8)) }
        defer { bad.stop() }
        do {
            _ = try ServerScorer(baseURL: bad.url, api: .llama, policy: Self.fast).firstTokenDistribution(prompt: "P", topN: 1)
            Issue.record("expected an error")
        } catch let e as ServerError {
            #expect(e.description.contains("HTTP 400") && e.description.contains("bad n_probs"))
        }
        #expect(log.all == ["4xx"])
    }
}
