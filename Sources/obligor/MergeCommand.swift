import ArgumentParser
import Foundation
import ObligorData

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shard outputs of `score` into the single-process output.",
        discussion: """
        Parts are given in shard order (0, 1, …, N−1). Every part must carry the same header; the
        result is that header once, then each part's rows in order: byte for byte what one
        `obligor score` process writes for the whole data. Written atomically with --out.
        Merging evaluate, backtest and audit outputs from counts is not available yet.
        """)
    @Argument(help: "Shard outputs of `obligor score`, in shard order.") var parts: [String]
    @Option(help: "Output CSV (default: stdout).") var out: String?

    func validate() throws { if parts.isEmpty { throw ValidationError("give at least one part") } }

    func run() throws {
        var header: String? = nil
        var body = Data()
        for part in parts {
            guard let data = FileManager.default.contents(atPath: part) else { throw InputError("\(part): cannot be read") }
            guard let nl = data.firstIndex(of: UInt8(ascii: "\n")) else { throw InputError("\(part): no header line (not a score output)") }
            let h = String(decoding: data[data.startIndex..<nl], as: UTF8.self)
            guard h.hasSuffix(",pd") || h.contains(",pd,") else { throw InputError("\(part): header '\(h)' is not a score output (no pd column)") }
            if let header, header != h { throw InputError("\(part): header '\(h)' differs from the first part's '\(header)'") }
            if let last = data.last, last != UInt8(ascii: "\n") { throw InputError("\(part): truncated (no final newline)") }
            header = h
            body.append(data[(nl + 1)...])
        }
        let text = header! + "\n" + String(decoding: body, as: UTF8.self)
        if let out {
            try CSVWriter.writeAtomically(text, to: out)
            note("merged \(parts.count) parts into \(out)")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
