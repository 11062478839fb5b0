#ifndef VITRINE_KERNELS_INTERNAL_H
#define VITRINE_KERNELS_INTERNAL_H
// Table of one variant's kernels; the drivers (gemm.c, conv.c, ops.c) call through it.
#include <string.h>
#include "vitrine_kernels.h"

#define VK_MR 6 // micro-tile rows, all variants

// IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included).
static inline float vk_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff, bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000 | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else { // subnormal: normalize
        int shift = 0;
        while (!(mantissa & 0x400)) { mantissa <<= 1; shift++; }
        bits = sign | ((uint32_t)(113 - shift) << 23) | ((mantissa & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

// Bias and activation applied by the micro-kernel as it stores a finished tile (NULL biases skipped).
typedef struct vk_tile_epilogue {
    const float *row_bias; // the tile's 6 rows, or NULL
    const float *col_bias; // the tile's nr columns, or NULL
    int act;
} vk_tile_epilogue;

typedef struct vk_ops {
    int nr; // micro-tile columns (2 vectors)
    int mr_direct; // micro-tile rows of kernel_direct / kernel_1v_direct (VK_MR or more)
    // dst[p*width + r] = src[r*ld + p] (r < rows), zero for rows <= r < width; may write 8 floats past the panel.
    void (*pack_kmajor)(const float *src, long ld, long rows, long kc, float *dst, long width);
    // c[rows×cols] = alpha * a·b + beta * c (beta == 0: c not read), rows ≤ MR, cols ≤ nr; a, b packed
    // panels of depth kc; then, when ep is not NULL, + biases and the activation, in registers before
    // the store. Edge tiles store through masked moves.
    void (*kernel)(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta,
                   const vk_tile_epilogue *ep, long rows, long cols);
    // The same for cols ≤ nr/2: one vector of B columns (panel rows nr apart), half the work.
    void (*kernel_1v)(long kc, const float *a, const float *b, long nr, float *c, long ldc, float alpha, float beta,
                      const vk_tile_epilogue *ep, long rows, long cols);
    // Both, reading `rows` ≤ mr_direct rows of a row-major A in place (row r at a + r·lda) instead of
    // a packed panel.
    void (*kernel_direct)(long kc, const float *a, long lda, const float *b, float *c, long ldc, float alpha, float beta,
                          const vk_tile_epilogue *ep, long rows, long cols);
    void (*kernel_1v_direct)(long kc, const float *a, long lda, const float *b, long nr, float *c, long ldc, float alpha,
                             float beta, const vk_tile_epilogue *ep, long rows, long cols);
    // c[j] = act(c[j] + row_bias + col_bias[j]) (col_bias may be NULL).
    void (*epilogue_row)(float *c, long n, float row_bias, const float *col_bias, int act);
    float (*dot)(long n, const float *x, const float *y);
    // dot of an fp32 vector with an IEEE fp16 one, and of two fp16 vectors (converted in registers: F16C / AVX-512).
    float (*dot_f16)(long n, const float *x, const uint16_t *y);
    float (*dot_f16_f16)(long n, const uint16_t *x, const uint16_t *y);
    // dst[n] = src[n] widened from IEEE fp16 (NaNs stay NaN; F16C quiets a signalling one)
    void (*widen_f16)(long n, const uint16_t *src, float *dst);
    // exact int32 dot of two int8 vectors (quantized rows for graph distances)
    int32_t (*dot_i8)(long n, const int8_t *x, const int8_t *y);
    // y[n] += a * x[n]
    void (*axpy)(long n, float a, const float *x, float *y);
    void (*add)(const float *x, const float *y, float *out, long n);
    void (*scale)(float *x, long n, float s);
    float (*sum)(const float *x, long n);
    void (*softmax_row)(float *x, long n, float scale, const float *mask);
    void (*layer_norm_row)(const float *x, float *y, long n, const float *gamma, const float *beta, float eps);
    // One output row of a depthwise conv: out[ox] = act(bias + sum_t w[t] * rows[t][ox]), ox < n.
    void (*depthwise_row)(float *out, long n, const float *const *rows, const float *w, long taps,
                          float bias, int act);
    // One output row of a channels-last depthwise conv over zero-padded rows (see vk_depthwise_conv_hwc):
    // rows[ky] = the padded input row under tap row ky (wp·c floats each).
    void (*depthwise_hwc_row)(const float *const *rows, long c, const float *taps, const float *bias,
                              long k, long stride, long out_w, int act, float *out);
} vk_ops;

extern const vk_ops vk_ops_avx512;
extern const vk_ops vk_ops_avx2;
extern const vk_ops vk_ops_portable;

/// The ops table of the active variant.
const vk_ops *vk_ops_current(void);
/// The ops table of `variant` (VK_VARIANT_*).
const vk_ops *vk_ops_for(int variant);

/// Scalar activation shared by tails and tests of the drivers.
float vk_activate_scalar(float x, int act);

#endif
