import Foundation
import ObligorData
@testable import ObligorRecourse

func fixtureURL(_ name: String) -> URL { Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)! }
func fixtureData(_ name: String) throws -> Data { try Data(contentsOf: fixtureURL(name)) }

/// A CSV fixture as rows of fields (header dropped).
func fixtureRows(_ name: String) throws -> [[String]] {
    try String(contentsOf: fixtureURL(name), encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
        .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
}

/// The German processed data (label IsCreditRiskGood first, 36 features).
func germanFrame() throws -> Frame { try CSVReader.read(path: fixtureURL("german_processed.csv").path) }

/// The paper's "Actual" action set (complex_nD) bound to the German data.
func germanSpace(_ name: String = "complex_nD") throws -> (Frame, BoundActionSet) {
    let frame = try germanFrame()
    let set = try ActionSet.load(data: fixtureData("german_actionsets.json"), name: name)
    return (frame, try BoundActionSet(set, frame: frame))
}

/// The German expected-results JSON.
func germanExpected() throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: fixtureData("german_complex_nD_expected.json")) as! [String: Any]
}
