/// Decoding of the GGUF tensor element types this module supports into float32.
///
/// Block layouts (little-endian, blocks packed back to back, 32 elements per block):
/// - `Q8_0`: 34 bytes = float16 scale `d`, then 32 signed bytes `q₀…q₃₁`; element j = `d · qⱼ`.
/// - `Q4_0`: 18 bytes = float16 scale `d`, then 16 bytes; byte i holds element i in its low nibble
///   and element i + 16 in its high nibble, each an unsigned code `c` with value `(c − 8) · d`.
public enum GGMLDequantize {
    /// Decodes `count` elements of type `type` starting at `source` into `destination`.
    ///
    /// - Precondition: `type.isSupported`, `count` is a multiple of the type's block size, and the
    ///   buffers hold the bytes / elements that `count` needs.
    public static func decode(_ type: GGMLType, from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f16:
            for i in 0..<count { destination[i] = half(source, 2 * i) }
        case .q8_0:
            precondition(count % 32 == 0, "Q8_0 needs whole blocks of 32")
            for b in 0..<(count / 32) {
                let block = source + 34 * b
                let d = half(block, 0)
                let out = destination + 32 * b
                for j in 0..<32 { out[j] = d * Float(Int8(bitPattern: block.load(fromByteOffset: 2 + j, as: UInt8.self))) }
            }
        case .q4_0:
            precondition(count % 32 == 0, "Q4_0 needs whole blocks of 32")
            for b in 0..<(count / 32) {
                let block = source + 18 * b
                let d = half(block, 0)
                let out = destination + 32 * b
                for i in 0..<16 {
                    let byte = block.load(fromByteOffset: 2 + i, as: UInt8.self)
                    out[i] = Float(Int(byte & 0x0F) - 8) * d
                    out[i + 16] = Float(Int(byte >> 4) - 8) * d
                }
            }
        default:
            preconditionFailure("GGMLDequantize: unsupported type \(type.name)")
        }
    }

    /// The float16 at `offset` bytes from `p`, widened to float32.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
    }
}
