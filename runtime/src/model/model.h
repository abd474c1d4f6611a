/* The model object: the family, the encoder's weights, and the heads' weights. Shared by
 * model/, heads/ and session/. */
#ifndef VKB_MODEL_H
#define VKB_MODEL_H

#include "vkb_internal.h"
#include "model/arch.h"
#include "formats/st_config.h"

/* Linear weights [n, k] and the word-embedding table are split tensors: in parts of whole
 * rows when they are larger than one binding (vkb_split). Biases and LayerNorm parameters
 * are single buffers. */
typedef struct vkb_layer {
    vkb_split qkv_w;    /* [3H, H]: query, key, value rows stacked (one fused matmul) */
    vkb_buffer qkv_b;   /* [3H] */
    vkb_split out_w;    /* [H, H] */
    vkb_buffer out_b;   /* [H] */
    vkb_buffer ln1;     /* [2, H]: gamma, beta */
    vkb_split ffn1_w;   /* [I, H] */
    vkb_buffer ffn1_b;  /* [I] */
    vkb_split ffn2_w;   /* [H, I] */
    vkb_buffer ffn2_b;  /* [H] */
    vkb_buffer ln2;     /* [2, H] */
} vkb_layer;
/* A layer's FFN: ffn1_w is [2I, H] in a gated MLP (arch->gated_mlp), ln1 empty (size 0) at layer 0
 * of a family whose first attention norm is the identity. */

struct vkbert_model {
    vkbert_context *ctx;
    const vkb_arch *arch;
    vkbert_model_config config;
    vkbert_tokenizer *tokenizer;
    int32_t mask_id;       /* the head's rows in VKBERT_HEAD_MASKED mode: [MASK], or 103 (BERT's) for random models */
    uint32_t type_rows;    /* rows of the token-type table: type_vocab_size, or 1 (zeros) without token types */
    vkb_split word_emb;    /* [V, E] row-major (E = embedding_size); also the tied MLM decoder weight */
    vkb_buffer emb_aux;    /* [P, E] positions, [type_rows, E] token types, [E] gamma, [E] beta */
    vkb_split emb_proj_w;  /* [H, E]: the embeddings' projection to hidden_size (count 0: none, E == H) */
    vkb_buffer emb_proj_b; /* [H] */
    uint32_t pos_rows;     /* rows of the position table in emb_aux: max_position_embeddings, or 1 (zeros)
                              in a family without position embeddings */
    vkb_buffer final_ln;   /* [2, H]: the norm after the last layer (arch->build_final), or empty */
    uint64_t absent;       /* 1 << slot for each slot config.json says the checkpoint lacks (zeros) */
    uint32_t cls_pooling;  /* the sequence classifier's pooling: VKBERT_POOLING_CLS or _MEAN */
    vkb_layer *layers;     /* layer_sets of them: one per layer, or one shared by all (arch->shared_layers) */
    uint32_t layer_sets;
    uint32_t act;          /* VKB_ACT_* of config.hidden_act: the FFN's activation */
    void *mlm;             /* the MLM head's weights (heads/head_mlm.c), NULL without one */
    void *embed;           /* the embedding head's (a Dense module; heads/head_embed.c), NULL without one */
    void *seqcls;          /* the classification head's (heads/head_seqcls.c), NULL without one */
    void *tokcls;          /* the token classifier's (heads/head_tokcls.c), NULL without one */
    void *qa;              /* question answering's qa_outputs (heads/head_qa.c), NULL without one */
    bool token_arch;       /* config.json's architectures names a *ForTokenClassification class */
    vkb_st_config st;      /* sentence-transformers' files (defaults without them) */
    char **labels;         /* id2label, in id order */
    uint32_t label_count;
    bool multi_label;      /* problem_type multi_label_classification */
    uint64_t device_bytes;
};

/* The recorded program of a session (tests check its barrier plan). */
const vkb_program *vkb_session_program(const vkbert_session *s);
/* How many chunks of sequences the session's activations run in (tests). */
uint32_t vkb_session_chunks(const vkbert_session *s);

#endif
