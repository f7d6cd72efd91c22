import Foundation
import ObligorLLM
import Testing

/// Counts requests and fails one on purpose (to interrupt a run).
final class FakeBackendState: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var failAt: Int? = nil
    func next() -> (n: Int, fail: Bool) {
        lock.lock(); defer { lock.unlock() }
        count += 1
        return (count, failAt == count)
    }
    var requests: Int { lock.lock(); defer { lock.unlock() }; return count }
}

/// `obligor calm` end to end on the built binary. The backend is a loopback llama-server stand-in that
/// answers each German test prompt with CALM's own logged prediction (P = 0.8 for it, 0.2 for the other
/// answer), so the CLI must reproduce CALM's Table 2 cells, and `obligor audit` on its scores file must
/// reproduce the content-matched EOD/AOD/SPD of notes/calm.md §5.3 (joined by record id).
@Suite("obligor calm (CLI)")
struct CALMCLITests {
    static let llmFixtures = repositoryRoot.appendingPathComponent("Tests/ObligorLLMTests/Fixtures")

    /// prompt → CALM's logged German prediction for that record.
    static func calmAnswers() throws -> [String: String] {
        let records = try CALMDataset.german.records(from: CALMDataset.german.shippedSource(), split: .test)
        let lines = try String(contentsOf: llmFixtures.appendingPathComponent("german_predictions.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",", maxSplits: 8).map(String.init) }
        var predByRow: [Int: String] = [:]
        for f in lines { predByRow[Int(f[1])!] = f[6] }   // test_row, calm_pred
        var out: [String: String] = [:]
        for r in records { out[r.modelPrompt] = predByRow[r.id]! }
        return out
    }

    static func fakeServer(_ state: FakeBackendState) throws -> LoopbackHTTPServer {
        let answers = try calmAnswers()
        return try LoopbackHTTPServer { request in
            let (_, fail) = state.next()
            if fail { return (400, Data("{\"error\":\"simulated failure\"}".utf8)) }
            guard request.path == "/completion", let body = request.json, let prompt = body["prompt"] as? String,
                  let answer = answers[prompt] else {
                return (400, Data("{\"error\":\"unexpected request\"}".utf8))
            }
            if body["n_probs"] == nil && (body["n_predict"] as? Int) == 8 {   // greedy generation (--greedy-tokens 8)
                return (200, try! JSONSerialization.data(withJSONObject: ["content": " \(answer.capitalized). The client"]))
            }
            guard (body["n_probs"] as? Int) == 20, (body["n_predict"] as? Int) == 1 else {
                return (400, Data("{\"error\":\"unexpected request\"}".utf8))
            }
            let other = answer == "good" ? "bad" : "good"
            let top: [[String: Any]] = [["id": 1, "token": " \(answer)", "bytes": Array(" \(answer)".utf8), "logprob": log(0.8)],
                                        ["id": 2, "token": other, "bytes": Array(other.utf8), "logprob": log(0.2)]]
            let response: [String: Any] = ["content": " \(answer)",
                                           "completion_probabilities": [["id": 1, "token": " \(answer)", "logprob": log(0.8), "top_logprobs": top]]]
            return (200, try! JSONSerialization.data(withJSONObject: response))
        }
    }

    @Test func promptsScoreResumeAndAudit() throws {
        let box = Sandbox()
        // Prompts: byte-identical to CALM's records; raw rows with record ids for the audit.
        let p = try box.run(["calm", "prompts", "--dataset", "german", "--split", "test", "--out", "t.jsonl", "--rows-out", "rows.csv"])
        #expect(p.status == 0, "\(p.stderr)")
        #expect(FileManager.default.contents(atPath: box.path("t.jsonl")) == FileManager.default.contents(atPath: Self.llmFixtures.appendingPathComponent("german_test.jsonl").path))

        let state = FakeBackendState()
        let server = try Self.fakeServer(state)
        defer { server.stop() }
        let score = ["calm", "score", "--dataset", "german", "--server", server.url, "--api", "llama", "--run", "calm-test",
                     "--retries", "0", "--out", "scores.csv", "--json"]

        // Interrupted on request 31: 30 records are kept.
        state.failAt = 31
        let first = try box.run(score)
        #expect(first.status == 1)
        #expect(first.stderr.contains("simulated failure") && first.stderr.contains("--run 'calm-test'") && first.stderr.contains("30 of 200"), "\(first.stderr)")

        let second = try box.run(score)
        #expect(second.status == 0, "\(second.stderr)")
        let j = try #require(second.json)
        #expect(j["resumed"] as? Int == 30 && j["scored_now"] as? Int == 170 && j["n"] as? Int == 200)
        #expect(state.requests == 31 + 170)
        for (key, value) in [("acc", 0.565), ("f1_paper", 0.595), ("f1_weighted", 0.535), ("mcc", -0.067), ("miss", 0.0)] {
            let got = try #require(j[key] as? Double)
            #expect(abs(got - value) <= 0.0005, "\(key) \(got)")
        }
        let coverage = try #require(j["coverage"] as? [String: Any])
        #expect(abs((coverage["mean"] as? Double ?? 0) - 1) < 1e-9)

        // A third run has nothing left to score.
        let third = try box.run(score)
        #expect(third.status == 0 && third.json?["scored_now"] as? Int == 0 && state.requests == 201)

        let firstTokenGreedy = try #require(j["greedy"] as? [String: Any])   // PIXIU parse of the one-token text
        #expect(abs((firstTokenGreedy["acc"] as? Double ?? 0) - 0.565) <= 0.0005)

        // Greedy generation (the paper's protocol) with JSON Lines output; a separate run.
        let g = try box.run(["calm", "score", "--dataset", "german", "--server", server.url, "--run", "greedy", "--limit", "40",
                             "--greedy-tokens", "8", "--out", "g.jsonl", "--json"])
        #expect(g.status == 0 && state.requests == 201 + 80, "\(g.stderr)")
        let gj = try #require(g.json)
        #expect((gj["greedy"] as? [String: Any])?["acc"] as? Double == gj["acc"] as? Double)
        let lines = try String(contentsOfFile: box.path("g.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 40 && lines[0].contains("The client") && lines[0].contains("\"p_good\":0.8"))

        // The bias audit on the LLM's scores, joined by record id.
        let audit = try box.run(["audit", "--scores", "scores.csv", "--data", "rows.csv", "--id", "id", "--target", "bad",
                                 "--bootstrap", "0", "--min-group-size", "0", "--json",
                                 "--sensitive", "A9", "--privileged", "A91,A93,A94",
                                 "--sensitive", "A13", "--privileged", "<=45", "--band", "A13:45",
                                 "--sensitive", "A20", "--privileged", "A202"])
        #expect(audit.status == 0, "\(audit.stderr)")
        let attrs = try #require(audit.json?["attributes"] as? [[String: Any]])
        let want: [(eod: Double, aod: Double, spd: Double)] = [(-0.051, -0.035, -0.035), (0.175, 0.193, 0.178), (-0.242, 0.297, -0.015)]
        #expect(attrs.count == 3)
        for (a, w) in zip(attrs, want) {
            let pooled = try #require((a["comparisons"] as? [[String: Any]])?.first)
            for (key, value) in [("eod", w.eod), ("aod", w.aod), ("spd", w.spd)] {
                let got = try #require(pooled[key] as? Double)
                #expect(abs(got - value) <= 0.0005 + 1e-12, "\(a["name"] ?? "") \(key): \(got) vs \(value)")
            }
        }
    }

    /// The embedded engine end to end: `--model FILE.gguf` scores without a server, and a run that
    /// is stopped after 2 records and resumed writes the same bytes as one uninterrupted run.
    @Test func embeddedModelScoresAndResumesIdentically() throws {
        let box = Sandbox()
        let gguf = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ObligorLlamaTests/Fixtures/tiny-llama-calm.gguf").standardized.path
        let whole = try box.run(["calm", "score", "--dataset", "german", "--model", gguf, "--limit", "4", "--run", "whole",
                                 "--min-coverage", "0", "--out", "whole.csv", "--json"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.json?["n"] as? Int == 4 && whole.json?["scored_now"] as? Int == 4)
        let part = try box.run(["calm", "score", "--dataset", "german", "--model", gguf, "--limit", "2", "--run", "parts", "--min-coverage", "0"])
        #expect(part.status == 0, "\(part.stderr)")
        let rest = try box.run(["calm", "score", "--dataset", "german", "--model", gguf, "--limit", "4", "--run", "parts",
                                "--min-coverage", "0", "--out", "parts.csv", "--json"])
        #expect(rest.status == 0 && rest.json?["resumed"] as? Int == 2 && rest.json?["scored_now"] as? Int == 2, "\(rest.stderr)")
        let a = try String(contentsOfFile: box.path("whole.csv"), encoding: .utf8)
        #expect(a == (try String(contentsOfFile: box.path("parts.csv"), encoding: .utf8)))
        #expect(a.split(separator: "\n").count == 5 && a.hasPrefix("id,"), "\(a)")
    }

    @Test func badInput() throws {
        let box = Sandbox()
        let unknown = try box.run(["calm", "prompts", "--dataset", "klingon"])
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown dataset 'klingon'") && unknown.stderr.contains("german"))
        let noData = try box.run(["calm", "prompts", "--dataset", "portoseguro"])
        #expect(noData.status == 1 && noData.stderr.contains("--data FILE") && noData.stderr.contains("target"))
        let noBackend = try box.run(["calm", "score", "--dataset", "german"])
        #expect(noBackend.status == 2 && noBackend.stderr.contains("--model FILE.gguf or --server URL"))
        let badAPI = try box.run(["calm", "score", "--dataset", "german", "--server", "http://127.0.0.1:9", "--api", "gpt"])
        #expect(badAPI.status == 2 && badAPI.stderr.contains("--api"))
        // Unreachable: a loopback port whose server has just closed.
        let closed = try LoopbackHTTPServer { _ in (200, Data()) }
        let url = closed.url
        closed.stop()
        let down = try box.run(["calm", "score", "--dataset", "german", "--server", url, "--retries", "0", "--limit", "1"])
        #expect(down.status == 1 && down.stderr.contains("\(url)/completion") && down.stderr.contains("connection refused"), "\(down.stderr)")
        _ = box.write("m.gguf", "GGUF")
        let embedded = try box.run(["calm", "score", "--dataset", "german", "--model", "m.gguf"])
        #expect(embedded.status == 1 && embedded.stderr.contains("--model m.gguf") && embedded.stderr.contains("truncated"), "\(embedded.stderr)")
        _ = box.write("n.gguf", "not a model at all")
        let notGGUF = try box.run(["calm", "score", "--dataset", "german", "--model", "n.gguf"])
        #expect(notGGUF.status == 1 && notGGUF.stderr.contains("n.gguf") && notGGUF.stderr.lowercased().contains("not a gguf"), "\(notGGUF.stderr)")
        let badRow = box.write("cc.csv", "gender,state,cardholder,balance,numTrans,numIntlTrans,creditLine,fraudRisk\n1,25,1,7000,16,0,6,maybe\n")
        let bad = try box.run(["calm", "prompts", "--dataset", "ccfraud", "--data", badRow, "--split", "all"])
        #expect(bad.status == 1 && bad.stderr.contains("line 2") && bad.stderr.contains("column 'fraudRisk'") && bad.stderr.contains("'maybe'"), "\(bad.stderr)")
    }
}
