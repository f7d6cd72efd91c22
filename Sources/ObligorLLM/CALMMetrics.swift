import Foundation
import ObligorMetrics

/// PIXIU's answer parse (`flare.py` `Classification`): strip and lower-case the generation, then the
/// prediction is the **first** choice (in the dataset's order, lower-cased) that is a substring of it;
/// none → missing (`nil`). The substring rule means "no" also matches "not", "know", "cannot".
public func pixiuParse(_ output: String, choices: [String]) -> String? {
    let out = output.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    return choices.first { out.contains($0.lowercased()) }
}

/// CALM's Table 2 metrics for hard labels (notes/calm.md §3).
public struct CALMClassificationMetrics: Codable, Sendable, Equatable {
    /// Records.
    public let n: Int
    /// mean(pred == gold); a missing prediction is wrong.
    public let accuracy: Double
    /// F1 as the paper computed it: `f1_score(pred, gold, average="weighted", labels=set(gold))`
    /// (arguments swapped), i.e. per-class F1 weighted by **predicted** counts.
    public let f1Paper: Double
    /// The standard weighted F1, `f1_score(gold, pred, average="weighted", labels=set(gold))`.
    public let f1Weighted: Double
    /// Matthews correlation with "missing" as a third class (multiclass formula).
    public let mcc: Double
    /// Share of missing predictions.
    public let miss: Double
    /// Counts gold → predicted (`"missing"` for no label), keys "gold→pred".
    public let confusion: [String: Int]

    enum CodingKeys: String, CodingKey {
        case n, accuracy = "acc", f1Paper = "f1_paper", f1Weighted = "f1_weighted", mcc, miss, confusion
    }

    /// Computes the metrics; `predicted[i] == nil` is a missing answer.
    public init(gold: [String], predicted: [String?]) {
        precondition(gold.count == predicted.count, "CALMClassificationMetrics: lengths differ")
        let n = gold.count
        self.n = n
        let missing = "\u{0}missing"
        let pred = predicted.map { $0 ?? missing }
        var correct = 0, nMissing = 0
        var goldCount: [String: Int] = [:], predCount: [String: Int] = [:], tp: [String: Int] = [:], confusion: [String: Int] = [:]
        for i in 0..<n {
            goldCount[gold[i], default: 0] += 1
            predCount[pred[i], default: 0] += 1
            if pred[i] == gold[i] { correct += 1; tp[gold[i], default: 0] += 1 }
            if predicted[i] == nil { nMissing += 1 }
            confusion["\(gold[i])→\(predicted[i] ?? "missing")", default: 0] += 1
        }
        accuracy = n == 0 ? .nan : Double(correct) / Double(n)
        miss = n == 0 ? .nan : Double(nMissing) / Double(n)
        self.confusion = confusion
        // Per-class F1 is symmetric in the two arguments: 2·TP / (n_pred + n_gold); only the weights differ.
        var paperNum = 0.0, paperDen = 0.0, stdNum = 0.0, stdDen = 0.0
        for c in goldCount.keys.sorted() {
            let g = Double(goldCount[c] ?? 0), p = Double(predCount[c] ?? 0), t = Double(tp[c] ?? 0)
            let f1 = (g + p) > 0 ? 2 * t / (g + p) : 0
            paperNum += p * f1; paperDen += p
            stdNum += g * f1; stdDen += g
        }
        f1Paper = paperDen > 0 ? paperNum / paperDen : 0
        f1Weighted = stdDen > 0 ? stdNum / stdDen : 0
        // Multiclass MCC (Gorodkin): (c·s − Σ p_k t_k) / √((s² − Σ p_k²)(s² − Σ t_k²)); 0 when undefined.
        let s = Double(n), c = Double(correct)
        var pt = 0.0, pp = 0.0, tt = 0.0
        for k in Set(goldCount.keys).union(predCount.keys) {
            let p = Double(predCount[k] ?? 0), t = Double(goldCount[k] ?? 0)
            pt += p * t; pp += p * p; tt += t * t
        }
        let den = ((s * s - pp) * (s * s - tt)).squareRoot()
        mcc = den > 0 ? (c * s - pt) / den : 0
    }
}

/// Metrics of a soft score `P(good)` against the truth, credit-risk style (ObligorMetrics conventions:
/// event = unfavourable answer, score = PD = 1 − P(good)).
public struct CALMScoreMetrics: Codable, Sendable, Equatable {
    /// Records with a score.
    public let n: Int
    /// Unfavourable outcomes among them.
    public let events: Int
    /// AUC of PD = 1 − P(good) for the unfavourable outcome (ties half).
    public let auc: Double
    /// Kolmogorov–Smirnov statistic of the same scores.
    public let ks: Double
    /// Brier score of P(good) for the favourable outcome (= Brier of PD for the event).
    public let brier: Double

    enum CodingKeys: String, CodingKey { case n, events, auc, ks, brier }

    /// `pGood[i] == nil` (no label mass in the top tokens) is left out.
    public init(pGood: [Double?], favourable: [Bool]) {
        var pd: [Double] = [], y: [Int] = []
        for (p, f) in zip(pGood, favourable) { if let p { pd.append(1 - p); y.append(f ? 0 : 1) } }
        n = pd.count
        events = y.reduce(0, +)
        auc = Discrimination.auc(scores: pd, labels: y)
        ks = pd.isEmpty || events == 0 || events == n ? .nan : Discrimination.ks(scores: pd, labels: y).statistic
        brier = pd.isEmpty ? .nan : Calibration.brier(scores: pd, labels: y)
    }
}
