/* Results of the last encode: hidden states, head rows and the head's readers, profiles, sizes. */
#include "session/session.h"

#include <string.h>

static vkbert_status need_results(const vkbert_session *s) {
    if (!s) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "session is NULL");
    if (!s->have_results)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "no results: the last encode did not succeed");
    return VKBERT_OK;
}

vkbert_status vkbert_session_read_hidden(const vkbert_session *s, uint32_t seq, float *dst, size_t capacity,
                                         size_t *needed) {
    vkbert_status st = need_results(s);
    if (st) return st;
    if (seq >= s->count)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "sequence %u: the last encode had %u", seq, s->count);
    if (s->task != VKBERT_TASK_MLM)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "hidden states are read back by VKBERT_TASK_MLM "
                        "sessions only");
    size_t H = s->model->config.hidden_size, n = (size_t)s->lengths[seq] * H;
    if (needed) *needed = n;
    if (capacity < n || !dst)
        return vkb_fail(s->ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "hidden states need %zu floats; the buffer holds %zu", n,
                        capacity);
    const float *chunk = s->rb_hidden[seq / s->chunk_seqs].mapped;
    memcpy(dst, chunk + (size_t)(seq % s->chunk_seqs) * s->seq * H, n * sizeof(float));
    return VKBERT_OK;
}

vkbert_status vkbert_session_read_attention(const vkbert_session *s, uint32_t seq, uint32_t head, float *dst,
                                            size_t capacity, size_t *needed) {
    vkbert_status st = need_results(s);
    if (st) return st;
    const uint32_t heads = s->model->config.num_attention_heads;
    if (!s->keep_attention)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "attention probabilities need a session created with "
                        "keep_attention");
    if (seq >= s->count)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "sequence %u: the last encode had %u", seq, s->count);
    if (head >= heads)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "head %u: the model has %u heads (0 to %u)", head, heads,
                        heads - 1);
    size_t L = s->lengths[seq], n = L * L;
    if (needed) *needed = n;
    if (capacity < n || !dst)
        return vkb_fail(s->ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "attention probabilities need %zu floats; the buffer "
                        "holds %zu", n, capacity);
    const float *p = (const float *)s->rb_probs.mapped + ((size_t)seq * heads + head) * s->seq * s->seq;
    for (size_t i = 0; i < L; ++i) memcpy(dst + i * L, p + i * s->seq, L * sizeof(float));
    return VKBERT_OK;
}

uint32_t vkbert_session_head_row_count(const vkbert_session *s) { return s && s->have_results ? s->rows : 0; }

static vkbert_status check_row(const vkbert_session *s, uint32_t row) {
    vkbert_status st = need_results(s);
    if (st) return st;
    if (row >= s->rows)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "head row %u: the last encode had %u", row, s->rows);
    return VKBERT_OK;
}

vkbert_status vkbert_session_head_row(const vkbert_session *s, uint32_t row, uint32_t *seq, uint32_t *position) {
    vkbert_status st = check_row(s, row);
    if (st) return st;
    if (seq) *seq = s->row_seq[row];
    if (position) *position = s->row_pos[row];
    return VKBERT_OK;
}

static vkbert_status read_pooled(const vkbert_session *s, vkbert_task task, const char *what, uint32_t seq,
                                 float *dst, size_t capacity, size_t *needed) {
    vkbert_status st = need_results(s);
    if (st) return st;
    if (s->task != task)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "%s: the session was not created for that task", what);
    if (seq >= s->count)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "sequence %u: the last encode had %u", seq, s->count);
    return s->head_class->read(s->head_state, seq, dst, capacity, needed);
}

vkbert_status vkbert_session_read_embedding(const vkbert_session *s, uint32_t seq, float *dst, size_t capacity,
                                            size_t *needed) {
    return read_pooled(s, VKBERT_TASK_EMBED, "vkbert_session_read_embedding", seq, dst, capacity, needed);
}

vkbert_status vkbert_session_read_class_logits(const vkbert_session *s, uint32_t seq, float *dst, size_t capacity,
                                               size_t *needed) {
    return read_pooled(s, VKBERT_TASK_CLASSIFY, "vkbert_session_read_class_logits", seq, dst, capacity, needed);
}

vkbert_status vkbert_session_read_token_logits(const vkbert_session *s, uint32_t seq, float *dst, size_t capacity,
                                               size_t *needed) {
    vkbert_status st = need_results(s);
    if (st) return st;
    if (s->task != VKBERT_TASK_TOKEN_CLASSIFY && s->task != VKBERT_TASK_QA)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_session_read_token_logits: the session was not "
                        "created for VKBERT_TASK_TOKEN_CLASSIFY or VKBERT_TASK_QA");
    if (seq >= s->count)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "sequence %u: the last encode had %u", seq, s->count);
    uint32_t row0 = 0; /* every token is a head row, in (sequence, position) order */
    for (uint32_t b = 0; b < seq; ++b) row0 += s->lengths[b];
    return vkb_token_read(s->head_state, row0, s->lengths[seq], dst, capacity, needed);
}

vkbert_status vkbert_session_read_topk(const vkbert_session *s, uint32_t row, vkbert_prediction *dst, size_t capacity,
                                       size_t *count) {
    vkbert_status st = check_row(s, row);
    if (st) return st;
    return vkb_mlm_read_topk(s->head_state, row, dst, capacity, count);
}

vkbert_status vkbert_session_read_logits(const vkbert_session *s, uint32_t row, float *dst, size_t capacity,
                                         size_t *needed) {
    vkbert_status st = check_row(s, row);
    if (st) return st;
    return vkb_mlm_read_logits(s->head_state, row, dst, capacity, needed);
}

const vkb_program *vkb_session_program(const vkbert_session *s) { return s ? &s->prog : NULL; }
uint32_t vkb_session_chunks(const vkbert_session *s) { return s ? s->chunks : 0; }

vkbert_status vkbert_session_profile(const vkbert_session *s, vkbert_kernel_time *out, size_t capacity, size_t *count) {
    vkbert_status st = need_results(s);
    if (st) return st;
    const vkb_program *p = &s->prog;
    if (count) *count = p->op_count;
    if (capacity < p->op_count || !out)
        return vkb_fail(s->ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "the profile has %u entries; the buffer holds %zu",
                        p->op_count, capacity);
    double *ms = vkb_calloc(p->op_count ? p->op_count : 1, sizeof *ms);
    if (!ms) return vkb_fail(s->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    st = vkb_program_timings(s->ctx, p, ms);
    for (uint32_t i = 0; i < p->op_count && !st; ++i) {
        const vkb_op *op = &p->ops[i];
        double runs = op->indirect >= 0 ? vkb_slot_rows(&s->graph.slots[op->indirect], s->rows) : 1;
        out[i] = (vkbert_kernel_time){vkb_op_kind_name(op->kind), vkb_kernel(op->kernel)->name, op->layer, ms[i],
                                      op->flops * runs};
    }
    vkb_free(ms);
    return st;
}

uint64_t vkbert_session_device_bytes(const vkbert_session *s) {
    if (!s) return 0;
    const vkb_buffer *bs[16];
    uint32_t count = vkb_session_buffers(s, bs);
    uint64_t n = s->head_state ? s->head_class->device_bytes(s->head_state) : 0;
    for (uint32_t i = 0; i < count; ++i) n += bs[i]->size;
    for (uint32_t ch = 0; ch < s->chunks; ++ch) n += s->input[ch].size + s->h[ch].size + s->rb_hidden[ch].size;
    return n;
}
