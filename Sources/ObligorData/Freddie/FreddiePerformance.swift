import Foundation

/// One loan's performance history, reduced while streaming the monthly records.
///
/// Months are month indices (`year · 12 + month − 1`); −1 means "never".
public struct FreddieLoanHistory: Sendable, Equatable {
    /// Number of monthly records seen.
    public var records = 0
    /// First and last reporting month seen.
    public var firstMonth = -1
    public var lastMonth = -1
    /// First month with 90+ days past due (status ≥ 3) or REO acquisition (`RA`/`R`).
    public var firstSeriousDelinquency = -1
    /// Month and code of the zero-balance termination, if any.
    public var zeroBalanceMonth = -1
    public var zeroBalanceCode = -1
    /// Worst delinquency (months) seen; 99 stands for REO acquisition.
    public var worstDelinquency = 0
    /// Months delinquent on the last record (−1 when it was blank/`XX`; 99 for REO acquisition).
    public var lastDelinquency = -1
    /// Number of cures: a record at status 0 after a record at status ≥ 1.
    public var cures = 0
    /// True when any record has a modification flag (Y or P).
    public var modified = false

    public init() {}

    /// First month of a credit event: 90+ DPD, REO acquisition, or a credit zero-balance code
    /// (02, 03, 09, 15, 16); −1 when none.
    public var firstCreditEvent: Int {
        var m = firstSeriousDelinquency
        if zeroBalanceCode >= 0, FreddieZeroBalance.credit.contains(zeroBalanceCode) {
            m = m < 0 ? zeroBalanceMonth : min(m, zeroBalanceMonth)
        }
        return m
    }
}

/// Throughput figures of one streamed performance file.
public struct FreddieStreamStats: Sendable, Equatable {
    public var file: String
    public var release: FreddieRelease?
    public var records: Int
    public var bytes: Int
    public var seconds: Double
    /// Records per second.
    public var rate: Double { seconds > 0 ? Double(records) / seconds : .infinity }
}

/// Streams a monthly performance file in fixed-size chunks (constant memory: one chunk plus one
/// ``FreddieLoanHistory`` per loan), reducing each loan's records into its history.
public enum FreddiePerformanceReader {
    /// Chunk size of the streaming reader.
    public static let chunkBytes = 4 << 20

    /// Reads `path` and folds every record into `histories` (indexed like `loanIndex`).
    ///
    /// Checked per line: the field count (the release is detected on line 1), a known loan id, a
    /// `YYYYMM` reporting period that increases within each loan, a delinquency status (`0`–`999`,
    /// `RA`/`R`, `XX`, blank), a zero-balance code of either code set (01, 02, 03, 06, 09, 15, 16, 96).
    /// - Throws: ``CSVError`` with the file, the 1-based line, and the field name and position.
    public static func read(path: String, loanIndex: [String: Int], histories: inout [FreddieLoanHistory]) throws(CSVError) -> FreddieStreamStats {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CSVError(file: path, message: "cannot be read (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let start = DispatchTime.now().uptimeNanoseconds
        var parser = Parser(label: path, loanIndex: loanIndex)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes + 65_536, alignment: 64)
        defer { buffer.deallocate() }
        var carry = 0  // bytes of an unfinished line at the buffer start
        var total = 0
        while true {
            if carry >= chunkBytes {
                throw CSVError(file: path, line: parser.line + 1, message: "a line longer than \(chunkBytes) bytes: not a Freddie Mac performance file")
            }
            let n = Foundation.read(fd, buffer.baseAddress! + carry, chunkBytes - carry)
            if n < 0 { throw CSVError(file: path, message: "read error (\(String(cString: strerror(errno))))") }
            total += n
            let end = carry + n
            let bytes = UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: end)
            var lineStart = 0
            var i = 0
            while i < end {
                if bytes[i] == 10 {
                    try parser.parse(bytes, lineStart, i, histories: &histories)
                    lineStart = i + 1
                }
                i += 1
            }
            if n == 0 {
                if lineStart < end { try parser.parse(bytes, lineStart, end, histories: &histories) }
                break
            }
            carry = end - lineStart
            if carry > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + lineStart, carry) }
        }
        if parser.records == 0 { throw CSVError(file: path, message: "is empty: no performance records") }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return FreddieStreamStats(file: path, release: parser.layout?.release, records: parser.records, bytes: total, seconds: seconds)
    }

    /// Parses one performance file held in memory (tests, small files).
    public static func read(data: Data, label: String, loanIndex: [String: Int], histories: inout [FreddieLoanHistory]) throws(CSVError) -> FreddieStreamStats {
        var parser = Parser(label: label, loanIndex: loanIndex)
        let bytes = [UInt8](data)
        try bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(CSVError) in
            var lineStart = 0
            for i in 0..<b.count where b[i] == 10 {
                try parser.parse(b, lineStart, i, histories: &histories)
                lineStart = i + 1
            }
            if lineStart < b.count { try parser.parse(b, lineStart, b.count, histories: &histories) }
        }
        if parser.records == 0 { throw CSVError(file: label, message: "is empty: no performance records") }
        return FreddieStreamStats(file: label, release: parser.layout?.release, records: parser.records, bytes: bytes.count, seconds: 0)
    }

    /// The per-line state machine.
    struct Parser {
        let label: String
        let loanIndex: [String: Int]
        var layout: FreddiePerformanceLayout?
        var line = 0
        var records = 0
        var lastID: [UInt8] = []
        var lastLoan = -1
        var fieldStarts = [Int](repeating: 0, count: 40)
        var fieldEnds = [Int](repeating: 0, count: 40)

        init(label: String, loanIndex: [String: Int]) {
            self.label = label
            self.loanIndex = loanIndex
        }

        func fail(_ field: Int, _ message: String) -> CSVError {
            let names = layout?.names ?? FreddiePerformanceLayout.currentNames
            return CSVError(file: label, line: line, column: field < names.count ? names[field] : "field \(field + 1)",
                            columnPosition: field + 1, message: message)
        }

        func text(_ b: UnsafeBufferPointer<UInt8>, _ f: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: b[fieldStarts[f]..<fieldEnds[f]]), as: UTF8.self)
        }

        /// Digits only, no sign; nil when empty or not all digits.
        @inline(__always)
        func digits(_ b: UnsafeBufferPointer<UInt8>, _ f: Int) -> Int? {
            var s = fieldStarts[f], e = fieldEnds[f]
            while s < e && b[s] == 32 { s += 1 }
            while e > s && b[e - 1] == 32 { e -= 1 }
            if s == e || e - s > 9 { return nil }
            var v = 0
            for k in s..<e {
                let d = Int(b[k]) &- 48
                if d < 0 || d > 9 { return nil }
                v = v &* 10 &+ d
            }
            return v
        }

        @inline(__always)
        func isBlank(_ b: UnsafeBufferPointer<UInt8>, _ f: Int) -> Bool {
            for k in fieldStarts[f]..<fieldEnds[f] where b[k] != 32 { return false }
            return true
        }

        mutating func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ endIn: Int, histories: inout [FreddieLoanHistory]) throws(CSVError) {
            line += 1
            var end = endIn
            if end > start && b[end - 1] == 13 { end -= 1 }
            if end == start { return }  // blank line
            // Split on '|'.
            var nf = 0
            var s = start
            for k in start..<end where b[k] == 124 {
                if nf < 39 { fieldStarts[nf] = s; fieldEnds[nf] = k }
                nf += 1
                s = k + 1
            }
            if nf < 39 { fieldStarts[nf] = s; fieldEnds[nf] = end }
            nf += 1
            if layout == nil {
                guard let l = FreddiePerformanceLayout.detect(fieldCount: nf) else {
                    throw CSVError(file: label, line: line, message: "\(nf) '|'-separated fields: not a Freddie Mac performance layout (26–32 or 35 fields; is this an origination file?)")
                }
                layout = l
            }
            guard nf == layout!.fieldCount else {
                throw CSVError(file: label, line: line, message: "expected \(layout!.fieldCount) fields (\(layout!.release.rawValue) performance layout, from line 1), found \(nf)")
            }
            // Loan id (cached while consecutive records belong to the same loan).
            let idLen = fieldEnds[0] - fieldStarts[0]
            var same = idLen == lastID.count && lastLoan >= 0
            if same {
                for k in 0..<idLen where b[fieldStarts[0] + k] != lastID[k] { same = false; break }
            }
            if !same {
                let id = text(b, 0).trimmingCharacters(in: .whitespaces)
                guard !id.isEmpty else { throw fail(0, "the loan sequence number is blank") }
                guard let idx = loanIndex[id] else { throw fail(0, "loan '\(id)' is not in the origination file(s)") }
                lastLoan = idx
                lastID = Array(UnsafeBufferPointer(rebasing: b[fieldStarts[0]..<fieldEnds[0]]))
            }
            // Reporting period.
            guard let p = digits(b, 1), (190001...219912).contains(p), (1...12).contains(p % 100) else {
                throw fail(1, "expected a reporting period YYYYMM, found '\(text(b, 1))'")
            }
            let month = monthIndex(yyyymm: p)
            // Delinquency status.
            let status: FreddieDelinquency
            if let d = digits(b, 3) {
                guard d <= 999 else { throw fail(3, "delinquency status '\(text(b, 3))' out of range") }
                status = .months(d)
            } else if isBlank(b, 3) {
                status = .unavailable
            } else {
                switch text(b, 3).trimmingCharacters(in: .whitespaces) {
                case "RA", "R": status = .reoAcquisition
                case "XX": status = .unknown
                case let t: throw fail(3, "unknown delinquency status '\(t)' (expected 0–999, RA, R, XX or blank)")
                }
            }
            // Modification flag.
            var modified = false
            if !isBlank(b, 7) {
                let t = text(b, 7).trimmingCharacters(in: .whitespaces)
                guard t == "Y" || t == "P" || t == "N" else { throw fail(7, "modification flag must be Y, P, N or blank, found '\(t)'") }
                modified = t != "N"
            }
            // Zero-balance code and date.
            var zbc = -1
            if !isBlank(b, 8) {
                guard let z = digits(b, 8), FreddieZeroBalance.known.contains(z) else {
                    throw fail(8, "unknown zero balance code '\(text(b, 8))' (expected 01, 02, 03, 06, 09, 15, 16 or 96)")
                }
                zbc = z
            }
            records += 1
            let li = lastLoan
            try histories[li].withUpdate { (h: inout FreddieLoanHistory) throws(CSVError) in
                if h.lastMonth >= 0 && month <= h.lastMonth {
                    throw fail(1, "period \(p) does not follow the loan's previous record (\(yyyymm(monthIndex: h.lastMonth))): records must be in time order without repeats")
                }
                if h.firstMonth < 0 { h.firstMonth = month }
                h.lastMonth = month
                h.records += 1
                switch status {
                case let .months(m):
                    if m == 0 && h.lastDelinquency >= 1 && h.lastDelinquency != 99 { h.cures += 1 }
                    if m >= 3 && h.firstSeriousDelinquency < 0 { h.firstSeriousDelinquency = month }
                    h.worstDelinquency = max(h.worstDelinquency, m)
                    h.lastDelinquency = m
                case .reoAcquisition:
                    if h.firstSeriousDelinquency < 0 { h.firstSeriousDelinquency = month }
                    h.worstDelinquency = 99
                    h.lastDelinquency = 99
                case .unknown, .unavailable:
                    h.lastDelinquency = -1
                }
                if modified { h.modified = true }
                if zbc >= 0 && h.zeroBalanceCode < 0 {
                    h.zeroBalanceCode = zbc
                    h.zeroBalanceMonth = month
                }
            }
        }
    }
}

extension FreddieLoanHistory {
    @inline(__always)
    mutating func withUpdate(_ body: (inout FreddieLoanHistory) throws(CSVError) -> Void) throws(CSVError) {
        try body(&self)
    }
}
