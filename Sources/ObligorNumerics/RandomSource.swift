import CGSL

/// A seeded pseudo-random source: GSL's MT19937.
///
/// The same seed gives the same stream on every platform and thread count. It is a reference
/// type that owns its C state; give each parallel worker its own, derived with ``split(_:)``.
///
/// ```swift
/// let rng = RandomSource(seed: 42)
/// let u = rng.uniform()            // [0, 1)
/// let z = rng.gaussian()           // N(0, 1), ziggurat
/// ```
public final class RandomSource {
    private let state: UnsafeMutablePointer<gsl_rng>
    /// The seed this source started from.
    public let seed: UInt64

    /// A new source. GSL seeds MT19937 with an unsigned long; seed 0 is GSL's default seed 4357.
    public init(seed: UInt64) {
        NumericsRuntime.prepare()
        guard let s = gsl_rng_alloc(cgsl_rng_mt19937()) else { fatalError("gsl_rng_alloc failed: out of memory") }
        state = s
        self.seed = seed
        gsl_rng_set(s, UInt(truncatingIfNeeded: seed))
    }

    deinit { gsl_rng_free(state) }

    /// Uniform on [0, 1).
    public func uniform() -> Double { gsl_rng_uniform(state) }
    /// Uniform on (0, 1), never 0.
    public func uniformPositive() -> Double { gsl_rng_uniform_pos(state) }
    /// Uniform integer on 0..<n.
    ///
    /// Bounds up to 2³² use `gsl_rng_uniform_int`; larger bounds combine two 32-bit outputs into a
    /// 64-bit value and reject the top remainder, so every value is equally likely.
    public func integer(below n: Int) -> Int {
        precondition(n > 0, "integer(below:) needs n > 0")
        if UInt64(n) <= UInt64(UInt32.max) { return Int(gsl_rng_uniform_int(state, UInt(n))) }
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound   // accept values below a multiple of n
        while true {
            let v = UInt64(gsl_rng_get(state) & 0xFFFF_FFFF) << 32 | UInt64(gsl_rng_get(state) & 0xFFFF_FFFF)
            if v < limit { return Int(v % bound) }
        }
    }
    /// Standard normal (ziggurat).
    public func gaussian() -> Double { gsl_ran_gaussian_ziggurat(state, 1) }
    /// Bernoulli(p) as 0/1.
    public func bernoulli(_ p: Double) -> Int { Int(gsl_ran_bernoulli(state, p)) }

    /// Fisher–Yates shuffle of `array`, in place.
    public func shuffle<T>(_ array: inout [T]) {
        if array.count < 2 { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = integer(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// A child seed for stream `index`, derived by SplitMix64 so that child streams do not overlap in practice.
    public func split(_ index: UInt64) -> RandomSource {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (index &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return RandomSource(seed: z ^ (z >> 31))
    }
}
