import Foundation
import ObligorData
import ObligorHamiltonian
import ObligorMetrics
import ObligorModels
import ObligorNeural
import ObligorNumerics
import Testing

/// A synthetic PD problem with a known truth: logit f(x) = −1.2 + 1.2x₁ − 0.8x₂ + 0.9x₃x₄ with
/// x ~ N(0, I₄). The interaction term is invisible to a linear model; an MLP can learn it.
struct Synthetic {
    let frame: Frame
    let labels: [Int]
    let truePD: [Double]

    init(rows n: Int, seed: UInt64, time: Bool = false) {
        let rng = RandomSource(seed: seed)
        var cols = [[Double]](repeating: [], count: 4)
        var y: [Int] = [], p: [Double] = []
        for _ in 0..<n {
            let x = (0..<4).map { _ in rng.gaussian() }
            for j in 0..<4 { cols[j].append(x[j]) }
            let f = -1.2 + 1.2 * x[0] - 0.8 * x[1] + 0.9 * x[2] * x[3]
            let pd = 1 / (1 + exp(-f))
            p.append(pd)
            y.append(rng.uniform() < pd ? 1 : 0)
        }
        var columns = (0..<4).map { Column.double("x\($0 + 1)", cols[$0]) }
        if time { columns.append(.int("year", (0..<n).map { 2000 + $0 * 10 / n })) }
        frame = try! Frame(columns)
        labels = y
        truePD = p
    }
}

func smallOptions(_ kind: OptimizerKind, seed: UInt64 = 3) -> HNNOptions {
    var o = HNNOptions()
    o.hiddenLayers = [32, 16]
    o.dropout = 0.1
    o.training.epochs = 40
    o.training.patience = 8
    o.training.seed = seed
    o.optimizer = OptimizerSettings(kind: kind)
    return o
}

@Suite("HNN model")
struct HNNModelTests {
    static let features = ["x1", "x2", "x3", "x4"]

    /// Every optimizer learns the synthetic problem. The Bayes-optimal scorer (the true PD) has AUC
    /// A* on the 4,000-row test set (≈ 0.80); a finite-sample fit loses a little. With ~1,200 test
    /// defaults the AUC standard error is ≈ 0.008, and a 4,000-row fit of this smooth 4-D function
    /// costs ≈ 0.01, so we require AUC ≥ A* − 0.03 (about three standard errors of slack) and
    /// AUC ≤ A* + 0.02 (no scorer beats Bayes beyond noise). A linear score on x₁, x₂ alone reaches
    /// only ≈ A* − 0.06, so a network that missed the interaction would fail, as would one that
    /// learned nothing (0.5).
    @Test("a learnable synthetic problem reaches the Bayes AUC within 0.03", arguments: [
        OptimizerSettings(kind: .hamiltonianCode), OptimizerSettings(kind: .hamiltonianPaper),
        OptimizerSettings(kind: .hamiltonianPaper, scheme: .leapfrog), OptimizerSettings(kind: .adam, learningRate: 3e-3),
        OptimizerSettings(kind: .sgd, learningRate: 0.05, beta1: 0.9),
    ])
    func learnable(settings: OptimizerSettings) throws {
        let train = Synthetic(rows: 4_000, seed: 1), test = Synthetic(rows: 4_000, seed: 2)
        var o = smallOptions(settings.kind)
        o.optimizer = settings
        let model = try HNNModel.train(frame: train.frame, labels: train.labels, target: "y", features: Self.features, options: o)
        let auc = Discrimination.auc(scores: try model.predictPD(test.frame), labels: test.labels)
        let bayes = Discrimination.auc(scores: test.truePD, labels: test.labels)
        let linear = Discrimination.auc(scores: (0..<4_000).map { 1.2 * test.frame["x1"]!.numericValue(at: $0)! - 0.8 * test.frame["x2"]!.numericValue(at: $0)! },
                                        labels: test.labels)
        #expect(auc >= bayes - 0.03, "\(settings.kind.rawValue) \(settings.scheme.rawValue): AUC \(auc), Bayes \(bayes)")
        #expect(auc <= bayes + 0.02)
        #expect(linear < bayes - 0.04, "the interaction must matter for this test to mean anything (linear \(linear), Bayes \(bayes))")
        if settings.kind == .hamiltonianPaper && settings.scheme == .leapfrog {
            #expect(model.history.gradientEvaluations == 2 * model.history.steps)
        } else {
            #expect(model.history.gradientEvaluations == model.history.steps)
        }
    }

    @Test("the same seed reproduces the model bit for bit, whatever the thread count; another seed differs")
    func reproducible() throws {
        let data = Synthetic(rows: 800, seed: 5, time: true)
        var o = smallOptions(.hamiltonianCode, seed: 42)
        o.training.epochs = 5
        o.smote = true
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let a = try HNNModel.train(frame: data.frame, labels: data.labels, target: "y", features: Self.features, timeColumn: "year", options: o)
        let pa = try a.predictPD(data.frame)
        Parallel.threads = 4
        let b = try HNNModel.train(frame: data.frame, labels: data.labels, target: "y", features: Self.features, timeColumn: "year", options: o)
        let pb = try b.predictPD(data.frame)
        #expect(a == b)
        #expect(pa.map(\.bitPattern) == pb.map(\.bitPattern))
        o.training.seed = 43
        let c = try HNNModel.train(frame: data.frame, labels: data.labels, target: "y", features: Self.features, timeColumn: "year", options: o)
        #expect(c.network.parameters != a.network.parameters)
    }

    @Test("Codable round trip keeps every PD bit for bit")
    func codable() throws {
        let data = Synthetic(rows: 500, seed: 6)
        var o = smallOptions(.adam)
        o.training.epochs = 3
        let model = try HNNModel.train(frame: data.frame, labels: data.labels, target: "y", features: Self.features, options: o)
        let json = try JSONEncoder().encode(model)
        let back = try JSONDecoder().decode(HNNModel.self, from: json)
        #expect(back == model)
        #expect(try back.predictPD(data.frame).map(\.bitPattern) == model.predictPD(data.frame).map(\.bitPattern))
        let pd = try model.predictPD(data.frame)
        #expect(pd.allSatisfy { $0 > 0 && $0 < 1 })
    }

    /// The validation slice is the latest rows by time: here every default sits in the latest
    /// 20% of years, so holding those out leaves a single-class training fold, and training must
    /// say so. A random slice would leave ~80% of the defaults in the training fold and succeed.
    @Test("the early-stopping slice is the latest rows by the time column")
    func timeSlice() throws {
        let n = 500
        let frame = try Frame([.double("x1", (0..<n).map { Double($0 % 7) }), .int("year", (0..<n).map { 2000 + $0 / 50 })])
        let labels = (0..<n).map { $0 >= 450 && $0 % 3 == 0 ? 1 : 0 }
        var o = smallOptions(.adam)
        o.training.epochs = 2
        #expect(throws: HNNError.self) {
            try HNNModel.train(frame: frame, labels: labels, target: "bad", features: ["x1"], timeColumn: "year", options: o)
        }
        do {
            _ = try HNNModel.train(frame: frame, labels: labels, target: "bad", features: ["x1"], timeColumn: "year", options: o)
        } catch let e as HNNError {
            guard case .singleClass = e else { Issue.record("expected singleClass, got \(e)"); return }
        }
        // Without the time column the slice is random and the fit goes through.
        let m = try HNNModel.train(frame: frame, labels: labels, target: "bad", features: ["x1"], options: o)
        #expect(m.validationRows == 100)
        #expect(m.validationSlice.hasPrefix("random"))
    }

    @Test("SMOTE runs inside the training fold only: synthetic rows = majority − minority of that fold")
    func smoteInsideFold() throws {
        let data = Synthetic(rows: 1_000, seed: 7, time: true)
        var o = smallOptions(.hamiltonianCode)
        o.training.epochs = 2
        o.smote = true
        let m = try HNNModel.train(frame: data.frame, labels: data.labels, target: "y", features: Self.features, timeColumn: "year", options: o)
        #expect(m.validationRows == 200 && m.trainingRows == 800)
        // The training fold is the earliest 800 rows (years 2000–2007).
        let foldBad = data.labels[0..<800].reduce(0, +)
        #expect(m.syntheticRows == (800 - foldBad) - foldBad)
        #expect(m.validationSlice.contains("year"))
    }

    @Test("SMOTE's synthetic rows lie on segments between minority rows")
    func smoteGeometry() throws {
        // Minority rows at 0, 10 and 100 on a line (1-D); k = 1: the nearest neighbour of 0 is 10,
        // of 10 is 0, of 100 is 10, so every synthetic value lies in [0, 10] ∪ [10, 100].
        let x: [Double] = [0, 10, 100, 5, 6, 7, 8, 9, 11, 12, 13]
        let y = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        let out = try SMOTE.oversample(x: x, labels: y, columns: 1, neighbors: 1, seed: 3)
        #expect(out.labels == [Int](repeating: 1, count: 5))
        #expect(out.x.allSatisfy { $0 >= 0 && $0 <= 100 })
        let again = try SMOTE.oversample(x: x, labels: y, columns: 1, neighbors: 1, seed: 3)
        #expect(again.x == out.x)
    }

    @Test("the paper's seven Freddie fields, with single_borrower derived from borrowers")
    func paperFeatures() throws {
        let n = 600
        let rng = RandomSource(seed: 9)
        let fico = (0..<n).map { _ in 620 + rng.uniform() * 200 }
        let frame = try Frame([
            .double("fico", fico), .int("mi_pct", (0..<n).map { $0 % 4 == 0 ? 25 : 0 }), .int("units", (0..<n).map { _ in 1 }),
            .int("cltv", (0..<n).map { 60 + $0 % 35 }), .int("dti", (0..<n).map { 20 + $0 % 30 }), .int("ltv", (0..<n).map { 60 + $0 % 33 }),
            .int("borrowers", (0..<n).map { 1 + $0 % 2 }), .int("vintage", (0..<n).map { 1999 + $0 / 100 }),
        ])
        let labels = fico.map { $0 < 680 ? 1 : 0 }
        var o = smallOptions(.hamiltonianPaper)
        o.training.epochs = 3
        let m = try HNNModel.train(frame: frame, labels: labels, target: "default_36m", features: HNNModel.paperFreddieFeatures,
                                   timeColumn: "vintage", options: o)
        #expect(m.derivesSingleBorrower)
        #expect(m.featureNames == ["fico", "mi_pct", "units", "cltv", "dti", "ltv", "borrowers"])
        #expect(m.network.inputCount == 7)
        #expect(try m.predictPD(frame).count == n)
    }

    @Test("bad input: NaN feature (row and column named), missing value under 'error', single class, unknown optimizer, unknown key")
    func badInput() throws {
        let data = Synthetic(rows: 300, seed: 8)
        var x1 = (0..<300).map { data.frame["x1"]!.numericValue(at: $0)! }
        x1[41] = .nan
        let nanFrame = try Frame([.double("x1", x1), data.frame["x2"]!])
        var o = smallOptions(.adam)
        o.training.epochs = 1
        do {
            _ = try HNNModel.train(frame: nanFrame, labels: data.labels, target: "y", features: ["x1", "x2"], options: o)
            Issue.record("NaN feature accepted")
        } catch let HNNError.nonFiniteFeature(column, row, _) {
            #expect(column == "x1" && row == 41)
            #expect(HNNError.nonFiniteFeature(column: column, row: row, value: .nan).description.contains("row 42"))
        }
        let holes = try Frame([.double("x1", (0..<300).map { $0 == 17 ? nil : Double($0) }), data.frame["x2"]!])
        o.missing = .error
        #expect(throws: HNNError.missingFeatureValue(column: "x1", row: 17)) {
            try HNNModel.train(frame: holes, labels: data.labels, target: "y", features: ["x1", "x2"], options: o)
        }
        o.missing = .drop
        let dropped = try HNNModel.train(frame: holes, labels: data.labels, target: "y", features: ["x1", "x2"], options: o)
        #expect(dropped.droppedRows == 1)
        o.missing = .mean
        #expect(throws: HNNError.self) {
            try HNNModel.train(frame: data.frame, labels: [Int](repeating: 0, count: 300), target: "y", features: Self.features, options: o)
        }
        #expect(throws: HNNError.unknownOptimizer(name: "rmsprop", known: ["hamiltonian-paper", "hamiltonian-code", "adam", "sgd"])) {
            try HNNOptions(config: ["optimizer": "rmsprop"])
        }
        #expect(throws: HNNError.self) { try HNNOptions(config: ["hiden_layers": [3]]) }
        #expect(throws: HNNError.self) { try HNNOptions(config: ["dropout": 1.5]) }
        #expect(throws: HNNError.self) { try HNNOptions(config: ["optimizer": "hamiltonian-paper", "damping": 0]) }
        let parsed = try HNNOptions(config: ["optimizer": "hamiltonian-paper", "integrator": "leapfrog", "damping": 0.8, "hidden_layers": [8],
                                             "lambda": 0.001, "regularizer": "code", "class_weight": "balanced", "smote": true])
        #expect(parsed.optimizer.scheme == .leapfrog && parsed.optimizer.damping == 0.8 && parsed.hiddenLayers == [8])
        #expect(parsed.training.lambda == 0.001 && parsed.training.regularizer == .code && parsed.classWeight == .balanced && parsed.smote)
        // Scoring a frame without a feature column fails clearly.
        let model = try HNNModel.train(frame: data.frame, labels: data.labels, target: "y", features: Self.features, options: o)
        #expect(throws: HNNError.missingColumn("x4")) { try model.predictPD(try data.frame.selectingColumns(["x1", "x2", "x3"])) }
    }
}
