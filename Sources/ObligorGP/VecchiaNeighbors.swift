import Foundation
import ObligorNumerics

/// The order in which the Vecchia approximation conditions the distinct locations on each other
/// (GPBoost's `vecchia_ordering`).
public enum VecchiaOrdering: String, Codable, Sendable, CaseIterable {
    /// The locations in the order given (first appearance in the data).
    case none
    /// A seeded uniformly random permutation.
    case random
    /// By time, ties in the order given. Needs a time coordinate.
    case time
    /// By time, randomly within each time slice (the Kündig–Sigrist setting). Needs a time coordinate.
    case timeRandomSpace = "time_random_space"

    /// The permutation `position → location` for `locations`.
    public func permutation(_ locations: DistinctLocations, seed: UInt64) throws(GPError) -> [Int] {
        let m = locations.count
        var order = Array(0..<m)
        switch self {
        case .none:
            break
        case .random:
            RandomSource(seed: seed).shuffle(&order)
        case .time, .timeRandomSpace:
            guard let t = locations.time else {
                throw .invalidParameter("vecchia_ordering '\(rawValue)' needs a time coordinate")
            }
            if self == .timeRandomSpace { RandomSource(seed: seed).shuffle(&order) }
            // Stable sort by time.
            order = order.enumerated().sorted { a, b in
                t[a.element] != t[b.element] ? t[a.element] < t[b.element] : a.offset < b.offset
            }.map(\.element)
        }
        return order
    }
}

/// Conditioning sets of a Vecchia approximation: for every location, the indices of the locations it is
/// conditioned on (all earlier in the ordering).
struct VecchiaNeighbors: Equatable, Sendable {
    /// Offsets into ``list`` per location (m + 1).
    let start: [Int]
    /// Neighbour location indices.
    let list: [Int32]

    var locationCount: Int { start.count - 1 }
    func count(_ l: Int) -> Int { start[l + 1] - start[l] }
}

/// Geometry used to search neighbours: scaled coordinates (Euclidean) or a distance callback (great circle).
struct VecchiaGeometry {
    /// Row-major coordinates, `dimension` per location, in which Euclidean distance orders correlations.
    let coordinates: [Double]?
    let dimension: Int
    /// Squared scaled distance for metrics without coordinates.
    let distance2: ((Int, Int) -> Double)?

    /// For space-time kinds the coordinates `(t/ρ_t, s/ρ_s)`: nearest neighbours in this space are the
    /// most correlated points for `matern_space_time` (GPBoost's transformed-space neighbour search).
    /// Isotropic kinds use the coordinates as given (time, if present, as one more coordinate).
    init(locations: DistinctLocations, covariance: CovarianceFunction, theta: [Double]) {
        let m = locations.count
        let ds = locations.spaceDimension
        let hasTime = locations.time != nil
        let st = covariance.kind.isSpaceTime
        // GPBoost scales by √(2ν)/ρ (its internal inverse-range parameter); the common factor does not change
        // the neighbours but the same rounding of the scaled coordinates breaks near-ties the same way.
        let c = covariance.nu == 0.5 ? 1.0 : (covariance.nu == 1.5 ? 3.0.squareRoot() : 5.0.squareRoot())
        let invT = st ? c / theta[1] : 1.0
        let invS = st ? c / theta[2] : 1.0
        if covariance.metric == .euclidean {
            let dim = ds + (hasTime ? 1 : 0)
            var c = [Double](repeating: 0, count: m * dim)
            for i in 0..<m {
                var k = 0
                if hasTime { c[i * dim] = locations.t(i) * invT; k = 1 }
                for d in 0..<ds { c[i * dim + k + d] = locations.space[i * ds + d] * invS }
            }
            coordinates = c
            dimension = dim
            distance2 = nil
        } else {
            coordinates = nil
            dimension = 0
            let metric = covariance.metric
            distance2 = { i, j in
                let (dt2, ds2) = locations.squaredDistances(i, locations, j, metric: metric)
                return dt2 * invT * invT + ds2 * invS * invS
            }
        }
    }

    @inline(__always)
    func d2(_ i: Int, _ j: Int) -> Double {
        if let c = coordinates {
            var s = 0.0
            for d in 0..<dimension { let e = c[i * dimension + d] - c[j * dimension + d]; s += e * e }
            return s
        }
        return distance2!(i, j)
    }

    /// For each location, its `k` nearest predecessors in `order` (all predecessors when fewer).
    ///
    /// With 1–3 coordinates (every space-time case) the search uses a grid and breaks ties in distance the
    /// way GPBoost's search does (the candidate nearer to the query in the order of coordinate sums, the lower
    /// one first), which reproduces GPBoost's neighbour sets on gridded panels where equidistant candidates
    /// are common. Otherwise (more coordinates, great-circle distance) ties go to the earlier position.
    func previousNearest(order: [Int], k: Int) -> VecchiaNeighbors {
        let m = order.count
        var position = [Int](repeating: 0, count: m)
        for (p, l) in order.enumerated() { position[l] = p }
        var start = [Int](repeating: 0, count: m + 1)
        for l in 0..<m { start[l + 1] = min(position[l], k) }
        for l in 0..<m { start[l + 1] += start[l] }
        var list = [Int32](repeating: 0, count: start[m])
        guard m > 1 else { return VecchiaNeighbors(start: start, list: list) }
        if let c = coordinates, (1...3).contains(dimension) {
            gridSearch(c, order: order, position: position, k: k, start: start, list: &list)
            return VecchiaNeighbors(start: start, list: list)
        }
        // Candidates sorted along the coordinate of largest spread; scan outwards and stop a side once the
        // gap along that axis alone exceeds the current k-th distance.
        var axisValue = [Double](repeating: 0, count: m)
        if let c = coordinates {
            var bestAxis = 0, bestSpread = -1.0
            for d in 0..<dimension {
                var lo = Double.infinity, hi = -Double.infinity
                for i in 0..<m { lo = min(lo, c[i * dimension + d]); hi = max(hi, c[i * dimension + d]) }
                if hi - lo > bestSpread { bestSpread = hi - lo; bestAxis = d }
            }
            for i in 0..<m { axisValue[i] = c[i * dimension + bestAxis] }
        }
        let sorted = (0..<m).sorted { axisValue[$0] != axisValue[$1] ? axisValue[$0] < axisValue[$1] : $0 < $1 }
        var rank = [Int](repeating: 0, count: m)
        for (r, l) in sorted.enumerated() { rank[l] = r }
        var bestD = [Double](repeating: 0, count: k + 1)
        var bestP = [Int](repeating: 0, count: k + 1)
        let coords = coordinates ?? []
        let dim = dimension
        let useCoords = coordinates != nil
        coords.withUnsafeBufferPointer { C in
        axisValue.withUnsafeBufferPointer { X in
        sorted.withUnsafeBufferPointer { S in
        position.withUnsafeBufferPointer { P in
        bestD.withUnsafeMutableBufferPointer { BD in
        bestP.withUnsafeMutableBufferPointer { BP in
        for p in 0..<m {
            let l = order[p]
            let nn = min(p, k)
            if nn == 0 { continue }
            let base = start[l]
            if nn == p {
                for q in 0..<p { list[base + q] = Int32(order[q]) }
                continue
            }
            var filled = 0
            // Inserts candidate `cand` (position pc, squared distance d) into the sorted best list.
            func offer(_ cand: Int, _ d: Double, _ pc: Int) {
                if filled == nn {
                    if d > BD[nn - 1] || (d == BD[nn - 1] && pc > BP[nn - 1]) { return }
                    filled -= 1
                }
                var q = filled
                while q > 0 && (BD[q - 1] > d || (BD[q - 1] == d && BP[q - 1] > pc)) {
                    BD[q] = BD[q - 1]; BP[q] = BP[q - 1]; q -= 1
                }
                BD[q] = d; BP[q] = pc
                filled += 1
            }
            if !useCoords {
                for q in 0..<p { offer(order[q], d2(l, order[q]), q) }
            } else {
                let r = rank[l]
                let x = X[l]
                let lb = l * dim
                var down = r - 1, up = r + 1
                var downOpen = down >= 0, upOpen = up < m
                while downOpen || upOpen {
                    if downOpen {
                        let cand = S[down]
                        let gap = x - X[cand]
                        if filled == nn && gap * gap > BD[nn - 1] { downOpen = false } else {
                            let pc = P[cand]
                            if pc < p {
                                var d = 0.0
                                let cb = cand * dim
                                for e in 0..<dim { let t = C[lb + e] - C[cb + e]; d += t * t }
                                offer(cand, d, pc)
                            }
                            down -= 1
                            if down < 0 { downOpen = false }
                        }
                    }
                    if upOpen {
                        let cand = S[up]
                        let gap = X[cand] - x
                        if filled == nn && gap * gap > BD[nn - 1] { upOpen = false } else {
                            let pc = P[cand]
                            if pc < p {
                                var d = 0.0
                                let cb = cand * dim
                                for e in 0..<dim { let t = C[lb + e] - C[cb + e]; d += t * t }
                                offer(cand, d, pc)
                            }
                            up += 1
                            if up >= m { upOpen = false }
                        }
                    }
                }
            }
            for q in 0..<nn { list[base + q] = Int32(order[BP[q]]) }
        }
        }}}}}}
        return VecchiaNeighbors(start: start, list: list)
    }

    /// Exact k nearest predecessors with a uniform grid filled in the ordering: each point queries cells in
    /// growing Chebyshev shells around its own (only earlier points are in the grid yet), stopping once the
    /// k-th distance is below the nearest possible distance of the next shell; then it is inserted.
    private func gridSearch(_ c: [Double], order: [Int], position: [Int], k: Int, start: [Int], list: inout [Int32]) {
        let m = order.count
        let dim = dimension
        var lo = [Double](repeating: .infinity, count: 3), hi = [Double](repeating: -.infinity, count: 3)
        for i in 0..<m { for d in 0..<dim { lo[d] = min(lo[d], c[i * dim + d]); hi[d] = max(hi[d], c[i * dim + d]) } }
        // Cell size: about four points per cell over the bounding box (flat dimensions get one cell).
        var volume = 1.0, active = 0
        for d in 0..<dim where hi[d] > lo[d] { volume *= hi[d] - lo[d]; active += 1 }
        let h = active == 0 ? 1.0 : max(pow(volume / max(1, Double(m) / 4), 1 / Double(active)), 1e-300)
        var g = [Int](repeating: 1, count: 3)
        for d in 0..<dim where hi[d] > lo[d] { g[d] = max(1, min(Int((hi[d] - lo[d]) / h) + 1, 4 * m)) }
        let cells = g[0] * g[1] * g[2]
        var head = [Int32](repeating: -1, count: cells)
        var next = [Int32](repeating: -1, count: m)
        var cellOf = [Int](repeating: 0, count: 3 * m)
        for i in 0..<m {
            for d in 0..<dim {
                cellOf[3 * i + d] = min(g[d] - 1, max(0, Int((c[i * dim + d] - lo[d]) / h)))
            }
        }
        // Ties in distance (frequent on a period × region grid: (t−1, s) and (t+1, s) are equidistant) go to the
        // candidate GPBoost's search meets first: it walks outwards from the query through the points sorted by
        // the sum of their scaled coordinates, one step down then one step up.
        let rank = sumRanks(c)
        var rankToLocation = [Int](repeating: 0, count: m)
        for i in 0..<m { rankToLocation[rank[i]] = i }
        var bestD = [Double](repeating: 0, count: k + 1)
        var bestP = [Int](repeating: 0, count: k + 1)
        let maxShell = max(g[0], g[1], g[2])
        for p in 0..<m {
            let l = order[p]
            let nn = min(p, k)
            if nn > 0 {
                let base = start[l]
                if nn == p {
                    for q in 0..<p { list[base + q] = Int32(order[q]) }
                } else {
                    var filled = 0
                    let cx = cellOf[3 * l], cy = cellOf[3 * l + 1], cz = cellOf[3 * l + 2]
                    let lb = l * dim
                    func visit(_ x: Int, _ y: Int, _ z: Int) {
                        if x < 0 || y < 0 || z < 0 || x >= g[0] || y >= g[1] || z >= g[2] { return }
                        var j = Int(head[(z * g[1] + y) * g[0] + x])
                        while j >= 0 {
                            var dd = 0.0
                            let jb = j * dim
                            for e in 0..<dim { let t = c[lb + e] - c[jb + e]; dd += t * t }
                            let dr = rank[j] - rank[l]
                            let pc = 2 * abs(dr) + (dr > 0 ? 1 : 0)     // scan step; kept in bestP for ties
                            if filled < nn || dd < bestD[nn - 1] || (dd == bestD[nn - 1] && pc < bestP[nn - 1]) {
                                if filled == nn { filled -= 1 }
                                var q = filled
                                while q > 0 && (bestD[q - 1] > dd || (bestD[q - 1] == dd && bestP[q - 1] > pc)) {
                                    bestD[q] = bestD[q - 1]; bestP[q] = bestP[q - 1]; q -= 1
                                }
                                bestD[q] = dd; bestP[q] = pc
                                filled += 1
                            }
                            j = Int(next[j])
                        }
                    }
                    var r = 0
                    while r <= maxShell {
                        // Cells at Chebyshev distance exactly r.
                        let rz = dim >= 3 ? r : 0, ry = dim >= 2 ? r : 0
                        for dx in -r...r {
                            for dy in -ry...ry {
                                if dim >= 3 {
                                    if abs(dx) == r || abs(dy) == r {
                                        for dz in -rz...rz { visit(cx + dx, cy + dy, cz + dz) }
                                    } else {
                                        visit(cx + dx, cy + dy, cz - r)
                                        if r > 0 { visit(cx + dx, cy + dy, cz + r) }
                                    }
                                } else if dim == 2 {
                                    if abs(dx) == r || abs(dy) == r { visit(cx + dx, cy + dy, 0) }
                                } else if abs(dx) == r {
                                    visit(cx + dx, 0, 0)
                                }
                            }
                        }
                        // Points in shell r+1 or beyond are at least r·h away.
                        let bound = Double(r) * h * (1 - 1e-9)
                        if filled == nn && bestD[nn - 1] < bound * bound { break }
                        r += 1
                    }
                    for q in 0..<nn { list[base + q] = Int32(rankToLocation[(rank[l] + (bestP[q] & 1 == 1 ? 1 : -1) * (bestP[q] >> 1))]) }
                }
            }
            let cell = (cellOf[3 * l + 2] * g[1] + cellOf[3 * l + 1]) * g[0] + cellOf[3 * l]
            next[l] = head[cell]
            head[cell] = Int32(l)
        }
    }

    /// Rank of every point in the order of the sum of its scaled coordinates (ties by index).
    func sumRanks(_ c: [Double]) -> [Int] {
        let m = c.count / dimension
        var sums = [Double](repeating: 0, count: m)
        for i in 0..<m {
            var t = c[i * dimension]
            for d in 1..<max(1, dimension) { t += c[i * dimension + d] }
            sums[i] = t
        }
        let sorted = (0..<m).sorted { sums[$0] != sums[$1] ? sums[$0] < sums[$1] : $0 < $1 }
        var rank = [Int](repeating: 0, count: m)
        for (r, i) in sorted.enumerated() { rank[i] = r }
        return rank
    }
}
