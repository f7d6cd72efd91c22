import ObligorNumerics
import Testing

/// An independent MT19937 (Matsumoto & Nishimura's reference `init_genrand` / `genrand_int32`), the oracle
/// for GSL's generator: GSL seeds with the same 2002 initialisation and `gsl_rng_uniform` returns
/// `genrand_int32() / 2³²` for MT19937.
struct ReferenceMT19937 {
    var mt = [UInt32](repeating: 0, count: 624)
    var index = 624

    init(seed: UInt32) {
        mt[0] = seed
        for i in 1..<624 {
            mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    mutating func next() -> UInt32 {
        if index >= 624 {
            for i in 0..<624 {
                let y = (mt[i] & 0x8000_0000) | (mt[(i + 1) % 624] & 0x7FFF_FFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_B0DF)
            }
            index = 0
        }
        var y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }
}

@Suite("RandomSource")
struct RandomSourceTests {
    @Test("the reference generator reproduces the published MT19937 output for seed 5489")
    func referenceSelfCheck() {
        // mt19937ar.c's default seed 5489 gives 3499211612 first; C++ std::mt19937's 10000th output is 4123659995.
        var r = ReferenceMT19937(seed: 5489)
        #expect(r.next() == 3_499_211_612)
        for _ in 0..<9998 { _ = r.next() }
        #expect(r.next() == 4_123_659_995)
    }

    @Test("uniform() is MT19937 output / 2³², bit for bit", arguments: [1, 5489, 42, 4_294_967_295] as [UInt64])
    func matchesReferenceMT(seed: UInt64) {
        let rng = RandomSource(seed: seed)
        var ref = ReferenceMT19937(seed: UInt32(seed))
        for i in 0..<2000 {   // crosses the 624-word regeneration boundary three times
            let expected = Double(ref.next()) / 4_294_967_296.0
            let got = rng.uniform()
            if got != expected { Issue.record("seed \(seed) draw \(i): \(got) != \(expected)"); return }
        }
    }

    @Test("seed 0 is GSL's default seed 4357, as documented")
    func seedZero() {
        let a = RandomSource(seed: 0), b = RandomSource(seed: 4357)
        #expect((0..<100).map { _ in a.uniform() } == (0..<100).map { _ in b.uniform() })
        #expect(a.seed == 0)
    }

    @Test("same seed gives the same stream; different seeds differ")
    func determinism() {
        let a = RandomSource(seed: 123), b = RandomSource(seed: 123), c = RandomSource(seed: 124)
        var sa: [Double] = [], sb: [Double] = [], sc: [Double] = []
        for _ in 0..<500 {
            sa.append(a.uniform()); sa.append(a.gaussian()); sa.append(Double(a.integer(below: 1000))); sa.append(Double(a.bernoulli(0.3)))
            sb.append(b.uniform()); sb.append(b.gaussian()); sb.append(Double(b.integer(below: 1000))); sb.append(Double(b.bernoulli(0.3)))
            sc.append(c.uniform()); sc.append(c.gaussian()); sc.append(Double(c.integer(below: 1000))); sc.append(Double(c.bernoulli(0.3)))
        }
        #expect(sa == sb)
        #expect(sa != sc)
        // Uniforms from neighbouring seeds share no value in 500 draws (collision chance ~500²/2³² ≈ 6e-5, fixed by the seeds).
        let ua = Set(stride(from: 0, to: sa.count, by: 4).map { sa[$0] })
        let uc = Set(stride(from: 0, to: sc.count, by: 4).map { sc[$0] })
        #expect(ua.isDisjoint(with: uc))
    }

    @Test("uniform mean and variance within 5 sigma over 100k draws")
    func uniformMoments() {
        let rng = RandomSource(seed: 987_654_321)
        let n = 100_000
        var s = 0.0, s2 = 0.0
        var minV = 1.0, maxV = 0.0
        for _ in 0..<n {
            let u = rng.uniform()
            s += u; s2 += u * u
            minV = min(minV, u); maxV = max(maxV, u)
        }
        let mean = s / Double(n)
        let variance = s2 / Double(n) - mean * mean
        // Mean of U(0,1): sd of the sample mean is √(1/12/n) = 9.13e-4 → 5σ = 4.6e-3.
        #expect(abs(mean - 0.5) < 5 * (1.0 / 12 / Double(n)).squareRoot())
        // Sample variance: sd ≈ √((μ₄ − σ⁴)/n) with μ₄ = 1/80, σ⁴ = 1/144 → √(0.005556/n) = 2.36e-4 → 5σ = 1.2e-3.
        #expect(abs(variance - 1.0 / 12) < 5 * ((1.0 / 80 - 1.0 / 144) / Double(n)).squareRoot())
        #expect(minV >= 0 && maxV < 1)
        // 100k draws: min below 1e-3 and max above 1 − 1e-3 unless something is badly wrong (chance e^{−100}).
        #expect(minV < 1e-3 && maxV > 1 - 1e-3)
    }

    @Test("gaussian mean and variance within 5 sigma over 100k draws")
    func gaussianMoments() {
        let rng = RandomSource(seed: 55)
        let n = 100_000
        var s = 0.0, s2 = 0.0, s4 = 0.0
        for _ in 0..<n {
            let z = rng.gaussian()
            s += z; s2 += z * z; s4 += z * z * z * z
        }
        let mean = s / Double(n)
        let variance = s2 / Double(n) - mean * mean
        // sd of the mean 1/√n = 3.16e-3 → 5σ = 0.0158; sd of the variance √(2/n) = 4.47e-3 → 5σ = 0.0224.
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
        // Fourth moment 3 (kurtosis of a normal): sd of the sample mean of z⁴ is √(105 − 9)/√n = 0.031 → 5σ = 0.155.
        #expect(abs(s4 / Double(n) - 3) < 5 * (96 / Double(n)).squareRoot())
    }

    @Test("integer(below:) and bernoulli frequencies")
    func discrete() {
        let rng = RandomSource(seed: 8)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 { counts[rng.integer(below: 10)] += 1 }
        // Each count ~ Bin(1e5, 0.1): sd √(1e5·0.1·0.9) = 94.9 → 5σ = 474.
        for c in counts { #expect(abs(c - 10_000) < 475) }
        var ones = 0
        for _ in 0..<100_000 { ones += rng.bernoulli(0.25) }
        // Bin(1e5, 0.25): sd 136.9 → 5σ = 685.
        #expect(abs(ones - 25_000) < 685)
    }

    @Test("shuffle is a deterministic permutation")
    func shuffle() {
        let original = Array(0..<1000)
        var a = original, b = original, c = original
        RandomSource(seed: 9).shuffle(&a)
        RandomSource(seed: 9).shuffle(&b)
        RandomSource(seed: 10).shuffle(&c)
        #expect(a.sorted() == original)
        #expect(a == b)
        #expect(a != original)
        #expect(a != c)
        var empty: [Int] = [], one = [7]
        RandomSource(seed: 1).shuffle(&empty)
        RandomSource(seed: 1).shuffle(&one)
        #expect(empty.isEmpty && one == [7])
        // Every position is reachable: first element of a 3-array over 3000 shuffles takes each value ~1000 times
        // (Bin(3000, 1/3): sd 25.8 → 5σ = 129).
        var firsts = [0, 0, 0]
        let rng = RandomSource(seed: 77)
        for _ in 0..<3000 {
            var x = [0, 1, 2]
            rng.shuffle(&x)
            firsts[x[0]] += 1
        }
        for f in firsts { #expect(abs(f - 1000) < 129) }
    }

    @Test("split(k) is deterministic and gives distinct streams")
    func split() {
        let root = RandomSource(seed: 2024)
        let again = RandomSource(seed: 2024)
        var seen = Set<UInt64>()
        var firstDraws = Set<Double>()
        for k in 0..<50 as Range<UInt64> {
            let child = root.split(k)
            let twin = again.split(k)
            #expect(child.seed == twin.seed)
            let s1 = (0..<20).map { _ in child.uniform() }
            #expect(s1 == (0..<20).map { _ in twin.uniform() })
            seen.insert(child.seed)
            firstDraws.insert(s1[0])
        }
        #expect(seen.count == 50)
        #expect(firstDraws.count == 50)
        #expect(!seen.contains(2024))
        // Splitting does not advance the parent.
        #expect(root.uniform() == RandomSource(seed: 2024).uniform())
        // Different parents give different children.
        #expect(RandomSource(seed: 1).split(0).seed != RandomSource(seed: 2).split(0).seed)
    }

    @Test("integer(below:) works for bounds of 2³² and above")
    func largeIntegerBound() {
        let rng = RandomSource(seed: 1)
        for n in [4_294_967_296, 1 << 33, 1 << 40] {
            let draws = (0..<20).map { _ in rng.integer(below: n) }
            #expect(draws.allSatisfy { $0 >= 0 && $0 < n })
            // 20 uniform draws below n ≥ 2³² are all zero with probability ≤ 2⁻⁶⁴⁰.
            #expect(draws.contains { $0 != 0 }, "n = \(n): \(draws)")
        }
    }
}
