import CSQLite
import Foundation

/// An error from SQLite, with the result code, SQLite's message and the statement that failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (for example 19 = SQLITE_CONSTRAINT).
    public let code: Int32
    /// `sqlite3_errmsg` at the time of failure.
    public let message: String
    /// The SQL being run, if any.
    public let sql: String?

    public var description: String {
        var s = "SQLite error \(code): \(message)"
        if let sql { s += " — while executing `\(sql.prefix(200))`" }
        return s
    }
}

/// A thin owner of one `sqlite3*` connection: the only place in Obligor that calls SQLite's C API.
///
/// Obligor uses the C API directly rather than GRDB: the workspace needs a handful of statements,
/// explicit transactions and migrations, and the wrapper costs nothing at build time (GRDB adds
/// about 70 s of CPU to a debug build and 3 min to a release build on the 2-core CI machine).
final class SQLiteConnection {
    private(set) var handle: OpaquePointer?
    let path: String

    init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        if rc != SQLITE_OK {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLiteError(code: rc, message: "\(msg) (\(path))", sql: nil)
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    func lastError(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws(SQLiteError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "error"
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: msg, sql: sql)
        }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw lastError(rc, sql: sql) }
        return SQLiteStatement(stmt, connection: self, sql: sql)
    }

    /// Runs `body` in one `BEGIN IMMEDIATE … COMMIT`; any thrown error rolls everything back.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A value bound to or read from a statement.
enum SQLValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A prepared statement; finalised on deinit.
final class SQLiteStatement {
    let stmt: OpaquePointer
    unowned let connection: SQLiteConnection
    let sql: String

    init(_ stmt: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.stmt = stmt
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    func bind(_ values: [SQLValue]) throws(SQLiteError) {
        for (k, v) in values.enumerated() { try bind(v, at: Int32(k + 1)) }
    }

    func bind(_ value: SQLValue, at index: Int32) throws(SQLiteError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(stmt, index)
        case let .integer(i): rc = sqlite3_bind_int64(stmt, index, i)
        case let .real(d): rc = sqlite3_bind_double(stmt, index, d)
        case let .text(s): rc = sqlite3_bind_text(stmt, index, s, -1, csqlite_transient())
        case let .blob(b):
            rc = b.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32(b.count), csqlite_transient()) }
        }
        if rc != SQLITE_OK { throw connection.lastError(rc, sql: sql) }
    }

    @inline(__always) func bindDouble(_ d: Double, at index: Int32) { sqlite3_bind_double(stmt, index, d) }
    @inline(__always) func bindInt(_ i: Int64, at index: Int32) { sqlite3_bind_int64(stmt, index, i) }
    @inline(__always) func bindNull(at index: Int32) { sqlite3_bind_null(stmt, index) }
    @inline(__always) func bindText(_ s: String, at index: Int32) { sqlite3_bind_text(stmt, index, s, -1, csqlite_transient()) }

    /// Steps once; true when a row is available.
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.lastError(rc, sql: sql)
    }

    /// Steps to completion, then resets for reuse.
    func run() throws(SQLiteError) {
        defer { sqlite3_reset(stmt) }
        while try step() {}
    }

    var columnCount: Int32 { sqlite3_column_count(stmt) }

    func columnType(_ i: Int32) -> Int32 { sqlite3_column_type(stmt, i) }
    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
    func text(_ i: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, i) else { return nil }
        return String(cString: p)
    }
    func blob(_ i: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
    func value(_ i: Int32) -> SQLValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .integer(int(i))
        case SQLITE_FLOAT: return .real(double(i))
        case SQLITE_TEXT: return .text(text(i) ?? "")
        case SQLITE_BLOB: return .blob(blob(i))
        default: return .null
        }
    }
}

/// Quotes an SQL identifier.
func quoteIdentifier(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
