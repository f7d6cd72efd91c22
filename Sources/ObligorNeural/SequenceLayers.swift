import Foundation
import ObligorNumerics

// Layers for set- and sequence-shaped inputs (the payment-sequence model, ObligorSequences).
// Each is a stateless value: `forward` takes parameters and inputs as row-major buffers and returns
// what `backward` needs; `backward` *accumulates* parameter gradients into caller-owned buffers
// (a mini-batch sums over its users) and returns the input gradient. Matrix products go through
// `NeuralKernels` (OpenBLAS). Every layer is checked against central finite differences in
// Tests/ObligorNeuralTests/SequenceLayerTests.swift.

/// `C (m×n) ← op(A) · op(B) + beta · C` on Swift arrays.
@inline(__always)
func gemmArrays(_ m: Int, _ n: Int, _ k: Int, _ a: [Double], transposeA: Bool = false, _ b: [Double], transposeB: Bool = false,
                beta: Double = 0, _ c: inout [Double]) {
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                NeuralKernels.gemm(m: m, n: n, k: k, ap.baseAddress!, transposeA: transposeA, bp.baseAddress!, transposeB: transposeB,
                                   beta: beta, cp.baseAddress!)
            }
        }
    }
}

/// Rows of (id, weight) pairs in compressed form: row r holds `ids[offsets[r]..<offsets[r+1]]`.
public struct BagInput: Sendable, Equatable, Codable {
    public var ids: [Int32]
    public var weights: [Double]
    public var offsets: [Int]
    public init() { ids = []; weights = []; offsets = [0] }
    public init(ids: [Int32], weights: [Double], offsets: [Int]) { self.ids = ids; self.weights = weights; self.offsets = offsets }
    public var rows: Int { offsets.count - 1 }
    /// Appends one row.
    public mutating func append(_ entries: [(Int, Double)]) {
        for (i, w) in entries { ids.append(Int32(i)); weights.append(w) }
        offsets.append(ids.count)
    }
}

/// Embedding bag: `out[r] = Σ_j w_{rj} · E[id_{rj}]` with a table `E` (vocabulary × dimension).
///
/// A sum of per-field embeddings equals a linear map of the concatenated one-hot fields, `W·[1_a ‖ 1_b ‖ …]`;
/// a mean of token embeddings is the bag with weights 1/n. Backward scatters `∂L/∂out` into the rows used.
public struct EmbeddingBag: Sendable {
    public let vocabulary: Int, dimension: Int
    public init(vocabulary: Int, dimension: Int) { self.vocabulary = vocabulary; self.dimension = dimension }

    public func forward(table: [Double], input: BagInput) -> [Double] {
        let d = dimension
        var out = [Double](repeating: 0, count: input.rows * d)
        for r in 0..<input.rows {
            for j in input.offsets[r]..<input.offsets[r + 1] {
                let base = Int(input.ids[j]) * d, w = input.weights[j]
                precondition(Int(input.ids[j]) < vocabulary && input.ids[j] >= 0, "EmbeddingBag: id out of range")
                for c in 0..<d { out[r * d + c] += w * table[base + c] }
            }
        }
        return out
    }

    /// Accumulates `∂L/∂E` into `dTable`.
    public func backward(input: BagInput, dOut: [Double], dTable: inout [Double]) {
        let d = dimension
        for r in 0..<input.rows {
            for j in input.offsets[r]..<input.offsets[r + 1] {
                let base = Int(input.ids[j]) * d, w = input.weights[j]
                for c in 0..<d { dTable[base + c] += w * dOut[r * d + c] }
            }
        }
    }
}

/// Element-wise activation of a dense layer.
public enum DenseActivation: String, Codable, Sendable { case identity, tanh }

/// Dense layer `Y = act(X W + 1 bᵀ)`, X rows × inputs, W inputs × outputs.
public struct DenseLayer: Sendable {
    public let inputs: Int, outputs: Int, activation: DenseActivation
    public init(inputs: Int, outputs: Int, activation: DenseActivation) {
        self.inputs = inputs; self.outputs = outputs; self.activation = activation
    }

    /// The activated output.
    public func forward(w: [Double], b: [Double], x: [Double], rows: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * outputs)
        gemmArrays(rows, outputs, inputs, x, w, &y)
        for r in 0..<rows { for c in 0..<outputs { y[r * outputs + c] += b[c] } }
        if activation == .tanh { for i in y.indices { y[i] = Foundation.tanh(y[i]) } }
        return y
    }

    /// Accumulates `∂L/∂W`, `∂L/∂b`; returns `∂L/∂X`. `y` is the forward output.
    public func backward(w: [Double], x: [Double], y: [Double], dY: [Double], rows: Int,
                         dW: inout [Double], db: inout [Double]) -> [Double] {
        var dz = dY
        if activation == .tanh { for i in dz.indices { dz[i] *= 1 - y[i] * y[i] } }
        gemmArrays(inputs, outputs, rows, x, transposeA: true, dz, beta: 1, &dW)
        for r in 0..<rows { for c in 0..<outputs { db[c] += dz[r * outputs + c] } }
        var dX = [Double](repeating: 0, count: rows * inputs)
        gemmArrays(rows, inputs, outputs, dz, w, transposeB: true, &dX)
        return dX
    }
}

/// Additive attention pooling of a set of n vectors (Bahdanau-style scoring):
/// `s_i = wᵀ tanh(Uᵀ x_i + c)`, `α = softmax(s)`, `h = Σ α_i x_i`. U is dimension × attention.
public struct AttentionPooling: Sendable {
    public let dimension: Int, attention: Int
    public init(dimension: Int, attention: Int) { self.dimension = dimension; self.attention = attention }

    public struct Cache: Sendable {
        public let t: [Double]      // tanh(XU + c), n × a
        public let alpha: [Double]  // n
    }

    public func forward(u: [Double], c: [Double], w: [Double], x: [Double], n: Int) -> (h: [Double], cache: Cache) {
        let d = dimension, a = attention
        precondition(n > 0, "AttentionPooling: empty set")
        var t = [Double](repeating: 0, count: n * a)
        gemmArrays(n, a, d, x, u, &t)
        var s = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var acc = 0.0
            for j in 0..<a { let v = Foundation.tanh(t[i * a + j] + c[j]); t[i * a + j] = v; acc += w[j] * v }
            s[i] = acc
        }
        let mx = s.max()!
        var alpha = s.map { Foundation.exp($0 - mx) }
        let z = alpha.reduce(0, +)
        for i in 0..<n { alpha[i] /= z }
        var h = [Double](repeating: 0, count: d)
        for i in 0..<n { let ai = alpha[i]; for k in 0..<d { h[k] += ai * x[i * d + k] } }
        return (h, Cache(t: t, alpha: alpha))
    }

    /// Accumulates `∂L/∂U`, `∂L/∂c`, `∂L/∂w`; returns `∂L/∂X`.
    public func backward(u: [Double], w: [Double], x: [Double], n: Int, cache: Cache, dH: [Double],
                         dU: inout [Double], dc: inout [Double], dw: inout [Double]) -> [Double] {
        let d = dimension, a = attention
        let alpha = cache.alpha, t = cache.t
        var dAlpha = [Double](repeating: 0, count: n)
        for i in 0..<n { var acc = 0.0; for k in 0..<d { acc += x[i * d + k] * dH[k] }; dAlpha[i] = acc }
        var mean = 0.0
        for i in 0..<n { mean += alpha[i] * dAlpha[i] }
        var g = [Double](repeating: 0, count: n * a)
        for i in 0..<n {
            let ds = alpha[i] * (dAlpha[i] - mean)
            for j in 0..<a {
                let tij = t[i * a + j]
                dw[j] += ds * tij
                let gij = ds * w[j] * (1 - tij * tij)
                g[i * a + j] = gij
                dc[j] += gij
            }
        }
        gemmArrays(d, a, n, x, transposeA: true, g, beta: 1, &dU)
        var dX = [Double](repeating: 0, count: n * d)
        gemmArrays(n, d, a, g, u, transposeB: true, &dX)
        for i in 0..<n { let ai = alpha[i]; for k in 0..<d { dX[i * d + k] += ai * dH[k] } }
        return dX
    }
}

/// Single-head scaled dot-product self-attention over a set (no positional encoding) with a residual:
/// `O = H + softmax(Q Kᵀ/√d) V`, `Q = H Wq`, `K = H Wk`, `V = H Wv` (each d × d).
public struct SelfAttentionLayer: Sendable {
    public let dimension: Int
    public init(dimension: Int) { self.dimension = dimension }

    public struct Cache: Sendable { public let q: [Double], k: [Double], v: [Double], p: [Double] }

    public func forward(wq: [Double], wk: [Double], wv: [Double], h: [Double], n: Int) -> (o: [Double], cache: Cache) {
        let d = dimension
        var q = [Double](repeating: 0, count: n * d), k = q, v = q
        gemmArrays(n, d, d, h, wq, &q)
        gemmArrays(n, d, d, h, wk, &k)
        gemmArrays(n, d, d, h, wv, &v)
        var s = [Double](repeating: 0, count: n * n)
        gemmArrays(n, n, d, q, k, transposeB: true, &s)
        let scale = 1 / Double(d).squareRoot()
        for i in 0..<n {
            var mx = -Double.infinity
            for j in 0..<n { s[i * n + j] *= scale; mx = max(mx, s[i * n + j]) }
            var z = 0.0
            for j in 0..<n { let e = Foundation.exp(s[i * n + j] - mx); s[i * n + j] = e; z += e }
            for j in 0..<n { s[i * n + j] /= z }
        }
        var o = h
        gemmArrays(n, d, n, s, v, beta: 1, &o)
        return (o, Cache(q: q, k: k, v: v, p: s))
    }

    /// Accumulates the three weight gradients; returns `∂L/∂H`.
    public func backward(wq: [Double], wk: [Double], wv: [Double], h: [Double], n: Int, cache: Cache, dO: [Double],
                         dWq: inout [Double], dWk: inout [Double], dWv: inout [Double]) -> [Double] {
        let d = dimension
        let p = cache.p
        var dP = [Double](repeating: 0, count: n * n)
        gemmArrays(n, n, d, dO, cache.v, transposeB: true, &dP)
        var dV = [Double](repeating: 0, count: n * d)
        gemmArrays(n, d, n, p, transposeA: true, dO, &dV)
        let scale = 1 / Double(d).squareRoot()
        var dS = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            var dot = 0.0
            for j in 0..<n { dot += dP[i * n + j] * p[i * n + j] }
            for j in 0..<n { dS[i * n + j] = p[i * n + j] * (dP[i * n + j] - dot) * scale }
        }
        var dQ = [Double](repeating: 0, count: n * d), dK = dQ
        gemmArrays(n, d, n, dS, cache.k, &dQ)
        gemmArrays(n, d, n, dS, transposeA: true, cache.q, &dK)
        gemmArrays(d, d, n, h, transposeA: true, dQ, beta: 1, &dWq)
        gemmArrays(d, d, n, h, transposeA: true, dK, beta: 1, &dWk)
        gemmArrays(d, d, n, h, transposeA: true, dV, beta: 1, &dWv)
        var dH = dO
        gemmArrays(n, d, d, dQ, wq, transposeB: true, beta: 1, &dH)
        gemmArrays(n, d, d, dK, wk, transposeB: true, beta: 1, &dH)
        gemmArrays(n, d, d, dV, wv, transposeB: true, beta: 1, &dH)
        return dH
    }
}
