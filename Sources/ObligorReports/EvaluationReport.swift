import Foundation
import ObligorMetrics
import ObligorModels

/// One feature's importance in a tree ensemble.
public struct FeatureImportance: Sendable {
    public let feature: String
    public let gain: Double
    public let splits: Int
    public init(feature: String, gain: Double, splits: Int) {
        self.feature = feature
        self.gain = gain
        self.splits = splits
    }
}

/// What an evaluation report shows.
public struct EvaluationReportInput: Sendable {
    public var title: String
    public var modelName: String
    public var modelKind: String
    public var dataLabel: String
    public var dataSHA256: String
    public var evaluation: Evaluation
    public var scorecard: ScorecardModel?
    public var logistic: LogisticModel?
    public var metadata: TrainingMetadata?
    /// Tree-ensemble feature importance: (feature, total split gain, split count), shown when set.
    public var importance: [FeatureImportance]? = nil

    public init(title: String, modelName: String, modelKind: String, dataLabel: String, dataSHA256: String, evaluation: Evaluation,
                scorecard: ScorecardModel?, logistic: LogisticModel?, metadata: TrainingMetadata?) {
        self.title = title
        self.modelName = modelName
        self.modelKind = modelKind
        self.dataLabel = dataLabel
        self.dataSHA256 = dataSHA256
        self.evaluation = evaluation
        self.scorecard = scorecard
        self.logistic = logistic
        self.metadata = metadata
    }
}

/// Self-contained HTML reports (inline CSS and SVG; no scripts, no network), deterministic for
/// the same inputs so they can be snapshot-tested and diffed. Print to PDF from any browser, or
/// with `chromium --headless --print-to-pdf` (the page is styled for A4).
public enum HTMLReport {
    /// The model-evaluation report: headline metrics, gains and calibration charts, the decile
    /// calibration table with binomial and Jeffreys tests, the gains table, and the model itself
    /// (scorecard points or logistic coefficients), with the conventions used.
    public static func evaluation(_ input: EvaluationReportInput) -> String {
        let e = input.evaluation
        let s = e.summary
        var body = "<h1>\(HTML.escape(input.title))</h1>\n"
        body += "<p class=\"muted\">obligor \(ObligorVersion.current) · model <b>\(HTML.escape(input.modelName))</b> (\(HTML.escape(input.modelKind)))"
        body += " · data <b>\(HTML.escape(input.dataLabel))</b>"
        if !input.dataSHA256.isEmpty { body += " · SHA-256 \(HTML.escape(String(input.dataSHA256.prefix(16))))…" }
        if let m = input.metadata {
            body += "<br>trained on \(HTML.escape(m.dataset)) (\(m.trainingRows) rows, \(m.defaults) defaults, target \(HTML.escape(m.target)))"
            body += " at \(HTML.escape(m.trainedAt)); \(m.features.count) features"
        }
        body += "</p>\n"

        func kpi(_ name: String, _ value: String, _ sub: String = "") -> String {
            "<div class=\"kpi\">\(HTML.escape(name))<b>\(HTML.escape(value))</b><span class=\"muted\">\(HTML.escape(sub))</span></div>"
        }
        body += "<div>"
        body += kpi("Loans", "\(s.n)", "\(s.defaults) defaults (\(HTML.number(100 * s.defaultRate, 1))%)")
        body += kpi("AUC", HTML.number(s.auc), "95% CI \(HTML.number(s.aucCI95Low, 3))–\(HTML.number(s.aucCI95High, 3))")
        body += kpi("Gini", HTML.number(s.gini))
        body += kpi("KS", HTML.number(s.ks))
        body += kpi("Brier", HTML.number(s.brier), "skill \(HTML.number(s.brierSkill, 3))")
        body += kpi("Log-loss", HTML.number(s.logLoss))
        body += kpi("Mean PD / DR", "\(HTML.number(s.meanPD, 3)) / \(HTML.number(s.defaultRate, 3))")
        body += kpi("Hosmer–Lemeshow", HTML.number(s.hlStat, 2), "p = \(HTML.number(s.hlP))")
        if let psi = e.psi { body += kpi("PSI vs baseline", HTML.number(psi.value), psi.verdict) }
        body += "</div>\n"

        // Charts: CAP / gains curve and calibration by decile.
        var cap: [(Double, Double)] = [(0, 0)]
        for g in e.gains { cap.append((g.cumPopPct, g.cumBadsPct)) }
        let dr = s.defaultRate
        let calibPoints = e.calibration.map { ($0.meanPD, $0.defaultRate) }
        let top = max(0.05, (calibPoints.map { max($0.0, $0.1) }.max() ?? 0.5) * 1.1)
        body += "<div class=\"charts\">"
        body += SVGChart.lines(title: "Cumulative accuracy profile (gains)", xLabel: "share of loans, riskiest first", yLabel: "share of defaults captured",
                               series: [
                                   .init(name: "model", points: cap, color: "#1f5fbf", dashed: false, markers: true),
                                   .init(name: "perfect", points: [(0, 0), (dr, 1), (1, 1)], color: "#999", dashed: true, markers: false),
                                   .init(name: "random", points: [(0, 0), (1, 1)], color: "#bbb", dashed: true, markers: false),
                               ])
        body += SVGChart.lines(title: "Calibration by PD decile", xLabel: "mean predicted PD", yLabel: "observed default rate",
                               series: [
                                   .init(name: "deciles", points: calibPoints, color: "#c0392b", dashed: false, markers: true),
                                   .init(name: "perfect calibration", points: [(0, 0), (top, top)], color: "#999", dashed: true, markers: false),
                               ], xRange: (0, top), yRange: (0, top))
        body += "</div>\n"

        body += "<h2>Calibration by PD decile</h2>\n"
        body += HTML.table(headers: ["PD bin", "n", "defaults", "mean PD", "DR", "O/E", "binomial p", "Jeffreys p", "Jeffreys 95% DR", "light"],
                           rows: e.calibration.map { r in
                               [r.label, "\(r.n)", "\(r.defaults)", HTML.number(r.meanPD), HTML.number(r.defaultRate), HTML.number(r.observedOverExpected, 2),
                                HTML.number(r.binomialP), HTML.number(r.jeffreysP), "\(HTML.number(r.jeffreysLow95, 3))–\(HTML.number(r.jeffreysHigh95, 3))",
                                r.trafficLight.rawValue]
                           })
        body += "<p class=\"muted\">One-sided tests of H0 “PD is not underestimated”; traffic light from the Jeffreys p-value: green p ≥ 0.05, yellow 0.001 ≤ p < 0.05, red p < 0.001.</p>\n"

        body += "<h2>Gains and lift (riskiest decile first)</h2>\n"
        body += HTML.table(headers: ["PD bin", "n", "bads", "bad rate", "cum. pop.", "cum. bads", "KS", "lift", "cum. lift"],
                           rows: e.gains.map { g in
                               [g.bin, "\(g.n)", "\(g.bads)", HTML.number(g.badRate), HTML.number(g.cumPopPct, 3), HTML.number(g.cumBadsPct, 3),
                                HTML.number(g.ks, 3), HTML.number(g.lift, 2), HTML.number(g.cumLift, 2)]
                           })

        if let card = input.scorecard {
            body += "<h2>Scorecard</h2>\n<p>Points: Factor = PDO/ln 2 = \(HTML.number(card.scaling.factor, 4)), Offset = \(HTML.number(card.scaling.offset, 4))"
            body += " (\(HTML.number(card.scaling.basePoints, 0)) points at odds \(HTML.number(card.scaling.baseOdds, 0)):1, PDO \(HTML.number(card.scaling.pdo, 0))). Intercept \(HTML.number(card.intercept))."
            body += " WoE = ln(%good/%bad); zero-count bins get +\(HTML.number(card.options.woeAdjustment, 2)) per cell.</p>\n"
            var rows: [[String]] = []
            for c in card.characteristics {
                for b in c.bins {
                    rows.append([c.name, b.label, "\(b.goods)", "\(b.bads)", HTML.number(b.woe), HTML.number(b.points, 1)])
                }
                rows.append([c.name, "IV \(HTML.number(c.iv, 3)) · β \(HTML.number(c.coefficient, 3))", "", "", "", ""])
            }
            body += HTML.table(headers: ["characteristic", "attribute", "goods", "bads", "WoE", "points"], rows: rows, numericFrom: 2)
            if !card.dropped.isEmpty {
                body += "<p class=\"muted\">Dropped: " + card.dropped.map { "\(HTML.escape($0.name)) (IV \(HTML.number($0.iv, 3)): \(HTML.escape($0.reason)))" }.joined(separator: "; ") + "</p>\n"
            }
        }
        if let lr = input.logistic {
            body += "<h2>Logistic regression</h2>\n"
            let names = ["(intercept)"] + lr.encoder.designNames
            body += HTML.table(headers: ["term", "coefficient", "std. error", "z", "p"], rows: names.enumerated().map { k, n in
                [n, HTML.number(lr.fit.coefficients[k], 6), lr.fit.standardErrors.map { HTML.number($0[k], 6) } ?? "–",
                 lr.fit.zValues.map { HTML.number($0[k], 3) } ?? "–", lr.fit.pValues.map { HTML.number($0[k], 4) } ?? "–"]
            })
        }
        if let importance = input.importance, !importance.isEmpty {
            body += "<h2>Feature importance</h2>\n"
            let total = max(1e-300, importance.reduce(0) { $0 + $1.gain })
            body += HTML.table(headers: ["feature", "gain", "share of gain", "splits"],
                               rows: importance.sorted { $0.gain > $1.gain }.map { [$0.feature, HTML.number($0.gain, 2), HTML.number($0.gain / total, 3), "\($0.splits)"] })
        }
        body += "<h2>Conventions</h2>\n<ul>"
        body += "<li>Event y = 1 is default; scores are PDs; higher PD is riskier.</li>"
        body += "<li>AUC gives tied scores half credit; Gini = 2·AUC − 1; KS is max |F_bad − F_good| over distinct scores; AUC CI from DeLong (1988).</li>"
        body += "<li>Deciles are numpy type-7 quantiles of the sample with duplicate edges dropped; bins are [a, b).</li>"
        body += "<li>Hosmer–Lemeshow over PD deciles with df = number of deciles (PDs treated as given forecasts).</li>"
        body += "</ul>\n"
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(HTML.escape(input.title))</title><style>\(HTML.style)</style></head>\n<body>\n\(body)</body></html>\n"
    }
}
