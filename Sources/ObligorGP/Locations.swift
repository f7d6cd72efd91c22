import Foundation
import ObligorNumerics

/// The distinct GP coordinates of a data set and the map from rows to them.
///
/// Loans in the same region and period share one latent frailty value, so every GP computation runs on
/// the `m` distinct (t, s) locations, with the `n ≫ m` rows entering only through per-location sums
/// (GPBoost's "random-effects scale"). Locations keep first-appearance order.
public struct DistinctLocations: Sendable, Equatable {
    /// Time coordinate of each distinct location (nil when the GP is purely spatial).
    public let time: [Double]?
    /// Spatial coordinates, row-major `count × spaceDimension`.
    public let space: [Double]
    /// Number of spatial coordinates per location.
    public let spaceDimension: Int
    /// For each data row, the index of its distinct location.
    public let rowLocation: [Int32]
    /// Number of rows at each distinct location.
    public let rowCounts: [Int]

    /// Number of distinct locations m.
    public var count: Int { space.count / max(1, spaceDimension) }

    /// Groups rows by exact coordinate equality.
    /// - Parameters:
    ///   - time: one time value per row, or nil.
    ///   - space: row-major `n × dimension` spatial coordinates.
    public init(time: [Double]?, space: [Double], dimension: Int) throws(GPError) {
        guard dimension >= 1 else { throw .invalidData("the GP needs at least one spatial coordinate") }
        guard space.count % dimension == 0 else { throw .invalidData("coordinate array is not a multiple of the dimension") }
        let n = space.count / dimension
        if let time, time.count != n { throw .invalidData("\(time.count) time values for \(n) rows") }
        var index: [[UInt64]: Int32] = [:]
        index.reserveCapacity(1024)
        var rowLocation = [Int32](repeating: 0, count: n)
        var uniqueTime: [Double] = []
        var uniqueSpace: [Double] = []
        var counts: [Int] = []
        var key = [UInt64](repeating: 0, count: dimension + (time == nil ? 0 : 1))
        for i in 0..<n {
            var k = 0
            if let time {
                let t = time[i]
                guard t.isFinite else { throw .invalidData("row \(i + 1): time coordinate is missing or not finite") }
                key[0] = (t == 0 ? 0.0 : t).bitPattern
                k = 1
            }
            for d in 0..<dimension {
                let v = space[i * dimension + d]
                guard v.isFinite else { throw .invalidData("row \(i + 1): spatial coordinate \(d + 1) is missing or not finite") }
                key[k + d] = (v == 0 ? 0.0 : v).bitPattern
            }
            if let j = index[key] {
                rowLocation[i] = j
                counts[Int(j)] += 1
            } else {
                let j = Int32(counts.count)
                index[key] = j
                rowLocation[i] = j
                counts.append(1)
                if let time { uniqueTime.append(time[i]) }
                uniqueSpace.append(contentsOf: space[(i * dimension)..<((i + 1) * dimension)])
            }
        }
        self.time = time == nil ? nil : uniqueTime
        self.space = uniqueSpace
        self.spaceDimension = dimension
        self.rowLocation = rowLocation
        self.rowCounts = counts
    }

    /// Locations given directly (one row each), e.g. prediction points.
    public init(uniqueTime: [Double]?, uniqueSpace: [Double], dimension: Int) {
        self.time = uniqueTime
        self.space = uniqueSpace
        self.spaceDimension = dimension
        let m = uniqueSpace.count / max(1, dimension)
        self.rowLocation = (0..<Int32(m)).map { $0 }
        self.rowCounts = [Int](repeating: 1, count: m)
    }

    /// Time coordinate of location `i` (0 without time).
    @inline(__always) public func t(_ i: Int) -> Double { time?[i] ?? 0 }

    /// Squared time and space distances between location `i` here and `j` in `other`.
    @inline(__always)
    public func squaredDistances(_ i: Int, _ other: DistinctLocations, _ j: Int, metric: DistanceMetric) -> (Double, Double) {
        let dt = t(i) - other.t(j)
        let d = spaceDimension
        switch metric {
        case .euclidean:
            var s = 0.0
            for k in 0..<d {
                let e = space[i * d + k] - other.space[j * d + k]
                s += e * e
            }
            return (dt * dt, s)
        case .greatCircle:
            let g = DistinctLocations.greatCircleKilometres(
                lon1: space[i * d], lat1: space[i * d + 1], lon2: other.space[j * d], lat2: other.space[j * d + 1])
            return (dt * dt, g * g)
        }
    }

    /// Mean Earth radius (IUGG), km.
    public static let earthRadiusKilometres = 6371.0088

    /// Haversine great-circle distance between two (longitude, latitude) points in degrees, in km.
    public static func greatCircleKilometres(lon1: Double, lat1: Double, lon2: Double, lat2: Double) -> Double {
        let r = Double.pi / 180
        let dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r
        let a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2)
        return 2 * earthRadiusKilometres * asin(min(1, a.squareRoot()))
    }

    /// Checks the metric fits the coordinates (great-circle needs exactly longitude and latitude in range).
    public func validate(metric: DistanceMetric) throws(GPError) {
        guard count >= 2 else {
            throw .invalidData("all rows are at one location: a Gaussian process needs at least two distinct coordinates")
        }
        if metric == .greatCircle {
            guard spaceDimension == 2 else { throw .invalidData("great-circle distance needs two coordinates (longitude, latitude)") }
            for i in 0..<count {
                let lon = space[2 * i], lat = space[2 * i + 1]
                guard abs(lon) <= 180, abs(lat) <= 90 else {
                    throw .invalidData("location \(i + 1): (\(lon), \(lat)) is not a longitude/latitude pair in degrees")
                }
            }
        }
    }

    /// Median pairwise time distance, spatial distance and combined (isotropic) distance over a
    /// deterministic subsample of at most 1,000 locations.
    public func medianPairwiseDistances(metric: DistanceMetric) -> (time: Double, space: Double) {
        let m = count
        let step = max(1, m / 1000)
        let idx = Array(stride(from: 0, to: m, by: step))
        var ts: [Double] = [], ss: [Double] = []
        for a in 0..<idx.count {
            for b in (a + 1)..<max(a + 1, idx.count) {
                let (dt2, ds2) = squaredDistances(idx[a], self, idx[b], metric: metric)
                ts.append(dt2.squareRoot())
                ss.append(ds2.squareRoot())
            }
        }
        func median(_ v: [Double]) -> Double {
            let p = v.filter { $0 > 0 }.sorted()
            return p.isEmpty ? 0 : p[p.count / 2]
        }
        return (median(ts), median(ss))
    }
}
