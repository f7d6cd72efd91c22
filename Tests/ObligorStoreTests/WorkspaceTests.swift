import Foundation
import ObligorData
import ObligorBoosting
import ObligorCatalog
import ObligorModels
@testable import ObligorStore
import Testing

func temporaryWorkspacePath() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("obligor-store-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("ws.sqlite").path
}

func sampleFrame() throws -> Frame {
    try Frame([
        .double("income", [52_000.5, nil, 61_500, 1e-7, -3]),
        .int("term", [36, 60, nil, 12, 24]),
        .categorical("housing", ["own", "rent", nil, "own, \"shared\"", "rent"]),
        .int("bad", [0, 1, 0, 1, 0]),
    ])
}

@Suite struct WorkspaceTests {
    @Test func freshWorkspaceIsMigratedAndReopenIsIdempotent() throws {
        let path = temporaryWorkspacePath()
        let ws = try Workspace(path: path)
        #expect(try ws.userVersion() == Workspace.schemaVersion)
        let before = try ws.contentFingerprint()
        let again = try Workspace(path: path)
        #expect(try again.userVersion() == Workspace.schemaVersion)
        #expect(try again.contentFingerprint() == before)
    }

    @Test func newerSchemaIsRefused() throws {
        let path = temporaryWorkspacePath()
        let ws = try Workspace(path: path)
        try ws.db.execute("PRAGMA user_version = 99")
        #expect(throws: WorkspaceError.newerSchema(found: 99, supported: Workspace.schemaVersion)) { _ = try Workspace(path: path) }
    }

    /// Types, missing values, category order and awkward text all survive the round trip exactly.
    @Test func datasetRoundTrip() throws {
        let ws = try Workspace(path: temporaryWorkspacePath())
        let frame = try sampleFrame()
        let roles = DatasetRoles(target: "bad", sensitive: ["housing"])
        let info = try ws.importDataset(name: "loans", frame: frame, roles: roles, source: "test", sourceSHA256: "abc")
        #expect(info.rows == 5)
        #expect(try ws.loadFrame(named: "loans") == frame)
        let stored = try ws.dataset(named: "loans")
        #expect(stored.roles == roles)
        #expect(stored.columns.map(\.missing) == [1, 1, 1, 0])
        #expect(try ws.datasets().map(\.name) == ["loans"])
    }

    @Test func duplicateNameChangesNothing() throws {
        let ws = try Workspace(path: temporaryWorkspacePath())
        try ws.importDataset(name: "loans", frame: try sampleFrame(), roles: DatasetRoles(), source: "a", sourceSHA256: "1")
        let before = try ws.contentFingerprint()
        #expect(throws: WorkspaceError.duplicateDataset("loans")) {
            try ws.importDataset(name: "loans", frame: try sampleFrame(), roles: DatasetRoles(), source: "b", sourceSHA256: "2")
        }
        #expect(try ws.contentFingerprint() == before)
    }

    /// A failure in the middle of an import (SQLite rejects two column names that differ only in
    /// case, after the catalogue row was inserted) rolls the whole import back.
    @Test func failedImportRollsBack() throws {
        let ws = try Workspace(path: temporaryWorkspacePath())
        try ws.importDataset(name: "first", frame: try sampleFrame(), roles: DatasetRoles(), source: "a", sourceSHA256: "1")
        let before = try ws.contentFingerprint()
        let clash = try Frame([.double("Income", [1, 2]), .double("income", [3, 4])])
        #expect(throws: SQLiteError.self) {
            try ws.importDataset(name: "second", frame: clash, roles: DatasetRoles(), source: "b", sourceSHA256: "2")
        }
        #expect(try ws.contentFingerprint() == before)
        #expect(try ws.hasDataset("second") == false)
    }

    @Test func modelsRunsAndScores() throws {
        let ws = try Workspace(path: temporaryWorkspacePath())
        try ws.saveModel(name: "m", kind: "logit", formatVersion: 1, payload: Data("{}".utf8), metadata: Data("{}".utf8))
        #expect(throws: WorkspaceError.duplicateModel("m")) {
            try ws.saveModel(name: "m", kind: "logit", formatVersion: 1, payload: Data("{}".utf8), metadata: Data("{}".utf8))
        }
        try ws.saveModel(name: "m", kind: "scorecard", formatVersion: 1, payload: Data("[1]".utf8), metadata: Data("{}".utf8), replace: true)
        #expect(try ws.model(named: "m").kind == "scorecard")
        #expect(throws: WorkspaceError.self) { _ = try ws.model(named: "nope") }
        let run = try ws.recordScores(command: "score", parameters: Data("{}".utf8), seconds: 0.1, model: "m", dataset: "d",
                                      rows: [0, 1], ids: ["a", nil], pds: [0.1, 0.2])
        #expect(run > 0)
        #expect(try ws.count(table: "scores") == 2)
    }
}

/// The SQL export reproduces `predictPD` when run by SQLite itself.
@Suite struct SQLExportTests {
    func run(_ sql: String, on frame: Frame) throws -> [Double?] {
        let db = try SQLiteConnection(path: ":memory:")
        let ws = try Workspace(path: temporaryWorkspacePath())
        // Build `input` with the same typed columns the workspace uses, plus id.
        var withID = frame
        try withID.append(.int("id", Array(0..<frame.rowCount)))
        try ws.importDataset(name: "input", frame: withID, roles: DatasetRoles(), source: "t", sourceSHA256: "")
        try db.execute("ATTACH DATABASE '\(ws.path)' AS w; CREATE TABLE input AS SELECT * FROM w.dataset_1;")
        let s = try db.prepare(sql.replacingOccurrences(of: ";", with: "") + " ORDER BY id")
        var out: [Double?] = []
        while try s.step() { out.append(s.isNull(1) ? nil : s.double(1)) }
        return out
    }

    /// Agreement to 1e-12 absolute: the SQL writes every constant with 17 significant digits
    /// (exact round trip) and evaluates the same sum in a possibly different order.
    @Test func logisticWithCategoriesAndMissing() throws {
        let frame = try Frame([
            .double("x", [1, 2, nil, 4, 5, 6, 7, 8, 2, 3]),
            .categorical("c", ["a", "b", "a", nil, "b", "c's", "a", "b", "c's", "a"]),
        ])
        let y = [0, 1, 0, 1, 1, 0, 0, 1, 1, 0]
        let model = try LogisticModel.train(frame: frame, target: "y", features: ["x", "c"], labels: y, lambda: 0.5)
        let sqlPD = try run(SQLExport.select(model), on: frame)
        let pd = try model.predictPD(frame)
        for i in 0..<pd.count { #expect(abs(sqlPD[i]! - pd[i]) < 1e-12) }
    }

    @Test func scorecardOnGerman() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let frame = try CSVReader.read(path: root.appendingPathComponent("Datasets/german/german.csv").path)
        let labels = try frame.binaryTarget("bad")
        let features = frame.columnNames.filter { $0 != "bad" && $0 != "sex" }
        let card = try ScorecardModel.train(frame: frame, target: "bad", features: features, labels: labels)
        let sqlPD = try run(SQLExport.select(card), on: frame)
        let pd = try card.predictPD(frame)
        var worst = 0.0
        for i in 0..<pd.count { worst = max(worst, abs(sqlPD[i]! - pd[i])) }
        #expect(worst < 1e-12)
    }

    /// A tree ensemble with numeric, categorical and missing inputs, as nested CASE expressions.
    @Test func gbdtWithCategoriesAndMissing() throws {
        var x: [Double?] = [], c: [String?] = [], y: [Int] = []
        for i in 0..<600 {
            let v = Double((i * 37) % 101) / 10
            x.append(i % 13 == 0 ? nil : v)
            let level = ["a", "b", "c's", "d", "e"][(i * 7) % 5]
            c.append(i % 17 == 0 ? nil : level)
            y.append((v > 5 ? 1 : 0) ^ (level == "b" && i % 3 == 0 ? 1 : 0))
        }
        let frame = try Frame([.double("x", x), .categorical("c", c)])
        var p = BoostingParameters()
        p.numIterations = 15; p.numLeaves = 6; p.minDataInLeaf = 5; p.minDataPerGroup = 5
        let model = try BoostingTrainer.train(frame: frame, labels: y, features: ["x", "c"], parameters: p)
        let sqlPD = try run(AnyModel.gbdt(model).sqlSelect(), on: frame)
        let pd = try model.predictPD(frame)
        for i in 0..<pd.count { #expect(abs(sqlPD[i]! - pd[i]) < 1e-12) }
    }
}

