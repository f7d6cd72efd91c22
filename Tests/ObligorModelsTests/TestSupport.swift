import Foundation
import ObligorData

/// The repository root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func germanFrame() throws -> Frame {
    try CSVReader.read(path: repositoryRoot.appendingPathComponent("Datasets/german/german.csv").path)
}

func fixture(_ name: String) throws -> [String: Any] {
    let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

func relativeError(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(b), 1e-300)
}
