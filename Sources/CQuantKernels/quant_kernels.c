// Quantised matrix–vector kernels: see include/quant_kernels.h for the formats and the arithmetic.
// Written for Obligor from the GGUF block-format specification; no global target flags: the AVX2
// path is compiled per function (target attribute) and chosen at run time.
#include "quant_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma STDC FP_CONTRACT OFF

// MARK: - Portable helpers

static inline float half_to_float(const uint8_t *p) {
    uint16_t h = (uint16_t)(p[0] | (p[1] << 8));
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
    uint32_t bits;
    if (exponent == 0) {
        float f = (float)mantissa * 0x1p-24f;  // zero or subnormal, exact
        memcpy(&bits, &f, 4);
        bits |= sign;
    } else if (exponent == 31) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

// The fixed final reduction of the two 8-lane accumulators (the AVX2 path's order).
static inline float reduce_lanes(const float a[8], const float b[8]) {
    float v[8], t[4];
    for (int i = 0; i < 8; i++) v[i] = a[i] + b[i];
    for (int i = 0; i < 4; i++) t[i] = v[i] + v[i + 4];
    float u0 = t[0] + t[2], u1 = t[1] + t[3];
    return u0 + u1;
}

void obq_quantize_activation(const float *x, int64_t n, float *scales, int8_t *codes) {
    for (int64_t b = 0; b < n / 32; b++) {
        const float *xb = x + 32 * b;
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            float a = fabsf(xb[j]);
            if (a > amax) amax = a;
        }
        float d = amax / 127.0f;
        float inv = d > 0 ? 1.0f / d : 0.0f;
        scales[b] = d;
        for (int j = 0; j < 32; j++) {
            float q = nearbyintf(xb[j] * inv);
            if (q > 127) q = 127;
            if (q < -127) q = -127;
            codes[32 * b + j] = (int8_t)q;
        }
    }
}

// MARK: - Scalar path

static void matvec_q8_0_scalar(const uint8_t *w, int64_t rows, int64_t blocks, const float *xs, const int8_t *xq,
                               float *y, int accumulate) {
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * blocks * 34;
        float acc[2][8] = {{0}};
        for (int64_t b = 0; b < blocks; b++) {
            const uint8_t *blk = row + 34 * b;
            float d = half_to_float(blk) * xs[b];
            const int8_t *q = (const int8_t *)(blk + 2), *x = xq + 32 * b;
            float *a = acc[b & 1];
            for (int i = 0; i < 8; i++) {
                int s = 0;
                for (int k = 0; k < 4; k++) s += (int)q[4 * i + k] * (int)x[4 * i + k];
                a[i] = fmaf(d, (float)s, a[i]);
            }
        }
        float dot = reduce_lanes(acc[0], acc[1]);
        y[r] = accumulate ? y[r] + dot : dot;
    }
}

static void matvec_q4_0_scalar(const uint8_t *w, int64_t rows, int64_t blocks, const float *xs, const int8_t *xq,
                               float *y, int accumulate) {
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * blocks * 18;
        float acc[2][8] = {{0}};
        for (int64_t b = 0; b < blocks; b++) {
            const uint8_t *blk = row + 18 * b;
            float d = half_to_float(blk) * xs[b];
            int q[32];
            for (int i = 0; i < 16; i++) {
                q[i] = (int)(blk[2 + i] & 0x0F) - 8;
                q[i + 16] = (int)(blk[2 + i] >> 4) - 8;
            }
            const int8_t *x = xq + 32 * b;
            float *a = acc[b & 1];
            for (int i = 0; i < 8; i++) {
                int s = 0;
                for (int k = 0; k < 4; k++) s += q[4 * i + k] * (int)x[4 * i + k];
                a[i] = fmaf(d, (float)s, a[i]);
            }
        }
        float dot = reduce_lanes(acc[0], acc[1]);
        y[r] = accumulate ? y[r] + dot : dot;
    }
}

// MARK: - AVX2 path (x86-64 only, compiled for AVX2/FMA/F16C per function)

#if defined(__x86_64__)
#define OBQ_AVX2 __attribute__((target("avx2,fma,f16c")))

OBQ_AVX2 static inline float avx2_reduce(__m256 a0, __m256 a1) {
    __m256 v = _mm256_add_ps(a0, a1);
    __m128 t = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));  // v[i] + v[i+4]
    __m128 u = _mm_add_ps(t, _mm_movehl_ps(t, t));                                 // t0+t2, t1+t3
    __m128 s = _mm_add_ss(u, _mm_shuffle_ps(u, u, 1));                             // u0 + u1
    return _mm_cvtss_f32(s);
}

// 8 int32 lanes: lane i = Σ_{k<4} w[4i+k]·x[4i+k] for int8 w, x with x in [-127, 127] (no saturation:
// |sign(w)·w| ≤ 128 and |x| ≤ 127, so each pair sum is at most 32512).
OBQ_AVX2 static inline __m256 avx2_block_dot(__m256i w, __m256i x) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i aw = _mm256_sign_epi8(w, w);
    __m256i sx = _mm256_sign_epi8(x, w);
    __m256i p16 = _mm256_maddubs_epi16(aw, sx);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, ones));
}

OBQ_AVX2 static inline float avx2_half(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

OBQ_AVX2 static void matvec_q8_0_avx2(const uint8_t *w, int64_t rows, int64_t blocks, const float *xs, const int8_t *xq,
                                     float *y, int accumulate) {
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * blocks * 34;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
        int64_t b = 0;
        for (; b + 1 < blocks; b += 2) {
            const uint8_t *k0 = row + 34 * b, *k1 = k0 + 34;
            float d0 = avx2_half(k0) * xs[b], d1 = avx2_half(k1) * xs[b + 1];
            __m256 p0 = avx2_block_dot(_mm256_loadu_si256((const __m256i *)(k0 + 2)),
                                       _mm256_loadu_si256((const __m256i *)(xq + 32 * b)));
            __m256 p1 = avx2_block_dot(_mm256_loadu_si256((const __m256i *)(k1 + 2)),
                                       _mm256_loadu_si256((const __m256i *)(xq + 32 * b + 32)));
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), p0, acc0);
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(d1), p1, acc1);
        }
        if (b < blocks) {
            const uint8_t *k0 = row + 34 * b;
            float d0 = avx2_half(k0) * xs[b];
            __m256 p0 = avx2_block_dot(_mm256_loadu_si256((const __m256i *)(k0 + 2)),
                                       _mm256_loadu_si256((const __m256i *)(xq + 32 * b)));
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), p0, acc0);
        }
        float dot = avx2_reduce(acc0, acc1);
        y[r] = accumulate ? y[r] + dot : dot;
    }
}

// The 32 codes c (0..15) of a Q4_0 block as unsigned bytes, elements 0..15 then 16..31.
OBQ_AVX2 static inline __m256i avx2_q4_codes(const uint8_t *blk) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m128i raw = _mm_loadu_si128((const __m128i *)(blk + 2));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), low);
}

// 8 int32 lanes: lane i = Σ_{k<4} (c[4i+k] − 8)·x[4i+k], computed as Σ c·x (unsigned × signed
// bytes, at most 2·15·127 per pair: no saturation) minus the precomputed 8·Σ x of the lane.
OBQ_AVX2 static inline __m256 avx2_q4_block_dot(const uint8_t *blk, const int8_t *x, const int32_t *lane_sums8) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i p16 = _mm256_maddubs_epi16(avx2_q4_codes(blk), _mm256_loadu_si256((const __m256i *)x));
    __m256i p32 = _mm256_sub_epi32(_mm256_madd_epi16(p16, ones), _mm256_loadu_si256((const __m256i *)lane_sums8));
    return _mm256_cvtepi32_ps(p32);
}

OBQ_AVX2 static void matvec_q4_0_avx2(const uint8_t *w, int64_t rows, int64_t blocks, const float *xs, const int8_t *xq,
                                     float *y, int accumulate) {
    // 8 · (sum of the input codes of each 4-element lane), once per call.
    int32_t stack_sums[8 * 128];
    int32_t *sums = blocks <= 128 ? stack_sums : (int32_t *)malloc((size_t)blocks * 8 * sizeof(int32_t));
    if (!sums) {
        matvec_q4_0_scalar(w, rows, blocks, xs, xq, y, accumulate);
        return;
    }
    for (int64_t i = 0; i < blocks * 8; i++) {
        sums[i] = 8 * ((int32_t)xq[4 * i] + xq[4 * i + 1] + xq[4 * i + 2] + xq[4 * i + 3]);
    }
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * blocks * 18;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
        int64_t b = 0;
        for (; b + 1 < blocks; b += 2) {
            const uint8_t *k0 = row + 18 * b, *k1 = k0 + 18;
            float d0 = avx2_half(k0) * xs[b], d1 = avx2_half(k1) * xs[b + 1];
            __m256 p0 = avx2_q4_block_dot(k0, xq + 32 * b, sums + 8 * b);
            __m256 p1 = avx2_q4_block_dot(k1, xq + 32 * b + 32, sums + 8 * b + 8);
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), p0, acc0);
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(d1), p1, acc1);
        }
        if (b < blocks) {
            const uint8_t *k0 = row + 18 * b;
            float d0 = avx2_half(k0) * xs[b];
            __m256 p0 = avx2_q4_block_dot(k0, xq + 32 * b, sums + 8 * b);
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), p0, acc0);
        }
        float dot = avx2_reduce(acc0, acc1);
        y[r] = accumulate ? y[r] + dot : dot;
    }
    if (sums != stack_sums) free(sums);
}
#endif

// MARK: - Dispatch

int obq_avx2_available(void) {
#if defined(__x86_64__)
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
#else
    return 0;
#endif
}

static int use_avx2(int path) {
    return path != OBQ_PATH_SCALAR && obq_avx2_available();
}

void obq_matvec_q8_0(const void *weights, int64_t rows, int64_t columns, const float *x_scales, const int8_t *x_codes,
                     float *y, int accumulate, int path) {
    int64_t blocks = columns / 32;
#if defined(__x86_64__)
    if (use_avx2(path)) {
        matvec_q8_0_avx2((const uint8_t *)weights, rows, blocks, x_scales, x_codes, y, accumulate);
        return;
    }
#else
    (void)path;
    (void)use_avx2;
#endif
    matvec_q8_0_scalar((const uint8_t *)weights, rows, blocks, x_scales, x_codes, y, accumulate);
}

void obq_matvec_q4_0(const void *weights, int64_t rows, int64_t columns, const float *x_scales, const int8_t *x_codes,
                     float *y, int accumulate, int path) {
    int64_t blocks = columns / 32;
#if defined(__x86_64__)
    if (use_avx2(path)) {
        matvec_q4_0_avx2((const uint8_t *)weights, rows, blocks, x_scales, x_codes, y, accumulate);
        return;
    }
#else
    (void)path;
#endif
    matvec_q4_0_scalar((const uint8_t *)weights, rows, blocks, x_scales, x_codes, y, accumulate);
}

int obq_dequantize(int ggml_type, const void *blocks, int64_t n, float *out) {
    const uint8_t *p = (const uint8_t *)blocks;
    if (ggml_type == 8) {
        for (int64_t b = 0; b < n / 32; b++) {
            const uint8_t *blk = p + 34 * b;
            float d = half_to_float(blk);
            const int8_t *q = (const int8_t *)(blk + 2);
            float *o = out + 32 * b;
            for (int j = 0; j < 32; j++) o[j] = d * (float)q[j];
        }
        return 0;
    }
    if (ggml_type == 2) {
        for (int64_t b = 0; b < n / 32; b++) {
            const uint8_t *blk = p + 18 * b;
            float d = half_to_float(blk);
            float *o = out + 32 * b;
            for (int i = 0; i < 16; i++) {
                o[i] = (float)((int)(blk[2 + i] & 0x0F) - 8) * d;
                o[i + 16] = (float)((int)(blk[2 + i] >> 4) - 8) * d;
            }
        }
        return 0;
    }
    return -1;
}
