import Foundation

/// The nine CALM benchmark datasets (notes/calm.md §1–2), each with CALM's instruction, serialiser,
/// answer words and gold convention, reproduced from the `prepocess.py` scripts' behaviour.
///
/// German and Australian ship with the module (UCI, CC BY 4.0); the other seven are read from a file
/// with the documented columns (see ``requiredColumns``), taken as the rows CALM split (the module does
/// not redo the stratified down-sampling of the large sets).
public enum CALMDataset: String, CaseIterable, Sendable, Codable {
    case german, australian, lendingclub, ccf, ccfraud, polish, taiwan, portoseguro, travelinsurance

    /// Accepts the case names and common aliases (`lending-club`, `creditcard`, `travel`, `cra-german`, …).
    public init?(name: String) {
        var key = name.lowercased().replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "-", with: "")
        if key.hasPrefix("cra") { key.removeFirst(3) }
        if key.hasPrefix("flare") { key.removeFirst(5) }
        switch key {
        case "german": self = .german
        case "australian", "australia": self = .australian
        case "lendingclub", "lc": self = .lendingclub
        case "ccf", "creditcard", "creditcardfraud": self = .ccf
        case "ccfraud": self = .ccfraud
        case "polish": self = .polish
        case "taiwan", "taiwaneconomicjournal", "tej": self = .taiwan
        case "portoseguro", "porto": self = .portoseguro
        case "travelinsurance", "travelinsurace", "travel": self = .travelinsurance
        default: return nil
        }
    }

    /// Human-readable name.
    public var title: String {
        switch self {
        case .german: return "German (UCI Statlog)"
        case .australian: return "Australian (UCI Statlog)"
        case .lendingclub: return "Lending Club"
        case .ccf: return "Credit Card Fraud (mlg-ulb)"
        case .ccfraud: return "ccFraud"
        case .polish: return "Polish bankruptcy"
        case .taiwan: return "Taiwan Economic Journal bankruptcy"
        case .portoseguro: return "PortoSeguro"
        case .travelinsurance: return "Travel Insurance"
        }
    }

    /// The answer words in CALM's order; PIXIU's parse checks them in this order.
    public var choices: [String] {
        switch self {
        case .german, .australian, .lendingclub, .ccfraud: return ["good", "bad"]
        case .ccf, .polish, .taiwan: return ["no", "yes"]
        case .portoseguro, .travelinsurance: return ["yes", "no"]
        }
    }

    /// The favourable answer (repayment, no fraud, no bankruptcy, no claim): `p_good` is its probability.
    public var favourable: String {
        switch self {
        case .german, .australian, .lendingclub, .ccfraud: return "good"
        default: return "no"
        }
    }

    /// The unfavourable answer.
    public var unfavourable: String { choices.first { $0 != favourable }! }

    /// Raw data shipped with the module (resource name), if any.
    public var shippedResource: String? {
        switch self {
        case .german: return "german.data"
        case .australian: return "australian.dat"
        default: return nil
        }
    }

    /// Columns a `--data` file must have (CSV header names; alternatives separated by `|`).
    public var requiredColumns: [String] {
        switch self {
        case .german: return ["20 coded attributes + class (german.data layout, space separated)"]
        case .australian: return ["A1…A14 + class (australian.dat layout, space separated)"]
        case .lendingclub: return Self.lendingClubColumns + ["loan_status"]
        case .ccf: return (1...28).map { "V\($0)" } + ["Amount", "Class"]
        case .ccfraud: return Self.ccFraudColumns + ["fraudRisk"]
        case .polish: return ["Attr1…Attr64 (64 ratio columns in UCI order)", "class"]
        case .taiwan: return ["Bankrupt? (first column)", "the 95 feature columns, header verbatim"]
        case .portoseguro: return ["target", "the 57 ps_* feature columns (id is dropped)"]
        case .travelinsurance: return ["Agency", "Agency Type", "Distribution Channel", "Product Name", "Claim",
                                       "Duration", "Destination", "Net Sales", "Commission|Commision (in value)", "Age"]
        }
    }

    /// CALM's instruction (everything before the serialised applicant).
    public var instruction: String {
        switch self {
        case .german:
            return "Evaluate the creditworthiness of a customer with the following financial profile. Respond with only either 'good' or 'bad'. For instance, 'The client has a stable income, no previous debts, and owns a property.' should be classified as 'good'. \nText: "
        case .australian:
            return "Assess the creditworthiness of a customer using the following table attributes for financial status. Respond with either 'good' or 'bad'. And all the table attribute names including 8 categorical attributes and 6 numerical attributes and values have been changed to meaningless symbols to protect confidentiality of the data. For instance, 'The client has attributes: A1: 0, A2: 21.67, A3: 11.5, A4: 1, A5: 5, A6: 3, A7: 0, A8: 1, A9: 1, A10: 11, A11: 1, A12: 2, A13: 0, A14: 1.', should be classified as 'good'. \nText: "
        case .lendingclub:
            return "Assess the client's loan status based on the following loan records from Lending Club. Respond with only 'good' or 'bad', and do not provide any additional information. For instance, 'The client has a stable income, no previous debts, and owns a property.' should be classified as 'good'. \nText: "
        case .ccf:
            return "Detect the credit card fraud using the following financial table attributes. Respond with only 'yes' or 'no', and do not provide any additional information. Therein, the data contains 28 numerical input variables V1, V2, ..., and V28 which are the result of a PCA transformation and 1 input variable Amount which has not been transformed with PCA. The feature 'Amount' is the transaction Amount, this feature can be used for example-dependant cost-sensitive learning. For instance, 'The client has attributes: V1: 0.144, V2: 0.358, V3: 1.220, V4: 0.331, V5: -0.273, V6: 0.429, V7: -0.307, V8: -0.577, V9: 0.116, V10: -0.337, V11: 1.016, V12: 1.043, V13: -0.527, V14: 0.160, V15: -0.951, V16: -0.452, V17: 0.166, V18: -0.446, V19: 0.036, V20: -0.275, V21: 0.768, V22: -0.051, V23: -0.180, V24: 0.067, V25: 0.741, V26: 0.477, V27: 0.152, V28: 0.201, Amount: 6.990.' should be classified as 'no'. \nText: "
        case .ccfraud:
            return "Detect the credit card fraud with the following financial profile. Respond with only 'good' or 'bad', and do not provide any additional information. For instance, 'The client is a female, the state number is 25, the number of cards is 1, the credit balance is 7000, the number of transactions is 16, the number of international transactions is 0, the credit limit is 6.' should be classified as 'good'. \nText: "
        case .polish:
            return "Predict whether the company will face bankruptcy based on the financial profile attributes provided in the following text. Respond with only 'no' or 'yes', and do not provide any additional information. \nFor instance, 'The client has attributes: net profit / total assets: -0.046186, ..., sales / short-term liabilities: 5.7063, sales / fixed assets: 1.3882.' should be classified as 'no'. \nText: "
        case .taiwan:
            return "Predict whether the company will face bankruptcy based on the financial profile attributes provided in the following text. Respond with only 'no' or 'yes', and do not provide any additional information. \nFor instance, 'The client has attributes:  ROA(C) before interest and depreciation before interest: 0.499, ..., Net Income Flag: 1.000,  Equity to Liability: 0.044.' should be classified as 'no'. \nText: "
        case .portoseguro:
            return "Identify whether or not to files a claim for the auto insurance policy holder using the following table attributes about individual financial profile. Respond with only 'yes' or 'no', and do not provide any additional information. And the table attributes that belong to similar groupings are tagged as such in the feature names (e.g., ind, reg, car, calc). In addition, feature names include the postfix bin to indicate binary features and cat to indicate categorical features. Features without these designations are either continuous or ordinal. Values of -1 indicate that the feature was missing from the observation. For instance, 'The client has attributes: ps_ind_01: 1.0, ps_ind_02_cat: 2.0, ps_ind_03: 0.0, ..., ps_calc_18_bin: 0.0, ps_calc_19_bin: 0.0, ps_calc_20_bin: 0.0.' should be classified as 'no'. \nText: "
        case .travelinsurance:
            // The table-form prompt of CALM's evaluation log, with its shifted (categorical)/(numerical)
            // tags kept verbatim (notes/calm.md §2.9).
            return "Identify the claim status of insurance companies using the following table attributes for travel insurance status. Respond with only 'yes' or 'no', and do not provide any additional information. And the table attributes including 5 categorical attributes and 4 numerical attributes are as follows: \nAgency: Name of agency (categorical). \nAgency Type: Type of travel insurance agencies (categorical). \nDistribution Channel: Distribution channel of travel insurance agencies (categorical). \nProduct Name: Name of the travel insurance products (categorical). \nDuration: Duration of travel (categorical). \nDestination: Destination of travel (numerical). \nNet Sales: Amount of sales of travel insurance policies (categorical). \nCommission: Commission received for travel insurance agency (numerical). \nAge: Age of insured (numerical). \nFor instance: 'The insurance company has attributes: Agency: CBH, Agency Type: Travel Agency, Distribution Chanel: Offline, Product Name: Comprehensive Plan, Duration: 186, Destination: MALAYSIA, Net Sales: -29, Commision: 9.57, Age: 81.', should be classified as 'no'. \nText: "
        }
    }

    /// `query` = instruction + text + the dataset's answer cue (German `'…'\nAnswer:`, Australian unquoted
    /// `… \n Answer:`, all others `'…' \nAnswer:`).
    public func query(text: String) -> String {
        switch self {
        case .german: return instruction + "'" + text + "'\nAnswer:"
        case .australian: return instruction + text + " \n Answer:"
        default: return instruction + "'" + text + "' \nAnswer:"
        }
    }

    /// Known defects of CALM's prompts that this module keeps for parity.
    public var knownDefects: [String] {
        switch self {
        case .ccfraud: return ["every prompt says 'The client is a female' (CALM tests str(gender) == 1, always false): the model never sees gender"]
        case .taiwan: return ["each value is labelled with the previous column's name (first value 'Bankrupt?', last name dropped), as CALM's code does"]
        case .travelinsurance: return ["the (categorical)/(numerical) tags are shifted by one from Duration on, as in CALM's evaluated prompt"]
        case .polish: return ["the name list repeats '(total liabilities - cash) / sales' for X30 and X31, as CALM's does"]
        default: return []
        }
    }

    static let lendingClubColumns = ["installment", "purpose", "application_type", "int_rate", "last_pymnt_amnt", "loan_amnt",
                                     "revol_bal", "delinq_2yrs", "inq_last_6mths", "mort_acc", "grade", "open_acc", "revol_util",
                                     "total_acc", "fico_range_low", "fico_range_high", "addr_state", "emp_length", "home_ownership",
                                     "verification_status", "annual_inc"]
    static let lendingClubNames = ["Installment", "Loan Purpose", "Loan Application Type", "Interest Rate", "Last Payment Amount",
                                   "Loan Amount", "Revolving Balance", "Delinquency In 2 years", "Inquiries In 6 Months", "Mortgage Accounts",
                                   "Grade", "Open Accounts", "Revolving Utilization Rate", "Total Accounts", "Fico Range Low",
                                   "Fico Range High", "Address State", "Employment Length", "Home Ownership", "Verification Status",
                                   "Annual Income"]
    static let lendingClubText: Set<String> = ["purpose", "application_type", "grade", "addr_state", "emp_length", "home_ownership", "verification_status"]
    static let ccFraudColumns = ["gender", "state", "cardholder", "balance", "numTrans", "numIntlTrans", "creditLine"]
    static let ccFraudNames = ["male or female", "state number", "number of cards", "credit balance", "number of transactions",
                               "number of international transactions", "credit limit"]
}
