import Foundation
import ObligorData

// Mergeable partial state of `evaluate`, `backtest` and `audit`.
//
// A shard (`--shard i/N --partial FILE`) writes only counts: how many of its rows have each
// distinct key (tags such as period, grade or group; the exact PD; the 0/1 outcome), and for
// backtests how many rows of each period have each distinct characteristic value. Counts add
// exactly, so the union of N partials is the partial of the whole data whatever N is. The final
// output is computed from a partial by expanding it in one canonical order (tags, then PD, then
// outcome) and running the ordinary metrics on that; the single-process command does exactly the
// same (it encodes its own partial, decodes it and finishes from it), so merged and single-process
// outputs are the same bytes by construction, floating-point sums included.

/// Version of the partial-file format; `merge` refuses other versions.
let partialFormatVersion = 1

/// One key of a ``RowHistogram``: tags, the exact PD (its bit pattern) and the outcome.
struct ScoreKey: Hashable {
    var tags: [String]
    var bits: UInt64
    var label: Int
    var score: Double { Double(bitPattern: bits) }

    /// Canonical order: tags (lexicographic), PD value (bit pattern between -0 and +0), outcome.
    static func canonical(_ a: ScoreKey, _ b: ScoreKey) -> Bool {
        if a.tags != b.tags { return a.tags.lexicographicallyPrecedes(b.tags) }
        if a.score != b.score { return a.score < b.score }
        if a.bits != b.bits { return a.bits < b.bits }
        return a.label < b.label
    }
}

/// Exact histogram of (tags, PD, outcome) → rows: the fine score histogram behind AUC, KS, Gini,
/// calibration, Brier and log-loss, grades and group confusion counts.
struct RowHistogram: Codable, Equatable {
    /// How many tags every key has (e.g. 0 for evaluate, 2 for a backtest's period and grade).
    var tagCount: Int
    var counts: [ScoreKey: Int] = [:]

    init(tagCount: Int) { self.tagCount = tagCount }

    var rows: Int { counts.values.reduce(0, +) }

    mutating func add(tags: [String], score: Double, label: Int, count: Int = 1) {
        precondition(tags.count == tagCount)
        counts[ScoreKey(tags: tags, bits: score.bitPattern, label: label), default: 0] += count
    }

    mutating func merge(_ other: RowHistogram) {
        for (k, c) in other.counts { counts[k, default: 0] += c }
    }

    /// Every row, in canonical order.
    func expand() -> (tags: [[String]], scores: [Double], labels: [Int]) {
        var tags: [[String]] = [], scores: [Double] = [], labels: [Int] = []
        let n = rows
        tags.reserveCapacity(n); scores.reserveCapacity(n); labels.reserveCapacity(n)
        for k in counts.keys.sorted(by: ScoreKey.canonical) {
            for _ in 0..<counts[k]! {
                tags.append(k.tags); scores.append(k.score); labels.append(k.label)
            }
        }
        return (tags, scores, labels)
    }

    // Columnar JSON: tags[j][r], score[r] (shortest round-trip decimal), label[r], count[r]; rows in canonical order.
    enum CodingKeys: String, CodingKey { case tagCount = "tag_count", tags, score, label, count }

    func encode(to encoder: Encoder) throws {
        let keys = counts.keys.sorted(by: ScoreKey.canonical)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tagCount, forKey: .tagCount)
        try c.encode((0..<tagCount).map { j in keys.map { $0.tags[j] } }, forKey: .tags)
        try c.encode(keys.map { "\($0.score)" }, forKey: .score)
        try c.encode(keys.map(\.label), forKey: .label)
        try c.encode(keys.map { counts[$0]! }, forKey: .count)
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tagCount = try c.decode(Int.self, forKey: .tagCount)
        let tags = try c.decode([[String]].self, forKey: .tags)
        let scores = try c.decode([String].self, forKey: .score)
        let labels = try c.decode([Int].self, forKey: .label)
        let n = try c.decode([Int].self, forKey: .count)
        guard tags.count == tagCount, tags.allSatisfy({ $0.count == scores.count }), labels.count == scores.count, n.count == scores.count else {
            throw InputError("histogram columns have different lengths")
        }
        for r in 0..<scores.count {
            guard let s = Double(scores[r]), s.isFinite else { throw InputError("histogram row \(r): score '\(scores[r])' is not a finite number") }
            guard labels[r] == 0 || labels[r] == 1 else { throw InputError("histogram row \(r): label \(labels[r]) is not 0 or 1") }
            guard n[r] > 0 else { throw InputError("histogram row \(r): count \(n[r]) is not positive") }
            counts[ScoreKey(tags: (0..<tagCount).map { tags[$0][r] }, bits: s.bitPattern, label: labels[r]), default: 0] += n[r]
        }
    }
}

/// Exact histogram of one characteristic's values per sample (the development sample or a period):
/// numeric values keyed by their shortest round-trip decimal ("nan" = missing), categories by label.
struct ValueHistogram: Codable, Equatable {
    var numeric: Bool
    var samples: [String: [String: Int]] = [:]

    mutating func add(sample: String, value: String) { samples[sample, default: [:]][value, default: 0] += 1 }

    mutating func merge(_ other: ValueHistogram) {
        for (s, m) in other.samples { for (v, c) in m { samples[s, default: [:]][v, default: 0] += c } }
    }

    /// The values of one sample in canonical order (numbers ascending, missing last; categories as strings).
    func values(of sample: String) -> [String] {
        let m = samples[sample] ?? [:]
        let keys: [String]
        if numeric {
            keys = m.keys.sorted { a, b in
                let x = Double(a) ?? .nan, y = Double(b) ?? .nan
                if x.isNaN != y.isNaN { return y.isNaN }
                if !x.isNaN && x != y { return x < y }
                return a < b
            }
        } else {
            keys = m.keys.sorted()
        }
        return keys.flatMap { Array(repeating: $0, count: m[$0]!) }
    }
}

/// What every partial file starts with.
struct PartialHeader: Codable {
    /// `evaluate`, `backtest` or `audit`.
    var kind: String
    var formatVersion: Int
    var shard: Int
    var shardCount: Int
    /// The options that shape the result (model, target, thresholds, grades, …); parts must agree.
    var options: [String: String]
    var dataLabel: String
    var dataSHA256: String
    /// Rows this part counted.
    var rows: Int

    enum CodingKeys: String, CodingKey {
        case kind = "obligor_partial", formatVersion = "format_version", shard, shardCount = "shard_count", options,
             dataLabel = "data", dataSHA256 = "data_sha256", rows
    }
}

/// A partial file: the header and the command's state.
struct PartialFile<State: Codable>: Codable {
    var header: PartialHeader
    var state: State

    init(header: PartialHeader, state: State) { self.header = header; self.state = state }

    /// The partial of a `kind` command over `rows` rows of `data` (`shard` nil: the whole data).
    init(kind: String, shard: Shard?, options: [String: String], data: LoadedData, rows: Int, state: State) {
        self.init(header: PartialHeader(kind: kind, formatVersion: partialFormatVersion, shard: shard?.index ?? 0,
                                        shardCount: shard?.count ?? 1, options: options, dataLabel: data.label,
                                        dataSHA256: data.sha256, rows: rows), state: state)
    }

    /// Writes the partial when `--partial FILE` / `--emit-partial` asked for one. True when written:
    /// the command ends there instead of printing its result.
    func writeIfRequested(_ options: PartialOptions) throws -> Bool {
        guard let path = options.partialPath else { return false }
        try write(to: path)
        if path != "-" { note("partial \(header.kind) state of \(header.rows) rows (shard \(header.shard)/\(header.shardCount)) written to \(path)") }
        return true
    }

    func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(self)
    }

    static func decode(_ data: Data, path: String) throws -> PartialFile<State> {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try d.decode(PartialFile<State>.self, from: data) } catch let e as InputError {
            throw InputError("\(path): \(e.description)")
        } catch let e as DecodingError {
            throw InputError("\(path): not a valid \(State.self) partial file (\(InputFailure.decodingMessage(e)))")
        }
    }

    /// Writes atomically to `path` (`-` = stdout).
    func write(to path: String) throws {
        let data = try encoded()
        if path == "-" { FileHandle.standardOutput.write(data + Data("\n".utf8)); return }
        try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The single-process path: this partial, encoded and read back (single process = merge of one part).
    func roundTripped() throws -> PartialFile<State> { try Self.decode(try encoded(), path: "<own partial>") }
}

/// Only the header, to detect a file's kind.
struct PartialProbe: Codable {
    var header: PartialHeader
}

/// Resolves `--shard` the way `score` does: the flag, else `$JOB_COMPLETION_INDEX` of `$OBLIGOR_SHARD_COUNT`.
func resolveShard(_ shard: Shard?, count: Int?, env: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard? {
    if let shard { return shard }
    guard let index = env["JOB_COMPLETION_INDEX"] else { return nil }
    guard let n = count ?? env["OBLIGOR_SHARD_COUNT"].flatMap({ Int($0) }) else {
        throw InputError("JOB_COMPLETION_INDEX=\(index) is set but the shard count is not: pass --shard-count N or set OBLIGOR_SHARD_COUNT")
    }
    guard let s = Shard(argument: "\(index)/\(n)") else {
        throw InputError("JOB_COMPLETION_INDEX=\(index) with \(n) shards is not a shard (need 0 ≤ index < count)")
    }
    return s
}

/// Checks that partial files can be merged: one kind and format version, the same options and data, and
/// shards 0…N−1 of one N, each exactly once. With `partitions`, every part is instead a whole-data partial
/// (shard 0 of 1) of its own data set. Errors name the offending file.
func checkMergeable(_ parts: [(path: String, header: PartialHeader)], partitions: Bool = false) throws {
    guard let (firstPath, first) = parts.first else { throw InputError("no partial files") }
    var seen: [Int: String] = [:]
    for (path, h) in parts {
        guard h.formatVersion == partialFormatVersion else {
            throw InputError("\(path): partial format version \(h.formatVersion); this obligor reads version \(partialFormatVersion)")
        }
        guard h.kind == first.kind else { throw InputError("\(path) holds \(h.kind) counts but \(firstPath) holds \(first.kind) counts: they cannot be merged") }
        for key in Set(h.options.keys).union(first.options.keys).sorted() where h.options[key] != first.options[key] {
            throw InputError("\(path): option '\(key)' is \(h.options[key].map { "'\($0)'" } ?? "not set") but \(firstPath) has \(first.options[key].map { "'\($0)'" } ?? "not set"): the parts come from different runs and cannot be merged")
        }
        if partitions {
            guard h.shardCount == 1 else {
                throw InputError("\(path): shard \(h.shard)/\(h.shardCount) of \(h.dataLabel); --partitions merges whole-data partials (written without --shard)")
            }
            continue
        }
        guard h.dataSHA256 == first.dataSHA256 else {
            throw InputError("\(path): data \(h.dataLabel) (sha256 \(h.dataSHA256.prefix(12))…) differs from \(firstPath)'s \(first.dataLabel) (sha256 \(first.dataSHA256.prefix(12))…)")
        }
        guard h.shardCount == first.shardCount else {
            throw InputError("\(path): shard \(h.shard)/\(h.shardCount), but \(firstPath) is one of \(first.shardCount) shards")
        }
        if let other = seen[h.shard] { throw InputError("\(path): shard \(h.shard)/\(h.shardCount) is given twice (also \(other))") }
        seen[h.shard] = path
    }
    if partitions { return }
    let missing = (0..<first.shardCount).filter { seen[$0] == nil }
    if !missing.isEmpty {
        throw InputError("missing shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(first.shardCount)" }.joined(separator: ", ")) of the \(first.kind) run (\(parts.count) of \(first.shardCount) parts given)")
    }
}

extension PartialProbe {
    /// A state that decodes from anything (the header is all a probe reads).
    struct Empty: Codable {
        init(from decoder: Decoder) throws {}
        func encode(to encoder: Encoder) throws {}
    }
}

extension PartialFile where State == PartialProbe.Empty {
    /// The header of a partial file, with a clear error when the file is not one.
    static func decodeHeader(_ data: Data, path: String) throws -> PartialHeader {
        guard let probe = try? JSONDecoder().decode(PartialProbe.self, from: data) else {
            throw InputError("\(path): not an obligor partial-state file (expected the output of evaluate, backtest or audit with --partial)")
        }
        return probe.header
    }
}
