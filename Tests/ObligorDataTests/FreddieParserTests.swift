import Foundation
import Testing
@testable import ObligorData

/// Hand-written files in each real layout (notes/hnn-lbsf.md §3.2–3.3), sentinels, and malformed lines.
@Suite struct FreddieParserTests {
    /// The 32-field current origination layout: the user guide's example row (2019 Q1), plus a loan with sentinels.
    static let orig32 = """
    758|201905|N|203904|43580|000|1|P|55|14|248000|55|4.375|R|N|FRM|IA|SF|51100|F19Q10000001|N|240|02|Other sellers|Other servicers|||9||2|N|7
    9999|201906|9|204905||025|99|9|999|999|150000|999|4.750|9|N|FRM|CA|PU|94100|F19Q10000002|9|360|99|Other sellers|Other servicers|||9||9|N|9

    """

    @Test func currentOriginationLayoutAndSentinels() throws {
        let o = try FreddieOrigination.read(data: Data(Self.orig32.utf8), label: "orig32.txt")
        #expect(o.releases == [.current])
        #expect(o.loanIDs == ["F19Q10000001", "F19Q10000002"])
        #expect(o.vintage == [2019, 2019] && o.quarter == ["2019Q1", "2019Q1"])
        #expect(o.numeric["fico"]! == [758, nil])          // 9999 → missing
        #expect(o.numeric["mi_pct"]! == [0, 25])           // 000 = no MI, kept as 0
        #expect(o.numeric["units"]! == [1, nil])           // 99 → missing
        #expect(o.numeric["cltv"]! == [55, nil] && o.numeric["ltv"]! == [55, nil] && o.numeric["dti"]! == [14, nil])
        #expect(o.numeric["borrowers"]! == [2, nil])       // "02" zero-padded; 99 → missing
        #expect(o.numeric["rate"]! == [4.375, 4.75] && o.numeric["upb"]! == [248_000, 150_000] && o.numeric["term"]! == [240, 360])
        #expect(o.text["first_time_buyer"]! == ["N", nil] && o.text["occupancy"]! == ["P", nil] && o.text["channel"]! == ["R", nil])
        #expect(o.text["purpose"]! == ["N", nil] && o.text["property_type"]! == ["SF", "PU"] && o.text["property_state"]! == ["IA", "CA"])
        #expect(o.firstPayment[0] == monthIndex(yyyymm: 201905))
    }

    @Test func otherOriginationReleases() throws {
        let line32 = Self.orig32.split(separator: "\n")[0]
        let f = line32.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        // Zenodo-era: 31 fields (no MI cancellation indicator).
        let zenodo = f.prefix(31).joined(separator: "|")
        let z = try FreddieOrigination.read(data: Data(zenodo.utf8), label: "z.txt")
        #expect(z.releases == [.zenodo] && z.numeric["fico"]! == [758])
        // Legacy: 26 fields.
        let legacy = f.prefix(26).joined(separator: "|") + "\n"
        let l = try FreddieOrigination.read(data: Data(legacy.utf8), label: "l.txt")
        #expect(l.releases == [.legacy] && l.loanIDs == ["F19Q10000001"])
        // Release 47: servicer and MI cancellation removed, VantageScore appended.
        var r = f
        r.remove(at: 31); r.remove(at: 24); r.append("742")
        let r47 = try FreddieOrigination.read(data: Data(r.joined(separator: "|").utf8), label: "r47.txt")
        #expect(r47.releases == [.release47] && r47.numeric["term"]! == [240] && r47.text["property_state"]! == ["IA"])
    }

    @Test func malformedOriginationLines() throws {
        let good = String(Self.orig32.split(separator: "\n")[0])
        func error(_ text: String) -> CSVError? {
            do { _ = try FreddieOrigination.read(data: Data(text.utf8), label: "bad.txt"); return nil } catch { return error }
        }
        // A short line (field count differs from line 1).
        let e1 = try #require(error(good + "\n758|201905|N\n"))
        #expect(e1.file == "bad.txt" && e1.line == 2 && e1.message.contains("expected 32 fields"))
        // Text in a numeric field.
        let e2 = try #require(error(good.replacingOccurrences(of: "|248000|", with: "|24800O|")))
        #expect(e2.line == 1 && e2.column == "upb" && e2.columnPosition == 11)
        // A bad first payment date.
        let e3 = try #require(error(good.replacingOccurrences(of: "758|201905|", with: "758|201913|")))
        #expect(e3.column == "first_payment_date" && e3.message.contains("201913"))
        // A repeated loan id.
        let e4 = try #require(error(good + "\n" + good))
        #expect(e4.line == 2 && e4.message.contains("repeats (first at line 1)"))
        // Not a Freddie layout (a CSV).
        let e5 = try #require(error("fico,dt_first_pi\n700,201905\n"))
        #expect(e5.line == 1 && e5.message.contains("not a Freddie Mac origination layout"))
        #expect(error("")?.message.contains("empty") == true)
    }

    static let index = ["F19Q10000001": 0, "F19Q10000002": 1]

    static func perf32(_ id: String, _ period: Int, _ status: String, zbc: String = "", mod: String = "") -> String {
        "\(id)|\(period)|248000.00|\(status)|0|240||\(mod)|\(zbc)||4.375|0.00||||||||||||||56||||||248000.00"
    }

    @Test func performanceLayoutsAndCodes() throws {
        // Current (32), Zenodo (31), legacy (26) and Release 47 (35) lines carry the same information.
        let base = [Self.perf32("F19Q10000001", 201905, "0"), Self.perf32("F19Q10000001", 201906, "1"),
                    Self.perf32("F19Q10000001", 201907, "RA"), Self.perf32("F19Q10000001", 201908, "XX"),
                    Self.perf32("F19Q10000001", 201909, "", zbc: "09", mod: "Y"),
                    Self.perf32("F19Q10000002", 201906, "12"), Self.perf32("F19Q10000002", 201907, "0", zbc: "01")]
        let variants: [(FreddieRelease, [String])] = [
            (.current, base),
            (.zenodo, base.map { String($0[..<$0.lastIndex(of: "|")!]) }),
            (.legacy, base.map { $0.split(separator: "|", omittingEmptySubsequences: false).prefix(26).joined(separator: "|") }),
            (.release47, base.map { $0 + "|N|Other servicers|" }),
        ]
        for (release, lines) in variants {
            var h = [FreddieLoanHistory](repeating: FreddieLoanHistory(), count: 2)
            let s = try FreddiePerformanceReader.read(data: Data((lines.joined(separator: "\r\n") + "\r\n").utf8), label: "p.txt",
                                                      loanIndex: Self.index, histories: &h)
            #expect(s.release == release && s.records == 7, "\(release)")
            #expect(h[0].records == 5 && h[0].firstSeriousDelinquency == monthIndex(yyyymm: 201907), "\(release): RA is serious")
            #expect(h[0].zeroBalanceCode == 9 && h[0].modified && h[0].worstDelinquency == 99)
            #expect(h[1].firstSeriousDelinquency == monthIndex(yyyymm: 201906), "multi-digit status 12")
            #expect(h[1].zeroBalanceCode == 1 && h[1].cures == 1)
        }
    }

    @Test func malformedPerformanceLines() throws {
        func error(_ lines: [String]) -> CSVError? {
            var h = [FreddieLoanHistory](repeating: FreddieLoanHistory(), count: 2)
            do {
                _ = try FreddiePerformanceReader.read(data: Data(lines.joined(separator: "\n").utf8), label: "svcg.txt",
                                                      loanIndex: Self.index, histories: &h)
                return nil
            } catch { return error }
        }
        let ok = Self.perf32("F19Q10000001", 201905, "0")
        let e1 = try #require(error([ok, "F19Q10000001|201906|1"]))
        #expect(e1.file == "svcg.txt" && e1.line == 2 && e1.message.contains("expected 32 fields"))
        let e2 = try #require(error([ok, Self.perf32("F19Q10000001", 201906, "Q")]))
        #expect(e2.line == 2 && e2.column == "delinquency_status" && e2.columnPosition == 4)
        let e3 = try #require(error([ok, Self.perf32("F19Q10000001", 201906, "0", zbc: "07")]))
        #expect(e3.column == "zero_balance_code" && e3.message.contains("'07'"))
        let e4 = try #require(error([ok, Self.perf32("F19Q19999999", 201906, "0")]))
        #expect(e4.column == "loan_id" && e4.message.contains("not in the origination"))
        let e5 = try #require(error([ok, Self.perf32("F19Q10000001", 201905, "0")]))
        #expect(e5.line == 2 && e5.column == "period" && e5.message.contains("time order"))
        let e6 = try #require(error([ok, Self.perf32("F19Q10000001", 201900, "0")]))
        #expect(e6.column == "period" && e6.message.contains("201900"))
        let e7 = try #require(error([ok, Self.perf32("F19Q10000001", 201906, "0", mod: "X")]))
        #expect(e7.column == "modification_flag")
    }

    /// The streaming reader (file path, chunked) and the in-memory reader agree, including across chunk
    /// boundaries: a file much larger than one read is folded identically.
    @Test func streamingMatchesInMemory() throws {
        var lines: [String] = []
        var index: [String: Int] = [:]
        for loan in 0..<1_000 {
            let id = String(format: "F99Q1%07d", loan)
            index[id] = loan
            for k in 0..<60 {
                let m = 199_901 + (k / 12) * 100 + k % 12
                lines.append(Self.perf32(id, m, (loan + k) % 7 == 3 ? "1" : "0"))
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("freddie-stream-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var a = [FreddieLoanHistory](repeating: FreddieLoanHistory(), count: 1_000)
        var b = a
        let s1 = try FreddiePerformanceReader.read(path: url.path, loanIndex: index, histories: &a)
        let s2 = try FreddiePerformanceReader.read(data: Data(text.utf8), label: url.path, loanIndex: index, histories: &b)
        #expect(s1.records == 60_000 && s2.records == 60_000 && a == b)
        #expect(text.utf8.count > FreddiePerformanceReader.chunkBytes, "the file spans several chunks")
        #expect(a.allSatisfy { $0.records == 60 && $0.lastMonth == monthIndex(yyyymm: 200_312) })
    }
}
