import Foundation
import Testing
@testable import ObligorData

/// The parser on real Freddie Mac records: the 2020 Q1 origination sample in ../shared/loans/data
/// (31-field Zenodo-era layout, distributed as a CSV with a header). The file is not in the repository
/// (Freddie Mac's terms); the test rewrites it to the real pipe-delimited, header-less format in a
/// temporary directory and skips when ../shared is absent. Expected values are the measured anchors of
/// notes/hnn-lbsf.md §4.1 and ORIGIN.md (exact counts).
@Suite struct FreddieRealSampleTests {
    static let csv = repositoryRootData.deletingLastPathComponent()
        .appendingPathComponent("shared/loans/data/freddie_sflld_2020q1_origination_sample.csv").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: csv)))
    func realOrigination2020Q1() throws {
        // Read with the project's RFC 4180 reader (seller names are quoted and contain commas), every
        // column as text so zero-padded codes survive, then write the real format.
        let header = try #require(String(contentsOfFile: Self.csv, encoding: .utf8).split(separator: "\n").first)
        var options = CSVOptions()
        for name in header.split(separator: ",") { options.types[String(name)] = .categorical }
        let frame = try CSVReader.read(path: Self.csv, options: options)
        #expect(frame.columns.count == 31)
        let pipe = (0..<frame.rowCount).map { i in frame.columns.map { $0.text(at: i) ?? "" }.joined(separator: "|") }
            .joined(separator: "\n") + "\n"
        let o = try FreddieOrigination.read(data: Data(pipe.utf8), label: "sample_orig_2020Q1.txt")
        #expect(o.releases == [.zenodo] && o.count == 9_572)
        #expect(o.vintage.allSatisfy { $0 == 2020 } && o.quarter.allSatisfy { $0 == "2020Q1" })
        let fico = o.numeric["fico"]!, cltv = o.numeric["cltv"]!, ltv = o.numeric["ltv"]!, mi = o.numeric["mi_pct"]!
        #expect(fico.filter { $0 == nil }.count == 4, "FICO 9999 sentinel: 4 rows")
        #expect(cltv.filter { $0 == nil }.count == 1, "CLTV 999 sentinel: 1 row")
        let f = fico.compactMap { $0 }.sorted()
        #expect(f[f.count / 2] == 761, "median FICO 761")
        #expect(ltv.compactMap { $0 }.max() == 97)
        // MI > 0 when and only when LTV > 80, with 12 exceptions; MI 000 is 0, not missing.
        var exceptions = 0
        for i in 0..<o.count { if let m = mi[i], let l = ltv[i], (m > 0) != (l > 80) { exceptions += 1 } }
        #expect(exceptions == 12)
        #expect(mi.filter { $0 == 0 }.count > 7_000 && mi.filter { $0 == nil }.isEmpty)
        let occ = o.text["occupancy"]!.compactMap { $0 }
        #expect(abs(Double(occ.filter { $0 == "P" }.count) / Double(occ.count) - 0.88) < 0.01)
    }
}

/// ../ of the repository root (where shared/ lives next to main/).
let repositoryRootData: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
