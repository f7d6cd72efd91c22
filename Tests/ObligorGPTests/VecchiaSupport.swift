import Foundation
@testable import ObligorGP
import ObligorNumerics

/// Train rows of Fixtures/st_5k.csv (GPBoost's reference data): coordinates (t, x, y), default, true_fx.
struct STRows {
    var t: [Double] = [], x: [Double] = [], yc: [Double] = [], y: [Double] = [], fx: [Double] = []
    var count: Int { t.count }

    static func load() throws -> STRows {
        let url = Bundle.module.url(forResource: "st_5k", withExtension: "csv", subdirectory: "Fixtures")!
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        func col(_ name: String) -> Int { header.firstIndex(of: name)! }
        let (ct, cx, cy, cd, cf, cs) = (col("t"), col("x"), col("y"), col("default"), col("true_fx"), col("split"))
        var r = STRows()
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f[cs] == "train" else { continue }
            r.t.append(Double(f[ct])!); r.x.append(Double(f[cx])!); r.yc.append(Double(f[cy])!)
            r.y.append(Double(f[cd])!); r.fx.append(Double(f[cf])!)
        }
        return r
    }

    /// Rows whose location (first-appearance index over all train rows) is among the first `k`.
    func restricted(toFirstLocations k: Int) throws -> STRows {
        let loc = try locations()
        var r = STRows()
        for i in 0..<count where loc.rowLocation[i] < k {
            r.t.append(t[i]); r.x.append(x[i]); r.yc.append(yc[i]); r.y.append(y[i]); r.fx.append(fx[i])
        }
        return r
    }

    func locations() throws -> DistinctLocations {
        var s = [Double](); s.reserveCapacity(2 * count)
        for i in 0..<count { s.append(x[i]); s.append(yc[i]) }
        return try DistinctLocations(time: t, space: s, dimension: 2)
    }

    func likelihood(_ loc: DistinctLocations, kind: LikelihoodKind = .bernoulliLogit, response: [Double]? = nil) throws -> LikelihoodEvaluator {
        try LikelihoodEvaluator(kind: kind, y: response ?? y, rowLocation: loc.rowLocation, locationCount: loc.count)
    }
}

/// Dense exact Laplace approximation (numpy spec laplace_reference.py, in Swift): Σ from the covariance
/// function, Newton on the distinct-location scale to |step| < 1e-13, NLL = −log p(y|F+Zb̂) + ½ b̂ᵀΣ⁻¹b̂ +
/// ½ log det(Σ⁻¹ + W) + ½ log det Σ. Gaussian likelihood: the same formula is the exact marginal likelihood.
func denseLaplace(_ loc: DistinctLocations, _ cov: CovarianceFunction, _ theta: [Double], _ lik: LikelihoodEvaluator,
                  _ F: [Double], errorVariance: Double = 1) throws -> (nll: Double, mode: [Double], sigma: Matrix, w: [Double]) {
    let m = loc.count
    let sigma = denseCovariance(loc, loc, cov, theta)
    let cs = try Cholesky(sigma)
    let sInv = try cs.inverse()
    var b = [Double](repeating: 0, count: m)
    var der = lik.derivatives(fixed: F, latent: b, errorVariance: errorVariance)
    for _ in 0..<200 {
        let sb = try sInv * b
        var g = der.gradient
        for j in 0..<m { g[j] -= sb[j] }
        var h = sInv.storage
        for j in 0..<m { h[j * m + j] += der.negHessian[j] }
        let step = try Cholesky(Matrix(rows: m, columns: m, values: h)).solve(g)
        for j in 0..<m { b[j] += step[j] }
        der = lik.derivatives(fixed: F, latent: b, errorVariance: errorVariance)
        if step.map(abs).max()! < 1e-13 { break }
    }
    var h = sInv.storage
    for j in 0..<m { h[j * m + j] += der.negHessian[j] }
    let logDetH = try Cholesky(Matrix(rows: m, columns: m, values: h)).logDeterminant
    let sb = try sInv * b
    let quad = zip(b, sb).reduce(0) { $0 + $1.0 * $1.1 }
    let nll = -der.logLikelihood + 0.5 * quad + 0.5 * logDetH + 0.5 * cs.logDeterminant
    return (nll, b, sigma, der.negHessian)
}

/// Dense cross-covariance between two location sets.
func denseCovariance(_ a: DistinctLocations, _ b: DistinctLocations, _ cov: CovarianceFunction, _ theta: [Double]) -> Matrix {
    var v = [Double](repeating: 0, count: a.count * b.count)
    for i in 0..<a.count {
        for j in 0..<b.count {
            let (dt2, ds2) = a.squaredDistances(i, b, j, metric: cov.metric)
            v[i * b.count + j] = cov.value(theta, timeSquared: dt2, spaceSquared: ds2)
        }
    }
    return Matrix(rows: a.count, columns: b.count, values: v)
}

func relErr(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }
