import Foundation
import ObligorData
import ObligorModels
import ObligorNumerics
import Testing

@Suite struct LogisticRegressionTests {
    /// One binary covariate: the MLE is the saturated 2×2-table fit, in closed form.
    /// β₀ = logit(b₀/n₀), β₁ = logit(b₁/n₁) − β₀; se(β₀) = √(1/a + 1/c), se(β₁) = √(1/a + 1/b + 1/c + 1/d).
    /// Tolerance 1e-9: Newton converges quadratically and stops at steps < 1e-10.
    @Test func closedFormTwoByTwo() throws {
        // x = 0: 30 bads of 100; x = 1: 45 bads of 60.
        var x: [Double] = [], y: [Int] = []
        for i in 0..<100 { x.append(0); y.append(i < 30 ? 1 : 0) }
        for i in 0..<60 { x.append(1); y.append(i < 45 ? 1 : 0) }
        let design = Matrix(rows: x.count, columns: 2, values: x.flatMap { [1, $0] })
        let fit = try LogisticRegression.fit(design: design, labels: y)
        let b0 = log(30.0 / 70.0), b1 = log(45.0 / 15.0) - b0
        #expect(abs(fit.coefficients[0] - b0) < 1e-9)
        #expect(abs(fit.coefficients[1] - b1) < 1e-9)
        let se0 = (1 / 30.0 + 1 / 70.0).squareRoot(), se1 = (1 / 30.0 + 1 / 70.0 + 1 / 45.0 + 1 / 15.0).squareRoot()
        #expect(abs(fit.standardErrors![0] - se0) < 1e-9)
        #expect(abs(fit.standardErrors![1] - se1) < 1e-9)
        #expect(fit.converged)
        // ℓ = Σ over cells n ln p.
        let ll = 30 * log(0.3) + 70 * log(0.7) + 45 * log(0.75) + 15 * log(0.25)
        #expect(abs(fit.logLikelihood! - ll) < 1e-9)
    }

    /// statsmodels Logit (Newton, tol 1e-12) on German credit, saved by make_logit_fixture.py.
    /// Both are Newton solutions of the same strictly concave problem; they differ only by
    /// floating-point summation order, so coefficients agree to 1e-8 relative, and the standard
    /// errors (inverse information at the optimum) and p-values to 1e-7 relative.
    @Test func matchesStatsmodelsOnGerman() throws {
        let fx = try fixture("german_logit_statsmodels.json")
        let features = fx["features"] as! [String]
        let frame = try germanFrame()
        let labels = try frame.binaryTarget("bad")
        let model = try LogisticModel.train(frame: frame, target: "bad", features: features, labels: labels)
        let expected = [fx["intercept"] as! Double] + (fx["coefficients"] as! [Double])
        for (k, e) in expected.enumerated() { #expect(relativeError(model.fit.coefficients[k], e) < 1e-8, "coefficient \(k)") }
        let se = fx["standard_errors"] as! [Double], p = fx["p_values"] as! [Double]
        for k in 0..<se.count {
            #expect(relativeError(model.fit.standardErrors![k], se[k]) < 1e-7, "se \(k)")
            #expect(relativeError(model.fit.pValues![k], p[k]) < 1e-7, "p \(k)")
        }
        #expect(abs(model.fit.logLikelihood! - (fx["log_likelihood"] as! Double)) < 1e-8)
    }

    /// scikit-learn L2 logistic regression (C = 0.01 on standardised features) minimises
    /// C·Σ logloss + ½‖β‖², i.e. our penalised likelihood with λ = 1/C = 100. The fixture was
    /// cross-checked against an independent numpy Newton solver to 1e-16; tolerance 1e-8.
    @Test func matchesScikitLearnRidge() throws {
        let fx = try fixture("german_logit_sklearn_l2.json")
        let features = fx["features"] as! [String]
        let means = fx["means"] as! [Double], stds = fx["stds"] as! [Double]
        let frame = try germanFrame()
        let labels = try frame.binaryTarget("bad")
        var values: [Double] = []
        for i in 0..<frame.rowCount {
            values.append(1)
            for (j, f) in features.enumerated() { values.append((frame[f]!.numericValue(at: i)! - means[j]) / stds[j]) }
        }
        let design = Matrix(rows: frame.rowCount, columns: features.count + 1, values: values)
        let fit = try LogisticRegression.fit(design: design, labels: labels, options: .init(lambda: fx["lambda"] as! Double))
        let expected = [fx["intercept"] as! Double] + (fx["coefficients"] as! [Double])
        for (k, e) in expected.enumerated() { #expect(abs(fit.coefficients[k] - e) < 1e-8, "coefficient \(k)") }
    }

    /// At the optimum the penalised score Xᵀ(y − p) − λβ vanishes: checked by finite differences of the
    /// objective (central differences, h = 1e-5; error O(h²) ≈ 1e-10 relative to ℓ ≈ 600).
    @Test func gradientVanishesAtOptimum() throws {
        let rng = RandomSource(seed: 7)
        let n = 500, p = 4
        var values: [Double] = [], y: [Int] = []
        for _ in 0..<n {
            let row = [1.0] + (1..<p).map { _ in rng.gaussian() }
            values += row
            let eta = 0.3 + 0.8 * row[1] - 0.5 * row[2]
            y.append(rng.uniform() < Special.sigmoid(eta) ? 1 : 0)
        }
        let x = Matrix(rows: n, columns: p, values: values)
        let lambda = 2.5
        let fit = try LogisticRegression.fit(design: x, labels: y, options: .init(lambda: lambda))
        func objective(_ b: [Double]) throws -> Double {
            let eta = try x.gemv(b)
            var ll = 0.0
            for i in 0..<n { ll += Double(y[i]) * eta[i] - Special.log1pExp(eta[i]) }
            return ll - 0.5 * lambda * b.dropFirst().reduce(0) { $0 + $1 * $1 }
        }
        let h = 1e-5
        for j in 0..<p {
            var up = fit.coefficients, down = fit.coefficients
            up[j] += h; down[j] -= h
            let g = (try objective(up) - objective(down)) / (2 * h)
            #expect(abs(g) < 1e-5, "d objective / d beta_\(j) = \(g)")
        }
    }

    /// Perfectly separated classes have no finite MLE: a clear error, and a ridge penalty fixes it.
    @Test func separationIsReportedAndRidgeFixesIt() throws {
        let xs: [Double] = [-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2]
        let y = [0, 0, 0, 0, 1, 1, 1, 1]
        let design = Matrix(rows: 8, columns: 2, values: xs.flatMap { [1, $0] })
        #expect(throws: ModelError.self) { _ = try LogisticRegression.fit(design: design, labels: y) }
        let ridge = try LogisticRegression.fit(design: design, labels: y, options: .init(lambda: 1))
        #expect(ridge.coefficients[1] > 0 && ridge.coefficients[1].isFinite)
    }
}
