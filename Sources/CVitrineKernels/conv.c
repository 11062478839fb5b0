// Convolution helpers: direct depthwise conv and im2col (the GEMM does the rest).
#include <stdlib.h>
#include <string.h>
#include "kernels_internal.h"

enum { MAX_KERNEL = 7 };

// Depthwise conv by stride phases: for stride s the padded plane is split into s column
// phases, phase q holding padded columns q, q+s, q+2s, ... Every tap then reads a contiguous
// run of its phase, so stride 1 and 2 share one vectorized row kernel.
void vk_depthwise_conv(const float *input, long h, long w, const float *weights, const float *bias,
                       long k, long stride, long pad_top, long pad_left, long pad_bottom, long pad_right,
                       int activation, float *out, long c_begin, long c_end) {
    if (k < 1 || k > MAX_KERNEL || stride < 1) abort(); // the Swift layer validates these
    const vk_ops *ops = vk_ops_current();
    long hp = h + pad_top + pad_bottom, wp = w + pad_left + pad_right;
    if (hp < k || wp < k) return;
    long oh = (hp - k) / stride + 1, ow = (wp - k) / stride + 1;
    long wq = (wp + stride - 1) / stride; // phase width
    float *phases = malloc(sizeof(float) * (size_t)(stride * hp * wq + 16));
    if (!phases) abort();
    const float *rows[MAX_KERNEL * MAX_KERNEL];
    for (long c = c_begin; c < c_end; c++) {
        const float *src = input + c * h * w;
        memset(phases, 0, sizeof(float) * (size_t)(stride * hp * wq));
        for (long y = 0; y < h; y++) {
            long py = y + pad_top;
            if (stride == 1) {
                memcpy(phases + py * wq + pad_left, src + y * w, sizeof(float) * (size_t)w);
            } else {
                for (long x = 0; x < w; x++) {
                    long px = x + pad_left;
                    phases[(px % stride) * hp * wq + py * wq + px / stride] = src[y * w + x];
                }
            }
        }
        const float *wc = weights + c * k * k;
        float b = bias ? bias[c] : 0;
        for (long oy = 0; oy < oh; oy++) {
            for (long ky = 0; ky < k; ky++)
                for (long kx = 0; kx < k; kx++)
                    rows[ky * k + kx] = phases + (kx % stride) * hp * wq + (oy * stride + ky) * wq + kx / stride;
            ops->depthwise_row(out + c * oh * ow + oy * ow, ow, rows, wc, k * k, b, activation);
        }
    }
    free(phases);
}

void vk_depthwise_conv_hwc(const float *input, long h, long w, long c, const float *taps, const float *bias,
                           long k, long stride, long pad_top, long pad_left, long pad_bottom, long pad_right,
                           int activation, float *out, long row_begin, long row_end) {
    if (k < 1 || k > 16 || stride < 1 || c < 1) abort(); // the Swift layer validates these
    const vk_ops *ops = vk_ops_current();
    long hp = h + pad_top + pad_bottom, wp = w + pad_left + pad_right;
    if (hp < k || wp < k || row_begin >= row_end) return;
    long ow = (wp - k) / stride + 1;
    // Copy the padded rows these output rows read into a band with zero borders, so the row kernel
    // never checks bounds: on the 7×7 and 14×14 planes almost every pixel touched the border before,
    // and the bounds-checked single-pixel path took a quarter of the depthwise time.
    long py0 = row_begin * stride, py1 = (row_end - 1) * stride + k; // padded rows [py0, py1)
    size_t row_floats = (size_t)(wp * c);
    float *band = malloc(sizeof(float) * row_floats * (size_t)(py1 - py0));
    if (!band) abort();
    for (long py = py0; py < py1; py++) {
        float *dst = band + (size_t)(py - py0) * row_floats;
        long y = py - pad_top;
        if (y < 0 || y >= h) {
            memset(dst, 0, sizeof(float) * row_floats);
            continue;
        }
        memset(dst, 0, sizeof(float) * (size_t)(pad_left * c));
        memcpy(dst + pad_left * c, input + y * w * c, sizeof(float) * (size_t)(w * c));
        memset(dst + (pad_left + w) * c, 0, sizeof(float) * (size_t)(pad_right * c));
    }
    const float *rows[16];
    for (long y = row_begin; y < row_end; y++) {
        for (long ky = 0; ky < k; ky++) rows[ky] = band + (size_t)(y * stride - py0 + ky) * row_floats;
        ops->depthwise_hwc_row(rows, c, taps, bias, k, stride, ow, activation, out + y * ow * c);
    }
    free(band);
}

void vk_im2col(const float *input, long channels, long h, long w, long kh, long kw, long stride,
               long pad_top, long pad_left, long out_h, long out_w, float *col) {
    for (long c = 0; c < channels; c++)
        for (long ky = 0; ky < kh; ky++)
            for (long kx = 0; kx < kw; kx++) {
                float *dst = col + ((c * kh + ky) * kw + kx) * out_h * out_w;
                for (long oy = 0; oy < out_h; oy++) {
                    long y = oy * stride + ky - pad_top;
                    float *drow = dst + oy * out_w;
                    if (y < 0 || y >= h) {
                        memset(drow, 0, sizeof(float) * (size_t)out_w);
                        continue;
                    }
                    const float *srow = input + (c * h + y) * w;
                    for (long ox = 0; ox < out_w; ox++) {
                        long x = ox * stride + kx - pad_left;
                        drow[ox] = (x >= 0 && x < w) ? srow[x] : 0;
                    }
                }
            }
}

// One output pixel's window, all channels, for a window inside the image; K constant when inlined
// below (the stem's 3×3: a runtime-length inner loop of 3 was 4 % of an EfficientNet image).
static inline __attribute__((always_inline)) void copy_window(const float *input, long channels, long h, long w,
                                                              long y0, long x0, float *dst, const long K) {
    for (long c = 0; c < channels; c++)
        for (long ky = 0; ky < K; ky++) {
            const float *src = input + (c * h + y0 + ky) * w + x0;
            for (long kx = 0; kx < K; kx++) dst[(c * K + ky) * K + kx] = src[kx];
        }
}

void vk_im2col_rows(const float *input, long channels, long h, long w, long k, long stride, long pad_top, long pad_left,
                    long out_h, long out_w, float *rows) {
    const long depth = channels * k * k;
    for (long oy = 0; oy < out_h; oy++)
        for (long ox = 0; ox < out_w; ox++) {
            float *dst = rows + (oy * out_w + ox) * depth;
            long y0 = oy * stride - pad_top, x0 = ox * stride - pad_left;
            if (y0 >= 0 && x0 >= 0 && y0 + k <= h && x0 + k <= w) {
                if (k == 3) copy_window(input, channels, h, w, y0, x0, dst, 3);
                else copy_window(input, channels, h, w, y0, x0, dst, k);
                continue;
            }
            for (long c = 0; c < channels; c++)
                for (long ky = 0; ky < k; ky++)
                    for (long kx = 0; kx < k; kx++) {
                        long y = y0 + ky, x = x0 + kx;
                        dst[(c * k + ky) * k + kx] = y >= 0 && y < h && x >= 0 && x < w ? input[(c * h + y) * w + x] : 0;
                    }
        }
}
