/* Every kernel against a plain C reference, at edge shapes: 1, odd sizes, sizes that are
 * not a multiple of the tile, fully masked attention rows. Error is normalised by the
 * reference's largest magnitude; tolerances per op. */
#include "test_util.h"
#include "vkb_internal.h"
#include "base/clock.h"
#include "ops/ops.h"
#include "ops/ref.h"

#include <math.h>

static vkbert_context *ctx;
static uint64_t rng = 12345;

static float frand(void) { /* uniform in [-1, 1) */
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng >> 40) / 8388608.0 - 1.0);
}

static vkb_buffer upload(const void *data, size_t bytes) {
    vkb_buffer b;
    if (vkb_buffer_create(ctx, bytes, VKB_MEM_DEVICE, "test", &b) ||
        (data && vkb_buffer_upload_bytes(ctx, &b, data, bytes))) {
        fprintf(stderr, "buffer: %s\n", vkbert_last_error());
        exit(1);
    }
    return b;
}

static void run_op(vkb_op *op) {
    vkb_program p = {0};
    vkbert_status st = vkb_program_add(ctx, &p, op);
    if (!st) st = vkb_program_run(ctx, &p);
    CHECK(st == VKBERT_OK, "kernel %u: %s", op->kernel, vkbert_last_error());
    vkb_program_destroy(ctx, &p);
}

static void download(vkb_buffer *b, void *dst, size_t bytes) {
    CHECK(vkb_buffer_download(ctx, b, dst, bytes) == VKBERT_OK, "download: %s", vkbert_last_error());
}

/* max |a - ref| / max(max |ref|, 1e-6) */
static double rel_err(const float *a, const float *ref, size_t n) {
    double m = 1e-6, e = 0;
    for (size_t i = 0; i < n; ++i) {
        if (fabs(ref[i]) > m) m = fabs(ref[i]);
        double d = fabs((double)a[i] - ref[i]);
        if (!(d <= e)) e = d; /* NaN propagates */
    }
    return e / m;
}

/* f16w: W stored as float16 (matmul_f16w); the reference uses the same rounded values. */
/* tile: NULL for matmul/matmul_f16w, else matmul_tiled with {WGX, WGY, TM, TN}; f16a:
 * matmul_tiled_f16a (fp16 products, fp32 accumulation: a looser tolerance). */
static void test_matmul_kernel(uint32_t M, uint32_t N, uint32_t K, uint32_t act, uint32_t accum, bool f16w,
                               const uint32_t *tile, bool f16a) {
    size_t nx = (size_t)M * K, nw = (size_t)N * K, ny = (size_t)M * N;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc(N * 4), *y0 = malloc(ny * 4), *ref = malloc(ny * 4),
          *out = malloc(ny * 4);
    for (size_t i = 0; i < nx; ++i) x[i] = frand();
    uint16_t *wh = malloc(nw * 2);
    for (size_t i = 0; i < nw; ++i) {
        w[i] = frand();
        wh[i] = vkb_float_to_half(w[i]);
        if (f16w) w[i] = vkb_half_to_float(wh[i]);
    }
    for (size_t i = 0; i < N; ++i) b[i] = frand();
    for (size_t i = 0; i < ny; ++i) y0[i] = frand();
    vkb_ref_matmul(x, w, b, y0, M, N, K, act, accum, ref);
    vkb_buffer bx = upload(x, nx * 4), bw = f16w ? upload(wh, nw * 2) : upload(w, nw * 4), bb = upload(b, N * 4),
               by = upload(y0, ny * 4);
    vkb_op op = {.kernel = f16w ? VKB_KERNEL_MATMUL_F16W : VKB_KERNEL_MATMUL, .spec = {act, accum},
                 .bind = {vkb_bind(&bx), vkb_bind(&bw), vkb_bind(&bb), vkb_bind(&by)}, .writes = 8,
                 .indirect = -1};
    VkDispatchIndirectCommand g = vkb_matmul_groups(ctx, op.kernel, M, N, 1);
    op.groups[0] = g.x, op.groups[1] = g.y, op.groups[2] = 1;
    if (tile) {
        op.kernel = f16a ? VKB_KERNEL_MATMUL_TILED_F16A : f16w ? VKB_KERNEL_MATMUL_TILED_F16W : VKB_KERNEL_MATMUL_TILED;
        uint32_t spec[7] = {act, accum, 0, tile[0], tile[1], tile[2], tile[3]};
        memcpy(op.spec, spec, sizeof spec);
        op.groups[0] = (N + tile[0] * tile[3] - 1) / (tile[0] * tile[3]);
        op.groups[1] = (M + tile[1] * tile[2] - 1) / (tile[1] * tile[2]);
    }
    vkb_push_matmul pc = {M, N, K, 0, 0, 0, 0, N};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    download(&by, out, ny * 4);
    double e = rel_err(out, ref, ny);
    if (act == 2) { /* tanh squeezes the outputs below 1 but not the error: scale by the pre-activation */
        float *pre = malloc(ny * 4);
        vkb_ref_matmul(x, w, b, y0, M, N, K, 0, accum, pre);
        double m = 1e-6, big = 0;
        for (size_t i = 0; i < ny; ++i) m = fmax(m, fabs(pre[i])), big = fmax(big, fabs(ref[i]));
        e *= fmax(big, 1e-6) / m;
        free(pre);
    }
    /* fp16 products of values in [-1, 1): each rounded to 2^-11, partial sums of 16 too */
    CHECK(e < (f16a ? 3e-3 : 1e-5), "%s M=%u N=%u K=%u act=%u accum=%u tile=%u: error %g", vkb_kernel(op.kernel)->name,
          M, N, K, act,
          accum, tile ? tile[0] * 1000 + tile[1] * 100 + tile[2] * 10 + tile[3] : 0, e);
    vkb_buffer *bs[] = {&bx, &bw, &bb, &by};
    for (int i = 0; i < 4; ++i) vkb_buffer_destroy(ctx, bs[i]);
    free(x); free(w); free(wh); free(b); free(y0); free(ref); free(out);
}

static void test_matmul(uint32_t M, uint32_t N, uint32_t K, uint32_t act, uint32_t accum) {
    static const uint32_t tiles[2][4] = {{16, 8, 8, 4}, {8, 8, 4, 4}};
    /* what this context enabled (VKBERT_LIMITS=min: neither) */
    bool f16 = ctx->storage16, arith = f16 && ctx->float16;
    test_matmul_kernel(M, N, K, act, accum, false, NULL, false);
    if (f16) test_matmul_kernel(M, N, K, act, accum, true, NULL, false);
    for (int t = 0; t < 2; ++t) {
        test_matmul_kernel(M, N, K, act, accum, false, tiles[t], false);
        if (f16) test_matmul_kernel(M, N, K, act, accum, true, tiles[t], false);
        if (arith) test_matmul_kernel(M, N, K, act, accum, true, tiles[t], true);
    }
}

/* matmul_coopmat (the matrix units, VK_KHR_cooperative_matrix): float16 operands, float32
 * accumulation. `rounded`: X and W hold float16 values (exact products: only the summation
 * order differs from the reference); otherwise random floats, against the fp32 reference (the
 * fp16 bar). `off`: X, W, b and Y start past other data and Y's rows are wider than N (a
 * weight split into parts, a chunk of rows). */
static void test_matmul_coopmat(uint32_t M, uint32_t N, uint32_t K, uint32_t act, uint32_t accum, bool f16w,
                                bool rounded, bool off) {
    uint32_t xo = off ? 3 * K + 4 : 0, wo = off ? 2 * K + 4 : 0, bo = off ? 5 : 0, ldy = off ? N + 3 : N,
             yo = off ? 7 : 0;
    size_t nx = (size_t)M * K + xo, nw = (size_t)N * K + wo, ny = (size_t)M * ldy + yo;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((N + bo) * 4), *y0 = malloc(ny * 4),
          *ref = malloc((size_t)M * N * 4), *yin = malloc((size_t)M * N * 4), *out = malloc(ny * 4),
          *got = malloc((size_t)M * N * 4);
    uint16_t *wh = malloc(nw * 2);
    for (size_t i = 0; i < nx; ++i) x[i] = rounded ? vkb_half_to_float(vkb_float_to_half(frand())) : frand();
    for (size_t i = 0; i < nw; ++i) {
        w[i] = frand();
        wh[i] = vkb_float_to_half(w[i]);
        if (f16w || rounded) w[i] = vkb_half_to_float(wh[i]);
    }
    for (size_t i = 0; i < N + bo; ++i) b[i] = frand();
    for (size_t i = 0; i < ny; ++i) y0[i] = frand();
    for (uint32_t r = 0; r < M; ++r)
        for (uint32_t c = 0; c < N; ++c) yin[(size_t)r * N + c] = y0[yo + (size_t)r * ldy + c];
    vkb_ref_matmul(x + xo, w + wo, b + bo, yin, M, N, K, act, accum, ref);
    vkb_buffer bx = upload(x, nx * 4), bw = f16w ? upload(wh, nw * 2) : upload(w, nw * 4), bb = upload(b, (N + bo) * 4),
               by = upload(y0, ny * 4);
    const uint32_t *c = ctx->coop;
    vkb_op op = {.kernel = f16w ? VKB_KERNEL_MATMUL_COOPMAT_F16W : VKB_KERNEL_MATMUL_COOPMAT,
                 .spec = {act, accum, c[3], c[0], c[1], c[2], 4 * c[3]},
                 .bind = {vkb_bind(&bx), vkb_bind(&bw), vkb_bind(&bb), vkb_bind(&by)}, .writes = 8, .indirect = -1};
    VkDispatchIndirectCommand g = vkb_matmul_groups(ctx, op.kernel, M, N, 1);
    op.groups[0] = g.x, op.groups[1] = g.y, op.groups[2] = 1;
    vkb_push_matmul pc = {M, N, K, xo, wo, bo, yo, ldy};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    download(&by, out, ny * 4);
    for (uint32_t r = 0; r < M; ++r)
        for (uint32_t cc = 0; cc < N; ++cc) got[(size_t)r * N + cc] = out[yo + (size_t)r * ldy + cc];
    /* nothing outside the output's rows and columns is written */
    size_t outside = 0;
    for (size_t i = 0; i < ny; ++i) {
        size_t r = i < yo ? M : (i - yo) / ldy, cc = i < yo ? N : (i - yo) % ldy;
        if ((r >= M || cc >= N) && out[i] != y0[i]) ++outside;
    }
    double e = rel_err(got, ref, (size_t)M * N);
    double bar = rounded ? 1e-5 : 3e-3; /* fp16 rounding of each input: 2^-11 relative */
    CHECK(e < bar && outside == 0, "%s M=%u N=%u K=%u act=%u accum=%u rounded=%d offsets=%d: error %g, %zu "
          "elements written outside Y", vkb_kernel(op.kernel)->name, M, N, K, act, accum, rounded, off, e, outside);
    vkb_buffer *bs[] = {&bx, &bw, &bb, &by};
    for (int i = 0; i < 4; ++i) vkb_buffer_destroy(ctx, bs[i]);
    free(x); free(w); free(wh); free(b); free(y0); free(ref); free(yin); free(out); free(got);
}

/* matmul_texel (CPU-class variant): same math, texel-buffer operands, repacked W; rg row
 * groups of 8 per subgroup (spec constant 3). */
static void test_matmul_texel(uint32_t M, uint32_t N, uint32_t K, uint32_t act, uint32_t accum, int reps,
                              uint32_t row_major, uint32_t rg) {
    size_t nx = (size_t)M * K, nw = (size_t)N * K, ny = (size_t)M * N, np = (size_t)(N + 7) / 8 * 8 * K;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *wp = malloc(np * 4), *b = malloc(N * 4), *y0 = malloc(ny * 4),
          *ref = malloc(ny * 4), *out = malloc(ny * 4);
    for (size_t i = 0; i < nx; ++i) x[i] = frand();
    for (size_t i = 0; i < nw; ++i) w[i] = frand();
    for (size_t i = 0; i < N; ++i) b[i] = frand();
    for (size_t i = 0; i < ny; ++i) y0[i] = frand();
    if (row_major) memcpy(wp, w, nw * 4);
    else vkb_repack_rows8(w, N, K, wp);
    vkb_ref_matmul(x, w, b, y0, M, N, K, act, accum, ref);
    vkb_buffer bx = upload(x, nx * 4), bw = upload(wp, np * 4), bb = upload(b, N * 4), by = upload(y0, ny * 4);
    CHECK(vkb_buffer_make_view(ctx, &bx, VK_FORMAT_R32G32B32A32_SFLOAT) == 0 &&
              vkb_buffer_make_view(ctx, &bw, VK_FORMAT_R32G32B32A32_SFLOAT) == 0, "views: %s", vkbert_last_error());
    vkb_op op = {.kernel = VKB_KERNEL_MATMUL_TEXEL, .spec = {act, accum, row_major, rg},
                 .bind = {vkb_bind_view(&bx), vkb_bind_view(&bw), vkb_bind(&bb), vkb_bind(&by)}, .writes = 8,
                 .indirect = -1};
    VkDispatchIndirectCommand g = vkb_matmul_groups(ctx, op.kernel, M, N, rg);
    op.groups[0] = g.x, op.groups[1] = g.y, op.groups[2] = 1;
    vkb_push_matmul pc = {M, N, K, 0, 0, 0, 0, N};
    memcpy(op.push, &pc, sizeof pc);
    if (reps > 1) { /* timing run: the same dispatch many times in one submission */
        vkb_program p = {0};
        for (int i = 0; i < reps; ++i) vkb_program_add(ctx, &p, &op);
        vkb_program_run(ctx, &p); /* warm-up (pipeline compile) */
        double t0 = vkb_now_ms();
        vkb_program_run(ctx, &p);
        double sec = (vkb_now_ms() - t0) * 1e-3;
        printf("matmul_texel %ux%ux%u rows %u: %.1f GFLOP/s\n", M, N, K, 8 * rg, 2.0 * M * N * K * reps / sec * 1e-9);
        vkb_program_destroy(ctx, &p);
    } else {
        run_op(&op);
        download(&by, out, ny * 4);
        double e = rel_err(out, ref, ny);
        CHECK(e < 1e-5, "matmul_texel M=%u N=%u K=%u act=%u accum=%u row_major=%u rg=%u: error %g", M, N, K, act,
              accum, row_major, rg, e);
    }
    vkb_buffer *bs[] = {&bx, &bw, &bb, &by};
    for (int i = 0; i < 4; ++i) vkb_buffer_destroy(ctx, bs[i]);
    free(x); free(w); free(wp); free(b); free(y0); free(ref); free(out);
}

static void test_layernorm(uint32_t rows, uint32_t width) {
    size_t n = (size_t)rows * width;
    float *x = malloc(n * 4), *p = malloc(2 * width * 4), *ref = malloc(n * 4), *out = malloc(n * 4);
    for (size_t i = 0; i < n; ++i) x[i] = 3.0f * frand() + 0.5f;
    for (size_t i = 0; i < 2 * width; ++i) p[i] = frand();
    for (uint32_t r = 0; r < rows; ++r)
        vkb_ref_layernorm(x + (size_t)r * width, p, p + width, ref + (size_t)r * width, width, 1e-5f);
    /* layernorm: a workgroup per row; layernorm_rows (CPU class): an invocation per row, 8 per
     * workgroup; layernorm_texel: the same reading x through a texel view (widths of 4k only) */
    /* each in place and into another buffer (a pre-norm layer's input), x then unchanged */
    for (int v = 0; v < 6; ++v) {
        bool apart = v >= 3;
        int kv = v % 3;
        if (kv == 2 && width % 4) continue;
        vkb_buffer bx = upload(x, n * 4), bp = upload(p, 2 * width * 4), by = apart ? upload(NULL, n * 4) : bx;
        if (kv == 2)
            CHECK(vkb_buffer_make_view(ctx, &bx, VK_FORMAT_R32G32B32A32_SFLOAT) == 0, "view: %s", vkbert_last_error());
        vkb_op op = {.kernel = kv == 2 ? VKB_KERNEL_LAYERNORM_TEXEL : kv ? VKB_KERNEL_LAYERNORM_ROWS : VKB_KERNEL_LAYERNORM,
                     .bind = {kv == 2 ? vkb_bind_view(&bx) : vkb_bind(&bx), vkb_bind(&bp), vkb_bind(&by)},
                     .writes = 1u << 2, .indirect = -1};
        vkb_grid_rows(ctx, kv ? vkb_div_up(rows, VKB_LAYERNORM_ROWS_PER_GROUP) : rows, op.groups);
        vkb_push_layernorm pc = {rows, width, 1e-5f};
        memcpy(op.push, &pc, sizeof pc);
        run_op(&op);
        download(&by, out, n * 4);
        double e = rel_err(out, ref, n);
        CHECK(e < 2e-5, "%s rows=%u width=%u%s: error %g", vkb_kernel(op.kernel)->name, rows, width,
              apart ? " (into another buffer)" : "", e);
        if (apart) {
            download(&bx, out, n * 4);
            CHECK(!memcmp(out, x, n * 4), "%s rows=%u width=%u: x changed", vkb_kernel(op.kernel)->name, rows, width);
            vkb_buffer_destroy(ctx, &by);
        }
        vkb_buffer_destroy(ctx, &bx);
        vkb_buffer_destroy(ctx, &bp);
    }
    free(x); free(p); free(ref); free(out);
}

/* mask_kind: 0 all real, 1 trailing padding per sequence, 2 first sequence fully masked. The
 * _probs variants also against the reference's probabilities. window > 0: a local window of
 * +-window keys; rope > 0: the first rope dimensions of q and k rotated, the table (real cosines
 * and sines of theta 10000) after the mask in the input buffer; alibi: ALiBi's slopes (JinaBERT). */
static void test_attention_kernel(uint32_t kernel, uint32_t B, uint32_t S, uint32_t heads, uint32_t D, int mask_kind,
                                  uint32_t window, uint32_t rope, bool alibi) {
    uint32_t H = heads * D, T = B * S;
    bool texel = kernel == VKB_KERNEL_ATTENTION_TEXEL || kernel == VKB_KERNEL_ATTENTION_TEXEL_PROBS;
    bool with_probs = kernel == VKB_KERNEL_ATTENTION_PROBS || kernel == VKB_KERNEL_ATTENTION_TEXEL_PROBS;
    size_t nq = (size_t)T * 3 * H, np = (size_t)B * heads * S * S;
    float *qkv = malloc(nq * 4), *ref = malloc((size_t)T * H * 4), *out = malloc((size_t)T * H * 4);
    float *pref = with_probs ? malloc(np * 4) : NULL, *pout = with_probs ? malloc(np * 4) : NULL;
    size_t nin = 3 * (size_t)T + (size_t)S * rope;
    int32_t *in = calloc(nin, 4);
    float *table = malloc(((size_t)S * rope + 1) * 4);
    for (uint32_t p = 0; p < S; ++p)
        for (uint32_t i = 0; i < rope / 2; ++i) {
            float angle = (float)p * powf(10000.0f, -(float)(2 * i) / (float)rope);
            table[(size_t)p * rope + i] = cosf(angle);
            table[(size_t)p * rope + rope / 2 + i] = sinf(angle);
        }
    memcpy(in + 3 * T, table, (size_t)S * rope * 4);
    for (size_t i = 0; i < nq; ++i) qkv[i] = 2.0f * frand();
    for (uint32_t b = 0; b < B; ++b)
        for (uint32_t s = 0; s < S; ++s) {
            int real = 1;
            if (mask_kind == 1) real = s < S - (b % 3) || S == 1;
            if (mask_kind == 2) real = b != 0;
            in[2 * T + b * S + s] = real;
        }
    float scale = 1.0f / sqrtf((float)D);
    vkb_ref_attention(qkv, in + 2 * T, B, S, heads, D, scale, window, rope, table, alibi, ref, pref);
    vkb_buffer bq = upload(qkv, nq * 4), bi = upload(in, nin * 4), bo = upload(NULL, (size_t)T * H * 4);
    vkb_buffer bp = with_probs ? upload(NULL, np * 4) : (vkb_buffer){0};
    if (texel) CHECK(vkb_buffer_make_view(ctx, &bq, VK_FORMAT_R32G32B32A32_SFLOAT) == 0, "%s", vkbert_last_error());
    vkb_op op = {.kernel = kernel, .spec = {D},
                 .bind = {texel ? vkb_bind_view(&bq) : vkb_bind(&bq), vkb_bind(&bi), vkb_bind(&bo),
                          with_probs ? vkb_bind(&bp) : (vkb_binding){0}},
                 .writes = with_probs ? 4 | 8 : 4, .groups = {vkb_div_up(S, VKB_ATTENTION_QUERIES), heads, B},
                 .indirect = -1};
    vkb_push_attention pc = {S, H, heads, T, 2 * T, scale, window ? window : VKB_ATTENTION_GLOBAL, rope, 3 * T, alibi};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    download(&bo, out, (size_t)T * H * 4);
    /* padding queries whose window holds no real key are left out: Hugging Face spreads them over
     * every key of the sequence, the kernels over the window's (neither is used) */
    bool *unseen = calloc(T, sizeof *unseen);
    for (uint32_t b = 0; b < B && window; ++b)
        for (uint32_t i = 0; i < S; ++i) {
            bool seen = false;
            for (uint32_t j = i > window ? i - window : 0; j < S && j <= i + window; ++j) seen |= in[2 * T + b * S + j] != 0;
            unseen[b * S + i] = !seen;
            if (!seen) memcpy(out + (size_t)(b * S + i) * H, ref + (size_t)(b * S + i) * H, (size_t)H * 4);
        }
    double e = rel_err(out, ref, (size_t)T * H);
    CHECK(e < 1e-5, "%s B=%u S=%u heads=%u D=%u mask=%d window=%u rope=%u alibi=%d: error %g", vkb_kernel(kernel)->name,
          B, S, heads, D, mask_kind, window, rope, alibi, e);
    if (with_probs) {
        download(&bp, pout, np * 4);
        for (uint32_t b = 0; b < B; ++b)
            for (uint32_t h = 0; h < heads; ++h)
                for (uint32_t i = 0; i < S; ++i)
                    if (unseen[b * S + i])
                        memcpy(pout + (((size_t)b * heads + h) * S + i) * S, pref + (((size_t)b * heads + h) * S + i) * S,
                               (size_t)S * 4);
        double ep = rel_err(pout, pref, np), worst = 0;
        for (size_t i = 0; i < np; ++i) worst = fmax(worst, fabs((double)pout[i] - pref[i]));
        CHECK(ep < 1e-5 && worst < 1e-5,
              "%s B=%u S=%u heads=%u D=%u mask=%d window=%u rope=%u alibi=%d: probabilities' error %g (max abs %g)",
              vkb_kernel(kernel)->name, B, S, heads, D, mask_kind, window, rope, alibi, ep, worst);
        vkb_buffer_destroy(ctx, &bp);
    }
    vkb_buffer_destroy(ctx, &bq);
    vkb_buffer_destroy(ctx, &bi);
    vkb_buffer_destroy(ctx, &bo);
    free(qkv); free(ref); free(out); free(in); free(pref); free(pout); free(table); free(unseen);
}

static void test_attention_local(uint32_t B, uint32_t S, uint32_t heads, uint32_t D, int mask_kind, uint32_t window,
                                 uint32_t rope, bool alibi) {
    test_attention_kernel(VKB_KERNEL_ATTENTION, B, S, heads, D, mask_kind, window, rope, alibi);
    test_attention_kernel(VKB_KERNEL_ATTENTION_PROBS, B, S, heads, D, mask_kind, window, rope, alibi);
    /* the texel variant where the device's texel views hold the QKV buffer (maxTexelBufferElements
     * may be as low as 65536: SwiftShader) and subgroups are 8 wide with shuffle */
    uint64_t texels = (uint64_t)B * S * 3 * heads * D / 4;
    const vkbert_device_info *dev = vkbert_context_device(ctx);
    if (D % 4 == 0 && rope % 8 == 0 && !ctx->min_limits && texels <= dev->max_texel_buffer_elements &&
        dev->subgroup_size == 8 && dev->subgroup_shuffle) {
        test_attention_kernel(VKB_KERNEL_ATTENTION_TEXEL, B, S, heads, D, mask_kind, window, rope, alibi);
        test_attention_kernel(VKB_KERNEL_ATTENTION_TEXEL_PROBS, B, S, heads, D, mask_kind, window, rope, alibi);
    }
}

static void test_attention(uint32_t B, uint32_t S, uint32_t heads, uint32_t D, int mask_kind) {
    test_attention_local(B, S, heads, D, mask_kind, 0, 0, false);
}

/* pos_offset > 0: RoBERTa's positions, with padding (mask 0) after each sequence's first
 * S - b tokens and a padding_idx id inside one. */
static void test_embed(uint32_t B, uint32_t S, uint32_t H, uint32_t V, uint32_t P, uint32_t TV, uint32_t pos_offset) {
    uint32_t T = B * S;
    size_t naux = ((size_t)P + TV + 2) * H;
    float *word = malloc((size_t)V * H * 4), *aux = malloc(naux * 4), *ref = malloc((size_t)T * H * 4),
          *out = malloc((size_t)T * H * 4);
    int32_t *in = malloc(3 * T * 4);
    for (size_t i = 0; i < (size_t)V * H; ++i) word[i] = frand();
    for (size_t i = 0; i < naux; ++i) aux[i] = frand();
    for (uint32_t t = 0; t < T; ++t) {
        in[t] = (int32_t)((t * 7919u) % V);
        in[T + t] = (int32_t)(t % TV);
        in[2 * T + t] = !pos_offset || t % S < S - t / S % S;
    }
    if (pos_offset && T > 2) in[2] = (int32_t)pos_offset - 1; /* a padding_idx id among real tokens */
    vkb_ref_embed_ln(word, aux, in, in + T, in + 2 * T, T, S, H, P, TV, 1e-12f, pos_offset, ref);
    vkb_buffer bi = upload(in, 3 * T * 4), bw = upload(word, (size_t)V * H * 4), ba = upload(aux, naux * 4),
               bo = upload(NULL, (size_t)T * H * 4);
    vkb_op op = {.kernel = VKB_KERNEL_EMBED_LN, .bind = {vkb_bind(&bi), vkb_bind(&bw), vkb_bind(&ba), vkb_bind(&bo)},
                 .writes = 8, .indirect = -1};
    vkb_grid_rows(ctx, T, op.groups);
    vkb_push_embed pc = {T, S, H, V, P, TV, 1e-12f, 0, pos_offset};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    download(&bo, out, (size_t)T * H * 4);
    double e = rel_err(out, ref, (size_t)T * H);
    CHECK(e < 2e-5, "embed_ln B=%u S=%u H=%u pos_offset=%u: error %g", B, S, H, pos_offset, e);
    vkb_buffer *bs[] = {&bi, &bw, &ba, &bo};
    for (int i = 0; i < 4; ++i) vkb_buffer_destroy(ctx, bs[i]);
    free(word); free(aux); free(ref); free(out); free(in);
}

static void test_gather(uint32_t src_rows, uint32_t rows, uint32_t width) {
    float *src = malloc((size_t)src_rows * width * 4), *out = malloc((size_t)rows * width * 4),
          *ref = malloc((size_t)rows * width * 4);
    int32_t *idx = malloc((rows + 3) * 4);
    for (size_t i = 0; i < (size_t)src_rows * width; ++i) src[i] = frand();
    idx[0] = idx[1] = idx[2] = -1; /* index_offset skips these */
    for (uint32_t r = 0; r < rows; ++r) idx[3 + r] = (int32_t)((r * 31u + 5u) % src_rows);
    vkb_buffer bs = upload(src, (size_t)src_rows * width * 4), bi = upload(idx, (rows + 3) * 4),
               bo = upload(NULL, (size_t)rows * width * 4);
    vkb_op op = {.kernel = VKB_KERNEL_GATHER, .bind = {vkb_bind(&bs), vkb_bind(&bi), vkb_bind(&bo)}, .writes = 4,
                 .indirect = -1};
    vkb_grid_rows(ctx, rows, op.groups);
    vkb_push_gather pc = {rows, width, 3, src_rows};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    download(&bo, out, (size_t)rows * width * 4);
    vkb_ref_gather(src, idx + 3, rows, width, ref);
    bool same = memcmp(out, ref, (size_t)rows * width * 4) == 0;
    CHECK(same, "gather src_rows=%u rows=%u width=%u", src_rows, rows, width);
    vkb_buffer_destroy(ctx, &bs);
    vkb_buffer_destroy(ctx, &bi);
    vkb_buffer_destroy(ctx, &bo);
    free(src); free(out); free(ref); free(idx);
}

static void test_topk(uint32_t rows, uint32_t vocab, uint32_t k, bool ties) {
    float *l = malloc((size_t)rows * vocab * 4), *probs = malloc((size_t)rows * k * 4);
    int32_t *ids = malloc((size_t)rows * k * 4);
    for (size_t i = 0; i < (size_t)rows * vocab; ++i) l[i] = ties ? (float)((int)(frand() * 4)) : 8.0f * frand();
    vkb_buffer bl = upload(l, (size_t)rows * vocab * 4), bi = upload(NULL, (size_t)rows * k * 4),
               bp = upload(NULL, (size_t)rows * k * 4);
    vkb_op op = {.kernel = VKB_KERNEL_TOPK, .bind = {vkb_bind(&bl), vkb_bind(&bi), vkb_bind(&bp)}, .writes = 6,
                 .indirect = -1};
    vkb_grid_rows(ctx, rows, op.groups);
    vkb_push_topk pc = {rows, vocab, k};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    download(&bi, ids, (size_t)rows * k * 4);
    download(&bp, probs, (size_t)rows * k * 4);
    int32_t *want = malloc(k * 4);
    double *want_probs = malloc(k * sizeof *want_probs);
    for (uint32_t r = 0; r < rows; ++r) {
        vkb_ref_topk(l + (size_t)r * vocab, vocab, k, want, want_probs);
        for (uint32_t j = 0; j < k; ++j) {
            int32_t got = ids[(size_t)r * k + j], best = want[j];
            double want_p = want_probs[j];
            CHECK(got == best, "topk rows=%u vocab=%u k=%u row %u rank %u: id %d, want %d", rows, vocab, k, r, j, got,
                  best);
            CHECK(fabs(probs[(size_t)r * k + j] - want_p) <= 1e-5 * want_p + 1e-9, "topk prob %g want %g",
                  probs[(size_t)r * k + j], want_p);
        }
    }
    vkb_buffer_destroy(ctx, &bl);
    vkb_buffer_destroy(ctx, &bi);
    vkb_buffer_destroy(ctx, &bp);
    free(l); free(probs); free(ids); free(want); free(want_probs);
}

/* pool: B sequences of S positions, each of its own length and skip, every mode. */
static void test_pool(uint32_t B, uint32_t S, uint32_t W, uint32_t mode, uint32_t seq0) {
    size_t T = (size_t)B * S, R = seq0 + B;
    float *h = malloc(T * W * 4), *out = malloc(R * W * 4);
    int32_t *tab = calloc(2 * R, 4);
    double *want = malloc(W * sizeof *want);
    for (size_t i = 0; i < T * W; ++i) h[i] = 4.0f * frand() - 2.0f;
    for (uint32_t b = 0; b < B; ++b) {
        uint32_t len = b == B - 1 && B > 1 ? 0 : 1 + (b * 7 + 3) % S; /* the last slot unused */
        tab[2 * (seq0 + b)] = (int32_t)len;
        tab[2 * (seq0 + b) + 1] = (int32_t)(len > 2 && b % 2 ? 1 + b % (len - 1) : 0); /* a prompt left out */
    }
    for (size_t i = 0; i < R * W; ++i) out[i] = 1e30f; /* rows before seq0 stay as they are */
    vkb_buffer bh = upload(h, T * W * 4), bt = upload(tab, 2 * R * 4), bo = upload(out, R * W * 4);
    vkb_op op = {.kernel = VKB_KERNEL_POOL, .spec = {mode}, .bind = {vkb_bind(&bh), vkb_bind(&bt), vkb_bind(&bo)},
                 .writes = 4, .indirect = -1, .groups = {(W + VKB_POOL_WG - 1) / VKB_POOL_WG, B, 1}};
    vkb_push_pool pc = {B, S, W, seq0};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    download(&bo, out, R * W * 4);
    for (uint32_t r = 0; r < seq0; ++r) CHECK(out[(size_t)r * W] == 1e30f, "pool wrote row %u before seq0 %u", r, seq0);
    for (uint32_t b = 0; b < B; ++b) {
        vkb_ref_pool(h + (size_t)b * S * W, (uint32_t)tab[2 * (seq0 + b)], (uint32_t)tab[2 * (seq0 + b) + 1], W, mode,
                     want);
        double e = 0;
        for (uint32_t c = 0; c < W; ++c) e = fmax(e, fabs(out[(size_t)(seq0 + b) * W + c] - want[c]));
        CHECK(e < 1e-5, "pool mode %u B=%u S=%u W=%u seq %u (length %d, skip %d): error %g", mode, B, S, W, b,
              tab[2 * (seq0 + b)], tab[2 * (seq0 + b) + 1], e);
    }
    vkb_buffer_destroy(ctx, &bh);
    vkb_buffer_destroy(ctx, &bt);
    vkb_buffer_destroy(ctx, &bo);
    free(h); free(out); free(tab); free(want);
}

static void test_l2norm(uint32_t rows, uint32_t W, bool zero_row) {
    float *x = malloc((size_t)rows * W * 4);
    double *want = malloc(W * sizeof *want);
    for (size_t i = 0; i < (size_t)rows * W; ++i) x[i] = 6.0f * frand() - 3.0f;
    if (zero_row) memset(x, 0, (size_t)W * 4); /* max(norm, 1e-12): zeros stay zeros, no NaN */
    vkb_buffer bx = upload(x, (size_t)rows * W * 4);
    vkb_op op = {.kernel = VKB_KERNEL_L2NORM, .bind = {vkb_bind(&bx)}, .writes = 1, .indirect = -1,
                 .groups = {(rows + VKB_L2NORM_WG - 1) / VKB_L2NORM_WG, 1, 1}};
    vkb_push_l2norm pc = {rows, W};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    float *got = malloc((size_t)rows * W * 4);
    download(&bx, got, (size_t)rows * W * 4);
    for (uint32_t r = 0; r < rows; ++r) {
        vkb_ref_l2norm(x + (size_t)r * W, W, want);
        double e = 0;
        for (uint32_t c = 0; c < W; ++c) e = fmax(e, fabs(got[(size_t)r * W + c] - want[c]));
        CHECK(e < 1e-6, "l2norm rows=%u W=%u row %u: error %g", rows, W, r, e);
    }
    vkb_buffer_destroy(ctx, &bx);
    free(x); free(got); free(want);
}

/* glu: both halves' layouts, every activation the gated MLPs use, a grid spread over two dimensions */
static void test_glu(uint32_t rows, uint32_t W, uint32_t act, bool second) {
    size_t n = (size_t)rows * W;
    float *x = malloc(n * 3 * 4), *want = malloc(n * 4), *got = malloc(n * 3 * 4);
    for (size_t i = 0; i < n * 3; ++i) x[i] = 8.0f * frand() - 4.0f;
    vkb_ref_glu(x, rows, W, act, second, want);
    vkb_buffer bx = upload(x, n * 3 * 4);
    vkb_op op = {.kernel = VKB_KERNEL_GLU, .spec = {act, second}, .bind = {vkb_bind(&bx)}, .writes = 1, .indirect = -1};
    vkb_grid_rows(ctx, (uint32_t)((n + VKB_GLU_WG - 1) / VKB_GLU_WG), op.groups);
    vkb_push_glu pc = {rows, W, (uint32_t)(2 * n)};
    memcpy(op.push, &pc, sizeof pc);
    run_op(&op);
    download(&bx, got, n * 3 * 4);
    /* relative to the largest output, or absolute below 1: a single output can be GELU's deep
     * negative tail (-2e-4 at -3.9), where the kernel's erf is accurate to 1e-7 but not 1e-6 of that */
    double e = 0, big = 1;
    for (size_t i = 0; i < n; ++i) {
        double d = fabs((double)got[2 * n + i] - want[i]);
        if (!(d <= e)) e = d; /* NaN propagates */
        big = fmax(big, fabs(want[i]));
    }
    e /= big;
    CHECK(e < 1e-6, "glu rows=%u W=%u act=%u second=%d: error %g", rows, W, act, second, e);
    CHECK(!memcmp(got, x, n * 2 * 4), "glu rows=%u W=%u: its input changed", rows, W);
    vkb_buffer_destroy(ctx, &bx);
    free(x); free(want); free(got);
}

int main(int argc, char **argv) {
    ctx = test_context(NULL);

    if (argc > 1 && !strcmp(argv[1], "--perf")) {
        const uint32_t shapes[][3] = {{128, 768, 768}, {128, 2304, 768}, {128, 3072, 768}, {128, 768, 3072}};
        for (int i = 0; i < 4; ++i) test_matmul_texel(shapes[i][0], shapes[i][1], shapes[i][2], 0, 0, 20, 0, 4);
        vkbert_context_destroy(ctx);
        return 0;
    }
    const uint32_t mm[][3] = {{1, 1, 1}, {1, 7, 3}, {3, 5, 7}, {16, 64, 32}, {17, 65, 33}, {33, 130, 70}, {9, 200, 64},
                              {70, 65, 20}};
    for (size_t i = 0; i < sizeof mm / sizeof mm[0]; ++i)
        for (uint32_t act = 0; act < 5; ++act) /* none, GELU, tanh, ReLU, tanh GELU */
            for (uint32_t accum = 0; accum < 2; ++accum) test_matmul(mm[i][0], mm[i][1], mm[i][2], act, accum);
    if (ctx->coop[3]) { /* the cooperative-matrix matmul, where this device and build have it */
        const uint32_t cm[][3] = {{1, 1, 1}, {1, 7, 3}, {3, 5, 7}, {8, 8, 8}, {16, 64, 32}, {17, 65, 33},
                                  {33, 130, 70}, {70, 65, 20}, {64, 96, 128}, {5, 300, 257}};
        for (size_t i = 0; i < sizeof cm / sizeof cm[0]; ++i)
            for (uint32_t act = 0; act < 5; ++act)
                for (uint32_t accum = 0; accum < 2; ++accum) {
                    bool f16w = ctx->storage16 && (act + accum + i) % 2;
                    test_matmul_coopmat(cm[i][0], cm[i][1], cm[i][2], act, accum, f16w, true, (act + i) % 3 == 1);
                }
        for (size_t i = 0; i < sizeof cm / sizeof cm[0]; ++i) /* unrounded inputs: the fp16 bar */
            test_matmul_coopmat(cm[i][0], cm[i][1], cm[i][2], 1, 1, ctx->storage16 && i % 2, false, i % 2 == 0);
        printf("matmul_coopmat: %ux%ux%u tiles, subgroups of %u: checked\n", ctx->coop[0], ctx->coop[1], ctx->coop[2],
               ctx->coop[3]);
    } else {
        printf("skip: matmul_coopmat: %s\n", ctx->coopmat_why);
    }
    if (vkbert_context_device(ctx)->subgroup_size == 8 && !ctx->min_limits) { /* subgroups: not in min mode */
        const uint32_t mt[][3] = {{1, 1, 4}, {3, 5, 8}, {8, 32, 16}, {9, 33, 20}, {17, 130, 68}, {33, 257, 128}};
        for (size_t i = 0; i < sizeof mt / sizeof mt[0]; ++i)
            for (uint32_t act = 0; act < 2; ++act)
                for (uint32_t accum = 0; accum < 2; ++accum)
                    test_matmul_texel(mt[i][0], mt[i][1], mt[i][2], act, accum, 1, (act + accum + (uint32_t)i) % 2,
                                      1 + act * 2 + accum); /* every row-group count on every shape */
        /* tanh (pooler, Dense), ReLU (pre_classifier), tanh GELU (ALBERT's gelu_new) */
        for (size_t i = 0; i < sizeof mt / sizeof mt[0]; ++i)
            for (uint32_t act = 2; act < 5; ++act)
                test_matmul_texel(mt[i][0], mt[i][1], mt[i][2], act, 0, 1, 0, act - 1);
    }
    const uint32_t ln[][2] = {{1, 1}, {1, 7}, {1, 4}, {3, 128}, {5, 129}, {130, 300}, {9, 1024}, {2, 768}};
    for (size_t i = 0; i < sizeof ln / sizeof ln[0]; ++i) test_layernorm(ln[i][0], ln[i][1]);
    test_attention(1, 1, 1, 8, 0);
    test_attention(2, 5, 3, 16, 1);
    test_attention(3, 9, 2, 4, 1);
    test_attention(1, 70, 2, 64, 0);
    test_attention(2, 67, 2, 32, 1);
    test_attention(2, 6, 2, 8, 2); /* a sequence whose keys are all masked */
    test_attention(1, 512, 1, 64, 1); /* the longest BERT sequence, several key blocks */
    test_attention(2, 512, 2, 128, 1);
    test_attention(1, 300, 1, 256, 0); /* the largest head size: blocks of 8 keys */
    /* rotary positions (ModernBERT, NomicBERT) and local windows (ModernBERT's local layers):
     * windows that cross the 64-query workgroups and the key blocks, a window wider than the
     * sequence, partial rotation (NomicBERT's rotary_emb_fraction; 12 of 16: storage kernel only) */
    test_attention_local(1, 300, 2, 64, 0, 64, 64, false);
    test_attention_local(2, 129, 2, 16, 1, 8, 16, false);
    test_attention_local(2, 200, 1, 32, 1, 16, 0, false);
    test_attention_local(1, 20, 2, 16, 0, 64, 16, false);
    test_attention_local(2, 40, 2, 16, 1, 0, 8, false);
    test_attention_local(2, 33, 3, 16, 1, 0, 12, false);
    test_attention_local(3, 70, 2, 8, 2, 4, 8, false);
    /* ALiBi (JinaBERT): its slopes against the paper's values (8 heads: 2^-1 .. 2^-8; 12 heads:
     * those, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5; 3 heads: 2^-4, 2^-8, 2^-2), then the kernels with
     * power-of-two and other head counts, padding, a sequence over several key blocks */
    {
        static const double want12[12] = {0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625,
                                          0.70710678118654752, 0.35355339059327376, 0.17677669529663688,
                                          0.08838834764831845};
        static const double want3[3] = {0.0625, 0.00390625, 0.25};
        for (uint32_t h = 0; h < 12; ++h)
            CHECK(fabs(vkb_ref_alibi_slope(h, 12) - want12[h]) < 1e-15 &&
                      (h >= 8 || fabs(vkb_ref_alibi_slope(h, 8) - want12[h]) < 1e-15),
                  "ALiBi slope of head %u: %g (of 12), %g (of 8)", h, vkb_ref_alibi_slope(h, 12), vkb_ref_alibi_slope(h, 8));
        for (uint32_t h = 0; h < 3; ++h)
            CHECK(fabs(vkb_ref_alibi_slope(h, 3) - want3[h]) < 1e-15, "ALiBi slope of head %u of 3: %g", h,
                  vkb_ref_alibi_slope(h, 3));
    }
    test_attention_local(2, 67, 8, 8, 1, 0, 0, true);
    test_attention_local(2, 40, 12, 8, 1, 0, 0, true);
    test_attention_local(1, 300, 3, 16, 0, 0, 0, true);
    test_attention_local(3, 9, 1, 32, 2, 0, 0, true);
    test_embed(1, 1, 1, 3, 1, 1, 0);
    test_embed(2, 5, 33, 50, 8, 2, 0);
    test_embed(3, 7, 130, 11, 16, 3, 0);
    /* RoBERTa's positions (padding_idx 1, and 0); S over the 128 lanes of one workgroup */
    test_embed(3, 7, 33, 50, 9, 1, 2);
    test_embed(2, 300, 20, 40, 302, 1, 2);
    test_embed(2, 6, 16, 11, 8, 1, 1);
    test_gather(1, 1, 1);
    test_gather(10, 7, 33);
    test_gather(100, 130, 257);
    test_topk(1, 1, 1, false);
    test_topk(3, 7, 5, false);
    test_topk(2, 300, 64, true);
    test_topk(2, 30522, 5, false);
    for (uint32_t mode = 1; mode <= 5; ++mode) { /* CLS, mean, max, mean_sqrt_len, last */
        test_pool(1, 1, 1, mode, 0);
        test_pool(4, 9, 33, mode, 0);
        test_pool(5, 17, 130, mode, 3);
    }
    test_l2norm(1, 1, false);
    test_l2norm(3, 384, true);
    test_l2norm(130, 33, false);
    test_glu(1, 1, VKB_ACT_GELU, false);
    test_glu(37, 96, VKB_ACT_GELU, false);     /* ModernBERT's GeGLU */
    test_glu(5, 50, VKB_ACT_GELU_TANH, false);
    test_glu(9, 64, VKB_ACT_SILU, true);       /* NomicBERT's SwiGLU */
    test_glu(600, 1152, VKB_ACT_GELU, false);  /* more workgroups than a small maxComputeWorkGroupCount; 8.3 MB
                                                * (test.sh's mode pass: VKBERT_MAX_BUFFER_BYTES=8M) */
    check_no_validation(ctx);
    vkbert_context_destroy(ctx);
    return test_finish("test_kernels");
}
