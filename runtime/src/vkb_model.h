/* The model and session objects, shared by model.c and session.c. */
#ifndef VKB_MODEL_H
#define VKB_MODEL_H

#include "vkb_internal.h"

typedef struct vkb_layer {
    vkb_buffer qkv_w;   /* [3H, H]: query, key, value rows stacked (one fused matmul) */
    vkb_buffer qkv_b;   /* [3H] */
    vkb_buffer out_w, out_b;     /* [H, H], [H] */
    vkb_buffer ln1;              /* [2, H]: gamma, beta */
    vkb_buffer ffn1_w, ffn1_b;   /* [I, H], [I] */
    vkb_buffer ffn2_w, ffn2_b;   /* [H, I], [H] */
    vkb_buffer ln2;              /* [2, H] */
} vkb_layer;

struct vkbert_model {
    vkbert_context *ctx;
    vkbert_model_config config;
    vkbert_tokenizer *tokenizer;
    int32_t mask_id;       /* the head's rows in VKBERT_HEAD_MASKED mode: [MASK], or 103 (BERT's) for random models */
    vkb_buffer word_emb;   /* [V, H]; also the tied MLM decoder weight */
    vkb_buffer emb_aux;    /* [P, H] positions, [T, H] token types, [H] gamma, [H] beta */
    vkb_layer *layers;
    bool has_head;
    vkb_buffer head_w, head_b, head_ln;  /* MLM transform: [H, H], [H], [2, H] */
    vkb_buffer decoder_w;  /* [V, H] only when not tied to word_emb */
    vkb_buffer decoder_b;  /* [V] */
    uint64_t device_bytes;
};

/* The recorded program of a session (tests check its barrier plan). */
const vkb_program *vkb_session_program(const vkbert_session *s);

#endif
