/* Self-attention with online softmax (the S x S scores are never stored): attention_texel
 * where qkv has a texel view (CPU-class devices) and any rotation is of whole texels, attention
 * otherwise; their _probs variants
 * (the same kernels with PROBS) also write the probabilities to `probs` for the pictures. */
#include "ops/ops.h"

#include <math.h>
#include <string.h>

vkbert_status vkb_op_attention(vkb_graph *g, int layer, const vkb_buffer *qkv, const vkb_buffer *input,
                               const vkb_buffer *out, const vkb_buffer *probs, vkb_attention_shape a) {
    uint32_t D = a.hidden / a.heads, T = a.seqs * a.seq;
    /* the texel kernel rotates whole texels */
    bool texel = qkv->view != VK_NULL_HANDLE && a.rope % 8 == 0;
    uint32_t k = probs ? (texel ? VKB_KERNEL_ATTENTION_TEXEL_PROBS : VKB_KERNEL_ATTENTION_PROBS)
                            : (texel ? VKB_KERNEL_ATTENTION_TEXEL : VKB_KERNEL_ATTENTION);
    vkb_op op = {.kernel = k, .spec = {D},
                 .bind = {texel ? vkb_bind_view(qkv) : vkb_bind(qkv), vkb_bind(input), vkb_bind(out),
                          probs ? vkb_bind(probs) : (vkb_binding){0}},
                 .writes = 1u << 2 | (probs ? 1u << 3 : 0), .groups = {vkb_div_up(a.seq, VKB_ATTENTION_QUERIES), a.heads, a.seqs},
                 .indirect = -1, .kind = VKB_OP_ATTENTION, .layer = (int16_t)layer,
                 /* q.k and p.v: 2 x 2 FLOP per (query, key, dimension) */
                 .flops = 4.0 * a.seqs * a.heads * (double)a.seq * a.seq * D};
    vkb_push_attention pc = {a.seq, a.hidden, a.heads, T, 2 * T, 1.0f / sqrtf((float)D),
                             a.window ? a.window : VKB_ATTENTION_GLOBAL, a.rope, a.rope_offset, a.alibi};
    if (a.window) { /* each workgroup's queries see 64 + 2 x window keys at most */
        double keys = a.seq < VKB_ATTENTION_QUERIES + 2.0 * a.window ? a.seq : VKB_ATTENTION_QUERIES + 2.0 * a.window;
        op.flops = 4.0 * a.seqs * a.heads * (double)a.seq * keys * D;
    }
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(g->ctx, g->prog, &op);
}
