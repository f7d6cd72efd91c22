import ArgumentParser
import Foundation
import ObligorCatalog
import ObligorData
import ObligorMetrics
import ObligorReports
import ObligorStore

/// `obligor audit`: a bias audit of a model's (or a scores file's) approval decisions.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Bias audit of a model's decisions across protected groups.",
        discussion: """
        Reports per-group rates, aif360 and fairlearn metrics, the four-fifths rule, tests with Holm correction and \
        bootstrap CIs.

        Decisions: approve when PD < --threshold (approval and repayment are favourable). Signed metrics are \
        unprivileged − privileged (aif360): spd, di, eod, aod; fairlearn's are max−min summaries over all groups.

        Predictions come from --model (scored on --data) or from --scores, a CSV with columns id,pd joined to --data \
        by its id column (--id, default the dataset's id role); every record needs exactly one score and every score \
        exactly one record.

        Several attributes: repeat --sensitive and --privileged in the same order. A comma list in --privileged \
        merges those values into one privileged group (e.g. --privileged A91,A93,A94). --band COL:c1,c2 bands a \
        numeric attribute into <=c1, (c1,c2], >c2 (so COL:45 gives CALM's "age > 45"; the privileged value is then a \
        band label such as '<=45'). --intersect A,B adds the groups A × B, whose privileged group combines A's and \
        B's. Groups below --min-group-size are flagged and never compared.

        Exit codes: 0 ok, 1 bad input, 2 usage.
        """)

    @Option(help: "Model name in the workspace (scores --data).") var model: String?
    @Option(help: "Scores CSV with columns id,pd (instead of --model).") var scores: String?
    @Option(help: "Workspace dataset name or CSV path with the target and the sensitive attributes.") var data: String
    @Option(help: "Sensitive attribute column (repeat for several).") var sensitive: [String] = []
    @Option(help: "Privileged value of each --sensitive, in order; a comma list merges values into one group.") var privileged: [String] = []
    @Option(help: "Band a numeric attribute: COL:c1[,c2…] (right-closed bands).") var band: [String] = []
    @Option(help: "Intersectional groups of sensitive attributes: A,B[,C] (repeatable).") var intersect: [String] = []
    @Option(help: "Approval cut-off: approve when PD < T.") var threshold: Double = 0.5
    @Option(help: "Target column, 1 = default (default: the dataset's target).") var target: String?
    @Option(help: "Record id column of --data for joining --scores (default: the dataset's id role).") var id: String?
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 20240601
    @Option(help: "Bootstrap replicates (0 = no intervals).") var bootstrap: Int = 1000
    @Option(help: "Confidence level of the intervals.") var confidence: Double = 0.95
    @Option(help: "Groups smaller than this are flagged and not compared.") var minGroupSize: Int = 30
    @Option(help: "Significance level of the Holm-adjusted tests.") var alpha: Double = 0.05
    @Option(help: "Write the HTML report here.") var report: String?
    @Option(help: "Also print the report to PDF here (needs headless Chromium; skipped with a note when absent).") var pdf: String?
    @Option(help: "Report title.") var title: String?
    @Option(help: "JSON from `obligor recourse verify --json` (with --sensitive): adds recourse rates by group to the report.") var recourse: String?
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var partialOptions: PartialOptions

    func validate() throws {
        if (model == nil) == (scores == nil) { throw ValidationError("give exactly one of --model or --scores") }
        if sensitive.isEmpty { throw ValidationError("--sensitive is required") }
        if privileged.count != sensitive.count {
            throw ValidationError("give one --privileged per --sensitive (\(sensitive.count) attributes, \(privileged.count) privileged values)")
        }
        if !(threshold > 0 && threshold < 1) { throw ValidationError("--threshold must be in (0, 1)") }
        if bootstrap < 0 { throw ValidationError("--bootstrap must be ≥ 0") }
        if !(confidence > 0 && confidence < 1) { throw ValidationError("--confidence must be in (0, 1)") }
        if minGroupSize < 0 { throw ValidationError("--min-group-size must be ≥ 0") }
        if !(alpha > 0 && alpha < 1) { throw ValidationError("--alpha must be in (0, 1)") }
        if pdf != nil && report == nil { throw ValidationError("--pdf needs --report (the PDF is printed from the HTML)") }
        if partialOptions.partialPath != nil && (report != nil || json || recourse != nil) {
            throw ValidationError("--partial writes only the partial state: --report, --recourse and --json apply to `obligor merge`")
        }
    }

    /// The most distinct values a numeric attribute may have without --band.
    static let maxUnbandedLevels = 12

    func run() throws {
        let loaded = try LoadedData.load(data, workspace: workspace, target: target)
        guard let targetName = target ?? loaded.roles.target else {
            throw InputError("\(loaded.label): no target column: pass --target COL")
        }
        let labels = try loaded.labels(target: targetName)
        let frame = loaded.frame
        let (shard, rows) = try partialOptions.rows(of: frame.rowCount)

        // Predictions of the counted rows (all rows without --shard).
        let pds: [Double]
        let source: String
        if let model {
            let ws = try workspace.openExisting()
            let (anyModel, _) = try loadModel(model, workspace: ws)
            pds = try anyModel.scorer.predictPD(shard == nil ? frame : frame.selectingRows(rows))
            for (k, i) in rows.enumerated() where !(pds[k] >= 0 && pds[k] <= 1) {
                throw InputError("\(loaded.locate(row: i)): model '\(model)' produced PD \(pds[k]), outside [0, 1]")
            }
            source = "model \(model) (\(anyModel.kind))"
        } else {
            let all = try joinedScores(scores!, loaded: loaded)
            pds = rows.map { all[$0] }
            source = "scores \(scores!)"
        }

        // Groups come from the whole data (bands, privileged values, intersections), counts from the rows.
        let (attributes, unbandedNumeric) = try buildAttributes(loaded, deferChecks: partialOptions.partialPath != nil)
        var histogram = RowHistogram(tagCount: attributes.count)
        for (k, i) in rows.enumerated() { histogram.add(tags: attributes.map { $0.groups[i] }, score: pds[k], label: labels[i]) }
        let state = AuditState(attributes: attributes.map { AuditState.Attribute(name: $0.name, privileged: $0.privileged, components: $0.components) },
                               unbandedNumeric: unbandedNumeric, source: source, defaultTitle: "Bias audit: \(model ?? scores!) on \(loaded.label)", threshold: threshold,
                               seed: seed, bootstrap: bootstrap, confidence: confidence, minGroupSize: minGroupSize, alpha: alpha, rows: histogram)
        let options: [String: String] = [
            "predictions": model.map { "model \($0)" } ?? "scores \(scores!)", "target": targetName, "threshold": "\(threshold)",
            "sensitive": sensitive.joined(separator: "|"), "privileged": privileged.joined(separator: "|"), "band": band.joined(separator: "|"),
            "intersect": intersect.joined(separator: "|"), "seed": "\(seed)", "bootstrap": "\(bootstrap)", "confidence": "\(confidence)",
            "min_group_size": "\(minGroupSize)", "alpha": "\(alpha)", "id": id ?? "",
        ]
        let file = PartialFile(kind: "audit", shard: shard, options: options, data: loaded, rows: rows.count, state: state)
        if try file.writeIfRequested(partialOptions) { return }
        try Self.finish(try file.roundTripped(), report: report, pdf: pdf, title: title, recourse: recourse, json: json)
    }

    /// The audit of a (merged) partial: every row in canonical order (groups, PD, outcome), then the
    /// ordinary audit; the bootstrap resamples that order, so its intervals do not depend on the sharding.
    static func finish(_ file: PartialFile<AuditState>, report: String?, pdf: String?, title: String?, recourse: String?, json: Bool) throws {
        let st = file.state
        let (tags, pds, labels) = st.rows.expand()
        let attributes = st.attributes.enumerated().map { k, a in
            FairnessAttribute(name: a.name, groups: tags.map { $0[k] }, privileged: a.privileged, components: a.components)
        }
        for (k, a) in attributes.enumerated() where st.unbandedNumeric.contains(a.name) {
            let levels = Set(tags.map { $0[k] }).count
            if levels > maxUnbandedLevels {
                throw InputError("\(file.header.dataLabel), column '\(a.name)': numeric attribute with \(levels) distinct values; band it, e.g. --band \(a.name):45")
            }
        }
        let approved = pds.map { $0 < st.threshold }
        let options = FairnessAuditOptions(bootstrapReplicates: st.bootstrap, seed: st.seed, confidenceLevel: st.confidence,
                                           minGroupSize: st.minGroupSize, alpha: st.alpha)
        let audit: FairnessAudit
        do {
            audit = try Fairness.audit(labels: labels, approved: approved, scores: pds, threshold: st.threshold,
                                       attributes: attributes, options: options)
        } catch {
            throw InputError("\(file.header.dataLabel): \(error.description)")
        }
        printAudit(audit, threshold: st.threshold)

        if let report {
            var input = AuditReportInput(title: title ?? st.defaultTitle, modelLabel: st.source, dataLabel: file.header.dataLabel,
                                         dataSHA256: file.header.dataSHA256, audit: audit)
            if let recourse { input.recourse = try recourseRows(recourse) }
            let page = AuditReport.html(input)
            try writeReport(page, to: report, pdf: pdf)
        }
        if json {
            let data = try audit.jsonData()
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// Reads the `recourse_by_group` rows of a recourse-verification JSON file.
    static func recourseRows(_ path: String) throws -> [RecourseGroupRow] {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("\(path): cannot be read") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw InputError("\(path): not a JSON object (expected the output of `obligor recourse verify --json`)")
        }
        guard let rows = object["recourse_by_group"] as? [[String: Any]] else {
            throw InputError("\(path): no \"recourse_by_group\" (run `obligor recourse verify` with --sensitive and --json)")
        }
        return try rows.enumerated().map { k, r in
            func number(_ key: String) throws -> Double {
                if let v = r[key] as? NSNumber { return v.doubleValue }
                if let s = r[key] as? String, let v = Double(s) { return v }   // "nan" when nobody is denied
                throw InputError("\(path): recourse_by_group[\(k)] has no number '\(key)'")
            }
            guard let attribute = r["attribute"] as? String, let group = r["group"] as? String else {
                throw InputError("\(path): recourse_by_group[\(k)] needs attribute and group")
            }
            return RecourseGroupRow(attribute: attribute, group: group, n: Int(try number("n")), denied: Int(try number("denied")),
                                    recourse: Int(try number("recourse")), fixed: Int(try number("fixed")),
                                    recourseRate: try number("recourse_rate"), fixedShare: try number("fixed_share"),
                                    pValue: (r["p_value"] as? NSNumber)?.doubleValue)
        }
    }

    /// Reads `path` (columns id, pd) and returns the PD of each row of `loaded`, joined by record id.
    func joinedScores(_ path: String, loaded: LoadedData) throws -> [Double] {
        let (sf, slines) = try CSVReader.readWithLines(path: path)
        guard let sid = sf["id"] else {
            let hint = sf["row"] != nil ? " ('row' pairs scores with records by position, which the audit refuses: score data that has an id column)" : ""
            throw InputError("\(path): no 'id' column (columns: \(sf.columnNames.joined(separator: ", ")))\(hint)")
        }
        guard let spd = sf["pd"] else { throw InputError("\(path): no 'pd' column (columns: \(sf.columnNames.joined(separator: ", ")))") }
        guard let idName = id ?? loaded.roles.id else {
            throw InputError("\(loaded.label): no record id column to join \(path) on: pass --id COL (or import the data with --id)")
        }
        guard let rid = loaded.frame[idName] else {
            throw InputError("\(loaded.label): no id column '\(idName)' (columns: \(loaded.frame.columnNames.prefix(12).joined(separator: ", ")))")
        }
        func sline(_ i: Int) -> String { "\(path), line \(slines[i])" }
        let recordIDs = (0..<rid.count).map { rid.text(at: $0) }
        let scoreIDs = (0..<sid.count).map { sid.text(at: $0) }
        let map: [Int]
        do {
            map = try FairnessGrouping.align(recordIDs: recordIDs, predictionIDs: scoreIDs)
        } catch {
            switch error {
            case let .missingID(side, i):
                throw InputError(side == "scores" ? "\(sline(i)), column 'id': the id is missing"
                                                  : "\(loaded.locate(row: i)), column '\(idName)': the record id is missing")
            case let .duplicateID(side, v, i, first):
                throw InputError(side == "scores" ? "\(sline(i)), column 'id': id '\(v)' repeats (first at line \(slines[first]))"
                                                  : "\(loaded.locate(row: i)), column '\(idName)': record id '\(v)' repeats (first at \(loaded.locate(row: first)))")
            case let .unmatchedIDs(side, count, v, i):
                throw InputError(side == "scores"
                    ? "\(path): \(count) score\(count == 1 ? "" : "s") match no record of \(loaded.label) by '\(idName)' (first: id '\(v)' at line \(slines[i]))"
                    : "\(loaded.label): \(count) record\(count == 1 ? " has" : "s have") no score in \(path) (first: id '\(v)' at \(loaded.locate(row: i)), column '\(idName)')")
            default: throw InputError(error.description)
            }
        }
        var out = [Double](repeating: 0, count: map.count)
        for (r, j) in map.enumerated() {
            guard let v = spd.numericValue(at: j) else { throw InputError("\(sline(j)), column 'pd': the PD is missing or not a number") }
            guard v >= 0 && v <= 1 else { throw InputError("\(sline(j)), column 'pd': PD \(v) is outside [0, 1]") }
            out[r] = v
        }
        return out
    }

    /// Sensitive attributes (banded where asked), privileged groups, intersections, and the numeric attributes
    /// used without a band. `deferChecks` (partials: the data may be one partition of many) leaves the checks
    /// that need every row (privileged value present, two groups, few numeric levels) to the merged rows.
    func buildAttributes(_ loaded: LoadedData, deferChecks: Bool = false) throws -> (attributes: [FairnessAttribute], unbandedNumeric: [String]) {
        var unbandedNumeric: [String] = []
        let frame = loaded.frame
        var bands: [String: FairnessBand] = [:]
        for spec in band {
            guard let colon = spec.lastIndex(of: ":") else { throw ValidationError("--band \(spec): expected COL:c1[,c2…]") }
            let name = String(spec[..<colon])
            let cutText = splitList(String(spec[spec.index(after: colon)...]))
            var cuts: [Double] = []
            for t in cutText {
                guard let v = Double(t) else { throw ValidationError("--band \(spec): '\(t)' is not a number") }
                cuts.append(v)
            }
            guard sensitive.contains(name) else { throw InputError("--band \(spec): '\(name)' is not a --sensitive attribute (\(sensitive.joined(separator: ", ")))") }
            do { bands[name] = try FairnessBand(attribute: name, cuts: cuts) } catch { throw InputError(error.description) }
        }
        var attributes: [FairnessAttribute] = []
        for (k, name) in sensitive.enumerated() {
            guard let col = frame[name] else {
                throw InputError("\(loaded.label): unknown sensitive attribute '\(name)' (columns: \(frame.columnNames.joined(separator: ", ")))")
            }
            var groups: [String]
            if let b = bands[name] {
                guard col.isNumeric else { throw InputError("\(loaded.label), column '\(name)': --band needs a numeric column (found text)") }
                groups = (0..<col.count).map { b.label(col.numericValue(at: $0)) }
            } else {
                groups = (0..<col.count).map { col.text(at: $0) ?? FairnessBand.missingLabel }
                if col.isNumeric { unbandedNumeric.append(name) }
                if col.isNumeric && !deferChecks {
                    let levels = Set(groups).count
                    if levels > Self.maxUnbandedLevels {
                        throw InputError("\(loaded.label), column '\(name)': numeric attribute with \(levels) distinct values; band it, e.g. --band \(name):45")
                    }
                }
            }
            let present = Set(groups)
            let values = splitList(privileged[k])
            guard !values.isEmpty else { throw InputError("--privileged for '\(name)' is empty") }
            for v in values where !present.contains(v) && !deferChecks {
                throw InputError("\(loaded.label), column '\(name)': privileged value '\(v)' does not occur (values: \(present.sorted().prefix(20).joined(separator: ", ")))")
            }
            var priv = values[0]
            if values.count > 1 {
                priv = values.joined(separator: "+")
                let merged = Set(values)
                groups = groups.map { merged.contains($0) ? priv : $0 }
            }
            if Set(groups).count < 2 && !deferChecks {
                throw InputError("\(loaded.label), column '\(name)': attribute '\(name)' has a single group ('\(groups[0])'): there is nothing to compare")
            }
            attributes.append(FairnessAttribute(name: name, groups: groups, privileged: priv))
        }
        for spec in intersect {
            let names = splitList(spec)
            do { attributes.append(try FairnessGrouping.intersection(of: names, in: attributes)) } catch {
                throw InputError("--intersect \(spec): \(error.description) (intersections cross --sensitive attributes)")
            }
        }
        return (attributes, unbandedNumeric)
    }

    static func printAudit(_ a: FairnessAudit, threshold: Double) {
        note("bias audit: \(a.rows) rows, approval rate \(fmt(Double(a.approvals) / Double(max(1, a.rows)), 3)) at PD < \(fmt(threshold, 3)); verdict \(a.verdict.rawValue)")
        for attr in a.attributes {
            note("\n\(attr.name) (privileged \(attr.privileged)): \(attr.verdict.rawValue)")
            note("  " + "group".padding(toLength: 18, withPad: " ", startingAt: 0) + ["n", "approve", "TPR", "FPR", "AUC", "meanPD", "DR", "IR/max"].map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined())
            for g in attr.groups {
                let c = g.counts
                let cells = ["\(c.n)", fmt(c.selectionRate, 3), fmt(c.truePositiveRate, 3), fmt(c.falsePositiveRate, 3),
                             fmt(g.auc, 3), fmt(g.meanPD, 3), fmt(c.defaultRate, 3), fmt(g.impactRatioVsMax, 3)]
                note("  " + String(g.group.prefix(17)).padding(toLength: 18, withPad: " ", startingAt: 0) + cells.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined() + (g.isSmall ? "  (small)" : "") + (g.fourFifthsFlag ? "  (<4/5)" : ""))
            }
            for c in attr.comparisons where !c.isPooled {
                note("  \(c.unprivileged) vs \(c.privileged): SPD \(fmt(c[.statisticalParityDifference], 3)) DI \(fmt(c[.disparateImpact], 3)) EOD \(fmt(c[.equalOpportunityDifference], 3)) AOD \(fmt(c[.averageOddsDifference], 3)) Fisher p \(fmt(c.fisherP)) Holm \(fmt(c.fisherPHolm)) → \(c.verdict.rawValue)")
            }
        }
    }
}

/// The mergeable state of `obligor audit`: the exact histogram (groups of every attribute, PD, outcome) → rows,
/// from which the per-group confusion counts, AUCs, mean PDs, sweeps and bootstrap intervals all follow.
struct AuditState: Codable {
    struct Attribute: Codable, Equatable {
        var name: String
        var privileged: String
        var components: [String]
    }
    var attributes: [Attribute]
    /// Numeric attributes used without --band (at most ``AuditCommand/maxUnbandedLevels`` values, checked on all rows).
    var unbandedNumeric: [String]
    var source: String
    var defaultTitle: String
    var threshold: Double
    var seed: UInt64
    var bootstrap: Int
    var confidence: Double
    var minGroupSize: Int
    var alpha: Double
    var rows: RowHistogram

    enum CodingKeys: String, CodingKey {
        case attributes, unbandedNumeric = "unbanded_numeric", source, defaultTitle = "default_title", threshold, seed, bootstrap, confidence, minGroupSize = "min_group_size", alpha, rows
    }
}
