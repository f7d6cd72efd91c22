import Foundation
import ObligorBoosting
import ObligorCatalog
import ObligorData
import ObligorModels
import Testing

/// SQL export parity on the real datasets, with declared special values: SQLite running the
/// exported SELECT reproduces `predictPD` within 1e-12 absolute (constants are written in exact
/// round-trip form; SQLite sums trees/characteristics in its own order and uses its own exp, a
/// few ulps of the margin). The PMML documents are checked by an independent evaluator in
/// bench/pmml/check.py; here, only their shape.
@Suite struct ExportParityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let datasets: [(String, String, String, [String: [Double]])] = [
        ("german", "Datasets/german/german.csv", "bad", ["duration_in_month": [6]]),
        ("taiwan", "Datasets/taiwan-default/taiwan_default.csv", "default_next_month", ["MonthsWithZeroBalanceOverLast6Months": [6]]),
    ]

    static func model(_ kind: String, _ dataset: String) throws -> (AnyModel, Frame) {
        let (_, path, target, specials) = datasets.first { $0.0 == dataset }!
        let frame = try CSVReader.read(path: root.appendingPathComponent(path).path)
        let labels = try frame.binaryTarget(target)
        let features = frame.columnNames.filter { $0 != target && $0 != "sex" }
        if kind == "scorecard" {
            return (.scorecard(try ScorecardModel.train(frame: frame, target: target, features: features, labels: labels, specialValues: specials)), frame)
        }
        var p = BoostingParameters()
        p.numIterations = 40; p.numLeaves = 15; p.seed = 1
        return (.gbdt(try BoostingTrainer.train(frame: frame, labels: labels, features: features, parameters: p, specialValues: specials)), frame)
    }

    @Test(arguments: ["german", "taiwan"], ["scorecard", "gbdt"])
    func sqlReproducesPDs(dataset: String, kind: String) throws {
        let (m, frame) = try Self.model(kind, dataset)
        let sqlPD = try SQLExportTests().run(m.sqlSelect(), on: frame)
        let pd = try m.scorer.predictPD(frame)
        #expect(sqlPD.count == pd.count)
        var worst = 0.0
        for i in 0..<pd.count { worst = max(worst, abs((sqlPD[i] ?? .nan) - pd[i])) }
        #expect(worst < 1e-12, "worst |Δpd| \(worst)")
    }

    /// Labels never seen in training follow each split's missing direction in SQL as in scoring.
    @Test func sqlUnseenLabelsScoreAsMissing() throws {
        let (m, _) = try Self.model("gbdt", "german")
        var lines = try String(contentsOfFile: Self.root.appendingPathComponent("Datasets/german/german.csv").path, encoding: .utf8)
            .split(separator: "\n").map(String.init)
        for k in 1..<lines.count where k % 3 == 0 { lines[k] = lines[k].replacingOccurrences(of: "radio/television", with: "spaceship") }
        let frame = try CSVReader.read(text: lines.joined(separator: "\n") + "\n")
        let pd = try m.scorer.predictPD(frame)
        let sqlPD = try SQLExportTests().run(m.sqlSelect(), on: frame)
        var worst = 0.0
        for i in 0..<pd.count { worst = max(worst, abs((sqlPD[i] ?? .nan) - pd[i])) }
        #expect(worst < 1e-12, "worst |Δpd| \(worst)")
    }

    /// PMML shape: one segment per tree, the special values and the pd output field present;
    /// logit models are refused.
    @Test func pmmlDocuments() throws {
        let (g, _) = try Self.model("gbdt", "german")
        guard case let .gbdt(trees) = g else { return }
        let doc = try PMMLExport.document(g)
        #expect(doc.hasPrefix("<?xml") && doc.contains("version=\"4.4\"") && doc.contains("<OutputField name=\"pd\""))
        #expect(doc.components(separatedBy: "<Segment ").count - 1 == trees.trees.count)
        #expect(doc.contains("<Apply function=\"isNotIn\"><FieldRef field=\"duration_in_month\"/><Constant dataType=\"double\">6.0</Constant>"))
        let (card, _) = try Self.model("scorecard", "german")
        let cdoc = try PMMLExport.document(card)
        #expect(cdoc.contains("<RegressionModel") && cdoc.contains("<Discretize") && cdoc.contains("<MapValues"))
        let (frame, y) = try monotoneFrame(rows: 500, seed: 3)
        let lr = AnyModel.logistic(try LogisticModel.train(frame: frame, target: "bad", features: ["x1"], labels: y))
        #expect(throws: ModelError.self) { try PMMLExport.document(lr) }
    }
}
