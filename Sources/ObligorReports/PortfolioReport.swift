import Foundation
import ObligorModels

/// One simulated loss distribution of a portfolio period, as the portfolio report shows it.
///
/// Levels are keyed as in the portfolio JSON (`"0.99"`, `"0.025"`, …).
public struct PortfolioLossSummary: Sendable {
    /// Monte Carlo mean of the loss.
    public var expectedLoss: Double
    /// Monte Carlo standard deviation of the loss.
    public var standardDeviation: Double
    /// Value at risk (loss quantile) by confidence level.
    public var valueAtRisk: [String: Double]
    /// Expected shortfall by confidence level.
    public var expectedShortfall: [String: Double]
    /// Further loss quantiles by level (the report uses 0.025 and 0.975 for the 95% band).
    public var quantiles: [String: Double]
    /// Probability integral transform of the realised loss under this distribution.
    public var pit: Double
    /// Pinball (quantile) loss of the realised loss by level.
    public var pinball: [String: Double]
    /// Continuous ranked probability score of the realised loss.
    public var crps: Double

    /// Creates a summary from a simulated distribution's statistics and the realised loss's scores.
    public init(expectedLoss: Double, standardDeviation: Double, valueAtRisk: [String: Double], expectedShortfall: [String: Double],
                quantiles: [String: Double], pit: Double, pinball: [String: Double], crps: Double) {
        self.expectedLoss = expectedLoss
        self.standardDeviation = standardDeviation
        self.valueAtRisk = valueAtRisk
        self.expectedShortfall = expectedShortfall
        self.quantiles = quantiles
        self.pit = pit
        self.pinball = pinball
        self.crps = crps
    }
}

/// One period (group) of a portfolio run: the realised loss against the joint and the independent distributions.
public struct PortfolioReportPeriod: Sendable {
    /// The period's label.
    public var period: String
    /// Loans in the period.
    public var loans: Int
    /// Realised defaults in the period.
    public var defaults: Int
    /// `Σ EAD·LGD·1{default}` over the period's loans.
    public var realisedLoss: Double
    /// With the frailty drawn jointly.
    public var joint: PortfolioLossSummary
    /// With independent defaults at the marginal PDs.
    public var independent: PortfolioLossSummary

    /// Creates one period's row of the report.
    public init(period: String, loans: Int, defaults: Int, realisedLoss: Double, joint: PortfolioLossSummary, independent: PortfolioLossSummary) {
        self.period = period
        self.loans = loans
        self.defaults = defaults
        self.realisedLoss = realisedLoss
        self.joint = joint
        self.independent = independent
    }
}

/// What a portfolio report shows.
public struct PortfolioReportInput: Sendable {
    /// Page title.
    public var title: String
    /// The model's workspace name.
    public var modelLabel: String
    /// The model family (e.g. `gpboost`); shown in the header.
    public var modelKind: String
    /// The portfolio's dataset name or file.
    public var dataLabel: String
    /// Whether the model has a latent frailty (otherwise the joint and independent answers coincide).
    public var hasFrailty: Bool
    /// Column used for exposure at default.
    public var exposureColumn: String
    /// LGD: a number or a column name.
    public var lgd: String
    /// Root seed of the simulation.
    public var seed: UInt64
    /// Simulated portfolios per period.
    public var draws: Int
    /// One entry per period, in the order shown.
    public var periods: [PortfolioReportPeriod]
    /// The whole result as one JSON object (embedded verbatim in the page).
    public var json: String

    /// Creates the report's input; `json` is embedded verbatim (`</` is escaped inside the script element).
    public init(title: String, modelLabel: String, modelKind: String, dataLabel: String, hasFrailty: Bool, exposureColumn: String, lgd: String,
                seed: UInt64, draws: Int, periods: [PortfolioReportPeriod], json: String) {
        self.title = title
        self.modelLabel = modelLabel
        self.modelKind = modelKind
        self.dataLabel = dataLabel
        self.hasFrailty = hasFrailty
        self.exposureColumn = exposureColumn
        self.lgd = lgd
        self.seed = seed
        self.draws = draws
        self.periods = periods
        self.json = json
    }
}

/// The portfolio loss report: per period, the realised loss against the simulated loss distribution with joint
/// frailty draws and with independent defaults (expected loss, 95% band, VaR and ES), the VaR uplift that
/// correlation adds, and the forecast scores (PIT, pinball, CRPS). Self-contained HTML (inline CSS and SVG, no
/// scripts run), deterministic for the same input; print it to PDF with ``AuditReport/writePDF(htmlPath:to:)``.
public enum PortfolioReport {
    /// The HTML page.
    public static func html(_ input: PortfolioReportInput) -> String {
        let ps = input.periods
        var b = "<h1>\(HTML.escape(input.title))</h1>\n"
        b += "<p class=\"muted\">obligor \(ObligorVersion.current) · model <b>\(HTML.escape(input.modelLabel))</b> (\(HTML.escape(input.modelKind)))"
        b += " · data <b>\(HTML.escape(input.dataLabel))</b> · exposure <b>\(HTML.escape(input.exposureColumn))</b> · LGD <b>\(HTML.escape(input.lgd))</b>"
        b += " · \(input.draws) simulated portfolios per period · seed \(input.seed)</p>\n"
        let loans = ps.reduce(0) { $0 + $1.loans }, defaults = ps.reduce(0) { $0 + $1.defaults }
        let realised = ps.reduce(0) { $0 + $1.realisedLoss }, elJoint = ps.reduce(0) { $0 + $1.joint.expectedLoss }
        let uplift = ps.compactMap { p -> Double? in
            guard let j = p.joint.valueAtRisk["0.99"], let i = p.independent.valueAtRisk["0.99"], i > 0 else { return nil }
            return j / i
        }
        let outside = ps.filter { !inBand($0.realisedLoss, $0.joint) }.count
        func kpi(_ name: String, _ value: String, _ sub: String = "") -> String {
            "<div class=\"kpi\">\(HTML.escape(name))<b>\(value)</b><span class=\"muted\">\(HTML.escape(sub))</span></div>"
        }
        b += kpi("Periods", "\(ps.count)", "\(loans) loans, \(defaults) defaults")
        b += kpi("Realised loss", amount(realised), "all periods")
        b += kpi("Expected loss (joint)", amount(elJoint), "all periods")
        if !uplift.isEmpty {
            b += kpi("VaR 99% joint ÷ independent", HTML.number(uplift.reduce(0, +) / Double(uplift.count), 2), "mean over periods")
        }
        b += kpi("Outside the joint 95% band", "<span class=\"\(outside == 0 ? "green" : "yellow")\">\(outside) of \(ps.count)</span>", "realised loss")
        b += "\n"
        if !input.hasFrailty {
            b += "<p><b>Note:</b> this model has no latent frailty, so defaults are independent given the PDs and the joint and independent answers coincide.</p>\n"
        }
        b += "<div class=\"charts\">" + lossChart(ps) + varChart(ps) + pitChart(ps) + "</div>\n"
        b += "<h2>Per period</h2>\n"
        b += HTML.table(headers: ["period", "loans", "defaults", "realised loss", "answer", "EL", "sd", "95% band", "VaR 99%", "ES 99%", "VaR 99.9%",
                                  "PIT", "pinball 99%", "CRPS"],
                        rows: ps.flatMap { p in
                            [("joint", p.joint), ("independent", p.independent)].map { name, s in
                                [p.period, "\(p.loans)", "\(p.defaults)", amount(p.realisedLoss), name, amount(s.expectedLoss), amount(s.standardDeviation),
                                 "[\(amount(s.quantiles["0.025"] ?? .nan)), \(amount(s.quantiles["0.975"] ?? .nan))]",
                                 amount(s.valueAtRisk["0.99"] ?? .nan), amount(s.expectedShortfall["0.99"] ?? .nan), amount(s.valueAtRisk["0.999"] ?? .nan),
                                 HTML.number(s.pit, 3), amount(s.pinball["0.99"] ?? .nan), amount(s.crps)]
                            }
                        })
        b += explanations
        b += "<h2>Every number (JSON)</h2>\n<details><summary>portfolio.json</summary><pre>\(HTML.escape(input.json))</pre></details>\n"
        b += "<script type=\"application/json\" id=\"portfolio-data\">\(input.json.replacingOccurrences(of: "</", with: "<\\/"))</script>\n"
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(HTML.escape(input.title))</title><style>\(HTML.style)\(style)</style></head>\n<body>\n\(b)</body></html>\n"
    }

    static let style = "pre{font-size:.75em;max-height:30em;overflow:auto}dt{font-weight:bold;margin-top:.4em}"

    static func inBand(_ x: Double, _ s: PortfolioLossSummary) -> Bool {
        guard let lo = s.quantiles["0.025"], let hi = s.quantiles["0.975"] else { return true }
        return x >= lo && x <= hi
    }

    /// A loss amount: plain digits below 10⁵, otherwise three significant digits in engineering form.
    static func amount(_ x: Double) -> String {
        guard x.isFinite else { return HTML.number(x) }
        let a = abs(x)
        if a >= 1e9 { return String(format: "%.3g bn", x / 1e9) }
        if a >= 1e6 { return String(format: "%.3g M", x / 1e6) }
        if a >= 1e5 { return String(format: "%.3g k", x / 1e3) }
        return a >= 100 || a == 0 ? String(format: "%.0f", x) : String(format: "%.3g", x)
    }

    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// The axis unit for losses up to `maximum`: (divisor, name), e.g. (1e6, "millions").
    static func unit(_ maximum: Double) -> (Double, String) {
        if maximum >= 1e9 { return (1e9, "billions") }
        if maximum >= 1e6 { return (1e6, "millions") }
        if maximum >= 1e4 { return (1e3, "thousands") }
        return (1, "")
    }

    /// Per period: the joint and independent 95% bands with their EL and VaR 99%, and the realised loss.
    static func lossChart(_ ps: [PortfolioReportPeriod]) -> String {
        let width = 520.0, height = 340.0, left = 60.0, right = 14.0, top = 28.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        let values = ps.flatMap { p in [p.realisedLoss, p.joint.valueAtRisk["0.99"] ?? 0, p.independent.valueAtRisk["0.99"] ?? 0,
                                        p.joint.quantiles["0.975"] ?? 0, p.independent.quantiles["0.975"] ?? 0] }.filter(\.isFinite)
        let (div, unitName) = unit(values.max() ?? 1)
        let ymax = niceCeiling(max(1e-9, (values.max() ?? 1) / div) * 1.3)   // headroom for the legend
        let slot = pw / Double(max(ps.count, 1))
        func sx(_ x: Double) -> Double { left + (x + 0.5) * slot }
        func sy(_ y: Double) -> Double { top + ph - y / ymax * ph }
        func sv(_ loss: Double) -> Double { sy(loss / div) }
        var s = axes(title: "Loss per period: realised vs simulated", yLabel: unitName.isEmpty ? "loss" : "loss (\(unitName))", periods: ps.map(\.period), yMax: ymax,
                     width: width, height: height, left: left, sx: sx, sy: sy)
        for (k, p) in ps.enumerated() {
            for (side, summary, color, dx) in [("joint", p.joint, "#2b6cb0", -0.17), ("independent", p.independent, "#d97706", 0.17)] {
                let x = sx(Double(k) + dx)
                let lo = summary.quantiles["0.025"] ?? summary.expectedLoss, hi = summary.quantiles["0.975"] ?? summary.expectedLoss
                let w = max(3, slot * 0.22)
                s += "<rect class=\"loss-band\" x=\"\(f(x - w / 2))\" y=\"\(f(sv(hi)))\" width=\"\(f(w))\" height=\"\(f(max(0.5, sv(lo) - sv(hi))))\" fill=\"\(color)\" fill-opacity=\"0.25\" stroke=\"\(color)\">"
                s += "<title>\(HTML.escape(p.period)) \(side): 95% band [\(amount(lo)), \(amount(hi))], EL \(amount(summary.expectedLoss))</title></rect>"
                s += "<line x1=\"\(f(x - w / 2))\" y1=\"\(f(sv(summary.expectedLoss)))\" x2=\"\(f(x + w / 2))\" y2=\"\(f(sv(summary.expectedLoss)))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                if let v = summary.valueAtRisk["0.99"], v.isFinite {
                    s += "<path d=\"M\(f(x - w / 2)),\(f(sv(v))) L\(f(x + w / 2)),\(f(sv(v)))\" stroke=\"\(color)\" stroke-dasharray=\"2 2\" stroke-width=\"1.5\"/>"
                }
            }
            let x = sx(Double(k)), y = sv(p.realisedLoss)
            s += "<path class=\"realised\" d=\"M\(f(x)),\(f(y - 5)) L\(f(x + 5)),\(f(y)) L\(f(x)),\(f(y + 5)) L\(f(x - 5)),\(f(y)) Z\" fill=\"#111\">"
            s += "<title>\(HTML.escape(p.period)): realised loss \(amount(p.realisedLoss)) (\(p.defaults) defaults)</title></path>\n"
        }
        s += legend([("joint 95% band, EL, VaR 99% (dashed)", "#2b6cb0"), ("independent", "#d97706"), ("realised loss", "#111")], x: left + 8, y: top + 14)
        return s + "\n</svg>"
    }

    /// VaR 99% with joint frailty draws against independent defaults, per period.
    static func varChart(_ ps: [PortfolioReportPeriod]) -> String {
        let width = 420.0, height = 340.0, left = 60.0, right = 14.0, top = 28.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        let top0 = ps.flatMap { [$0.joint.valueAtRisk["0.99"] ?? 0, $0.independent.valueAtRisk["0.99"] ?? 0] }.filter(\.isFinite).max() ?? 1
        let (div, unitName) = unit(top0)
        let ymax = niceCeiling(max(1e-9, top0 / div) * 1.25)
        let slot = pw / Double(max(ps.count, 1))
        func sx(_ x: Double) -> Double { left + (x + 0.5) * slot }
        func sy(_ y: Double) -> Double { top + ph - y / ymax * ph }
        func sv(_ loss: Double) -> Double { sy(loss / div) }
        var s = axes(title: "VaR 99%: joint frailty vs independent", yLabel: unitName.isEmpty ? "VaR 99%" : "VaR 99% (\(unitName))", periods: ps.map(\.period), yMax: ymax,
                     width: width, height: height, left: left, sx: sx, sy: sy)
        for (k, p) in ps.enumerated() {
            for (v, color, dx) in [(p.joint.valueAtRisk["0.99"] ?? .nan, "#2b6cb0", -0.2), (p.independent.valueAtRisk["0.99"] ?? .nan, "#d97706", 0.2)] where v.isFinite {
                let w = slot * 0.36
                s += "<rect class=\"var-bar\" x=\"\(f(sx(Double(k) + dx) - w / 2))\" y=\"\(f(sv(v)))\" width=\"\(f(w))\" height=\"\(f(max(0.5, sy(0) - sv(v))))\" fill=\"\(color)\">"
                s += "<title>\(HTML.escape(p.period)): VaR 99% \(amount(v))</title></rect>"
            }
        }
        s += legend([("joint", "#2b6cb0"), ("independent", "#d97706")], x: left + 8, y: top + 14)
        return s + "\n</svg>"
    }

    /// PIT of the realised loss per period under both answers; a calibrated forecast gives PITs spread over [0, 1].
    static func pitChart(_ ps: [PortfolioReportPeriod]) -> String {
        let width = 420.0, height = 340.0, left = 60.0, right = 14.0, top = 28.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        let slot = pw / Double(max(ps.count, 1))
        func sx(_ x: Double) -> Double { left + (x + 0.5) * slot }
        func sy(_ y: Double) -> Double { top + ph - y * ph }
        var s = axes(title: "PIT of the realised loss", yLabel: "PIT", periods: ps.map(\.period), yMax: 1,
                     width: width, height: height, left: left, sx: sx, sy: sy)
        s += "<rect x=\"\(f(left))\" y=\"\(f(sy(0.975)))\" width=\"\(f(pw))\" height=\"\(f(sy(0.025) - sy(0.975)))\" fill=\"#1a7f37\" fill-opacity=\"0.07\"/>"
        for (k, p) in ps.enumerated() {
            for (v, color, dx, side) in [(p.joint.pit, "#2b6cb0", -0.12, "joint"), (p.independent.pit, "#d97706", 0.12, "independent")] where v.isFinite {
                s += "<circle class=\"pit\" cx=\"\(f(sx(Double(k) + dx)))\" cy=\"\(f(sy(v)))\" r=\"3.5\" fill=\"\(color)\"><title>\(HTML.escape(p.period)) \(side): PIT \(HTML.number(v, 3))</title></circle>"
            }
        }
        s += legend([("joint", "#2b6cb0"), ("independent", "#d97706")], x: left + 8, y: top + 14)
        return s + "\n</svg>"
    }

    /// The tick step for [0, x] in about five steps: 1, 2 or 5 times a power of ten.
    static func niceStep(_ x: Double) -> Double {
        let raw = x / 5, p = pow(10, floor(log10(raw)))
        return [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? 10 * p
    }

    /// `x` rounded up to a whole number of ``niceStep(_:)``.
    static func niceCeiling(_ x: Double) -> Double { let st = niceStep(x); return (x / st).rounded(.up) * st }

    /// Axes with one category per period and round ticks on [0, yMax] (labels without needless decimals).
    static func axes(title: String, yLabel: String, periods: [String], yMax: Double, width: Double, height: Double, left: Double,
                     sx: (Double) -> Double, sy: (Double) -> Double) -> String {
        let top = 28.0, bottom = 44.0, right = 14.0
        let pw = width - left - right, ph = height - top - bottom
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"11\">\n"
        s += "<text x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(title))</text>\n"
        let step = niceStep(yMax)
        let digits = step >= 1 ? 0 : Int(ceil(-log10(step)))
        var v = 0.0
        while v <= yMax * (1 + 1e-9) {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(sy(v)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(v)))\" stroke=\"#e3e6ee\"/>"
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(sy(v) + 4))\" text-anchor=\"end\">\(String(format: "%.\(digits)f", v))</text>\n"
            v += step
        }
        for (k, p) in periods.enumerated() {
            s += "<text x=\"\(f(sx(Double(k))))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(HTML.escape(p))</text>"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#556\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">period</text>\n"
        s += "<text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"
        return s
    }

    static func legend(_ items: [(String, String)], x: Double, y: Double) -> String {
        items.enumerated().map { k, item in
            let ly = y + Double(k) * 14
            return "<rect x=\"\(f(x))\" y=\"\(f(ly - 8))\" width=\"14\" height=\"8\" fill=\"\(item.1)\" fill-opacity=\"0.6\"/><text x=\"\(f(x + 19))\" y=\"\(f(ly))\">\(HTML.escape(item.0))</text>"
        }.joined() + "\n"
    }

    static let explanations = """
    <h2>Method</h2>
    <dl>
    <dt>Loss</dt><dd>Loss of a period = Σ EAD × LGD over the loans that default in it. The realised loss uses the observed default flags.</dd>
    <dt>Joint answer</dt><dd>For models with a latent space-time frailty (GPBoost, GLMM) the frailty of every (period, location) is drawn jointly from the Gaussian process's predictive distribution, then each loan defaults with probability σ(F(x) + b); correlated defaults fatten the loss tail.</dd>
    <dt>Independent answer</dt><dd>Each loan defaults independently with its marginal PD E[σ(F(x) + b)]; same expected loss, thinner tail. The ratio of the two VaRs is the concentration the frailty adds.</dd>
    <dt>VaR and ES</dt><dd>VaR<sub>α</sub> is the α-quantile of the simulated losses; ES<sub>α</sub> is the mean loss at or beyond it.</dd>
    <dt>Forecast scores</dt><dd>PIT = share of simulated losses at or below the realised loss (near 0 or 1 means the realised loss is in a tail); pinball loss at α scores the VaR as a quantile forecast; CRPS scores the whole distribution (lower is better). The shaded band of the PIT chart is [0.025, 0.975].</dd>
    </dl>
    <p class="muted">References: Kündig &amp; Sigrist (2026) space-time frailty for mortgage default; Gneiting &amp; Raftery (2007) strictly proper scoring rules; BCBS (2019) minimum capital requirements for market risk (expected shortfall).</p>

    """
}
