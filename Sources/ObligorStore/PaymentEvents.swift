import Foundation

/// One payment event as the workspace stores it (`obligor data import-events`).
///
/// ObligorStore does not know ObligorSequences' category list, so the category is kept as its text
/// name; the CLI checks it (and every other field) before anything is written.
public struct StoredPaymentEvent: Sendable, Equatable {
    /// User id, ≥ 0.
    public var user: Int
    /// Merchant id, ≥ 0.
    public var merchant: Int
    /// Seconds since the Unix epoch (UTC).
    public var timestamp: Int64
    /// Amount in currency units, finite and ≥ 0 (stored as an 8-byte IEEE double, so it reads back exactly).
    public var amount: Double
    /// Category name (`grocery`, `small_loan`, …), not empty.
    public var category: String
    /// Free-text description.
    public var description: String

    /// An event from its fields.
    public init(user: Int, merchant: Int, timestamp: Int64, amount: Double, category: String, description: String) {
        self.user = user; self.merchant = merchant; self.timestamp = timestamp
        self.amount = amount; self.category = category; self.description = description
    }
}

/// A named set of payment events in the workspace.
public struct PaymentEventSetInfo: Sendable, Equatable, Codable {
    /// The set's name (`--name` at import).
    public let name: String
    /// Number of events.
    public let events: Int
    /// Number of distinct users.
    public let users: Int
    /// Earliest timestamp (epoch seconds); nil for an empty set.
    public let firstTimestamp: Int64?
    /// Latest timestamp (epoch seconds); nil for an empty set.
    public let lastTimestamp: Int64?
    /// Where the events came from (a file path).
    public let source: String
    /// SHA-256 of the source bytes.
    public let sourceSHA256: String
    /// When it was imported (ISO 8601).
    public let createdAt: String

    enum CodingKeys: String, CodingKey {
        case name, events, users, source
        case firstTimestamp = "first_timestamp"
        case lastTimestamp = "last_timestamp"
        case sourceSHA256 = "source_sha256"
        case createdAt = "created_at"
    }
}

extension Workspace {
    /// Migration 4: payment-event sets (LBSF inputs). Events keep their import order (`seq`), so a set
    /// reads back exactly as its file was read; the index on (set, user, merchant, time) makes folding
    /// by merchant one ordered scan. The CHECK constraints restate the import's validation.
    static let paymentEventsMigration = """
        CREATE TABLE payment_event_sets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            source_sha256 TEXT NOT NULL,
            event_count INTEGER NOT NULL CHECK (event_count >= 0),
            user_count INTEGER NOT NULL CHECK (user_count >= 0),
            first_ts INTEGER,
            last_ts INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE TABLE payment_events (
            set_id INTEGER NOT NULL REFERENCES payment_event_sets(id),
            seq INTEGER NOT NULL,
            user_id INTEGER NOT NULL CHECK (user_id >= 0),
            merchant_id INTEGER NOT NULL CHECK (merchant_id >= 0),
            ts INTEGER NOT NULL,
            amount REAL NOT NULL CHECK (amount >= 0),
            category TEXT NOT NULL CHECK (length(category) > 0),
            description TEXT NOT NULL,
            PRIMARY KEY (set_id, seq)
        );
        CREATE INDEX payment_events_fold ON payment_events (set_id, user_id, merchant_id, ts);
        """

    /// Stores `events` as the set `name`, all or nothing, in one transaction.
    ///
    /// - Throws: ``WorkspaceError/duplicateEventSet(_:)`` when the name is taken,
    ///   ``WorkspaceError/invalidEvent(index:message:)`` for an event that breaks the schema (negative id or
    ///   amount, non-finite amount, empty category); in either case nothing is written.
    @discardableResult
    public func importPaymentEvents(name: String, events: [StoredPaymentEvent], source: String, sourceSHA256: String,
                                    progress: ((Int) -> Void)? = nil) throws -> PaymentEventSetInfo {
        for (i, e) in events.enumerated() {
            if e.user < 0 { throw WorkspaceError.invalidEvent(index: i, message: "negative user id \(e.user)") }
            if e.merchant < 0 { throw WorkspaceError.invalidEvent(index: i, message: "negative merchant id \(e.merchant)") }
            if !e.amount.isFinite || e.amount < 0 { throw WorkspaceError.invalidEvent(index: i, message: "amount \(e.amount) is not a finite number ≥ 0") }
            if e.category.isEmpty { throw WorkspaceError.invalidEvent(index: i, message: "empty category") }
        }
        let info = PaymentEventSetInfo(name: name, events: events.count, users: Set(events.map(\.user)).count,
                                       firstTimestamp: events.map(\.timestamp).min(), lastTimestamp: events.map(\.timestamp).max(),
                                       source: source, sourceSHA256: sourceSHA256, createdAt: Self.timestamp())
        try db.transaction {
            if try hasPaymentEvents(name) { throw WorkspaceError.duplicateEventSet(name) }
            let set = try db.prepare("""
                INSERT INTO payment_event_sets (name, source, source_sha256, event_count, user_count, first_ts, last_ts, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try set.bind([.text(name), .text(source), .text(sourceSHA256), .integer(Int64(info.events)), .integer(Int64(info.users)),
                          info.firstTimestamp.map { .integer($0) } ?? .null, info.lastTimestamp.map { .integer($0) } ?? .null,
                          .text(info.createdAt)])
            try set.run()
            let id = db.lastInsertRowID
            let insert = try db.prepare("""
                INSERT INTO payment_events (set_id, seq, user_id, merchant_id, ts, amount, category, description)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (i, e) in events.enumerated() {
                insert.bindInt(id, at: 1)
                insert.bindInt(Int64(i), at: 2)
                insert.bindInt(Int64(e.user), at: 3)
                insert.bindInt(Int64(e.merchant), at: 4)
                insert.bindInt(e.timestamp, at: 5)
                insert.bindDouble(e.amount, at: 6)
                insert.bindText(e.category, at: 7)
                insert.bindText(e.description, at: 8)
                try insert.run()
                if let progress, i % 1_000_000 == 999_999 { progress(i + 1) }
            }
        }
        return info
    }

    /// True when an event set of this name exists.
    public func hasPaymentEvents(_ name: String) throws -> Bool {
        let s = try db.prepare("SELECT 1 FROM payment_event_sets WHERE name = ?")
        try s.bind([.text(name)])
        return try s.step()
    }

    /// All event sets, by name.
    public func paymentEventSets() throws -> [PaymentEventSetInfo] {
        try paymentEventSetNames().map { try paymentEventSet(named: $0) }
    }

    /// The event set called `name`.
    /// - Throws: ``WorkspaceError/unknownEventSet(_:available:)`` when there is none.
    public func paymentEventSet(named name: String) throws -> PaymentEventSetInfo {
        let s = try db.prepare("""
            SELECT event_count, user_count, first_ts, last_ts, source, source_sha256, created_at FROM payment_event_sets WHERE name = ?
            """)
        try s.bind([.text(name)])
        guard try s.step() else { throw WorkspaceError.unknownEventSet(name, available: try paymentEventSetNames()) }
        return PaymentEventSetInfo(name: name, events: Int(s.int(0)), users: Int(s.int(1)),
                                   firstTimestamp: s.isNull(2) ? nil : s.int(2), lastTimestamp: s.isNull(3) ? nil : s.int(3),
                                   source: s.text(4) ?? "", sourceSHA256: s.text(5) ?? "", createdAt: s.text(6) ?? "")
    }

    /// The events of set `name` in import order (the order of the imported file's lines).
    public func loadPaymentEvents(named name: String) throws -> [StoredPaymentEvent] {
        let info = try paymentEventSet(named: name)
        let s = try db.prepare("""
            SELECT e.user_id, e.merchant_id, e.ts, e.amount, e.category, e.description
            FROM payment_events e JOIN payment_event_sets s ON s.id = e.set_id WHERE s.name = ? ORDER BY e.seq
            """)
        try s.bind([.text(name)])
        var out: [StoredPaymentEvent] = []
        out.reserveCapacity(info.events)
        while try s.step() {
            out.append(StoredPaymentEvent(user: Int(s.int(0)), merchant: Int(s.int(1)), timestamp: s.int(2), amount: s.double(3),
                                          category: s.text(4) ?? "", description: s.text(5) ?? ""))
        }
        guard out.count == info.events else {
            throw WorkspaceError.corrupt("event set '\(name)' has \(out.count) events, \(info.events) recorded")
        }
        return out
    }

    func paymentEventSetNames() throws -> [String] {
        let s = try db.prepare("SELECT name FROM payment_event_sets ORDER BY name")
        var names: [String] = []
        while try s.step() { names.append(s.text(0) ?? "") }
        return names
    }
}
