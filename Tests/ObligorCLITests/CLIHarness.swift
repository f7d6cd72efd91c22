import Foundation
import ObligorData
import ObligorStore

let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `obligor` binary, next to the test bundle.
let obligorBinary: URL = {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = here.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("obligor")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return repositoryRoot.appendingPathComponent(".build/debug/obligor")
}()

struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] }
}

/// A scratch directory with its own workspace; commands run with it as the working directory.
final class Sandbox {
    let dir: URL
    var workspace: String { dir.appendingPathComponent("obligor.sqlite").path }

    init() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("obligor-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func write(_ name: String, _ contents: String) -> String {
        let p = path(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(contents.utf8))
        return p
    }

    /// Runs obligor in the sandbox: no inherited workspace or shard variables, one OpenBLAS thread,
    /// plus `extra` environment variables and, optionally, a file as standard input.
    @discardableResult
    func run(_ args: [String], env extra: [String: String] = [:], stdin: String? = nil) throws -> CLIResult {
        let p = Process()
        p.executableURL = obligorBinary
        p.arguments = args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        for key in ["OBLIGOR_WORKSPACE", "JOB_COMPLETION_INDEX", "OBLIGOR_SHARD_COUNT"] { env.removeValue(forKey: key) }
        env["OPENBLAS_NUM_THREADS"] = "1"
        for (k, v) in extra { env[k] = v }
        p.environment = env
        if let stdin {
            guard let input = FileHandle(forReadingAtPath: stdin) else { throw CocoaError(.fileReadNoSuchFile) }
            p.standardInput = input
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so a large output cannot block the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// SHA-256 of the workspace file's bytes (nil when it does not exist).
    func workspaceBytes() -> String? {
        guard let d = FileManager.default.contents(atPath: workspace) else { return nil }
        return SHA256Digest.hex(d)
    }
}

let germanCSV = repositoryRoot.appendingPathComponent("Datasets/german/german.csv").path
