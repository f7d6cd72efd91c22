import Foundation
import Testing
@testable import ObligorNumerics

/// A random sparse SPD matrix: a random sparse symmetric pattern (plus a banded part) made diagonally
/// dominant, so it is well conditioned and the comparisons below can be tight.
private func randomSparseSPD(_ n: Int, density: Double, seed: UInt64) throws -> SparseSymmetricMatrix {
    let rng = RandomSource(seed: seed)
    var rows: [Int] = [], cols: [Int] = [], vals: [Double] = []
    var rowAbs = [Double](repeating: 0, count: n)
    for j in 0..<n {
        for i in (j + 1)..<n where rng.uniform() < density || (i == j + 1 && rng.uniform() < 0.5) {
            let v = 2 * rng.uniform() - 1
            rows.append(i); cols.append(j); vals.append(v)
            rowAbs[i] += abs(v); rowAbs[j] += abs(v)
        }
    }
    for j in 0..<n { rows.append(j); cols.append(j); vals.append(rowAbs[j] + 0.5 + rng.uniform()) }
    return try SparseSymmetricMatrix.fromTriplets(order: n, rows: rows, columns: cols, values: vals)
}

@Suite("Sparse Cholesky")
struct SparseCholeskyTests {
    /// Factor, solve, log-determinant and selected inverse against dense LAPACK on random SPD matrices of
    /// several sizes and densities, for every ordering. Tolerances: the matrices are diagonally dominant
    /// (condition number below ~10), so both computations agree to ~1e-14; 1e-10 leaves room for the
    /// different summation orders without hiding a wrong entry (errors of a misplaced update are O(0.1)).
    @Test(arguments: [(5, 0.5, 1), (40, 0.1, 2), (120, 0.03, 3), (300, 0.01, 4), (300, 0.06, 5)])
    func matchesDense(_ n: Int, _ density: Double, _ seed: Int) throws {
        let a = try randomSparseSPD(n, density: density, seed: UInt64(seed))
        let dense = a.dense()
        let chol = try Cholesky(dense)
        let inv = try chol.inverse()
        let rng = RandomSource(seed: 99)
        let b = (0..<n).map { _ in rng.gaussian() }
        let xDense = try chol.solve(b)
        for ordering in [SparseOrdering.natural, .nestedDissection(leafSize: 8), .nestedDissection(),
                         .given((0..<n).reversed().map { $0 })] {
            let sym = try SparseCholeskySymbolic(pattern: a, ordering: ordering)
            let sc = try SparseCholesky(symbolic: sym, values: a.values)
            #expect(abs(sc.logDeterminant - chol.logDeterminant) <= 1e-10 * max(1, abs(chol.logDeterminant)))
            let x = sc.solve(b)
            for i in 0..<n { #expect(abs(x[i] - xDense[i]) <= 1e-10 * max(1, abs(xDense[i]))) }
            let z = sc.selectedInverse()
            var worst = 0.0, checked = 0
            for j in 0..<n {
                for i in j..<n {
                    if let p = sym.storageIndex(row: i, column: j) {
                        worst = max(worst, abs(z[p] - inv[i, j])); checked += 1
                    }
                }
            }
            // Every entry of A's own pattern must be available.
            for j in 0..<n {
                for k in a.columnStarts[j]..<a.columnStarts[j + 1] {
                    #expect(sym.storageIndex(row: Int(a.rowIndices[k]), column: j) != nil)
                }
            }
            #expect(worst <= 1e-10, "selected inverse off by \(worst) (\(ordering), n=\(n))")
            #expect(checked >= n)
            // L⁻¹PB half solves: (L⁻¹Pb)ᵀ(L⁻¹Pb) = bᵀA⁻¹b.
            let h = sc.halfSolve(b, columns: 1)
            let q = h.reduce(0) { $0 + $1 * $1 }
            let qDense = zip(b, xDense).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(q - qDense) <= 1e-10 * abs(qDense))
        }
    }

    /// Large supernodes go through the LAPACK/BLAS path: a dense-ish block (every pair within 60 indices
    /// coupled) forces fronts above the BLAS threshold.
    @Test func bandedUsesBlockPath() throws {
        let n = 400, bw = 60
        var rows: [Int] = [], cols: [Int] = [], vals: [Double] = []
        let rng = RandomSource(seed: 7)
        for j in 0..<n {
            rows.append(j); cols.append(j); vals.append(2.0 * Double(bw) + 1)
            for i in (j + 1)..<min(n, j + bw) { rows.append(i); cols.append(j); vals.append(rng.uniform() * 2 - 1) }
        }
        let a = try SparseSymmetricMatrix.fromTriplets(order: n, rows: rows, columns: cols, values: vals)
        let chol = try Cholesky(a.dense())
        let inv = try chol.inverse()
        let sym = try SparseCholeskySymbolic(pattern: a, ordering: .natural)
        #expect(sym.supernodeCount < n / 4)
        let sc = try SparseCholesky(symbolic: sym, values: a.values)
        #expect(abs(sc.logDeterminant - chol.logDeterminant) <= 1e-10 * abs(chol.logDeterminant))
        let z = sc.selectedInverse()
        var worst = 0.0
        for j in 0..<n { for i in j..<min(n, j + bw) { worst = max(worst, abs(z[sym.storageIndex(row: i, column: j)!] - inv[i, j])) } }
        #expect(worst <= 1e-10)
    }

    /// Geometric nested dissection on a neighbourhood graph of random points, and an analysis retargeted to a
    /// sub-pattern, against dense LAPACK (same 1e-10 tolerances as above).
    @Test func geometricOrderingAndRetarget() throws {
        let n = 350
        let rng = RandomSource(seed: 17)
        var xy: [Double] = []
        for _ in 0..<n { xy.append(rng.uniform() * 10); xy.append(rng.uniform() * 4) }
        var rows: [Int] = [], cols: [Int] = [], vals: [Double] = [], sub: [Bool] = []
        var rowAbs = [Double](repeating: 0, count: n)
        for j in 0..<n {
            for i in (j + 1)..<n {
                let d2 = pow(xy[2 * i] - xy[2 * j], 2) + pow(xy[2 * i + 1] - xy[2 * j + 1], 2)
                if d2 < 0.8 {
                    let v = exp(-d2)
                    rows.append(i); cols.append(j); vals.append(v); sub.append(rng.uniform() < 0.7)
                    rowAbs[i] += v; rowAbs[j] += v
                }
            }
        }
        for j in 0..<n { rows.append(j); cols.append(j); vals.append(rowAbs[j] + 1); sub.append(true) }
        let a = try SparseSymmetricMatrix.fromTriplets(order: n, rows: rows, columns: cols, values: vals)
        let keep = sub.indices.filter { sub[$0] }
        let b = try SparseSymmetricMatrix.fromTriplets(order: n, rows: keep.map { rows[$0] }, columns: keep.map { cols[$0] },
                                                      values: keep.map { vals[$0] })
        let sym = try SparseCholeskySymbolic(pattern: a, ordering: .geometricNestedDissection(coordinates: xy, dimension: 2, leafSize: 16))
        let natural = try SparseCholeskySymbolic(pattern: a, ordering: .natural)
        #expect(sym.factorizationFlops < natural.factorizationFlops)
        let retarget = try #require(sym.retargeted(to: b))
        // Batch storage indices agree with the per-entry search.
        let batch = try #require(sym.storageIndices(of: b))
        for j in 0..<n {
            for e in b.columnStarts[j]..<b.columnStarts[j + 1] {
                #expect(batch[e] == sym.storageIndex(row: Int(b.rowIndices[e]), column: j))
            }
        }
        for (m, s) in [(a, sym), (b, retarget)] {
            let chol = try Cholesky(m.dense())
            let inv = try chol.inverse()
            let sc = try SparseCholesky(symbolic: s, values: m.values)
            #expect(abs(sc.logDeterminant - chol.logDeterminant) <= 1e-10 * abs(chol.logDeterminant))
            let z = sc.selectedInverse()
            var worst = 0.0
            for j in 0..<n { for i in j..<n { if let p = s.storageIndex(row: i, column: j) { worst = max(worst, abs(z[p] - inv[i, j])) } } }
            #expect(worst <= 1e-10)
        }
        // A pattern with an entry outside the factor's pattern cannot be retargeted.
        var far = (0, 0, Double.infinity)
        for j in 0..<n { for i in (j + 1)..<n where sym.storageIndex(row: i, column: j) == nil { far = (i, j, 0); break } }
        if far.2 == 0 {
            let c = try SparseSymmetricMatrix.fromTriplets(order: n, rows: rows + [far.0], columns: cols + [far.1], values: vals + [0.01])
            #expect(sym.retargeted(to: c) == nil)
        }
    }

    /// A matrix that is not positive definite is reported, not factorised into NaN.
    @Test func notPositiveDefinite() throws {
        let a = try SparseSymmetricMatrix.fromTriplets(order: 3, rows: [0, 1, 2, 1], columns: [0, 1, 2, 0], values: [1, 1, 1, 2])
        let sym = try SparseCholeskySymbolic(pattern: a)
        #expect(throws: LinearAlgebraError.self) { _ = try SparseCholesky(symbolic: sym, values: a.values) }
    }
}
