import Foundation
@testable import ObligorStore
import Testing

/// The workspace's payment-event sets (migration 4).
@Suite struct PaymentEventStoreTests {
    static let sample: [StoredPaymentEvent] = [
        StoredPaymentEvent(user: 7, merchant: 3, timestamp: 1_700_000_000, amount: 0.1, category: "grocery", description: "milk bread m3"),
        StoredPaymentEvent(user: 2, merchant: 9, timestamp: 1_600_000_000, amount: 123_456.789, category: "small_loan", description: "löan ✓ installment"),
        StoredPaymentEvent(user: 7, merchant: 3, timestamp: 1_700_000_000, amount: 1e-300, category: "grocery", description: ""),
        StoredPaymentEvent(user: 0, merchant: 0, timestamp: 0, amount: 0, category: "utilities", description: "bill"),
    ]

    /// Events read back exactly, in the order given (not sorted by user or time), with the set's summary.
    @Test func roundTripKeepsOrderAndExactValues() throws {
        let ws = try Workspace(path: temporaryWorkspacePath())
        let info = try ws.importPaymentEvents(name: "pay", events: Self.sample, source: "pay.csv", sourceSHA256: "abc")
        #expect(info.events == 4 && info.users == 3 && info.firstTimestamp == 0 && info.lastTimestamp == 1_700_000_000)
        #expect(try ws.loadPaymentEvents(named: "pay") == Self.sample)
        #expect(try ws.paymentEventSet(named: "pay") == info)
        #expect(try ws.paymentEventSets().map(\.name) == ["pay"])
        #expect(try ws.count(table: "payment_events") == 4)
        let empty = try ws.importPaymentEvents(name: "empty", events: [], source: "e.csv", sourceSHA256: "")
        #expect(empty.firstTimestamp == nil)
        #expect(try ws.loadPaymentEvents(named: "empty").isEmpty)
    }

    /// A schema violation or a taken name throws before or during the transaction and changes nothing.
    @Test func failuresWriteNothing() throws {
        let ws = try Workspace(path: temporaryWorkspacePath())
        try ws.importPaymentEvents(name: "pay", events: Self.sample, source: "pay.csv", sourceSHA256: "abc")
        let before = try ws.contentFingerprint()
        var bad = Self.sample
        bad[2].amount = -1
        #expect(throws: WorkspaceError.invalidEvent(index: 2, message: "amount -1.0 is not a finite number ≥ 0")) {
            try ws.importPaymentEvents(name: "other", events: bad, source: "b.csv", sourceSHA256: "")
        }
        bad = Self.sample
        bad[3].user = -4
        #expect(throws: WorkspaceError.invalidEvent(index: 3, message: "negative user id -4")) {
            try ws.importPaymentEvents(name: "other", events: bad, source: "b.csv", sourceSHA256: "")
        }
        bad = Self.sample
        bad[1].category = ""
        #expect(throws: WorkspaceError.self) { try ws.importPaymentEvents(name: "other", events: bad, source: "b.csv", sourceSHA256: "") }
        #expect(throws: WorkspaceError.duplicateEventSet("pay")) {
            try ws.importPaymentEvents(name: "pay", events: Self.sample, source: "pay.csv", sourceSHA256: "abc")
        }
        #expect(throws: WorkspaceError.unknownEventSet("nope", available: ["pay"])) { _ = try ws.loadPaymentEvents(named: "nope") }
        #expect(try ws.contentFingerprint() == before)
        #expect(try !ws.hasPaymentEvents("other"))
        // The CHECK constraints back the validation up: a raw negative amount is refused by SQLite itself.
        #expect(throws: SQLiteError.self) {
            try ws.db.execute("INSERT INTO payment_events VALUES (1, 99, 1, 1, 0, -2.0, 'grocery', '')")
        }
    }

    /// A workspace written before migration 4 (schema version 3) gains the tables on open and keeps its data.
    @Test func upgradesFromVersionThree() throws {
        let path = temporaryWorkspacePath()
        do {
            let ws = try Workspace(path: path)
            try ws.db.execute("DROP TABLE payment_events; DROP TABLE payment_event_sets; PRAGMA user_version = 3;")
            try ws.recordRun(command: "old", parameters: Data("{}".utf8), seconds: 1, metrics: Data("{}".utf8))
        }
        let ws = try Workspace(path: path)
        #expect(try ws.userVersion() == 4 && Workspace.schemaVersion == 4)
        #expect(try ws.count(table: "runs") == 1)
        try ws.importPaymentEvents(name: "pay", events: Self.sample, source: "pay.csv", sourceSHA256: "abc")
        #expect(try ws.loadPaymentEvents(named: "pay") == Self.sample)
    }
}
