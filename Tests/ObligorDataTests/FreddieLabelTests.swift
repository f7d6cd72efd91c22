import Foundation
import Testing
@testable import ObligorData

/// Label construction on hand-made loan histories (H = 12 unless stated): cure, prepayment, a credit
/// loss after a lag, censoring; and the importer end to end on small files.
@Suite struct FreddieLabelTests {
    /// Builds a history from monthly statuses starting at the month after `t0` (MOB 1, 2, …).
    func history(t0: Int, statuses: [String], zbc: (mob: Int, code: Int)? = nil) -> FreddieLoanHistory {
        var lines: [String] = []
        for (k, s) in statuses.enumerated() {
            let m = t0 + k + 1
            let z = zbc.map { $0.mob == k + 1 ? String(format: "%02d", $0.code) : "" } ?? ""
            lines.append("L|\(yyyymm(monthIndex: m))|1000.00|\(s)|\(k + 1)|300|||\(z)||5.0|0.00||||||||||||||80||||||1000.00")
        }
        var h = [FreddieLoanHistory()]
        _ = try! FreddiePerformanceReader.read(data: Data(lines.joined(separator: "\n").utf8), label: "h", loanIndex: ["L": 0], histories: &h)
        return h[0]
    }

    let t0 = monthIndex(yyyymm: 200_512)

    @Test func cureIsNotDefault() {
        // 30 and 60 days late, then current again: never 90+, observed 14 months.
        let h = history(t0: t0, statuses: ["0", "1", "2", "0", "0", "1", "0"] + Array(repeating: "0", count: 7))
        let l = FreddieLabels.label(history: h, observationMonth: t0, horizon: 12)
        #expect(l.outcome == .performing && l.y == 0 && l.defaultMOB == nil && h.cures == 2)
    }

    @Test func prepaymentIsACompetingOutcome() {
        let h = history(t0: t0, statuses: ["0", "0", "0", "0", "0"], zbc: (5, 1))
        let l = FreddieLabels.label(history: h, observationMonth: t0, horizon: 12)
        #expect(l.outcome == .prepaid && l.y == 0 && l.prepayMOB == 5 && l.lastMOB == 5)
    }

    @Test func ninetyDaysInsideTheWindow() {
        let h = history(t0: t0, statuses: ["0", "1", "2", "3", "4", "5", "6", "RA"] + Array(repeating: "RA", count: 6))
        let l = FreddieLabels.label(history: h, observationMonth: t0, horizon: 12)
        #expect(l.outcome == .default && l.y == 1 && l.defaultMOB == 4)
    }

    @Test func creditLossAfterALag() {
        // Delinquency starts at MOB 10; 90+ at MOB 12 (inside a 12-month window); a short sale (ZBC 03) at MOB 20.
        var s = Array(repeating: "0", count: 9) + ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
        s.append("")
        let h = history(t0: t0, statuses: s, zbc: (20, 3))
        #expect(FreddieLabels.label(history: h, observationMonth: t0, horizon: 12).outcome == .default)
        #expect(FreddieLabels.label(history: h, observationMonth: t0, horizon: 11).outcome == .performing)
        // Only the credit zero-balance code, no 90+ status before it (charge-off straight from 60 days): event at MOB 15.
        let h2 = history(t0: t0, statuses: Array(repeating: "0", count: 12) + ["1", "2", ""], zbc: (15, 3))
        let l12 = FreddieLabels.label(history: h2, observationMonth: t0, horizon: 12)
        let l24 = FreddieLabels.label(history: h2, observationMonth: t0, horizon: 24)
        #expect(l12.outcome == .performing && l12.defaultMOB == 15)
        #expect(l24.outcome == .default && l24.y == 1)
        // Both code sets: 02, 09, 15, 16 are credit events; 96 and 06 are removals; 01 prepaid.
        for code in [2, 9, 15, 16] {
            #expect(FreddieLabels.label(history: history(t0: t0, statuses: ["0", "0"], zbc: (2, code)), observationMonth: t0, horizon: 12).outcome == .default)
        }
        for code in [6, 96] {
            #expect(FreddieLabels.label(history: history(t0: t0, statuses: ["0", "0"], zbc: (2, code)), observationMonth: t0, horizon: 12).outcome == .removed)
        }
    }

    @Test func censoring() {
        // Observed 8 months, still current at the data cut-off: no label.
        let h = history(t0: t0, statuses: Array(repeating: "0", count: 8))
        let l = FreddieLabels.label(history: h, observationMonth: t0, horizon: 12)
        #expect(l.outcome == .censored && l.y == nil)
        // Exactly H months observed: performing.
        let h12 = history(t0: t0, statuses: Array(repeating: "0", count: 12))
        #expect(FreddieLabels.label(history: h12, observationMonth: t0, horizon: 12).outcome == .performing)
        // A default in the observed months is a label even when the window is not complete.
        let hd = history(t0: t0, statuses: ["1", "2", "3"])
        #expect(FreddieLabels.label(history: hd, observationMonth: t0, horizon: 12).outcome == .default)
    }

    /// The importer on hand-written files: labelled frame without censored loans, outcomes for all.
    @Test func importerFrames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("freddie-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let orig = """
        700|200602|N|203601||000|1|P|80|30|100000|80|6.000|R|N|FRM|CA|SF|90000|F06Q10000001|P|360|01|Other sellers|Other servicers|||9||9|N|9
        720|200602|N|203601||025|1|P|90|40|100000|90|6.250|R|N|FRM|TX|SF|77000|F06Q10000002|P|360|02|Other sellers|Other servicers|||9||9|N|9
        760|200602|N|203601||000|1|P|60|20|100000|60|5.875|R|N|FRM|NY|CO|10000|F06Q10000003|C|360|02|Other sellers|Other servicers|||9||9|N|9
        """
        func rec(_ id: String, _ m: Int, _ s: String, _ z: String = "") -> String {
            "\(id)|\(yyyymm(monthIndex: m))|100000.00|\(s)|0|360|||\(z)||6.0|0.00||||||||||||||80||||||100000.00"
        }
        let t0 = monthIndex(yyyymm: 200_601)
        var lines: [String] = []
        for k in 0...13 { lines.append(rec("F06Q10000001", t0 + k, k >= 6 ? String(k - 5) : "0")) }   // 90+ at MOB 8
        for k in 0...3 { lines.append(rec("F06Q10000002", t0 + k, "0", k == 3 ? "01" : "")) }          // prepaid at MOB 3
        for k in 0...5 { lines.append(rec("F06Q10000003", t0 + k, "0")) }                              // censored
        let o = dir.appendingPathComponent("o.txt"), p = dir.appendingPathComponent("p.txt")
        try Data(orig.utf8).write(to: o)
        try Data(lines.joined(separator: "\n").utf8).write(to: p)
        let d = try FreddieImporter.load(origination: [o.path], performance: [p.path], horizon: 12)
        #expect(d.target == "default_12m" && d.labelled.rowCount == 2 && d.outcomes.rowCount == 3)
        #expect(d.labelled["default_12m"]!.doubles()! == [1, 0])
        #expect(d.outcomes["outcome"]!.text(at: 2) == "censored" && d.outcomes["default_12m"]!.missing == [false, false, true])
        #expect(d.outcomes["default_mob"]!.numericValue(at: 0) == 8 && d.outcomes["prepay_mob"]!.numericValue(at: 1) == 3)
        #expect(d.dataCutoff == yyyymm(monthIndex: t0 + 13) && d.outcomeCounts == [.default: 1, .prepaid: 1, .censored: 1])
        #expect(d.labelled.columnNames.prefix(3) == ["loan_id", "vintage", "fico"])
    }

    /// The generator writes files the parser reads back, byte-identical for a seed, with its lifetime
    /// counts reproduced exactly by the label builder (credit event at any MOB vs the generator's tally).
    @Test func generatorRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("freddie-gen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for release in FreddieRelease.allCases {
            let opts = FreddieGeneratorOptions(firstVintage: 2005, lastVintage: 2007, loansPerVintage: 120, seed: 11, release: release)
            let s = try FreddieGenerator.write(options: opts, to: dir.appendingPathComponent(release.rawValue).path)
            let again = try FreddieGenerator.write(options: opts, to: dir.appendingPathComponent(release.rawValue + "-2").path)
            for (a, b) in zip(s.performanceFiles + s.originationFiles, again.performanceFiles + again.originationFiles) {
                #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b), "same seed, same bytes")
            }
            let d = try FreddieImporter.load(origination: s.originationFiles, performance: s.performanceFiles, horizon: 600)
            #expect(d.originationReleases.allSatisfy { $0 == release } && d.streams.allSatisfy { $0.release == release })
            #expect(d.streams.reduce(0) { $0 + $1.records } == s.performanceRecords)
            let dm = d.outcomes["default_mob"]!
            let bad = (0..<dm.count).filter { !dm.missing[$0] }.count
            #expect(bad == s.perVintage.reduce(0) { $0 + $1.bad }, "\(release): lifetime credit events")
            let pm = d.outcomes["prepay_mob"]!
            #expect((0..<pm.count).filter { !pm.missing[$0] }.count == s.perVintage.reduce(0) { $0 + $1.prepaid })
        }
    }
}
