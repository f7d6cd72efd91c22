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
        abstract: "Out-of-time PD backtest: AUC per period with DeLong CIs and the AUC-drop test, PSI/CSI, per-grade calibration with Holm, vintage curves.",
        discussion: """
        Rows with time ≤ the development cut-off (--train-until, default: the end of the model's training
        time range) are the development sample; each later period is one origin of a rolling-origin
        backtest. Per period: AUC, DeLong 95% CI, Gini, KS, the ECB (2019) AUC-drop test against the
        development AUC, PSI of the score and CSI of each model feature (with verdicts), portfolio
        Jeffreys/binomial/z tests, Spiegelhalter, Hosmer–Lemeshow over grades (df = K), and a grade table
        with binomial/Jeffreys/z tests, traffic lights at 95%/99.9% and Holm correction across all grades
        and periods; plus the BCBS multi-period normal test.
        Grades: --grade COL, else a master scale of --grades PD quantiles of the development sample.
        Maturity: when the data came from import-freddie, its NAME-outcomes dataset (or --outcomes) says
        which loans are censored; a period with censored loans has an immature window and is left out.
        The same dataset gives the vintage curves (cumulative default rate by months on book; immature
        cells blank). The run is stored in the workspace.
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

    func validate() throws {
        if grades < 2 || grades > 30 { throw ValidationError("--grades must be between 2 and 30") }
        if maxMOB < 1 || maxMOB > 480 { throw ValidationError("--max-mob must be between 1 and 480") }
        if pdf != nil && report == nil { throw ValidationError("--pdf needs --report (the PDF is printed from the HTML)") }
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
        let (pds, scoreSeconds) = try timed { try anyModel.scorer.predictPD(frame) }
        for (i, p) in pds.enumerated() where !(p.isFinite && p >= 0 && p <= 1) {
            throw InputError("\(loaded.locate(row: i)): the model gives PD \(p)")
        }

        // Development sample and backtest periods.
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
        var excluded: [(period: String, reason: String)] = []
        var curves: [VintageCurve] = []
        var immature = Set<String>()
        let outcomesName = outcomes ?? (LoadedData.isPath(data) ? nil : "\(data)-outcomes")
        if let outcomesName, try ws.hasDataset(outcomesName) {
            let o = try ws.loadFrame(named: outcomesName)
            let (imm, vc) = try Self.outcomeChecks(o, name: outcomesName, time: time, maxMOB: maxMOB)
            curves = vc
            for p in Self.order(Array(imm.keys)) {
                immature.insert(p)
                excluded.append((p, imm[p]!))
            }
        } else if let outcomes {
            throw InputError("no outcomes dataset '\(outcomes)' in \(ws.path)")
        } else {
            note("maturity not checked: no outcomes dataset (import with import-freddie, or pass --outcomes)")
        }
        let testRows = part.test.filter { !immature.contains(periodText[$0]) }
        guard !testRows.isEmpty else { throw InputError("every backtest period after \(cut!) has an immature performance window: \(excluded.map(\.period).joined(separator: ", "))") }

        // Characteristics: the model's features present in the data.
        let featureNames = metadata?.features ?? anyModel.scorer.featureNames
        var characteristics: [BacktestCharacteristic] = []
        for name in featureNames {
            guard let c = frame[name] else { continue }
            if c.isNumeric {
                let v = c.doubles(missingAs: .nan)!
                characteristics.append(BacktestCharacteristic(name: name, values: .numeric(baseline: part.train.map { v[$0] }, current: testRows.map { v[$0] })))
            } else {
                let v = (0..<c.count).map { c.text(at: $0) ?? "<missing>" }
                characteristics.append(BacktestCharacteristic(name: name, values: .categorical(baseline: part.train.map { v[$0] }, current: testRows.map { v[$0] })))
            }
        }
        var gradeValues: [String]? = nil, baseGrades: [String]? = nil
        if let grade {
            let g = try frame.column(grade)
            let all = (0..<g.count).map { g.text(at: $0) ?? "<missing>" }
            gradeValues = testRows.map { all[$0] }
            baseGrades = part.train.map { all[$0] }
        }
        let input = BacktestInput(scores: testRows.map { pds[$0] }, labels: testRows.map { labels[$0] }, periods: testRows.map { periodText[$0] },
                                  baselineScores: part.train.map { pds[$0] }, baselineLabels: part.train.map { labels[$0] },
                                  grades: gradeValues, baselineGrades: baseGrades, characteristics: characteristics)
        let (result, seconds) = try timed { try Backtest.run(input, options: BacktestOptions(grades: grades)) }
        note("backtest of '\(model)' on \(loaded.label): development \(time) ≤ \(cut!) (\(part.train.count) rows, AUC \(fmt(result.baseline.auc))), \(result.periods.count) periods, \(testRows.count) rows; scored in \(fmt(scoreSeconds, 2)) s, tests in \(fmt(seconds, 2)) s")
        note(pad("period", 10) + pad("n", 8) + pad("DR", 8) + pad("meanPD", 8) + pad("AUC", 8) + pad("CI95", 17) + pad("drop p", 9) + pad("Jeffreys", 10) + pad("PSI", 8) + "light")
        for p in result.periods {
            note(pad(p.period, 10) + pad("\(p.n)", 8) + pad(fmt(p.defaultRate), 8) + pad(fmt(p.meanPD), 8) + pad(fmt(p.auc), 8)
                 + pad("[\(fmt(p.aucCI95Low, 3)), \(fmt(p.aucCI95High, 3))]", 17) + pad(fmt(p.aucDropP), 9) + pad(fmt(p.jeffreysP), 10) + pad(fmt(p.psi), 8)
                 + "\(p.trafficLight.rawValue)/\(p.aucDropLight.rawValue)")
        }
        for (p, why) in excluded { note("left out \(p): \(why)") }
        note("overall: \(result.overall.rawValue) (Holm family of \(result.holmFamilySize) grade × period cells)")

        var object = try jsonObject(result) as! [String: Any]
        object["model"] = model
        object["data"] = loaded.label
        object["time"] = time
        object["train_until"] = cut!
        object["target"] = targetName
        object["excluded_periods"] = excluded.map { ["period": $0.period, "reason": $0.reason] }
        object["vintage_curves"] = try jsonObject(curves)
        object["seconds"] = ["score": scoreSeconds, "tests": seconds]
        let jsonData = try JSONSerialization.data(withJSONObject: sanitizeJSON(object), options: [.sortedKeys, .withoutEscapingSlashes])
        try ws.recordRun(command: "backtest",
                         parameters: JSONSerialization.data(withJSONObject: ["model": model, "data": data, "time": time, "train_until": cut!, "grades": grades], options: [.sortedKeys]),
                         seconds: scoreSeconds + seconds, metrics: jsonData)
        if let report {
            let page = BacktestReport.html(BacktestReportInput(
                title: title ?? "PD backtest: \(model)", modelLabel: model, dataLabel: loaded.label, dataSHA256: loaded.sha256,
                timeColumn: time, result: result, vintageCurves: curves, excluded: excluded, json: String(decoding: jsonData, as: UTF8.self)))
            try CSVWriter.writeAtomically(page, to: report)
            note("report written to \(report)")
            if let pdf {
                do {
                    if try AuditReport.writePDF(htmlPath: report, to: pdf) { note("PDF written to \(pdf)") }
                    else { note("no PDF: headless Chromium is not installed (set OBLIGOR_CHROMIUM or install chromium); the HTML report is complete") }
                } catch { note("no PDF: \(error)") }
            }
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
