import ArgumentParser
import Foundation
import ObligorCatalog
import ObligorData
import ObligorHamiltonian
import ObligorNeural

/// `obligor train --help` text for the hnn config keys.
let hnnConfigHelp = """
"hidden_layers": [512, 268], "negative_slope": 0.01, "dropout": 0.2, "initialization": "pytorch-uniform" | \
"he-normal", "optimizer" (or --optimizer): "hamiltonian-code" (default; η 0.01, "beta" 0.9, "epsilon" 1e-8) | \
"hamiltonian-paper" (η 0.1, "integrator": "symplectic-euler" | "leapfrog", "damping" μ 0.9) | "adam" (η 1e-3, \
"beta1", "beta2", "epsilon") | "sgd" (η 0.01, "beta1" = momentum 0), "learning_rate", "epochs" 30, "batch_size" 32, \
"lambda" (alias "reg_coeff") 0.01, "regularizer": "paper" (λ·½‖θ‖² with gradient) | "code" (λ·Σ‖θ_t‖ logged, no \
gradient) | "none", "early_stopping_patience" 5, "min_delta" 0, "validation_fraction" 0.2 (latest rows by --time, \
else random), "lr_scheduler_factor" 0.5, "lr_scheduler_patience" 3, "min_learning_rate" 1e-5, "class_weight": "none" \
| "balanced" | [w0, w1], "smote": false, "smote_neighbors" 5, "missing": "mean" | "error" | "drop", "threshold" 0.5, \
"seed", "features", "special_values". Default features on a Freddie panel: the paper's seven (fico, mi_pct, units, \
cltv, dti, ltv, single_borrower = borrowers is 1).
"""

extension TrainCommand {
    /// Usage checks of the hnn options (exit code 2).
    func validateHNNOptions() throws {
        if let optimizer {
            guard model == .hnn else { throw ValidationError("--optimizer applies to --model hnn only") }
            guard OptimizerKind(rawValue: optimizer) != nil else {
                throw ValidationError("unknown optimizer '\(optimizer)' for --optimizer (known: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
    }

    /// The paper's seven Freddie fields when the frame is a Freddie panel (has all their sources).
    func hnnDefaultFeatures(_ frame: Frame) -> [String]? {
        let present = HNNModel.paperFreddieFeatures.allSatisfy { frame[$0] != nil || hnnDerivable($0, frame) }
        return present ? HNNModel.paperFreddieFeatures : nil
    }

    /// Whether `feature` is one the HNN derives (single_borrower from borrowers).
    func hnnDerivable(_ feature: String, _ frame: Frame) -> Bool {
        feature == "single_borrower" && frame["borrowers"] != nil
    }

    /// Trains an hnn model; HNN errors come back as bad input naming the file/dataset, line/row and column.
    func trainHNN(_ data: LoadedData, labels: [Int], features: [String], target: String, timeColumn: String?,
                  config: [String: Any], specials: [String: [Double]]) throws -> AnyModel {
        do {
            var options = try HNNOptions(config: config, optimizerName: optimizer)
            if let seed { options.training.seed = seed }
            note("hnn: \(options.hiddenLayers.map(String.init).joined(separator: "-")) MLP, optimizer \(options.optimizer.kind.rawValue)"
                 + (options.optimizer.kind == .hamiltonianPaper ? " (\(options.optimizer.scheme.rawValue), damping \(options.optimizer.damping))" : "")
                 + ", η \(options.optimizer.learningRate), λ \(options.training.lambda) (\(options.training.regularizer.rawValue)), "
                 + "\(options.training.epochs) epochs, batch \(options.training.batchSize), seed \(options.training.seed)")
            let model = try HNNModel.train(frame: data.frame, labels: labels, target: target, features: features, timeColumn: timeColumn,
                                           specialValues: specials, options: options) { e in
                note("  [\(e.epoch)] train loss \(fmt(e.trainLoss, 5))" + (e.validationLoss.map { "  valid loss \(fmt($0, 5))" } ?? "")
                     + "  lr \(fmt(e.learningRate, 6))")
            }
            return .hnn(model)
        } catch let e as HNNError {
            throw InputError(e.description(locating: data.locate(row:)))
        }
    }
}

/// Prints an HNN model's architecture and training summary.
func describeHNN(_ m: HNNModel) {
    let o = m.options
    note("hnn: \(m.network.inputCount) inputs → \(o.hiddenLayers.map(String.init).joined(separator: " → ")) → \(m.network.outputCount) logits, "
         + "\(m.network.parameterCount) parameters; LeakyReLU \(o.negativeSlope), dropout \(o.dropout)")
    note("optimizer \(o.optimizer.kind.rawValue), η \(o.optimizer.learningRate); λ \(o.training.lambda) (\(o.training.regularizer.rawValue)); "
         + "best epoch \(m.history.bestEpoch) of \(m.history.epochs.count)\(m.history.stoppedEarly ? " (stopped early)" : "")")
    note("rows: \(m.trainingRows) training, \(m.syntheticRows) SMOTE, \(m.validationRows) validation (\(m.validationSlice)), \(m.droppedRows) dropped for missing values")
    note("features: \(m.features.joined(separator: ", "))")
}
