import Foundation
import ObligorData
import ObligorModels
import ObligorNeural
import ObligorNumerics

/// A neural PD model trained as in "Hamiltonian Neural Networks for Robust Out-of-Time Credit
/// Scoring" (Marín, arXiv 2410.10182): an MLP `inputs → 512 → 268 → 2` with LeakyReLU and
/// dropout, softmax cross-entropy plus λ·½‖θ‖², and a Hamiltonian optimizer.
///
/// Inputs go through a ``FeatureEncoder`` (numeric columns as is, categorical ones one-hot,
/// missing cells by the ``MissingPolicy``), then are standardised with the training fold's mean
/// and standard deviation (scikit-learn's `StandardScaler`, as in the paper's code). PD is the
/// softmax probability of class 1, computed row by row so that a row's PD never depends on which
/// other rows are scored with it.
///
/// ```swift
/// var options = HNNOptions()
/// options.optimizer = OptimizerSettings(kind: .hamiltonianPaper, scheme: .leapfrog)
/// let model = try HNNModel.train(frame: train, labels: y, target: "default_36m",
///                                features: HNNModel.paperFreddieFeatures, timeColumn: "vintage", options: options)
/// let pd = try model.predictPD(test)
/// ```
public struct HNNModel: Scorer, Codable, Equatable {
    /// The model's features, in input order (may include the derived `single_borrower`).
    public let features: [String]
    /// Whether `single_borrower` is derived from a `borrowers` column (1 when borrowers = 1).
    public let derivesSingleBorrower: Bool
    /// Encoding of the features into network inputs (before standardisation).
    public let encoder: FeatureEncoder
    /// Standardisation: input j is (x_j − means[j]) / scales[j].
    public let means: [Double]
    public let scales: [Double]
    /// The trained network (outputs: 2 logits, PD = softmax class 1).
    public let network: MLP
    public let options: HNNOptions
    public let history: TrainingHistory
    /// Rows used: training fold (before SMOTE), synthetic SMOTE rows, validation slice, training rows dropped for missing values.
    public let trainingRows: Int
    public let syntheticRows: Int
    public let validationRows: Int
    public let droppedRows: Int
    /// How the validation slice was taken, e.g. "time: vintage ≥ 2005" or "random (no time column)".
    public let validationSlice: String
    /// Approve when PD < threshold (audits, recourse).
    public var threshold: Double

    /// The paper's seven Freddie Mac fields, by the names `obligor data import-freddie` gives them:
    /// Credit_Score → fico, Mortgage_Insurance → mi_pct, Number_of_units → units, CLoan_to_value → cltv,
    /// Debt_to_income → dti, OLoan_to_value → ltv, Single_borrower → single_borrower (borrowers = 1).
    public static let paperFreddieFeatures = ["fico", "mi_pct", "units", "cltv", "dti", "ltv", "single_borrower"]

    /// The columns the model reads (a derived `single_borrower` reads `borrowers`).
    public var featureNames: [String] {
        features.map { $0 == "single_borrower" && derivesSingleBorrower ? "borrowers" : $0 }
    }

    // MARK: - Scoring

    public func predictPD(_ frame: Frame) throws -> [Double] {
        let x = try inputs(frame)
        let logits = network.logitsRowwise(x, rows: frame.rowCount)
        let k = network.outputCount
        let p = MLP.probabilities(logits: logits, outputs: k)
        return (0..<frame.rowCount).map { k == 1 ? p[$0] : p[$0 * k + 1] }
    }

    /// Standardised network inputs for the rows of `frame` (row-major).
    public func inputs(_ frame: Frame) throws -> [Double] {
        let prepared = try Self.prepare(frame, features: features, derive: derivesSingleBorrower)
        if options.missing == .error { try Self.checkMissing(prepared, features: features, specials: encoder) }
        var x = try Self.design(prepared, encoder: encoder, features: features)
        let p = means.count
        for i in 0..<frame.rowCount { for j in 0..<p { x[i * p + j] = (x[i * p + j] - means[j]) / scales[j] } }
        return x
    }

    // MARK: - Training

    /// Trains an HNN.
    ///
    /// Steps: derive `single_borrower` if asked for and absent; apply the missing-value policy; encode;
    /// take the validation slice (the latest `validationFraction` of rows by `timeColumn`, else a
    /// seeded stratified random slice); standardise on the training fold; optionally SMOTE the
    /// training fold (never the validation slice); weight classes; train with early stopping on
    /// the slice's loss, restoring the best epoch.
    ///
    /// - Parameters:
    ///   - labels: 0/1 per row of `frame` (1 = default).
    ///   - specialValues: per-column codes that count as missing (e.g. `["fico": [9999]]`).
    ///   - progress: called after each epoch.
    /// - Throws: ``HNNError`` (non-finite or missing features naming row and column, a single-class
    ///   target, bad options, divergence) or ``ModelError`` from the encoder (absent or wrong-type columns).
    public static func train(frame: Frame, labels: [Int], target: String, features: [String], timeColumn: String? = nil,
                             specialValues: [String: [Double]] = [:], options: HNNOptions,
                             progress: ((EpochRecord) -> Void)? = nil) throws -> HNNModel {
        try options.validate()
        guard labels.count == frame.rowCount else { throw HNNError.invalidConfig("\(labels.count) labels for \(frame.rowCount) rows") }
        guard !features.isEmpty else { throw HNNError.invalidConfig("no features") }
        if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) { throw HNNError.invalidConfig("label at row \(bad + 1) is \(labels[bad]), not 0/1") }
        let derive = features.contains("single_borrower") && frame["single_borrower"] == nil && frame["borrowers"] != nil
        var prepared = try prepare(frame, features: features, derive: derive)
        var rows = Array(0..<frame.rowCount)
        var dropped = 0
        // Missing values: error (name the first), drop (as the paper's code), or mean (encoder).
        let probe = try FeatureEncoder(fitting: prepared, features: features, specialValues: specialValues)
        switch options.missing {
        case .error: try checkMissing(prepared, features: features, specials: probe)
        case .drop:
            let keep = rows.filter { i in !features.contains { isMissing(prepared, column: $0, row: i, specials: probe) } }
            dropped = rows.count - keep.count
            rows = keep
            prepared = prepared.selectingRows(keep)
        case .mean: break
        }
        let y = rows.map { labels[$0] }
        let positives = y.reduce(0, +)
        guard positives > 0 && positives < y.count else {
            throw HNNError.singleClass(target: target, detail: "(\(positives) defaults in \(y.count) training rows\(dropped > 0 ? " after dropping \(dropped) with missing values" : ""))")
        }
        let encoder = try FeatureEncoder(fitting: prepared, features: features, specialValues: specialValues)
        var x = try design(prepared, encoder: encoder, features: features, rowMap: rows)
        let n = y.count
        let p = encoder.designNames.count

        // Validation slice.
        var validIndex: [Int] = []
        var sliceLabel = "none"
        if options.validationFraction > 0 {
            let size = Int((Double(n) * options.validationFraction).rounded())
            if size >= 1 && size < n {
                if let timeColumn, let tc = frame[timeColumn] {
                    let keys: [(Double?, String?)] = rows.map { (tc.numericValue(at: $0), tc.text(at: $0)) }
                    let order = (0..<n).sorted { a, b in
                        let ka = keys[a], kb = keys[b]
                        if let na = ka.0, let nb = kb.0, na != nb { return na < nb }
                        if ka.0 == nil, kb.0 == nil, let sa = ka.1, let sb = kb.1, sa != sb { return sa < sb }
                        if (ka.0 == nil && ka.1 == nil) != (kb.0 == nil && kb.1 == nil) { return ka.0 == nil && ka.1 == nil }
                        return a < b
                    }
                    validIndex = Array(order.suffix(size)).sorted()
                    let first = tc.text(at: rows[order[n - size]]) ?? "?"
                    sliceLabel = "time: latest \(size) rows by \(timeColumn) (from \(first))"
                } else {
                    let part = Splits.stratified(labels: y, testFraction: options.validationFraction, seed: options.training.seed &+ 7)
                    validIndex = part.test.sorted()
                    sliceLabel = "random stratified \(validIndex.count) rows (no time column)"
                }
            }
        }
        let isValid = Set(validIndex)
        let trainIndex = (0..<n).filter { !isValid.contains($0) }
        let trainPositives = trainIndex.reduce(0) { $0 + y[$1] }
        guard trainPositives > 0 && trainPositives < trainIndex.count else {
            throw HNNError.singleClass(target: target, detail: "in the training fold after holding out the validation slice (\(trainPositives) defaults in \(trainIndex.count) rows)")
        }

        // Standardise on the training fold.
        var means = [Double](repeating: 0, count: p), scales = [Double](repeating: 1, count: p)
        for j in 0..<p {
            var s = 0.0
            for i in trainIndex { s += x[i * p + j] }
            let m = s / Double(trainIndex.count)
            var v = 0.0
            for i in trainIndex { v += (x[i * p + j] - m) * (x[i * p + j] - m) }
            let sd = (v / Double(trainIndex.count)).squareRoot()
            means[j] = m
            scales[j] = sd > 1e-12 ? sd : 1
        }
        for i in 0..<n { for j in 0..<p { x[i * p + j] = (x[i * p + j] - means[j]) / scales[j] } }

        func gather(_ idx: [Int]) -> [Double] {
            var out = [Double](repeating: 0, count: idx.count * p)
            for (r, i) in idx.enumerated() { for j in 0..<p { out[r * p + j] = x[i * p + j] } }
            return out
        }
        var trainX = gather(trainIndex)
        var trainY = trainIndex.map { y[$0] }
        var synthetic = 0
        if options.smote {
            let extra = try SMOTE.oversample(x: trainX, labels: trainY, columns: p, neighbors: options.smoteNeighbors,
                                             seed: options.training.seed &+ 11)
            synthetic = extra.labels.count
            trainX += extra.x
            trainY += extra.labels
        }
        let weightOf = classWeights(trainY, options.classWeight)
        let trainBatch = Batch(rows: trainY.count, columns: p, x: trainX, targets: trainY, weights: trainY.map { weightOf[$0] })
        let validBatch: Batch? = validIndex.isEmpty ? nil : Batch(rows: validIndex.count, columns: p, x: gather(validIndex),
                                                                  targets: validIndex.map { y[$0] },
                                                                  weights: validIndex.map { weightOf[y[$0]] })
        let layers = MLP.perceptron(inputs: p, hidden: options.hiddenLayers, outputs: 2, slope: options.negativeSlope, dropout: options.dropout)
        let result: (network: MLP, history: TrainingHistory)
        do {
            let net = try MLP(layers: layers, seed: options.training.seed, initialization: options.initialization)
            result = try Trainer.train(network: net, optimizer: options.optimizer, loss: .softmaxCrossEntropy, data: trainBatch,
                                       validation: validBatch, options: options.training, progress: progress)
        } catch {
            throw HNNError.trainingFailed(error.description)
        }
        return HNNModel(features: features, derivesSingleBorrower: derive, encoder: encoder, means: means, scales: scales,
                        network: result.network, options: options, history: result.history, trainingRows: trainIndex.count,
                        syntheticRows: synthetic, validationRows: validIndex.count, droppedRows: dropped,
                        validationSlice: sliceLabel, threshold: options.threshold)
    }

    /// Class weights (class 0, class 1) on the training fold.
    static func classWeights(_ y: [Int], _ w: ClassWeighting) -> [Double] {
        switch w {
        case .none: return [1, 1]
        case let .custom(a, b): return [a, b]
        case .balanced:
            let n1 = Double(y.reduce(0, +)), n = Double(y.count)
            return [n / (2 * (n - n1)), n / (2 * n1)]
        }
    }

    // MARK: - Helpers

    /// Adds `single_borrower` (1 when `borrowers` = 1, 0 otherwise, missing when it is) when asked to derive it.
    static func prepare(_ frame: Frame, features: [String], derive: Bool) throws(HNNError) -> Frame {
        var out = frame
        if derive {
            guard let b = frame["borrowers"], b.isNumeric else { throw .missingColumn("borrowers") }
            let values: [Int?] = (0..<b.count).map { i in b.numericValue(at: i).map { $0 == 1 ? 1 : 0 } }
            do { try out.append(.int("single_borrower", values)) } catch { throw .invalidConfig("\(error)") }
        }
        for f in features where out[f] == nil { throw .missingColumn(f) }
        return out
    }

    static func isMissing(_ frame: Frame, column: String, row: Int, specials: FeatureEncoder) -> Bool {
        guard let c = frame[column] else { return true }
        if c.missing[row] { return true }
        if let spec = specials.features.first(where: { $0.name == column }), let v = c.numericValue(at: row), spec.specialValues.contains(v) {
            return true
        }
        return false
    }

    static func checkMissing(_ frame: Frame, features: [String], specials: FeatureEncoder) throws(HNNError) {
        for i in 0..<frame.rowCount {
            for f in features where isMissing(frame, column: f, row: i, specials: specials) {
                throw .missingFeatureValue(column: f, row: i)
            }
        }
    }

    /// The encoded design (no intercept), with non-finite values reported by input row and column.
    /// `rowMap` maps design rows back to the caller's rows for messages.
    static func design(_ frame: Frame, encoder: FeatureEncoder, features: [String], rowMap: [Int]? = nil) throws -> [Double] {
        for f in encoder.features where f.kind == .numeric {
            guard let c = frame[f.name] else { continue }
            for i in 0..<c.count {
                if let v = c.numericValue(at: i), !v.isFinite { throw HNNError.nonFiniteFeature(column: f.name, row: rowMap?[i] ?? i, value: v) }
            }
        }
        return try encoder.design(frame, intercept: false).storage
    }
}
