import Foundation
import ObligorGP
import Testing

@Suite("Covariance functions and distances")
struct CovarianceTests {
    /// Haversine: one degree of longitude on the equator is R·π/180 = 111.1951 km (R = 6371.0088 km, IUGG mean radius);
    /// a quarter meridian is R·π/2. Closed forms, so 1e-9 relative.
    @Test func greatCircleDistances() {
        let r = DistinctLocations.earthRadiusKilometres
        #expect(abs(DistinctLocations.greatCircleKilometres(lon1: 0, lat1: 0, lon2: 1, lat2: 0) - r * .pi / 180) < 1e-9 * r)
        #expect(abs(DistinctLocations.greatCircleKilometres(lon1: 10, lat1: 0, lon2: 10, lat2: 90) - r * .pi / 2) < 1e-9 * r)
        #expect(abs(DistinctLocations.greatCircleKilometres(lon1: 179.5, lat1: 0, lon2: -179.5, lat2: 0) - r * .pi / 180) < 1e-9 * r)
    }

    @Test func greatCircleNeedsLongitudeLatitude() throws {
        let loc = DistinctLocations(uniqueTime: nil, uniqueSpace: [0, 0, 200, 10], dimension: 2)
        #expect(throws: GPError.self) { try loc.validate(metric: .greatCircle) }
        let ok = DistinctLocations(uniqueTime: nil, uniqueSpace: [-74, 40.7, 2.35, 48.86], dimension: 2)
        try ok.validate(metric: .greatCircle)
        let (_, d2) = ok.squaredDistances(0, ok, 1, metric: .greatCircle)
        #expect(abs(d2.squareRoot() - 5837) < 10)          // New York – Paris ≈ 5,837 km
    }

    /// Closed forms: M_1.5(h) = (1 + √3h)e^{−√3h}; matern_space_time at (Δt, Δs) equals the isotropic Matérn of the
    /// scaled distance; the separable kernel factorises; ∂k/∂log θ by central differences (1e-7 relative).
    @Test func kernelValuesAndLogGradients() throws {
        let st = try CovarianceFunction(kind: .maternSpaceTime, nu: 1.5)
        let iso = try CovarianceFunction(kind: .matern, nu: 1.5)
        let theta = [0.7, 2.0, 9.0]
        let (dt2, ds2) = (1.5 * 1.5, 4.0 * 4.0)
        let h = (dt2 / 4 + ds2 / 81).squareRoot()
        let closed = 0.7 * (1 + 3.0.squareRoot() * h) * exp(-3.0.squareRoot() * h)
        #expect(abs(st.value(theta, timeSquared: dt2, spaceSquared: ds2) - closed) < 1e-14)
        #expect(abs(iso.value([0.7, 1.0], timeSquared: 0, spaceSquared: h * h) - closed) < 1e-14)
        let sep = try CovarianceFunction(kind: .separableSpaceTime, nu: 0.5)
        #expect(abs(sep.value(theta, timeSquared: dt2, spaceSquared: ds2) - 0.7 * exp(-1.5 / 2) * exp(-4.0 / 9)) < 1e-14)
        for kind in CovarianceKind.allCases {
            for nu in [0.5, 1.5, 2.5] {
                let k = try CovarianceFunction(kind: kind, nu: nu)
                let th = kind.isSpaceTime ? theta : [0.7, 3.0]
                var g = [Double](repeating: 0, count: th.count)
                _ = k.valueAndLogGradient(th, timeSquared: dt2, spaceSquared: ds2, gradient: &g)
                for j in 0..<th.count {
                    var up = th, dn = th
                    up[j] *= exp(1e-6); dn[j] *= exp(-1e-6)
                    let fd = (k.value(up, timeSquared: dt2, spaceSquared: ds2) - k.value(dn, timeSquared: dt2, spaceSquared: ds2)) / 2e-6
                    #expect(abs(fd - g[j]) < 1e-7 * max(1, abs(fd)), "\(kind) ν \(nu) θ[\(j)]: \(g[j]) vs \(fd)")
                }
            }
        }
    }
}
