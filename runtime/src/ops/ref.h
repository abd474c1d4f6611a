/* Plain-C references of the ops, in double precision: the oracles of tests/test_kernels.c.
 * Linked into the tests (the vkbert_ref library), not into vkbert. One file per op,
 * <op>_ref.c beside <op>.c. */
#ifndef VKB_REF_H
#define VKB_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
double vkb_ref_gelu(double x);
/* GELU's tanh approximation ("gelu_new"): 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))). */
double vkb_ref_gelu_tanh(double x);
/* matmul_ref.c: ref[m, n] = act(x[m, :] . w[n, :] + b[n]) (+ y0[m, n] when accum); act 0 none,
 * 1 GELU, 2 tanh, 3 ReLU, 4 tanh-approximated GELU, 5 SiLU. */
void vkb_ref_matmul(const float *x, const float *w, const float *b, const float *y0, uint32_t M, uint32_t N,
                    uint32_t K, uint32_t act, uint32_t accum, float *ref);
/* layernorm_ref.c: one row, y = (x - mean) / sqrt(var + eps) * g + b. */
void vkb_ref_layernorm(const float *x, const float *g, const float *b, float *y, uint32_t width, float eps);
/* attention_ref.c: out[t, h*D:(h+1)*D] = softmax(q k^T * scale + mask) v for B sequences of S,
 * fused qkv [B*S, 3H], mask [B*S] (1 real, 0 padding, as Hugging Face's fp32 additive mask); the
 * probabilities too, [B, heads, S, S], when `probs` is not NULL. window > 0: keys further than
 * window from the query masked too; rope > 0: the first rope dimensions of q and k rotated
 * (rotate_half) by table [S, rope] (per position rope / 2 cosines, then rope / 2 sines). */
void vkb_ref_attention(const float *qkv, const int32_t *mask, uint32_t B, uint32_t S, uint32_t heads, uint32_t D,
                       float scale, uint32_t window, uint32_t rope, const float *table, bool alibi, float *out,
                       float *probs);
/* ALiBi's slope of head h of n heads (attention_ref.c) */
double vkb_ref_alibi_slope(uint32_t h, uint32_t n);
/* embed_ln_ref.c: out[t] = LN(word[ids[t]] + pos[p(t)] + type[types[t]]), aux holding P position
 * rows, TV type rows, gamma and beta; p(t) = t % S, or with pos_offset = padding_idx + 1 RoBERTa's
 * cumulative-sum rule over the mask and ids. */
void vkb_ref_embed_ln(const float *word, const float *aux, const int32_t *ids, const int32_t *types,
                      const int32_t *mask, uint32_t T, uint32_t S, uint32_t H, uint32_t P, uint32_t TV, float eps,
                      uint32_t pos_offset, float *out);
/* gather_ref.c: out[r] = src[index[r]]. */
void vkb_ref_gather(const float *src, const int32_t *index, uint32_t rows, uint32_t width, float *out);
/* topk_ref.c: the k largest of softmax(x) (ties to the lower id), ids -1 / probabilities 0
 * past the vocabulary. */
void vkb_ref_topk(const float *x, uint32_t vocab, uint32_t k, int32_t *ids, double *probs);

/* pool_ref.c: the pooling (1 CLS, 2 mean, 3 max, 4 mean_sqrt_len, 5 last) of the tokens
 * [skip, len) of one sequence h [.., width]; len 0 gives zeros. */
void vkb_ref_pool(const float *h, uint32_t len, uint32_t skip, uint32_t width, uint32_t mode, double *out);
/* glu_ref.c: out[r, i] = act(x[r, i]) * x[r, W + i] (second: x[r, i] * act(x[r, W + i])), x [rows, 2W]
 * (act as vkb_ref_matmul's, 5 SiLU). */
void vkb_ref_glu(const float *x, uint32_t rows, uint32_t width, uint32_t act, bool second, float *out);
/* l2norm_ref.c: y = x / max(||x||, 1e-12) for one row. */
void vkb_ref_l2norm(const float *x, uint32_t width, double *y);

#endif
