import Foundation

/// Why a metrics routine refused its input.
///
/// Every case names what is wrong and, where there is one, the first offending index (0-based),
/// so the CLI can point the analyst at the row.
public enum MetricsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `scores` and `labels` (or two paired arrays) have different lengths.
    case lengthMismatch(scores: Int, labels: Int)
    /// No rows at all.
    case empty
    /// A label other than 0 (good) or 1 (default / bad).
    case invalidLabel(index: Int, value: Int)
    /// A score that is NaN or ±infinity.
    case nonFiniteScore(index: Int, value: Double)
    /// A score outside [0, 1]; scores are PDs.
    case scoreOutOfRange(index: Int, value: Double)
    /// Only one class is present, so AUC, KS and the DeLong variance are undefined.
    case singleClass(label: Int)
    /// Any other invalid argument (message says which).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .lengthMismatch(s, l):
            return "scores and labels differ in length (\(s) scores, \(l) labels)"
        case .empty:
            return "no rows: metrics need at least one score"
        case let .invalidLabel(i, v):
            return "label at index \(i) is \(v); labels must be 0 (good) or 1 (default)"
        case let .nonFiniteScore(i, v):
            return "score at index \(i) is \(v); scores must be finite PDs in [0, 1]"
        case let .scoreOutOfRange(i, v):
            return "score at index \(i) is \(v); scores must be PDs in [0, 1]"
        case let .singleClass(label):
            return "only one class present (every label is \(label)); AUC and KS are undefined"
        case let .invalidArgument(message):
            return message
        }
    }
}

/// Input checks shared by the metric entry points that throw.
public enum MetricsValidation {
    /// Checks paired PD scores and 0/1 labels.
    ///
    /// - Throws: ``MetricsError`` for mismatched lengths, empty input, a label other than 0/1,
    ///   a non-finite score or a score outside [0, 1] (naming the first offending index), and, when
    ///   `requireBothClasses` is true, when only one class is present.
    public static func check(scores: [Double], labels: [Int], requireBothClasses: Bool = true) throws(MetricsError) {
        guard scores.count == labels.count else {
            throw .lengthMismatch(scores: scores.count, labels: labels.count)
        }
        guard !scores.isEmpty else { throw .empty }
        var bads = 0
        for i in 0..<labels.count {
            let y = labels[i]
            guard y == 0 || y == 1 else { throw .invalidLabel(index: i, value: y) }
            bads += y
        }
        for i in 0..<scores.count {
            let s = scores[i]
            guard s.isFinite else { throw .nonFiniteScore(index: i, value: s) }
            guard s >= 0, s <= 1 else { throw .scoreOutOfRange(index: i, value: s) }
        }
        if requireBothClasses {
            if bads == 0 { throw .singleClass(label: 0) }
            if bads == labels.count { throw .singleClass(label: 1) }
        }
    }
}

/// JSON helpers matching the oracle's conventions.
public enum MetricsJSON {
    /// A `JSONEncoder` that writes non-finite numbers as the strings `"inf"`, `"-inf"`, `"nan"`
    /// (the oracle's convention; standard JSON has no infinity) and sorts keys.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        e.outputFormatting = [.sortedKeys]
        return e
    }

    /// The matching decoder (accepts `"inf"`, `"-inf"`, `"nan"` for Double fields).
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}
