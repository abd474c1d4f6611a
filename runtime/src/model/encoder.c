/* Shared builder pieces of the encoders, made of ops. */
#include "model/encoder.h"

vkbert_status vkb_encoder_embed(const vkb_encoder *e) {
    const vkbert_model_config *c = &e->m->config;
    vkb_embed_shape shape = {e->seqs * e->seq, e->seq, c->hidden_size, c->vocab_size, c->max_position_embeddings,
                             e->m->type_rows, c->layer_norm_eps, c->position_offset};
    return vkb_op_embed_ln(e->g, e->input, &e->m->word_emb, &e->m->emb_aux, e->h, shape);
}

vkbert_status vkb_encoder_post_norm_layer(const vkb_encoder *e, uint32_t l) {
    const vkbert_model_config *c = &e->m->config;
    const vkb_layer *ly = &e->m->layers[l];
    uint32_t T = e->seqs * e->seq, H = c->hidden_size, I = c->intermediate_size;
    float eps = c->layer_norm_eps;
    int li = (int)l;
    vkb_graph *g = e->g;
    vkb_attention_shape a = {e->seqs, e->seq, H, c->num_attention_heads};
    vkbert_status st;
    if ((st = vkb_op_matmul(g, VKB_OP_QKV, li, e->h, 0, &ly->qkv_w, &ly->qkv_b, e->qkv, T, 3 * H, H, 0, 0, VKB_ALL_ROWS)) ||
        (st = vkb_op_attention(g, li, e->qkv, e->input, e->attn, a)) ||
        (st = vkb_op_matmul(g, VKB_OP_ATTN_OUT, li, e->attn, 0, &ly->out_w, &ly->out_b, e->h, T, H, H, 0, 1,
                            VKB_ALL_ROWS)) ||
        (st = vkb_op_layernorm(g, VKB_OP_LAYERNORM, li, e->h, &ly->ln1, T, H, eps, false)) ||
        (st = vkb_op_matmul(g, VKB_OP_FFN_UP, li, e->h, 0, &ly->ffn1_w, &ly->ffn1_b, e->inter, T, I, H, 1, 0,
                            VKB_ALL_ROWS)) ||
        (st = vkb_op_matmul(g, VKB_OP_FFN_DOWN, li, e->inter, 0, &ly->ffn2_w, &ly->ffn2_b, e->h, T, H, I, 0, 1,
                            VKB_ALL_ROWS)) ||
        (st = vkb_op_layernorm(g, VKB_OP_LAYERNORM, li, e->h, &ly->ln2, T, H, eps, false)))
        return st;
    return VKBERT_OK;
}
