import Foundation
import ObligorGP
import ObligorNumerics
import Testing

/// The mortgage-panel generator (port of shared/anchors/gpboost/gen_st_mortgage.py).
@Suite struct MortgagePanelTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The script's COLUMNS, copied from gen_st_mortgage.py.
    static let pythonColumns = [
        "loan_id", "t", "region_id", "x", "y",
        "credit_score", "ltv", "dti", "ir_spread", "loan_age", "orig_upb",
        "first_time_buyer", "investor", "n_borrowers",
        "default", "true_prob", "true_frailty", "true_fx", "split",
    ]

    static let small = MortgagePanelSpec(seed: 1, nLoans: 950, nRegions: 60, nPeriods: 12)

    // MARK: - Independent re-implementations (not calling the generator's code)

    static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    /// f(x) of gen_st_mortgage.py's true_fx, written out again from the script.
    static func closedFormF(fico: Double, ltv: Double, dti: Double, spread: Double, age: Double, ftb: Int, inv: Int, nb: Int) -> Double {
        let relu = { (z: Double) in max(z, 0) }
        return -1.1 * tanh((fico - 700) / 55)
            + 1.6 * relu(ltv - 80) / 20 + 0.6 * (ltv - 70) / 30
            + 0.5 * relu(dti - 40) / 10
            + ((ltv > 85 && fico < 690) ? 1 : 0)
            + 0.5 * spread
            + 0.7 * exp(-pow((age - 8) / 6, 2))
            + 0.35 * Double(inv)
            + 0.3 * Double(ftb) * (dti > 43 ? 1 : 0)
            - 0.25 * (nb == 2 ? 1 : 0)
    }

    /// The script's st_covariance for one pair.
    static func kernel(_ cov: MortgagePanelCovariance, dt: Double, ds: Double, sigma2: Double = 0.8, rt: Double = 2, rs: Double = 9) -> Double {
        switch cov {
        case .maternST:
            let a = 3.0.squareRoot() * ((dt / rt) * (dt / rt) + (ds / rs) * (ds / rs)).squareRoot()
            return sigma2 * (1 + a) * exp(-a)
        case .separableExp:
            return sigma2 * exp(-abs(dt) / rt) * exp(-ds / rs)
        }
    }

    /// Splits the CSV text into header and rows of fields (no quoting occurs in this file).
    static func parse(_ bytes: [UInt8]) -> (header: [String], rows: [[Substring]]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        return (header, lines.map { $0.split(separator: ",", omittingEmptySubsequences: false) })
    }

    // MARK: - Columns, determinism

    @Test func columnsAreTheScriptsInOrder() throws {
        #expect(MortgagePanel.columns == Self.pythonColumns)
        let panel = try MortgagePanelGenerator.generate(Self.small)
        let (header, rows) = Self.parse(panel.csvBytes())
        #expect(header == Self.pythonColumns)
        // The header of a file written by the script itself (Fixtures/st_5k.csv, seed 1, 950 loans).
        let py = try String(contentsOf: Self.fixtures.appendingPathComponent("st_5k.csv"), encoding: .utf8)
        let pyHeader = py.prefix { $0 != "\n" && $0 != "\r\n" }.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(header.joined(separator: ",") == pyHeader)
        #expect(rows.count == panel.rowCount)
        #expect(rows.allSatisfy { $0.count == 19 })
        // Formats as in the script: x %.4f, ltv %.3f, dti %.2f, ir_spread %.4f, orig_upb %.0f (multiple of 100).
        let r0 = try #require(rows.first)
        #expect(r0[3].split(separator: ".").last?.count == 4 && r0[6].split(separator: ".").last?.count == 3)
        #expect(r0[7].split(separator: ".").last?.count == 2 && r0[8].split(separator: ".").last?.count == 4)
        #expect(!r0[10].contains(".") && Int(r0[10])! % 100 == 0)
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let a = try MortgagePanelGenerator.generate(Self.small).csvBytes()
        let b = try MortgagePanelGenerator.generate(Self.small).csvBytes()
        var other = Self.small
        other.seed = 2
        let c = try MortgagePanelGenerator.generate(other).csvBytes()
        #expect(a == b)
        #expect(a != c)
        var sep = Self.small
        sep.covariance = .separableExp
        #expect(try MortgagePanelGenerator.generate(sep).csvBytes() != a)
    }

    // MARK: - Probabilities and f(x)

    @Test func probabilityIsSigmoidOfFxPlusFrailty() throws {
        let panel = try MortgagePanelGenerator.generate(Self.small)
        let R = panel.spec.nRegions
        var worstF = 0.0, worstP = 0.0
        for k in 0..<panel.rowCount {
            let i = panel.rowLoan[k]
            let age = Double(panel.rowAge[k])
            // Row dynamics: age grows by one per period from the loan's start; LTV amortises 2.5 %/period of age, floor 5.
            #expect(panel.rowAge[k] == panel.loanInitialAge[i] + panel.rowT[k] - panel.loanStart[i])
            #expect(panel.rowLTV[k] == max(panel.loanOrigLTV[i] * (1 - 0.025 * age), 5))
            let f = Self.closedFormF(fico: Double(panel.loanCreditScore[i]), ltv: panel.rowLTV[k], dti: panel.loanDTI[i],
                                     spread: panel.loanSpread[i], age: age, ftb: panel.loanFirstTimeBuyer[i],
                                     inv: panel.loanInvestor[i], nb: panel.loanBorrowers[i])
            worstF = max(worstF, abs(f - panel.rowFx[k]))
            #expect(panel.rowFrailty[k] == panel.frailtyGrid[panel.rowT[k] * R + panel.loanRegion[i]])
            let p = Self.sigmoid(panel.intercept + f + panel.rowFrailty[k])
            worstP = max(worstP, abs(p - panel.rowProbability[k]) / p)
        }
        // In memory the only differences are summation order: 1e-12 absolute / relative.
        #expect(worstF < 1e-12, "max |f - f_closed_form| = \(worstF)")
        #expect(worstP < 1e-12, "max relative |p - sigmoid| = \(worstP)")
    }

    /// The written CSV: true_prob = sigmoid(true_fx + true_frailty), where the script's true_fx column is
    /// intercept + f(x); f recomputed from the (rounded) feature columns.
    @Test func csvColumnsAreConsistent() throws {
        let panel = try MortgagePanelGenerator.generate(Self.small)
        let (h, rows) = Self.parse(panel.csvBytes())
        let col = Dictionary(uniqueKeysWithValues: h.enumerated().map { ($1, $0) })
        func d(_ r: [Substring], _ c: String) -> Double { Double(r[col[c]!])! }
        func i(_ r: [Substring], _ c: String) -> Int { Int(r[col[c]!])! }
        var frailtyAt: [String: Substring] = [:], xyOf: [Int: String] = [:]
        var checkedF = 0, worstP = 0.0, worstF = 0.0
        for r in rows {
            let p = d(r, "true_prob"), fx = d(r, "true_fx"), b = d(r, "true_frailty")
            // %.6g keeps 6 significant digits: |Δ(true_fx)|, |Δ(true_frailty)| ≤ 5e-6·max(1,|v|) and Δp/p ≤ 5e-7;
            // dp = p(1−p)·dη, so the relative error is below 2e-5 for |η| < 10.
            let q = Self.sigmoid(fx + b)
            worstP = max(worstP, abs(p - q) / q)
            // f from rounded features: ltv ±5e-4 (slope ≤ 0.1), dti ±5e-3 (slope 0.05), ir_spread ±5e-5 (slope 0.5),
            // plus %.6g of true_fx: ≤ 5e-4 in all. Rows at an indicator's threshold are skipped (rounding can flip it).
            let ltv = d(r, "ltv"), dti = d(r, "dti")
            if abs(ltv - 85) > 1e-3 && abs(dti - 43) > 1e-2 {
                let f = Self.closedFormF(fico: d(r, "credit_score"), ltv: ltv, dti: dti, spread: d(r, "ir_spread"),
                                         age: d(r, "loan_age"), ftb: i(r, "first_time_buyer"), inv: i(r, "investor"), nb: i(r, "n_borrowers"))
                worstF = max(worstF, abs(fx - panel.intercept - f))
                checkedF += 1
            }
            // One frailty value per (t, region) and one centroid per region.
            let key = "\(r[col["t"]!]),\(r[col["region_id"]!])"
            if let seen = frailtyAt[key] { #expect(seen == r[col["true_frailty"]!]) } else { frailtyAt[key] = r[col["true_frailty"]!] }
            let xy = "\(r[col["x"]!]),\(r[col["y"]!])"
            if let seen = xyOf[i(r, "region_id")] { #expect(seen == xy) } else { xyOf[i(r, "region_id")] = xy }
            #expect(r[col["split"]!] == (i(r, "t") < panel.tSplit ? "train" : "test"))
        }
        #expect(worstP <= 2e-5, "max relative |true_prob - sigmoid(true_fx + true_frailty)| = \(worstP)")
        #expect(worstF < 5e-4, "max |true_fx - intercept - f(x)| = \(worstF)")
        #expect(checkedF > rows.count * 9 / 10)
        // A default ends the loan: no rows after a loan's default.
        var ended = Set<Int>()
        for r in rows {
            let id = i(r, "loan_id")
            #expect(!ended.contains(id), "loan \(id) has a row after its default")
            if i(r, "default") == 1 { ended.insert(id) }
        }
    }

    // MARK: - Calibration

    @Test func interceptIsCalibratedToTheBaseRate() throws {
        let spec = MortgagePanelSpec(seed: 7, nLoans: 20000, nRegions: 40, nPeriods: 12)
        let panel = try MortgagePanelGenerator.generate(spec)
        // The bisection target: the mean probability over every candidate loan-period (before defaults end loans)
        // equals base_rate up to the bisection's final bracket (~1e-15 in β₀) — 1e-9 leaves room for summation.
        #expect(abs(panel.candidateMeanProbability - spec.baseRate) < 1e-9, "\(panel.candidateMeanProbability)")
        // Realised default rate: given the probabilities, defaults are independent Bernoulli draws, so the pooled
        // rate is within 4 binomial standard errors of the mean true_prob of the kept rows.
        let n = Double(panel.rowCount)
        let meanP = panel.rowProbability.reduce(0, +) / n
        let se = (panel.rowProbability.reduce(0) { $0 + $1 * (1 - $1) }).squareRoot() / n
        let rate = Double(panel.rowDefault.reduce(0, +)) / n
        #expect(abs(rate - meanP) < 4 * se, "default rate \(rate), mean p \(meanP), se \(se)")
        // Rows after a default are dropped (high-risk loans lose periods), so the kept rows' mean p is a little below
        // base_rate: the script gives 0.0268 ± 0.0008 (sd over 20 seeds of 5k rows) for 0.03; accept [0.8, 1.0]·base.
        #expect(meanP > 0.8 * spec.baseRate && meanP < 1.0 * spec.baseRate, "mean p \(meanP)")
        // Mean of the per-period default rates: each period's rate has a binomial error and the frailty's period mean
        // moves it (the calibration is on the pool); 12 periods averaged: within ±25 % of base_rate.
        let perPeriod = panel.defaultRateByPeriod.compactMap { $0 }
        let meanPerPeriod = perPeriod.reduce(0, +) / Double(perPeriod.count)
        #expect(abs(meanPerPeriod - spec.baseRate) < 0.25 * spec.baseRate, "mean per-period default rate \(meanPerPeriod)")
    }

    // MARK: - Frailty law

    /// Over many seeds, E[b²] = σ² and E[b(t,r) b(t+1,r)] = k(Δt = 1, Δs = 0); the tolerance is 4 standard errors of
    /// the estimators, computed exactly from the covariance (Isserlis: Var(mean x_k y_k) = Σ_kl (C_xx' C_yy' + C_xy' C_yx')/M²).
    func checkFrailtyLaw(_ cov: MortgagePanelCovariance, seeds: Int, lag1: Double) throws {
        let R = 24, T = 10
        var sumVar = 0.0, sumLag = 0.0, varVar = 0.0, varLag = 0.0
        for seed in 1...seeds {
            let spec = MortgagePanelSpec(seed: UInt64(seed), nLoans: 1, nRegions: R, nPeriods: T, covariance: cov)
            let panel = try MortgagePanelGenerator.generate(spec)
            let b = panel.frailtyGrid
            #expect(b.count == R * T)
            func c(_ k: Int, _ l: Int) -> Double {
                let (tk, rk) = k.quotientAndRemainder(dividingBy: R), (tl, rl) = l.quotientAndRemainder(dividingBy: R)
                let dx = panel.regionX[rk] - panel.regionX[rl], dy = panel.regionY[rk] - panel.regionY[rl]
                return Self.kernel(cov, dt: Double(tk - tl), ds: (dx * dx + dy * dy).squareRoot())
            }
            let m = R * T
            var cm = [Double](repeating: 0, count: m * m)
            for k in 0..<m { for l in 0..<m { cm[k * m + l] = c(k, l) } }
            sumVar += b.reduce(0) { $0 + $1 * $1 } / Double(m)
            var s2 = 0.0
            for v in cm { s2 += v * v }
            varVar += 2 * s2 / Double(m * m)
            // Lag-1 pairs (t, r), (t+1, r).
            let pairs = (0..<((T - 1) * R)).map { ($0, $0 + R) }
            sumLag += pairs.reduce(0) { $0 + b[$1.0] * b[$1.1] } / Double(pairs.count)
            var sl = 0.0
            for (xk, yk) in pairs { for (xl, yl) in pairs { sl += cm[xk * m + xl] * cm[yk * m + yl] + cm[xk * m + yl] * cm[yk * m + xl] } }
            varLag += sl / Double(pairs.count * pairs.count)
        }
        let n = Double(seeds)
        let v = sumVar / n, l = sumLag / n
        let seV = varVar.squareRoot() / n, seL = varLag.squareRoot() / n
        #expect(abs(v - 0.8) < 4 * seV, "\(cov): mean b² \(v) vs σ² 0.8 (se \(seV))")
        #expect(abs(l - 0.8 * lag1) < 4 * seL, "\(cov): lag-1 covariance \(l) vs \(0.8 * lag1) (se \(seL))")
        // Region centroids cluster (range 9°), so this grid has few effective samples (se ≈ 0.03-0.04): it checks the
        // generator's plumbing; frailtyDrawMatchesTheKernel below tells the kernels apart.
    }

    @Test func frailtyIsTheMaternSpaceTimeGP() throws {
        let a = 3.0.squareRoot() / 2   // Matérn 1.5, ρ_t = 2, Δt = 1: h = 1/2, √3 h
        try checkFrailtyLaw(.maternST, seeds: 60, lag1: (1 + a) * exp(-a))
    }

    @Test func frailtyIsTheSeparableExponentialGP() throws {
        try checkFrailtyLaw(.separableExp, seeds: 60, lag1: exp(-0.5))
    }

    /// The exact draw on a designed grid: 60 regions in pairs 9° apart (one spatial range), the pairs 10,000° apart
    /// (independent), 20 periods; 24 draws. Checks the variance, the lag-1 covariance of a region, and the same-period
    /// covariance at 9°, each within 4 exact (Isserlis) standard errors, and that 4 se is small enough to separate
    /// matern_st from separable_exp (lag 1: 0.628 vs 0.485; at 9°: 0.387 vs 0.294).
    func checkDraw(_ cov: MortgagePanelCovariance, lag1: Double, at9: Double) throws {
        let R = 60, T = 20, draws = 24
        let rx: [Double] = (0..<R).map { (r: Int) -> Double in
            let pair = Double(r / 2), second = Double(r % 2)
            return pair * 10_000 + second * 9
        }
        let times = (0..<(R * T)).map { Double($0 / R) }, xs = (0..<(R * T)).map { rx[$0 % R] }, ys = [Double](repeating: 30, count: R * T)
        let spec = MortgagePanelSpec(covariance: cov)
        let (kernel, theta) = try spec.covarianceFunction()
        func c(_ k: Int, _ l: Int) -> Double { Self.kernel(cov, dt: times[k] - times[l], ds: abs(xs[k] - xs[l])) }
        let lagPairs = (0..<((T - 1) * R)).map { ($0, $0 + R) }
        let spacePairs = (0..<(T * R / 2)).map { (2 * $0, 2 * $0 + 1) }
        // Isserlis: Var(mean_k x_k y_k) for one draw; only pairs within 40 ranges contribute (others are < 1e-300).
        func isserlis(_ pairs: [(Int, Int)]) -> Double {
            var s = 0.0
            for (a, b) in pairs { for (e, f) in pairs where abs(xs[a] - xs[e]) < 100 { s += c(a, e) * c(b, f) + c(a, f) * c(b, e) } }
            return s / Double(pairs.count * pairs.count)
        }
        let allPoints = (0..<(R * T)).map { ($0, $0) }
        var v = 0.0, l = 0.0, s9 = 0.0
        for d in 1...draws {
            let (b, jitter) = try MortgagePanelGenerator.drawFrailty(kernel: kernel, theta: theta, times: times, x: xs, y: ys,
                                                                     random: RandomSource(seed: UInt64(d)))
            #expect(jitter == 1e-8 * 0.8)
            v += b.reduce(0) { $0 + $1 * $1 } / Double(b.count)
            l += lagPairs.reduce(0) { $0 + b[$1.0] * b[$1.1] } / Double(lagPairs.count)
            s9 += spacePairs.reduce(0) { $0 + b[$1.0] * b[$1.1] } / Double(spacePairs.count)
        }
        let n = Double(draws)
        let checks = [("variance", v / n, 0.8, isserlis(allPoints)), ("lag-1 covariance", l / n, 0.8 * lag1, isserlis(lagPairs)),
                      ("covariance at 9°", s9 / n, 0.8 * at9, isserlis(spacePairs))]
        for (name, estimate, truth, var1) in checks {
            let se = (var1 / n).squareRoot()
            #expect(abs(estimate - truth) < 4 * se, "\(cov) \(name): \(estimate) vs \(truth) (se \(se))")
            #expect(4 * se < 0.07, "\(cov) \(name): se \(se) too large to tell the kernels apart")
        }
    }

    @Test func frailtyDrawMatchesTheKernel() throws {
        let a = 3.0.squareRoot() / 2, b = 3.0.squareRoot()
        try checkDraw(.maternST, lag1: (1 + a) * exp(-a), at9: (1 + b) * exp(-b))
        try checkDraw(.separableExp, lag1: exp(-0.5), at9: exp(-1))
    }

    // MARK: - Side by side with the Python generator

    /// Means and standard deviations over seeds 1–200 of
    /// `gen_st_mortgage.py --seed S --n-loans 950 --n-regions 60 --n-periods 12 [--cov separable_exp]`
    /// (the st_5k configuration; numpy 2.4.6 in /tmp/oracle-venv): counts, rates, intercept and frailty sd from
    /// <out>.meta.json, column means from the CSV. Produced once, 2026-05, by a 25-line driver that imports the script
    /// and calls its main() per seed (the driver's output is pasted here unchanged).
    static let pythonMaternST: [String: (mean: Double, sd: Double)] = [
        "n_rows": (5389.72, 128.8), "n_train": (4520.35, 122.6), "n_test": (869.365, 30.23),
        "default_rate_train": (0.0266557, 0.003041), "default_rate_test": (0.0254294, 0.01079),
        "intercept": (-4.15116, 0.3245), "frailty_sd_realised": (0.834404, 0.1189), "default_rate": (0.0264542, 0.002052),
        "credit_score": (737.492, 1.696), "ltv": (57.8208, 0.6179), "dti": (34.8924, 0.3827), "ir_spread": (0.378185, 0.02195),
        "loan_age": (10.0974, 0.2799), "orig_upb": (254703, 4785), "first_time_buyer": (0.249218, 0.01676),
        "investor": (0.097773, 0.01161), "n_borrowers": (1.50647, 0.01957), "true_prob": (0.026587, 0.0007625),
    ]
    static let pythonSeparable: [String: (mean: Double, sd: Double)] = [
        "n_rows": (5384.1, 125.7), "n_train": (4515.93, 117.5), "n_test": (868.175, 30.21),
        "default_rate_train": (0.0269038, 0.002872), "default_rate_test": (0.025381, 0.009519),
        "intercept": (-4.1622, 0.261), "frailty_sd_realised": (0.857387, 0.08399), "default_rate": (0.0266569, 0.002101),
        "credit_score": (737.532, 1.698), "ltv": (57.819, 0.6199), "dti": (34.8956, 0.3789), "ir_spread": (0.378011, 0.0219),
        "loan_age": (10.0989, 0.2803), "orig_upb": (254694, 4735), "first_time_buyer": (0.24909, 0.01706),
        "investor": (0.0979574, 0.01154), "n_borrowers": (1.50619, 0.01926), "true_prob": (0.026688, 0.0007373),
    ]

    static func summary(_ p: MortgagePanel) -> [String: Double] {
        let n = Double(p.rowCount)
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / n }
        func meanI(_ v: [Int]) -> Double { Double(v.reduce(0, +)) / n }
        let loans = p.rowLoan
        return [
            "n_rows": n, "n_train": Double(p.trainRows), "n_test": Double(p.testRows),
            "default_rate_train": p.defaultRateTrain!, "default_rate_test": p.defaultRateTest!,
            "intercept": p.intercept, "frailty_sd_realised": p.frailtySDRealised, "default_rate": meanI(p.rowDefault),
            "credit_score": mean(loans.map { Double(p.loanCreditScore[$0]) }), "ltv": mean(p.rowLTV),
            "dti": mean(loans.map { p.loanDTI[$0] }), "ir_spread": mean(loans.map { p.loanSpread[$0] }),
            "loan_age": meanI(p.rowAge), "orig_upb": mean(loans.map { p.loanOrigUPB[$0] }),
            "first_time_buyer": meanI(loans.map { p.loanFirstTimeBuyer[$0] }), "investor": meanI(loans.map { p.loanInvestor[$0] }),
            "n_borrowers": meanI(loans.map { p.loanBorrowers[$0] }), "true_prob": mean(p.rowProbability),
        ]
    }

    /// Means over seeds 1–40 here. Each statistic must agree within 4 standard errors of the difference of the two means,
    /// √(sd_py²/200 + sd_swift²/40) (18 statistics at 4 se: a false alarm about once in 900 runs of fresh seeds);
    /// the mean row count also within 3 % (the brief's ~5 %; 4 se is about 1.8 %).
    func compareWithPython(_ cov: MortgagePanelCovariance, _ reference: [String: (mean: Double, sd: Double)]) throws {
        let seeds = 40
        var values: [String: [Double]] = [:]
        for seed in 1...seeds {
            let spec = MortgagePanelSpec(seed: UInt64(seed), nLoans: 950, nRegions: 60, nPeriods: 12, covariance: cov)
            for (k, v) in Self.summary(try MortgagePanelGenerator.generate(spec)) { values[k, default: []].append(v) }
        }
        let n = Double(seeds)
        for (key, ref) in reference.sorted(by: { $0.key < $1.key }) {
            let v = try #require(values[key])
            let m = v.reduce(0, +) / n
            let sd = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot()
            let se = (ref.sd * ref.sd / 200 + sd * sd / n).squareRoot()
            #expect(abs(m - ref.mean) < 4 * se, "\(cov) \(key): swift \(m) (sd \(sd)) vs python \(ref.mean) (sd \(ref.sd)), se \(se)")
        }
        let rows = values["n_rows"]!.reduce(0, +) / n
        #expect(abs(rows / reference["n_rows"]!.mean - 1) < 0.03, "mean rows \(rows)")
    }

    @Test func sideBySideWithPythonMaternST() throws { try compareWithPython(.maternST, Self.pythonMaternST) }
    @Test func sideBySideWithPythonSeparable() throws { try compareWithPython(.separableExp, Self.pythonSeparable) }

    // MARK: - Validation

    @Test func invalidSpecsAreRejectedWithTheOptionName() {
        func message(_ edit: (inout MortgagePanelSpec) -> Void) -> String {
            var s = MortgagePanelSpec()
            edit(&s)
            do { try s.validate(); return "" } catch { return error.description }
        }
        #expect(message { _ in } == "")
        #expect(message { $0.nRegions = 0 }.contains("--n-regions"))
        #expect(message { $0.nLoans = 0 }.contains("--n-loans"))
        #expect(message { $0.nPeriods = 1 }.contains("--n-periods"))
        #expect(message { $0.nu = 1.0 }.contains("--nu"))
        #expect(message { $0.nRegions = 1001; $0.nPeriods = 10 }.contains("10010 > 10000"))
        #expect(message { $0.nRegions = 1000; $0.nPeriods = 10 } == "")
        #expect(message { $0.tSplit = 12 }.contains("--t-split"))
        #expect(message { $0.tSplit = 0 }.contains("--t-split"))
        #expect(message { $0.sigma2 = 0 }.contains("--sigma2"))
        #expect(message { $0.rangeTime = -1 }.contains("--range-time"))
        #expect(message { $0.rangeSpace = .infinity }.contains("--range-space"))
        #expect(message { $0.baseRate = 1 }.contains("--base-rate"))
        #expect(message { $0.prepayRate = 1 }.contains("--prepay-rate"))
        #expect(message { $0.initialBookFraction = 1.5 }.contains("--initial-book-frac"))
        #expect(throws: GPError.self) { try MortgagePanelGenerator.generate(MortgagePanelSpec(nRegions: 0)) }
    }
}
