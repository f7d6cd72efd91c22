import Foundation

/// The outcome of one loan over the performance window after its observation date.
public enum FreddieOutcome: String, Codable, Sendable, CaseIterable {
    /// A credit event (90+ DPD, REO acquisition, or credit zero-balance code) within the window: y = 1.
    case `default`
    /// Voluntary payoff (ZBC 01) within the window before any credit event: the competing outcome, y = 0.
    case prepaid
    /// Repurchase / defect removal (ZBC 06, 96) within the window before any credit event: y = 0.
    case removed
    /// Observed through the whole window with no credit event: y = 0.
    case performing
    /// Neither an event nor a termination, and observed for less than the window: no label.
    case censored
}

/// The label of one loan for a performance window of `horizon` months.
public struct FreddieLabel: Sendable, Equatable {
    public var outcome: FreddieOutcome
    /// 1 default, 0 non-default, nil when censored.
    public var y: Int? {
        switch outcome {
        case .default: return 1
        case .censored: return nil
        case .prepaid, .removed, .performing: return 0
        }
    }
    /// Months on book of the first credit event over the whole history (nil when none).
    public var defaultMOB: Int?
    /// Months on book of a voluntary payoff (nil when none).
    public var prepayMOB: Int?
    /// Months on book of the last record.
    public var lastMOB: Int
}

/// Label construction (notes/hnn-lbsf.md §3.4; BCBS/EBA 90-DPD definition).
///
/// The observation date of a loan is its origination month, taken as the month before the first
/// payment (`t₀ = first payment − 1`), so the window is the reporting months `t₀ + 1 … t₀ + H`:
///
/// * **default** (y = 1) when the first credit event — delinquency status ≥ 3 (90+ days), `RA`/`R`
///   (REO acquisition) or a credit zero-balance code 02/03/09/15/16 — falls in the window;
/// * otherwise **prepaid** (ZBC 01) or **removed** (ZBC 06/96) when the loan terminates in the window
///   (y = 0: a competing outcome; the loan cannot default afterwards);
/// * otherwise **performing** (y = 0) when a record at or after `t₀ + H` exists;
/// * otherwise **censored** (no label): the data ends before the window closes.
public enum FreddieLabels {
    /// The label of one loan.
    public static func label(history h: FreddieLoanHistory, observationMonth t0: Int, horizon: Int) -> FreddieLabel {
        let windowEnd = t0 + horizon
        let event = h.firstCreditEvent
        let defaultMOB = event >= 0 ? event - t0 : nil
        let prepayMOB = h.zeroBalanceCode == FreddieZeroBalance.prepaid ? h.zeroBalanceMonth - t0 : nil
        let lastMOB = h.lastMonth >= 0 ? h.lastMonth - t0 : 0
        let outcome: FreddieOutcome
        if event >= 0 && event <= windowEnd {
            outcome = .default
        } else if h.zeroBalanceCode >= 0 && h.zeroBalanceMonth <= windowEnd && !FreddieZeroBalance.credit.contains(h.zeroBalanceCode) {
            outcome = h.zeroBalanceCode == FreddieZeroBalance.prepaid ? .prepaid : .removed
        } else if h.lastMonth >= windowEnd {
            outcome = .performing
        } else {
            outcome = .censored
        }
        return FreddieLabel(outcome: outcome, defaultMOB: defaultMOB, prepayMOB: prepayMOB, lastMOB: lastMOB)
    }

    /// The observation month of a loan with first payment month `firstPayment` (both month indices).
    public static func observationMonth(firstPayment: Int) -> Int { firstPayment - 1 }
}
