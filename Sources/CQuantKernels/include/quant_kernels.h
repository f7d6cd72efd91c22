// Quantised matrix–vector kernels for ObligorLlama (called only through ObligorNumerics).
//
// Block formats (ggml / GGUF, 32 elements per block, little-endian):
//   Q8_0 weight block, 34 bytes: float16 scale d, then 32 int8 q; element j = d * q[j].
//   Q4_0 weight block, 18 bytes: float16 scale d, then 16 bytes; byte i holds element i in its low
//        nibble and element i + 16 in its high nibble, each a code c with value (c - 8) * d.
//   Activation (this library's own layout): one float scale per 32-element block and 32 int8 codes,
//        x[j] ≈ scale * q[j], from obq_quantize_activation.
//
// Every product accumulates, per row, 8 float lanes (lane i gets the exact integer dot product of
// elements 4i..4i+3 of each block, times d_w * d_x, fused multiply-add) in two interleaved
// accumulators (even / odd blocks), then sums the 16 lanes in a fixed order. The scalar path does
// exactly the same arithmetic as the AVX2 path, so both give bit-identical results.
#ifndef OBLIGOR_QUANT_KERNELS_H
#define OBLIGOR_QUANT_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Which implementation a kernel call uses.
enum {
    OBQ_PATH_AUTO = 0,    ///< AVX2 when the CPU has AVX2, FMA and F16C, else scalar
    OBQ_PATH_SCALAR = 1,  ///< portable C
    OBQ_PATH_AVX2 = 2     ///< AVX2 (falls back to scalar when unavailable)
};

/// 1 when the AVX2 path can run on this CPU (x86-64 with AVX2, FMA and F16C), else 0.
int obq_avx2_available(void);

/// Quantises n floats (n a multiple of 32) into n/32 scales and n int8 codes:
/// per block d = max|x| / 127, q = round-to-nearest-even(x / d), clamped to [-127, 127] (0 when d = 0).
void obq_quantize_activation(const float *x, int64_t n, float *scales, int8_t *codes);

/// y[r] (+)= Σ_blocks d_w · d_x · Σ_j q_w · q_x for rows r of a Q8_0 matrix (row stride = columns/32
/// blocks of 34 bytes). columns is a multiple of 32. accumulate != 0 adds to y instead of overwriting.
void obq_matvec_q8_0(const void *weights, int64_t rows, int64_t columns,
                     const float *x_scales, const int8_t *x_codes,
                     float *y, int accumulate, int path);

/// The same for a Q4_0 matrix (blocks of 18 bytes).
void obq_matvec_q4_0(const void *weights, int64_t rows, int64_t columns,
                     const float *x_scales, const int8_t *x_codes,
                     float *y, int accumulate, int path);

/// Decodes n elements (a multiple of 32) of Q8_0 (type 8) or Q4_0 (type 2) blocks into floats.
/// Returns 0, or -1 for another type.
int obq_dequantize(int ggml_type, const void *blocks, int64_t n, float *out);

#ifdef __cplusplus
}
#endif

#endif
