import ArgumentParser
import Foundation
import ObligorBoosting
import ObligorCatalog
import ObligorData
import ObligorGP
import ObligorHamiltonian
import ObligorMetrics
import ObligorModels
import ObligorNumerics
import ObligorStore

enum ModelKind: String, ExpressibleByArgument, CaseIterable {
    case logit, scorecard, gbdt, gpboost, glmm, hnn, lbsf
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a PD model and store it in the workspace.",
        discussion: """
        Features default to every column without a role (target, time, id, coordinates and sensitive columns are \
        excluded).

        Config files (--config) use the anchor libraries' names. Unknown keys are an error, so a typo never trains a \
        different model silently.

        logit: {"lambda_l2": 0, "threshold": 0.5, "features": [...], "special_values": {"col": [9999]}}

        scorecard: {"max_bins": 6, "min_bin_share": 0.05, "min_iv": 0.02, "prebins": 20, "monotone": true, \
        "woe_adjustment": 0.5, "drop_wrong_sign": true, "pdo": 20, "base_points": 600, "base_odds": 50, "lambda_l2": \
        0, "features": [...], "special_values": {...}}

        gbdt: LightGBM names: "num_iterations", "learning_rate", "num_leaves", "max_depth", "min_data_in_leaf", \
        "min_sum_hessian_in_leaf", "lambda_l2", "min_gain_to_split", "max_bin", "bagging_fraction", "bagging_freq", \
        "feature_fraction", "early_stopping_round", "metric", "monotone_constraints": {"col": 1}, \
        "categorical_feature": [...], "cat_smooth", "cat_l2", "max_cat_threshold", "min_data_per_group", "seed", \
        plus "features" and "special_values". Early stopping needs --valid.

        gpboost: the gbdt keys (defaults: GPBoost's anchor settings learning_rate 1, max_depth 3, min_data_in_leaf \
        50, lambda_l2 1, num_iterations 40), plus "train_cov_pars" (true) and "init_cov_pars" ([var, range_time, \
        range_space]).

        glmm: "features" only.

        hnn: \(hnnConfigHelp)

        gpboost and glmm need the GP coordinates: --coords X,Y (and --time T for a space-time GP; --time is then the \
        GP's time coordinate as well as the out-of-time split column).
        """)

    @Option(help: "Workspace dataset name or CSV path (not used by lbsf, which reads --events and --labels).") var data: String = ""
    @Option(help: "Binary target column (default: the dataset's target role).") var target: String?
    @Option(help: "Model family: logit | scorecard | gbdt | gpboost | glmm | hnn | lbsf.") var model: ModelKind
    @Option(help: "Validation data (dataset name or CSV) for gbdt early stopping.") var valid: String?
    @Option(help: "Name to store the model under.") var name: String
    @Option(help: "JSON file with hyperparameters.") var config: String?
    @Option(help: "Comma-separated feature list (overrides the default and the config).") var features: String?
    @Option(help: "Time column for an out-of-time split (default: the dataset's time role).") var time: String?
    @Option(name: .customLong("train-until"), help: "Train on rows with time ≤ this value.") var trainUntil: String?
    @Option(help: "Random seed of gbdt bagging, feature sampling and the binning sample (overrides the config's seed; logit and scorecard fits are deterministic).")
    var seed: UInt64?
    var seedGiven: Bool { seed != nil }
    @Option(help: "Worker threads (default: all cores). Results do not depend on it.") var threads: Int?
    @Option(help: "gpboost/glmm: spatial coordinate columns, comma-separated (e.g. x,y or lon,lat; default: the dataset's coordinates).") var coords: String?
    @Option(name: .customLong("gp-approx"), help: "gpboost/glmm: exact | vecchia.") var gpApprox: String = "exact"
    @Option(help: "gpboost/glmm: Vecchia neighbours.") var neighbors: Int = 20
    @Option(name: .customLong("vecchia-ordering"), help: "gpboost/glmm: none | random | time | time_random_space.") var vecchiaOrdering: String?
    @Option(name: .customLong("cov-function"), help: "gpboost/glmm: matern_space_time (default with --time) | separable_space_time | matern (default without time) | exponential | gaussian.")
    var covFunction: String?
    @Option(help: "gpboost/glmm: Matérn smoothness 0.5, 1.5 or 2.5.") var nu: Double = 1.5
    @Option(help: "gpboost/glmm: euclidean | great_circle (coordinates lon,lat in degrees; ranges in km).") var distance: String = "euclidean"
    @Option(help: "hnn: hamiltonian-paper | hamiltonian-code (default) | adam | sgd (overrides the config's optimizer).")
    var optimizer: String?
    @OptionGroup var lbsfOptions: LBSFTrainOptions
    @Flag(help: "Replace an existing model of the same name.") var replace = false
    @Flag(help: "JSON summary on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        try validateHNNOptions()
        if model == .lbsf { try lbsfOptions.check(); return }
        if data.isEmpty { throw ValidationError("--data is required for --model \(model.rawValue)") }
        if model == .gpboost || model == .glmm {
            guard ["exact", "vecchia"].contains(gpApprox) else { throw ValidationError("--gp-approx must be exact or vecchia") }
            guard neighbors >= 1 else { throw ValidationError("--neighbors must be at least 1") }
            guard [0.5, 1.5, 2.5].contains(nu) else { throw ValidationError("--nu must be 0.5, 1.5 or 2.5") }
        }
        if trainUntil != nil && time == nil && LoadedData.isPath(data) {
            throw ValidationError("--train-until needs --time when --data is a CSV file")
        }
    }

    func run() throws {
        if let threads { Parallel.threads = threads }
        if model == .lbsf { return try runLBSF() }
        let loaded = try LoadedData.load(data, workspace: workspace, target: target)
        guard let targetName = target ?? loaded.roles.target else {
            throw InputError("\(loaded.label): no target: pass --target, or import the dataset with --target")
        }
        let configObject = try readConfig()
        var frame = loaded.frame
        var lines = loaded.lines
        var timeRange: [String]? = nil
        let timeColumn = time ?? loaded.roles.time
        if let trainUntil {
            guard let timeColumn else { throw InputError("--train-until needs a time column (--time, or a dataset imported with --time)") }
            let part = try Splits.byTime(frame, timeColumn: timeColumn, trainUntil: trainUntil)
            guard !part.train.isEmpty else { throw InputError("\(loaded.label): no rows with \(timeColumn) ≤ \(trainUntil)") }
            frame = frame.selectingRows(part.train)
            lines = lines.map { l in part.train.map { l[$0] } }
            let tc = try frame.column(timeColumn)
            let texts = (0..<tc.count).compactMap { tc.text(at: $0) }
            timeRange = [texts.min() ?? "", texts.max() ?? ""]
            note("out-of-time split on \(timeColumn): \(part.train.count) rows ≤ \(trainUntil) for training, \(part.test.count) later rows held out"
                 + (part.excluded.isEmpty ? "" : ", \(part.excluded.count) rows without a time excluded"))
        }
        let trainData = LoadedData(frame: frame, label: loaded.label, roles: loaded.roles, sha256: loaded.sha256, lines: lines)
        let labels = try trainData.labels(target: targetName)
        var roles = loaded.roles
        roles.target = targetName
        if let timeColumn { roles.time = timeColumn }
        let featureList: [String]
        if let features {
            featureList = splitList(features)
        } else if let configured = configObject["features"] as? [String] {
            featureList = configured
        } else if model == .hnn, let paper = hnnDefaultFeatures(frame) {
            featureList = paper
        } else {
            var excluded = Set(roles.roleColumns)
            if let coords { excluded.formUnion(splitList(coords)) }
            featureList = frame.columnNames.filter { !excluded.contains($0) }
        }
        for f in featureList where frame[f] == nil && !(model == .hnn && hnnDerivable(f, frame)) {
            throw InputError("\(loaded.label): feature '\(f)' is not a column")
        }
        if featureList.contains(targetName) { throw InputError("the target '\(targetName)' cannot also be a feature") }
        guard !featureList.isEmpty else { throw InputError("no features to train on") }
        let specials = try specialValues(configObject)
        note("training \(model.rawValue) '\(name)' on \(frame.rowCount) rows, \(featureList.count) features, \(labels.reduce(0, +)) defaults …")

        let (anyModel, seconds): (AnyModel, Double) = try timed {
            switch model {
            case .gpboost, .glmm:
                let space = coords.map(splitList) ?? loaded.roles.coordinates
                guard !space.isEmpty else {
                    throw InputError("--model \(model.rawValue) needs the GP's spatial coordinates: pass --coords X,Y, or import the dataset with --coords")
                }
                try checkCoordinates(trainData, timeColumn: timeColumn, space: space)
                return try trainGP(frame: frame, labels: labels, features: featureList, timeColumn: timeColumn, space: space,
                                   target: targetName, config: configObject)
            case .lbsf:
                throw InputError("lbsf is trained from --events and --labels")
            case .hnn:
                return try trainHNN(trainData, labels: labels, features: featureList, target: targetName, timeColumn: timeColumn,
                                    config: configObject, specials: specials)
            case .logit:
                let lambda = (configObject["lambda_l2"] as? NSNumber)?.doubleValue ?? 0
                let threshold = (configObject["threshold"] as? NSNumber)?.doubleValue ?? 0.5
                guard lambda >= 0 else { throw InputError("config: lambda_l2 must be non-negative") }
                guard threshold > 0 && threshold < 1 else { throw InputError("config: threshold must be in (0, 1)") }
                return .logistic(try LogisticModel.train(frame: frame, target: targetName, features: featureList, labels: labels,
                                                         lambda: lambda, specialValues: specials, threshold: threshold))
            case .scorecard:
                var filtered = configObject
                filtered.removeValue(forKey: "features")
                filtered.removeValue(forKey: "special_values")
                let options = try JSONDecoder().decode(ScorecardOptions.self, from: JSONSerialization.data(withJSONObject: filtered))
                return .scorecard(try ScorecardModel.train(frame: frame, target: targetName, features: featureList, labels: labels,
                                                           options: options, specialValues: specials))
            case .gbdt:
                var parameters: BoostingParameters
                do { parameters = try BoostingParameters.fromConfig(configObject, ignoring: ["features", "special_values"]) } catch {
                    throw InputError("\(config ?? "config"): \(error)")
                }
                if let seed { parameters.seed = seed }
                var validation: (frame: Frame, labels: [Int])? = nil
                if let valid {
                    let v = try LoadedData.load(valid, workspace: workspace, target: targetName)
                    validation = (v.frame, try v.labels(target: targetName))
                } else if parameters.earlyStoppingRound > 0 {
                    throw InputError("early_stopping_round needs validation data: pass --valid DATASET")
                }
                let every = max(1, parameters.numIterations / 10)
                return .gbdt(try BoostingTrainer.train(frame: frame, labels: labels, features: featureList, parameters: parameters,
                                                      specialValues: specials, validation: validation) { p in
                    if p.iteration % every == 0 || p.iteration == 1 {
                        note("  [\(p.iteration)] train log-loss \(fmt(p.trainLoss))" + (p.validationMetric.map { "  valid \(parameters.metric) \(fmt($0))" } ?? ""))
                    }
                })
            }
        }
        let pd = try anyModel.scorer.predictPD(frame)
        let summary = try ClassificationSummary.summarize(scores: pd, labels: labels)
        var hyper: [String: String] = [:]
        for (k, v) in configObject where k != "features" {
            hyper[k] = String(decoding: (try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys])) ?? Data(), as: UTF8.self)
        }
        let metadata = TrainingMetadata(dataset: loaded.label, dataSHA256: loaded.sha256, target: targetName,
                                        features: anyModel.scorer.featureNames, trainingRows: frame.rowCount, defaults: labels.reduce(0, +),
                                        timeColumn: trainUntil == nil ? nil : timeColumn, timeRange: timeRange, hyperparameters: hyper,
                                        seed: anyModel.seed ?? seed, trainedAt: ISO8601DateFormatter().string(from: Date()))
        let ws = try workspace.open()
        try ws.saveModel(name: name, kind: anyModel.kind, formatVersion: AnyModel.formatVersion, payload: anyModel.encodedPayload(),
                         metadata: JSONEncoder().encode(metadata), replace: replace)
        try ws.recordRun(command: "train", parameters: JSONSerialization.data(withJSONObject: [
            "data": data, "model": model.rawValue, "name": name, "target": targetName, "features": featureList, "seed": seed ?? 0,
        ] as [String: Any], options: [.sortedKeys]), seconds: seconds, metrics: JSONEncoder().encode(summary))
        note("trained in \(fmt(seconds, 2)) s; in-sample AUC \(fmt(summary.auc)), Gini \(fmt(summary.gini)), KS \(fmt(summary.ks))")
        if case let .gbdt(m) = anyModel {
            note("gbdt: \(m.trees.count) trees" + (m.bestIteration.map { ", best iteration \($0) (valid \(m.parameters.metric) \(fmt(m.validationMetric ?? .nan)))" } ?? ""))
            let gains = m.gainImportance
            for j in gains.indices.sorted(by: { gains[$0] > gains[$1] }).prefix(10) where gains[j] > 0 {
                note("  \(pad(m.features[j].name, 48)) gain \(fmt(gains[j], 2))  splits \(m.splitImportance[j])")
            }
        }
        if case let .gpboost(m) = anyModel {
            note("gpboost: \(m.trees.trees.count) trees" + (m.bestRound.map { ", best round \($0)" } ?? ""))
            describeGP(m.gp)
        }
        if case let .glmm(m) = anyModel { describeGP(m.gp) }
        if case let .hnn(m) = anyModel { describeHNN(m) }
        if case let .scorecard(card) = anyModel {
            note("scorecard: \(card.characteristics.count) characteristics kept, \(card.dropped.count) dropped")
            for c in card.characteristics.sorted(by: { $0.iv > $1.iv }) {
                note("  \(pad(c.name, 48)) IV \(fmt(c.iv, 3))  β \(fmt(c.coefficient, 3))  bins \(c.bins.count)")
            }
        }
        if json {
            try printJSON([
                "model": name, "kind": anyModel.kind, "features": anyModel.scorer.featureNames, "train_rows": frame.rowCount,
                "defaults": labels.reduce(0, +), "seconds": seconds, "in_sample": try jsonObject(summary),
            ] as [String: Any])
        }
    }

    func readConfig() throws -> [String: Any] {
        guard let config else { return [:] }
        guard let data = FileManager.default.contents(atPath: config) else { throw InputError("\(config): cannot be read") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw InputError("\(config): not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = object as? [String: Any] else { throw InputError("\(config): the config must be a JSON object") }
        let allowed: Set<String>
        switch model {
        case .logit: allowed = ["lambda_l2", "threshold", "features", "special_values"]
        case .scorecard: allowed = ScorecardOptions.configKeys.union(["features", "special_values"])
        case .gbdt: allowed = BoostingParameters.configKeys.union(["features", "special_values"])
        case .gpboost: allowed = BoostingParameters.configKeys.union(["features", "train_cov_pars", "init_cov_pars"])
        case .glmm: allowed = ["features"]
        case .hnn: allowed = HNNOptions.configKeys.union(["features", "special_values"])
        case .lbsf: allowed = LBSFTrainOptions.configKeys
        }
        for key in dict.keys where !allowed.contains(key) {
            throw InputError("\(config): unknown key '\(key)' for model \(model.rawValue) (known: \(allowed.sorted().joined(separator: ", ")))")
        }
        return dict
    }

    func specialValues(_ config: [String: Any]) throws -> [String: [Double]] {
        guard let raw = config["special_values"] else { return [:] }
        guard let dict = raw as? [String: Any] else { throw InputError("config: special_values must map column names to lists of numbers") }
        var out: [String: [Double]] = [:]
        for (k, v) in dict {
            guard let list = v as? [NSNumber] else { throw InputError("config: special_values['\(k)'] must be a list of numbers") }
            out[k] = list.map(\.doubleValue)
        }
        return out
    }

    /// GP coordinates must be numeric and present in every row; errors name the file, line and column.
    func checkCoordinates(_ data: LoadedData, timeColumn: String?, space: [String]) throws {
        for (name, role) in (timeColumn.map { [($0, "time coordinate")] } ?? []) + space.map({ ($0, "spatial coordinate") }) {
            guard let col = data.frame[name] else { throw InputError("\(data.label): no column '\(name)' (the GP's \(role))") }
            guard let v = col.doubles() else {
                let bad = (0..<col.count).first { col.text(at: $0).map { Double($0) == nil } ?? false } ?? 0
                throw InputError("\(data.locate(row: bad)), column '\(name)': the GP's \(role) must be numeric (found '\(col.text(at: bad) ?? "")')")
            }
            if let i = v.firstIndex(where: { !$0.isFinite }) {
                throw InputError("\(data.locate(row: i)), column '\(name)': the GP's \(role) is missing; every row needs its coordinates")
            }
        }
    }

    /// Fits a gpboost or glmm model.
    func trainGP(frame: Frame, labels: [Int], features: [String], timeColumn: String?, space: [String], target: String,
                 config: [String: Any]) throws -> AnyModel {
        let columns = GPCoordinateColumns(time: timeColumn, space: space)
        guard let metric = DistanceMetric(rawValue: distance) else { throw InputError("--distance must be euclidean or great_circle") }
        let kindName = covFunction ?? (timeColumn == nil ? "matern" : "matern_space_time")
        guard let kind = CovarianceKind(rawValue: kindName) else {
            throw InputError("--cov-function '\(kindName)' is not one of \(CovarianceKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if kind.isSpaceTime && timeColumn == nil { throw InputError("--cov-function \(kindName) needs a time column: pass --time") }
        let covariance = try CovarianceFunction(kind: kind, nu: nu, metric: metric)
        let approximation = gpApprox == "vecchia"
            ? GPApproximation.vecchia(neighbors: neighbors, ordering: vecchiaOrdering ?? (timeColumn == nil ? "random" : "time_random_space"), seed: seed ?? 0)
            : GPApproximation.exact
        let started = Date()
        if model == .glmm {
            return .glmm(try GLMMModel.fit(frame: frame, labels: labels, features: features, columns: columns, covariance: covariance,
                                           approximation: approximation) { it, nll in
                if it % 10 == 0 { note("  [\(it)] NLL \(fmt(nll, 4))  \(fmt(Date().timeIntervalSince(started), 1)) s") }
            })
        }
        var merged: [String: Any] = ["learning_rate": 1, "max_depth": 3, "num_leaves": 1024, "min_data_in_leaf": 50, "lambda_l2": 1, "num_iterations": 40]
        for (k, v) in config where !["features", "train_cov_pars", "init_cov_pars"].contains(k) { merged[k] = v }
        var trees: BoostingParameters
        do { trees = try BoostingParameters.fromConfig(merged) } catch { throw InputError("\(self.config ?? "config"): \(error)") }
        if let seed { trees.seed = seed }
        var settings = GPBoostSettings(trees: trees)
        if let t = config["train_cov_pars"] as? Bool { settings.trainCovarianceParameters = t }
        if let p = config["init_cov_pars"] as? [NSNumber] { settings.initialParameters = p.map(\.doubleValue) }
        var validation: (frame: Frame, labels: [Int])? = nil
        if let valid {
            let v = try LoadedData.load(valid, workspace: workspace, target: target)
            validation = (v.frame, try v.labels(target: target))
        } else if trees.earlyStoppingRound > 0 {
            throw InputError("early_stopping_round needs validation data: pass --valid DATASET")
        }
        return .gpboost(try GPBoostModel.train(frame: frame, labels: labels, features: features, columns: columns, covariance: covariance,
                                               approximation: approximation, settings: settings, validation: validation) { p in
            note("  [\(p.round)] NLL \(fmt(p.negLogLikelihood, 4))  θ \(p.parameters.map { fmt($0, 4) }.joined(separator: " "))"
                 + (p.validationLogLoss.map { "  valid log-loss \(fmt($0, 5))" } ?? "") + "  \(p.evaluations) evaluations  \(fmt(p.seconds, 2)) s")
        })
    }
}
