import Foundation
import ObligorBoosting
import ObligorModels

/// PMML 4.4 export of scorecards and tree ensembles (`obligor model export --format pmml`).
///
/// Both documents compute the margin (log-odds) and expose the PD as the output field `pd`, so an
/// independent evaluator reproduces our PDs (bench/pmml/check.py runs pypmml against `score`).
/// - Scorecard: one derived field per characteristic holding β·WoE of the row's bin (Discretize
///   for numeric bins, MapValues for categories), special values and missing values mapped to the
///   missing bin's value (or 0 when training saw no missing value, as in our scoring), unseen
///   categories to the `<other>` bin (or 0); a logit RegressionModel sums them with the intercept.
/// - GBDT: a MiningModel summing TreeModels (Targets rescaleConstant = base margin). Each numeric
///   input is first cleaned so that its special values become missing, and each categorical input
///   (through an identity MapValues) so that labels never seen in training become missing, exactly as
///   ``RawFeatures`` does; a
///   missing value follows each split's default child (`missingValueStrategy="defaultChild"`).
/// Numbers are written in Swift's shortest round-trip form, so the evaluator parses the exact doubles.
public enum PMMLExport {
    public static func document(_ model: AnyModel) throws -> String {
        switch model {
        case let .scorecard(m): return scorecard(m)
        case let .gbdt(m): return trees(m)
        default: throw ModelError.unsupportedFormat("PMML export covers scorecard and gbdt models; this model is \(model.kind)")
        }
    }

    static func esc(_ s: String) -> String {
        var o = ""
        for ch in s {
            switch ch {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&apos;"
            default: o.append(ch)
            }
        }
        return o
    }

    static func num(_ x: Double) -> String { "\(x)" }

    static func header(_ description: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
          <Header description="\(esc(description))"><Application name="obligor" version="\(ObligorVersion.current)"/></Header>

        """
    }

    static let pdOutput = """
          <Output>
            <OutputField name="margin" optype="continuous" dataType="double" feature="predictedValue"/>
            <OutputField name="pd" optype="continuous" dataType="double" feature="transformedValue">
              <Apply function="/"><Constant dataType="double">1</Constant><Apply function="+"><Constant dataType="double">1</Constant><Apply function="exp"><Apply function="*"><Constant dataType="double">-1</Constant><FieldRef field="margin"/></Apply></Apply></Apply></Apply>
            </OutputField>
          </Output>

    """

    // MARK: Scorecard

    static func scorecard(_ m: ScorecardModel) -> String {
        var x = header("obligor scorecard (target \(m.target)); output pd = P(default)")
        x += "  <DataDictionary numberOfFields=\"\(m.characteristics.count)\">\n"
        for c in m.characteristics {
            x += c.kind == .numeric ? "    <DataField name=\"\(esc(c.name))\" optype=\"continuous\" dataType=\"double\"/>\n"
                : "    <DataField name=\"\(esc(c.name))\" optype=\"categorical\" dataType=\"string\"/>\n"
        }
        x += "  </DataDictionary>\n"
        x += "  <RegressionModel functionName=\"regression\" modelName=\"scorecard\">\n    <MiningSchema>\n"
        for c in m.characteristics { x += "      <MiningField name=\"\(esc(c.name))\" invalidValueTreatment=\"asIs\"/>\n" }
        x += "    </MiningSchema>\n"
        x += pdOutput
        x += "    <LocalTransformations>\n"
        for (j, c) in m.characteristics.enumerated() {
            let value = c.bins.map { c.coefficient * $0.woe }
            let missing = c.missingBin.map { value[$0] } ?? 0
            let name = esc(c.name)
            x += "      <DerivedField name=\"c\(j)\" optype=\"continuous\" dataType=\"double\">\n"
            switch c.kind {
            case .numeric:
                var disc = "<Discretize field=\"\(name)\" mapMissingTo=\"\(num(missing))\" dataType=\"double\">"
                for k in 0...c.edges.count {
                    let lo = k == 0 ? "" : " leftMargin=\"\(num(c.edges[k - 1]))\""
                    let hi = k == c.edges.count ? "" : " rightMargin=\"\(num(c.edges[k]))\""
                    disc += "<DiscretizeBin binValue=\"\(num(value[k]))\"><Interval closure=\"closedOpen\"\(lo)\(hi)/></DiscretizeBin>"
                }
                disc += "</Discretize>"
                if c.specialValues.isEmpty {
                    x += "        \(disc)\n"
                } else {
                    let specials = c.specialValues.map { "<Constant dataType=\"double\">\(num($0))</Constant>" }.joined()
                    x += "        <Apply function=\"if\" mapMissingTo=\"\(num(missing))\"><Apply function=\"isIn\"><FieldRef field=\"\(name)\"/>\(specials)</Apply>"
                        + "<Constant dataType=\"double\">\(num(missing))</Constant>\(disc)</Apply>\n"
                }
            case .categorical:
                let other = c.otherBin.map { value[$0] } ?? 0
                x += "        <MapValues outputColumn=\"v\" mapMissingTo=\"\(num(missing))\" defaultValue=\"\(num(other))\" dataType=\"double\">"
                x += "<FieldColumnPair field=\"\(name)\" column=\"k\"/><InlineTable>"
                for (k, b) in c.bins.enumerated() where k != c.missingBin {
                    for l in b.levels ?? [] { x += "<row><k>\(esc(l))</k><v>\(num(value[k]))</v></row>" }
                }
                x += "</InlineTable></MapValues>\n"
            }
            x += "      </DerivedField>\n"
        }
        x += "    </LocalTransformations>\n"
        x += "    <RegressionTable intercept=\"\(num(m.intercept))\">\n"
        for j in m.characteristics.indices { x += "      <NumericPredictor name=\"c\(j)\" coefficient=\"1\"/>\n" }
        x += "    </RegressionTable>\n  </RegressionModel>\n</PMML>\n"
        return x
    }

    // MARK: Trees

    static func trees(_ m: GBDTModel) -> String {
        var x = header("obligor gbdt (\(m.trees.count) trees, source \(m.source)); output pd = P(default)")
        x += "  <DataDictionary numberOfFields=\"\(m.features.count)\">\n"
        for f in m.features {
            x += f.kind == .numeric ? "    <DataField name=\"\(esc(f.name))\" optype=\"continuous\" dataType=\"double\"/>\n"
                : "    <DataField name=\"\(esc(f.name))\" optype=\"categorical\" dataType=\"string\"/>\n"
        }
        x += "  </DataDictionary>\n"
        // Cleaned inputs: special values and unseen categories become missing.
        x += "  <TransformationDictionary>\n"
        for (j, f) in m.features.enumerated() {
            let name = esc(f.name)
            if f.kind == .numeric {
                x += "    <DerivedField name=\"x\(j)\" optype=\"continuous\" dataType=\"double\">"
                if f.specialValues.isEmpty {
                    x += "<FieldRef field=\"\(name)\"/>"
                } else {
                    let specials = f.specialValues.map { "<Constant dataType=\"double\">\(num($0))</Constant>" }.joined()
                    x += "<Apply function=\"if\"><Apply function=\"isNotIn\"><FieldRef field=\"\(name)\"/>\(specials)</Apply><FieldRef field=\"\(name)\"/></Apply>"
                }
            } else {
                x += "    <DerivedField name=\"x\(j)\" optype=\"categorical\" dataType=\"string\">"
                // Identity map over the training categories; any other label has no row and no default, so it is missing.
                x += "<MapValues outputColumn=\"o\" dataType=\"string\"><FieldColumnPair field=\"\(name)\" column=\"i\"/><InlineTable>"
                x += f.categories.map { "<row><i>\(esc($0))</i><o>\(esc($0))</o></row>" }.joined()
                x += "</InlineTable></MapValues>"
            }
            x += "</DerivedField>\n"
        }
        x += "  </TransformationDictionary>\n"
        x += "  <MiningModel functionName=\"regression\" modelName=\"gbdt\">\n    <MiningSchema>\n"
        for f in m.features { x += "      <MiningField name=\"\(esc(f.name))\" invalidValueTreatment=\"asIs\"/>\n" }
        x += "    </MiningSchema>\n"
        x += pdOutput
        x += "    <Targets><Target rescaleConstant=\"\(num(m.baseScore))\"/></Targets>\n"
        x += "    <Segmentation multipleModelMethod=\"sum\">\n"
        for (ti, t) in m.trees.enumerated() {
            x += "      <Segment id=\"\(ti + 1)\"><True/>\n"
            x += "        <TreeModel functionName=\"regression\" missingValueStrategy=\"defaultChild\" noTrueChildStrategy=\"returnLastPrediction\" splitCharacteristic=\"binarySplit\">\n"
            x += "          <MiningSchema>"
            for f in m.features { x += "<MiningField name=\"\(esc(f.name))\"/>" }
            x += "</MiningSchema>\n"
            var ids = 0
            func nodeID() -> Int { ids += 1; return ids }
            // Writes the subtree `node` (an internal index, or ~leaf) under `predicate`.
            func write(_ node: Int, predicate: String, indent: String) -> String {
                let id = nodeID()
                if node < 0 {
                    return "\(indent)<Node id=\"\(id)\" score=\"\(num(t.leafValue[~node]))\">\(predicate)</Node>\n"
                }
                let f = t.splitFeature[node]
                let field = "x\(f)"
                var leftP: String, rightP: String
                if let cats = t.categoriesLeft[node] {
                    let labels = cats.filter { $0 < m.features[f].categories.count }.map { pmmlString(m.features[f].categories[$0]) }.joined(separator: " ")
                    leftP = "<SimpleSetPredicate field=\"\(field)\" booleanOperator=\"isIn\"><Array type=\"string\">\(labels)</Array></SimpleSetPredicate>"
                    rightP = "<SimpleSetPredicate field=\"\(field)\" booleanOperator=\"isNotIn\"><Array type=\"string\">\(labels)</Array></SimpleSetPredicate>"
                } else {
                    let th = num(t.threshold[node])
                    leftP = "<SimplePredicate field=\"\(field)\" operator=\"\(t.strictLess[node] ? "lessThan" : "lessOrEqual")\" value=\"\(th)\"/>"
                    rightP = "<SimplePredicate field=\"\(field)\" operator=\"\(t.strictLess[node] ? "greaterOrEqual" : "greaterThan")\" value=\"\(th)\"/>"
                }
                let inner = indent + "  "
                let leftID = ids + 1
                let left = write(t.left[node], predicate: leftP, indent: inner)
                let rightID = ids + 1
                let right = write(t.right[node], predicate: rightP, indent: inner)
                return "\(indent)<Node id=\"\(id)\" defaultChild=\"\(t.defaultLeft[node] ? leftID : rightID)\">\(predicate)\n\(left)\(right)\(indent)</Node>\n"
            }
            x += write(t.nodeCount == 0 ? ~0 : 0, predicate: "<True/>", indent: "          ")
            x += "        </TreeModel>\n      </Segment>\n"
        }
        x += "    </Segmentation>\n  </MiningModel>\n</PMML>\n"
        return x
    }

    /// A PMML Array string item: quoted, with inner quotes and backslashes escaped, XML-escaped.
    static func pmmlString(_ s: String) -> String {
        "\"" + esc(s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")) + "\""
    }
}
