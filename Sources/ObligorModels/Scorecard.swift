import Foundation
import ObligorData
import ObligorMetrics
import ObligorNumerics

/// Options for training a WoE scorecard. JSON keys are snake_case (`--config FILE.json`).
public struct ScorecardOptions: Codable, Sendable, Equatable {
    /// Fine-classing quantile bins per numeric characteristic.
    public var prebins = 20
    /// Most coarse bins per characteristic (missing bin not counted).
    public var maxBins = 6
    /// Smallest coarse bin, as a share of the rows.
    public var minBinShare = 0.05
    /// Characteristics with a lower information value are dropped (Siddiqi: < 0.02 is unpredictive).
    public var minIV = 0.02
    /// Force a monotone bad rate across numeric bins.
    public var monotone = true
    /// SAS-style WOEADJUST added to both counts of a bin with a zero count.
    public var woeAdjustment = 0.5
    /// Drop characteristics whose logistic coefficient has the wrong sign (higher WoE must mean lower PD), refitting each time.
    public var dropWrongSign = true
    /// Points to double the odds.
    public var pdo = 20.0
    /// Points at the base odds.
    public var basePoints = 600.0
    /// Base odds, good:bad.
    public var baseOdds = 50.0
    /// Ridge penalty of the logistic fit on WoE.
    public var lambda = 0.0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case prebins, monotone, pdo
        case maxBins = "max_bins", minBinShare = "min_bin_share", minIV = "min_iv", woeAdjustment = "woe_adjustment"
        case dropWrongSign = "drop_wrong_sign", basePoints = "base_points", baseOdds = "base_odds", lambdaL2 = "lambda_l2"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ScorecardOptions()
        prebins = try c.decodeIfPresent(Int.self, forKey: .prebins) ?? d.prebins
        maxBins = try c.decodeIfPresent(Int.self, forKey: .maxBins) ?? d.maxBins
        minBinShare = try c.decodeIfPresent(Double.self, forKey: .minBinShare) ?? d.minBinShare
        minIV = try c.decodeIfPresent(Double.self, forKey: .minIV) ?? d.minIV
        monotone = try c.decodeIfPresent(Bool.self, forKey: .monotone) ?? d.monotone
        woeAdjustment = try c.decodeIfPresent(Double.self, forKey: .woeAdjustment) ?? d.woeAdjustment
        dropWrongSign = try c.decodeIfPresent(Bool.self, forKey: .dropWrongSign) ?? d.dropWrongSign
        pdo = try c.decodeIfPresent(Double.self, forKey: .pdo) ?? d.pdo
        basePoints = try c.decodeIfPresent(Double.self, forKey: .basePoints) ?? d.basePoints
        baseOdds = try c.decodeIfPresent(Double.self, forKey: .baseOdds) ?? d.baseOdds
        lambda = try c.decodeIfPresent(Double.self, forKey: .lambdaL2) ?? d.lambda
    }

    /// Checks ranges.
    public func validate() throws(ModelError) {
        if prebins < 2 { throw .invalidConfig("prebins must be at least 2") }
        if maxBins < 1 { throw .invalidConfig("max_bins must be at least 1") }
        if !(minBinShare >= 0 && minBinShare < 0.5) { throw .invalidConfig("min_bin_share must be in [0, 0.5)") }
        if !(woeAdjustment >= 0 && woeAdjustment <= 1) { throw .invalidConfig("woe_adjustment must be in [0, 1]") }
        if !(pdo > 0) { throw .invalidConfig("pdo must be positive") }
        if !(baseOdds > 0) { throw .invalidConfig("base_odds must be positive") }
        if !(lambda >= 0) { throw .invalidConfig("lambda_l2 must be non-negative") }
    }
}

/// Points scaling: Score = Offset + Factor · ln(odds good:bad), Factor = PDO / ln 2,
/// Offset = BasePoints − Factor · ln(BaseOdds).
public struct PointsScaling: Codable, Sendable, Equatable {
    public let pdo: Double
    public let basePoints: Double
    public let baseOdds: Double

    public init(pdo: Double, basePoints: Double, baseOdds: Double) {
        self.pdo = pdo
        self.basePoints = basePoints
        self.baseOdds = baseOdds
    }

    public var factor: Double { pdo / log(2) }
    public var offset: Double { basePoints - factor * log(baseOdds) }
    /// Score of a PD: Offset − Factor · logit(PD).
    public func score(pd: Double) -> Double { offset - factor * Special.logit(pd) }
    /// PD of a score: 1 / (1 + exp((Score − Offset) / Factor)).
    public func pd(score: Double) -> Double { 1 / (1 + exp((score - offset) / factor)) }
}

/// A weight-of-evidence scorecard (Siddiqi 2006): coarse-classed characteristics, a logistic
/// regression on their WoE, and points per attribute.
///
/// logit(PD) = a + Σⱼ βⱼ · WoEⱼ(x), WoE = ln(%good/%bad) (higher = safer, so βⱼ < 0).
/// Points of attribute i of characteristic j (n characteristics):
/// `points_ij = −Factor · (βⱼ · WoE_ij + a/n) + Offset/n`, so Σⱼ points = Offset − Factor · logit(PD).
public struct ScorecardModel: ExplainableScorer, Codable, Equatable {
    /// One attribute (bin) of a characteristic.
    public struct Bin: Codable, Sendable, Equatable {
        /// Human-readable label: "[0.5, 2)", "A11, A12", "<missing>", "<other>".
        public let label: String
        /// Categorical: the levels in this bin.
        public let levels: [String]?
        public let goods: Int
        public let bads: Int
        /// ln(%good/%bad) with the training adjustment.
        public let woe: Double
        /// Points awarded (unrounded).
        public let points: Double
    }

    /// One characteristic in the card.
    public struct Characteristic: Codable, Sendable, Equatable {
        public let name: String
        public let kind: EncodedFeature.Kind
        /// Numeric: interior edges; bins are (-inf, e1), [e1, e2), …, [ek, inf).
        public let edges: [Double]
        /// Numeric values treated as missing.
        public let specialValues: [Double]
        /// The bins: numeric bins in edge order, or categorical bins; then the missing bin if any.
        public let bins: [Bin]
        /// Index of the bin for missing values; nil = missing scores WoE 0 (neutral).
        public let missingBin: Int?
        /// Categorical: the bin for levels pooled as other and for unseen levels; nil = WoE 0.
        public let otherBin: Int?
        public let coefficient: Double
        public let iv: Double
    }

    /// A characteristic left out, and why.
    public struct Dropped: Codable, Sendable, Equatable {
        public let name: String
        public let iv: Double
        public let reason: String
    }

    public let characteristics: [Characteristic]
    public let intercept: Double
    public let scaling: PointsScaling
    public let target: String
    public let options: ScorecardOptions
    public let dropped: [Dropped]
    /// Logistic inference on the WoE design (intercept first).
    public let fit: LogisticRegression.Fit

    public var featureNames: [String] { characteristics.map(\.name) }

    /// The bin index of each row for characteristic `c`, or nil for neutral (unknown) rows.
    func binIndices(_ c: Characteristic, _ frame: Frame) throws(ModelError) -> [Int?] {
        guard let col = frame[c.name] else { throw ModelError.missingFeature(c.name) }
        switch c.kind {
        case .numeric:
            guard col.isNumeric else { throw ModelError.wrongFeatureType(feature: c.name, expected: "numeric", found: col.type.rawValue) }
            return (0..<col.count).map { i in
                if let v = col.numericValue(at: i), !c.specialValues.contains(v) { return Binning.binIndex(v, edges: c.edges) }
                return c.missingBin
            }
        case .categorical:
            guard case let .categorical(codes, levels) = col.values else {
                throw ModelError.wrongFeatureType(feature: c.name, expected: "categorical", found: col.type.rawValue)
            }
            var byLevel: [String: Int] = [:]
            for (k, b) in c.bins.enumerated() { for l in b.levels ?? [] { byLevel[l] = k } }
            let map = levels.map { byLevel[$0] ?? c.otherBin }
            return codes.map { $0 < 0 ? c.missingBin : map[Int($0)] }
        }
    }

    /// WoE design (rows × characteristics).
    func woeMatrix(_ frame: Frame) throws(ModelError) -> [[Double]] {
        var columns: [[Double]] = []
        for c in characteristics {
            columns.append(try binIndices(c, frame).map { $0.map { c.bins[$0].woe } ?? 0 })
        }
        return columns
    }

    public func predictPD(_ frame: Frame) throws -> [Double] {
        let woe = try woeMatrix(frame)
        return (0..<frame.rowCount).map { i in
            var eta = intercept
            for (j, c) in characteristics.enumerated() { eta += c.coefficient * woe[j][i] }
            return Special.sigmoid(eta)
        }
    }

    /// Total points per row (unrounded): Offset − Factor · logit(PD).
    public func points(_ frame: Frame) throws -> [Double] {
        let n = Double(characteristics.count)
        let woe = try woeMatrix(frame)
        return (0..<frame.rowCount).map { i in
            var s = 0.0
            for (j, c) in characteristics.enumerated() {
                s += -scaling.factor * (c.coefficient * woe[j][i] + intercept / n) + scaling.offset / n
            }
            return s
        }
    }

    /// Reason codes: per characteristic, the points lost against its best attribute
    /// (max points − applicant's points); the largest losses first.
    public func reasonCodes(_ frame: Frame, top: Int) throws -> [[ReasonCode]] {
        let n = Double(characteristics.count)
        var perChar: [[Int?]] = []
        for c in characteristics { perChar.append(try binIndices(c, frame)) }
        let neutral = characteristics.map { _ in -scaling.factor * (intercept / n) + scaling.offset / n }
        let best = characteristics.map { c in c.bins.map(\.points).max() ?? 0 }
        return (0..<frame.rowCount).map { i in
            var codes: [ReasonCode] = []
            for (j, c) in characteristics.enumerated() {
                let bin = perChar[j][i]
                let pts = bin.map { c.bins[$0].points } ?? neutral[j]
                let lost = best[j] - pts
                if lost > 1e-9 { codes.append(ReasonCode(feature: c.name, value: bin.map { c.bins[$0].label } ?? "<unknown>", impact: lost)) }
            }
            codes.sort { $0.impact > $1.impact || ($0.impact == $1.impact && $0.feature < $1.feature) }
            return Array(codes.prefix(top))
        }
    }

    // MARK: Training

    /// Trains a scorecard.
    /// - Parameters:
    ///   - features: candidate characteristics (those below `minIV` are dropped and reported).
    ///   - specialValues: per-feature numeric values treated as missing.
    public static func train(frame: Frame, target: String, features: [String], labels: [Int],
                             options: ScorecardOptions = ScorecardOptions(),
                             specialValues: [String: [Double]] = [:]) throws -> ScorecardModel {
        try options.validate()
        guard Set(labels).count == 2 else { throw ModelError.singleClass(target: target) }
        let rule = WoEZeroRule.adjust(options.woeAdjustment)
        var candidates: [(Characteristic, [Double])] = []   // characteristic (coefficient 0) and its WoE column
        var dropped: [Dropped] = []
        for name in features {
            let col = try frame.column(name)
            let specials = specialValues[name] ?? []
            var c: Characteristic
            var rowBin: [Int?]
            switch col.values {
            case .double, .int:
                var vals: [Double] = [], labs: [Int] = []
                var isMissing = [Bool](repeating: false, count: col.count)
                for i in 0..<col.count {
                    if let v = col.numericValue(at: i), !specials.contains(v) { vals.append(v); labs.append(labels[i]) } else { isMissing[i] = true }
                }
                if vals.isEmpty { dropped.append(Dropped(name: name, iv: 0, reason: "no non-missing values")); continue }
                let edges = CoarseClassing.numericEdges(values: vals, labels: labs, options: options)
                let hasMissing = isMissing.contains(true)
                let binCount = edges.count + 1 + (hasMissing ? 1 : 0)
                rowBin = (0..<col.count).map { i in isMissing[i] ? edges.count + 1 : Binning.binIndex(col.numericValue(at: i)!, edges: edges) }
                let labelsText = Binning.labels(edges: edges) + (hasMissing ? ["<missing>"] : [])
                c = Characteristic(name: name, kind: .numeric, edges: edges, specialValues: specials,
                                   bins: (0..<binCount).map { Bin(label: labelsText[$0], levels: nil, goods: 0, bads: 0, woe: 0, points: 0) },
                                   missingBin: hasMissing ? edges.count + 1 : nil, otherBin: nil, coefficient: 0, iv: 0)
            case let .categorical(codes, levels):
                var counts = [Int](repeating: 0, count: levels.count)
                for code in codes where code >= 0 { counts[Int(code)] += 1 }
                let minCount = options.minBinShare * Double(col.count)
                let kept = levels.indices.filter { counts[$0] > 0 && Double(counts[$0]) >= minCount }
                let pooled = levels.indices.filter { counts[$0] > 0 && Double(counts[$0]) < minCount }
                var bins = kept.map { Bin(label: levels[$0], levels: [levels[$0]], goods: 0, bads: 0, woe: 0, points: 0) }
                var otherBin: Int? = nil
                if !pooled.isEmpty {
                    otherBin = bins.count
                    bins.append(Bin(label: "<other>", levels: pooled.map { levels[$0] }, goods: 0, bads: 0, woe: 0, points: 0))
                }
                let hasMissing = codes.contains { $0 < 0 }
                var missingBin: Int? = nil
                if hasMissing {
                    missingBin = bins.count
                    bins.append(Bin(label: "<missing>", levels: nil, goods: 0, bads: 0, woe: 0, points: 0))
                }
                var levelBin = [Int?](repeating: otherBin, count: levels.count)
                for (k, l) in kept.enumerated() { levelBin[l] = k }
                rowBin = codes.map { $0 < 0 ? missingBin : levelBin[Int($0)] }
                c = Characteristic(name: name, kind: .categorical, edges: [], specialValues: [], bins: bins,
                                   missingBin: missingBin, otherBin: otherBin, coefficient: 0, iv: 0)
            }
            var goods = [Int](repeating: 0, count: c.bins.count), bads = goods
            for (i, b) in rowBin.enumerated() { if let b { if labels[i] == 1 { bads[b] += 1 } else { goods[b] += 1 } } }
            let table = WeightOfEvidence.table(goods: goods, bads: bads, rule: rule)
            let bins = c.bins.enumerated().map { k, b in Bin(label: b.label, levels: b.levels, goods: goods[k], bads: bads[k], woe: table.rows[k].woe, points: 0) }
            c = Characteristic(name: c.name, kind: c.kind, edges: c.edges, specialValues: c.specialValues, bins: bins,
                               missingBin: c.missingBin, otherBin: c.otherBin, coefficient: 0, iv: table.iv)
            if !(table.iv >= options.minIV) || c.bins.count < 2 {
                dropped.append(Dropped(name: name, iv: table.iv, reason: c.bins.count < 2 ? "a single bin" : "information value below min_iv \(options.minIV)"))
                continue
            }
            candidates.append((c, rowBin.map { $0.map { bins[$0].woe } ?? 0 }))
        }
        // Strongest first, so that of two collinear characteristics the weaker one is dropped.
        candidates.sort { $0.0.iv > $1.0.iv }
        // Fit, dropping collinear characteristics and then wrong-sign ones, one at a time.
        while true {
            guard !candidates.isEmpty else { throw ModelError.fitFailed("no characteristic has an information value of at least \(options.minIV)") }
            let n = frame.rowCount
            let p = candidates.count + 1
            var x = [Double](repeating: 1, count: n * p)
            for i in 0..<n { for (j, cand) in candidates.enumerated() { x[i * p + j + 1] = cand.1[i] } }
            let fit: LogisticRegression.Fit
            do {
                fit = try LogisticRegression.fit(design: Matrix(rows: n, columns: p, values: x), labels: labels, options: .init(lambda: options.lambda))
            } catch let ModelError.collinear(index, _) where index >= 1 && candidates.count > 1 {
                let c = candidates[index - 1].0
                let others = candidates[..<(index - 1)].map(\.0.name)
                dropped.append(Dropped(name: c.name, iv: c.iv, reason: "WoE column is a linear combination of stronger characteristics (\(others.prefix(4).joined(separator: ", ")))"))
                candidates.remove(at: index - 1)
                continue
            }
            let slopes = Array(fit.coefficients.dropFirst())
            if options.dropWrongSign, let worst = slopes.indices.filter({ slopes[$0] > 0 }).max(by: { slopes[$0] < slopes[$1] }), candidates.count > 1 {
                dropped.append(Dropped(name: candidates[worst].0.name, iv: candidates[worst].0.iv,
                                       reason: "wrong coefficient sign (\(slopes[worst])) once the others are in the model"))
                candidates.remove(at: worst)
                continue
            }
            let scaling = PointsScaling(pdo: options.pdo, basePoints: options.basePoints, baseOdds: options.baseOdds)
            let a = fit.coefficients[0]
            let k = Double(candidates.count)
            let characteristics = candidates.enumerated().map { j, cand -> Characteristic in
                let c = cand.0
                let beta = slopes[j]
                let bins = c.bins.map { b in
                    Bin(label: b.label, levels: b.levels, goods: b.goods, bads: b.bads, woe: b.woe,
                        points: -scaling.factor * (beta * b.woe + a / k) + scaling.offset / k)
                }
                return Characteristic(name: c.name, kind: c.kind, edges: c.edges, specialValues: c.specialValues, bins: bins,
                                      missingBin: c.missingBin, otherBin: c.otherBin, coefficient: beta, iv: c.iv)
            }
            return ScorecardModel(characteristics: characteristics, intercept: a, scaling: scaling, target: target,
                                  options: options, dropped: dropped, fit: fit)
        }
    }
}

extension ScorecardOptions {
    /// Encodes with the same snake_case keys it decodes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(prebins, forKey: .prebins)
        try c.encode(maxBins, forKey: .maxBins)
        try c.encode(minBinShare, forKey: .minBinShare)
        try c.encode(minIV, forKey: .minIV)
        try c.encode(monotone, forKey: .monotone)
        try c.encode(woeAdjustment, forKey: .woeAdjustment)
        try c.encode(dropWrongSign, forKey: .dropWrongSign)
        try c.encode(pdo, forKey: .pdo)
        try c.encode(basePoints, forKey: .basePoints)
        try c.encode(baseOdds, forKey: .baseOdds)
        try c.encode(lambda, forKey: .lambdaL2)
    }

    /// The JSON keys a config file may use.
    public static let configKeys: Set<String> = ["prebins", "max_bins", "min_bin_share", "min_iv", "monotone", "woe_adjustment",
                                                  "drop_wrong_sign", "pdo", "base_points", "base_odds", "lambda_l2"]
}
