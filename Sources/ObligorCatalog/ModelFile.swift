import Foundation
import ObligorBoosting
import ObligorData
import ObligorGP
import ObligorHamiltonian
import ObligorModels
import ObligorSequences

/// Any Obligor model, as one Codable value: the unit stored in the workspace and in `.obligor.json` files.
///
/// The envelope is `{"obligor_model": KIND, "format_version": N, "metadata": {…}, "model": {…}}`.
/// Format versions only grow; a reader keeps decoding every older version it ever wrote.
public enum AnyModel: Sendable {
    case logistic(LogisticModel)
    case scorecard(ScorecardModel)
    case gbdt(GBDTModel)
    /// Trees plus a latent space-time GP frailty.
    case gpboost(GPBoostModel)
    /// Linear fixed effects plus a latent GP.
    case glmm(GLMMModel)
    /// A neural PD model trained with a Hamiltonian (or baseline) optimizer.
    case hnn(HNNModel)
    /// Payment-sequence folding model (LBSF) or its flat baseline; scores after its events are bound.
    case lbsf(LBSFModel)

    /// The current format version of each kind.
    public static let formatVersion = 1

    /// The kind tag ("logit", "scorecard").
    public var kind: String {
        switch self {
        case .logistic: return "logit"
        case .scorecard: return "scorecard"
        case .gbdt: return "gbdt"
        case .gpboost: return "gpboost"
        case .glmm: return "glmm"
        case .hnn: return "hnn"
        case .lbsf: return "lbsf"
        }
    }

    /// The model as a ``Scorer``.
    public var scorer: any Scorer {
        switch self {
        case let .logistic(m): return m
        case let .scorecard(m): return m
        case let .gbdt(m): return m
        case let .gpboost(m): return m
        case let .glmm(m): return m
        case let .hnn(m): return m
        case let .lbsf(m): return m
        }
    }

    /// The model as an ``ExplainableScorer`` when it offers reason codes.
    public var explainable: (any ExplainableScorer)? {
        switch self {
        case let .logistic(m): return m
        case let .scorecard(m): return m
        case let .gbdt(m): return m
        case .gpboost, .glmm: return nil
        case .hnn: return nil
        case let .lbsf(m): return m
        }
    }

    /// The model as one SQLite `SELECT id, pd FROM input` (see ``SQLExport``).
    /// - Throws: for models with a latent GP, whose PD integrates over the frailty's posterior.
    public func sqlSelect() throws -> String {
        switch self {
        case .gpboost, .glmm:
            throw ModelError.unsupportedFormat("\(kind) models integrate over a latent GP posterior; SQL export covers logit, scorecard and gbdt")
        case let .logistic(m): return SQLExport.select(m)
        case let .scorecard(m): return SQLExport.select(m)
        case let .gbdt(m): return SQLExport.select(kind: kind, linearPredictor: TreeSQL.predictor(m))
        case .hnn: throw ModelError.unsupportedFormat("hnn models are neural networks; SQL export covers logit, scorecard and gbdt")
        case .lbsf: throw ModelError.unsupportedFormat("lbsf models read payment sequences; SQL export covers logit, scorecard and gbdt")
        }
    }

    /// JSON of the model alone (the workspace payload).
    public func encodedPayload() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        switch self {
        case let .logistic(m): return try e.encode(m)
        case let .scorecard(m): return try e.encode(m)
        case let .gbdt(m): return try e.encode(m)
        case let .gpboost(m): return try e.encode(m)
        case let .glmm(m): return try e.encode(m)
        case let .hnn(m): return try e.encode(m)
        case let .lbsf(m): return try e.encode(m)
        }
    }

    /// Decodes a payload of `kind` written with `formatVersion`.
    public static func decode(kind: String, formatVersion: Int, payload: Data) throws -> AnyModel {
        guard formatVersion >= 1 && formatVersion <= Self.formatVersion else {
            throw ModelError.unsupportedFormat("model format version \(formatVersion) of kind '\(kind)' is newer than this obligor (supports up to \(Self.formatVersion))")
        }
        let d = JSONDecoder()
        switch kind {
        case "logit": return .logistic(try d.decode(LogisticModel.self, from: payload))
        case "scorecard": return .scorecard(try d.decode(ScorecardModel.self, from: payload))
        case "gbdt": return .gbdt(try d.decode(GBDTModel.self, from: payload))
        case "gpboost": return .gpboost(try d.decode(GPBoostModel.self, from: payload))
        case "glmm": return .glmm(try d.decode(GLMMModel.self, from: payload))
        case "hnn": return .hnn(try d.decode(HNNModel.self, from: payload))
        case "lbsf": return .lbsf(try d.decode(LBSFModel.self, from: payload))
        default: throw ModelError.unsupportedFormat("unknown model kind '\(kind)'")
        }
    }
}

/// A model with its metadata, as exported to an `obligor` format file.
public struct ModelFile: Sendable {
    public var model: AnyModel
    public var metadata: TrainingMetadata

    public init(model: AnyModel, metadata: TrainingMetadata) {
        self.model = model
        self.metadata = metadata
    }

    /// The self-describing JSON envelope.
    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        let payload = try JSONSerialization.jsonObject(with: model.encodedPayload())
        let meta = try JSONSerialization.jsonObject(with: e.encode(metadata))
        let envelope: [String: Any] = ["obligor_model": model.kind, "format_version": AnyModel.formatVersion, "metadata": meta, "model": payload]
        return try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .prettyPrinted])
    }

    /// Reads an envelope written by ``encoded()``.
    public static func decode(_ data: Data) throws -> ModelFile {
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let kind = obj["obligor_model"] as? String, let version = obj["format_version"] as? Int,
              let modelObj = obj["model"], let metaObj = obj["metadata"] else {
            throw ModelError.unsupportedFormat("not an obligor model file: expected keys obligor_model, format_version, metadata, model")
        }
        let model = try AnyModel.decode(kind: kind, formatVersion: version, payload: JSONSerialization.data(withJSONObject: modelObj))
        let metadata = try JSONDecoder().decode(TrainingMetadata.self, from: JSONSerialization.data(withJSONObject: metaObj))
        return ModelFile(model: model, metadata: metadata)
    }
}

extension AnyModel {
    /// The seed a model was trained with, when it has one.
    public var seed: UInt64? {
        if case let .gbdt(m) = self { return m.parameters.seed }
        if case let .gpboost(m) = self { return m.settings.trees.seed }
        if case let .hnn(m) = self { return m.options.training.seed }
        if case let .lbsf(m) = self { return m.network.config.seed }
        return nil
    }
}
