/// Errors raised by the neural-network library.
public enum NeuralError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Shapes that do not fit together (layer sizes, batch buffers, parameter tensors).
    case shapeMismatch(String)
    /// A value that must be finite is not (an input, a loss, a gradient).
    case nonFinite(String)
    /// An option outside its allowed range.
    case invalidOption(String)
    /// An optimizer name that is not one of ``OptimizerKind``'s.
    case unknownOptimizer(name: String, known: [String])
    /// Targets with fewer than two classes.
    case singleClass(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(m): return "shape mismatch: \(m)"
        case let .nonFinite(m): return "non-finite value: \(m)"
        case let .invalidOption(m): return "invalid option: \(m)"
        case let .unknownOptimizer(name, known):
            return "unknown optimizer '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .singleClass(m): return "only one class: \(m)"
        }
    }
}
