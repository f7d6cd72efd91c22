import Foundation
import ObligorNumerics

/// Grows one regression tree on gradient statistics, leaf-wise (best-first), from histograms.
///
/// For a leaf with gradient sum G and hessian sum H the optimal value is −G/(H + λ) and its
/// loss reduction G²/(H + λ); a split's gain is G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ)
/// (LightGBM's convention, without the factor ½). Numeric features scan their bins left to right
/// twice, once with the missing-value bin on each side, which learns the default direction.
/// Categorical features with at most four categories try each one against the rest; with more,
/// categories are ordered by G/(H + cat_smooth) and prefixes of that order are scanned (Fisher
/// 1958; LightGBM). Monotone constraints use bounds: a split on a constrained feature needs ordered
/// child values, and each child's subtree is bounded by their midpoint, so every leaf left of the
/// split is ≤ every leaf right of it (LightGBM's "basic" method).
///
/// The histogram of the smaller child is built from its rows; the larger child's is the parent's
/// minus it. Histograms are built in parallel over fixed blocks of features, so the result does not
/// depend on the thread count.
final class TreeLearner {
    let data: BinnedData
    let params: BoostingParameters
    /// Monotone direction per feature (+1, −1, 0).
    let monotone: [Int]
    /// Offset of each feature's bins in a histogram; 3 doubles (g, h, count) per bin.
    let offsets: [Int]
    let histogramSize: Int
    let isCategorical: [Bool]

    init(data: BinnedData, params: BoostingParameters, monotone: [Int]) {
        self.data = data
        self.params = params
        self.monotone = monotone
        var off: [Int] = []
        var total = 0
        for m in data.mappers { off.append(total); total += m.totalBins }
        offsets = off
        histogramSize = total * 3
        isCategorical = data.mappers.map { $0.kind == .categorical }
    }

    struct Split {
        var gain = -Double.infinity
        var feature = -1
        var binThreshold = 0          // numeric: bins ≤ this go left
        var defaultLeft = false
        var leftBins: [Int]? = nil     // categorical: value bins going left
        var leftG = 0.0, leftH = 0.0, leftC = 0.0
        var rightG = 0.0, rightH = 0.0, rightC = 0.0
        var leftOutput = 0.0, rightOutput = 0.0
        var isValid: Bool { feature >= 0 && gain.isFinite }
    }

    struct Leaf {
        var begin: Int
        var end: Int
        var sumG: Double
        var sumH: Double
        var depth: Int
        var lower: Double
        var upper: Double
        var output: Double
        var histogram: [Double]?
        var best = Split()
        /// Where the leaf hangs: parent internal node and side (−1 for the root).
        var parent = -1
        var isLeftChild = false
        var count: Int { end - begin }
    }

    /// A bin-space copy of the tree for fast training-set traversal.
    struct BinNode {
        var feature: Int
        var binThreshold: Int
        var defaultLeft: Bool
        var leftBins: [Bool]?
        var missingBin: Int
    }

    /// Grows a tree. `rows` are the (bagged) training rows; `features` the sampled features.
    func grow(gradients g: [Double], hessians h: [Double], rows: [Int32], features: [Int])
        -> (tree: DecisionTree, binNodes: [BinNode], rowOrder: [Int32], leafRanges: [Range<Int>]) {
        var indices = rows
        var leaves: [Leaf] = []
        var tree = DecisionTree()
        var binNodes: [BinNode] = []
        var rootG = 0.0, rootH = 0.0
        for r in rows { rootG += g[Int(r)]; rootH += h[Int(r)] }
        let rootOutput = leafOutput(rootG, rootH, -.infinity, .infinity)
        var root = Leaf(begin: 0, end: indices.count, sumG: rootG, sumH: rootH, depth: 0, lower: -.infinity, upper: .infinity,
                        output: rootOutput, histogram: nil)
        root.histogram = buildHistogram(indices: indices, range: 0..<indices.count, g: g, h: h, features: features)
        root.best = bestSplit(root, features: features)
        leaves.append(root)

        while leaves.count < params.numLeaves {
            // The leaf with the largest gain (ties: lowest index).
            var pick = -1
            var bestGain = max(params.minGainToSplit, 0)
            for (k, leaf) in leaves.enumerated() where leaf.best.isValid && leaf.best.gain > bestGain {
                bestGain = leaf.best.gain
                pick = k
            }
            if pick < 0 { break }
            let leaf = leaves[pick]
            let s = leaf.best
            let mapper = data.mappers[s.feature]
            // Partition the leaf's rows: left rows first, stable order.
            let missingBin = mapper.missingBin
            var leftMask: [Bool]? = nil
            if let lb = s.leftBins {
                var m = [Bool](repeating: false, count: mapper.totalBins)
                for b in lb { m[b] = true }
                leftMask = m
            }
            let F = data.features
            // Stable partition: left rows stay in place in order, right rows go through a scratch buffer.
            // Every bin's direction, as a table (numeric: bins ≤ threshold; categorical: the left set).
            var direction = [Bool](repeating: false, count: mapper.totalBins)
            for b in 0..<mapper.totalBins {
                direction[b] = b == missingBin ? s.defaultLeft : (leftMask.map { $0[b] } ?? (b <= s.binThreshold))
            }
            // Large leaves partition in fixed chunks in parallel; the chunks' left rows, then their right
            // rows, are concatenated in chunk order, which is the same stable order as one pass.
            let feature = s.feature
            let chunks = Parallel.chunks(count: leaf.count, size: 65_536)
            let parts: [(lefts: [Int32], rights: [Int32])] = data.bins.withUnsafeBufferPointer { bins in
                indices.withUnsafeBufferPointer { idx in
                    direction.withUnsafeBufferPointer { dir in
                        nonisolated(unsafe) let bins = bins, idx = idx, dir = dir
                        let work = { (c: Int) -> (lefts: [Int32], rights: [Int32]) in
                            var lefts: [Int32] = [], rights: [Int32] = []
                            lefts.reserveCapacity(chunks[c].count)
                            rights.reserveCapacity(chunks[c].count)
                            for k in chunks[c] {
                                let r = idx[leaf.begin + k]
                                if dir[Int(bins[Int(r) * F + feature])] { lefts.append(r) } else { rights.append(r) }
                            }
                            return (lefts, rights)
                        }
                        return chunks.count > 1 ? Parallel.map(chunks.count, work) : [work(0)]
                    }
                }
            }
            var cursor = leaf.begin
            for part in parts { for r in part.lefts { indices[cursor] = r; cursor += 1 } }
            let leftCount = cursor - leaf.begin
            for part in parts { for r in part.rights { indices[cursor] = r; cursor += 1 } }
            // Record the split as an internal node.
            let threshold: Double
            var cats: [Int]? = nil
            if let lb = s.leftBins {
                cats = lb.map { mapper.binCategory[$0] }.sorted()
                threshold = 0
            } else {
                threshold = mapper.upperBounds[s.binThreshold]
            }
            let node = tree.addNode(feature: s.feature, threshold: threshold, strictLess: false, defaultLeft: s.defaultLeft,
                                    categoriesLeft: cats, cover: Double(leaf.count), gain: s.gain)
            binNodes.append(BinNode(feature: s.feature, binThreshold: s.binThreshold, defaultLeft: s.defaultLeft,
                                    leftBins: leftMask, missingBin: missingBin))
            if leaf.parent >= 0 {
                if leaf.isLeftChild { tree.left[leaf.parent] = node } else { tree.right[leaf.parent] = node }
            }
            // Children bounds (monotone constraints).
            var lLower = leaf.lower, lUpper = leaf.upper, rLower = leaf.lower, rUpper = leaf.upper
            let c = monotone[s.feature]
            if c != 0 {
                let mid = (s.leftOutput + s.rightOutput) / 2
                if c > 0 { lUpper = min(lUpper, mid); rLower = max(rLower, mid) } else { lLower = max(lLower, mid); rUpper = min(rUpper, mid) }
            }
            var leftLeaf = Leaf(begin: leaf.begin, end: leaf.begin + leftCount, sumG: s.leftG, sumH: s.leftH, depth: leaf.depth + 1,
                                lower: lLower, upper: lUpper, output: s.leftOutput, histogram: nil, parent: node, isLeftChild: true)
            var rightLeaf = Leaf(begin: leaf.begin + leftCount, end: leaf.end, sumG: s.rightG, sumH: s.rightH, depth: leaf.depth + 1,
                                 lower: rLower, upper: rUpper, output: s.rightOutput, histogram: nil, parent: node, isLeftChild: false)
            // Histograms: build the smaller child, subtract for the larger.
            let canSplitFurther = (params.maxDepth <= 0 || leaf.depth + 1 < params.maxDepth) && leaves.count + 1 < params.numLeaves
            if canSplitFurther, var parentHist = leaves[pick].histogram {
                leaves[pick].histogram = nil
                let smallIsLeft = leftLeaf.count <= rightLeaf.count
                let small = smallIsLeft ? leftLeaf : rightLeaf
                let smallHist = buildHistogram(indices: indices, range: small.begin..<small.end, g: g, h: h, features: features)
                parentHist.withUnsafeMutableBufferPointer { p in
                    smallHist.withUnsafeBufferPointer { q in
                        for k in 0..<p.count { p[k] -= q[k] }
                    }
                }
                if smallIsLeft { leftLeaf.histogram = smallHist; rightLeaf.histogram = parentHist }
                else { rightLeaf.histogram = smallHist; leftLeaf.histogram = parentHist }
                leftLeaf.best = bestSplit(leftLeaf, features: features)
                rightLeaf.best = bestSplit(rightLeaf, features: features)
            }
            leaves[pick] = leftLeaf
            leaves.append(rightLeaf)
            // Leaves that cannot split any more drop their histograms.
            for k in leaves.indices where !leaves[k].best.isValid { leaves[k].histogram = nil }
        }
        // Leaf values (shrunk) and covers; link each leaf into its parent.
        tree.leafValue = leaves.map { $0.output * params.learningRate }
        tree.leafCover = leaves.map { Double($0.count) }
        for (k, leaf) in leaves.enumerated() where leaf.parent >= 0 {
            if leaf.isLeftChild { tree.left[leaf.parent] = ~k } else { tree.right[leaf.parent] = ~k }
        }
        return (tree, binNodes, indices, leaves.map { $0.begin..<$0.end })
    }

    @inline(__always)
    func leafOutput(_ g: Double, _ h: Double, _ lower: Double, _ upper: Double, extraL2: Double = 0) -> Double {
        let o = -g / (h + params.lambdaL2 + extraL2)
        return min(max(o, lower), upper)
    }

    @inline(__always)
    func leafGain(_ g: Double, _ h: Double, _ o: Double, extraL2: Double = 0) -> Double {
        -(2 * g * o + (h + params.lambdaL2 + extraL2) * o * o)
    }

    /// Builds a leaf's histogram: per feature and bin, the sums of g, h and the row count.
    ///
    /// Features are split into one block per thread; each bin is accumulated by one thread in row
    /// order, so the sums do not depend on the blocking or the thread count.
    func buildHistogram(indices: [Int32], range: Range<Int>, g: [Double], h: [Double], features: [Int]) -> [Double] {
        var hist = [Double](repeating: 0, count: histogramSize)
        let n = range.count
        if n == 0 { return hist }
        // Gather this leaf's rows and gradients once (contiguous, in row order).
        var gh = [Double](repeating: 0, count: 2 * n)
        var rr = [Int](repeating: 0, count: n)
        let chunks = Parallel.chunks(count: n, size: 32_768)
        gh.withUnsafeMutableBufferPointer { ghp in
            rr.withUnsafeMutableBufferPointer { rrp in
                nonisolated(unsafe) let ghp = ghp
                nonisolated(unsafe) let rrp = rrp
                _ = Parallel.map(chunks.count) { c in
                    for k in chunks[c] {
                        let r = Int(indices[range.lowerBound + k])
                        rrp[k] = r
                        ghp[2 * k] = g[r]
                        ghp[2 * k + 1] = h[r]
                    }
                }
            }
        }
        let F = data.features
        let blockCount = n * features.count < 65_536 ? 1 : max(1, min(Parallel.threads, features.count))
        let blocks = (0..<blockCount).map { k in Array(features[(k * features.count / blockCount)..<((k + 1) * features.count / blockCount)]) }
        // Slot base (×3) of each feature in the histogram.
        let slotBase = offsets.map { $0 * 3 }
        hist.withUnsafeMutableBufferPointer { hp in
            data.bins.withUnsafeBufferPointer { bp in
                gh.withUnsafeBufferPointer { ghp in
                    rr.withUnsafeBufferPointer { rp in
                        slotBase.withUnsafeBufferPointer { sb in
                            nonisolated(unsafe) let hb = hp.baseAddress!
                            nonisolated(unsafe) let bb = bp.baseAddress!
                            nonisolated(unsafe) let gp = ghp.baseAddress!
                            nonisolated(unsafe) let rows = rp.baseAddress!
                            nonisolated(unsafe) let base = sb.baseAddress!
                            _ = Parallel.map(blocks.count) { k in
                                blocks[k].withUnsafeBufferPointer { fsb in
                                    let fs = fsb.baseAddress!
                                    let m = fsb.count
                                    // Per-feature slot bases for this block, contiguous.
                                    let local = UnsafeMutablePointer<Int>.allocate(capacity: m)
                                    defer { local.deallocate() }
                                    for j in 0..<m { local[j] = base[fs[j]] }
                                    let contiguous = m > 0 && fs[m - 1] - fs[0] == m - 1
                                    let first = m > 0 ? fs[0] : 0
                                    let raw = UnsafeMutableRawPointer(hb)
                                    for i in 0..<n {
                                        let row = bb + rows[i] * F
                                        // (g, h) added as one 2-lane vector, the count as a scalar.
                                        let pair = UnsafeRawPointer(gp + 2 * i).loadUnaligned(as: SIMD2<Double>.self)
                                        if contiguous {
                                            let r = row + first
                                            for j in 0..<m {
                                                let slot = local[j] + 3 * Int(r[j])
                                                let at = raw + slot * 8
                                                at.storeBytes(of: at.loadUnaligned(as: SIMD2<Double>.self) + pair, as: SIMD2<Double>.self)
                                                hb[slot + 2] += 1
                                            }
                                        } else {
                                            for j in 0..<m {
                                                let slot = local[j] + 3 * Int(row[fs[j]])
                                                let at = raw + slot * 8
                                                at.storeBytes(of: at.loadUnaligned(as: SIMD2<Double>.self) + pair, as: SIMD2<Double>.self)
                                                hb[slot + 2] += 1
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return hist
    }

    func bestSplit(_ leaf: Leaf, features: [Int]) -> Split {
        guard let hist = leaf.histogram else { return Split() }
        if params.maxDepth > 0 && leaf.depth >= params.maxDepth { return Split() }
        if leaf.count < 2 * params.minDataInLeaf { return Split() }
        let parentGain = leafGain(leaf.sumG, leaf.sumH, -leaf.sumG / (leaf.sumH + params.lambdaL2))
        // Best split per feature in parallel; the reduction runs in feature order (ties: first feature).
        let perFeature: [Split] = hist.withUnsafeBufferPointer { hp in
            nonisolated(unsafe) let hp = hp
            let find = { (k: Int) -> Split in
                let f = features[k]
                return self.isCategorical[f]
                    ? self.categoricalSplit(hp, feature: f, leaf: leaf, parentGain: parentGain)
                    : self.numericSplit(hp, feature: f, leaf: leaf, parentGain: parentGain)
            }
            // Thread hand-off costs more than scanning a few thousand bins: parallel only for wide data.
            if histogramSize < 3 * 64 * 256 { return (0..<features.count).map(find) }
            return Parallel.map(features.count) { k in
                let f = features[k]
                return isCategorical[f]
                    ? categoricalSplit(hp, feature: f, leaf: leaf, parentGain: parentGain)
                    : numericSplit(hp, feature: f, leaf: leaf, parentGain: parentGain)
            }
        }
        var best = Split()
        for s in perFeature where s.isValid && s.gain > best.gain { best = s }
        return best
    }

    @inline(__always)
    func evaluate(_ s: inout Split, feature: Int, leaf: Leaf, parentGain: Double, gl: Double, hl: Double, cl: Double, extraL2: Double = 0) {
        let gr = leaf.sumG - gl, hr = leaf.sumH - hl, cr = Double(leaf.count) - cl
        let minData = Double(params.minDataInLeaf)
        guard cl >= minData, cr >= minData, hl >= params.minSumHessianInLeaf, hr >= params.minSumHessianInLeaf else { return }
        let ol = leafOutput(gl, hl, leaf.lower, leaf.upper, extraL2: extraL2)
        let or = leafOutput(gr, hr, leaf.lower, leaf.upper, extraL2: extraL2)
        let c = monotone[feature]
        if (c > 0 && ol > or) || (c < 0 && ol < or) { return }
        let gain = leafGain(gl, hl, ol, extraL2: extraL2) + leafGain(gr, hr, or, extraL2: extraL2) - parentGain
        if gain > s.gain {
            s.gain = gain
            s.feature = feature
            s.leftG = gl; s.leftH = hl; s.leftC = cl
            s.rightG = gr; s.rightH = hr; s.rightC = cr
            s.leftOutput = ol; s.rightOutput = or
        }
    }

    func numericSplit(_ hp: UnsafeBufferPointer<Double>, feature f: Int, leaf: Leaf, parentGain: Double) -> Split {
        let m = data.mappers[f]
        let base = offsets[f] * 3
        let mb = base + m.missingBin * 3
        let gm = hp[mb], hm = hp[mb + 1], cm = hp[mb + 2]
        let lambda = params.lambdaL2
        let minData = Double(params.minDataInLeaf), minHess = params.minSumHessianInLeaf
        let total = Double(leaf.count)
        let c = monotone[f]
        let lower = leaf.lower, upper = leaf.upper
        var bestGain = -Double.infinity
        var bestBin = -1
        var bestDefaultLeft = false
        var gl = 0.0, hl = 0.0, cl = 0.0
        let sumG = leaf.sumG, sumH = leaf.sumH
        // Unconstrained leaves (the usual case) use the closed form G²/(H + λ) per side.
        let unconstrained = c == 0 && lower == -.infinity && upper == .infinity
        @inline(__always) func gainOf(_ gL: Double, _ hL: Double, _ cL: Double) -> Double {
            let gR = sumG - gL, hR = sumH - hL, cR = total - cL
            if cL < minData || cR < minData || hL < minHess || hR < minHess { return -.infinity }
            if unconstrained { return gL * gL / (hL + lambda) + gR * gR / (hR + lambda) - parentGain }
            let oL = min(max(-gL / (hL + lambda), lower), upper)
            let oR = min(max(-gR / (hR + lambda), lower), upper)
            if (c > 0 && oL > oR) || (c < 0 && oL < oR) { return -.infinity }
            return -(2 * gL * oL + (hL + lambda) * oL * oL) - (2 * gR * oR + (hR + lambda) * oR * oR) - parentGain
        }
        let bins = hp.baseAddress! + base
        let maxLeftCount = total - minData   // beyond this the right side is too small, with or without missing rows
        for b in 0..<(m.valueBins - 1) {
            let k = b * 3
            let cb = bins[k + 2]
            if cb == 0 && b > 0 { continue }   // an empty bin adds no new threshold
            gl += bins[k]; hl += bins[k + 1]; cl += cb
            if cl + cm < minData { continue }
            if cl > maxLeftCount { break }
            let right = gainOf(gl, hl, cl)          // missing values to the right
            if right > bestGain { bestGain = right; bestBin = b; bestDefaultLeft = false }
            if cm > 0 {
                let leftward = gainOf(gl + gm, hl + hm, cl + cm)
                if leftward > bestGain { bestGain = leftward; bestBin = b; bestDefaultLeft = true }
            }
        }
        guard bestBin >= 0 else { return Split() }
        // Rebuild the chosen split's statistics.
        var sgl = 0.0, shl = 0.0, scl = 0.0
        for b in 0...bestBin { let k = base + b * 3; sgl += hp[k]; shl += hp[k + 1]; scl += hp[k + 2] }
        if bestDefaultLeft { sgl += gm; shl += hm; scl += cm }
        var s = Split()
        evaluate(&s, feature: f, leaf: leaf, parentGain: parentGain, gl: sgl, hl: shl, cl: scl)
        s.gain = bestGain
        s.binThreshold = bestBin
        // No missing values in training: unseen missing values follow the larger side.
        s.defaultLeft = cm > 0 ? bestDefaultLeft : s.leftC >= s.rightC
        return s
    }

    func categoricalSplit(_ hp: UnsafeBufferPointer<Double>, feature f: Int, leaf: Leaf, parentGain: Double) -> Split {
        let m = data.mappers[f]
        let base = offsets[f] * 3
        var used: [Int] = []
        for b in 0..<m.valueBins where hp[base + b * 3 + 2] > 0 { used.append(b) }
        var best = Split()
        if used.count < 2 { return best }
        if used.count <= 4 {
            // One category against the rest.
            for b in used {
                let k = base + b * 3
                var s = best
                let before = s.gain
                evaluate(&s, feature: f, leaf: leaf, parentGain: parentGain, gl: hp[k], hl: hp[k + 1], cl: hp[k + 2])
                if s.gain > before { s.leftBins = [b]; s.defaultLeft = false }
                best = s
            }
            return best
        }
        // Order frequent categories by G/(H + cat_smooth); scan prefixes from both ends.
        let frequent = used.filter { hp[base + $0 * 3 + 2] >= Double(params.minDataPerGroup) }
        let candidates = frequent.count >= 2 ? frequent : used
        let sorted = candidates.sorted { a, b in
            let ra = hp[base + a * 3] / (hp[base + a * 3 + 1] + params.catSmooth)
            let rb = hp[base + b * 3] / (hp[base + b * 3 + 1] + params.catSmooth)
            return ra < rb || (ra == rb && a < b)
        }
        let limit = min(params.maxCatThreshold, (sorted.count + 1) / 2)
        for direction in [sorted, Array(sorted.reversed())] {
            var gl = 0.0, hl = 0.0, cl = 0.0
            for (i, b) in direction.prefix(limit).enumerated() {
                let k = base + b * 3
                gl += hp[k]; hl += hp[k + 1]; cl += hp[k + 2]
                var s = best
                let before = s.gain
                evaluate(&s, feature: f, leaf: leaf, parentGain: parentGain, gl: gl, hl: hl, cl: cl, extraL2: params.catL2)
                if s.gain > before { s.leftBins = Array(direction[0...i]); s.defaultLeft = false }
                best = s
            }
        }
        return best   // child values keep the cat_l2 penalty, as LightGBM's do
    }
}
