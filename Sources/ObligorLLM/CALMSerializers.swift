import Foundation

/// One serialised applicant before it gets a split position.
public struct CALMExample: Sendable, Equatable {
    /// 0-based row of the source.
    public let sourceRow: Int
    /// The serialised applicant.
    public let text: String
    /// The gold answer word.
    public let answer: String
    /// CALM's gold index.
    public let gold: Int
}

extension CALMDataset {
    /// The shipped raw data (German, Australian).
    public func shippedSource() throws -> CALMSource {
        guard let name = shippedResource else {
            throw CALMError("\(rawValue): no raw data ships with Obligor (licence / size); pass --data FILE with columns: \(requiredColumns.joined(separator: ", "))")
        }
        return try source(text: self == .german ? ShippedData.german : ShippedData.australian, label: name)
    }

    /// Parses raw data in this dataset's layout (space separated for German/Australian, ARFF for a
    /// `.arff` Polish file, CSV with a header otherwise).
    public func source(text: String, label: String) throws -> CALMSource {
        switch self {
        case .german: return try CALMSource.whitespace(text: text, label: label, fields: 21)
        case .australian: return try CALMSource.whitespace(text: text, label: label, fields: 15)
        case .polish where label.lowercased().hasSuffix(".arff"): return try CALMSource.arff(text: text, label: label)
        default: return try CALMSource.csv(text: text, label: label)
        }
    }

    /// Reads `--data FILE` in this dataset's layout.
    public func source(path: String) throws -> CALMSource {
        guard let data = FileManager.default.contents(atPath: path) else { throw CALMError("\(path): cannot be read") }
        return try source(text: String(decoding: data, as: UTF8.self), label: path)
    }

    /// CALM's serialisation of every usable row of `source`, in file order. Lending Club keeps only
    /// "Fully Paid" / "Charged Off" loans, as CALM does; every other dataset keeps all rows.
    public func examples(from s: CALMSource) throws -> [CALMExample] {
        switch self {
        case .german: return try germanExamples(s)
        case .australian: return try australianExamples(s)
        case .lendingclub: return try lendingClubExamples(s)
        case .ccf: return try ccfExamples(s)
        case .ccfraud: return try ccFraudExamples(s)
        case .polish: return try polishExamples(s)
        case .taiwan: return try taiwanExamples(s)
        case .portoseguro: return try portoExamples(s)
        case .travelinsurance: return try travelExamples(s)
        }
    }

    /// The records of one split (or of all rows, ids = row positions, when `split` is nil), exactly as
    /// CALM numbers them: the seed-10086 split is drawn over the usable rows in file order.
    public func records(from s: CALMSource, split: CALMSplitName?) throws -> [CALMRecord] {
        let ex = try examples(from: s)
        let order = split.map { CALMSplit(rows: ex.count).indices($0) } ?? Array(0..<ex.count)
        return order.enumerated().map { id, i in
            CALMRecord(id: id, query: query(text: ex[i].text), answer: ex[i].answer, choices: choices,
                       gold: ex[i].gold, text: ex[i].text, sourceRow: ex[i].sourceRow)
        }
    }

    // MARK: - Serialisers

    private func binary(_ s: CALMSource, _ row: Int, _ col: Int, _ allowed: [String: Int]) throws -> Int {
        let v = s.rows[row][col].trimmingCharacters(in: .whitespaces)
        if let k = allowed[v] { return k }
        if let d = Double(v), let k = allowed[String(Int(d))], Double(Int(d)) == d { return k }
        let name = s.header.map { "column '\($0[col])'" } ?? "column \(col + 1)"
        throw CALMError("\(s.locate(row)), \(name): label '\(v)' is not one of \(allowed.keys.sorted().joined(separator: ", "))")
    }

    /// Python `str()` of a value pandas would read as a number: integers stay integers, other values
    /// print as Python floats.
    private func pythonNumber(_ s: CALMSource, _ row: Int, _ col: Int) throws -> String {
        let raw = s.rows[row][col].trimmingCharacters(in: .whitespaces)
        if let i = Int(raw) { return String(i) }
        return pythonFloatRepr(try s.number(row, col))
    }

    private func germanExamples(_ s: CALMSource) throws -> [CALMExample] {
        try s.rows.indices.map { r in
            var text = ""
            for k in 0..<20 {
                let code = s.rows[r][k]
                var value = code
                if code.hasPrefix("A") {
                    guard let v = GermanCodebook.values[code] else {
                        throw CALMError("\(s.locate(r)), column \(k + 1): unknown code '\(code)'")
                    }
                    value = v
                }
                text += "The state of " + GermanCodebook.names[k] + " is " + value + ". "
            }
            let y = try binary(s, r, 20, ["1": 1, "2": 2])
            return CALMExample(sourceRow: r, text: text, answer: y == 1 ? "good" : "bad", gold: y - 1)
        }
    }

    private func australianExamples(_ s: CALMSource) throws -> [CALMExample] {
        try s.rows.indices.map { r in
            var text = "The client has attributes:"
            for k in 0..<14 {
                text += " A\(k + 1): " + pythonFloatRepr(try s.number(r, k)) + (k == 13 ? "." : ",")
            }
            let y = try binary(s, r, 14, ["0": 0, "1": 1])
            return CALMExample(sourceRow: r, text: text, answer: y == 1 ? "good" : "bad", gold: y == 1 ? 0 : 1)
        }
    }

    private func lendingClubExamples(_ s: CALMSource) throws -> [CALMExample] {
        let cols = try Self.lendingClubColumns.map { try s.column([$0]) }
        let status = try s.column(["loan_status"])
        var out: [CALMExample] = []
        for r in s.rows.indices {
            let st = s.rows[r][status]
            guard st == "Fully Paid" || st == "Charged Off" else { continue }
            var text = "The client has attributes as follows: "
            for (i, c) in cols.enumerated() {
                let raw = s.rows[r][c]
                var v: String
                if raw.trimmingCharacters(in: .whitespaces).isEmpty { v = "nan" }
                else if Self.lendingClubText.contains(Self.lendingClubColumns[i]) { v = raw }
                else if let d = Double(raw.trimmingCharacters(in: .whitespaces)) { v = pythonFloatRepr(d) }
                else { v = raw }
                if i == 3 || i == 12 { v += "%" }
                text += "The state of \(Self.lendingClubNames[i]) is \(v)" + (i == cols.count - 1 ? "." : ". ")
            }
            let good = st == "Fully Paid"
            out.append(CALMExample(sourceRow: r, text: text, answer: good ? "good" : "bad", gold: good ? 0 : 1))
        }
        return out
    }

    private func ccfExamples(_ s: CALMSource) throws -> [CALMExample] {
        let names = (1...28).map { "V\($0)" } + ["Amount"]
        let cols = try names.map { try s.column([$0]) }
        let cls = try s.column(["Class"])
        return try s.rows.indices.map { r in
            var text = "The client has attributes: "
            for (i, c) in cols.enumerated() {
                text += "\(names[i]): " + fixed(try s.number(r, c), 3) + (i == cols.count - 1 ? "." : ", ")
            }
            let y = try binary(s, r, cls, ["0": 0, "1": 1])
            return CALMExample(sourceRow: r, text: text, answer: y == 0 ? "no" : "yes", gold: y)
        }
    }

    private func ccFraudExamples(_ s: CALMSource) throws -> [CALMExample] {
        let cols = try Self.ccFraudColumns.map { try s.column([$0]) }
        let y = try s.column(["fraudRisk"])
        return try s.rows.indices.map { r in
            // CALM's defect, kept: `str(gender) == 1` is never true, so every client "is a female".
            var text = "The client is a female, "
            for i in 1..<cols.count {
                text += "the \(Self.ccFraudNames[i]) is " + (try pythonNumber(s, r, cols[i])) + (i == cols.count - 1 ? "." : ", ")
            }
            let label = try binary(s, r, y, ["0": 0, "1": 1])
            return CALMExample(sourceRow: r, text: text, answer: label == 0 ? "good" : "bad", gold: label)
        }
    }

    private func polishExamples(_ s: CALMSource) throws -> [CALMExample] {
        guard let header = s.header, header.count == 65 else {
            throw CALMError("\(s.label): Polish needs 64 attribute columns and the class (65 columns), found \(s.header?.count ?? 0)")
        }
        return try s.rows.indices.map { r in
            var text = "The client has attributes: "
            for i in 0..<64 {
                let raw = s.rows[r][i].trimmingCharacters(in: .whitespaces)
                let v = (raw == "?" || raw.isEmpty || raw == "NA" || raw.lowercased() == "nan") ? "None" : pythonFloatRepr(try s.number(r, i))
                text += "\(PolishNames.all[i]): \(v)" + (i == 63 ? "." : ", ")
            }
            let y = try binary(s, r, 64, ["0": 0, "1": 1])
            return CALMExample(sourceRow: r, text: text, answer: y == 0 ? "no" : "yes", gold: y)
        }
    }

    private func taiwanExamples(_ s: CALMSource) throws -> [CALMExample] {
        guard let header = s.header, header.count >= 2 else { throw CALMError("\(s.label): Taiwan needs the target column and the features") }
        return try s.rows.indices.map { r in
            var text = "The client has attributes: "
            for i in 1..<header.count {
                // CALM's off-by-one, kept: value i is labelled with column i − 1's name.
                text += "\(header[i - 1]): " + fixed(try s.number(r, i), 3) + (i == header.count - 1 ? "." : ", ")
            }
            let y = try binary(s, r, 0, ["0": 0, "1": 1])
            return CALMExample(sourceRow: r, text: text, answer: y == 0 ? "no" : "yes", gold: y)
        }
    }

    private func portoExamples(_ s: CALMSource) throws -> [CALMExample] {
        guard let header = s.header else { throw CALMError("\(s.label): a header line is required") }
        let target = try s.column(["target"])
        let features = header.indices.filter { $0 != target && header[$0] != "id" }
        return try s.rows.indices.map { r in
            var text = "The client has attributes: "
            for (k, c) in features.enumerated() {
                // pandas upcasts the all-numeric frame to float64: str(v) when it has ≤ 4 characters, else %.2f.
                let v = try s.number(r, c)
                let str = pythonFloatRepr(v)
                text += "\(header[c]): " + (str.count <= 4 ? str : fixed(v, 2)) + (k == features.count - 1 ? "." : ", ")
            }
            let y = try binary(s, r, target, ["0": 0, "1": 1])
            return CALMExample(sourceRow: r, text: text, answer: y == 0 ? "no" : "yes", gold: y == 1 ? 0 : 1)
        }
    }

    private func travelExamples(_ s: CALMSource) throws -> [CALMExample] {
        let agency = try s.column(["Agency"]), type = try s.column(["Agency Type"])
        let channel = try s.column(["Distribution Channel"]), product = try s.column(["Product Name"])
        let claim = try s.column(["Claim", "Claim Status"]), duration = try s.column(["Duration"])
        let dest = try s.column(["Destination"]), sales = try s.column(["Net Sales"])
        let commission = try s.column(["Commission", "Commision (in value)", "Commission (in value)"])
        let age = try s.column(["Age"])
        // CALM's preparation: Duration > 731 → 731; Duration < 1 → int(mean Duration); Age > 99 → 99.
        func integer(_ r: Int, _ c: Int) throws -> Int {
            let v = try s.number(r, c)
            guard v == v.rounded() else { throw CALMError("\(s.locate(r)), column '\(s.header![c])': '\(s.rows[r][c])' is not a whole number") }
            return Int(v)
        }
        var durations = try s.rows.indices.map { min(try integer($0, duration), 731) }
        let mean = durations.isEmpty ? 0 : Int((Double(durations.reduce(0, +)) / Double(durations.count)).rounded(.towardZero))
        durations = durations.map { $0 < 1 ? mean : $0 }
        return try s.rows.indices.map { r in
            let f = s.rows[r]
            let text = "The insurance company has attributes: Agency: \(f[agency]), Agency Type: \(f[type]), Distribution Channel: \(f[channel]), "
                + "Product Name: \(f[product]), Duration: \(durations[r]), Destination: \(f[dest]), Net Sales: \(f[sales]), "
                + "Commission: \(f[commission]), Age: \(min(try integer(r, age), 99))."
            let y = try binary(s, r, claim, ["No": 0, "Yes": 1])
            return CALMExample(sourceRow: r, text: text, answer: y == 1 ? "yes" : "no", gold: y == 1 ? 0 : 1)
        }
    }
}

/// German attribute names and code meanings as CALM's German serialiser writes them (including the
/// leading space of " Other debtors or guarantors" and the double spaces inside some values).
enum GermanCodebook {
    static let names = [
        "Status of existing checking account", "Duration in month", "Credit history", "Purpose", "Credit amount",
        "Savings account or bonds", "Present employment since", "Installment rate in percentage of disposable income",
        "Personal status and sex", " Other debtors or guarantors", "Present residence since", "Property", "Age in years",
        "Other installment plans", "Housing", "Number of existing credits at this bank", "Job",
        "Number of people being liable to provide maintenance for", "Telephone", "foreign worker",
    ]
    /// A47 (vacation) and A95 (female single) never occur in german.data; their wording is Obligor's.
    static let values: [String: String] = [
        "A11": "smaller than 0 DM", "A12": "bigger than 0 DM but smaller than 200 DM",
        "A13": "bigger than 200 DM OR salary assignments for at least 1 year", "A14": "no checking account",
        "A30": "no credits taken or all credits paid back duly", "A31": "all credits at this bank paid back duly",
        "A32": "existing credits paid back duly till now", "A33": "delay in paying off in the past",
        "A34": "critical account or other credits existing (not at this bank)",
        "A40": "car (new)", "A41": "car (used)", "A42": "furniture or equipment", "A43": "radio or television",
        "A44": "domestic appliances", "A45": "repairs", "A46": "education", "A47": "vacation", "A48": "retraining",
        "A49": "business", "A410": "others",
        "A61": "smaller than 100 DM", "A62": "bigger than 100 smaller than  500 DM", "A63": "bigger than 500 smaller than 1000 DM",
        "A64": "bigger than 1000 DM", "A65": "unknown or no savings account",
        "A71": "unemployed", "A72": "smaller than 1 year", "A73": "bigger than 1  smaller than 4 years",
        "A74": "bigger than 4  smaller than 7 years", "A75": "bigger than 7 years",
        "A91": "male: divorced or separated", "A92": "female: divorced or separated or married", "A93": "male and single",
        "A94": "male and married or widowed", "A95": "female and single",
        "A101": "none", "A102": "co-applicant", "A103": "guarantor",
        "A121": "real estate", "A122": "building society savings agreement or life insurance", "A123": "car or other",
        "A124": "unknown or no property",
        "A141": "bank", "A142": "stores", "A143": "none",
        "A151": "rent", "A152": "own", "A153": "for free",
        "A171": "unemployed or unskilled or non-resident", "A172": "unskilled or resident", "A173": "skilled employee or official",
        "A174": "management or self-employed or highly qualified employee or officer",
        "A191": "none", "A192": "yes, registered under the customers name",
        "A201": "yes", "A202": "no",
    ]
}

/// The 64 Polish ratio names in UCI order as CALM's prompt writes them (X30 and X31 share a name there).
enum PolishNames {
    static let all = [
        "net profit / total assets", "total liabilities / total assets", "working capital / total assets",
        "current assets / short-term liabilities",
        "[(cash + short-term securities + receivables - short-term liabilities) / (operating expenses - depreciation)] * 365",
        "retained earnings / total assets", "EBIT / total assets", "book value of equity / total liabilities",
        "sales / total assets", "equity / total assets",
        "(gross profit + extraordinary items + financial expenses) / total assets",
        "gross profit / short-term liabilities", "(gross profit + depreciation) / sales",
        "(gross profit + interest) / total assets", "(total liabilities * 365) / (gross profit + depreciation)",
        "(gross profit + depreciation) / total liabilities", "total assets / total liabilities", "gross profit / total assets",
        "gross profit / sales", "(inventory * 365) / sales", "sales (n) / sales (n-1)",
        "profit on operating activities / total assets", "net profit / sales", "gross profit (in 3 years) / total assets",
        "(equity - share capital) / total assets", "(net profit + depreciation) / total liabilities",
        "profit on operating activities / financial expenses", "working capital / fixed assets", "logarithm of total assets",
        "(total liabilities - cash) / sales", "(total liabilities - cash) / sales",
        "(current liabilities * 365) / cost of products sold", "operating expenses / short-term liabilities",
        "operating expenses / total liabilities", "profit on sales / total assets", "total sales / total assets",
        "(current assets - inventories) / long-term liabilities", "constant capital / total assets", "profit on sales / sales",
        "(current assets - inventory - receivables) / short-term liabilities",
        "total liabilities / ((profit on operating activities + depreciation) * (12/365))",
        "profit on operating activities / sales", "rotation receivables + inventory turnover in days",
        "(receivables * 365) / sales", "net profit / inventory", "(current assets - inventory) / short-term liabilities",
        "(inventory * 365) / cost of products sold", "EBITDA (profit on operating activities - depreciation) / total assets",
        "EBITDA (profit on operating activities - depreciation) / sales", "current assets / total liabilities",
        "short-term liabilities / total assets", "(short-term liabilities * 365) / cost of products sold)",
        "equity / fixed assets", "constant capital / fixed assets", "working capital", "(sales - cost of products sold) / sales",
        "(current assets - inventory - short-term liabilities) / (sales - gross profit - depreciation)",
        "total costs /total sales", "long-term liabilities / equity", "sales / inventory", "sales / receivables",
        "(short-term liabilities *365) / sales", "sales / short-term liabilities", "sales / fixed assets",
    ]
}
