// One source for every vectorized kernel, compiled three times (variant_*.c) with:
//   VK_W          lanes per vector (16 = AVX-512, 8 = AVX2, 4 = portable)
//   VK_NAME(x)    x with the variant's suffix
//   VK_FMA(a,b,c) a*b+c, fused where the target has FMA
//   VK_OPS        the ops table to define
// and a `#pragma clang attribute push` that sets the target ISA for every function here.
// GCC/Clang vector extensions keep one source; each instantiation compiles to the
// variant's native registers (zmm / ymm / xmm).
#include <math.h>
#include <string.h>
#include "kernels_internal.h"

typedef float V __attribute__((vector_size(VK_W * 4)));
typedef int VI __attribute__((vector_size(VK_W * 4)));

static inline V vload(const float *p) { V v; memcpy(&v, p, sizeof v); return v; }
static inline void vstore(float *p, V v) { memcpy(p, &v, sizeof v); }
static inline V vsplat(float x) {
    V v;
    for (int i = 0; i < VK_W; i++) v[i] = x;
    return v;
}
// Loads n < VK_W elements, filling the other lanes; stores only n lanes. AVX-512 and AVX2 use masked
// moves (the GEMM's edge tiles store through these on every call); the portable build loops.
#if VK_W == 16
#include <immintrin.h>
static inline V vload_partial(const float *p, long n, float fill) {
    return (V)_mm512_mask_loadu_ps(_mm512_set1_ps(fill), (__mmask16)((1u << n) - 1), p);
}
static inline void vstore_partial(float *p, V v, long n) {
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
}
#elif VK_W == 8 && defined(__x86_64__)
#include <immintrin.h>
static inline __m256i lane_mask8(long n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline V vload_partial(const float *p, long n, float fill) {
    __m256i mask = lane_mask8(n);
    return (V)_mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, mask), _mm256_castsi256_ps(mask));
}
static inline void vstore_partial(float *p, V v, long n) { _mm256_maskstore_ps(p, lane_mask8(n), (__m256)v); }
#else
static inline V vload_partial(const float *p, long n, float fill) {
    V v = vsplat(fill);
    for (long i = 0; i < n; i++) v[i] = p[i];
    return v;
}
static inline void vstore_partial(float *p, V v, long n) {
    for (long i = 0; i < n; i++) p[i] = v[i];
}
#endif
static inline V vselect(VI mask, V a, V b) { return (V)(((VI)a & mask) | ((VI)b & ~mask)); }
static inline V vmax(V a, V b) { return __builtin_elementwise_max(a, b); }
static inline V vmin(V a, V b) { return __builtin_elementwise_min(a, b); }
static inline float hsum(V v) {
    float s = 0;
    for (int i = 0; i < VK_W; i++) s += v[i];
    return s;
}
static inline float hmax(V v) {
    float m = v[0];
    for (int i = 1; i < VK_W; i++) m = v[i] > m ? v[i] : m;
    return m;
}

// e^x, Cephes expf polynomial after x = n·ln2 + r; ~1 ulp. Exactly 0 below -87.3.
static inline V vexp(V x) {
    const V magic = vsplat(12582912.0f); // 1.5·2^23: adding it rounds to an integer
    V xc = vmin(vmax(x, vsplat(-87.0f)), vsplat(88.0f));
    V n = VK_FMA(xc, vsplat(1.44269504088896341f), magic) - magic;
    V r = VK_FMA(n, vsplat(-0.693359375f), xc);
    r = VK_FMA(n, vsplat(2.12194440e-4f), r);
    V p = vsplat(1.9875691500e-4f);
    p = VK_FMA(p, r, vsplat(1.3981999507e-3f));
    p = VK_FMA(p, r, vsplat(8.3334519073e-3f));
    p = VK_FMA(p, r, vsplat(4.1665795894e-2f));
    p = VK_FMA(p, r, vsplat(1.6666665459e-1f));
    p = VK_FMA(p, r, vsplat(5.0000001201e-1f));
    V y = VK_FMA(p, r * r, r) + vsplat(1.0f);
    VI bits = (__builtin_convertvector(n, VI) + 127) << 23;
    y = y * (V)bits;
    return vselect(x < vsplat(-87.3f), vsplat(0.0f), y);
}

// Exact GELU, x/2 · erfc(-x/√2), with erfc from Numerical Recipes' Chebyshev fit
// (fractional error < 1.2e-7 for all arguments), so small negative outputs keep relative accuracy.
static inline V vgelu(V x) {
    V z = vmax(x, -x) * vsplat(0.70710678118654752f);
    V t = vsplat(1.0f) / VK_FMA(vsplat(0.5f), z, vsplat(1.0f));
    V p = vsplat(0.17087277f);
    p = VK_FMA(p, t, vsplat(-0.82215223f));
    p = VK_FMA(p, t, vsplat(1.48851587f));
    p = VK_FMA(p, t, vsplat(-1.13520398f));
    p = VK_FMA(p, t, vsplat(0.27886807f));
    p = VK_FMA(p, t, vsplat(-0.18628806f));
    p = VK_FMA(p, t, vsplat(0.09678418f));
    p = VK_FMA(p, t, vsplat(0.37409196f));
    p = VK_FMA(p, t, vsplat(1.00002368f));
    p = VK_FMA(p, t, vsplat(-1.26551223f));
    V e = t * vexp(p - z * z); // erfc(|x|/√2)
    V erfc_neg = vselect(x < vsplat(0.0f), e, vsplat(2.0f) - e);
    return vsplat(0.5f) * x * erfc_neg;
}

static inline V vact(V x, int act) {
    switch (act) {
    case VK_ACT_RELU: return vmax(x, vsplat(0.0f));
    case VK_ACT_RELU6: return vmin(vmax(x, vsplat(0.0f)), vsplat(6.0f));
    case VK_ACT_GELU: return vgelu(x);
    default: return x;
    }
}

// Finishes one row of a micro-tile: alpha, beta·C, biases and activation, then stores `cols` columns
// (all 2·VK_W on interior tiles; the rest through masked moves, so edge tiles need no second pass).
static inline void VK_NAME(store_row)(float *row, V x0, V x1, long cols, float alpha, float beta, float row_bias,
                                      V cb0, V cb1, const vk_tile_epilogue *ep) {
    V va = vsplat(alpha);
    V y0 = x0 * va, y1 = x1 * va;
    long n0 = cols < VK_W ? cols : VK_W, n1 = cols - VK_W;
    if (beta != 0) {
        V vb = vsplat(beta);
        y0 = VK_FMA(vb, n0 == VK_W ? vload(row) : vload_partial(row, n0, 0), y0);
        if (n1 > 0) y1 = VK_FMA(vb, n1 == VK_W ? vload(row + VK_W) : vload_partial(row + VK_W, n1, 0), y1);
    }
    if (ep) {
        V rb = vsplat(row_bias);
        y0 = vact(y0 + rb + cb0, ep->act);
        y1 = vact(y1 + rb + cb1, ep->act);
    }
    if (n0 == VK_W) vstore(row, y0); else vstore_partial(row, y0, n0);
    if (n1 == VK_W) vstore(row + VK_W, y1); else if (n1 > 0) vstore_partial(row + VK_W, y1, n1);
}

// The tile's column biases (zero past `cols` and when there is no epilogue or no column bias).
static inline void VK_NAME(column_bias)(const vk_tile_epilogue *ep, long cols, V *cb0, V *cb1) {
    V zero = {0};
    *cb0 = zero;
    *cb1 = zero;
    if (!ep || !ep->col_bias) return;
    long n0 = cols < VK_W ? cols : VK_W, n1 = cols - VK_W;
    *cb0 = n0 == VK_W ? vload(ep->col_bias) : vload_partial(ep->col_bias, n0, 0);
    if (n1 > 0) *cb1 = n1 == VK_W ? vload(ep->col_bias + VK_W) : vload_partial(ep->col_bias + VK_W, n1, 0);
}

// Rows of a micro-tile that reads A in place: 7 with AVX-512 (14 accumulators of 32 registers; every
// M in EfficientNet-Lite0 is a multiple of 7, so no ragged last tile), 6 elsewhere (AVX2 has 16).
#if VK_W == 16
#define VK_MRD 7
#else
#define VK_MRD 6
#endif

// R × (2·VK_W) micro-kernel (R = 6 or 7, a constant once inlined): 2R vector accumulators, A
// broadcast, two B vectors per k. A's element (r, p) is a[r·rs + p·cs]: a packed panel (rs 1, cs MR)
// or rows of A read in place (rs lda, cs 1; `direct`, rows past `rows` then re-read row 0 so nothing
// past A is touched). Writes the first `rows` × `cols` of the tile (packed B panels are zero-padded,
// so edge tiles compute zeros past the matrix and store only what exists); with an epilogue the
// tile gets its biases and activation in registers before the store (a second pass over C was
// ~10 % of EfficientNet's time at its small depths).
static inline __attribute__((always_inline)) void VK_NAME(kernel_2v_body)(
    const int R, long kc, const float *restrict a, long rs, long cs, int direct, const float *restrict b,
    float *restrict c, long ldc, float alpha, float beta, const vk_tile_epilogue *ep, long rows, long cols) {
#define VK_AROW(n) const float *r##n = a + (direct && rows <= (n) ? 0 : (n) * rs)
    VK_AROW(0); VK_AROW(1); VK_AROW(2); VK_AROW(3); VK_AROW(4); VK_AROW(5); VK_AROW(6);
#undef VK_AROW
    V c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
    V c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0}, c60 = {0}, c61 = {0};
    for (long p = 0; p < kc; p++) {
        V b0 = vload(b), b1 = vload(b + VK_W);
        long i = p * cs;
        V a0 = vsplat(r0[i]), a1 = vsplat(r1[i]), a2 = vsplat(r2[i]);
        c00 = VK_FMA(a0, b0, c00); c01 = VK_FMA(a0, b1, c01);
        c10 = VK_FMA(a1, b0, c10); c11 = VK_FMA(a1, b1, c11);
        c20 = VK_FMA(a2, b0, c20); c21 = VK_FMA(a2, b1, c21);
        V a3 = vsplat(r3[i]), a4 = vsplat(r4[i]), a5 = vsplat(r5[i]);
        c30 = VK_FMA(a3, b0, c30); c31 = VK_FMA(a3, b1, c31);
        c40 = VK_FMA(a4, b0, c40); c41 = VK_FMA(a4, b1, c41);
        c50 = VK_FMA(a5, b0, c50); c51 = VK_FMA(a5, b1, c51);
        if (R > 6) {
            V a6 = vsplat(r6[i]);
            c60 = VK_FMA(a6, b0, c60); c61 = VK_FMA(a6, b1, c61);
        }
        b += 2 * VK_W;
    }
    V cb0, cb1;
    VK_NAME(column_bias)(ep, cols, &cb0, &cb1);
#define VK_ROW(r, x0, x1)                                                                                  \
    if ((r) < rows)                                                                                        \
        VK_NAME(store_row)(c + (r) * ldc, x0, x1, cols, alpha, beta,                                       \
                           ep && ep->row_bias ? ep->row_bias[r] : 0.0f, cb0, cb1, ep)
    VK_ROW(0, c00, c01);
    VK_ROW(1, c10, c11);
    VK_ROW(2, c20, c21);
    VK_ROW(3, c30, c31);
    VK_ROW(4, c40, c41);
    VK_ROW(5, c50, c51);
    if (R > 6) VK_ROW(6, c60, c61);
#undef VK_ROW
}

// R × VK_W: tiles with at most VK_W columns left (N = 16, 24, 40, … in EfficientNet), reading the
// first VK_W columns of a B panel whose rows are `nr` apart; A and the store as above.
static inline __attribute__((always_inline)) void VK_NAME(kernel_1v_body)(
    const int R, long kc, const float *restrict a, long rs, long cs, int direct, const float *restrict b, long nr,
    float *restrict c, long ldc, float alpha, float beta, const vk_tile_epilogue *ep, long rows, long cols) {
#define VK_AROW(n) const float *r##n = a + (direct && rows <= (n) ? 0 : (n) * rs)
    VK_AROW(0); VK_AROW(1); VK_AROW(2); VK_AROW(3); VK_AROW(4); VK_AROW(5); VK_AROW(6);
#undef VK_AROW
    V c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0};
    for (long p = 0; p < kc; p++) {
        V b0 = vload(b);
        long i = p * cs;
        c0 = VK_FMA(vsplat(r0[i]), b0, c0);
        c1 = VK_FMA(vsplat(r1[i]), b0, c1);
        c2 = VK_FMA(vsplat(r2[i]), b0, c2);
        c3 = VK_FMA(vsplat(r3[i]), b0, c3);
        c4 = VK_FMA(vsplat(r4[i]), b0, c4);
        c5 = VK_FMA(vsplat(r5[i]), b0, c5);
        if (R > 6) c6 = VK_FMA(vsplat(r6[i]), b0, c6);
        b += nr;
    }
    V cb0, cb1, zero = {0};
    VK_NAME(column_bias)(ep, cols, &cb0, &cb1);
#define VK_ROW(r, x)                                                                                       \
    if ((r) < rows)                                                                                        \
        VK_NAME(store_row)(c + (r) * ldc, x, zero, cols, alpha, beta,                                      \
                           ep && ep->row_bias ? ep->row_bias[r] : 0.0f, cb0, cb1, ep)
    VK_ROW(0, c0);
    VK_ROW(1, c1);
    VK_ROW(2, c2);
    VK_ROW(3, c3);
    VK_ROW(4, c4);
    VK_ROW(5, c5);
    if (R > 6) VK_ROW(6, c6);
#undef VK_ROW
}

static void VK_NAME(kernel)(long kc, const float *restrict a, const float *restrict b, float *restrict c,
                            long ldc, float alpha, float beta, const vk_tile_epilogue *ep, long rows, long cols) {
    VK_NAME(kernel_2v_body)(VK_MR, kc, a, 1, VK_MR, 0, b, c, ldc, alpha, beta, ep, rows, cols);
}

static void VK_NAME(kernel_1v)(long kc, const float *restrict a, const float *restrict b, long nr,
                               float *restrict c, long ldc, float alpha, float beta, const vk_tile_epilogue *ep,
                               long rows, long cols) {
    VK_NAME(kernel_1v_body)(VK_MR, kc, a, 1, VK_MR, 0, b, nr, c, ldc, alpha, beta, ep, rows, cols);
}

static void VK_NAME(kernel_direct)(long kc, const float *restrict a, long lda, const float *restrict b, float *restrict c,
                                   long ldc, float alpha, float beta, const vk_tile_epilogue *ep, long rows, long cols) {
    VK_NAME(kernel_2v_body)(VK_MRD, kc, a, lda, 1, 1, b, c, ldc, alpha, beta, ep, rows, cols);
}

static void VK_NAME(kernel_1v_direct)(long kc, const float *restrict a, long lda, const float *restrict b, long nr,
                                      float *restrict c, long ldc, float alpha, float beta, const vk_tile_epilogue *ep,
                                      long rows, long cols) {
    VK_NAME(kernel_1v_body)(VK_MRD, kc, a, lda, 1, 1, b, nr, c, ldc, alpha, beta, ep, rows, cols);
}

static void VK_NAME(epilogue_row)(float *c, long n, float row_bias, const float *col_bias, int act) {
    V rb = vsplat(row_bias);
    long j = 0;
    for (; j + VK_W <= n; j += VK_W) {
        V x = vload(c + j) + rb;
        if (col_bias) x += vload(col_bias + j);
        vstore(c + j, vact(x, act));
    }
    if (j < n) {
        V x = vload_partial(c + j, n - j, 0) + rb;
        if (col_bias) x += vload_partial(col_bias + j, n - j, 0);
        vstore_partial(c + j, vact(x, act), n - j);
    }
}

static float VK_NAME(dot)(long n, const float *x, const float *y) {
    V s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    long i = 0;
    for (; i + 4 * VK_W <= n; i += 4 * VK_W) {
        s0 = VK_FMA(vload(x + i), vload(y + i), s0);
        s1 = VK_FMA(vload(x + i + VK_W), vload(y + i + VK_W), s1);
        s2 = VK_FMA(vload(x + i + 2 * VK_W), vload(y + i + 2 * VK_W), s2);
        s3 = VK_FMA(vload(x + i + 3 * VK_W), vload(y + i + 3 * VK_W), s3);
    }
    for (; i + VK_W <= n; i += VK_W) s0 = VK_FMA(vload(x + i), vload(y + i), s0);
    float s = hsum((s0 + s1) + (s2 + s3));
    for (; i < n; i++) s += x[i] * y[i];
    return s;
}

// VK_W fp16 values widened to fp32: vcvtph2ps (AVX-512F, or F16C beside AVX2). Portable: branchless on
// integer lanes — exponent and mantissa moved to fp32's place and multiplied by 2^112, which rebiases
// normals and subnormals exactly (a half subnormal is an fp32 subnormal before the multiply); Inf and
// NaN get the all-ones exponent. Bitwise vk_half_to_float for every input (NaNs stay NaN); fp16 dots
// run 17–18× faster than with the scalar loop it replaced (bench-gemm --dots).
static inline V vload_f16(const uint16_t *p) {
#if VK_W == 16
    return (V)_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
#elif VK_W == 8 && defined(__x86_64__)
    return (V)_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
#else
    typedef unsigned VU __attribute__((vector_size(VK_W * 4)));
    VU h;
    for (int i = 0; i < VK_W; i++) h[i] = p[i];
    VU magnitudeBits = (h & 0x7fffu) << 13;
    V magnitude;
    memcpy(&magnitude, &magnitudeBits, sizeof magnitude);
    magnitude = magnitude * vsplat(0x1p112f);
    VU bits;
    memcpy(&bits, &magnitude, sizeof bits);
    VU special = (VU)((h & 0x7c00u) == 0x7c00u); // all ones where the exponent is 31
    bits = (bits & ~special) | ((magnitudeBits | 0x7f800000u) & special);
    bits |= (h & 0x8000u) << 16;
    V v;
    memcpy(&v, &bits, sizeof v);
    return v;
#endif
}

static float VK_NAME(dot_f16)(long n, const float *x, const uint16_t *y) {
    V s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    long i = 0;
    for (; i + 4 * VK_W <= n; i += 4 * VK_W) {
        s0 = VK_FMA(vload(x + i), vload_f16(y + i), s0);
        s1 = VK_FMA(vload(x + i + VK_W), vload_f16(y + i + VK_W), s1);
        s2 = VK_FMA(vload(x + i + 2 * VK_W), vload_f16(y + i + 2 * VK_W), s2);
        s3 = VK_FMA(vload(x + i + 3 * VK_W), vload_f16(y + i + 3 * VK_W), s3);
    }
    for (; i + VK_W <= n; i += VK_W) s0 = VK_FMA(vload(x + i), vload_f16(y + i), s0);
    float s = hsum((s0 + s1) + (s2 + s3));
    for (; i < n; i++) s += x[i] * vk_half_to_float(y[i]);
    return s;
}

// Exact int32 dot of two int8 vectors with |values| <= 127 (n below 2^17 keeps the sum in range).
// AVX-512BW / AVX2: the sign trick — vpmaddubsw multiplies unsigned |x| by y carrying x's sign and adds
// pairs into int16 (at most 2·127·127 = 32,258, so it never saturates), vpmaddwd by ones widens the
// pairs to int32: 64 / 32 products per two instructions. Portable: a plain loop for the vectorizer.
static int32_t VK_NAME(dot_i8)(long n, const int8_t *x, const int8_t *y) {
    long i = 0;
    int32_t s = 0;
#if VK_W == 16
    __m512i acc = _mm512_setzero_si512();
    const __m512i ones = _mm512_set1_epi16(1);
    for (; i + 64 <= n; i += 64) {
        __m512i a = _mm512_loadu_si512((const void *)(x + i)), b = _mm512_loadu_si512((const void *)(y + i));
        __m512i signedB = _mm512_mask_sub_epi8(b, _mm512_movepi8_mask(a), _mm512_setzero_si512(), b);
        acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(_mm512_abs_epi8(a), signedB), ones));
    }
    s = _mm512_reduce_add_epi32(acc);
#elif VK_W == 8 && defined(__x86_64__)
    __m256i acc = _mm256_setzero_si256();
    const __m256i ones = _mm256_set1_epi16(1);
    for (; i + 32 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(x + i)), b = _mm256_loadu_si256((const __m256i *)(y + i));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(a), _mm256_sign_epi8(b, a)), ones));
    }
    __m128i half = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4e));
    half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xb1));
    s = _mm_cvtsi128_si32(half);
#endif
    for (; i < n; i++) s += (int32_t)x[i] * (int32_t)y[i];
    return s;
}

static float VK_NAME(dot_f16_f16)(long n, const uint16_t *x, const uint16_t *y) {
    V s0 = {0}, s1 = {0};
    long i = 0;
    for (; i + 2 * VK_W <= n; i += 2 * VK_W) {
        s0 = VK_FMA(vload_f16(x + i), vload_f16(y + i), s0);
        s1 = VK_FMA(vload_f16(x + i + VK_W), vload_f16(y + i + VK_W), s1);
    }
    for (; i + VK_W <= n; i += VK_W) s0 = VK_FMA(vload_f16(x + i), vload_f16(y + i), s0);
    float s = hsum(s0 + s1);
    for (; i < n; i++) s += vk_half_to_float(x[i]) * vk_half_to_float(y[i]);
    return s;
}

static void VK_NAME(widen_f16)(long n, const uint16_t *src, float *dst) {
    long i = 0;
    for (; i + VK_W <= n; i += VK_W) vstore(dst + i, vload_f16(src + i));
    for (; i < n; i++) dst[i] = vk_half_to_float(src[i]);
}

static void VK_NAME(axpy)(long n, float a, const float *x, float *y) {
    V va = vsplat(a);
    long i = 0;
    for (; i + VK_W <= n; i += VK_W) vstore(y + i, VK_FMA(va, vload(x + i), vload(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

static void VK_NAME(add)(const float *x, const float *y, float *out, long n) {
    long i = 0;
    for (; i + VK_W <= n; i += VK_W) vstore(out + i, vload(x + i) + vload(y + i));
    for (; i < n; i++) out[i] = x[i] + y[i];
}

static void VK_NAME(scale)(float *x, long n, float s) {
    V vs = vsplat(s);
    long i = 0;
    for (; i + VK_W <= n; i += VK_W) vstore(x + i, vload(x + i) * vs);
    for (; i < n; i++) x[i] *= s;
}

static float VK_NAME(sum)(const float *x, long n) {
    V s0 = {0}, s1 = {0};
    long i = 0;
    for (; i + 2 * VK_W <= n; i += 2 * VK_W) {
        s0 += vload(x + i);
        s1 += vload(x + i + VK_W);
    }
    for (; i + VK_W <= n; i += VK_W) s0 += vload(x + i);
    float s = hsum(s0 + s1);
    for (; i < n; i++) s += x[i];
    return s;
}

static void VK_NAME(softmax_row)(float *x, long n, float scale, const float *mask) {
    if (n <= 0) return;
    V vs = vsplat(scale), vm = vsplat(-INFINITY);
    long j = 0;
    for (; j + VK_W <= n; j += VK_W) {
        V v = vload(x + j) * vs;
        if (mask) v += vload(mask + j);
        vstore(x + j, v);
        vm = vmax(vm, v);
    }
    float m = hmax(vm);
    for (long i = j; i < n; i++) {
        x[i] = x[i] * scale + (mask ? mask[i] : 0);
        if (x[i] > m) m = x[i];
    }
    if (m == -INFINITY) { // every position masked out: no distribution, return zeros
        memset(x, 0, (size_t)n * sizeof(float));
        return;
    }
    V vmx = vsplat(m), vsum = {0};
    for (j = 0; j + VK_W <= n; j += VK_W) {
        V e = vexp(vload(x + j) - vmx);
        vstore(x + j, e);
        vsum += e;
    }
    float s = hsum(vsum);
    if (j < n) {
        V e = vexp(vload_partial(x + j, n - j, 0) - vmx);
        vstore_partial(x + j, e, n - j);
        for (long i = j; i < n; i++) s += x[i];
    }
    VK_NAME(scale)(x, n, 1.0f / s);
}

static void VK_NAME(layer_norm_row)(const float *x, float *y, long n, const float *gamma, const float *beta,
                                    float eps) {
    if (n <= 0) return;
    float mean = VK_NAME(sum)(x, n) / (float)n;
    V vmean = vsplat(mean), acc = {0};
    long j = 0;
    for (; j + VK_W <= n; j += VK_W) {
        V d = vload(x + j) - vmean;
        acc = VK_FMA(d, d, acc);
    }
    float var = hsum(acc);
    for (long i = j; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= (float)n;
    float rstd = 1.0f / sqrtf(var + eps);
    V vr = vsplat(rstd);
    for (j = 0; j + VK_W <= n; j += VK_W) {
        V v = (vload(x + j) - vmean) * vr;
        if (gamma) v *= vload(gamma + j);
        if (beta) v += vload(beta + j);
        vstore(y + j, v);
    }
    for (; j < n; j++) {
        float v = (x[j] - mean) * rstd;
        if (gamma) v *= gamma[j];
        if (beta) v += beta[j];
        y[j] = v;
    }
}

static void VK_NAME(depthwise_row)(float *out, long n, const float *const *rows, const float *w, long taps,
                                   float bias, int act) {
    long ox = 0;
    // Four independent accumulators hide FMA latency across the 9 or 25 taps.
    for (; ox + 4 * VK_W <= n; ox += 4 * VK_W) {
        V a0 = vsplat(bias), a1 = a0, a2 = a0, a3 = a0;
        for (long t = 0; t < taps; t++) {
            const float *r = rows[t] + ox;
            V wt = vsplat(w[t]);
            a0 = VK_FMA(wt, vload(r), a0);
            a1 = VK_FMA(wt, vload(r + VK_W), a1);
            a2 = VK_FMA(wt, vload(r + 2 * VK_W), a2);
            a3 = VK_FMA(wt, vload(r + 3 * VK_W), a3);
        }
        vstore(out + ox, vact(a0, act));
        vstore(out + ox + VK_W, vact(a1, act));
        vstore(out + ox + 2 * VK_W, vact(a2, act));
        vstore(out + ox + 3 * VK_W, vact(a3, act));
    }
    for (; ox < n; ox += VK_W) {
        long len = n - ox < VK_W ? n - ox : VK_W;
        V a0 = vsplat(bias);
        for (long t = 0; t < taps; t++) {
            V r = len == VK_W ? vload(rows[t] + ox) : vload_partial(rows[t] + ox, len, 0);
            a0 = VK_FMA(vsplat(w[t]), r, a0);
        }
        if (len == VK_W) vstore(out + ox, vact(a0, act));
        else vstore_partial(out + ox, vact(a0, act), len);
    }
}

// Stores 4 consecutive pixels' two channel vectors (pixel rows `c` floats apart) after the activation.
static inline void VK_NAME(store_pixels_4x2)(float *o, long c, int act, V a0, V a1, V a2, V a3, V b0, V b1, V b2, V b3) {
    vstore(o, vact(a0, act));
    vstore(o + VK_W, vact(b0, act));
    vstore(o + c, vact(a1, act));
    vstore(o + c + VK_W, vact(b1, act));
    vstore(o + 2 * c, vact(a2, act));
    vstore(o + 2 * c + VK_W, vact(b2, act));
    vstore(o + 3 * c, vact(a3, act));
    vstore(o + 3 * c + VK_W, vact(b3, act));
}

// One output row of a channels-last (HWC) depthwise conv over zero-padded input rows: `rows[ky]` is
// the padded input row (wp·c floats) under tap row ky of this output row's window, taps are k×k×c,
// the output row is out_w×c. Row pointers, not a stride, so the rows may live in a ring buffer.
// Padding was done by the caller, so every tap is in bounds: runs of 4 output pixels share each tap
// load (1.25 loads per FMA; 0.5 at stride 1); rows narrower than 4 go one pixel at a time.
static void VK_NAME(depthwise_hwc_row)(const float *const *rows, long c, const float *taps, const float *bias,
                                       long k, long stride, long out_w, int act, float *out) {
    const long step = stride * c, full = c / VK_W * VK_W;
    long x = 0;
    // Runs of 4 pixels; a ragged end (7- and 14-wide planes) takes one more run that overlaps the
    // previous one and writes its pixels again with the same values, instead of the one-pixel loop.
    long runs_end = out_w >= 4 ? out_w : 0;
    for (; x < runs_end; x += 4) {
        if (x + 4 > out_w) x = out_w - 4;
        const long base = x * step; // offset of this pixel's window in every row
        float *o = out + x * c;
        long ch = 0;
        // Two channel vectors × 4 pixels: 8 independent FMA chains hide the FMA latency.
        // At stride 1 neighbouring pixels share inputs: pixel px's tap kx reads input px + kx, so the
        // four inputs slide by one per tap and each is loaded once per tap row (0.5 loads per FMA
        // instead of 1.25; the conv is bound by loads). Same accumulation order as below.
        for (; stride == 1 && ch + 2 * VK_W <= full; ch += 2 * VK_W) {
            V a0 = vload(bias + ch), a1 = a0, a2 = a0, a3 = a0;
            V b0 = vload(bias + ch + VK_W), b1 = b0, b2 = b0, b3 = b0;
            for (long ky = 0; ky < k; ky++) {
                const float *ir = rows[ky] + base + ch, *tr = taps + ky * k * c + ch;
                V x0 = vload(ir), x1 = vload(ir + c), x2 = vload(ir + 2 * c);
                V y0 = vload(ir + VK_W), y1 = vload(ir + c + VK_W), y2 = vload(ir + 2 * c + VK_W);
                for (long kx = 0; kx < k; kx++) {
                    V x3 = vload(ir + (kx + 3) * c), y3 = vload(ir + (kx + 3) * c + VK_W);
                    V t = vload(tr + kx * c), u = vload(tr + kx * c + VK_W);
                    a0 = VK_FMA(x0, t, a0);
                    b0 = VK_FMA(y0, u, b0);
                    a1 = VK_FMA(x1, t, a1);
                    b1 = VK_FMA(y1, u, b1);
                    a2 = VK_FMA(x2, t, a2);
                    b2 = VK_FMA(y2, u, b2);
                    a3 = VK_FMA(x3, t, a3);
                    b3 = VK_FMA(y3, u, b3);
                    x0 = x1; x1 = x2; x2 = x3;
                    y0 = y1; y1 = y2; y2 = y3;
                }
            }
            VK_NAME(store_pixels_4x2)(o + ch, c, act, a0, a1, a2, a3, b0, b1, b2, b3);
        }
        for (; ch + 2 * VK_W <= full; ch += 2 * VK_W) {
            V a0 = vload(bias + ch), a1 = a0, a2 = a0, a3 = a0;
            V b0 = vload(bias + ch + VK_W), b1 = b0, b2 = b0, b3 = b0;
            for (long ky = 0; ky < k; ky++) {
                const float *ir = rows[ky] + base + ch, *tr = taps + ky * k * c + ch;
                for (long kx = 0; kx < k; kx++) {
                    const float *p = ir + kx * c;
                    V t = vload(tr + kx * c), u = vload(tr + kx * c + VK_W);
                    a0 = VK_FMA(vload(p), t, a0);
                    b0 = VK_FMA(vload(p + VK_W), u, b0);
                    a1 = VK_FMA(vload(p + step), t, a1);
                    b1 = VK_FMA(vload(p + step + VK_W), u, b1);
                    a2 = VK_FMA(vload(p + 2 * step), t, a2);
                    b2 = VK_FMA(vload(p + 2 * step + VK_W), u, b2);
                    a3 = VK_FMA(vload(p + 3 * step), t, a3);
                    b3 = VK_FMA(vload(p + 3 * step + VK_W), u, b3);
                }
            }
            VK_NAME(store_pixels_4x2)(o + ch, c, act, a0, a1, a2, a3, b0, b1, b2, b3);
        }
        for (; ch < full; ch += VK_W) {
            V a0 = vload(bias + ch), a1 = a0, a2 = a0, a3 = a0;
            for (long ky = 0; ky < k; ky++) {
                const float *ir = rows[ky] + base + ch, *tr = taps + ky * k * c + ch;
                for (long kx = 0; kx < k; kx++) {
                    const float *p = ir + kx * c;
                    V t = vload(tr + kx * c);
                    a0 = VK_FMA(vload(p), t, a0);
                    a1 = VK_FMA(vload(p + step), t, a1);
                    a2 = VK_FMA(vload(p + 2 * step), t, a2);
                    a3 = VK_FMA(vload(p + 3 * step), t, a3);
                }
            }
            vstore(o + ch, vact(a0, act));
            vstore(o + c + ch, vact(a1, act));
            vstore(o + 2 * c + ch, vact(a2, act));
            vstore(o + 3 * c + ch, vact(a3, act));
        }
        if (full < c) { // channel tail (no EfficientNet-Lite layer has one)
            long len = c - full;
            for (long px = 0; px < 4; px++) {
                V a = vload_partial(bias + full, len, 0);
                for (long ky = 0; ky < k; ky++)
                    for (long kx = 0; kx < k; kx++)
                        a = VK_FMA(vload_partial(rows[ky] + base + px * step + kx * c + full, len, 0),
                                   vload_partial(taps + (ky * k + kx) * c + full, len, 0), a);
                vstore_partial(o + px * c + full, vact(a, act), len);
            }
        }
    }
    for (; x < out_w; x++) {
        const long base = x * step; // offset of this pixel's window in every row
        float *o = out + x * c;
        long ch = 0;
        for (; ch + 4 * VK_W <= full; ch += 4 * VK_W) { // four channel vectors: four FMA chains
            V a0 = vload(bias + ch), a1 = vload(bias + ch + VK_W), a2 = vload(bias + ch + 2 * VK_W), a3 = vload(bias + ch + 3 * VK_W);
            for (long ky = 0; ky < k; ky++)
                for (long kx = 0; kx < k; kx++) {
                    const float *p = rows[ky] + base + kx * c + ch, *t = taps + (ky * k + kx) * c + ch;
                    a0 = VK_FMA(vload(p), vload(t), a0);
                    a1 = VK_FMA(vload(p + VK_W), vload(t + VK_W), a1);
                    a2 = VK_FMA(vload(p + 2 * VK_W), vload(t + 2 * VK_W), a2);
                    a3 = VK_FMA(vload(p + 3 * VK_W), vload(t + 3 * VK_W), a3);
                }
            vstore(o + ch, vact(a0, act));
            vstore(o + ch + VK_W, vact(a1, act));
            vstore(o + ch + 2 * VK_W, vact(a2, act));
            vstore(o + ch + 3 * VK_W, vact(a3, act));
        }
        for (; ch < c; ch += VK_W) {
            long len = c - ch < VK_W ? c - ch : VK_W;
            V a = len == VK_W ? vload(bias + ch) : vload_partial(bias + ch, len, 0);
            for (long ky = 0; ky < k; ky++)
                for (long kx = 0; kx < k; kx++) {
                    const float *p = rows[ky] + base + kx * c + ch, *t = taps + (ky * k + kx) * c + ch;
                    a = len == VK_W ? VK_FMA(vload(p), vload(t), a)
                                    : VK_FMA(vload_partial(p, len, 0), vload_partial(t, len, 0), a);
                }
            if (len == VK_W) vstore(o + ch, vact(a, act));
            else vstore_partial(o + ch, vact(a, act), len);
        }
    }
}

typedef float V8 __attribute__((vector_size(32)));


// Transposes rows of a matrix into k-major panels: dst[p*width + r] = src[r*ld + p] for r < rows,
// 0 for rows ≤ r < width. This is the packing of A (width 6) and of a transposed B; done 8×8 at a
// time with shuffles it costs a fraction of the scalar loop, which took ~30% of small-M GEMMs.
// With width % 8 != 0 the 8-wide stores overlap forward by up to 2 floats (the caller leaves slack).
static void VK_NAME(pack_kmajor)(const float *src, long ld, long rows, long kc, float *dst, long width) {
    long p = 0;
    for (; p + 8 <= kc; p += 8) {
        for (long r0 = 0; r0 < width; r0 += 8) {
            V8 r[8];
            for (int i = 0; i < 8; i++) { // memcpy, not helper functions: V8 is no register type on portable x86
                r[i] = (V8){0};
                if (r0 + i < rows) memcpy(&r[i], src + (r0 + i) * ld + p, sizeof r[i]);
            }
            V8 t0 = __builtin_shufflevector(r[0], r[1], 0, 8, 1, 9, 4, 12, 5, 13);
            V8 t1 = __builtin_shufflevector(r[0], r[1], 2, 10, 3, 11, 6, 14, 7, 15);
            V8 t2 = __builtin_shufflevector(r[2], r[3], 0, 8, 1, 9, 4, 12, 5, 13);
            V8 t3 = __builtin_shufflevector(r[2], r[3], 2, 10, 3, 11, 6, 14, 7, 15);
            V8 t4 = __builtin_shufflevector(r[4], r[5], 0, 8, 1, 9, 4, 12, 5, 13);
            V8 t5 = __builtin_shufflevector(r[4], r[5], 2, 10, 3, 11, 6, 14, 7, 15);
            V8 t6 = __builtin_shufflevector(r[6], r[7], 0, 8, 1, 9, 4, 12, 5, 13);
            V8 t7 = __builtin_shufflevector(r[6], r[7], 2, 10, 3, 11, 6, 14, 7, 15);
            V8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
            V8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
            V8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
            V8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
            V8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
            V8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
            V8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
            V8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
            V8 c[8] = {
                __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11),
                __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11),
                __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11),
                __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11),
                __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15),
                __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15),
                __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15),
                __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15),
            };
            for (int i = 0; i < 8; i++) memcpy(dst + (p + i) * width + r0, &c[i], sizeof c[i]); // column p+i
        }
    }
    for (; p < kc; p++)
        for (long r = 0; r < width; r++) dst[p * width + r] = r < rows ? src[r * ld + p] : 0;
}

const vk_ops VK_OPS = {
    .pack_kmajor = VK_NAME(pack_kmajor),
    .nr = 2 * VK_W,
    .mr_direct = VK_MRD,
    .kernel = VK_NAME(kernel),
    .kernel_1v = VK_NAME(kernel_1v),
    .kernel_direct = VK_NAME(kernel_direct),
    .kernel_1v_direct = VK_NAME(kernel_1v_direct),
    .epilogue_row = VK_NAME(epilogue_row),
    .dot = VK_NAME(dot),
    .dot_f16 = VK_NAME(dot_f16),
    .dot_f16_f16 = VK_NAME(dot_f16_f16),
    .widen_f16 = VK_NAME(widen_f16),
    .dot_i8 = VK_NAME(dot_i8),
    .axpy = VK_NAME(axpy),
    .add = VK_NAME(add),
    .scale = VK_NAME(scale),
    .sum = VK_NAME(sum),
    .softmax_row = VK_NAME(softmax_row),
    .layer_norm_row = VK_NAME(layer_norm_row),
    .depthwise_row = VK_NAME(depthwise_row),
    .depthwise_hwc_row = VK_NAME(depthwise_hwc_row),
};
