/// Errors raised while reading an action set, binding it to data, or verifying recourse.
///
/// Every case names what is wrong in words an analyst can act on: the constraint (by its label,
/// for example `constraints[2] ThermometerEncoding(CheckingAcct_exists, CheckingAcct_geq_0)`),
/// the feature, and the data row where one is involved.
public enum RecourseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The action-set file is not valid JSON or lacks a required field.
    case malformed(String)
    /// The file holds several action sets and none, or an unknown one, was chosen.
    case unknownActionSet(String, available: [String])
    /// A feature named by the action set (or one of its constraints) is not a column of the data.
    case unknownFeature(feature: String, constraint: String?, available: [String])
    /// A per-feature setting is invalid: bounds outside the feature's type, lb > ub, a step bound of the wrong sign.
    case invalidFeature(feature: String, message: String)
    /// A constraint's parameters are invalid for the features it names.
    case invalidConstraint(constraint: String, feature: String?, message: String)
    /// Constraints that can never hold together; every one involved is named.
    case contradictory(constraints: [String], message: String)
    /// A data row violates the action set (a bound, the feature's type, or a constraint).
    case infeasibleRow(row: Int, feature: String, constraint: String?, message: String)
    /// The combination asked for is outside what this module verifies exactly.
    case unsupported(String)
    /// The model could not be evaluated on the data.
    case model(String)

    public var description: String {
        switch self {
        case let .malformed(m): return "action set: \(m)"
        case let .unknownActionSet(n, available):
            return "action set '\(n)' is not in the file (available: \(available.joined(separator: ", ")))"
        case let .unknownFeature(f, c, available):
            let shown = available.prefix(12).joined(separator: ", ") + (available.count > 12 ? ", …" : "")
            return "\(c.map { "\($0): " } ?? "")feature '\(f)' is not a column of the data (columns: \(shown))"
        case let .invalidFeature(f, m): return "feature '\(f)': \(m)"
        case let .invalidConstraint(c, f, m): return "\(c)\(f.map { ", feature '\($0)'" } ?? ""): \(m)"
        case let .contradictory(cs, m): return "contradictory constraints \(cs.joined(separator: " and ")): \(m)"
        case let .infeasibleRow(r, f, c, m):
            return "row \(r + 1), feature '\(f)'\(c.map { ", \($0)" } ?? ""): \(m)"
        case let .unsupported(m): return "not supported: \(m)"
        case let .model(m): return "model: \(m)"
        }
    }
}
