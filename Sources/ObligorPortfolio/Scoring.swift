import Foundation

/// Scores of one realised loss against a simulated loss distribution.
///
/// JSON: `{"realised_loss", "pit", "pinball": {"0.95", "0.99"}, "crps"}`.
public struct LossScore: Codable, Sendable, Equatable {
    /// The realised portfolio loss L.
    public var realisedLoss: Double
    /// Probability integral transform with mid-ranks, in [0, 1].
    public var pit: Double
    /// Pinball loss per level (keys as in ``ReportLevels/key(_:)``); lower is better.
    public var pinball: [String: Double]
    /// Sample CRPS; lower is better, in loss units.
    public var crps: Double

    enum CodingKeys: String, CodingKey {
        case realisedLoss = "realised_loss"
        case pit, pinball, crps
    }
}

/// Proper scoring rules and calibration checks for a realised loss L against draws x₁…x_N.
public enum ScoringRules {
    /// `PIT = (#{x_i < L} + ½ #{x_i = L}) / N`: the fraction of draws ≤ L with ties at L counted
    /// half (mid-rank). Uniform on [0, 1] over periods for a calibrated forecast of a continuous loss.
    /// - Precondition: `sortedDraws` ascending and non-empty.
    public static func pit(sortedDraws x: [Double], realised l: Double) -> Double {
        precondition(!x.isEmpty, "PIT needs draws")
        var lo = 0, hi = x.count
        while lo < hi { let m = (lo + hi) / 2; if x[m] < l { lo = m + 1 } else { hi = m } }
        let less = lo
        hi = x.count
        while lo < hi { let m = (lo + hi) / 2; if x[m] <= l { lo = m + 1 } else { hi = m } }
        let equal = lo - less
        return (Double(less) + 0.5 * Double(equal)) / Double(x.count)
    }

    /// The pinball (quantile) loss `ρ_α(L − q) = (α − 1{L < q})(L − q)` of the α-quantile forecast q.
    public static func pinball(realised l: Double, quantile q: Double, level alpha: Double) -> Double {
        (alpha - (l < q ? 1 : 0)) * (l - q)
    }

    /// The sample CRPS `(1/N) Σ|x_i − L| − (1/(2N²)) Σ_i Σ_j |x_i − x_j|`, the CRPS of the empirical
    /// distribution of the draws (Gneiting & Raftery 2007, eq. 20; scoringRules' `crps_sample`).
    ///
    /// From the sorted draws, `Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − N − 1) x₍i₎`, so the cost is O(N)
    /// after the O(N log N) sort. Draws are centred at the median first, which the second term is
    /// invariant to, to limit cancellation.
    /// - Precondition: `sortedDraws` ascending and non-empty.
    public static func crps(sortedDraws x: [Double], realised l: Double) -> Double {
        let n = x.count
        precondition(n > 0, "CRPS needs draws")
        let centre = x[n / 2]
        var abs1 = 0.0, spread = 0.0
        for i in 0..<n {
            abs1 += abs(x[i] - l)
            spread += Double(2 * (i + 1) - n - 1) * (x[i] - centre)
        }
        let nd = Double(n)
        return max(0, abs1 / nd - spread / (nd * nd))
    }
}
