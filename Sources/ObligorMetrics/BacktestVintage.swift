import Foundation

/// One cohort's vintage curve: cumulative default rate by months on book (MOB).
public struct VintageCurve: Codable, Sendable, Equatable {
    /// Cohort label (origination year or quarter).
    public var cohort: String
    /// Loans in the cohort (the denominator of every cell).
    public var loans: Int
    /// `cumulative[m − 1]` = share of the cohort with a first credit event at MOB ≤ m, for
    /// m = 1 … maxMOB; nil (blank) where the cell is immature.
    public var cumulative: [Double?]
    /// Last MOB at which every loan of the cohort could have been observed.
    public var matureThrough: Int

    enum CodingKeys: String, CodingKey { case cohort, loans, cumulative, matureThrough = "mature_through" }
}

/// Vintage analysis (notes/metrics.md §5.1): rows are origination cohorts, columns months on book,
/// a cell is the cohort's cumulative bad rate (ever 90+ DPD or credit loss) by that MOB. A cell is
/// **immature** — blank, not zero — when some loan of the cohort had not reached that MOB by the data
/// cut-off (so the cohort's youngest loan sets the mature horizon). Prepaid loans stay in the
/// denominator as non-defaults (the competing outcome).
public enum VintageCurves {
    /// Curves per cohort, cohorts sorted as strings.
    /// - Parameters:
    ///   - cohorts: cohort of each loan.
    ///   - defaultMOB: MOB of each loan's first credit event, nil when none.
    ///   - observableMOB: MOB each loan could reach by the data cut-off (cut-off month − observation month).
    ///   - maxMOB: the last column.
    public static func compute(cohorts: [String], defaultMOB: [Int?], observableMOB: [Int], maxMOB: Int) -> [VintageCurve] {
        precondition(cohorts.count == defaultMOB.count && cohorts.count == observableMOB.count)
        precondition(maxMOB >= 1)
        var rows: [String: [Int]] = [:]
        for (i, c) in cohorts.enumerated() { rows[c, default: []].append(i) }
        return rows.keys.sorted().map { c in
            let idx = rows[c]!
            let mature = idx.map { observableMOB[$0] }.min() ?? 0
            var counts = [Int](repeating: 0, count: maxMOB + 1)
            for i in idx { if let m = defaultMOB[i], m <= maxMOB { counts[max(m, 0)] += 1 } }
            var cum = 0
            var out: [Double?] = []
            cum += counts[0]
            for m in 1...maxMOB {
                cum += counts[m]
                out.append(m <= mature ? Double(cum) / Double(idx.count) : nil)
            }
            return VintageCurve(cohort: c, loans: idx.count, cumulative: out, matureThrough: mature)
        }
    }
}
