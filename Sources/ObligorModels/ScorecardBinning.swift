import ObligorData
import ObligorMetrics

/// Coarse classing for a WoE scorecard: from fine quantile bins to a few stable, monotone bins.
///
/// Numeric characteristic:
/// 1. fine classing: `prebins` quantile bins of the non-missing values (numpy type-7 quantiles,
///    duplicate edges dropped; bins are [a, b));
/// 2. every bin smaller than `minBinShare` of the rows is merged into the neighbour with the
///    closer bad rate;
/// 3. with `monotone`, adjacent bins whose bad rates break the overall trend (the sign of the
///    last-minus-first bad rate) are merged until the bad rate is monotone (pool-adjacent-violators);
/// 4. while there are more than `maxBins` bins, the adjacent pair with the closest bad rates merges.
/// Categorical characteristic: one bin per level; levels below `minBinShare` pool into an "other"
/// bin. Missing values (and declared special values) form their own bin when present in training.
enum CoarseClassing {
    struct Bin {
        var lowerEdgeIndex: Int   // index into fine edges (bin starts at fineEdges[lowerEdgeIndex-1]); 0 = -inf
        var upperEdgeIndex: Int   // exclusive fine-bin end
        var goods: Int
        var bads: Int
        var count: Int { goods + bads }
        var badRate: Double { count == 0 ? 0 : Double(bads) / Double(count) }
    }

    /// Coarse interior edges for numeric values with labels (1 = bad).
    static func numericEdges(values: [Double], labels: [Int], options: ScorecardOptions) -> [Double] {
        let fine = Binning.quantileEdges(values, count: options.prebins)
        var bins = (0...fine.count).map { Bin(lowerEdgeIndex: $0, upperEdgeIndex: $0 + 1, goods: 0, bads: 0) }
        for (v, y) in zip(values, labels) {
            let k = Binning.binIndex(v, edges: fine)
            if y == 1 { bins[k].bads += 1 } else { bins[k].goods += 1 }
        }
        bins.removeAll { $0.count == 0 }
        let total = values.count
        let minCount = Int((options.minBinShare * Double(total)).rounded(.up))

        func merge(_ i: Int) {  // merge bin i with bin i+1
            bins[i].upperEdgeIndex = bins[i + 1].upperEdgeIndex
            bins[i].goods += bins[i + 1].goods
            bins[i].bads += bins[i + 1].bads
            bins.remove(at: i + 1)
        }
        // 2. minimum size
        while bins.count > 1, let small = bins.indices.filter({ bins[$0].count < minCount }).min(by: { bins[$0].count < bins[$1].count }) {
            if small == 0 { merge(0) }
            else if small == bins.count - 1 { merge(small - 1) }
            else {
                let left = abs(bins[small - 1].badRate - bins[small].badRate)
                let right = abs(bins[small + 1].badRate - bins[small].badRate)
                if left <= right { merge(small - 1) } else { merge(small) }
            }
        }
        // 3. monotone bad rate
        if options.monotone && bins.count > 1 {
            let increasing = bins.last!.badRate >= bins.first!.badRate
            var changed = true
            while changed && bins.count > 1 {
                changed = false
                for i in 0..<(bins.count - 1) {
                    let violates = increasing ? bins[i].badRate > bins[i + 1].badRate : bins[i].badRate < bins[i + 1].badRate
                    if violates { merge(i); changed = true; break }
                }
            }
        }
        // 4. at most maxBins
        while bins.count > max(1, options.maxBins) {
            var best = 0
            var bestGap = Double.infinity
            for i in 0..<(bins.count - 1) {
                let gap = abs(bins[i].badRate - bins[i + 1].badRate)
                if gap < bestGap { bestGap = gap; best = i }
            }
            merge(best)
        }
        // Interior edges: the lower fine edge of every bin but the first.
        return bins.dropFirst().map { fine[$0.lowerEdgeIndex - 1] }
    }
}
