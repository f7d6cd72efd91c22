import ObligorNumerics

/// Errors of the Gaussian-process layer, each with a message for the analyst.
public enum GPError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The data cannot be modelled as given (missing coordinates, one location, …).
    case invalidData(String)
    /// A parameter is out of its domain.
    case invalidParameter(String)
    /// A numerical step failed even after jitter.
    case numerical(String)

    public var description: String {
        switch self {
        case let .invalidData(s): return s
        case let .invalidParameter(s): return s
        case let .numerical(s): return "numerical failure: \(s)"
        }
    }
}
