import Foundation
import ObligorNeural

/// Errors of the Hamiltonian neural scorer. Row numbers are 0-based indices into the frame given;
/// ``description`` prints them 1-based.
public enum HNNError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A feature value is NaN or infinite.
    case nonFiniteFeature(column: String, row: Int, value: Double)
    /// A feature cell is missing and the missing-value policy is `error`.
    case missingFeatureValue(column: String, row: Int)
    /// The data has no column of this name.
    case missingColumn(String)
    /// The training target (or the training fold after the validation slice) has one class only.
    case singleClass(target: String, detail: String)
    /// `--optimizer` / `"optimizer"` is not a known name.
    case unknownOptimizer(name: String, known: [String])
    /// A configuration key or value is wrong.
    case invalidConfig(String)
    /// Training failed (divergence, bad shapes).
    case trainingFailed(String)

    public var description: String {
        switch self {
        case let .nonFiniteFeature(c, r, v):
            return "feature '\(c)' is \(v) (not finite) at row \(r + 1); the HNN needs finite inputs (clean the value, or mark it missing)"
        case let .missingFeatureValue(c, r):
            return "feature '\(c)' is missing at row \(r + 1), and the missing-value policy is 'error' (set \"missing\": \"mean\" or \"drop\" in the config)"
        case let .missingColumn(c): return "the data has no column '\(c)', which the model needs"
        case let .singleClass(t, d): return "target '\(t)' has only one class \(d); a PD model needs both defaults and non-defaults"
        case let .unknownOptimizer(n, k): return "unknown optimizer '\(n)' (known: \(k.joined(separator: ", ")))"
        case let .invalidConfig(m): return "invalid hnn configuration: \(m)"
        case let .trainingFailed(m): return "hnn training failed: \(m)"
        }
    }

    /// The message with row numbers rewritten by `locate` (e.g. to "FILE, line L").
    public func description(locating locate: (Int) -> String) -> String {
        switch self {
        case let .nonFiniteFeature(c, r, v): return "\(locate(r)), column '\(c)': value \(v) is not finite; the HNN needs finite inputs"
        case let .missingFeatureValue(c, r):
            return "\(locate(r)), column '\(c)': the value is missing, and the missing-value policy is 'error' (set \"missing\": \"mean\" or \"drop\" in the config)"
        default: return description
        }
    }
}

/// What to do with missing feature cells (including declared special values such as FICO 9999).
public enum MissingPolicy: String, Codable, Sendable, CaseIterable {
    /// Refuse them, naming the row and column.
    case error
    /// Replace them with the training mean and add a 0/1 missing-indicator input (as the logit model does).
    case mean
    /// Drop training rows with any missing feature, as the paper's code does (`dropna`); at scoring,
    /// a missing cell gets the training mean.
    case drop
}

/// Class weights in the cross-entropy.
public enum ClassWeighting: Codable, Sendable, Equatable {
    /// All rows weigh 1 (the paper's code).
    case none
    /// w_c = n / (2 n_c) on the training fold (scikit-learn's "balanced").
    case balanced
    /// Explicit weights of class 0 and class 1.
    case custom(Double, Double)
}

/// Everything that defines an HNN fit. Defaults follow the author's code (see the module README).
public struct HNNOptions: Codable, Sendable, Equatable {
    /// Hidden layer widths (default [512, 268], the network the paper's numbers came from).
    public var hiddenLayers: [Int] = [512, 268]
    /// LeakyReLU negative slope (default 0.01).
    public var negativeSlope: Double = 0.01
    /// Dropout after each hidden layer (default 0.2).
    public var dropout: Double = 0.2
    public var initialization: Initialization = .pytorchUniform
    /// The optimizer (default hamiltonian-code, η 0.01, β 0.9, ε 1e-8).
    public var optimizer = OptimizerSettings(kind: .hamiltonianCode)
    /// Epochs, batch size, λ, regulariser mode, early stopping, scheduler, seed.
    public var training = TrainingOptions()
    public var classWeight: ClassWeighting = .none
    /// Oversample the minority class with SMOTE inside the training fold (never before the split).
    public var smote = false
    /// SMOTE's nearest minority neighbours (default 5).
    public var smoteNeighbors = 5
    /// Share of the training rows held out, latest by time, for early stopping (default 0.2; 0 = none).
    public var validationFraction = 0.2
    public var missing: MissingPolicy = .mean
    /// Approve when PD < threshold (audits, recourse).
    public var threshold = 0.5

    public init() {}

    /// The keys ``init(config:)`` accepts (besides the CLI's "features" and "special_values").
    public static let configKeys: Set<String> = [
        "hidden_layers", "negative_slope", "dropout", "initialization",
        "optimizer", "learning_rate", "integrator", "damping", "beta", "beta1", "beta2", "epsilon",
        "epochs", "batch_size", "lambda", "reg_coeff", "regularizer", "early_stopping_patience", "min_delta",
        "lr_scheduler_factor", "lr_scheduler_patience", "min_learning_rate",
        "class_weight", "smote", "smote_neighbors", "validation_fraction", "missing", "threshold", "seed",
    ]

    /// Options from a JSON config object (documented keys: see ``configKeys`` and the module README).
    ///
    /// - Parameters:
    ///   - optimizerName: overrides `"optimizer"` (the CLI's `--optimizer`).
    ///   - ignoring: keys handled by the caller.
    /// - Throws: ``HNNError/invalidConfig(_:)`` for an unknown key or a bad value,
    ///   ``HNNError/unknownOptimizer(name:known:)`` for an unknown optimizer name.
    public init(config: [String: Any], optimizerName: String? = nil, ignoring: Set<String> = ["features", "special_values"]) throws(HNNError) {
        for key in config.keys where !Self.configKeys.contains(key) && !ignoring.contains(key) {
            throw .invalidConfig("unknown key '\(key)' (known: \(Self.configKeys.sorted().joined(separator: ", ")))")
        }
        func number(_ key: String) throws(HNNError) -> Double? {
            guard let v = config[key] else { return nil }
            guard let n = v as? NSNumber else { throw .invalidConfig("'\(key)' must be a number") }
            return n.doubleValue
        }
        func integer(_ key: String) throws(HNNError) -> Int? {
            guard let d = try number(key) else { return nil }
            guard d == d.rounded(), abs(d) < 1e9 else { throw .invalidConfig("'\(key)' must be an integer") }
            return Int(d)
        }
        func text(_ key: String) throws(HNNError) -> String? {
            guard let v = config[key] else { return nil }
            guard let s = v as? String else { throw .invalidConfig("'\(key)' must be a string") }
            return s
        }
        self.init()
        if let v = config["hidden_layers"] {
            guard let list = v as? [NSNumber], list.allSatisfy({ $0.doubleValue >= 1 && $0.doubleValue == $0.doubleValue.rounded() }) else {
                throw .invalidConfig("'hidden_layers' must be a list of positive integers, e.g. [512, 268]")
            }
            hiddenLayers = list.map(\.intValue)
        }
        if let v = try number("negative_slope") { negativeSlope = v }
        if let v = try number("dropout") { dropout = v }
        if let v = try text("initialization") {
            guard let i = Initialization(rawValue: v) else {
                throw .invalidConfig("'initialization' must be one of \(Initialization.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            initialization = i
        }
        let configured = try text("optimizer")
        let name = optimizerName ?? configured ?? OptimizerKind.hamiltonianCode.rawValue
        guard let kind = OptimizerKind(rawValue: name) else {
            throw .unknownOptimizer(name: name, known: OptimizerKind.allCases.map(\.rawValue))
        }
        var scheme = SymplecticScheme.symplecticEuler
        if let v = try text("integrator") {
            guard let s = SymplecticScheme(rawValue: v) else { throw .invalidConfig("'integrator' must be symplectic-euler or leapfrog") }
            scheme = s
        }
        let lr = try number("learning_rate"), damping = try number("damping"), b1 = try number("beta1"), b = try number("beta")
        let b2 = try number("beta2"), eps = try number("epsilon")
        optimizer = OptimizerSettings(kind: kind, learningRate: lr, scheme: scheme, damping: damping ?? 0.9, beta1: b1 ?? b,
                                      beta2: b2 ?? 0.999, epsilon: eps ?? 1e-8)
        if let v = try integer("epochs") { training.epochs = v }
        if let v = try integer("batch_size") { training.batchSize = v }
        let lambda = try number("lambda"), regCoeff = try number("reg_coeff")
        if let v = lambda ?? regCoeff { training.lambda = v }
        if let v = try text("regularizer") {
            guard let m = RegularizerMode(rawValue: v) else { throw .invalidConfig("'regularizer' must be paper, code or none") }
            training.regularizer = m
        }
        if let v = try integer("early_stopping_patience") { training.patience = v }
        if let v = try number("min_delta") { training.minDelta = v }
        if let v = try number("lr_scheduler_factor") { training.schedulerFactor = v }
        if let v = try integer("lr_scheduler_patience") { training.schedulerPatience = v }
        if let v = try number("min_learning_rate") { training.minimumLearningRate = v }
        if let v = try integer("seed") {
            guard v >= 0 else { throw .invalidConfig("'seed' must be non-negative") }
            training.seed = UInt64(v)
        }
        if let v = config["class_weight"] {
            if let s = v as? String, s == "none" { classWeight = .none }
            else if let s = v as? String, s == "balanced" { classWeight = .balanced }
            else if let l = v as? [NSNumber], l.count == 2, l.allSatisfy({ $0.doubleValue > 0 }) { classWeight = .custom(l[0].doubleValue, l[1].doubleValue) }
            else { throw .invalidConfig("'class_weight' must be \"none\", \"balanced\" or [w0, w1] with positive weights") }
        }
        if let v = config["smote"] {
            guard let b = v as? Bool else { throw .invalidConfig("'smote' must be true or false") }
            smote = b
        }
        if let v = try integer("smote_neighbors") { smoteNeighbors = v }
        if let v = try number("validation_fraction") { validationFraction = v }
        if let v = try text("missing") {
            guard let m = MissingPolicy(rawValue: v) else { throw .invalidConfig("'missing' must be error, mean or drop") }
            missing = m
        }
        if let v = try number("threshold") { threshold = v }
        try validate()
    }

    /// Checks ranges.
    public func validate() throws(HNNError) {
        guard hiddenLayers.allSatisfy({ $0 >= 1 }) else { throw .invalidConfig("hidden layer widths must be positive") }
        guard dropout >= 0 && dropout < 1 else { throw .invalidConfig("'dropout' must be in [0, 1)") }
        guard negativeSlope.isFinite else { throw .invalidConfig("'negative_slope' must be finite") }
        guard smoteNeighbors >= 1 else { throw .invalidConfig("'smote_neighbors' must be at least 1") }
        guard validationFraction >= 0 && validationFraction < 1 else { throw .invalidConfig("'validation_fraction' must be in [0, 1)") }
        guard threshold > 0 && threshold < 1 else { throw .invalidConfig("'threshold' must be in (0, 1)") }
        do {
            try optimizer.validate()
            try training.validate()
        } catch {
            throw .invalidConfig(error.description.replacingOccurrences(of: "invalid option: ", with: ""))
        }
    }

    /// The options as flat text, for the model's training metadata.
    public var summary: [String: String] {
        var out: [String: String] = [
            "hidden_layers": "[" + hiddenLayers.map(String.init).joined(separator: ",") + "]",
            "negative_slope": "\(negativeSlope)", "dropout": "\(dropout)", "initialization": initialization.rawValue,
            "optimizer": optimizer.kind.rawValue, "learning_rate": "\(optimizer.learningRate)",
            "epochs": "\(training.epochs)", "batch_size": "\(training.batchSize)", "lambda": "\(training.lambda)",
            "regularizer": training.regularizer.rawValue, "early_stopping_patience": "\(training.patience)",
            "validation_fraction": "\(validationFraction)", "smote": "\(smote)", "missing": missing.rawValue, "seed": "\(training.seed)",
        ]
        switch optimizer.kind {
        case .hamiltonianPaper: out["integrator"] = optimizer.scheme.rawValue; out["damping"] = "\(optimizer.damping)"
        case .hamiltonianCode: out["beta"] = "\(optimizer.beta1)"; out["epsilon"] = "\(optimizer.epsilon)"
        case .adam: out["beta1"] = "\(optimizer.beta1)"; out["beta2"] = "\(optimizer.beta2)"; out["epsilon"] = "\(optimizer.epsilon)"
        case .sgd: out["beta1"] = "\(optimizer.beta1)"
        }
        return out
    }
}
