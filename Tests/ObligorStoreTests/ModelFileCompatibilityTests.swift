import Foundation
import ObligorBoosting
import ObligorCatalog
import ObligorData
import ObligorModels
import ObligorNumerics
import Testing

/// The models behind the committed fixtures: fixed synthetic data (with sentinels and missing
/// values), fixed seeds, fixed metadata (no clock), so that a model file's bytes depend only on
/// the training code.
enum CompatibilityFixture {
    static let features = ["x1", "x2", "u", "grade"]
    static let specials: [String: [Double]] = ["x2": [9999]]

    static func data() throws -> (Frame, [Int]) {
        let (frame, y) = try monotoneFrame(rows: 1_500, seed: 11)
        // Every 7th x2 becomes the sentinel 9999 ("not reported").
        let x2 = (0..<frame.rowCount).map { i -> Double? in i % 7 == 3 ? 9999 : frame["x2"]!.numericValue(at: i) }
        return (try Frame([frame["x1"]!, .double("x2", x2), frame["u"]!, frame["grade"]!]), y)
    }

    static func metadata(_ kind: String) -> TrainingMetadata {
        TrainingMetadata(dataset: "synthetic-compat", dataSHA256: String(repeating: "0", count: 64), target: "bad", features: features,
                         trainingRows: 1_500, defaults: 0, hyperparameters: ["fixture": kind], seed: 5, trainedAt: "2026-01-01T00:00:00Z")
    }

    static func gbdt() throws -> AnyModel {
        let (frame, y) = try data()
        var p = BoostingParameters()
        p.numIterations = 25; p.numLeaves = 15; p.baggingFraction = 0.7; p.baggingFreq = 1; p.featureFraction = 0.75; p.seed = 5
        p.monotoneConstraints = ["x1": 1]
        return .gbdt(try BoostingTrainer.train(frame: frame, labels: y, features: features, parameters: p, specialValues: specials))
    }

    static func scorecard() throws -> AnyModel {
        let (frame, y) = try data()
        return .scorecard(try ScorecardModel.train(frame: frame, target: "bad", features: features, labels: y, specialValues: specials))
    }

    static func logistic() throws -> AnyModel {
        let (frame, y) = try data()
        return .logistic(try LogisticModel.train(frame: frame, target: "bad", features: features, labels: y, specialValues: specials))
    }

    /// Scoring inputs: ordinary rows, missing values, the sentinel, an unseen category.
    static func inputs() throws -> Frame {
        try Frame([
            .double("x1", [-1.5, 0, 0.7, nil, 1.9, 2.5, -0.2]),
            .double("x2", [1, 9999, -0.3, 0.4, nil, -1.9, 9999]),
            .double("u", [0, 1.2, -1.7, 0.1, 1.9, nil, -0.5]),
            .categorical("grade", ["A", "B", "C", nil, "Z", "A", "C"]),
        ])
    }

    static func file(_ model: AnyModel) throws -> Data {
        try ModelFile(model: model, metadata: metadata(model.kind)).encoded()
    }
}

func storeFixture(_ name: String) throws -> Data {
    try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!)
}

@Suite struct ModelFileCompatibilityTests {
    /// Regenerates the fixtures (run once with OBLIGOR_WRITE_FIXTURES=dir; never in CI).
    @Test func writeFixturesWhenAsked() throws {
        guard let dir = ProcessInfo.processInfo.environment["OBLIGOR_WRITE_FIXTURES"] else { return }
        var pds: [String: [String]] = [:]
        for model in [try CompatibilityFixture.gbdt(), try CompatibilityFixture.scorecard(), try CompatibilityFixture.logistic()] {
            try CompatibilityFixture.file(model).write(to: URL(fileURLWithPath: "\(dir)/\(model.kind)-v\(AnyModel.formatVersion).obligor.json"))
            pds[model.kind] = try model.scorer.predictPD(CompatibilityFixture.inputs()).map { String($0.bitPattern, radix: 16) }
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try e.encode(pds).write(to: URL(fileURLWithPath: "\(dir)/recorded-pds-v\(AnyModel.formatVersion).json"))
    }

    /// Model files written by format version 1 (committed) load, and reproduce the recorded PDs bit
    /// for bit (exact: scoring is a fixed sequence of IEEE operations, and the tolerance of a
    /// reloaded model is the complaint this test exists to rule out).
    @Test(arguments: ["gbdt", "scorecard", "logit"])
    func committedFileReproducesRecordedPDs(kind: String) throws {
        let file = try ModelFile.decode(storeFixture("\(kind)-v1.obligor.json"))
        #expect(file.model.kind == kind)
        let recorded = try JSONDecoder().decode([String: [String]].self, from: storeFixture("recorded-pds-v1.json"))[kind]!
        let pds = try file.model.scorer.predictPD(CompatibilityFixture.inputs())
        #expect(pds.map { String($0.bitPattern, radix: 16) } == recorded)
        // Sentinel rows score as missing rows: row 1 (x2 = 9999) equals the same row with x2 missing.
        let asMissing = try Frame([.double("x1", [0]), .double("x2", [nil]), .double("u", [1.2]), .categorical("grade", ["B"])])
        #expect(try file.model.scorer.predictPD(asMissing)[0] == pds[1])
    }

    /// A file claiming a newer format is refused with a clear message rather than misread.
    @Test func newerFormatIsRefused() throws {
        var obj = try JSONSerialization.jsonObject(with: storeFixture("gbdt-v1.obligor.json")) as! [String: Any]
        obj["format_version"] = AnyModel.formatVersion + 1
        let data = try JSONSerialization.data(withJSONObject: obj)
        do {
            _ = try ModelFile.decode(data)
            Issue.record("a newer format version was decoded")
        } catch { #expect("\(error)".contains("newer than this obligor"), "\(error)") }
    }

    /// Determinism: the same data and seed give byte-identical model files with 1 and 2 threads
    /// and on every run; the GBDT (no BLAS involved) also equals the committed file written by an
    /// earlier process byte for byte.
    @Test func byteIdenticalAcrossThreadsAndRuns() throws {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for make in [CompatibilityFixture.gbdt, CompatibilityFixture.scorecard, CompatibilityFixture.logistic] {
            Parallel.threads = 1
            let one = try CompatibilityFixture.file(make())
            Parallel.threads = 2
            let two = try CompatibilityFixture.file(make())
            let again = try CompatibilityFixture.file(make())
            #expect(one == two)
            #expect(two == again)
        }
        #expect(try CompatibilityFixture.file(CompatibilityFixture.gbdt()) == storeFixture("gbdt-v1.obligor.json"))
    }
}
