import Foundation

/// Months since year 0 (`year · 12 + month − 1`), the time axis of the Freddie files.
@inline(__always)
func monthIndex(yyyymm: Int) -> Int { (yyyymm / 100) * 12 + (yyyymm % 100) - 1 }

/// `YYYYMM` of a month index.
@inline(__always)
func yyyymm(monthIndex m: Int) -> Int { (m / 12) * 100 + m % 12 + 1 }

/// The loans of one or more origination files, one entry per loan, in file order.
///
/// Sentinels become missing (``FreddieSentinels``): FICO 9999, MI % 999, units 99, CLTV/LTV/DTI 999,
/// borrowers 99, and the text codes `9`/`99` meaning "not available". MI % `000` means *no mortgage
/// insurance* and is kept as 0, as the user guide defines it.
public struct FreddieOrigination: Sendable {
    /// Loan sequence numbers, unique.
    public internal(set) var loanIDs: [String] = []
    /// First payment month as a month index (`year · 12 + month − 1`).
    public internal(set) var firstPayment: [Int] = []
    /// Origination vintage (year), from the loan id `PYYQn…` when it has that form, else from the first payment date.
    public internal(set) var vintage: [Int] = []
    /// Origination quarter such as `2006Q3` (from the loan id, else from the first payment date).
    public internal(set) var quarter: [String] = []
    /// Numeric features (nil = missing), by Obligor name.
    public internal(set) var numeric: [String: [Double?]] = [:]
    /// Text features (nil = missing), by Obligor name.
    public internal(set) var text: [String: [String?]] = [:]
    /// The release of each file read, in order.
    public internal(set) var releases: [FreddieRelease] = []

    /// Number of loans.
    public var count: Int { loanIDs.count }

    /// Numeric fields kept as model features (type int unless in ``doubleFields``).
    public static let numericFeatures = ["fico", "mi_pct", "units", "cltv", "dti", "upb", "ltv", "rate", "term", "borrowers"]
    /// Numeric features stored as doubles.
    public static let doubleFields: Set<String> = ["upb", "rate"]
    /// Text fields kept as model features.
    public static let textFeatures = ["first_time_buyer", "occupancy", "channel", "ppm", "property_state", "property_type", "purpose"]

    public init() {}

    /// Reads origination files (pipe-delimited, no header; release detected per file from the field count).
    /// - Throws: ``CSVError`` naming the file, line and field for any malformed line, an unknown layout,
    ///   a repeated loan id, or a value that is not of its field's type.
    public static func read(paths: [String]) throws(CSVError) -> FreddieOrigination {
        var o = FreddieOrigination()
        for n in numericFeatures { o.numeric[n] = [] }
        for n in textFeatures { o.text[n] = [] }
        var seen: [String: Int] = [:]
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CSVError(file: path, message: "cannot be read")
            }
            try o.append(data: data, label: path, seen: &seen)
        }
        return o
    }

    /// Parses one origination file's bytes (`label` names it in errors).
    public static func read(data: Data, label: String) throws(CSVError) -> FreddieOrigination {
        var o = FreddieOrigination()
        for n in numericFeatures { o.numeric[n] = [] }
        for n in textFeatures { o.text[n] = [] }
        var seen: [String: Int] = [:]
        try o.append(data: data, label: label, seen: &seen)
        return o
    }

    mutating func append(data: Data, label: String, seen: inout [String: Int]) throws(CSVError) {
        guard let text = String(data: data, encoding: .utf8) else {
            throw CSVError(file: label, message: "is not ASCII/UTF-8 text")
        }
        var layout: FreddieOriginationLayout? = nil
        var positions: Positions? = nil
        var lineNo = 0
        var any = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " }) { continue }
            any = true
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            if layout == nil {
                guard let l = FreddieOriginationLayout.detect(fieldCount: fields.count, fields: fields) else {
                    throw CSVError(file: label, line: lineNo, message: "\(fields.count) '|'-separated fields: not a Freddie Mac origination layout (26–32 fields; is this a performance file or a CSV?)")
                }
                layout = l
                positions = Positions(l)
                releases.append(l.release)
            }
            let l = layout!
            guard fields.count == l.fieldCount else {
                throw CSVError(file: label, line: lineNo, message: "expected \(l.fieldCount) fields (\(l.release.rawValue) origination layout, from line 1), found \(fields.count)")
            }
            try parseLine(fields, layout: l, positions: positions!, label: label, line: lineNo, seen: &seen)
        }
        if !any { throw CSVError(file: label, message: "is empty: no origination records") }
    }

    /// Field positions of one layout, resolved once per file.
    struct Positions {
        let loanID: Int, firstPayment: Int, maturity: Int?
        let numeric: [Int?], text: [Int?]
        init(_ l: FreddieOriginationLayout) {
            loanID = l.position("loan_id")!
            firstPayment = l.position("first_payment_date")!
            maturity = l.position("maturity_date")
            numeric = FreddieOrigination.numericFeatures.map { l.position($0) }
            text = FreddieOrigination.textFeatures.map { l.position($0) }
        }
    }

    private mutating func parseLine(_ fields: [Substring], layout l: FreddieOriginationLayout, positions pos: Positions,
                                    label: String, line: Int, seen: inout [String: Int]) throws(CSVError) {
        func value(_ p: Int) -> Substring {
            var v = fields[p]
            while v.first == " " { v = v.dropFirst() }
            while v.last == " " { v = v.dropLast() }
            return v
        }
        func fail(_ p: Int, _ message: String) -> CSVError {
            CSVError(file: label, line: line, column: l.names[p], columnPosition: p + 1, message: message)
        }
        let id = String(value(pos.loanID))
        guard !id.isEmpty else { throw fail(pos.loanID, "the loan sequence number is blank") }
        if let first = seen[id] { throw fail(pos.loanID, "loan '\(id)' repeats (first at line \(first))") }
        seen[id] = line
        let fp = value(pos.firstPayment)
        guard let fpm = Self.parseMonth(fp) else { throw fail(pos.firstPayment, "expected a date YYYYMM, found '\(fp)'") }
        if let mp = pos.maturity {
            let m = value(mp)
            if !m.isEmpty && Self.parseMonth(m) == nil { throw fail(mp, "expected a date YYYYMM, found '\(m)'") }
        }
        var nums = [Double?](repeating: nil, count: Self.numericFeatures.count)
        for (k, name) in Self.numericFeatures.enumerated() {
            guard let p = pos.numeric[k] else { continue }
            let v = value(p)
            if v.isEmpty { continue }
            guard let x = Double(v), x.isFinite, x >= 0 else { throw fail(p, "expected a non-negative number, found '\(v)'") }
            if let s = FreddieSentinels.numeric[name], x == x.rounded(), s.contains(Int(x)) { continue }
            nums[k] = x
        }
        var texts = [String?](repeating: nil, count: Self.textFeatures.count)
        for (k, name) in Self.textFeatures.enumerated() {
            guard let p = pos.text[k] else { continue }
            let v = String(value(p))
            if v.isEmpty || (FreddieSentinels.text[name]?.contains(v) ?? false) { continue }
            texts[k] = v
        }
        loanIDs.append(id)
        firstPayment.append(fpm)
        let (vy, vq) = Self.vintage(loanID: id, firstPayment: fpm)
        vintage.append(vy)
        quarter.append(vq)
        for (k, name) in Self.numericFeatures.enumerated() { numeric[name]!.append(nums[k]) }
        for (k, name) in Self.textFeatures.enumerated() { text[name]!.append(texts[k]) }
    }

    /// `YYYYMM` → month index, nil unless 1900 ≤ year ≤ 2199 and 1 ≤ month ≤ 12.
    static func parseMonth<S: StringProtocol>(_ s: S) -> Int? {
        guard s.utf8.count == 6, let v = Int(s) else { return nil }
        let y = v / 100, m = v % 100
        guard (1900...2199).contains(y), (1...12).contains(m) else { return nil }
        return monthIndex(yyyymm: v)
    }

    /// Vintage year and quarter from a loan id `PYYQnXXXXXXX`, else from the first payment month
    /// (origination is taken as two months before the first payment).
    static func vintage(loanID id: String, firstPayment: Int) -> (Int, String) {
        let u = Array(id.utf8)
        if u.count == 12, u[3] == UInt8(ascii: "Q"), (UInt8(ascii: "1")...UInt8(ascii: "4")).contains(u[4]),
           let yy = Int(String(decoding: u[1...2], as: UTF8.self)) {
            let year = yy >= 90 ? 1900 + yy : 2000 + yy
            return (year, "\(year)Q\(Character(UnicodeScalar(u[4])))")
        }
        let orig = firstPayment - 2
        let year = orig / 12, q = (orig % 12) / 3 + 1
        return (year, "\(year)Q\(q)")
    }
}
