import Foundation

/// One CALM benchmark record: `{"id", "query", "answer", "choices", "gold", "text"}` as CALM's
/// `prepocess.py` scripts write it, plus the 0-based row of the source file it came from.
public struct CALMRecord: Sendable, Equatable, Codable {
    /// Position in its split (CALM's `id`).
    public let id: Int
    /// Instruction + quoted text + answer cue: what the model is asked.
    public let query: String
    /// The gold answer word.
    public let answer: String
    /// The answer words, in the dataset's order (PIXIU's parse checks them in this order).
    public let choices: [String]
    /// Index of the gold answer in CALM's convention (German: label − 1; PortoSeguro/Travel: 0 = "yes").
    public let gold: Int
    /// The serialised applicant (the part of `query` between the instruction and the answer cue).
    public let text: String
    /// 0-based row in the source file (not part of CALM's records; written as `source_row`).
    public let sourceRow: Int

    /// A record from its fields.
    public init(id: Int, query: String, answer: String, choices: [String], gold: Int, text: String, sourceRow: Int) {
        self.id = id; self.query = query; self.answer = answer; self.choices = choices
        self.gold = gold; self.text = text; self.sourceRow = sourceRow
    }

    /// The chat wrapper CALM was trained and evaluated with: `"Human: \n" + query + "\n\nAssistant: \n"`.
    public var modelPrompt: String { CALMRecord.chatWrap(query) }

    /// Wraps a query in CALM's chat format.
    public static func chatWrap(_ query: String) -> String { chatPrefix + query + "\n\nAssistant: \n" }

    /// What every model input starts with, before the query.
    public static let chatPrefix = "Human: \n"

    /// One JSONL line as Python's `json.dumps` writes the record (key order id, query, answer, choices,
    /// gold, text, source_row; ASCII-only escapes), without the newline.
    public var jsonLine: String {
        "{\"id\": \(id), \"query\": \(PythonJSON.string(query)), \"answer\": \(PythonJSON.string(answer)), "
            + "\"choices\": \(PythonJSON.array(choices)), \"gold\": \(gold), \"text\": \(PythonJSON.string(text)), "
            + "\"source_row\": \(sourceRow)}"
    }

    enum CodingKeys: String, CodingKey {
        case id, query, answer, choices, gold, text
        case sourceRow = "source_row"
    }
}

/// Bad CALM input: the message names the file, line and column where it can.
public struct CALMError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The message.
    public let description: String
    /// An error with this message.
    public init(_ description: String) { self.description = description }
}
