/// A ggml tensor element type, as stored in a GGUF tensor info (`uint32`).
///
/// The value is kept even when this module cannot decode it, so that a file with, say, `Q4_K`
/// tensors still opens and the error names the tensor and the type when such a tensor is used.
/// Only ``f32``, ``f16``, ``q8_0`` and ``q4_0`` can be decoded (``isSupported``).
public struct GGMLType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The ggml enum value.
    public let rawValue: UInt32

    /// Wraps a ggml enum value (any value is accepted).
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// IEEE float32, 4 bytes per element.
    public static let f32 = GGMLType(rawValue: 0)
    /// IEEE float16 (binary16), 2 bytes per element.
    public static let f16 = GGMLType(rawValue: 1)
    /// Blocks of 32 elements: a float16 scale `d`, then 16 bytes of 4-bit codes; value = (q − 8)·d.
    public static let q4_0 = GGMLType(rawValue: 2)
    /// Blocks of 32 elements: a float16 scale `d`, then 32 signed bytes q; value = q·d.
    public static let q8_0 = GGMLType(rawValue: 8)

    /// (name, elements per block, bytes per block); bytes 0 where this module does not know the size.
    private static let table: [UInt32: (String, Int, Int)] = [
        0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
        6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
        10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
        14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
        16: ("IQ2_XXS", 256, 0), 17: ("IQ2_XS", 256, 0), 18: ("IQ3_XXS", 256, 0), 19: ("IQ1_S", 256, 0),
        20: ("IQ4_NL", 32, 0), 21: ("IQ3_S", 256, 0), 22: ("IQ2_S", 256, 0), 23: ("IQ4_XS", 256, 0),
        24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8),
        29: ("IQ1_M", 256, 0), 30: ("BF16", 1, 2),
    ]

    /// The ggml name (`"Q8_0"`), or `"type N"` for a value this module does not know.
    public var name: String { Self.table[rawValue]?.0 ?? "type \(rawValue)" }
    /// The ggml name.
    public var description: String { name }

    /// Elements per quantisation block (1 for plain types), when known.
    public var blockElements: Int? { Self.table[rawValue].map { $0.1 } }
    /// Bytes per block, when known.
    public var blockBytes: Int? { Self.table[rawValue].flatMap { $0.2 > 0 ? $0.2 : nil } }

    /// Whether ``GGUFFile/floats(of:)`` can decode tensors of this type.
    public var isSupported: Bool { self == .f32 || self == .f16 || self == .q8_0 || self == .q4_0 }

    /// Bytes taken by `count` elements, when the block layout is known and `count` fills whole blocks.
    public func byteCount(elements count: Int) -> Int? {
        guard let per = blockElements, let bytes = blockBytes, count % per == 0 else { return nil }
        return count / per * bytes
    }
}

/// The type tag of a GGUF metadata value (`uint32` in the file).
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    /// Scalar types (fixed width, little-endian; `bool` is one byte, 0 or 1).
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    /// A length-prefixed UTF-8 string, an array, and the 64-bit scalars.
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12
}

/// One GGUF metadata value.
public enum GGUFValue: Sendable, Equatable {
    /// Integer scalars.
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    /// 64-bit integers, floats, booleans and strings.
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// An array: the element type tag and the elements (nested arrays are allowed by the format).
    case array(GGUFValueType, [GGUFValue])

    /// The value's type tag.
    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .uint64: .uint64
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        case .bool: .bool
        case .string: .string
        case .array: .array
        }
    }

    /// The value as an integer, for any integer type (and `bool` as 0/1); nil otherwise or when a
    /// `uint64` does not fit in `Int`.
    public var integer: Int? {
        switch self {
        case let .uint8(v): Int(v)
        case let .int8(v): Int(v)
        case let .uint16(v): Int(v)
        case let .int16(v): Int(v)
        case let .uint32(v): Int(v)
        case let .int32(v): Int(v)
        case let .uint64(v): Int(exactly: v)
        case let .int64(v): Int(v)
        case let .bool(v): v ? 1 : 0
        default: nil
        }
    }

    /// The value as a floating-point number, for float and integer types; nil otherwise.
    public var double: Double? {
        switch self {
        case let .float32(v): Double(v)
        case let .float64(v): v
        default: integer.map(Double.init)
        }
    }

    /// The string, for `string` values.
    public var string: String? { if case let .string(s) = self { s } else { nil } }

    /// The elements, for `array` values.
    public var array: [GGUFValue]? { if case let .array(_, a) = self { a } else { nil } }
}

/// The metadata key–value section of a GGUF file, in file order.
public struct GGUFMetadata: Sendable {
    /// Keys in the order they appear in the file.
    public let keys: [String]
    private let values: [String: GGUFValue]

    /// Builds metadata from ordered key–value pairs (a later duplicate key replaces an earlier one).
    public init(_ pairs: [(String, GGUFValue)]) {
        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        for (k, v) in pairs {
            if values.updateValue(v, forKey: k) == nil { keys.append(k) }
        }
        self.keys = keys
        self.values = values
    }

    /// The value stored under `key`.
    public subscript(key: String) -> GGUFValue? { values[key] }

    /// The value under `key` as an integer (any integer type), if present and integral.
    public func integer(_ key: String) -> Int? { values[key]?.integer }
    /// The value under `key` as a number (float or integer types).
    public func double(_ key: String) -> Double? { values[key]?.double }
    /// The string under `key`.
    public func string(_ key: String) -> String? { values[key]?.string }
    /// The boolean under `key` (`bool` values only).
    public func bool(_ key: String) -> Bool? { if case let .bool(b)? = values[key] { b } else { nil } }
    /// The array under `key` as strings; nil unless every element is a string.
    public func stringArray(_ key: String) -> [String]? {
        guard let a = values[key]?.array else { return nil }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for v in a { guard let s = v.string else { return nil }; out.append(s) }
        return out
    }
    /// The array under `key` as numbers; nil unless every element is numeric.
    public func doubleArray(_ key: String) -> [Double]? {
        guard let a = values[key]?.array else { return nil }
        var out: [Double] = []
        out.reserveCapacity(a.count)
        for v in a { guard let d = v.double else { return nil }; out.append(d) }
        return out
    }
    /// The array under `key` as integers; nil unless every element is an integer.
    public func integerArray(_ key: String) -> [Int]? {
        guard let a = values[key]?.array else { return nil }
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for v in a { guard let d = v.integer else { return nil }; out.append(d) }
        return out
    }
}

/// Where a tensor lives in a GGUF file and what it holds.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name (`"blk.0.attn_q.weight"`).
    public let name: String
    /// ggml dimensions, fastest-varying first: a linear layer with `n` inputs and `m` outputs is
    /// `[n, m]`, i.e. `m` rows of `n` contiguous elements.
    public let dimensions: [Int]
    /// The element type.
    public let type: GGMLType
    /// Byte offset of the tensor's data from the start of the data section.
    public let offset: Int

    /// The number of elements (product of the dimensions).
    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Bytes of data, when the type's block layout is known.
    public var byteCount: Int? { type.byteCount(elements: elementCount) }
}
