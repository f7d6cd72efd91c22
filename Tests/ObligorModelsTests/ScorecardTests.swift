import Foundation
import ObligorData
import ObligorMetrics
import ObligorModels
import ObligorNumerics
import Testing

@Suite struct ScorecardTests {
    /// notes/metrics.md §3.2 worked numbers: PDO 20, 600 points at 50:1.
    @Test func pointsScalingWorkedNumbers() {
        let s = PointsScaling(pdo: 20, basePoints: 600, baseOdds: 50)
        #expect(abs(s.factor - 28.853901) < 1e-6)
        #expect(abs(s.offset - 487.122876) < 1e-6)
        #expect(abs(s.score(pd: 0.02) - 599.417073) < 1e-6)
        #expect(abs(s.score(pd: 0.01) - 619.710009) < 1e-6)
        #expect(abs(s.score(pd: 0.04) - 578.822126) < 1e-6)
        #expect(abs(s.pd(score: s.score(pd: 0.137)) - 0.137) < 1e-14)
    }

    static func trainedCard() throws -> (ScorecardModel, Frame, [Int]) {
        let frame = try germanFrame()
        let labels = try frame.binaryTarget("bad")
        let features = frame.columnNames.filter { !["bad", "sex", "age_in_years", "foreign_worker"].contains($0) }
        return (try ScorecardModel.train(frame: frame, target: "bad", features: features, labels: labels), frame, labels)
    }

    /// Points add up to Offset − Factor·logit(PD) for every applicant (an identity of the construction;
    /// tolerance 1e-9 points for 13 summed terms of size ~50).
    @Test func pointsAreConsistentWithPD() throws {
        let (card, frame, _) = try Self.trainedCard()
        let pd = try card.predictPD(frame)
        let points = try card.points(frame)
        for i in 0..<frame.rowCount {
            #expect(abs(points[i] - card.scaling.score(pd: pd[i])) < 1e-9)
        }
    }

    /// Each characteristic's bins have WoE = ln(%good/%bad) from their own counts (with the 0.5
    /// adjustment only where a count is zero), and bad rates are monotone across numeric bins.
    @Test func binsAreMonotoneAndWoEMatchesCounts() throws {
        let (card, _, labels) = try Self.trainedCard()
        let bads = labels.reduce(0, +), goods = labels.count - bads
        #expect(!card.characteristics.isEmpty)
        for c in card.characteristics {
            #expect(c.coefficient < 0, "\(c.name): higher WoE must lower PD")
            for b in c.bins where b.goods > 0 && b.bads > 0 {
                let woe = log((Double(b.goods) / Double(goods)) / (Double(b.bads) / Double(bads)))
                #expect(abs(b.woe - woe) < 1e-12)
            }
            if c.kind == .numeric {
                let rates = c.bins.prefix(c.edges.count + 1).map { Double($0.bads) / Double($0.goods + $0.bads) }
                let up = zip(rates, rates.dropFirst()).allSatisfy { $0 <= $1 }
                let down = zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 }
                #expect(up || down, "\(c.name) bad rates \(rates) are not monotone")
            }
            #expect(c.iv >= card.options.minIV)
        }
        // Every row falls in exactly one bin: counts add up.
        for c in card.characteristics { #expect(c.bins.reduce(0) { $0 + $1.goods + $1.bads } == labels.count) }
    }

    /// Reason codes: impact = best attainable points − the applicant's points, sorted, positive.
    @Test func reasonCodesArePointsLost() throws {
        let (card, frame, _) = try Self.trainedCard()
        let codes = try card.reasonCodes(frame, top: 3)
        for i in 0..<20 {
            #expect(codes[i].count <= 3)
            #expect(zip(codes[i], codes[i].dropFirst()).allSatisfy { $0.impact >= $1.impact })
            for r in codes[i] {
                let c = card.characteristics.first { $0.name == r.feature }!
                let best = c.bins.map(\.points).max()!
                let bin = c.bins.first { $0.label == r.value }!
                #expect(abs(r.impact - (best - bin.points)) < 1e-9)
                #expect(r.impact > 0)
            }
        }
    }

    /// The model is Codable; a reload predicts bit for bit the same PDs.
    @Test func reloadIsBitIdentical() throws {
        let (card, frame, _) = try Self.trainedCard()
        let meta = TrainingMetadata(dataset: "german", dataSHA256: "x", target: "bad", features: card.featureNames, trainingRows: 1000,
                                    defaults: 300, trainedAt: "2026-01-01T00:00:00Z")
        let card2 = try JSONDecoder().decode(ScorecardModel.self, from: JSONEncoder().encode(card))
        #expect(card2 == card)
        #expect(try card2.predictPD(frame) == card.predictPD(frame))
        #expect(try JSONDecoder().decode(TrainingMetadata.self, from: JSONEncoder().encode(meta)) == meta)
    }

    /// Unseen categories and missing values score through the declared neutral/other bins instead of failing.
    @Test func unseenAndMissingValuesScore() throws {
        let (card, frame, _) = try Self.trainedCard()
        var f = frame.selectingRows([0, 1])
        let purpose = try f.column("purpose")
        try f.replace(Column.categorical("purpose", ["a brand-new purpose", nil]))
        _ = purpose
        let pd = try card.predictPD(f)
        #expect(pd.allSatisfy { $0 > 0 && $0 < 1 })
    }
}
