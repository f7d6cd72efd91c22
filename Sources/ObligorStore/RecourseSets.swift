import Foundation

/// One part's reachable set as stored in the workspace (table `recourse_part_sets`).
///
/// A part's set depends only on the resolved action set and the values of the part's own features,
/// so it is keyed on (action-set hash, part, those values) and shared by every row and run that has them.
public struct StoredPartSet: Sendable, Equatable {
    public let part: Int
    /// The part's feature values, as ObligorRecourse writes them ("v1,v2,…").
    public let key: String
    /// The part's feature names, comma-separated.
    public let features: String
    /// Distinct points, row-major (`features` values each).
    public let points: [Double]
    /// Own-action cost of each point.
    public let costs: [Double]

    public init(part: Int, key: String, features: String, points: [Double], costs: [Double]) {
        self.part = part
        self.key = key
        self.features = features
        self.points = points
        self.costs = costs
    }
}

extension Workspace {
    /// Stores part sets for an action set (existing entries are kept: a set is a function of its key).
    public func saveRecoursePartSets(actionSetSHA256 hash: String, _ sets: [StoredPartSet]) throws {
        try db.transaction {
            let s = try db.prepare("""
                INSERT OR IGNORE INTO recourse_part_sets (action_set_sha256, part, part_key, features, n_points, points, costs)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for p in sets {
                try s.bind([.text(hash), .integer(Int64(p.part)), .text(p.key), .text(p.features), .integer(Int64(p.costs.count)),
                            .blob(Self.bytes(p.points)), .blob(Self.bytes(p.costs))])
                try s.run()
            }
        }
    }

    /// The stored part sets of an action set.
    public func recoursePartSets(actionSetSHA256 hash: String) throws -> [StoredPartSet] {
        let s = try db.prepare("SELECT part, part_key, features, points, costs FROM recourse_part_sets WHERE action_set_sha256 = ? ORDER BY part, part_key")
        try s.bind([.text(hash)])
        var out: [StoredPartSet] = []
        while try s.step() {
            out.append(StoredPartSet(part: Int(s.int(0)), key: s.text(1) ?? "", features: s.text(2) ?? "",
                                     points: Self.doubles(s.blob(3)), costs: Self.doubles(s.blob(4))))
        }
        return out
    }

    static func bytes(_ v: [Double]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(v.count * 8)
        for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    static func doubles(_ b: [UInt8]) -> [Double] {
        stride(from: 0, to: b.count - b.count % 8, by: 8).map { k in
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(b[k + i]) << (8 * UInt64(i)) }
            return Double(bitPattern: bits)
        }
    }
}
