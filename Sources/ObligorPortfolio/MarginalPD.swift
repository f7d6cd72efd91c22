import Foundation
import ObligorNumerics

extension LogisticNormal {
    /// Marginal default probabilities `p_i = E[σ(F_i + b_{j(i)})]`, `b_j ~ N(μ_j, C_jj)`, for each loan.
    /// - Throws: the loan's ``PortfolioError/invalidLoan(index:field:reason:)`` for bad inputs.
    public static func marginalPD(loans: [Loan], frailty: LatentFrailty, nodes: Int = defaultNodes) throws(PortfolioError) -> [Double] {
        for (i, loan) in loans.enumerated() { try loan.validate(index: i, locationCount: frailty.count) }
        let v = frailty.variances
        let rule = GaussHermite.rule(nodes)
        return loans.map { mean(offset: $0.fixedEffect + frailty.mean[$0.location], sd: max(0, v[$0.location]).squareRoot(), rule: rule) }
    }
}
