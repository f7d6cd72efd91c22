import Foundation
import ObligorNeural

/// How the top-K merchants of a user are chosen.
public enum MerchantRanking: String, Codable, Sendable, CaseIterable {
    /// Most events first (ties: most recent last event first, then smaller merchant id).
    case count
    /// Most recent last event first (ties: more events, then smaller merchant id).
    case recency
}

/// Folding settings: window, K merchants, L events per merchant; the flat baseline keeps the last N = K·L.
public struct FoldingSpec: Codable, Sendable, Equatable {
    public var merchants: Int = 16
    public var perMerchant: Int = 16
    public var windowDays: Int = 180
    public var ranking: MerchantRanking = .count
    public init(merchants: Int = 16, perMerchant: Int = 16, windowDays: Int = 180, ranking: MerchantRanking = .count) {
        self.merchants = merchants; self.perMerchant = perMerchant; self.windowDays = windowDays; self.ranking = ranking
    }
    public func validate() throws {
        if merchants < 1 { throw SequenceError.invalidConfig("--merchants must be at least 1, got \(merchants)") }
        if perMerchant < 1 { throw SequenceError.invalidConfig("--per-merchant must be at least 1, got \(perMerchant)") }
        if windowDays < 1 { throw SequenceError.invalidConfig("--window-days must be at least 1, got \(windowDays)") }
    }
    /// The flat baseline's sequence length at equal budget.
    public var flatLength: Int { merchants * perMerchant }
}

/// One user's events regrouped by merchant: `groups[k]` holds merchant `merchants[k]`'s last L events, oldest first.
public struct FoldedUser: Sendable, Equatable {
    public var user: Int
    public var merchants: [Int]
    public var groups: [[PaymentEvent]]
}

public enum Folding {
    /// Splits events into per-user lists sorted by (timestamp, merchant); users in increasing id order.
    public static func byUser(_ events: [PaymentEvent]) -> [(user: Int, events: [PaymentEvent])] {
        var map: [Int: [PaymentEvent]] = [:]
        for e in events { map[e.user, default: []].append(e) }
        return map.keys.sorted().map { u in (u, map[u]!.sorted { ($0.timestamp, $0.merchant) < ($1.timestamp, $1.merchant) }) }
    }

    /// Events in `[end − windowDays·86400, end)`, kept in order.
    public static func window(_ events: [PaymentEvent], end: Int64, days: Int) -> [PaymentEvent] {
        let start = end - Int64(days) * 86400
        return events.filter { $0.timestamp >= start && $0.timestamp < end }
    }

    /// Folds one user's time-ordered events (already windowed).
    public static func fold(user: Int, events: [PaymentEvent], spec: FoldingSpec) -> FoldedUser {
        var index: [Int: Int] = [:]
        var lists: [[PaymentEvent]] = []
        var ids: [Int] = []
        for e in events {
            if let i = index[e.merchant] { lists[i].append(e) } else { index[e.merchant] = lists.count; lists.append([e]); ids.append(e.merchant) }
        }
        for i in lists.indices { lists[i].sort { $0.timestamp < $1.timestamp } }
        var order = Array(lists.indices)
        order.sort { a, b in
            let ca = lists[a].count, cb = lists[b].count, ta = lists[a].last!.timestamp, tb = lists[b].last!.timestamp
            switch spec.ranking {
            case .count: return ca != cb ? ca > cb : (ta != tb ? ta > tb : ids[a] < ids[b])
            case .recency: return ta != tb ? ta > tb : (ca != cb ? ca > cb : ids[a] < ids[b])
            }
        }
        let keep = order.prefix(spec.merchants)
        return FoldedUser(user: user, merchants: keep.map { ids[$0] }, groups: keep.map { Array(lists[$0].suffix(spec.perMerchant)) })
    }

    /// The flat baseline's input: the last `n` events, as one group.
    public static func flat(user: Int, events: [PaymentEvent], n: Int) -> FoldedUser {
        FoldedUser(user: user, merchants: [-1], groups: [Array(events.suffix(n))])
    }
}

/// Which fields the encoder uses (ablations switch some off).
public struct FieldSet: Codable, Sendable, Equatable {
    public var description: Bool = true
    /// Hour of day, day of week, gap since the previous event and days before the window end.
    public var time: Bool = true
    public init(description: Bool = true, time: Bool = true) { self.description = description; self.time = time }
}

/// Multi-field encoding of events as rows of an embedding bag.
///
/// Every field is a discrete id in its own block of one shared table, so the summed embedding is
/// `W · [1_amount ‖ 1_hour ‖ 1_weekday ‖ 1_gap ‖ 1_recency ‖ 1_category ‖ 1_merchant ‖ mean(1_tokens)]`.
public enum EventEncoder {
    public static let amountBuckets = 32, hours = 24, weekdays = 7, gapBuckets = 16, recencyBuckets = 12
    public static let categories = PaymentCategory.allCases.count, merchantBuckets = 64, tokenBuckets = 128
    static let oAmount = 0, oHour = amountBuckets, oWeekday = oHour + hours, oGap = oWeekday + weekdays
    static let oRecency = oGap + gapBuckets, oCategory = oRecency + recencyBuckets, oMerchant = oCategory + categories
    static let oToken = oMerchant + merchantBuckets
    public static let vocabulary = oToken + tokenBuckets

    /// `floor(3·ln(1 + a))`, clamped to 0…31 (a bucket is ≈ ×1.4 in amount).
    public static func amountBucket(_ a: Double) -> Int { min(amountBuckets - 1, max(0, Int(3 * log1p(max(0, a))))) }
    /// 0 for a first event; else `1 + floor(log2(1 + gap in hours))`, clamped to 15.
    public static func gapBucket(_ seconds: Int64?) -> Int {
        guard let s = seconds else { return 0 }
        return min(gapBuckets - 1, 1 + Int(log2(1 + Double(max(0, s)) / 3600)))
    }
    /// `floor(log2(1 + days before the end))`, clamped to 11.
    public static func recencyBucket(_ secondsBeforeEnd: Int64) -> Int {
        min(recencyBuckets - 1, Int(log2(1 + Double(max(0, secondsBeforeEnd)) / 86400)))
    }
    /// FNV-1a 64-bit hash.
    public static func hash(_ s: Substring) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Bag rows for one user (one row per event, groups in order) and the group offsets.
    public static func encode(_ folded: FoldedUser, end: Int64, fields: FieldSet) -> (bag: BagInput, groups: [Int]) {
        var bag = BagInput()
        var groups = [0]
        for (gi, g) in folded.groups.enumerated() {
            var prev: Int64? = nil
            for e in g {
                var row: [(Int, Double)] = [(oAmount + amountBucket(e.amount), 1), (oCategory + min(categories - 1, max(0, e.category)), 1),
                                            (oMerchant + Int(hash(Substring(String(e.merchant))) % UInt64(merchantBuckets)), 1)]
                if fields.time {
                    let secOfDay = ((e.timestamp % 86400) + 86400) % 86400
                    let day = (e.timestamp - secOfDay) / 86400
                    row.append((oHour + Int(secOfDay / 3600), 1))
                    row.append((oWeekday + Int(((day + 3) % 7 + 7) % 7), 1))
                    row.append((oGap + gapBucket(prev.map { e.timestamp - $0 }), 1))
                    row.append((oRecency + recencyBucket(end - e.timestamp), 1))
                }
                if fields.description {
                    let toks = e.description.split(separator: " ")
                    for t in toks { row.append((oToken + Int(hash(t) % UInt64(tokenBuckets)), 1 / Double(toks.count))) }
                }
                bag.append(row)
                prev = e.timestamp
            }
            _ = gi
            groups.append(bag.rows)
        }
        return (bag, groups)
    }
}
