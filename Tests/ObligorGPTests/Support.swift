import Foundation
import ObligorData
import ObligorGP

func fixtureURL(_ name: String) -> URL { Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)! }

/// The train split of the st_5k fixture (gen_st_mortgage.py --seed 1 --n-loans 950 --n-regions 60 --n-periods 12).
struct PanelFixture {
    let frame: Frame
    let t: [Double]
    let xy: [Double]
    let y: [Double]
    let trueFx: [Double]

    static let st5kTrain: PanelFixture = {
        let all = try! CSVReader.read(path: fixtureURL("st_5k.csv").path)
        let split = try! all.column("split")
        let rows = (0..<all.rowCount).filter { split.text(at: $0) == "train" }
        let f = all.selectingRows(rows)
        func col(_ n: String) -> [Double] { try! f.column(n).doubles()! }
        let x = col("x"), yy = col("y")
        var xy: [Double] = []
        for i in 0..<x.count { xy.append(x[i]); xy.append(yy[i]) }
        return PanelFixture(frame: f, t: col("t"), xy: xy, y: col("default"), trueFx: col("true_fx"))
    }()

    func locations() throws -> DistinctLocations { try DistinctLocations(time: t, space: xy, dimension: 2) }
}

struct LaplaceReference: Decodable {
    struct Entry: Decodable {
        let gp_approx: String
        let vecchia_ordering: String?
        let nu: Double
        let fixed_effects: String
        let cov_pars: [Double]
        let neg_log_lik: Double
    }
    struct GLMM: Decodable {
        let cov_pars: [String: Double]
        let coef: [Double]
        let neg_log_lik: Double
    }
    let n_train: Int
    let n_unique_locations: Int
    let nll: [Entry]
    let glmm: GLMM

    static let st5k: LaplaceReference = try! JSONDecoder().decode(
        LaplaceReference.self, from: Data(contentsOf: fixtureURL("ref_laplace_st_5k.json")))
}

/// Central finite difference of `f` at `x` in coordinate `k` with relative step `h`.
func centralDifference(_ f: ([Double]) throws -> Double, at x: [Double], _ k: Int, step h: Double) rethrows -> Double {
    var xp = x, xm = x
    xp[k] += h
    xm[k] -= h
    return (try f(xp) - f(xm)) / (2 * h)
}
