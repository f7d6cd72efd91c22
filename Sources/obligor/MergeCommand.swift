import ArgumentParser
import Foundation
import ObligorData

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard outputs into what a single process writes.",
        discussion: """
        Merges the shard outputs of score, evaluate, backtest or audit; the kind is detected from the files.

        score: CSV parts in shard order (0, 1, …, N−1), each with the same header. The result is that header once, \
        then each part's rows in order: byte for byte what one `obligor score` process writes. Written atomically \
        with --out.

        evaluate, backtest, audit: partial-state JSON files written with --partial FILE (and --shard i/N), in any \
        order. They hold only counts: exact histograms of (tags, PD, outcome) → rows (tags: period and grade for a \
        backtest, the group of every sensitive attribute for an audit) and, for a backtest, of each characteristic's \
        values per period.

        Every part must come from the same command, partial format version, options (model, target, threshold, \
        grades, seed, …) and data, and shards 0…N−1 of one N must each appear once; otherwise merge names the \
        offending file and stops.

        The output (stderr table, --json, --report) is the one the single-process command writes, byte for byte: \
        that command computes its result from its own partial in the same way. The one run-dependent field is \
        backtest's "seconds" (timings; a merge scores nothing, so it has only "tests"). evaluate --report needs the \
        model in the workspace (--workspace).

        --partitions: the parts are whole-data partials of different data sets instead (say, the partitions of a \
        Spark job, each piped through `obligor evaluate --data - --emit-partial`); their union is merged, labelled \
        --data-label, with a digest of the parts' data digests.

        Examples:
          obligor merge score-0.csv score-1.csv score-2.csv --out scores.csv
          obligor merge eval-*.json --json
          obligor merge bt-*.json --report backtest.html --json
          obligor merge audit-*.json --report audit.html --json
          obligor merge --partitions spark-eval-*.json --data-label applications --json
        """)
    @Argument(help: "Shard outputs: score CSVs (in shard order) or evaluate/backtest/audit partial files.") var parts: [String]
    @Option(help: "score parts: output CSV (default: stdout).") var out: String?
    @Flag(help: "Partial parts: the command's JSON on stdout.") var json = false
    @Option(help: "Partial parts: write the command's HTML report here (evaluate: needs the model in the workspace).") var report: String?
    @Option(help: "backtest/audit parts: also print the report to PDF (headless Chromium).") var pdf: String?
    @Option(help: "backtest/audit parts: report title (default: the command's).") var title: String?
    @Option(help: "audit parts: recourse JSON for the report, as in `obligor audit --recourse`.") var recourse: String?
    @Flag(help: "Partial parts are whole data sets, not shards of one (e.g. Spark partitions piped through `--data - --emit-partial`): merge their union.")
    var partitions = false
    @Option(name: .customLong("data-label"), help: "With --partitions: the data label of the result (default: \"N partitions\").") var dataLabel: String?
    @OptionGroup var workspace: WorkspaceOptions

    func validate() throws {
        if parts.isEmpty { throw ValidationError("give at least one part") }
        if pdf != nil && report == nil { throw ValidationError("--pdf needs --report (the PDF is printed from the HTML)") }
        if dataLabel != nil && !partitions { throw ValidationError("--data-label applies with --partitions") }
    }

    func run() throws {
        var contents: [Data] = []
        for part in parts {
            guard let data = FileManager.default.contents(atPath: part) else { throw InputError("\(part): cannot be read") }
            contents.append(data)
        }
        let isPartial = contents.map { $0.first == UInt8(ascii: "{") }
        if isPartial.allSatisfy({ $0 }) { return try mergePartials(contents) }
        if let k = isPartial.firstIndex(of: true) {
            throw InputError("\(parts[k]): a partial-state JSON file among score CSV parts (\(parts[isPartial.firstIndex(of: false)!]) is a CSV)")
        }
        if json || report != nil || recourse != nil || title != nil {
            throw ValidationError("--json, --report, --title and --recourse apply to evaluate/backtest/audit partials, not to score CSVs")
        }
        try mergeScores(contents)
    }

    func mergeScores(_ contents: [Data]) throws {
        var header: String? = nil
        var body = Data()
        for (part, data) in zip(parts, contents) {
            guard let nl = data.firstIndex(of: UInt8(ascii: "\n")) else { throw InputError("\(part): no header line (not a score output)") }
            let h = String(decoding: data[data.startIndex..<nl], as: UTF8.self)
            guard h.hasSuffix(",pd") || h.contains(",pd,") else { throw InputError("\(part): header '\(h)' is not a score output (no pd column)") }
            if let header, header != h { throw InputError("\(part): header '\(h)' differs from the first part's '\(header)'") }
            if let last = data.last, last != UInt8(ascii: "\n") { throw InputError("\(part): truncated (no final newline)") }
            header = h
            body.append(data[(nl + 1)...])
        }
        let text = header! + "\n" + String(decoding: body, as: UTF8.self)
        if let out {
            try CSVWriter.writeAtomically(text, to: out)
            note("merged \(parts.count) parts into \(out)")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    func mergePartials(_ contents: [Data]) throws {
        if out != nil { throw ValidationError("--out is for score CSV parts; partials give --json and --report") }
        var headers: [(path: String, header: PartialHeader)] = []
        for (part, data) in zip(parts, contents) {
            headers.append((part, try PartialFile<PartialProbe.Empty>.decodeHeader(data, path: part)))
        }
        try checkMergeable(headers, partitions: partitions)
        switch headers[0].header.kind {
        case "evaluate":
            let merged = try merge(contents, as: EvaluateState.self, context: { _ in Data() }) { $0.scores.merge($1.scores) }
            let result = try EvaluateCommand.finish(merged)
            if let report {
                let model = merged.header.options["model"] ?? ""
                let ws = try workspace.openExisting()
                let (anyModel, metadata) = try loadModel(model, workspace: ws)
                try EvaluateCommand.writeReport(result, to: report, model: model, anyModel: anyModel, metadata: metadata, header: merged.header)
            }
            if json { try printJSON(try result.jsonObject()) }
        case "backtest":
            let merged = try merge(contents, as: BacktestState.self, context: { s in
                var c = s
                c.development = RowHistogram(tagCount: 1)
                c.backtest = RowHistogram(tagCount: 2)
                c.characteristics = s.characteristics.map { .init(name: $0.name, values: ValueHistogram(numeric: $0.values.numeric)) }
                return try PartialFile(header: headers[0].header, state: c).encoded()
            }) { m, p in
                m.development.merge(p.development)
                m.backtest.merge(p.backtest)
                for k in m.characteristics.indices { m.characteristics[k].values.merge(p.characteristics[k].values) }
            }
            try BacktestCommand.finish(merged, scoreSeconds: nil, report: report, pdf: pdf, title: title, json: json)
        case "audit":
            let merged = try merge(contents, as: AuditState.self, context: { s in
                var c = s
                c.rows = RowHistogram(tagCount: s.rows.tagCount)
                return try PartialFile(header: headers[0].header, state: c).encoded()
            }) { $0.rows.merge($1.rows) }
            try AuditCommand.finish(merged, report: report, pdf: pdf, title: title, recourse: recourse, json: json)
        case let kind:
            throw InputError("\(parts[0]): unknown partial kind '\(kind)' (expected evaluate, backtest or audit)")
        }
    }

    /// Decodes every part as `State`, checks that the parts agree on everything but the counts (`context`), and
    /// adds their counts (`add`). The result is the partial of the whole data (shard 0 of 1).
    func merge<State: Codable>(_ contents: [Data], as: State.Type, context: (State) throws -> Data,
                               add: (inout State, State) -> Void) throws -> PartialFile<State> {
        var merged = try PartialFile<State>.decode(contents[0], path: parts[0])
        let reference = try context(merged.state)
        var digests = [merged.header.dataSHA256]
        for (part, data) in zip(parts.dropFirst(), contents.dropFirst()) {
            let p = try PartialFile<State>.decode(data, path: part)
            guard try context(p.state) == reference else {
                throw InputError("\(part): what the whole data decided (cut-off, left-out periods, vintage curves, characteristics, groups or prediction source) differs from \(parts[0]): the parts come from different runs or data")
            }
            add(&merged.state, p.state)
            digests.append(p.header.dataSHA256)
            merged.header.rows += p.header.rows
        }
        merged.header.shard = 0
        merged.header.shardCount = 1
        if partitions {
            // The union of several data sets: its label, and a digest of the parts' digests (in sorted order).
            var d = SHA256Digest()
            for sha in digests.sorted() { d.update(Data(sha.utf8)) }
            merged.header.dataLabel = dataLabel ?? "\(parts.count) partitions"
            merged.header.dataSHA256 = d.finalizeHex()
        }
        note("merged \(parts.count) \(merged.header.kind) partial\(parts.count == 1 ? "" : "s") of \(merged.header.dataLabel): \(merged.header.rows) rows")
        return merged
    }
}
