/* Row gather: the rows a head reads (every [MASK], every token, ...) copied out of the hidden
 * states, one workgroup per live row. */
#include "ops/ops.h"

#include <string.h>

vkbert_status vkb_op_gather(vkb_graph *g, const vkb_buffer *src, uint32_t src_rows, uint32_t src_row0,
                            const vkb_buffer *index, const vkb_buffer *out, uint32_t rows, uint32_t width) {
    int32_t slot = vkb_graph_slot(g, VKB_SLOT_ONE_PER_ROW, 0, rows, 0);
    if (slot < 0) return vkb_fail(g->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkb_op op = {.kernel = VKB_KERNEL_GATHER, .bind = {vkb_bind(src), vkb_bind(index), vkb_bind(out)},
                 .writes = 1u << 2, .indirect = slot, .kind = VKB_OP_HEAD_GATHER, .layer = -1};
    vkb_push_gather pc = {rows, width, 0, src_rows, src_row0};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(g->ctx, g->prog, &op);
}
