import ArgumentParser
import Foundation
import ObligorCatalog
import ObligorData
import ObligorLLM
import ObligorMetrics
import ObligorModels
import ObligorNumerics
import ObligorReports
import ObligorStore

/// A bad-input failure raised by the CLI itself (exit code 1).
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Which errors are bad input (exit 1) rather than usage (exit 2).
enum InputFailure {
    static func message(for error: Error) -> String? {
        switch error {
        case let e as InputError: return e.description
        case let e as CALMError: return e.description
        case let e as ServerError: return e.description
        case let e as CSVError: return e.description
        case let e as FrameError: return e.description
        case let e as WorkspaceError: return e.description
        case let e as ModelError: return e.description
        case let e as MetricsError: return e.description
        case let e as SQLiteError: return e.description
        case let e as LinearAlgebraError: return e.description
        case let e as GSLError: return e.description
        case let e as DecodingError: return "malformed JSON: \(decodingMessage(e))"
        case let e as CocoaError: return e.localizedDescription
        default: return nil
        }
    }

    static func decodingMessage(_ e: DecodingError) -> String {
        switch e {
        case let .dataCorrupted(c): return c.debugDescription
        case let .keyNotFound(k, c): return "missing key '\(k.stringValue)' at \(path(c))"
        case let .typeMismatch(_, c): return "wrong type at \(path(c)): \(c.debugDescription)"
        case let .valueNotFound(_, c): return "missing value at \(path(c))"
        @unknown default: return "\(e)"
        }
    }

    static func path(_ c: DecodingError.Context) -> String {
        c.codingPath.isEmpty ? "top level" : c.codingPath.map(\.stringValue).joined(separator: ".")
    }
}

/// Options every workspace command shares.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: "Workspace file (default: $OBLIGOR_WORKSPACE or ./obligor.sqlite).")
    var workspace: String?

    var path: String { Workspace.defaultPath(explicit: workspace) }

    func open() throws -> Workspace { try Workspace(path: path) }

    /// Opens only when the file exists (read commands must not create an empty workspace).
    func openExisting() throws -> Workspace {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError("workspace '\(path)' does not exist (import data first, or pass --workspace)")
        }
        return try open()
    }
}

/// Writes to stderr.
func note(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Prints one JSON object on stdout, keys sorted. Non-finite numbers become "inf", "-inf", "nan".
func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: sanitizeJSON(object), options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

func sanitizeJSON(_ v: Any) -> Any {
    switch v {
    case let d as Double:
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return d
    case let a as [Any]: return a.map(sanitizeJSON)
    case let o as [String: Any]: return o.mapValues(sanitizeJSON)
    case Optional<Any>.none: return NSNull()
    default: return v
    }
}

/// A Codable value as a JSON object (for merging into `--json` output).
func jsonObject<T: Encodable>(_ value: T) throws -> Any {
    let e = JSONEncoder()
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try JSONSerialization.jsonObject(with: e.encode(value), options: [.fragmentsAllowed])
}

func splitList(_ s: String?) -> [String] {
    guard let s else { return [] }
    return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// SHA-256 of a file, streamed.
func fileSHA256(_ path: String) throws -> String {
    guard let h = FileHandle(forReadingAtPath: path) else { throw InputError("\(path): cannot be read") }
    defer { try? h.close() }
    var d = SHA256Digest()
    while true {
        let chunk = h.readData(ofLength: 1 << 22)
        if chunk.isEmpty { break }
        d.update(chunk)
    }
    return d.finalizeHex()
}

/// Data given by `--data`: a workspace dataset name or a CSV path.
struct LoadedData {
    let frame: Frame
    let label: String
    let roles: DatasetRoles
    let sha256: String
    /// File lines per row when read from CSV (for error messages).
    let lines: [Int32]?

    /// Where row `i` is, for messages: "FILE, line L" or "dataset NAME, row R".
    func locate(row i: Int) -> String {
        if let lines { return "\(label), line \(lines[i])" }
        return "dataset '\(label)', row \(i + 1)"
    }

    static func isPath(_ s: String) -> Bool {
        s.hasSuffix(".csv") || s.hasSuffix(".CSV") || s.contains("/") || FileManager.default.fileExists(atPath: s)
    }

    static func load(_ spec: String, workspace: WorkspaceOptions, target: String? = nil) throws -> LoadedData {
        if spec == "-" {
            // CSV on stdin (a pipe: Spark RDD.pipe, a shell filter). Read whole, then parsed like a file.
            let data = FileHandle.standardInput.readDataToEndOfFile()
            let (frame, lines) = try CSVReader.readWithLines(data: data, label: "<stdin>")
            return LoadedData(frame: frame, label: "<stdin>", roles: DatasetRoles(target: target), sha256: SHA256Digest.hex(data), lines: lines)
        }
        if isPath(spec) {
            let (frame, lines) = try CSVReader.readWithLines(path: spec)
            return LoadedData(frame: frame, label: spec, roles: DatasetRoles(target: target), sha256: try fileSHA256(spec), lines: lines)
        }
        let ws = try workspace.openExisting()
        let info = try ws.dataset(named: spec)
        var roles = info.roles
        if let target { roles.target = target }
        return LoadedData(frame: try ws.loadFrame(named: spec), label: spec, roles: roles, sha256: info.sourceSHA256, lines: nil)
    }

    /// The binary target, with file/line/column in any error.
    func labels(target: String) throws -> [Int] {
        guard let col = frame[target] else {
            throw InputError("\(label): no target column '\(target)' (columns: \(frame.columnNames.prefix(12).joined(separator: ", ")))")
        }
        do {
            return try frame.binaryTarget(target, event: roles.target == target ? roles.event : nil)
        } catch let FrameError.notBinary(_, row, value) {
            let levels = col.type == .categorical ? " (a text target needs --event LEVEL to say which value is the default)" : ""
            throw InputError("\(locate(row: row)), column '\(target)': target must be binary 0/1, found '\(value)'\(levels)")
        } catch let FrameError.missingTarget(_, row) {
            throw InputError("\(locate(row: row)), column '\(target)': the target is missing")
        }
    }
}

/// Reads a model from the workspace.
func loadModel(_ name: String, workspace: Workspace) throws -> (AnyModel, TrainingMetadata?) {
    let stored = try workspace.model(named: name)
    let model = try AnyModel.decode(kind: stored.kind, formatVersion: stored.formatVersion, payload: stored.payload)
    let meta = try? JSONDecoder().decode(TrainingMetadata.self, from: stored.metadata)
    return (model, meta)
}

/// Times a closure.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let v = try body()
    return (v, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

func fmt(_ x: Double, _ digits: Int = 4) -> String {
    x.isFinite ? String(format: "%.\(digits)f", x) : (x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf"))
}

/// Writes an HTML report atomically and, with `pdf`, prints it to PDF in headless Chromium: skipped
/// with a note when Chromium is not installed (the HTML is complete); a failed print is an error.
func writeReport(_ page: String, to report: String, pdf: String?) throws {
    try CSVWriter.writeAtomically(page, to: report)
    note("report written to \(report)")
    guard let pdf else { return }
    do {
        if try AuditReport.writePDF(htmlPath: report, to: pdf) { note("PDF written to \(pdf)") }
        else { note("no PDF: headless Chromium is not installed (set OBLIGOR_CHROMIUM or install chromium); the HTML report is complete") }
    } catch let e as PDFExportError {
        throw InputError(e.description)
    }
}
