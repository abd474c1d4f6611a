/* The head seam. The session records the encoder, then either gathers the rows a gathering head
 * reads (which rows: every [MASK], every token, ...; session/) or hands a pooling head every
 * chunk's final hidden states with the sequence table (lengths, pooling skips), and then the
 * head's ops (which head: heads/head_<name>.c). A head owns its tensors, buffers, readback
 * copies and readers; the session never names them. */
#ifndef VKB_HEAD_H
#define VKB_HEAD_H

#include "model/weights.h"
#include "ops/ops.h"

/* What a head gets in a session: the gathered rows it reads. */
typedef struct vkb_head_input {
    vkbert_context *ctx;
    const struct vkbert_model *model;
    const void *weights;        /* from load */
    const vkb_buffer *x;        /* [rows, hidden]: the gathered rows (a texel view where the texel matmul reads) */
    uint32_t rows;              /* capacity; each encode fills the first live ones */
    uint32_t top_k;
    bool keep_logits;
    /* pooling heads (gathers false): the chunks' hidden states [chunk_seqs * seq, hidden] each,
     * the sequence table (int32 length, skip per sequence), the pooling mode and normalisation */
    const vkb_buffer *hidden;
    uint32_t chunks, chunk_seqs, seq;
    const vkb_buffer *seqtab;
    uint32_t pooling;           /* VKBERT_POOLING_*, resolved */
    bool normalize;
} vkb_head_input;

typedef struct vkb_head_class {
    const char *name;
    bool gathers;               /* reads the gathered rows (x), not the chunks */
    /* Loads the head's tensors through the family's names; *weights stays NULL when the
     * checkpoint has no such head. */
    vkbert_status (*load)(vkb_loader *L, bool tied, void **weights);
    void (*free_weights)(vkbert_context *ctx, void *weights);
    /* Session part: buffers for in->rows rows; then its ops into the graph (indirect, sized
     * per encode to the live rows) and its readback copies (NULL `out`: the count). */
    vkbert_status (*create)(const vkb_head_input *in, void **state);
    vkbert_status (*build)(void *state, vkb_graph *g);
    uint32_t (*copies)(const void *state, vkb_copy *out);
    uint64_t (*device_bytes)(const void *state);
    void (*destroy)(vkbert_context *ctx, void *state);
    /* Pooling heads: sequence `seq`'s output row of the last encode (width floats). */
    vkbert_status (*read)(const void *state, uint32_t seq, float *dst, size_t capacity, size_t *needed);
} vkb_head_class;

extern const vkb_head_class vkb_head_mlm;
extern const vkb_head_class vkb_head_embed;   /* heads/head_embed.c: pool, Dense, normalise */
extern const vkb_head_class vkb_head_seqcls;  /* heads/head_seqcls.c: pooler + classifier */
extern const vkb_head_class vkb_head_tokcls;  /* heads/head_tokcls.c: a classifier on every token */
extern const vkb_head_class vkb_head_qa;      /* heads/head_qa.c: start/end logits on every token */

/* The floats per sequence a pooling head's weights give: the Dense's out_features or hidden_size
 * (embed), the labels (seqcls). */
uint32_t vkb_embed_width(const struct vkbert_model *m);

/* head_tokcls.c: a linear layer of n outputs on every gathered row, shared by the token
 * classifier and question answering's qa_outputs (head_qa.c). */
typedef struct vkb_token_linear {
    vkb_split w;        /* [n, k] */
    vkb_buffer b;       /* [n] */
    uint32_t n, k;      /* outputs per token, hidden_size */
    /* the family's per-token transform before it (vkb_arch.token_transform: ModernBERT's head.dense,
     * activation, head.norm); dense_w.count 0: none */
    vkb_split dense_w;  /* [k, k] */
    vkb_buffer dense_b, ln;
    uint32_t act;
} vkb_token_linear;
/* Loads slots wslot [n, H] and bslot [n]; `what` names them in messages. */
vkbert_status vkb_token_linear_load(vkb_loader *L, vkb_tensor wslot, vkb_tensor bslot, uint32_t n, const char *what,
                                    void **out);
void vkb_token_linear_free(vkbert_context *ctx, void *weights);
vkbert_status vkb_token_head_create(const vkb_head_input *in, void **state);
vkbert_status vkb_token_head_build(void *state, vkb_graph *g);
uint32_t vkb_token_head_copies(const void *state, vkb_copy *out);
uint64_t vkb_token_head_device_bytes(const void *state);
void vkb_token_head_destroy(vkbert_context *ctx, void *state);
/* `count` head rows from `row0` of the last encode: count * n floats. */
vkbert_status vkb_token_read(const void *state, uint32_t row0, uint32_t count, float *dst, size_t capacity,
                             size_t *needed);

/* head_mlm.c: the MLM head's readers (vkbert_session_read_topk / _read_logits). */
vkbert_status vkb_mlm_read_topk(const void *state, uint32_t row, vkbert_prediction *dst, size_t capacity,
                                size_t *count);
/* Parts of the MLM head's own decoder weight; 0 when tied to the word embeddings (tests). */
uint32_t vkb_mlm_decoder_parts(const void *weights);
vkbert_status vkb_mlm_read_logits(const void *state, uint32_t row, float *dst, size_t capacity, size_t *needed);

#endif
