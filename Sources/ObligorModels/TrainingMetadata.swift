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

