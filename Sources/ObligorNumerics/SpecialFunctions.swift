import CGSL
import Foundation

/// Special functions and distribution functions from GSL, plus numerically stable logistic helpers.
///
/// All functions are pure; out-of-domain inputs return NaN (GSL's handler is off), which callers
/// that need a hard failure check with ``Special/checked(_:_:)``.
public enum Special {
    /// Standard normal CDF Φ(x) (`gsl_cdf_ugaussian_P`).
    public static func normalCDF(_ x: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_ugaussian_P(x) }
    /// Upper tail 1 − Φ(x), accurate for large x (`gsl_cdf_ugaussian_Q`).
    public static func normalSurvival(_ x: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_ugaussian_Q(x) }
    /// Standard normal quantile Φ⁻¹(p) for p in (0, 1) (`gsl_cdf_ugaussian_Pinv`).
    public static func normalQuantile(_ p: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_ugaussian_Pinv(p) }
    /// Standard normal density φ(x).
    public static func normalPDF(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

    /// Regularised incomplete beta I_x(a, b) (`gsl_sf_beta_inc`).
    public static func incompleteBeta(a: Double, b: Double, x: Double) -> Double {
        NumericsRuntime.prepare()
        var r = gsl_sf_result()
        return gsl_sf_beta_inc_e(a, b, x, &r) == Int32(GSL_SUCCESS) ? r.val : .nan
    }
    /// Beta(a, b) CDF at x (`gsl_cdf_beta_P`).
    public static func betaCDF(_ x: Double, a: Double, b: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_beta_P(x, a, b) }
    /// Beta(a, b) quantile (`gsl_cdf_beta_Pinv`).
    public static func betaQuantile(_ p: Double, a: Double, b: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_beta_Pinv(p, a, b) }
    /// Chi-square CDF with `df` degrees of freedom (`gsl_cdf_chisq_P`).
    public static func chiSquareCDF(_ x: Double, df: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_chisq_P(x, df) }
    /// Chi-square upper tail P(X > x) (`gsl_cdf_chisq_Q`).
    public static func chiSquareSurvival(_ x: Double, df: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_chisq_Q(x, df) }
    /// Chi-square quantile (`gsl_cdf_chisq_Pinv`).
    public static func chiSquareQuantile(_ p: Double, df: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_chisq_Pinv(p, df) }
    /// Binomial CDF P(X ≤ k), X ~ Bin(n, p) (`gsl_cdf_binomial_P`).
    public static func binomialCDF(_ k: Int, n: Int, p: Double) -> Double {
        NumericsRuntime.prepare()
        if k < 0 { return 0 }
        if k >= n { return 1 }
        return gsl_cdf_binomial_P(UInt32(k), p, UInt32(n))
    }
    /// Binomial upper tail P(X ≥ k) (`gsl_cdf_binomial_Q` at k − 1).
    public static func binomialUpperTail(_ k: Int, n: Int, p: Double) -> Double {
        NumericsRuntime.prepare()
        if k <= 0 { return 1 }
        if k > n { return 0 }
        return gsl_cdf_binomial_Q(UInt32(k - 1), p, UInt32(n))
    }
    /// Hypergeometric CDF P(X ≤ k) for n1 successes, n2 failures, t draws (`gsl_cdf_hypergeometric_P`).
    public static func hypergeometricCDF(_ k: Int, successes n1: Int, failures n2: Int, draws t: Int) -> Double {
        NumericsRuntime.prepare()
        if k < 0 { return 0 }
        return gsl_cdf_hypergeometric_P(UInt32(k), UInt32(n1), UInt32(n2), UInt32(t))
    }
    /// Hypergeometric probability P(X = k) (`gsl_ran_hypergeometric_pdf`).
    public static func hypergeometricPMF(_ k: Int, successes n1: Int, failures n2: Int, draws t: Int) -> Double {
        NumericsRuntime.prepare()
        if k < 0 { return 0 }
        return gsl_ran_hypergeometric_pdf(UInt32(k), UInt32(n1), UInt32(n2), UInt32(t))
    }
    /// ln |Γ(x)| (`gsl_sf_lngamma_e`); NaN at the poles x = 0, −1, −2, … and wherever GSL reports an error.
    public static func logGamma(_ x: Double) -> Double {
        NumericsRuntime.prepare()
        var r = gsl_sf_result()
        return gsl_sf_lngamma_e(x, &r) == Int32(GSL_SUCCESS) ? r.val : .nan
    }
    /// Student t upper tail P(T > t) with ν degrees of freedom (`gsl_cdf_tdist_Q`).
    public static func studentTSurvival(_ t: Double, df: Double) -> Double { NumericsRuntime.prepare(); return gsl_cdf_tdist_Q(t, df) }

    /// The logistic function 1/(1+e^{−x}), evaluated without overflow for any x.
    @inlinable
    public static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// ln(p / (1 − p)).
    @inlinable
    public static func logit(_ p: Double) -> Double { log(p) - log1p(-p) }

    /// ln(1 + e^x) without overflow (softplus).
    @inlinable
    public static func log1pExp(_ x: Double) -> Double {
        x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
    }

    /// Returns `value`, or throws when it is not finite: for results that must be real numbers.
    public static func checked(_ value: Double, _ operation: @autoclosure () -> String) throws(GSLError) -> Double {
        if value.isFinite { return value }
        throw GSLError(code: Int32(GSL_EDOM), operation: operation())
    }
}
