import Foundation
import Testing
import ObligorData
@testable import ObligorLLM

/// Prompts and split against CALM's published German records and split (byte for byte), and the
/// templates of the other datasets against the examples CALM itself prints.
@Suite("CALM prompts and split")
struct CALMPromptTests {
    /// The embedded raw data is the repository's Datasets copy, byte for byte.
    @Test func shippedDataEqualsDatasetsFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        #expect(Data(ShippedData.german.utf8) == (try Data(contentsOf: root.appendingPathComponent("Datasets/german/german.data"))))
        #expect(Data(ShippedData.australian.utf8) == (try Data(contentsOf: root.appendingPathComponent("Datasets/australian/australian.dat"))))
        #expect(SHA256Digest.hex(Data(ShippedData.german.utf8)) == "b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871")
    }

    @Test func germanSplitEqualsPublishedSplit() throws {
        let split = CALMSplit(rows: 1000)
        #expect(split.train.count == 700 && split.valid.count == 100 && split.test.count == 200)
        #expect(split.train == (try Fixture.intList("german_train_source_rows.txt")))
        #expect(split.valid == (try Fixture.intList("german_valid_source_rows.txt")))
        // The CALM bias CSVs hold the raw rows of train and test in split order: match by content.
        let raw = try CALMDataset.german.shippedSource().rows.map { $0.joined(separator: ",") }
        let trainCSV = try Fixture.text("german_train.csv").split(whereSeparator: \.isNewline).map(String.init)
        let testCSV = try Fixture.text("german_test.csv").split(whereSeparator: \.isNewline).map(String.init)
        #expect(split.train.map { raw[$0] } == trainCSV)
        #expect(split.test.map { raw[$0] } == testCSV)
    }

    @Test func germanRecordsAreByteIdenticalToCALM() throws {
        let source = try CALMDataset.german.shippedSource()
        let test = try CALMDataset.german.records(from: source, split: .test)
        let expected = try Data(contentsOf: Fixture.url("german_test.jsonl"))
        let produced = Data(test.map { $0.jsonLine + "\n" }.joined().utf8)
        #expect(produced == expected)
        // train / valid: SHA-256 of CALM's files (the files themselves are 2 MB).
        let train = try CALMDataset.german.records(from: source, split: .train)
        let valid = try CALMDataset.german.records(from: source, split: .valid)
        #expect(SHA256Digest.hex(Data(train.map { $0.jsonLine + "\n" }.joined().utf8)) == "8af93b93f7e06ec05ba772d8e8312123667b9d7eec9634b9ba64d4ae88178c72")
        #expect(SHA256Digest.hex(Data(valid.map { $0.jsonLine + "\n" }.joined().utf8)) == "31199ad6b9655f6bde6d5991dcba56f88b4f315ae295f676260deb504469b094")
        #expect(test[0].modelPrompt.hasPrefix("Human: \nEvaluate the creditworthiness") && test[0].modelPrompt.hasSuffix("'\nAnswer:\n\nAssistant: \n"))
    }

    @Test func australianSplitSizesBalanceAndTableText() throws {
        let source = try CALMDataset.australian.shippedSource()
        #expect(source.rows.count == 690)
        let test = try CALMDataset.australian.records(from: source, split: .test)
        let train = try CALMDataset.australian.records(from: source, split: .train)
        let valid = try CALMDataset.australian.records(from: source, split: .valid)
        #expect(train.count == 482 && valid.count == 69 && test.count == 139)   // int(690 * 0.7) = 482
        #expect(test.filter { $0.answer == "good" }.count == 60)                // notes/calm.md §1
        let all = try CALMDataset.australian.records(from: source, split: nil)
        // australian.dat row 0: 1 22.08 11.46 2 4 4 1.585 0 0 0 1 2 100 1213 0
        #expect(all[0].text == "The client has attributes: A1: 1.0, A2: 22.08, A3: 11.46, A4: 2.0, A5: 4.0, A6: 4.0, A7: 1.585, A8: 0.0, A9: 0.0, A10: 0.0, A11: 1.0, A12: 2.0, A13: 100.0, A14: 1213.0.")
        #expect(all[0].answer == "bad" && all[0].gold == 1)
        #expect(all[0].query.hasSuffix("A14: 1213.0. \n Answer:") && !all[0].query.contains("'The client has attributes: A1: 1.0"))
    }

    /// The ccFraud and Credit Card Fraud instructions contain an example applicant: serialising that
    /// applicant must give the same text.
    @Test func ccFraudSerialisesItsOwnExampleAndKeepsGenderDefect() throws {
        let csv = "gender,state,cardholder,balance,numTrans,numIntlTrans,creditLine,fraudRisk\n1,25,1,7000,16,0,6,0\n2,25,1,7000,16,0,6,1\n"
        let r = try CALMDataset.ccfraud.records(from: CALMDataset.ccfraud.source(text: csv, label: "cc.csv"), split: nil)
        let example = "The client is a female, the state number is 25, the number of cards is 1, the credit balance is 7000, the number of transactions is 16, the number of international transactions is 0, the credit limit is 6."
        #expect(r[0].text == example && r[1].text == example)   // male (1) and female (2) both "female"
        #expect(CALMDataset.ccfraud.instruction.contains("'\(example)'"))
        #expect(r[0].answer == "good" && r[0].gold == 0 && r[1].answer == "bad" && r[1].gold == 1)
        #expect(r[0].query == CALMDataset.ccfraud.instruction + "'" + example + "' \nAnswer:")
        #expect(!CALMDataset.ccfraud.knownDefects.isEmpty)
    }

    @Test func creditCardFraudFormatsThreeDecimals() throws {
        let v = [0.1444, 0.3581, 1.22, 0.3305, -0.2731, 0.4293, -0.3071, -0.5765, 0.1162, -0.3366, 1.0159, 1.0432, -0.5271,
                 0.1601, -0.9514, -0.4519, 0.1659, -0.4458, 0.0357, -0.2749, 0.7681, -0.0514, -0.1796, 0.0671, 0.7413, 0.4768,
                 0.1517, 0.2011, 6.99]
        let header = "Time," + (1...28).map { "V\($0)" }.joined(separator: ",") + ",Amount,Class"
        let csv = header + "\n0," + v.map { "\($0)" }.joined(separator: ",") + ",\"0\"\n"
        let r = try CALMDataset.ccf.records(from: CALMDataset.ccf.source(text: csv, label: "cc.csv"), split: nil)
        let instruction = CALMDataset.ccf.instruction
        let start = instruction.range(of: "For instance, '")!.upperBound
        let end = instruction.range(of: "' should be classified")!.lowerBound
        #expect(r[0].text == String(instruction[start..<end]))
        #expect(r[0].choices == ["no", "yes"] && r[0].answer == "no" && r[0].gold == 0)
    }

    /// The one Travel Insurance prompt quoted from CALM's evaluation log (notes/calm.md §2.9).
    @Test func travelReproducesTheLoggedPrompt() throws {
        let logged = "Identify the claim status of insurance companies using the following table attributes for travel insurance status. Respond with only 'yes' or 'no', and do not provide any additional information. And the table attributes including 5 categorical attributes and 4 numerical attributes are as follows: \\nAgency: Name of agency (categorical). \\nAgency Type: Type of travel insurance agencies (categorical). \\nDistribution Channel: Distribution channel of travel insurance agencies (categorical). \\nProduct Name: Name of the travel insurance products (categorical). \\nDuration: Duration of travel (categorical). \\nDestination: Destination of travel (numerical). \\nNet Sales: Amount of sales of travel insurance policies (categorical). \\nCommission: Commission received for travel insurance agency (numerical). \\nAge: Age of insured (numerical). \\nFor instance: 'The insurance company has attributes: Agency: CBH, Agency Type: Travel Agency, Distribution Chanel: Offline, Product Name: Comprehensive Plan, Duration: 186, Destination: MALAYSIA, Net Sales: -29, Commision: 9.57, Age: 81.', should be classified as 'no'. \\nText: 'The insurance company has attributes: Agency: CWT, Agency Type: Travel Agency, Distribution Channel: Online, Product Name: Rental Vehicle Excess Insurance, Duration: 18, Destination: AUSTRALIA, Net Sales: 29.7, Commission: 17.82, Age: 41.' \\nAnswer:"
            .replacingOccurrences(of: "\\n", with: "\n")
        let csv = """
        Agency,Agency Type,Distribution Channel,Product Name,Claim,Duration,Destination,Net Sales,Commision (in value),Gender,Age
        CWT,Travel Agency,Online,Rental Vehicle Excess Insurance,No,18,AUSTRALIA,29.7,17.82,,41
        EPX,Travel Agency,Online,Cancellation Plan,Yes,900,CHINA,28,0,M,120
        EPX,Travel Agency,Online,Cancellation Plan,No,-1,CHINA,28,0,F,30

        """
        let r = try CALMDataset.travelinsurance.records(from: CALMDataset.travelinsurance.source(text: csv, label: "t.csv"), split: nil)
        #expect(r[0].query == logged)
        #expect(r[0].answer == "no" && r[0].gold == 1 && r[0].choices == ["yes", "no"])
        // Preparation: Duration 900 → 731, Age 120 → 99; Duration −1 → int(mean(18, 731, −1)) = 249.
        #expect(r[1].text.contains("Duration: 731,") && r[1].text.hasSuffix("Age: 99.") && r[1].answer == "yes" && r[1].gold == 0)
        #expect(r[2].text.contains("Duration: 249,"))
    }

    @Test func taiwanKeepsTheOffByOneNames() throws {
        let csv = "Bankrupt?, ROA(C) before interest and depreciation before interest, Net Income Flag, Equity to Liability\n0,0.4988,1,0.04439\n1,0.3,1,0.2\n"
        let r = try CALMDataset.taiwan.records(from: CALMDataset.taiwan.source(text: csv, label: "tw.csv"), split: nil)
        #expect(r[0].text == "The client has attributes: Bankrupt?: 0.499,  ROA(C) before interest and depreciation before interest: 1.000,  Net Income Flag: 0.044.")
        #expect(r[0].answer == "no" && r[1].answer == "yes" && r[1].gold == 1)
    }

    @Test func portoSeguroShortValuesAndInvertedGold() throws {
        let csv = "id,target,ps_ind_01,ps_ind_02_cat,ps_reg_03,ps_car_13,ps_calc_01\n7,0,1,2,0.718070,100,-1\n9,1,0,1,0.5,3,0.9\n"
        let r = try CALMDataset.portoseguro.records(from: CALMDataset.portoseguro.source(text: csv, label: "p.csv"), split: nil)
        #expect(r[0].text == "The client has attributes: ps_ind_01: 1.0, ps_ind_02_cat: 2.0, ps_reg_03: 0.72, ps_car_13: 100.00, ps_calc_01: -1.0.")
        #expect(r[0].answer == "no" && r[0].gold == 1 && r[1].answer == "yes" && r[1].gold == 0 && r[0].choices == ["yes", "no"])
    }

    @Test func polishPrintsPythonFloatsAndNone() throws {
        #expect(PolishNames.all.count == 64)
        var values = [String](repeating: "0.5", count: 64)
        values[0] = "-0.046186"; values[1] = "?"; values[2] = "1"; values[62] = "5.7063"; values[63] = "1.3882"
        let csv = (1...64).map { "Attr\($0)" }.joined(separator: ",") + ",class\n" + values.joined(separator: ",") + ",0\n"
        let r = try CALMDataset.polish.records(from: CALMDataset.polish.source(text: csv, label: "pl.csv"), split: nil)
        #expect(r[0].text.hasPrefix("The client has attributes: net profit / total assets: -0.046186, total liabilities / total assets: None, working capital / total assets: 1.0, "))
        #expect(r[0].text.hasSuffix(", sales / short-term liabilities: 5.7063, sales / fixed assets: 1.3882."))
        #expect(r[0].answer == "no" && r[0].gold == 0 && r[0].choices == ["no", "yes"])
    }

    @Test func lendingClubKeepsOnlyClosedLoansAndMarksRates() throws {
        let header = CALMDataset.lendingClubColumns.joined(separator: ",") + ",loan_status"
        let row = "123.45,debt_consolidation,Individual,13.99,500.0,3600,2765,0,1,,C,7,29.7,13,675,679,PA,10+ years,MORTGAGE,Not Verified,55000"
        let csv = header + "\n" + row + ",Fully Paid\n" + row + ",Current\n" + row + ",Charged Off\n"
        let r = try CALMDataset.lendingclub.records(from: CALMDataset.lendingclub.source(text: csv, label: "lc.csv"), split: nil)
        #expect(r.count == 2 && r[0].answer == "good" && r[1].answer == "bad" && r[1].sourceRow == 2)
        #expect(r[0].text == "The client has attributes as follows: The state of Installment is 123.45. The state of Loan Purpose is debt_consolidation. The state of Loan Application Type is Individual. The state of Interest Rate is 13.99%. The state of Last Payment Amount is 500.0. The state of Loan Amount is 3600.0. The state of Revolving Balance is 2765.0. The state of Delinquency In 2 years is 0.0. The state of Inquiries In 6 Months is 1.0. The state of Mortgage Accounts is nan. The state of Grade is C. The state of Open Accounts is 7.0. The state of Revolving Utilization Rate is 29.7%. The state of Total Accounts is 13.0. The state of Fico Range Low is 675.0. The state of Fico Range High is 679.0. The state of Address State is PA. The state of Employment Length is 10+ years. The state of Home Ownership is MORTGAGE. The state of Verification Status is Not Verified. The state of Annual Income is 55000.0.")
    }

    @Test func badInputNamesFileLineAndColumn() throws {
        #expect(CALMDataset(name: "cra-travelinsurace") == .travelinsurance && CALMDataset(name: "nonsense") == nil)
        let csv = "gender,state,cardholder,balance,numTrans,numIntlTrans,creditLine,fraudRisk\n1,25,1,7000,16,0,6,0\n1,25,x,7000,16,0,6,0\n"
        #expect(throws: CALMError("cc.csv, line 3, column 'cardholder': 'x' is not a number")) {
            _ = try CALMDataset.ccfraud.records(from: CALMDataset.ccfraud.source(text: csv, label: "cc.csv"), split: nil)
        }
        #expect(throws: CALMError.self) { _ = try CALMDataset.german.source(text: "A11 6\n", label: "g.data") }
        do {
            _ = try CALMDataset.lendingclub.shippedSource()
            Issue.record("expected an error")
        } catch let e as CALMError {
            #expect(e.description.contains("--data FILE") && e.description.contains("loan_status"))
        }
    }

    @Test func pythonReprAndJSONEscapes() {
        let cases: [(Double, String)] = [(1e16, "1e+16"), (1.5e-5, "1.5e-05"), (0.0001, "0.0001"), (123456789012345680.0, "1.2345678901234568e+17"),
                                         (0.1 + 0.2, "0.30000000000000004"), (1213, "1213.0"), (-0.5, "-0.5"), (1e15, "1000000000000000.0"),
                                         (Double.leastNonzeroMagnitude, "5e-324"), (0.00012345, "0.00012345"), (22.08, "22.08")]
        for (x, s) in cases { #expect(pythonFloatRepr(x) == s, "\(x)") }
        #expect(PythonJSON.string("é😀\"\\/\n\t\u{01}") == "\"\\u00e9\\ud83d\\ude00\\\"\\\\/\\n\\t\\u0001\"")
    }
}
