import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP APIs ``ServerScorer`` speaks (notes/calm.md §7).
public enum ServerAPI: String, CaseIterable, Sendable, Codable {
    /// llama.cpp `llama-server` native `POST /completion` with `n_probs`.
    case llama
    /// `POST /v1/chat/completions` with `logprobs: true, top_logprobs` (llama-server, vLLM, OpenAI-compatible).
    /// The CALM query is sent as the user message: the server's chat template must reproduce CALM's
    /// wrapper (`/apply-template` on llama-server shows it).
    case llamaChat = "llama-chat"
    /// `POST /v1/completions` with integer `logprobs`: OpenAI legacy shape (vLLM) or llama-server's
    /// chat-style `content[]` shape; both are decoded.
    case openai
    /// Ollama `POST /api/generate` with `raw: true`, `logprobs`, `top_logprobs` (Ollama ≥ 0.12.11).
    case ollama

    /// The endpoint path.
    public var path: String {
        switch self {
        case .llama: return "/completion"
        case .llamaChat: return "/v1/chat/completions"
        case .openai: return "/v1/completions"
        case .ollama: return "/api/generate"
        }
    }
}

/// A failure talking to an LLM server; the message names the URL.
public struct ServerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The message.
    public let description: String
    /// An error with this message.
    public init(_ description: String) { self.description = description }
}

/// Timeouts and retries of ``HTTPJSONClient``.
public struct HTTPRetryPolicy: Sendable, Equatable {
    /// Per-request timeout (seconds).
    public var timeout: Double
    /// Extra attempts after a connection error or an HTTP 5xx.
    public var retries: Int
    /// Wait before retry k (0-based) = `backoff · 2^k` seconds.
    public var backoff: Double

    /// A policy (defaults: 120 s, 3 retries, 0.5 s first backoff).
    public init(timeout: Double = 120, retries: Int = 3, backoff: Double = 0.5) {
        self.timeout = timeout; self.retries = retries; self.backoff = backoff
    }
}

/// A small synchronous JSON-over-HTTP client on URLSession: POST a JSON object, get a JSON object, with
/// retries (exponential backoff) on connection errors and 5xx answers.
public struct HTTPJSONClient: Sendable {
    /// Timeouts and retries.
    public let policy: HTTPRetryPolicy

    /// A client with this policy.
    public init(policy: HTTPRetryPolicy = HTTPRetryPolicy()) { self.policy = policy }

    private final class Box: @unchecked Sendable {
        var data: Data?
        var response: HTTPURLResponse?
        var error: Error?
    }

    /// POSTs `body` to `url`; returns the decoded JSON object.
    public func post(_ url: URL, body: [String: Any]) throws -> [String: Any] {
        let payload = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        var lastProblem = ""
        for attempt in 0...max(0, policy.retries) {
            if attempt > 0 { Thread.sleep(forTimeInterval: policy.backoff * pow(2, Double(attempt - 1))) }
            var request = URLRequest(url: url, timeoutInterval: policy.timeout)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            request.httpBody = payload
            let box = Box()
            let done = DispatchSemaphore(value: 0)
            let config = URLSessionConfiguration.ephemeral
            config.timeoutIntervalForRequest = policy.timeout
            config.timeoutIntervalForResource = policy.timeout
            let session = URLSession(configuration: config)
            let task = session.dataTask(with: request) { data, response, error in
                box.data = data; box.response = response as? HTTPURLResponse; box.error = error
                done.signal()
            }
            task.resume()
            done.wait()
            session.finishTasksAndInvalidate()
            if let error = box.error {
                lastProblem = (error as? URLError).map { Self.describe($0) } ?? error.localizedDescription
                continue
            }
            guard let response = box.response else { lastProblem = "no HTTP response"; continue }
            let data = box.data ?? Data()
            if response.statusCode >= 500 {
                lastProblem = "HTTP \(response.statusCode): \(Self.snippet(data))"
                continue
            }
            guard (200..<300).contains(response.statusCode) else {
                throw ServerError("\(url.absoluteString) answered HTTP \(response.statusCode): \(Self.snippet(data))")
            }
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw ServerError("\(url.absoluteString) did not answer with a JSON object: \(Self.snippet(data))")
            }
            return object
        }
        let tries = policy.retries + 1
        throw ServerError("cannot get an answer from \(url.absoluteString) after \(tries) attempt\(tries == 1 ? "" : "s"): \(lastProblem)")
    }

    static func describe(_ e: URLError) -> String {
        switch e.code {
        case .cannotConnectToHost: return "connection refused (is the server running?)"
        case .timedOut: return "timed out"
        case .cannotFindHost: return "unknown host"
        case .networkConnectionLost: return "connection lost"
        default: return e.localizedDescription
        }
    }

    static func snippet(_ d: Data) -> String {
        let s = String(decoding: d.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return s.isEmpty ? "(empty body)" : s
    }
}

/// A ``FirstTokenScorer`` backed by an LLM server (llama-server, Ollama, vLLM, OpenAI-compatible).
///
/// Requests are greedy and one token long (`temperature: 0`; `n_predict`/`max_tokens`/`num_predict` 1),
/// with `cache_prompt: false` on llama-server's native API so scores do not depend on its prompt cache.
public struct ServerScorer: FirstTokenScorer, GreedyTextGenerator, Sendable {
    /// Server root, e.g. `http://127.0.0.1:8080`.
    public let baseURL: URL
    /// Which API to speak.
    public let api: ServerAPI
    /// The `model` field (required by Ollama, vLLM and OpenAI; llama-server ignores it).
    public let model: String?
    /// The HTTP client (timeouts, retries).
    public let client: HTTPJSONClient

    /// A scorer for the server at `baseURL`.
    /// - Throws: ``ServerError`` for a URL that is not http(s), or Ollama without a model name.
    public init(baseURL: String, api: ServerAPI, model: String? = nil, policy: HTTPRetryPolicy = HTTPRetryPolicy()) throws {
        var root = baseURL
        while root.hasSuffix("/") { root.removeLast() }
        guard let url = URL(string: root), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()), url.host != nil else {
            throw ServerError("--server \(baseURL): not an http(s) URL (e.g. http://127.0.0.1:8080)")
        }
        if api == .ollama && (model ?? "").isEmpty {
            throw ServerError("Ollama needs the model name: pass --server-model NAME")
        }
        self.baseURL = url; self.api = api; self.model = model
        self.client = HTTPJSONClient(policy: policy)
    }

    /// "API URL [model NAME]".
    public var backendDescription: String { "\(api.rawValue) \(endpoint.absoluteString)" + (model.map { " model \($0)" } ?? "") }

    /// The URL requests go to.
    public var endpoint: URL { URL(string: baseURL.absoluteString + api.path)! }

    /// The JSON body sent for `prompt`.
    public func requestBody(prompt: String, topN: Int) -> [String: Any] {
        var body: [String: Any]
        switch api {
        case .llama:
            body = ["prompt": prompt, "n_predict": 1, "temperature": 0, "n_probs": topN, "cache_prompt": false]
        case .llamaChat:
            body = ["messages": [["role": "user", "content": Self.unwrapCALM(prompt)]], "max_tokens": 1, "temperature": 0,
                    "logprobs": true, "top_logprobs": topN]
        case .openai:
            body = ["prompt": prompt, "max_tokens": 1, "temperature": 0, "logprobs": topN]
        case .ollama:
            body = ["prompt": prompt, "raw": true, "stream": false, "options": ["temperature": 0, "num_predict": 1],
                    "logprobs": true, "top_logprobs": min(topN, 20)]
        }
        if let model { body["model"] = model }
        return body
    }

    /// The JSON body of a greedy generation of up to `maxTokens` tokens (no log-probabilities).
    public func generationBody(prompt: String, maxTokens: Int) -> [String: Any] {
        var body: [String: Any]
        switch api {
        case .llama:
            body = ["prompt": prompt, "n_predict": maxTokens, "temperature": 0, "cache_prompt": false]
        case .llamaChat:
            body = ["messages": [["role": "user", "content": Self.unwrapCALM(prompt)]], "max_tokens": maxTokens, "temperature": 0]
        case .openai:
            body = ["prompt": prompt, "max_tokens": maxTokens, "temperature": 0]
        case .ollama:
            body = ["prompt": prompt, "raw": true, "stream": false, "options": ["temperature": 0, "num_predict": maxTokens]]
        }
        if let model { body["model"] = model }
        return body
    }

    /// Greedy generation of up to `maxTokens` tokens; the generated text.
    public func greedyText(prompt: String, maxTokens: Int) throws -> String {
        let r = try client.post(endpoint, body: generationBody(prompt: prompt, maxTokens: maxTokens))
        if let t = r["content"] as? String { return t }                                   // llama-server /completion
        if let t = r["response"] as? String { return t }                                  // Ollama
        if let c = (r["choices"] as? [[String: Any]])?.first {
            if let t = (c["message"] as? [String: Any])?["content"] as? String { return t } // chat
            if let t = c["text"] as? String { return t }                                   // completions
        }
        throw ServerError("server \(endpoint.absoluteString) returned no generated text" + (Self.errorText(r).map { " (server said: \($0))" } ?? ""))
    }

    /// One request with `topN` log-probabilities for one generated token, decoded.
    public func firstTokenDistribution(prompt: String, topN: Int) throws -> FirstTokenDistribution {
        let response = try client.post(endpoint, body: requestBody(prompt: prompt, topN: topN))
        return try decode(response)
    }

    /// Decodes a response of this scorer's API.
    public func decode(_ response: [String: Any]) throws -> FirstTokenDistribution {
        if let d = Self.decodeAny(response) { return d }
        throw ServerError("server \(endpoint.absoluteString) returned no log-probabilities; Ollama ≥ 0.12.11 / llama-server with n_probs needed"
                          + (Self.errorText(response).map { " (server said: \($0))" } ?? ""))
    }

    /// The chat API gets the bare query; the server's template adds CALM's wrapper.
    static func unwrapCALM(_ prompt: String) -> String {
        let head = "Human: \n", tail = "\n\nAssistant: \n"
        guard prompt.hasPrefix(head), prompt.hasSuffix(tail), prompt.count >= head.count + tail.count else { return prompt }
        return String(prompt.dropFirst(head.count).dropLast(tail.count))
    }

    static func errorText(_ r: [String: Any]) -> String? {
        if let e = r["error"] as? String { return e }
        if let e = r["error"] as? [String: Any] { return e["message"] as? String }
        return nil
    }

    /// Decodes every shape the supported servers use; nil when the response carries no log-probabilities.
    public static func decodeAny(_ r: [String: Any]) -> FirstTokenDistribution? {
        // llama-server /completion: completion_probabilities[0].top_logprobs | top_probs.
        if let cp = r["completion_probabilities"] as? [[String: Any]], let first = cp.first,
           let entries = entryList(first["top_logprobs"] ?? first["top_probs"]), !entries.isEmpty {
            return FirstTokenDistribution(entries: entries, greedyText: r["content"] as? String)
        }
        // OpenAI-style choices[0].logprobs: chat-style content[] or legacy tokens/token_logprobs/top_logprobs{dict}.
        if let choices = r["choices"] as? [[String: Any]], let c = choices.first, let lp = c["logprobs"] as? [String: Any] {
            let text = (c["message"] as? [String: Any])?["content"] as? String ?? c["text"] as? String
            if let content = lp["content"] as? [[String: Any]], let first = content.first,
               let entries = entryList(first["top_logprobs"]), !entries.isEmpty {
                return FirstTokenDistribution(entries: entries, greedyText: text)
            }
            if let tops = lp["top_logprobs"] as? [Any], let first = tops.first as? [String: Any], !first.isEmpty {
                let entries = first.compactMap { k, v in number(v).map { TokenLogprob(token: k, logprob: $0) } }
                return entries.isEmpty ? nil : FirstTokenDistribution(entries: entries, greedyText: text)
            }
        }
        // Ollama: top-level logprobs[0].top_logprobs.
        if let lp = r["logprobs"] as? [[String: Any]], let first = lp.first, let entries = entryList(first["top_logprobs"]), !entries.isEmpty {
            return FirstTokenDistribution(entries: entries, greedyText: r["response"] as? String)
        }
        return nil
    }

    static func number(_ v: Any?) -> Double? {
        if let n = v as? NSNumber { return n.doubleValue }
        if let d = v as? Double { return d }
        return nil
    }

    /// `[{"id"?, "token", "bytes"?, "logprob" | "prob"}]`.
    static func entryList(_ v: Any?) -> [TokenLogprob]? {
        guard let list = v as? [[String: Any]] else { return nil }
        return list.compactMap { e in
            let logprob: Double
            if let lp = number(e["logprob"]) { logprob = lp }
            else if let p = number(e["prob"]) { logprob = p > 0 ? log(p) : -.infinity }
            else { return nil }
            let bytes = (e["bytes"] as? [Any])?.compactMap { number($0).map { UInt8(clamping: Int($0)) } }
            let token = e["token"] as? String ?? bytes.flatMap { String(bytes: $0, encoding: .utf8) } ?? ""
            return TokenLogprob(id: number(e["id"]).map { Int($0) }, token: token, bytes: bytes, logprob: logprob)
        }
    }
}
