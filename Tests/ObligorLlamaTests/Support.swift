import Foundation
import ObligorLlama

func fixtureURL(_ name: String) -> URL { Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)! }
func fixturePath(_ name: String) -> String { fixtureURL(name).path }
func fixtureJSON(_ name: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL(name))) as! [String: Any]
}

/// The CALM prompt of German test record 0, as sent to llama-server: "Human: \n" + query + "\n\nAssistant: \n".
func germanPrompt() throws -> String {
    let line = try String(contentsOf: fixtureURL("german_test_record0.jsonl"), encoding: .utf8)
        .split(separator: "\n").first.map(String.init) ?? ""
    let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    return "Human: \n" + (record["query"] as! String) + "\n\nAssistant: \n"
}

/// The llama-server full-vocabulary response (05_completion.json): id → log-probability, id → bytes.
func serverDistribution() throws -> (logprob: [Int: Double], bytes: [Int: [UInt8]], response: [String: Any]) {
    let json = try fixtureJSON("05_completion.json")
    let response = json["response"] as! [String: Any]
    let first = (response["completion_probabilities"] as! [[String: Any]])[0]
    var lp: [Int: Double] = [:], bytes: [Int: [UInt8]] = [:]
    for e in first["top_logprobs"] as! [[String: Any]] {
        let id = e["id"] as! Int
        lp[id] = (e["logprob"] as! NSNumber).doubleValue
        bytes[id] = (e["bytes"] as! [Any]).map { UInt8(($0 as! NSNumber).intValue) }
    }
    return (lp, bytes, response)
}

/// A unique path under the temporary directory, removed by the caller.
func temporaryPath(_ stem: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("obligor-llama-\(stem)-\(UUID().uuidString).gguf").path
}

// MARK: - A GGUF writer, written from the format description (independent of the reader)

/// Serialises a GGUF file: header, metadata, tensor infos, padding, tensor data.
struct TestGGUFWriter {
    var version: UInt32 = 3
    /// Alignment; written as `general.alignment` (uint32) when not 32.
    var alignment = 32
    var metadata: [(String, GGUFValue)] = []
    var tensors: [(name: String, dims: [Int], type: UInt32, bytes: [UInt8])] = []

    mutating func add(_ key: String, _ value: GGUFValue) { metadata.append((key, value)) }
    mutating func addTensor(_ name: String, dims: [Int], type: GGMLType, bytes: [UInt8]) {
        tensors.append((name, dims, type.rawValue, bytes))
    }
    mutating func addF32(_ name: String, dims: [Int], _ values: [Float]) {
        precondition(values.count == dims.reduce(1, *))
        var b: [UInt8] = []
        for v in values { b.append(le: v.bitPattern) }
        tensors.append((name, dims, 0, b))
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        out.append(le: version)
        out.append(le: UInt64(tensors.count))
        var kv = metadata
        if alignment != 32 { kv.append(("general.alignment", .uint32(UInt32(alignment)))) }
        out.append(le: UInt64(kv.count))
        for (k, v) in kv {
            out.appendString(k)
            out.append(le: v.type.rawValue)
            out.appendValue(v)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += (t.bytes.count + alignment - 1) / alignment * alignment
        }
        for (i, t) in tensors.enumerated() {
            out.appendString(t.name)
            out.append(le: UInt32(t.dims.count))
            for d in t.dims { out.append(le: UInt64(d)) }
            out.append(le: t.type)
            out.append(le: UInt64(offsets[i]))
        }
        while out.count % alignment != 0 { out.append(0) }
        for t in tensors {
            out += t.bytes
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    func write(to path: String) throws {
        try Data(bytes()).write(to: URL(fileURLWithPath: path))
    }
}

extension Array where Element == UInt8 {
    mutating func append<T: FixedWidthInteger>(le v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
    mutating func appendString(_ s: String) {
        append(le: UInt64(s.utf8.count))
        append(contentsOf: s.utf8)
    }
    mutating func appendValue(_ v: GGUFValue) {
        switch v {
        case let .uint8(x): append(x)
        case let .int8(x): append(le: x)
        case let .uint16(x): append(le: x)
        case let .int16(x): append(le: x)
        case let .uint32(x): append(le: x)
        case let .int32(x): append(le: x)
        case let .uint64(x): append(le: x)
        case let .int64(x): append(le: x)
        case let .float32(x): append(le: x.bitPattern)
        case let .float64(x): append(le: x.bitPattern)
        case let .bool(x): append(x ? 1 : 0)
        case let .string(s): appendString(s)
        case let .array(t, a):
            append(le: t.rawValue)
            append(le: UInt64(a.count))
            for e in a { appendValue(e) }
        }
    }
}

// MARK: - Quantisers and brute-force dequantisers (test oracles)

/// Q8_0 blocks: d = max|x| / 127 (stored as float16), q = round(x / d).
func quantizeQ8_0(_ x: [Float]) -> [UInt8] {
    precondition(x.count % 32 == 0)
    var out: [UInt8] = []
    for b in 0..<(x.count / 32) {
        let block = x[(32 * b)..<(32 * b + 32)]
        let amax = block.map { abs($0) }.max()!
        let d = Float16(amax / 127)
        out.append(le: d.bitPattern)
        let dd = Float(d)
        for v in block {
            let q = dd == 0 ? 0 : Swift.max(-127, Swift.min(127, (v / dd).rounded()))
            out.append(UInt8(bitPattern: Int8(q)))
        }
    }
    return out
}

/// Q4_0 blocks: d = max|x| / 7 (float16), code = clamp(round(x / d) + 8, 0, 15); byte i packs
/// element i (low nibble) and element i + 16 (high nibble).
func quantizeQ4_0(_ x: [Float]) -> [UInt8] {
    precondition(x.count % 32 == 0)
    var out: [UInt8] = []
    for b in 0..<(x.count / 32) {
        let block = Array(x[(32 * b)..<(32 * b + 32)])
        let amax = block.map { abs($0) }.max()!
        let d = Float16(amax / 7)
        out.append(le: d.bitPattern)
        let dd = Float(d)
        let codes = block.map { v -> UInt8 in
            dd == 0 ? 8 : UInt8(Swift.max(0, Swift.min(15, (v / dd).rounded() + 8)))
        }
        for i in 0..<16 { out.append(codes[i] | (codes[i + 16] << 4)) }
    }
    return out
}

func quantizeF16(_ x: [Float]) -> [UInt8] {
    var out: [UInt8] = []
    for v in x { out.append(le: Float16(v).bitPattern) }
    return out
}

/// Element e of a quantised tensor, decoded from the block layout one element at a time.
func referenceElement(_ bytes: [UInt8], type: GGMLType, index e: Int) -> Float {
    func half(_ at: Int) -> Float { Float(Float16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8)) }
    switch type {
    case .f16: return half(2 * e)
    case .q8_0:
        let block = e / 32, j = e % 32
        return half(34 * block) * Float(Int8(bitPattern: bytes[34 * block + 2 + j]))
    case .q4_0:
        let block = e / 32, j = e % 32
        let byte = bytes[18 * block + 2 + (j % 16)]
        let code = j < 16 ? Int(byte & 0xF) : Int(byte >> 4)
        return Float(code - 8) * half(18 * block)
    default: fatalError("no reference for \(type)")
    }
}
