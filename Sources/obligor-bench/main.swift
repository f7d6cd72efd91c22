// obligor-bench: timing harness for the foundation benchmarks (bench/run_foundation.sh).
//
//     obligor-bench csv-read FILE.csv [REPEATS=3]
//     obligor-bench auc SCORES.f64 LABELS.u8 [REPEATS=3]
//     obligor-bench logit FILE.csv [REPEATS=3] [--lambda L] [--raw]
//     obligor-bench latency MODEL.obligor.json DATA.csv [CALLS=20000]
//
// Each subcommand prepares its input untimed, runs the measured call once as an untimed warm-up,
// then REPEATS timed runs (CLOCK_MONOTONIC), and prints one JSON line shaped like the Python
// anchors in bench/*.py: {"tool":"obligor","task":..,"rows":..,"seconds_min":..,"seconds_median":..,..}.
// Set OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) in the environment; the JSON echoes them and the
// thread count OpenBLAS actually uses.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ObligorBoosting
import ObligorCatalog
import ObligorData
import ObligorMetrics
import ObligorModels
import ObligorNumerics

// MARK: - Timing and output

/// Monotonic wall clock in seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// One untimed warm-up call, then `repeats` timed calls; returns the last result and the times.
func measure<T>(repeats: Int, _ body: () throws -> T) rethrows -> (T, [Double]) {
    var out = try body()  // warm-up
    var times: [Double] = []
    for _ in 0..<repeats {
        let t0 = now()
        out = try body()
        times.append(now() - t0)
    }
    return (out, times)
}

func median(_ x: [Double]) -> Double {
    let s = x.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
}

/// Minimal JSON values (no Foundation encoder, so doubles print in shortest round-trip form).
indirect enum JSON {
    case string(String)
    case number(Double)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    var text: String {
        switch self {
        case let .string(s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
                }
            }
            return out + "\""
        case let .number(x): return x.isFinite ? "\(x)" : "null"
        case let .int(i): return String(i)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case let .array(a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case let .object(o): return "{" + o.map { JSON.string($0.0).text + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }
}

func numbers(_ x: [Double]) -> JSON { .array(x.map { .number($0) }) }

/// Prints the record with the timing fields appended, as bench/_timing.py `emit` does.
func emit(_ record: [(String, JSON)], times: [Double]) {
    var r = record
    let env = ProcessInfo.processInfo.environment
    r.append(("repeats", .int(times.count)))
    r.append(("seconds_min", .number(times.min() ?? .nan)))
    r.append(("seconds_median", .number(median(times))))
    r.append(("seconds_all", numbers(times)))
    r.append(("threads_env", .object(["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"].map {
        ($0, env[$0].map { JSON.string($0) } ?? .null)
    })))
    r.append(("blas_threads", .int(NumericsRuntime.blasThreads)))
    r.append(("obligor_threads", .int(Parallel.threads)))
    print(JSON.object(r).text)
}

struct UsageError: Error, CustomStringConvertible { let description: String }

let usage = """
usage: obligor-bench csv-read FILE.csv [REPEATS=3]
       obligor-bench auc SCORES.f64 LABELS.u8 [REPEATS=3]
       obligor-bench logit FILE.csv [REPEATS=3] [--lambda L] [--raw]
"""

func repeatsArgument(_ args: [String], at index: Int) throws -> Int {
    guard args.count > index else { return 3 }
    guard let r = Int(args[index]), r >= 1 else { throw UsageError(description: "REPEATS must be a positive integer, got '\(args[index])'") }
    return r
}

// MARK: - csv-read

func benchCSVRead(_ args: [String]) throws {
    guard let path = args.first else { throw UsageError(description: usage) }
    let repeats = try repeatsArgument(args, at: 1)
    let (frame, times) = try measure(repeats: repeats) { try CSVReader.read(path: path) }
    let na = frame.columns.reduce(0) { $0 + $1.missingCount }
    let types = frame.columns.map { JSON.string($0.type.rawValue) }
    emit([("tool", .string("obligor")), ("task", .string("csv_read")), ("api", .string("CSVReader.read(path:)")),
          ("file", .string(path)), ("rows", .int(frame.rowCount)), ("cols", .int(frame.columns.count)),
          ("na_cells", .int(na)), ("column_types", .array(types)),
          ("rows_per_second", .number(Double(frame.rowCount) / (times.min() ?? .nan)))], times: times)
}

// MARK: - auc

func readBytes(_ path: String) throws -> Data {
    guard let d = FileManager.default.contents(atPath: path) else { throw UsageError(description: "cannot read \(path)") }
    return d
}

func benchAUC(_ args: [String]) throws {
    guard args.count >= 2 else { throw UsageError(description: usage) }
    let repeats = try repeatsArgument(args, at: 2)
    // Untimed load: raw little-endian float64 and uint8, as numpy.fromfile on the Python side.
    let sd = try readBytes(args[0]), ld = try readBytes(args[1])
    guard sd.count % 8 == 0, sd.count / 8 == ld.count else { throw UsageError(description: "scores and labels differ in length") }
    let n = ld.count
    let scores = [Double](unsafeUninitializedCapacity: n) { buf, count in
        sd.withUnsafeBytes { raw in
            for i in 0..<n { buf[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
        }
        count = n
    }
    let labels = ld.map { Int($0) }  // the API takes [Int]; conversion is part of loading
    let events = labels.reduce(0, +)
    let (auc, times) = measure(repeats: repeats) { Discrimination.auc(scores: scores, labels: labels) }
    emit([("tool", .string("obligor")), ("task", .string("auc")), ("api", .string("Discrimination.auc(scores:labels:)")),
          ("rows", .int(n)), ("cols", .int(2)), ("events", .int(events)), ("auc", .number(auc))], times: times)
}

// MARK: - logit

let features = (1...17).map { String(format: "f%02d", $0) } + ["i01", "i02"]
let target = "bad"

func benchLogit(_ args: [String]) throws {
    var positional: [String] = []
    var lambda = 1e-6  // = 1 / C with the anchor's C = 1e6 (same penalised objective)
    var standardise = true
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--raw": standardise = false
        case "--lambda":
            guard i + 1 < args.count, let l = Double(args[i + 1]), l >= 0 else { throw UsageError(description: "--lambda needs a value >= 0") }
            lambda = l
            i += 1
        default: positional.append(args[i])
        }
        i += 1
    }
    guard let path = positional.first else { throw UsageError(description: usage) }
    let repeats = try repeatsArgument(positional, at: 1)

    // Untimed preparation: read, drop rows with any NA in features or target, z-score
    // (mean, population std of the retained rows), intercept column of ones first.
    let frame = try CSVReader.read(path: path)
    let nAll = frame.rowCount
    let cols = try (features + [target]).map { try frame.column($0) }
    var keep: [Int] = []
    keep.reserveCapacity(nAll)
    for r in 0..<nAll where !cols.contains(where: { $0.missing[r] }) { keep.append(r) }
    let n = keep.count, p = features.count
    let raw: [[Double]] = cols.prefix(p).map { c in
        let v = c.doubles(missingAs: .nan)!
        return keep.map { v[$0] }
    }
    let yAll = cols[p].doubles(missingAs: .nan)!
    let y = keep.map { Int(yAll[$0]) }
    var means = [Double](repeating: 0, count: p), stds = [Double](repeating: 1, count: p)
    if standardise {
        for j in 0..<p {
            let m = raw[j].reduce(0, +) / Double(n)
            var ss = 0.0
            for v in raw[j] { ss += (v - m) * (v - m) }
            means[j] = m
            stds[j] = (ss / Double(n)).squareRoot()
        }
    }
    var storage = [Double](repeating: 1, count: n * (p + 1))
    for r in 0..<n {
        for j in 0..<p { storage[r * (p + 1) + j + 1] = (raw[j][r] - means[j]) / stds[j] }
    }
    let design = Matrix(rows: n, columns: p + 1, values: storage)
    let options = LogisticRegression.Options(lambda: lambda)

    let (fit, times) = try measure(repeats: repeats) {
        try LogisticRegression.fit(design: design, labels: y, options: options)
    }

    // Gradient of (−ℓ + λ/2‖β₁:‖²)/n at the solution, as the sklearn anchor reports it.
    let eta = try design.gemv(fit.coefficients)
    let resid = (0..<n).map { 1 / (1 + exp(-eta[$0])) - Double(y[$0]) }
    var grad = try design.gemv(resid, transpose: true)
    for j in 1...p { grad[j] += lambda * fit.coefficients[j] }
    let maxGrad = grad.map { abs($0) / Double(n) }.max() ?? .nan

    // Untimed breakdown of one IRLS iteration's building blocks at the solution (min of 3 calls each):
    // weightedGram(w) copies and row-scales X before dsyrk; weightedGram(nil) is the dsyrk alone.
    func best(_ body: () throws -> Void) rethrows -> Double {
        var t = Double.infinity
        for _ in 0..<3 { let t0 = now(); try body(); t = min(t, now() - t0) }
        return t
    }
    let wAt = eta.map { v -> Double in let m = 1 / (1 + exp(-v)); return m * (1 - m) }
    let components: [(String, JSON)] = try [
        ("chunkedWeightedGram", .number(best { _ = try design.chunkedWeightedGram(wAt) })),
        ("weightedGram_weighted", .number(best { _ = try design.weightedGram(wAt) })),
        ("weightedGram_unweighted_dsyrk_only", .number(best { _ = try design.weightedGram() })),
        ("gemv_X_beta", .number(best { _ = try design.gemv(fit.coefficients) })),
        ("gemv_Xt_r", .number(best { _ = try design.gemv(resid, transpose: true) })),
    ]

    let b = fit.coefficients
    let slopesRaw = (0..<p).map { b[$0 + 1] / stds[$0] }
    let interceptRaw = b[0] - (0..<p).reduce(0) { $0 + b[$1 + 1] * means[$1] / stds[$1] }
    emit([("tool", .string("obligor")), ("task", .string("logit_fit")),
          ("api", .string("LogisticRegression.fit(design:labels:options:)")), ("solver", .string("irls")),
          ("lambda", .number(lambda)), ("tolerance", .number(options.tolerance)), ("max_iter", .int(options.maxIterations)),
          ("na_handling", .string("drop rows with any NA")), ("standardised", .bool(standardise)),
          ("means", numbers(means)), ("stds", numbers(stds)),
          ("intercept_fitted_scale", .number(b[0])), ("coefficients_fitted_scale", numbers(Array(b.dropFirst()))),
          ("rows", .int(n)), ("rows_dropped", .int(nAll - n)), ("cols", .int(p)), ("features", .array(features.map { .string($0) })),
          ("n_iter", .int(fit.iterations)), ("converged", .bool(fit.converged)),
          ("max_abs_gradient", .number(maxGrad)),
          ("log_likelihood", fit.logLikelihood.map { .number($0) } ?? .null),
          ("intercept", .number(interceptRaw)), ("coefficients", numbers(slopesRaw)),
          ("component_seconds", .object(components))], times: times)
}

// MARK: - gbdt

/// `gbdt TRAIN.csv TEST.csv PARAMS.json`: train on TRAIN (timed: binning + boosting), score TEST
/// (timed), test AUC. Text columns are categorical features, like LightGBM's pandas categoricals.
func benchGBDT(_ args: [String]) throws {
    guard args.count >= 3 else { throw UsageError(description: "gbdt TRAIN.csv TEST.csv PARAMS.json") }
    let train = try CSVReader.read(path: args[0])
    let test = try CSVReader.read(path: args[1])
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: args[2]))) as? [String: Any] ?? [:]
    let params = try BoostingParameters.fromConfig(config)
    let y = try train.binaryTarget("bad"), yt = try test.binaryTarget("bad")
    let features = train.columnNames.filter { $0 != "bad" }
    let t0 = now()
    let model = try BoostingTrainer.train(frame: train, labels: y, features: features, parameters: params)
    let trainSeconds = now() - t0
    let t1 = now()
    let pd = try model.predictPD(test)
    let predictSeconds = now() - t1
    print(JSON.object([
        ("tool", .string("obligor")), ("threads", .int(Parallel.threads)), ("train_rows", .int(train.rowCount)),
        ("test_rows", .int(test.rowCount)), ("train_seconds", .number(trainSeconds)), ("predict_seconds", .number(predictSeconds)),
        ("predict_rows_per_second", .number(Double(test.rowCount) / predictSeconds)),
        ("test_auc", .number(Discrimination.auc(scores: pd, labels: yt))), ("trees", .int(model.trees.count)),
    ]).text)
}

// MARK: - Single-record latency

/// In-process latency of one applicant: JSON record bytes → one-row frame → PD → response text,
/// the path of `obligor score --json-record`, without process start or model loading. The CSV's
/// rows become JSON records untimed; calls cycle through them; 1,000 untimed warm-up calls.
func benchLatency(_ args: [String]) throws {
    guard args.count >= 2 else { throw UsageError(description: "latency MODEL.obligor.json DATA.csv [CALLS]") }
    let bytes = try Data(contentsOf: URL(fileURLWithPath: args[0]))
    var loads: [Double] = []
    for _ in 0..<5 {
        let t0 = now()
        _ = try ModelFile.decode(bytes)
        loads.append(now() - t0)
    }
    let model = try ModelFile.decode(bytes).model
    let frame = try CSVReader.read(path: args[1])
    let calls = args.count > 2 ? Int(args[2]) ?? 20_000 : 20_000
    var records: [Data] = []
    for i in 0..<min(frame.rowCount, 1_000) {
        var o: [String: Any] = [:]
        for c in frame.columns {
            if c.isNumeric { o[c.name] = c.numericValue(at: i).map { $0 as Any } ?? NSNull() } else { o[c.name] = c.text(at: i).map { $0 as Any } ?? NSNull() }
        }
        records.append(try JSONSerialization.data(withJSONObject: o))
    }
    func once(_ k: Int) throws -> String {
        let pd = try model.scorer.predictPD(model.frame(jsonRecord: records[k % records.count]))[0]
        return "{\"pd\":\(pd)}"
    }
    var sink = 0
    for k in 0..<1_000 { sink &+= try once(k).utf8.count }
    var times = [Double](repeating: 0, count: calls)
    for k in 0..<calls {
        let t0 = now()
        sink &+= try once(k).utf8.count
        times[k] = now() - t0
    }
    times.sort()
    func q(_ p: Double) -> Double { times[min(times.count - 1, Int((p * Double(times.count)).rounded(.up)) - 1)] }
    print(JSON.object([
        ("tool", .string("obligor")), ("task", .string("latency")), ("model", .string(model.kind)), ("calls", .int(calls)),
        ("p50_ms", .number(q(0.50) * 1e3)), ("p90_ms", .number(q(0.90) * 1e3)), ("p99_ms", .number(q(0.99) * 1e3)),
        ("max_ms", .number(times.last! * 1e3)), ("mean_ms", .number(times.reduce(0, +) / Double(calls) * 1e3)),
        ("model_file_bytes", .int(bytes.count)), ("model_decode_ms_min", .number(loads.min()! * 1e3)),
        ("threads", .int(Parallel.threads)), ("checksum", .int(sink)),
    ]).text)
}

// MARK: - main

let argv = Array(CommandLine.arguments.dropFirst())
// As in the CLI: OpenBLAS single-threaded, parallelism through Parallel (OBLIGOR_THREADS, default all cores).
NumericsRuntime.blasThreads = 1
if let t = ProcessInfo.processInfo.environment["OBLIGOR_THREADS"].flatMap(Int.init) { Parallel.threads = t }
do {
    guard let command = argv.first else { throw UsageError(description: usage) }
    let rest = Array(argv.dropFirst())
    switch command {
    case "csv-read": try benchCSVRead(rest)
    case "auc": try benchAUC(rest)
    case "logit": try benchLogit(rest)
    case "gbdt": try benchGBDT(rest)
    case "latency": try benchLatency(rest)
    case "-h", "--help", "help": print(usage); exit(0)
    default: throw UsageError(description: "unknown subcommand '\(command)'\n" + usage)
    }
} catch {
    FileHandle.standardError.write(Data("obligor-bench: \(error)\n".utf8))
    exit(1)
}
