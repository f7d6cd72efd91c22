import ArgumentParser
import Foundation
import ObligorData
import ObligorLLM
import ObligorNumerics
import ObligorStore
#if canImport(Glibc)
import Glibc
#endif

/// `obligor calm`: CALM's LLM credit-scoring benchmark (Feng et al., 2023): prompts and LLM scoring.
struct CALMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calm",
        abstract: "CALM LLM credit scoring: benchmark prompts, scored by an LLM.",
        discussion: """
        `calm prompts` builds the benchmark prompts; `calm score` scores them with an LLM, P(good) coming from \
        first-token log-probabilities.

        Datasets: \(CALMDataset.allCases.map(\.rawValue).joined(separator: ", ")). German and Australian ship with \
        Obligor; the others need --data FILE with the documented columns (see ObligorLLM/README.md).

        Split: CALM's seed-10086 70/10/20 split of the rows (train, valid, test).
        """,
        subcommands: [CALMPromptsCommand.self, CALMScoreCommand.self])
}

/// Shared dataset options.
struct CALMDataOptions: ParsableArguments {
    @Option(help: "Dataset: german, australian, lendingclub, ccf, ccfraud, polish, taiwan, portoseguro, travelinsurance.")
    var dataset: String
    @Option(help: "Split: train, valid, test, or all (every row, ids = row positions).") var split: String = "test"
    @Option(help: "Raw data file (required for datasets without shipped data; CSV with the documented columns, or ARFF for Polish).")
    var data: String?

    func resolve() throws -> (CALMDataset, CALMSplitName?, CALMSource) {
        guard let d = CALMDataset(name: dataset) else {
            throw InputError("unknown dataset '\(dataset)' (known: \(CALMDataset.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var part: CALMSplitName? = nil
        if split != "all" {
            guard let p = CALMSplitName(rawValue: split) else { throw ValidationError("--split must be train, valid, test or all (got '\(split)')") }
            part = p
        }
        let source = try data.map { try d.source(path: $0) } ?? d.shippedSource()
        return (d, part, source)
    }
}

/// `obligor calm prompts`.
struct CALMPromptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Write CALM's benchmark records as JSONL.",
        discussion: "Each record has id, query, answer, choices, gold, text and source_row. German output is byte-identical to CALM's records. --rows-out writes the split's raw rows with the record id, for `obligor audit --scores`.")

    @OptionGroup var options: CALMDataOptions
    @Option(help: "Write the JSONL here (default: stdout).") var out: String?
    @Option(help: "Also write the split's raw rows as CSV: id, source_row, the source columns, and bad (1 = unfavourable answer).")
    var rowsOut: String?

    func run() throws {
        let (dataset, split, source) = try options.resolve()
        let records = try dataset.records(from: source, split: split)
        let jsonl = records.map { $0.jsonLine + "\n" }.joined()
        if let out {
            try CSVWriter.writeAtomically(jsonl, to: out)
            note("\(records.count) \(dataset.rawValue) \(options.split) records written to \(out)")
        } else {
            FileHandle.standardOutput.write(Data(jsonl.utf8))
        }
        for d in dataset.knownDefects { note("note (\(dataset.rawValue)): \(d)") }
        if let rowsOut {
            let width = source.rows.first?.count ?? 0
            let names = source.header ?? (1...max(1, width)).map { k in k == width ? "class" : "A\(k)" }
            var text = (["id", "source_row"] + names + ["bad"]).map(CSVWriter.field).joined(separator: ",") + "\n"
            for r in records {
                let fields = ["\(r.id)", "\(r.sourceRow)"] + source.rows[r.sourceRow] + [r.answer == dataset.favourable ? "0" : "1"]
                text += fields.map(CSVWriter.field).joined(separator: ",") + "\n"
            }
            try CSVWriter.writeAtomically(text, to: rowsOut)
            note("raw rows written to \(rowsOut)")
        }
    }
}

/// `obligor calm score`.
struct CALMScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score CALM records with an LLM (resumable).",
        discussion: """
        Each record's prompt is CALM's chat-wrapped query ("Human: \\n" + query + "\\n\\nAssistant: \\n"), sent raw.

        P(good) comes from the first token's top-N log-probabilities: it sums the probabilities of the candidates \
        that read as the favourable answer (good / no), normalised over both answers; coverage = the two masses' \
        sum; below --min-coverage the hard answer is missing.

        Results are stored per record in the workspace (table calm_results, keyed by --run, dataset, split, record \
        id): a re-run with the same --run skips done records.

        --out writes per record: id, source_row, gold, pd (= 1 − p_good), p_good, coverage, answer, greedy; `obligor \
        audit --scores` joins it by id to the rows of `obligor calm prompts --rows-out`.

        APIs: llama (llama-server /completion, n_probs), llama-chat (/v1/chat/completions; the server's chat \
        template must reproduce CALM's wrapper), openai (/v1/completions: vLLM, OpenAI, llama-server), ollama \
        (/api/generate raw, Ollama ≥ 0.12.11).

        Exit codes: 0 ok, 1 bad input or backend failure (results so far are kept), 2 usage.
        """)

    @OptionGroup var options: CALMDataOptions
    @Option(help: "Score only the first N records of the split.") var limit: Int?
    @Option(help: "GGUF model file for the embedded engine.") var model: String?
    @Option(help: "Embedded engine threads (default: all cores). Results do not depend on it.") var threads: Int?
    @Option(help: "LLM server root URL, e.g. http://127.0.0.1:8080.") var server: String?
    @Option(help: "Server API: llama, llama-chat, openai, ollama.") var api: String = "llama"
    @Option(help: "The request's model name (required by Ollama, vLLM, OpenAI).") var serverModel: String?
    @Option(help: "First-token candidates to request.") var topN: Int = 20
    @Option(help: "Coverage below which the hard answer counts as missing.") var minCoverage: Double = 0.5
    @Option(name: .customLong("run"), help: "Run name for resuming (default: derived from the backend).") var runOption: String?
    @Option(help: "Per-record output: CSV, or JSON Lines when the name ends in .jsonl / .json.") var out: String?
    @Option(help: "Also generate up to N tokens greedily per record and PIXIU-parse them (the paper's protocol; 0 = use the first token's text).")
    var greedyTokens: Int = 0
    @Option(help: "Request timeout in seconds.") var timeout: Double = 120
    @Option(help: "Retries on connection errors and HTTP 5xx.") var retries: Int = 3
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func validate() throws {
        if (model == nil) == (server == nil) { throw ValidationError("give exactly one of --model FILE.gguf or --server URL") }
        if server != nil && ServerAPI(rawValue: api) == nil {
            throw ValidationError("--api must be one of \(ServerAPI.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(api)')")
        }
        if topN < 1 { throw ValidationError("--top-n must be ≥ 1") }
        if !(minCoverage >= 0 && minCoverage <= 1) { throw ValidationError("--min-coverage must be in [0, 1]") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        if greedyTokens < 0 { throw ValidationError("--greedy-tokens must be ≥ 0") }
        if timeout <= 0 || retries < 0 { throw ValidationError("--timeout must be > 0 and --retries ≥ 0") }
    }

    func run() throws {
        let (dataset, split, source) = try options.resolve()
        var records = try dataset.records(from: source, split: split)
        if let limit { records = Array(records.prefix(limit)) }
        let scorer: any FirstTokenScorer
        if let model {
            if let threads { Parallel.threads = threads }
            guard FileManager.default.fileExists(atPath: model) else { throw InputError("--model \(model): file not found") }
            scorer = try makeEmbeddedScorer(path: model, dataset: dataset)
        } else {
            scorer = try ServerScorer(baseURL: server!, api: ServerAPI(rawValue: api)!, model: serverModel,
                                      policy: HTTPRetryPolicy(timeout: timeout, retries: retries))
        }
        let runName = runOption ?? (model.map { "gguf:" + URL(fileURLWithPath: $0).lastPathComponent }
                              ?? "\(api):\(serverModel ?? server!)")
        let splitName = options.split
        let ws = try workspace.open()
        let started = Date()

        // Resume: keep what this run already has, after checking it belongs to the same records.
        var done: [Int: CALMStoredResult] = [:]
        for r in try ws.calmResults(run: runName, dataset: dataset.rawValue, split: splitName) { done[r.recordID] = r }
        for rec in records {
            if let d = done[rec.id], d.sourceRow != rec.sourceRow || d.gold != rec.answer {
                throw InputError("run '\(runName)' already has record \(rec.id) of \(dataset.rawValue)/\(splitName) from different data (source row \(d.sourceRow), gold \(d.gold)); pass a new --run")
            }
        }
        let todo = records.filter { done[$0.id] == nil }
        if !done.isEmpty { note("run '\(runName)': \(records.count - todo.count) of \(records.count) records already scored, resuming") }
        var progress = Progress(total: todo.count, label: "\(dataset.rawValue)/\(splitName)")
        let generator = scorer as? GreedyTextGenerator
        if greedyTokens > 0 && generator == nil { throw InputError("backend \(scorer.backendDescription) cannot generate text: drop --greedy-tokens") }
        for rec in todo {
            let dist: FirstTokenDistribution
            var greedy: String? = nil
            do {
                dist = try scorer.firstTokenDistribution(prompt: rec.modelPrompt, topN: topN)
                greedy = greedyTokens > 0 ? try generator!.greedyText(prompt: rec.modelPrompt, maxTokens: greedyTokens) : dist.greedyText
            } catch {
                progress.finish()
                let message = InputFailure.message(for: error) ?? "\(error)"
                throw InputError("\(message)\n(record \(rec.id) of \(dataset.rawValue)/\(splitName); \(records.count - todo.count + progress.done) of \(records.count) scored and saved: re-run with --run '\(runName)' to continue)")
            }
            let s = dist.choiceScore(favourable: dataset.favourable, unfavourable: dataset.unfavourable, minCoverage: minCoverage)
            let stored = CALMStoredResult(run: runName, dataset: dataset.rawValue, split: splitName, recordID: rec.id, sourceRow: rec.sourceRow,
                                          gold: rec.answer, pFavourable: s.pFavourable, pUnfavourable: s.pUnfavourable, coverage: s.coverage,
                                          pGood: s.pGood, answer: s.answer, greedyText: greedy,
                                          topTokensJSON: Self.tokensJSON(dist), backend: scorer.backendDescription)
            try ws.saveCALMResult(stored)
            done[rec.id] = stored
            progress.step()
        }
        progress.finish()

        // Results in record order, hard answers at this --min-coverage.
        let results = records.map { done[$0.id]! }
        let scores = results.map {
            ChoiceScore(pFavourable: $0.pFavourable, pUnfavourable: $0.pUnfavourable, favourable: dataset.favourable,
                        unfavourable: dataset.unfavourable, minCoverage: minCoverage)
        }
        let gold = records.map(\.answer)
        let hard = CALMClassificationMetrics(gold: gold, predicted: scores.map(\.answer))
        let soft = CALMScoreMetrics(pGood: scores.map(\.pGood), favourable: gold.map { $0 == dataset.favourable })
        let greedyTexts = results.compactMap(\.greedyText)
        let greedy: CALMClassificationMetrics? = greedyTexts.count == results.count && !results.isEmpty
            ? CALMClassificationMetrics(gold: gold, predicted: results.map { pixiuParse($0.greedyText ?? "", choices: dataset.choices) })
            : nil
        let cov = scores.map(\.coverage).sorted()
        let covMean = cov.isEmpty ? Double.nan : cov.reduce(0, +) / Double(cov.count)
        let covMedian = cov.isEmpty ? Double.nan : (cov.count % 2 == 1 ? cov[cov.count / 2] : (cov[cov.count / 2 - 1] + cov[cov.count / 2]) / 2)
        let below = scores.filter { $0.coverage < minCoverage }.count

        if let out {
            var text = ""
            let asJSON = out.lowercased().hasSuffix(".jsonl") || out.lowercased().hasSuffix(".json")
            if !asJSON { text = "id,source_row,gold,pd,p_good,coverage,answer,greedy\n" }
            for (rec, (r, s)) in zip(records, zip(results, scores)) {
                if asJSON {
                    let o: [String: Any] = ["id": rec.id, "source_row": rec.sourceRow, "gold": rec.answer,
                                            "pd": s.pGood.map { 1 - $0 } ?? NSNull(), "p_good": s.pGood ?? NSNull(),
                                            "coverage": s.coverage, "answer": s.answer ?? "missing", "greedy": r.greedyText ?? NSNull()]
                    text += String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self) + "\n"
                } else {
                    let fields = ["\(rec.id)", "\(rec.sourceRow)", rec.answer, s.pGood.map { "\(1 - $0)" } ?? "", s.pGood.map { "\($0)" } ?? "",
                                  "\(s.coverage)", s.answer ?? "missing", r.greedyText ?? ""]
                    text += fields.map(CSVWriter.field).joined(separator: ",") + "\n"
                }
            }
            try CSVWriter.writeAtomically(text, to: out)
        }

        note("CALM \(dataset.title), \(splitName): \(records.count) records, run '\(runName)', backend \(scorer.backendDescription)")
        note("  hard answers (argmax, coverage ≥ \(fmt(minCoverage, 2))): acc \(fmt(hard.accuracy, 3))  F1 (paper) \(fmt(hard.f1Paper, 3))  F1 (weighted) \(fmt(hard.f1Weighted, 3))  MCC \(fmt(hard.mcc, 3))  miss \(fmt(hard.miss, 3))")
        note("  P(good): n \(soft.n)  AUC \(fmt(soft.auc, 3))  KS \(fmt(soft.ks, 3))  Brier \(fmt(soft.brier, 3))")
        note("  coverage: mean \(fmt(covMean, 3))  median \(fmt(covMedian, 3))  min \(fmt(cov.first ?? .nan, 3))  below \(fmt(minCoverage, 2)): \(below)")
        if let greedy { note("  greedy text (PIXIU parse): acc \(fmt(greedy.accuracy, 3))  F1 (paper) \(fmt(greedy.f1Paper, 3))  MCC \(fmt(greedy.mcc, 3))  miss \(fmt(greedy.miss, 3))") }
        for d in dataset.knownDefects { note("  note: \(d)") }
        if let out { note("per-record results written to \(out)") }

        var object: [String: Any] = [
            "dataset": dataset.rawValue, "split": splitName, "run": runName, "backend": scorer.backendDescription,
            "n": records.count, "scored_now": todo.count, "resumed": records.count - todo.count,
            "top_n": topN, "min_coverage": minCoverage, "greedy_tokens": greedyTokens,
            "acc": hard.accuracy, "f1_paper": hard.f1Paper, "f1_weighted": hard.f1Weighted, "mcc": hard.mcc, "miss": hard.miss,
            "confusion": hard.confusion,
            "auc": soft.auc, "ks": soft.ks, "brier": soft.brier, "n_scored": soft.n,
            "coverage": ["mean": covMean, "median": covMedian, "min": cov.first ?? Double.nan, "below_min": below],
            "known_defects": dataset.knownDefects,
        ]
        if let greedy { object["greedy"] = try jsonObject(greedy) }
        if let out { object["out"] = out }
        let parameters = try JSONSerialization.data(withJSONObject: ["dataset": dataset.rawValue, "split": splitName, "run": runName,
                                                                     "backend": scorer.backendDescription, "top_n": topN, "min_coverage": minCoverage,
                                                                     "limit": limit ?? records.count], options: [.sortedKeys])
        let metrics = try JSONSerialization.data(withJSONObject: sanitizeJSON(object), options: [.sortedKeys])
        try ws.recordRun(command: "calm score", parameters: parameters, seconds: Date().timeIntervalSince(started), metrics: metrics)
        if json { try printJSON(object) }
    }

    /// The candidates as stored: `[{"id","token","bytes","logprob"}]`, most likely first.
    static func tokensJSON(_ d: FirstTokenDistribution) -> String {
        let list: [[String: Any]] = d.entries.map { e in
            var o: [String: Any] = ["token": e.token, "logprob": e.logprob.isFinite ? e.logprob : -1e308]
            if let id = e.id { o["id"] = id }
            if let b = e.bytes { o["bytes"] = b.map(Int.init) }
            return o
        }
        let data = (try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Progress with ETA on stderr: a redrawn bar when stderr is a terminal, otherwise a plain line about
/// every 10 % (or 30 s).
struct Progress {
    let total: Int
    let label: String
    private(set) var done = 0
    private let start = Date()
    private var lastLine = Date.distantPast
    private var lastDecile = -1
    private let tty = isatty(2) != 0

    init(total: Int, label: String) { self.total = total; self.label = label }

    mutating func step() {
        done += 1
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        if tty {
            let width = 30, filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) ETA \(Self.duration(eta))   ".utf8))
        } else {
            let decile = total > 0 ? 10 * done / total : 10
            if decile != lastDecile || Date().timeIntervalSince(lastLine) > 30 {
                lastDecile = decile; lastLine = Date()
                note("\(label): \(done)/\(total) scored, ETA \(Self.duration(eta))")
            }
        }
    }

    func finish() { if tty && total > 0 { FileHandle.standardError.write(Data("\n".utf8)) } }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" : (t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s")
    }
}
