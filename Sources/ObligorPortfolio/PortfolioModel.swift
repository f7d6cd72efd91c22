import Foundation
import ObligorNumerics

/// A loan portfolio with a latent frailty distribution: the input of the loss simulation.
///
/// Loan i defaults with probability `σ(F_i + b_{j(i)})` given the frailty vector
/// `b ~ N(μ, C)`; defaults are independent given `b` and share `b` across loans (Kündig &
/// Sigrist 2026, §"Portfolio loss"). The independent-defaults answer treats the loans as
/// independent Bernoulli(`p_i`) with the marginal PD `p_i = E[σ(F_i + b_{j(i)})]`.
///
/// ```swift
/// let model = try PortfolioModel(loans: loans, frailty: LatentFrailty(mean: mu, covariance: cov))
/// let sim = try model.simulate(draws: 10_000, seed: 7)
/// sim.joint.valueAtRisk(0.99); sim.independent.valueAtRisk(0.99)
/// ```
public struct PortfolioModel: Sendable {
    /// The loans (validated).
    public let loans: [Loan]
    /// The latent frailty distribution.
    public let frailty: LatentFrailty
    /// `p_i` used by the independent simulation and the analytic expected loss: by default the
    /// logistic-normal mean ``LogisticNormal/mean(offset:sd:nodes:)``, or the caller's PDs (for
    /// instance from a model without frailty, to score it on the same portfolio).
    public let marginalPD: [Double]

    /// Draws per parallel chunk. Chunk boundaries, and with them every random stream, depend
    /// only on the number of draws, so results do not depend on the thread count.
    public static let drawsPerChunk = 250
    /// The default number of simulated portfolios.
    public static let defaultDraws = 10_000

    /// Validates the loans against the frailty and computes the marginal PDs.
    /// - Parameters:
    ///   - marginalPD: per-loan PDs for the independent answer; nil computes `E[σ(F_i + b_j)]`.
    ///   - quadratureNodes: Gauss–Hermite nodes for that expectation (≥ 30 recommended).
    /// - Throws: ``PortfolioError/invalidLoan(index:field:reason:)`` naming the first bad loan and
    ///   field, ``PortfolioError/lengthMismatch(field:expected:actual:)`` for a `marginalPD` of the wrong length.
    public init(loans: [Loan], frailty: LatentFrailty, marginalPD: [Double]? = nil,
                quadratureNodes: Int = LogisticNormal.defaultNodes) throws(PortfolioError) {
        guard quadratureNodes >= 1 && quadratureNodes <= 300 else {
            throw .invalidParameter("quadratureNodes must be in 1...300 (got \(quadratureNodes))")
        }
        for (i, loan) in loans.enumerated() { try loan.validate(index: i, locationCount: frailty.count) }
        if let pd = marginalPD {
            guard pd.count == loans.count else { throw .lengthMismatch(field: "marginalPD", expected: loans.count, actual: pd.count) }
            for (i, p) in pd.enumerated() where !(p.isFinite && p >= 0 && p <= 1) {
                throw .invalidLoan(index: i, field: "pd", reason: "is \(p); it must lie in [0, 1]")
            }
            self.marginalPD = pd
        } else {
            self.marginalPD = try LogisticNormal.marginalPD(loans: loans, frailty: frailty, nodes: quadratureNodes)
        }
        self.loans = loans
        self.frailty = frailty
    }

    private init(unchecked loans: [Loan], frailty: LatentFrailty, marginalPD: [Double]) {
        self.loans = loans
        self.frailty = frailty
        self.marginalPD = marginalPD
    }

    /// The sub-portfolio of the loans at `indices` (same frailty, same PDs).
    public func subset(_ indices: [Int]) -> PortfolioModel {
        PortfolioModel(unchecked: indices.map { loans[$0] }, frailty: frailty, marginalPD: indices.map { marginalPD[$0] })
    }

    /// `EL = Σ EAD_i · LGD_i · p_i`.
    public var analyticExpectedLoss: Double {
        var s = 0.0
        for (loan, p) in zip(loans, marginalPD) { s += loan.lossGivenDefault * p }
        return s
    }

    /// The distinct locations the loans use, ascending. Only this sub-vector of `b` is simulated.
    public var usedLocations: [Int] { Array(Set(loans.map(\.location))).sorted() }

    /// The factor of the covariance sub-block at ``usedLocations``.
    public func covarianceFactor() throws(PortfolioError) -> CovarianceFactor {
        let used = usedLocations
        let (_, c) = frailty.restricted(to: used)
        return try CovarianceFactor(covariance: Matrix(rows: used.count, columns: used.count, values: c))
    }

    /// Joint and independent loss distributions from the same seed.
    ///
    /// Both use common random numbers: chunk k of draws takes its Bernoulli uniforms from
    /// `RandomSource(seed).split(2k+1)` in both simulations (the frailty normals come from
    /// `split(2k)`), so with `C = 0` and `μ = 0` the two give the same draws.
    /// - Throws: ``PortfolioError/invalidParameter(_:)`` for `draws < 1`, ``PortfolioError/invalidFrailty(_:)``
    ///   when the covariance cannot be factorised.
    public func simulate(draws: Int = defaultDraws, seed: UInt64) throws(PortfolioError) -> PortfolioSimulation {
        let factor = try covarianceFactor()
        let joint = try simulateJoint(draws: draws, seed: seed, factor: factor)
        let independent = try simulateIndependent(draws: draws, seed: seed)
        return PortfolioSimulation(joint: joint, independent: independent, factorisation: factor.info)
    }

    /// The loss distribution with joint frailty: per draw `b ~ N(μ, C)` at the used locations, then
    /// independent Bernoulli(`σ(F_i + b_{j(i)})`) defaults; loss `Σ EAD·LGD·1{default}`.
    /// - Complexity: O(N (n + k²)) for N draws, n loans, k used locations.
    public func simulateJoint(draws: Int = defaultDraws, seed: UInt64) throws(PortfolioError) -> LossDistribution {
        try simulateJoint(draws: draws, seed: seed, factor: covarianceFactor())
    }

    /// The loss distribution with independent Bernoulli(`p_i`) defaults (``marginalPD``).
    public func simulateIndependent(draws: Int = defaultDraws, seed: UInt64) throws(PortfolioError) -> LossDistribution {
        try Self.checkDraws(draws)
        let layout = Layout(self)
        let pd = layout.order.map { marginalPD[$0] }
        let w = layout.weight
        let root = RandomSource(seed: seed)
        let chunks = Parallel.chunks(count: draws, size: Self.drawsPerChunk)
        let parts: [[Double]] = Parallel.map(chunks.count) { c in
            let uni = root.split(UInt64(2 * c + 1))
            var out = [Double](repeating: 0, count: chunks[c].count)
            pd.withUnsafeBufferPointer { p in
                w.withUnsafeBufferPointer { w in
                    for d in 0..<out.count {
                        var loss = 0.0
                        for i in 0..<p.count where uni.uniform() < p[i] { loss += w[i] }
                        out[d] = loss
                    }
                }
            }
            return out
        }
        return try LossDistribution(draws: parts.flatMap { $0 }, analyticExpectedLoss: analyticExpectedLoss)
    }

    func simulateJoint(draws: Int, seed: UInt64, factor: CovarianceFactor) throws(PortfolioError) -> LossDistribution {
        try Self.checkDraws(draws)
        let layout = Layout(self)
        let k = layout.used.count
        let mu = layout.used.map { frailty.mean[$0] }
        let negExpF = layout.order.map { exp(-min(700, max(-700, loans[$0].fixedEffect))) }
        let w = layout.weight
        let start = layout.start
        let zero = factor.method == .zero
        let a = factor.factor
        let root = RandomSource(seed: seed)
        let chunks = Parallel.chunks(count: draws, size: Self.drawsPerChunk)
        let parts: [[Double]] = Parallel.map(chunks.count) { c in
            let nd = chunks[c].count
            var b = [Double](repeating: 0, count: nd * k)
            if !zero && k > 0 {
                let normal = root.split(UInt64(2 * c))
                var z = [Double](repeating: 0, count: nd * k)
                for t in 0..<z.count { z[t] = normal.gaussian() }
                do {
                    b = try Matrix.gemm(Matrix(rows: nd, columns: k, values: z), a, transposeB: true).storage
                } catch {
                    preconditionFailure("internal: frailty draw gemm failed: \(error)")
                }
            }
            let uni = root.split(UInt64(2 * c + 1))
            var out = [Double](repeating: 0, count: nd)
            negExpF.withUnsafeBufferPointer { ef in
                w.withUnsafeBufferPointer { w in
                    for d in 0..<nd {
                        var loss = 0.0
                        for g in 0..<k {
                            // u < σ(F + b) ⟺ u (1 + e^{−F} e^{−b}) < 1; exponents clamped so no NaN arises.
                            let cj = exp(-min(700, max(-700, mu[g] + b[d * k + g])))
                            for i in start[g]..<start[g + 1] where uni.uniform() * (1 + ef[i] * cj) < 1 {
                                loss += w[i]
                            }
                        }
                        out[d] = loss
                    }
                }
            }
            return out
        }
        return try LossDistribution(draws: parts.flatMap { $0 }, analyticExpectedLoss: analyticExpectedLoss)
    }

    static func checkDraws(_ draws: Int) throws(PortfolioError) {
        guard draws >= 1 else { throw .invalidParameter("the number of draws must be ≥ 1 (got \(draws))") }
    }

    /// Loans grouped by used location (stable within a location), the order both simulations use.
    struct Layout {
        var used: [Int]
        var order: [Int]
        var start: [Int]
        var weight: [Double]

        init(_ model: PortfolioModel) {
            used = model.usedLocations
            var slot = [Int: Int]()
            for (g, j) in used.enumerated() { slot[j] = g }
            var counts = [Int](repeating: 0, count: used.count + 1)
            for loan in model.loans { counts[slot[loan.location]! + 1] += 1 }
            for g in 0..<used.count { counts[g + 1] += counts[g] }
            start = counts
            var next = Array(counts.dropLast())
            order = [Int](repeating: 0, count: model.loans.count)
            for (i, loan) in model.loans.enumerated() {
                let g = slot[loan.location]!
                order[next[g]] = i
                next[g] += 1
            }
            weight = order.map { model.loans[$0].lossGivenDefault }
        }
    }
}

/// Joint and independent loss distributions of one portfolio.
public struct PortfolioSimulation: Sendable {
    /// With the joint frailty draw.
    public let joint: LossDistribution
    /// With independent defaults at the marginal PDs.
    public let independent: LossDistribution
    /// How the covariance was factorised.
    public let factorisation: FactorisationInfo
}
