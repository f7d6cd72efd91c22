import Foundation

/// CPython's `random.Random` for the parts CALM's data split uses: MT19937 seeded from an integer,
/// `getrandbits`, `_randbelow` (rejection sampling on `bit_length` bits) and `random.sample`.
///
/// Written from the algorithm descriptions (Matsumoto & Nishimura 1998 for MT19937 and its
/// `init_by_array` seeding; CPython's `Lib/random.py` for how `seed(int)`, `_randbelow` and `sample`
/// use the generator), so that `PythonRandom(seed: 10086).sample(...)` returns exactly what
/// `random.seed(10086); random.sample(...)` returns in CPython 3.x.
public struct PythonRandom: Sendable {
    private static let n = 624
    private static let m = 397
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 625

    /// `random.seed(seed)` for a non-negative integer: the key is the integer's 32-bit words, least
    /// significant first (`[0]` for zero), fed to MT19937's `init_by_array`.
    public init(seed: UInt64) {
        var key: [UInt32] = []
        var s = seed
        while s > 0 { key.append(UInt32(truncatingIfNeeded: s)); s >>= 32 }
        if key.isEmpty { key = [0] }
        initByArray(key)
    }

    private mutating func initGenrand(_ s: UInt32) {
        state[0] = s
        for i in 1..<Self.n {
            let prev = state[i - 1]
            state[i] = 1_812_433_253 &* (prev ^ (prev >> 30)) &+ UInt32(i)
        }
        index = Self.n
    }

    private mutating func initByArray(_ key: [UInt32]) {
        initGenrand(19_650_218)
        var i = 1, j = 0
        for _ in 0..<max(Self.n, key.count) {
            let prev = state[i - 1]
            state[i] = (state[i] ^ ((prev ^ (prev >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= Self.n { state[0] = state[Self.n - 1]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(Self.n - 1) {
            let prev = state[i - 1]
            state[i] = (state[i] ^ ((prev ^ (prev >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= Self.n { state[0] = state[Self.n - 1]; i = 1 }
        }
        state[0] = 0x8000_0000
    }

    private mutating func twist() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, matrixA: UInt32 = 0x9908_b0df
        for k in 0..<Self.n {
            let y = (state[k] & upper) | (state[(k + 1) % Self.n] & lower)
            state[k] = state[(k + Self.m) % Self.n] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrixA)
        }
        index = 0
    }

    /// The next tempered 32-bit output (`genrand_uint32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= Self.n { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// `random.getrandbits(k)` for `0 ≤ k ≤ 64`: 32-bit words least significant first, the last
    /// word keeping its top `k mod 32` bits.
    public mutating func getrandbits(_ k: Int) -> UInt64 {
        precondition(k >= 0 && k <= 64, "getrandbits: 0 ≤ k ≤ 64")
        if k == 0 { return 0 }
        if k <= 32 { return UInt64(nextUInt32() >> UInt32(32 - k)) }
        let low = UInt64(nextUInt32())
        let high = UInt64(nextUInt32() >> UInt32(64 - k))
        return low | (high << 32)
    }

    /// `random.random()`: 53 bits from two outputs, `(a·2²⁶ + b) / 2⁵³` with `a = x >> 5`, `b = y >> 6`.
    public mutating func random() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `random._randbelow(n)`: draws `n.bit_length()` bits until the value is below `n`.
    public mutating func randbelow(_ n: Int) -> Int {
        precondition(n >= 0)
        if n == 0 { return 0 }
        let bits = Int.bitWidth - n.leadingZeroBitCount
        var r = getrandbits(bits)
        while r >= UInt64(n) { r = getrandbits(bits) }
        return Int(r)
    }

    /// `random.sample(population, k)`: CPython's two algorithms, chosen the same way. A partial
    /// Fisher–Yates shuffle of a copy ("pool") when `n ≤ 21 + 4^⌈log₄(3k)⌉` (only `21` for `k ≤ 5`),
    /// otherwise rejection sampling of indices against the set already selected.
    public mutating func sample<T>(_ population: [T], _ k: Int) -> [T] {
        let n = population.count
        precondition(k >= 0 && k <= n, "sample larger than population or negative")
        var setsize = 21
        if k > 5 {
            // math.log(k * 3, 4) is log(x) / log(4) in CPython.
            setsize += Int(pow(4.0, (log(Double(k * 3)) / log(4.0)).rounded(.up)))
        }
        var result: [T] = []
        result.reserveCapacity(k)
        if n <= setsize {
            var pool = population
            for i in 0..<k {
                let j = randbelow(n - i)
                result.append(pool[j])
                pool[j] = pool[n - i - 1]
            }
        } else {
            var selected = Set<Int>()
            for _ in 0..<k {
                var j = randbelow(n)
                while selected.contains(j) { j = randbelow(n) }
                selected.insert(j)
                result.append(population[j])
            }
        }
        return result
    }
}
