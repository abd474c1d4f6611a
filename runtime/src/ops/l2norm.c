/* L2 normalisation of embedding rows in place (sentence-transformers' Normalize). */
#include "ops/ops.h"

#include <string.h>

vkbert_status vkb_op_l2norm(vkb_graph *g, const vkb_buffer *x, uint32_t rows, uint32_t width) {
    vkb_op op = {.kernel = VKB_KERNEL_L2NORM, .bind = {vkb_bind(x)}, .writes = 1u << 0, .indirect = -1,
                 .kind = VKB_OP_L2NORM, .layer = -1, .flops = 3.0 * rows * width};
    op.groups[0] = vkb_div_up(rows, VKB_L2NORM_WG);
    op.groups[1] = 1;
    op.groups[2] = 1;
    vkb_push_l2norm pc = {rows, width};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(g->ctx, g->prog, &op);
}
