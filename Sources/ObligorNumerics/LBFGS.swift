/// Limited-memory BFGS (L-BFGS) in pure Swift, with a strong-Wolfe line search and warm starts.
///
/// The search direction is the two-loop recursion of Nocedal & Wright, *Numerical Optimization*
/// (2nd ed., 2006), Algorithm 7.4, over the last ``Options/memory`` correction pairs
/// `sₖ = xₖ₊₁ − xₖ`, `yₖ = ∇fₖ₊₁ − ∇fₖ`, with the initial inverse Hessian `γI`,
/// `γ = sᵀy / yᵀy` of the newest pair (their eq. 7.20). The step length satisfies the strong Wolfe
/// conditions
///
///     f(x + αd) ≤ f(x) + c₁ α ∇f(x)ᵀd,     |∇f(x + αd)ᵀd| ≤ c₂ |∇f(x)ᵀd|
///
/// (c₁ = 1e-4, c₂ = 0.9), found by bracketing and zoom, Algorithms 3.5 and 3.6, with safeguarded
/// cubic interpolation (eq. 3.59). Near an optimum the decrease c₁α|∇fᵀd| can fall below the round-off
/// in f, and the sufficient-decrease test becomes a coin toss; there a step is also accepted under the
/// *approximate* Wolfe conditions of Hager & Zhang (SIAM J. Optim. 16, 2005): the strong curvature
/// condition plus `f(x + αd) ≤ f(x) + 1e-10·|f(x)|`. For c₂ ≤ 1 − 2c₁ the curvature condition implies
/// their derivative form of sufficient decrease, φ'(α) ≤ (2c₁ − 1)φ'(0), which is exact for quadratics.
///
/// **Stopping.** After each iteration the run stops when `‖∇f‖∞ < gradientTolerance` or when
/// `|fₖ − fₖ₊₁| / max(|fₖ|, 1) < relativeTolerance` (GPBoost's `delta_rel_conv` test), and gives up
/// after ``Options/maxIterations`` iterations, ``Options/maxEvaluations`` objective calls, or a line
/// search that cannot find an acceptable step.
///
/// **Domains.** A point where the objective returns a non-finite value or gradient, or throws
/// ``OutsideDomain``, is treated as f = +∞: the step was too long, and the line search backtracks.
/// Any other error thrown by the objective propagates out of `minimize`.
///
/// **Warm starts.** The correction pairs live in the object. A second call to
/// ``minimize(from:progress:objective:)`` starts from the curvature learned in the first, which is
/// what an outer loop that re-optimises slowly moving parameters wants (GPBoost re-optimises the
/// covariance parameters every boosting round and keeps its L-BFGS memory). Call ``reset()`` when
/// the objective has changed so much that the old curvature is misleading. A call with a different
/// dimension resets the memory itself.
///
/// Deterministic, single-threaded, no C calls.
///
/// ```swift
/// let result = try LBFGS.minimize([-1.2, 1]) { v in
///     let x = v[0], y = v[1]
///     return ((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x),
///             [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
/// }
/// ```
public final class LBFGS {
    /// An objective: value and gradient at x. Throw ``OutsideDomain`` (or return a non-finite value)
    /// where it cannot be evaluated; any other error ends the minimisation and propagates.
    public typealias Objective = ([Double]) throws -> (value: Double, gradient: [Double])

    /// Tuning and stopping parameters.
    public struct Options: Sendable, Equatable {
        /// Number of correction pairs kept (m in Nocedal & Wright §7.2). At least 1.
        public var memory: Int
        /// Hard cap on iterations (accepted steps) per call.
        public var maxIterations: Int
        /// Hard cap on objective evaluations per call, the starting point included.
        public var maxEvaluations: Int
        /// Stop when `|fₖ − fₖ₊₁| / max(|fₖ|, 1)` falls below this (GPBoost's `delta_rel_conv`);
        /// 0 switches the test off.
        public var relativeTolerance: Double
        /// Stop when the largest absolute gradient component falls below this; 0 switches the test off.
        public var gradientTolerance: Double
        /// Sufficient-decrease constant c₁ of the Wolfe conditions.
        public var sufficientDecrease: Double
        /// Curvature constant c₂ of the strong Wolfe conditions (0.9 is the usual quasi-Newton choice).
        public var curvature: Double
        /// Objective evaluations allowed in one line search.
        public var maxLineSearchEvaluations: Int

        /// - Precondition: `memory ≥ 1`, `0 < sufficientDecrease < curvature < 1`,
        ///   `maxLineSearchEvaluations ≥ 1`.
        public init(
            memory: Int = 6, maxIterations: Int = 1000, maxEvaluations: Int = 20_000,
            relativeTolerance: Double = 1e-6, gradientTolerance: Double = 1e-8,
            sufficientDecrease: Double = 1e-4, curvature: Double = 0.9, maxLineSearchEvaluations: Int = 40
        ) {
            precondition(memory >= 1, "LBFGS: memory must be at least 1")
            precondition(0 < sufficientDecrease && sufficientDecrease < curvature && curvature < 1,
                         "LBFGS: need 0 < c1 < c2 < 1")
            precondition(maxLineSearchEvaluations >= 1, "LBFGS: maxLineSearchEvaluations must be at least 1")
            self.memory = memory
            self.maxIterations = maxIterations
            self.maxEvaluations = maxEvaluations
            self.relativeTolerance = relativeTolerance
            self.gradientTolerance = gradientTolerance
            self.sufficientDecrease = sufficientDecrease
            self.curvature = curvature
            self.maxLineSearchEvaluations = maxLineSearchEvaluations
        }
    }

    /// Why a run stopped.
    public enum StopReason: String, Sendable, Equatable {
        /// The relative change of the objective fell below ``Options/relativeTolerance``.
        case relativeChange
        /// `‖∇f‖∞` fell below ``Options/gradientTolerance``.
        case gradientNorm
        /// ``Options/maxIterations`` iterations were taken.
        case maxIterations
        /// ``Options/maxEvaluations`` objective evaluations were spent.
        case maxEvaluations
        /// No acceptable step was found, even along steepest descent with the memory cleared
        /// (typically round-off at an optimum, or an objective whose gradient disagrees with its value).
        case lineSearchFailed
    }

    /// The outcome of a minimisation.
    public struct Result: Sendable {
        /// The best point found (the last accepted iterate).
        public let x: [Double]
        /// f at `x`.
        public let value: Double
        /// ∇f at `x`.
        public let gradient: [Double]
        /// Iterations (accepted steps) taken in this call.
        public let iterations: Int
        /// Objective evaluations in this call, the starting point included.
        public let evaluations: Int
        /// True when a convergence test passed (``StopReason/relativeChange`` or ``StopReason/gradientNorm``).
        public let converged: Bool
        /// Why the run stopped.
        public let reason: StopReason
    }

    /// Thrown by an objective to say "cannot evaluate here": treated as f = +∞ (the line search backtracks).
    public struct OutsideDomain: Error, Sendable, Equatable {
        public init() {}
    }

    /// Errors raised by the minimiser itself.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The objective is non-finite (or ``OutsideDomain``) at the starting point.
        case notFiniteAtStart
        /// The objective returned a gradient of the wrong length.
        case gradientLength(expected: Int, actual: Int)

        public var description: String {
            switch self {
            case .notFiniteAtStart: return "LBFGS: objective is not finite at the starting point"
            case let .gradientLength(expected, actual):
                return "LBFGS: objective returned a gradient of length \(actual), expected \(expected)"
            }
        }
    }

    /// The settings used by subsequent calls. Changing ``Options/memory`` keeps the newest pairs.
    public var options: Options

    private var sPairs: [[Double]] = []
    private var yPairs: [[Double]] = []
    private var rhos: [Double] = []

    /// Test hook: called with every accepted step.
    var stepObserver: ((AcceptedStep) -> Void)?

    /// Creates a minimiser with empty memory.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Number of correction pairs currently stored (carried into the next call unless ``reset()``).
    public var storedPairs: Int { sPairs.count }

    /// Forgets the stored correction pairs, so the next call starts cold (steepest descent, scaled first step).
    public func reset() {
        sPairs.removeAll()
        yPairs.removeAll()
        rhos.removeAll()
    }

    /// Minimises `objective` from `x0`, reusing the correction pairs left by earlier calls (see ``reset()``).
    ///
    /// - Parameters:
    ///   - x0: the starting point.
    ///   - progress: called after every iteration with (iteration, f).
    ///   - objective: value and gradient.
    /// - Returns: the last accepted iterate and why the run stopped; non-convergence is reported, not thrown.
    /// - Throws: ``Failure`` when the start is not finite or a gradient has the wrong length;
    ///   any error the objective throws other than ``OutsideDomain``.
    public func minimize(
        from x0: [Double], progress: ((Int, Double) -> Void)? = nil, objective: Objective
    ) throws -> Result {
        let n = x0.count
        if let first = sPairs.first, first.count != n { reset() }
        let o = options
        while sPairs.count > o.memory { dropOldestPair() }

        var evaluations = 1
        let start = try Self.evaluate(x0, n: n, objective: objective)
        guard let g0 = start.gradient else { throw Failure.notFiniteAtStart }
        var x = x0, f = start.value, g = g0
        var iterations = 0

        func finish(_ reason: StopReason) -> Result {
            Result(x: x, value: f, gradient: g, iterations: iterations, evaluations: evaluations,
                   converged: reason == .relativeChange || reason == .gradientNorm, reason: reason)
        }

        if Self.infNorm(g) < o.gradientTolerance { return finish(.gradientNorm) }
        while true {
            if iterations >= o.maxIterations { return finish(.maxIterations) }
            if evaluations >= o.maxEvaluations { return finish(.maxEvaluations) }

            var outcome: LineSearchOutcome?
            var direction: [Double] = []
            var slope = 0.0
            // First try the quasi-Newton direction; if it is not a descent direction or its line search
            // fails, clear the memory and try scaled steepest descent once.
            for attempt in 0..<2 {
                if attempt == 1 {
                    if sPairs.isEmpty { break }
                    reset()
                }
                direction = twoLoop(g)
                slope = Self.dot(g, direction)
                if !(slope < 0) { continue }
                let initial = sPairs.isEmpty ? min(1, 1 / Self.norm2(g)) : 1
                let budget = min(o.maxLineSearchEvaluations, o.maxEvaluations - evaluations)
                if budget <= 0 { return finish(.maxEvaluations) }
                let ls = try Self.lineSearch(
                    x: x, value: f, slope: slope, direction: direction, initialStep: initial,
                    c1: o.sufficientDecrease, c2: o.curvature, maxEvaluations: budget, objective: objective)
                evaluations += ls.evaluations
                if ls.status != .failed { outcome = ls; break }
                if evaluations >= o.maxEvaluations { return finish(.maxEvaluations) }
            }
            guard let ls = outcome, let p = ls.point, let gNew = p.gradient else { return finish(.lineSearchFailed) }

            stepObserver?(AcceptedStep(x: x, value: f, gradient: g, direction: direction, alpha: p.alpha,
                                       newValue: p.value, newGradient: gNew, status: ls.status))
            let s = zip(p.x, x).map { $0 - $1 }
            let y = zip(gNew, g).map { $0 - $1 }
            let sy = Self.dot(s, y), yy = Self.dot(y, y)
            // Strong Wolfe guarantees sᵀy > 0; the guard covers sufficient-decrease-only steps and round-off.
            if sy > 1e-14 * yy && yy > 0 && sy.isFinite {
                sPairs.append(s)
                yPairs.append(y)
                rhos.append(1 / sy)
                while sPairs.count > o.memory { dropOldestPair() }
            }
            let fPrevious = f
            x = p.x
            f = p.value
            g = gNew
            iterations += 1
            progress?(iterations, f)
            if Self.infNorm(g) < o.gradientTolerance { return finish(.gradientNorm) }
            if abs(fPrevious - f) / max(abs(fPrevious), 1) < o.relativeTolerance { return finish(.relativeChange) }
        }
    }

    /// Minimises `objective` from `x0` with a fresh minimiser (no warm start).
    ///
    /// ```swift
    /// let r = try LBFGS.minimize([0, 0], options: .init(relativeTolerance: 0)) { x in
    ///     ((x[0] - 1) * (x[0] - 1) + x[1] * x[1], [2 * (x[0] - 1), 2 * x[1]])
    /// }
    /// ```
    public static func minimize(
        _ x0: [Double], options: Options = Options(), progress: ((Int, Double) -> Void)? = nil,
        objective: Objective
    ) throws -> Result {
        try LBFGS(options: options).minimize(from: x0, progress: progress, objective: objective)
    }

    // MARK: - Two-loop recursion (Nocedal & Wright, Algorithm 7.4)

    private func dropOldestPair() {
        sPairs.removeFirst()
        yPairs.removeFirst()
        rhos.removeFirst()
    }

    /// −H∇f with H the L-BFGS inverse-Hessian approximation (−∇f when the memory is empty).
    private func twoLoop(_ g: [Double]) -> [Double] {
        var q = g
        let m = sPairs.count
        var alphas = [Double](repeating: 0, count: m)
        for i in stride(from: m - 1, through: 0, by: -1) {
            let a = rhos[i] * Self.dot(sPairs[i], q)
            alphas[i] = a
            Self.axpy(-a, yPairs[i], &q)
        }
        if m > 0 {
            let gamma = Self.dot(sPairs[m - 1], yPairs[m - 1]) / Self.dot(yPairs[m - 1], yPairs[m - 1])
            for j in q.indices { q[j] *= gamma }
        }
        for i in 0..<m {
            let b = rhos[i] * Self.dot(yPairs[i], q)
            Self.axpy(alphas[i] - b, sPairs[i], &q)
        }
        for j in q.indices { q[j] = -q[j] }
        return q
    }

    // MARK: - Line search (Nocedal & Wright, Algorithms 3.5 and 3.6)

    /// An accepted step, for tests: φ(α) = f(x + αd).
    struct AcceptedStep {
        let x: [Double]
        let value: Double
        let gradient: [Double]
        let direction: [Double]
        let alpha: Double
        let newValue: Double
        let newGradient: [Double]
        let status: LineSearchStatus
    }

    enum LineSearchStatus: Equatable {
        /// Both strong Wolfe conditions hold.
        case strongWolfe
        /// Strong curvature holds and f rose by at most the round-off allowance (Hager–Zhang approximate Wolfe).
        case approximateWolfe
        /// Evaluations or interval width ran out; the point satisfies sufficient decrease only.
        case sufficientDecreaseOnly
        /// No point with sufficient decrease was found.
        case failed
    }

    /// One trial point. `gradient` is nil where f is not finite (value is then +∞).
    struct Trial {
        let alpha: Double
        let x: [Double]
        let value: Double
        let gradient: [Double]?
        let slope: Double
    }

    struct LineSearchOutcome {
        let point: Trial?
        let status: LineSearchStatus
        let evaluations: Int
    }

    /// f and ∇f at x, with non-finite values and ``OutsideDomain`` mapped to (+∞, nil).
    static func evaluate(_ x: [Double], n: Int, objective: Objective) throws -> (value: Double, gradient: [Double]?) {
        let r: (value: Double, gradient: [Double])
        do {
            r = try objective(x)
        } catch is OutsideDomain {
            return (.infinity, nil)
        }
        guard r.gradient.count == n else { throw Failure.gradientLength(expected: n, actual: r.gradient.count) }
        guard r.value.isFinite, r.gradient.allSatisfy({ $0.isFinite }) else { return (.infinity, nil) }
        return (r.value, r.gradient)
    }

    /// Strong-Wolfe line search along `direction` from `x` (Nocedal & Wright, Algorithms 3.5 and 3.6).
    ///
    /// - Parameters:
    ///   - value, slope: φ(0) = f(x) and φ'(0) = ∇f(x)ᵀd < 0.
    ///   - initialStep: the first trial α.
    ///   - maxEvaluations: objective calls allowed.
    /// - Returns: a strong-Wolfe (or, at round-off level, approximate-Wolfe) point; failing that, the
    ///   lowest point with sufficient decrease; failing that, `.failed`.
    static func lineSearch(
        x: [Double], value f0: Double, slope d0: Double, direction d: [Double], initialStep: Double,
        c1: Double, c2: Double, maxEvaluations: Int, objective: Objective
    ) throws -> LineSearchOutcome {
        precondition(d0 < 0, "lineSearch: direction must be a descent direction")
        let n = x.count
        var used = 0
        func phi(_ alpha: Double) throws -> Trial {
            var xa = x
            Self.axpy(alpha, d, &xa)
            used += 1
            let e = try evaluate(xa, n: n, objective: objective)
            return Trial(alpha: alpha, x: xa, value: e.value, gradient: e.gradient,
                         slope: e.gradient.map { Self.dot($0, d) } ?? .nan)
        }
        func sufficientDecrease(_ t: Trial) -> Bool { t.value <= f0 + c1 * t.alpha * d0 }
        func curvature(_ t: Trial) -> Bool { abs(t.slope) <= -c2 * d0 }
        // Round-off allowance for the approximate Wolfe conditions (Hager & Zhang's ε|f|).
        let allowance = 1e-10 * abs(f0)
        func approximateWolfe(_ t: Trial) -> Bool { t.value <= f0 + allowance && curvature(t) }
        func outcome(_ t: Trial?, _ s: LineSearchStatus) -> LineSearchOutcome {
            LineSearchOutcome(point: t, status: s, evaluations: used)
        }

        // Algorithm 3.6. Invariants: lo has sufficient decrease and the lowest f so far (or is α = 0);
        // φ'(lo)(hi − lo) < 0, so [lo, hi] contains strong-Wolfe points.
        func zoom(_ lo0: Trial, _ hi0: Trial) throws -> LineSearchOutcome {
            var lo = lo0, hi = hi0
            while used < maxEvaluations {
                let width = abs(hi.alpha - lo.alpha)
                if width <= 1e-15 * max(abs(lo.alpha), abs(hi.alpha)) || width == 0 { break }
                let a = interpolate(lo, hi)
                let t = try phi(a)
                if !sufficientDecrease(t) || t.value >= lo.value {
                    if approximateWolfe(t) { return outcome(t, .approximateWolfe) }
                    hi = t
                } else {
                    if curvature(t) { return outcome(t, .strongWolfe) }
                    if t.slope * (hi.alpha - lo.alpha) >= 0 { hi = lo }
                    lo = t
                }
            }
            return lo.alpha > 0 ? outcome(lo, .sufficientDecreaseOnly) : outcome(nil, .failed)
        }

        // Algorithm 3.5: expand until a bracket is found.
        var previous = Trial(alpha: 0, x: x, value: f0, gradient: nil, slope: d0)
        var alpha = initialStep
        while used < maxEvaluations {
            let t = try phi(alpha)
            if !sufficientDecrease(t) || (previous.alpha > 0 && t.value >= previous.value) {
                if approximateWolfe(t) { return outcome(t, .approximateWolfe) }
                return try zoom(previous, t)
            }
            if curvature(t) { return outcome(t, .strongWolfe) }
            if t.slope >= 0 { return try zoom(t, previous) }
            // Still descending: extrapolate with the cubic through (previous, t), kept in
            // [α + 1.1(α − α₋), α + 4(α − α₋)] (the Moré–Thuente extrapolation bounds).
            let step = t.alpha - previous.alpha
            let lower = t.alpha + 1.1 * step, upper = t.alpha + 4 * step
            let c = cubicMinimizer(previous, t)
            alpha = c.isFinite && c > t.alpha ? min(max(c, lower), upper) : upper
            previous = t
        }
        return previous.alpha > 0 ? outcome(previous, .sufficientDecreaseOnly) : outcome(nil, .failed)
    }

    /// Minimiser of the cubic matching φ and φ' at `a` and `b` (Nocedal & Wright eq. 3.59); NaN when it has none.
    static func cubicMinimizer(_ a: Trial, _ b: Trial) -> Double {
        guard a.value.isFinite, b.value.isFinite, a.slope.isFinite, b.slope.isFinite, a.alpha != b.alpha else { return .nan }
        let d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.alpha - b.alpha)
        let disc = d1 * d1 - a.slope * b.slope
        guard disc >= 0 else { return .nan }
        let d2 = (b.alpha > a.alpha ? 1.0 : -1.0) * disc.squareRoot()
        let den = b.slope - a.slope + 2 * d2
        guard den != 0 else { return .nan }
        return b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / den
    }

    /// Trial step inside the bracket (lo, hi): the cubic minimiser, else the quadratic through
    /// φ(lo), φ'(lo), φ(hi), else bisection (always when f(hi) is not finite), safeguarded to lie at
    /// least 10% of the width from either end.
    static func interpolate(_ lo: Trial, _ hi: Trial) -> Double {
        let left = min(lo.alpha, hi.alpha), right = max(lo.alpha, hi.alpha)
        let margin = 0.1 * (right - left)
        var a = cubicMinimizer(lo, hi)
        if !a.isFinite, hi.value.isFinite, lo.value.isFinite, lo.slope.isFinite {
            let delta = hi.alpha - lo.alpha
            let curv = hi.value - lo.value - lo.slope * delta
            if curv > 0 { a = lo.alpha - lo.slope * delta * delta / (2 * curv) }
        }
        guard a.isFinite, a > left, a < right else { return 0.5 * (left + right) }
        return min(max(a, left + margin), right - margin)
    }

    // MARK: - Vector helpers (plain loops: no BLAS, so results do not depend on its threading)

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    static func norm2(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    static func infNorm(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }

    static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in y.indices { y[i] += alpha * x[i] }
    }
}
