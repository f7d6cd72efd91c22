import Foundation
import ObligorNumerics

/// A percentile bootstrap confidence interval (Efron & Tibshirani 1993, §13.3).
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    /// Lower bound (NaN when every replicate was undefined).
    public var low: Double
    /// Upper bound.
    public var high: Double
    /// Replicates in which the statistic was undefined (NaN: an empty denominator) and were left out.
    public var undefined: Int

    /// An interval.
    public init(low: Double, high: Double, undefined: Int = 0) {
        self.low = low
        self.high = high
        self.undefined = undefined
    }

    /// Whether `x` lies in [low, high].
    public func contains(_ x: Double) -> Bool { x >= low && x <= high }

    /// `{"low": …, "high": …, "undefined": …}`.
    public var jsonObject: [String: Any] { ["low": low, "high": high, "undefined": undefined] }
}

/// The seeded, stratified bootstrap behind every interval of an audit.
///
/// Each replicate resamples the rows **within each group** with replacement (group sizes are kept,
/// so no group can vanish), recounts the four approval-lens cells per group, and recomputes every
/// statistic from the counts. Replicate b draws from its own stream
/// `RandomSource(seed: seed).split(stream).split(b)` (SplitMix64-derived MT19937 seeds), so the
/// result is identical for a seed whatever the thread count or the order replicates run in.
public enum FairnessBootstrap {
    /// A stable stream number for an attribute name (FNV-1a, 64-bit), so adding or reordering
    /// attributes never changes another attribute's intervals.
    public static func streamKey(_ name: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// Resampled per-group counts for `replicates` replicates.
    ///
    /// - Parameters:
    ///   - cells: per group, the cell code of each of its rows (``FairnessCounts/cell(label:approved:)``).
    ///   - replicates: number of bootstrap replicates B.
    ///   - seed: the audit's seed.
    ///   - stream: the attribute's stream (``streamKey(_:)``).
    /// - Returns: B arrays of per-group counts, in group order.
    public static func resample(cells: [[UInt8]], replicates: Int, seed: UInt64, stream: UInt64) -> [[FairnessCounts]] {
        guard replicates > 0 else { return [] }
        let attributeSource = RandomSource(seed: seed).split(stream)
        return Parallel.map(replicates) { b in
            let rng = attributeSource.split(UInt64(b))
            return cells.map { rows in
                var c = FairnessCounts()
                let n = rows.count
                guard n > 0 else { return c }
                for _ in 0..<n { c.add(cell: Int(rows[rng.integer(below: n)])) }
                return c
            }
        }
    }

    /// The percentile interval at `level` of replicate values: numpy "linear" (type 7) quantiles
    /// at (1 − level)/2 and (1 + level)/2 of the values that are not NaN. Infinite values (a ratio
    /// with a zero denominator in the resample) stay in and sort to the ends.
    public static func percentileInterval(_ values: [Double], level: Double) -> ConfidenceInterval {
        let finite = values.filter { !$0.isNaN }.sorted()
        let undefined = values.count - finite.count
        guard !finite.isEmpty else { return ConfidenceInterval(low: .nan, high: .nan, undefined: undefined) }
        let tail = (1 - level) / 2
        return ConfidenceInterval(low: quantile7(finite, tail), high: quantile7(finite, 1 - tail), undefined: undefined)
    }

    static func quantile7(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down))
        let hi = min(sorted.count - 1, lo + 1)
        let frac = h - Double(lo)
        if frac == 0 || sorted[lo] == sorted[hi] { return sorted[lo] }
        return sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}
