import Foundation
import ObligorNeural

/// Model variants compared in the LBSF bench.
public enum LBSFVariant: String, Codable, Sendable, CaseIterable {
    /// Fold by merchant (top K, last L each), pool within, self-attention across, pool, logistic head.
    case folded
    /// The same encoder over the last N = K·L events as one sequence with attention pooling.
    case flat
}

/// Turning events into network inputs.
public enum LBSFInputs {
    /// Encodes every user of `users` (ids) from `byUser` events, windowed to `spec.windowDays` before `end`.
    public static func encode(users: [Int], byUser: [Int: [PaymentEvent]], end: Int64, spec: FoldingSpec, fields: FieldSet,
                              variant: LBSFVariant) -> [EncodedUser] {
        users.map { u in
            let w = Folding.window(byUser[u] ?? [], end: end, days: spec.windowDays)
            let f = variant == .folded ? Folding.fold(user: u, events: w, spec: spec) : Folding.flat(user: u, events: w, n: spec.flatLength)
            let (b, g) = EventEncoder.encode(f, end: end, fields: fields)
            return EncodedUser(bag: b, groups: g)
        }
    }

    /// Per-user event lists, time-ordered.
    public static func index(_ events: [PaymentEvent]) -> [Int: [PaymentEvent]] {
        var m: [Int: [PaymentEvent]] = [:]
        for (u, e) in Folding.byUser(events) { m[u] = e }
        return m
    }
}

/// Hand-crafted per-user aggregates over a window (the GBDT baseline's features).
public enum AggregateFeatures {
    public static var names: [String] {
        ["n_events", "total_amount", "mean_log_amount", "sd_log_amount", "n_merchants", "top_merchant_share", "night_share",
         "weekend_share", "mean_gap_hours", "last30_share", "utilities_count"]
            + PaymentCategory.allCases.map { "share_\($0.rawValue)" }
    }

    public static func compute(_ events: [PaymentEvent], end: Int64, windowDays: Int) -> [Double] {
        let w = Folding.window(events, end: end, days: windowDays)
        let n = Double(w.count)
        if w.isEmpty { return [Double](repeating: 0, count: names.count) }
        let logs = w.map { log1p($0.amount) }
        let ml = logs.reduce(0, +) / n
        let sd = (logs.map { ($0 - ml) * ($0 - ml) }.reduce(0, +) / n).squareRoot()
        var counts: [Int: Int] = [:]
        var cat = [Double](repeating: 0, count: PaymentCategory.allCases.count)
        var night = 0.0, weekend = 0.0, last30 = 0.0
        for e in w {
            counts[e.merchant, default: 0] += 1
            cat[max(0, min(cat.count - 1, e.category))] += 1
            let h = ((e.timestamp % 86400) + 86400) % 86400 / 3600
            if h < 6 { night += 1 }
            if ((e.timestamp / 86400) + 3) % 7 >= 5 { weekend += 1 }
            if e.timestamp >= end - 30 * 86400 { last30 += 1 }
        }
        let gap = w.count > 1 ? Double(w.last!.timestamp - w.first!.timestamp) / 3600 / (n - 1) : 0
        return [n, w.map(\.amount).reduce(0, +), ml, sd, Double(counts.count), Double(counts.values.max()!) / n, night / n, weekend / n,
                gap, last30 / n, cat[PaymentCategory.utilities.index]] + cat.map { $0 / n }
    }
}
