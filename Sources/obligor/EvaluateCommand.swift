import ArgumentParser
import Foundation
import ObligorCatalog
import ObligorData
import ObligorMetrics
import ObligorModels
import ObligorReports
import ObligorStore

/// `--shard` / `--partial` of the commands whose results merge from counts (evaluate, backtest, audit).
struct PartialOptions: ParsableArguments {
    @Option(help: "With --partial, count only shard i of N (0-based contiguous rows, as in score), e.g. 0/4; default: $JOB_COMPLETION_INDEX of --shard-count or $OBLIGOR_SHARD_COUNT when set.")
    var shard: Shard?
    @Option(help: "Shard count N when the index comes from $JOB_COMPLETION_INDEX (default: $OBLIGOR_SHARD_COUNT).") var shardCount: Int?
    @Option(help: "Write the mergeable partial state (counts and exact score histograms; - = stdout) here instead of the result, for `obligor merge`.")
    var partial: String?
    @Flag(name: .customLong("emit-partial"), help: "Write the partial state to stdout (same as --partial -).") var emitPartial = false

    var partialPath: String? { emitPartial ? "-" : partial }

    func validate() throws {
        if emitPartial && partial != nil { throw ValidationError("give one of --partial FILE and --emit-partial") }
        if (shard != nil || shardCount != nil) && partialPath == nil {
            throw ValidationError("--shard needs --partial FILE (or --emit-partial): one shard's metrics are not the data's; merge the parts with `obligor merge`")
        }
    }

    /// The shard this run counts: only when a partial is asked for (a stray $JOB_COMPLETION_INDEX never shrinks a full run).
    func resolved() throws -> Shard? { partialPath == nil ? nil : try resolveShard(shard, count: shardCount) }

    /// Rows of an `n`-row data set this run counts.
    func rows(of n: Int) throws -> (Shard?, [Int]) {
        let s = try resolved()
        return (s, Array(s?.rows(of: n) ?? 0..<n))
    }
}

/// The mergeable state of `obligor evaluate`: the exact histogram PD → (goods, bads).
struct EvaluateState: Codable {
    var scores: RowHistogram
}

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Discrimination and calibration of a stored model on data with a target.",
        discussion: """
        Result keys: auc, gini, ks, brier, log_loss, calibration (PD deciles with binomial/Jeffreys tests), gains.

        --partial FILE writes the mergeable state instead: the exact histogram of PDs with their goods and bads \
        (with --shard i/N, of that shard's rows only). `obligor merge` turns N such parts into this command's \
        output, byte for byte.
        """)

    @Option(help: "Model name in the workspace.") var model: String
    @Option(help: "Workspace dataset name or CSV path.") var data: String
    @Option(help: "Target column (default: the dataset's target, else the model's).") var target: String?
    @Option(help: "Write an HTML report here.") var report: String?
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var sequence: EventsOption
    @OptionGroup var partialOptions: PartialOptions

    func validate() throws {
        if partialOptions.partialPath != nil && (report != nil || json) { throw ValidationError("--partial writes only the partial state: --report and --json apply to `obligor merge`") }
    }

    func run() throws {
        let ws = try workspace.openExisting()
        let (storedModel, metadata) = try loadModel(model, workspace: ws)
        let anyModel = try sequence.bind(storedModel, workspace: workspace)
        let loaded = try LoadedData.load(data, workspace: workspace, target: target)
        let targetName = target ?? loaded.roles.target ?? metadata?.target ?? ""
        let labels = try loaded.labels(target: targetName)
        let (shard, rows) = try partialOptions.rows(of: loaded.frame.rowCount)
        let pds = try anyModel.scorer.predictPD(shard == nil ? loaded.frame : loaded.frame.selectingRows(rows))
        var histogram = RowHistogram(tagCount: 0)
        for (k, i) in rows.enumerated() {
            guard pds[k].isFinite && pds[k] >= 0 && pds[k] <= 1 else { throw InputError("\(loaded.locate(row: i)): model '\(model)' gives PD \(pds[k]), outside [0, 1]") }
            histogram.add(tags: [], score: pds[k], label: labels[i])
        }
        let file = PartialFile(kind: "evaluate", shard: shard, options: ["model": model, "target": targetName, "events": sequence.events ?? ""], data: loaded,
                               rows: rows.count, state: EvaluateState(scores: histogram))
        if try file.writeIfRequested(partialOptions) { return }
        let result = try Self.finish(try file.roundTripped())
        try ws.recordRun(command: "evaluate", parameters: JSONSerialization.data(withJSONObject: ["model": model, "data": data], options: [.sortedKeys]),
                         seconds: 0, metrics: JSONEncoder().encode(result.summary))
        if let report { try Self.writeReport(result, to: report, model: model, anyModel: anyModel, metadata: metadata, header: file.header) }
        if json { try printJSON(try result.jsonObject()) }
    }

    /// The evaluation of a (merged) partial: every row in canonical order, then the ordinary metrics.
    static func finish(_ file: PartialFile<EvaluateState>) throws -> Evaluation {
        let (_, scores, labels) = file.state.scores.expand()
        let result = try Evaluation.evaluate(scores: scores, labels: labels)
        printSummary(result.summary, title: "\(file.header.options["model"] ?? "") on \(file.header.dataLabel)")
        return result
    }

    static func writeReport(_ result: Evaluation, to report: String, model: String, anyModel: AnyModel, metadata: TrainingMetadata?, header: PartialHeader) throws {
        var input = EvaluationReportInput(
            title: "Model evaluation: \(model)", modelName: model, modelKind: anyModel.kind, dataLabel: header.dataLabel,
            dataSHA256: header.dataSHA256, evaluation: result, scorecard: anyModel.scorecardModel, logistic: anyModel.logisticModel,
            metadata: metadata)
        if case let .gbdt(m) = anyModel {
            let gains = m.gainImportance, splits = m.splitImportance
            input.importance = m.features.indices.map { FeatureImportance(feature: m.features[$0].name, gain: gains[$0], splits: splits[$0]) }
        }
        let page = HTMLReport.evaluation(input)
        try CSVWriter.writeAtomically(page, to: report)
        note("report written to \(report)")
    }
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Metrics of a score file: discrimination, calibration, gains, PSI.")

    @Option(help: "CSV with a target and a PD column.") var scores: String
    @Option(help: "Target column (1 = default).") var target: String
    @Option(help: "PD column.") var score: String
    @Option(help: "Baseline (development) CSV with the same score column, for PSI.") var baseline: String?
    @Option(help: "Rating-grade column for a per-grade calibration table.") var grade: String?
    @Option(help: "Write an HTML report here.") var report: String?
    @Flag(help: "JSON on stdout.") var json = false

    func run() throws {
        let (frame, lines) = try CSVReader.readWithLines(path: scores)
        let loaded = LoadedData(frame: frame, label: scores, roles: DatasetRoles(target: target), sha256: try fileSHA256(scores), lines: lines)
        let labels = try loaded.labels(target: target)
        let pds = try readScores(loaded, column: score)
        var grades: [String]? = nil
        if let grade {
            let g = try frame.column(grade)
            grades = (0..<g.count).map { g.text(at: $0) ?? "<missing>" }
        }
        var baselineScores: [Double]? = nil
        if let baseline {
            let (bf, bl) = try CSVReader.readWithLines(path: baseline)
            baselineScores = try readScores(LoadedData(frame: bf, label: baseline, roles: DatasetRoles(), sha256: "", lines: bl), column: score)
        }
        let result = try Evaluation.evaluate(scores: pds, labels: labels, grades: grades, baseline: baselineScores)
        printSummary(result.summary, title: scores)
        if let psi = result.psi { note("PSI vs baseline (baseline deciles): \(fmt(psi.value))") }
        if let report {
            let page = HTMLReport.evaluation(EvaluationReportInput(
                title: "Score metrics: \(scores)", modelName: score, modelKind: "scores", dataLabel: scores, dataSHA256: loaded.sha256,
                evaluation: result, scorecard: nil, logistic: nil, metadata: nil))
            try CSVWriter.writeAtomically(page, to: report)
            note("report written to \(report)")
        }
        if json { try printJSON(try result.jsonObject()) }
    }

    func readScores(_ d: LoadedData, column: String) throws -> [Double] {
        guard let c = d.frame[column] else { throw InputError("\(d.label): no score column '\(column)'") }
        guard c.isNumeric else { throw InputError("\(d.label), column '\(column)': scores must be numeric PDs") }
        var out = [Double](repeating: 0, count: c.count)
        for i in 0..<c.count {
            guard let v = c.numericValue(at: i) else { throw InputError("\(d.locate(row: i)), column '\(column)': the score is missing") }
            guard v >= 0 && v <= 1 else { throw InputError("\(d.locate(row: i)), column '\(column)': PD \(v) is outside [0, 1]") }
            out[i] = v
        }
        return out
    }
}

func printSummary(_ s: ClassificationSummary, title: String) {
    note("\(title): n \(s.n), defaults \(s.defaults) (\(fmt(100 * s.defaultRate, 2))%), mean PD \(fmt(s.meanPD))")
    note("  AUC \(fmt(s.auc)) [\(fmt(s.aucCI95Low)), \(fmt(s.aucCI95High))]  Gini \(fmt(s.gini))  KS \(fmt(s.ks))")
    note("  Brier \(fmt(s.brier))  log-loss \(fmt(s.logLoss))  Spiegelhalter z \(fmt(s.spiegelhalterZ, 2)) (p \(fmt(s.spiegelhalterP)))  HL \(fmt(s.hlStat, 2)) (p \(fmt(s.hlP)))")
}

extension AnyModel {
    var scorecardModel: ScorecardModel? { if case let .scorecard(m) = self { return m }; return nil }
    var logisticModel: LogisticModel? { if case let .logistic(m) = self { return m }; return nil }
}
