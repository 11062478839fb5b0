#ifndef VITRINE_KERNELS_H
#define VITRINE_KERNELS_H
// Vectorized CPU kernels for VitrineTensor.
//
// Every hot loop exists in three variants compiled from one template (simd_template.h):
// AVX-512 (16 lanes), AVX2+FMA (8 lanes) and a portable vector-extension build (4 lanes).
// The variant is chosen once, on first use, from the CPU (cpuid + xgetbv) and can be
// forced with the environment variable VITRINE_KERNELS=avx512|avx2|portable or with
// vk_set_variant(). All matrices are row-major with explicit leading dimensions.
//
// Threading lives in the caller (VitrineTensor splits work with concurrentPerform):
// functions named *_part compute one of `parts` disjoint slices of the output.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kernel variants, best first.
enum {
    VK_VARIANT_PORTABLE = 0,
    VK_VARIANT_AVX2 = 1,
    VK_VARIANT_AVX512 = 2,
};

/// Activations fused into GEMM / conv epilogues.
enum {
    VK_ACT_NONE = 0,
    VK_ACT_RELU = 1,
    VK_ACT_RELU6 = 2,
    VK_ACT_GELU = 3, // exact (erf) GELU
};

/// Variant in use (chooses on first call).
int vk_variant(void);
/// Whether this CPU and OS can run `variant`.
int vk_variant_supported(int variant);
/// Forces a variant; returns 0 (and changes nothing) when unsupported.
int vk_set_variant(int variant);
/// Name of a variant ("avx512", "avx2", "portable").
const char *vk_variant_name(int variant);

/// Thread count the Swift layer should use: vk_set_threads value, else VITRINE_THREADS, else 0 (= all cores).
int vk_threads(void);
/// Sets the thread count (0 = automatic).
void vk_set_threads(int threads);

/// C = alpha * op(A) * op(B) + beta * C, then + bias_row[i] + bias_col[j], then activation.
/// op(A) is m×k, op(B) is k×n. With trans_a, A is stored k×m; with trans_b, B is stored n×k.
/// beta == 0 means C is not read (it may hold garbage or NaN).
typedef struct vk_gemm_params {
    int trans_a, trans_b;
    long m, n, k;
    float alpha;
    const float *a; long lda;
    const float *b; long ldb;
    float beta;
    float *c; long ldc;
    const float *bias_row; // length m or NULL
    const float *bias_col; // length n or NULL
    int activation;        // VK_ACT_*
    // Optional: op(B) already packed by vk_pack_b_panels for panel width b_packed_nr. Used only when
    // that width is the active variant's; b/ldb/trans_b must still describe the same matrix, or b may
    // be NULL (constant weights kept only as panels): where the kernels need op(B) itself (m == 1,
    // n == 1, or panels of another width) they unpack it, computing what they would from b = the
    // packed matrix as a row-major k × n array (ldb = n, trans_b = 0).
    const float *b_packed;
    int b_packed_nr;
    // 0: each call of vk_sgemm_parts / vk_sgemm_part uses the variant current at that moment;
    // VK_VARIANT_* + 1: that variant. Callers that split one product over threads pin the variant, so
    // every part splits the same way and runs the same kernels even if vk_set_variant runs meanwhile.
    int pinned_variant;
} vk_gemm_params;

/// Panel width (columns per packed B panel) of the active variant.
int vk_b_panel_width(void);
/// Floats vk_pack_b_panels writes for a k×n op(B) at panel width nr.
long vk_packed_b_size(long k, long n, int nr);
/// Packs op(B) (k×n; stored n×k when trans_b) into the GEMM's B panels for panel width nr, once,
/// so constant weights are not re-packed on every call. dst holds vk_packed_b_size(k, n, nr) floats.
void vk_pack_b_panels(const float *b, long ldb, int trans_b, long k, long n, int nr, float *dst);

/// How many parts are worth running in parallel for this problem, at most max_parts.
int vk_sgemm_parts(const vk_gemm_params *p, int max_parts);
/// Computes slice `part` of `parts` of C (parts from vk_sgemm_parts or any positive count).
void vk_sgemm_part(const vk_gemm_params *p, int part, int parts);

/// y[i] = alpha * dot(A[i, 0..<cols], x) + beta * y[i] for rows [row_begin, row_end).
void vk_sgemv_rows(long row_begin, long row_end, long cols, const float *a, long lda,
                   const float *x, float alpha, float beta, float *y);
/// out[j*ldo + i] = dot(A[i, 0..<cols], Q[j, 0..<cols]) for rows [row_begin, row_end) and `queries` rows
/// of Q: many queries against the same rows, each score bitwise the one vk_sgemv_rows gives (alpha 1, beta 0).
void vk_dot_scores_rows(long row_begin, long row_end, long cols, const float *a, long lda, long queries,
                        const float *q, long ldq, float *out, long ldo);
/// Dot product of two contiguous vectors.
float vk_dot(long n, const float *x, const float *y);
/// dot(x, y) with y in IEEE fp16 (widened in registers), and with both in fp16.
float vk_dot_f16(long n, const float *x, const uint16_t *y);
float vk_dot_f16_f16(long n, const uint16_t *x, const uint16_t *y);
/// Asks the cache for the `bytes` at `p` (a vector about to be scored), one prefetch per 64-byte line.
/// A graph walk reads rows at random: issuing the loads of all of a node's links before scoring the
/// first overlaps their memory waits (hnswlib does the same).
static inline void vk_prefetch(const void *p, long bytes) {
    for (long offset = 0; offset < bytes; offset += 64) __builtin_prefetch((const char *)p + offset, 0, 3);
}
/// Exact int32 dot product of two int8 vectors (n < 2^17 when every value is within ±127); on the
/// AVX-512 variant it runs `vpdpbusd` where the CPU has VNNI and VNNI is enabled (qgemm.c).
int32_t vk_dot_i8(long n, const int8_t *x, const int8_t *y);
/// Symmetric int8 quantization of one row: out[i] = round(x[i] / scale) with scale = max|x| / 127
/// (0 for an all-zero row); returns scale.
float vk_quantize_i8(long n, const float *x, int8_t *out);
/// vk_dot_scores_rows over fp16 rows: out[j*ldo + i] = dot_f16(Q[j], A[i]).
void vk_dot_scores_rows_f16(long row_begin, long row_end, long cols, const uint16_t *a, long lda, long queries,
                            const float *q, long ldq, float *out, long ldo);
/// dst[i] = src[i] widened from IEEE fp16, exactly (a NaN stays a NaN; F16C sets a signalling NaN's quiet bit).
void vk_half_to_float_array(long n, const uint16_t *src, float *dst);

/// int8 GEMM with constant weights (qgemm.c): C = act(beta·C + sa[i]·sw[j]·Σ_k qa[i,k]·qw[k,j] + bias[j]),
/// with weights quantized per output column by vk_q_pack_b and activation rows per row by
/// vk_q_quantize_rows. Integer sums are exact; every kernel gives bitwise the same C before the activation.
/// Depth padded to a multiple of 4 (the row stride of quantized activations is at least this).
long vk_q_depth(long k);
/// Columns padded to whole 16-column panels (the length of the scales and sums arrays).
long vk_q_columns(long n);
/// Bytes of packed weights for a k×n op(B).
long vk_q_packed_size(long k, long n);
/// Quantizes op(B) (k×n; stored n×k when trans_b) per column and packs it: packed holds vk_q_packed_size
/// bytes, scales and sums vk_q_columns(n) entries (per-column scale max|w| / 127 and the sum of the codes).
void vk_q_pack_b(const float *b, long ldb, int trans_b, long k, long n, int8_t *packed, float *scales, int32_t *sums);
/// The int8 kernel in use now (variant and VNNI setting), as the `pinned_variant` of the two calls below,
/// so that both use one kernel whatever switches between them.
int vk_q_pin(void);
/// Quantizes rows [row_begin, row_end) of A (m×k, stride lda) for the kernel of `pinned_variant` (from
/// vk_q_pin; 0 = current): out row r at out + r·ldo holds vk_q_depth(k) codes, scales[r] its scale.
/// The `skips` channels listed in `skip` (may be NULL when 0) are treated as 0: they get code 0 and do
/// not set the row's scale (outlier channels the caller multiplies in fp32).
void vk_q_quantize_rows(long row_begin, long row_end, long k, const float *a, long lda, const long *skip, long skips,
                        uint8_t *out, long ldo, float *scales, int pinned_variant);
/// Name of the int8 kernel a variant runs ("avx512-vnni", "avx2" or "portable").
const char *vk_q_kernel_name(int pinned_variant);
/// 1 when the CPU has AVX-512 VNNI (and the AVX-512 variant).
int vk_vnni_supported(void);
/// 1 when the AVX-512 variant's int8 kernels use VNNI: supported, and not turned off by VITRINE_VNNI=0
/// or vk_set_vnni(0). Without it they run the AVX2 int8 GEMM and the AVX-512BW dot, as on CPUs
/// without VNNI.
int vk_vnni_enabled(void);
void vk_set_vnni(int enabled);
/// 128 where the kernel stores activation codes unsigned (VNNI), else 0.
int vk_q_a_offset(int pinned_variant);
typedef struct vk_qgemm_params {
    long m, n, k;
    const uint8_t *a; long lda;     // rows from vk_q_quantize_rows with the same pinned_variant
    const float *a_scales;          // m
    const int8_t *b_packed;         // vk_q_pack_b
    const float *b_scales;
    const int32_t *b_sums;
    float beta;                     // 0: C is write-only
    float *c; long ldc;
    const float *bias_col;          // n or NULL
    int activation;                 // VK_ACT_*
    int pinned_variant;             // vk_q_pin(), or 0 for the current kernel
    // Optional outlier channels kept in fp32 (outliers == 0: none): before the activation, each row i of C
    // gets + Σ_s outlier_a[i·outlier_lda + outlier_channels[s]] · outlier_w[s·n + j], s in order, added
    // row block by row block while that block of C is still in cache (no second pass over C).
    const float *outlier_a; long outlier_lda;
    const long *outlier_channels; long outliers;
    const float *outlier_w;         // outliers × n, row-major
} vk_qgemm_params;
/// How many parts are worth running in parallel, at most max_parts.
int vk_qgemm_parts(const vk_qgemm_params *p, int max_parts);
/// Computes slice `part` of `parts` of C.
void vk_qgemm_part(const vk_qgemm_params *p, int part, int parts);

/// x[i] = act(x[i] + bias) for n elements (bias may be 0).
void vk_activate(float *x, long n, float bias, int activation);
/// out[i] = x[i] + y[i].
void vk_add(const float *x, const float *y, float *out, long n);
/// x[i] *= s.
void vk_scale(float *x, long n, float s);
/// Sum of n elements.
float vk_sum(const float *x, long n);
/// Row softmax in place of x*scale + mask (mask may be NULL), numerically stable.
void vk_softmax_row(float *x, long n, float scale, const float *mask);
/// y = (x - mean) / sqrt(var + eps) * gamma + beta (gamma/beta may be NULL); x and y may alias.
void vk_layer_norm_row(const float *x, float *y, long n, const float *gamma, const float *beta, float eps);

/// Depthwise convolution on channels [c_begin, c_end) of a CHW image, one k×k filter per channel
/// (weights C×k×k), zero padding (pad_top, pad_left, pad_bottom, pad_right), fused bias and activation.
/// out is C×out_h×out_w with out_h = (h + pt + pb - k) / stride + 1 (likewise out_w).
void vk_depthwise_conv(const float *input, long h, long w, const float *weights, const float *bias,
                       long k, long stride, long pad_top, long pad_left, long pad_bottom, long pad_right,
                       int activation, float *out, long c_begin, long c_end);

/// Depthwise convolution of a channels-last image (in: h×w×c), taps k×k×c (tap-major, channel
/// fastest), bias c, zero padding, fused activation; writes output rows [row_begin, row_end) of the
/// out_h×out_w×c result, out_h = (h + pad_top + pad_bottom - k) / stride + 1 (likewise out_w).
void vk_depthwise_conv_hwc(const float *input, long h, long w, long c, const float *taps, const float *bias,
                           long k, long stride, long pad_top, long pad_left, long pad_bottom, long pad_right,
                           int activation, float *out, long row_begin, long row_end);

/// Constant int8 weights as vk_q_pack_b made them (k×n, per-column scales and code sums).
typedef struct vk_qweights {
    long k, n;
    const int8_t *packed;
    const float *scales;
    const int32_t *sums;
} vk_qweights;

/// One inverted-residual block of a channels-last image (EfficientNet / MobileNetV2 "MBConv"):
/// 1×1 expand (cin → hidden, optional), k×k depthwise (stride, zero padding), 1×1 project
/// (hidden → cout), each with its fused bias and activation, and optionally the residual
/// (out += input, in place: input == out, stride 1, cin == cout). Pointwise weights are their
/// vk_pack_b_panels packing at width packed_nr, with or without the row-major [in, out] matrix
/// beside them (*_weight may be NULL, as b in vk_gemm_params), or int8 (*_q); taps are k×k×hidden.
typedef struct vk_mbconv_params {
    long h, w, cin, hidden, cout;
    const float *expand_weight, *expand_packed, *expand_bias; // both NULL: no expansion (hidden == cin)
    int expand_act;
    const float *taps, *depthwise_bias;
    long kernel, stride, pad_top, pad_left, pad_bottom, pad_right;
    int depthwise_act;
    const float *project_weight, *project_packed, *project_bias;
    int project_act;
    int packed_nr;
    int residual;
    // Optional int8 weights of the two 1×1 convs (quantized per output channel): when set, that GEMM
    // runs in int8 (activations quantized per pixel) instead of on the fp32 panels.
    const vk_qweights *expand_q, *project_q;
} vk_mbconv_params;

/// Runs the block band by band on the calling thread (see mbconv.c); out is out_h×out_w×cout.
void vk_mbconv_hwc(const vk_mbconv_params *p, const float *input, float *out);

/// im2col for a CHW image: col[(c*kh + ky)*kw + kx][oy*out_w + ox], zero padding.
void vk_im2col(const float *input, long channels, long h, long w, long kh, long kw, long stride,
               long pad_top, long pad_left, long out_h, long out_w, float *col);

/// im2col with one row per output pixel: rows[(oy*out_w + ox)*(channels*k*k) + (c*k + ky)*k + kx], zero
/// padding; a plain GEMM of these rows with [channels*k*k, out] weights is the conv, channels-last.
void vk_im2col_rows(const float *input, long channels, long h, long w, long k, long stride, long pad_top, long pad_left,
                    long out_h, long out_w, float *rows);

/// SHA-256 compression of `blocks` 64-byte blocks into `state` (FIPS 180-4 word order): the x86 SHA
/// extensions when the CPU has them, portable C otherwise.
void vk_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);
/// The portable path alone (tests compare the two).
void vk_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t blocks);
/// Whether vk_sha256_blocks uses the SHA extensions on this CPU.
int vk_sha256_hardware(void);

int vitrine_kernels_version(void);

#ifdef __cplusplus
}
#endif
#endif
