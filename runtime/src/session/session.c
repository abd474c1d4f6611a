/* Sessions: activation buffers and the forward pass recorded once for one shape,
 * replayed for every encode.
 *
 * Per layer: qkv = h Wqkv^T + b; ctx = attention(qkv, mask); h += ctx Wo^T + bo; LN(h);
 * inter = gelu(h W1^T + b1); h += inter W2^T + b2; LN(h). MLM head on the gathered rows:
 * t = gelu(x Wd^T + bd); LN(t); logits = t E^T + bias; top-k of softmax(logits). */
#include "model/model.h"
#include "model/encoder.h"
#include "heads/head.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Activations live in chunks of whole sequences, each within one binding: a batch too
 * large for one binding runs chunk after chunk through the same (shared) scratch. */
struct vkbert_session {
    vkbert_model *model;
    vkbert_context *ctx;
    uint32_t batch, seq, tokens;   /* max sequences, positions per sequence, batch * seq */
    uint32_t chunk_seqs, chunks, chunk_tokens;
    uint32_t head_rows, top_k;     /* capacity of the head rows, predictions per row */
    bool head, keep_logits;
    vkbert_head_rows head_mode;

    vkb_buffer *input;     /* per chunk, int32: ids [Tc], types [Tc], mask [Tc] (mapped) */
    vkb_buffer *h;         /* per chunk: hidden states [Tc, H] */
    vkb_buffer *rb_hidden; /* per chunk: their readback */
    vkb_buffer rows_in;    /* int32 [R]: the token index of each head row (mapped) */
    vkb_buffer indirect;   /* VkDispatchIndirectCommand per slot */
    vkb_buffer qkv, attn, inter;          /* one chunk's scratch: [Tc,3H], [Tc,H], [Tc,I] */
    vkb_buffer head_x;                    /* [R,H]: the gathered rows the head reads */
    const vkb_head_class *head_class;     /* the head on those rows (the MLM head) */
    void *head_state;
    vkb_program prog;
    vkb_graph graph;

    /* what the last encode ran */
    uint32_t count;
    uint32_t *lengths;     /* [batch] */
    uint32_t rows;
    uint32_t *row_seq, *row_pos;  /* [head_rows] */
    bool have_results;
    bool submitted;        /* vkbert_session_submit was called: wait has something to wait for */
};

/* The encoder of chunk c: embeddings, then the family's layers. */
static vkbert_status build_encoder(vkbert_session *s, uint32_t c) {
    const vkbert_model *m = s->model;
    vkb_encoder e = {&s->graph, m, &s->input[c], &s->h[c], &s->qkv, &s->attn, &s->inter, s->chunk_seqs, s->seq};
    vkbert_status st = vkb_encoder_embed(&e);
    for (uint32_t l = 0; !st && l < m->config.num_hidden_layers; ++l) st = m->arch->build_layer(&e, l);
    return st;
}

/* The head rows gathered out of every chunk (each fills the rows whose tokens it holds),
 * then the head's ops on them. */
static vkbert_status build_head(vkbert_session *s) {
    uint32_t H = s->model->config.hidden_size;
    vkbert_status st = VKBERT_OK;
    for (uint32_t ch = 0; ch < s->chunks && !st; ++ch)
        st = vkb_op_gather(&s->graph, &s->h[ch], s->chunk_tokens, ch * s->chunk_tokens, &s->rows_in, &s->head_x,
                           s->head_rows, H);
    return st ? st : s->head_class->build(s->head_state, &s->graph);
}

/* Sequences per chunk: as many as fit the widest activation in one binding (and one
 * texel view where the texel kernels read them). */
static vkbert_status plan_chunks(vkbert_session *s) {
    const vkbert_model_config *c = &s->model->config;
    vkbert_context *ctx = s->ctx;
    uint64_t width = c->hidden_size * 3u > c->intermediate_size ? c->hidden_size * 3u : c->intermediate_size;
    uint64_t per_seq = width * 4u * s->seq;
    VkDeviceSize limit = ctx->max_binding;
    if (ctx->matmul_texel && vkb_texel_view_max_bytes(ctx, 16) < limit) limit = vkb_texel_view_max_bytes(ctx, 16);
    uint64_t fit = limit / per_seq;
    if (fit == 0)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                        "one sequence of %u positions needs %llu bytes of activations in one buffer; a binding holds "
                        "at most %llu on this device (use a shorter max_seq)",
                        s->seq, (unsigned long long)per_seq, (unsigned long long)limit);
    s->chunks = (uint32_t)((s->batch + fit - 1) / fit);
    s->chunk_seqs = vkb_div_up(s->batch, s->chunks);
    s->chunk_tokens = s->chunk_seqs * s->seq;
    if (s->chunks > 1)
        vkb_log(ctx, VKBERT_LOG_INFO, "activations of %u sequences run in %u chunks of %u", s->batch, s->chunks,
                s->chunk_seqs);
    return VKBERT_OK;
}

static vkbert_status create_buffers(vkbert_session *s) {
    const vkbert_model_config *c = &s->model->config;
    vkbert_context *ctx = s->ctx;
    size_t T = s->chunk_tokens, H = c->hidden_size, I = c->intermediate_size, R = s->head_rows;
    const VkFormat f = VK_FORMAT_R32G32B32A32_SFLOAT;
    vkbert_status st;
    s->input = vkb_calloc(s->chunks, sizeof *s->input);
    s->h = vkb_calloc(s->chunks, sizeof *s->h);
    s->rb_hidden = vkb_calloc(s->chunks, sizeof *s->rb_hidden);
    if (!s->input || !s->h || !s->rb_hidden) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t ch = 0; ch < s->chunks; ++ch) {
        if ((st = vkb_buffer_create(ctx, 3 * T * 4, VKB_MEM_UPLOAD, "the input buffer", &s->input[ch])) ||
            (st = vkb_buffer_create(ctx, T * H * 4, VKB_MEM_DEVICE, "hidden states", &s->h[ch])) ||
            (st = vkb_buffer_create(ctx, T * H * 4, VKB_MEM_READBACK, "the hidden-state readback", &s->rb_hidden[ch])))
            return st;
        /* matmul inputs are read as texels where the widths allow */
        if (ctx->matmul_texel && H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->h[ch], f))) return st;
    }
    if ((st = vkb_buffer_create(ctx, T * 3 * H * 4, VKB_MEM_DEVICE, "QKV activations", &s->qkv)) ||
        (st = vkb_buffer_create(ctx, T * H * 4, VKB_MEM_DEVICE, "attention output", &s->attn)) ||
        (st = vkb_buffer_create(ctx, T * I * 4, VKB_MEM_DEVICE, "FFN activations", &s->inter)))
        return st;
    if (ctx->matmul_texel) {
        if (H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->attn, f))) return st;
        if (I % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->inter, f))) return st;
        if ((H / c->num_attention_heads) % 4 == 0 && H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->qkv, f)))
            return st;
    }
    if (!s->head) return VKBERT_OK;
    if ((st = vkb_buffer_create(ctx, R * 4, VKB_MEM_UPLOAD, "the head row indices", &s->rows_in)) ||
        (st = vkb_buffer_create(ctx, R * H * 4, VKB_MEM_DEVICE, "MLM head input", &s->head_x)))
        return st;
    if (ctx->matmul_texel && H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->head_x, f))) return st;
    vkb_head_input in = {ctx, s->model, s->model->mlm, &s->head_x, R, s->top_k, s->keep_logits};
    return s->head_class->create(&in, &s->head_state);
}

/* Readback copies: hidden states of every chunk, then the head's. */
static vkbert_status record(vkbert_session *s) {
    size_t T = s->chunk_tokens, H = s->model->config.hidden_size;
    uint32_t n = s->chunks + (s->head ? s->head_class->copies(s->head_state, NULL) : 0);
    vkb_copy *copies = vkb_calloc(n, sizeof *copies);
    if (!copies) return vkb_fail(s->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t ch = 0; ch < s->chunks; ++ch)
        copies[ch] = (vkb_copy){s->h[ch].buffer, s->rb_hidden[ch].buffer, 0, 0, T * H * 4};
    if (s->head) s->head_class->copies(s->head_state, copies + s->chunks);
    vkbert_status st = vkb_program_record(s->ctx, &s->prog, copies, n);
    vkb_free(copies);
    return st;
}

vkbert_status vkbert_session_create(vkbert_model *model, const vkbert_session_desc *desc, vkbert_session **out) {
    if (!model || !out) return vkb_fail(model ? model->ctx : NULL, VKBERT_ERROR_INVALID_ARGUMENT,
                                        "vkbert_session_create: NULL argument");
    *out = NULL;
    vkbert_context *ctx = model->ctx;
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    vkbert_session_desc d = desc ? *desc : (vkbert_session_desc){0};
    const vkbert_model_config *c = &model->config;
    if (d.max_seq > c->max_position_embeddings)
        return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "max_seq %u is over the model's max_position_embeddings %u",
                        d.max_seq, c->max_position_embeddings);
    if (d.top_k > VKBERT_MAX_TOP_K)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "top_k %u is over the maximum %d", d.top_k, VKBERT_MAX_TOP_K);
    if ((unsigned)d.head > VKBERT_HEAD_NONE)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown head mode %d", (int)d.head);
    uint64_t batch = d.max_batch ? d.max_batch : 1, seq = d.max_seq ? d.max_seq : c->max_position_embeddings;
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
    s->head_mode = model->mlm ? d.head : VKBERT_HEAD_NONE;
    s->head_class = &vkb_head_mlm;
    s->graph = (vkb_graph){.ctx = ctx, .prog = &s->prog};
    s->head = s->head_mode != VKBERT_HEAD_NONE;
    s->head_rows = s->head ? (d.max_head_rows ? d.max_head_rows : s->tokens) : 0;
    if (s->head_rows > s->tokens) s->head_rows = s->tokens;
    if (s->head_rows > maxx) s->head_rows = maxx;
    if (s->head) { /* the head's [rows, hidden] buffers stay within one binding and texel view */
        uint32_t fit = vkb_split_rows(ctx, s->head_rows, (uint64_t)c->hidden_size * 4, 1,
                                      ctx->matmul_texel ? vkb_texel_view_max_bytes(ctx, 16) : 0);
        if (fit < s->head_rows) {
            vkb_log(ctx, VKBERT_LOG_INFO, "the MLM head takes at most %u rows per encode on this device", fit);
            s->head_rows = fit;
        }
    }
    s->top_k = d.top_k ? d.top_k : 5;
    if (s->top_k > c->vocab_size) s->top_k = c->vocab_size;
    s->keep_logits = d.keep_logits && s->head;
    s->lengths = vkb_calloc(s->batch, sizeof *s->lengths);
    s->row_seq = vkb_calloc(s->head_rows + 1, sizeof *s->row_seq);
    s->row_pos = vkb_calloc(s->head_rows + 1, sizeof *s->row_pos);
    vkbert_status st = (!s->lengths || !s->row_seq || !s->row_pos)
                           ? vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory")
                           : VKBERT_OK;
    if (!st && s->head && s->head_rows == 0)
        st = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "not even one MLM head row fits in one buffer binding");
    if (!st) st = plan_chunks(s);
    if (!st) st = create_buffers(s);
    if (!st) s->prog.profile = d.profile;
    for (uint32_t ch = 0; !st && ch < s->chunks; ++ch) st = build_encoder(s, ch);
    if (!st && s->head) st = build_head(s);
    if (!st) /* one slot at least: a valid buffer even without a head */
        st = vkb_buffer_create(ctx, (s->graph.slot_count ? s->graph.slot_count : 1) * sizeof(VkDispatchIndirectCommand),
                               VKB_MEM_UPLOAD, "the indirect dispatch buffer", &s->indirect);
    if (!st) {
        s->prog.indirect = s->indirect.buffer;
        st = record(s);
    }
    if (st) {
        vkbert_session_destroy(s);
        return st;
    }
    *out = s;
    return VKBERT_OK;
}

/* Every single buffer of a session (the per-chunk ones separately). */
static uint32_t session_buffers(const vkbert_session *s, const vkb_buffer **out) {
    const vkb_buffer *bs[] = {&s->rows_in, &s->indirect, &s->qkv, &s->attn, &s->inter, &s->head_x};
    uint32_t n = 0;
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; ++i) out[n++] = bs[i];
    return n;
}

void vkbert_session_destroy(vkbert_session *s) {
    if (!s) return;
    vkbert_context *ctx = s->ctx;
    vkb_program_destroy(ctx, &s->prog);
    const vkb_buffer *bs[16];
    uint32_t n = session_buffers(s, bs);
    for (uint32_t i = 0; i < n; ++i) vkb_buffer_destroy(ctx, (vkb_buffer *)bs[i]);
    for (uint32_t ch = 0; ch < s->chunks; ++ch) {
        if (s->input) vkb_buffer_destroy(ctx, &s->input[ch]);
        if (s->h) vkb_buffer_destroy(ctx, &s->h[ch]);
        if (s->rb_hidden) vkb_buffer_destroy(ctx, &s->rb_hidden[ch]);
    }
    s->head_class->destroy(ctx, s->head_state);
    vkb_free(s->input);
    vkb_free(s->h);
    vkb_free(s->rb_hidden);
    vkb_graph_destroy(&s->graph);
    vkb_free(s->lengths);
    vkb_free(s->row_seq);
    vkb_free(s->row_pos);
    vkb_free(s);
}

/* Checks the batch and writes ids, types, mask and head rows into the mapped inputs. */
static vkbert_status write_inputs(vkbert_session *s, const vkbert_sequence *seqs, uint32_t count) {
    vkbert_context *ctx = s->ctx;
    const vkbert_model_config *c = &s->model->config;
    if (count == 0 || !seqs) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: no sequences given");
    if (count > s->batch)
        return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "encode: %u sequences but the session holds at most %u", count,
                        s->batch);
    int32_t mask_id = s->model->mask_id;
    uint32_t rows = 0;
    bool types = c->type_vocab_size > 0; /* a family without token types ignores them */
    for (uint32_t b = 0; b < count; ++b) {
        const vkbert_sequence *q = &seqs[b];
        types = c->type_vocab_size > 0 && q->token_type_ids;
        if (q->length == 0 || !q->input_ids)
            return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u is empty", b);
        if (q->length > s->seq)
            return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "encode: sequence %u has %u tokens; the session allows %u "
                            "(model positions: %u)", b, q->length, s->seq, c->max_position_embeddings);
        for (uint32_t i = 0; i < q->length; ++i) {
            if (q->input_ids[i] < 0 || (uint32_t)q->input_ids[i] >= c->vocab_size)
                return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u token %u: id %d is outside "
                                "the vocabulary [0, %u)", b, i, q->input_ids[i], c->vocab_size);
            if (types && (q->token_type_ids[i] < 0 || (uint32_t)q->token_type_ids[i] >= c->type_vocab_size))
                return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u token %u: token type %d is "
                                "outside [0, %u)", b, i, q->token_type_ids[i], c->type_vocab_size);
            bool row = s->head_mode == VKBERT_HEAD_ALL ||
                       (s->head_mode == VKBERT_HEAD_MASKED && q->input_ids[i] == mask_id);
            if (row && rows++ >= s->head_rows)
                return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "encode: more than %u tokens need the MLM head "
                                "(the session's max_head_rows)", s->head_rows);
        }
    }
    uint32_t T = s->chunk_tokens;
    for (uint32_t ch = 0; ch < s->chunks; ++ch) memset(s->input[ch].mapped, 0, (size_t)3 * T * 4);
    int32_t *head_in = s->rows_in.mapped;
    rows = 0;
    for (uint32_t b = 0; b < count; ++b) {
        const vkbert_sequence *q = &seqs[b];
        int32_t *in = s->input[b / s->chunk_seqs].mapped;
        for (uint32_t i = 0; i < q->length; ++i) {
            uint32_t t = (b % s->chunk_seqs) * s->seq + i;  /* in the chunk */
            in[t] = q->input_ids[i];
            in[T + t] = c->type_vocab_size && q->token_type_ids ? q->token_type_ids[i] : 0;
            in[2 * T + t] = 1;
            bool row = s->head_mode == VKBERT_HEAD_ALL ||
                       (s->head_mode == VKBERT_HEAD_MASKED && q->input_ids[i] == mask_id);
            if (row) {
                head_in[rows] = (int32_t)(b * s->seq + i);  /* chunks are contiguous runs of tokens */
                s->row_seq[rows] = b;
                s->row_pos[rows] = i;
                rows++;
            }
        }
        s->lengths[b] = q->length;
    }
    s->count = count;
    s->rows = rows;
    vkb_graph_write_slots(&s->graph, rows, s->indirect.mapped);
    return VKBERT_OK;
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
    if (!st) st = write_inputs(s, seqs, count);
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
    size_t H = s->model->config.hidden_size, n = (size_t)s->lengths[seq] * H;
    if (needed) *needed = n;
    if (capacity < n || !dst)
        return vkb_fail(s->ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "hidden states need %zu floats; the buffer holds %zu", n,
                        capacity);
    const float *chunk = s->rb_hidden[seq / s->chunk_seqs].mapped;
    memcpy(dst, chunk + (size_t)(seq % s->chunk_seqs) * s->seq * H, n * sizeof(float));
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
    uint32_t count = session_buffers(s, bs);
    uint64_t n = s->head_state ? s->head_class->device_bytes(s->head_state) : 0;
    for (uint32_t i = 0; i < count; ++i) n += bs[i]->size;
    for (uint32_t ch = 0; ch < s->chunks; ++ch) n += s->input[ch].size + s->h[ch].size + s->rb_hidden[ch].size;
    return n;
}
