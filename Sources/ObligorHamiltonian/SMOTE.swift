import ObligorNumerics

/// SMOTE (Chawla et al., 2002): synthetic minority rows on segments between a minority row and
/// one of its k nearest minority neighbours.
///
/// Obligor applies it only to the training fold, after the validation slice is held out and
/// after standardisation, so no synthetic row is built from, or evaluated against, held-out data.
/// (The paper's code resampled the whole training file before its cross-validation split, so its
/// validation folds contained interpolations of their own training rows.)
public enum SMOTE {
    /// Synthetic rows that bring the minority class up to the majority's count.
    ///
    /// For each synthetic row: a minority row i is drawn uniformly, one of its `neighbors` nearest
    /// minority rows j (Euclidean, ties by index) is drawn uniformly, and `x_i + u (x_j − x_i)` with
    /// u ~ U(0, 1) is returned. With a single minority row, it is copied.
    /// - Returns: the new rows (row-major) and their label (the minority class).
    public static func oversample(x: [Double], labels: [Int], columns p: Int, neighbors k: Int,
                                  seed: UInt64) throws(HNNError) -> (x: [Double], labels: [Int]) {
        let n1 = labels.reduce(0, +), n0 = labels.count - n1
        guard n1 > 0 && n0 > 0 else { throw .singleClass(target: "target", detail: "in the SMOTE training fold") }
        let minorityClass = n1 <= n0 ? 1 : 0
        let minority = labels.indices.filter { labels[$0] == minorityClass }
        let needed = abs(n0 - n1)
        if needed == 0 { return ([], []) }
        let m = minority.count
        let kk = min(k, m - 1)
        // k nearest minority neighbours of each minority row (brute force, O(m²p)).
        var nearest: [[Int]] = []
        nearest.reserveCapacity(m)
        if kk > 0 {
            nearest = Parallel.map(m) { a in
                var d: [(Double, Int)] = []
                d.reserveCapacity(m - 1)
                let ia = minority[a]
                for b in 0..<m where b != a {
                    let ib = minority[b]
                    var s = 0.0
                    for j in 0..<p { let t = x[ia * p + j] - x[ib * p + j]; s += t * t }
                    d.append((s, b))
                }
                d.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                return d.prefix(kk).map(\.1)
            }
        }
        let rng = RandomSource(seed: seed)
        var out = [Double](repeating: 0, count: needed * p)
        for s in 0..<needed {
            let a = rng.integer(below: m)
            let ia = minority[a]
            guard kk > 0 else {
                for j in 0..<p { out[s * p + j] = x[ia * p + j] }
                continue
            }
            let ib = minority[nearest[a][rng.integer(below: kk)]]
            let u = rng.uniform()
            for j in 0..<p { out[s * p + j] = x[ia * p + j] + u * (x[ib * p + j] - x[ia * p + j]) }
        }
        return (out, [Int](repeating: minorityClass, count: needed))
    }
}
