import Foundation
@testable import ObligorData

/// SplitMix64: a small seeded generator local to the tests (independent of the code under test).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs the internal byte parser on a Swift string.
func parse(_ s: String) -> ParsedNumber {
    var bytes = Array(s.utf8)
    let count = bytes.count
    bytes.append(0)  // a non-empty buffer even for "", never read (count excludes it)
    return bytes.withUnsafeBufferPointer { parseNumber($0.baseAddress!, count) }
}

/// Reads CSV text, returning the error if any.
func csvError(_ text: String, label: String = "test.csv", options: CSVOptions = CSVOptions()) -> CSVError? {
    do {
        _ = try CSVReader.read(text: text, label: label, options: options)
        return nil
    } catch {
        return error
    }
}

extension Column {
    /// Categorical values as optional strings.
    var strings: [String?] { (0..<count).map { text(at: $0) } }
}
