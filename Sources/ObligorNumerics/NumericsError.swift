import CGSL

/// Errors raised by the linear-algebra layer (BLAS/LAPACKE calls and shape checks).
///
/// LAPACK reports failures through an `info` integer: negative values name an illegal
/// argument, positive values a numerical failure at a given index. Each case keeps that
/// index and the operation name so that the message says what failed and where.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The operands' shapes do not fit the operation.
    case dimensionMismatch(operation: String, detail: String)
    /// Cholesky failed: the leading minor of this order (1-based) is not positive definite.
    case notPositiveDefinite(minor: Int)
    /// A matrix is singular: the pivot at this 1-based index is exactly zero.
    case singular(pivot: Int)
    /// LAPACK rejected an argument (the 1-based argument index), which is a bug in the caller.
    case illegalArgument(operation: String, index: Int)
    /// An iterative LAPACK routine did not converge (for example the symmetric eigensolver).
    case noConvergence(operation: String, info: Int)
    /// The input contains NaN or infinity.
    case nonFinite(operation: String)

    public var description: String {
        switch self {
        case let .dimensionMismatch(op, detail): return "\(op): dimension mismatch (\(detail))"
        case let .notPositiveDefinite(minor): return "Cholesky: leading minor of order \(minor) is not positive definite"
        case let .singular(pivot): return "matrix is singular (zero pivot at \(pivot))"
        case let .illegalArgument(op, index): return "\(op): illegal value in argument \(index)"
        case let .noConvergence(op, info): return "\(op): did not converge (info \(info))"
        case let .nonFinite(op): return "\(op): input contains NaN or infinity"
        }
    }
}

/// A GSL status code turned into a Swift error, with the operation that produced it.
///
/// The message uses `gsl_strerror`, so it matches GSL's documentation.
public struct GSLError: Error, Equatable, CustomStringConvertible, Sendable {
    /// GSL's integer status (for example `GSL_EDOM` = 1, `GSL_ENOPROG` = 27).
    public let code: Int32
    /// What was being computed.
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var description: String {
        let text = gsl_strerror(code).map { String(cString: $0) } ?? "unknown GSL error"
        return "\(operation): GSL error \(code) (\(text))"
    }
}

@inline(__always)
func gslCheck(_ status: Int32, _ operation: @autoclosure () -> String) throws(GSLError) {
    if status != Int32(GSL_SUCCESS) { throw GSLError(code: status, operation: operation()) }
}
