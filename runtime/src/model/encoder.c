/* Shared builder pieces of the encoders, made of ops. */
#include "model/encoder.h"

vkbert_status vkb_encoder_embed(const vkb_encoder *e) {
    const vkbert_model *m = e->m;
    const vkbert_model_config *c = &m->config;
    uint32_t T = e->seqs * e->seq;
    vkb_embed_shape shape = {T, e->seq, c->embedding_size, c->vocab_size, c->max_position_embeddings,
                             m->type_rows, c->layer_norm_eps, c->position_offset};
    if (!m->emb_proj_w.count) return vkb_op_embed_ln(e->g, e->input, &m->word_emb, &m->emb_aux, e->h, shape);
    /* factorised: [T, E] embeddings in the QKV scratch (E <= 3H, hf_config.c), projected to [T, H] */
    vkbert_status st = vkb_op_embed_ln(e->g, e->input, &m->word_emb, &m->emb_aux, e->qkv, shape);
    return st ? st
              : vkb_op_matmul(e->g, VKB_OP_EMBED, -1, e->qkv, 0, &m->emb_proj_w, &m->emb_proj_b, e->h, T,
                              c->hidden_size, c->embedding_size, VKB_ACT_NONE, 0, VKB_ALL_ROWS);
}

vkbert_status vkb_encoder_post_norm_layer(const vkb_encoder *e, uint32_t l) {
    const vkbert_model_config *c = &e->m->config;
    const vkb_layer *ly = &e->m->layers[e->m->arch->shared_layers ? 0 : l];
    uint32_t T = e->seqs * e->seq, H = c->hidden_size, I = c->intermediate_size;
    float eps = c->layer_norm_eps;
    int li = (int)l;
    vkb_graph *g = e->g;
    vkb_attention_shape a = {e->seqs, e->seq, H, c->num_attention_heads};
    vkbert_status st;
    if ((st = vkb_op_matmul(g, VKB_OP_QKV, li, e->h, 0, &ly->qkv_w, &ly->qkv_b, e->qkv, T, 3 * H, H, 0, 0, VKB_ALL_ROWS)) ||
        (st = vkb_op_attention(g, li, e->qkv, e->input, e->attn, l == e->probs_layer ? e->probs : NULL, a)) ||
        (st = vkb_op_matmul(g, VKB_OP_ATTN_OUT, li, e->attn, 0, &ly->out_w, &ly->out_b, e->h, T, H, H, 0, 1,
                            VKB_ALL_ROWS)) ||
        (st = vkb_op_layernorm(g, VKB_OP_LAYERNORM, li, e->h, &ly->ln1, T, H, eps, false)) ||
        (st = vkb_op_matmul(g, VKB_OP_FFN_UP, li, e->h, 0, &ly->ffn1_w, &ly->ffn1_b, e->inter, T, I, H, e->m->act, 0,
                            VKB_ALL_ROWS)) ||
        (st = vkb_op_matmul(g, VKB_OP_FFN_DOWN, li, e->inter, 0, &ly->ffn2_w, &ly->ffn2_b, e->h, T, H, I, 0, 1,
                            VKB_ALL_ROWS)) ||
        (st = vkb_op_layernorm(g, VKB_OP_LAYERNORM, li, e->h, &ly->ln2, T, H, eps, false)))
        return st;
    return VKBERT_OK;
}
