import ArgumentParser
import Foundation
import ObligorData
import ObligorStore

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Import, list and describe datasets in the workspace.",
        subcommands: [DataImport.self, DataImportEvents.self, DataImportFreddie.self, DataGenerate.self, DataList.self, DataDescribe.self, DataSplit.self])
}

struct DataImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV file as a named dataset, all or nothing.",
        discussion: """
        The file is read and checked completely before the workspace is touched; a bad file leaves the workspace \
        exactly as it was. Errors name the file, line and column.
        """)

    @Argument(help: "CSV file with a header row.") var file: String
    @Option(help: "Dataset name in the workspace.") var name: String
    @Option(help: "Binary target column (1 = default).") var target: String?
    @Option(help: "For a text target, the value that means default (y = 1).") var event: String?
    @Option(help: "Time column (vintage or observation date) for out-of-time work.") var time: String?
    @Option(help: "Coordinate columns, X,Y or lon,lat.") var coords: String?
    @Option(help: "Row identifier column.") var id: String?
    @Option(help: "Protected attributes, comma separated (excluded from default features).") var sensitive: String?
    @Option(help: "Declared column types, e.g. zip=categorical,term=int (double|int|categorical).") var types: String?
    @Option(help: "Extra tokens read as missing, comma separated (defaults: empty, NA, N/A, NULL, null, ?).") var na: String?
    @Option(help: "Field delimiter (default ,).") var delimiter: String = ","
    @Flag(help: "Print the dataset description as JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func validate() throws {
        if name.isEmpty { throw ValidationError("--name must not be empty") }
        if delimiter.utf8.count != 1 { throw ValidationError("--delimiter must be one character") }
        if let c = coords, splitList(c).count != 2 { throw ValidationError("--coords takes two columns, X,Y") }
    }

    func run() throws {
        var options = CSVOptions(delimiter: delimiter.utf8.first!)
        for token in splitList(na) { options.missingTokens.insert(token) }
        for spec in splitList(types) {
            let parts = spec.split(separator: "=").map(String.init)
            guard parts.count == 2, let t = ColumnType(rawValue: parts[1]) else {
                throw ValidationError("--types entries look like COLUMN=double|int|categorical, found '\(spec)'")
            }
            options.types[parts[0]] = t
        }
        note("reading \(file) …")
        let ((frame, lines), seconds) = try timed { try CSVReader.readWithLines(path: file, options: options) }
        note("read \(frame.rowCount) rows × \(frame.columns.count) columns in \(fmt(seconds, 2)) s")
        let roles = DatasetRoles(target: target, event: event, time: time, coordinates: splitList(coords), id: id,
                                 sensitive: splitList(sensitive))
        // Every role must name a column.
        let roleFlags: [(String, String?)] = [("--target", target), ("--time", time), ("--id", id)]
            + splitList(coords).map { ("--coords", $0) } + splitList(sensitive).map { ("--sensitive", $0) }
        for (flag, col) in roleFlags {
            if let col, frame[col] == nil {
                throw InputError("\(file): \(flag) names column '\(col)', which is not in the header (columns: \(frame.columnNames.prefix(12).joined(separator: ", ")))")
            }
        }
        let loaded = LoadedData(frame: frame, label: file, roles: roles, sha256: "", lines: lines)
        if let target {
            let y = try loaded.labels(target: target)
            let bads = y.reduce(0, +)
            if bads == 0 || bads == y.count {
                throw InputError("\(file), column '\(target)': the target has only one class (\(bads) defaults in \(y.count) rows)")
            }
        }
        if let id, let col = frame[id] {
            var seen = Set<String>()
            for i in 0..<col.count {
                guard let v = col.text(at: i) else { throw InputError("\(file), line \(lines[i]), column '\(id)': the id is missing") }
                if !seen.insert(v).inserted { throw InputError("\(file), line \(lines[i]), column '\(id)': id '\(v)' repeats") }
            }
        }
        for c in splitList(coords) where frame[c]?.isNumeric == false {
            throw InputError("\(file), column '\(c)': coordinates must be numeric")
        }
        let sha = try fileSHA256(file)
        let ws = try workspace.open()
        if try ws.hasDataset(name) { throw WorkspaceError.duplicateDataset(name) }
        let (info, writeSeconds) = try timed {
            try ws.importDataset(name: name, frame: frame, roles: roles, source: file, sourceSHA256: sha) { n in
                note("  stored \(n) rows …")
            }
        }
        note("imported '\(name)': \(info.rows) rows, \(info.columns.count) columns into \(ws.path) (\(fmt(writeSeconds, 2)) s)")
        if json { try printJSON(try jsonObject(info)) }
    }
}

struct DataList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the workspace's datasets.")
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        let ws = try workspace.openExisting()
        let all = try ws.datasets()
        let eventSets = try ws.paymentEventSets()
        if json {
            try printJSON(["datasets": all.map { ["name": $0.name, "rows": $0.rows, "columns": $0.columns.count,
                                                  "target": $0.roles.target as Any, "source": $0.source, "created_at": $0.createdAt] as [String: Any] },
                           "event_sets": try eventSets.map { try jsonObject($0) }])
            return
        }
        if all.isEmpty && eventSets.isEmpty { note("no datasets in \(ws.path)"); return }
        if !all.isEmpty {
            note(pad("name", 24) + pad("rows", 10) + pad("cols", 6) + pad("target", 20) + "source")
            for d in all {
                note(pad(d.name, 24) + pad("\(d.rows)", 10) + pad("\(d.columns.count)", 6) + pad(d.roles.target ?? "-", 20) + d.source)
            }
        }
        if !eventSets.isEmpty {
            note("payment event sets:")
            note(pad("name", 24) + pad("events", 12) + pad("users", 10) + "source")
            for e in eventSets { note(pad(e.name, 24) + pad("\(e.events)", 12) + pad("\(e.users)", 10) + e.source) }
        }
    }
}

struct DataDescribe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Rows, roles, and each column's type and missing count.")
    @Argument(help: "Dataset name.") var name: String
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        let ws = try workspace.openExisting()
        let info = try ws.dataset(named: name)
        let frame = try ws.loadFrame(named: name)
        var columns: [[String: Any]] = []
        for c in frame.columns {
            var entry: [String: Any] = ["name": c.name, "type": c.type.rawValue, "missing": c.missingCount]
            if let values = c.doubles(missingAs: .nan)?.filter({ !$0.isNaN }), !values.isEmpty {
                entry["min"] = values.min()!
                entry["max"] = values.max()!
                entry["mean"] = values.reduce(0, +) / Double(values.count)
            }
            if case let .categorical(_, levels) = c.values { entry["levels"] = levels.count }
            columns.append(entry)
        }
        var roles: [String: Any] = [:]
        if let t = info.roles.target { roles["target"] = t }
        if let e = info.roles.event { roles["event"] = e }
        if let t = info.roles.time { roles["time"] = t }
        if let i = info.roles.id { roles["id"] = i }
        if !info.roles.coordinates.isEmpty { roles["coordinates"] = info.roles.coordinates }
        if !info.roles.sensitive.isEmpty { roles["sensitive"] = info.roles.sensitive }
        var out: [String: Any] = ["name": info.name, "rows": info.rows, "roles": roles, "columns": columns,
                                  "source": info.source, "source_sha256": info.sourceSHA256, "created_at": info.createdAt]
        if let t = info.roles.target, let y = try? frame.binaryTarget(t, event: info.roles.event) {
            out["defaults"] = y.reduce(0, +)
            out["default_rate"] = Double(y.reduce(0, +)) / Double(max(1, y.count))
        }
        if json { try printJSON(out); return }
        note("\(info.name): \(info.rows) rows from \(info.source)")
        note("roles: " + roles.keys.sorted().map { "\($0)=\(roles[$0]!)" }.joined(separator: "  "))
        note(pad("column", 32) + pad("type", 13) + pad("missing", 9) + "summary")
        for c in columns {
            var summary = ""
            if let mn = c["min"] as? Double, let mx = c["max"] as? Double, let m = c["mean"] as? Double {
                summary = "min \(fmt(mn, 3))  mean \(fmt(m, 3))  max \(fmt(mx, 3))"
            } else if let l = c["levels"] as? Int { summary = "\(l) levels" }
            note(pad(c["name"] as! String, 32) + pad(c["type"] as! String, 13) + pad("\(c["missing"]!)", 9) + summary)
        }
    }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

struct DataSplit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split a dataset into NAME-train and NAME-test.",
        discussion: """
        Stratified random (the default): each class keeps its share; --seed fixes the draw.

        Out-of-time (--until T): rows with time ≤ T train, later rows test (numeric times compare as numbers, text \
        times as ISO strings).
        """)

    @Argument(help: "Dataset name.") var name: String
    @Option(name: .customLong("test-fraction"), help: "Share of rows for the test set (stratified split).") var testFraction: Double = 0.3
    @Option(help: "Random seed of the stratified split.") var seed: UInt64 = 1
    @Option(help: "Out-of-time split: train on time ≤ this value (uses the time role or --time).") var until: String?
    @Option(help: "Time column (default: the dataset's time role).") var time: String?
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func validate() throws {
        if !(testFraction > 0 && testFraction < 1) { throw ValidationError("--test-fraction must be in (0, 1)") }
    }

    func run() throws {
        let ws = try workspace.openExisting()
        let info = try ws.dataset(named: name)
        let frame = try ws.loadFrame(named: name)
        let part: Splits.Partition
        var method: String
        if let until {
            guard let timeColumn = time ?? info.roles.time else { throw InputError("--until needs a time column (--time, or a dataset imported with --time)") }
            part = try Splits.byTime(frame, timeColumn: timeColumn, trainUntil: until)
            method = "out-of-time on \(timeColumn) ≤ \(until)"
        } else {
            guard let target = info.roles.target else { throw InputError("dataset '\(name)' has no target role to stratify on; use --until for a time split") }
            let labels = try frame.binaryTarget(target, event: info.roles.event)
            part = Splits.stratified(labels: labels, testFraction: testFraction, seed: seed)
            method = "stratified random, test fraction \(testFraction), seed \(seed)"
        }
        guard !part.train.isEmpty, !part.test.isEmpty else { throw InputError("the split leaves an empty part (\(part.train.count) train, \(part.test.count) test rows)") }
        for (suffix, rows) in [("train", part.train), ("test", part.test)] where try ws.hasDataset("\(name)-\(suffix)") {
            _ = rows
            throw WorkspaceError.duplicateDataset("\(name)-\(suffix)")
        }
        let source = "split of \(name) (\(method))"
        try ws.importDatasets([
            ("\(name)-train", frame.selectingRows(part.train)),
            ("\(name)-test", frame.selectingRows(part.test)),
        ], roles: info.roles, source: source, sourceSHA256: info.sourceSHA256)
        note("\(name)-train: \(part.train.count) rows, \(name)-test: \(part.test.count) rows (\(method))"
             + (part.excluded.isEmpty ? "" : "; \(part.excluded.count) rows without a time left out"))
        if json { try printJSON(["train": part.train.count, "test": part.test.count, "excluded": part.excluded.count, "method": method]) }
    }
}
