import Foundation

/// One record's result of `obligor calm score` (table `calm_results`, keyed by run, dataset, split and
/// record id).
public struct CALMStoredResult: Sendable, Equatable {
    /// Run name (`--run`).
    public let run: String
    /// Dataset name (`german`, …).
    public let dataset: String
    /// `train`, `valid`, `test` or `all`.
    public let split: String
    /// CALM's record id (position in the split).
    public let recordID: Int
    /// 0-based row of the dataset's source file.
    public let sourceRow: Int
    /// The gold answer word.
    public let gold: String
    /// Probability mass of the favourable answer's token variants in the first-token distribution.
    public let pFavourable: Double
    /// Same for the unfavourable answer.
    public let pUnfavourable: Double
    /// pFavourable + pUnfavourable.
    public let coverage: Double
    /// pFavourable / coverage; nil when coverage is 0.
    public let pGood: Double?
    /// Hard label at the run's minimum coverage; nil = missing.
    public let answer: String?
    /// Text the backend generated, if any.
    public let greedyText: String?
    /// The first-token candidates as JSON (`[{"id","token","bytes","logprob"}]`).
    public let topTokensJSON: String
    /// Which backend produced it.
    public let backend: String

    /// A result from its fields.
    public init(run: String, dataset: String, split: String, recordID: Int, sourceRow: Int, gold: String,
                pFavourable: Double, pUnfavourable: Double, coverage: Double, pGood: Double?, answer: String?,
                greedyText: String?, topTokensJSON: String, backend: String) {
        self.run = run; self.dataset = dataset; self.split = split; self.recordID = recordID; self.sourceRow = sourceRow
        self.gold = gold; self.pFavourable = pFavourable; self.pUnfavourable = pUnfavourable; self.coverage = coverage
        self.pGood = pGood; self.answer = answer; self.greedyText = greedyText; self.topTokensJSON = topTokensJSON
        self.backend = backend
    }
}

extension Workspace {
    /// Stores one record's result in its own transaction (replacing an earlier result for the same key),
    /// so an interrupted run keeps everything scored before the interruption.
    public func saveCALMResult(_ r: CALMStoredResult) throws {
        try db.transaction {
            let s = try db.prepare("""
                INSERT OR REPLACE INTO calm_results (run, dataset, split, record_id, source_row, gold, p_favourable, p_unfavourable,
                    coverage, p_good, answer, greedy_text, top_tokens_json, backend, scored_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try s.bind([.text(r.run), .text(r.dataset), .text(r.split), .integer(Int64(r.recordID)), .integer(Int64(r.sourceRow)),
                        .text(r.gold), .real(r.pFavourable), .real(r.pUnfavourable), .real(r.coverage),
                        r.pGood.map { .real($0) } ?? .null, r.answer.map { .text($0) } ?? .null,
                        r.greedyText.map { .text($0) } ?? .null, .text(r.topTokensJSON), .text(r.backend), .text(Self.timestamp())])
            try s.run()
        }
    }

    /// The stored results of a run on one dataset split, by record id.
    public func calmResults(run: String, dataset: String, split: String) throws -> [CALMStoredResult] {
        let s = try db.prepare("""
            SELECT record_id, source_row, gold, p_favourable, p_unfavourable, coverage, p_good, answer, greedy_text, top_tokens_json, backend
            FROM calm_results WHERE run = ? AND dataset = ? AND split = ? ORDER BY record_id
            """)
        try s.bind([.text(run), .text(dataset), .text(split)])
        var out: [CALMStoredResult] = []
        while try s.step() {
            func optionalReal(_ i: Int32) -> Double? { if case .null = s.value(i) { return nil }; return s.double(i) }
            out.append(CALMStoredResult(run: run, dataset: dataset, split: split, recordID: Int(s.int(0)), sourceRow: Int(s.int(1)),
                                        gold: s.text(2) ?? "", pFavourable: s.double(3), pUnfavourable: s.double(4), coverage: s.double(5),
                                        pGood: optionalReal(6), answer: s.text(7), greedyText: s.text(8),
                                        topTokensJSON: s.text(9) ?? "[]", backend: s.text(10) ?? ""))
        }
        return out
    }
}
