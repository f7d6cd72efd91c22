import Foundation
import ObligorNumerics

/// Settings of the synthetic payment-sequence generator (see README.md for the model).
public struct PaymentGeneratorSpec: Sendable, Codable, Equatable {
    public var users: Int
    public var days: Int
    public var seed: UInt64
    /// Merchant catalogue size (default: clamp(2·users, 200, 50 000)).
    public var merchants: Int?
    /// Zipf exponent of merchant popularity.
    public var zipfExponent: Double = 1.1
    /// Median events per user per day (log-normal across users, σ = 0.6).
    public var eventsPerDay: Double = 1.5
    /// Intercept of the default logit; the mean default rate lands in 2–8 % for the default −4.
    public var defaultIntercept: Double = -4.0
    /// Slope of the default logit on the latent stress z ~ N(0, 1).
    public var stressSlope: Double = 1.6
    /// Strength of the behavioural signal of stress (0 = labels independent of behaviour).
    public var signal: Double = 1.0
    /// Window end (prediction time), epoch seconds. Default 2024-07-01T00:00:00Z.
    public var end: Int64 = 1_719_792_000

    public init(users: Int, days: Int = 180, seed: UInt64 = 1) { self.users = users; self.days = days; self.seed = seed }

    public func validate() throws {
        if users < 1 { throw SequenceError.invalidConfig("--users must be at least 1, got \(users)") }
        if days < 1 { throw SequenceError.invalidConfig("--days must be at least 1, got \(days)") }
        if let m = merchants, m < 20 { throw SequenceError.invalidConfig("merchants must be at least 20, got \(m)") }
        if !(zipfExponent > 0) { throw SequenceError.invalidConfig("zipf exponent must be > 0") }
        if !(eventsPerDay > 0 && eventsPerDay <= 100) { throw SequenceError.invalidConfig("--events-per-day must be in (0, 100], got \(eventsPerDay)") }
    }
}

/// The generated data: events in (user, time) order, one label per user, and the latent stress.
public struct PaymentData: Sendable {
    public var events: [PaymentEvent]
    public var labels: [Int: Int]
    public var stress: [Double]
    public var end: Int64
    public var defaultRate: Double { Double(labels.values.reduce(0, +)) / Double(max(1, labels.count)) }
}

/// Synthetic merchant payment sequences with a known, long-range, merchant-local risk signal.
public enum PaymentGenerator {
    /// Category description vocabulary; merchant descriptions add a merchant token.
    static let vocabulary: [[String]] = [
        ["supermarket", "fresh", "vegetables", "milk", "bread"],
        ["delivery", "lunch", "noodles", "takeaway", "meal"],
        ["metro", "bus", "taxi", "ride", "fuel"],
        ["mobile", "topup", "data", "plan", "recharge"],
        ["electricity", "water", "gas", "bill", "utility"],
        ["shop", "order", "clothes", "electronics", "online"],
        ["game", "coins", "skin", "pass", "gems"],
        ["lottery", "ticket", "bet", "draw", "jackpot"],
        ["loan", "credit", "advance", "quick", "lender"],
        ["transfer", "send", "wallet", "friend", "cash"],
    ]
    /// log-mean amount by category.
    static let logMean: [Double] = [3.6, 3.2, 2.5, 3.9, 4.6, 4.8, 3.0, 3.3, 5.6, 5.0]
    /// Catalogue share of each category.
    static let categoryShare: [Double] = [0.2, 0.15, 0.1, 0.05, 0.05, 0.2, 0.08, 0.05, 0.06, 0.06]
    /// Hour-of-day activity profile (daily cycle).
    static let hourProfile: [Double] = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 1.8, 1.5, 1.3, 1.6, 2.2, 1.8, 1.3, 1.2, 1.3, 1.6,
                                        2.0, 2.2, 2.0, 1.6, 1.0, 0.6]

    public static func generate(_ spec: PaymentGeneratorSpec) throws -> PaymentData {
        try spec.validate()
        let rng = RandomSource(seed: spec.seed)
        let nm = spec.merchants ?? min(50_000, max(200, 2 * spec.users))
        let nc = PaymentCategory.allCases.count
        // Catalogue: category per merchant, Zipf popularity over merchant ids.
        var shareCum: [Double] = []
        var acc = 0.0
        for s in categoryShare { acc += s; shareCum.append(acc / categoryShare.reduce(0, +)) }
        var merchantCategory = [Int](repeating: 0, count: nm)
        for m in 0..<nm { let u = rng.uniform(); merchantCategory[m] = shareCum.firstIndex { u < $0 } ?? nc - 1 }
        var byCategory = [[Int]](repeating: [], count: nc)
        for m in 0..<nm { byCategory[merchantCategory[m]].append(m) }
        for c in 0..<nc where byCategory[c].isEmpty { byCategory[c] = [c]; merchantCategory[c] = c }
        func zipfCum(_ n: Int) -> [Double] {
            var cum: [Double] = [], a = 0.0
            for r in 1...n { a += 1 / pow(Double(r), spec.zipfExponent); cum.append(a) }
            return cum.map { $0 / a }
        }
        let catCum = byCategory.map { zipfCum($0.count) }
        func draw(_ cum: [Double]) -> Int {
            let u = rng.uniform()
            var lo = 0, hi = cum.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if cum[mid] > u { hi = mid } else { lo = mid + 1 } }
            return lo
        }
        func merchantIn(_ c: Int) -> Int { byCategory[c][draw(catCum[c])] }
        let globalCum = zipfCum(nm)

        let days = spec.days
        let start = spec.end - Int64(days) * 86400
        var events: [PaymentEvent] = []
        var labels: [Int: Int] = [:]
        var stress: [Double] = []
        let g = spec.signal
        let risky = [PaymentCategory.smallLoan.index, PaymentCategory.cashTransfer.index]
        for user in 0..<spec.users {
            let z = rng.gaussian()
            stress.append(z)
            let pd = 1 / (1 + exp(-(spec.defaultIntercept + spec.stressSlope * z)))
            labels[user] = rng.uniform() < pd ? 1 : 0
            let zp = max(0, z)  // behaviour responds to stress above average
            // Repertoire: habitual merchants (most events) from the user's favoured categories.
            let nHabit = 3 + rng.integer(below: 6)
            var habits: [Int] = []
            for _ in 0..<nHabit { habits.append(draw(globalCum)) }
            let habitGrocery = merchantIn(PaymentCategory.grocery.index)
            habits.append(habitGrocery)
            let riskyOwn = risky.map { merchantIn($0) } + [merchantIn(PaymentCategory.smallLoan.index)]
            let gamblingOwn = merchantIn(PaymentCategory.gambling.index)
            let shopOwn = merchantIn(PaymentCategory.ecommerce.index)
            let utilityOwn = merchantIn(PaymentCategory.utilities.index)
            let rate = spec.eventsPerDay * exp(0.6 * rng.gaussian())
            let userLogAmount = 0.3 * rng.gaussian()
            let lateShift = g * 0.5 * zp  // time-of-day only signal: activity drifts later at night
            var userEvents: [PaymentEvent] = []
            func pickMerchant(_ frac: Double) -> (Int, Int, String, Double) {
                let u = rng.uniform()
                // Long-range merchant-local trends: risky-merchant share grows over the window.
                let pRisky = 0.01 + 0.06 * g * zp * frac
                let pGamble = 0.01 + 0.03 * g * zp
                var m: Int, factor = 1.0
                var extra = ""
                if u < pRisky {
                    m = riskyOwn[rng.integer(below: riskyOwn.count)]
                } else if u < pRisky + pGamble {
                    m = gamblingOwn
                } else if u < pRisky + pGamble + 0.08 {
                    m = shopOwn
                    // Description-only signal: instalment purchases at the user's shop.
                    if rng.uniform() < min(0.9, 0.1 + 0.35 * g * zp) { extra = rng.uniform() < 0.5 ? " installment" : " repayment plan" }
                } else if u < 0.75 {
                    m = habits[rng.integer(below: habits.count)]
                    if m == habitGrocery { factor = exp(-0.5 * g * zp * frac) }  // grocery down-trading
                } else {
                    m = draw(globalCum)
                }
                let c = merchantCategory[m]
                let words = vocabulary[c]
                let desc = "\(words[rng.integer(below: words.count)]) \(words[rng.integer(below: words.count)]) m\(m)" + extra
                return (m, c, desc, factor)
            }
            for day in 0..<days {
                let frac = Double(day) / Double(max(1, days - 1))  // position in the window: stress builds up
                let dayStart = start + Int64(day) * 86400
                let weekday = Int(((dayStart / 86400) + 3) % 7)  // 0 = Monday (1970-01-01 was a Thursday)
                let weekFactor = weekday >= 5 ? 1.3 : 1.0
                // Bursty arrivals: sessions are Poisson, each with a geometric burst of events.
                let sessions = poisson(rate * weekFactor / 1.6, rng)
                for _ in 0..<sessions {
                    var hour = draw(hourCum)
                    if lateShift > 0 && rng.uniform() < min(0.5, 0.12 * lateShift * (0.5 + frac)) { hour = [22, 23, 0, 1, 2][rng.integer(below: 5)] }
                    var t = dayStart + Int64(hour * 3600 + rng.integer(below: 3600))
                    var burst = 1
                    while rng.uniform() < 0.35 && burst < 8 { burst += 1 }
                    for _ in 0..<burst {
                        let (m, c, desc, amountFactor) = pickMerchant(frac)
                        var amount = exp(logMean[c] + userLogAmount + 0.6 * rng.gaussian()) * amountFactor
                        if rng.uniform() < 0.15 {  // round-number spikes
                            let unit = [10.0, 20, 50, 100][rng.integer(below: 4)]
                            amount = max(unit, (amount / unit).rounded() * unit)
                        }
                        amount = (amount * 100).rounded() / 100
                        userEvents.append(PaymentEvent(user: user, merchant: m, timestamp: min(t, spec.end - 1), amount: amount, category: c, description: desc))
                        t += Int64(30 + rng.integer(below: 600))
                    }
                }
                // Salary-day-like utilities payment; stressed users pay irregularly (skip / late).
                if day % 30 == 5 {
                    let skip = rng.uniform() < min(0.8, 0.25 * g * zp * (0.5 + frac))
                    if !skip {
                        let late = Int64(rng.integer(below: 1 + Int(3 * g * zp * frac) * 4)) * 86400
                        let t = min(spec.end - 1, dayStart + late + 10 * 3600)
                        userEvents.append(PaymentEvent(user: user, merchant: utilityOwn, timestamp: t,
                                                       amount: (exp(logMean[4] + 0.2 * rng.gaussian()) * 100).rounded() / 100,
                                                       category: PaymentCategory.utilities.index, description: "electricity bill m\(utilityOwn)"))
                    }
                }
            }
            userEvents.sort { ($0.timestamp, $0.merchant) < ($1.timestamp, $1.merchant) }
            events.append(contentsOf: userEvents)
        }
        return PaymentData(events: events, labels: labels, stress: stress, end: spec.end)
    }

    static let hourCum: [Double] = {
        var a = 0.0
        let s = hourProfile.reduce(0, +)
        return hourProfile.map { a += $0; return a / s }
    }()

    static func poisson(_ mean: Double, _ rng: RandomSource) -> Int {
        // Knuth's product method; means here are small (< 30).
        let l = exp(-mean)
        var k = 0, p = 1.0
        repeat { k += 1; p *= rng.uniform() } while p > l && k < 200
        return k - 1
    }
}
