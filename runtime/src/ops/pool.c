/* Pooling of a chunk's final hidden states into one row per sequence (sentence embeddings,
 * the classifiers' [CLS] row): one column per invocation, one sequence per workgroup row. */
#include "ops/ops.h"

#include <string.h>

vkbert_status vkb_op_pool(vkb_graph *g, const vkb_buffer *hidden, const vkb_buffer *seqtab, const vkb_buffer *out,
                          uint32_t mode, uint32_t seqs, uint32_t seq, uint32_t width, uint32_t seq0) {
    vkb_op op = {.kernel = VKB_KERNEL_POOL, .spec = {mode}, .bind = {vkb_bind(hidden), vkb_bind(seqtab), vkb_bind(out)},
                 .writes = 1u << 2, .indirect = -1, .kind = VKB_OP_POOL, .layer = -1,
                 .flops = (double)seqs * seq * width};
    op.groups[0] = vkb_div_up(width, VKB_POOL_WG);
    op.groups[1] = seqs;
    op.groups[2] = 1;
    vkb_push_pool pc = {seqs, seq, width, seq0};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(g->ctx, g->prog, &op);
}
