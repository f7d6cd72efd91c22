import Foundation
import ObligorData
import Testing
@testable import ObligorBoosting

@Suite struct ImportTests {
    /// The recourse issue's XGBoost model reproduces XGBoost's own margins (1,000 German rows plus
    /// 100 rows with injected missing values), to 1e-5: XGBoost sums leaf values in float32, we in
    /// float64 (300 trees × float32 rounding ≈ 300 × 6e-8 × |leaf| ≲ 1e-5).
    @Test func xgboostMarginsMatch() throws {
        let fx = try fixtureJSON("xgb_margins.json")
        let names = fx["feature_names"] as! [String]
        let expected = fx["margins"] as! [Double]
        let m = try XGBoostImport.model(from: Data(contentsOf: fixtureURL("german_xgb.json")), featureNames: names)
        #expect(m.trees.count == 300)
        let frame = try CSVReader.read(path: fixtureURL("xgb_inputs.csv").path)
        let margins = try m.margins(frame)
        #expect(margins.count == expected.count)
        var worst = 0.0
        for i in 0..<expected.count { worst = max(worst, abs(margins[i] - expected[i])) }
        #expect(worst < 1e-5, "largest margin difference \(worst)")
        // SHAP with hessian covers equals XGBoost's pred_contribs (float32 there: 1e-4).
        let shap = fx["shap_first20"] as! [[Double]]
        let raw = try RawFeatures.from(frame.selectingRows(Array(0..<20)), specs: m.features)
        let (phi, expectedMargin) = m.contributions(raw)
        for i in 0..<20 {
            for j in 0..<names.count { #expect(abs(phi[i][j] - shap[i][j]) < 1e-4) }
            #expect(abs(expectedMargin - shap[i][names.count]) < 1e-4)
        }
    }

    /// A LightGBM text model (numeric, categorical and missing inputs) reproduces LightGBM's raw
    /// scores to 1e-9 (text thresholds and leaf values round-trip at 17 digits; sums in float64).
    @Test func lightgbmMarginsMatch() throws {
        let expected = try fixtureJSON("lgb_margins.json")["margins"] as! [Double]
        let m = try LightGBMImport.model(from: String(contentsOf: fixtureURL("lgb_german.txt"), encoding: .utf8))
        #expect(m.features.contains { $0.kind == .categorical })
        let frame = try CSVReader.read(path: fixtureURL("lgb_inputs.csv").path)
        let margins = try m.margins(frame)
        var worst = 0.0
        for i in 0..<expected.count { worst = max(worst, abs(margins[i] - expected[i])) }
        #expect(worst < 1e-9, "largest margin difference \(worst)")
    }

    @Test func rejectsWhatItCannotRead() {
        #expect(throws: BoostingError.self) { try XGBoostImport.model(from: Data("{}".utf8)) }
        #expect(throws: BoostingError.self) { try LightGBMImport.model(from: "objective=regression\nfeature_names=a\n") }
    }
}

@Suite struct ExportTests {
    /// Export → LightGBM text → import reproduces the margins (1e-12: the base margin is folded into
    /// the first tree's leaves, which reorders one addition). LightGBM itself loading an exported
    /// model was checked once by hand (Python lightgbm 4.7.0 on a Taiwan GBDT: max |ΔPD| 1.1e-16).
    @Test func lightgbmTextRoundTrip() throws {
        let (frame, y) = try syntheticFrame(rows: 2_000, seed: 21)
        var p = BoostingParameters()
        p.numIterations = 25
        let m = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "x2", "noise"], parameters: p)
        let back = try LightGBMImport.model(from: LightGBMExport.text(m))
        let a = try m.margins(frame), b = try back.margins(frame)
        var worst = 0.0
        for i in 0..<a.count { worst = max(worst, abs(a[i] - b[i])) }
        #expect(worst < 1e-12, "largest margin difference \(worst)")
        // XGBoost's strict splits survive as x <= t⁻.
        let xgb = try XGBoostImport.model(from: Data(contentsOf: fixtureURL("german_xgb.json")))
        let raw = try CSVReader.read(path: fixtureURL("xgb_inputs.csv").path)
        let named = try Frame(raw.columns.enumerated().map { $1.renamed("f\($0)") })
        let xb = try LightGBMImport.model(from: LightGBMExport.text(xgb))
        let ma = try xgb.margins(named), mb = try xb.margins(named)
        for i in 0..<ma.count { #expect(abs(ma[i] - mb[i]) < 1e-12) }
        // Categorical features are refused with a clear error.
        let withCategory = try BoostingTrainer.train(frame: frame, labels: y, features: ["x1", "grade"], parameters: p)
        #expect(throws: BoostingError.self) { _ = try LightGBMExport.text(withCategory) }
    }
}
