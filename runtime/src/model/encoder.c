/* Shared builder pieces of the encoders, made of ops. */
#include "model/encoder.h"

#include <math.h>

vkbert_status vkb_encoder_embed(const vkb_encoder *e) {
    const vkbert_model *m = e->m;
    const vkbert_model_config *c = &m->config;
    uint32_t T = e->seqs * e->seq;
    vkb_embed_shape shape = {T, e->seq, c->embedding_size, c->vocab_size, m->pos_rows, m->type_rows,
                             c->layer_norm_eps, c->position_offset};
    if (!m->emb_proj_w.count) return vkb_op_embed_ln(e->g, e->input, &m->word_emb, &m->emb_aux, e->h, shape);
    /* factorised: [T, E] embeddings in the QKV scratch (E <= 3H, hf_config.c), projected to [T, H] */
    vkbert_status st = vkb_op_embed_ln(e->g, e->input, &m->word_emb, &m->emb_aux, e->qkv, shape);
    return st ? st
              : vkb_op_matmul(e->g, VKB_OP_EMBED, -1, e->qkv, 0, &m->emb_proj_w, &m->emb_proj_b, e->h, T,
                              c->hidden_size, c->embedding_size, VKB_ACT_NONE, 0, VKB_ALL_ROWS);
}

/* h += FFN(x): W1, the activation (or a gated MLP's glu, in the FFN scratch past W1's [R, 2I]
 * output: rows 2R on of an [.., I] view), W2; in slices of R = e->ffn_rows tokens. */
static vkbert_status ffn(const vkb_encoder *e, const vkb_layer *ly, int li, const vkb_buffer *x) {
    const vkbert_model *m = e->m;
    uint32_t T = e->seqs * e->seq, H = m->config.hidden_size, I = m->config.intermediate_size;
    vkb_graph *g = e->g;
    bool gated = m->arch->gated_mlp;
    vkbert_status st = VKBERT_OK;
    for (uint32_t r0 = 0; r0 < T && !st; r0 += e->ffn_rows) {
        uint32_t R = T - r0 < e->ffn_rows ? T - r0 : e->ffn_rows;
        if (!(st = vkb_op_matmul(g, VKB_OP_FFN_UP, li, x, r0, &ly->ffn1_w, &ly->ffn1_b, e->inter, R, gated ? 2 * I : I,
                                 H, gated ? 0 : m->act, 0, VKB_ALL_ROWS)) &&
            !(gated && (st = vkb_op_glu(g, li, e->inter, R, I, 2 * R * I, m->act, m->arch->glu_second))))
            st = vkb_op_matmul_rows(g, VKB_OP_FFN_DOWN, li, e->inter, gated ? 2 * R : 0, &ly->ffn2_w, &ly->ffn2_b, e->h,
                                    r0, R, H, I, 0, 1, VKB_ALL_ROWS);
    }
    return st;
}

vkbert_status vkb_encoder_post_norm_layer(const vkb_encoder *e, uint32_t l) {
    const vkbert_model_config *c = &e->m->config;
    const vkb_layer *ly = &e->m->layers[e->m->arch->shared_layers ? 0 : l];
    uint32_t T = e->seqs * e->seq, H = c->hidden_size;
    float eps = c->layer_norm_eps;
    int li = (int)l;
    vkb_graph *g = e->g;
    bool global = vkb_layer_global(c, l);
    vkb_attention_shape a = {e->seqs, e->seq, H, c->num_attention_heads, global ? 0 : c->local_attention / 2,
                             vkb_rope_dims(e->m), global ? e->rope_global : e->rope_local, e->m->arch->alibi};
    vkbert_status st;
    if ((st = vkb_op_matmul(g, VKB_OP_QKV, li, e->h, 0, &ly->qkv_w, &ly->qkv_b, e->qkv, T, 3 * H, H, 0, 0, VKB_ALL_ROWS)) ||
        (st = vkb_op_attention(g, li, e->qkv, e->input, e->attn, l == e->probs_layer ? e->probs : NULL, a)) ||
        (st = vkb_op_matmul(g, VKB_OP_ATTN_OUT, li, e->attn, 0, &ly->out_w, &ly->out_b, e->h, T, H, H, 0, 1,
                            VKB_ALL_ROWS)) ||
        (st = vkb_op_layernorm(g, VKB_OP_LAYERNORM, li, e->h, &ly->ln1, T, H, eps, false)) ||
        (st = ffn(e, ly, li, e->h)) ||
        (st = vkb_op_layernorm(g, VKB_OP_LAYERNORM, li, e->h, &ly->ln2, T, H, eps, false)))
        return st;
    return VKBERT_OK;
}

bool vkb_layer_global(const vkbert_model_config *c, uint32_t l) {
    return !c->local_attention || !c->global_attn_every_n_layers || l % c->global_attn_every_n_layers == 0;
}

uint32_t vkb_rope_dims(const vkbert_model *m) {
    const vkbert_model_config *c = &m->config;
    if (c->rope_theta <= 0) return 0;
    return c->rope_dims ? c->rope_dims : c->hidden_size / c->num_attention_heads;
}

size_t vkb_rope_tables(const vkbert_model *m, uint32_t seq, float *out) {
    const vkbert_model_config *c = &m->config;
    uint32_t R = vkb_rope_dims(m);
    if (!R) return 0;
    float thetas[2] = {c->rope_theta, c->local_rope_theta > 0 ? c->local_rope_theta : c->rope_theta};
    for (uint32_t k = 0; k < 2 && out; ++k)
        for (uint32_t i = 0; i < R / 2; ++i) {
            /* inv_freq = 1 / theta ** (arange(0, R, 2) / R) and the angle p * inv_freq, each rounded to
             * float32 as torch computes them; cos and sin of that float32 angle */
            float inv = 1.0f / powf(thetas[k], (float)(2 * i) / (float)R);
            for (uint32_t p = 0; p < seq; ++p) {
                float angle = (float)p * inv;
                out[((size_t)k * seq + p) * R + i] = (float)cos((double)angle);
                out[((size_t)k * seq + p) * R + R / 2 + i] = (float)sin((double)angle);
            }
        }
    return (size_t)2 * seq * R;
}

vkbert_status vkb_encoder_pre_norm_layer(const vkb_encoder *e, uint32_t l) {
    const vkbert_model *m = e->m;
    const vkbert_model_config *c = &m->config;
    const vkb_layer *ly = &m->layers[m->arch->shared_layers ? 0 : l];
    uint32_t T = e->seqs * e->seq, H = c->hidden_size;
    float eps = c->layer_norm_eps;
    int li = (int)l;
    vkb_graph *g = e->g;
    bool global = vkb_layer_global(c, l);
    vkb_attention_shape a = {e->seqs, e->seq, H, c->num_attention_heads, global ? 0 : c->local_attention / 2,
                             vkb_rope_dims(m), global ? e->rope_global : e->rope_local, m->arch->alibi};
    /* the normalised input in the attention scratch: the QKV matmul reads it before attention writes there */
    const vkb_buffer *xin = e->h;
    vkbert_status st = VKBERT_OK;
    if (ly->ln1.size) {
        st = vkb_op_layernorm_to(g, VKB_OP_LAYERNORM, li, e->h, e->attn, &ly->ln1, T, H, eps, false);
        xin = e->attn;
    }
    if (st ||
        (st = vkb_op_matmul(g, VKB_OP_QKV, li, xin, 0, &ly->qkv_w, &ly->qkv_b, e->qkv, T, 3 * H, H, 0, 0, VKB_ALL_ROWS)) ||
        (st = vkb_op_attention(g, li, e->qkv, e->input, e->attn, l == e->probs_layer ? e->probs : NULL, a)) ||
        (st = vkb_op_matmul(g, VKB_OP_ATTN_OUT, li, e->attn, 0, &ly->out_w, &ly->out_b, e->h, T, H, H, 0, 1,
                            VKB_ALL_ROWS)) ||
        (st = vkb_op_layernorm_to(g, VKB_OP_LAYERNORM, li, e->h, e->attn, &ly->ln2, T, H, eps, false)))
        return st;
    return ffn(e, ly, li, e->attn);
}

vkbert_status vkb_encoder_final_norm(const vkb_encoder *e) {
    const vkbert_model_config *c = &e->m->config;
    return vkb_op_layernorm(e->g, VKB_OP_LAYERNORM, -1, e->h, &e->m->final_ln, e->seqs * e->seq, c->hidden_size,
                            c->layer_norm_eps, false);
}
