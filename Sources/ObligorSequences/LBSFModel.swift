import Foundation
import ObligorData
import ObligorModels

/// A trained LBSF (or flat-baseline) model: a ``Scorer`` on user-level frames.
///
/// The frame has one row per user and an integer `user_id` column; the payment events are not frame
/// columns, so a model scores only after ``bind(events:)`` attached an event table (the CLI binds the
/// `--events` file). Without events for a user the user is scored on an empty history.
public struct LBSFModel: Codable, Sendable, ExplainableScorer {
    public var formatVersion = 1
    public var variant: LBSFVariant
    public var folding: FoldingSpec
    public var fields: FieldSet
    public var network: LBSFNetwork
    /// The window end (prediction time) used at training, epoch seconds; scoring uses ``scoringEnd`` or this.
    public var trainingEnd: Int64
    public var trainUsers: Int
    public var trainEvents: Int
    public var lossHistory: [Double]
    /// Window end for scoring (default: the training end).
    public var scoringEnd: Int64?
    /// Bound events (not stored in the model file).
    public var events: [Int: [PaymentEvent]] = [:]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", variant, folding, fields, network, trainingEnd = "training_end", trainUsers = "train_users"
        case trainEvents = "train_events", lossHistory = "loss_history", scoringEnd = "scoring_end"
    }

    public var featureNames: [String] { ["user_id"] }

    /// Trains on all labelled users; `end` defaults to one second after the last event.
    public static func train(events: [PaymentEvent], labels: [Int: Int], variant: LBSFVariant = .folded, folding: FoldingSpec = FoldingSpec(),
                             fields: FieldSet = FieldSet(), config: LBSFNetworkConfig = LBSFNetworkConfig(), end: Int64? = nil,
                             progress: ((Int, Double) -> Void)? = nil) throws -> LBSFModel {
        try folding.validate()
        guard let last = events.map(\.timestamp).max() else { throw SequenceError.notEnoughData("no events") }
        let end = end ?? last + 1
        let index = LBSFInputs.index(events)
        let users = labels.keys.sorted()
        let ys = users.map { labels[$0]! }
        guard Set(ys).count == 2 else { throw SequenceError.notEnoughData("the labels have a single class; a PD model needs defaults and non-defaults") }
        let enc = LBSFInputs.encode(users: users, byUser: index, end: end, spec: folding, fields: fields, variant: variant)
        var cfg = config
        if variant == .flat { cfg.crossMerchant = false }
        var net = LBSFNetwork(config: cfg)
        let hist = net.train(enc, labels: ys, progress: progress)
        return LBSFModel(variant: variant, folding: folding, fields: fields, network: net, trainingEnd: end, trainUsers: users.count,
                         trainEvents: enc.map(\.eventCount).reduce(0, +), lossHistory: hist)
    }

    /// A copy that scores from `events`.
    public func bind(events: [PaymentEvent]) -> LBSFModel {
        var m = self
        m.events = LBSFInputs.index(events)
        return m
    }

    func encoded(_ users: [Int]) -> [EncodedUser] {
        LBSFInputs.encode(users: users, byUser: events, end: scoringEnd ?? trainingEnd, spec: folding, fields: fields, variant: variant)
    }

    func userIDs(_ frame: Frame) throws -> [Int] {
        guard let c = frame["user_id"] else { throw ModelError.missingFeature("user_id") }
        guard case let .int(v) = c.values else { throw ModelError.wrongFeatureType(feature: "user_id", expected: "int", found: "\(c.values)".prefix(12).description) }
        if let r = c.missing.firstIndex(of: true) { throw ModelError.missingValueRejected(feature: "user_id", row: r) }
        return v
    }

    public func predictPD(_ frame: Frame) throws -> [Double] { network.predict(encoded(try userIDs(frame))) }

    /// PDs for user ids directly.
    public func predictPD(users: [Int]) -> [Double] { network.predict(encoded(users)) }

    /// Per-merchant attention weights (the explanation), largest first; the flat variant has none.
    public func merchantAttention(user: Int) -> [(merchant: Int, weight: Double)] {
        guard variant == .folded else { return [] }
        let w = Folding.window(events[user] ?? [], end: scoringEnd ?? trainingEnd, days: folding.windowDays)
        let f = Folding.fold(user: user, events: w, spec: folding)
        if f.merchants.isEmpty { return [] }
        let (b, g) = EventEncoder.encode(f, end: scoringEnd ?? trainingEnd, fields: fields)
        let a = network.merchantAttention(EncodedUser(bag: b, groups: g))
        return zip(f.merchants, a).map { ($0, $1) }.sorted { $0.1 > $1.1 }
    }

    /// Reason codes: the `top` merchants with the largest attention weight in the user vector
    /// (feature `merchant:<id>`, value `<category>, <n> events`, impact = the attention weight, in (0, 1]).
    /// The weights say where the model looked, not a signed contribution to the PD.
    public func reasonCodes(_ frame: Frame, top: Int) throws -> [[ReasonCode]] {
        let end = scoringEnd ?? trainingEnd
        return try userIDs(frame).map { u in
            let w = Folding.window(events[u] ?? [], end: end, days: folding.windowDays)
            var counts: [Int: (Int, Int)] = [:]
            for e in w { counts[e.merchant, default: (0, e.category)].0 += 1 }
            return merchantAttention(user: u).prefix(top).map { m in
                let (n, c) = counts[m.merchant] ?? (0, 0)
                let cat = c >= 0 && c < PaymentCategory.allCases.count ? PaymentCategory.allCases[c].rawValue : "\(c)"
                return ReasonCode(feature: "merchant:\(m.merchant)", value: "\(cat), \(n) events", impact: m.weight)
            }
        }
    }
}
