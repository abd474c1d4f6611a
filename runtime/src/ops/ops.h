/* The host side of the kernels: each op file emits its kernel's dispatches into a graph and
 * owns their grid, variant choice and push constants. Used by model/, heads/ and session/. */
#ifndef VKB_OPS_H
#define VKB_OPS_H

#include "vkb_internal.h"

/* An indirect dispatch slot, rewritten by every encode for the head rows it has. */
typedef struct vkb_slot {
    uint32_t kernel;   /* the matmul kernel, or VKB_SLOT_ONE_PER_ROW */
    uint32_t row0;     /* the first head row the dispatch covers */
    uint32_t cap;      /* the most rows it covers */
    uint32_t n;        /* matmul: output columns */
} vkb_slot;
#define VKB_SLOT_ONE_PER_ROW UINT32_MAX  /* a slot's kernel: one workgroup per live row */

/* A program being built, with the indirect slots its head dispatches use. */
typedef struct vkb_graph {
    vkbert_context *ctx;
    vkb_program *prog;
    vkb_slot *slots;
    uint32_t slot_count, slot_capacity;
} vkb_graph;

/* Which rows an op runs on: all of its m rows (live false), or, sized per encode, the live
 * head rows among [row0, row0 + m) (an indirect dispatch). */
typedef struct vkb_rows { bool live; uint32_t row0; } vkb_rows;
#define VKB_ALL_ROWS ((vkb_rows){false, 0})

/* graph.c: the index of the slot (kernel, row0, cap, n), added if new; -1 out of memory. */
int32_t vkb_graph_slot(vkb_graph *g, uint32_t kernel, uint32_t row0, uint32_t cap, uint32_t n);
/* How many of an encode's `rows` head rows a slot's dispatch covers. */
uint32_t vkb_slot_rows(const vkb_slot *x, uint32_t rows);
/* Writes every slot's workgroup counts for an encode with `rows` head rows. */
void vkb_graph_write_slots(const vkb_graph *g, uint32_t rows, VkDispatchIndirectCommand *out);
void vkb_graph_destroy(vkb_graph *g);

static inline uint32_t vkb_div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

/* matmul.c: Y (+)= act(X W^T + b) for X [m, k] starting at row x_row0, W [n, k] in parts
 * (one dispatch per part), act 1 = GELU, accum 1 adds to Y. */
vkbert_status vkb_op_matmul(vkb_graph *g, uint8_t kind, int layer, const vkb_buffer *x, uint32_t x_row0,
                            const vkb_split *w, const vkb_buffer *b, const vkb_buffer *y, uint32_t m, uint32_t n,
                            uint32_t k, uint32_t act, uint32_t accum, vkb_rows rows);
/* The same writing Y from row y_row0 on (a slice of the rows: the FFN in token slices). */
vkbert_status vkb_op_matmul_rows(vkb_graph *g, uint8_t kind, int layer, const vkb_buffer *x, uint32_t x_row0,
                                 const vkb_split *w, const vkb_buffer *b, const vkb_buffer *y, uint32_t y_row0,
                                 uint32_t m, uint32_t n, uint32_t k, uint32_t act, uint32_t accum, vkb_rows rows);
/* The workgroup counts of a matmul kernel for an m x n output (rg: matmul_texel's row groups). */
VkDispatchIndirectCommand vkb_matmul_groups(const vkbert_context *ctx, uint32_t kernel, uint32_t m, uint32_t n,
                                            uint32_t rg);

/* layernorm.c: x[r, :] = LN(x[r, :]) * gamma + beta in place; params [2, width]. _to: into y. */
vkbert_status vkb_op_layernorm(vkb_graph *g, uint8_t kind, int layer, const vkb_buffer *x, const vkb_buffer *params,
                               uint32_t rows, uint32_t width, float eps, bool live);
vkbert_status vkb_op_layernorm_to(vkb_graph *g, uint8_t kind, int layer, const vkb_buffer *x, const vkb_buffer *y,
                                  const vkb_buffer *params, uint32_t rows, uint32_t width, float eps, bool live);

/* attention.c: out = softmax(q k^T / sqrt(D) + mask) v per sequence and head, from fused
 * qkv [tokens, 3 * hidden] and the input buffer's attention mask; with `probs` (NULL: none)
 * also the probabilities, float [seqs, heads, seq, seq]. window > 0: query s sees only the keys
 * j with |s - j| <= window (a local layer); rope > 0: the first rope dimensions of each head's q
 * and k rotate by the table at element rope_offset of the input buffer (rope / 2 cosines, then
 * rope / 2 sines, per position). */
typedef struct vkb_attention_shape {
    uint32_t seqs, seq, hidden, heads;
    uint32_t window, rope, rope_offset;
    bool alibi; /* ALiBi slopes on the scores (JinaBERT) */
} vkb_attention_shape;
vkbert_status vkb_op_attention(vkb_graph *g, int layer, const vkb_buffer *qkv, const vkb_buffer *input,
                               const vkb_buffer *out, const vkb_buffer *probs, vkb_attention_shape shape);

/* embed_ln.c: out = LN(word[id] + pos[t % seq] + type[tt]) for `tokens` rows of the input buffer
 * (ids, types, mask), the word table in parts; aux holds positions, types, gamma, beta. */
typedef struct vkb_embed_shape {
    uint32_t tokens, seq, hidden, vocab, positions, types;
    float eps;
    uint32_t pos_offset; /* 0: absolute positions from 0; padding_idx + 1: RoBERTa's rule (embed_ln.comp) */
} vkb_embed_shape;
vkbert_status vkb_op_embed_ln(vkb_graph *g, const vkb_buffer *input, const vkb_split *word, const vkb_buffer *aux,
                           const vkb_buffer *out, vkb_embed_shape shape);

/* gather.c: out[r, :] = src[index[r] - src_row0, :] for the live rows whose token is in src. */
vkbert_status vkb_op_gather(vkb_graph *g, const vkb_buffer *src, uint32_t src_rows, uint32_t src_row0,
                            const vkb_buffer *index, const vkb_buffer *out, uint32_t rows, uint32_t width);

/* topk.c: ids/probs[row0 + r, 0:k] = the k largest of softmax(logits[r, :]), live rows only. */
vkbert_status vkb_op_topk(vkb_graph *g, const vkb_buffer *logits, uint32_t row0, uint32_t rows, uint32_t vocab,
                          uint32_t k, const vkb_buffer *ids, const vkb_buffer *probs);

/* pool.c: out[seq0 + b, :] = the pooling (VKBERT_POOLING_* mode, never DEFAULT) of the tokens
 * [skip, length) of sequence b of hidden [seqs * seq, width]; seqtab holds (length, skip) per
 * sequence of the session. */
vkbert_status vkb_op_pool(vkb_graph *g, const vkb_buffer *hidden, const vkb_buffer *seqtab, const vkb_buffer *out,
                          uint32_t mode, uint32_t seqs, uint32_t seq, uint32_t width, uint32_t seq0);

/* glu.c: the gated MLP's product in x's buffer: out[r, i] = act(x[r, i]) * x[r, width + i] (second:
 * x[r, i] * act(x[r, width + i])) for x [rows, 2 width] at its start, out [rows, width] from element
 * y_offset on. */
vkbert_status vkb_op_glu(vkb_graph *g, int layer, const vkb_buffer *x, uint32_t rows, uint32_t width, uint32_t y_offset,
                         uint32_t act, bool second);

/* l2norm.c: x[r, :] /= max(||x[r, :]||, 1e-12) in place for `rows` rows. */
vkbert_status vkb_op_l2norm(vkb_graph *g, const vkb_buffer *x, uint32_t rows, uint32_t width);

#endif
