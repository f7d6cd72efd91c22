import Foundation
import ObligorNumerics

/// The Laplace approximation of a latent GP with the exact (dense) covariance on the distinct locations.
///
/// Follows Rasmussen & Williams (2006), Algorithms 3.1 (mode finding) and 5.1 (gradients), on the
/// random-effects scale: with `W = diag(Z'WZ)` (per-location sums of `−∂²log p/∂η²`), `B = I + W^½ Σ W^½`
/// is always well conditioned (eigenvalues ≥ 1), so neither Σ nor its inverse is ever factorised and an
/// ill-conditioned covariance cannot break the computation.
///
/// - Mode: Newton on `Ψ(b) = log p(y | F + Zb) − ½ bᵀΣ⁻¹b` with step halving, tracked through `a = Σ⁻¹b`.
/// - `NLL = −log p(y|F+Zb̂) + ½ aᵀb̂ + Σ log L_jj`, `L Lᵀ = B`.
/// - Gradients (R&W Alg. 5.1 with `A = (Σ⁻¹+W)⁻¹`, `d = diag A`, `T` the per-location third derivatives):
///   `∂NLL/∂θ_k = −[½ aᵀΣ_k a − ½ tr(R Σ_k) + ½ (d∘T)ᵀ(Σ_k g − Σ R Σ_k g)]` (the sign of the last term is
///   the one finite differences confirm; `∂W/∂b = −T`), `R = W^½ B⁻¹ W^½`, and per row
///   `∂NLL/∂F_i = −∂log p/∂η_i − ½ d_j t_i + ½ w_i (A(d∘T))_j` (the implicit dependence of b̂ and W on F).
/// Cost per evaluation: one `m³/3` Cholesky per Newton step, plus `2m³/3` (`dpotri`) for gradients.
public struct ExactLaplace: LaplaceApproximation, Sendable {
    public let covariance: CovarianceFunction
    public let likelihood: LikelihoodEvaluator
    public let locations: DistinctLocations
    /// Squared time and space distances between all pairs of locations (row-major m×m).
    let dt2: [Double]
    let ds2: [Double]

    /// Newton iterations before giving up.
    public var maxNewtonIterations = 100

    public init(locations: DistinctLocations, covariance: CovarianceFunction, likelihood: LikelihoodEvaluator) throws(GPError) {
        try locations.validate(metric: covariance.metric)
        guard likelihood.locationCount == locations.count else {
            throw .invalidData("likelihood has \(likelihood.locationCount) locations, the GP \(locations.count)")
        }
        self.covariance = covariance
        self.likelihood = likelihood
        self.locations = locations
        (dt2, ds2) = ExactLaplace.pairDistances(locations, locations, metric: covariance.metric)
    }

    /// Squared distances between every location of `a` (rows) and `b` (columns).
    static func pairDistances(_ a: DistinctLocations, _ b: DistinctLocations, metric: DistanceMetric) -> ([Double], [Double]) {
        let m = a.count, p = b.count
        var t = [Double](repeating: 0, count: m * p), s = t
        for i in 0..<m {
            for j in 0..<p {
                let (x, y) = a.squaredDistances(i, b, j, metric: metric)
                t[i * p + j] = x
                s[i * p + j] = y
            }
        }
        return (t, s)
    }

    /// Σ(θ) on the training locations, with `1e-10·σ²` on the diagonal.
    func covarianceMatrix(_ theta: [Double]) -> [Double] {
        let m = locations.count
        var k = [Double](repeating: 0, count: m * m)
        k.withUnsafeMutableBufferPointer { kp in
            nonisolated(unsafe) let kp = kp
            let rows = Parallel.chunks(count: m, size: 64)
            _ = Parallel.map(rows.count) { c in
                for i in rows[c] {
                    for j in 0..<m { kp[i * m + j] = covariance.value(theta, timeSquared: dt2[i * m + j], spaceSquared: ds2[i * m + j]) }
                    kp[i * m + i] += 1e-10 * theta[0]
                }
            }
        }
        return k
    }

    /// Splits the parameter vector into covariance parameters and the Gaussian error variance.
    func split(_ parameters: [Double]) throws(GPError) -> (theta: [Double], errorVariance: Double) {
        let p = covariance.parameterCount
        guard parameters.count == p + likelihood.kind.auxiliaryParameterCount else {
            throw .invalidParameter("expected \(p + likelihood.kind.auxiliaryParameterCount) parameters, got \(parameters.count)")
        }
        let theta = Array(parameters[0..<p])
        try covariance.validate(theta)
        var s2 = 1.0
        if likelihood.kind == .gaussian {
            s2 = parameters[p]
            guard s2 > 0 && s2.isFinite else { throw .invalidParameter("error_var must be positive and finite (got \(s2))") }
        }
        return (theta, s2)
    }

    /// `L` with `L Lᵀ = I + W^½ Σ W^½`.
    func factorB(_ K: [Double], _ sW: [Double]) throws(GPError) -> Cholesky {
        let m = sW.count
        var b = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0...i { b[i * m + j] = sW[i] * K[i * m + j] * sW[j] }
            b[i * m + i] += 1
        }
        do { return try Cholesky(Matrix(rows: m, columns: m, values: b)) } catch {
            throw .numerical("Cholesky of I + W½ΣW½ failed (\(error)); the covariance parameters are degenerate")
        }
    }

    static func symv(_ K: [Double], _ x: [Double]) -> [Double] {
        let m = x.count
        return (try? Matrix(rows: m, columns: m, values: K).gemv(x)) ?? []
    }

    public func evaluate(parameters: [Double], fixed F: [Double], warmStart: [Double]?,
                         gradients wanted: LaplaceGradients) throws(GPError) -> LaplaceEvaluation {
        let m = locations.count
        guard F.count == likelihood.y.count else { throw .invalidData("\(F.count) fixed effects for \(likelihood.y.count) rows") }
        let (theta, s2) = try split(parameters)
        let K = covarianceMatrix(theta)
        let Km = Matrix(rows: m, columns: m, values: K)

        // Newton on Ψ(b) = ℓ(F + Zb) − ½ aᵀb with b = Σa.
        var a = [Double](repeating: 0, count: m)
        var b = a
        if let warmStart, warmStart.count == m, warmStart.allSatisfy(\.isFinite) {
            a = likelihood.derivatives(fixed: F, latent: warmStart, errorVariance: s2).gradient
            b = (try? Km.gemv(a)) ?? b
        }
        var d = likelihood.derivatives(fixed: F, latent: b, errorVariance: s2)
        var psi = d.logLikelihood - 0.5 * VectorOps.dot(a, b)
        var iterations = 0
        var converged = false
        while iterations < maxNewtonIterations {
            iterations += 1
            let sW = d.negHessian.map { $0.squareRoot() }
            let L = try factorB(K, sW)
            var rhs = [Double](repeating: 0, count: m)
            for j in 0..<m { rhs[j] = d.negHessian[j] * b[j] + d.gradient[j] }
            var t = (try? Km.gemv(rhs)) ?? rhs
            for j in 0..<m { t[j] *= sW[j] }
            let x: [Double]
            do { x = try L.solve(t) } catch { throw .numerical("Newton step: \(error)") }
            var aNew = rhs
            for j in 0..<m { aNew[j] -= sW[j] * x[j] }
            let bNew = (try? Km.gemv(aNew)) ?? aNew
            // Step halving until Ψ does not decrease.
            var step = 1.0
            var accepted = false
            var aT = a, bT = b
            var dT = d
            var psiT = psi
            for _ in 0..<40 {
                for j in 0..<m {
                    aT[j] = a[j] + step * (aNew[j] - a[j])
                    bT[j] = b[j] + step * (bNew[j] - b[j])
                }
                dT = likelihood.derivatives(fixed: F, latent: bT, errorVariance: s2)
                psiT = dT.logLikelihood - 0.5 * VectorOps.dot(aT, bT)
                if psiT.isFinite && psiT >= psi - 1e-13 * abs(psi) { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { converged = true; break }   // no ascent direction left: at the mode to rounding
            var maxStep = 0.0, maxB = 0.0
            for j in 0..<m { maxStep = max(maxStep, abs(bT[j] - b[j])); maxB = max(maxB, abs(bT[j])) }
            let change = abs(psiT - psi)
            a = aT; b = bT; d = dT; psi = psiT
            if maxStep <= 1e-10 * (1 + maxB) || change <= 1e-15 * max(1, abs(psi)) { converged = true; break }
        }
        guard converged, b.allSatisfy(\.isFinite) else {
            throw .numerical("Laplace mode finding did not converge in \(maxNewtonIterations) Newton steps")
        }

        let sW = d.negHessian.map { $0.squareRoot() }
        let L = try factorB(K, sW)
        var logDetB = 0.0
        for j in 0..<m { logDetB += log(L.lower[j, j]) }
        let nll = -d.logLikelihood + 0.5 * VectorOps.dot(a, b) + logDetB
        guard nll.isFinite else { throw .numerical("the approximate marginal likelihood is not finite") }

        var result = LaplaceEvaluation(negLogLikelihood: nll, mode: b, negHessian: d.negHessian, modeGradient: d.gradient,
                                       gradientLogParameters: nil, gradientFixedEffects: nil, newtonIterations: iterations)
        guard !wanted.isEmpty else { return result }

        // B⁻¹ (dpotri) → R = W½ B⁻¹ W½ and the posterior variances d = diag((Σ⁻¹+W)⁻¹).
        let Binv: Matrix
        do { Binv = try L.inverse() } catch { throw .numerical("inverting I + W½ΣW½: \(error)") }
        var R = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in 0..<m { R[i * m + j] = sW[i] * Binv.storage[i * m + j] * sW[j] } }
        let Rm = Matrix(rows: m, columns: m, values: R)
        var post = [Double](repeating: 0, count: m)
        for j in 0..<m {
            let w = d.negHessian[j], kjj = K[j * m + j]
            if w * kjj >= 1e-3 {
                post[j] = (1 - Binv.storage[j * m + j]) / w              // A = W^-½ (I − B⁻¹) W^-½
            } else {                                                      // small W: K_jj − K_jᵀ R K_j, no cancellation
                let kj = Array(K[(j * m)..<((j + 1) * m)])
                post[j] = kjj - VectorOps.dot(kj, (try? Rm.gemv(kj)) ?? kj)
            }
        }
        // A u = Σu − Σ R Σ u.
        func applyPosterior(_ u: [Double]) -> [Double] {
            let ku = (try? Km.gemv(u)) ?? u
            let kRku = (try? Km.gemv((try? Rm.gemv(ku)) ?? ku)) ?? ku
            return zip(ku, kRku).map { $0 - $1 }
        }
        var dT = [Double](repeating: 0, count: m)
        for j in 0..<m { dT[j] = post[j] * d.third[j] }

        if wanted.contains(.parameters) {
            let p = covariance.parameterCount
            // One pass over pairs: aᵀΣ_k a, tr(R Σ_k) and Σ_k g for every k.
            let rows = Parallel.chunks(count: m, size: 64)
            let g = d.gradient
            let parts: [([Double], [Double], [Double])] = Parallel.map(rows.count) { c in
                var quad = [Double](repeating: 0, count: p), tr = quad
                var kg = [Double](repeating: 0, count: p * rows[c].count)
                var grad = [Double](repeating: 0, count: p)
                for (r, i) in rows[c].enumerated() {
                    for j in 0..<m {
                        _ = covariance.valueAndLogGradient(theta, timeSquared: dt2[i * m + j], spaceSquared: ds2[i * m + j], gradient: &grad)
                        let aa = a[i] * a[j], rij = R[i * m + j], gj = g[j]
                        for k in 0..<p {
                            quad[k] += aa * grad[k]
                            tr[k] += rij * grad[k]
                            kg[r * p + k] += grad[k] * gj
                        }
                    }
                    // The diagonal jitter 1e-10·σ² scales with σ²: its log-σ² derivative is itself.
                    let jit = 1e-10 * theta[0]
                    quad[0] += a[i] * a[i] * jit
                    tr[0] += R[i * m + i] * jit
                    kg[r * p] += jit * g[i]
                }
                return (quad, tr, kg)
            }
            var quad = [Double](repeating: 0, count: p), tr = quad
            var kgAll = [[Double]](repeating: [Double](repeating: 0, count: m), count: p)
            for (c, part) in parts.enumerated() {
                for k in 0..<p { quad[k] += part.0[k]; tr[k] += part.1[k] }
                for (r, i) in rows[c].enumerated() { for k in 0..<p { kgAll[k][i] = part.2[r * p + k] } }
            }
            var grad = [Double](repeating: 0, count: p + likelihood.kind.auxiliaryParameterCount)
            for k in 0..<p {
                let bk = kgAll[k]
                let s3 = zip(bk, (try? Km.gemv((try? Rm.gemv(bk)) ?? bk)) ?? bk).map { $0 - $1 }
                let s1 = 0.5 * quad[k] - 0.5 * tr[k]
                let s2term = 0.5 * VectorOps.dot(dT, s3)   // ½ tr(A ∂W/∂b̂ · ∂b̂/∂θ) with ∂W/∂b = −T
                grad[k] = -(s1 + s2term)
            }
            if likelihood.kind == .gaussian {
                // ∂/∂log σ²_ε: n/2 − RSS/(2σ²_ε) − ½ Σ_j d_j W_j  (W does not depend on b).
                var rss = 0.0
                for i in 0..<likelihood.y.count {
                    let r = likelihood.y[i] - F[i] - b[Int(likelihood.rowLocation[i])]
                    rss += r * r
                }
                var dw = 0.0
                for j in 0..<m { dw += post[j] * d.negHessian[j] }
                grad[p] = 0.5 * Double(likelihood.y.count) - 0.5 * rss / s2 - 0.5 * dw
            }
            result.gradientLogParameters = grad
        }
        if wanted.contains(.fixedEffects) {
            let v = applyPosterior(dT)
            var gF = [Double](repeating: 0, count: F.count)
            for i in 0..<F.count {
                let j = Int(likelihood.rowLocation[i])
                let r = likelihood.rowDerivatives(i, eta: F[i] + b[j], errorVariance: s2)
                gF[i] = -r.first - 0.5 * post[j] * r.third + 0.5 * r.w * v[j]
            }
            result.gradientFixedEffects = gF
        }
        return result
    }

    public func predictLatent(parameters: [Double], posterior: LatentPosterior, at new: DistinctLocations,
                              jointCovariance: Bool) throws(GPError) -> (mean: [Double], covariance: Matrix) {
        let m = locations.count, q = new.count
        let (theta, _) = try split(parameters)
        guard posterior.mode.count == m, posterior.negHessian.count == m, posterior.modeGradient.count == m else {
            throw .invalidData("the stored posterior has the wrong number of locations")
        }
        let K = covarianceMatrix(theta)
        let sW = posterior.negHessian.map { max($0, 0).squareRoot() }
        let L = try factorB(K, sW)
        let (ct, cs) = ExactLaplace.pairDistances(locations, new, metric: covariance.metric)
        var kStar = [Double](repeating: 0, count: m * q)
        for i in 0..<(m * q) { kStar[i] = covariance.value(theta, timeSquared: ct[i], spaceSquared: cs[i]) }
        let kStarM = Matrix(rows: m, columns: q, values: kStar)
        let mean = (try? kStarM.gemv(posterior.modeGradient, transpose: true)) ?? []
        // V = L⁻¹ W½ K*, Cov = K** − VᵀV.
        var scaled = kStar
        for i in 0..<m { for j in 0..<q { scaled[i * q + j] *= sW[i] } }
        let V: Matrix
        do { V = try L.solveLower(Matrix(rows: m, columns: q, values: scaled)) } catch { throw .numerical("prediction solve: \(error)") }
        var cov = [Double](repeating: 0, count: q * q)
        if jointCovariance {
            let vtv = (try? Matrix.gemm(V, V, transposeA: true)) ?? Matrix(rows: q, columns: q)
            for i in 0..<q {
                for j in 0..<q {
                    let (x, y) = new.squaredDistances(i, new, j, metric: covariance.metric)
                    cov[i * q + j] = covariance.value(theta, timeSquared: x, spaceSquared: y) - vtv.storage[i * q + j]
                }
            }
        } else {
            var colSS = [Double](repeating: 0, count: q)
            for i in 0..<m { for j in 0..<q { let v = V.storage[i * q + j]; colSS[j] += v * v } }
            for j in 0..<q { cov[j * q + j] = theta[0] - colSS[j] }
        }
        for j in 0..<q where cov[j * q + j] < 0 { cov[j * q + j] = 0 }   // rounding below zero at a training location
        return (mean, Matrix(rows: q, columns: q, values: cov))
    }
}
