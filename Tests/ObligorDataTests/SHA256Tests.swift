import Testing
@testable import ObligorData

@Suite("SHA256Digest")
struct SHA256Tests {
    @Test("FIPS 180-4 test vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func vectors(input: String, digest: String) {
        #expect(SHA256Digest.hex(Array(input.utf8)) == digest)
    }

    @Test("one million 'a'")
    func millionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256Digest.hex([UInt8](repeating: 0x61, count: 1_000_000)) == expected)
        // Same in uneven chunks (1000 updates of 1000 bytes, split 333 + 667).
        var d = SHA256Digest()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { d.update(chunk[0..<333]); d.update(chunk[333...]) }
        #expect(d.finalizeHex() == expected)
    }

    @Test("padding boundaries (lengths around 55, 56 and 64 bytes; values from coreutils sha256sum)", arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
    ])
    func boundaries(count: Int, digest: String) {
        #expect(SHA256Digest.hex([UInt8](repeating: 0x61, count: count)) == digest)
    }

    @Test("chunked updates equal the one-shot digest for every split of varied inputs")
    func chunked() {
        var g = SplitMix64(seed: 256)
        for length in [0, 1, 63, 64, 65, 127, 128, 129, 200, 1000] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            let oneShot = SHA256Digest.hex(data)
            #expect(oneShot.count == 64 && oneShot.allSatisfy { "0123456789abcdef".contains($0) })
            // Random chunk sizes, including empty chunks.
            for _ in 0..<5 {
                var d = SHA256Digest()
                var i = 0
                while i < length {
                    let n = Int.random(in: 0...min(130, length - i), using: &g)
                    d.update(data[i..<(i + n)])
                    i += n
                }
                d.update([UInt8]())
                #expect(d.finalizeHex() == oneShot, "length \(length)")
            }
            // Byte at a time.
            var d = SHA256Digest()
            for b in data { d.update([b]) }
            #expect(d.finalizeHex() == oneShot)
        }
        // Different inputs give different digests.
        #expect(SHA256Digest.hex([0]) != SHA256Digest.hex([1]))
    }
}
