import CBLAS
import Foundation

// Supernodal multifrontal sparse Cholesky with a nested-dissection fill-reducing ordering and a
// Takahashi selected inverse. Written from the textbook descriptions (George & Liu 1981, Liu 1990
// "The role of elimination trees", Duff & Reid 1983 multifrontal method, Takahashi, Fagan & Chen 1973;
// see also Davis, "Direct Methods for Sparse Linear Systems", 2006).

/// A sparse symmetric matrix stored by its lower triangle in compressed-column form.
///
/// Column `j` holds the entries `(rowIndices[k], j)` with `rowIndices[k] ≥ j` for
/// `k ∈ columnStarts[j]..<columnStarts[j+1]`; the diagonal must be present. Entries of one column
/// need not be sorted but must be distinct.
public struct SparseSymmetricMatrix: Sendable, Equatable {
    /// The order n.
    public let order: Int
    /// `n + 1` offsets into ``rowIndices`` / ``values``.
    public let columnStarts: [Int]
    /// Row of each stored entry (≥ its column).
    public let rowIndices: [Int32]
    /// Value of each stored entry.
    public var values: [Double]

    /// Wraps a lower-triangular CSC pattern with values.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:detail:)`` when the arrays are inconsistent,
    ///   an entry lies above the diagonal, or a diagonal entry is missing.
    public init(order: Int, columnStarts: [Int], rowIndices: [Int32], values: [Double]) throws(LinearAlgebraError) {
        guard columnStarts.count == order + 1, columnStarts.first == 0, columnStarts.last == rowIndices.count,
              values.count == rowIndices.count else {
            throw .dimensionMismatch(operation: "SparseSymmetricMatrix", detail: "inconsistent compressed-column arrays")
        }
        for j in 0..<order {
            guard columnStarts[j] <= columnStarts[j + 1] else {
                throw .dimensionMismatch(operation: "SparseSymmetricMatrix", detail: "column offsets decrease at \(j)")
            }
            var hasDiagonal = false
            for k in columnStarts[j]..<columnStarts[j + 1] {
                let r = Int(rowIndices[k])
                guard r >= j, r < order else {
                    throw .dimensionMismatch(operation: "SparseSymmetricMatrix",
                                             detail: "entry (\(r), \(j)) is not in the lower triangle of an order-\(order) matrix")
                }
                if r == j { hasDiagonal = true }
            }
            guard hasDiagonal else {
                throw .dimensionMismatch(operation: "SparseSymmetricMatrix", detail: "diagonal entry \(j) is missing")
            }
        }
        self.order = order
        self.columnStarts = columnStarts
        self.rowIndices = rowIndices
        self.values = values
    }

    /// Builds the matrix from (row, column, value) triplets of either triangle; duplicates are summed
    /// and every diagonal entry is created (zero if absent).
    public static func fromTriplets(order n: Int, rows: [Int], columns: [Int], values: [Double]) throws(LinearAlgebraError)
        -> SparseSymmetricMatrix {
        guard rows.count == columns.count, rows.count == values.count else {
            throw .dimensionMismatch(operation: "SparseSymmetricMatrix.fromTriplets", detail: "triplet arrays differ in length")
        }
        var perColumn = [[(Int32, Double)]](repeating: [], count: n)
        for j in 0..<n { perColumn[j].append((Int32(j), 0)) }
        for k in rows.indices {
            var r = rows[k], c = columns[k]
            guard r >= 0, c >= 0, r < n, c < n else {
                throw .dimensionMismatch(operation: "SparseSymmetricMatrix.fromTriplets", detail: "entry (\(r), \(c)) outside order \(n)")
            }
            if r < c { swap(&r, &c) }
            perColumn[c].append((Int32(r), values[k]))
        }
        var starts = [0], idx: [Int32] = [], vals: [Double] = []
        for j in 0..<n {
            let sorted = perColumn[j].sorted { $0.0 < $1.0 }
            var k = 0
            while k < sorted.count {
                var v = sorted[k].1
                var l = k + 1
                while l < sorted.count && sorted[l].0 == sorted[k].0 { v += sorted[l].1; l += 1 }
                idx.append(sorted[k].0)
                vals.append(v)
                k = l
            }
            starts.append(idx.count)
        }
        return try SparseSymmetricMatrix(order: n, columnStarts: starts, rowIndices: idx, values: vals)
    }

    /// The dense symmetric matrix (for tests and small problems).
    public func dense() -> Matrix {
        var m = Matrix(rows: order, columns: order)
        for j in 0..<order {
            for k in columnStarts[j]..<columnStarts[j + 1] {
                let r = Int(rowIndices[k])
                m.storage[r * order + j] = values[k]
                m.storage[j * order + r] = values[k]
            }
        }
        return m
    }
}

/// Fill-reducing orderings for ``SparseCholeskySymbolic``.
public enum SparseOrdering: Sendable, Equatable {
    /// The matrix order as given.
    case natural
    /// Recursive nested dissection with breadth-first level-set separators (George 1973), separators
    /// thinned to the vertices that touch the far side; subsets of at most `leafSize` vertices are kept
    /// in their given order.
    case nestedDissection(leafSize: Int = 48)
    /// A caller-supplied elimination order: `permutation[k]` is the original index eliminated k-th.
    case given([Int])
    /// Nested dissection by coordinate bisection, for matrices whose graph is geometric (e.g. neighbourhoods of
    /// points): each subset is split at the median of its widest coordinate, the separator being the vertices
    /// of the smaller-boundary side that touch the other side. `coordinates` is row-major, `dimension` per vertex.
    case geometricNestedDissection(coordinates: [Double], dimension: Int, leafSize: Int = 48)
}

/// The symbolic analysis of a sparse Cholesky factorisation: ordering, elimination tree, supernodes
/// and the assembly maps. It depends only on the sparsity pattern, so one analysis serves every matrix
/// with that pattern (e.g. every Newton step of a Laplace approximation).
public final class SparseCholeskySymbolic: @unchecked Sendable {
    /// The order n.
    public let order: Int
    /// Elimination order: `permutation[k]` is the original index of the k-th pivot (postordered).
    public let permutation: [Int]
    /// `inversePermutation[original] = pivot position`.
    public let inversePermutation: [Int32]
    /// Number of stored entries of the factor L (including the zeros stored inside supernodes).
    public let factorEntries: Int
    /// Number of supernodes.
    public var supernodeCount: Int { superFirst.count - 1 }
    /// Number of entries of the input pattern this analysis was built for.
    public let inputEntries: Int

    // Supernode s owns pivot columns superFirst[s]..<superFirst[s+1]; its row structure (permuted indices,
    // ascending, beginning with its own columns) is superRows[superRowStart[s]..<superRowStart[s+1]];
    // its block of L is stored column-major (leading dimension = row count) at superValueStart[s].
    let superFirst: [Int32]
    let superRowStart: [Int]
    let superRows: [Int32]
    let superValueStart: [Int]
    let superParent: [Int32]
    let columnSuper: [Int32]
    // Children of each supernode (in ascending order) and, for each child, the positions of its
    // update-matrix rows inside the parent's row structure.
    let childStart: [Int]
    let children: [Int32]
    let relativeStart: [Int]
    let relative: [Int32]
    // Assembly of the input values: entries grouped by supernode, with their index in the frontal matrix.
    let assemblyStart: [Int]
    let assemblySource: [Int32]
    let assemblyDestination: [Int32]

    /// Analyses the pattern of `matrix` (its values are ignored).
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(operation:detail:)`` for an invalid given ordering.
    public init(pattern matrix: SparseSymmetricMatrix, ordering: SparseOrdering = .nestedDissection()) throws(LinearAlgebraError) {
        let n = matrix.order
        order = n
        inputEntries = matrix.rowIndices.count
        // Full adjacency (both triangles, no diagonal).
        var degree = [Int](repeating: 0, count: n)
        for j in 0..<n {
            for k in matrix.columnStarts[j]..<matrix.columnStarts[j + 1] {
                let r = Int(matrix.rowIndices[k])
                if r != j { degree[r] += 1; degree[j] += 1 }
            }
        }
        var adjStart = [Int](repeating: 0, count: n + 1)
        for j in 0..<n { adjStart[j + 1] = adjStart[j] + degree[j] }
        var adj = [Int32](repeating: 0, count: adjStart[n])
        var fillPos = Array(adjStart[0..<n])
        for j in 0..<n {
            for k in matrix.columnStarts[j]..<matrix.columnStarts[j + 1] {
                let r = Int(matrix.rowIndices[k])
                if r != j {
                    adj[fillPos[r]] = Int32(j); fillPos[r] += 1
                    adj[fillPos[j]] = Int32(r); fillPos[j] += 1
                }
            }
        }
        // 1. Fill-reducing ordering.
        var perm: [Int]
        switch ordering {
        case .natural: perm = Array(0..<n)
        case let .nestedDissection(leaf): perm = SparseCholeskySymbolic.nestedDissection(n: n, adjStart: adjStart, adj: adj, leafSize: max(4, leaf))
        case let .geometricNestedDissection(coords, dim, leaf):
            guard dim >= 1, coords.count == n * dim else {
                throw .dimensionMismatch(operation: "SparseCholeskySymbolic", detail: "geometric ordering needs \(n) × \(dim) coordinates")
            }
            perm = SparseCholeskySymbolic.geometricDissection(n: n, adjStart: adjStart, adj: adj, coordinates: coords,
                                                             dimension: dim, leafSize: max(4, leaf))
        case let .given(p):
            guard p.count == n, Set(p).count == n, p.allSatisfy({ $0 >= 0 && $0 < n }) else {
                throw .dimensionMismatch(operation: "SparseCholeskySymbolic", detail: "the given ordering is not a permutation of 0..<\(n)")
            }
            perm = p
        }
        // 2. Elimination tree of the permuted matrix, then postorder it (same fill, contiguous subtrees).
        func etree(_ perm: [Int]) -> [Int32] {
            var inv = [Int](repeating: 0, count: n)
            for (k, o) in perm.enumerated() { inv[o] = k }
            var parent = [Int32](repeating: -1, count: n)
            var ancestor = [Int32](repeating: -1, count: n)
            for k in 0..<n {
                let o = perm[k]
                for a in adjStart[o]..<adjStart[o + 1] {
                    var i = inv[Int(adj[a])]
                    guard i < k else { continue }
                    // Walk from i to the root of its current subtree, compressing the path to k.
                    while i != -1 && i < k {
                        let next = Int(ancestor[i])
                        ancestor[i] = Int32(k)
                        if next == -1 { parent[i] = Int32(k) }
                        i = next
                    }
                }
            }
            return parent
        }
        var parent = etree(perm)
        do {
            var headChild = [Int32](repeating: -1, count: n), nextSibling = [Int32](repeating: -1, count: n)
            for k in stride(from: n - 1, through: 0, by: -1) where parent[k] >= 0 {
                let p = Int(parent[k])
                nextSibling[k] = headChild[p]
                headChild[p] = Int32(k)
            }
            var post = [Int](); post.reserveCapacity(n)
            var stack = [Int32]()
            for root in 0..<n where parent[root] == -1 {
                stack.append(Int32(root))
                while let top = stack.last {
                    let t = Int(top)
                    let c = headChild[t]
                    if c >= 0 {
                        headChild[t] = nextSibling[Int(c)]
                        stack.append(c)
                    } else {
                        stack.removeLast()
                        post.append(t)
                    }
                }
            }
            perm = post.map { perm[$0] }
            parent = etree(perm)
        }
        permutation = perm
        var inv = [Int32](repeating: 0, count: n)
        for (k, o) in perm.enumerated() { inv[o] = Int32(k) }
        inversePermutation = inv
        // 3. Column counts of L via row subtrees is more frugal, but structures are needed anyway:
        //    struct(L_k) = {k} ∪ {i > k : C_ik ≠ 0} ∪ ⋃_{children c} struct(L_c) \ {c}.
        //    Only supernode-leading structures are kept; counts of all columns decide the supernodes.
        var childCount = [Int](repeating: 0, count: n)
        for k in 0..<n where parent[k] >= 0 { childCount[Int(parent[k])] += 1 }
        var colCount = [Int](repeating: 0, count: n)
        var colStructs = [[Int32]](repeating: [], count: n)   // released when the parent consumed them
        var mark = [Int32](repeating: -1, count: n)
        var pendingChildren = [[Int32]](repeating: [], count: n)
        for k in 0..<n where parent[k] >= 0 { pendingChildren[Int(parent[k])].append(Int32(k)) }
        var fundamentalStart = [Bool](repeating: true, count: n)
        var keptStruct = [[Int32]](repeating: [], count: n)
        for k in 0..<n {
            var s: [Int32] = [Int32(k)]
            mark[k] = Int32(k)
            let o = perm[k]
            for a in adjStart[o]..<adjStart[o + 1] {
                let i = Int(inv[Int(adj[a])])
                if i > k && mark[i] != Int32(k) { mark[i] = Int32(k); s.append(Int32(i)) }
            }
            for c in pendingChildren[k] {
                for i in colStructs[Int(c)] where Int(i) != Int(c) && mark[Int(i)] != Int32(k) {
                    mark[Int(i)] = Int32(k); s.append(i)
                }
                colStructs[Int(c)] = []
            }
            s.sort()
            colCount[k] = s.count
            // k continues the supernode of k−1 when k is k−1's parent, its only child, and the structure shrinks by one.
            if k > 0 && parent[k - 1] == Int32(k) && childCount[k] == 1 && colCount[k - 1] == s.count + 1 {
                fundamentalStart[k] = false
            }
            if fundamentalStart[k] { keptStruct[k] = s }
            if parent[k] >= 0 { colStructs[k] = s }
        }
        // 4. Supernodes (fundamental, then relaxed amalgamation of small chains).
        var firsts: [Int] = []
        for k in 0..<n where fundamentalStart[k] { firsts.append(k) }
        var superRowsList: [[Int32]] = firsts.map { keptStruct[$0] }
        keptStruct = []
        var ranges: [(Int, Int)] = []
        for (s, f) in firsts.enumerated() { ranges.append((f, s + 1 < firsts.count ? firsts[s + 1] : n)) }
        // Relaxed amalgamation: merge a supernode into the next one when it is that one's etree child
        // through its last column and the merged block stays small or adds few explicit zeros.
        do {
            var mergedRanges: [(Int, Int)] = []
            var mergedRows: [[Int32]] = []
            var s = 0
            while s < ranges.count {
                var (f, l) = ranges[s]
                var rows = superRowsList[s]
                while s + 1 < ranges.count {
                    let (f2, l2) = ranges[s + 1]
                    guard parent[l - 1] == Int32(f2) else { break }
                    let rows2 = superRowsList[s + 1]
                    // Merged structure: own columns f..<l then rows2 (which contains every row of `rows` beyond l−1).
                    let k1 = l - f, k2 = l2 - f2
                    let nfMerged = k1 + rows2.count
                    // Extra zeros: for each column of the first block, nfMerged − (its true count).
                    var extra = 0
                    for c in f..<l { extra += (nfMerged - (c - f)) - colCount[c] }
                    let totalCols = k1 + k2
                    let stored = extra
                    var trueEntries = 0
                    for c in f..<l2 { trueEntries += colCount[c] }
                    let ok = totalCols <= 4 || (totalCols <= 16 && stored * 10 <= trueEntries * 3)
                        || (totalCols <= 64 && stored * 20 <= trueEntries)
                    guard ok else { break }
                    var newRows = [Int32](); newRows.reserveCapacity(nfMerged)
                    for c in f..<l { newRows.append(Int32(c)) }
                    newRows.append(contentsOf: rows2)
                    rows = newRows
                    l = l2
                    s += 1
                }
                mergedRanges.append((f, l))
                mergedRows.append(rows)
                s += 1
            }
            ranges = mergedRanges
            superRowsList = mergedRows
        }
        let ns = ranges.count
        var sFirst = [Int32](repeating: 0, count: ns + 1)
        var colSuper = [Int32](repeating: 0, count: n)
        for (s, r) in ranges.enumerated() {
            sFirst[s] = Int32(r.0)
            for c in r.0..<r.1 { colSuper[c] = Int32(s) }
        }
        sFirst[ns] = Int32(n)
        var rowStart = [Int](repeating: 0, count: ns + 1)
        var valueStart = [Int](repeating: 0, count: ns + 1)
        for s in 0..<ns {
            rowStart[s + 1] = rowStart[s] + superRowsList[s].count
            valueStart[s + 1] = valueStart[s] + superRowsList[s].count * (ranges[s].1 - ranges[s].0)
        }
        var rowsFlat = [Int32](); rowsFlat.reserveCapacity(rowStart[ns])
        for r in superRowsList { rowsFlat.append(contentsOf: r) }
        var sParent = [Int32](repeating: -1, count: ns)
        for s in 0..<ns {
            let k = ranges[s].1 - ranges[s].0
            let rows = superRowsList[s]
            if rows.count > k { sParent[s] = colSuper[Int(rows[k])] }
        }
        var cStart = [Int](repeating: 0, count: ns + 1)
        for s in 0..<ns where sParent[s] >= 0 { cStart[Int(sParent[s]) + 1] += 1 }
        for s in 0..<ns { cStart[s + 1] += cStart[s] }
        var cList = [Int32](repeating: 0, count: cStart[ns])
        var cFill = Array(cStart[0..<ns])
        for s in 0..<ns where sParent[s] >= 0 {
            let p = Int(sParent[s]); cList[cFill[p]] = Int32(s); cFill[p] += 1
        }
        // Relative indices of each supernode's update rows in its parent's rows.
        var relStart = [Int](repeating: 0, count: ns + 1)
        for s in 0..<ns {
            let k = ranges[s].1 - ranges[s].0
            relStart[s + 1] = relStart[s] + (sParent[s] >= 0 ? superRowsList[s].count - k : 0)
        }
        var rel = [Int32](repeating: 0, count: relStart[ns])
        var position = [Int32](repeating: -1, count: n)
        for p in 0..<ns {
            let prow = superRowsList[p]
            for (q, r) in prow.enumerated() { position[Int(r)] = Int32(q) }
            for ci in cStart[p]..<cStart[p + 1] {
                let c = Int(cList[ci])
                let k = ranges[c].1 - ranges[c].0
                let crow = superRowsList[c]
                for q in k..<crow.count { rel[relStart[c] + q - k] = position[Int(crow[q])] }
            }
        }
        // Assembly map of the input entries.
        var aCount = [Int](repeating: 0, count: ns + 1)
        var entrySuper = [Int32](repeating: 0, count: matrix.rowIndices.count)
        var entryColumn = [Int32](repeating: 0, count: matrix.rowIndices.count)
        for j in 0..<n {
            for e in matrix.columnStarts[j]..<matrix.columnStarts[j + 1] {
                entryColumn[e] = Int32(j)
                let a = Int(inv[Int(matrix.rowIndices[e])]), b = Int(inv[j])
                let c = min(a, b)
                entrySuper[e] = colSuper[c]
                aCount[Int(colSuper[c]) + 1] += 1
            }
        }
        for s in 0..<ns { aCount[s + 1] += aCount[s] }
        var aSrc = [Int32](repeating: 0, count: matrix.rowIndices.count)
        var aDst = [Int32](repeating: 0, count: matrix.rowIndices.count)
        var aFill = Array(aCount[0..<ns])
        for j in 0..<n {
            for e in matrix.columnStarts[j]..<matrix.columnStarts[j + 1] {
                let s = Int(entrySuper[e]); aSrc[aFill[s]] = Int32(e); aFill[s] += 1
            }
        }
        for s in 0..<ns {
            let rows = superRowsList[s]
            for (q, r) in rows.enumerated() { position[Int(r)] = Int32(q) }
            let nf = rows.count
            for t in aCount[s]..<aCount[s + 1] {
                let e = Int(aSrc[t])
                let j = Int(entryColumn[e])
                let a = Int(inv[Int(matrix.rowIndices[e])]), b = Int(inv[j])
                let r = max(a, b), c = min(a, b)
                aDst[t] = Int32((c - ranges[s].0) * nf + Int(position[r]))
            }
        }
        superFirst = sFirst
        superRowStart = rowStart
        superRows = rowsFlat
        superValueStart = valueStart
        superParent = sParent
        columnSuper = colSuper
        childStart = cStart
        children = cList
        relativeStart = relStart
        relative = rel
        assemblyStart = aCount
        assemblySource = aSrc
        assemblyDestination = aDst
        factorEntries = valueStart[ns]
    }

    private init(copying o: SparseCholeskySymbolic, inputEntries: Int, assemblyStart: [Int], assemblySource: [Int32],
                 assemblyDestination: [Int32]) {
        order = o.order
        permutation = o.permutation
        inversePermutation = o.inversePermutation
        factorEntries = o.factorEntries
        self.inputEntries = inputEntries
        superFirst = o.superFirst
        superRowStart = o.superRowStart
        superRows = o.superRows
        superValueStart = o.superValueStart
        superParent = o.superParent
        columnSuper = o.columnSuper
        childStart = o.childStart
        children = o.children
        relativeStart = o.relativeStart
        relative = o.relative
        self.assemblyStart = assemblyStart
        self.assemblySource = assemblySource
        self.assemblyDestination = assemblyDestination
    }

    /// This analysis (ordering, supernodes) reused for another pattern of the same order, when every entry of
    /// `matrix` lies inside this factor's pattern (then so does its whole fill); nil otherwise.
    /// Costs O(nnz log) instead of a new ordering and symbolic factorisation.
    public func retargeted(to matrix: SparseSymmetricMatrix) -> SparseCholeskySymbolic? {
        guard matrix.order == order else { return nil }
        let ns = supernodeCount
        let nnz = matrix.rowIndices.count
        var entrySuper = [Int32](repeating: 0, count: nnz)
        var dest = [Int32](repeating: 0, count: nnz)
        var counts = [Int](repeating: 0, count: ns + 1)
        for j in 0..<order {
            for e in matrix.columnStarts[j]..<matrix.columnStarts[j + 1] {
                let a = Int(inversePermutation[Int(matrix.rowIndices[e])]), b = Int(inversePermutation[j])
                let r = max(a, b), c = min(a, b)
                let s = Int(columnSuper[c])
                let lo0 = superRowStart[s], hi0 = superRowStart[s + 1]
                var lo = lo0, hi = hi0
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    if Int(superRows[mid]) < r { lo = mid + 1 } else { hi = mid }
                }
                guard lo < hi0, Int(superRows[lo]) == r else { return nil }
                entrySuper[e] = Int32(s)
                dest[e] = Int32((c - Int(superFirst[s])) * (hi0 - lo0) + (lo - lo0))
                counts[s + 1] += 1
            }
        }
        for s in 0..<ns { counts[s + 1] += counts[s] }
        var src = [Int32](repeating: 0, count: nnz), dst = [Int32](repeating: 0, count: nnz)
        var fill = Array(counts[0..<ns])
        for e in 0..<nnz {
            let s = Int(entrySuper[e])
            src[fill[s]] = Int32(e); dst[fill[s]] = dest[e]; fill[s] += 1
        }
        return SparseCholeskySymbolic(copying: self, inputEntries: nnz, assemblyStart: counts, assemblySource: src,
                                      assemblyDestination: dst)
    }

    /// Floating-point multiply–adds of one numeric factorisation (Σ over stored columns of their length²).
    public var factorizationFlops: Double {
        var flops = 0.0
        for sn in 0..<supernodeCount {
            let nf = superRowStart[sn + 1] - superRowStart[sn]
            let k = Int(superFirst[sn + 1] - superFirst[sn])
            for j in 0..<k { let c = Double(nf - j); flops += c * c / 2 }
        }
        return flops
    }

    /// The largest supernode row count (frontal matrix order).
    public var largestFront: Int {
        (0..<supernodeCount).map { superRowStart[$0 + 1] - superRowStart[$0] }.max() ?? 0
    }

    /// The index into the factor (and selected-inverse) storage of the entry at original indices
    /// (`row`, `column`), or nil when it lies outside the factor's pattern.
    public func storageIndex(row: Int, column: Int) -> Int? {
        let a = Int(inversePermutation[row]), b = Int(inversePermutation[column])
        let r = max(a, b), c = min(a, b)
        let s = Int(columnSuper[c])
        let lo0 = superRowStart[s], hi0 = superRowStart[s + 1]
        var lo = lo0, hi = hi0
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(superRows[mid]) < r { lo = mid + 1 } else { hi = mid }
        }
        guard lo < hi0, Int(superRows[lo]) == r else { return nil }
        let nf = hi0 - lo0
        return superValueStart[s] + (c - Int(superFirst[s])) * nf + (lo - lo0)
    }

    /// ``storageIndex(row:column:)`` for every entry of `matrix` (aligned with its entries), computed per
    /// supernode with a scatter map instead of searches; nil if some entry lies outside the factor's pattern.
    public func storageIndices(of matrix: SparseSymmetricMatrix) -> [Int]? {
        guard matrix.order == order else { return nil }
        let ns = supernodeCount
        let nnz = matrix.rowIndices.count
        var counts = [Int](repeating: 0, count: ns + 1)
        var lowHigh = [(Int32, Int32)](repeating: (0, 0), count: nnz)
        for j in 0..<order {
            let b = inversePermutation[j]
            for e in matrix.columnStarts[j]..<matrix.columnStarts[j + 1] {
                let a = inversePermutation[Int(matrix.rowIndices[e])]
                let lo = min(a, b), hi = max(a, b)
                lowHigh[e] = (lo, hi)
                counts[Int(columnSuper[Int(lo)]) + 1] += 1
            }
        }
        for s in 0..<ns { counts[s + 1] += counts[s] }
        var byS = [Int32](repeating: 0, count: nnz)
        var fill = Array(counts[0..<ns])
        for e in 0..<nnz { let s = Int(columnSuper[Int(lowHigh[e].0)]); byS[fill[s]] = Int32(e); fill[s] += 1 }
        var where_ = [Int32](repeating: -1, count: order)
        var out = [Int](repeating: 0, count: nnz)
        for s in 0..<ns {
            let r0 = superRowStart[s], nf = superRowStart[s + 1] - r0
            for q in 0..<nf { where_[Int(superRows[r0 + q])] = Int32(q) }
            let f = Int(superFirst[s])
            for t in counts[s]..<counts[s + 1] {
                let e = Int(byS[t])
                let (lo, hi) = lowHigh[e]
                let p = Int(where_[Int(hi)])
                guard p >= 0, Int(superRows[r0 + p]) == Int(hi) else { return nil }
                out[e] = superValueStart[s] + (Int(lo) - f) * nf + p
            }
            for q in 0..<nf { where_[Int(superRows[r0 + q])] = -1 }
        }
        return out
    }

    /// Storage index of the diagonal entry of original index `i`.
    public func diagonalStorageIndex(_ i: Int) -> Int {
        let c = Int(inversePermutation[i])
        let s = Int(columnSuper[c])
        let nf = superRowStart[s + 1] - superRowStart[s]
        let off = c - Int(superFirst[s])
        return superValueStart[s] + off * nf + off
    }

    // MARK: - Nested dissection

    static func geometricDissection(n: Int, adjStart: [Int], adj: [Int32], coordinates c: [Double], dimension dim: Int,
                                    leafSize: Int) -> [Int] {
        var out = [Int](); out.reserveCapacity(n)
        var side = [Int8](repeating: 0, count: n)      // 0 outside the current subset, 1 = A, 2 = B
        enum Work { case split([Int32]), emit([Int32]) }
        var work: [Work] = [.split((0..<Int32(n)).map { $0 })]
        while let item = work.popLast() {
            switch item {
            case let .emit(vs):
                for v in vs { out.append(Int(v)) }
            case let .split(vs):
                if vs.count <= leafSize {
                    for v in vs { out.append(Int(v)) }
                    continue
                }
                var bestD = 0, bestW = -1.0
                for d in 0..<dim {
                    var lo = Double.infinity, hi = -Double.infinity
                    for v in vs { let x = c[Int(v) * dim + d]; lo = min(lo, x); hi = max(hi, x) }
                    if hi - lo > bestW { bestW = hi - lo; bestD = d }
                }
                if !(bestW > 0) {
                    for v in vs { out.append(Int(v)) }
                    continue
                }
                let sorted = vs.sorted { c[Int($0) * dim + bestD] < c[Int($1) * dim + bestD] }
                let half = sorted.count / 2
                let partA = Array(sorted[..<half]), partB = Array(sorted[half...])
                for v in partA { side[Int(v)] = 1 }
                for v in partB { side[Int(v)] = 2 }
                // Boundaries: vertices of A adjacent to B and of B adjacent to A; the smaller one separates.
                var bA = [Bool](repeating: false, count: partA.count), bB = [Bool](repeating: false, count: partB.count)
                var nA = 0, nB = 0
                for (q, v) in partA.enumerated() {
                    for a in adjStart[Int(v)]..<adjStart[Int(v) + 1] where side[Int(adj[a])] == 2 { bA[q] = true; nA += 1; break }
                }
                for (q, v) in partB.enumerated() {
                    for a in adjStart[Int(v)]..<adjStart[Int(v) + 1] where side[Int(adj[a])] == 1 { bB[q] = true; nB += 1; break }
                }
                for v in vs { side[Int(v)] = 0 }
                var restA: [Int32] = [], restB: [Int32] = [], sep: [Int32] = []
                if nA <= nB {
                    for (q, v) in partA.enumerated() { if bA[q] { sep.append(v) } else { restA.append(v) } }
                    restB = partB
                } else {
                    for (q, v) in partB.enumerated() { if bB[q] { sep.append(v) } else { restB.append(v) } }
                    restA = partA
                }
                work.append(.emit(sep))
                work.append(.split(restB))
                work.append(.split(restA))
            }
        }
        return out
    }

    static func nestedDissection(n: Int, adjStart: [Int], adj: [Int32], leafSize: Int) -> [Int] {
        var out = [Int](); out.reserveCapacity(n)
        var tag = [Int32](repeating: 0, count: n)
        var level = [Int32](repeating: -1, count: n)
        var nextTag: Int32 = 1
        // Explicit work stack: .split(vertices) or .emit(vertices) (separators are emitted after both halves).
        enum Work { case split([Int32]), emit([Int32]) }
        var work: [Work] = [.split((0..<Int32(n)).map { $0 })]

        func bfs(_ root: Int32, _ t: Int32, _ order: inout [Int32], _ starts: inout [Int]) {
            order.removeAll(keepingCapacity: true)
            starts.removeAll(keepingCapacity: true)
            order.append(root); level[Int(root)] = 0
            starts.append(0)
            var head = 0
            var currentLevel: Int32 = 0
            while head < order.count {
                let v = Int(order[head])
                if level[v] != currentLevel { currentLevel = level[v]; starts.append(head) }
                head += 1
                for a in adjStart[v]..<adjStart[v + 1] {
                    let u = Int(adj[a])
                    if tag[u] == t && level[u] < 0 { level[u] = level[v] + 1; order.append(Int32(u)) }
                }
            }
            starts.append(order.count)
        }
        var order: [Int32] = [], starts: [Int] = []
        while let item = work.popLast() {
            switch item {
            case let .emit(vs):
                for v in vs { out.append(Int(v)) }
            case let .split(vs):
                if vs.count <= leafSize {
                    for v in vs { out.append(Int(v)) }
                    continue
                }
                let t = nextTag; nextTag += 1
                for v in vs { tag[Int(v)] = t; level[Int(v)] = -1 }
                bfs(vs[0], t, &order, &starts)
                if order.count < vs.count {
                    // Disconnected: the reached component and the rest are independent.
                    let comp = order
                    let rest = vs.filter { level[Int($0)] < 0 }
                    work.append(.split(rest))
                    work.append(.split(comp))
                    continue
                }
                // Pseudo-peripheral root: restart from a low-degree vertex of the last level while the depth grows.
                var depth = starts.count - 1
                for _ in 0..<4 {
                    var best = order[starts[depth - 1]], bestDeg = Int.max
                    for q in starts[depth - 1]..<starts[depth] {
                        let v = Int(order[q]); let d = adjStart[v + 1] - adjStart[v]
                        if d < bestDeg { bestDeg = d; best = order[q] }
                    }
                    let saveOrder = order, saveStarts = starts
                    for v in vs { level[Int(v)] = -1 }
                    bfs(best, t, &order, &starts)
                    if starts.count - 1 <= depth {
                        order = saveOrder; starts = saveStarts
                        for (li, s) in starts.dropLast().enumerated() {
                            for q in s..<starts[li + 1] { level[Int(order[q])] = Int32(li) }
                        }
                        break
                    }
                    depth = starts.count - 1
                }
                if depth < 3 {
                    for v in vs { out.append(Int(v)) }
                    continue
                }
                // Separator level: the smallest level with at least 30 % of the vertices on each side.
                let total = vs.count
                var h = -1, bestSize = Int.max
                for li in 1..<(depth - 1) {
                    let below = starts[li], above = total - starts[li + 1]
                    let size = starts[li + 1] - starts[li]
                    if below * 10 >= total * 3 && above * 10 >= total * 3 && size < bestSize { bestSize = size; h = li }
                }
                if h < 0 {
                    for li in 1..<(depth - 1) where starts[li + 1] * 2 >= total { h = li; break }
                    if h < 0 { h = depth / 2 }
                }
                var partA: [Int32] = [], partB: [Int32] = [], sep: [Int32] = []
                for q in 0..<starts[h] { partA.append(order[q]) }
                for q in starts[h + 1]..<total { partB.append(order[q]) }
                for q in starts[h]..<starts[h + 1] {
                    let v = Int(order[q])
                    var touchesB = false
                    for a in adjStart[v]..<adjStart[v + 1] {
                        let u = Int(adj[a])
                        if tag[u] == t && level[u] == Int32(h + 1) { touchesB = true; break }
                    }
                    if touchesB { sep.append(order[q]) } else { partA.append(order[q]) }
                }
                work.append(.emit(sep))
                work.append(.split(partB))
                work.append(.split(partA))
            }
        }
        return out
    }
}

/// The numeric sparse Cholesky factor `P A Pᵀ = L Lᵀ` of a sparse symmetric positive-definite matrix.
///
/// ```swift
/// let symbolic = try SparseCholeskySymbolic(pattern: a)        // once per pattern
/// let chol = try SparseCholesky(symbolic: symbolic, values: a.values)
/// let x = chol.solve(b)                                          // A x = b
/// let logDet = chol.logDeterminant
/// let inv = chol.selectedInverse()                               // (A⁻¹)_ij on the pattern of L
/// ```
/// Dense blocks of large supernodes go through LAPACK `dpotrf` and BLAS level 3; small ones are
/// factorised in Swift loops.
public struct SparseCholesky: Sendable {
    /// The analysis this factor was computed with.
    public let symbolic: SparseCholeskySymbolic
    /// The supernodal blocks of L (layout of ``SparseCholeskySymbolic``).
    public let factor: [Double]

    /// Factorises the matrix with the analysed pattern and the given values (aligned with the pattern's entries).
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(minor:)`` (1-based pivot position in the
    ///   elimination order) or ``LinearAlgebraError/nonFinite(operation:)``.
    public init(symbolic sym: SparseCholeskySymbolic, values: [Double]) throws(LinearAlgebraError) {
        guard values.count == sym.inputEntries else {
            throw .dimensionMismatch(operation: "SparseCholesky", detail: "\(values.count) values for a pattern of \(sym.inputEntries)")
        }
        symbolic = sym
        let ns = sym.supernodeCount
        var L = [Double](repeating: 0, count: sym.factorEntries)
        // Each supernode's front is split: its k pivot columns live directly in L's storage (nf × k, leading
        // dimension nf) and its Schur complement in a separate u × u update matrix passed to the parent.
        var updates = [[Double]](repeating: [], count: ns)
        var failure: LinearAlgebraError?
        L.withUnsafeMutableBufferPointer { Lb in
        values.withUnsafeBufferPointer { vp in
        sym.relative.withUnsafeBufferPointer { rel in
        sym.assemblySource.withUnsafeBufferPointer { asrc in
        sym.assemblyDestination.withUnsafeBufferPointer { adst in
            let Lp = Lb.baseAddress!
            for s in 0..<ns {
                let f = Int(sym.superFirst[s]), k = Int(sym.superFirst[s + 1]) - f
                let nf = sym.superRowStart[s + 1] - sym.superRowStart[s]
                let u = nf - k
                let base = sym.superValueStart[s]
                let Ls = Lp + base
                for t in sym.assemblyStart[s]..<sym.assemblyStart[s + 1] {
                    Ls[Int(adst[t])] += vp[Int(asrc[t])]
                }
                var U = [Double](repeating: 0, count: u * u)
                U.withUnsafeMutableBufferPointer { Ub in
                    let Us = Ub.baseAddress
                    for ci in sym.childStart[s]..<sym.childStart[s + 1] {
                        let c = Int(sym.children[ci])
                        let rs = sym.relativeStart[c]
                        let uc = sym.relativeStart[c + 1] - rs
                        updates[c].withUnsafeBufferPointer { Cb in
                            let C = Cb.baseAddress!
                            for b in 0..<uc {
                                let pb = Int(rel[rs + b])
                                let src = C + b * uc
                                if pb < k {
                                    let dst = Ls + pb * nf
                                    for a in b..<uc { dst[Int(rel[rs + a])] += src[a] }
                                } else {
                                    let dst = Us! + (pb - k) * u - k
                                    for a in b..<uc { dst[Int(rel[rs + a])] += src[a] }
                                }
                            }
                        }
                        updates[c] = []
                    }
                    if let bad = SparseCholesky.partialFactor(Ls, nf: nf, k: k, update: Us) {
                        if failure == nil { failure = .notPositiveDefinite(minor: f + bad + 1) }
                    }
                }
                if failure != nil { return }
                if u > 0 { updates[s] = U }
            }
        }}}}}
        if let failure { throw failure }
        factor = L
        if !factor.allSatisfy({ $0.isFinite }) { throw .nonFinite(operation: "SparseCholesky") }
    }

    /// Factorises a supernode: the nf × k block `L` (leading dimension nf) becomes the k factor columns and
    /// `update` (u × u, u = nf − k, lower triangle) receives −L₂₁L₂₁ᵀ. Returns the failing pivot offset, or nil.
    static func partialFactor(_ L: UnsafeMutablePointer<Double>, nf: Int, k: Int, update U: UnsafeMutablePointer<Double>?) -> Int? {
        let u = nf - k
        if k * nf >= 512 {
            let info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(k), L, Int32(nf))
            if info > 0 { return Int(info) - 1 }
            if info < 0 { return 0 }
            if u > 0 {
                cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, Int32(u), Int32(k), 1,
                            L, Int32(nf), L + k, Int32(nf))
                cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, Int32(u), Int32(k), -1, L + k, Int32(nf), 1, U, Int32(u))
            }
            return nil
        }
        for j in 0..<k {
            let colj = L + j * nf
            let d = colj[j]
            guard d > 0, d.isFinite else { return j }
            let r = d.squareRoot()
            colj[j] = r
            let inv = 1 / r
            for i in (j + 1)..<nf { colj[i] *= inv }
            for c in (j + 1)..<k {
                let fc = colj[c]
                if fc == 0 { continue }
                let colc = L + c * nf
                for i in c..<nf { colc[i] -= colj[i] * fc }
            }
            if let U {
                let below = colj + k
                for c in 0..<u {
                    let fc = below[c]
                    if fc == 0 { continue }
                    let colc = U + c * u
                    for i in c..<u { colc[i] -= below[i] * fc }
                }
            }
        }
        return nil
    }

    /// `ln det A = 2 Σ ln L_ii`.
    public var logDeterminant: Double {
        var s = 0.0
        let sym = symbolic
        for sn in 0..<sym.supernodeCount {
            let k = Int(sym.superFirst[sn + 1] - sym.superFirst[sn])
            let nf = sym.superRowStart[sn + 1] - sym.superRowStart[sn]
            let base = sym.superValueStart[sn]
            for j in 0..<k { s += log(factor[base + j * nf + j]) }
        }
        return 2 * s
    }

    /// Solves `L y = P b` in place on a permuted vector (pivot order), for `columns` right-hand sides stored
    /// column-major with leading dimension n (BLAS level 2/3 on each supernode's dense block).
    func forwardPermuted(_ y: UnsafeMutablePointer<Double>, columns: Int) {
        let sym = symbolic
        let n = sym.order
        var tmp = [Double]()
        factor.withUnsafeBufferPointer { Lb in
            sym.superRows.withUnsafeBufferPointer { rows in
                let Lp = Lb.baseAddress!
                for s in 0..<sym.supernodeCount {
                    let f = Int(sym.superFirst[s]), k = Int(sym.superFirst[s + 1]) - f
                    let r0 = sym.superRowStart[s], nf = sym.superRowStart[s + 1] - r0
                    let r = nf - k
                    let base = sym.superValueStart[s]
                    if columns == 1 {
                        cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(k), Lp + base, Int32(nf), y + f, 1)
                    } else {
                        cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(k), Int32(columns), 1,
                                    Lp + base, Int32(nf), y + f, Int32(n))
                    }
                    guard r > 0 else { continue }
                    if tmp.count < r * columns { tmp = [Double](repeating: 0, count: r * columns) }
                    tmp.withUnsafeMutableBufferPointer { T in
                        let t = T.baseAddress!
                        if columns == 1 {
                            cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(r), Int32(k), 1, Lp + base + k, Int32(nf), y + f, 1, 0, t, 1)
                        } else {
                            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(r), Int32(columns), Int32(k), 1,
                                        Lp + base + k, Int32(nf), y + f, Int32(n), 0, t, Int32(r))
                        }
                        for col in 0..<columns {
                            let yc = y + col * n, tc = t + col * r
                            for i in 0..<r { yc[Int(rows[r0 + k + i])] -= tc[i] }
                        }
                    }
                }
            }
        }
    }

    /// Solves `Lᵀ x = y` in place (pivot order), `columns` right-hand sides with leading dimension n.
    func backwardPermuted(_ x: UnsafeMutablePointer<Double>, columns: Int) {
        let sym = symbolic
        let n = sym.order
        var tmp = [Double]()
        factor.withUnsafeBufferPointer { Lb in
            sym.superRows.withUnsafeBufferPointer { rows in
                let Lp = Lb.baseAddress!
                for s in stride(from: sym.supernodeCount - 1, through: 0, by: -1) {
                    let f = Int(sym.superFirst[s]), k = Int(sym.superFirst[s + 1]) - f
                    let r0 = sym.superRowStart[s], nf = sym.superRowStart[s + 1] - r0
                    let r = nf - k
                    let base = sym.superValueStart[s]
                    if r > 0 {
                        if tmp.count < r * columns { tmp = [Double](repeating: 0, count: r * columns) }
                        tmp.withUnsafeMutableBufferPointer { T in
                            let t = T.baseAddress!
                            for col in 0..<columns {
                                let xc = x + col * n, tc = t + col * r
                                for i in 0..<r { tc[i] = xc[Int(rows[r0 + k + i])] }
                            }
                            if columns == 1 {
                                cblas_dgemv(CblasColMajor, CblasTrans, Int32(r), Int32(k), -1, Lp + base + k, Int32(nf), t, 1, 1, x + f, 1)
                            } else {
                                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(columns), Int32(r), -1,
                                            Lp + base + k, Int32(nf), t, Int32(r), 1, x + f, Int32(n))
                            }
                        }
                    }
                    if columns == 1 {
                        cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, Int32(k), Lp + base, Int32(nf), x + f, 1)
                    } else {
                        cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, Int32(k), Int32(columns), 1,
                                    Lp + base, Int32(nf), x + f, Int32(n))
                    }
                }
            }
        }
    }

    /// Solves `A x = b` (original indexing).
    public func solve(_ b: [Double]) -> [Double] {
        let n = symbolic.order
        precondition(b.count == n, "SparseCholesky.solve: b has \(b.count) entries, expected \(n)")
        var y = [Double](repeating: 0, count: n)
        for k in 0..<n { y[k] = b[symbolic.permutation[k]] }
        y.withUnsafeMutableBufferPointer { p in
            forwardPermuted(p.baseAddress!, columns: 1)
            backwardPermuted(p.baseAddress!, columns: 1)
        }
        var x = [Double](repeating: 0, count: n)
        for k in 0..<n { x[symbolic.permutation[k]] = y[k] }
        return x
    }

    /// `L⁻¹ P B` for `columns` right-hand sides given column-major (n × columns, original row indexing).
    /// The result (pivot-ordered rows) satisfies `(L⁻¹PB)ᵀ(L⁻¹PB) = Bᵀ A⁻¹ B`.
    public func halfSolve(_ b: [Double], columns: Int) -> [Double] {
        let n = symbolic.order
        precondition(b.count == n * columns, "SparseCholesky.halfSolve: wrong right-hand-side size")
        var y = [Double](repeating: 0, count: n * columns)
        for c in 0..<columns {
            for k in 0..<n { y[c * n + k] = b[c * n + symbolic.permutation[k]] }
        }
        y.withUnsafeMutableBufferPointer { p in forwardPermuted(p.baseAddress!, columns: columns) }
        return y
    }

    /// The entries of `A⁻¹` on the pattern of L (Takahashi recurrences, supernodal), in the factor's layout:
    /// `(A⁻¹)_ij` for every stored (i, j) of L. Read them with ``SparseCholeskySymbolic/storageIndex(row:column:)``.
    public func selectedInverse() -> [Double] {
        let sym = symbolic
        let ns = sym.supernodeCount
        var Z = [Double](repeating: 0, count: sym.factorEntries)
        var whereBuf = [Int32](repeating: -1, count: sym.order)
        var maxR = 0, maxK = 0
        for s in 0..<ns {
            let k = Int(sym.superFirst[s + 1] - sym.superFirst[s])
            maxK = max(maxK, k)
            maxR = max(maxR, sym.superRowStart[s + 1] - sym.superRowStart[s] - k)
        }
        var Sbuf = [Double](repeating: 0, count: maxR * maxR)
        var Ubuf = [Double](repeating: 0, count: maxR * maxK)
        Z.withUnsafeMutableBufferPointer { Zb in
        factor.withUnsafeBufferPointer { Lb in
        sym.superRows.withUnsafeBufferPointer { rows in
        whereBuf.withUnsafeMutableBufferPointer { where_ in
        Sbuf.withUnsafeMutableBufferPointer { Sb in
        Ubuf.withUnsafeMutableBufferPointer { Ub in
            let Zp = Zb.baseAddress!, Lp = Lb.baseAddress!
            for s in stride(from: ns - 1, through: 0, by: -1) {
                let f = Int(sym.superFirst[s]), k = Int(sym.superFirst[s + 1]) - f
                let r0 = sym.superRowStart[s], nf = sym.superRowStart[s + 1] - r0
                let r = nf - k
                let base = sym.superValueStart[s]
                let Ls = Lp + base, Zs = Zp + base
                // Z_JJ ← inv(L_JJ L_JJᵀ) (lower triangle, in place in Z's block).
                for j in 0..<k { for i in j..<k { Zs[j * nf + i] = Ls[j * nf + i] } }
                _ = LAPACKE_dpotri(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(k), Zs, Int32(nf))
                guard r > 0 else { continue }
                // U = L_RJ L_JJ⁻¹ (r × k).
                let Ublk = Ub.baseAddress!
                for j in 0..<k { for i in 0..<r { Ublk[j * r + i] = Ls[j * nf + k + i] } }
                cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, Int32(r), Int32(k), 1,
                            Ls, Int32(nf), Ublk, Int32(r))
                // Gather the lower triangle of S = Z_RR from the ancestors' blocks.
                let S = Sb.baseAddress!
                var b = 0
                while b < r {
                    let cb = Int(rows[r0 + k + b])
                    let K = Int(sym.columnSuper[cb])
                    let kr0 = sym.superRowStart[K], knf = sym.superRowStart[K + 1] - kr0
                    for q in 0..<knf { where_[Int(rows[kr0 + q])] = Int32(q) }
                    let kf = Int(sym.superFirst[K]), kend = Int(sym.superFirst[K + 1])
                    let kbase = sym.superValueStart[K]
                    while b < r {
                        let c = Int(rows[r0 + k + b])
                        if c >= kend { break }
                        let col = Zp + kbase + (c - kf) * knf
                        let dst = S + b * r
                        for a in b..<r { dst[a] = col[Int(where_[Int(rows[r0 + k + a])])] }
                        b += 1
                    }
                }
                // Z_RJ = −S U, written into Z's block below the diagonal block.
                cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, Int32(r), Int32(k), -1, S, Int32(r), Ublk, Int32(r),
                            0, Zs + k, Int32(nf))
                // Z_JJ −= Uᵀ Z_RJ.
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(k), Int32(r), -1,
                            Ublk, Int32(r), Zs + k, Int32(nf), 1, Zs, Int32(nf))
            }
        }}}}}}
        return Z
    }
}
