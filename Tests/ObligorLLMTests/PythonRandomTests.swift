import Foundation
import Testing
@testable import ObligorLLM

/// CPython's generator, seeding and sampling. Expected values printed by CPython 3.11
/// (`random.seed(s); random.getrandbits(32)`, `random.sample(...)`, …).
@Suite("PythonRandom")
struct PythonRandomTests {
    @Test func mt19937StreamMatchesCPython() {
        var r = PythonRandom(seed: 10086)
        #expect([r.getrandbits(32), r.getrandbits(32), r.getrandbits(32)] == [187100619, 1576547082, 3433624051])
        #expect(r.random() == 0.02487340722217768)
        #expect(r.getrandbits(40) == 894748501783)
    }

    @Test func seedWiderThan32BitsAndRandbelow() {
        var r = PythonRandom(seed: (1 << 40) + 5)   // key = [5, 256]
        #expect(r.randbelow(1000) == 516)             // random.randrange(1000)
    }

    @Test func sampleUsesPoolForSmallPopulations() {
        var r = PythonRandom(seed: 0)
        #expect(r.sample(Array(0..<50), 10) == [24, 48, 26, 2, 16, 32, 31, 25, 19, 30])
    }

    @Test func sampleUsesSetRejectionForLargePopulations() {
        var r = PythonRandom(seed: 10086)
        #expect(r.sample(Array(0..<100_000), 8) == [5709, 48112, 3260, 26867, 42581, 51963, 48018, 73566])
    }
}
