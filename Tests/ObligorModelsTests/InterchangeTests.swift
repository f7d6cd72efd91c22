import Foundation
import ObligorData
import ObligorModels
import ObligorNumerics
import Testing

@Suite struct InterchangeTests {
    @Test func logisticJSONRoundTrip() throws {
        let json = #"{"obligor_model": "logistic", "format_version": 1, "target": "bad", "features": ["f1", "f2"], "intercept": -1.2, "coefficients": [0.4, -0.7], "threshold": 0.5}"#
        let spec = try JSONDecoder().decode(LogisticInterchange.self, from: Data(json.utf8))
        let model = try spec.model()
        let frame = try Frame([.double("f1", [1, 0]), .double("f2", [2, -1])])
        let pd = try model.predictPD(frame)
        #expect(pd[0] == Special.sigmoid(-1.2 + 0.4 * 1 - 0.7 * 2))
        #expect(pd[1] == Special.sigmoid(-1.2 + 0.7))
        #expect(try LogisticInterchange(model) == spec)
    }

    @Test func logisticJSONRejectsBadSpecs() throws {
        func spec(_ edit: (inout LogisticInterchange) -> Void) -> LogisticInterchange {
            var s = LogisticInterchange(target: "bad", features: ["a", "b"], intercept: 0, coefficients: [1, 2], threshold: 0.5)
            edit(&s)
            return s
        }
        #expect(throws: ModelError.self) { _ = try spec { $0.coefficients = [1] }.model() }
        #expect(throws: ModelError.self) { _ = try spec { $0.features = ["a", "a"] }.model() }
        #expect(throws: ModelError.self) { _ = try spec { $0.threshold = 1.5 }.model() }
        #expect(throws: ModelError.self) { _ = try spec { $0.formatVersion = 9 }.model() }
        #expect(throws: ModelError.self) { _ = try spec { $0.coefficients = [1, .infinity] }.model() }
    }

    /// An imported plain linear model rejects a missing input instead of inventing a value.
    @Test func missingInputIsRejectedForPlainLinearModel() throws {
        let model = try LogisticInterchange(target: "bad", features: ["a"], intercept: 0, coefficients: [1], threshold: 0.5).model()
        let frame = try Frame([.double("a", [1, nil])])
        #expect(throws: ModelError.missingValueRejected(feature: "a", row: 1)) { _ = try model.predictPD(frame) }
    }

    /// Logistic models trained with categorical features and missing values reload bit for bit.
    @Test func logisticModelReloadIsBitIdentical() throws {
        let frame = try Frame([
            .double("x", [1, 2, nil, 4, 5, 6, 7, 8, 2, 3]),
            .categorical("c", ["a", "b", "a", nil, "b", "c", "a", "b", "c", "a"]),
        ])
        let y = [0, 1, 0, 1, 1, 0, 0, 1, 1, 0]
        let model = try LogisticModel.train(frame: frame, target: "y", features: ["x", "c"], labels: y, lambda: 0.5)
        let data = try JSONEncoder().encode(model)
        let back = try JSONDecoder().decode(LogisticModel.self, from: data)
        #expect(back == model)
        #expect(try back.predictPD(frame) == model.predictPD(frame))
        // Design: x, x=<missing>, c dummies (reference = most frequent "a") b, c, c=<missing>.
        #expect(model.encoder.designNames == ["x", "x=<missing>", "c=b", "c=c", "c=<missing>"])
    }
}
