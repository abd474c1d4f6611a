/* Planning: activation chunks of whole sequences, and the buffers of a session. */
#include "session/session.h"
#include "model/encoder.h"



/* Sequences per chunk: as many as fit the widest activation in one binding (and one
 * texel view where the texel kernels read them). */
static vkbert_status plan_chunks(vkbert_session *s) {
    const vkbert_model_config *c = &s->model->config;
    vkbert_context *ctx = s->ctx;
    /* a gated MLP's FFN scratch holds both halves and their product: 3I */
    uint64_t ffn = (uint64_t)c->intermediate_size * (s->model->arch->gated_mlp ? 3u : 1u);
    uint64_t width = c->hidden_size * 3u > ffn ? c->hidden_size * 3u : ffn;
    uint64_t per_seq = width * 4u * s->seq;
    VkDeviceSize limit = ctx->max_binding;
    if (ctx->matmul_texel && vkb_texel_view_max_bytes(ctx, 16) < limit) limit = vkb_texel_view_max_bytes(ctx, 16);
    uint64_t fit = limit / per_seq;
    s->ffn_rows = 0;
    if (fit == 0 && ffn * 4u * s->seq > limit && (uint64_t)c->hidden_size * 3u * 4u * s->seq <= limit) {
        /* one long sequence: everything but the FFN fits; the FFN runs in slices of tokens (a multiple
         * of 8, the texel matmul's row group) through a scratch of one slice */
        s->ffn_rows = (uint32_t)(limit / (ffn * 4u)) / 8 * 8;
        fit = s->ffn_rows ? 1 : 0;
    }
    if (fit == 0)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                        "one sequence of %u positions needs %llu bytes of activations in one buffer; a binding holds "
                        "at most %llu on this device (use a shorter max_seq)",
                        s->seq, (unsigned long long)per_seq, (unsigned long long)limit);
    s->chunks = (uint32_t)((s->batch + fit - 1) / fit);
    s->chunk_seqs = vkb_div_up(s->batch, s->chunks);
    s->chunk_tokens = s->chunk_seqs * s->seq;
    if (!s->ffn_rows) s->ffn_rows = s->chunk_tokens; /* (sliced: one sequence per chunk, fit 1) */
    if (s->ffn_rows < s->chunk_tokens)
        vkb_log(ctx, VKBERT_LOG_INFO, "the FFN runs in slices of %u of the %u tokens", s->ffn_rows, s->chunk_tokens);
    if (s->chunks > 1)
        vkb_log(ctx, VKBERT_LOG_INFO, "activations of %u sequences run in %u chunks of %u", s->batch, s->chunks,
                s->chunk_seqs);
    return VKBERT_OK;
}

static vkbert_status create_buffers(vkbert_session *s) {
    const vkbert_model_config *c = &s->model->config;
    vkbert_context *ctx = s->ctx;
    size_t T = s->chunk_tokens, H = c->hidden_size, I = c->intermediate_size, R = s->head_rows;
    size_t I3 = s->model->arch->gated_mlp ? 3 * I : I;            /* see plan_chunks */
    size_t rope = vkb_rope_tables(s->model, s->seq, NULL);         /* floats after ids, types, mask */
    const VkFormat f = VK_FORMAT_R32G32B32A32_SFLOAT;
    vkbert_status st;
    s->input = vkb_calloc(s->chunks, sizeof *s->input);
    s->h = vkb_calloc(s->chunks, sizeof *s->h);
    s->rb_hidden = vkb_calloc(s->chunks, sizeof *s->rb_hidden);
    if (!s->input || !s->h || !s->rb_hidden) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t ch = 0; ch < s->chunks; ++ch) {
        if ((st = vkb_buffer_create(ctx, (3 * T + rope) * 4, VKB_MEM_UPLOAD, "the input buffer", &s->input[ch])) ||
            (st = vkb_buffer_create(ctx, T * H * 4, VKB_MEM_DEVICE, "hidden states", &s->h[ch])))
            return st;
        /* the rotary tables are the same for every encode: written once */
        if (rope) vkb_rope_tables(s->model, s->seq, (float *)s->input[ch].mapped + 3 * T);
        /* hidden states come back to the host for the MLM task only (vkbert_session_read_hidden) */
        if (s->task == VKBERT_TASK_MLM &&
            (st = vkb_buffer_create(ctx, T * H * 4, VKB_MEM_READBACK, "the hidden-state readback", &s->rb_hidden[ch])))
            return st;
        /* matmul inputs are read as texels where the widths allow */
        if (ctx->matmul_texel && H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->h[ch], f))) return st;
    }
    if ((st = vkb_buffer_create(ctx, T * 3 * H * 4, VKB_MEM_DEVICE, "QKV activations", &s->qkv)) ||
        (st = vkb_buffer_create(ctx, T * H * 4, VKB_MEM_DEVICE, "attention output", &s->attn)) ||
        (st = vkb_buffer_create(ctx, (size_t)s->ffn_rows * I3 * 4, VKB_MEM_DEVICE, "FFN activations", &s->inter)))
        return st;
    if (ctx->matmul_texel) {
        if (H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->attn, f))) return st;
        if (I % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->inter, f))) return st;
        if ((H / c->num_attention_heads) % 4 == 0 && H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->qkv, f)))
            return st;
    }
    if (s->keep_attention) { /* [batch, heads, seq, seq] floats in one binding, all in one chunk */
        uint64_t bytes = (uint64_t)s->chunk_seqs * c->num_attention_heads * s->seq * s->seq * 4u;
        if (s->chunks > 1 || bytes > ctx->max_binding)
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "attention probabilities of %u x %u heads x %u x %u positions "
                            "(%llu bytes) do not fit in one buffer binding of at most %llu bytes on this device (fewer "
                            "sequences or a shorter max_seq)", s->batch, c->num_attention_heads, s->seq, s->seq,
                            (unsigned long long)bytes, (unsigned long long)ctx->max_binding);
        if ((st = vkb_buffer_create(ctx, (size_t)bytes, VKB_MEM_DEVICE, "attention probabilities", &s->probs)) ||
            (st = vkb_buffer_create(ctx, (size_t)bytes, VKB_MEM_READBACK, "the attention readback", &s->rb_probs)))
            return st;
    }
    if ((st = vkb_buffer_create(ctx, (size_t)2 * s->chunks * s->chunk_seqs * 4, VKB_MEM_UPLOAD, "the sequence table",
                                &s->seqtab)))
        return st;
    if (!s->head) return VKBERT_OK;
    if (!s->head_class->gathers) {
        vkb_head_input in = {ctx, s->model, s->task == VKBERT_TASK_EMBED ? s->model->embed : s->model->seqcls,
                             NULL, 0, 0, false, s->h, s->chunks, s->chunk_seqs, s->seq, &s->seqtab, s->pooling,
                             s->normalize};
        return s->head_class->create(&in, &s->head_state);
    }
    if ((st = vkb_buffer_create(ctx, R * 4, VKB_MEM_UPLOAD, "the head row indices", &s->rows_in)) ||
        (st = vkb_buffer_create(ctx, R * H * 4, VKB_MEM_DEVICE, "MLM head input", &s->head_x)))
        return st;
    if (ctx->matmul_texel && H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->head_x, f))) return st;
    const void *weights = s->task == VKBERT_TASK_TOKEN_CLASSIFY ? s->model->tokcls
                          : s->task == VKBERT_TASK_QA           ? s->model->qa
                                                                : s->model->mlm;
    vkb_head_input in = {ctx, s->model, weights, &s->head_x, R, s->top_k, s->keep_logits, .seqtab = &s->seqtab};
    return s->head_class->create(&in, &s->head_state);
}

vkbert_status vkb_session_plan(vkbert_session *s) {
    vkbert_status st = plan_chunks(s);
    return st ? st : create_buffers(s);
}

/* Every single buffer of a session (the per-chunk ones separately). */
uint32_t vkb_session_buffers(const vkbert_session *s, const vkb_buffer **out) {
    const vkb_buffer *bs[] = {&s->rows_in, &s->seqtab, &s->indirect, &s->qkv, &s->attn, &s->inter, &s->head_x,
                              &s->probs, &s->rb_probs};
    uint32_t n = 0;
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; ++i) out[n++] = bs[i];
    return n;
}
