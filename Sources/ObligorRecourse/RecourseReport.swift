import Foundation
import ObligorData

/// A self-contained HTML report of a recourse verification (no scripts; inline SVG).
public enum RecourseReport {
    /// Renders the report.
    /// - Parameters:
    ///   - summary: the verification outcome.
    ///   - space: the bound action set it used.
    ///   - ids: a label per row (record ids or row numbers), for the tables.
    ///   - groups: recourse rates by group, if any attributes were given.
    public static func html(title: String, modelName: String, dataLabel: String, summary: RecourseSummary, space: BoundActionSet,
                            ids: [String], groups: [RecourseGroupRate]) -> String {
        let c = summary.counts
        let denied = summary.rows.count - (c[.approved] ?? 0)
        let sizes = summary.rows.filter { $0.verdict != .approved }.map(\.reachableSize)
        let finite = sizes.filter(\.isFinite)
        let meanSize = finite.isEmpty ? Double.nan : finite.reduce(0, +) / Double(finite.count)
        var s = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(esc(title))</title><style>\(style)</style></head><body>\n"
        s += "<h1>\(esc(title))</h1>\n"
        s += "<p class=\"muted\">Model <b>\(esc(modelName))</b> · data <b>\(esc(dataLabel))</b> · action set <b>\(esc(space.actionSet.name))</b> · "
        s += "method <b>\(summary.method)</b> · \(esc(thresholdText(summary))) · "
        s += "\(String(format: "%.3f", summary.seconds)) s</p>\n"
        s += "<div>" + kpi("rows", "\(summary.rows.count)") + kpi("denied", "\(denied)") + kpi("recourse", "\(c[.recourse] ?? 0)")
        s += kpi("fixed (no recourse)", "\(c[.noRecourse] ?? 0)", cls: (c[.noRecourse] ?? 0) > 0 ? "red" : "green")
        s += kpi("abstain", "\(c[.abstain] ?? 0)", cls: (c[.abstain] ?? 0) > 0 ? "yellow" : "") + kpi("mean |R(x)| of denied", num(meanSize, 1)) + "</div>\n"
        s += "<p>A denied applicant has <b>recourse</b> when some action allowed by the action set reaches approval; the witness is shown. "
        s += "<b>Fixed</b> means the verifier proved that no reachable point is approved: the model locks the applicant out whatever they do. "
        s += "<b>Abstain</b> means the search budget ran out first.</p>\n"

        s += "<h2>Action set: independent groups of features</h2>\n"
        var partRows: [[String]] = []
        for (k, p) in space.parts.enumerated() {
            let feats = p.features.map { j -> String in
                let f = space.features[j]
                var d = "\(f.name) (\(f.type.rawValue)\(f.actionable ? "" : ", immutable")"
                if f.actionable && f.stepDirection != 0 { d += f.stepDirection > 0 ? ", up only" : ", down only" }
                if f.stepUB.isFinite { d += ", step ≤ \(formatDouble(f.stepUB))" }
                return d + ")"
            }
            partRows.append(["\(k)", feats.joined(separator: "; "), p.constraints.map { space.constraints[$0].label }.joined(separator: "; "),
                             p.isInterval ? "interval" : "enumerated"])
        }
        s += table(["group", "features", "constraints", "reachable values"], partRows, numericFrom: 9)

        let fixed = summary.rows.filter { $0.verdict == .noRecourse }
        s += "<h2>Fixed predictions (\(fixed.count))</h2>\n"
        if fixed.isEmpty {
            s += "<p class=\"green\">Every denied applicant has recourse (or the verifier abstained).</p>\n"
        } else {
            var rows: [[String]] = []
            for r in fixed {
                let e = r.explanation
                let blockers = e?.immutableBlockers.filter(\.restoresRecourse).map { "\($0.feature) \(formatDouble($0.value)) → \(formatDouble($0.bestValue))" } ?? []
                let relax = e?.relaxations.first?.description ?? "—"
                let helpful = e?.groups.filter { $0.bestChange < 0 }.map { "\($0.features.joined(separator: "+")) \(num($0.bestChange, 3))" } ?? []
                rows.append([ids[r.row], num(r.probability, 4), num(r.bestProbability ?? .nan, 4), num(e?.gap ?? .nan, 3),
                             helpful.isEmpty ? "none can help" : helpful.joined(separator: "; "),
                             blockers.isEmpty ? "—" : blockers.joined(separator: "; "), relax])
            }
            s += table(["row", "probability", "best reachable", "gap (loss units)", "groups that help (best change)",
                        "immutable features that block", "smallest relaxation that restores recourse"], rows, numericFrom: 1)
            s += "<p class=\"muted\">Gap: how far the best reachable point stays from the threshold (log-odds for linear and tree models). "
            s += "An immutable feature blocks recourse when giving it the most favourable value seen in the data, at the best reachable point, "
            s += "would restore approval. Relaxations are single changes to the action set, smallest first.</p>\n"
        }

        if !groups.isEmpty {
            s += "<h2>Recourse by group</h2>\n"
            var rows: [[String]] = []
            for g in groups {
                rows.append([g.attribute, g.group, "\(g.n)", "\(g.denied)", "\(g.recourse)", "\(g.fixed)", num(g.recourseRate, 3), num(g.fixedShare, 3),
                             g.pValue.map { num($0, 4) } ?? "—"])
            }
            s += table(["attribute", "group", "n", "denied", "recourse", "fixed", "recourse rate (of denied)", "fixed share (of all)",
                        "Fisher p (fixed vs rest)"], rows, numericFrom: 2)
            s += bars(groups)
        }

        let withRecourse = summary.rows.filter { $0.verdict == .recourse }
        s += "<h2>Witness actions (first \(min(25, withRecourse.count)) of \(withRecourse.count))</h2>\n"
        var wrows: [[String]] = []
        for r in withRecourse.prefix(25) {
            let w = (r.witness ?? []).map { "\($0.feature): \(formatDouble($0.from)) → \(formatDouble($0.to))" }.joined(separator: "; ")
            wrows.append([ids[r.row], num(r.probability, 4), num(r.bestProbability ?? .nan, 4), w, num(r.cost ?? .nan, 0), formatDouble(r.reachableSize)])
        }
        s += table(["row", "probability", "after action", "action", "cost Σ|a|", "|R(x)|"], wrows, numericFrom: 1)
        s += "<h2>Method</h2><p class=\"muted\">Reachable sets are enumerated per independent group of features with reachml's semantics "
        s += "(Kothari et al., ICLR 2024) and never multiplied out. Linear and scorecard models are verified exactly by each group's best contribution; "
        s += "tree ensembles by branch and bound over groups with per-tree bounds, continuous features cut at the trees' split thresholds; "
        s += "any other model by exhaustive search within a budget. Every witness is re-scored by the model's own code.</p>\n"
        return s + "</body></html>\n"
    }

    static func thresholdText(_ s: RecourseSummary) -> String {
        s.approveAbove ? "approve when P(good) > \(formatDouble(s.threshold))" : "approve when PD < \(formatDouble(s.threshold))"
    }

    static func bars(_ groups: [RecourseGroupRate]) -> String {
        let w = 560.0, rowH = 22.0, left = 220.0
        let h = rowH * Double(groups.count) + 30
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"11\">\n"
        s += "<text x=\"\(Int(left))\" y=\"14\" font-weight=\"bold\">recourse rate among denied applicants</text>\n"
        for (k, g) in groups.enumerated() {
            let y = 22 + Double(k) * rowH
            let v = g.recourseRate.isFinite ? g.recourseRate : 0
            s += "<text x=\"\(Int(left - 6))\" y=\"\(Int(y + 14))\" text-anchor=\"end\">\(esc(g.attribute)) = \(esc(g.group))</text>"
            s += "<rect x=\"\(Int(left))\" y=\"\(Int(y + 3))\" width=\"\(String(format: "%.1f", v * (w - left - 60)))\" height=\"14\" fill=\"#4c72b0\"/>"
            s += "<text x=\"\(String(format: "%.1f", left + v * (w - left - 60) + 4))\" y=\"\(Int(y + 14))\">\(num(g.recourseRate, 3))</text>\n"
        }
        return s + "</svg>\n"
    }

    static func kpi(_ label: String, _ value: String, cls: String = "") -> String {
        "<span class=\"kpi\"><b class=\"\(cls)\">\(esc(value))</b>\(esc(label))</span>"
    }

    static func table(_ headers: [String], _ rows: [[String]], numericFrom: Int) -> String {
        var s = "<table><thead><tr>" + headers.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows {
            s += "<tr>" + r.enumerated().map { k, v in k >= numericFrom ? "<td class=\"num\">\(esc(v))</td>" : "<td>\(esc(v))</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    static func num(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "—" : (x > 0 ? "∞" : "−∞") }
        return String(format: "%.\(digits)f", x)
    }

    static func esc(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }

    static let style = """
    body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1150px;margin:2em auto;color:#222;line-height:1.4}
    h1{font-size:1.6em;border-bottom:2px solid #334;padding-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;color:#334}
    table{border-collapse:collapse;margin:.6em 0;font-size:.85em}th,td{border:1px solid #ccd;padding:3px 7px;vertical-align:top}
    th{background:#eef0f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
    .kpi{display:inline-block;margin:0 1.2em .6em 0;padding:.4em .8em;background:#f4f6fa;border-radius:6px}
    .kpi b{display:block;font-size:1.4em}.muted{color:#667;font-size:.85em}.green{color:#1a7f37}.yellow{color:#9a6700}.red{color:#cf222e}
    """
}
