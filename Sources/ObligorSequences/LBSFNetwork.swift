import Foundation
import ObligorNeural
import ObligorNumerics

/// An encoded user: bag rows (one per event) and group offsets (one group per merchant; one for flat).
public struct EncodedUser: Sendable {
    public var bag: BagInput
    public var groups: [Int]
    public init(bag: BagInput, groups: [Int]) {
        if groups.count < 2 {  // no events in the window: one empty event (zero embedding)
            var b = BagInput()
            b.append([])
            self.bag = b
            self.groups = [0, 1]
        } else {
            self.bag = bag
            self.groups = groups
        }
    }
    public var eventCount: Int { bag.rows }
}

/// Network hyper-parameters.
public struct LBSFNetworkConfig: Codable, Sendable, Equatable {
    public var dimension: Int = 16
    public var attention: Int = 8
    /// Self-attention across merchant vectors (the "relational" layer); off = pooling only (ablation).
    public var crossMerchant: Bool = true
    public var learningRate: Double = 0.01
    public var epochs: Int = 8
    public var batchSize: Int = 32
    /// Weight of positive rows in the loss (class weighting; 1 = none).
    public var positiveWeight: Double = 1
    public var l2: Double = 1e-5
    public var seed: UInt64 = 1
    /// Fraction of training users held out (seeded) for early stopping: after every epoch the validation
    /// loss is computed and the parameters of the best epoch are kept. 0 = train on all, keep the last.
    public var validationFraction: Double = 0
    public init() {}

    enum CodingKeys: String, CodingKey { case dimension, attention, crossMerchant, learningRate, epochs, batchSize, positiveWeight, l2, seed, validationFraction }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dimension = try c.decode(Int.self, forKey: .dimension); attention = try c.decode(Int.self, forKey: .attention)
        crossMerchant = try c.decode(Bool.self, forKey: .crossMerchant); learningRate = try c.decode(Double.self, forKey: .learningRate)
        epochs = try c.decode(Int.self, forKey: .epochs); batchSize = try c.decode(Int.self, forKey: .batchSize)
        positiveWeight = try c.decode(Double.self, forKey: .positiveWeight); l2 = try c.decode(Double.self, forKey: .l2)
        seed = try c.decode(UInt64.self, forKey: .seed)
        validationFraction = try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? 0
    }
}

/// Embedding bag → dense tanh → attention pooling within each group → (self-attention across groups)
/// → attention pooling across groups → logistic head. Parameters as tensors for the ObligorNeural optimizers:
/// 0 table, 1 W1, 2 b1, 3 U1, 4 c1, 5 w1, 6 Wq, 7 Wk, 8 Wv, 9 U2, 10 c2, 11 w2, 12 head w, 13 head b.
public struct LBSFNetwork: Codable, Sendable {
    public var config: LBSFNetworkConfig
    public var vocabulary: Int
    public var theta: [[Double]]
    /// The epoch whose parameters were kept by early stopping (nil without a hold-out).
    public var bestEpoch: Int?

    public init(config: LBSFNetworkConfig, vocabulary: Int = EventEncoder.vocabulary) {
        self.config = config
        self.vocabulary = vocabulary
        let d = config.dimension, a = config.attention
        let rng = RandomSource(seed: config.seed)
        func u(_ n: Int, _ bound: Double) -> [Double] { (0..<n).map { _ in bound * (2 * rng.uniform() - 1) } }
        let sd = 1 / Double(d).squareRoot()
        theta = [
            (0..<(vocabulary * d)).map { _ in 0.1 * rng.gaussian() },
            u(d * d, sd), [Double](repeating: 0, count: d),
            u(d * a, sd), [Double](repeating: 0, count: a), u(a, 1 / Double(a).squareRoot()),
            u(d * d, sd), u(d * d, sd), u(d * d, sd),
            u(d * a, sd), [Double](repeating: 0, count: a), u(a, 1 / Double(a).squareRoot()),
            u(d, sd), [0],
        ]
    }

    var embed: EmbeddingBag { EmbeddingBag(vocabulary: vocabulary, dimension: config.dimension) }
    var dense: DenseLayer { DenseLayer(inputs: config.dimension, outputs: config.dimension, activation: .tanh) }
    var pool1: AttentionPooling { AttentionPooling(dimension: config.dimension, attention: config.attention) }
    var pool2: AttentionPooling { pool1 }
    var selfAttention: SelfAttentionLayer { SelfAttentionLayer(dimension: config.dimension) }

    struct Trace {
        var x0: [Double], x1: [Double]
        var c1: [AttentionPooling.Cache]
        var m: [Double], sa: SelfAttentionLayer.Cache?, m2: [Double]
        var c2: AttentionPooling.Cache
        var z: [Double], logit: Double
    }

    func forward(_ u: EncodedUser, _ t: [[Double]]) -> Trace {
        let d = config.dimension
        let n = u.eventCount
        let x0 = embed.forward(table: t[0], input: u.bag)
        let x1 = dense.forward(w: t[1], b: t[2], x: x0, rows: n)
        let g = u.groups.count - 1
        var m = [Double](repeating: 0, count: g * d)
        var c1: [AttentionPooling.Cache] = []
        for k in 0..<g {
            let r = u.groups[k]..<u.groups[k + 1]
            let (h, c) = pool1.forward(u: t[3], c: t[4], w: t[5], x: Array(x1[(r.lowerBound * d)..<(r.upperBound * d)]), n: r.count)
            for j in 0..<d { m[k * d + j] = h[j] }
            c1.append(c)
        }
        var m2 = m
        var sa: SelfAttentionLayer.Cache? = nil
        if config.crossMerchant && g > 1 {
            let r = selfAttention.forward(wq: t[6], wk: t[7], wv: t[8], h: m, n: g)
            m2 = r.o; sa = r.cache
        }
        let (z, c2) = pool2.forward(u: t[9], c: t[10], w: t[11], x: m2, n: g)
        var logit = t[13][0]
        for j in 0..<d { logit += z[j] * t[12][j] }
        return Trace(x0: x0, x1: x1, c1: c1, m: m, sa: sa, m2: m2, c2: c2, z: z, logit: logit)
    }

    /// The logit (log-odds of default) for one user.
    public func logit(_ u: EncodedUser) -> Double { forward(u, theta).logit }

    /// PD for each user.
    public func predict(_ users: [EncodedUser]) -> [Double] { users.map { 1 / (1 + exp(-logit($0))) } }

    /// Attention weight of each group (merchant) in the user vector, in group order: the explanation.
    public func merchantAttention(_ u: EncodedUser) -> [Double] { forward(u, theta).c2.alpha }

    /// Adds `scale · ∂ℓ/∂θ` of one user's sigmoid cross-entropy at `t` into `grad`; returns ℓ.
    func accumulate(_ u: EncodedUser, label: Int, scale: Double, _ t: [[Double]], into grad: inout [[Double]]) -> Double {
        let d = config.dimension
        let tr = forward(u, t)
        let y = Double(label)
        let loss = max(tr.logit, 0) - tr.logit * y + log1p(exp(-abs(tr.logit)))
        let dl = scale * (1 / (1 + exp(-tr.logit)) - y)
        for j in 0..<d { grad[12][j] += dl * tr.z[j] }
        grad[13][0] += dl
        let dz = t[12].map { $0 * dl }
        let g = u.groups.count - 1
        var (gU2, gc2, gw2) = (grad[9], grad[10], grad[11])
        var dM = pool2.backward(u: t[9], w: t[11], x: tr.m2, n: g, cache: tr.c2, dH: dz, dU: &gU2, dc: &gc2, dw: &gw2)
        (grad[9], grad[10], grad[11]) = (gU2, gc2, gw2)
        if let sa = tr.sa {
            var (gq, gk, gv) = (grad[6], grad[7], grad[8])
            dM = selfAttention.backward(wq: t[6], wk: t[7], wv: t[8], h: tr.m, n: g, cache: sa, dO: dM, dWq: &gq, dWk: &gk, dWv: &gv)
            (grad[6], grad[7], grad[8]) = (gq, gk, gv)
        }
        var dX1 = [Double](repeating: 0, count: u.eventCount * d)
        var (gU1, gc1, gw1) = (grad[3], grad[4], grad[5])
        for k in 0..<g {
            let r = u.groups[k]..<u.groups[k + 1]
            let dx = pool1.backward(u: t[3], w: t[5], x: Array(tr.x1[(r.lowerBound * d)..<(r.upperBound * d)]), n: r.count, cache: tr.c1[k],
                                    dH: Array(dM[(k * d)..<(k * d + d)]), dU: &gU1, dc: &gc1, dw: &gw1)
            for i in 0..<dx.count { dX1[r.lowerBound * d + i] = dx[i] }
        }
        (grad[3], grad[4], grad[5]) = (gU1, gc1, gw1)
        var (gW1, gb1) = (grad[1], grad[2])
        let dX0 = dense.backward(w: t[1], x: tr.x0, y: tr.x1, dY: dX1, rows: u.eventCount, dW: &gW1, db: &gb1)
        (grad[1], grad[2]) = (gW1, gb1)
        embed.backward(input: u.bag, dOut: dX0, dTable: &grad[0])
        return loss
    }

    /// Mean (row-weighted) loss and gradient over `rows` of `users` at parameters `t` (L2 added).
    public func lossAndGradient(_ users: [EncodedUser], labels: [Int], rows: [Int], at t: [[Double]]) -> (Double, [[Double]]) {
        var grad = t.map { [Double](repeating: 0, count: $0.count) }
        var wsum = 0.0
        for i in rows { wsum += labels[i] == 1 ? config.positiveWeight : 1 }
        var loss = 0.0
        for i in rows {
            let w = (labels[i] == 1 ? config.positiveWeight : 1) / wsum
            loss += w * accumulate(users[i], label: labels[i], scale: w, t, into: &grad)
        }
        if config.l2 > 0 {
            for k in t.indices { for j in t[k].indices { grad[k][j] += config.l2 * t[k][j]; loss += 0.5 * config.l2 * t[k][j] * t[k][j] } }
        }
        return (loss, grad)
    }

    /// Row-weighted mean loss over `rows` (no gradient).
    func lossAndGradientValue(_ users: [EncodedUser], labels: [Int], rows: [Int]) -> Double {
        var wsum = 0.0, loss = 0.0
        for i in rows {
            let w = labels[i] == 1 ? config.positiveWeight : 1
            let z = logit(users[i]), y = Double(labels[i])
            loss += w * (max(z, 0) - z * y + log1p(exp(-abs(z))))
            wsum += w
        }
        return loss / max(wsum, 1e-300)
    }

    /// Seeded mini-batch Adam training; returns the mean training loss per epoch.
    @discardableResult
    public mutating func train(_ users: [EncodedUser], labels: [Int], progress: ((Int, Double) -> Void)? = nil) -> [Double] {
        precondition(users.count == labels.count)
        var opt = AdamOptimizer(learningRate: config.learningRate)
        let rng = RandomSource(seed: config.seed &+ 7)
        var order = Array(users.indices)
        var history: [Double] = []
        // Early stopping: a seeded hold-out, stratified by label so it keeps defaults.
        var holdout: [Int] = []
        if config.validationFraction > 0 {
            rng.shuffle(&order)
            for cls in [1, 0] {
                let members = order.filter { labels[$0] == cls }
                holdout += members.prefix(Int((Double(members.count) * config.validationFraction).rounded()))
            }
            let held = Set(holdout)
            order = order.filter { !held.contains($0) }
        }
        var best = (loss: Double.infinity, theta: theta, epoch: -1)
        defer { if best.epoch >= 0 { theta = best.theta; bestEpoch = best.epoch } }
        for epoch in 0..<config.epochs {
            rng.shuffle(&order)
            var total = 0.0, batches = 0
            var s = 0
            while s < order.count {
                let rows = Array(order[s..<min(order.count, s + config.batchSize)])
                s += config.batchSize
                var batchLoss = 0.0
                let me = self
                var th = theta
                opt.step(&th) { t in
                    let (l, g) = me.lossAndGradient(users, labels: labels, rows: rows, at: t)
                    batchLoss = l
                    return g
                }
                theta = th
                total += batchLoss; batches += 1
            }
            history.append(total / Double(max(1, batches)))
            progress?(epoch, history.last!)
            if !holdout.isEmpty {
                let v = lossAndGradientValue(users, labels: labels, rows: holdout)
                if v < best.loss { best = (v, theta, epoch) }
            }
        }
        return history
    }
}
