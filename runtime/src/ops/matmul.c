/* Linear layers: Y (+)= act(X W^T + b). The variant follows the weight's layout (chosen at
 * load time by the context's policy): matmul_texel for repacked weights read as texels,
 * matmul_coopmat on GPUs with cooperative matrices, matmul_tiled on other GPUs, matmul
 * (storage buffers) everywhere else; fp16 weights have their own variants. */
#include "ops/ops.h"

#include <string.h>

static bool is_tiled(uint32_t kernel) {
    return kernel == VKB_KERNEL_MATMUL_TILED || kernel == VKB_KERNEL_MATMUL_TILED_F16W ||
           kernel == VKB_KERNEL_MATMUL_TILED_F16A;
}

/* matmul_texel's row groups per subgroup for m rows: as many as m fills, up to the
 * context's (4 unless tuned). Head dispatches (few live rows among a large capacity) use 1
 * instead. */
static uint32_t texel_row_groups(const vkbert_context *ctx, uint32_t m) {
    uint32_t rg = vkb_div_up(m, VKB_TEXEL_ROW_GROUP);
    return rg < 1 ? 1 : rg > ctx->texel_rg ? ctx->texel_rg : rg;
}

static bool is_coopmat(uint32_t kernel) {
    return kernel == VKB_KERNEL_MATMUL_COOPMAT || kernel == VKB_KERNEL_MATMUL_COOPMAT_F16W;
}

VkDispatchIndirectCommand vkb_matmul_groups(const vkbert_context *ctx, uint32_t kernel, uint32_t m, uint32_t n,
                                            uint32_t rg) {
    if (is_coopmat(kernel)) /* 2 x 2 subgroups of 2 x 2 tiles of CM x CN */
        return (VkDispatchIndirectCommand){vkb_div_up(n, 4 * ctx->coop[1]), vkb_div_up(m, 4 * ctx->coop[0]), 1};
    if (is_tiled(kernel))
        return (VkDispatchIndirectCommand){vkb_div_up(n, ctx->tile[0] * ctx->tile[3]),
                                           vkb_div_up(m, ctx->tile[1] * ctx->tile[2]), 1};
    if (kernel == VKB_KERNEL_MATMUL_TEXEL)
        return (VkDispatchIndirectCommand){vkb_div_up(n, VKB_TEXEL_COLS_PER_GROUP),
                                           vkb_div_up(m, VKB_TEXEL_ROW_GROUP * rg), 1};
    /* matmul and matmul_f16w share their tiling */
    return (VkDispatchIndirectCommand){vkb_div_up(n, VKB_MATMUL_WG_X * VKB_MATMUL_TN),
                                       vkb_div_up(m, VKB_MATMUL_WG_Y * VKB_MATMUL_TM), 1};
}

static uint32_t choose_kernel(const vkbert_context *ctx, const vkb_buffer *w0, bool texel) {
    if (texel) return VKB_KERNEL_MATMUL_TEXEL;
    if (ctx->matmul_coopmat) return w0->f16 ? VKB_KERNEL_MATMUL_COOPMAT_F16W : VKB_KERNEL_MATMUL_COOPMAT;
    if (ctx->matmul_tiled)
        return !w0->f16 ? VKB_KERNEL_MATMUL_TILED : ctx->fp16_arith ? VKB_KERNEL_MATMUL_TILED_F16A
                                                                   : VKB_KERNEL_MATMUL_TILED_F16W;
    return w0->f16 ? VKB_KERNEL_MATMUL_F16W : VKB_KERNEL_MATMUL;
}

vkbert_status vkb_op_matmul(vkb_graph *g, uint8_t kind, int layer, const vkb_buffer *x, uint32_t x_row0,
                            const vkb_split *w, const vkb_buffer *b, const vkb_buffer *y, uint32_t m, uint32_t n,
                            uint32_t k, uint32_t act, uint32_t accum, vkb_rows rows) {
    return vkb_op_matmul_rows(g, kind, layer, x, x_row0, w, b, y, 0, m, n, k, act, accum, rows);
}

vkbert_status vkb_op_matmul_rows(vkb_graph *g, uint8_t kind, int layer, const vkb_buffer *x, uint32_t x_row0,
                                 const vkb_split *w, const vkb_buffer *b, const vkb_buffer *y, uint32_t y_row0,
                                 uint32_t m, uint32_t n, uint32_t k, uint32_t act, uint32_t accum, vkb_rows rows) {
    const vkbert_context *ctx = g->ctx;
    const vkb_buffer *w0 = &w->part[0];
    bool texel = w0->view && x->view;
    /* a weight not repacked (the tied decoder's embedding table) is read as it is, row-major */
    uint32_t row_major = !w->rows8;
    uint32_t kernel = choose_kernel(ctx, w0, texel);
    for (uint32_t p = 0; p < w->count; ++p) {
        const vkb_buffer *wp = &w->part[p];
        uint32_t n0 = p * w->part_rows, np = vkb_split_part_count(w, p);
        int32_t indirect = -1;
        if (rows.live && (indirect = vkb_graph_slot(g, kernel, rows.row0, m, np)) < 0)
            return vkb_fail(g->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        uint32_t rg = rows.live ? 1 : texel_row_groups(ctx, m);
        vkb_op op = {.kernel = kernel,
                     .spec = {act, accum, row_major, texel ? rg : ctx->tile[0], ctx->tile[1], ctx->tile[2],
                              ctx->tile[3]},
                     .bind = {texel ? vkb_bind_view(x) : vkb_bind(x), texel ? vkb_bind_view(wp) : vkb_bind(wp),
                              vkb_bind(b), vkb_bind(y)},
                     .writes = 1u << 3, .indirect = indirect, .kind = kind, .layer = (int16_t)layer,
                     .flops = 2.0 * np * k * (rows.live ? 1.0 : m)};
        if (is_coopmat(kernel)) { /* ACT, ACCUM, subgroup size, CM, CN, CK, workgroup size */
            uint32_t cs[7] = {act, accum, ctx->coop[3], ctx->coop[0], ctx->coop[1], ctx->coop[2], 4 * ctx->coop[3]};
            memcpy(op.spec, cs, sizeof cs);
        }
        VkDispatchIndirectCommand gr = vkb_matmul_groups(ctx, kernel, m, np, rg);
        op.groups[0] = gr.x;
        op.groups[1] = gr.y;
        op.groups[2] = 1;
        vkb_push_matmul pc = {m, np, k, x_row0 * k, 0, n0, y_row0 * n + n0, n};
        memcpy(op.push, &pc, sizeof pc);
        vkbert_status st = vkb_program_add(g->ctx, g->prog, &op);
        if (st) return st;
    }
    return VKBERT_OK;
}
