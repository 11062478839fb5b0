// A whole inverted-residual (MBConv) block in one pass over the image, band by band:
//
//   1×1 expand (GEMM) → k×k depthwise → 1×1 project (GEMM) [+ residual]
//
// Layer by layer, the expanded activation (112·112·96 floats = 4.8 MB in EfficientNet-Lite0's
// second block) is written to memory by the expand GEMM, copied into a zero-padded band for the
// depthwise conv, read back, and the depthwise output written and read once more by the project
// GEMM. Here only a few rows of it exist at a time: each input row is expanded once, straight into a
// ring of zero-padded rows (padding columns are zeroed when the block starts and never written), the
// depthwise conv reads the ring through row pointers, and the project GEMM consumes a band of
// depthwise output rows while they are still in L2.
#include <stdlib.h>
#include <string.h>
#include "kernels_internal.h"

// Per-thread buffers, grown on demand and kept: a block runs 16 times per image, and fresh
// allocations of ~0.5 MB come from mmap with page faults on every touch.
typedef struct {
    float *data;
    size_t capacity;
} buffer;

static _Thread_local buffer ring_buffer, zero_buffer, filtered_buffer;

static float *reserve(buffer *b, size_t floats, int zeroed) {
    if (b->capacity < floats) {
        free(b->data);
        size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
        b->data = aligned_alloc(64, bytes);
        if (!b->data) abort();
        b->capacity = floats;
        if (zeroed) memset(b->data, 0, bytes); // the zero row is only ever read
    }
    return b->data;
}

static _Thread_local buffer codes_buffer, row_scales_buffer;

// A 1×1 conv: fp32 panels, or int8 weights with each pixel's activations quantized here.
static void pointwise(long m, long k, long n, const float *a, const float *weight, const float *packed, int packed_nr,
                      const vk_qweights *q, const float *bias, int act, float beta, float *c) {
    if (q) {
        int pinned = vk_variant() + 1; // quantization and product on one kernel
        long depth = vk_q_depth(k);
        uint8_t *codes = (uint8_t *)reserve(&codes_buffer, (size_t)(m * depth + 3) / 4, 0);
        float *scales = reserve(&row_scales_buffer, (size_t)m, 0);
        vk_q_quantize_rows(0, m, k, a, k, NULL, 0, codes, depth, scales, pinned);
        vk_qgemm_params qp = {
            .m = m, .n = n, .k = k, .a = codes, .lda = depth, .a_scales = scales, .b_packed = q->packed,
            .b_scales = q->scales, .b_sums = q->sums, .beta = beta, .c = c, .ldc = n, .bias_col = bias,
            .activation = act, .pinned_variant = pinned,
        };
        vk_qgemm_part(&qp, 0, 1);
        return;
    }
    vk_gemm_params g = {
        .m = m, .n = n, .k = k, .alpha = 1, .a = a, .lda = k, .b = weight, .ldb = n, .beta = beta, .c = c, .ldc = n,
        .bias_col = bias, .activation = act, .b_packed = packed, .b_packed_nr = packed_nr,
    };
    vk_sgemm_part(&g, 0, 1);
}

// Output rows per band: enough pixels for full-speed GEMMs (~256 rows of A), few enough that the
// ring and the depthwise output stay within about 640 KB (L2 is 1 MB per core on the machines
// measured; 1 MB and 2 MB budgets were no faster).
static long band_rows(const vk_mbconv_params *p, long oh, long ow, long wp) {
    long rows = (256 + ow - 1) / ow;
    for (; rows > 1; rows--) {
        size_t ring = (size_t)((rows - 1) * p->stride + p->kernel) * (size_t)(wp * p->hidden);
        size_t filtered = (size_t)(rows * ow * p->hidden);
        if ((ring + filtered) * sizeof(float) <= 640 * 1024) break;
    }
    return rows < oh ? rows : oh;
}

void vk_mbconv_hwc(const vk_mbconv_params *p, const float *input, float *out) {
    const long h = p->h, w = p->w, k = p->kernel, s = p->stride, ch = p->hidden;
    const long pt = p->pad_top, pl = p->pad_left;
    const long hp = h + pt + p->pad_bottom, wp = w + pl + p->pad_right;
    if (k < 1 || k > 16 || s < 1 || hp < k || wp < k || ch < 1 || p->cout < 1) abort(); // validated by the caller
    const int expands = p->expand_weight || p->expand_packed || p->expand_q;
    if (!expands && p->cin != ch) abort();
    if (p->residual && (input != out || s != 1 || p->cin != p->cout)) abort();
    const long oh = (hp - k) / s + 1, ow = (wp - k) / s + 1;
    const long band = band_rows(p, oh, ow, wp);
    const long slots = (band - 1) * s + k;
    const size_t row_floats = (size_t)(wp * ch);
    float *ring = reserve(&ring_buffer, (size_t)slots * row_floats, 0);
    const float *zero_row = reserve(&zero_buffer, row_floats, 1);
    float *filtered = reserve(&filtered_buffer, (size_t)(band * ow * ch), 0);
    for (long slot = 0; slot < slots; slot++) { // padding columns; the image columns are always written first
        float *row = ring + (size_t)slot * row_floats;
        memset(row, 0, sizeof(float) * (size_t)(pl * ch));
        memset(row + (pl + w) * ch, 0, sizeof(float) * (size_t)(p->pad_right * ch));
    }
    const vk_ops *ops = vk_ops_current();
    const float *rows[16];

    long next = 0; // first padded row not yet in the ring
    for (long oy0 = 0; oy0 < oh; oy0 += band) {
        long oy1 = oy0 + band < oh ? oy0 + band : oh;
        long end = (oy1 - 1) * s + k; // padded rows [oy0·s, end) are needed
        if (next < oy0 * s) next = oy0 * s;
        // Image rows among the new padded rows: expand them in one GEMM, then place each in its slot.
        long y0 = next - pt < 0 ? 0 : next - pt, y1 = end - pt > h ? h : end - pt;
        // Each row straight into its slot (one GEMM of M = w per row: no copy of the expanded rows).
        for (long y = y0; y < y1; y++) {
            float *slot = ring + (size_t)((y + pt) % slots) * row_floats + pl * ch;
            const float *source = input + (size_t)(y * w * p->cin);
            if (expands)
                pointwise(w, p->cin, ch, source, p->expand_weight, p->expand_packed, p->packed_nr, p->expand_q, p->expand_bias,
                          p->expand_act, 0, slot);
            else
                memcpy(slot, source, sizeof(float) * (size_t)(w * ch));
        }
        next = end;
        for (long oy = oy0; oy < oy1; oy++) {
            for (long ky = 0; ky < k; ky++) {
                long py = oy * s + ky, y = py - pt;
                rows[ky] = y < 0 || y >= h ? zero_row : ring + (size_t)(py % slots) * row_floats;
            }
            ops->depthwise_hwc_row(rows, ch, p->taps, p->depthwise_bias, k, s, ow, p->depthwise_act,
                                   filtered + (size_t)((oy - oy0) * ow * ch));
        }
        // In place with the residual: output rows < oy1 are no longer read (their input rows are in the
        // ring already, since the window of row oy1 − 1 reaches row oy1 − 1 + pad_bottom ≥ oy1 − 1).
        pointwise((oy1 - oy0) * ow, ch, p->cout, filtered, p->project_weight, p->project_packed, p->packed_nr, p->project_q,
                  p->project_bias, p->project_act, p->residual ? 1.0f : 0.0f, out + (size_t)(oy0 * ow * p->cout));
    }
}
