/// Minimal HTML building: escaping and a few element helpers. Output is deterministic.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func table(headers: [String], rows: [[String]], numericFrom: Int = 1) -> String {
        var s = "<table><thead><tr>" + headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows {
            s += "<tr>" + r.enumerated().map { k, v in
                if ["green", "yellow", "red"].contains(v) { return "<td class=\"\(v)\">● \(v)</td>" }   // traffic lights
                return k >= numericFrom ? "<td class=\"num\">\(escape(v))</td>" : "<td>\(escape(v))</td>"
            }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    static func number(_ x: Double, _ digits: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        return String(format: "%.\(digits)f", x)
    }

    static let style = """
    body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.4}
    h1{font-size:1.6em;border-bottom:2px solid #334;padding-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;color:#334}
    table{border-collapse:collapse;margin:.6em 0;font-size:.85em}th,td{border:1px solid #ccd;padding:3px 7px}
    th{background:#eef0f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
    .kpi{display:inline-block;margin:0 1.2em .6em 0;padding:.4em .8em;background:#f4f6fa;border-radius:6px}
    .kpi b{display:block;font-size:1.4em}.muted{color:#667;font-size:.85em}
    .green{color:#1a7f37}.yellow{color:#9a6700}.red{color:#cf222e}
    .charts{display:flex;flex-wrap:wrap;gap:1em}
    @page{size:A4;margin:15mm}
    """
}
