/* Recording: the forward pass as ops (the family's layers, the head rows, the head) into one
 * program, replayed by every encode. */
#include "session/session.h"
#include "model/encoder.h"


/* The encoder of chunk c: embeddings, then the family's layers. */
static vkbert_status build_encoder(vkbert_session *s, uint32_t c) {
    const vkbert_model *m = s->model;
    uint32_t T = s->chunk_tokens, rope_rows = s->seq * vkb_rope_dims(m);
    vkb_encoder e = {&s->graph, m, &s->input[c], &s->h[c], &s->qkv, &s->attn, &s->inter, s->chunk_seqs, s->seq,
                     s->keep_attention ? &s->probs : NULL, s->attention_layer, 3 * T, 3 * T + rope_rows, s->ffn_rows};
    vkbert_status st = vkb_encoder_embed(&e);
    for (uint32_t l = 0; !st && l < m->config.num_hidden_layers; ++l) st = m->arch->build_layer(&e, l);
    if (!st && m->arch->build_final) st = m->arch->build_final(&e);
    return st;
}

/* The head rows gathered out of every chunk (each fills the rows whose tokens it holds),
 * then the head's ops on them. */
static vkbert_status build_head(vkbert_session *s) {
    uint32_t H = s->model->config.hidden_size;
    vkbert_status st = VKBERT_OK;
    for (uint32_t ch = 0; ch < s->chunks && !st && s->head_class->gathers; ++ch)
        st = vkb_op_gather(&s->graph, &s->h[ch], s->chunk_tokens, ch * s->chunk_tokens, &s->rows_in, &s->head_x,
                           s->head_rows, H);
    return st ? st : s->head_class->build(s->head_state, &s->graph);
}

/* Readback copies: hidden states of every chunk, then the head's. */
static vkbert_status record(vkbert_session *s) {
    size_t T = s->chunk_tokens, H = s->model->config.hidden_size;
    uint32_t hc = s->task == VKBERT_TASK_MLM ? s->chunks : 0; /* hidden states come back for MLM only */
    uint32_t n = hc + (s->head ? s->head_class->copies(s->head_state, NULL) : 0) + s->keep_attention;
    vkb_copy *copies = vkb_calloc(n ? n : 1, sizeof *copies);
    if (!copies) return vkb_fail(s->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t ch = 0; ch < hc; ++ch)
        copies[ch] = (vkb_copy){s->h[ch].buffer, s->rb_hidden[ch].buffer, 0, 0, T * H * 4};
    if (s->head) s->head_class->copies(s->head_state, copies + hc);
    if (s->keep_attention)
        copies[n - 1] = (vkb_copy){s->probs.buffer, s->rb_probs.buffer, 0, 0, s->probs.size};
    vkbert_status st = vkb_program_record(s->ctx, &s->prog, copies, n);
    vkb_free(copies);
    return st;
}

vkbert_status vkb_session_record(vkbert_session *s) {
    vkbert_status st = VKBERT_OK;
    for (uint32_t ch = 0; !st && ch < s->chunks; ++ch) st = build_encoder(s, ch);
    if (!st && s->head) st = build_head(s);
    if (!st) /* one slot at least: a valid buffer even without a head */
        st = vkb_buffer_create(s->ctx, (s->graph.slot_count ? s->graph.slot_count : 1) * sizeof(VkDispatchIndirectCommand),
                               VKB_MEM_UPLOAD, "the indirect dispatch buffer", &s->indirect);
    if (st) return st;
    s->prog.indirect = s->indirect.buffer;
    return record(s);
}
