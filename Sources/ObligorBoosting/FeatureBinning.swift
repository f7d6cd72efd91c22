import Foundation
import ObligorData
import ObligorNumerics

/// One model input: its name, kind and (for a categorical feature) its category dictionary.
///
/// Raw feature matrices (``RawFeatures``) hold a numeric value, or a categorical code indexing
/// ``categories``, with NaN for missing.
public struct FeatureSpec: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case numeric, categorical }
    public let name: String
    public let kind: Kind
    /// Categorical: category labels in code order.
    public let categories: [String]
    /// Numeric sentinel codes read as missing (for example 9999), fixed at training.
    public let specialValues: [Double]

    public init(name: String, kind: Kind, categories: [String] = [], specialValues: [Double] = []) {
        self.name = name
        self.kind = kind
        self.categories = categories
        self.specialValues = specialValues
    }

    enum CodingKeys: String, CodingKey { case name, kind, categories, specialValues = "special_values" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(Kind.self, forKey: .kind)
        categories = try c.decodeIfPresent([String].self, forKey: .categories) ?? []
        specialValues = try c.decodeIfPresent([Double].self, forKey: .specialValues) ?? []
    }
}

/// A dense row-major matrix of raw feature values (NaN = missing; categories as codes).
public struct RawFeatures: Sendable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Reads `specs` from `frame`. Numeric columns as numbers; categorical features by label
    /// (labels never seen in training become NaN, i.e. they follow the missing-value direction).
    public static func from(_ frame: Frame, specs: [FeatureSpec]) throws(BoostingError) -> RawFeatures {
        let n = frame.rowCount
        let p = specs.count
        var values = [Double](repeating: .nan, count: n * p)
        for (j, spec) in specs.enumerated() {
            guard let col = frame[spec.name] else {
                throw .invalidData("the data has no column '\(spec.name)', which the model needs")
            }
            switch spec.kind {
            case .numeric:
                guard col.isNumeric else { throw .invalidData("column '\(spec.name)' is \(col.type.rawValue), the model expects numbers") }
                let specials = Set(spec.specialValues)
                for i in 0..<n { if let v = col.numericValue(at: i), !specials.contains(v) { values[i * p + j] = v } }
            case .categorical:
                let index = Dictionary(spec.categories.enumerated().map { ($1, Double($0)) }, uniquingKeysWith: { a, _ in a })
                switch col.values {
                case let .categorical(codes, levels):
                    let map = levels.map { index[$0] ?? .nan }
                    for i in 0..<n where codes[i] >= 0 { values[i * p + j] = map[Int(codes[i])] }
                default:
                    for i in 0..<n { if let t = col.text(at: i) { values[i * p + j] = index[t] ?? .nan } }
                }
            }
        }
        return RawFeatures(rows: n, columns: p, values: values)
    }
}

/// Maps one feature's raw values to bins (training only).
///
/// Numeric: value bins 0..<k with ascending upper bounds u₀ < u₁ < … < u_{k−1} = +∞; a value v
/// falls in the first bin with v ≤ uᵢ (so a split "bin ≤ b" is the raw rule "v ≤ u_b"). Bounds are
/// midpoints between adjacent distinct sample values; with more distinct values than `max_bin`,
/// greedy equal-frequency groups. Categorical: one bin per category, for the `max_bin` most frequent;
/// rarer categories read as missing. Missing values have their own bin, index k.
struct BinMapper: Sendable {
    let kind: FeatureSpec.Kind
    /// Numeric upper bounds (last = +∞).
    let upperBounds: [Double]
    /// Categorical: bin of each category code (−1 = no bin of its own, read as missing).
    let categoryBin: [Int]
    /// Categorical: category code of each bin.
    let binCategory: [Int]
    /// Number of value bins (missing is bin `valueBins`).
    let valueBins: Int
    var missingBin: Int { valueBins }
    var totalBins: Int { valueBins + 1 }

    init(numeric sample: [Double], maxBin: Int) {
        kind = .numeric
        var sorted = sample.filter { !$0.isNaN }
        sorted.sort()
        var distinct: [Double] = []
        var counts: [Int] = []
        for v in sorted {
            if let last = distinct.last, last == v { counts[counts.count - 1] += 1 } else { distinct.append(v); counts.append(1) }
        }
        var bounds: [Double] = []
        if distinct.count <= maxBin {
            for k in 0..<max(0, distinct.count - 1) { bounds.append(Self.midpoint(distinct[k], distinct[k + 1])) }
        } else {
            // Greedy equal-frequency: close a bin once it holds its share of the remaining rows.
            var remaining = sorted.count
            var binsLeft = maxBin
            var acc = 0
            for k in 0..<(distinct.count - 1) {
                acc += counts[k]
                let target = Double(remaining) / Double(binsLeft)
                if Double(acc) >= target || distinct.count - 1 - k <= binsLeft - 1 {
                    bounds.append(Self.midpoint(distinct[k], distinct[k + 1]))
                    remaining -= acc
                    acc = 0
                    binsLeft -= 1
                    if binsLeft == 1 { break }
                }
            }
        }
        bounds.append(.infinity)
        upperBounds = bounds
        valueBins = bounds.count
        categoryBin = []
        binCategory = []
    }

    init(categorical codes: [Int], categoryCount: Int, maxBin: Int) {
        kind = .categorical
        var counts = [Int](repeating: 0, count: categoryCount)
        for c in codes where c >= 0 { counts[c] += 1 }
        let ordered = (0..<categoryCount).filter { counts[$0] > 0 }.sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }
        let kept = Array(ordered.prefix(maxBin))
        var bin = [Int](repeating: -1, count: categoryCount)
        for (b, c) in kept.enumerated() { bin[c] = b }
        categoryBin = bin
        binCategory = kept
        valueBins = max(1, kept.count)
        upperBounds = []
    }

    static func midpoint(_ a: Double, _ b: Double) -> Double {
        let m = a + (b - a) / 2
        return m < b ? m : a   // guard against rounding up to b
    }

    @inline(__always)
    func bin(_ v: Double) -> Int {
        if v.isNaN { return missingBin }
        switch kind {
        case .numeric:
            var lo = 0, hi = upperBounds.count - 1
            while lo < hi {
                let mid = (lo + hi) >> 1
                if v <= upperBounds[mid] { hi = mid } else { lo = mid + 1 }
            }
            return lo
        case .categorical:
            let c = Int(v)
            return c >= 0 && c < categoryBin.count && categoryBin[c] >= 0 ? categoryBin[c] : missingBin
        }
    }
}

/// Training data in binned form: row-major `UInt8` bins, one byte per cell.
struct BinnedData: Sendable {
    let rows: Int
    let features: Int
    let bins: [UInt8]
    let mappers: [BinMapper]

    init(raw: RawFeatures, specs: [FeatureSpec], maxBin: Int, sampleCount: Int, seed: UInt64) {
        rows = raw.rows
        features = raw.columns
        // Bin edges from a seeded sample of rows (all rows when there are few).
        var sampleRows = Array(0..<raw.rows)
        if raw.rows > sampleCount {
            let rng = RandomSource(seed: seed ^ 0x5EED_B1B5)
            rng.shuffle(&sampleRows)
            sampleRows = Array(sampleRows.prefix(sampleCount)).sorted()
        }
        let p = raw.columns
        let built: [BinMapper] = Parallel.map(p) { j in
            switch specs[j].kind {
            case .numeric:
                return BinMapper(numeric: sampleRows.map { raw.values[$0 * p + j] }, maxBin: maxBin)
            case .categorical:
                let codes = (0..<raw.rows).map { i -> Int in let v = raw.values[i * p + j]; return v.isNaN ? -1 : Int(v) }
                return BinMapper(categorical: codes, categoryCount: specs[j].categories.count, maxBin: maxBin)
            }
        }
        mappers = built
        var out = [UInt8](repeating: 0, count: raw.rows * p)
        let ranges = Parallel.chunks(count: raw.rows, size: 65_536)
        out.withUnsafeMutableBufferPointer { ob in
            nonisolated(unsafe) let ob = ob
            _ = Parallel.map(ranges.count) { k in
                for i in ranges[k] {
                    for j in 0..<p { ob[i * p + j] = UInt8(built[j].bin(raw.values[i * p + j])) }
                }
            }
        }
        bins = out
    }
}
