/* Softmax top-k per row of logits, one workgroup per live row. */
#include "ops/ops.h"

#include <string.h>

vkbert_status vkb_op_topk(vkb_graph *g, const vkb_buffer *logits, uint32_t row0, uint32_t rows, uint32_t vocab,
                          uint32_t k, const vkb_buffer *ids, const vkb_buffer *probs) {
    int32_t slot = vkb_graph_slot(g, VKB_SLOT_ONE_PER_ROW, row0, rows, 0);
    if (slot < 0) return vkb_fail(g->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkb_op op = {.kernel = VKB_KERNEL_TOPK, .bind = {vkb_bind(logits), vkb_bind(ids), vkb_bind(probs)},
                 .writes = (1u << 1) | (1u << 2), .indirect = slot, .kind = VKB_OP_TOPK, .layer = -1,
                 .flops = (double)(k + 2) * vocab};
    vkb_push_topk pc = {rows, vocab, k, row0};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(g->ctx, g->prog, &op);
}
