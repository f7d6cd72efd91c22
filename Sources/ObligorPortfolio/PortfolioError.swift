/// Errors of the portfolio-loss layer, each with a message that names what is wrong and where.
///
/// Loan indices in messages and in ``invalidLoan(index:field:reason:)`` are 0-based positions in the
/// `loans` array the caller passed.
public enum PortfolioError: Error, Equatable, CustomStringConvertible, Sendable {
    /// One loan's field is out of its domain (`field`: `exposure`, `lgd`, `fixed_effect`, `location`,
    /// `pd`, `realised_default`).
    case invalidLoan(index: Int, field: String, reason: String)
    /// Two inputs that must have the same length do not.
    case lengthMismatch(field: String, expected: Int, actual: Int)
    /// The latent frailty mean or covariance is unusable (shape, NaN, asymmetry, not positive semi-definite).
    case invalidFrailty(String)
    /// A simulation or summary parameter is out of its domain (draw count, level, draws given to a distribution).
    case invalidParameter(String)

    public var description: String {
        switch self {
        case let .invalidLoan(index, field, reason): return "loan \(index): \(field) \(reason)"
        case let .lengthMismatch(field, expected, actual):
            return "\(field) has \(actual) entries, expected \(expected) (one per loan)"
        case let .invalidFrailty(s): return "latent frailty: \(s)"
        case let .invalidParameter(s): return s
        }
    }
}
