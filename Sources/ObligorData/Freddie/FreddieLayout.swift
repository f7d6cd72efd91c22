import Foundation

/// A release of the Freddie Mac Single-Family Loan-Level Dataset (SFLLD) file layouts.
///
/// The files are pipe-delimited ASCII with no header, so the release is recognised from the
/// number of fields on the first line (Freddie Mac, *Single-Family Loan-Level Dataset General User
/// Guide*; notes/hnn-lbsf.md §3):
///
/// | release | origination fields | performance fields |
/// | --- | --- | --- |
/// | legacy (2013–2016) | 26–30 (a prefix of the current layout) | 26–30 (a prefix) |
/// | Zenodo-era extract | 31 (no MI Cancellation Indicator) | 31 (no Interest Bearing UPB) |
/// | current (2021–2025 guides) | 32 | 32 |
/// | Release 47 (July 2026) | 31: Servicer Name and MI Cancellation moved to the performance file, VantageScore 4.0 added as field 31 | 35 |
///
/// A 31-field origination line is Release 47 when its field 25 (Super Conforming Flag in that
/// release) is `Y` or blank *and* field 31 is not `Y`/`N` (Interest Only Indicator in the older
/// layout); otherwise it is the Zenodo-era layout.
public enum FreddieRelease: String, Codable, Sendable, CaseIterable {
    case legacy
    case zenodo
    case current
    case release47
}

/// Field positions (0-based) of the origination layout of one release.
public struct FreddieOriginationLayout: Sendable, Equatable {
    /// The release.
    public let release: FreddieRelease
    /// Number of `|`-separated fields on every line.
    public let fieldCount: Int
    /// Field names in order (snake_case, Obligor's names).
    public let names: [String]

    /// Position of a named field, nil when this release has no such field.
    public func position(_ name: String) -> Int? { names.firstIndex(of: name) }

    /// The 32 field names of the current layout (user guides 2023–2025), in order.
    public static let currentNames = [
        "fico", "first_payment_date", "first_time_buyer", "maturity_date", "msa", "mi_pct", "units", "occupancy",
        "cltv", "dti", "upb", "ltv", "rate", "channel", "ppm", "amortization", "property_state", "property_type",
        "postal_code", "loan_id", "purpose", "term", "borrowers", "seller", "servicer", "super_conforming",
        "pre_harp_loan_id", "program", "harp", "valuation_method", "interest_only", "mi_cancellation",
    ]

    /// Release 47: servicer and MI cancellation moved out, VantageScore 4.0 appended.
    public static let release47Names: [String] = {
        var n = currentNames.filter { $0 != "servicer" && $0 != "mi_cancellation" }
        n.append("vantage_score")
        return n
    }()

    /// The layout for a line with `fieldCount` fields (`fields` are the first line's fields, used to
    /// tell the two 31-field releases apart), or nil when no release has that many fields.
    public static func detect(fieldCount: Int, fields: [Substring]) -> FreddieOriginationLayout? {
        switch fieldCount {
        case 32: return FreddieOriginationLayout(release: .current, fieldCount: 32, names: currentNames)
        case 31:
            let f25 = fields.count > 24 ? fields[24].trimmingCharacters(in: .whitespaces) : ""
            let f31 = fields.count > 30 ? fields[30].trimmingCharacters(in: .whitespaces) : ""
            if (f25 == "Y" || f25.isEmpty) && f31 != "Y" && f31 != "N" {
                return FreddieOriginationLayout(release: .release47, fieldCount: 31, names: release47Names)
            }
            return FreddieOriginationLayout(release: .zenodo, fieldCount: 31, names: Array(currentNames.prefix(31)))
        case 26...30:
            return FreddieOriginationLayout(release: .legacy, fieldCount: fieldCount, names: Array(currentNames.prefix(fieldCount)))
        default: return nil
        }
    }
}

/// Field positions (0-based) of the monthly performance layout of one release.
public struct FreddiePerformanceLayout: Sendable, Equatable {
    public let release: FreddieRelease
    public let fieldCount: Int
    public let names: [String]

    /// The 32 field names of the current performance layout, in order.
    public static let currentNames = [
        "loan_id", "period", "current_upb", "delinquency_status", "loan_age", "remaining_months",
        "defect_settlement_date", "modification_flag", "zero_balance_code", "zero_balance_date", "current_rate",
        "deferred_upb", "ddlpi", "mi_recoveries", "net_sales_proceeds", "non_mi_recoveries", "expenses",
        "legal_costs", "maintenance_costs", "taxes_insurance", "misc_expenses", "actual_loss", "modification_cost",
        "step_modification", "payment_deferral", "eltv", "zero_balance_removal_upb", "delinquent_accrued_interest",
        "disaster_delinquency", "borrower_assistance", "current_month_modification_cost", "interest_bearing_upb",
    ]

    /// Release 47 appends MI Cancellation Indicator, Servicer Name and Bankruptcy Cramdown Costs.
    public static let release47Names = currentNames + ["mi_cancellation", "servicer", "cramdown_costs"]

    /// The layout for `fieldCount` fields, nil when no release has that many.
    public static func detect(fieldCount: Int) -> FreddiePerformanceLayout? {
        switch fieldCount {
        case 35: return FreddiePerformanceLayout(release: .release47, fieldCount: 35, names: release47Names)
        case 32: return FreddiePerformanceLayout(release: .current, fieldCount: 32, names: currentNames)
        case 31: return FreddiePerformanceLayout(release: .zenodo, fieldCount: 31, names: Array(currentNames.prefix(31)))
        case 26...30: return FreddiePerformanceLayout(release: .legacy, fieldCount: fieldCount, names: Array(currentNames.prefix(fieldCount)))
        default: return nil
        }
    }
}

/// Monthly delinquency status (performance field 4).
public enum FreddieDelinquency: Equatable, Sendable {
    /// Months delinquent: 0 current or < 30 days, 1 = 30–59, 2 = 60–89, 3 = 90–119, …
    case months(Int)
    /// `RA` (older releases `R`): REO acquisition.
    case reoAcquisition
    /// `XX`: unknown (older releases).
    case unknown
    /// Blank: unavailable.
    case unavailable

    /// True for 90+ days past due or REO acquisition (the default definition's status part).
    public var isSeriouslyDelinquent: Bool {
        switch self {
        case let .months(m): return m >= 3
        case .reoAcquisition: return true
        case .unknown, .unavailable: return false
        }
    }
}

/// Zero-balance codes (performance field 9), both code sets.
///
/// Current guide: 01 prepaid or matured, 02 third-party sale, 03 short sale or charge-off, 09 REO
/// disposition, 15 whole-loan (NPL) sale, 16 reperforming loan sale, 96 defect / repurchase prior to
/// property disposition. Legacy releases: 01, 03 (foreclosure alternatives), 06 (repurchase prior to
/// property disposition), 09.
public enum FreddieZeroBalance {
    /// Every code either release uses.
    public static let known: Set<Int> = [1, 2, 3, 6, 9, 15, 16, 96]
    /// Credit-event terminations (the default definition's ZBC part): 02, 03, 09, 15, 16.
    public static let credit: Set<Int> = [2, 3, 9, 15, 16]
    /// Voluntary payoff (prepayment or maturity), a competing outcome.
    public static let prepaid = 1
}

/// Sentinels that mean "not available" in the origination file; they become missing values.
public enum FreddieSentinels {
    /// Per numeric field, the codes that mean not available.
    public static let numeric: [String: Set<Int>] = [
        "fico": [9999], "mi_pct": [999], "units": [99], "cltv": [999], "dti": [999], "ltv": [999],
        "borrowers": [99], "valuation_method": [9], "vantage_score": [9999],
    ]
    /// Per text field, the codes that mean not available.
    public static let text: [String: Set<String>] = [
        "first_time_buyer": ["9"], "occupancy": ["9"], "channel": ["9"], "property_type": ["99"],
        "purpose": ["9"], "program": ["9"], "mi_cancellation": ["9", "7"],
    ]
}
