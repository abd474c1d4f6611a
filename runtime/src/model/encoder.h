/* Shared builder pieces of the encoders: what a family's build_layer records, per chunk of
 * sequences, into the session's graph. */
#ifndef VKB_ENCODER_H
#define VKB_ENCODER_H

#include "model/model.h"
#include "ops/ops.h"

typedef struct vkb_encoder {
    vkb_graph *g;
    const vkbert_model *m;
    const vkb_buffer *input;   /* int32 ids [T], types [T], mask [T] */
    const vkb_buffer *h;       /* hidden states [T, H], updated in place */
    const vkb_buffer *qkv, *attn, *inter;   /* scratch [T, 3H], [T, H], [T, I] */
    uint32_t seqs, seq;        /* T = seqs * seq */
    const vkb_buffer *probs;   /* NULL, or layer probs_layer's attention probabilities [seqs, heads, seq, seq] */
    uint32_t probs_layer;
} vkb_encoder;

/* Embedding sum and LayerNorm into e->h. */
vkbert_status vkb_encoder_embed(const vkb_encoder *e);
/* One post-norm layer (BERT's): h = LN(h + attn(h) Wo + bo); h = LN(h + gelu(h W1 + b1) W2 + b2). */
vkbert_status vkb_encoder_post_norm_layer(const vkb_encoder *e, uint32_t layer);

#endif
