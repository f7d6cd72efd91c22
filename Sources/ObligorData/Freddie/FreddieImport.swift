import Foundation

/// A Freddie Mac import: the labelled loans and every loan's outcome, as two frames.
public struct FreddieDataset: Sendable {
    /// One row per labelled (uncensored) loan: `loan_id`, `vintage`, the origination features, and
    /// the target `default_<H>m`. Censored loans are left out (their window has not matured).
    public var labelled: Frame
    /// One row per loan (censored ones included): `loan_id`, `vintage`, `quarter`, `observation_month`
    /// (YYYYMM), `outcome`, `censored`, `default_<H>m` (missing when censored), `default_mob`,
    /// `prepay_mob`, `last_mob`, `worst_delinquency`, `cures`, `modified`, `zero_balance_code`,
    /// `data_cutoff` (YYYYMM, the last reporting month in the files) and `horizon`.
    public var outcomes: Frame
    /// Performance window H in months.
    public var horizon: Int
    /// Name of the target column, `default_<H>m`.
    public var target: String
    /// Counts per outcome.
    public var outcomeCounts: [FreddieOutcome: Int]
    /// Streaming figures per performance file.
    public var streams: [FreddieStreamStats]
    /// Origination releases detected, one per file.
    public var originationReleases: [FreddieRelease]
    /// Loans with no performance record at all (kept as censored).
    public var loansWithoutRecords: Int
    /// Last reporting month in the performance files (YYYYMM).
    public var dataCutoff: Int
}

/// Reads Freddie Mac origination and performance files into Obligor frames with labels.
public enum FreddieImporter {
    /// Reads the origination files, streams the performance files, and builds the labels.
    /// - Parameters:
    ///   - horizon: performance window H in months (12 by default).
    /// - Throws: ``CSVError`` naming the file, line and field of the first malformed record.
    public static func load(origination: [String], performance: [String], horizon: Int = 12) throws(CSVError) -> FreddieDataset {
        let orig = try FreddieOrigination.read(paths: origination)
        var index: [String: Int] = [:]
        index.reserveCapacity(orig.count)
        for (i, id) in orig.loanIDs.enumerated() { index[id] = i }
        var histories = [FreddieLoanHistory](repeating: FreddieLoanHistory(), count: orig.count)
        var streams: [FreddieStreamStats] = []
        for p in performance {
            streams.append(try FreddiePerformanceReader.read(path: p, loanIndex: index, histories: &histories))
        }
        return build(orig, histories: histories, horizon: horizon, streams: streams)
    }

    /// Builds the frames from parsed loans and their histories.
    public static func build(_ orig: FreddieOrigination, histories: [FreddieLoanHistory], horizon: Int,
                             streams: [FreddieStreamStats] = []) -> FreddieDataset {
        precondition(horizon > 0, "horizon must be positive")
        let n = orig.count
        let cutoffMonth = histories.map(\.lastMonth).max() ?? -1
        var labels: [FreddieLabel] = []
        labels.reserveCapacity(n)
        var counts: [FreddieOutcome: Int] = [:]
        var noRecords = 0
        for i in 0..<n {
            let t0 = FreddieLabels.observationMonth(firstPayment: orig.firstPayment[i])
            let l = FreddieLabels.label(history: histories[i], observationMonth: t0, horizon: horizon)
            if histories[i].records == 0 { noRecords += 1 }
            labels.append(l)
            counts[l.outcome, default: 0] += 1
        }
        let target = "default_\(horizon)m"
        let keep = (0..<n).filter { labels[$0].y != nil }

        func features(_ rows: [Int]) -> [Column] {
            var cols: [Column] = []
            for name in FreddieOrigination.numericFeatures {
                let v = orig.numeric[name]!
                if FreddieOrigination.doubleFields.contains(name) {
                    cols.append(.double(name, rows.map { v[$0] }))
                } else {
                    cols.append(.int(name, rows.map { v[$0].map { Int($0) } }))
                }
            }
            for name in FreddieOrigination.textFeatures {
                let v = orig.text[name]!
                cols.append(.categorical(name, rows.map { v[$0] }))
            }
            return cols
        }
        // Frame construction cannot fail: names are distinct and lengths equal by construction.
        let labelled = try! Frame([.categorical("loan_id", keep.map { orig.loanIDs[$0] }),
                                   .int("vintage", keep.map { orig.vintage[$0] })]
                                  + features(keep)
                                  + [.int(target, keep.map { labels[$0].y })])
        let all = Array(0..<n)
        let outcomes = try! Frame([
            .categorical("loan_id", orig.loanIDs),
            .int("vintage", orig.vintage),
            .categorical("quarter", orig.quarter),
            .int("observation_month", all.map { yyyymm(monthIndex: FreddieLabels.observationMonth(firstPayment: orig.firstPayment[$0])) }),
            .categorical("outcome", labels.map { $0.outcome.rawValue }),
            .int("censored", labels.map { $0.outcome == .censored ? 1 : 0 }),
            .int(target, labels.map { $0.y }),
            .int("default_mob", labels.map { $0.defaultMOB }),
            .int("prepay_mob", labels.map { $0.prepayMOB }),
            .int("last_mob", all.map { histories[$0].records > 0 ? labels[$0].lastMOB : nil }),
            .int("worst_delinquency", histories.map { $0.records > 0 ? $0.worstDelinquency : nil }),
            .int("cures", histories.map { $0.cures }),
            .int("modified", histories.map { $0.modified ? 1 : 0 }),
            .int("zero_balance_code", histories.map { $0.zeroBalanceCode >= 0 ? $0.zeroBalanceCode : nil }),
            .int("data_cutoff", all.map { _ in cutoffMonth >= 0 ? yyyymm(monthIndex: cutoffMonth) : nil }),
            .int("horizon", all.map { _ in horizon }),
        ])
        return FreddieDataset(labelled: labelled, outcomes: outcomes, horizon: horizon, target: target, outcomeCounts: counts,
                              streams: streams, originationReleases: orig.releases, loansWithoutRecords: noRecords,
                              dataCutoff: cutoffMonth >= 0 ? yyyymm(monthIndex: cutoffMonth) : 0)
    }
}
