import Foundation

/// Renders a model as one SQLite `SELECT` over a table named `input` (an `id` column plus the
/// feature columns under their training names), returning the columns `id, pd`.
///
/// The statement uses `exp()`, part of SQLite's math functions (SQLite ≥ 3.35, enabled in the
/// standard builds of Debian, Homebrew and Python's `sqlite3`). Missing-value policies are
/// reproduced with `CASE`, so the SQL scores exactly what ``Scorer/predictPD(_:)`` scores, to
/// floating-point rounding (constants are written with 17 significant digits, which round-trip).
public enum SQLExport {
    /// The `SELECT` for a model whose log-odds are the SQL expression `eta`.
    public static func select(kind: String, linearPredictor eta: String) -> String {
        """
        -- obligor \(ObligorVersion.current): \(kind) model; reads table `input`, returns id, pd
        SELECT id,
          1.0 / (1.0 + exp(-(
            \(eta)
          ))) AS pd
        FROM input;
        """
    }

    /// The `SELECT` for a logistic model.
    public static func select(_ model: LogisticModel) -> String { select(kind: "logit", linearPredictor: logisticPredictor(model)) }

    /// The `SELECT` for a scorecard.
    public static func select(_ model: ScorecardModel) -> String { select(kind: "scorecard", linearPredictor: scorecardPredictor(model)) }

    public static func number(_ x: Double) -> String {
        let s = String(format: "%.17g", x)
        return s.contains(".") || s.contains("e") ? s : s + ".0"
    }

    public static func identifier(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    public static func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    static func missingTest(_ column: String, specials: [Double]) -> String {
        var t = "\(column) IS NULL"
        if !specials.isEmpty { t += " OR \(column) IN (\(specials.map(number).joined(separator: ", ")))" }
        return t
    }

    static func logisticPredictor(_ m: LogisticModel) -> String {
        var terms = [number(m.fit.coefficients[0])]
        var k = 1
        for f in m.encoder.features {
            let col = identifier(f.name)
            switch f.kind {
            case .numeric:
                let value: String
                if let fill = f.fill {
                    value = "(CASE WHEN \(missingTest(col, specials: f.specialValues)) THEN \(number(fill)) ELSE \(col) END)"
                } else {
                    value = col   // missing propagates as NULL: no PD for that row
                }
                terms.append("\(number(m.fit.coefficients[k])) * \(value)")
                k += 1
                if f.missingIndicator {
                    terms.append("\(number(m.fit.coefficients[k])) * (CASE WHEN \(missingTest(col, specials: f.specialValues)) THEN 1 ELSE 0 END)")
                    k += 1
                }
            case .categorical:
                for level in f.dummies {
                    terms.append("\(number(m.fit.coefficients[k])) * (CASE WHEN \(col) = \(literal(level)) THEN 1 ELSE 0 END)")
                    k += 1
                }
                if f.missingDummy {
                    terms.append("\(number(m.fit.coefficients[k])) * (CASE WHEN \(col) IS NULL THEN 1 ELSE 0 END)")
                    k += 1
                }
            }
        }
        return terms.joined(separator: "\n            + ")
    }

    static func scorecardPredictor(_ m: ScorecardModel) -> String {
        var terms = [number(m.intercept)]
        for c in m.characteristics {
            let col = identifier(c.name)
            var cases: [String] = []
            let missingWoE = c.missingBin.map { c.bins[$0].woe } ?? 0
            switch c.kind {
            case .numeric:
                cases.append("WHEN \(missingTest(col, specials: c.specialValues)) THEN \(number(missingWoE))")
                for (k, e) in c.edges.enumerated() { cases.append("WHEN \(col) < \(number(e)) THEN \(number(c.bins[k].woe))") }
                cases.append("ELSE \(number(c.bins[c.edges.count].woe))")
            case .categorical:
                cases.append("WHEN \(col) IS NULL THEN \(number(missingWoE))")
                for (k, b) in c.bins.enumerated() where k != c.otherBin && k != c.missingBin {
                    cases.append("WHEN \(col) IN (\((b.levels ?? []).map(literal).joined(separator: ", "))) THEN \(number(b.woe))")
                }
                cases.append("ELSE \(number(c.otherBin.map { c.bins[$0].woe } ?? 0))")
            }
            terms.append("\(number(c.coefficient)) * (CASE \(cases.joined(separator: " ")) END)")
        }
        return terms.joined(separator: "\n            + ")
    }
}
