import CBLAS
import CGSL

/// Process-wide settings of the C numerical libraries.
///
/// GSL's default error handler prints and calls `abort()`. Obligor turns it off once, before the
/// first GSL call, and checks every returned status instead. Every public entry point of this
/// module that reaches GSL calls ``NumericsRuntime/prepare()`` first, so callers never need to.
public enum NumericsRuntime {
    private static let gslHandlerOff: Bool = {
        _ = gsl_set_error_handler_off()
        return true
    }()

    /// Switches GSL's aborting error handler off (idempotent, thread-safe).
    @inline(__always)
    public static func prepare() {
        _ = gslHandlerOff
    }

    /// The number of threads OpenBLAS uses for one BLAS/LAPACK call.
    ///
    /// Set it to 1 when Swift code itself runs work in parallel, and in benchmarks.
    /// `OPENBLAS_NUM_THREADS` in the environment sets the initial value.
    public static var blasThreads: Int {
        get { Int(cblas_shim_get_threads()) }
        set { cblas_shim_set_threads(Int32(max(1, newValue))) }
    }
}
