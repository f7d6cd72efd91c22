import Foundation
import Testing
@testable import ObligorLLM

/// P(good) from first-token distributions against what the reference probe computed
/// (`probe_summary.json`), plus the normalisation rules.
@Suite("First-token P(good)")
struct FirstTokenTests {
    func recorded(_ name: String) throws -> FirstTokenDistribution {
        let f = try Fixture.json("llama_server/\(name)")
        return try #require(ServerScorer.decodeAny(f["response"] as! [String: Any]))
    }

    @Test func fullVocabularyDistributionMatchesProbe() throws {
        let d = try recorded("05_completion.json")
        #expect(d.entries.count == 437)
        #expect(close(d.entries.map { exp($0.logprob) }.reduce(0, +), 1, 1e-5))
        let summary = try Fixture.json("llama_server/probe_summary.json")["completion_full_vocab"] as! [String: Any]
        let expected = summary["p_good_p_bad_score"] as! [Double]
        let s = d.choiceScore(favourable: "good", unfavourable: "bad", minCoverage: 0.5)
        #expect(close(s.pFavourable, expected[0], expected[0] * 1e-9))
        #expect(close(s.pUnfavourable, expected[1], expected[1] * 1e-9))
        #expect(close(s.pGood!, expected[2], 1e-9))
        #expect(s.answer == nil)   // coverage ≈ 2e-7: the random tiny model is not answering
        #expect(d.choiceScore(favourable: "good", unfavourable: "bad", minCoverage: 0).answer == "bad")
    }

    @Test func topTenHasNoLabelMass() throws {
        let summary = try Fixture.json("llama_server/probe_summary.json")
        for (file, key) in [("01_completion.json", "completion"), ("03_v1_completions.json", "v1_completions"), ("04_v1_chat_completions.json", "v1_chat")] {
            let d = try recorded(file)
            let top5 = (summary[key] as! [String: Any])["top5"] as! [[Any]]
            #expect(d.entries.prefix(5).map(\.token) == top5.map { $0[0] as! String }, "\(file)")
            for (e, t) in zip(d.entries, top5) { #expect(close(e.logprob, t[1] as! Double, 0.00005)) }
            let s = d.choiceScore(favourable: "good", unfavourable: "bad", minCoverage: 0.5)
            #expect(s.coverage == 0 && s.pGood == nil && s.answer == nil)
        }
        #expect(try recorded("01_completion.json").entries[0].bytes == [176])   // byte-fallback token: bytes, not "\u{FFFD}"
    }

    @Test func variantsAreSummedAndOthersIgnored() {
        let d = FirstTokenDistribution(entries: [
            TokenLogprob(token: "\u{2581}good", logprob: log(0.4)), TokenLogprob(token: " Good", bytes: Array(" Good".utf8), logprob: log(0.1)),
            TokenLogprob(token: "GOOD\n", logprob: log(0.05)), TokenLogprob(token: "bad", logprob: log(0.2)),
            TokenLogprob(token: "goods", logprob: log(0.1)), TokenLogprob(token: "\u{FFFD}", bytes: [0xE2], logprob: log(0.15)),
        ], greedyText: " good")
        let s = d.choiceScore(favourable: "good", unfavourable: "bad", minCoverage: 0.5)
        #expect(close(s.pFavourable, 0.55, 1e-12) && close(s.pUnfavourable, 0.2, 1e-12) && close(s.coverage, 0.75, 1e-12))
        #expect(close(s.pGood!, 0.55 / 0.75, 1e-12) && s.answer == "good")
        #expect(d.choiceScore(favourable: "good", unfavourable: "bad", minCoverage: 0.8).answer == nil)
        #expect(d.entries.first?.token == "\u{2581}good")
    }
}
