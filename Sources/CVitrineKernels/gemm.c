#include <math.h>
// Packed, cache-blocked SGEMM (Goto/BLIS loop order) over the active variant's micro-kernel.
//
// Loops: jc (NC columns) → pc (KC depth; B panel packed to L3/L2) → ic (MC rows; A block packed
// to L2) → jr (NR) → ir (MR) → micro-kernel. The epilogue (bias, activation) runs on each
// micro-tile right after its last depth block, while the tile is still in L1.
#include <stdlib.h>
#include <string.h>
#include "kernels_internal.h"

enum { KC = 256, MC = 144, NC = 3072 }; // MC % 6 == 0, NC % 32 == 0

// Largest N for which A is read in place instead of packed (see gemm_blocked). Measured on one
// core: EfficientNet 97 → 100–103 images/s with any limit ≥ 64; MiniLM (N 384 in place, 1152 and
// 1536 packed) unchanged within noise either way.
enum { DIRECT_A_MAX_N = 512 };

typedef struct {
    float *data;
    size_t capacity;
} scratch;

static _Thread_local scratch pack_a_scratch, pack_b_scratch, vector_scratch, unpack_b_scratch;

static float *scratch_reserve(scratch *s, size_t floats) {
    if (s->capacity < floats) {
        free(s->data);
        size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
        s->data = aligned_alloc(64, bytes);
        s->capacity = s->data ? floats : 0;
    }
    return s->data;
}

// dst holds ceil(mc/MR) panels, each kc × MR (k-major), zero-padded past mc.
static void pack_a(const vk_ops *ops, long mc, long kc, const float *a, long rs, long cs, float *dst) {
    for (long i0 = 0; i0 < mc; i0 += VK_MR) {
        long rows = mc - i0 < VK_MR ? mc - i0 : VK_MR;
        float *panel = dst + i0 * kc;
        if (cs == 1) {
            ops->pack_kmajor(a + i0 * rs, rs, rows, kc, panel, VK_MR);
        } else {
            if (rows < VK_MR) memset(panel, 0, sizeof(float) * (size_t)(kc * VK_MR));
            for (long p = 0; p < kc; p++) {
                const float *src = a + i0 * rs + p * cs;
                for (long r = 0; r < rows; r++) panel[p * VK_MR + r] = src[r * rs];
            }
        }
    }
}

// dst holds ceil(nc/nr) panels, each kc × nr (k-major), zero-padded past nc.
static void pack_b(const vk_ops *ops, long kc, long nc, const float *b, long rs, long cs, long nr, float *dst) {
    for (long j0 = 0; j0 < nc; j0 += nr) {
        long cols = nc - j0 < nr ? nc - j0 : nr;
        float *panel = dst + j0 * kc;
        if (cs != 1 && rs == 1) {
            ops->pack_kmajor(b + j0 * cs, cs, cols, kc, panel, nr);
            continue;
        }
        if (cols < nr) memset(panel, 0, sizeof(float) * (size_t)(kc * nr));
        if (cs == 1 && cols == nr) { // fixed-length copies; memcpy calls cost 25% of the time at K = 32
            for (long p = 0; p < kc; p++) {
                const float *src = b + p * rs + j0;
                float *d = panel + p * nr;
                if (nr == 32) memcpy(d, src, 32 * sizeof(float)); // constant size: inlined vector moves
                else if (nr == 16) memcpy(d, src, 16 * sizeof(float));
                else memcpy(d, src, sizeof(float) * (size_t)nr);
            }
        } else if (cs == 1) {
            for (long p = 0; p < kc; p++) memcpy(panel + p * nr, b + p * rs + j0, sizeof(float) * (size_t)cols);
        } else {
            for (long j = 0; j < cols; j++) {
                const float *src = b + (j0 + j) * cs;
                for (long p = 0; p < kc; p++) panel[p * nr + j] = src[p * rs];
            }
        }
    }
}

typedef struct {
    long m, n, k;
    float alpha, beta;
    const float *a; long rsa, csa;
    const float *b; long rsb, csb;
    float *c; long ldc;
    const float *bias_row, *bias_col;
    int act;
    // Pre-packed B (NULL when absent or packed for another panel width): depth block pc starts at
    // bp + pc·bp_npad; column j (a multiple of nr) of this problem is column bp_col0 + j of the packing.
    const float *bp; long bp_npad, bp_col0;
} problem;

static int has_epilogue(const problem *q) { return q->bias_row || q->bias_col || q->act != VK_ACT_NONE; }

static void epilogue_tile(const vk_ops *ops, const problem *q, long i, long j, long rows, long cols) {
    for (long r = 0; r < rows; r++)
        ops->epilogue_row(q->c + (i + r) * q->ldc + j, cols, q->bias_row ? q->bias_row[i + r] : 0,
                          q->bias_col ? q->bias_col + j : NULL, q->act);
}

static void scale_c(const problem *q) {
    for (long i = 0; i < q->m; i++) {
        float *row = q->c + i * q->ldc;
        for (long j = 0; j < q->n; j++) row[j] = q->beta == 0 ? 0 : q->beta * row[j];
    }
}

static void gemm_blocked(const vk_ops *ops, const problem *q) {
    const long nr = ops->nr;
    if (q->k == 0) {
        scale_c(q);
        if (has_epilogue(q)) epilogue_tile(ops, q, 0, 0, q->m, q->n);
        return;
    }
    // Row-major A feeding few B panels is read in place: packing it cost more than it saved when
    // N is small (EfficientNet's 1×1 convs with 16–320 outputs; the packing was ~4 % of an image).
    const int direct_a = q->csa == 1 && q->n <= DIRECT_A_MAX_N;
    const long mr = direct_a ? ops->mr_direct : VK_MR, mcb = MC / mr * mr; // tile rows, row block
    float *pa = scratch_reserve(&pack_a_scratch, (size_t)(MC * KC + 16)); // + slack for pack_kmajor
    float *pb = scratch_reserve(&pack_b_scratch, (size_t)(KC * (NC + nr) + 16));
    if (!pa || !pb) abort(); // out of memory for a few MiB of packing space
    for (long jc = 0; jc < q->n; jc += NC) {
        long nc = q->n - jc < NC ? q->n - jc : NC;
        for (long pc = 0; pc < q->k; pc += KC) {
            long kc = q->k - pc < KC ? q->k - pc : KC;
            int last = pc + kc >= q->k;
            float beta = pc == 0 ? q->beta : 1.0f;
            // With a single row block each B panel is used once: pack it right before use, so it
            // stays in L1 instead of streaming the whole packed block out to L2/L3 and back.
            int panel_at_a_time = q->m <= mcb;
            const float *prepacked = q->bp ? q->bp + pc * q->bp_npad + (q->bp_col0 + jc) * kc : NULL;
            if (!prepacked && !panel_at_a_time) pack_b(ops, kc, nc, q->b + pc * q->rsb + jc * q->csb, q->rsb, q->csb, nr, pb);
            for (long ic = 0; ic < q->m; ic += mcb) {
                long mc = q->m - ic < mcb ? q->m - ic : mcb;
                const float *ablock = q->a + ic * q->rsa + pc * q->csa;
                if (!direct_a) pack_a(ops, mc, kc, ablock, q->rsa, q->csa, pa);
                for (long jr = 0; jr < nc; jr += nr) {
                    long cols = nc - jr < nr ? nc - jr : nr;
                    const float *bp = pb + jr * kc;
                    if (prepacked) {
                        bp = prepacked + jr * kc;
                    } else if (panel_at_a_time) {
                        pack_b(ops, kc, cols, q->b + pc * q->rsb + (jc + jr) * q->csb, q->rsb, q->csb, nr, pb);
                        bp = pb;
                    }
                    for (long ir = 0; ir < mc; ir += mr) {
                        long rows = mc - ir < mr ? mc - ir : mr;
                        float *cp = q->c + (ic + ir) * q->ldc + jc + jr;
                        vk_tile_epilogue ep = {
                            q->bias_row ? q->bias_row + ic + ir : NULL, q->bias_col ? q->bias_col + jc + jr : NULL, q->act,
                        };
                        const vk_tile_epilogue *epilogue = last && has_epilogue(q) ? &ep : NULL;
                        // Edge tiles (N = 16, 24, 40, … and M tails) take the same kernels with masked
                        // stores; at most half a panel of columns left takes the one-vector kernel.
                        if (direct_a) {
                            const float *ar = ablock + ir * q->rsa;
                            if (cols > nr / 2)
                                ops->kernel_direct(kc, ar, q->rsa, bp, cp, q->ldc, q->alpha, beta, epilogue, rows, cols);
                            else
                                ops->kernel_1v_direct(kc, ar, q->rsa, bp, nr, cp, q->ldc, q->alpha, beta, epilogue, rows, cols);
                        } else if (cols > nr / 2) {
                            ops->kernel(kc, pa + ir * kc, bp, cp, q->ldc, q->alpha, beta, epilogue, rows, cols);
                        } else {
                            ops->kernel_1v(kc, pa + ir * kc, bp, nr, cp, q->ldc, q->alpha, beta, epilogue, rows, cols);
                        }
                    }
                }
            }
        }
    }
}

// A contiguous copy of a strided vector (or the vector itself when already contiguous).
static const float *contiguous(const float *x, long n, long stride) {
    if (stride == 1 || n <= 1) return x;
    float *dst = scratch_reserve(&vector_scratch, (size_t)n);
    if (!dst) abort();
    for (long i = 0; i < n; i++) dst[i] = x[i * stride];
    return dst;
}

// Row vector times op(B): m == 1.
static void gemm_row(const vk_ops *ops, const problem *q) {
    const float *a = contiguous(q->a, q->k, q->csa);
    float *c = q->c;
    if (q->csb != 1) { // B stored n × k: one dot per output column
        for (long j = 0; j < q->n; j++) {
            float v = q->alpha * ops->dot(q->k, a, q->b + j * q->csb);
            c[j] = q->beta == 0 ? v : v + q->beta * c[j];
        }
    } else { // B stored k × n: accumulate rows of B
        for (long j = 0; j < q->n; j++) c[j] = q->beta == 0 ? 0 : q->beta * c[j];
        for (long p = 0; p < q->k; p++) ops->axpy(q->n, q->alpha * a[p], q->b + p * q->rsb, c);
    }
    if (has_epilogue(q)) epilogue_tile(ops, q, 0, 0, 1, q->n);
}

// op(A) times a column vector: n == 1, A rows contiguous.
static void gemm_column(const vk_ops *ops, const problem *q) {
    const float *b = contiguous(q->b, q->k, q->rsb);
    for (long i = 0; i < q->m; i++) {
        float *c = q->c + i * q->ldc;
        float v = q->alpha * ops->dot(q->k, q->a + i * q->rsa, b);
        *c = q->beta == 0 ? v : v + q->beta * *c;
        if (has_epilogue(q))
            ops->epilogue_row(c, 1, q->bias_row ? q->bias_row[i] : 0, q->bias_col, q->act);
    }
}

static void gemm_any(const vk_ops *ops, const problem *q) {
    if (q->m <= 0 || q->n <= 0) return;
    if (q->m == 1 && q->k > 0) gemm_row(ops, q);
    else if (q->n == 1 && q->k > 0 && q->csa == 1) gemm_column(ops, q);
    else gemm_blocked(ops, q);
}

// `ops` is the variant the whole call runs on: read once, since tests switch variants while other
// computations run, and panels packed for another width must not be taken for this one's.
static problem make_problem(const vk_ops *ops, const vk_gemm_params *p) {
    problem q = {
        .m = p->m, .n = p->n, .k = p->k, .alpha = p->alpha, .beta = p->beta,
        .a = p->a, .rsa = p->trans_a ? 1 : p->lda, .csa = p->trans_a ? p->lda : 1,
        .b = p->b, .rsb = p->trans_b ? 1 : p->ldb, .csb = p->trans_b ? p->ldb : 1,
        .c = p->c, .ldc = p->ldc, .bias_row = p->bias_row, .bias_col = p->bias_col, .act = p->activation,
    };
    if (p->b_packed && p->b_packed_nr == ops->nr) {
        q.bp = p->b_packed;
        q.bp_npad = (p->n + p->b_packed_nr - 1) / p->b_packed_nr * p->b_packed_nr;
        q.bp_col0 = 0;
    }
    return q;
}

// Columns [col0, col0 + n) of an op(B) given only as panels (b NULL, see vk_gemm_params), as a
// row-major k × n matrix in thread-local scratch: exactly the values packed, so the paths that read B
// itself compute what they would from the matrix that was packed.
static const float *unpacked_b(const vk_gemm_params *p, long col0, long n) {
    const long nr = p->b_packed_nr, npad = (p->n + nr - 1) / nr * nr;
    float *dst = scratch_reserve(&unpack_b_scratch, (size_t)(p->k * n));
    if (!dst) abort();
    for (long pc = 0; pc < p->k; pc += KC) {
        long kc = p->k - pc < KC ? p->k - pc : KC;
        for (long j = 0; j < n; j++) {
            long column = col0 + j, j0 = column / nr * nr;
            const float *src = p->b_packed + pc * npad + j0 * kc + (column - j0);
            for (long r = 0; r < kc; r++) dst[(pc + r) * n + j] = src[r * nr];
        }
    }
    return dst;
}

int vk_b_panel_width(void) { return vk_ops_current()->nr; }

long vk_packed_b_size(long k, long n, int nr) {
    if (k <= 0 || n <= 0 || nr <= 0) return 0;
    return k * ((n + nr - 1) / nr * nr) + 16; // + slack: pack_kmajor may write 8 floats past a panel
}

void vk_pack_b_panels(const float *b, long ldb, int trans_b, long k, long n, int nr, float *dst) {
    const vk_ops *ops = vk_ops_current();
    long rs = trans_b ? 1 : ldb, cs = trans_b ? ldb : 1;
    long npad = (n + nr - 1) / nr * nr;
    for (long pc = 0; pc < k; pc += KC) {
        long kc = k - pc < KC ? k - pc : KC;
        // Same panels pack_b makes inside gemm_blocked: panel j0 of block pc at dst + pc·npad + j0·kc.
        if (nr == ops->nr) {
            pack_b(ops, kc, n, b + pc * rs, rs, cs, nr, dst + pc * npad);
        } else { // another variant's width (tests): plain loops, same layout
            for (long j0 = 0; j0 < n; j0 += nr)
                for (long p = 0; p < kc; p++)
                    for (long j = 0; j < nr; j++)
                        dst[pc * npad + j0 * kc + p * nr + j] = j0 + j < n ? b[(pc + p) * rs + (j0 + j) * cs] : 0;
        }
    }
}

// Split along N when it has at least as many micro-tiles as M, else along M.
static int split_columns(const problem *q, long nr) {
    return (q->n + nr - 1) / nr >= (q->m + VK_MR - 1) / VK_MR;
}

// The variant a call runs on: the pinned one, else the current one.
static const vk_ops *call_ops(const vk_gemm_params *p) {
    return p->pinned_variant > 0 ? vk_ops_for(p->pinned_variant - 1) : vk_ops_current();
}

int vk_sgemm_parts(const vk_gemm_params *p, int max_parts) {
    if (max_parts <= 1 || p->m <= 0 || p->n <= 0) return 1;
    double flops = 2.0 * (double)p->m * (double)p->n * (double)(p->k > 0 ? p->k : 1);
    if (flops < 4.0e5) return 1; // below ~0.2 ms of one core, waking a thread costs more than it saves
    const vk_ops *ops = call_ops(p);
    problem q = make_problem(ops, p);
    long nr = ops->nr;
    long blocks = split_columns(&q, nr) ? (q.n + nr - 1) / nr : (q.m + VK_MR - 1) / VK_MR;
    return blocks < max_parts ? (int)blocks : max_parts;
}

void vk_sgemm_part(const vk_gemm_params *p, int part, int parts) {
    // Every part of one call must agree on the variant: the split below is in units of its panel width.
    const vk_ops *ops = call_ops(p);
    problem q = make_problem(ops, p);
    if (parts > 1) {
        long nr = ops->nr;
        int by_columns = split_columns(&q, nr);
        long unit = by_columns ? nr : VK_MR;
        long extent = by_columns ? q.n : q.m;
        long blocks = (extent + unit - 1) / unit;
        long begin = blocks * part / parts * unit, end = blocks * (part + 1) / parts * unit;
        if (end > extent) end = extent;
        if (begin >= end) return;
        if (by_columns) {
            q.n = end - begin;
            if (q.b) q.b += begin * q.csb;
            q.c += begin;
            q.bp_col0 += begin;
            if (q.bias_col) q.bias_col += begin;
        } else {
            q.m = end - begin;
            q.a += begin * q.rsa;
            q.c += begin * q.ldc;
            if (q.bias_row) q.bias_row += begin;
        }
    }
    // B only as panels: one row or one column of C (gemm_row / gemm_column), or panels of another
    // variant's width, need the matrix itself.
    if (!q.b && q.m > 0 && q.n > 0 && q.k > 0 && (!q.bp || q.m == 1 || (q.n == 1 && q.csa == 1))) {
        if (!p->b_packed || p->b_packed_nr <= 0) abort(); // neither b nor panels: rejected by the caller
        q.b = unpacked_b(p, q.bp_col0, q.n);
        q.rsb = q.n;
        q.csb = 1;
    }
    gemm_any(ops, &q);
}

void vk_sgemv_rows(long row_begin, long row_end, long cols, const float *a, long lda, const float *x,
                   float alpha, float beta, float *y) {
    const vk_ops *ops = vk_ops_current();
    for (long i = row_begin; i < row_end; i++) {
        float v = alpha * ops->dot(cols, a + i * lda, x);
        y[i] = beta == 0 ? v : v + beta * y[i];
    }
}

// Rows are taken in blocks of about 64 KiB, so each block comes from memory once and from L2 for the
// other queries; every score is the variant's own `dot` of one row and one query, the call
// vk_sgemv_rows makes, so a query scored inside a batch gets bitwise the scores it gets alone.
// One driver for fp32 rows (a32) and fp16 rows (a16; exactly one is non-NULL); the block holds ~64 KiB of either.
static void dot_scores_rows(long row_begin, long row_end, long cols, const float *a32, const uint16_t *a16, long lda,
                            long queries, const float *q, long ldq, float *out, long ldo) {
    const vk_ops *ops = vk_ops_current();
    long row_bytes = cols * (a16 ? 2 : 4);
    long block = row_bytes > 0 ? (64 * 1024) / row_bytes : row_end - row_begin;
    if (block < 1) block = 1;
    for (long i0 = row_begin; i0 < row_end; i0 += block) {
        long i1 = i0 + block < row_end ? i0 + block : row_end;
        for (long j = 0; j < queries; j++) {
            const float *x = q + j * ldq;
            float *y = out + j * ldo;
            for (long i = i0; i < i1; i++) y[i] = a16 ? ops->dot_f16(cols, x, a16 + i * lda) : ops->dot(cols, a32 + i * lda, x);
        }
    }
}

void vk_dot_scores_rows(long row_begin, long row_end, long cols, const float *a, long lda, long queries,
                        const float *q, long ldq, float *out, long ldo) {
    dot_scores_rows(row_begin, row_end, cols, a, NULL, lda, queries, q, ldq, out, ldo);
}

float vk_dot(long n, const float *x, const float *y) { return vk_ops_current()->dot(n, x, y); }

float vk_dot_f16(long n, const float *x, const uint16_t *y) { return vk_ops_current()->dot_f16(n, x, y); }

float vk_dot_f16_f16(long n, const uint16_t *x, const uint16_t *y) { return vk_ops_current()->dot_f16_f16(n, x, y); }

float vk_quantize_i8(long n, const float *x, int8_t *out) {
    float largest = 0;
    for (long i = 0; i < n; i++) largest = fmaxf(largest, fabsf(x[i]));
    if (!(largest > 0)) {
        memset(out, 0, (size_t)n);
        return 0;
    }
    float scale = largest / 127.0f, inverse = 127.0f / largest;
    for (long i = 0; i < n; i++) {
        float q = nearbyintf(x[i] * inverse);
        out[i] = (int8_t)(q > 127 ? 127 : (q < -127 ? -127 : q));
    }
    return scale;
}

void vk_dot_scores_rows_f16(long row_begin, long row_end, long cols, const uint16_t *a, long lda, long queries,
                            const float *q, long ldq, float *out, long ldo) {
    dot_scores_rows(row_begin, row_end, cols, NULL, a, lda, queries, q, ldq, out, ldo);
}

void vk_half_to_float_array(long n, const uint16_t *src, float *dst) {
    vk_ops_current()->widen_f16(n, src, dst);
}
