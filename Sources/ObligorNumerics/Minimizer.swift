import CGSL

/// Smooth unconstrained minimisation with GSL's `vector_bfgs2` (Fletcher's BFGS with a
/// More–Thuente-type line search), the quasi-Newton method of GSL multimin.
///
/// The objective supplies its value and gradient together. Iteration stops when
/// ‖∇f‖ < `gradientTolerance` (`gsl_multimin_test_gradient`).
///
/// ```swift
/// let result = try Minimizer.minimize(start: [1, 1]) { x in
///     (f: (x[0] - 3) * (x[0] - 3) + x[1] * x[1], gradient: [2 * (x[0] - 3), 2 * x[1]])
/// }
/// ```
public enum Minimizer {
    /// The outcome of a minimisation.
    public struct Result: Sendable {
        /// The minimiser found.
        public let x: [Double]
        /// f at `x`.
        public let value: Double
        /// ∇f at `x`.
        public let gradient: [Double]
        /// Iterations taken.
        public let iterations: Int
        /// True when the gradient test passed; false when the iteration cap or a stalled line
        /// search (GSL_ENOPROG at a point that is already stationary to tolerance) ended the run.
        public let converged: Bool
    }

    /// An objective: value and gradient at x.
    public typealias Objective = ([Double]) -> (f: Double, gradient: [Double])

    private final class Box {
        let objective: Objective
        let n: Int
        var nonFinite = false
        init(_ o: @escaping Objective, n: Int) { objective = o; self.n = n }
        func evaluate(_ v: UnsafePointer<gsl_vector>?) -> (Double, [Double]) {
            var x = [Double](repeating: 0, count: n)
            for i in 0..<n { x[i] = gsl_vector_get(v, i) }
            let r = objective(x)
            if !r.f.isFinite || r.gradient.contains(where: { !$0.isFinite }) { nonFinite = true }
            return r
        }
    }

    /// Minimises `objective` from `start`.
    /// - Parameters:
    ///   - start: the initial point.
    ///   - gradientTolerance: stop when ‖∇f‖ falls below this.
    ///   - maxIterations: hard cap on iterations.
    ///   - initialStep: size of the first trial step.
    ///   - lineSearchTolerance: GSL's `tol` (0.1 is the documented choice for BFGS).
    /// - Throws: ``GSLError`` when GSL fails, or when the objective returns NaN/inf.
    public static func minimize(
        start: [Double], gradientTolerance: Double = 1e-8, maxIterations: Int = 1000,
        initialStep: Double = 0.01, lineSearchTolerance: Double = 0.1,
        objective: @escaping Objective
    ) throws(GSLError) -> Result {
        NumericsRuntime.prepare()
        let n = start.count
        let box = Box(objective, n: n)
        if n == 0 {
            let r = objective([])
            return Result(x: [], value: r.f, gradient: [], iterations: 0, converged: true)
        }
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }

        var fdf = gsl_multimin_function_fdf()
        fdf.n = n
        fdf.params = unmanaged.toOpaque()
        fdf.f = { v, params in
            let b = Unmanaged<Box>.fromOpaque(params!).takeUnretainedValue()
            return b.evaluate(v).0
        }
        fdf.df = { v, params, g in
            let b = Unmanaged<Box>.fromOpaque(params!).takeUnretainedValue()
            let (_, grad) = b.evaluate(v)
            for i in 0..<b.n { gsl_vector_set(g, i, grad[i]) }
        }
        fdf.fdf = { v, params, f, g in
            let b = Unmanaged<Box>.fromOpaque(params!).takeUnretainedValue()
            let (value, grad) = b.evaluate(v)
            f?.pointee = value
            for i in 0..<b.n { gsl_vector_set(g, i, grad[i]) }
        }

        guard let x0 = gsl_vector_alloc(n) else { throw GSLError(code: Int32(GSL_ENOMEM), operation: "minimize: allocate x0") }
        defer { gsl_vector_free(x0) }
        for i in 0..<n { gsl_vector_set(x0, i, start[i]) }
        guard let s = gsl_multimin_fdfminimizer_alloc(cgsl_multimin_vector_bfgs2(), n) else {
            throw GSLError(code: Int32(GSL_ENOMEM), operation: "minimize: allocate minimiser")
        }
        defer { gsl_multimin_fdfminimizer_free(s) }
        try gslCheck(withUnsafeMutablePointer(to: &fdf) { gsl_multimin_fdfminimizer_set(s, $0, x0, initialStep, lineSearchTolerance) },
                     "minimize: set")
        if box.nonFinite { throw GSLError(code: Int32(GSL_EDOM), operation: "minimize: objective is not finite at the start") }

        var iterations = 0
        var converged = gsl_multimin_test_gradient(s.pointee.gradient, gradientTolerance) == Int32(GSL_SUCCESS)
        while !converged && iterations < maxIterations {
            iterations += 1
            let status = gsl_multimin_fdfminimizer_iterate(s)
            if box.nonFinite { throw GSLError(code: Int32(GSL_EDOM), operation: "minimize: objective became NaN/inf at iteration \(iterations)") }
            converged = gsl_multimin_test_gradient(s.pointee.gradient, gradientTolerance) == Int32(GSL_SUCCESS)
            if status == Int32(GSL_ENOPROG) { break }   // the line search cannot improve further
            try gslCheck(status, "minimize: iterate \(iterations)")
        }
        var x = [Double](repeating: 0, count: n)
        var g = [Double](repeating: 0, count: n)
        for i in 0..<n {
            x[i] = gsl_vector_get(s.pointee.x, i)
            g[i] = gsl_vector_get(s.pointee.gradient, i)
        }
        return Result(x: x, value: s.pointee.f, gradient: g, iterations: iterations, converged: converged)
    }
}
