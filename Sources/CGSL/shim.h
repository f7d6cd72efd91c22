#ifndef OBLIGOR_CGSL_SHIM_H
#define OBLIGOR_CGSL_SHIM_H
// GSL's matrix headers include <gsl/gsl_cblas.h>, whose CBLAS_TRANSPOSE enum differs from
// OpenBLAS's. Reuse OpenBLAS's declarations and skip GSL's copy through its include guard.
#include <cblas.h>
#define __GSL_CBLAS_H__

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multimin.h>

// GSL exports RNG algorithm descriptors as mutable C globals, which Swift 6 rejects.
static inline const gsl_rng_type *cgsl_rng_mt19937(void) { return gsl_rng_mt19937; }

// The L-BFGS-style minimiser descriptor (vector BFGS2), same reason.
static inline const gsl_multimin_fdfminimizer_type *cgsl_multimin_vector_bfgs2(void) {
    return gsl_multimin_fdfminimizer_vector_bfgs2;
}
#endif
