import Foundation

/// Hyperparameters of histogram gradient boosting, under LightGBM's names (JSON keys).
///
/// Defaults are LightGBM's, except `num_iterations` (100, as LightGBM) and `seed` (0).
public struct BoostingParameters: Codable, Sendable, Equatable {
    /// Boosting rounds (trees), or the cap when early stopping is on.
    public var numIterations = 100
    /// Shrinkage applied to every leaf value.
    public var learningRate = 0.1
    /// Most leaves per tree (leaf-wise growth).
    public var numLeaves = 31
    /// Depth limit; ≤ 0 means none.
    public var maxDepth = -1
    /// Fewest rows in a leaf.
    public var minDataInLeaf = 20
    /// Smallest hessian sum in a leaf.
    public var minSumHessianInLeaf = 1e-3
    /// L2 penalty λ on leaf values: value = −G/(H + λ).
    public var lambdaL2 = 0.0
    /// Smallest gain for a split.
    public var minGainToSplit = 0.0
    /// Most bins per numeric feature (missing values get one more).
    public var maxBin = 255
    /// Share of rows drawn (without replacement) for each tree; 1 = all.
    public var baggingFraction = 1.0
    /// Redraw rows every k trees; 0 = no bagging.
    public var baggingFreq = 0
    /// Share of features drawn for each tree; 1 = all.
    public var featureFraction = 1.0
    /// Stop when the validation metric has not improved for this many rounds; 0 = off.
    public var earlyStoppingRound = 0
    /// Validation metric for early stopping: "auc" or "binary_logloss".
    public var metric = "binary_logloss"
    /// Per-feature monotone constraints by name: +1 (PD non-decreasing), −1 (non-increasing), 0 none.
    public var monotoneConstraints: [String: Int] = [:]
    /// Features to treat as categorical even if numeric (text columns always are).
    public var categoricalFeature: [String] = []
    /// Categorical splits: smoothing added to the hessian when ordering categories.
    public var catSmooth = 10.0
    /// Categorical splits: L2 penalty added for categorical splits (LightGBM `cat_l2`).
    public var catL2 = 10.0
    /// Categorical splits: most categories on the left side.
    public var maxCatThreshold = 32
    /// Categorical: fewest rows for a category to be ordered on its own.
    public var minDataPerGroup = 100
    /// Start from log-odds of the mean label (LightGBM `boost_from_average`).
    public var boostFromAverage = true
    /// Seed of every random draw (bagging, feature sampling, binning sample).
    public var seed: UInt64 = 0
    /// Rows sampled to find bin edges (LightGBM `bin_construct_sample_cnt`).
    public var binConstructSampleCount = 200_000

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case numIterations = "num_iterations", learningRate = "learning_rate", numLeaves = "num_leaves", maxDepth = "max_depth"
        case minDataInLeaf = "min_data_in_leaf", minSumHessianInLeaf = "min_sum_hessian_in_leaf", lambdaL2 = "lambda_l2"
        case minGainToSplit = "min_gain_to_split", maxBin = "max_bin", baggingFraction = "bagging_fraction", baggingFreq = "bagging_freq"
        case featureFraction = "feature_fraction", earlyStoppingRound = "early_stopping_round", metric
        case monotoneConstraints = "monotone_constraints", categoricalFeature = "categorical_feature", catSmooth = "cat_smooth"
        case catL2 = "cat_l2", maxCatThreshold = "max_cat_threshold", minDataPerGroup = "min_data_per_group"
        case boostFromAverage = "boost_from_average", seed, binConstructSampleCount = "bin_construct_sample_cnt"
    }

    /// JSON keys a config file may use (plus the common aliases in ``aliases``).
    public static var configKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)).union(aliases.keys) }

    /// LightGBM aliases accepted in config files.
    public static let aliases: [String: String] = [
        "n_estimators": "num_iterations", "num_round": "num_iterations", "num_boost_round": "num_iterations",
        "eta": "learning_rate", "shrinkage_rate": "learning_rate", "min_child_samples": "min_data_in_leaf",
        "min_child_weight": "min_sum_hessian_in_leaf", "reg_lambda": "lambda_l2", "lambda": "lambda_l2",
        "min_split_gain": "min_gain_to_split", "subsample": "bagging_fraction", "subsample_freq": "bagging_freq",
        "colsample_bytree": "feature_fraction", "early_stopping_rounds": "early_stopping_round", "random_state": "seed",
    ]

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BoostingParameters()
        func v<T: Decodable>(_ k: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: k) ?? fallback }
        numIterations = try v(.numIterations, d.numIterations)
        learningRate = try v(.learningRate, d.learningRate)
        numLeaves = try v(.numLeaves, d.numLeaves)
        maxDepth = try v(.maxDepth, d.maxDepth)
        minDataInLeaf = try v(.minDataInLeaf, d.minDataInLeaf)
        minSumHessianInLeaf = try v(.minSumHessianInLeaf, d.minSumHessianInLeaf)
        lambdaL2 = try v(.lambdaL2, d.lambdaL2)
        minGainToSplit = try v(.minGainToSplit, d.minGainToSplit)
        maxBin = try v(.maxBin, d.maxBin)
        baggingFraction = try v(.baggingFraction, d.baggingFraction)
        baggingFreq = try v(.baggingFreq, d.baggingFreq)
        featureFraction = try v(.featureFraction, d.featureFraction)
        earlyStoppingRound = try v(.earlyStoppingRound, d.earlyStoppingRound)
        metric = try v(.metric, d.metric)
        monotoneConstraints = try v(.monotoneConstraints, d.monotoneConstraints)
        categoricalFeature = try v(.categoricalFeature, d.categoricalFeature)
        catSmooth = try v(.catSmooth, d.catSmooth)
        catL2 = try v(.catL2, d.catL2)
        maxCatThreshold = try v(.maxCatThreshold, d.maxCatThreshold)
        minDataPerGroup = try v(.minDataPerGroup, d.minDataPerGroup)
        boostFromAverage = try v(.boostFromAverage, d.boostFromAverage)
        seed = try v(.seed, d.seed)
        binConstructSampleCount = try v(.binConstructSampleCount, d.binConstructSampleCount)
    }

    /// Decodes a config object, mapping LightGBM aliases to canonical names and rejecting unknown keys.
    public static func fromConfig(_ object: [String: Any], ignoring: Set<String> = []) throws -> BoostingParameters {
        var canonical: [String: Any] = [:]
        for (key, value) in object where !ignoring.contains(key) {
            let name = aliases[key] ?? key
            guard CodingKeys(rawValue: name) != nil else {
                throw BoostingError.invalidParameter("unknown key '\(key)' (known: \(CodingKeys.allCases.map(\.rawValue).sorted().joined(separator: ", ")))")
            }
            if canonical[name] != nil { throw BoostingError.invalidParameter("'\(key)' repeats '\(name)'") }
            canonical[name] = value
        }
        let p = try JSONDecoder().decode(BoostingParameters.self, from: JSONSerialization.data(withJSONObject: canonical))
        try p.validate()
        return p
    }

    /// Checks ranges.
    public func validate() throws(BoostingError) {
        func check(_ ok: Bool, _ m: String) throws(BoostingError) { if !ok { throw .invalidParameter(m) } }
        try check(numIterations >= 1, "num_iterations must be at least 1")
        try check(learningRate > 0 && learningRate.isFinite, "learning_rate must be positive")
        try check(numLeaves >= 2 && numLeaves <= 131_072, "num_leaves must be in [2, 131072]")
        try check(minDataInLeaf >= 1, "min_data_in_leaf must be at least 1")
        try check(minSumHessianInLeaf >= 0, "min_sum_hessian_in_leaf must be non-negative")
        try check(lambdaL2 >= 0, "lambda_l2 must be non-negative")
        try check(minGainToSplit >= 0, "min_gain_to_split must be non-negative")
        try check(maxBin >= 2 && maxBin <= 255, "max_bin must be in [2, 255]")
        try check(baggingFraction > 0 && baggingFraction <= 1, "bagging_fraction must be in (0, 1]")
        try check(baggingFreq >= 0, "bagging_freq must be non-negative")
        try check(featureFraction > 0 && featureFraction <= 1, "feature_fraction must be in (0, 1]")
        try check(earlyStoppingRound >= 0, "early_stopping_round must be non-negative")
        try check(["auc", "binary_logloss"].contains(metric), "metric must be auc or binary_logloss")
        try check(monotoneConstraints.values.allSatisfy { [-1, 0, 1].contains($0) }, "monotone_constraints values must be -1, 0 or 1")
        try check(catSmooth >= 0 && catL2 >= 0, "cat_smooth and cat_l2 must be non-negative")
        try check(maxCatThreshold >= 1, "max_cat_threshold must be at least 1")
        try check(minDataPerGroup >= 1, "min_data_per_group must be at least 1")
        try check(binConstructSampleCount >= 100, "bin_construct_sample_cnt must be at least 100")
    }
}

/// Errors of the boosting module.
public enum BoostingError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidParameter(String)
    case invalidData(String)
    case unsupportedModel(String)

    public var description: String {
        switch self {
        case let .invalidParameter(m): return "invalid boosting parameter: \(m)"
        case let .invalidData(m): return "invalid training data: \(m)"
        case let .unsupportedModel(m): return "unsupported model file: \(m)"
        }
    }
}
