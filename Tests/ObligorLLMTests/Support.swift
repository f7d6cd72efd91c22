import Foundation
@testable import ObligorLLM

/// Fixture files copied from the CALM anchors (see Fixtures/README.md).
enum Fixture {
    static let dir: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    static func url(_ name: String) -> URL { dir.appendingPathComponent(name) }
    static func text(_ name: String) throws -> String { try String(contentsOf: url(name), encoding: .utf8) }
    static func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(name))) as! [String: Any]
    }
    /// Integer list written as a Python list literal.
    static func intList(_ name: String) throws -> [Int] {
        try text(name).trimmingCharacters(in: CharacterSet(charactersIn: "[]\n ")).split(separator: ",")
            .map { Int($0.trimmingCharacters(in: .whitespaces))! }
    }
}

/// A CSV with a header (through the module's own reader, which handles quoted fields).
func readCSV(_ name: String) throws -> CALMSource {
    try CALMSource.csv(text: Fixture.text(name), label: name)
}

func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol }
