import Foundation
import ObligorNumerics
import Testing
import ObligorPortfolio

@Suite("Portfolio inputs and reports")
struct InputAndReportTests {
    let frailty = try! LatentFrailty(mean: [0, 0], covariance: Matrix([[0.5, 0.2], [0.2, 0.5]]))
    let good = Loan(exposure: 10, fixedEffect: -2, location: 0)

    func error(_ loans: [Loan], pd: [Double]? = nil) -> PortfolioError? {
        #expect(throws: PortfolioError.self) { try PortfolioModel(loans: loans, frailty: frailty, marginalPD: pd) }
    }

    @Test("Bad loans throw an error naming the loan index and field")
    func badLoans() {
        #expect(error([good, good, Loan(exposure: -1, fixedEffect: 0, location: 0)])
                == .invalidLoan(index: 2, field: "exposure", reason: "is -1.0; it must be finite and ≥ 0"))
        #expect(error([good, Loan(exposure: .infinity, fixedEffect: 0, location: 0)]).map { "\($0)" }?.hasPrefix("loan 1: exposure") == true)
        for lgd in [-0.1, 1.5, Double.nan] {
            guard case let .invalidLoan(i, field, _)? = error([Loan(exposure: 1, lgd: lgd, fixedEffect: 0, location: 1)]) else {
                Issue.record("lgd \(lgd) accepted"); continue
            }
            #expect(i == 0 && field == "lgd")
        }
        guard case let .invalidLoan(i, field, reason)? = error([good, Loan(exposure: 1, fixedEffect: 0, location: 2)]) else {
            Issue.record("location out of range accepted"); return
        }
        #expect(i == 1 && field == "location" && reason.contains("0..<2"))
        guard case .invalidLoan(0, "location", _)? = error([Loan(exposure: 1, fixedEffect: 0, location: -1)]) else {
            Issue.record("negative location accepted"); return
        }
        guard case .invalidLoan(0, "fixed_effect", _)? = error([Loan(exposure: 1, fixedEffect: .nan, location: 0)]) else {
            Issue.record("NaN fixed effect accepted"); return
        }
        #expect(error([good, good], pd: [0.1]) == .lengthMismatch(field: "marginalPD", expected: 2, actual: 1))
        guard case .invalidLoan(1, "pd", _)? = error([good, good], pd: [0.1, 1.2]) else {
            Issue.record("PD above 1 accepted"); return
        }
    }

    @Test("Bad frailty and parameters throw clear errors")
    func badFrailty() throws {
        #expect(throws: PortfolioError.self) { try LatentFrailty(mean: [0, 0], covariance: Matrix([[1]])) }
        let asym = #expect(throws: PortfolioError.self) { try LatentFrailty(mean: [0, 0], covariance: Matrix([[1, 0.5], [0.1, 1]])) }
        #expect(asym?.description.contains("not symmetric") == true)
        let neg = #expect(throws: PortfolioError.self) { try LatentFrailty(mean: [0], covariance: Matrix([[-1]])) }
        #expect(neg?.description.contains("covariance[0][0]") == true)
        #expect(throws: PortfolioError.self) { try LatentFrailty(mean: [.nan], covariance: Matrix([[1]])) }
        let model = try PortfolioModel(loans: [good], frailty: frailty)
        #expect(throws: PortfolioError.invalidParameter("the number of draws must be ≥ 1 (got 0)")) {
            try model.simulate(draws: 0, seed: 1)
        }
        #expect(throws: PortfolioError.lengthMismatch(field: "groups", expected: 1, actual: 2)) {
            try PortfolioBacktest.run(model: model, groups: [1, 2], realisedDefaults: [true], seed: 1)
        }
        #expect(throws: PortfolioError.lengthMismatch(field: "realisedDefaults", expected: 1, actual: 0)) {
            try PortfolioBacktest.run(model: model, groups: [1], realisedDefaults: [], seed: 1)
        }
    }

    @Test("Grouped backtest: one report per period with joint and independent scores; stable snake_case JSON")
    func backtestJSON() throws {
        // Two periods with three regions each: locations 0–2 are t = 14, 3–5 are t = 15.
        var cov = exponentialCovariance(6, variance: 0.8, range: 2)
        cov = Matrix(rows: 6, columns: 6, values: cov.storage)
        let frailty = try LatentFrailty(mean: [0.5, 0.6, 0.4, 0.3, 0.2, 0.1], covariance: cov)
        var loans: [Loan] = [], periods: [Int] = [], defaults: [Bool] = []
        let rng = RandomSource(seed: 4)
        for i in 0..<600 {
            let t = i % 2 == 0 ? 15 : 14
            loans.append(Loan(exposure: 1_000, lgd: 1, fixedEffect: -3, location: (t == 14 ? 0 : 3) + i % 3))
            periods.append(t)
            defaults.append(rng.uniform() < 0.08)
        }
        let model = try PortfolioModel(loans: loans, frailty: frailty)
        let report = try PortfolioBacktest.run(model: model, groups: periods, realisedDefaults: defaults, draws: 2_000, seed: 7)
        #expect(report.periods.map(\.period) == [14, 15])
        for p in report.periods {
            let idx = periods.indices.filter { periods[$0] == p.period }
            #expect(p.loans == 300)
            #expect(p.defaults == idx.filter { defaults[$0] }.count)
            #expect(p.realisedLoss == Double(p.defaults) * 1_000)
            #expect(p.joint.draws == 2_000 && p.independent.draws == 2_000)
            #expect(Set(p.joint.valueAtRisk.keys) == ["0.95", "0.99", "0.999"])
            #expect(Set(p.joint.quantiles.keys) == ["0.025", "0.5", "0.975"])
            #expect(Set(p.joint.pinball.keys) == ["0.95", "0.99"])
            #expect(p.joint.pit >= 0 && p.joint.pit <= 1)
            #expect(p.joint.standardDeviation > p.independent.standardDeviation)
            // The report agrees with a direct simulation of the group's loans at the group's seed.
            let sim = try model.subset(idx).simulate(draws: 2_000, seed: RandomSource(seed: 7).split(p.period == 14 ? 0 : 1).seed)
            #expect(p.joint == LossReport(distribution: sim.joint, realisedLoss: p.realisedLoss))
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let json = String(decoding: try enc.encode(report), as: UTF8.self)
        for key in ["\"periods\":[{", "\"period\":14", "\"realised_loss\":", "\"joint\":{", "\"independent\":{",
                    "\"expected_loss\":", "\"analytic_expected_loss\":", "\"var\":{\"0.95\":", "\"0.99\":", "\"0.999\":",
                    "\"es\":{\"0.95\":", "\"pit\":", "\"pinball\":{\"0.95\":", "\"crps\":", "\"quantiles\":{\"0.025\":",
                    "\"standard_deviation\":", "\"factorisation\":{\"clipped_eigenvalues\":0,\"jitter\":0,\"method\":\"cholesky\"}",
                    "\"seed\":7", "\"draws\":2000"] {
            #expect(json.contains(key), "missing \(key)")
        }
        let back = try JSONDecoder().decode(PortfolioBacktestReport<Int>.self, from: Data(json.utf8))
        #expect(back.periods.map(\.joint) == report.periods.map(\.joint))
        #expect(try enc.encode(back) == enc.encode(report))
    }
}

@Suite("Portfolio timing", .enabled(if: ProcessInfo.processInfo.environment["OBLIGOR_PORTFOLIO_TIMING"] != nil))
struct TimingTests {
    @Test("5,000 loans × 10,000 draws, joint and independent")
    func timing() throws {
        let m = 150
        let frailty = try LatentFrailty(mean: .init(repeating: 0, count: m), covariance: exponentialCovariance(m, variance: 0.8, range: 10))
        let model = try PortfolioModel(loans: testLoans(5_000, locations: m, seed: 1), frailty: frailty)
        let rng = RandomSource(seed: 1)
        var acc = 0.0
        let t = Date()
        for _ in 0..<50_000_000 { acc += rng.uniform() }
        print("timing: 5e7 RandomSource.uniform() calls \(Date().timeIntervalSince(t)) s (sum \(acc))")
        for threads in [1, Parallel.threads] {
            let saved = Parallel.threads
            Parallel.threads = threads
            let t0 = Date()
            let j = try model.simulateJoint(draws: 10_000, seed: 1)
            let t1 = Date()
            let i = try model.simulateIndependent(draws: 10_000, seed: 1)
            let t2 = Date()
            Parallel.threads = saved
            print("timing threads=\(threads): joint \(t1.timeIntervalSince(t0)) s, independent \(t2.timeIntervalSince(t1)) s, EL \(j.expectedLoss) / \(i.expectedLoss)")
        }
    }
}
