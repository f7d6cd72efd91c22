import ObligorNumerics

/// A matrix with entries uniform on [-1, 1) from a seeded source.
func randomMatrix(_ rows: Int, _ columns: Int, _ rng: RandomSource) -> Matrix {
    Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in 2 * rng.uniform() - 1 })
}

/// A vector with entries uniform on [-1, 1).
func randomVector(_ n: Int, _ rng: RandomSource) -> [Double] {
    (0..<n).map { _ in 2 * rng.uniform() - 1 }
}

/// Naive triple loop: alpha * op(A) op(B) + beta * C, reading elements through the subscript.
func naiveGemm(_ a: Matrix, _ b: Matrix, transposeA: Bool, transposeB: Bool,
               alpha: Double = 1, beta: Double = 0, c: Matrix? = nil) -> [[Double]] {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let n = transposeB ? b.rows : b.columns
    var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for l in 0..<k {
                let x = transposeA ? a[l, i] : a[i, l]
                let y = transposeB ? b[j, l] : b[l, j]
                s += x * y
            }
            out[i][j] = alpha * s + (c.map { beta * $0[i, j] } ?? 0)
        }
    }
    return out
}

/// Largest absolute elementwise difference between a matrix and nested rows.
func maxAbsDiff(_ m: Matrix, _ rows: [[Double]]) -> Double {
    precondition(m.rows == rows.count)
    var d = 0.0
    for i in 0..<m.rows {
        precondition(rows[i].count == m.columns)
        for j in 0..<m.columns { d = max(d, abs(m[i, j] - rows[i][j])) }
    }
    return d
}

func maxAbsDiff(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns)
    return zip(a.storage, b.storage).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func maxAbsDiff(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func maxAbs(_ m: Matrix) -> Double { m.storage.reduce(0) { max($0, abs($1)) } }

/// A symmetric positive-definite matrix BᵀB + nI with B uniform on [-1, 1).
/// Its eigenvalues lie in [n, n + ‖B‖²] ⊂ [n, n + n²], so its condition number is at most n + 1.
func spdMatrix(_ n: Int, _ rng: RandomSource) -> Matrix {
    let b = randomMatrix(n, n, rng)
    var a = Matrix(rows: n, columns: n)
    for i in 0..<n {
        for j in 0..<n {
            var s = 0.0
            for l in 0..<n { s += b[l, i] * b[l, j] }
            a[i, j] = s + (i == j ? Double(n) : 0)
        }
    }
    return a
}

/// Naive product of two matrices (no BLAS).
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    Matrix(naiveGemm(a, b, transposeA: false, transposeB: false))
}
