/* LayerNorm, in place or into another buffer: layernorm (a workgroup per row) or, on CPU-class devices,
 * layernorm_rows (a row per invocation, VKB_LAYERNORM_ROWS_PER_GROUP rows per workgroup),
 * layernorm_texel where x also has a texel view (matmul_texel's inputs): the same, reading
 * x as texels. */
#include "ops/ops.h"

#include <string.h>

vkbert_status vkb_op_layernorm(vkb_graph *g, uint8_t kind, int layer, const vkb_buffer *x, const vkb_buffer *params,
                               uint32_t rows, uint32_t width, float eps, bool live) {
    return vkb_op_layernorm_to(g, kind, layer, x, x, params, rows, width, eps, live);
}

vkbert_status vkb_op_layernorm_to(vkb_graph *g, uint8_t kind, int layer, const vkb_buffer *x, const vkb_buffer *y,
                                  const vkb_buffer *params, uint32_t rows, uint32_t width, float eps, bool live) {
    int32_t indirect = live ? vkb_graph_slot(g, VKB_SLOT_ONE_PER_ROW, 0, rows, 0) : -1;
    if (live && indirect < 0) return vkb_fail(g->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    /* not for live head rows: their indirect slot gives one workgroup per live row */
    bool per_lane = g->ctx->rows_per_lane && !live;
    bool texel = per_lane && x->view && width % 4 == 0;
    vkb_op op = {.kernel = texel ? VKB_KERNEL_LAYERNORM_TEXEL : per_lane ? VKB_KERNEL_LAYERNORM_ROWS : VKB_KERNEL_LAYERNORM,
                 .bind = {texel ? vkb_bind_view(x) : vkb_bind(x), vkb_bind(params), vkb_bind(y)},
                 .writes = 1u << 2, .indirect = indirect, .kind = kind,
                 .layer = (int16_t)layer, .flops = 8.0 * width * (live ? 1.0 : rows)};
    vkb_grid_rows(g->ctx, per_lane ? vkb_div_up(rows, VKB_LAYERNORM_ROWS_PER_GROUP) : rows, op.groups);
    vkb_push_layernorm pc = {rows, width, eps};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(g->ctx, g->prog, &op);
}
