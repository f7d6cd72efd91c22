import ObligorNumerics
import Testing

@Suite("Matrix BLAS products")
struct MatrixTests {
    // Tolerance for BLAS vs naive loops: entries are in [-1, 1] and inner dimensions k ≤ 37, so each
    // computed dot product differs from the exact one by at most ~k·u·Σ|aᵢbᵢ| ≤ 37·1.1e-16·37 ≈ 1.5e-13
    // for either summation order (u = 2⁻⁵³); with |alpha|, |beta| ≤ 2.5 the difference stays below 1e-12.
    static let tol = 1e-12

    @Test("gemm matches a naive triple loop for all transpose combinations, alpha and beta",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesNaive(transposeA: Bool, transposeB: Bool) throws {
        let rng = RandomSource(seed: 20_240_501)
        for (m, k, n) in [(1, 1, 1), (3, 5, 4), (7, 2, 9), (17, 37, 11), (1, 20, 1), (20, 1, 20)] {
            let a = transposeA ? randomMatrix(k, m, rng) : randomMatrix(m, k, rng)
            let b = transposeB ? randomMatrix(n, k, rng) : randomMatrix(k, n, rng)
            let plain = try Matrix.gemm(a, b, transposeA: transposeA, transposeB: transposeB)
            #expect(plain.rows == m && plain.columns == n)
            #expect(maxAbsDiff(plain, naiveGemm(a, b, transposeA: transposeA, transposeB: transposeB)) < Self.tol)

            let c = randomMatrix(m, n, rng)
            let acc = try Matrix.gemm(a, b, transposeA: transposeA, transposeB: transposeB,
                                      alpha: -1.5, beta: 2.5, accumulateInto: c)
            let expected = naiveGemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: -1.5, beta: 2.5, c: c)
            #expect(maxAbsDiff(acc, expected) < Self.tol)
        }
    }

    @Test("beta is ignored without an accumulator; * is gemm")
    func betaWithoutAccumulator() throws {
        let a = Matrix([[1, 2], [3, 4]])
        let b = Matrix([[5, 6], [7, 8]])
        // Small integers: BLAS is exact here.
        let r = try Matrix.gemm(a, b, beta: 3)
        #expect(r == Matrix([[19, 22], [43, 50]]))
        let star = try a * b
        #expect(star == r)
    }

    @Test("gemm on empty shapes")
    func gemmEmptyShapes() throws {
        let rng = RandomSource(seed: 3)
        // m = 0: result 0×n.
        let r0 = try Matrix.gemm(Matrix(rows: 0, columns: 3), randomMatrix(3, 2, rng))
        #expect(r0.rows == 0 && r0.columns == 2 && r0.storage.isEmpty)
        // n = 0.
        let r1 = try Matrix.gemm(randomMatrix(2, 3, rng), Matrix(rows: 3, columns: 0))
        #expect(r1.rows == 2 && r1.columns == 0)
        // k = 0: the product is the 2×3 zero matrix, exactly.
        let r2 = try Matrix.gemm(Matrix(rows: 2, columns: 0), Matrix(rows: 0, columns: 3))
        #expect(r2 == Matrix(rows: 2, columns: 3, repeating: 0))
        // k = 0 with an accumulator: result is beta * C, exact for these values.
        let c = Matrix([[1, 2, 3], [4, 5, 6]])
        let r3 = try Matrix.gemm(Matrix(rows: 2, columns: 0), Matrix(rows: 0, columns: 3), beta: 2, accumulateInto: c)
        #expect(r3 == Matrix([[2, 4, 6], [8, 10, 12]]))
        // k = 0 through transposes.
        let r4 = try Matrix.gemm(Matrix(rows: 0, columns: 2), Matrix(rows: 3, columns: 0), transposeA: true, transposeB: true)
        #expect(r4 == Matrix(rows: 2, columns: 3, repeating: 0))
    }

    @Test("gemm dimension mismatches throw dimensionMismatch")
    func gemmMismatch() {
        let a = Matrix(rows: 2, columns: 3, repeating: 1)
        let b = Matrix(rows: 2, columns: 3, repeating: 1)
        let e1 = #expect(throws: LinearAlgebraError.self) { try Matrix.gemm(a, b) }
        guard case .dimensionMismatch(let op, _) = e1 else { Issue.record("wrong error \(String(describing: e1))"); return }
        #expect(op == "gemm")
        // With transposeB the shapes fit: (2×3)(3×2).
        #expect(throws: Never.self) { try Matrix.gemm(a, b, transposeB: true) }
        // Wrong accumulator shape.
        let e2 = #expect(throws: LinearAlgebraError.self) {
            try Matrix.gemm(a, b, transposeB: true, accumulateInto: Matrix(rows: 3, columns: 3))
        }
        guard case .dimensionMismatch = e2 else { Issue.record("wrong error \(String(describing: e2))"); return }
        #expect(e2?.description.contains("gemm") == true)
    }

    @Test("gemv matches naive loops, with transpose and accumulation")
    func gemvMatchesNaive() throws {
        let rng = RandomSource(seed: 77)
        for (m, n) in [(1, 1), (4, 7), (13, 5), (30, 30)] {
            let a = randomMatrix(m, n, rng)
            let x = randomVector(n, rng)
            let xt = randomVector(m, rng)
            let y0 = randomVector(m, rng)
            let yt0 = randomVector(n, rng)
            var expected = [Double](repeating: 0, count: m)
            var expectedAcc = [Double](repeating: 0, count: m)
            for i in 0..<m {
                var s = 0.0
                for j in 0..<n { s += a[i, j] * x[j] }
                expected[i] = s
                expectedAcc[i] = 0.5 * s - 2 * y0[i]
            }
            var expectedT = [Double](repeating: 0, count: n)
            var expectedTAcc = [Double](repeating: 0, count: n)
            for j in 0..<n {
                var s = 0.0
                for i in 0..<m { s += a[i, j] * xt[i] }
                expectedT[j] = s
                expectedTAcc[j] = 3 * s + 0.25 * yt0[j]
            }
            // Same bound as gemm: k ≤ 30, entries in [-1, 1].
            #expect(maxAbsDiff(try a.gemv(x), expected) < Self.tol)
            #expect(maxAbsDiff(try a * x, expected) < Self.tol)
            #expect(maxAbsDiff(try a.gemv(x, alpha: 0.5, beta: -2, accumulateInto: y0), expectedAcc) < Self.tol)
            #expect(maxAbsDiff(try a.gemv(xt, transpose: true), expectedT) < Self.tol)
            #expect(maxAbsDiff(try a.gemv(xt, transpose: true, alpha: 3, beta: 0.25, accumulateInto: yt0), expectedTAcc) < Self.tol)
        }
    }

    @Test("gemv empty shapes and mismatches")
    func gemvEdges() throws {
        #expect(try Matrix(rows: 0, columns: 3).gemv([1, 2, 3]) == [])
        #expect(try Matrix(rows: 2, columns: 0).gemv([]) == [0, 0])
        #expect(try Matrix(rows: 2, columns: 0).gemv([], beta: 3, accumulateInto: [1, -2]) == [3, -6])
        let a = Matrix(rows: 2, columns: 3, repeating: 1)
        let e1 = #expect(throws: LinearAlgebraError.self) { try a.gemv([1, 2]) }
        guard case .dimensionMismatch(let op, _) = e1 else { Issue.record("wrong error"); return }
        #expect(op == "gemv")
        let e2 = #expect(throws: LinearAlgebraError.self) { try a.gemv([1, 2, 3], accumulateInto: [1, 2, 3]) }
        guard case .dimensionMismatch = e2 else { Issue.record("wrong error"); return }
        // Transposed: x must have `rows` elements.
        #expect(try a.gemv([1, 2], transpose: true) == [3, 3, 3])
    }

    @Test("weightedGram equals an explicit XᵀWX")
    func weightedGram() throws {
        let rng = RandomSource(seed: 11)
        let x = randomMatrix(40, 6, rng)
        let w = (0..<40).map { _ in rng.uniform() * 3 }
        let g = try x.weightedGram(w)
        let g1 = try x.weightedGram()
        var maxG = 0.0
        for i in 0..<6 {
            for j in 0..<6 {
                var s = 0.0, s1 = 0.0
                for r in 0..<40 { s += x[r, i] * w[r] * x[r, j]; s1 += x[r, i] * x[r, j] }
                // 40 terms of size ≤ 3; the √w scaling adds ≤ 2u per term: error ≤ ~40·4u·3 ≈ 1e-13.
                #expect(abs(g[i, j] - s) < 1e-12)
                #expect(abs(g1[i, j] - s1) < 1e-12)
                maxG = max(maxG, abs(s))
            }
        }
        // Exactly symmetric (the lower triangle is copied from the upper).
        #expect(g == g.transposed)
        #expect(maxG > 0.1)  // guards against comparing two zero matrices
        // Unit weights equal no weights.
        #expect(maxAbsDiff(try x.weightedGram([Double](repeating: 1, count: 40)), g1) == 0)
    }

    @Test("weightedGram errors and empty input")
    func weightedGramEdges() throws {
        let x = Matrix([[1, 2], [3, 4]])
        let e = #expect(throws: LinearAlgebraError.self) { try x.weightedGram([1]) }
        guard case .dimensionMismatch = e else { Issue.record("wrong error"); return }
        let e2 = #expect(throws: LinearAlgebraError.self) { try x.weightedGram([1, .infinity]) }
        guard case .nonFinite = e2 else { Issue.record("wrong error"); return }
        #expect(try Matrix(rows: 0, columns: 3).weightedGram([]) == Matrix(rows: 3, columns: 3))
        // Weight 4 scales rows by √4 = 2 exactly, and all products are small integers: exact.
        #expect(try x.weightedGram([4, 0]) == Matrix([[4, 8], [8, 16]]))
    }

    @Test("transpose, identity, diagonal, dot and norm")
    func helpers() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(a.transposed == Matrix([[1, 4], [2, 5], [3, 6]]))
        #expect(a.row(1) == [4, 5, 6])
        #expect(a.column(2) == [3, 6])
        #expect(Matrix.identity(3).diagonalElements == [1, 1, 1])
        #expect(Matrix.diagonal([2, 3]) == Matrix([[2, 0], [0, 3]]))
        #expect(VectorOps.dot([1, 2, 3], [4, 5, 6]) == 32)
        #expect(VectorOps.dot([], []) == 0)
        // 3-4-5: dnrm2 is accurate to a few ulps.
        #expect(abs(VectorOps.norm2([3, 4]) - 5) < 1e-15)
        var m = a
        m[0, 0] = .nan
        #expect(!m.isFinite && a.isFinite)
    }
}
