import Foundation
import Testing
@testable import ObligorLLM

/// Table 2 cells recomputed from the prediction logs (notes/calm.md §4: paper values and the
/// reproduction's standard-F1 values, three decimals).
@Suite("CALM metrics")
struct CALMMetricsTests {
    /// Metrics of model `m` in a predictions CSV (`truth`, `m_pred`, `m_missing`).
    func metrics(_ file: String, _ m: String) throws -> CALMClassificationMetrics {
        let s = try readCSV(file)
        let h = s.header!
        let t = h.firstIndex(of: "truth")!, p = h.firstIndex(of: "\(m)_pred")!, miss = h.firstIndex(of: "\(m)_missing")!
        return CALMClassificationMetrics(gold: s.rows.map { $0[t] }, predicted: s.rows.map { $0[miss] == "1" ? nil : $0[p] })
    }

    func expectCells(_ x: CALMClassificationMetrics, acc: Double, f1: Double, f1std: Double, mcc: Double, miss: Double) {
        #expect(close(x.accuracy, acc, 0.0005), "acc \(x.accuracy)")
        #expect(close(x.f1Paper, f1, 0.0005), "paper F1 \(x.f1Paper)")
        #expect(close(x.f1Weighted, f1std, 0.0005), "standard F1 \(x.f1Weighted)")
        #expect(close(x.mcc, mcc, 0.0005), "MCC \(x.mcc)")
        #expect(close(x.miss, miss, 0.0005), "miss \(x.miss)")
    }

    @Test func germanTable2() throws {
        let calm = try metrics("german_predictions.csv", "calm")
        expectCells(calm, acc: 0.565, f1: 0.595, f1std: 0.535, mcc: -0.067, miss: 0)
        #expect(calm.confusion == ["good→good": 101, "good→bad": 31, "bad→good": 56, "bad→bad": 12])
        expectCells(try metrics("german_predictions.csv", "chatgpt"), acc: 0.440, f1: 0.470, f1std: 0.410, mcc: 0.075, miss: 0)
        expectCells(try metrics("german_predictions.csv", "gpt4"), acc: 0.545, f1: 0.577, f1std: 0.513, mcc: -0.119, miss: 0)
    }

    @Test func ccFraudAndTravelTable2() throws {
        let calm = try metrics("ccfraud_predictions.csv", "calm")
        expectCells(calm, acc: 0.514, f1: 0.402, f1std: 0.627, mcc: 0.192, miss: 0)
        #expect(calm.confusion == ["good→good": 966, "good→bad": 1009, "bad→good": 10, "bad→bad": 113])
        expectCells(try metrics("ccfraud_predictions.csv", "chatgpt"), acc: 0.173, f1: 0.132, f1std: 0.214, mcc: 0.066, miss: 0)
        let travel = try metrics("travel_predictions.csv", "calm")
        expectCells(travel, acc: 0.929, f1: 0.908, f1std: 0.950, mcc: 0.076, miss: 0)
        #expect(travel.confusion == ["no→no": 2346, "no→yes": 150, "yes→no": 30, "yes→yes": 8])
        expectCells(try metrics("travel_predictions.csv", "chatgpt"), acc: 0.981, f1: 0.986, f1std: 0.975, mcc: -0.008, miss: 0)
        expectCells(try metrics("travel_predictions.csv", "gpt4"), acc: 0.835, f1: 0.774, f1std: 0.897, mcc: 0.153, miss: 0)
    }

    /// PIXIU's parse of the logged raw outputs gives the logged labels.
    @Test func pixiuParseOfLoggedOutputs() throws {
        let s = try readCSV("german_predictions.csv")
        let h = s.header!
        var checked = 0
        for m in ["calm", "chatgpt", "gpt4"] {
            let p = h.firstIndex(of: "\(m)_pred")!, raw = h.firstIndex(of: "\(m)_raw")!, miss = h.firstIndex(of: "\(m)_missing")!
            for row in s.rows where row[miss] == "0" {
                #expect(pixiuParse(row[raw], choices: ["good", "bad"]) == row[p], "\(m): \(row[raw])")
                checked += 1
            }
        }
        #expect(checked == 600)
        #expect(pixiuParse("  I cannot say", choices: ["yes", "no"]) == "no")     // the substring caveat
        #expect(pixiuParse("Yes, and no", choices: ["no", "yes"]) == "no")       // order of choices wins
        #expect(pixiuParse("unclear", choices: ["good", "bad"]) == nil)
    }

    /// Missing answers are a third class for MCC and wrong for accuracy; sklearn values computed by hand:
    /// gold [g,g,b,b,g,b], pred [g,missing,b,g,g,missing].
    @Test func missingIsAThirdClass() {
        let m = CALMClassificationMetrics(gold: ["good", "good", "bad", "bad", "good", "bad"],
                                          predicted: ["good", nil, "bad", "good", "good", nil])
        #expect(close(m.accuracy, 0.5, 1e-12) && close(m.miss, 1.0 / 3.0, 1e-12))
        // c = 3, s = 6, p = (good 3, bad 1, missing 2), t = (good 3, bad 3): (18 − 12) / √((36 − 14)(36 − 18)).
        #expect(close(m.mcc, 6 / (22.0 * 18.0).squareRoot(), 1e-12))
        // F1 good = 4/6, bad = 2/4; standard weights 3/3, paper weights by predictions 3 (good), 1 (bad).
        #expect(close(m.f1Weighted, (3 * 4.0 / 6 + 3 * 0.5) / 6, 1e-12))
        #expect(close(m.f1Paper, (3 * 4.0 / 6 + 1 * 0.5) / 4, 1e-12))
    }

    @Test func scoreMetricsOnPGood() {
        // Perfectly ordered: every good above every bad → AUC 1, KS 1.
        let s = CALMScoreMetrics(pGood: [0.9, 0.8, 0.3, nil, 0.1], favourable: [true, true, false, true, false])
        #expect(s.n == 4 && s.events == 2 && s.auc == 1 && s.ks == 1)
        #expect(close(s.brier, (0.01 + 0.04 + 0.09 + 0.01) / 4, 1e-12))
    }
}
