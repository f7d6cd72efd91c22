import Foundation
import ObligorData

/// Training metadata stored with every model.
public struct TrainingMetadata: Codable, Sendable, Equatable {
    /// Dataset name (or file path) the model was trained on.
    public var dataset: String
    /// SHA-256 of the training data source.
    public var dataSHA256: String
    public var target: String
    public var features: [String]
    public var trainingRows: Int
    public var defaults: Int
    /// Time column and range when trained out-of-time.
    public var timeColumn: String?
    public var timeRange: [String]?
    /// Hyperparameters as given (JSON values as text).
    public var hyperparameters: [String: String]
    public var seed: UInt64?
    /// `obligor` version that trained it.
    public var libraryVersion: String
    public var trainedAt: String

    public init(dataset: String, dataSHA256: String, target: String, features: [String], trainingRows: Int, defaults: Int,
                timeColumn: String? = nil, timeRange: [String]? = nil, hyperparameters: [String: String] = [:],
                seed: UInt64? = nil, libraryVersion: String = ObligorVersion.current, trainedAt: String) {
        self.dataset = dataset
        self.dataSHA256 = dataSHA256
        self.target = target
        self.features = features
        self.trainingRows = trainingRows
        self.defaults = defaults
        self.timeColumn = timeColumn
        self.timeRange = timeRange
        self.hyperparameters = hyperparameters
        self.seed = seed
        self.libraryVersion = libraryVersion
        self.trainedAt = trainedAt
    }

    enum CodingKeys: String, CodingKey {
        case dataset, target, features, hyperparameters, seed
        case dataSHA256 = "data_sha256", trainingRows = "training_rows", defaults
        case timeColumn = "time_column", timeRange = "time_range", libraryVersion = "library_version", trainedAt = "trained_at"
    }
}

/// The library version written into model files and reports.
public enum ObligorVersion {
    public static let current = "0.1.0"
}

/// Any Obligor model, as one Codable value: the unit stored in the workspace and in `.obligor.json` files.
///
/// The envelope is `{"obligor_model": KIND, "format_version": N, "metadata": {…}, "model": {…}}`.
/// Format versions only grow; a reader keeps decoding every older version it ever wrote.
public enum AnyModel: Sendable {
    case logistic(LogisticModel)
    case scorecard(ScorecardModel)

    /// The current format version of each kind.
    public static let formatVersion = 1

    /// The kind tag ("logit", "scorecard").
    public var kind: String {
        switch self {
        case .logistic: return "logit"
        case .scorecard: return "scorecard"
        }
    }

    /// The model as a ``Scorer``.
    public var scorer: any Scorer {
        switch self {
        case let .logistic(m): return m
        case let .scorecard(m): return m
        }
    }

    /// The model as an ``ExplainableScorer`` when it offers reason codes.
    public var explainable: (any ExplainableScorer)? {
        switch self {
        case let .logistic(m): return m
        case let .scorecard(m): return m
        }
    }

    /// JSON of the model alone (the workspace payload).
    public func encodedPayload() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        switch self {
        case let .logistic(m): return try e.encode(m)
        case let .scorecard(m): return try e.encode(m)
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
