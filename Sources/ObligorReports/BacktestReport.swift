import Foundation
import ObligorMetrics
import ObligorModels

/// What a backtest report shows.
public struct BacktestReportInput: Sendable {
    public var title: String
    public var modelLabel: String
    public var dataLabel: String
    public var dataSHA256: String
    public var timeColumn: String
    public var result: BacktestResult
    /// Vintage curves (empty when the data has no loan-level outcome history).
    public var vintageCurves: [VintageCurve]
    /// Periods left out, with the reason (e.g. an immature performance window).
    public var excluded: [(period: String, reason: String)]
    /// The whole result as one JSON object (embedded verbatim in the page).
    public var json: String

    public init(title: String, modelLabel: String, dataLabel: String, dataSHA256: String, timeColumn: String,
                result: BacktestResult, vintageCurves: [VintageCurve], excluded: [(period: String, reason: String)], json: String) {
        self.title = title
        self.modelLabel = modelLabel
        self.dataLabel = dataLabel
        self.dataSHA256 = dataSHA256
        self.timeColumn = timeColumn
        self.result = result
        self.vintageCurves = vintageCurves
        self.excluded = excluded
        self.json = json
    }
}

/// The PD backtest validation report: AUC over time with its DeLong band, a calibration plot, PSI bars,
/// vintage curves and a traffic-light table, plus every number as embedded JSON. Self-contained HTML
/// (inline CSS and SVG, no scripts run), deterministic for the same result. Print it to PDF with
/// ``AuditReport/writePDF(htmlPath:to:)``.
public enum BacktestReport {
    /// The HTML page.
    public static func html(_ input: BacktestReportInput) -> String {
        let r = input.result
        var b = "<h1>\(HTML.escape(input.title))</h1>\n"
        b += "<p class=\"muted\">obligor \(ObligorVersion.current) · model <b>\(HTML.escape(input.modelLabel))</b> · data <b>\(HTML.escape(input.dataLabel))</b>"
        if !input.dataSHA256.isEmpty { b += " · SHA-256 \(HTML.escape(String(input.dataSHA256.prefix(16))))…" }
        b += " · periods by <b>\(HTML.escape(input.timeColumn))</b></p>\n"
        let totalN = r.periods.reduce(0) { $0 + $1.n }, totalD = r.periods.reduce(0) { $0 + $1.defaults }
        func kpi(_ name: String, _ value: String, _ sub: String = "") -> String {
            "<div class=\"kpi\">\(HTML.escape(name))<b>\(value)</b><span class=\"muted\">\(HTML.escape(sub))</span></div>"
        }
        b += kpi("Overall", light(r.overall), "worst Holm-adjusted light")
        b += kpi("Development AUC", HTML.number(r.baseline.auc, 4), "n \(r.baseline.n), DR \(HTML.number(r.baseline.defaultRate, 4))")
        b += kpi("Backtest periods", "\(r.periods.count)", "\(totalN) loans, \(totalD) defaults")
        if let m = r.multiPeriod.first { b += kpi("Multi-period normal test", HTML.number(m.p, 4), "z \(HTML.number(m.z, 2)), \(m.trafficLight.rawValue)") }
        b += "\n"
        if !input.excluded.isEmpty {
            b += "<p><b>Left out:</b> " + input.excluded.map { "\(HTML.escape($0.period)) (\(HTML.escape($0.reason)))" }.joined(separator: "; ") + "</p>\n"
        }
        b += "<div class=\"charts\">" + aucChart(r) + calibrationChart(r) + psiChart(r) + "</div>\n"
        if !input.vintageCurves.isEmpty { b += "<h2>Vintage curves</h2>\n<div class=\"charts\">" + vintageChart(input.vintageCurves) + "</div>\n" + vintageTable(input.vintageCurves) }

        b += "<h2>Per period (rolling origin)</h2>\n"
        b += HTML.table(headers: ["period", "n", "defaults", "DR", "mean PD", "AUC", "95% CI", "AUC drop z", "drop p", "Jeffreys p", "binomial p", "HL p (df K)", "Spiegelhalter p", "PSI", "PSI vs previous", "PSI verdict"],
                        rows: r.periods.map { p in
                            [p.period, "\(p.n)", "\(p.defaults)", HTML.number(p.defaultRate, 4), HTML.number(p.meanPD, 4), HTML.number(p.auc, 4),
                             "[\(HTML.number(p.aucCI95Low, 3)), \(HTML.number(p.aucCI95High, 3))]", HTML.number(p.aucDropZ, 2),
                             pv(p.aucDropP) + " " + p.aucDropLight.rawValue, pv(p.jeffreysP) + " " + p.trafficLight.rawValue, pv(p.binomialP),
                             pv(p.hlP), pv(p.spiegelhalterP), HTML.number(p.psi, 4), p.psiVsPrevious.map { HTML.number($0, 4) } ?? "–", p.psiVerdict]
                        })
        b += "<h2>Traffic lights: grade × period (Jeffreys, Holm-adjusted over \(r.holmFamilySize) cells)</h2>\n"
        b += trafficTable(r)
        b += "<h2>Pooled grade table</h2>\n"
        b += HTML.table(headers: ["grade", "n", "defaults", "mean PD", "DR", "O/E", "binomial p", "Jeffreys p", "z-test p", "Jeffreys 95% DR", "light"],
                        rows: r.pooledGrades.map { g in
                            [g.label, "\(g.n)", "\(g.defaults)", HTML.number(g.meanPD, 4), HTML.number(g.defaultRate, 4), HTML.number(g.observedOverExpected, 3),
                             pv(g.binomialP), pv(g.jeffreysP), pv(g.zTestP), "[\(HTML.number(g.jeffreysLow95, 4)), \(HTML.number(g.jeffreysHigh95, 4))]", g.trafficLight.rawValue]
                        })
        b += "<p class=\"muted\">Hosmer–Lemeshow over the pooled grades: H = \(HTML.number(r.pooledHL.statistic, 3)), df = \(r.pooledHL.groups), p = \(pv(r.pooledHL.pValueDfG)).</p>\n"
        if !r.masterScale.isEmpty {
            b += "<p class=\"muted\">Master scale: grade boundaries at the development PD quantiles " + r.masterScale.map { HTML.number($0, 4) }.joined(separator: ", ") + " (bins [a, b)).</p>\n"
        }
        b += "<h2>Multi-period normal tests</h2>\n"
        b += HTML.table(headers: ["scope", "periods", "mean DR − PD", "s", "z", "p", "light"],
                        rows: r.multiPeriod.map { [$0.scope, "\($0.periods)", HTML.number($0.meanDifference, 5), HTML.number($0.s, 5), HTML.number($0.z, 3), pv($0.p), $0.trafficLight.rawValue] })
        if let first = r.periods.first, !first.csi.isEmpty {
            b += "<h2>Characteristic stability (CSI against the development sample)</h2>\n"
            b += HTML.table(headers: ["characteristic"] + r.periods.map(\.period),
                            rows: first.csi.indices.map { k in [first.csi[k].name] + r.periods.map { HTML.number($0.csi[k].value, 4) } })
        }
        b += explanations
        b += "<h2>Every number (JSON)</h2>\n<details><summary>backtest.json</summary><pre>\(HTML.escape(input.json))</pre></details>\n"
        b += "<script type=\"application/json\" id=\"backtest-data\">\(input.json.replacingOccurrences(of: "</", with: "<\\/"))</script>\n"
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(HTML.escape(input.title))</title><style>\(HTML.style)\(style)</style></head>\n<body>\n\(b)</body></html>\n"
    }

    static let style = "td.tl-green{background:#dafbe1}td.tl-yellow{background:#fff8c5}td.tl-red{background:#ffebe9}pre{font-size:.75em;max-height:30em;overflow:auto}"

    static func light(_ t: TrafficLight) -> String { "<span class=\"\(t.rawValue)\">\(t.rawValue)</span>" }
    static func pv(_ p: Double) -> String { p.isNaN ? "–" : (p < 1e-4 ? String(format: "%.1e", p) : HTML.number(p, 4)) }
    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Axes frame shared by the custom charts.
    static func frame(title: String, xLabel: String, yLabel: String, xTicks: [(Double, String)], yRange: (Double, Double),
                      width: Double, height: Double, sx: (Double) -> Double, sy: (Double) -> Double) -> String {
        let left = 52.0, top = 28.0, bottom = 44.0, right = 14.0
        let pw = width - left - right, ph = height - top - bottom
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"11\">\n"
        s += "<text x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(title))</text>\n"
        for k in 0...5 {
            let yv = yRange.0 + Double(k) / 5 * (yRange.1 - yRange.0)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(sy(yv)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(yv)))\" stroke=\"#e3e6ee\"/>"
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(sy(yv) + 4))\" text-anchor=\"end\">\(HTML.number(yv, yRange.1 - yRange.0 < 0.1 ? 3 : 2))</text>\n"
        }
        let step = max(1, xTicks.count / 10)
        for (k, t) in xTicks.enumerated() where k % step == 0 {
            s += "<text x=\"\(f(sx(t.0)))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(HTML.escape(t.1))</text>"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#556\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(13,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"
        return s
    }

    /// AUC per period with the 95% DeLong band and the development AUC.
    static func aucChart(_ r: BacktestResult) -> String {
        let width = 420.0, height = 320.0, left = 52.0, right = 14.0, top = 28.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        let ps = r.periods
        let lows = ps.map(\.aucCI95Low).filter(\.isFinite), highs = ps.map(\.aucCI95High).filter(\.isFinite)
        let lo = max(0, min((lows.min() ?? 0.5), r.baseline.auc) - 0.02), hi = min(1, max((highs.max() ?? 1), r.baseline.auc) + 0.02)
        let xr = (0.0, Double(max(ps.count - 1, 1)))
        func sx(_ x: Double) -> Double { left + (ps.count == 1 ? pw / 2 : (x - xr.0) / (xr.1 - xr.0) * pw) }
        func sy(_ y: Double) -> Double { top + ph - (y - lo) / max(1e-12, hi - lo) * ph }
        var s = frame(title: "AUC over time (95% DeLong band)", xLabel: "period", yLabel: "AUC",
                      xTicks: ps.enumerated().map { (Double($0.offset), $0.element.period) }, yRange: (lo, hi),
                      width: width, height: height, sx: sx, sy: sy)
        let finite = ps.enumerated().filter { $0.element.aucCI95Low.isFinite && $0.element.aucCI95High.isFinite }
        if !finite.isEmpty {
            let upper = finite.map { "\(f(sx(Double($0.offset)))),\(f(sy($0.element.aucCI95High)))" }
            let lower = finite.reversed().map { "\(f(sx(Double($0.offset)))),\(f(sy($0.element.aucCI95Low)))" }
            s += "<polygon class=\"ci-band\" fill=\"#2b6cb0\" fill-opacity=\"0.18\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
        }
        s += "<line x1=\"\(f(left))\" y1=\"\(f(sy(r.baseline.auc)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(r.baseline.auc)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>"
        s += "<text x=\"\(f(left + pw - 4))\" y=\"\(f(sy(r.baseline.auc) - 4))\" text-anchor=\"end\" fill=\"#666\">development \(HTML.number(r.baseline.auc, 3))</text>\n"
        let pts = ps.enumerated().filter { $0.element.auc.isFinite }.map { "\(f(sx(Double($0.offset)))),\(f(sy($0.element.auc)))" }
        s += "<polyline class=\"auc-line\" fill=\"none\" stroke=\"#2b6cb0\" stroke-width=\"1.8\" points=\"\(pts.joined(separator: " "))\"/>\n"
        for (k, p) in ps.enumerated() where p.auc.isFinite {
            let color = p.aucDropLight == .red ? "#cf222e" : (p.aucDropLight == .yellow ? "#bf8700" : "#2b6cb0")
            s += "<circle cx=\"\(f(sx(Double(k))))\" cy=\"\(f(sy(p.auc)))\" r=\"3\" fill=\"\(color)\"><title>\(HTML.escape(p.period)): AUC \(HTML.number(p.auc, 4)), drop p \(pv(p.aucDropP))</title></circle>"
        }
        return s + "\n</svg>"
    }

    /// Observed default rate against mean PD per pooled grade and per period, with the diagonal.
    static func calibrationChart(_ r: BacktestResult) -> String {
        let pts = r.pooledGrades.map { ($0.meanPD, $0.defaultRate) }
        let periodPts = r.periods.map { ($0.meanPD, $0.defaultRate) }
        let m = max(0.01, (pts + periodPts).map { max($0.0, $0.1) }.max() ?? 0.01) * 1.1
        return SVGChart.lines(title: "Calibration: observed DR vs mean PD", xLabel: "mean PD", yLabel: "default rate",
                              series: [.init(name: "perfect", points: [(0, 0), (m, m)], color: "#999", dashed: true, markers: false),
                                       .init(name: "grades (pooled)", points: pts, color: "#2b6cb0", dashed: false, markers: true),
                                       .init(name: "periods", points: periodPts.sorted { $0.0 < $1.0 }, color: "#d97706", dashed: false, markers: true)],
                              xRange: (0, m), yRange: (0, m))
    }

    /// PSI bars per period with the 0.10 and 0.25 lines.
    static func psiChart(_ r: BacktestResult) -> String {
        let width = 420.0, height = 320.0, left = 52.0, right = 14.0, top = 28.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        let ps = r.periods
        let top0 = max(0.3, (ps.map(\.psi).filter(\.isFinite).max() ?? 0) * 1.15)
        let slot = pw / Double(max(ps.count, 1))
        func sx(_ x: Double) -> Double { left + (x + 0.5) * slot }
        func sy(_ y: Double) -> Double { top + ph - y / top0 * ph }
        var s = frame(title: "PSI of the score vs development", xLabel: "period", yLabel: "PSI",
                      xTicks: ps.enumerated().map { (Double($0.offset), $0.element.period) }, yRange: (0, top0),
                      width: width, height: height, sx: sx, sy: sy)
        for (k, p) in ps.enumerated() {
            let v = p.psi.isFinite ? p.psi : top0
            let color = v >= 0.25 ? "#cf222e" : (v >= 0.10 ? "#bf8700" : "#1a7f37")
            s += "<rect class=\"psi-bar\" x=\"\(f(sx(Double(k)) - slot * 0.35))\" y=\"\(f(sy(v)))\" width=\"\(f(slot * 0.7))\" height=\"\(f(max(0.5, sy(0) - sy(v))))\" fill=\"\(color)\"><title>\(HTML.escape(p.period)): PSI \(HTML.number(p.psi, 4))</title></rect>"
        }
        for (t, c) in [(0.10, "#bf8700"), (0.25, "#cf222e")] where t <= top0 {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(sy(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(t)))\" stroke=\"\(c)\" stroke-dasharray=\"4 3\"/>"
        }
        return s + "\n</svg>"
    }

    static let palette = ["#2b6cb0", "#d97706", "#1a7f37", "#cf222e", "#6f42c1", "#0e7490", "#a16207", "#be185d", "#4d7c0f", "#374151",
                          "#7c3aed", "#b45309", "#047857", "#9f1239", "#1d4ed8"]

    static func vintageChart(_ curves: [VintageCurve]) -> String {
        let maxMOB = curves.map(\.cumulative.count).max() ?? 1
        let ymax = max(0.005, curves.flatMap { $0.cumulative.compactMap { $0 } }.max() ?? 0) * 1.1
        let series = curves.enumerated().map { k, c in
            SVGChart.Series(name: c.cohort, points: c.cumulative.enumerated().compactMap { m, v in v.map { (Double(m + 1), $0) } },
                            color: palette[k % palette.count], dashed: k >= palette.count, markers: false)
        }
        return SVGChart.lines(title: "Cumulative default rate by months on book", xLabel: "months on book", yLabel: "cumulative default rate",
                              series: series, xRange: (0, Double(maxMOB)), yRange: (0, ymax), width: 760, height: max(360, 60 + 14 * Double(curves.count)))
    }

    static func vintageTable(_ curves: [VintageCurve]) -> String {
        let maxMOB = curves.map(\.cumulative.count).max() ?? 0
        let cols = stride(from: 6, through: maxMOB, by: 6).map { $0 }
        return HTML.table(headers: ["cohort", "loans", "mature through"] + cols.map { "MOB \($0)" },
                          rows: curves.map { c in
                              [c.cohort, "\(c.loans)", "\(c.matureThrough)"] + cols.map { m in c.cumulative[m - 1].map { HTML.number($0, 4) } ?? "" }
                          }) + "<p class=\"muted\">Blank cells are immature: some loan of the cohort had not reached that month on book by the data cut-off.</p>\n"
    }

    static func trafficTable(_ r: BacktestResult) -> String {
        let grades = Array(Set(r.periods.flatMap { $0.grades.compactMap(\.row.grade) })).sorted()
        var s = "<table class=\"traffic\"><thead><tr><th>grade</th>" + r.periods.map { "<th>\(HTML.escape($0.period))</th>" }.joined() + "</tr></thead><tbody>\n"
        for g in grades {
            s += "<tr><td>\(HTML.escape(g))</td>"
            for p in r.periods {
                if let c = p.grades.first(where: { $0.row.grade == g }) {
                    s += "<td class=\"num tl-\(c.trafficLightHolm.rawValue)\" title=\"n \(c.row.n), D \(c.row.defaults), PD \(HTML.number(c.row.meanPD, 4)), DR \(HTML.number(c.row.defaultRate, 4)), raw p \(pv(c.row.jeffreysP))\">\(pv(c.jeffreysPHolm))</td>"
                } else { s += "<td></td>" }
            }
            s += "</tr>\n"
        }
        s += "<tr><td><i>AUC drop</i></td>" + r.periods.map { "<td class=\"num tl-\($0.aucDropLight.rawValue)\">\(pv($0.aucDropP))</td>" }.joined() + "</tr>\n"
        s += "<tr><td><i>portfolio Jeffreys</i></td>" + r.periods.map { "<td class=\"num tl-\($0.trafficLight.rawValue)\">\(pv($0.jeffreysP))</td>" }.joined() + "</tr>\n"
        return s + "</tbody></table>\n<p class=\"muted\">Cells: Holm-adjusted one-sided Jeffreys p-value (H0: PD not underestimated); green p ≥ 0.05, yellow 0.001 ≤ p < 0.05, red p < 0.001 (95% / 99.9%).</p>\n"
    }

    static let explanations = """
    <h2>Method</h2>
    <dl>
    <dt>Rolling origin</dt><dd>Each period is an origin: its loans are scored with the fixed model and followed over the performance window; every test compares it with the development sample (and PSI and AUC also with the previous origin). Periods whose window has not matured are left out.</dd>
    <dt>AUC and the AUC-drop test</dt><dd>AUC with ties at half credit; DeLong (1988) standard error; 95% Wald band. ECB (2019) test: z = (AUC<sub>dev</sub> − AUC<sub>t</sub>)/s<sub>t</sub>, p = 1 − Φ(z).</dd>
    <dt>Calibration</dt><dd>Per grade (PD = mean PD of the grade): one-sided binomial P(X ≥ D), Jeffreys F<sub>Beta</sub>(PD; D+½, N−D+½) (ECB 2019), normal approximation; Hosmer–Lemeshow over the grades with df = K (external PDs); Spiegelhalter (1986) at loan level. Holm (1979) adjusts the grade × period family. Traffic lights at 95% / 99.9% (OeNB; Tasche 2003, who notes the independent binomial test over-rejects when defaults are correlated).</dd>
    <dt>Multi-period normal test</dt><dd>BCBS WP14 (2005): z = Σ(DR<sub>t</sub> − PD<sub>t</sub>)/(√T·s), p = 1 − Φ(z).</dd>
    <dt>PSI / CSI</dt><dd>Σ (A − E) ln(A/E) on the development deciles; &lt; 0.10 stable, 0.10–0.25 monitor, ≥ 0.25 shift; critical values of Yurdakul (2018).</dd>
    <dt>Vintage curves</dt><dd>Share of each origination cohort with a first credit event (90+ DPD, REO or credit zero-balance code) by months on book; immature cells blank.</dd>
    </dl>
    <p class="muted">References: BCBS Working Paper 14 (2005) Studies on the validation of internal rating systems; ECB (2019) Instructions for reporting the validation results of internal models; Tasche (2003) A traffic lights approach to PD validation; DeLong, DeLong &amp; Clarke-Pearson (1988); Holm (1979); Freddie Mac Single-Family Loan-Level Dataset General User Guide.</p>

    """
}
