/// CALM's 70 / 10 / 20 split of row indices (notes/calm.md §1).
///
/// `random.seed(10086)`; train = `random.sample(range(n), int(n * 0.7))`; valid =
/// `random.sample(left, int(n * 0.1))` where `left` is the rows not in train **in ascending order**;
/// test = the rows in neither, ascending. The sizes use floating-point products exactly as Python does,
/// so Australian (n = 690) gets `int(482.99999999999994) = 482` train rows.
///
/// Order of `left`: CALM's scripts build it either with `filter` (ascending; Australian, Travel) or as
/// `list(set(...) - set(...))`, whose order in CPython 3.11 is hash-table order, not ascending. The
/// published German split (the CALM bias CSVs and the logged test prompts) matches the ascending order,
/// so this type uses it for every dataset.
public struct CALMSplit: Sendable, Equatable {
    /// Row indices of the training split, in draw order (the order of CALM's records).
    public let train: [Int]
    /// Row indices of the validation ("dev") split, in draw order.
    public let valid: [Int]
    /// Row indices of the test split, ascending.
    public let test: [Int]

    /// CALM's seed.
    public static let calmSeed: UInt64 = 10086

    /// The split of `n` rows.
    public init(rows n: Int, seed: UInt64 = CALMSplit.calmSeed, trainFraction: Double = 0.7, validFraction: Double = 0.1) {
        var rng = PythonRandom(seed: seed)
        let nTrain = Int((Double(n) * trainFraction).rounded(.towardZero))
        let nValid = Int((Double(n) * validFraction).rounded(.towardZero))
        train = rng.sample(Array(0..<n), nTrain)
        var used = [Bool](repeating: false, count: n)
        for i in train { used[i] = true }
        let left = (0..<n).filter { !used[$0] }
        valid = rng.sample(left, min(nValid, left.count))
        for i in valid { used[i] = true }
        test = (0..<n).filter { !used[$0] }
    }

    /// The indices of one split.
    public func indices(_ part: CALMSplitName) -> [Int] {
        switch part {
        case .train: return train
        case .valid: return valid
        case .test: return test
        }
    }
}

/// The three parts of a CALM split.
public enum CALMSplitName: String, CaseIterable, Sendable, Codable {
    case train, valid, test
}
