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
        Without --out the CSV goes to stdout; --out is written atomically (temporary file, then rename). `row` is \
        the 0-based data row.

        --data - streams: the CSV is read from stdin in chunks of --chunk-rows records (default 65536) and each \
        chunk's scores are written as soon as it is scored, in bounded memory, so `obligor score --data - < in.csv > \
        out.csv` works as a filter (Spark RDD.pipe, mapInArrow through a subprocess) on data of any size. The bytes \
        are those of scoring the same file with --data FILE. Column types are inferred per chunk, with text and \
        decimal columns of the first chunk kept so in later chunks.

        Progress (rows, rows/s) goes to stderr: a live line when stderr is a terminal, plain lines every few seconds \
        with --progress. A streamed run is recorded in the workspace without its per-row scores. With --shard or \
        --components stdin is read whole.

        --shard i/N scores only the i-th (0-based) contiguous block of N, so N processes together write exactly the \
        rows, and the bytes, of one process.
        """)

    @Option(help: "Model name in the workspace.") var model: String
    @Option(help: "Workspace dataset name or CSV path.") var data: String?
    @Option(name: .customLong("json-record"), help: "Score one applicant given as a JSON object, from a file or - (stdin); prints {\"pd\": …}.")
    var jsonRecord: String?
    @Option(help: "Output CSV (default: stdout).") var out: String?
    @Option(help: "Score only shard i of N (0-based), e.g. 0/4; default: i from $JOB_COMPLETION_INDEX (Kubernetes Indexed Job), N from --shard-count or $OBLIGOR_SHARD_COUNT.") var shard: Shard?
    @Option(help: "Shard count N when the index comes from $JOB_COMPLETION_INDEX (default: $OBLIGOR_SHARD_COUNT).") var shardCount: Int?
    @Option(help: "Id column (default: the dataset's id role).") var id: String?
    @Option(help: "Worker threads (default: all cores). Results do not depend on it.") var threads: Int?
    @Flag(help: "gpboost/glmm: also write the fixed part F, the frailty's predictive mean and variance.") var components = false
    @Flag(help: "--data -: report progress (rows, rows/s) on stderr even when it is not a terminal.") var progress = false
    @Option(help: "--data -: records per streamed chunk.") var chunkRows: Int = 65536
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var sequence: EventsOption

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if chunkRows < 1 { throw ValidationError("--chunk-rows must be at least 1") }
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
        if data == "-" && shard == nil && !components { return try streamScores(anyModel, workspace: ws) }
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

extension ScoreCommand {
    /// One chunk (header + records) as a frame, with CSV errors naming the line of the stream.
    static func parseChunk(_ data: Data, types: [String: ColumnType], headerNewlines: Int, firstLine: Int) throws -> (frame: Frame, lines: [Int32]) {
        let result = Result { () throws(CSVError) in try CSVReader.readWithLines(data: data, label: "<stdin>", options: CSVOptions(types: types)) }
        switch result {
        case let .success(r): return r
        case let .failure(e):
            // Lines of the chunk (header first) → lines of the stream.
            let line = e.line.map { $0 <= headerNewlines ? $0 : $0 - headerNewlines - 1 + firstLine }
            throw CSVError(file: e.file, line: line, column: e.column, columnPosition: e.columnPosition, message: e.message)
        }
    }

    /// `--data -` without a shard: score stdin chunk by chunk, writing each chunk's rows as they are scored.
    func streamScores(_ anyModel: AnyModel, workspace ws: Workspace) throws {
        let records = CSVRecordStream(handle: FileHandle.standardInput)
        guard let header = try records.next(maxRecords: 1), header.records == 1 else { throw InputError("<stdin>: empty input (no header line)") }
        let sink = try ScoreSink(out: out)
        let live = isatty(2) == 1
        var declared: [String: ColumnType] = [:]
        var idColumn: String? = nil
        var total = 0
        var line = 1 + header.newlines   // physical line of the next record
        let start = DispatchTime.now().uptimeNanoseconds
        var lastReport = start
        func elapsed(_ t: UInt64) -> Double { Double(t - start) / 1e9 }
        func rate(_ t: UInt64) -> String { fmt(Double(total) / max(elapsed(t), 1e-9), 0) }
        var scoringSeconds = 0.0
        while let chunk = try records.next(maxRecords: chunkRows) {
            let parsed = try Self.parseChunk(header.data + chunk.data, types: declared, headerNewlines: header.newlines, firstLine: line)
            let frame = parsed.frame, lines = parsed.lines
            func streamLine(_ k: Int) -> Int { Int(lines[k]) - header.newlines - 1 + line }
            if total == 0 {
                for c in frame.columns where c.type != .int { declared[c.name] = c.type }
                idColumn = id
                if let idColumn, frame[idColumn] == nil { throw InputError("<stdin>: no id column '\(idColumn)'") }
                sink.write((idColumn == nil ? "row" : "id") + ",pd\n")
            }
            let (pds, seconds) = try timed { try anyModel.scorer.predictPD(frame) }
            scoringSeconds += seconds
            var text = ""
            text.reserveCapacity(frame.rowCount * 28)
            let ids = idColumn.flatMap { frame[$0] }
            for k in 0..<frame.rowCount {
                guard pds[k].isFinite else { throw InputError("<stdin>, line \(streamLine(k)): the model produced a non-finite PD") }
                text += (ids == nil ? String(total + k) : CSVWriter.field(ids!.text(at: k) ?? "")) + "," + "\(pds[k])" + "\n"
            }
            sink.write(text)
            total += frame.rowCount
            line += chunk.newlines
            let now = DispatchTime.now().uptimeNanoseconds
            if live {
                FileHandle.standardError.write(Data("\rscored \(total) rows, \(rate(now)) rows/s   ".utf8))
            } else if progress && now - lastReport >= 5_000_000_000 {
                note("scored \(total) rows, \(rate(now)) rows/s")
                lastReport = now
            }
        }
        guard total > 0 else { throw InputError("<stdin>: a header without data rows") }
        try sink.finish()
        let now = DispatchTime.now().uptimeNanoseconds
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
        note("scored \(total) rows from <stdin> with \(anyModel.kind) model '\(model)' in \(fmt(elapsed(now), 2)) s (\(rate(now)) rows/s)\(out.map { "; wrote \($0)" } ?? "")")
        try ws.recordRun(command: "score", parameters: JSONSerialization.data(withJSONObject: [
            "model": model, "data": "-", "streamed": true, "out": out ?? "-",
        ], options: [.sortedKeys]), seconds: scoringSeconds, metrics: JSONSerialization.data(withJSONObject: ["rows": total], options: [.sortedKeys]))
    }
}

/// Where streamed scores go: stdout, or a temporary file renamed onto --out at the end (atomic).
struct ScoreSink {
    let handle: FileHandle
    let out: String?
    let temporary: String?

    init(out: String?) throws {
        self.out = out
        guard let out else { handle = .standardOutput; temporary = nil; return }
        let url = URL(fileURLWithPath: out)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp) else {
            throw InputError("\(out): cannot be written")
        }
        handle = h
        temporary = tmp
    }

    func write(_ s: String) { handle.write(Data(s.utf8)) }

    func finish() throws {
        guard let out, let temporary else { return }
        try handle.close()
        if rename(temporary, out) != 0 { throw InputError("\(out): cannot be written (rename failed, errno \(errno))") }
    }
}

/// Complete CSV records from a file handle, a bounded chunk at a time. A record ends at a newline outside
/// double quotes (RFC 4180: quoted fields may hold newlines; `""` escapes toggle twice and cancel out).
final class CSVRecordStream {
    let handle: FileHandle
    private var buffer: [UInt8] = []
    private var scanned = 0          // bytes of buffer already scanned
    private var recordsScanned = 0   // complete records in buffer[0..<scanned]
    private var newlinesScanned = 0
    private var lastRecordEnd = 0    // end (after the newline) of the last complete record scanned
    private var newlinesAtLastEnd = 0
    private var inQuote = false
    private var eof = false

    init(handle: FileHandle) { self.handle = handle }

    /// Up to `maxRecords` complete records (the last may lack its newline at end of input), the count of records
    /// and of newlines in them; nil at end of input.
    func next(maxRecords: Int) throws -> (data: Data, records: Int, newlines: Int)? {
        while true {
            buffer.withUnsafeBufferPointer { b in
                var i = scanned
                while i < b.count && recordsScanned < maxRecords {
                    let c = b[i]
                    if c == UInt8(ascii: "\"") { inQuote.toggle() }
                    else if c == UInt8(ascii: "\n") {
                        newlinesScanned += 1
                        if !inQuote { recordsScanned += 1; lastRecordEnd = i + 1; newlinesAtLastEnd = newlinesScanned }
                    }
                    i += 1
                }
                scanned = i
            }
            if recordsScanned >= maxRecords { return take(upTo: lastRecordEnd, records: recordsScanned, newlines: newlinesAtLastEnd) }
            if eof {
                // The rest: complete records, plus a final record without a newline when it is not blank.
                let tail = buffer[lastRecordEnd...]
                let blank = tail.allSatisfy { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: " ") }
                if blank {
                    if recordsScanned == 0 { return nil }
                    return take(upTo: lastRecordEnd, records: recordsScanned, newlines: newlinesAtLastEnd)
                }
                return take(upTo: buffer.count, records: recordsScanned + 1, newlines: newlinesScanned)
            }
            let more = try handle.read(upToCount: 1 << 22) ?? Data()
            if more.isEmpty { eof = true } else { buffer.append(contentsOf: more) }
        }
    }

    private func take(upTo end: Int, records: Int, newlines: Int) -> (data: Data, records: Int, newlines: Int) {
        let data = Data(buffer[0..<end])
        buffer.removeSubrange(0..<end)
        scanned -= end
        // Rescan what is left from its start (it may already hold a partial record).
        scanned = 0
        recordsScanned = 0
        newlinesScanned = 0
        lastRecordEnd = 0
        newlinesAtLastEnd = 0
        inQuote = false
        return (data, records, newlines)
    }
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Adverse-action reason codes: the features raising each PD the most.",
        discussion: """
        Scorecard: points lost against each characteristic's best attribute. Logistic: log-odds added relative to an \
        average applicant (training means; reference levels for categories).
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
