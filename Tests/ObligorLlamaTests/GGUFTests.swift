import Foundation
import ObligorLlama
import ObligorNumerics
import Testing

/// Re-writes a GGUF file's metadata and tensors, replacing each tensor through `transform`
/// (name, dims, float32 values) → (type, bytes).
func rewrite(_ file: GGUFFile, to path: String, _ transform: (GGUFTensorInfo, [Float]) -> (GGMLType, [UInt8])) throws {
    var w = TestGGUFWriter()
    for key in file.metadata.keys where key != "general.alignment" { w.add(key, file.metadata[key]!) }
    for t in file.tensors {
        let (type, bytes) = transform(t, try file.floats(of: t))
        w.addTensor(t.name, dims: t.dimensions, type: type, bytes: bytes)
    }
    try w.write(to: path)
}

func f32Bytes(_ x: [Float]) -> [UInt8] {
    var b: [UInt8] = []
    for v in x { b.append(le: v.bitPattern) }
    return b
}

@Suite struct GGUFReaderTests {
    /// Every metadata value type (scalars, strings, arrays, nested arrays) round-trips through the
    /// test writer and the reader, for GGUF versions 2 and 3 and a non-default alignment.
    @Test(arguments: [(UInt32(2), 32), (UInt32(3), 64), (UInt32(3), 8)])
    func metadataAndTensorsRoundTrip(version: UInt32, alignment: Int) throws {
        let values: [(String, GGUFValue)] = [
            ("u8", .uint8(200)), ("i8", .int8(-100)), ("u16", .uint16(60000)), ("i16", .int16(-30000)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("u64", .uint64(1 << 60)),
            ("i64", .int64(-(1 << 60))), ("f32", .float32(3.25)), ("f64", .float64(-1e300)), ("bool", .bool(true)),
            ("str", .string("Grüße ▁good")), ("empty", .string("")),
            ("strs", .array(.string, [.string("a"), .string("▁b"), .string("")])),
            ("f32s", .array(.float32, [.float32(-1), .float32(0.5)])), ("i32s", .array(.int32, [.int32(3), .int32(-4)])),
            ("nested", .array(.array, [.array(.uint8, [.uint8(1), .uint8(2)]), .array(.uint8, [])])),
        ]
        var w = TestGGUFWriter()
        w.version = version
        w.alignment = alignment
        for (k, v) in values { w.add(k, v) }
        let a: [Float] = (0..<6).map { Float($0) - 2.5 }, b: [Float] = [7, 8, 9]
        w.addF32("a", dims: [3, 2], a)
        w.addF32("b", dims: [3], b)
        let path = temporaryPath("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let f = try GGUFFile(path: path)
        #expect(f.version == version)
        #expect(f.alignment == alignment)
        #expect(f.dataOffset % alignment == 0)
        for (k, v) in values { #expect(f.metadata[k] == v, "\(k)") }
        #expect(f.metadata.keys.prefix(values.count) == ArraySlice(values.map(\.0)))
        #expect(f.metadata.integer("u64") == 1 << 60 && f.metadata.double("f32") == 3.25)
        #expect(f.metadata.stringArray("strs") == ["a", "▁b", ""])
        #expect(f.metadata.integerArray("i32s") == [3, -4] && f.metadata.doubleArray("f32s") == [-1, 0.5])
        #expect(f.tensors.map(\.name) == ["a", "b"])
        #expect(f.tensor(named: "a")?.dimensions == [3, 2])
        #expect(try f.floats(of: f.tensor(named: "a")!) == a)
        #expect(try f.floats(of: f.tensor(named: "b")!) == b)
        // Float32 tensors are used in place in the mapping.
        let p = f.float32Pointer(of: f.tensor(named: "b")!)
        #expect(p != nil && p![2] == 9)
    }

    @Test func tinyModelDirectory() throws {
        let f = try GGUFFile(path: fixturePath("tiny-llama-calm.gguf"))
        #expect(f.version == 3)
        #expect(f.metadata.string("general.architecture") == "llama")
        #expect(f.metadata.stringArray("tokenizer.ggml.tokens")?.count == 437)
        #expect(f.tensors.count == 2 * 9 + 3)
        #expect(f.tensor(named: "token_embd.weight")?.dimensions == [64, 437])
        #expect(f.tensor(named: "blk.1.ffn_down.weight")?.dimensions == [128, 64])
        #expect(f.tensors.allSatisfy { $0.type == .f32 })
    }

    @Test func notGGUFNamesTheFile() throws {
        let path = temporaryPath("notgguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("id,pd\n1,0.5\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try GGUFFile(path: path)
            Issue.record("no error")
        } catch {
            #expect(error.kind == .notGGUF("69 64 2c 70"))
            #expect(error.description.hasPrefix(path + ": not a GGUF file"))
        }
        #expect(throws: GGUFError.self) { try LlamaModel(path: path) }
    }

    @Test func missingFileNamesTheFile() {
        do {
            _ = try LlamaModel(path: "/nonexistent/model.gguf")
            Issue.record("no error")
        } catch {
            #expect(error.path == "/nonexistent/model.gguf")
            #expect(error.description.contains("/nonexistent/model.gguf: cannot open GGUF file"))
        }
    }

    /// Cutting the tiny model anywhere gives a truncation error naming the file (never a crash).
    @Test(arguments: [0, 3, 6, 20, 100, 1000, 30_000, 200_000, 564_000])
    func truncatedFile(length: Int) throws {
        let full = try Data(contentsOf: fixtureURL("tiny-llama-calm.gguf"))
        let path = temporaryPath("truncated")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try full.prefix(length).write(to: URL(fileURLWithPath: path))
        do {
            _ = try LlamaModel(path: path)
            Issue.record("no error for \(length) bytes")
        } catch {
            guard case .truncated = error.kind else { Issue.record("\(error)"); return }
            #expect(error.description.hasPrefix(path + ": truncated GGUF file"))
        }
    }

    @Test func unsupportedVersionAndBadValueType() throws {
        let path = temporaryPath("bad")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var w = TestGGUFWriter()
        w.version = 7
        try w.write(to: path)
        #expect(throws: GGUFError(path: path, .unsupportedVersion(7))) { try GGUFFile(path: path) }
        var bytes = Array(TestGGUFWriter().bytes().prefix(24))  // header only, no padding
        bytes[16] = 1  // one metadata pair...
        bytes += [1, 0, 0, 0, 0, 0, 0, 0, 0x6B] + [99, 0, 0, 0]  // ...key "k", value type 99
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: GGUFError(path: path, .malformed("metadata 'k' has unknown value type 99"))) { try GGUFFile(path: path) }
    }

    /// A tensor of a type the engine cannot decode (Q5_0) is reported with its name and type; a
    /// Q4_K tensor whose rows are not whole 256-element blocks is malformed.
    @Test func unsupportedTensorTypeNamesTensorAndType() throws {
        let tiny = try GGUFFile(path: fixturePath("tiny-llama-calm.gguf"))
        let path = temporaryPath("q5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let q5_0 = GGMLType(rawValue: 6)
        try rewrite(tiny, to: path) { t, x in
            t.name == "blk.1.attn_k.weight" ? (q5_0, [UInt8](repeating: 0, count: x.count / 32 * 22)) : (.f32, f32Bytes(x))
        }
        let f = try GGUFFile(path: path)
        #expect(f.tensor(named: "blk.1.attn_k.weight")?.type.name == "Q5_0")
        do {
            _ = try LlamaModel(file: f)
            Issue.record("no error")
        } catch {
            #expect(error.kind == .unsupportedTensorType(tensor: "blk.1.attn_k.weight", type: q5_0))
            #expect(error.description == "\(path): tensor 'blk.1.attn_k.weight' has type Q5_0, which is not supported (supported: F32, F16, Q8_0, Q4_0)")
        }
        #expect(throws: GGUFError(path: path, .unsupportedTensorType(tensor: "blk.1.attn_k.weight", type: q5_0))) {
            try f.floats(of: f.tensor(named: "blk.1.attn_k.weight")!)
        }
        try rewrite(tiny, to: path) { t, x in
            t.name == "blk.0.attn_q.weight" ? (GGMLType(rawValue: 12), [UInt8](repeating: 0, count: 2304)) : (.f32, f32Bytes(x))
        }
        #expect(throws: GGUFError(path: path, .malformed("tensor 'blk.0.attn_q.weight' of type Q4_K has a row of 64 elements, not a multiple of its block size 256"))) {
            try LlamaModel(path: path)
        }
    }

    @Test func missingTensorAndWrongArchitecture() throws {
        let tiny = try GGUFFile(path: fixturePath("tiny-llama-calm.gguf"))
        let path = temporaryPath("missing")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var w = TestGGUFWriter()
        for key in tiny.metadata.keys { w.add(key, tiny.metadata[key]!) }
        for t in tiny.tensors where t.name != "blk.0.ffn_up.weight" { w.addF32(t.name, dims: t.dimensions, try tiny.floats(of: t)) }
        try w.write(to: path)
        #expect(throws: GGUFError(path: path, .missingTensor("blk.0.ffn_up.weight"))) { try LlamaModel(path: path) }
        var w2 = TestGGUFWriter()
        w2.add("general.architecture", .string("gpt2"))
        try w2.write(to: path)
        #expect(throws: GGUFError(path: path, .unsupportedModel("architecture 'gpt2'; only 'llama' is supported"))) { try LlamaModel(path: path) }
    }
}

@Suite struct QuantizationTests {
    /// Decoding equals the element-by-element reading of the block layout, and the decoded values are
    /// within half a quantisation step of the originals (the quantiser's guarantee).
    @Test(arguments: [GGMLType.q8_0, .q4_0, .f16])
    func dequantizationMatchesBlockLayout(type: GGMLType) {
        let rng = RandomSource(seed: 11)
        var x = (0..<(32 * 40)).map { _ in Float(rng.gaussian()) }
        for i in 0..<32 { x[32 * 5 + i] = 0 }  // an all-zero block (scale 0)
        let bytes = type == .q8_0 ? quantizeQ8_0(x) : type == .q4_0 ? quantizeQ4_0(x) : quantizeF16(x)
        #expect(bytes.count == type.byteCount(elements: x.count))
        var decoded = [Float](repeating: .nan, count: x.count)
        bytes.withUnsafeBytes { raw in
            decoded.withUnsafeMutableBufferPointer { GGMLDequantize.decode(type, from: raw.baseAddress!, count: x.count, into: $0.baseAddress!) }
        }
        for e in x.indices { #expect(decoded[e] == referenceElement(bytes, type: type, index: e)) }
        for b in 0..<(x.count / 32) {
            let block = (32 * b)..<(32 * b + 32)
            let amax = block.map { abs(x[$0]) }.max()!
            let step = type == .q8_0 ? amax / 127 : type == .q4_0 ? amax / 7 : 0
            for e in block {
                let bound = type == .f16 ? abs(x[e]) * 0x1p-11 : 0.5 * step * 1.002 + amax * 1e-3 * (type == .q4_0 ? 1 : 0.1)
                #expect(abs(decoded[e] - x[e]) <= bound, "\(type) element \(e)")
            }
        }
        // Q4_0 nibble order: element 0 is the low nibble of the first data byte, element 16 the high one.
        if type == .q4_0 {
            #expect(referenceElement(bytes, type: type, index: 0) == Float(Int(bytes[2] & 15) - 8) * Float(Float16(bitPattern: UInt16(bytes[0]) | UInt16(bytes[1]) << 8)))
        }
    }

    /// Blocks written by gguf-py (the llama.cpp project's Python package; make_quant_fixture.py) decode
    /// to exactly gguf-py's own dequantisation, and stay near the original values: within half a step
    /// for Q8_0 (d = max|x|/127); within one step for Q4_0, whose reference quantiser takes d = m/−8 for
    /// the signed extreme m, so values of the other sign beyond 7|d| are clipped.
    @Test func gguf_pyBlocksDecodeLikeGguf_py() throws {
        let f = try GGUFFile(path: fixturePath("gguf_py_quants.gguf"))
        let x = try f.floats(of: f.tensor(named: "x")!)
        for (name, type, bound) in [("q8_0", GGMLType.q8_0, Float(0.5 / 127)), ("q4_0", .q4_0, 1.0 / 8)] {
            let t = f.tensor(named: "x." + name)!
            #expect(t.type == type && t.dimensions == [64, 6])
            let ours = try f.floats(of: t)
            let theirs = try f.floats(of: f.tensor(named: "x.\(name).dequantized")!)
            #expect(ours == theirs, "\(name)")
            for b in 0..<(x.count / 32) {
                let amax = x[(32 * b)..<(32 * b + 32)].map(abs).max()!
                for e in (32 * b)..<(32 * b + 32) { #expect(abs(ours[e] - x[e]) <= amax * (bound + 1e-3), "\(name) \(e)") }
            }
        }
    }

    /// The tiny model with its matrices stored as Q8_0 / Q4_0 / F16 gives exactly the distribution of
    /// the F32 model whose weights are the test's own decoding of those blocks; and against the
    /// original F32 model, Q8_0 and F16 stay close (tolerances below).
    @Test(arguments: [GGMLType.q8_0, .q4_0, .f16])
    func quantizedModelMatchesDequantizedTwin(type: GGMLType) throws {
        let tiny = try GGUFFile(path: fixturePath("tiny-llama-calm.gguf"))
        let qPath = temporaryPath("quant"), twinPath = temporaryPath("twin")
        defer { for p in [qPath, twinPath] { try? FileManager.default.removeItem(atPath: p) } }
        func quantize(_ x: [Float]) -> [UInt8] { type == .q8_0 ? quantizeQ8_0(x) : type == .q4_0 ? quantizeQ4_0(x) : quantizeF16(x) }
        // Matrices quantised, norms kept F32 (as llama.cpp's quantiser does).
        try rewrite(tiny, to: qPath) { t, x in t.dimensions.count == 2 ? (type, quantize(x)) : (.f32, f32Bytes(x)) }
        try rewrite(tiny, to: twinPath) { t, x in
            guard t.dimensions.count == 2 else { return (.f32, f32Bytes(x)) }
            let q = quantize(x)
            return (.f32, f32Bytes(x.indices.map { referenceElement(q, type: type, index: $0) }))
        }
        let quantized = try LlamaModel(path: qPath), twin = try LlamaModel(path: twinPath)
        #expect(quantized.file.tensor(named: "blk.0.attn_q.weight")?.type == type)
        let tokens = Array(quantized.tokenizer.encode(try germanPrompt()).prefix(400))
        let pq = try quantized.nextTokenProbabilities(forPrompt: tokens)
        let pt = try twin.nextTokenProbabilities(forPrompt: tokens)
        #expect(pq == pt)
        // Against the unquantised model. The output matrix has N(0, 1) weights and the final hidden
        // state unit RMS over 64 dimensions, so logits have spread ~8; a relative weight error r moves
        // logits by ~8·r. Q8_0 (r ≈ 0.4 %) and F16 (r ≈ 0.03 %) keep the distribution within total
        // variation 0.05 / 0.005; Q4_0 (r ≈ 7 %) only has to keep the same top token.
        let p32 = try ModelTests.model.nextTokenProbabilities(forPrompt: tokens)
        let tv = 0.5 * zip(pq, p32).map { abs($0 - $1) }.reduce(0, +)
        print("\(type.name): total variation vs F32 = \(tv), max |Δp| = \(zip(pq, p32).map { abs($0 - $1) }.max()!)")
        if type == .q8_0 { #expect(tv < 0.05) }
        if type == .f16 { #expect(tv < 0.005) }
        #expect(pq.indices.max { pq[$0] < pq[$1] } == p32.indices.max { p32[$0] < p32[$1] })
    }
}
