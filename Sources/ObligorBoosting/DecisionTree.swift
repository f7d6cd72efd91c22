import Foundation

/// A binary decision tree over raw feature values, as trained here or imported from XGBoost or LightGBM.
///
/// Internal nodes are 0..<``nodeCount``. A child index ≥ 0 is an internal node; a negative child c
/// is leaf `~c` (that is, −c − 1). A tree with no internal nodes is the single leaf 0.
/// At an internal node on feature f with threshold t: a missing value follows ``defaultLeft``; a
/// categorical split sends the codes in ``categoriesLeft`` left; otherwise the value goes left when
/// v ≤ t, or v < t for imported XGBoost trees (``strictLess``).
public struct DecisionTree: Codable, Sendable, Equatable {
    public var splitFeature: [Int] = []
    public var threshold: [Double] = []
    public var strictLess: [Bool] = []
    public var defaultLeft: [Bool] = []
    /// Sorted category codes that go left (nil for a numeric split).
    public var categoriesLeft: [[Int]?] = []
    public var left: [Int] = []
    public var right: [Int] = []
    /// Training rows (or hessian mass, for imported XGBoost trees) reaching each internal node.
    public var internalCover: [Double] = []
    /// Loss reduction of each split (gain importance).
    public var gain: [Double] = []
    public var leafValue: [Double] = [0]
    public var leafCover: [Double] = [0]

    public init() {}

    public var nodeCount: Int { splitFeature.count }
    public var leafCount: Int { leafValue.count }

    /// The leaf reached by one row (`x` points at the row's raw values).
    @inline(__always)
    public func leaf(_ x: UnsafePointer<Double>) -> Int {
        if splitFeature.isEmpty { return 0 }
        var node = 0
        while true {
            let next = goesLeft(node, x[splitFeature[node]]) ? left[node] : right[node]
            if next < 0 { return ~next }
            node = next
        }
    }

    /// The decision at `node` for value `v`.
    @inline(__always)
    public func goesLeft(_ node: Int, _ v: Double) -> Bool {
        if v.isNaN { return defaultLeft[node] }
        if let cats = categoriesLeft[node] { return Self.contains(cats, Int(v)) }
        return strictLess[node] ? v < threshold[node] : v <= threshold[node]
    }

    static func contains(_ sorted: [Int], _ c: Int) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if sorted[mid] < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == c
    }

    /// Depth of the deepest leaf.
    public var depth: Int {
        func d(_ node: Int) -> Int { node < 0 ? 0 : 1 + max(d(left[node]), d(right[node])) }
        return splitFeature.isEmpty ? 0 : d(0)
    }

    /// Appends an internal node and returns its index (children filled in later).
    mutating func addNode(feature: Int, threshold t: Double, strictLess s: Bool, defaultLeft dl: Bool,
                          categoriesLeft cats: [Int]?, cover: Double, gain g: Double) -> Int {
        splitFeature.append(feature)
        threshold.append(t)
        strictLess.append(s)
        defaultLeft.append(dl)
        categoriesLeft.append(cats)
        left.append(0)
        right.append(0)
        internalCover.append(cover)
        gain.append(g)
        return splitFeature.count - 1
    }
}
