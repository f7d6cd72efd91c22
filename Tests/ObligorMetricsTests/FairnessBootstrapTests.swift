import Foundation
import ObligorNumerics
import Testing
@testable import ObligorMetrics

/// Bootstrap intervals: reproducible for a seed whatever the thread count, different for another
/// seed, and calibrated (coverage) in a simulation where parity holds by construction.
@Suite("Fairness bootstrap", .serialized)
struct FairnessBootstrapTests {
    /// Two groups drawn from the **same** process (P(default) = 0.25, P(approve | good) = 0.8,
    /// P(approve | bad) = 0.4), so the true SPD, EOD, AOD are 0 and the true DI is 1.
    static func parityData(n: Int, rng: RandomSource) -> (labels: [Int], approved: [Bool], group: [String]) {
        var y: [Int] = [], a: [Bool] = [], g: [String] = []
        for i in 0..<n {
            let bad = rng.uniform() < 0.25
            y.append(bad ? 1 : 0)
            a.append(rng.uniform() < (bad ? 0.4 : 0.8))
            g.append(i % 2 == 0 ? "p" : "u")
        }
        return (y, a, g)
    }

    func run(seed: UInt64, threads: Int, data: (labels: [Int], approved: [Bool], group: [String]), replicates: Int = 300) throws -> FairnessAudit {
        let saved = Parallel.threads
        Parallel.threads = threads
        defer { Parallel.threads = saved }
        return try Fairness.audit(labels: data.labels, approved: data.approved,
                                  attributes: [FairnessAttribute(name: "g", groups: data.group, privileged: "p")],
                                  options: FairnessAuditOptions(bootstrapReplicates: replicates, seed: seed))
    }

    /// Same seed → bit-identical intervals with 1 thread and with 4 (exact equality, no tolerance:
    /// each replicate draws from its own seed-derived stream and results are kept in replicate order).
    @Test func reproducibleForSeedAndThreadCount() throws {
        let data = Self.parityData(n: 600, rng: RandomSource(seed: 11))
        let one = try run(seed: 7, threads: 1, data: data)
        let four = try run(seed: 7, threads: 4, data: data)
        let again = try run(seed: 7, threads: 2, data: data)
        let other = try run(seed: 8, threads: 1, data: data)
        let i1 = one.attributes[0].comparisons.flatMap(\.intervals), i4 = four.attributes[0].comparisons.flatMap(\.intervals)
        #expect(i1 == i4)
        #expect(i1 == again.attributes[0].comparisons.flatMap(\.intervals))
        #expect(one.attributes[0].summaryIntervals == four.attributes[0].summaryIntervals)
        #expect(i1 != other.attributes[0].comparisons.flatMap(\.intervals))
        #expect(try one.jsonData() == four.jsonData())
    }

    /// Coverage under known parity. 300 simulated data sets of 600 rows (300 per group), B = 300,
    /// nominal 95% percentile intervals for SPD, EOD and AOD (true value 0) and DI (true value 1).
    /// Expected coverage 0.95; with 300 data sets its Monte Carlo SD is √(0.95·0.05/300) ≈ 0.0126,
    /// and the percentile bootstrap runs slightly narrow at this size, so the test accepts
    /// [0.90, 0.99] (about −4 and +3 SD): a broken resampler (no variation, wrong stream, resampling
    /// the wrong rows) gives coverage near 0 or 1. The simulation is seeded, so the test is deterministic.
    @Test func coverageUnderParity() throws {
        let sims = 300
        let metrics: [(ComparisonMetric, Double)] = [(.statisticalParityDifference, 0), (.disparateImpact, 1),
                                                     (.equalOpportunityDifference, 0), (.averageOddsDifference, 0)]
        var covered = [Int](repeating: 0, count: metrics.count)
        let master = RandomSource(seed: 2024)
        for s in 0..<sims {
            let data = Self.parityData(n: 600, rng: master.split(UInt64(s)))
            let a = try run(seed: UInt64(1000 + s), threads: Parallel.threads, data: data)
            let c = a.attributes[0].comparisons[1]
            for (k, (m, truth)) in metrics.enumerated() where try #require(c.interval(m)).contains(truth) { covered[k] += 1 }
        }
        for (k, (m, _)) in metrics.enumerated() {
            let rate = Double(covered[k]) / Double(sims)
            #expect(rate >= 0.90 && rate <= 0.99, "coverage of \(m.rawValue): \(rate)")
        }
    }

    /// The percentile rule is numpy's type-7 quantile: on 0, 1, …, 100 the 2.5% and 97.5% points
    /// are 2.5 and 97.5 exactly (tolerance 1e-12: one multiply-add).
    @Test func percentileIsType7() {
        let ci = FairnessBootstrap.percentileInterval((0...100).map(Double.init) + [.nan], level: 0.95)
        expectClose(ci.low, 2.5, abs: 1e-12, "low")
        expectClose(ci.high, 97.5, abs: 1e-12, "high")
        #expect(ci.undefined == 1)
    }
}
