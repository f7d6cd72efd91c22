#ifndef OBLIGOR_CBLAS_SHIM_H
#define OBLIGOR_CBLAS_SHIM_H
// OpenBLAS's CBLAS (found through pkg-config openblas: -I.../openblas-pthread/) and the
// reference LAPACKE C interface (Debian's liblapacke), which calls OpenBLAS's LAPACK.
#include <cblas.h>
#include <lapacke.h>

// openblas_set_num_threads is declared in OpenBLAS's cblas.h; re-exposed under a stable name.
static inline void cblas_shim_set_threads(int n) { openblas_set_num_threads(n); }
static inline int cblas_shim_get_threads(void) { return openblas_get_num_threads(); }
#endif
