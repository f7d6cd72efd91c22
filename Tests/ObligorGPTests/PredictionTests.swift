import Foundation
import ObligorData
import ObligorGP
import ObligorNumerics
import Testing

@Suite("GP prediction, forecasts and bad input")
struct PredictionTests {
    let data = PanelFixture.st5kTrain

    /// At the training locations the predictive mean is the mode b̂ (Σ Σ⁻¹ b̂) and the predictive covariance is
    /// the Laplace posterior (Σ⁻¹ + W)⁻¹, computed here independently by inverting Σ and Σ⁻¹ + W densely.
    /// Tolerance 1e-7: Σ⁻¹ is formed explicitly in the oracle (condition number ~1e4 at these ranges).
    @Test func predictionAtTrainingLocationsIsThePosterior() throws {
        let loc = try data.locations()
        let sub = Array(0..<data.y.count).filter { loc.rowLocation[$0] < 120 }      // 120 locations keep the oracle cheap
        let t = sub.map { data.t[$0] }, xy = sub.flatMap { [data.xy[2 * $0], data.xy[2 * $0 + 1]] }
        let rows = try DistinctLocations(time: t, space: xy, dimension: 2)
        let y = sub.map { data.y[$0] }
        let lik = try LikelihoodEvaluator(kind: .bernoulliLogit, y: y, rowLocation: rows.rowLocation, locationCount: rows.count)
        let cov = try CovarianceFunction(kind: .maternSpaceTime, nu: 1.5)
        let gp = try ExactLaplace(locations: rows, covariance: cov, likelihood: lik)
        let theta = [0.8, 2.0, 9.0]
        let F = sub.map { data.trueFx[$0] - 4 }
        let e = try gp.evaluate(parameters: theta, fixed: F, warmStart: nil, gradients: .none)
        let unique = DistinctLocations(uniqueTime: rows.time, uniqueSpace: rows.space, dimension: 2)
        let (mu, c) = try gp.predictLatent(parameters: theta, posterior: e.posterior, at: unique, jointCovariance: true)
        let m = rows.count
        var k = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in 0..<m {
            let (a, b) = rows.squaredDistances(i, rows, j, metric: .euclidean)
            k[i * m + j] = cov.value(theta, timeSquared: a, spaceSquared: b) + (i == j ? 1e-10 * theta[0] : 0)
        } }
        var prec = try Cholesky(Matrix(rows: m, columns: m, values: k)).inverse()
        var pv = prec.storage
        for j in 0..<m { pv[j * m + j] += e.negHessian[j] }
        prec = Matrix(rows: m, columns: m, values: pv)
        let post = try Cholesky(prec).inverse()
        for j in 0..<m { #expect(abs(mu[j] - e.mode[j]) < 1e-7) }
        var worst = 0.0
        for i in 0..<(m * m) { worst = max(worst, abs(c.storage[i] - post.storage[i])) }
        #expect(worst < 1e-7, "max |Δcov| \(worst)")
    }

    /// Forecasts: the predictive variance grows toward σ² with the horizon, the joint covariance is symmetric
    /// positive semi-definite, and the means shrink toward 0.
    @Test func forecastsAtFuturePeriods() throws {
        let model = try GLMMModel.fit(frame: data.frame, labels: data.y.map { Int($0) }, features: ["credit_score", "ltv"],
                                      columns: GPCoordinateColumns(time: "t", space: ["x", "y"]),
                                      covariance: CovarianceFunction(kind: .maternSpaceTime, nu: 1.5))
        let space = Array(data.xy[0..<2])
        let future = DistinctLocations(uniqueTime: [10, 11, 14, 30], uniqueSpace: space + space + space + space, dimension: 2)
        let (mu, c) = try model.gp.latent(at: future, jointCovariance: true)
        let s2 = model.gp.parameters[0]
        let v = (0..<4).map { c[$0, $0] }
        #expect(v[0] < v[1] && v[1] < v[2] && v[2] <= v[3] + 1e-12)
        #expect(abs(v[3] - s2) < 1e-6 * s2)               // 20 periods out: no information left
        #expect(abs(mu[3]) < 1e-6)
        for i in 0..<4 { for j in 0..<4 { #expect(abs(c[i, j] - c[j, i]) < 1e-12) } }
        let eig = try SymmetricEigen(c)
        #expect(eig.values.min()! > -1e-10)
    }

    @Test func badInputGetsClearErrors() throws {
        let cols = GPCoordinateColumns(time: "t", space: ["x", "y"])
        // Missing coordinate on row 2.
        let missing = try CSVReader.read(text: "t,x,y,default\n1,0.5,0.5,0\n2,,0.3,1\n3,0.1,0.2,0\n")
        #expect(throws: GPError.invalidData("row 2, column 'x': the GP's spatial coordinate is missing; every row needs its coordinates")) {
            try cols.locations(missing)
        }
        // Time column that is not numeric.
        let text = try CSVReader.read(text: "t,x,y,default\n2020Q1,0.5,0.5,0\n2020Q2,0.1,0.3,1\n")
        #expect(throws: GPError.invalidData("column 't' (the GP's time coordinate) is not numeric")) { try cols.locations(text) }
        // All rows at one location.
        let one = try CSVReader.read(text: "t,x,y,default\n1,0.5,0.5,0\n1,0.5,0.5,1\n1,0.5,0.5,0\n")
        let loc = try cols.locations(one)
        let lik = try LikelihoodEvaluator(kind: .bernoulliLogit, y: [0, 1, 0], rowLocation: loc.rowLocation, locationCount: loc.count)
        #expect(throws: GPError.invalidData("all rows are at one location: a Gaussian process needs at least two distinct coordinates")) {
            try ExactLaplace(locations: loc, covariance: CovarianceFunction(kind: .maternSpaceTime), likelihood: lik)
        }
        #expect(throws: GPError.self) { try CovarianceFunction(kind: .matern, nu: 1.0) }
    }

    /// Near-duplicate locations with a smooth kernel and a huge range make Σ numerically singular
    /// (condition number > 1e16). The Laplace algorithm never factorises Σ itself, only I + W½ΣW½, so it
    /// returns a finite NLL and finite gradients.
    @Test func illConditionedCovarianceStaysFinite() throws {
        var space: [Double] = []
        for i in 0..<60 { space += [Double(i) * 1e-9, 0] }
        let rows = try DistinctLocations(time: nil, space: space, dimension: 2)
        let y = (0..<60).map { Double($0 % 3 == 0 ? 1 : 0) }
        let lik = try LikelihoodEvaluator(kind: .bernoulliLogit, y: y, rowLocation: rows.rowLocation, locationCount: rows.count)
        let gp = try ExactLaplace(locations: rows, covariance: CovarianceFunction(kind: .gaussian), likelihood: lik)
        let e = try gp.evaluate(parameters: [1, 1e3], fixed: [Double](repeating: -1, count: 60), warmStart: nil, gradients: .all)
        #expect(e.negLogLikelihood.isFinite)
        #expect(e.gradientLogParameters!.allSatisfy { $0.isFinite })
        #expect(e.gradientFixedEffects!.allSatisfy { $0.isFinite })
    }
}
