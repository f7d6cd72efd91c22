import Foundation
import ObligorMetrics
import ObligorModels

/// What a bias-audit report shows.
public struct AuditReportInput: Sendable {
    public var title: String
    /// The model name, or the scores file the predictions came from.
    public var modelLabel: String
    public var dataLabel: String
    public var dataSHA256: String
    public var audit: FairnessAudit
    /// Recourse rates by group from `obligor recourse verify` (shown when present).
    public var recourse: [RecourseGroupRow] = []

    public init(title: String, modelLabel: String, dataLabel: String, dataSHA256: String, audit: FairnessAudit) {
        self.title = title
        self.modelLabel = modelLabel
        self.dataLabel = dataLabel
        self.dataSHA256 = dataSHA256
        self.audit = audit
    }
}

/// One group's recourse outcome (from a recourse verification), for the audit report.
public struct RecourseGroupRow: Sendable {
    public let attribute: String
    public let group: String
    public let n: Int
    public let denied: Int
    public let recourse: Int
    public let fixed: Int
    public let recourseRate: Double
    public let fixedShare: Double
    public let pValue: Double?
    public init(attribute: String, group: String, n: Int, denied: Int, recourse: Int, fixed: Int,
                recourseRate: Double, fixedShare: Double, pValue: Double?) {
        self.attribute = attribute; self.group = group; self.n = n; self.denied = denied; self.recourse = recourse
        self.fixed = fixed; self.recourseRate = recourseRate; self.fixedShare = fixedShare; self.pValue = pValue
    }
}

/// Why a PDF could not be written.
public struct PDFExportError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// The bias-audit report: verdicts, per-group tables, a forest plot of the metrics with their
/// bootstrap intervals, the threshold sweep, and what each metric means. Self-contained HTML
/// (inline CSS and SVG, no scripts), deterministic for the same audit.
public enum AuditReport {
    /// The HTML page.
    public static func html(_ input: AuditReportInput) -> String {
        let a = input.audit
        let o = a.options
        var body = "<h1>\(HTML.escape(input.title))</h1>\n"
        body += "<p class=\"muted\">obligor \(ObligorVersion.current) · predictions <b>\(HTML.escape(input.modelLabel))</b> · data <b>\(HTML.escape(input.dataLabel))</b>"
        if !input.dataSHA256.isEmpty { body += " · SHA-256 \(HTML.escape(String(input.dataSHA256.prefix(16))))…" }
        body += "<br>\(a.rows) applicants, \(a.defaults) defaults; approval rate \(HTML.number(Double(a.approvals) / Double(max(1, a.rows)), 3))"
        if let t = a.threshold { body += " (approve when PD &lt; \(HTML.number(t, 3)))" }
        body += "; bootstrap B = \(o.bootstrapReplicates), seed \(o.seed), \(HTML.number(100 * o.confidenceLevel, 0))% intervals; minimum group size \(o.minGroupSize); Holm family of \(a.holmFamilySize) tests at α = \(HTML.number(o.alpha, 2)).</p>\n"

        // Verdicts.
        body += "<h2>Summary of verdicts</h2>\n"
        body += "<p>Overall: \(badge(a.verdict))</p>\n<ul>"
        for attr in a.attributes {
            body += "<li><b>\(HTML.escape(attr.name))</b> (privileged: \(HTML.escape(attr.privileged))): \(badge(attr.verdict))"
            let notable = attr.comparisons.filter { !$0.isPooled && $0.verdict != .pass }
            if !notable.isEmpty {
                body += "<ul>" + notable.map { c in
                    "<li>\(HTML.escape(c.unprivileged)) vs \(HTML.escape(c.privileged)): \(badge(c.verdict)) " + HTML.escape(c.reasons.joined(separator: "; ")) + "</li>"
                }.joined() + "</ul>"
            }
            body += "</li>"
        }
        body += "</ul>\n<p class=\"muted\">fail = the four-fifths rule is violated and the approval gap is significant after Holm correction; review = one warning sign (a four-fifths violation that is not significant, a significant gap within four-fifths, or |EOD| or |AOD| above \(HTML.number(o.oddsTolerance, 2))); insufficient_data = a group has fewer than \(o.minGroupSize) applicants and is not compared.</p>\n"

        for attr in a.attributes {
            body += "<h2>Attribute: \(HTML.escape(attr.name))</h2>\n"
            if !attr.components.isEmpty { body += "<p class=\"muted\">Intersection of \(attr.components.map(HTML.escape).joined(separator: " × ")).</p>\n" }
            body += groupTable(attr)
            body += comparisonTable(attr, options: o)
            body += "<div class=\"charts\">" + forestPlot(attr, options: o)
            if !attr.sweep.isEmpty { body += sweepCharts(attr, threshold: a.threshold) }
            body += "</div>\n"
            body += summaryTable(attr)
        }
        if !input.recourse.isEmpty {
            body += "<h2>Recourse by group</h2>\n<p>From a recourse verification under the declared action set: of the applicants the model"
            body += " denies, how many can reach approval by feasible actions (recourse) and how many cannot whatever they do (fixed)."
            body += " A group with a lower recourse rate is locked out more often; the p-value is Fisher's exact test of fixed vs recourse"
            body += " among the denied, group against the rest.</p>\n"
            body += HTML.table(headers: ["attribute", "group", "n", "denied", "recourse", "fixed", "recourse rate", "fixed share", "Fisher p"],
                               rows: input.recourse.map { r in
                                   [r.attribute, r.group, "\(r.n)", "\(r.denied)", "\(r.recourse)", "\(r.fixed)", HTML.number(r.recourseRate, 3),
                                    HTML.number(r.fixedShare, 3), r.pValue.map { HTML.number($0, 4) } ?? "–"]
                               }, numericFrom: 2)
        }
        body += explanations(o)
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(HTML.escape(input.title))</title><style>\(HTML.style)\(extraStyle)</style></head>\n<body>\n\(body)</body></html>\n"
    }

    static let extraStyle = ".badge{padding:1px 7px;border-radius:9px;font-weight:bold;font-size:.85em}.b-pass{background:#dafbe1;color:#1a7f37}.b-review{background:#fff8c5;color:#9a6700}.b-fail{background:#ffebe9;color:#cf222e}.b-insufficient_data{background:#eaeef2;color:#57606a}tr.small td{color:#8c959f}"

    static func badge(_ v: FairnessVerdict) -> String { "<span class=\"badge b-\(v.rawValue)\">\(v.rawValue.replacingOccurrences(of: "_", with: " "))</span>" }

    static func withCI(_ x: Double, _ ci: ConfidenceInterval?, _ digits: Int = 3) -> String {
        guard let ci else { return HTML.number(x, digits) }
        return "\(HTML.number(x, digits)) [\(HTML.number(ci.low, digits)), \(HTML.number(ci.high, digits))]"
    }

    static func pValue(_ p: Double) -> String { p.isNaN ? "–" : (p < 1e-4 ? String(format: "%.1e", p) : HTML.number(p, 4)) }

    static func groupTable(_ attr: AttributeAudit) -> String {
        var s = "<h3>Per group</h3>\n<table><thead><tr>" + ["group", "n", "approval rate [CI]", "default rate", "TPR (approve | repaid) [CI]",
            "FPR (approve | default) [CI]", "FNR", "precision", "AUC", "mean PD", "Jeffreys p", "impact ratio vs max", "flags"].map { "<th>\($0)</th>" }.joined()
        s += "</tr></thead><tbody>\n"
        for g in attr.groups {
            let c = g.counts
            var flags: [String] = []
            if g.isPrivileged { flags.append("privileged") }
            if g.fourFifthsFlag { flags.append("below four-fifths") }
            if g.isSmall { flags.append("small group: not compared") }
            let cells = [HTML.escape(g.group), "\(c.n)", withCI(c.selectionRate, g.selectionRateCI), HTML.number(c.defaultRate, 3),
                         withCI(c.truePositiveRate, g.truePositiveRateCI), withCI(c.falsePositiveRate, g.falsePositiveRateCI),
                         HTML.number(c.falseNegativeRate, 3), HTML.number(c.precision, 3), HTML.number(g.auc, 3), HTML.number(g.meanPD, 3),
                         pValue(g.jeffreysP), HTML.number(g.impactRatioVsMax, 3), HTML.escape(flags.joined(separator: ", "))]
            s += "<tr\(g.isSmall ? " class=\"small\"" : "")>" + cells.enumerated().map { k, v in k == 0 || k == cells.count - 1 ? "<td>\(v)</td>" : "<td class=\"num\">\(v)</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>\n<p class=\"muted\">Calibration by group: compare mean PD with the default rate; the Jeffreys p-value tests “PD is not underestimated” in the group (small p: the model under-predicts defaults there). AUC within the group measures rank ordering for that group alone.</p>\n"
    }

    static func comparisonTable(_ attr: AttributeAudit, options: FairnessAuditOptions) -> String {
        let shown = attr.comparisons.filter { !$0.isPooled || attr.groups.count > 2 }
        var s = "<h3>Unprivileged vs privileged (aif360, signed unprivileged − privileged)</h3>\n<table><thead><tr>"
        s += ["comparison", "n (u / p)", "SPD [CI]", "DI [CI]", "EOD [CI]", "AOD [CI]", "Theil", "Fisher p", "Holm p", "χ² p", "verdict"].map { "<th>\($0)</th>" }.joined()
        s += "</tr></thead><tbody>\n"
        for c in shown {
            let cells = ["\(HTML.escape(c.unprivileged)) vs \(HTML.escape(c.privileged))", "\(c.unprivilegedCounts.n) / \(c.privilegedCounts.n)",
                         withCI(c[.statisticalParityDifference], c.interval(.statisticalParityDifference)),
                         withCI(c[.disparateImpact], c.interval(.disparateImpact)),
                         withCI(c[.equalOpportunityDifference], c.interval(.equalOpportunityDifference)),
                         withCI(c[.averageOddsDifference], c.interval(.averageOddsDifference)),
                         HTML.number(c[.theilIndex], 4), pValue(c.fisherP), pValue(c.fisherPHolm), pValue(c.chiSquareP),
                         c.isPooled ? "pooled (not judged)" : badge(c.verdict)]
            s += "<tr>" + cells.enumerated().map { k, v in k == 0 || k == cells.count - 1 ? "<td>\(v)</td>" : "<td class=\"num\">\(v)</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    static func summaryTable(_ attr: AttributeAudit) -> String {
        var rows: [[String]] = []
        for (k, m) in GroupSummaryMetric.allCases.enumerated() {
            let ci = attr.summaryIntervals.isEmpty ? nil : attr.summaryIntervals[k]
            rows.append([m.rawValue.replacingOccurrences(of: "_", with: " "), withCI(attr.summaries[k], ci, 4)])
        }
        rows.append(["between-group Theil index (all groups)", HTML.number(attr.betweenAllGroupsTheil, 6)])
        var s = "<h3>fairlearn summaries over all groups</h3>\n" + HTML.table(headers: ["metric", "value [CI]"], rows: rows)
        if attr.summariesIncludeSmallGroups { s += "<p class=\"muted\">Fewer than two groups reach the minimum size, so these summaries include small groups.</p>\n" }
        else if attr.groups.contains(where: \.isSmall) { s += "<p class=\"muted\">Small groups are left out of these summaries.</p>\n" }
        return s
    }

    /// Forest plot: one row per (comparison, metric), point estimate and bootstrap interval;
    /// differences on one axis (ideal 0, ±tolerance band), DI on a second (ideal 1, 0.8 and 1.25 lines).
    static func forestPlot(_ attr: AttributeAudit, options: FairnessAuditOptions) -> String {
        let comps = attr.comparisons.filter { !$0.isPooled }
        let diffs: [ComparisonMetric] = [.statisticalParityDifference, .equalOpportunityDifference, .averageOddsDifference]
        struct Row { let label: String; let value: Double; let ci: ConfidenceInterval?; let isRatio: Bool; let dim: Bool }
        var rows: [Row] = []
        for c in comps {
            for m in diffs + [.disparateImpact] {
                let name = m.shortKey!.uppercased()
                rows.append(Row(label: "\(c.unprivileged) · \(name)", value: c[m], ci: c.interval(m), isRatio: m == .disparateImpact, dim: !c.comparable))
            }
        }
        let width = 560.0, rowH = 16.0, top = 34.0, left = 170.0, mid = 18.0
        let panel = (width - left - 20 - mid) / 2
        let height = top + Double(rows.count) * rowH + 30
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        let dRange = (-0.6, 0.6), rRange = (0.4, 1.6)
        func clamp(_ x: Double, _ r: (Double, Double)) -> Double { min(max(x, r.0), r.1) }
        func sx(_ x: Double, ratio: Bool) -> Double {
            let r = ratio ? rRange : dRange
            let x0 = ratio ? left + panel + mid : left
            return x0 + (clamp(x, r) - r.0) / (r.1 - r.0) * panel
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"10\">\n"
        s += "<text x=\"\(f(width / 2))\" y=\"14\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(attr.name)): metrics with \(HTML.number(100 * options.confidenceLevel, 0))% bootstrap intervals</text>\n"
        for ratio in [false, true] {
            let x0 = ratio ? left + panel + mid : left
            let r = ratio ? rRange : dRange
            let yb = top + Double(rows.count) * rowH
            s += "<rect x=\"\(f(x0))\" y=\"\(f(top - 4))\" width=\"\(f(panel))\" height=\"\(f(yb - top + 4))\" fill=\"none\" stroke=\"#ccd\"/>\n"
            if ratio {
                for (v, c) in [(0.8, "#cf222e"), (1.25, "#cf222e")] {
                    s += "<line x1=\"\(f(sx(v, ratio: true)))\" y1=\"\(f(top - 4))\" x2=\"\(f(sx(v, ratio: true)))\" y2=\"\(f(yb))\" stroke=\"\(c)\" stroke-dasharray=\"3 3\"/>"
                }
            } else {
                let t = options.oddsTolerance
                s += "<rect x=\"\(f(sx(-t, ratio: false)))\" y=\"\(f(top - 4))\" width=\"\(f(sx(t, ratio: false) - sx(-t, ratio: false)))\" height=\"\(f(yb - top + 4))\" fill=\"#dafbe1\" opacity=\"0.6\"/>"
            }
            let ideal = ratio ? 1.0 : 0.0
            s += "<line x1=\"\(f(sx(ideal, ratio: ratio)))\" y1=\"\(f(top - 4))\" x2=\"\(f(sx(ideal, ratio: ratio)))\" y2=\"\(f(yb))\" stroke=\"#556\"/>\n"
            for k in 0...4 {
                let v = r.0 + Double(k) / 4 * (r.1 - r.0)
                s += "<text x=\"\(f(sx(v, ratio: ratio)))\" y=\"\(f(yb + 12))\" text-anchor=\"middle\">\(HTML.number(v, 2))</text>"
            }
            s += "<text x=\"\(f(x0 + panel / 2))\" y=\"\(f(yb + 25))\" text-anchor=\"middle\">\(ratio ? "DI (ideal 1; four-fifths 0.8–1.25)" : "SPD / EOD / AOD (ideal 0)")</text>\n"
        }
        for (k, row) in rows.enumerated() {
            let y = top + Double(k) * rowH + rowH / 2
            let color = row.dim ? "#8c959f" : "#1f5fbf"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 3))\" text-anchor=\"end\" fill=\"\(row.dim ? "#8c959f" : "#222")\">\(HTML.escape(row.label))</text>"
            if let ci = row.ci, ci.low.isFinite || ci.high.isFinite {
                s += "<line x1=\"\(f(sx(ci.low.isNaN ? row.value : ci.low, ratio: row.isRatio)))\" y1=\"\(f(y))\" x2=\"\(f(sx(ci.high.isNaN ? row.value : ci.high, ratio: row.isRatio)))\" y2=\"\(f(y))\" stroke=\"\(color)\" stroke-width=\"1.6\"/>"
            }
            if row.value.isFinite {
                s += "<circle cx=\"\(f(sx(row.value, ratio: row.isRatio)))\" cy=\"\(f(y))\" r=\"3.2\" fill=\"\(color)\"/>"
            }
            s += "\n"
        }
        s += "</svg>"
        return s
    }

    static let palette = ["#1f5fbf", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b"]

    static func sweepCharts(_ attr: AttributeAudit, threshold: Double?) -> String {
        var approval: [SVGChart.Series] = attr.groups.enumerated().map { k, g in
            SVGChart.Series(name: g.group + (g.isPrivileged ? " (privileged)" : ""), points: attr.sweep.compactMap { p in
                p.groupApprovalRates[k].isFinite ? (p.threshold, p.groupApprovalRates[k]) : nil
            }, color: palette[k % palette.count], dashed: false, markers: false)
        }
        var metrics: [SVGChart.Series] = [
            .init(name: "SPD", points: attr.sweep.map { ($0.threshold, $0.spd) }.filter { $0.1.isFinite }, color: palette[0], dashed: false, markers: false),
            .init(name: "EOD", points: attr.sweep.map { ($0.threshold, $0.eod) }.filter { $0.1.isFinite }, color: palette[1], dashed: false, markers: false),
            .init(name: "AOD", points: attr.sweep.map { ($0.threshold, $0.aod) }.filter { $0.1.isFinite }, color: palette[2], dashed: false, markers: false),
            .init(name: "DP ratio (min/max)", points: attr.sweep.map { ($0.threshold, $0.demographicParityRatio) }.filter { $0.1.isFinite }, color: palette[3], dashed: true, markers: false),
        ]
        if let t = threshold {
            approval.append(.init(name: "operating cut-off", points: [(t, 0), (t, 1)], color: "#999", dashed: true, markers: false))
            metrics.append(.init(name: "operating cut-off", points: [(t, -0.5), (t, 1)], color: "#999", dashed: true, markers: false))
        }
        return SVGChart.lines(title: "Approval rate by group vs cut-off", xLabel: "approve when PD < cut-off", yLabel: "approval rate",
                              series: approval, width: 400, height: 300)
            + SVGChart.lines(title: "Fairness metrics vs cut-off (rest vs privileged)", xLabel: "approve when PD < cut-off", yLabel: "metric",
                             series: metrics, yRange: (-0.5, 1), width: 400, height: 300)
    }

    static func explanations(_ o: FairnessAuditOptions) -> String {
        let items: [(String, String)] = [
            ("Lens", "Approval is the favourable decision and repayment the favourable outcome. Every signed metric is the unprivileged group minus (or over) the privileged group, as in IBM aif360."),
            ("Approval rate, SPD, DI", "SPD (statistical parity difference) is the gap in approval rates; −0.10 means the unprivileged group is approved 10 points less often. DI (disparate impact) is the ratio of approval rates; 1 is parity."),
            ("Four-fifths rule", "Under the EEOC Uniform Guidelines (29 CFR 1607.4(D)) a group whose selection rate is below 80% of the highest group's rate is evidence of adverse impact. The per-group table flags every group below 0.8 × the highest approval rate."),
            ("EOD", "Equal opportunity difference: the gap in the share of creditworthy applicants (who repaid) that were approved. Negative: good payers in the unprivileged group are turned down more often."),
            ("AOD", "Average odds difference: the average of the gap among repayers (TPR) and the gap among defaulters (FPR, defaulters approved). It asks whether errors fall evenly on both groups."),
            ("Theil index", "An inequality index of individual benefit (approved defaulter 2, declined repayer 0, otherwise 1); 0 means every applicant is treated equally accurately. The between-group part is the inequality explained by the group alone."),
            ("fairlearn summaries", "Unsigned summaries over all groups: demographic-parity difference (highest minus lowest approval rate) and ratio (lowest over highest), equalized-odds difference (the larger of the TPR and FPR spreads) and ratio."),
            ("Tests", "Fisher's exact test and the chi-square test (no continuity correction) ask whether the approval rates of the two groups differ by more than chance. With many comparisons the Holm (1979) step-down correction keeps the chance of any false alarm at α = \(HTML.number(o.alpha, 2))."),
            ("Confidence intervals", "Percentile bootstrap (Efron & Tibshirani 1993) with \(o.bootstrapReplicates) resamples drawn within each group, seed \(o.seed): rerunning with the same seed gives the same intervals. An interval that excludes the ideal value (0, or 1 for DI) is a difference the sample size supports."),
            ("Small groups", "Groups with fewer than \(o.minGroupSize) applicants are flagged and never compared: their rates are too noisy to support a verdict."),
            ("Threshold sweep", "The charts recompute approval rates and metrics for every cut-off, so the effect of moving the operating point is visible before it is chosen."),
        ]
        var s = "<h2>What the metrics mean</h2>\n<dl>"
        for (t, d) in items { s += "<dt><b>\(HTML.escape(t))</b></dt><dd>\(HTML.escape(d))</dd>" }
        s += "</dl>\n<p class=\"muted\">References: Bellamy et al. (2018) AI Fairness 360; Bird et al. (2020) Fairlearn; 29 CFR 1607.4; Holm (1979); Efron &amp; Tibshirani (1993) An Introduction to the Bootstrap; Feng et al. (2023) CALM (bias audit with record-id joins).</p>\n"
        return s
    }

    /// Headless Chromium, when present: `$OBLIGOR_CHROMIUM`, else `chromium`, `chromium-browser`,
    /// `google-chrome` on `PATH`.
    public static func chromiumPath() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["OBLIGOR_CHROMIUM"], !p.isEmpty { return FileManager.default.isExecutableFile(atPath: p) ? p : nil }
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/" + name) { return d + "/" + name }
        }
        return nil
    }

    /// Prints the HTML file at `htmlPath` to `pdfPath` with headless Chromium
    /// (`--headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf`).
    /// - Returns: false when no Chromium is installed (PDF is optional).
    /// - Throws: ``PDFExportError`` when Chromium runs but writes no PDF.
    public static func writePDF(htmlPath: String, to pdfPath: String) throws -> Bool {
        guard let chromium = chromiumPath() else { return false }
        let html = URL(fileURLWithPath: htmlPath).standardizedFileURL
        let pdf = URL(fileURLWithPath: pdfPath).standardizedFileURL
        try? FileManager.default.removeItem(at: pdf)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", html.absoluteString]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw PDFExportError(description: "\(chromium) could not be started: \(error)") }
        p.waitUntilExit()
        guard FileManager.default.fileExists(atPath: pdf.path) else {
            throw PDFExportError(description: "\(chromium) exited with status \(p.terminationStatus) without writing \(pdf.path)")
        }
        return true
    }
}
