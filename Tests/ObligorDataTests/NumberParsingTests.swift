import Foundation
import Testing
@testable import ObligorData

@Suite("parseNumber")
struct NumberParsingTests {
    /// A random decimal string of varied form. `plainInteger` is true when it has no '.' and no exponent.
    static func randomNumberString(_ g: inout SplitMix64) -> (text: String, core: String, plainInteger: Bool) {
        func digits(_ n: Int, _ g: inout SplitMix64) -> String {
            String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &g))) })
        }
        var s = ""
        switch Int.random(in: 0..<4, using: &g) {
        case 0: s += "-"
        case 1: s += "+"
        default: break
        }
        // Digit counts: mostly short, sometimes long (20–40 digits) to force the slow path.
        func count(_ g: inout SplitMix64) -> Int {
            switch Int.random(in: 0..<10, using: &g) {
            case 0..<6: return Int.random(in: 0...8, using: &g)
            case 6..<8: return Int.random(in: 9...19, using: &g)
            default: return Int.random(in: 20...40, using: &g)
            }
        }
        var intDigits = count(&g)
        var fracDigits = 0
        var hasPoint = false
        switch Int.random(in: 0..<5, using: &g) {
        case 0: break                                     // integer
        case 1: hasPoint = true                           // "5." form or ".5" form below
        default: hasPoint = true; fracDigits = count(&g)
        }
        if Int.random(in: 0..<12, using: &g) == 0 { intDigits = 0; hasPoint = true; fracDigits = max(1, fracDigits) }  // ".5"
        if intDigits == 0 && fracDigits == 0 { intDigits = 1 }
        // Occasionally leading zeros.
        if intDigits > 0 && Int.random(in: 0..<8, using: &g) == 0 { s += String(repeating: "0", count: Int.random(in: 1...5, using: &g)) }
        s += digits(intDigits, &g)
        if hasPoint { s += "." + digits(fracDigits, &g) }
        var hasExponent = false
        if Int.random(in: 0..<3, using: &g) == 0 {
            hasExponent = true
            s += Bool.random(using: &g) ? "e" : "E"
            switch Int.random(in: 0..<3, using: &g) {
            case 0: s += "-"
            case 1: s += "+"
            default: break
            }
            // Half near the fast-path range (|e| ≤ 25), half anywhere up to 300.
            let e = Bool.random(using: &g) ? Int.random(in: 0...25, using: &g) : Int.random(in: 0...300, using: &g)
            s += (Int.random(in: 0..<10, using: &g) == 0 ? "0" : "") + String(e)
        }
        let core = s
        // Leading/trailing spaces (and the odd tab).
        if Int.random(in: 0..<6, using: &g) == 0 { s = String(repeating: " ", count: Int.random(in: 1...3, using: &g)) + s }
        if Int.random(in: 0..<6, using: &g) == 0 { s += Bool.random(using: &g) ? "  " : "\t" }
        return (s, core, !hasPoint && !hasExponent)
    }

    @Test("bit-for-bit equal to Double(String) on 200k random decimal strings, with a correct integer flag")
    func randomStrings() {
        var g = SplitMix64(seed: 0xC0FFEE)
        var failures = 0
        var slowPathCount = 0
        for _ in 0..<200_000 {
            let (text, core, plainInteger) = Self.randomNumberString(&g)
            guard let expected = Double(core) else {
                Issue.record("oracle rejected \(core)"); failures += 1; continue
            }
            if core.filter(\.isNumber).count > 19 { slowPathCount += 1 }
            switch parse(text) {
            case let .number(v, isInteger):
                if v.bitPattern != expected.bitPattern {
                    Issue.record("'\(text)': parsed \(v) (\(v.bitPattern)), Double gives \(expected) (\(expected.bitPattern))")
                    failures += 1
                }
                // The flag promises a value that is exactly an integer and safely convertible to Int:
                // integer syntax (no '.', no exponent) and |v| ≤ 2⁵³.
                let expectedFlag = plainInteger && abs(expected) <= 9_007_199_254_740_992
                if isInteger != expectedFlag {
                    Issue.record("'\(text)': isInteger \(isInteger), expected \(expectedFlag)")
                    failures += 1
                }
            case .nonFinite:
                if expected.isFinite { Issue.record("'\(text)': nonFinite, Double gives \(expected)"); failures += 1 }
            case .notANumber:
                Issue.record("'\(text)': notANumber, Double gives \(expected)"); failures += 1
            }
            if failures > 20 { break }
        }
        // The generator must exercise the strtod fallback as well as the fast path.
        #expect(slowPathCount > 10_000)
    }

    @Test("hard cases: halfway points, subnormals, boundaries", arguments: [
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
        "0.1", "0.2", "0.3", "1e23", "8.98846567431158e307", "1.7976931348623157e308",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9e-324", "5e-324", "2.4703282292062327e-324",
        "2.4703282292062328e-324", "1e-400", "0.000000000000000000000000000001", "123456789012345678901234567890",
        "9007199254740992e22", "9007199254740993e-22", "1e22", "1e-22", "4503599627370497.5",
        "-0", "-0.0", "0e999", "00000000000000000000000000000001", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "7.2057594037927933e16", "3.141592653589793238462643383279",
    ])
    func hardCases(text: String) throws {
        let expected = try #require(Double(text))
        guard case let .number(v, _) = parse(text) else { Issue.record("not parsed"); return }
        #expect(v.bitPattern == expected.bitPattern, "\(v) vs \(expected)")
    }

    @Test("integer flag on simple cases")
    func integerFlag() {
        func flag(_ s: String) -> Bool? { if case let .number(_, i) = parse(s) { return i } else { return nil } }
        #expect(flag("42") == true)
        #expect(flag("-17") == true)
        #expect(flag(" 7 ") == true)
        #expect(flag("0007") == true)
        #expect(flag("42.0") == false)
        #expect(flag("5.") == false)
        #expect(flag("1e3") == false)
        #expect(flag("9007199254740992") == true)
        #expect(flag("9007199254740993") == false)     // beyond 2⁵³: not exactly representable
        #expect(flag("12345678901234567890") == false)
    }

    @Test("nan and infinity tokens are nonFinite; overflow is nonFinite",
          arguments: ["nan", "NaN", "NAN", "-nan", "inf", "-inf", "+inf", "Inf", "infinity", "-Infinity", "INFINITY", " inf ", "1e999", "-1e400"])
    func nonFinite(text: String) {
        guard case .nonFinite = parse(text) else { Issue.record("'\(text)' → \(parse(text))"); return }
    }

    @Test("garbage is notANumber",
          arguments: ["abc", "1e", "1e+", "--1", "", "   ", "+", "-", ".", "e5", "1.2.3", "1,5", "0x10", "1e5x",
                      "12abc", "infinit", "nana", "- 1", "1 2", "+-1", "1_000", "--inf", ".e1", "\t"])
    func garbage(text: String) {
        guard case .notANumber = parse(text) else { Issue.record("'\(text)' → \(parse(text))"); return }
    }
}

@Suite("scanPlainNumber (the CSV fast path)")
struct ScanPlainNumberTests {
    /// The fused scanner must agree bit for bit with parseNumber (and so with Double(String)) on
    /// every plain form, and return nil (general path) only for forms it does not take ('+' signs, overflow).
    @Test func agreesWithParseNumberOn200kStrings() {
        var g = SplitMix64(seed: 0xBEEF)
        var failures = 0
        for _ in 0..<200_000 {
            let (_, core, _) = NumberParsingTests.randomNumberString(&g)
            let bytes = Array((core + ",x").utf8)
            let scanned = bytes.withUnsafeBufferPointer { scanPlainNumber($0.baseAddress!, from: 0, end: $0.count, delimiter: UInt8(ascii: ",")) }
            let parsed = Array(core.utf8).withUnsafeBufferPointer { parseNumber($0.baseAddress!, $0.count) }
            guard let (v, isInteger, next) = scanned else {
                // Refusal is right for '+' forms and for overflow to infinity (the general path reports it).
                if case .nonFinite = parsed { continue }
                if !core.hasPrefix("+") { Issue.record("'\(core)': fast path refused a plain number"); failures += 1 }
                continue
            }
            #expect(next == core.utf8.count)
            guard case let .number(expected, expectedFlag) = parsed else { Issue.record("'\(core)': parseNumber refused it"); failures += 1; continue }
            if v.bitPattern != expected.bitPattern || isInteger != expectedFlag {
                Issue.record("'\(core)': scanned \(v) \(isInteger), parsed \(expected) \(expectedFlag)")
                failures += 1
            }
            if failures > 20 { break }
        }
    }

    @Test func refusesAnythingButAPlainNumberBeforeATerminator() {
        for text in ["1 ,", "1a,", "NA,", " 1,", "1e,", ".,", "-,", "\"1\","] {
            let bytes = Array(text.utf8)
            let r = bytes.withUnsafeBufferPointer { scanPlainNumber($0.baseAddress!, from: 0, end: $0.count, delimiter: UInt8(ascii: ",")) }
            #expect(r == nil, "\(text)")
        }
    }
}
