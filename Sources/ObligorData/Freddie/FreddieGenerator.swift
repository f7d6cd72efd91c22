import Foundation
import ObligorNumerics

/// Options of the synthetic Freddie Mac panel generator.
public struct FreddieGeneratorOptions: Sendable {
    /// First and last origination year.
    public var firstVintage: Int
    public var lastVintage: Int
    /// Loans per vintage year.
    public var loansPerVintage: Int
    /// Seed: the same seed gives byte-identical files.
    public var seed: UInt64
    /// Last reporting month (YYYYMM); default December of `lastVintage + 2`.
    public var cutoff: Int?
    /// File layout release written (origination and performance).
    public var release: FreddieRelease

    public init(firstVintage: Int = 1999, lastVintage: Int = 2012, loansPerVintage: Int = 1000, seed: UInt64 = 1,
                cutoff: Int? = nil, release: FreddieRelease = .current) {
        self.firstVintage = firstVintage
        self.lastVintage = lastVintage
        self.loansPerVintage = loansPerVintage
        self.seed = seed
        self.cutoff = cutoff
        self.release = release
    }

    /// The reporting cut-off as YYYYMM.
    public var cutoffYYYYMM: Int { cutoff ?? (lastVintage + 2) * 100 + 12 }
}

/// What the generator wrote.
public struct FreddieGeneratorSummary: Sendable {
    public var originationFiles: [String] = []
    public var performanceFiles: [String] = []
    public var loans = 0
    public var performanceRecords = 0
    /// Per vintage: loans, lifetime credit events (90+ DPD, RA or credit ZBC), voluntary payoffs.
    public var perVintage: [(vintage: Int, loans: Int, bad: Int, prepaid: Int)] = []
}

/// A synthetic Freddie Mac Single-Family Loan-Level panel in the real file formats
/// (`sample_orig_YYYY.txt`, `sample_svcg_YYYY.txt`: pipe-delimited, no header).
///
/// What it reproduces (notes/hnn-lbsf.md §4.1 and §5.1):
/// * **marginals**: left-skewed FICO clipped to 300–850 (mean ≈ 725 before 2008, ≈ 760 after 2010) with a
///   small `9999` share; LTV with spikes at 80/90/95/97 and CLTV ≥ LTV; MI (6–35 %) when and only when
///   LTV > 80 (with rare exceptions), `000` otherwise; DTI 1–65, capped at 50 from 2010, with a `999`
///   share; log-normal UPB rounded to $1,000 under the conforming limit; a 360/180/240 term mix; the
///   categorical shares of the 2020 sample; consistent state / ZIP3 / MSA;
/// * **rates**: a vintage market rate plus a risk-based spread in FICO and LTV whose slope changes by
///   regime (compressed in 2004–2007, steeper after 2009);
/// * **monthly dynamics**: scheduled amortisation; a delinquency chain 0 → 1 → 2 → 3+ with cures and
///   occasional modifications; REO acquisition (`RA`) and credit terminations (ZBC 03/09, with 02/15/16
///   in small shares) after a lag of several months; a prepayment hazard in the rate incentive with a
///   seasoning ramp, suppressed by negative equity;
/// * **regime drift**: a house-price index with a 2007–2011 bust, deeper in the sand states, and an
///   unemployment shock; the default hazard depends on the mark-to-market LTV, so the LTV and DTI effects
///   steepen in the crisis and vintages 2005–2008 default far more (concept drift, not only prior drift);
/// * **quirks**: sentinels, zero-padded fields, `XX` statuses before 2005, both zero-balance code sets
///   (the legacy release writes 06 and folds 02/15/16 into 03), censored loans at the cut-off.
public enum FreddieGenerator {
    /// Writes one origination and one performance file per vintage into `directory`.
    public static func write(options o: FreddieGeneratorOptions, to directory: String) throws -> FreddieGeneratorSummary {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var summary = FreddieGeneratorSummary()
        let root = RandomSource(seed: o.seed)
        let cutoff = monthIndex(yyyymm: o.cutoffYYYYMM)
        for v in o.firstVintage...o.lastVintage {
            let rng = root.split(UInt64(v))
            var orig: [UInt8] = []
            var perf: [UInt8] = []
            orig.reserveCapacity(o.loansPerVintage * 200)
            let origPath = (directory as NSString).appendingPathComponent("sample_orig_\(v).txt")
            let perfPath = (directory as NSString).appendingPathComponent("sample_svcg_\(v).txt")
            _ = FileManager.default.createFile(atPath: perfPath + ".tmp", contents: nil)
            guard let out = FileHandle(forWritingAtPath: perfPath + ".tmp") else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: perfPath])
            }
            var bad = 0, prepaid = 0, records = 0
            for k in 0..<o.loansPerVintage {
                let loan = makeLoan(vintage: v, sequence: k + 1, rng: rng)
                appendOrigination(loan, release: o.release, to: &orig)
                let r = simulate(loan, cutoff: cutoff, release: o.release, rng: rng, into: &perf)
                records += r.records
                if r.bad { bad += 1 }
                if r.prepaid { prepaid += 1 }
                if perf.count > 8 << 20 { out.write(Data(perf)); perf.removeAll(keepingCapacity: true) }
            }
            out.write(Data(perf))
            try out.close()
            try Data(orig).write(to: URL(fileURLWithPath: origPath), options: .atomic)
            if FileManager.default.fileExists(atPath: perfPath) { try FileManager.default.removeItem(atPath: perfPath) }
            try FileManager.default.moveItem(atPath: perfPath + ".tmp", toPath: perfPath)
            summary.originationFiles.append(origPath)
            summary.performanceFiles.append(perfPath)
            summary.loans += o.loansPerVintage
            summary.performanceRecords += records
            summary.perVintage.append((v, o.loansPerVintage, bad, prepaid))
        }
        return summary
    }

    // MARK: - Macro environment

    /// Average 30-year fixed mortgage rate by year (Freddie Mac PMMS, rounded).
    static func marketRate(year: Int) -> Double {
        let table: [Int: Double] = [1998: 6.9, 1999: 7.4, 2000: 8.1, 2001: 7.0, 2002: 6.5, 2003: 5.8, 2004: 5.8, 2005: 5.9,
                                    2006: 6.4, 2007: 6.3, 2008: 6.0, 2009: 5.0, 2010: 4.7, 2011: 4.5, 2012: 3.7, 2013: 4.0,
                                    2014: 4.2, 2015: 3.9, 2016: 3.7, 2017: 4.0, 2018: 4.5, 2019: 3.9, 2020: 3.1]
        return table[min(max(year, 1998), 2020)]!
    }

    /// National house-price index by year (1999 = 100), interpolated monthly.
    static func hpi(month m: Int, amplitude: Double) -> Double {
        let table: [Double] = [100, 108, 116, 125, 135, 150, 168, 178, 172, 152, 138, 133, 128, 131, 139, 146, 153, 160, 168, 176, 184, 192]
        let t = Double(m) / 12 - 1999
        let i = min(max(Int(t.rounded(.down)), 0), table.count - 2)
        let f = min(max(t - Double(i), 0), 1)
        let national = table[i] * (1 - f) + table[i + 1] * f
        return 100 * pow(national / 100, amplitude)
    }

    /// Unemployment-style stress (log-odds added to the delinquency hazard) by calendar month.
    static func stress(month m: Int) -> Double {
        let t = Double(m) / 12
        let peak = 2009.6
        if t < 2006.5 { return 0 }
        return 0.8 * exp(-pow((t - peak) / 1.7, 2))
    }

    /// Unobserved underwriting quality by vintage (log-odds; layered risk in 2006–2008), calibrated so
    /// that lifetime bad rates follow the measured per-vintage curve of notes/hnn-lbsf.md §4.1.
    static func vintageUnderwriting(_ v: Int) -> Double {
        let table: [Int: Double] = [1999: 0, 2000: 0.15, 2001: -0.2, 2002: -0.3, 2003: -0.55, 2004: -0.5, 2005: -0.3,
                                    2006: 0.05, 2007: 0.5, 2008: 0.4, 2009: 0.3, 2010: 0.4, 2011: 0.7, 2012: 0.9]
        return table[v] ?? 0.3
    }

    /// States with ZIP3 and MSA codes that belong together; weight; house-price amplitude.
    static let states: [(state: String, weight: Double, amp: Double, places: [(zip3: String, msa: String)])] = [
        ("CA", 14, 2.1, [("900", "31084"), ("941", "41884"), ("920", "41740"), ("958", "40900")]),
        ("FL", 8, 2.0, [("331", "33124"), ("328", "36740"), ("336", "45300")]),
        ("TX", 7, 0.5, [("770", "26420"), ("752", "19124"), ("787", "12420")]),
        ("NY", 5, 0.9, [("100", "35614"), ("142", "15380")]),
        ("IL", 5, 1.0, [("606", "16974"), ("617", "")]),
        ("AZ", 4, 2.2, [("850", "38060"), ("857", "46060")]),
        ("NV", 2, 2.4, [("891", "29820"), ("895", "39900")]),
        ("GA", 4, 1.1, [("303", "12060"), ("314", "")]),
        ("MI", 4, 1.4, [("482", "19804"), ("495", "24340")]),
        ("OH", 4, 0.9, [("441", "17460"), ("432", "18140")]),
        ("PA", 4, 0.7, [("191", "37964"), ("152", "38300")]),
        ("NC", 3, 0.6, [("282", "16740"), ("276", "39580")]),
        ("WA", 3, 1.2, [("981", "42644"), ("992", "44060")]),
        ("MA", 3, 0.9, [("021", "14454"), ("016", "49340")]),
        ("CO", 3, 0.7, [("802", "19740"), ("809", "17820")]),
        ("VA", 3, 1.0, [("222", "47894"), ("232", "40060")]),
        ("MN", 3, 0.9, [("554", "33460"), ("559", "40340")]),
        ("NJ", 3, 1.0, [("070", "35084"), ("080", "15804")]),
        ("WI", 2, 0.7, [("532", "33340"), ("537", "31540")]),
        ("IA", 2, 0.4, [("503", "19780"), ("524", "")]),
    ]
    static let stateTotal = states.reduce(0) { $0 + $1.weight }
    static let sellers = ["Other sellers", "WELLS FARGO BANK, N.A.", "JPMORGAN CHASE BANK, N.A.", "BANK OF AMERICA, N.A.",
                          "U.S. BANK N.A.", "QUICKEN LOANS INC."]

    // MARK: - Loans

    struct Loan {
        var id: String
        var vintage: Int
        var firstPayment: Int  // month index
        var term: Int
        var fico: Int  // 9999 sentinel possible
        var ltv: Int, cltv: Int, dti: Int, mi: Int
        var upb: Int
        var rate: Double
        var fthb: String, occupancy: String, channel: String, propertyType: String, purpose: String
        var units: Int, borrowers: Int
        var state: Int, place: Int
        var seller: String, servicer: String
        var superConforming: Bool
        var harp: Bool
        var valuation: Int
        var risk: Double  // idiosyncratic frailty
        var crisisFrailty: Double  // unobserved exposure to the bust (job loss, local prices)
    }

    static func pick(_ rng: RandomSource, _ items: [(String, Double)]) -> String {
        var u = rng.uniform() * items.reduce(0) { $0 + $1.1 }
        for (s, w) in items { u -= w; if u < 0 { return s } }
        return items.last!.0
    }

    static func makeLoan(vintage v: Int, sequence: Int, rng: RandomSource) -> Loan {
        let origMonth = v * 12 + rng.integer(below: 12)
        let quarter = (origMonth % 12) / 3 + 1
        let id = String(format: "F%02dQ%d%07d", v % 100, quarter, sequence)
        let post = v >= 2010, crisisVintage = (2004...2007).contains(v)
        // FICO: 850 − lognormal (left skew), median rising after the crisis.
        let med = v <= 2007 ? 112.0 : (v == 2008 ? 100.0 : (v == 2009 ? 88 : 82))
        var fico = Int((850 - exp(log(med) + 0.45 * rng.gaussian())).rounded())
        fico = min(max(fico, 300), 850)
        if rng.uniform() < 0.0008 { fico = 9999 }
        // LTV with spikes.
        var ltv: Int
        let u = rng.uniform()
        let hiShare = crisisVintage ? 1.25 : (post ? 0.9 : 1.0)
        if u < 0.27 { ltv = 80 } else if u < 0.27 + 0.05 * hiShare { ltv = 90 } else if u < 0.32 + 0.10 * hiShare { ltv = 95 }
        else if u < 0.42 + 0.02 * hiShare { ltv = v >= 2001 ? 97 : 95 }
        else {
            // Beta(2.6, 1.6)-like on 15–95 via two uniforms.
            let b = pow(rng.uniform(), 1 / 2.6)
            ltv = Int((15 + 80 * (0.55 * b + 0.45 * rng.uniform())).rounded())
            ltv = min(max(ltv, 6), 95)
        }
        var cltv = ltv
        if rng.uniform() < (crisisVintage ? 0.22 : 0.12) { cltv = min(ltv + 5 + rng.integer(below: 16), 125) }
        if rng.uniform() < 0.0002 { cltv = 999 }
        // MI when and only when LTV > 80 (rare exceptions).
        var mi = 0
        if ltv > 80 {
            mi = ltv <= 85 ? 12 : (ltv <= 90 ? 25 : (ltv <= 95 ? 30 : 35))
            if rng.uniform() < 0.15 { mi = [6, 12, 16, 25, 30, 35][rng.integer(below: 6)] }
            if rng.uniform() < 0.001 { mi = 0 }
        } else if rng.uniform() < 0.003 { mi = [6, 12][rng.integer(below: 2)] }
        if rng.uniform() < 0.0005 { mi = 999 }
        // DTI.
        var dti = Int((36 + 10 * rng.gaussian() + (crisisVintage ? 2 : 0)).rounded())
        dti = min(max(dti, 1), post ? 50 : 65)
        if rng.uniform() < 0.01 { dti = 999 }
        // Term.
        let tu = rng.uniform()
        let term = tu < 0.82 ? 360 : (tu < 0.93 ? 180 : (tu < 0.98 ? 240 : (tu < 0.99 ? 120 : 300)))
        // UPB: log-normal under the conforming limit.
        let limit = v < 2001 ? 275_000 : (v < 2006 ? 359_650 : 417_000)
        let median = 95_000 * pow(1.045, Double(v - 1999)) * (term == 360 ? 1 : 0.8)
        var upb = Int((median * exp(0.5 * rng.gaussian()) / 1000).rounded()) * 1000
        upb = max(upb, 15_000)
        var superConforming = false
        if upb > limit {
            if v >= 2008 && rng.uniform() < 0.4 { superConforming = true; upb = min(upb, 625_000) } else { upb = limit / 1000 * 1000 }
        }
        // Rate: market + regime-dependent risk spread.
        let spreadSlope = crisisVintage ? 0.12 : (v >= 2009 ? 0.45 : 0.30)
        let ficoForRate = fico == 9999 ? 700 : fico
        var rate = marketRate(year: v) + spreadSlope * Double(740 - ficoForRate) / 50 + 0.012 * Double(max(0, ltv - 75))
            + (term <= 180 ? -0.45 : (term == 240 ? -0.2 : 0)) + 0.22 * rng.gaussian()
        rate = max(1.5, (rate * 8).rounded() / 8)
        let purpose = pick(rng, [("P", 45), ("N", 32), ("C", 23)])
        let fthb = purpose == "P" ? (rng.uniform() < 0.35 ? "Y" : "N") : "9"
        let occupancy = pick(rng, [("P", 88), ("I", 7), ("S", 5)])
        let channel = post ? pick(rng, [("R", 75), ("C", 13), ("B", 12)]) : pick(rng, [("R", 55), ("B", 28), ("C", 17)])
        let propertyType = pick(rng, [("SF", 72), ("PU", 20), ("CO", 7), ("MH", 1)])
        let borrowers = rng.uniform() < 0.51 ? 1 : (rng.uniform() < 0.98 ? 2 : 3)
        let uu = rng.uniform()
        let units = uu < 0.98 ? 1 : (uu < 0.995 ? 2 : (uu < 0.998 ? 3 : 4))
        var su = rng.uniform() * stateTotal
        var state = 0
        for (k, s) in states.enumerated() { su -= s.weight; if su < 0 { state = k; break } }
        let place = rng.integer(below: states[state].places.count)
        let seller = sellers[rng.integer(below: sellers.count)]
        let servicer = rng.uniform() < 0.5 ? seller.replacingOccurrences(of: "sellers", with: "servicers") : "Other servicers"
        return Loan(id: id, vintage: v, firstPayment: origMonth + 2, term: term, fico: fico, ltv: ltv, cltv: max(cltv, ltv), dti: dti,
                    mi: mi, upb: upb, rate: rate, fthb: fthb, occupancy: occupancy, channel: channel, propertyType: propertyType,
                    purpose: purpose, units: units, borrowers: borrowers, state: state, place: place, seller: seller,
                    servicer: servicer, superConforming: superConforming, harp: v >= 2009 && purpose != "P" && rng.uniform() < 0.05,
                    valuation: v >= 2017 ? 2 : 9, risk: 0.55 * rng.gaussian(),
                    crisisFrailty: 1.4 * rng.gaussian())
    }

    static func appendOrigination(_ l: Loan, release: FreddieRelease, to out: inout [UInt8]) {
        let s = states[l.state], p = s.places[l.place]
        func pad(_ x: Int, _ w: Int) -> String { let t = String(x); return t.count >= w ? t : String(repeating: "0", count: w - t.count) + t }
        var f: [String] = [
            String(l.fico), String(yyyymm(monthIndex: l.firstPayment)), l.fthb,
            String(yyyymm(monthIndex: l.firstPayment + l.term - 1)), p.msa, pad(l.mi, 3), pad(l.units, 1), l.occupancy,
            String(l.cltv), String(l.dti), String(l.upb), String(l.ltv), String(format: "%.3f", l.rate), l.channel, "N", "FRM",
            s.state, l.propertyType, p.zip3 + "00", l.id, l.purpose, String(l.term), pad(l.borrowers, 2), l.seller, l.servicer,
            l.superConforming ? "Y" : "", "", "9", l.harp ? "Y" : "", String(l.valuation), "N", "9",
        ]
        switch release {
        case .current: break
        case .zenodo: f.removeLast()
        case .legacy: f = Array(f.prefix(26))
        case .release47:
            f.remove(at: 31)  // MI cancellation
            f.remove(at: 24)  // servicer
            f.append(l.fico == 9999 ? "9999" : String(min(max(l.fico - 20, 300), 850)))  // VantageScore 4.0
        }
        out.append(contentsOf: f.joined(separator: "|").utf8)
        out.append(10)
    }

    // MARK: - Monthly performance

    @inline(__always)
    static func appendInt(_ x: Int, to out: inout [UInt8]) {
        if x < 0 { out.append(45); appendInt(-x, to: &out); return }
        if x >= 10 { appendInt(x / 10, to: &out) }
        out.append(UInt8(48 + x % 10))
    }

    @inline(__always)
    static func appendCents(_ x: Double, to out: inout [UInt8]) {
        let c = Int((x * 100).rounded())
        appendInt(c / 100, to: &out)
        out.append(46)
        let r = c % 100
        out.append(UInt8(48 + r / 10)); out.append(UInt8(48 + r % 10))
    }

    static func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Simulates a loan from its first record (age 0, the month before the first payment) to its
    /// termination or the cut-off, appending one performance record per month.
    static func simulate(_ l: Loan, cutoff: Int, release: FreddieRelease, rng: RandomSource,
                         into out: inout [UInt8]) -> (records: Int, bad: Bool, prepaid: Bool) {
        let legacyCodes = release == .legacy
        let t0 = l.firstPayment - 1
        let amp = states[l.state].amp
        let hpi0 = hpi(month: t0, amplitude: amp)
        let r = l.rate / 1200
        var upb = Double(l.upb)
        let payment = r > 0 ? upb * r / (1 - pow(1 + r, -Double(l.term))) : upb / Double(l.term)
        let fico = l.fico == 9999 ? 700.0 : Double(l.fico)
        let dti = l.dti == 999 ? 38.0 : Double(l.dti)
        let ltv = Double(l.ltv), cltv = Double(l.cltv)
        // Static part of the monthly hazard of missing a payment (log-odds).
        let base = -6.85 - 0.62 * (fico - 720) / 50 + 0.16 * (ltv - 75) / 10 + 0.18 * (dti - 36) / 10
            + 0.12 * (cltv - ltv) / 10
            + (l.occupancy == "I" ? 0.3 : 0) + (l.purpose == "C" ? 0.15 : 0) + (l.borrowers == 1 ? 0.25 : 0)
            + (l.channel == "B" ? 0.15 : 0) + (l.propertyType == "MH" ? 0.4 : 0) + l.risk
            + vintageUnderwriting(l.vintage)
        var status = 0          // months delinquent; 99 = REO acquired
        var seriousSince = -1   // month when 90+ began
        var reoSince = -1
        var modified = false
        var deferred = 0.0
        var bad = false
        var prepaid = false
        var records = 0
        var month = t0
        var age = 0
        var ended = false
        var resolveLag = 6 + rng.integer(below: 13)
        while month <= cutoff && !ended {
            var zbc = -1
            var statusText = status == 99 ? "RA" : String(status)
            var modFlag = modified ? "P" : ""
            if age > 0 {
                let mtm = upb / Double(l.upb) * ltv * hpi0 / hpi(month: month, amplitude: amp)
                let negEquity = max(0, mtm - 85) / 10
                let season = min(1, 0.35 + Double(age) / 18)
                let stressNow = stress(month: month) * (0.45 + 0.35 * amp)
                if status == 0 {
                    // Prepayment: rate incentive, seasoning ramp, suppressed by negative equity.
                    let incentive = l.rate - marketRate(year: month / 12)
                    let cpr = (0.07 + 0.42 * logistic(2.6 * (incentive - 0.9))) * min(1, Double(age) / 24 + 0.15)
                        * exp(-0.9 * negEquity) * (month / 12 >= 2008 && month / 12 <= 2011 ? 0.7 : 1)
                    let smm = 1 - pow(1 - min(cpr, 0.95), 1.0 / 12)
                    let miss = logistic(base + log(season) + stressNow * (1 + 0.25 * (dti - 36) / 10 + l.crisisFrailty) + 0.35 * negEquity)
                    let u = rng.uniform()
                    if u < smm || age >= l.term {
                        zbc = 1
                    } else if u < smm + miss {
                        status = 1
                    }
                } else if status == 99 {
                    if month - reoSince >= 3 + rng.integer(below: 6) { zbc = 9 }
                } else {
                    let u = rng.uniform()
                    let cure = status == 1 ? 0.42 : (status == 2 ? 0.22 : 0.035)
                    let roll = status == 1 ? 0.30 + 0.05 * min(negEquity, 3) : (status == 2 ? 0.62 : 0.92)
                    if u < cure {
                        status = 0
                        if rng.uniform() < (seriousSince >= 0 ? 0.6 : 0.05) {
                            modified = true; modFlag = "Y"; deferred = (upb * 0.05 * 100).rounded() / 100
                        }
                        seriousSince = -1
                        resolveLag = 6 + rng.integer(below: 13)
                    } else if u < cure + roll {
                        status += 1
                    }
                    if status >= 3 && seriousSince < 0 { seriousSince = month }
                    if status >= 3 && month - seriousSince >= resolveLag {
                        let v = rng.uniform()
                        if v < 0.55 { status = 99; reoSince = month }
                        else if v < 0.85 { zbc = 3 }
                        else if v < 0.93 { zbc = legacyCodes ? 3 : 2 }
                        else if v < 0.98 { zbc = legacyCodes ? 3 : 15 }
                        else { zbc = legacyCodes ? 3 : 16 }
                    }
                }
                if status >= 3 || status == 99 || (zbc >= 2 && zbc != 96 && zbc != 6) { bad = true }
                if zbc < 0 && status == 0 && rng.uniform() < 0.00004 { zbc = legacyCodes ? 6 : 96 }
                statusText = status == 99 ? "RA" : String(status)
                if status == 0 && zbc < 0 && month / 12 < 2005 && rng.uniform() < 0.0004 { statusText = "XX" }
                // Amortisation when the payment is made.
                if status == 0 && zbc < 0 {
                    let interest = upb * r
                    upb = max(0, upb - max(0, payment - interest))
                }
            }
            // Record.
            out.append(contentsOf: l.id.utf8); out.append(124)
            appendInt(yyyymm(monthIndex: month), to: &out); out.append(124)
            appendCents(zbc >= 0 ? 0 : upb, to: &out); out.append(124)
            out.append(contentsOf: statusText.utf8); out.append(124)
            appendInt(age, to: &out); out.append(124)
            appendInt(max(0, l.term - age), to: &out); out.append(124)
            out.append(124)  // defect settlement date
            out.append(contentsOf: modFlag.utf8); out.append(124)
            if zbc >= 0 { out.append(UInt8(48 + zbc / 10)); out.append(UInt8(48 + zbc % 10)) }
            out.append(124)
            if zbc >= 0 { appendInt(yyyymm(monthIndex: month), to: &out) }
            out.append(124)
            out.append(contentsOf: String(format: "%.3f", l.rate).utf8); out.append(124)
            appendCents(deferred, to: &out); out.append(124)
            appendInt(yyyymm(monthIndex: month - (status == 99 ? 6 : min(status, 12))), to: &out); out.append(124)
            // 14–22: disposition amounts, only for credit dispositions.
            if zbc >= 2 && zbc != 96 && zbc != 6 {
                let loss = upb * (0.25 + 0.2 * rng.uniform())
                out.append(contentsOf: "0.00|\(Int(upb * 0.6)).00|0.00|\(Int(upb * 0.05)).00|\(Int(upb * 0.02)).00|\(Int(upb * 0.01)).00|\(Int(upb * 0.02)).00|0.00|-\(Int(loss)).00|".utf8)
            } else {
                out.append(contentsOf: "|||||||||".utf8)
            }
            out.append(contentsOf: (modified ? "\(Int(deferred * 0.1)).00" : "").utf8); out.append(124)  // 23 modification cost
            out.append(124); out.append(124)  // 24 step modification, 25 payment deferral
            let eltv = Int((upb / Double(l.upb) * ltv * hpi0 / hpi(month: month, amplitude: amp)).rounded())
            appendInt(max(1, eltv), to: &out); out.append(124)  // 26 ELTV
            if zbc >= 0 { appendCents(upb, to: &out) }
            out.append(124)  // 27 zero-balance removal UPB
            out.append(124)  // 28 delinquent accrued interest
            out.append(124)  // 29 disaster
            out.append(124)  // 30 borrower assistance
            out.append(124)  // 31 current month modification cost
            appendCents(zbc >= 0 ? 0 : upb - deferred, to: &out)  // 32 interest-bearing UPB
            switch release {
            case .current: break
            case .zenodo:
                // 31 fields: drop the last field and its separator.
                while out.last != 124 { out.removeLast() }
                out.removeLast()
            case .legacy:
                // 26 fields: drop fields 27–32.
                var bars = 0
                while bars < 6 { if out.removeLast() == 124 { bars += 1 } }
            case .release47:
                out.append(contentsOf: "|9|\(l.servicer)|".utf8)
            }
            out.append(10)
            records += 1
            if zbc >= 0 { ended = true }
            if zbc == 1 { prepaid = true }
            month += 1
            age += 1
        }
        return (records, bad, prepaid)
    }
}
