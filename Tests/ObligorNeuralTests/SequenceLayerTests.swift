import Foundation
import ObligorNeural
import ObligorNumerics
import Testing

/// Gradient checks of the set/sequence layers: each layer's loss is `L = Σ r ⊙ out` with fixed random
/// r, so `∂L/∂out = r`; back-propagation must agree with central differences (h = 1e-5) on every
/// parameter and every input coordinate. Same tolerance argument as `GradientCheckTests` (a correct
/// gradient agrees to ~1e-9 on these O(1) smooth functions; a wrong term is off by ≥ 1e-3).
@Suite("Sequence layers against finite differences")
struct SequenceLayerTests {
    static let tolerance = 1e-6

    func randoms(_ n: Int, _ rng: RandomSource, scale: Double = 1) -> [Double] { (0..<n).map { _ in scale * rng.gaussian() } }

    @Test func embeddingBag() {
        let rng = RandomSource(seed: 3)
        let layer = EmbeddingBag(vocabulary: 7, dimension: 4)
        var bag = BagInput()
        bag.append([(0, 1), (3, 1), (5, 0.5), (5, 0.5)])
        bag.append([(6, 1)])
        bag.append([(2, 1), (3, 0.25)])
        let table = randoms(28, rng)
        let r = randoms(bag.rows * 4, rng)
        func loss(_ t: [[Double]]) -> Double { zip(layer.forward(table: t[0], input: bag), r).reduce(0) { $0 + $1.0 * $1.1 } }
        var dT = [Double](repeating: 0, count: 28)
        layer.backward(input: bag, dOut: r, dTable: &dT)
        let fd = finiteDifferences([table], loss)
        #expect(maxRelativeError([dT], fd) < Self.tolerance)
        // Table rows no bag row uses (1 and 4) get no gradient.
        #expect(dT[4..<8].allSatisfy { $0 == 0 } && dT[16..<20].allSatisfy { $0 == 0 })
    }

    @Test(arguments: [DenseActivation.identity, .tanh]) func dense(_ act: DenseActivation) {
        let rng = RandomSource(seed: 4)
        let layer = DenseLayer(inputs: 5, outputs: 3, activation: act)
        let rows = 6
        let theta = [randoms(15, rng, scale: 0.5), randoms(3, rng), randoms(rows * 5, rng)]
        let r = randoms(rows * 3, rng)
        func loss(_ t: [[Double]]) -> Double { zip(layer.forward(w: t[0], b: t[1], x: t[2], rows: rows), r).reduce(0) { $0 + $1.0 * $1.1 } }
        let y = layer.forward(w: theta[0], b: theta[1], x: theta[2], rows: rows)
        var dW = [Double](repeating: 0, count: 15), db = [Double](repeating: 0, count: 3)
        let dX = layer.backward(w: theta[0], x: theta[2], y: y, dY: r, rows: rows, dW: &dW, db: &db)
        #expect(maxRelativeError([dW, db, dX], finiteDifferences(theta, loss)) < Self.tolerance)
    }

    @Test(arguments: [1, 2, 7]) func attentionPooling(_ n: Int) {
        let rng = RandomSource(seed: 5 + UInt64(n))
        let layer = AttentionPooling(dimension: 4, attention: 3)
        let theta = [randoms(12, rng), randoms(3, rng), randoms(3, rng), randoms(n * 4, rng)]
        let r = randoms(4, rng)
        func loss(_ t: [[Double]]) -> Double {
            zip(layer.forward(u: t[0], c: t[1], w: t[2], x: t[3], n: n).h, r).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let (_, cache) = layer.forward(u: theta[0], c: theta[1], w: theta[2], x: theta[3], n: n)
        #expect(abs(cache.alpha.reduce(0, +) - 1) < 1e-12)
        var dU = [Double](repeating: 0, count: 12), dc = [Double](repeating: 0, count: 3), dw = dc
        let dX = layer.backward(u: theta[0], w: theta[2], x: theta[3], n: n, cache: cache, dH: r, dU: &dU, dc: &dc, dw: &dw)
        #expect(maxRelativeError([dU, dc, dw, dX], finiteDifferences(theta, loss)) < Self.tolerance)
    }

    @Test(arguments: [1, 3, 6]) func selfAttention(_ n: Int) {
        let rng = RandomSource(seed: 9 + UInt64(n))
        let d = 4
        let layer = SelfAttentionLayer(dimension: d)
        let theta = [randoms(d * d, rng, scale: 0.7), randoms(d * d, rng, scale: 0.7), randoms(d * d, rng, scale: 0.7), randoms(n * d, rng)]
        let r = randoms(n * d, rng)
        func loss(_ t: [[Double]]) -> Double {
            zip(layer.forward(wq: t[0], wk: t[1], wv: t[2], h: t[3], n: n).o, r).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let (_, cache) = layer.forward(wq: theta[0], wk: theta[1], wv: theta[2], h: theta[3], n: n)
        var dq = [Double](repeating: 0, count: d * d), dk = dq, dv = dq
        let dH = layer.backward(wq: theta[0], wk: theta[1], wv: theta[2], h: theta[3], n: n, cache: cache, dO: r,
                                dWq: &dq, dWk: &dk, dWv: &dv)
        #expect(maxRelativeError([dq, dk, dv, dH], finiteDifferences(theta, loss)) < Self.tolerance)
    }

    /// Permuting the set permutes self-attention's output rows (no positional encoding) and leaves
    /// attention pooling's output unchanged.
    @Test func permutationEquivariance() {
        let rng = RandomSource(seed: 21)
        let d = 3, n = 4
        let sa = SelfAttentionLayer(dimension: d), pool = AttentionPooling(dimension: d, attention: 2)
        let wq = randoms(9, rng), wk = randoms(9, rng), wv = randoms(9, rng), h = randoms(n * d, rng)
        let u = randoms(6, rng), c = randoms(2, rng), w = randoms(2, rng)
        let perm = [2, 0, 3, 1]
        let hp = perm.flatMap { Array(h[($0 * d)..<($0 * d + d)]) }
        let o = sa.forward(wq: wq, wk: wk, wv: wv, h: h, n: n).o
        let op = sa.forward(wq: wq, wk: wk, wv: wv, h: hp, n: n).o
        for (i, src) in perm.enumerated() { for k in 0..<d { #expect(abs(op[i * d + k] - o[src * d + k]) < 1e-12) } }
        let a = pool.forward(u: u, c: c, w: w, x: o, n: n).h, b = pool.forward(u: u, c: c, w: w, x: op, n: n).h
        for k in 0..<d { #expect(abs(a[k] - b[k]) < 1e-12) }
    }
}
