import ArgumentParser
import Foundation
import ObligorCatalog
import ObligorData
import ObligorGP
import ObligorModels
import ObligorNumerics
import ObligorStore

/// `i/N`: shard i (0-based) of N.
struct Shard: ExpressibleByArgument {
    let index: Int
    let count: Int
    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
        index = i
        count = n
    }
    /// Contiguous block of rows: [i·n/N, (i+1)·n/N).
    func rows(of n: Int) -> Range<Int> { (index * n / count)..<((index + 1) * n / count) }
}

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score data with a stored model: CSV with columns id (or row), pd.",
        discussion: """
        Without --out the CSV goes to stdout. --out is written atomically (temporary file, then rename).
        --data - reads the CSV from stdin (read whole, then scored), so `obligor score --data - < in.csv > out.csv`
        works as a filter (Spark RDD.pipe, mapInArrow through a subprocess).
        --shard i/N scores only the i-th (0-based) contiguous block of N, so N processes together
        write exactly the rows, and the bytes, of one process. `row` is the 0-based data row.
        """)

    @Option(help: "Model name in the workspace.") var model: String
    @Option(help: "Workspace dataset name or CSV path.") var data: String?
    @Option(name: .customLong("json-record"), help: "Score one applicant given as a JSON object, from a file or - (stdin); prints {\"pd\": …}.")
    var jsonRecord: String?
    @Option(help: "Output CSV (default: stdout).") var out: String?
    @Option(help: "Score only shard i of N (0-based), e.g. 0/4. Default: i from $JOB_COMPLETION_INDEX (Kubernetes Indexed Job) with N from --shard-count or $OBLIGOR_SHARD_COUNT.") var shard: Shard?
    @Option(help: "Shard count N when the index comes from $JOB_COMPLETION_INDEX (default: $OBLIGOR_SHARD_COUNT).") var shardCount: Int?
    @Option(help: "Id column (default: the dataset's id role).") var id: String?
    @Option(help: "Worker threads (default: all cores). Results do not depend on it.") var threads: Int?
    @Flag(help: "gpboost/glmm: also write the fixed part F, the frailty's predictive mean and variance.") var components = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var sequence: EventsOption

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if (data == nil) == (jsonRecord == nil) { throw ValidationError("give exactly one of --data and --json-record") }
        if jsonRecord != nil && (shard != nil || out != nil || components || id != nil) {
            throw ValidationError("--json-record scores one record to stdout; --shard, --out, --id and --components do not apply")
        }
    }

    /// `--shard`, else `$JOB_COMPLETION_INDEX` of `--shard-count` / `$OBLIGOR_SHARD_COUNT` shards, else none.
    func effectiveShard(_ env: [String: String]) throws -> Shard? {
        if let shard { return shard }
        guard let index = env["JOB_COMPLETION_INDEX"] else {
            if shardCount != nil { throw ValidationError("--shard-count needs $JOB_COMPLETION_INDEX (or give --shard i/N)") }
            return nil
        }
        guard let count = shardCount ?? env["OBLIGOR_SHARD_COUNT"].flatMap({ Int($0) }) else {
            throw InputError("JOB_COMPLETION_INDEX=\(index) is set but the shard count is not: pass --shard-count N or set OBLIGOR_SHARD_COUNT")
        }
        guard let s = Shard(argument: "\(index)/\(count)") else {
            throw InputError("JOB_COMPLETION_INDEX=\(index) with \(count) shards is not a shard (need 0 ≤ index < count)")
        }
        return s
    }

    /// One JSON record → one PD on stdout. Not recorded in the workspace's score log (a
    /// per-request write would dominate the latency of a single score).
    func scoreRecord(_ source: String) throws {
        let ws = try workspace.openExisting()
        let (anyModel, _) = try loadModel(model, workspace: ws)
        let bytes: Data
        if source == "-" { bytes = FileHandle.standardInput.readDataToEndOfFile() } else {
            guard let d = FileManager.default.contents(atPath: source) else { throw InputError("\(source): cannot be read") }
            bytes = d
        }
        let frame: Frame
        do { frame = try anyModel.frame(jsonRecord: bytes) } catch let e as ModelError { throw InputError("JSON record: \(e.description)") } catch {
            throw InputError("JSON record: \(InputFailure.message(for: error) ?? "\(error)")")
        }
        let pd = try anyModel.scorer.predictPD(frame)[0]
        guard pd.isFinite else { throw InputError("JSON record: the model produced a non-finite PD") }
        print("{\"pd\":\(pd)}")
    }

    func run() throws {
        if let threads { Parallel.threads = threads }
        if let jsonRecord { return try scoreRecord(jsonRecord) }
        let data = data!
        let shard = try effectiveShard(ProcessInfo.processInfo.environment)
        let ws = try workspace.openExisting()
        let anyModel = try sequence.bind(try loadModel(model, workspace: ws).0, workspace: workspace)
        let loaded = try LoadedData.load(data, workspace: workspace)
        var frame = loaded.frame
        var rows = Array(0..<frame.rowCount)
        if let shard {
            rows = Array(shard.rows(of: frame.rowCount))
            frame = frame.selectingRows(rows)
        }
        let idColumn = id ?? loaded.roles.id
        if let idColumn, frame[idColumn] == nil { throw InputError("\(loaded.label): no id column '\(idColumn)'") }
        note("scoring \(frame.rowCount) rows of \(loaded.label) with \(anyModel.kind) model '\(model)' …")
        var parts: (fixed: [Double], mean: [Double], variance: [Double])? = nil
        let (pds, seconds): ([Double], Double) = try timed {
            guard components else { return try anyModel.scorer.predictPD(frame) }
            switch anyModel {
            case let .gpboost(m):
                let p = try m.predict(frame)
                parts = (p.fixed, p.latentMean, p.latentVariance)
                return p.pd
            case let .glmm(m):
                let f = try m.linearPredictor(frame)
                let (mu, v, _) = try m.gp.latentByRow(frame)
                parts = (f, mu, v)
                return FittedGP.responseMean(fixed: f, latentMean: mu, latentVariance: v)
            default:
                throw InputError("--components needs a gpboost or glmm model; '\(model)' is \(anyModel.kind)")
            }
        }
        for (k, p) in pds.enumerated() where !p.isFinite {
            throw InputError("\(loaded.locate(row: rows[k])): the model produced a non-finite PD")
        }
        let ids: [String?] = idColumn.map { c in (0..<frame.rowCount).map { frame[c]!.text(at: $0) } } ?? Array(repeating: nil, count: rows.count)
        var text = (idColumn == nil ? "row" : "id") + ",pd" + (parts == nil ? "" : ",fixed,frailty_mean,frailty_var") + "\n"
        text.reserveCapacity(rows.count * 28)
        for k in 0..<rows.count {
            text += (idColumn == nil ? String(rows[k]) : CSVWriter.field(ids[k] ?? "")) + "," + "\(pds[k])"
            if let parts { text += ",\(parts.fixed[k]),\(parts.mean[k]),\(parts.variance[k])" }
            text += "\n"
        }
        if let out {
            try CSVWriter.writeAtomically(text, to: out)
            note("wrote \(rows.count) scores to \(out) (\(fmt(seconds, 3)) s scoring)")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        try ws.recordScores(command: "score", parameters: JSONSerialization.data(withJSONObject: [
            "model": model, "data": data, "shard": shard.map { "\($0.index)/\($0.count)" } ?? "", "out": out ?? "-",
        ], options: [.sortedKeys]), seconds: seconds, model: model, dataset: loaded.label, rows: rows, ids: ids, pds: pds)
    }
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Adverse-action reason codes: the features that push each applicant's PD up the most.",
        discussion: """
        Scorecard: points lost against each characteristic's best attribute. Logistic: log-odds added
        relative to an average applicant (training means; reference levels for categories).
        """)

    @Option(help: "Model name in the workspace.") var model: String
    @Option(help: "Workspace dataset name or CSV path.") var data: String
    @Option(help: "Reason codes per applicant.") var top: Int = 4
    @Option(help: "Id column (default: the dataset's id role).") var id: String?
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var sequence: EventsOption

    func validate() throws { if top < 1 { throw ValidationError("--top must be at least 1") } }

    func run() throws {
        let ws = try workspace.openExisting()
        let anyModel = try sequence.bind(try loadModel(model, workspace: ws).0, workspace: workspace)
        guard let explainer = anyModel.explainable else { throw InputError("model '\(model)' (\(anyModel.kind)) has no reason codes") }
        let loaded = try LoadedData.load(data, workspace: workspace)
        let pds = try explainer.predictPD(loaded.frame)
        let codes = try explainer.reasonCodes(loaded.frame, top: top)
        let idColumn = id ?? loaded.roles.id
        let ids: [String] = (0..<loaded.frame.rowCount).map { i in idColumn.flatMap { loaded.frame[$0]?.text(at: i) } ?? String(i) }
        if json {
            try printJSON(["model": model, "rows": (0..<pds.count).map { i in
                ["id": ids[i], "pd": pds[i], "reasons": codes[i].map { ["feature": $0.feature, "value": $0.value, "impact": $0.impact] }] as [String: Any]
            }])
            return
        }
        for i in 0..<pds.count {
            note("\(ids[i])  PD \(fmt(pds[i]))  " + codes[i].map { "\($0.feature)=\($0.value) (\(fmt($0.impact, 2)))" }.joined(separator: "; "))
        }
    }
}
