import Foundation

/// JSON text written the way CPython's `json.dumps` writes it with its defaults
/// (`ensure_ascii=True`, separators `", "` and `": "`): non-ASCII characters become `\uXXXX`
/// (UTF-16 surrogate pairs above U+FFFF), `/` is not escaped, control characters use the short
/// escapes `\n \r \t \b \f` or `\u00XX`. CALM wrote its JSONL records with `json.dump`, so this is
/// what makes `obligor calm prompts` byte-identical to them.
public enum PythonJSON {
    /// A JSON string literal, quotes included.
    public static func string(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.utf16 {
            switch u {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(UInt8(u)))
            default: out += String(format: "\\u%04x", u)
            }
        }
        return out + "\""
    }

    /// A JSON array of strings.
    public static func array(_ items: [String]) -> String {
        "[" + items.map(string).joined(separator: ", ") + "]"
    }
}

/// Python's `repr(float)` / `str(float)`: the shortest digits that round-trip, in positional
/// notation for exponents −4 ≤ e < 16 (always with a fractional part, `1.0`), else scientific
/// (`1e-05`, `1.5e+16`); `nan`, `inf`, `-inf`.
public func pythonFloatRepr(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return x.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description also prints the shortest round-trip digits; take them apart.
    var text = "\(abs(x))"
    var exp10 = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exp10 = Int(text[text.index(after: e)...])!
        text = String(text[..<e])
    }
    var intPart = text, frac = ""
    if let dot = text.firstIndex(of: ".") {
        intPart = String(text[..<dot]); frac = String(text[text.index(after: dot)...])
    }
    var digits = intPart + frac
    var pointPos = intPart.count + exp10          // decimal point after this many digits
    let lead = digits.prefix { $0 == "0" }.count
    digits.removeFirst(lead); pointPos -= lead
    while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
    if digits.isEmpty { digits = "0" }
    let e = pointPos - 1                          // scientific exponent
    let sign = x < 0 ? "-" : ""
    if e < -4 || e >= 16 {
        let mant = digits.count > 1 ? String(digits.first!) + "." + digits.dropFirst() : digits
        return sign + mant + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
    }
    if pointPos <= 0 { return sign + "0." + String(repeating: "0", count: -pointPos) + digits }
    if pointPos >= digits.count { return sign + digits + String(repeating: "0", count: pointPos - digits.count) + ".0" }
    let i = digits.index(digits.startIndex, offsetBy: pointPos)
    return sign + digits[..<i] + "." + digits[i...]
}

/// C / Python `"%.Nf"` formatting (correctly rounded from the binary value).
func fixed(_ x: Double, _ places: Int) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    return String(format: "%.\(places)f", x)
}
