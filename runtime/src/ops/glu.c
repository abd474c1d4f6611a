/* The gated MLPs' product (GeGLU, SwiGLU): one elementwise op after the matmul that makes both
 * halves, writing into the same buffer past them. */
#include "ops/ops.h"

#include <string.h>

vkbert_status vkb_op_glu(vkb_graph *g, int layer, const vkb_buffer *x, uint32_t rows, uint32_t width, uint32_t y_offset,
                         uint32_t act, bool second) {
    uint64_t n = (uint64_t)rows * width;
    vkb_op op = {.kernel = VKB_KERNEL_GLU, .spec = {act, second}, .bind = {vkb_bind(x)}, .writes = 1u << 0,
                 .indirect = -1, .kind = VKB_OP_GLU, .layer = (int16_t)layer, .flops = 2.0 * (double)n};
    vkb_grid_rows(g->ctx, (uint32_t)((n + VKB_GLU_WG - 1) / VKB_GLU_WG), op.groups);
    vkb_push_glu pc = {rows, width, y_offset};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(g->ctx, g->prog, &op);
}
