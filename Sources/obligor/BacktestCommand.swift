import ArgumentParser
import Foundation
import ObligorCatalog
import ObligorData
import ObligorMetrics
import ObligorReports
import ObligorStore

/// `obligor backtest`: out-of-time PD backtest of any stored model.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Out-of-time backtest of a PD model, period by period.",
        discussion: """
        Rows with time ≤ the development cut-off (--train-until, default: the end of the model's training time \
        range) are the development sample; each later period is one origin of a rolling-origin backtest.

        Per period: AUC, DeLong 95% CI, Gini, KS, the ECB (2019) AUC-drop test against the development AUC, PSI of \
        the score and CSI of each model feature (with verdicts), portfolio Jeffreys/binomial/z tests, Spiegelhalter, \
        Hosmer–Lemeshow over grades (df = K), and a grade table with binomial/Jeffreys/z tests, traffic lights at \
        95%/99.9% and Holm correction across all grades and periods; plus the BCBS multi-period normal test.

        Grades: --grade COL, else a master scale of --grades PD quantiles of the development sample.

        Maturity: when the data came from import-freddie, its NAME-outcomes dataset (or --outcomes) says which loans \
        are censored; a period with censored loans has an immature window and is left out. The same dataset gives \
        the vintage curves (cumulative default rate by months on book; immature cells blank). The run is stored in \
        the workspace.

        --partial FILE writes the mergeable state instead: exact histograms of (period, grade, PD, outcome) and of \
        each characteristic's values per period (with --shard i/N, of that shard's rows only; the cut-off, periods, \
        maturity and vintage curves still come from the whole data). `obligor merge` turns the parts into this \
        command's output.

        The JSON's "seconds" (score and test timings; a merge has only the test time) is the one run-dependent \
        field; partial files hold no timings, so a re-run shard writes the same bytes.
        """)

    @Option(help: "Model name in the workspace.") var model: String
    @Option(help: "Workspace dataset name or CSV path.") var data: String
    @Option(help: "Time (period) column: vintage, quarter, …") var time: String
    @Option(help: "Target column (default: the dataset's, else the model's).") var target: String?
    @Option(name: .customLong("train-until"), help: "Development cut-off: rows with time ≤ this are the development sample (default: end of the model's training range).")
    var trainUntil: String?
    @Option(help: "Rating-grade column (default: a master scale from development PD quantiles).") var grade: String?
    @Option(help: "Number of master-scale grades.") var grades: Int = 7
    @Option(help: "Loan outcomes dataset for maturity checks and vintage curves (default: DATA-outcomes when it exists).") var outcomes: String?
    @Option(name: .customLong("max-mob"), help: "Last month on book of the vintage curves.") var maxMOB: Int = 60
    @Option(help: "Write the HTML report here.") var report: String?
    @Option(help: "Also print the report to PDF (headless Chromium; skipped with a note when absent).") var pdf: String?
    @Option(help: "Report title.") var title: String?
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var partialOptions: PartialOptions

    func validate() throws {
        if grades < 2 || grades > 30 { throw ValidationError("--grades must be between 2 and 30") }
        if maxMOB < 1 || maxMOB > 480 { throw ValidationError("--max-mob must be between 1 and 480") }
        if pdf != nil && report == nil { throw ValidationError("--pdf needs --report (the PDF is printed from the HTML)") }
        if partialOptions.partialPath != nil && (report != nil || json) {
            throw ValidationError("--partial writes only the partial state: --report, --pdf and --json apply to `obligor merge`")
        }
    }

    func run() throws {
        let ws = try workspace.openExisting()
        let (anyModel, metadata) = try loadModel(model, workspace: ws)
        let loaded = try LoadedData.load(data, workspace: workspace, target: target)
        let frame = loaded.frame
        guard let targetName = target ?? loaded.roles.target ?? metadata?.target else {
            throw InputError("\(loaded.label): no target column: pass --target COL")
        }
        guard let timeCol = frame[time] else {
            throw InputError("\(loaded.label): no time column '\(time)' (columns: \(frame.columnNames.prefix(12).joined(separator: ", ")))")
        }
        let labels = try loaded.labels(target: targetName)
        let (shard, rows) = try partialOptions.rows(of: frame.rowCount)
        let (pds, scoreSeconds) = try timed { try anyModel.scorer.predictPD(shard == nil ? frame : frame.selectingRows(rows)) }
        for (k, p) in pds.enumerated() where !(p.isFinite && p >= 0 && p <= 1) {
            throw InputError("\(loaded.locate(row: rows[k])): the model gives PD \(p)")
        }
        let first = rows.first ?? 0
        func counted(_ i: Int) -> Bool { i >= first && i < first + rows.count }

        // Development sample and backtest periods (from the whole data, whatever the shard).
        var cut = trainUntil
        if cut == nil, let meta = metadata, meta.timeColumn == time, let range = meta.timeRange, range.count == 2 { cut = range[1] }
        var periodText = [String](repeating: "", count: frame.rowCount)
        for i in 0..<frame.rowCount {
            guard let t = timeCol.text(at: i) else { throw InputError("\(loaded.locate(row: i)), column '\(time)': the time is missing") }
            periodText[i] = t
        }
        let ordered = Self.order(Array(Set(periodText)))
        if cut == nil {
            cut = ordered.first
            note("no development cut-off (--train-until, or a model trained with --time \(time) --train-until): using the first period \(cut!) as the development sample")
        }
        let part = try Splits.byTime(frame, timeColumn: time, trainUntil: cut!)
        guard !part.train.isEmpty else { throw InputError("\(loaded.label): no development rows with \(time) ≤ \(cut!)") }
        guard !part.test.isEmpty else { throw InputError("\(loaded.label): no rows after \(time) \(cut!) to backtest") }

        // Maturity and vintage curves from the outcomes dataset.
        var excluded: [BacktestState.Excluded] = []
        var curves: [VintageCurve] = []
        var immature = Set<String>()
        let outcomesName = outcomes ?? (LoadedData.isPath(data) ? nil : "\(data)-outcomes")
        var outcomesUsed = ""
        if let outcomesName, try ws.hasDataset(outcomesName) {
            let o = try ws.loadFrame(named: outcomesName)
            let (imm, vc) = try Self.outcomeChecks(o, name: outcomesName, time: time, maxMOB: maxMOB)
            curves = vc
            outcomesUsed = outcomesName
            for p in Self.order(Array(imm.keys)) {
                immature.insert(p)
                excluded.append(.init(period: p, reason: imm[p]!))
            }
        } else if let outcomes {
            throw InputError("no outcomes dataset '\(outcomes)' in \(ws.path)")
        } else {
            note("maturity not checked: no outcomes dataset (import with import-freddie, or pass --outcomes)")
        }
        let testRows = part.test.filter { !immature.contains(periodText[$0]) }
        guard !testRows.isEmpty else { throw InputError("every backtest period after \(cut!) has an immature performance window: \(excluded.map(\.period).joined(separator: ", "))") }

        // Counts of this run's rows: (grade, PD, outcome) of the development sample, (period, grade, PD, outcome)
        // of the backtest rows, and each characteristic's values per sample.
        var gradeText: [String]? = nil
        if let grade {
            let g = try frame.column(grade)
            gradeText = (0..<g.count).map { g.text(at: $0) ?? "<missing>" }
        }
        var development = RowHistogram(tagCount: 1), backtest = RowHistogram(tagCount: 2)
        for i in part.train where counted(i) { development.add(tags: [gradeText?[i] ?? ""], score: pds[i - first], label: labels[i]) }
        for i in testRows where counted(i) { backtest.add(tags: [periodText[i], gradeText?[i] ?? ""], score: pds[i - first], label: labels[i]) }
        let featureNames = metadata?.features ?? anyModel.scorer.featureNames
        var characteristics: [BacktestState.Characteristic] = []
        for name in featureNames {
            guard let c = frame[name] else { continue }
            var h = ValueHistogram(numeric: c.isNumeric)
            let value: (Int) -> String
            if c.isNumeric {
                let v = c.doubles(missingAs: .nan)!
                value = { "\(v[$0])" }
            } else {
                value = { c.text(at: $0) ?? "<missing>" }
            }
            for i in part.train where counted(i) { h.add(sample: BacktestState.developmentSample, value: value(i)) }
            for i in testRows where counted(i) { h.add(sample: BacktestState.periodSample(periodText[i]), value: value(i)) }
            characteristics.append(.init(name: name, values: h))
        }
        let state = BacktestState(trainUntil: cut!, excluded: excluded, vintageCurves: curves, gradeColumn: grade != nil, grades: grades,
                                  development: development, backtest: backtest, characteristics: characteristics)
        let options: [String: String] = [
            "model": model, "time": time, "target": targetName, "train_until": cut!, "grade": grade ?? "", "grades": "\(grades)",
            "outcomes": outcomesUsed, "max_mob": "\(maxMOB)",
        ]
        let file = PartialFile(kind: "backtest", shard: shard, options: options, data: loaded, rows: rows.count, state: state)
        if try file.writeIfRequested(partialOptions) { return }
        try Self.finish(try file.roundTripped(), scoreSeconds: scoreSeconds, report: report, pdf: pdf, title: title, json: json) { jsonData, seconds in
            try ws.recordRun(command: "backtest",
                             parameters: JSONSerialization.data(withJSONObject: ["model": model, "data": data, "time": time, "train_until": cut!, "grades": grades], options: [.sortedKeys]),
                             seconds: seconds, metrics: jsonData)
        }
    }

    /// The backtest of a (merged) partial: every row in canonical order (period, grade, PD, outcome), each period's
    /// characteristic values in canonical order, then the ordinary backtest. `record` stores the run (single process only).
    static func finish(_ file: PartialFile<BacktestState>, scoreSeconds: Double?, report: String?, pdf: String?, title: String?, json: Bool,
                       record: ((Data, Double) throws -> Void)? = nil) throws {
        let st = file.state, o = file.header.options
        let model = o["model"] ?? "", time = o["time"] ?? "", cut = st.trainUntil
        let (dtags, dscores, dlabels) = st.development.expand()
        let (ttags, tscores, tlabels) = st.backtest.expand()
        let periods = ttags.map { $0[0] }
        var characteristics: [BacktestCharacteristic] = []
        for ch in st.characteristics {
            let baseline = ch.values.values(of: BacktestState.developmentSample)
            var queues: [String: (values: [String], next: Int)] = [:]
            var current: [String] = []
            current.reserveCapacity(periods.count)
            for p in periods {
                if queues[p] == nil { queues[p] = (ch.values.values(of: BacktestState.periodSample(p)), 0) }
                let k = queues[p]!.next
                guard k < queues[p]!.values.count else { throw InputError("\(file.header.dataLabel): characteristic '\(ch.name)' has fewer values than rows in period \(p)") }
                current.append(queues[p]!.values[k])
                queues[p]!.next = k + 1
            }
            guard baseline.count == dscores.count, queues.values.allSatisfy({ $0.next == $0.values.count }) else {
                throw InputError("\(file.header.dataLabel): characteristic '\(ch.name)' counts do not match the row counts")
            }
            if ch.values.numeric {
                characteristics.append(BacktestCharacteristic(name: ch.name, values: .numeric(baseline: baseline.map { Double($0) ?? .nan },
                                                                                              current: current.map { Double($0) ?? .nan })))
            } else {
                characteristics.append(BacktestCharacteristic(name: ch.name, values: .categorical(baseline: baseline, current: current)))
            }
        }
        let input = BacktestInput(scores: tscores, labels: tlabels, periods: periods, baselineScores: dscores, baselineLabels: dlabels,
                                  grades: st.gradeColumn ? ttags.map { $0[1] } : nil, baselineGrades: st.gradeColumn ? dtags.map { $0[0] } : nil,
                                  characteristics: characteristics)
        let (result, seconds) = try timed { try Backtest.run(input, options: BacktestOptions(grades: st.grades)) }
        note("backtest of '\(model)' on \(file.header.dataLabel): development \(time) ≤ \(cut) (\(dscores.count) rows, AUC \(fmt(result.baseline.auc))), \(result.periods.count) periods, \(tscores.count) rows; \(scoreSeconds.map { "scored in \(fmt($0, 2)) s, " } ?? "")tests in \(fmt(seconds, 2)) s")
        note(pad("period", 10) + pad("n", 8) + pad("DR", 8) + pad("meanPD", 8) + pad("AUC", 8) + pad("CI95", 17) + pad("drop p", 9) + pad("Jeffreys", 10) + pad("PSI", 8) + "light")
        for p in result.periods {
            note(pad(p.period, 10) + pad("\(p.n)", 8) + pad(fmt(p.defaultRate), 8) + pad(fmt(p.meanPD), 8) + pad(fmt(p.auc), 8)
                 + pad("[\(fmt(p.aucCI95Low, 3)), \(fmt(p.aucCI95High, 3))]", 17) + pad(fmt(p.aucDropP), 9) + pad(fmt(p.jeffreysP), 10) + pad(fmt(p.psi), 8)
                 + "\(p.trafficLight.rawValue)/\(p.aucDropLight.rawValue)")
        }
        for e in st.excluded { note("left out \(e.period): \(e.reason)") }
        note("overall: \(result.overall.rawValue) (Holm family of \(result.holmFamilySize) grade × period cells)")

        var object = try jsonObject(result) as! [String: Any]
        object["model"] = model
        object["data"] = file.header.dataLabel
        object["time"] = time
        object["train_until"] = cut
        object["target"] = o["target"] ?? ""
        object["excluded_periods"] = st.excluded.map { ["period": $0.period, "reason": $0.reason] }
        object["vintage_curves"] = try jsonObject(st.vintageCurves)
        object["seconds"] = scoreSeconds.map { ["score": $0, "tests": seconds] } ?? ["tests": seconds]
        let jsonData = try JSONSerialization.data(withJSONObject: sanitizeJSON(object), options: [.sortedKeys, .withoutEscapingSlashes])
        try record?(jsonData, (scoreSeconds ?? 0) + seconds)
        if let report {
            let page = BacktestReport.html(BacktestReportInput(
                title: title ?? "PD backtest: \(model)", modelLabel: model, dataLabel: file.header.dataLabel, dataSHA256: file.header.dataSHA256,
                timeColumn: time, result: result, vintageCurves: st.vintageCurves, excluded: st.excluded.map { ($0.period, $0.reason) },
                json: String(decoding: jsonData, as: UTF8.self)))
            try writeReport(page, to: report, pdf: pdf)
        }
        if json { try printJSON(object) }
    }

    /// Periods in order: numerically when all are numbers, else as strings.
    static func order(_ names: [String]) -> [String] {
        names.allSatisfy { Double($0) != nil } ? names.sorted { Double($0)! < Double($1)! } : names.sorted()
    }

    /// Immature periods (with censored loans) and vintage curves from an import-freddie outcomes dataset.
    static func outcomeChecks(_ o: Frame, name: String, time: String, maxMOB: Int) throws -> ([String: String], [VintageCurve]) {
        for c in [time, "censored", "default_mob", "observation_month", "data_cutoff", "horizon"] where o[c] == nil {
            throw InputError("outcomes dataset '\(name)' has no column '\(c)' (expected the NAME-outcomes dataset of import-freddie)")
        }
        let tc = o[time]!, cens = o["censored"]!, dm = o["default_mob"]!, om = o["observation_month"]!, cut = o["data_cutoff"]!, hz = o["horizon"]!
        var total: [String: Int] = [:], censored: [String: Int] = [:]
        var cohorts: [String] = [], defaultMOB: [Int?] = [], observable: [Int] = []
        for i in 0..<o.rowCount {
            guard let p = tc.text(at: i) else { continue }
            total[p, default: 0] += 1
            if cens.numericValue(at: i) == 1 { censored[p, default: 0] += 1 }
            guard let obs = om.numericValue(at: i), let c = cut.numericValue(at: i) else { continue }
            let months = (Int(c) / 100 * 12 + Int(c) % 100) - (Int(obs) / 100 * 12 + Int(obs) % 100)
            cohorts.append(p)
            defaultMOB.append(dm.numericValue(at: i).map { Int($0) })
            observable.append(months)
        }
        let h = hz.numericValue(at: 0).map { Int($0) } ?? 0
        let c0 = cut.numericValue(at: 0).map { Int($0) } ?? 0
        var imm: [String: String] = [:]
        for (p, k) in censored where k > 0 {
            imm[p] = "performance window not matured: \(k) of \(total[p]!) loans censored (horizon \(h) months, data cut-off \(c0))"
        }
        return (imm, VintageCurves.compute(cohorts: cohorts, defaultMOB: defaultMOB, observableMOB: observable, maxMOB: maxMOB))
    }
}

/// The mergeable state of `obligor backtest`: exact histograms of the development and backtest rows and of
/// each model characteristic's values per sample, plus what the whole data decided (cut-off, left-out periods,
/// vintage curves), which every shard computes identically.
struct BacktestState: Codable {
    struct Excluded: Codable, Equatable {
        var period: String
        var reason: String
    }
    struct Characteristic: Codable {
        var name: String
        var values: ValueHistogram
    }
    static let developmentSample = "development"
    static func periodSample(_ p: String) -> String { "period:" + p }

    var trainUntil: String
    var excluded: [Excluded]
    var vintageCurves: [VintageCurve]
    var gradeColumn: Bool
    var grades: Int
    /// Tags: grade ("" on the master scale).
    var development: RowHistogram
    /// Tags: period, grade.
    var backtest: RowHistogram
    var characteristics: [Characteristic]

    enum CodingKeys: String, CodingKey {
        case trainUntil = "train_until", excluded, vintageCurves = "vintage_curves", gradeColumn = "grade_column", grades,
             development, backtest, characteristics
    }
}
