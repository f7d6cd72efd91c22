#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to read a GGUF file or a model stored in one. Every message starts with the file's path.
public struct GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or mapped (the system's message).
        case cannotOpen(String)
        /// The first four bytes are not `GGUF` (the bytes found, as hex).
        case notGGUF(String)
        /// A GGUF version this reader does not handle (it reads 2 and 3).
        case unsupportedVersion(UInt32)
        /// The file ends before `what` (at byte `offset`) could be read.
        case truncated(what: String, offset: Int)
        /// The structure is inconsistent (a bad type tag, an impossible count, a misaligned offset…).
        case malformed(String)
        /// A tensor has an element type this module cannot decode.
        case unsupportedTensorType(tensor: String, type: GGMLType)
        /// A required tensor is absent.
        case missingTensor(String)
        /// A tensor has the wrong shape (`expected` and `found` as ggml dimensions).
        case shapeMismatch(tensor: String, expected: [Int], found: [Int])
        /// A required metadata key is absent or has the wrong type.
        case missingMetadata(String)
        /// The file holds a model this module cannot run (the reason).
        case unsupportedModel(String)
    }

    /// The file's path.
    public let path: String
    /// What went wrong.
    public let kind: Kind

    /// Creates an error for the file at `path`.
    public init(path: String, _ kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// The message: the file's path, then what went wrong.
    public var description: String {
        switch kind {
        case let .cannotOpen(why): return "\(path): cannot open GGUF file (\(why))"
        case let .notGGUF(magic): return "\(path): not a GGUF file (starts with bytes \(magic), expected 47 47 55 46 \"GGUF\")"
        case let .unsupportedVersion(v): return "\(path): unsupported GGUF version \(v) (this reader handles versions 2 and 3)"
        case let .truncated(what, offset): return "\(path): truncated GGUF file: it ends before \(what) (byte \(offset))"
        case let .malformed(why): return "\(path): malformed GGUF file: \(why)"
        case let .unsupportedTensorType(tensor, type):
            return "\(path): tensor '\(tensor)' has type \(type.name), which is not supported (supported: F32, F16, Q8_0, Q4_0)"
        case let .missingTensor(name): return "\(path): required tensor '\(name)' is missing"
        case let .shapeMismatch(tensor, expected, found):
            return "\(path): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .missingMetadata(key): return "\(path): required metadata key '\(key)' is missing or has the wrong type"
        case let .unsupportedModel(why): return "\(path): unsupported model: \(why)"
        }
    }
}

/// A GGUF file, memory-mapped read-only: its header, metadata and tensor directory, with access to
/// each tensor's bytes in place.
///
/// The file stays mapped for the lifetime of the object; ``rawData(of:)`` points into the mapping, so
/// float32 tensors can be used without copying. Only little-endian files of GGUF versions 2 and 3
/// are read (version 1 used 32-bit counts and is long obsolete).
public final class GGUFFile: @unchecked Sendable {
    /// The path the file was opened from (used in every error message).
    public let path: String
    /// The GGUF version (2 or 3).
    public let version: UInt32
    /// The metadata key–value pairs.
    public let metadata: GGUFMetadata
    /// The tensor directory, in file order.
    public let tensors: [GGUFTensorInfo]
    /// The alignment of the data section and of every tensor offset (`general.alignment`, default 32).
    public let alignment: Int
    /// Byte offset of the data section from the start of the file.
    public let dataOffset: Int
    /// The file's size in bytes.
    public let fileSize: Int

    private let base: UnsafeRawPointer
    private let index: [String: Int]

    /// Opens and maps the file at `path` and reads its header, metadata and tensor directory.
    ///
    /// - Throws: ``GGUFError`` naming the file: it cannot be opened, is not GGUF, has an unsupported
    ///   version, is truncated (including a tensor whose data runs past the end), or is malformed.
    public init(path: String) throws(GGUFError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw GGUFError(path: path, .cannotOpen(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw GGUFError(path: path, .cannotOpen(String(cString: strerror(errno)))) }
        if (st.st_mode & S_IFMT) != S_IFREG { throw GGUFError(path: path, .cannotOpen("not a regular file")) }
        let size = Int(st.st_size)
        if size < 4 {
            if size == 0 { throw GGUFError(path: path, .truncated(what: "the magic number (the file is empty)", offset: 0)) }
            throw GGUFError(path: path, .truncated(what: "the magic number", offset: size))
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw GGUFError(path: path, .cannotOpen("mmap: " + String(cString: strerror(errno))))
        }
        let base = UnsafeRawPointer(mapped)
        do throws(GGUFError) {
            var r = Reader(base: base, size: size, path: path)
            let magic = try r.bytes(4, "the magic number")
            if magic != [0x47, 0x47, 0x55, 0x46] {
                throw GGUFError(path: path, .notGGUF(magic.map { hex($0) }.joined(separator: " ")))
            }
            let version = try r.u32("the version")
            if version != 2 && version != 3 {
                if version.byteSwapped == 2 || version.byteSwapped == 3 {
                    throw GGUFError(path: path, .malformed("big-endian GGUF files are not supported"))
                }
                throw GGUFError(path: path, .unsupportedVersion(version))
            }
            let tensorCount = try r.count("the tensor count", minimumBytesEach: 8 + 4 + 4 + 8)
            let kvCount = try r.count("the metadata count", minimumBytesEach: 8 + 4)
            var pairs: [(String, GGUFValue)] = []
            pairs.reserveCapacity(kvCount)
            for i in 0..<kvCount {
                let key = try r.string("metadata key \(i)")
                let tag = try r.u32("the type of metadata '\(key)'")
                let value = try r.value(tag: tag, key: key)
                pairs.append((key, value))
            }
            let metadata = GGUFMetadata(pairs)
            var alignment = 32
            if let a = metadata["general.alignment"] {
                guard let n = a.integer, n > 0, n & (n - 1) == 0 else {
                    throw GGUFError(path: path, .malformed("general.alignment must be a positive power of two"))
                }
                alignment = n
            }
            var tensors: [GGUFTensorInfo] = []
            tensors.reserveCapacity(tensorCount)
            var index: [String: Int] = [:]
            for i in 0..<tensorCount {
                let name = try r.string("the name of tensor \(i)")
                let nDims = Int(try r.u32("the dimension count of tensor '\(name)'"))
                if nDims < 1 || nDims > 4 {
                    throw GGUFError(path: path, .malformed("tensor '\(name)' has \(nDims) dimensions (1 to 4 allowed)"))
                }
                var dims: [Int] = []
                var elements = 1
                for d in 0..<nDims {
                    let raw = try r.u64("dimension \(d) of tensor '\(name)'")
                    guard raw > 0, raw < (1 << 40), let n = Int(exactly: raw) else {
                        throw GGUFError(path: path, .malformed("tensor '\(name)' has dimension \(d) = \(raw)"))
                    }
                    let (product, overflow) = elements.multipliedReportingOverflow(by: n)
                    if overflow || product > (1 << 42) {
                        throw GGUFError(path: path, .malformed("tensor '\(name)' is impossibly large"))
                    }
                    elements = product
                    dims.append(n)
                }
                let type = GGMLType(rawValue: try r.u32("the type of tensor '\(name)'"))
                let rawOffset = try r.u64("the data offset of tensor '\(name)'")
                guard let offset = Int(exactly: rawOffset), offset % alignment == 0 else {
                    throw GGUFError(path: path, .malformed("tensor '\(name)' has offset \(rawOffset), not a multiple of the alignment \(alignment)"))
                }
                if let per = type.blockElements, dims[0] % per != 0 {
                    throw GGUFError(path: path, .malformed("tensor '\(name)' of type \(type.name) has a row of \(dims[0]) elements, not a multiple of its block size \(per)"))
                }
                if index.updateValue(tensors.count, forKey: name) != nil {
                    throw GGUFError(path: path, .malformed("tensor '\(name)' appears twice"))
                }
                tensors.append(GGUFTensorInfo(name: name, dimensions: dims, type: type, offset: offset))
            }
            let dataOffset = (r.position + alignment - 1) / alignment * alignment
            for t in tensors {
                guard let bytes = t.byteCount else { continue }  // unknown layout: checked when used
                let end = dataOffset + t.offset + bytes
                if end > size {
                    throw GGUFError(path: path, .truncated(what: "the end of tensor '\(t.name)' (needs byte \(end))", offset: size))
                }
            }
            self.version = version
            self.metadata = metadata
            self.tensors = tensors
            self.index = index
            self.alignment = alignment
            self.dataOffset = dataOffset
            self.fileSize = size
            self.base = base
        } catch {
            munmap(mapped, size)
            throw error
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), fileSize)
    }

    /// The tensor called `name`, if the file has one.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The tensor's bytes, in place in the mapping (valid while this object lives).
    ///
    /// - Throws: ``GGUFError/Kind/unsupportedTensorType(tensor:type:)`` when the type's size is unknown.
    public func rawData(of tensor: GGUFTensorInfo) throws(GGUFError) -> UnsafeRawBufferPointer {
        guard let bytes = tensor.byteCount else { throw GGUFError(path: path, .unsupportedTensorType(tensor: tensor.name, type: tensor.type)) }
        return UnsafeRawBufferPointer(start: base + dataOffset + tensor.offset, count: bytes)
    }

    /// A float32 tensor's elements in place in the mapping, when the tensor is F32 and 4-byte aligned;
    /// nil otherwise. Valid while this object lives.
    public func float32Pointer(of tensor: GGUFTensorInfo) -> UnsafePointer<Float>? {
        guard tensor.type == .f32 else { return nil }
        let p = base + dataOffset + tensor.offset
        guard Int(bitPattern: p) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return p.assumingMemoryBound(to: Float.self)
    }

    /// The tensor's elements decoded to float32 (a copy), for F32, F16, Q8_0 and Q4_0 tensors.
    ///
    /// - Throws: ``GGUFError/Kind/unsupportedTensorType(tensor:type:)`` naming the tensor and its type.
    public func floats(of tensor: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        guard tensor.type.isSupported else { throw GGUFError(path: path, .unsupportedTensorType(tensor: tensor.name, type: tensor.type)) }
        let raw = try rawData(of: tensor)
        let n = tensor.elementCount
        return [Float](unsafeUninitializedCapacity: n) { buffer, count in
            GGMLDequantize.decode(tensor.type, from: raw.baseAddress!, count: n, into: buffer.baseAddress!)
            count = n
        }
    }
}

private func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}

/// A bounds-checked little-endian cursor over the mapped file.
private struct Reader {
    let base: UnsafeRawPointer
    let size: Int
    let path: String
    var position = 0

    /// Nesting depth of arrays being read (the format allows nesting; bound it).
    var depth = 0

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        if n < 0 || n > size - position { throw GGUFError(path: path, .truncated(what: what(), offset: size)) }
    }

    mutating func bytes(_ n: Int, _ what: @autoclosure () -> String) throws(GGUFError) -> [UInt8] {
        try need(n, what())
        let out = [UInt8](UnsafeRawBufferPointer(start: base + position, count: n))
        position += n
        return out
    }

    mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, what())
        let v = T(littleEndian: base.loadUnaligned(fromByteOffset: position, as: T.self))
        position += MemoryLayout<T>.size
        return v
    }

    mutating func u32(_ what: @autoclosure () -> String) throws(GGUFError) -> UInt32 { try load(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws(GGUFError) -> UInt64 { try load(UInt64.self, what()) }

    /// A count that must be satisfiable by the remaining bytes (guards allocations against garbage):
    /// a plausible count the rest of the file cannot hold means the file is truncated.
    mutating func count(_ what: @autoclosure () -> String, minimumBytesEach: Int) throws(GGUFError) -> Int {
        let raw = try u64(what())
        guard let n = Int(exactly: raw), n <= (1 << 32) else {
            throw GGUFError(path: path, .malformed("\(what()) is \(raw)"))
        }
        if n > (size - position) / max(1, minimumBytesEach) {
            throw GGUFError(path: path, .truncated(what: "the \(n) entries announced by \(what())", offset: size))
        }
        return n
    }

    mutating func string(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let raw = try u64("the length of " + what())
        guard let n = Int(exactly: raw) else { throw GGUFError(path: path, .malformed("\(what()) has length \(raw)")) }
        try need(n, what())
        let s = String(decoding: UnsafeRawBufferPointer(start: base + position, count: n), as: UTF8.self)
        position += n
        return s
    }

    mutating func value(tag: UInt32, key: String) throws(GGUFError) -> GGUFValue {
        guard let type = GGUFValueType(rawValue: tag) else {
            throw GGUFError(path: path, .malformed("metadata '\(key)' has unknown value type \(tag)"))
        }
        let what = "the value of metadata '\(key)'"
        switch type {
        case .uint8: return .uint8(try load(UInt8.self, what))
        case .int8: return .int8(try load(Int8.self, what))
        case .uint16: return .uint16(try load(UInt16.self, what))
        case .int16: return .int16(try load(Int16.self, what))
        case .uint32: return .uint32(try load(UInt32.self, what))
        case .int32: return .int32(try load(Int32.self, what))
        case .uint64: return .uint64(try load(UInt64.self, what))
        case .int64: return .int64(try load(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try load(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try load(UInt64.self, what)))
        case .bool:
            let b = try load(UInt8.self, what)
            guard b <= 1 else { throw GGUFError(path: path, .malformed("metadata '\(key)' has boolean byte \(b)")) }
            return .bool(b == 1)
        case .string: return .string(try string(what))
        case .array:
            let elementTag = try u32("the element type of metadata '\(key)'")
            guard let elementType = GGUFValueType(rawValue: elementTag) else {
                throw GGUFError(path: path, .malformed("metadata '\(key)' has unknown array element type \(elementTag)"))
            }
            if depth >= 8 { throw GGUFError(path: path, .malformed("metadata '\(key)' nests arrays too deeply")) }
            let minimum: Int = switch elementType {
            case .uint8, .int8, .bool: 1
            case .uint16, .int16: 2
            case .uint32, .int32, .float32: 4
            case .uint64, .int64, .float64, .string: 8
            case .array: 12
            }
            let n = try count("the element count of metadata '\(key)'", minimumBytesEach: minimum)
            var out: [GGUFValue] = []
            out.reserveCapacity(n)
            depth += 1
            defer { depth -= 1 }
            for _ in 0..<n { out.append(try value(tag: elementTag, key: key)) }
            return .array(elementType, out)
        }
    }
}
