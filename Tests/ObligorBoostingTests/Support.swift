import Foundation
import ObligorData
@testable import ObligorBoosting

func fixtureURL(_ name: String) -> URL { Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)! }
func fixtureJSON(_ name: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL(name))) as! [String: Any]
}

/// A deterministic synthetic credit dataset: two informative numeric features with an
/// interaction, a categorical feature, a noise feature, and missing values.
func syntheticFrame(rows n: Int, seed: UInt64) throws -> (Frame, [Int]) {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    var x1: [Double?] = [], x2: [Double?] = [], x3: [Double?] = [], cat: [String?] = [], y: [Int] = []
    let levels = ["A", "B", "C", "D", "E", "F"]
    let catEffect: [String: Double] = ["A": -1, "B": -0.5, "C": 0, "D": 0.3, "E": 0.8, "F": 1.2]
    for _ in 0..<n {
        let a = next() * 4 - 2, b = next() * 4 - 2, c = next()
        let l = levels[Int(next() * 6) % 6]
        let eta = -1 + 1.2 * a + 0.8 * b * (a > 0 ? 1 : -0.5) + catEffect[l]!
        y.append(next() < 1 / (1 + exp(-eta)) ? 1 : 0)
        x1.append(next() < 0.05 ? nil : a)
        x2.append(b)
        x3.append(c)
        cat.append(next() < 0.03 ? nil : l)
    }
    return (try Frame([.double("x1", x1), .double("x2", x2), .double("noise", x3), .categorical("grade", cat)]), y)
}
