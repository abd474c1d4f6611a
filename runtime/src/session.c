/* Sessions: activation buffers and the forward pass recorded once for one shape,
 * replayed for every encode.
 *
 * Per layer: qkv = h Wqkv^T + b; ctx = attention(qkv, mask); h += ctx Wo^T + bo; LN(h);
 * inter = gelu(h W1^T + b1); h += inter W2^T + b2; LN(h). MLM head on the gathered rows:
 * t = gelu(x Wd^T + bd); LN(t); logits = t E^T + bias; top-k of softmax(logits). */
#include "vkb_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MATMUL_COLS_PER_GROUP 64u  /* matmul.comp: 16 lanes x TN 4 */
#define MATMUL_ROWS_PER_GROUP 16u  /* matmul.comp: 4 lanes x TM 4 */
#define ATTN_QUERIES_PER_GROUP 64u
#define TEXEL_COLS_PER_GROUP 128u  /* matmul_texel.comp: 4 subgroups x 32 columns */
#define TEXEL_ROWS_PER_GROUP 8u

enum { SLOT_ROWS, SLOT_MATMUL_H, SLOT_MATMUL_V, SLOT_COUNT };

struct vkbert_session {
    vkbert_model *model;
    vkbert_context *ctx;
    uint32_t batch, seq, tokens;   /* max sequences, positions per sequence, batch * seq */
    uint32_t head_rows, top_k;     /* capacity of the MLM head, predictions per row */
    bool head, keep_logits;
    vkbert_head_rows head_mode;

    vkb_buffer input;      /* int32: ids [T], types [T], mask [T], head row indices [R] */
    vkb_buffer indirect;   /* VkDispatchIndirectCommand per SLOT_* */
    vkb_buffer h, qkv, attn, inter;                 /* [T,H], [T,3H], [T,H], [T,I] */
    vkb_buffer head_x, logits, top_ids, top_probs;  /* [R,H], [R,V], [R,k], [R,k] */
    vkb_buffer readback;   /* hidden [T,H], top ids [R,k], top probs [R,k], logits [R,V] */
    size_t rb_ids, rb_probs, rb_logits;             /* byte offsets in readback */
    vkb_program prog;
    uint32_t slot_kernel[SLOT_COUNT];  /* the matmul kernel behind each indirect slot */

    /* what the last encode ran */
    uint32_t count;
    uint32_t *lengths;     /* [batch] */
    uint32_t rows;
    uint32_t *row_seq, *row_pos;  /* [head_rows] */
    bool have_results;
    bool submitted;        /* vkbert_session_submit was called: wait has something to wait for */
};

static uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

/* Workgroup counts of a matmul kernel for an m x n output. */
static VkDispatchIndirectCommand matmul_groups(const vkbert_context *ctx, uint32_t kernel, uint32_t m, uint32_t n) {
    if (kernel == VKB_KERNEL_MATMUL_TILED || kernel == VKB_KERNEL_MATMUL_TILED_F16W ||
        kernel == VKB_KERNEL_MATMUL_TILED_F16A)
        return (VkDispatchIndirectCommand){div_up(n, ctx->tile[0] * ctx->tile[3]), div_up(m, ctx->tile[1] * ctx->tile[2]), 1};
    /* matmul and matmul_f16w share their tiling */
    if (kernel == VKB_KERNEL_MATMUL_TEXEL)
        return (VkDispatchIndirectCommand){div_up(n, TEXEL_COLS_PER_GROUP), div_up(m, TEXEL_ROWS_PER_GROUP), 1};
    return (VkDispatchIndirectCommand){div_up(n, MATMUL_COLS_PER_GROUP), div_up(m, MATMUL_ROWS_PER_GROUP), 1};
}

/* Y (+)= act(X W^T + b): the texel variant when W was repacked for it and X has a view. */
static vkbert_status add_matmul(vkbert_session *s, uint8_t kind, int layer, const vkb_buffer *x, const vkb_buffer *w,
                                const vkb_buffer *b, const vkb_buffer *y, uint32_t m, uint32_t n, uint32_t k,
                                uint32_t act, uint32_t accum, int32_t indirect) {
    bool texel = w->view && x->view;
    /* the tied decoder reads the embedding table as it is (row-major), not repacked */
    uint32_t row_major = w == &s->model->word_emb;
    const vkbert_context *ctx = s->ctx;
    uint32_t tiled = !w->f16 ? VKB_KERNEL_MATMUL_TILED
                     : ctx->fp16_arith ? VKB_KERNEL_MATMUL_TILED_F16A : VKB_KERNEL_MATMUL_TILED_F16W;
    uint32_t kernel = texel             ? VKB_KERNEL_MATMUL_TEXEL
                      : ctx->matmul_tiled ? tiled
                                          : (w->f16 ? VKB_KERNEL_MATMUL_F16W : VKB_KERNEL_MATMUL);
    vkb_op op = {.kernel = kernel,
                 .spec = {act, accum, row_major, ctx->tile[0], ctx->tile[1], ctx->tile[2], ctx->tile[3]},
                 .bind = {texel ? vkb_bind_view(x) : vkb_bind(x), texel ? vkb_bind_view(w) : vkb_bind(w), vkb_bind(b),
                          vkb_bind(y)},
                 .writes = 1u << 3, .indirect = indirect, .kind = kind, .layer = (int16_t)layer,
                 .flops = 2.0 * n * k * (indirect >= 0 ? 1.0 : m), .flops_per_row = indirect >= 0};
    VkDispatchIndirectCommand g = matmul_groups(ctx, op.kernel, m, n);
    op.groups[0] = g.x;
    op.groups[1] = g.y;
    op.groups[2] = 1;
    if (indirect >= 0) s->slot_kernel[indirect] = op.kernel;
    vkb_push_matmul pc = {m, n, k, 0, 0, 0, 0};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(s->ctx, &s->prog, &op);
}

static vkbert_status add_layernorm(vkbert_session *s, uint8_t kind, int layer, const vkb_buffer *x,
                                   const vkb_buffer *params, uint32_t rows, int32_t indirect) {
    double width = s->model->config.hidden_size;
    vkb_op op = {.kernel = VKB_KERNEL_LAYERNORM, .bind = {vkb_bind(x), vkb_bind(params)}, .writes = 1u << 0,
                 .indirect = indirect, .kind = kind, .layer = (int16_t)layer,
                 .flops = 8.0 * width * (indirect >= 0 ? 1.0 : rows), .flops_per_row = indirect >= 0};
    vkb_grid_rows(s->ctx, rows, op.groups);
    vkb_push_layernorm pc = {rows, s->model->config.hidden_size, s->model->config.layer_norm_eps};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(s->ctx, &s->prog, &op);
}

static vkbert_status build_encoder(vkbert_session *s) {
    const vkbert_model *m = s->model;
    const vkbert_model_config *c = &m->config;
    uint32_t T = s->tokens, H = c->hidden_size, I = c->intermediate_size;
    vkbert_status st;

    vkb_op e = {.kernel = VKB_KERNEL_EMBED_LN,
                .bind = {vkb_bind_range(&s->input, 0, (VkDeviceSize)T * 2 * 4), vkb_bind(&m->word_emb),
                         vkb_bind(&m->emb_aux), vkb_bind(&s->h)},
                .writes = 1u << 3, .indirect = -1, .kind = VKB_OP_EMBED, .layer = -1, .flops = 11.0 * T * H};
    vkb_grid_rows(s->ctx, T, e.groups);
    vkb_push_embed pe = {T, s->seq, H, c->vocab_size, c->max_position_embeddings, c->type_vocab_size,
                         c->layer_norm_eps};
    memcpy(e.push, &pe, sizeof pe);
    if ((st = vkb_program_add(s->ctx, &s->prog, &e))) return st;

    uint32_t D = H / c->num_attention_heads;
    for (uint32_t l = 0; l < c->num_hidden_layers; ++l) {
        const vkb_layer *ly = &m->layers[l];
        if ((st = add_matmul(s, VKB_OP_QKV, (int)l, &s->h, &ly->qkv_w, &ly->qkv_b, &s->qkv, T, 3 * H, H, 0, 0, -1)))
            return st;
        vkb_op a = {.kernel = s->qkv.view ? VKB_KERNEL_ATTENTION_TEXEL : VKB_KERNEL_ATTENTION, .spec = {D},
                    .bind = {s->qkv.view ? vkb_bind_view(&s->qkv) : vkb_bind(&s->qkv), vkb_bind(&s->input),
                             vkb_bind(&s->attn)},
                    .writes = 1u << 2,
                    .groups = {div_up(s->seq, ATTN_QUERIES_PER_GROUP), c->num_attention_heads, s->batch},
                    .indirect = -1, .kind = VKB_OP_ATTENTION, .layer = (int16_t)l,
                    /* q.k and p.v: 2 x 2 FLOP per (query, key, dimension) */
                    .flops = 4.0 * s->batch * c->num_attention_heads * (double)s->seq * s->seq * D};
        vkb_push_attention pa = {s->seq, H, c->num_attention_heads, T, 2 * T, 1.0f / sqrtf((float)D)};
        memcpy(a.push, &pa, sizeof pa);
        if ((st = vkb_program_add(s->ctx, &s->prog, &a))) return st;
        int li = (int)l;
        if ((st = add_matmul(s, VKB_OP_ATTN_OUT, li, &s->attn, &ly->out_w, &ly->out_b, &s->h, T, H, H, 0, 1, -1)) ||
            (st = add_layernorm(s, VKB_OP_LAYERNORM, li, &s->h, &ly->ln1, T, -1)) ||
            (st = add_matmul(s, VKB_OP_FFN_UP, li, &s->h, &ly->ffn1_w, &ly->ffn1_b, &s->inter, T, I, H, 1, 0, -1)) ||
            (st = add_matmul(s, VKB_OP_FFN_DOWN, li, &s->inter, &ly->ffn2_w, &ly->ffn2_b, &s->h, T, H, I, 0, 1, -1)) ||
            (st = add_layernorm(s, VKB_OP_LAYERNORM, li, &s->h, &ly->ln2, T, -1)))
            return st;
    }
    return VKBERT_OK;
}

/* The head's dispatches are indirect: each encode sizes them to the rows it has. */
static vkbert_status build_head(vkbert_session *s) {
    const vkbert_model *m = s->model;
    const vkbert_model_config *c = &m->config;
    uint32_t R = s->head_rows, H = c->hidden_size, V = c->vocab_size;
    vkbert_status st;
    vkb_op g = {.kernel = VKB_KERNEL_GATHER,
                .bind = {vkb_bind(&s->h), vkb_bind(&s->input), vkb_bind(&s->head_x)}, .writes = 1u << 2,
                .indirect = SLOT_ROWS, .kind = VKB_OP_HEAD_GATHER, .layer = -1};
    vkb_push_gather pg = {R, H, 3 * s->tokens, s->tokens};
    memcpy(g.push, &pg, sizeof pg);
    if ((st = vkb_program_add(s->ctx, &s->prog, &g))) return st;
    /* the transform writes into `attn` rows [0, R) as scratch: the encoder is done with it */
    if ((st = add_matmul(s, VKB_OP_HEAD_DENSE, -1, &s->head_x, &m->head_w, &m->head_b, &s->attn, R, H, H, 1, 0,
                         SLOT_MATMUL_H)) ||
        (st = add_layernorm(s, VKB_OP_HEAD_LAYERNORM, -1, &s->attn, &m->head_ln, R, SLOT_ROWS)))
        return st;
    const vkb_buffer *dec = m->decoder_w.buffer ? &m->decoder_w : &m->word_emb;
    if ((st = add_matmul(s, VKB_OP_HEAD_DECODER, -1, &s->attn, dec, &m->decoder_b, &s->logits, R, V, H, 0, 0,
                         SLOT_MATMUL_V)))
        return st;
    vkb_op t = {.kernel = VKB_KERNEL_TOPK,
                .bind = {vkb_bind(&s->logits), vkb_bind(&s->top_ids), vkb_bind(&s->top_probs)},
                .writes = (1u << 1) | (1u << 2), .indirect = SLOT_ROWS, .kind = VKB_OP_TOPK, .layer = -1,
                .flops = (double)(s->top_k + 2) * V, .flops_per_row = true};
    vkb_push_topk pt = {R, V, s->top_k};
    memcpy(t.push, &pt, sizeof pt);
    return vkb_program_add(s->ctx, &s->prog, &t);
}

static vkbert_status create_buffers(vkbert_session *s) {
    const vkbert_model_config *c = &s->model->config;
    vkbert_context *ctx = s->ctx;
    size_t T = s->tokens, H = c->hidden_size, I = c->intermediate_size, R = s->head_rows, V = c->vocab_size,
           K = s->top_k;
    vkbert_status st;
    if ((st = vkb_buffer_create(ctx, (3 * T + R) * 4, VKB_MEM_UPLOAD, "the input buffer", &s->input)) ||
        (st = vkb_buffer_create(ctx, SLOT_COUNT * sizeof(VkDispatchIndirectCommand), VKB_MEM_UPLOAD,
                                "the indirect dispatch buffer", &s->indirect)) ||
        (st = vkb_buffer_create(ctx, T * H * 4, VKB_MEM_DEVICE, "hidden states", &s->h)) ||
        (st = vkb_buffer_create(ctx, T * 3 * H * 4, VKB_MEM_DEVICE, "QKV activations", &s->qkv)) ||
        (st = vkb_buffer_create(ctx, T * H * 4, VKB_MEM_DEVICE, "attention output", &s->attn)) ||
        (st = vkb_buffer_create(ctx, T * I * 4, VKB_MEM_DEVICE, "FFN activations", &s->inter)))
        return st;
    if (ctx->matmul_texel) { /* matmul inputs are read as texels where the widths allow */
        const VkFormat f = VK_FORMAT_R32G32B32A32_SFLOAT;
        if (H % 4 == 0 && ((st = vkb_buffer_make_view(ctx, &s->h, f)) || (st = vkb_buffer_make_view(ctx, &s->attn, f))))
            return st;
        if (I % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->inter, f))) return st;
        if ((H / c->num_attention_heads) % 4 == 0 && H % 4 == 0 && (st = vkb_buffer_make_view(ctx, &s->qkv, f)))
            return st;
    }
    size_t rb = T * H * 4;
    if (s->head) {
        if ((st = vkb_buffer_create(ctx, R * H * 4, VKB_MEM_DEVICE, "MLM head input", &s->head_x)) ||
            (st = vkb_buffer_create(ctx, R * V * 4, VKB_MEM_DEVICE, "MLM logits", &s->logits)) ||
            (st = vkb_buffer_create(ctx, R * K * 4, VKB_MEM_DEVICE, "top-k ids", &s->top_ids)) ||
            (st = vkb_buffer_create(ctx, R * K * 4, VKB_MEM_DEVICE, "top-k probabilities", &s->top_probs)))
            return st;
        if (ctx->matmul_texel && H % 4 == 0 &&
            ((st = vkb_buffer_make_view(ctx, &s->head_x, VK_FORMAT_R32G32B32A32_SFLOAT)) ||
             (!s->attn.view && (st = vkb_buffer_make_view(ctx, &s->attn, VK_FORMAT_R32G32B32A32_SFLOAT)))))
            return st;
        s->rb_ids = rb;
        s->rb_probs = rb + R * K * 4;
        s->rb_logits = rb + 2 * R * K * 4;
        rb = s->rb_logits + (s->keep_logits ? R * V * 4 : 0);
    }
    return vkb_buffer_create(ctx, rb, VKB_MEM_READBACK, "the readback buffer", &s->readback);
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
    s->head_mode = model->has_head ? d.head : VKBERT_HEAD_NONE;
    s->head = s->head_mode != VKBERT_HEAD_NONE;
    s->head_rows = s->head ? (d.max_head_rows ? d.max_head_rows : s->tokens) : 0;
    if (s->head_rows > s->tokens) s->head_rows = s->tokens;
    if (s->head_rows > maxx) s->head_rows = maxx;
    s->top_k = d.top_k ? d.top_k : 5;
    if (s->top_k > c->vocab_size) s->top_k = c->vocab_size;
    s->keep_logits = d.keep_logits && s->head;
    s->lengths = vkb_calloc(s->batch, sizeof *s->lengths);
    s->row_seq = vkb_calloc(s->head_rows + 1, sizeof *s->row_seq);
    s->row_pos = vkb_calloc(s->head_rows + 1, sizeof *s->row_pos);
    vkbert_status st = (!s->lengths || !s->row_seq || !s->row_pos)
                           ? vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory")
                           : VKBERT_OK;
    if (!st) st = create_buffers(s);
    if (!st) {
        s->prog.indirect = s->indirect.buffer;
        s->prog.profile = d.profile;
        st = build_encoder(s);
    }
    if (!st && s->head) st = build_head(s);
    if (!st) {
        size_t T = s->tokens, H = c->hidden_size, R = s->head_rows, K = s->top_k;
        vkb_copy copies[4] = {{s->h.buffer, s->readback.buffer, 0, 0, T * H * 4}};
        uint32_t n = 1;
        if (s->head) {
            copies[n++] = (vkb_copy){s->top_ids.buffer, s->readback.buffer, 0, s->rb_ids, R * K * 4};
            copies[n++] = (vkb_copy){s->top_probs.buffer, s->readback.buffer, 0, s->rb_probs, R * K * 4};
            if (s->keep_logits)
                copies[n++] = (vkb_copy){s->logits.buffer, s->readback.buffer, 0, s->rb_logits,
                                         R * (size_t)c->vocab_size * 4};
        }
        st = vkb_program_record(ctx, &s->prog, copies, n);
    }
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
    vkb_buffer *bs[] = {&s->input, &s->indirect, &s->h, &s->qkv, &s->attn, &s->inter, &s->head_x,
                        &s->logits, &s->top_ids, &s->top_probs, &s->readback};
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; ++i) vkb_buffer_destroy(ctx, bs[i]);
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
    for (uint32_t b = 0; b < count; ++b) {
        const vkbert_sequence *q = &seqs[b];
        if (q->length == 0 || !q->input_ids)
            return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u is empty", b);
        if (q->length > s->seq)
            return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "encode: sequence %u has %u tokens; the session allows %u "
                            "(model positions: %u)", b, q->length, s->seq, c->max_position_embeddings);
        for (uint32_t i = 0; i < q->length; ++i) {
            if (q->input_ids[i] < 0 || (uint32_t)q->input_ids[i] >= c->vocab_size)
                return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u token %u: id %d is outside "
                                "the vocabulary [0, %u)", b, i, q->input_ids[i], c->vocab_size);
            if (q->token_type_ids && (q->token_type_ids[i] < 0 || (uint32_t)q->token_type_ids[i] >= c->type_vocab_size))
                return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u token %u: token type %d is "
                                "outside [0, %u)", b, i, q->token_type_ids[i], c->type_vocab_size);
            bool row = s->head_mode == VKBERT_HEAD_ALL ||
                       (s->head_mode == VKBERT_HEAD_MASKED && q->input_ids[i] == mask_id);
            if (row && rows++ >= s->head_rows)
                return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "encode: more than %u tokens need the MLM head "
                                "(the session's max_head_rows)", s->head_rows);
        }
    }
    uint32_t T = s->tokens;
    int32_t *in = s->input.mapped;
    memset(in, 0, (size_t)(3 * T + s->head_rows) * 4);
    rows = 0;
    for (uint32_t b = 0; b < count; ++b) {
        const vkbert_sequence *q = &seqs[b];
        for (uint32_t i = 0; i < q->length; ++i) {
            uint32_t t = b * s->seq + i;
            in[t] = q->input_ids[i];
            in[T + t] = q->token_type_ids ? q->token_type_ids[i] : 0;
            in[2 * T + t] = 1;
            bool row = s->head_mode == VKBERT_HEAD_ALL ||
                       (s->head_mode == VKBERT_HEAD_MASKED && q->input_ids[i] == mask_id);
            if (row) {
                in[3 * T + rows] = (int32_t)t;
                s->row_seq[rows] = b;
                s->row_pos[rows] = i;
                rows++;
            }
        }
        s->lengths[b] = q->length;
    }
    s->count = count;
    s->rows = rows;
    VkDispatchIndirectCommand *ind = s->indirect.mapped;
    ind[SLOT_ROWS] = (VkDispatchIndirectCommand){rows, 1, 1};
    ind[SLOT_MATMUL_H] = matmul_groups(s->ctx, s->slot_kernel[SLOT_MATMUL_H], rows, c->hidden_size);
    ind[SLOT_MATMUL_V] = matmul_groups(s->ctx, s->slot_kernel[SLOT_MATMUL_V], rows, c->vocab_size);
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
    memcpy(dst, (const float *)s->readback.mapped + (size_t)seq * s->seq * H, n * sizeof(float));
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
    size_t k = s->top_k, n = capacity < k ? capacity : k;
    if (count) *count = k;
    if (!dst && capacity) return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "dst is NULL");
    const uint8_t *rb = s->readback.mapped;
    const int32_t *ids = (const int32_t *)(rb + s->rb_ids) + (size_t)row * k;
    const float *probs = (const float *)(rb + s->rb_probs) + (size_t)row * k;
    for (size_t i = 0; i < n; ++i) dst[i] = (vkbert_prediction){ids[i], probs[i]};
    if (capacity < k)
        return vkb_fail(s->ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "top-k needs %zu entries; the buffer holds %zu", k,
                        capacity);
    return VKBERT_OK;
}

vkbert_status vkbert_session_read_logits(const vkbert_session *s, uint32_t row, float *dst, size_t capacity,
                                         size_t *needed) {
    vkbert_status st = check_row(s, row);
    if (st) return st;
    if (!s->keep_logits)
        return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "logits were not kept (set keep_logits in the session desc)");
    size_t V = s->model->config.vocab_size;
    if (needed) *needed = V;
    if (capacity < V || !dst)
        return vkb_fail(s->ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "logits need %zu floats; the buffer holds %zu", V,
                        capacity);
    memcpy(dst, (const float *)((const uint8_t *)s->readback.mapped + s->rb_logits) + (size_t)row * V, V * sizeof(float));
    return VKBERT_OK;
}

const vkb_program *vkb_session_program(const vkbert_session *s) { return s ? &s->prog : NULL; }

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
        out[i] = (vkbert_kernel_time){vkb_op_kind_name(op->kind), vkb_kernel(op->kernel)->name, op->layer, ms[i],
                                      op->flops * (op->flops_per_row ? s->rows : 1)};
    }
    vkb_free(ms);
    return st;
}

uint64_t vkbert_session_device_bytes(const vkbert_session *s) {
    if (!s) return 0;
    const vkb_buffer *bs[] = {&s->input, &s->indirect, &s->h, &s->qkv, &s->attn, &s->inter, &s->head_x,
                              &s->logits, &s->top_ids, &s->top_probs, &s->readback};
    uint64_t n = 0;
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; ++i) n += bs[i]->size;
    return n;
}
