/* Embedding sum and its LayerNorm in one kernel (embed_ln); with the word table in parts,
 * one copy per part (mode 1) and then the sum and normalisation (mode 2). */
#include "ops/ops.h"

#include <string.h>

vkbert_status vkb_op_embed_ln(vkb_graph *g, const vkb_buffer *input, const vkb_split *we, const vkb_buffer *aux,
                           const vkb_buffer *out, vkb_embed_shape e) {
    bool split = we->count > 1;
    vkbert_status st;
    for (uint32_t p = 0; p <= (split ? we->count : 0); ++p) {
        bool finish = !split || p == we->count;
        uint32_t mode = !split ? 0 : finish ? 2 : 1;
        vkb_op op = {.kernel = VKB_KERNEL_EMBED_LN, .spec = {mode},
                     .bind = {vkb_bind_range(input, 0, (VkDeviceSize)e.tokens * 3 * 4), vkb_bind(&we->part[finish ? 0 : p]),
                              vkb_bind(aux), vkb_bind(out)},
                     .writes = 1u << 3, .indirect = -1, .kind = VKB_OP_EMBED, .layer = -1,
                     .flops = finish ? 11.0 * e.tokens * e.hidden : 0.0};
        vkb_grid_rows(g->ctx, e.tokens, op.groups);
        vkb_push_embed pc = {e.tokens, e.seq, e.hidden, mode == 1 ? vkb_split_part_count(we, p) : e.vocab,
                             e.positions, e.types, e.eps, mode == 1 ? p * we->part_rows : 0, e.pos_offset};
        memcpy(op.push, &pc, sizeof pc);
        if ((st = vkb_program_add(g->ctx, g->prog, &op))) return st;
    }
    return VKBERT_OK;
}
