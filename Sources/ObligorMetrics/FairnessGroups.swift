import Foundation

/// One sensitive attribute for an audit: a group label per row and the privileged group.
public struct FairnessAttribute: Sendable, Equatable {
    /// The attribute's name (a column, a banded column, or `a × b` for an intersection).
    public var name: String
    /// The group of each row.
    public var groups: [String]
    /// The privileged (reference) group; signed metrics are unprivileged − privileged.
    public var privileged: String
    /// For an intersection, the attributes it crosses; empty otherwise.
    public var components: [String]

    /// An attribute from per-row group labels.
    public init(name: String, groups: [String], privileged: String, components: [String] = []) {
        self.name = name
        self.groups = groups
        self.privileged = privileged
        self.components = components
    }

    /// Distinct groups in ascending order (the oracle's `sorted(np.unique(...))`).
    public var distinctGroups: [String] { Array(Set(groups)).sorted() }
}

/// Banding of a continuous attribute into right-closed intervals, so that the CALM convention
/// "age > 45" is the band `>45` of the cut point 45: cuts c₁ < … < c_k give the groups
/// `<=c₁`, `(c₁,c₂]`, …, `>c_k`. Missing values form the group `<missing>`.
public struct FairnessBand: Sendable, Equatable, Codable {
    /// Strictly increasing finite cut points.
    public let cuts: [Double]

    /// A band from its cut points.
    /// - Throws: ``FairnessError/invalidBand(attribute:detail:)`` unless `cuts` is a non-empty,
    ///   strictly increasing list of finite numbers.
    public init(attribute: String, cuts: [Double]) throws(FairnessError) {
        guard !cuts.isEmpty else { throw .invalidBand(attribute: attribute, detail: "no cut points") }
        guard cuts.allSatisfy(\.isFinite) else { throw .invalidBand(attribute: attribute, detail: "cut points must be finite numbers") }
        for k in 1..<max(1, cuts.count) where cuts[k] <= cuts[k - 1] {
            throw .invalidBand(attribute: attribute, detail: "cut points must increase strictly (\(Self.format(cuts[k - 1])) then \(Self.format(cuts[k])))")
        }
        self.cuts = cuts
    }

    /// The group label of `x` (nil = missing).
    public func label(_ x: Double?) -> String {
        guard let x, !x.isNaN else { return FairnessBand.missingLabel }
        var k = 0
        while k < cuts.count && x > cuts[k] { k += 1 }
        return labels[k]
    }

    /// All band labels, lowest first.
    public var labels: [String] {
        var out = ["<=" + Self.format(cuts[0])]
        for k in 1..<max(1, cuts.count) where cuts.count > 1 { out.append("(\(Self.format(cuts[k - 1])),\(Self.format(cuts[k]))]") }
        out.append(">" + Self.format(cuts[cuts.count - 1]))
        return out
    }

    /// The label of missing values.
    public static let missingLabel = "<missing>"

    /// Integers print without a decimal point; other values in Swift's shortest round-trip form.
    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}

/// Building audit attributes: bands, intersections, record-id joins.
public enum FairnessGrouping {
    /// The label joining the parts of an intersectional group.
    public static let intersectionSeparator = " & "

    /// Crosses attributes: each row's group is its component groups joined by `" & "`, and the
    /// privileged group is the combination of the components' privileged groups.
    /// - Throws: ``FairnessError/unknownAttribute(name:available:)`` when a name is not among
    ///   `attributes`, ``FairnessError/invalidArgument(_:)`` with fewer than two names.
    public static func intersection(of names: [String], in attributes: [FairnessAttribute]) throws(FairnessError) -> FairnessAttribute {
        guard names.count >= 2 else { throw .invalidArgument("an intersection needs at least two attributes (got \(names.joined(separator: ", ")))") }
        var parts: [FairnessAttribute] = []
        for name in names {
            guard let a = attributes.first(where: { $0.name == name }) else {
                throw .unknownAttribute(name: name, available: attributes.map(\.name))
            }
            parts.append(a)
        }
        let n = parts[0].groups.count
        for p in parts where p.groups.count != n { throw .lengthMismatch(what: "attribute '\(p.name)'", expected: n, got: p.groups.count) }
        let groups = (0..<n).map { i in parts.map { $0.groups[i] }.joined(separator: intersectionSeparator) }
        return FairnessAttribute(name: names.joined(separator: " × "), groups: groups,
                                 privileged: parts.map(\.privileged).joined(separator: intersectionSeparator), components: names)
    }

    /// Aligns predictions to records by a stable record id: entry i of the result is the index of
    /// the prediction for record i. Both sides must have every id exactly once.
    ///
    /// Pairing by position instead is the defect notes/calm.md §5.3 documents in CALM's bias audit;
    /// this join refuses anything but a one-to-one match.
    /// - Throws: ``FairnessError/missingID(side:index:)``, ``FairnessError/duplicateID(side:id:index:firstIndex:)``
    ///   (side "records" or "scores"), ``FairnessError/unmatchedIDs(side:count:firstID:firstIndex:)``.
    public static func align(recordIDs: [String?], predictionIDs: [String?]) throws(FairnessError) -> [Int] {
        var predictionIndex: [String: Int] = [:]
        predictionIndex.reserveCapacity(predictionIDs.count)
        for (i, id) in predictionIDs.enumerated() {
            guard let id, !id.isEmpty else { throw .missingID(side: "scores", index: i) }
            if let first = predictionIndex[id] { throw .duplicateID(side: "scores", id: id, index: i, firstIndex: first) }
            predictionIndex[id] = i
        }
        var seen: [String: Int] = [:]
        seen.reserveCapacity(recordIDs.count)
        var out = [Int](repeating: -1, count: recordIDs.count)
        var unmatched = 0, firstUnmatched: (String, Int)? = nil
        for (i, id) in recordIDs.enumerated() {
            guard let id, !id.isEmpty else { throw .missingID(side: "records", index: i) }
            if let first = seen[id] { throw .duplicateID(side: "records", id: id, index: i, firstIndex: first) }
            seen[id] = i
            if let j = predictionIndex[id] {
                out[i] = j
            } else {
                unmatched += 1
                if firstUnmatched == nil { firstUnmatched = (id, i) }
            }
        }
        if let (id, i) = firstUnmatched { throw .unmatchedIDs(side: "records", count: unmatched, firstID: id, firstIndex: i) }
        if predictionIDs.count != recordIDs.count {
            var extra = 0, first: (String, Int)? = nil
            for (i, id) in predictionIDs.enumerated() where seen[id!] == nil {
                extra += 1
                if first == nil { first = (id!, i) }
            }
            if let (id, i) = first { throw .unmatchedIDs(side: "scores", count: extra, firstID: id, firstIndex: i) }
        }
        return out
    }
}
