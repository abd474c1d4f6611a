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
    /* rotary families: the global and local layers' cos/sin tables in the input buffer (elements;
     * vkb_rope_tables) */
    uint32_t rope_global, rope_local;
    /* the FFN runs in slices of this many tokens (its scratch holds one slice: a long sequence whose
     * [T, 3I] gated activations exceed a binding); T = one slice in the usual case */
    uint32_t ffn_rows;
} vkb_encoder;

/* The rotary tables a session's input buffer holds after ids, types and mask: per table and
 * position p < seq, rope / 2 cosines then rope / 2 sines of p * theta^(-2i / rope), computed in
 * float32 as Hugging Face's rotary embedding does. Returns the floats they take (0: the family
 * has no rotary positions); with `out`, writes them, the global layers' first. */
size_t vkb_rope_tables(const vkbert_model *m, uint32_t seq, float *out);
/* Rotated dimensions per head (0: none). */
uint32_t vkb_rope_dims(const vkbert_model *m);

/* Embedding sum and LayerNorm into e->h. */
vkbert_status vkb_encoder_embed(const vkb_encoder *e);
/* One post-norm layer (BERT's): h = LN(h + attn(h) Wo + bo); h = LN(h + gelu(h W1 + b1) W2 + b2). */
vkbert_status vkb_encoder_post_norm_layer(const vkb_encoder *e, uint32_t layer);
/* One pre-norm layer (ModernBERT's): h += attn(LN1(h)) Wo + bo (no LN1 at layer 0 where the family
 * says so); h += glu(LN2(h) W1 + b1) W2 + b2, the glu in the FFN scratch past W1's output;
 * attention with the family's rotary positions, local on the layers that are not global. */
vkbert_status vkb_encoder_pre_norm_layer(const vkb_encoder *e, uint32_t layer);
/* The norm after the last layer, in place. */
vkbert_status vkb_encoder_final_norm(const vkb_encoder *e);
/* Whether layer `layer` attends globally (every layer in a family without local attention). */
bool vkb_layer_global(const vkbert_model_config *c, uint32_t layer);

#endif
