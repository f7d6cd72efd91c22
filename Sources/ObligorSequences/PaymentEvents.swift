import Foundation

/// One payment behaviour: who paid which merchant, when, how much, in what category, with what text.
public struct PaymentEvent: Sendable, Equatable, Codable {
    public var user: Int
    public var merchant: Int
    /// Seconds since the Unix epoch (UTC).
    public var timestamp: Int64
    /// Amount in currency units, ≥ 0.
    public var amount: Double
    /// Category index into ``PaymentCategory/allCases``.
    public var category: Int
    /// Free-text purchase description (space-separated tokens).
    public var description: String

    public init(user: Int, merchant: Int, timestamp: Int64, amount: Double, category: Int, description: String) {
        self.user = user; self.merchant = merchant; self.timestamp = timestamp
        self.amount = amount; self.category = category; self.description = description
    }
}

/// MCC-like merchant categories.
public enum PaymentCategory: String, CaseIterable, Sendable, Codable {
    case grocery, foodDelivery = "food_delivery", transport, telecom, utilities, ecommerce, games, gambling,
         smallLoan = "small_loan", cashTransfer = "cash_transfer"

    public var index: Int { Self.allCases.firstIndex(of: self)! }
    public static func named(_ s: String) -> PaymentCategory? { PaymentCategory(rawValue: s) }
}

/// Errors reading payment files: every one names the file, the line (1-based, header = 1) and the column.
public enum SequenceError: Error, CustomStringConvertible, Sendable, Equatable {
    case badInput(file: String, line: Int, column: String, message: String)
    case invalidConfig(String)
    case notEnoughData(String)

    public var description: String {
        switch self {
        case let .badInput(f, l, c, m): return "\(f): line \(l), column '\(c)': \(m)"
        case let .invalidConfig(m): return "invalid configuration: \(m)"
        case let .notEnoughData(m): return "not enough data: \(m)"
        }
    }
}

/// CSV forms of events and labels.
///
/// Events: `user_id,merchant_id,timestamp,amount,category,description`; the timestamp is integer
/// epoch seconds or ISO 8601 `YYYY-MM-DDTHH:MM:SSZ` (a space instead of T is accepted), within
/// ``timestampRange``; ids are non-negative integers and amounts finite and ≥ 0. Descriptions
/// never contain commas or quotes (the writer replaces them; the reader rejects quotes).
/// Labels: `user_id,default` with default 0 or 1.
public enum PaymentCSV {
    public static let eventHeader = "user_id,merchant_id,timestamp,amount,category,description"
    public static let labelHeader = "user_id,default"

    public static func eventsCSV(_ events: [PaymentEvent]) -> String {
        var s = eventHeader + "\n"
        s.reserveCapacity(events.count * 60)
        for e in events {
            let cat = e.category >= 0 && e.category < PaymentCategory.allCases.count ? PaymentCategory.allCases[e.category].rawValue : String(e.category)
            let desc = e.description.replacingOccurrences(of: ",", with: " ").replacingOccurrences(of: "\"", with: " ")
            s += "\(e.user),\(e.merchant),\(e.timestamp),\(String(format: "%.2f", e.amount)),\(cat),\(desc)\n"
        }
        return s
    }

    public static func labelsCSV(_ labels: [Int: Int]) -> String {
        var s = labelHeader + "\n"
        for u in labels.keys.sorted() { s += "\(u),\(labels[u]!)\n" }
        return s
    }

    /// Accepted event times, epoch seconds: 1970-01-01T00:00:00Z up to (not including) 2100-01-01T00:00:00Z.
    public static let timestampRange: Range<Int64> = 0..<4_102_444_800

    /// Parses `YYYY-MM-DD[T ]HH:MM:SS[Z]` or an integer into epoch seconds.
    public static func parseTimestamp(_ s: Substring) -> Int64? {
        if let v = Int64(s) { return v }
        let b = Array(s.utf8)
        guard b.count == 19 || (b.count == 20 && b[19] == UInt8(ascii: "Z")) else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16), let se = num(17..<19),
              (1...12).contains(mo), d >= 1, d <= daysInMonth(y, mo), h < 24, mi < 60, se < 60 else { return nil }
        return Int64(daysFromCivil(y, mo, d)) * 86400 + Int64(h * 3600 + mi * 60 + se)
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }

    public static func readEvents(path: String) throws -> [PaymentEvent] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SequenceError.badInput(file: path, line: 0, column: "", message: "cannot be read")
        }
        return try parseEvents(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parseEvents(_ text: String, file: String) throws -> [PaymentEvent] {
        let ls = lines(text)
        let header = ls.first.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        let need = ["user_id", "merchant_id", "timestamp", "amount", "category", "description"]
        var col: [String: Int] = [:]
        for n in need {
            guard let i = header.firstIndex(of: n) else {
                throw SequenceError.badInput(file: file, line: 1, column: n, message: "the header has no column '\(n)' (need \(need.joined(separator: ",")))")
            }
            col[n] = i
        }
        var out: [PaymentEvent] = []
        out.reserveCapacity(ls.count)
        for (li, line) in ls.enumerated().dropFirst() where !line.isEmpty {
            let lineNo = li + 1
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == header.count else {
                throw SequenceError.badInput(file: file, line: lineNo, column: "", message: "\(f.count) fields, the header has \(header.count)")
            }
            func bad(_ c: String, _ m: String) -> SequenceError { .badInput(file: file, line: lineNo, column: c, message: m) }
            let us = f[col["user_id"]!], ms = f[col["merchant_id"]!], ts = f[col["timestamp"]!]
            let am = f[col["amount"]!], cs = f[col["category"]!], ds = f[col["description"]!]
            guard !us.isEmpty else { throw bad("user_id", "the user id is missing") }
            guard let u = Int(us) else { throw bad("user_id", "'\(us)' is not an integer id") }
            guard u >= 0 else { throw bad("user_id", "negative id \(u)") }
            guard !ms.isEmpty else { throw bad("merchant_id", "the merchant id is missing") }
            guard let m = Int(ms) else { throw bad("merchant_id", "'\(ms)' is not an integer id") }
            guard m >= 0 else { throw bad("merchant_id", "negative id \(m)") }
            guard !ts.isEmpty else { throw bad("timestamp", "the timestamp is missing") }
            guard let t = parseTimestamp(ts) else {
                throw bad("timestamp", "'\(ts)' is not a timestamp (epoch seconds or YYYY-MM-DDTHH:MM:SSZ)")
            }
            guard timestampRange.contains(t) else {
                throw bad("timestamp", "'\(ts)' is out of range (1970-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z)")
            }
            guard !am.isEmpty else { throw bad("amount", "the amount is missing") }
            guard let a = Double(am), a.isFinite else { throw bad("amount", "'\(am)' is not a number") }
            guard a >= 0 else { throw bad("amount", "negative amount \(am)") }
            let c: Int
            if let k = PaymentCategory.named(String(cs)) { c = k.index } else { throw bad("category", "unknown category '\(cs)' (one of \(PaymentCategory.allCases.map(\.rawValue).joined(separator: ", ")))") }
            if ds.contains("\"") { throw bad("description", "quotes are not allowed") }
            out.append(PaymentEvent(user: u, merchant: m, timestamp: t, amount: a, category: c, description: String(ds)))
        }
        return out
    }

    public static func readLabels(path: String) throws -> [Int: Int] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SequenceError.badInput(file: path, line: 0, column: "", message: "cannot be read")
        }
        return try parseLabels(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parseLabels(_ text: String, file: String) throws -> [Int: Int] {
        let ls = lines(text)
        let header = ls.first.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        guard let ui = header.firstIndex(of: "user_id") else { throw SequenceError.badInput(file: file, line: 1, column: "user_id", message: "the header has no column 'user_id'") }
        guard let di = header.firstIndex(of: "default") else { throw SequenceError.badInput(file: file, line: 1, column: "default", message: "the header has no column 'default'") }
        var out: [Int: Int] = [:]
        for (li, line) in ls.enumerated().dropFirst() where !line.isEmpty {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            func bad(_ c: String, _ m: String) -> SequenceError { .badInput(file: file, line: li + 1, column: c, message: m) }
            guard f.count == header.count else { throw bad("", "\(f.count) fields, the header has \(header.count)") }
            guard let u = Int(f[ui]), u >= 0 else { throw bad("user_id", "'\(f[ui])' is not a non-negative integer id") }
            guard let y = Int(f[di]), y == 0 || y == 1 else { throw bad("default", "'\(f[di])' is not 0 or 1") }
            if out[u] != nil { throw bad("user_id", "user \(u) appears twice") }
            out[u] = y
        }
        return out
    }
}
