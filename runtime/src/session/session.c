/* Sessions: create (plan, record) and destroy; encode, submit and wait. */
#include "session/session.h"

#include <string.h>

vkbert_status vkbert_session_create(vkbert_model *model, const vkbert_session_desc *desc, vkbert_session **out) {
    if (!model || !out) return vkb_fail(model ? model->ctx : NULL, VKBERT_ERROR_INVALID_ARGUMENT,
                                        "vkbert_session_create: NULL argument");
    *out = NULL;
    vkbert_context *ctx = model->ctx;
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    vkbert_session_desc d = desc ? *desc : (vkbert_session_desc){0};
    const vkbert_model_config *c = &model->config;
    if (d.max_seq > c->max_tokens)
        return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "max_seq %u is over the model's %u tokens (max_position_embeddings "
                        "%u, padding_idx + 1: %u)", d.max_seq, c->max_tokens, c->max_position_embeddings,
                        c->position_offset);
    if (d.top_k > VKBERT_MAX_TOP_K)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "top_k %u is over the maximum %d", d.top_k, VKBERT_MAX_TOP_K);
    if ((unsigned)d.head > VKBERT_HEAD_NONE)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown head mode %d", (int)d.head);
    if ((unsigned)d.task > VKBERT_TASK_QA || d.task == VKBERT_TASK_SCORE ||
        (unsigned)d.pooling > VKBERT_POOLING_LAST || (unsigned)d.normalize > VKBERT_NORMALIZE_OFF)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown task %d, pooling %d or normalize %d", (int)d.task,
                        (int)d.pooling, (int)d.normalize);
    if (d.task == VKBERT_TASK_CLASSIFY && !model->seqcls)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the model has no sequence-classification head (classifier.weight "
                        "and id2label): it cannot classify or rerank");
    if (d.keep_attention && d.attention_layer >= c->num_hidden_layers)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "attention layer %u: the model has %u layers (0 to %u)",
                        d.attention_layer, c->num_hidden_layers, c->num_hidden_layers - 1);
    if (d.task == VKBERT_TASK_TOKEN_CLASSIFY && !model->tokcls)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the model has no token-classification head (config.json's "
                        "architectures naming a *ForTokenClassification class, classifier.weight and id2label)");
    if (d.task == VKBERT_TASK_QA && !model->qa)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the model has no question-answering head (qa_outputs.weight)");
    bool per_token = d.task == VKBERT_TASK_TOKEN_CLASSIFY || d.task == VKBERT_TASK_QA;
    uint64_t batch = d.max_batch ? d.max_batch : 1, seq = d.max_seq ? d.max_seq : c->max_tokens;
    uint64_t tokens = batch * seq;
    uint32_t maxx = ctx->info.max_workgroup_count[0], maxz = ctx->info.max_workgroup_count[2];
    if (tokens > (1u << 20) || batch > maxz)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "a session of %llu x %llu tokens is too large",
                        (unsigned long long)batch, (unsigned long long)seq);
    vkbert_session *s = vkb_calloc(1, sizeof *s);
    if (!s) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    s->model = model;
    s->ctx = ctx;
    s->batch = (uint32_t)batch;
    s->seq = (uint32_t)seq;
    s->tokens = (uint32_t)tokens;
    s->task = d.task;
    s->keep_attention = d.keep_attention;
    s->attention_layer = d.attention_layer;
    s->head_mode = per_token ? VKBERT_HEAD_ALL : model->mlm && d.task == VKBERT_TASK_MLM ? d.head : VKBERT_HEAD_NONE;
    s->head_class = d.task == VKBERT_TASK_EMBED ? &vkb_head_embed
                    : d.task == VKBERT_TASK_CLASSIFY ? &vkb_head_seqcls
                    : d.task == VKBERT_TASK_TOKEN_CLASSIFY ? &vkb_head_tokcls
                    : d.task == VKBERT_TASK_QA ? &vkb_head_qa : &vkb_head_mlm;
    s->graph = (vkb_graph){.ctx = ctx, .prog = &s->prog};
    s->head = s->head_mode != VKBERT_HEAD_NONE || d.task != VKBERT_TASK_MLM;
    s->pooling = d.pooling ? (uint32_t)d.pooling : model->st.pooling;
    s->normalize = d.normalize ? d.normalize == VKBERT_NORMALIZE_ON : model->st.normalize;
    if (d.task == VKBERT_TASK_EMBED && !model->st.present && !d.pooling)
        vkb_log(ctx, VKBERT_LOG_WARNING, "the model has no sentence-transformers modules.json: embeddings are its "
                "[CLS] token's final hidden state, not normalised");
    s->head_rows = s->head_mode != VKBERT_HEAD_NONE ? (d.max_head_rows && !per_token ? d.max_head_rows : s->tokens) : 0;
    if (s->head_rows > s->tokens) s->head_rows = s->tokens;
    if (s->head_rows > maxx) s->head_rows = maxx;
    if (s->head_mode != VKBERT_HEAD_NONE) { /* the head's [rows, hidden] and [rows, embedding_size] buffers stay
                                                within one binding and texel view */
        uint64_t width = c->embedding_size > c->hidden_size ? c->embedding_size : c->hidden_size;
        uint32_t fit = vkb_split_rows(ctx, s->head_rows, width * 4, 1,
                                      ctx->matmul_texel ? vkb_texel_view_max_bytes(ctx, 16) : 0);
        if (fit < s->head_rows && per_token) {
            vkbert_session_destroy(s);
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "a head on every token takes at most %u tokens per encode on "
                            "this device; the session has %u (use a smaller batch or max_seq)", fit, s->tokens);
        }
        if (fit < s->head_rows) {
            vkb_log(ctx, VKBERT_LOG_INFO, "the MLM head takes at most %u rows per encode on this device", fit);
            s->head_rows = fit;
        }
    }
    s->top_k = d.top_k ? d.top_k : 5;
    if (s->top_k > c->vocab_size) s->top_k = c->vocab_size;
    s->keep_logits = d.keep_logits && s->head_mode != VKBERT_HEAD_NONE;
    s->lengths = vkb_calloc(s->batch, sizeof *s->lengths);
    s->row_seq = vkb_calloc(s->head_rows + 1, sizeof *s->row_seq);
    s->row_pos = vkb_calloc(s->head_rows + 1, sizeof *s->row_pos);
    vkbert_status st = (!s->lengths || !s->row_seq || !s->row_pos)
                           ? vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory")
                           : VKBERT_OK;
    if (!st && s->head_mode != VKBERT_HEAD_NONE && s->head_rows == 0)
        st = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "not even one MLM head row fits in one buffer binding");
    if (!st) st = vkb_session_plan(s);
    s->prog.profile = d.profile;
    if (!st) st = vkb_session_record(s);
    if (st) {
        vkbert_session_destroy(s);
        return st;
    }
    *out = s;
    return VKBERT_OK;
}

void vkbert_session_destroy(vkbert_session *s) {
    if (!s) return;
    vkbert_context *ctx = s->ctx;
    vkb_program_destroy(ctx, &s->prog);
    const vkb_buffer *bs[16];
    uint32_t n = vkb_session_buffers(s, bs);
    for (uint32_t i = 0; i < n; ++i) vkb_buffer_destroy(ctx, (vkb_buffer *)bs[i]);
    for (uint32_t ch = 0; ch < s->chunks; ++ch) {
        if (s->input) vkb_buffer_destroy(ctx, &s->input[ch]);
        if (s->h) vkb_buffer_destroy(ctx, &s->h[ch]);
        if (s->rb_hidden) vkb_buffer_destroy(ctx, &s->rb_hidden[ch]);
    }
    if (s->head_state) s->head_class->destroy(ctx, s->head_state);
    vkb_free(s->input);
    vkb_free(s->h);
    vkb_free(s->rb_hidden);
    vkb_graph_destroy(&s->graph);
    vkb_free(s->lengths);
    vkb_free(s->row_seq);
    vkb_free(s->row_pos);
    vkb_free(s);
}

vkbert_status vkbert_session_encode(vkbert_session *s, const vkbert_sequence *seqs, uint32_t count) {
    vkbert_status st = vkbert_session_submit(s, seqs, count);
    if (st) return st;
    st = vkb_program_wait(s->ctx, &s->prog, s->ctx->timeout_ns);
    s->have_results = st == VKBERT_OK;
    return st;
}

vkbert_status vkbert_session_submit(vkbert_session *s, const vkbert_sequence *seqs, uint32_t count) {
    if (!s) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_session_encode: session is NULL");
    s->have_results = false;
    if (s->ctx->lost) return vkb_fail(s->ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    vkbert_status st = vkb_program_wait(s->ctx, &s->prog, s->ctx->timeout_ns); /* its inputs are about to change */
    if (!st) st = vkb_session_write_inputs(s, seqs, count);
    if (!st) st = vkb_program_submit(s->ctx, &s->prog);
    if (!st) s->submitted = true;
    return st;
}

vkbert_status vkbert_session_timeline(const vkbert_session *s, void *vk_semaphore, uint64_t *value) {
    if (!s || !vk_semaphore || !value)
        return vkb_fail(s ? s->ctx : NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_session_timeline: NULL argument");
    if (!s->prog.timeline)
        return vkb_fail(s->ctx, VKBERT_ERROR_UNSUPPORTED,
                        "no timeline semaphore: the device lacks timelineSemaphore (or the host did not enable it); "
                        "use vkbert_session_wait");
    if (!s->submitted) return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_session_timeline: nothing was submitted");
    memcpy(vk_semaphore, &s->prog.timeline, sizeof s->prog.timeline);
    *value = s->prog.timeline_value;
    return VKBERT_OK;
}

vkbert_status vkbert_session_wait(vkbert_session *s, uint32_t timeout_ms) {
    if (!s) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_session_wait: session is NULL");
    if (!s->submitted) return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_session_wait: nothing was submitted");
    vkbert_status st = vkb_program_wait(s->ctx, &s->prog, (uint64_t)timeout_ms * 1000000u);
    if (!st) s->have_results = true;
    return st;
}
