import Foundation
import ObligorData

/// The roles a dataset's columns play, declared at import.
public struct DatasetRoles: Codable, Sendable, Equatable {
    /// The binary target (1 = default / event).
    public var target: String?
    /// For a two-level text target, the level that means y = 1.
    public var event: String?
    /// The time (vintage, observation date) column for out-of-time work.
    public var time: String?
    /// Coordinate columns (x, y or lon, lat).
    public var coordinates: [String]
    /// A row identifier.
    public var id: String?
    /// Protected attributes: never used as model features by default, used by audits.
    public var sensitive: [String]

    public init(target: String? = nil, event: String? = nil, time: String? = nil, coordinates: [String] = [],
                id: String? = nil, sensitive: [String] = []) {
        self.target = target
        self.event = event
        self.time = time
        self.coordinates = coordinates
        self.id = id
        self.sensitive = sensitive
    }

    /// Every column with a role (these are excluded from default feature lists).
    public var roleColumns: [String] {
        [target, time, id].compactMap { $0 } + coordinates + sensitive
    }
}

/// The stored description of one column.
public struct ColumnInfo: Codable, Sendable, Equatable {
    public let name: String
    public let type: ColumnType
    public let missing: Int
    /// Dictionary of a categorical column, in code order.
    public let levels: [String]?
}

/// A dataset's entry in the workspace.
public struct DatasetInfo: Codable, Sendable, Equatable {
    public let name: String
    public let rows: Int
    public let columns: [ColumnInfo]
    public let roles: DatasetRoles
    /// Where it came from (a file path, or a generator description).
    public let source: String
    /// SHA-256 of the source bytes.
    public let sourceSHA256: String
    public let createdAt: String

    enum CodingKeys: String, CodingKey {
        case name, rows, columns, roles, source
        case sourceSHA256 = "source_sha256"
        case createdAt = "created_at"
    }
}

/// A model as stored: its kind, format version, JSON payload and metadata.
public struct StoredModel: Sendable {
    public let name: String
    public let kind: String
    public let formatVersion: Int
    /// The model's Codable JSON.
    public let payload: Data
    /// Training metadata as JSON (data hash, features, seed, …).
    public let metadata: Data
    public let createdAt: String
}

/// Errors about workspace contents (as opposed to SQLite failures).
public enum WorkspaceError: Error, CustomStringConvertible, Sendable, Equatable {
    case duplicateDataset(String)
    case unknownDataset(String, available: [String])
    case duplicateModel(String)
    case unknownModel(String, available: [String])
    case newerSchema(found: Int, supported: Int)
    case corrupt(String)
    /// A payment-event set of this name exists already.
    case duplicateEventSet(String)
    /// No payment-event set of this name.
    case unknownEventSet(String, available: [String])
    /// Event `index` (0-based, in the order given) breaks the payment-event schema.
    case invalidEvent(index: Int, message: String)

    public var description: String {
        switch self {
        case let .duplicateDataset(n): return "a dataset named '\(n)' already exists in the workspace (choose another --name)"
        case let .unknownDataset(n, a): return "no dataset named '\(n)' in the workspace" + (a.isEmpty ? " (it has none)" : " (available: \(a.joined(separator: ", ")))")
        case let .duplicateModel(n): return "a model named '\(n)' already exists in the workspace (choose another --name)"
        case let .unknownModel(n, a): return "no model named '\(n)' in the workspace" + (a.isEmpty ? " (it has none)" : " (available: \(a.joined(separator: ", ")))")
        case let .newerSchema(f, s): return "the workspace has schema version \(f); this obligor supports up to \(s). Upgrade obligor."
        case let .corrupt(m): return "the workspace is damaged: \(m)"
        case let .duplicateEventSet(n): return "an event set named '\(n)' already exists in the workspace (choose another --name)"
        case let .unknownEventSet(n, a): return "no event set named '\(n)' in the workspace" + (a.isEmpty ? " (it has none; import one with obligor data import-events)" : " (available: \(a.joined(separator: ", ")))")
        case let .invalidEvent(i, m): return "event \(i + 1): \(m)"
        }
    }
}

/// The SQLite workspace (`obligor.sqlite`): datasets with roles, models, runs and scores.
///
/// Every write runs in one transaction, so an error or a crash leaves the workspace as it was.
/// The schema version is SQLite's `user_version`; ``Workspace/migrations`` upgrade older files
/// in order, each in its own transaction.
public final class Workspace {
    let db: SQLiteConnection
    /// The file path.
    public let path: String

    /// Schema migrations; index k upgrades from version k to k + 1. Append only.
    static let migrations: [String] = [
        """
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            table_name TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            source_sha256 TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            schema_json TEXT NOT NULL,
            roles_json TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE models (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            format_version INTEGER NOT NULL,
            payload BLOB NOT NULL,
            metadata_json TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            parameters_json TEXT NOT NULL,
            started_at TEXT NOT NULL,
            seconds REAL NOT NULL,
            metrics_json TEXT NOT NULL
        );
        CREATE TABLE scores (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            model TEXT NOT NULL,
            dataset TEXT NOT NULL,
            row INTEGER NOT NULL,
            id TEXT,
            pd REAL NOT NULL,
            PRIMARY KEY (run_id, row)
        );
        """,
        // 2: recourse verification's per-part reachable sets (ObligorRecourse), shared across rows and runs.
        """
        CREATE TABLE recourse_part_sets (
            action_set_sha256 TEXT NOT NULL,
            part INTEGER NOT NULL,
            part_key TEXT NOT NULL,
            features TEXT NOT NULL,
            n_points INTEGER NOT NULL,
            points BLOB NOT NULL,
            costs BLOB NOT NULL,
            PRIMARY KEY (action_set_sha256, part, part_key)
        );
        """,
        // 3: CALM LLM scoring (`obligor calm score`), one row per scored record so an interrupted run resumes.
        """
        CREATE TABLE calm_results (
            run TEXT NOT NULL,
            dataset TEXT NOT NULL,
            split TEXT NOT NULL,
            record_id INTEGER NOT NULL,
            source_row INTEGER NOT NULL,
            gold TEXT NOT NULL,
            p_favourable REAL NOT NULL,
            p_unfavourable REAL NOT NULL,
            coverage REAL NOT NULL,
            p_good REAL,
            answer TEXT,
            greedy_text TEXT,
            top_tokens_json TEXT NOT NULL,
            backend TEXT NOT NULL,
            scored_at TEXT NOT NULL,
            PRIMARY KEY (run, dataset, split, record_id)
        );
        """,
        // 4: payment-event sets for LBSF (`obligor data import-events`); SQL in PaymentEvents.swift.
        paymentEventsMigration,
    ]

    /// The schema version this build writes.
    public static var schemaVersion: Int { migrations.count }

    /// Opens (creating if needed) the workspace at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        db = try SQLiteConnection(path: path)
        try db.execute("PRAGMA foreign_keys = ON; PRAGMA journal_mode = DELETE;")
        try migrate()
    }

    /// The workspace path from `--workspace`, else `OBLIGOR_WORKSPACE`, else `./obligor.sqlite`.
    public static func defaultPath(explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["OBLIGOR_WORKSPACE"], !env.isEmpty { return env }
        return "obligor.sqlite"
    }

    func userVersion() throws -> Int {
        let s = try db.prepare("PRAGMA user_version")
        _ = try s.step()
        return Int(s.int(0))
    }

    func migrate() throws {
        let current = try userVersion()
        if current > Self.migrations.count { throw WorkspaceError.newerSchema(found: current, supported: Self.migrations.count) }
        for v in current..<Self.migrations.count {
            try db.transaction {
                try db.execute(Self.migrations[v])
                try db.execute("PRAGMA user_version = \(v + 1)")
            }
        }
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    // MARK: Datasets

    /// Imports `frame` as dataset `name`, all or nothing.
    /// - Throws: ``WorkspaceError/duplicateDataset(_:)`` when the name is taken; SQLite errors roll back.
    @discardableResult
    public func importDataset(name: String, frame: Frame, roles: DatasetRoles, source: String, sourceSHA256: String,
                              progress: ((Int) -> Void)? = nil) throws -> DatasetInfo {
        try db.transaction { try insertDataset(name: name, frame: frame, roles: roles, source: source, sourceSHA256: sourceSHA256, progress: progress) }
    }

    /// Imports several datasets in one transaction: all of them, or none.
    @discardableResult
    public func importDatasets(_ items: [(name: String, frame: Frame)], roles: DatasetRoles, source: String, sourceSHA256: String) throws -> [DatasetInfo] {
        try db.transaction {
            try items.map { try insertDataset(name: $0.name, frame: $0.frame, roles: roles, source: source, sourceSHA256: sourceSHA256, progress: nil) }
        }
    }

    private func insertDataset(name: String, frame: Frame, roles: DatasetRoles, source: String, sourceSHA256: String,
                               progress: ((Int) -> Void)?) throws -> DatasetInfo {
        let columns = frame.columns.map { c -> ColumnInfo in
            var levels: [String]? = nil
            if case let .categorical(_, l) = c.values { levels = l }
            return ColumnInfo(name: c.name, type: c.type, missing: c.missingCount, levels: levels)
        }
        let info = DatasetInfo(name: name, rows: frame.rowCount, columns: columns, roles: roles, source: source,
                               sourceSHA256: sourceSHA256, createdAt: Self.timestamp())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let exists = try db.prepare("SELECT 1 FROM datasets WHERE name = ?")
            try exists.bind([.text(name)])
            if try exists.step() { throw WorkspaceError.duplicateDataset(name) }
            let insert = try db.prepare("""
                INSERT INTO datasets (name, table_name, source, source_sha256, row_count, schema_json, roles_json, created_at)
                VALUES (?, '', ?, ?, ?, ?, ?, ?)
                """)
            try insert.bind([.text(name), .text(source), .text(sourceSHA256), .integer(Int64(frame.rowCount)),
                             .text(String(decoding: try encoder.encode(columns), as: UTF8.self)),
                             .text(String(decoding: try encoder.encode(roles), as: UTF8.self)), .text(info.createdAt)])
            try insert.run()
            let id = db.lastInsertRowID
            let table = "dataset_\(id)"
            try db.execute("UPDATE datasets SET table_name = '\(table)' WHERE id = \(id)")
            let defs = frame.columns.map { c -> String in
                let t = c.type == .double ? "REAL" : (c.type == .int ? "INTEGER" : "TEXT")
                return "\(quoteIdentifier(c.name)) \(t)"
            }
            try db.execute("CREATE TABLE \(table) (_row INTEGER PRIMARY KEY, \(defs.joined(separator: ", ")))")
            try insertRows(frame, table: table, progress: progress)
        }
        return info
    }

    private func insertRows(_ frame: Frame, table: String, progress: ((Int) -> Void)?) throws {
        let names = frame.columns.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: frame.columns.count + 1).joined(separator: ", ")
        let stmt = try db.prepare("INSERT INTO \(table) (_row, \(names)) VALUES (\(marks))")
        let cols = frame.columns
        for i in 0..<frame.rowCount {
            stmt.bindInt(Int64(i), at: 1)
            for (k, c) in cols.enumerated() {
                let idx = Int32(k + 2)
                if c.missing[i] { stmt.bindNull(at: idx); continue }
                switch c.values {
                case let .double(v): stmt.bindDouble(v[i], at: idx)
                case let .int(v): stmt.bindInt(Int64(v[i]), at: idx)
                case let .categorical(codes, levels): stmt.bindText(levels[Int(codes[i])], at: idx)
                }
            }
            try stmt.run()
            if let progress, i % 100_000 == 99_999 { progress(i + 1) }
        }
    }

    /// All datasets, by name.
    public func datasets() throws -> [DatasetInfo] {
        let s = try db.prepare("SELECT name FROM datasets ORDER BY name")
        var names: [String] = []
        while try s.step() { names.append(s.text(0) ?? "") }
        return try names.map { try dataset(named: $0) }
    }

    /// The dataset called `name`.
    public func dataset(named name: String) throws -> DatasetInfo {
        let s = try db.prepare("SELECT source, source_sha256, row_count, schema_json, roles_json, created_at FROM datasets WHERE name = ?")
        try s.bind([.text(name)])
        guard try s.step() else { throw WorkspaceError.unknownDataset(name, available: try datasetNames()) }
        let decoder = JSONDecoder()
        let columns = try decoder.decode([ColumnInfo].self, from: Data((s.text(3) ?? "[]").utf8))
        let roles = try decoder.decode(DatasetRoles.self, from: Data((s.text(4) ?? "{}").utf8))
        return DatasetInfo(name: name, rows: Int(s.int(2)), columns: columns, roles: roles, source: s.text(0) ?? "",
                           sourceSHA256: s.text(1) ?? "", createdAt: s.text(5) ?? "")
    }

    func datasetNames() throws -> [String] {
        let s = try db.prepare("SELECT name FROM datasets ORDER BY name")
        var names: [String] = []
        while try s.step() { names.append(s.text(0) ?? "") }
        return names
    }

    /// True when a dataset of this name exists.
    public func hasDataset(_ name: String) throws -> Bool { try datasetNames().contains(name) }

    /// Loads a dataset's rows back into a ``Frame`` with the stored types and category order.
    public func loadFrame(named name: String) throws -> Frame {
        let info = try dataset(named: name)
        let t = try db.prepare("SELECT table_name FROM datasets WHERE name = ?")
        try t.bind([.text(name)])
        guard try t.step(), let table = t.text(0) else { throw WorkspaceError.corrupt("dataset '\(name)' has no table") }
        let names = info.columns.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        let s = try db.prepare("SELECT \(names) FROM \(table) ORDER BY _row")
        let n = info.rows
        var doubles = info.columns.map { $0.type == .double ? [Double](repeating: 0, count: n) : [] }
        var ints = info.columns.map { $0.type == .int ? [Int](repeating: 0, count: n) : [] }
        var codes = info.columns.map { $0.type == .categorical ? [Int32](repeating: -1, count: n) : [] }
        var missing = info.columns.map { _ in [Bool](repeating: false, count: n) }
        let levelIndex: [[String: Int32]] = info.columns.map { c in
            Dictionary(uniqueKeysWithValues: (c.levels ?? []).enumerated().map { ($1, Int32($0)) })
        }
        var row = 0
        while try s.step() {
            guard row < n else { throw WorkspaceError.corrupt("dataset '\(name)' has more rows than recorded") }
            for (k, c) in info.columns.enumerated() {
                let idx = Int32(k)
                if s.isNull(idx) { missing[k][row] = true; continue }
                switch c.type {
                case .double: doubles[k][row] = s.double(idx)
                case .int: ints[k][row] = Int(s.int(idx))
                case .categorical:
                    let text = s.text(idx) ?? ""
                    guard let code = levelIndex[k][text] else {
                        throw WorkspaceError.corrupt("dataset '\(name)', column '\(c.name)': value '\(text)' is not in its dictionary")
                    }
                    codes[k][row] = code
                }
            }
            row += 1
        }
        guard row == n else { throw WorkspaceError.corrupt("dataset '\(name)' has \(row) rows, \(n) recorded") }
        let columns: [Column] = info.columns.enumerated().map { k, c in
            switch c.type {
            case .double: return Column(name: c.name, values: .double(doubles[k]), missing: missing[k])
            case .int: return Column(name: c.name, values: .int(ints[k]), missing: missing[k])
            case .categorical: return Column(name: c.name, values: .categorical(codes: codes[k], levels: c.levels ?? []), missing: missing[k])
            }
        }
        return try Frame(columns)
    }

    // MARK: Models

    /// Stores a model. With `replace`, an existing model of that name is overwritten in the same transaction.
    public func saveModel(name: String, kind: String, formatVersion: Int, payload: Data, metadata: Data, replace: Bool = false) throws {
        try db.transaction {
            let exists = try db.prepare("SELECT 1 FROM models WHERE name = ?")
            try exists.bind([.text(name)])
            if try exists.step() {
                if !replace { throw WorkspaceError.duplicateModel(name) }
                let del = try db.prepare("DELETE FROM models WHERE name = ?")
                try del.bind([.text(name)])
                try del.run()
            }
            let s = try db.prepare("INSERT INTO models (name, kind, format_version, payload, metadata_json, created_at) VALUES (?, ?, ?, ?, ?, ?)")
            try s.bind([.text(name), .text(kind), .integer(Int64(formatVersion)), .blob(Array(payload)),
                        .text(String(decoding: metadata, as: UTF8.self)), .text(Self.timestamp())])
            try s.run()
        }
    }

    /// The model called `name`.
    public func model(named name: String) throws -> StoredModel {
        let s = try db.prepare("SELECT kind, format_version, payload, metadata_json, created_at FROM models WHERE name = ?")
        try s.bind([.text(name)])
        guard try s.step() else { throw WorkspaceError.unknownModel(name, available: try modelNames()) }
        return StoredModel(name: name, kind: s.text(0) ?? "", formatVersion: Int(s.int(1)), payload: Data(s.blob(2)),
                           metadata: Data((s.text(3) ?? "{}").utf8), createdAt: s.text(4) ?? "")
    }

    /// Model names in order.
    public func modelNames() throws -> [String] {
        let s = try db.prepare("SELECT name FROM models ORDER BY name")
        var names: [String] = []
        while try s.step() { names.append(s.text(0) ?? "") }
        return names
    }

    // MARK: Runs and scores

    /// Records a finished command with its parameters, timing and metrics (JSON objects).
    @discardableResult
    public func recordRun(command: String, parameters: Data, seconds: Double, metrics: Data) throws -> Int64 {
        try db.transaction {
            let s = try db.prepare("INSERT INTO runs (command, parameters_json, started_at, seconds, metrics_json) VALUES (?, ?, ?, ?, ?)")
            try s.bind([.text(command), .text(String(decoding: parameters, as: UTF8.self)), .text(Self.timestamp()),
                        .real(seconds), .text(String(decoding: metrics, as: UTF8.self))])
            try s.run()
            return db.lastInsertRowID
        }
    }

    /// Records a scoring run and its PDs together, in one transaction.
    @discardableResult
    public func recordScores(command: String, parameters: Data, seconds: Double, model: String, dataset: String,
                             rows: [Int], ids: [String?], pds: [Double]) throws -> Int64 {
        precondition(rows.count == pds.count && ids.count == pds.count, "recordScores: lengths differ")
        return try db.transaction {
            let r = try db.prepare("INSERT INTO runs (command, parameters_json, started_at, seconds, metrics_json) VALUES (?, ?, ?, ?, '{}')")
            try r.bind([.text(command), .text(String(decoding: parameters, as: UTF8.self)), .text(Self.timestamp()), .real(seconds)])
            try r.run()
            let runID = db.lastInsertRowID
            let s = try db.prepare("INSERT INTO scores (run_id, model, dataset, row, id, pd) VALUES (?, ?, ?, ?, ?, ?)")
            for k in 0..<pds.count {
                try s.bind([.integer(runID), .text(model), .text(dataset), .integer(Int64(rows[k])),
                            ids[k].map { .text($0) } ?? .null, .real(pds[k])])
                try s.run()
            }
            return runID
        }
    }

    /// Number of rows in a workspace table (for tests and `describe`).
    public func count(table: String) throws -> Int {
        let s = try db.prepare("SELECT COUNT(*) FROM \(quoteIdentifier(table))")
        _ = try s.step()
        return Int(s.int(0))
    }

    /// A deterministic text dump of every table's contents, for checking that a failed command changed nothing.
    public func contentFingerprint() throws -> String {
        let t = try db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        var tables: [String] = []
        while try t.step() { tables.append(t.text(0) ?? "") }
        var digest = SHA256Digest()
        for table in tables {
            digest.update(Array("table \(table)\n".utf8))
            let s = try db.prepare("SELECT * FROM \(quoteIdentifier(table)) ORDER BY rowid")
            while try s.step() {
                var line = ""
                for i in 0..<s.columnCount { line += "\(s.value(i))|" }
                digest.update(Array((line + "\n").utf8))
            }
        }
        return digest.finalizeHex()
    }
}
