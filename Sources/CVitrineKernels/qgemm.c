// int8 GEMM for constant weights: C = act(beta·C + sa[i]·sw[j]·Σ_k qa[i,k]·qw[k,j] + bias[j]).
//
// Weights are quantized once, symmetrically per output column (qw in ±127, scale sw[j] = max|w| / 127),
// and packed into panels of 16 columns by groups of 4 depths (64 bytes per group: column c's four
// bytes at 4c), the layout every int8 dot instruction below wants. Activations are quantized per row
// at each call (qa in ±127, scale sa[i]). The integer sums are exact in int32 on every path, and the
// float epilogue runs the same operations in the same order everywhere, so all kernels give bitwise
// the same C before the activation:
// - AVX-512 VNNI (`vpdpbusd`, u8 × s8 → i32, 32 columns per tile). It needs unsigned activations, so
//   rows are stored as qa + 128 and 128·Σ_k qw[k,j] (kept per column) is subtracted at the end.
// - AVX2 (and AVX-512 CPUs without VNNI): `vpmaddubsw` + `vpmaddwd` on |qa| and qw·sign(qa), 16 columns
//   per tile. |qa|·|qw| ≤ 127², so the pairwise int16 sums cannot saturate (unlike u8 × s8 with u8 up to 255).
// - portable C.
// The activation (GELU, ReLU…) is the variant's own fp32 epilogue (vk_ops.epilogue_row), after each row block,
// and so are the optional fp32 outlier channels (vk_ops.axpy, before the activation).
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernels_internal.h"
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#pragma clang fp contract(off) // the same mul and add everywhere, never an FMA: bitwise-equal kernels

enum { Q_PANEL = 16, Q_GROUP_BYTES = Q_PANEL * 4, Q_MR = 6 };

long vk_q_depth(long k) { return (k + 3) & ~3L; }

long vk_q_columns(long n) { return (n + Q_PANEL - 1) / Q_PANEL * Q_PANEL; }

long vk_q_packed_size(long k, long n) { return vk_q_columns(n) * vk_q_depth(k); }

void vk_q_pack_b(const float *b, long ldb, int trans_b, long k, long n, int8_t *packed, float *scales, int32_t *sums) {
    long depth = vk_q_depth(k), columns = vk_q_columns(n);
    memset(packed, 0, (size_t)(columns * depth));
    for (long j = 0; j < columns; j++) {
        scales[j] = 0;
        sums[j] = 0;
    }
    for (long j = 0; j < n; j++) {
        float largest = 0;
        for (long kk = 0; kk < k; kk++) largest = fmaxf(largest, fabsf(trans_b ? b[j * ldb + kk] : b[kk * ldb + j]));
        if (!(largest > 0)) continue; // an all-zero column: codes, scale and sum stay 0
        float inverse = 127.0f / largest;
        scales[j] = largest / 127.0f;
        int8_t *panel = packed + (j / Q_PANEL) * Q_PANEL * depth + (j % Q_PANEL) * 4;
        for (long kk = 0; kk < k; kk++) {
            float q = nearbyintf((trans_b ? b[j * ldb + kk] : b[kk * ldb + j]) * inverse);
            int8_t code = (int8_t)(q > 127 ? 127 : (q < -127 ? -127 : q));
            panel[(kk / 4) * Q_GROUP_BYTES + kk % 4] = code;
            sums[j] += code;
        }
    }
}

// ---- which kernel runs ------------------------------------------------------------------------

// Asked once: cpuid is slow (a VM exit under a hypervisor), and this runs on every GEMM call.
static int cpu_has_vnni(void) {
#if defined(__x86_64__)
    static _Atomic int cached = -1;
    int v = cached;
    if (v < 0) {
        unsigned int a, b, c, d;
        v = __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((c >> 11) & 1) // AVX512_VNNI
            && vk_variant_supported(VK_VARIANT_AVX512);
        cached = v;
    }
    return v;
#else
    return 0;
#endif
}

// VNNI on (default) unless VITRINE_VNNI=0 or vk_set_vnni(0): lets one AVX-512 VNNI machine run and
// time the AVX-512 paths of CPUs without it.
static _Atomic int vnni_setting = -1;

static int vnni_in_use(void) {
    int v = vnni_setting;
    if (v < 0) {
        const char *env = getenv("VITRINE_VNNI");
        v = !(env && strcmp(env, "0") == 0);
        vnni_setting = v;
    }
    return v && cpu_has_vnni();
}

int vk_vnni_supported(void) { return cpu_has_vnni(); }

int vk_vnni_enabled(void) { return vnni_in_use(); }

void vk_set_vnni(int enabled) { vnni_setting = enabled ? 1 : 0; }

typedef enum { Q_PORTABLE, Q_AVX2, Q_VNNI } q_kernel;

// A pin from vk_q_pin: the variant + 1, plus Q_PIN_VNNI when VNNI was in use. A pinned call never looks
// at the current variant or VNNI setting, so quantization and product agree whatever switches meanwhile.
enum { Q_PIN_VNNI = 0x100 };

int vk_q_pin(void) {
    int variant = vk_variant();
    return (variant + 1) | (variant == VK_VARIANT_AVX512 && vnni_in_use() ? Q_PIN_VNNI : 0);
}

static int pinned_or_current_variant(int pinned) { return pinned > 0 ? (pinned & 0xff) - 1 : vk_variant(); }

static q_kernel kernel_for(int pinned_variant) {
    int variant = pinned_or_current_variant(pinned_variant);
    int vnni = pinned_variant > 0 ? (pinned_variant & Q_PIN_VNNI) != 0 : vnni_in_use();
    if (variant == VK_VARIANT_AVX512 && vnni) return Q_VNNI;
    if (variant >= VK_VARIANT_AVX2) return Q_AVX2;
    return Q_PORTABLE;
}

int vk_q_a_offset(int pinned_variant) { return kernel_for(pinned_variant) == Q_VNNI ? 128 : 0; }

const char *vk_q_kernel_name(int pinned_variant) {
    switch (kernel_for(pinned_variant)) {
    case Q_VNNI: return "avx512-vnni";
    case Q_AVX2: return "avx2";
    default: return "portable";
    }
}

// ---- activation rows ----------------------------------------------------------------------------

static float row_largest_portable(long k, const float *x) {
    float largest = 0;
    for (long i = 0; i < k; i++) largest = fmaxf(largest, fabsf(x[i]));
    return largest;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static float row_largest_avx2(long k, const float *x) {
    __m256 m = _mm256_setzero_ps();
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    long i = 0;
    for (; i + 8 <= k; i += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + i), magnitude));
    float lanes[8];
    _mm256_storeu_ps(lanes, m);
    float largest = 0;
    for (int l = 0; l < 8; l++) largest = fmaxf(largest, lanes[l]);
    for (; i < k; i++) largest = fmaxf(largest, fabsf(x[i]));
    return largest;
}

// codes[i] = round(x[i]·inverse) (+ offset), 8 at a time; the rounding is the MXCSR default (nearest-even),
// as nearbyintf in the tail. |x·inverse| ≤ 127 by construction, so the saturating packs never clip.
__attribute__((target("avx2,fma"))) static void quantize_avx2(long k, const float *x, float inverse, int offset, uint8_t *out) {
    const __m256 scale = _mm256_set1_ps(inverse);
    const __m128i bias = _mm_set1_epi8((char)offset);
    long i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), scale));
        __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        __m128i bytes = _mm_add_epi8(_mm_packs_epi16(words, words), bias);
        _mm_storel_epi64((__m128i *)(out + i), bytes);
    }
    for (; i < k; i++) out[i] = (uint8_t)((int)nearbyintf(x[i] * inverse) + offset);
}
#endif

static _Thread_local float *skip_row;
static _Thread_local long skip_row_capacity;

void vk_q_quantize_rows(long row_begin, long row_end, long k, const float *a, long lda, const long *skip, long skips,
                        uint8_t *out, long ldo, float *scales, int pinned_variant) {
    q_kernel kernel = kernel_for(pinned_variant);
    int offset = kernel == Q_VNNI ? 128 : 0;
    long depth = vk_q_depth(k);
    if (skips > 0 && skip_row_capacity < k) {
        free(skip_row);
        skip_row = malloc(sizeof(float) * (size_t)k);
        if (!skip_row) abort();
        skip_row_capacity = k;
    }
    for (long r = row_begin; r < row_end; r++) {
        const float *x = a + r * lda;
        if (skips > 0) { // a copy with the skipped channels at 0: they neither set the scale nor get a code
            memcpy(skip_row, x, sizeof(float) * (size_t)k);
            for (long s = 0; s < skips; s++) skip_row[skip[s]] = 0;
            x = skip_row;
        }
        uint8_t *codes = out + r * ldo;
#if defined(__x86_64__)
        float largest = kernel == Q_PORTABLE ? row_largest_portable(k, x) : row_largest_avx2(k, x);
#else
        float largest = row_largest_portable(k, x);
#endif
        if (!(largest > 0)) {
            memset(codes, offset, (size_t)depth);
            scales[r] = 0;
            continue;
        }
        float inverse = 127.0f / largest;
        scales[r] = largest / 127.0f;
#if defined(__x86_64__)
        if (kernel != Q_PORTABLE) quantize_avx2(k, x, inverse, offset, codes);
        else
#endif
            for (long i = 0; i < k; i++) codes[i] = (uint8_t)((int)nearbyintf(x[i] * inverse) + offset);
        memset(codes + k, offset, (size_t)(depth - k)); // padding depths meet zero weights
    }
}

// ---- micro-kernels ------------------------------------------------------------------------------

// What a tile needs to turn its int32 sums into C.
typedef struct {
    const float *a_scales;   // the tile's rows
    const float *b_scales;   // the tile's columns (padded to whole panels)
    const int32_t *b_sums;   // likewise; used with offset 128
    const float *bias;       // the tile's columns, or NULL
    int offset;
    float beta;
} q_epilogue;

// c = (float)(sum − offset·colsum)·(sa·sw) + bias + beta·c, in this order (see the file comment).
static inline float q_finish(int32_t sum, long i, long j, const q_epilogue *e, const float *c) {
    float v = (float)(sum - e->offset * e->b_sums[j]);
    float s = e->a_scales[i] * e->b_scales[j];
    v = v * s;
    if (e->bias) v = v + e->bias[j];
    if (e->beta != 0) {
        float old = e->beta * *c;
        v = v + old;
    }
    return v;
}

// One panel (16 columns) × up to Q_MR rows; `a` rows are signed codes (offset 0).
static void tile_portable(long groups, const uint8_t *a, long lda, long rows, const int8_t *panel, long cols,
                          const q_epilogue *e, float *c, long ldc) {
    for (long i = 0; i < rows; i++) {
        const int8_t *x = (const int8_t *)(a + i * lda);
        int32_t sums[Q_PANEL] = {0};
        for (long g = 0; g < groups; g++) {
            const int8_t *w = panel + g * Q_GROUP_BYTES;
            for (int j = 0; j < Q_PANEL; j++)
                for (int t = 0; t < 4; t++) sums[j] += (int32_t)x[g * 4 + t] * (int32_t)w[j * 4 + t];
        }
        for (long j = 0; j < cols; j++) c[i * ldc + j] = q_finish(sums[j], i, j, e, c + i * ldc + j);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static inline void store8_avx2(__m256i sum, long i, long j0, long cols, const q_epilogue *e,
                                                                    float *c) {
    __m256 v = _mm256_cvtepi32_ps(sum); // offset 0 on this path
    v = _mm256_mul_ps(v, _mm256_mul_ps(_mm256_set1_ps(e->a_scales[i]), _mm256_loadu_ps(e->b_scales + j0)));
    if (e->bias && cols >= 8) v = _mm256_add_ps(v, _mm256_loadu_ps(e->bias + j0));
    if (cols >= 8) {
        if (e->beta != 0) v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_set1_ps(e->beta), _mm256_loadu_ps(c)));
        _mm256_storeu_ps(c, v);
        return;
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    for (long j = 0; j < cols; j++) {
        float x = lanes[j];
        if (e->bias) x = x + e->bias[j0 + j];
        if (e->beta != 0) {
            float old = e->beta * c[j];
            x = x + old;
        }
        c[j] = x;
    }
}

__attribute__((target("avx2,fma"))) static void tile_avx2(long groups, const uint8_t *a, long lda, long rows, const int8_t *panel,
                                                           long cols, const q_epilogue *e, float *c, long ldc) {
    const uint8_t *row[Q_MR];
    for (int i = 0; i < Q_MR; i++) row[i] = a + (i < rows ? i : rows - 1) * lda; // spare rows repeat the last
    __m256i acc[Q_MR][2];
    for (int i = 0; i < Q_MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    const __m256i ones = _mm256_set1_epi16(1);
    for (long g = 0; g < groups; g++) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)(panel + g * Q_GROUP_BYTES));
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(panel + g * Q_GROUP_BYTES + 32));
        for (int i = 0; i < Q_MR; i++) {
            int32_t four;
            memcpy(&four, row[i] + g * 4, 4);
            __m256i x = _mm256_set1_epi32(four), magnitude = _mm256_abs_epi8(x);
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w0, x)), ones));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w1, x)), ones));
        }
    }
    for (long i = 0; i < rows; i++) {
        store8_avx2(acc[i][0], i, 0, cols < 8 ? cols : 8, e, c + i * ldc);
        if (cols > 8) store8_avx2(acc[i][1], i, 8, cols - 8, e, c + i * ldc + 8);
    }
}

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma")))

VNNI_TARGET static inline void store16_vnni(__m512i sum, long i, long j0, long cols, const q_epilogue *e, float *c) {
    __mmask16 mask = cols >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << cols) - 1);
    __m512i compensation = _mm512_mullo_epi32(_mm512_set1_epi32(e->offset), _mm512_loadu_si512((const void *)(e->b_sums + j0)));
    __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(sum, compensation));
    v = _mm512_mul_ps(v, _mm512_mul_ps(_mm512_set1_ps(e->a_scales[i]), _mm512_loadu_ps(e->b_scales + j0)));
    if (e->bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, e->bias + j0));
    if (e->beta != 0) v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_set1_ps(e->beta), _mm512_maskz_loadu_ps(mask, c)));
    _mm512_mask_storeu_ps(c, mask, v);
}

// Two panels (32 columns) × up to Q_MR rows; `a` rows are codes + 128. `second` may repeat `first`
// (an odd last panel): its sums are computed and not stored.
VNNI_TARGET static void tile_vnni(long groups, const uint8_t *a, long lda, long rows, const int8_t *first, const int8_t *second,
                                  long cols, const q_epilogue *e, float *c, long ldc) {
    const uint8_t *row[Q_MR];
    for (int i = 0; i < Q_MR; i++) row[i] = a + (i < rows ? i : rows - 1) * lda;
    __m512i acc[Q_MR][2];
    for (int i = 0; i < Q_MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
    for (long g = 0; g < groups; g++) {
        __m512i w0 = _mm512_loadu_si512((const void *)(first + g * Q_GROUP_BYTES));
        __m512i w1 = _mm512_loadu_si512((const void *)(second + g * Q_GROUP_BYTES));
        for (int i = 0; i < Q_MR; i++) {
            int32_t four;
            memcpy(&four, row[i] + g * 4, 4);
            __m512i x = _mm512_set1_epi32(four);
            acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], x, w0);
            acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], x, w1);
        }
    }
    for (long i = 0; i < rows; i++) {
        store16_vnni(acc[i][0], i, 0, cols < 16 ? cols : 16, e, c + i * ldc);
        if (cols > 16) store16_vnni(acc[i][1], i, 16, cols - 16, e, c + i * ldc + 16);
    }
}
#endif

// ---- int8 dot products (graph distances) ------------------------------------------------------

#if defined(__x86_64__)
// Exact int32 dot of two int8 vectors with |values| <= 127, for the HNSW graph's int8 distances:
// vpdpbusd multiplies |x| (unsigned) by y carrying x's sign and adds each 4 products straight into
// int32 (three instructions per 64 pairs, against five with vpmaddubsw + vpmaddwd + vpaddd). The
// ragged end is one masked load, so short vectors (384-d text: 6 blocks) need no scalar loop.
VNNI_TARGET static inline __m512i dot64_vnni(__m512i acc, __m512i a, __m512i b) {
    __m512i signedB = _mm512_mask_sub_epi8(b, _mm512_movepi8_mask(a), _mm512_setzero_si512(), b);
    return _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(a), signedB);
}

VNNI_TARGET static int32_t dot_i8_vnni(long n, const int8_t *x, const int8_t *y) {
    __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
    long i = 0;
    for (; i + 128 <= n; i += 128) {
        acc0 = dot64_vnni(acc0, _mm512_loadu_si512((const void *)(x + i)), _mm512_loadu_si512((const void *)(y + i)));
        acc1 = dot64_vnni(acc1, _mm512_loadu_si512((const void *)(x + i + 64)), _mm512_loadu_si512((const void *)(y + i + 64)));
    }
    for (; i + 64 <= n; i += 64)
        acc0 = dot64_vnni(acc0, _mm512_loadu_si512((const void *)(x + i)), _mm512_loadu_si512((const void *)(y + i)));
    if (i < n) {
        __mmask64 rest = (__mmask64)(~0ULL >> (64 - (n - i)));
        acc1 = dot64_vnni(acc1, _mm512_maskz_loadu_epi8(rest, x + i), _mm512_maskz_loadu_epi8(rest, y + i));
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(acc0, acc1));
}
#endif

int32_t vk_dot_i8(long n, const int8_t *x, const int8_t *y) {
    int variant = vk_variant();
#if defined(__x86_64__)
    if (variant == VK_VARIANT_AVX512 && vnni_in_use()) return dot_i8_vnni(n, x, y);
#endif
    return vk_ops_for(variant)->dot_i8(n, x, y);
}

// ---- driver -------------------------------------------------------------------------------------

static long tile_width(q_kernel kernel) { return kernel == Q_VNNI ? 2 * Q_PANEL : Q_PANEL; }

int vk_qgemm_parts(const vk_qgemm_params *p, int max_parts) {
    double work = (double)p->m * (double)p->n * (double)p->k;
    if (max_parts <= 1 || work < (double)(1 << 19)) return 1;
    long rows = (p->m + Q_MR - 1) / Q_MR, tiles = (p->n + tile_width(kernel_for(p->pinned_variant)) - 1) /
                                                  tile_width(kernel_for(p->pinned_variant));
    long units = rows >= 2L * max_parts ? rows : (tiles > rows ? tiles : rows);
    return (int)(units < max_parts ? units : max_parts);
}

void vk_qgemm_part(const vk_qgemm_params *p, int part, int parts) {
    q_kernel kernel = kernel_for(p->pinned_variant);
    const vk_ops *ops = vk_ops_for(pinned_or_current_variant(p->pinned_variant));
    long width = tile_width(kernel), depth = vk_q_depth(p->k), groups = depth / 4;
    long row_blocks = (p->m + Q_MR - 1) / Q_MR, tiles = (p->n + width - 1) / width;
    // The same unit choice as vk_qgemm_parts: row blocks when there are enough, else column tiles.
    int by_rows = row_blocks >= 2L * parts || row_blocks >= tiles;
    long units = by_rows ? row_blocks : tiles;
    long begin = units * part / parts, end = units * (part + 1) / parts;
    long rb0 = by_rows ? begin : 0, rb1 = by_rows ? end : row_blocks;
    long t0 = by_rows ? 0 : begin, t1 = by_rows ? tiles : end;
    long c0 = t0 * width, c1 = t1 * width < p->n ? t1 * width : p->n;
    if (rb0 >= rb1 || c0 >= c1) return;
    for (long rb = rb0; rb < rb1; rb++) {
        long i0 = rb * Q_MR, rows = p->m - i0 < Q_MR ? p->m - i0 : Q_MR;
        const uint8_t *a = p->a + i0 * p->lda;
        for (long t = t0; t < t1; t++) {
            long j0 = t * width, cols = p->n - j0 < width ? p->n - j0 : width;
            q_epilogue e = {p->a_scales + i0, p->b_scales + j0, p->b_sums + j0, p->bias_col ? p->bias_col + j0 : NULL,
                            kernel == Q_VNNI ? 128 : 0, p->beta};
            const int8_t *panel = p->b_packed + j0 * depth; // panel j0/16 starts at (j0/16)·16·depth
            float *c = p->c + i0 * p->ldc + j0;
            switch (kernel) {
#if defined(__x86_64__)
            case Q_VNNI: {
                const int8_t *second = cols > Q_PANEL ? panel + Q_PANEL * depth : panel;
                tile_vnni(groups, a, p->lda, rows, panel, second, cols, &e, c, p->ldc);
                break;
            }
            case Q_AVX2: tile_avx2(groups, a, p->lda, rows, panel, cols, &e, c, p->ldc); break;
#endif
            default: tile_portable(groups, a, p->lda, rows, panel, cols, &e, c, p->ldc); break;
            }
        }
        for (long i = i0; i < i0 + rows; i++) { // the fp32 outlier channels, then the activation
            float *row = p->c + i * p->ldc + c0;
            for (long s = 0; s < p->outliers; s++)
                ops->axpy(c1 - c0, p->outlier_a[i * p->outlier_lda + p->outlier_channels[s]], p->outlier_w + s * p->n + c0, row);
            if (p->activation != VK_ACT_NONE) ops->epilogue_row(row, c1 - c0, 0, NULL, p->activation);
        }
    }
}
