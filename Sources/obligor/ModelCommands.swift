import ArgumentParser
import Foundation
import ObligorBoosting
import ObligorCatalog
import ObligorData
import ObligorGP
import ObligorModels
import ObligorStore

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Export, import and describe stored models.",
        subcommands: [ModelExport.self, ModelImport.self, ModelDescribe.self, ModelCheckMonotone.self])
}

enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case obligor, sql, pmml
    case logisticJSON = "logistic-json"
    case lightgbmText = "lightgbm-text"
}

enum ImportFormat: String, ExpressibleByArgument, CaseIterable {
    case obligor
    case logisticJSON = "logistic-json"
    case xgboostJSON = "xgboost-json"
    case lightgbmText = "lightgbm-text"
}

struct ModelExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a stored model to a file.",
        discussion: """
        --format obligor: the full model with its training metadata (JSON envelope; re-import reproduces PDs bit for \
        bit).

        --format logistic-json: the plain linear interchange form (numeric features without missing-value handling).

        --format sql: one SQLite SELECT reading table `input` (id + features) and returning id, pd.

        --format pmml: PMML 4.4 for scorecard and gbdt models; output fields margin and pd (see \
        bench/pmml/check.py).
        """)
    @Argument(help: "Model name.") var model: String
    @Argument(help: "Output file.") var file: String
    @Option(help: "obligor | logistic-json | sql | lightgbm-text | pmml (PMML 4.4: scorecard, gbdt).") var format: ExportFormat = .obligor
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        let ws = try workspace.openExisting()
        let (anyModel, metadata) = try loadModel(model, workspace: ws)
        let text: String
        switch format {
        case .obligor:
            guard let metadata else { throw InputError("model '\(model)' has no readable metadata") }
            text = String(decoding: try ModelFile(model: anyModel, metadata: metadata).encoded(), as: UTF8.self) + "\n"
        case .logisticJSON:
            guard case let .logistic(m) = anyModel else { throw InputError("logistic-json holds logistic models; '\(model)' is \(anyModel.kind)") }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .prettyPrinted]
            text = String(decoding: try e.encode(try LogisticInterchange(m)), as: UTF8.self) + "\n"
        case .sql:
            text = try anyModel.sqlSelect() + "\n"
        case .lightgbmText:
            guard case let .gbdt(m) = anyModel else { throw InputError("lightgbm-text holds tree ensembles; '\(model)' is \(anyModel.kind)") }
            do { text = try LightGBMExport.text(m) } catch { throw InputError("model '\(model)': \(error)") }
        case .pmml:
            do { text = try PMMLExport.document(anyModel) } catch let e as ModelError { throw InputError("model '\(model)': \(e.description)") }
        }
        try CSVWriter.writeAtomically(text, to: file)
        note("exported \(anyModel.kind) model '\(model)' as \(format.rawValue) to \(file)")
    }
}

struct ModelImport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Store a model file in the workspace.")
    @Argument(help: "Model file.") var file: String
    @Option(help: "Name to store it under.") var name: String
    @Option(help: "obligor | logistic-json | xgboost-json | lightgbm-text.") var format: ImportFormat = .obligor
    @Option(help: "xgboost-json: feature names in model order, comma separated (default: the file's, else f0, f1, …).") var features: String?
    @Option(help: "Target the imported model predicts (recorded in its metadata).") var target: String?
    @Option(help: "Approval cut-off for the imported tree model (approve when PD < threshold).") var threshold: Double?
    @Flag(help: "Replace an existing model of the same name.") var replace = false
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw InputError("\(file): cannot be read") }
        let model: AnyModel
        let metadata: TrainingMetadata
        let now = ISO8601DateFormatter().string(from: Date())
        switch format {
        case .obligor:
            let f: ModelFile
            do { f = try ModelFile.decode(data) } catch { throw InputError("\(file): \(InputFailure.message(for: error) ?? "\(error)")") }
            model = f.model
            metadata = f.metadata
        case .logisticJSON:
            let spec: LogisticInterchange
            do { spec = try JSONDecoder().decode(LogisticInterchange.self, from: data) } catch {
                throw InputError("\(file): not a logistic-json model: \(InputFailure.message(for: error) ?? "\(error)")")
            }
            let m: LogisticModel
            do { m = try spec.model() } catch { throw InputError("\(file): \(error.description)") }
            model = .logistic(m)
            metadata = TrainingMetadata(dataset: "(imported from \(file))", dataSHA256: try fileSHA256(file), target: spec.target,
                                        features: spec.features, trainingRows: 0, defaults: 0, hyperparameters: ["source_format": "logistic-json"],
                                        trainedAt: now)
        case .xgboostJSON, .lightgbmText:
            var m: GBDTModel
            do {
                if format == .xgboostJSON {
                    m = try XGBoostImport.model(from: data, featureNames: features.map { splitList($0) })
                } else {
                    m = try LightGBMImport.model(from: String(decoding: data, as: UTF8.self))
                }
            } catch { throw InputError("\(file): \(error)") }
            if let threshold { m.threshold = threshold }
            model = .gbdt(m)
            metadata = TrainingMetadata(dataset: "(imported from \(file))", dataSHA256: try fileSHA256(file), target: target ?? "",
                                        features: m.featureNames, trainingRows: 0, defaults: 0,
                                        hyperparameters: ["source_format": format.rawValue], trainedAt: now)
        }
        let ws = try workspace.open()
        try ws.saveModel(name: name, kind: model.kind, formatVersion: AnyModel.formatVersion, payload: model.encodedPayload(),
                         metadata: JSONEncoder().encode(metadata), replace: replace)
        note("imported \(model.kind) model '\(name)' (\(model.scorer.featureNames.count) features) from \(file)")
    }
}

struct ModelDescribe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show a stored model: kind, metadata, parameters.")
    @Argument(help: "Model name.") var model: String
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        let ws = try workspace.openExisting()
        let stored = try ws.model(named: model)
        let (anyModel, metadata) = try loadModel(model, workspace: ws)
        if json {
            try printJSON(["name": model, "kind": anyModel.kind, "format_version": stored.formatVersion,
                           "features": anyModel.scorer.featureNames,
                           "missing_policy": anyModel.missingPolicy.map { t -> [String: Any] in
                               ["feature": t.feature, "kind": t.kind, "special_values": t.specialValues, "missing": t.missing,
                                "unseen": t.unseen as Any? ?? NSNull()]
                           },
                           "metadata": (try? JSONSerialization.jsonObject(with: stored.metadata)) ?? [:],
                           "model": try JSONSerialization.jsonObject(with: anyModel.encodedPayload())] as [String: Any])
            return
        }
        note("\(model): \(anyModel.kind) (format \(stored.formatVersion)), stored \(stored.createdAt)")
        if let m = metadata {
            note("trained on \(m.dataset) [sha256 \(m.dataSHA256.prefix(12))…], \(m.trainingRows) rows, \(m.defaults) defaults, target \(m.target), obligor \(m.libraryVersion)")
        }
        let policy = anyModel.missingPolicy
        if !policy.isEmpty {
            note("missing-value policy (special values are read as missing, at training and at scoring):")
            for t in policy {
                let what = t.specialValues.isEmpty ? "missing" : "missing and special values " + t.specialValues.map { "\($0)" }.joined(separator: ", ")
                note("  " + pad(t.feature, 40) + "\(what) → \(t.missing)"
                     + (t.unseen.map { "; unseen category → \($0)" } ?? ""))
            }
        }
        switch anyModel {
        case let .logistic(lr):
            let names = ["(intercept)"] + lr.encoder.designNames
            note(pad("term", 44) + pad("coef", 14) + pad("se", 12) + "p")
            for (k, n) in names.enumerated() {
                note(pad(n, 44) + pad(fmt(lr.fit.coefficients[k], 6), 14) + pad(lr.fit.standardErrors.map { fmt($0[k], 5) } ?? "-", 12)
                     + (lr.fit.pValues.map { fmt($0[k], 4) } ?? "-"))
            }
        case let .scorecard(card):
            note("Factor \(fmt(card.scaling.factor)), Offset \(fmt(card.scaling.offset)), intercept \(fmt(card.intercept))")
            for c in card.characteristics {
                note("\(c.name)  (IV \(fmt(c.iv, 3)), β \(fmt(c.coefficient, 3)))")
                for b in c.bins { note("    " + pad(b.label, 44) + pad("WoE \(fmt(b.woe, 3))", 16) + "points \(fmt(b.points, 1))") }
            }
        case let .gbdt(m):
            note("\(m.trees.count) trees (source \(m.source)), base margin \(fmt(m.baseScore)), max depth \(m.trees.map(\.depth).max() ?? 0)")
            let gains = m.gainImportance, splits = m.splitImportance
            note(pad("feature", 48) + pad("gain", 14) + "splits")
            for j in gains.indices.sorted(by: { gains[$0] > gains[$1] || (gains[$0] == gains[$1] && $0 < $1) }) {
                note(pad(m.features[j].name, 48) + pad(fmt(gains[j], 3), 14) + "\(splits[j])")
            }
        case let .gpboost(m):
            note("\(m.trees.trees.count) trees, F₀ \(fmt(m.trees.baseScore)), learning rate \(fmt(m.settings.trees.learningRate))")
            describeGP(m.gp)
        case let .glmm(m):
            note(pad("coefficient (standardised)", 44) + "estimate")
            for (k, c) in m.coefficients.enumerated() { note(pad(k == 0 ? "(intercept)" : m.features[k - 1], 44) + fmt(c, 6)) }
            describeGP(m.gp)
        case let .hnn(m):
            describeHNN(m)
        case let .lbsf(m):
            describeLBSF(m)
        }
    }
}

/// Prints a fitted GP's covariance, parameters and locations.
func describeGP(_ gp: FittedGP) {
    note("GP: \(gp.covariance.kind.rawValue) ν=\(gp.covariance.nu) (\(gp.covariance.metric.rawValue)), \(gp.approximation.method)"
         + (gp.approximation.method == "vecchia" ? " (\(gp.approximation.neighbors) neighbours, \(gp.approximation.ordering))" : "")
         + ", \(gp.trainingLocations.count) training locations; time \(gp.columns.time ?? "-"), space \(gp.columns.space.joined(separator: ","))")
    for (name, v) in zip(gp.parameterNames, gp.parameters) { note("  " + pad(name, 20) + fmt(v, 6)) }
    note("  approximate negative log marginal likelihood \(fmt(gp.negLogLikelihood, 4))")
    for w in gp.warnings ?? [] { note("warning: \(w)") }
}

enum MonotoneDirection: String, ExpressibleByArgument, CaseIterable { case up, down }

struct ModelCheckMonotone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-monotone",
        abstract: "Prove or refute that PD is monotone in one numeric feature.",
        discussion: """
        The check covers the feature's whole range. up: PD never falls as the feature grows (all other inputs \
        fixed); down: never rises. Special values and missing values are outside the order.

        logit: coefficient sign; scorecard: β·WoE across bins in edge order; gbdt: every tree's leaves compared \
        pairwise along the feature (a proof when every tree is monotone), else the ensemble is evaluated at every \
        split threshold along a violating line to find a counterexample.

        Exit status: 0 proven, 1 refuted (two counterexample rows on stdout as CSV, or in --json), 3 undecided \
        (trees violate on their own but no ensemble counterexample was found).
        """)
    @Option(help: "Model name.") var model: String
    @Option(help: "Numeric feature.") var feature: String
    @Option(help: "up | down (direction of PD as the feature grows).") var direction: MonotoneDirection
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var workspace: WorkspaceOptions

    func run() throws {
        let ws = try workspace.openExisting()
        let (anyModel, _) = try loadModel(model, workspace: ws)
        let report: Monotonicity.Report
        do { report = try Monotonicity.check(anyModel, feature: feature, direction: direction == .up ? 1 : -1) } catch let e as Monotonicity.CheckError {
            throw InputError(e.description)
        }
        let cx = report.counterexample
        if json {
            var out: [String: Any] = ["model": model, "feature": feature, "direction": direction.rawValue, "verdict": report.verdict.rawValue,
                                      "method": report.method, "points_checked": report.pointsChecked, "non_monotone_trees": report.nonMonotoneTrees]
            if let cx {
                out["counterexample"] = ["columns": cx.columns, "rows": cx.rows, "margins": cx.margins, "pds": cx.pds] as [String: Any]
            }
            try printJSON(out)
        } else {
            note("\(model): PD \(direction.rawValue) in \(feature): \(report.verdict.rawValue.uppercased()) — \(report.method)")
            if let cx {
                print((cx.columns + ["margin", "pd"]).map(CSVWriter.field).joined(separator: ","))
                for k in 0..<2 { print((cx.rows[k].map(CSVWriter.field) + ["\(cx.margins[k])", "\(cx.pds[k])"]).joined(separator: ",")) }
            }
        }
        switch report.verdict {
        case .proven: return
        case .refuted: throw ExitCode(1)
        case .undecided: throw ExitCode(3)
        }
    }
}
