import Foundation

/// The result of reading one numeric token.
enum ParsedNumber {
    case number(Double, isInteger: Bool)
    case nonFinite
    case notANumber
}

/// 10^e for 0 ≤ e ≤ 22, all exactly representable. A switch, not a global table, so the hot path
/// pays no lazy-global initialisation check.
@inline(__always)
private func exactPowerOfTen(_ e: Int) -> Double {
    switch e {
    case 0: return 1e0
    case 1: return 1e1
    case 2: return 1e2
    case 3: return 1e3
    case 4: return 1e4
    case 5: return 1e5
    case 6: return 1e6
    case 7: return 1e7
    case 8: return 1e8
    case 9: return 1e9
    case 10: return 1e10
    case 11: return 1e11
    case 12: return 1e12
    case 13: return 1e13
    case 14: return 1e14
    case 15: return 1e15
    case 16: return 1e16
    case 17: return 1e17
    case 18: return 1e18
    case 19: return 1e19
    case 20: return 1e20
    case 21: return 1e21
    default: return 1e22
    }
}

/// Parses a decimal number from raw bytes, without allocating.
///
/// Uses Clinger's exact fast path (≤ 19 significant digits, mantissa ≤ 2⁵³, |exponent| ≤ 22, where
/// one IEEE multiplication or division is correctly rounded) and falls back to `strtod` otherwise,
/// so every result is the correctly rounded double, identical to `Double(String)`.
/// Leading and trailing spaces are ignored. `nan`, `inf`, `infinity` (any case, signed) report
/// ``ParsedNumber/nonFinite``.
func parseNumber(_ p: UnsafePointer<UInt8>, _ count: Int) -> ParsedNumber {
    var start = 0
    var end = count
    while start < end && (p[start] == 0x20 || p[start] == 0x09) { start += 1 }
    while end > start && (p[end - 1] == 0x20 || p[end - 1] == 0x09) { end -= 1 }
    if start == end { return .notANumber }
    var i = start
    var negative = false
    if p[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if p[i] == UInt8(ascii: "+") { i += 1 }
    if i == end { return .notANumber }
    var mantissa: UInt64 = 0
    var digits = 0          // significant digits accumulated in mantissa
    var dropped = 0         // integer digits beyond 19 (scale up)
    var fractionDigits = 0
    var sawDigit = false
    var truncated = false  // a digit did not fit in the 19-digit mantissa
    var sawPoint = false
    var sawExponent = false
    var exponent = 0
    while i < end {
        let c = p[i]
        if c >= 0x30 && c <= 0x39 {
            sawDigit = true
            if digits < 19 {
                if mantissa != 0 || c != 0x30 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(c - 0x30)
                if sawPoint { fractionDigits += 1 }
            } else {
                truncated = true
                if !sawPoint { dropped += 1 }
            }
            i += 1
        } else if c == UInt8(ascii: ".") && !sawPoint {
            sawPoint = true
            i += 1
        } else {
            break
        }
    }
    if i < end && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) && sawDigit {
        sawExponent = true
        i += 1
        var expNegative = false
        if i < end && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) { expNegative = p[i] == UInt8(ascii: "-"); i += 1 }
        var expDigits = 0
        while i < end, p[i] >= 0x30 && p[i] <= 0x39 {
            if exponent < 100_000 { exponent = exponent * 10 + Int(p[i] - 0x30) }
            expDigits += 1
            i += 1
        }
        if expDigits == 0 { return .notANumber }
        if expNegative { exponent = -exponent }
    }
    if i != end || !sawDigit {
        return isNonFiniteToken(p + start, end - start) ? .nonFinite : .notANumber
    }
    let isInteger = !sawPoint && !sawExponent && dropped == 0
    let scale = exponent - fractionDigits + dropped
    if digits <= 19 && mantissa <= (1 << 53) && scale >= -22 && scale <= 22 && !truncated {
        var v = Double(mantissa)
        if scale >= 0 { v *= exactPowerOfTen(scale) } else { v /= exactPowerOfTen(-scale) }
        return .number(negative ? -v : v, isInteger: isInteger)
    }
    // Slow path: correctly rounded by the C library.
    let len = end - start
    let v: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: len + 1) { buf in
        for k in 0..<len { buf[k] = CChar(bitPattern: p[start + k]) }
        buf[len] = 0
        return strtod(buf.baseAddress!, nil)
    }
    if !v.isFinite { return .nonFinite }   // overflow such as 1e999
    return .number(v, isInteger: isInteger && abs(v) < 9.0e15)
}

private func isNonFiniteToken(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self).lowercased()
    if s.hasPrefix("-") || s.hasPrefix("+") { s.removeFirst() }
    return s == "nan" || s == "inf" || s == "infinity"
}

/// Scans a plain decimal number starting at `i` and ending at a delimiter, CR, LF or `end`
/// (no spaces, quotes, NA tokens or NaN; those return nil and take the general path).
/// Returns the value, whether it was written as an integer, and the index of the terminator.
/// Results are bit-identical to ``parseNumber(_:_:)``: the same exact fast path, else `strtod`.
@inline(__always)
func scanPlainNumber(_ p: UnsafePointer<UInt8>, from start: Int, end: Int, delimiter: UInt8) -> (Double, Bool, Int)? {
    var i = start
    var negative = false
    if i < end && p[i] == UInt8(ascii: "-") { negative = true; i += 1 }
    var mantissa: UInt64 = 0
    let integerStart = i
    while i < end {
        let d = p[i] &- 0x30
        if d > 9 { break }
        mantissa = mantissa &* 10 &+ UInt64(d)
        i += 1
    }
    let integerDigits = i - integerStart
    var fractionDigits = 0
    var sawPoint = false
    if i < end && p[i] == UInt8(ascii: ".") {
        sawPoint = true
        i += 1
        let fractionStart = i
        while i < end {
            let d = p[i] &- 0x30
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i += 1
        }
        fractionDigits = i - fractionStart
    }
    if integerDigits + fractionDigits == 0 { return nil }
    var exponent = 0
    var sawExponent = false
    if i < end && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
        sawExponent = true
        i += 1
        var expNegative = false
        if i < end && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) { expNegative = p[i] == UInt8(ascii: "-"); i += 1 }
        var expDigits = 0
        while i < end, p[i] &- 0x30 <= 9 {
            if exponent < 100_000 { exponent = exponent * 10 + Int(p[i] - 0x30) }
            expDigits += 1
            i += 1
        }
        if expDigits == 0 { return nil }
        if expNegative { exponent = -exponent }
    }
    if i < end {
        let t = p[i]
        if t != delimiter && t != 0x0A && t != 0x0D { return nil }
    }
    // More than 19 digits may have wrapped the mantissa: the general parser decides.
    if integerDigits + fractionDigits > 19 {
        guard case let .number(v, isInteger) = parseNumber(p + start, i - start) else { return nil }
        return (v, isInteger, i)
    }
    let isInteger = !sawPoint && !sawExponent
    let scale = exponent - fractionDigits
    if mantissa <= (1 << 53) && scale >= -22 && scale <= 22 {
        var v = Double(mantissa)
        if scale >= 0 { v *= exactPowerOfTen(scale) } else { v /= exactPowerOfTen(-scale) }
        return (negative ? -v : v, isInteger, i)
    }
    guard case let .number(v, isInt) = parseNumber(p + start, i - start) else { return nil }
    return (v, isInt, i)
}
