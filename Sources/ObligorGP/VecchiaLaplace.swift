import Foundation
import ObligorNumerics

/// The sparsity structure of a Vecchia precision `Q = Bᵀ D⁻¹ B` for one set of neighbours: the pattern of
/// Q (union of the cliques {l} ∪ N(l)), where each clique entry lands in it, and the symbolic sparse
/// Cholesky analysis of `Q + W` (W diagonal), reused for every Newton step and parameter with these neighbours.
final class VecchiaStructure: @unchecked Sendable {
    let neighbors: VecchiaNeighbors
    /// Lower-triangular pattern of Q (values zero).
    let pattern: SparseSymmetricMatrix
    /// Per location l, offset into ``cliqueIndex``: the lower-triangular pairs (a ≥ b) of the clique
    /// `S_l = [l, N(l)…]`, enumerated column by column (b outer, a inner), each as an index into the pattern.
    let cliqueStart: [Int]
    let cliqueIndex: [Int32]
    /// Pattern index of each diagonal entry (l, l).
    let diagonalIndex: [Int]
    let symbolic: SparseCholeskySymbolic
    /// Factor-storage index of each pattern entry (for reading the selected inverse).
    let patternToFactor: [Int]
    /// Factor-storage index of each diagonal entry.
    let diagonalToFactor: [Int]

    /// - Parameter previous: an analysis to reuse when the new pattern lies inside its factor's pattern.
    /// - Parameter coordinates: scaled coordinates (row-major, `dimension` each) for a geometric nested
    ///   dissection ordering; nil uses graph (level-set) nested dissection.
    init(neighbors: VecchiaNeighbors, previous: SparseCholeskySymbolic? = nil, coordinates: [Double]? = nil,
         dimension: Int = 0) throws(GPError) {
        self.neighbors = neighbors
        let m = neighbors.locationCount
        // Clique of l: S_l = [l, N(l)…]. For every location c, the cliques it belongs to and its position there.
        var memberStart = [Int](repeating: 0, count: m + 1)
        for l in 0..<m {
            memberStart[l + 1] += 1
            for q in neighbors.start[l]..<neighbors.start[l + 1] { memberStart[Int(neighbors.list[q]) + 1] += 1 }
        }
        for c in 0..<m { memberStart[c + 1] += memberStart[c] }
        var memberClique = [Int32](repeating: 0, count: memberStart[m])
        var memberPosition = [Int32](repeating: 0, count: memberStart[m])
        var fill = Array(memberStart[0..<m])
        for l in 0..<m {
            memberClique[fill[l]] = Int32(l); memberPosition[fill[l]] = 0; fill[l] += 1
            for (a, q) in (neighbors.start[l]..<neighbors.start[l + 1]).enumerated() {
                let c = Int(neighbors.list[q])
                memberClique[fill[c]] = Int32(l); memberPosition[fill[c]] = Int32(a + 1); fill[c] += 1
            }
        }
        var cStart = [Int](repeating: 0, count: m + 1)
        for l in 0..<m { let s = neighbors.count(l) + 1; cStart[l + 1] = cStart[l] + s * (s + 1) / 2 }
        var cIndex = [Int32](repeating: 0, count: cStart[m])
        var starts = [Int](repeating: 0, count: m + 1)
        var rows: [Int32] = []
        rows.reserveCapacity(memberStart[m] * 8)
        var mark = [Int32](repeating: -1, count: m)
        var pos = [Int32](repeating: 0, count: m)
        var diag = [Int](repeating: 0, count: m)
        var column: [Int32] = []
        neighbors.start.withUnsafeBufferPointer { nbStart in
        neighbors.list.withUnsafeBufferPointer { nbList in
        memberClique.withUnsafeBufferPointer { mClique in
        memberPosition.withUnsafeBufferPointer { mPos in
        mark.withUnsafeMutableBufferPointer { mk in
        pos.withUnsafeMutableBufferPointer { ps in
        cIndex.withUnsafeMutableBufferPointer { ci in
            for c in 0..<m {
                column.removeAll(keepingCapacity: true)
                let c32 = Int32(c)
                for t in memberStart[c]..<memberStart[c + 1] {
                    let l = Int(mClique[t])
                    if l >= c && mk[l] != c32 { mk[l] = c32; column.append(Int32(l)) }
                    for q in nbStart[l]..<nbStart[l + 1] {
                        let r = Int(nbList[q])
                        if r >= c && mk[r] != c32 { mk[r] = c32; column.append(Int32(r)) }
                    }
                }
                column.sort()
                for r in column { ps[Int(r)] = Int32(rows.count); rows.append(r) }
                starts[c + 1] = rows.count
                diag[c] = Int(ps[c])
                // Slots of the clique pairs whose smaller location is c.
                for t in memberStart[c]..<memberStart[c + 1] {
                    let l = Int(mClique[t]), ia = Int(mPos[t])
                    let b0 = nbStart[l]
                    let sl = nbStart[l + 1] - b0 + 1
                    let base = cStart[l]
                    for ib in 0..<sl {
                        let r = ib == 0 ? l : Int(nbList[b0 + ib - 1])
                        guard r > c || ib == ia else { continue }
                        let lo = min(ia, ib), hi = max(ia, ib)
                        ci[base + lo * sl - lo * (lo - 1) / 2 + (hi - lo)] = ps[r]
                    }
                }
            }
        }}}}}}}
        do {
            pattern = try SparseSymmetricMatrix(order: m, columnStarts: starts, rowIndices: rows,
                                                values: [Double](repeating: 0, count: rows.count))
        } catch {
            throw .numerical("Vecchia: could not build the precision pattern (\(error))")
        }
        cliqueStart = cStart
        cliqueIndex = cIndex
        diagonalIndex = diag
        do {
            if let previous, let reused = previous.retargeted(to: pattern) {
                symbolic = reused
            } else {
                let ordering: SparseOrdering
                if let coordinates, dimension > 0 {
                    ordering = .geometricNestedDissection(coordinates: coordinates, dimension: dimension)
                } else {
                    ordering = .nestedDissection()
                }
                symbolic = try SparseCholeskySymbolic(pattern: pattern, ordering: ordering)
            }
        } catch {
            throw .numerical("Vecchia: symbolic factorisation failed (\(error))")
        }
        patternToFactor = symbolic.storageIndices(of: pattern)!
        var d2f = [Int](repeating: 0, count: m)
        for l in 0..<m { d2f[l] = symbolic.diagonalStorageIndex(l) }
        diagonalToFactor = d2f
    }
}

/// The Vecchia factors at one parameter vector: `B` row l has `−A_l` on N(l), `D_l` the conditional
/// variance, and optionally their derivatives with respect to each log covariance parameter.
struct VecchiaFactors: Sendable {
    let theta: [Double]
    /// The initial jitter they were computed with.
    var jitter: Double = 1e-10
    /// Locations whose neighbour covariance needed more than the initial jitter, and the largest jitter used.
    var raisedJitter = 0
    var largestJitter = 0.0
    /// Aligned with the neighbour list.
    var A: [Double]
    var D: [Double]
    /// Derivatives with respect to `log θ_k`, flat: `dA[k·(list count) + q]`, `dD[k·m + l]` (empty when not computed).
    var dA: [Double]
    var dD: [Double]
    var hasGradients: Bool { !dA.isEmpty }
}

/// Process-lifetime caches of a ``VecchiaLaplace``: neighbour structures keyed by the scaled geometry, and the
/// factors of the last parameter vector.
final class VecchiaCache: @unchecked Sendable {
    let lock = NSLock()
    var structures: [(key: Double, structure: VecchiaStructure)] = []
    var factors: (ObjectIdentifier, VecchiaFactors)?
}

/// The Vecchia–Laplace approximation of a latent Gaussian process on distinct locations (GPBoost's
/// `gp_approx = "vecchia"` for non-Gaussian likelihoods, with `matrix_inversion_method = "cholesky"`).
///
/// The prior precision is approximated by `Σ⁻¹ ≈ Q = Bᵀ D⁻¹ B`, where each location (in the chosen
/// ``VecchiaOrdering``) is conditioned on its `numNeighbors` nearest predecessors in the scaled
/// coordinates (`t/ρ_t`, `s/ρ_s` for space-time covariances, so the neighbours move with the range ratio and
/// are re-searched whenever it changes; unchanged neighbour sets reuse the cached symbolic analysis).
/// The mode `b̂ = argmax log p(y|F+Zb) − ½ bᵀQb` is found by Newton's method with a backtracking line
/// search; every step factorises the sparse `Q + W` (supernodal Cholesky, nested-dissection ordering).
/// The approximate negative log marginal likelihood is
/// `−log p(y|F+Zb̂) + ½ b̂ᵀQb̂ + ½ log det(Q+W) − ½ log det Q`, `log det Q = −Σ log D_l`.
/// Gradients with respect to the log parameters and to F are analytic, including the implicit
/// dependence of b̂ and W on them; the traces use the Takahashi selected inverse of `Q + W`.
///
/// With `numNeighbors ≥ m − 1` every location is conditioned on all its predecessors, Q equals Σ⁻¹
/// exactly and the result is the exact Laplace approximation.
public struct VecchiaLaplace: LaplaceApproximation, @unchecked Sendable {
    /// The distinct locations of the training data.
    public let locations: DistinctLocations
    /// The covariance function of the latent GP.
    public let covariance: CovarianceFunction
    /// The response likelihood (rows, responses, row → location map).
    public let likelihood: LikelihoodEvaluator
    /// Number of conditioning neighbours per location.
    public let numNeighbors: Int
    /// Number of training neighbours of each prediction location (default `2 × numNeighbors`).
    public let numNeighborsPred: Int
    /// The Vecchia ordering rule.
    public let ordering: VecchiaOrdering
    /// Seed of the random orderings.
    public let seed: UInt64
    /// The Vecchia ordering, `position → location`.
    public let orderPermutation: [Int]
    /// Newton stops when the largest absolute step is at most this.
    public var newtonTolerance: Double = 1e-9
    /// Newton iteration cap (GPBoost: 1000).
    public var maxNewtonIterations: Int = 1000
    /// Neighbour sets are re-searched when the range ratio ρ_s/ρ_t moves by more than this relative amount
    /// (|log ratio change|); 0 (default) re-searches on every change, as GPBoost does when it redetermines.
    /// A small positive value (e.g. 0.05) saves the search and symbolic analysis during optimisation, at
    /// the price of an NLL that is piecewise in the ratio.
    public var neighborRedeterminationTolerance: Double = 0

    /// Relative jitter on the diagonal of every neighbour covariance (GPBoost: 1e-10). If a Cholesky fails or a
    /// conditional variance is not positive it grows ×10 (from at least 1e-10) up to 1e-4. Zero gives the exact
    /// conditionals (used by tests against dense algebra).
    public var initialJitter: Double = 1e-10
    let cache = VecchiaCache()

    /// - Parameters:
    ///   - locations: distinct training locations (`rowLocation` must match the likelihood's).
    ///   - covariance: the covariance function.
    ///   - likelihood: the response and row → location map.
    ///   - numNeighbors: conditioning-set size (GPBoost default 20).
    ///   - numNeighborsPred: training neighbours of a prediction point (default 2 × numNeighbors).
    ///   - ordering: the Vecchia ordering.
    ///   - seed: seed of the random orderings.
    /// - Throws: ``GPError/invalidData(_:)`` or ``GPError/invalidParameter(_:)`` for inconsistent inputs.
    public init(locations: DistinctLocations, covariance: CovarianceFunction, likelihood: LikelihoodEvaluator,
                numNeighbors: Int = 20, numNeighborsPred: Int? = nil, ordering: VecchiaOrdering = .random,
                seed: UInt64 = 0) throws(GPError) {
        guard numNeighbors >= 1 else { throw .invalidParameter("numNeighbors must be at least 1 (got \(numNeighbors))") }
        guard likelihood.locationCount == locations.count else {
            throw .invalidData("the likelihood has \(likelihood.locationCount) locations, the coordinates \(locations.count)")
        }
        try locations.validate(metric: covariance.metric)
        if covariance.kind.isSpaceTime && locations.time == nil {
            throw .invalidData("\(covariance.kind.rawValue) needs a time coordinate")
        }
        self.locations = locations
        self.covariance = covariance
        self.likelihood = likelihood
        self.numNeighbors = numNeighbors
        self.numNeighborsPred = max(1, numNeighborsPred ?? 2 * numNeighbors)
        self.ordering = ordering
        self.seed = seed
        self.orderPermutation = try ordering.permutation(locations, seed: seed)
    }

    // MARK: - Parameters

    func splitParameters(_ parameters: [Double]) throws(GPError) -> (theta: [Double], errorVariance: Double) {
        let pc = covariance.parameterCount
        let expected = pc + likelihood.kind.auxiliaryParameterCount
        guard parameters.count == expected else {
            throw .invalidParameter("expected \(expected) parameters \(covariance.parameterNames + likelihood.kind.auxiliaryParameterNames), got \(parameters.count)")
        }
        let theta = Array(parameters[0..<pc])
        try covariance.validate(theta)
        var ev = 1.0
        if likelihood.kind == .gaussian {
            ev = parameters[pc]
            guard ev > 0 && ev.isFinite else { throw .invalidParameter("error_var must be positive and finite (got \(ev))") }
        }
        return (theta, ev)
    }

    /// The key under which neighbour sets are cached: the range ratio for space-time kinds (only the
    /// ratio changes the neighbours), a constant otherwise.
    func geometryKey(_ theta: [Double]) -> Double {
        covariance.kind.isSpaceTime ? theta[2] / theta[1] : 1
    }

    /// Neighbour sets and their structure at `theta` (cached by geometry; a re-search that finds the same
    /// sets as a cached structure reuses it).
    func structure(_ theta: [Double]) throws(GPError) -> VecchiaStructure {
        let key = geometryKey(theta)
        cache.lock.lock()
        let tol = neighborRedeterminationTolerance
        if let hit = cache.structures.last(where: { $0.key == key || abs(log($0.key / key)) <= tol }) {
            cache.lock.unlock(); return hit.structure
        }
        let existing = cache.structures
        cache.lock.unlock()
        let geometry = VecchiaGeometry(locations: locations, covariance: covariance, theta: theta)
        let nb = geometry.previousNearest(order: orderPermutation, k: numNeighbors)
        let s: VecchiaStructure
        if let same = existing.first(where: { $0.structure.neighbors == nb }) {
            s = same.structure
        } else {
            s = try VecchiaStructure(neighbors: nb, previous: existing.last?.structure.symbolic,
                                     coordinates: geometry.coordinates, dimension: geometry.dimension)
        }
        cache.lock.lock()
        cache.structures.append((key, s))
        if cache.structures.count > 8 { cache.structures.removeFirst() }
        cache.lock.unlock()
        return s
    }

    /// The neighbour sets (location indices) used at `parameters`, per location.
    public func neighborSets(parameters: [Double]) throws(GPError) -> [[Int]] {
        let (theta, _) = try splitParameters(parameters)
        let nb = try structure(theta).neighbors
        return (0..<nb.locationCount).map { l in nb.list[nb.start[l]..<nb.start[l + 1]].map { Int($0) } }
    }

    // MARK: - Vecchia factors

    func factors(_ theta: [Double], _ s: VecchiaStructure, gradients: Bool) throws(GPError) -> VecchiaFactors {
        let id = ObjectIdentifier(s)
        cache.lock.lock()
        if let (fid, f) = cache.factors, fid == id, f.theta == theta, f.jitter == initialJitter, !gradients || f.hasGradients {
            cache.lock.unlock()
            return f
        }
        cache.lock.unlock()
        let f = try VecchiaLaplace.computeFactors(locations: locations, covariance: covariance, theta: theta,
                                                  neighbors: s.neighbors, gradients: gradients, jitter: initialJitter)
        cache.lock.lock()
        cache.factors = (id, f)
        cache.lock.unlock()
        return f
    }

    /// Computes A_l, D_l (and derivatives) for every location. Each neighbour covariance gets a relative
    /// jitter 1e-10 on its diagonal (as GPBoost); if its Cholesky fails or the conditional variance is not
    /// positive, the jitter grows ×10 up to 1e-4.
    static func computeFactors(locations: DistinctLocations, covariance cov: CovarianceFunction, theta: [Double],
                               neighbors nb: VecchiaNeighbors, gradients: Bool, jitter: Double = 1e-10) throws(GPError) -> VecchiaFactors {
        let m = nb.locationCount
        let np = cov.parameterCount
        let metric = cov.metric
        let L = nb.list.count
        var A = [Double](repeating: 0, count: L)
        var D = [Double](repeating: 0, count: m)
        var dA = [Double](repeating: 0, count: gradients ? np * L : 0)
        var dD = [Double](repeating: 0, count: gradients ? np * m : 0)
        var g = [Double](repeating: 0, count: np)
        let variance = cov.valueAndLogGradient(theta, timeSquared: 0, spaceSquared: 0, gradient: &g)
        let varianceGradient = g
        var maxN = 0
        for l in 0..<m { maxN = max(maxN, nb.count(l)) }
        let nn2 = maxN * maxN
        var C = [Double](repeating: 0, count: nn2)
        var Lc = [Double](repeating: 0, count: nn2)
        var c = [Double](repeating: 0, count: maxN)
        var dC = [Double](repeating: 0, count: gradients ? np * nn2 : 0)
        var dc = [Double](repeating: 0, count: gradients ? np * maxN : 0)
        var work = [Double](repeating: 0, count: maxN)
        var rhs = [Double](repeating: 0, count: maxN)
        let jitters = jitterSequence(jitter)
        var raised = 0, largest = 0.0
        let times = locations.time ?? [Double](repeating: 0, count: m)
        let space = locations.space
        let sd = locations.spaceDimension
        @inline(__always) func sq(_ i: Int, _ j: Int) -> (Double, Double) {
            if metric == .euclidean {
                let dt = times[i] - times[j]
                var ds = 0.0
                for e in 0..<sd { let t = space[i * sd + e] - space[j * sd + e]; ds += t * t }
                return (dt * dt, ds)
            }
            return locations.squaredDistances(i, locations, j, metric: metric)
        }
        for l in 0..<m {
            let n = nb.count(l)
            let base = nb.start[l]
            if n == 0 {
                D[l] = variance
                if gradients { for k in 0..<np { dD[k * m + l] = varianceGradient[k] } }
                continue
            }
            for a in 0..<n {
                let ia = Int(nb.list[base + a])
                for b in 0..<a {
                    let ib = Int(nb.list[base + b])
                    let (dt2, ds2) = sq(ia, ib)
                    let v: Double
                    if gradients {
                        v = cov.valueAndLogGradient(theta, timeSquared: dt2, spaceSquared: ds2, gradient: &g)
                        for k in 0..<np { dC[k * nn2 + a * n + b] = g[k]; dC[k * nn2 + b * n + a] = g[k] }
                    } else {
                        v = cov.value(theta, timeSquared: dt2, spaceSquared: ds2)
                    }
                    C[a * n + b] = v; C[b * n + a] = v
                }
                C[a * n + a] = variance
                if gradients { for k in 0..<np { dC[k * nn2 + a * n + a] = varianceGradient[k] } }
                let (dt2, ds2) = sq(ia, l)
                if gradients {
                    c[a] = cov.valueAndLogGradient(theta, timeSquared: dt2, spaceSquared: ds2, gradient: &g)
                    for k in 0..<np { dc[k * maxN + a] = g[k] }
                } else {
                    c[a] = cov.value(theta, timeSquared: dt2, spaceSquared: ds2)
                }
            }
            var accepted = false
            for (attempt, eps) in jitters.enumerated() {
                let mult = 1 + eps
                for q in 0..<(n * n) { Lc[q] = C[q] }
                for a in 0..<n { Lc[a * n + a] *= mult }
                guard denseCholesky(&Lc, n) else { continue }
                for a in 0..<n { work[a] = c[a] }
                denseSolve(Lc, n, &work)
                var quad = 0.0
                for a in 0..<n { quad += c[a] * work[a] }
                let d = variance - quad
                guard d > 1e-12 * variance, d.isFinite else { continue }
                D[l] = d
                for a in 0..<n { A[base + a] = work[a] }
                if gradients {
                    for k in 0..<np {
                        // dA = C⁻¹(dc − dC A), dD = dvar − 2 dcᵀA + Aᵀ dC A (the jitter scales dC's diagonal too).
                        var aDCa = 0.0, dcA = 0.0
                        let kb = k * nn2
                        for a in 0..<n {
                            var s = 0.0
                            for b in 0..<n { s += dC[kb + a * n + b] * work[b] }
                            s += dC[kb + a * n + a] * eps * work[a]
                            let dca = dc[k * maxN + a]
                            rhs[a] = dca - s
                            aDCa += work[a] * s
                            dcA += dca * work[a]
                        }
                        denseSolve(Lc, n, &rhs)
                        for a in 0..<n { dA[k * L + base + a] = rhs[a] }
                        dD[k * m + l] = varianceGradient[k] - 2 * dcA + aDCa
                    }
                }
                accepted = true
                // Raised jitter, or a conditional variance at the jitter's scale: the neighbour covariance is
                // numerically singular and the jitter is what keeps D positive.
                if attempt > 0 || d < 1e-8 * variance { raised += 1; largest = max(largest, eps) }
                break
            }
            if !accepted {
                throw .numerical("Vecchia: the covariance of the \(n) neighbours of location \(l + 1) is singular even with jitter 1e-4·σ² (duplicate locations or a range far larger than the spread of the coordinates?)")
            }
        }
        var result = VecchiaFactors(theta: theta, jitter: jitter, A: A, D: D, dA: dA, dD: dD)
        result.raisedJitter = raised
        result.largestJitter = largest
        return result
    }

    /// The jitter levels tried in turn: the initial one, then ×10 steps from max(initial, 1e-10) up to 1e-4.
    static func jitterSequence(_ initial: Double) -> [Double] {
        var out = [max(0, initial)]
        var e = max(initial, 1e-10) * 10
        while e <= 1e-4 * (1 + 1e-9) { out.append(e); e *= 10 }
        return out
    }

    /// In-place Cholesky of an n×n row-major SPD matrix (lower triangle used). Returns false if not PD.
    static func denseCholesky(_ a: inout [Double], _ n: Int) -> Bool {
        for j in 0..<n {
            var d = a[j * n + j]
            for k in 0..<j { d -= a[j * n + k] * a[j * n + k] }
            guard d > 0, d.isFinite else { return false }
            let r = d.squareRoot()
            a[j * n + j] = r
            for i in (j + 1)..<n {
                var s = a[i * n + j]
                for k in 0..<j { s -= a[i * n + k] * a[j * n + k] }
                a[i * n + j] = s / r
            }
        }
        return true
    }

    /// Solves (L Lᵀ) x = b in place with the factor from ``denseCholesky(_:_:)``.
    static func denseSolve(_ l: [Double], _ n: Int, _ x: inout [Double]) {
        for i in 0..<n {
            var s = x[i]
            for k in 0..<i { s -= l[i * n + k] * x[k] }
            x[i] = s / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for k in (i + 1)..<n { s -= l[k * n + i] * x[k] }
            x[i] = s / l[i * n + i]
        }
    }

    // MARK: - Sparse pieces

    /// `u = B x` (B unit lower triangular in the Vecchia ordering, rows by location).
    static func applyB(_ f: VecchiaFactors, _ A: [Double], _ nb: VecchiaNeighbors, _ x: [Double]) -> [Double] {
        let m = nb.locationCount
        var u = x
        for l in 0..<m {
            var s = 0.0
            for q in nb.start[l]..<nb.start[l + 1] { s += A[q] * x[Int(nb.list[q])] }
            u[l] -= s
        }
        return u
    }

    /// `Bᵀ y`.
    static func applyBT(_ A: [Double], _ nb: VecchiaNeighbors, _ y: [Double]) -> [Double] {
        var out = y
        for l in 0..<nb.locationCount {
            let yl = y[l]
            if yl == 0 { continue }
            for q in nb.start[l]..<nb.start[l + 1] { out[Int(nb.list[q])] -= A[q] * yl }
        }
        return out
    }

    /// Solves `(Q + diag(w)) x = r` by preconditioned conjugate gradients (Q applied as `Bᵀ D⁻¹ B`), to a
    /// relative residual of 1e-11; nil if that takes more than 25 iterations (the caller then factorises).
    static func conjugateGradient(_ f: VecchiaFactors, _ nb: VecchiaNeighbors, _ w: [Double], _ r0: [Double],
                                  preconditioner p: SparseCholesky) -> [Double]? {
        let m = r0.count
        var rr0 = 0.0
        for v in r0 { rr0 += v * v }
        if rr0 == 0 { return [Double](repeating: 0, count: m) }
        var x = [Double](repeating: 0, count: m)
        var r = r0
        var z = p.solve(r)
        var d = z
        var rz = 0.0
        for l in 0..<m { rz += r[l] * z[l] }
        for _ in 0..<25 {
            let u = applyB(f, f.A, nb, d)
            var hd = applyBT(f.A, nb, (0..<m).map { u[$0] / f.D[$0] })
            var dHd = 0.0
            for l in 0..<m { hd[l] += w[l] * d[l]; dHd += d[l] * hd[l] }
            guard dHd > 0, dHd.isFinite else { return nil }
            let alpha = rz / dHd
            var rr = 0.0
            for l in 0..<m { x[l] += alpha * d[l]; r[l] -= alpha * hd[l]; rr += r[l] * r[l] }
            if rr <= 1e-22 * rr0 { return x }
            z = p.solve(r)
            var rzNew = 0.0
            for l in 0..<m { rzNew += r[l] * z[l] }
            let beta = rzNew / rz
            rz = rzNew
            for l in 0..<m { d[l] = z[l] + beta * d[l] }
        }
        return nil
    }

    /// Values of Q on the structure's pattern.
    static func precisionValues(_ f: VecchiaFactors, _ s: VecchiaStructure) -> [Double] {
        var q = [Double](repeating: 0, count: s.pattern.rowIndices.count)
        let nb = s.neighbors
        var beta = [Double](repeating: 0, count: 1)
        for l in 0..<nb.locationCount {
            let n = nb.count(l)
            if beta.count < n + 1 { beta = [Double](repeating: 0, count: n + 1) }
            beta[0] = 1
            for a in 0..<n { beta[a + 1] = -f.A[nb.start[l] + a] }
            let invD = 1 / f.D[l]
            var p = s.cliqueStart[l]
            for b in 0...n {
                let bb = beta[b] * invD
                for a in b...n {
                    q[Int(s.cliqueIndex[p])] += beta[a] * bb
                    p += 1
                }
            }
        }
        return q
    }

    // MARK: - Evaluation

    /// Mode, factor and pieces at one parameter vector (shared by evaluation and prediction).
    struct ModeState {
        var b: [Double]
        var derivatives: LocationDerivatives
        var cholesky: SparseCholesky
        var quadratic: Double     // b̂ᵀQb̂
        var iterations: Int
    }

    func findMode(factors f: VecchiaFactors, structure s: VecchiaStructure, F: [Double], start: [Double]?,
                  errorVariance: Double) throws(GPError) -> ModeState {
        let m = locations.count
        let nb = s.neighbors
        let qValues = VecchiaLaplace.precisionValues(f, s)
        var b = start ?? [Double](repeating: 0, count: m)
        if b.count != m || !b.allSatisfy({ $0.isFinite }) { b = [Double](repeating: 0, count: m) }
        func objective(_ b: [Double]) -> (psi: Double, der: LocationDerivatives, u: [Double], quad: Double) {
            let der = likelihood.derivatives(fixed: F, latent: b, errorVariance: errorVariance)
            let u = VecchiaLaplace.applyB(f, f.A, nb, b)
            var quad = 0.0
            for l in 0..<m { quad += u[l] * u[l] / f.D[l] }
            return (der.logLikelihood - 0.5 * quad, der, u, quad)
        }
        func factor(_ w: [Double]) throws(GPError) -> SparseCholesky {
            var h = qValues
            for l in 0..<m { h[s.diagonalIndex[l]] += w[l] }
            do {
                return try SparseCholesky(symbolic: s.symbolic, values: h)
            } catch {
                throw .numerical("Vecchia–Laplace: Q + W is not positive definite (\(error)); the Vecchia factors are ill-conditioned")
            }
        }
        var cur = objective(b)
        guard cur.psi.isFinite else { throw .numerical("Vecchia–Laplace: the objective is not finite at the starting mode") }
        var iterations = 0
        // The factor of Q + W at the current b (nil after b moved). Newton systems at later points are solved by
        // conjugate gradients preconditioned with the latest factor (W moves little between Newton steps), and
        // Q + W is factorised again only at the mode (for log det and the selected inverse), or when CG stalls.
        var cholAtB: SparseCholesky? = nil
        var preconditioner: SparseCholesky? = nil
        while true {
            // Newton direction: (Q + W) δ = ∇ℓ − Q b.
            let Qb = VecchiaLaplace.applyBT(f.A, nb, (0..<m).map { cur.u[$0] / f.D[$0] })
            var grad = cur.der.gradient
            for l in 0..<m { grad[l] -= Qb[l] }
            var delta: [Double]
            if let c = cholAtB {
                delta = c.solve(grad)
            } else if let p = preconditioner,
                      let x = VecchiaLaplace.conjugateGradient(f, nb, cur.der.negHessian, grad, preconditioner: p) {
                delta = x
            } else {
                let c = try factor(cur.der.negHessian)
                cholAtB = c; preconditioner = c
                delta = c.solve(grad)
            }
            var maxStep = 0.0
            for v in delta { maxStep = max(maxStep, abs(v)) }
            guard maxStep.isFinite else { throw .numerical("Vecchia–Laplace: the Newton step is not finite") }
            if maxStep <= newtonTolerance || iterations >= maxNewtonIterations { break }
            iterations += 1
            var alpha = 1.0
            var next = cur
            var nb2 = b
            var accepted = false
            for _ in 0..<30 {
                for l in 0..<m { nb2[l] = b[l] + alpha * delta[l] }
                next = objective(nb2)
                // Tiny steps are taken in full: the objective change is then below rounding.
                if next.psi.isFinite && (next.psi >= cur.psi || maxStep * alpha < 1e-6) { accepted = true; break }
                alpha *= 0.5
            }
            if !accepted { break }      // no ascent possible in floating point: b is the mode
            b = nb2
            let gain = next.psi - cur.psi
            cur = next
            if likelihood.kind == .gaussian {
                // W does not depend on b: the factor stays valid; a full step is exact.
                if alpha == 1 { break }
                continue
            }
            cholAtB = nil
            if abs(gain) <= 1e-15 * max(1, abs(cur.psi)) && maxStep * alpha <= 1e-6 { break }
        }
        let chol: SparseCholesky
        if let c = cholAtB { chol = c } else { chol = try factor(cur.der.negHessian) }
        return ModeState(b: b, derivatives: cur.der, cholesky: chol, quadratic: cur.quad, iterations: iterations)
    }

    /// Evaluates the Vecchia–Laplace approximation; see ``LaplaceApproximation``.
    public func evaluate(parameters: [Double], fixed F: [Double], warmStart: [Double]?,
                         gradients: LaplaceGradients) throws(GPError) -> LaplaceEvaluation {
        let (theta, ev) = try splitParameters(parameters)
        guard F.count == likelihood.y.count else {
            throw .invalidData("\(F.count) fixed effects for \(likelihood.y.count) rows")
        }
        guard F.allSatisfy({ $0.isFinite }) else { throw .invalidData("the fixed effects contain NaN or infinity") }
        let s = try structure(theta)
        let wantTheta = gradients.contains(.parameters)
        let f = try factors(theta, s, gradients: wantTheta)
        let st = try findMode(factors: f, structure: s, F: F, start: warmStart, errorVariance: ev)
        let m = locations.count
        let nb = s.neighbors
        var sumLogD = 0.0
        for l in 0..<m { sumLogD += log(f.D[l]) }
        let nll = -st.derivatives.logLikelihood + 0.5 * st.quadratic + 0.5 * st.cholesky.logDeterminant + 0.5 * sumLogD
        guard nll.isFinite else { throw .numerical("Vecchia–Laplace: the approximate negative log-likelihood is not finite") }
        var result = LaplaceEvaluation(negLogLikelihood: nll, mode: st.b, negHessian: st.derivatives.negHessian,
                                       modeGradient: st.derivatives.gradient, gradientLogParameters: nil,
                                       gradientFixedEffects: nil, newtonIterations: st.iterations)
        if f.raisedJitter > 0 {
            result.warnings.append("Vecchia: the neighbour covariance of \(f.raisedJitter) of \(m) locations is numerically singular; "
                                   + "a jitter of \(f.largestJitter)·σ² on its diagonal keeps it positive definite (near-duplicate "
                                   + "locations or a range much larger than the coordinates' spread)")
        }
        if gradients.isEmpty { return result }
        // Selected inverse of H = Q + W: diagonal d and the entries on Q's pattern.
        let Z = st.cholesky.selectedInverse()
        var d = [Double](repeating: 0, count: m)
        for l in 0..<m { d[l] = Z[s.diagonalToFactor[l]] }
        let T = st.derivatives.third
        var v = [Double](repeating: 0, count: m)
        if T.contains(where: { $0 != 0 }) {
            v = st.cholesky.solve((0..<m).map { d[$0] * T[$0] })
        }
        if wantTheta {
            let np = covariance.parameterCount
            var grad = [Double](repeating: 0, count: np + likelihood.kind.auxiliaryParameterCount)
            let u = VecchiaLaplace.applyB(f, f.A, nb, st.b)
            let uv = VecchiaLaplace.applyB(f, f.A, nb, v)
            let zq = s.patternToFactor.map { Z[$0] }
            let nL = nb.list.count
            var beta = [Double](), betaK = [Double]()
            for k in 0..<np {
                // B_k x has zero diagonal: (B_k x)_l = −Σ dA_l x_N.
                var ubk = [Double](repeating: 0, count: m), uvk = [Double](repeating: 0, count: m)
                for l in 0..<m {
                    var s1 = 0.0, s2 = 0.0
                    for q in nb.start[l]..<nb.start[l + 1] {
                        let j = Int(nb.list[q])
                        s1 += f.dA[k * nL + q] * st.b[j]; s2 += f.dA[k * nL + q] * v[j]
                    }
                    ubk[l] = -s1; uvk[l] = -s2
                }
                var quadK = 0.0, vK = 0.0, logDetQ = 0.0, trace = 0.0
                for l in 0..<m {
                    let invD = 1 / f.D[l], dd = f.dD[k * m + l]
                    quadK += 2 * ubk[l] * u[l] * invD - dd * u[l] * u[l] * invD * invD
                    vK += (uvk[l] * u[l] + uv[l] * ubk[l]) * invD - dd * uv[l] * u[l] * invD * invD
                    logDetQ += dd * invD
                    // tr(H⁻¹ Q_k) over the clique of l.
                    let n = nb.count(l)
                    if beta.count < n + 1 { beta = [Double](repeating: 0, count: n + 1); betaK = beta }
                    beta[0] = 1; betaK[0] = 0
                    for a in 0..<n { beta[a + 1] = -f.A[nb.start[l] + a]; betaK[a + 1] = -f.dA[k * nL + nb.start[l] + a] }
                    let c2 = dd * invD * invD
                    var p = s.cliqueStart[l]
                    var t = 0.0
                    for bIdx in 0...n {
                        for a in bIdx...n {
                            let val = (betaK[a] * beta[bIdx] + beta[a] * betaK[bIdx]) * invD - c2 * beta[a] * beta[bIdx]
                            // Off-diagonal pattern entries appear twice in the trace.
                            let e = Int(s.cliqueIndex[p])
                            let w = a == bIdx ? 1.0 : 2.0
                            t += w * zq[e] * val
                            p += 1
                        }
                    }
                    trace += t
                }
                grad[k] = 0.5 * quadK + 0.5 * trace + 0.5 * logDetQ + 0.5 * vK
            }
            if likelihood.kind == .gaussian {
                // ∂/∂log σ²_ε: n/2 − RSS/(2σ²_ε) − ½ Σ_j d_j w_j.
                var rss = 0.0
                for i in 0..<likelihood.y.count {
                    let r = likelihood.y[i] - F[i] - st.b[Int(likelihood.rowLocation[i])]
                    rss += r * r
                }
                var tr = 0.0
                for l in 0..<m { tr += d[l] * st.derivatives.negHessian[l] }
                grad[np] = 0.5 * Double(likelihood.y.count) - 0.5 * rss / ev - 0.5 * tr
            }
            result.gradientLogParameters = grad
        }
        if gradients.contains(.fixedEffects) {
            var gF = [Double](repeating: 0, count: F.count)
            for i in 0..<F.count {
                let j = Int(likelihood.rowLocation[i])
                let r = likelihood.rowDerivatives(i, eta: F[i] + st.b[j], errorVariance: ev)
                gF[i] = -r.first - 0.5 * d[j] * r.third + 0.5 * r.w * v[j]
            }
            result.gradientFixedEffects = gF
        }
        return result
    }

    // MARK: - Prediction

    /// Latent predictive mean and covariance at new locations (GPBoost's
    /// `latent_order_obs_first_cond_obs_only`): each prediction location is conditioned on its
    /// ``numNeighborsPred`` nearest training locations N(p) in the scaled coordinates,
    /// `a_p = Σ_NN⁻¹ Σ_Np`, mean `a_pᵀ b̂_N`, covariance
    /// `Cov(p,q) = a_pᵀ Cov_post(b_N(p), b_N(q)) a_q + δ_pq (k_pp − Σ_pN a_p)` with `Cov_post = (Q + W)⁻¹`
    /// computed through sparse triangular solves with the Cholesky factor of `Q + W` at the mode.
    public func predictLatent(parameters: [Double], posterior: LatentPosterior, at new: DistinctLocations,
                              jointCovariance: Bool) throws(GPError) -> (mean: [Double], covariance: Matrix) {
        let (theta, _) = try splitParameters(parameters)
        let m = locations.count
        let mode = posterior.mode
        guard mode.count == m, posterior.negHessian.count == m else {
            throw .invalidData("the stored posterior has \(mode.count) entries for \(m) locations")
        }
        guard new.spaceDimension == locations.spaceDimension, (new.time == nil) == (locations.time == nil) else {
            throw .invalidData("prediction coordinates do not have the training coordinates' dimensions")
        }
        let np = new.count
        if np == 0 { return ([], Matrix(rows: 0, columns: 0)) }
        let s = try structure(theta)
        let f = try factors(theta, s, gradients: false)
        var h = VecchiaLaplace.precisionValues(f, s)
        for l in 0..<m { h[s.diagonalIndex[l]] += posterior.negHessian[l] }
        let chol: SparseCholesky
        do { chol = try SparseCholesky(symbolic: s.symbolic, values: h) } catch {
            throw .numerical("Vecchia prediction: Q + W is not positive definite (\(error))")
        }
        let k = min(numNeighborsPred, m)
        let st = covariance.kind.isSpaceTime
        let invT2 = st ? 1 / (theta[1] * theta[1]) : 1, invS2 = st ? 1 / (theta[2] * theta[2]) : 1
        let metric = covariance.metric
        let variance = covariance.value(theta, timeSquared: 0, spaceSquared: 0)
        var mean = [Double](repeating: 0, count: np)
        var condVar = [Double](repeating: 0, count: np)
        var predNeighbors: [[Int]] = []
        var rhs = [Double](repeating: 0, count: m * np)
        var dist = [Double](repeating: 0, count: m)
        var C = [Double](repeating: 0, count: k * k), Lc = C
        var c = [Double](repeating: 0, count: k), a = c
        for p in 0..<np {
            for l in 0..<m {
                let (dt2, ds2) = new.squaredDistances(p, locations, l, metric: metric)
                dist[l] = dt2 * invT2 + ds2 * invS2
            }
            var nbp: [Int]
            if k == m { nbp = Array(0..<m) } else {
                // k smallest distances (ties to the lower index) by bounded insertion.
                nbp = []; nbp.reserveCapacity(k + 1)
                var nd: [Double] = []; nd.reserveCapacity(k + 1)
                for l in 0..<m {
                    let d = dist[l]
                    if nbp.count == k && d >= nd[k - 1] { continue }
                    var q = nbp.count
                    if q == k { nbp.removeLast(); nd.removeLast(); q -= 1 }
                    while q > 0 && nd[q - 1] > d { q -= 1 }
                    nbp.insert(l, at: q); nd.insert(d, at: q)
                }
            }
            for x in 0..<k {
                for y in 0..<x {
                    let (dt2, ds2) = locations.squaredDistances(nbp[x], locations, nbp[y], metric: metric)
                    let v = covariance.value(theta, timeSquared: dt2, spaceSquared: ds2)
                    C[x * k + y] = v; C[y * k + x] = v
                }
                C[x * k + x] = variance
                let (dt2, ds2) = new.squaredDistances(p, locations, nbp[x], metric: metric)
                c[x] = covariance.value(theta, timeSquared: dt2, spaceSquared: ds2)
            }
            var ok = false
            for eps in VecchiaLaplace.jitterSequence(initialJitter) {
                Lc = C
                for x in 0..<k { Lc[x * k + x] *= 1 + eps }
                guard VecchiaLaplace.denseCholesky(&Lc, k) else { continue }
                a = c
                VecchiaLaplace.denseSolve(Lc, k, &a)
                var quad = 0.0
                for x in 0..<k { quad += c[x] * a[x] }
                let cv = variance - quad
                guard cv.isFinite, a.allSatisfy({ $0.isFinite }) else { continue }
                condVar[p] = max(0, cv)
                ok = true
                break
            }
            if !ok { throw .numerical("Vecchia prediction: the covariance of the neighbours of prediction location \(p + 1) is singular even with jitter") }
            var mu = 0.0
            for x in 0..<k { mu += a[x] * mode[nbp[x]]; rhs[p * m + nbp[x]] = a[x] }
            mean[p] = mu
            if jointCovariance { predNeighbors.append(nbp) }
        }
        if jointCovariance {
            return try jointPrediction(theta: theta, new: new, neighborSets: predNeighbors, mode: mode, chol: chol)
        }
        // X = L⁻¹ P R; Cov_post part = XᵀX.
        let X = chol.halfSolve(rhs, columns: np)
        var cov = Matrix(rows: np, columns: np)
        if jointCovariance {
            let xm = Matrix(rows: np, columns: m, values: X)     // row p = column p of X
            do {
                cov = try Matrix.gemm(xm, xm, transposeB: true)
            } catch {
                throw .numerical("Vecchia prediction: \(error)")
            }
            var values = cov.storage
            for p in 0..<np { values[p * np + p] += condVar[p] }
            cov = Matrix(rows: np, columns: np, values: values)
        } else {
            var diag = [Double](repeating: 0, count: np)
            for p in 0..<np {
                var ss = 0.0
                for l in 0..<m { let x = X[p * m + l]; ss += x * x }
                diag[p] = ss + condVar[p]
            }
            cov = Matrix.diagonal(diag)
        }
        return (mean, cov)
    }

    /// Joint prediction: every prediction location is conditioned on the union U of their training neighbour
    /// sets, jointly: `b* | b_U ~ N(A b_U, Σ** − Σ*U A)`, `A = Σ_UU⁻¹Σ_U*`, so
    /// `Cov(b*) = Aᵀ Cov_post(b_U) A + Σ** − Σ*U A` with `Cov_post = (Q + W)⁻¹` restricted to U.
    ///
    /// Unlike the per-location rule (prediction locations conditionally independent given their own
    /// neighbours, GPBoost's `cond_obs_only`), this keeps the prior correlation between the prediction locations
    /// that the training data do not explain — the part that matters for joint portfolio draws at later periods.
    /// With all locations as neighbours it is the exact GP prediction.
    func jointPrediction(theta: [Double], new: DistinctLocations, neighborSets: [[Int]], mode: [Double],
                         chol: SparseCholesky) throws(GPError) -> (mean: [Double], covariance: Matrix) {
        let m = locations.count, np = new.count
        let union = Array(Set(neighborSets.joined())).sorted()
        let u = union.count
        let metric = covariance.metric
        var kuu = [Double](repeating: 0, count: u * u)
        for x in 0..<u {
            for y in 0...x {
                let (dt2, ds2) = locations.squaredDistances(union[x], locations, union[y], metric: metric)
                let v = covariance.value(theta, timeSquared: dt2, spaceSquared: ds2)
                kuu[x * u + y] = v
                kuu[y * u + x] = v
            }
        }
        var kus = [Double](repeating: 0, count: u * np)
        for x in 0..<u {
            for p in 0..<np {
                let (dt2, ds2) = locations.squaredDistances(union[x], new, p, metric: metric)
                kus[x * np + p] = covariance.value(theta, timeSquared: dt2, spaceSquared: ds2)
            }
        }
        var factor: Cholesky? = nil
        for eps in VecchiaLaplace.jitterSequence(initialJitter) {
            var j = kuu
            for x in 0..<u { j[x * u + x] *= 1 + eps }
            if let f = try? Cholesky(Matrix(rows: u, columns: u, values: j)) { factor = f; break }
        }
        guard let factor else { throw .numerical("Vecchia joint prediction: the covariance of the \(u) conditioning locations is singular even with jitter") }
        let A: Matrix
        do { A = try factor.solve(Matrix(rows: u, columns: np, values: kus)) } catch { throw .numerical("Vecchia joint prediction: \(error)") }
        var modeU = [Double](repeating: 0, count: u)
        for x in 0..<u { modeU[x] = mode[union[x]] }
        let mean = (try? A.gemv(modeU, transpose: true)) ?? []
        // Cov_post(U, U) = (L⁻¹P E_U)ᵀ(L⁻¹P E_U).
        var e = [Double](repeating: 0, count: u * m)
        for x in 0..<u { e[x * m + union[x]] = 1 }
        let X = Matrix(rows: u, columns: m, values: chol.halfSolve(e, columns: u))
        let post: Matrix, ap: Matrix, quad: Matrix, prior: Matrix
        do {
            post = try Matrix.gemm(X, X, transposeB: true)
            ap = try Matrix.gemm(post, A)                                   // Cov_post A
            quad = try Matrix.gemm(A, ap, transposeA: true)                 // Aᵀ Cov_post A
            prior = try Matrix.gemm(Matrix(rows: u, columns: np, values: kus), A, transposeA: true)   // Σ*U A
        } catch { throw .numerical("Vecchia joint prediction: \(error)") }
        var cov = [Double](repeating: 0, count: np * np)
        for p in 0..<np {
            for q in 0..<np {
                let (dt2, ds2) = new.squaredDistances(p, new, q, metric: metric)
                let residual = covariance.value(theta, timeSquared: dt2, spaceSquared: ds2) - 0.5 * (prior[p, q] + prior[q, p])
                cov[p * np + q] = quad[p, q] + residual
            }
        }
        for p in 0..<np where cov[p * np + p] < 0 { cov[p * np + p] = 0 }
        return (mean, Matrix(rows: np, columns: np, values: cov))
    }
}
