import Foundation

/// The confusion counts of one group in the **favourable (approval) lens**: the favourable truth is
/// repayment (y = 0) and the favourable decision is approval (PD below the cut-off).
///
/// Every fairness number in this module is a function of these four counts per group (the
/// Theil and generalised-entropy indices too, because their benefit bᵢ = ŷᵢ − yᵢ + 1 takes only
/// the values 0, 1 and 2), so bootstrap replicates and threshold sweeps only recount.
public struct FairnessCounts: Sendable, Equatable, Codable {
    /// Repaid and approved (true positives in the favourable lens).
    public var goodApproved: Int
    /// Repaid and declined (false negatives in the favourable lens).
    public var goodDeclined: Int
    /// Defaulted and approved (false positives in the favourable lens).
    public var badApproved: Int
    /// Defaulted and declined (true negatives in the favourable lens).
    public var badDeclined: Int

    /// Counts from the four cells.
    public init(goodApproved: Int = 0, goodDeclined: Int = 0, badApproved: Int = 0, badDeclined: Int = 0) {
        self.goodApproved = goodApproved
        self.goodDeclined = goodDeclined
        self.badApproved = badApproved
        self.badDeclined = badDeclined
    }

    /// Counts of rows with `label` (1 = default) and `approved`.
    public init(labels: [Int], approved: [Bool]) {
        self.init()
        for i in 0..<labels.count { add(cell: FairnessCounts.cell(label: labels[i], approved: approved[i])) }
    }

    /// The cell code of one row: 0 good/approved, 1 good/declined, 2 bad/approved, 3 bad/declined.
    @inlinable
    public static func cell(label: Int, approved: Bool) -> Int { (label == 1 ? 2 : 0) + (approved ? 0 : 1) }

    /// Adds one row given its cell code (see ``cell(label:approved:)``).
    @inlinable
    public mutating func add(cell: Int) {
        switch cell {
        case 0: goodApproved += 1
        case 1: goodDeclined += 1
        case 2: badApproved += 1
        default: badDeclined += 1
        }
    }

    /// Cell-wise sum (pooling groups).
    public static func + (a: FairnessCounts, b: FairnessCounts) -> FairnessCounts {
        FairnessCounts(goodApproved: a.goodApproved + b.goodApproved, goodDeclined: a.goodDeclined + b.goodDeclined,
                       badApproved: a.badApproved + b.badApproved, badDeclined: a.badDeclined + b.badDeclined)
    }

    /// Rows.
    public var n: Int { goodApproved + goodDeclined + badApproved + badDeclined }
    /// Repaid rows (favourable truth).
    public var goods: Int { goodApproved + goodDeclined }
    /// Defaults (y = 1).
    public var bads: Int { badApproved + badDeclined }
    /// Approved rows (favourable decision).
    public var approvals: Int { goodApproved + badApproved }
    /// Declined rows.
    public var declines: Int { goodDeclined + badDeclined }

    /// Approval (selection) rate P(approve); NaN for an empty group.
    public var selectionRate: Double { ratio(approvals, n) }
    /// Share repaid P(y = 0) (aif360 `base_rate` with favourable = repaid); NaN when empty.
    public var baseRate: Double { ratio(goods, n) }
    /// Default rate P(y = 1); NaN when empty.
    public var defaultRate: Double { ratio(bads, n) }
    /// P(approve | repaid): creditworthy applicants approved; NaN without goods.
    public var truePositiveRate: Double { ratio(goodApproved, goods) }
    /// P(approve | defaulted): defaulters approved; NaN without bads.
    public var falsePositiveRate: Double { ratio(badApproved, bads) }
    /// P(decline | repaid) = 1 − TPR; NaN without goods.
    public var falseNegativeRate: Double { ratio(goodDeclined, goods) }
    /// P(repaid | approved) (precision in the favourable lens); NaN without approvals.
    public var precision: Double { ratio(goodApproved, approvals) }
    /// Default lens: P(decline | default) = 1 − FPR; NaN without bads.
    public var defaultLensTruePositiveRate: Double { ratio(badDeclined, bads) }
    /// Default lens: P(decline | repaid) = FNR; NaN without goods.
    public var defaultLensFalsePositiveRate: Double { ratio(goodDeclined, goods) }

    @inlinable
    func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? .nan : Double(a) / Double(b) }
}

/// Why a fairness routine refused its input. Each case names the attribute, group, value or row
/// (0-based index) at fault so the CLI can point the analyst at it.
public enum FairnessError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Two paired arrays differ in length.
    case lengthMismatch(what: String, expected: Int, got: Int)
    /// No rows.
    case empty
    /// A label other than 0 (repaid) or 1 (default).
    case invalidLabel(index: Int, value: Int)
    /// A score that is not a finite PD in [0, 1].
    case invalidScore(index: Int, value: Double)
    /// No attribute of this name (for example in an intersection).
    case unknownAttribute(name: String, available: [String])
    /// The privileged value is not one of the attribute's groups.
    case privilegedNotPresent(attribute: String, privileged: String, groups: [String])
    /// The attribute has a single group, so there is nothing to compare.
    case singleGroup(attribute: String, group: String)
    /// A band specification that is not a strictly increasing list of finite cut points.
    case invalidBand(attribute: String, detail: String)
    /// An id is missing (`side` is "records" or "scores").
    case missingID(side: String, index: Int)
    /// An id occurs twice on one side.
    case duplicateID(side: String, id: String, index: Int, firstIndex: Int)
    /// Ids on `side` with no partner on the other side: how many, and the first one.
    case unmatchedIDs(side: String, count: Int, firstID: String, firstIndex: Int)
    /// Any other invalid argument (the message says which).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .lengthMismatch(what, e, g): return "\(what): expected \(e) values, got \(g)"
        case .empty: return "no rows to audit"
        case let .invalidLabel(i, v): return "label at row \(i) is \(v); labels must be 0 (repaid) or 1 (default)"
        case let .invalidScore(i, v): return "score at row \(i) is \(v); scores must be PDs in [0, 1]"
        case let .unknownAttribute(name, available):
            return "unknown sensitive attribute '\(name)' (attributes: \(available.joined(separator: ", ")))"
        case let .privilegedNotPresent(a, p, groups):
            return "privileged value '\(p)' does not occur in attribute '\(a)' (values: \(groups.prefix(20).joined(separator: ", ")))"
        case let .singleGroup(a, g):
            return "attribute '\(a)' has a single group ('\(g)'): there is nothing to compare"
        case let .invalidBand(a, d): return "band for '\(a)': \(d)"
        case let .missingID(side, i): return "\(side): the id at row \(i) is missing"
        case let .duplicateID(side, id, i, f): return "\(side): id '\(id)' at row \(i) repeats row \(f)"
        case let .unmatchedIDs(side, c, id, i):
            return "\(side): \(c) id\(c == 1 ? "" : "s") with no partner (first: '\(id)' at row \(i))"
        case let .invalidArgument(m): return m
        }
    }
}
