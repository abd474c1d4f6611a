/* Sessions: activation buffers and the forward pass recorded once for one shape,
 * replayed for every encode.
 *
 * Per layer: qkv = h Wqkv^T + b; ctx = attention(qkv, mask); h += ctx Wo^T + bo; LN(h);
 * inter = gelu(h W1^T + b1); h += inter W2^T + b2; LN(h). MLM head on the gathered rows:
 * t = gelu(x Wd^T + bd); LN(t); logits = t E^T + bias; top-k of softmax(logits). */
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MATMUL_COLS_PER_GROUP 64u  /* matmul.comp: 16 lanes x TN 4 */
#define MATMUL_ROWS_PER_GROUP 16u  /* matmul.comp: 4 lanes x TM 4 */
#define ATTN_QUERIES_PER_GROUP 64u
#define TEXEL_COLS_PER_GROUP 128u  /* matmul_texel.comp: 4 subgroups x 32 columns */
#define TEXEL_ROW_GROUP 8u         /* matmul_texel.comp: rows per row group (one per lane) */
#define LAYERNORM_LANES 8u         /* layernorm_rows: rows per workgroup */

#define SLOT_ONE_PER_ROW UINT32_MAX  /* a slot's kernel: one workgroup per live row */

/* An indirect dispatch slot, rewritten by every encode for the head rows it has. */
typedef struct vkb_slot {
    uint32_t kernel;   /* the matmul kernel, or SLOT_ONE_PER_ROW */
    uint32_t row0;     /* the first head row the dispatch covers */
    uint32_t cap;      /* the most rows it covers */
    uint32_t n;        /* matmul: output columns */
} vkb_slot;

/* Activations live in chunks of whole sequences, each within one binding: a batch too
 * large for one binding runs chunk after chunk through the same (shared) scratch. */
struct vkbert_session {
    vkbert_model *model;
    vkbert_context *ctx;
    uint32_t batch, seq, tokens;   /* max sequences, positions per sequence, batch * seq */
    uint32_t chunk_seqs, chunks, chunk_tokens;
    uint32_t head_rows, top_k;     /* capacity of the MLM head, predictions per row */
    bool head, keep_logits;
    vkbert_head_rows head_mode;

    vkb_buffer *input;     /* per chunk, int32: ids [Tc], types [Tc], mask [Tc] (mapped) */
    vkb_buffer *h;         /* per chunk: hidden states [Tc, H] */
    vkb_buffer *rb_hidden; /* per chunk: their readback */
    vkb_buffer rows_in;    /* int32 [R]: the token index of each head row (mapped) */
    vkb_buffer indirect;   /* VkDispatchIndirectCommand per slot */
    vkb_buffer qkv, attn, inter;          /* one chunk's scratch: [Tc,3H], [Tc,H], [Tc,I] */
    vkb_buffer head_x, head_t;            /* [R,H]: gathered rows, transformed rows */
    vkb_split logits;                     /* [R,V] in parts of whole rows */
    vkb_buffer top_ids, top_probs;        /* [R,k], [R,k] */
    vkb_buffer rb_top;                    /* ids [R,k] then probs [R,k] */
    vkb_split rb_logits;                  /* [R,V] like logits, when keep_logits */
    vkb_program prog;
    vkb_slot *slots;
    uint32_t slot_count, slot_capacity;

    /* what the last encode ran */
    uint32_t count;
    uint32_t *lengths;     /* [batch] */
    uint32_t rows;
    uint32_t *row_seq, *row_pos;  /* [head_rows] */
    bool have_results;
    bool submitted;        /* vkbert_session_submit was called: wait has something to wait for */
};

static uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

static bool is_tiled(uint32_t kernel) {
    return kernel == VKB_KERNEL_MATMUL_TILED || kernel == VKB_KERNEL_MATMUL_TILED_F16W ||
           kernel == VKB_KERNEL_MATMUL_TILED_F16A;
}

/* matmul_texel's row groups per subgroup for m rows: as many as m fills, up to the
 * context's (4 unless tuned). Head dispatches (few live rows among a large capacity) use 1
 * instead. */
static uint32_t texel_row_groups(const vkbert_context *ctx, uint32_t m) {
    uint32_t rg = div_up(m, TEXEL_ROW_GROUP);
    return rg < 1 ? 1 : rg > ctx->texel_rg ? ctx->texel_rg : rg;
}

/* Workgroup counts of a matmul kernel for an m x n output (rg: matmul_texel's row groups). */
static VkDispatchIndirectCommand matmul_groups(const vkbert_context *ctx, uint32_t kernel, uint32_t m, uint32_t n,
                                               uint32_t rg) {
    if (is_tiled(kernel))
        return (VkDispatchIndirectCommand){div_up(n, ctx->tile[0] * ctx->tile[3]), div_up(m, ctx->tile[1] * ctx->tile[2]), 1};
    /* matmul and matmul_f16w share their tiling */
    if (kernel == VKB_KERNEL_MATMUL_TEXEL)
        return (VkDispatchIndirectCommand){div_up(n, TEXEL_COLS_PER_GROUP), div_up(m, TEXEL_ROW_GROUP * rg), 1};
    return (VkDispatchIndirectCommand){div_up(n, MATMUL_COLS_PER_GROUP), div_up(m, MATMUL_ROWS_PER_GROUP), 1};
}

/* How many of an encode's `rows` head rows a slot's dispatch covers. */
static uint32_t slot_rows(const vkb_slot *x, uint32_t rows) {
    uint32_t live = rows > x->row0 ? rows - x->row0 : 0;
    return live < x->cap ? live : x->cap;
}

/* The index of the slot described by (kernel, row0, cap, n), added if new; -1 when out
 * of host memory. */
static int32_t slot(vkbert_session *s, uint32_t kernel, uint32_t row0, uint32_t cap, uint32_t n) {
    for (uint32_t i = 0; i < s->slot_count; ++i) {
        const vkb_slot *x = &s->slots[i];
        if (x->kernel == kernel && x->row0 == row0 && x->cap == cap && x->n == n) return (int32_t)i;
    }
    if (s->slot_count == s->slot_capacity) {
        uint32_t cap2 = s->slot_capacity ? s->slot_capacity * 2 : 8;
        vkb_slot *ns = vkb_realloc(s->slots, cap2 * sizeof *ns);
        if (!ns) return -1;
        s->slots = ns;
        s->slot_capacity = cap2;
    }
    s->slots[s->slot_count] = (vkb_slot){kernel, row0, cap, n};
    return (int32_t)s->slot_count++;
}

/* Where a head matmul's rows are: `head` true makes its dispatches indirect, covering the
 * live head rows among [row0, row0 + m). */
typedef struct mm_rows { bool head; uint32_t row0; } mm_rows;

/* Y (+)= act(X W^T + b), one dispatch per part of W (columns n0 .. n0 + rows of the part
 * of Y's n columns): the texel variant when W was repacked for it and X has a view. X
 * starts at row x_row0 of its buffer. */
static vkbert_status add_matmul(vkbert_session *s, uint8_t kind, int layer, const vkb_buffer *x, uint32_t x_row0,
                                const vkb_split *w, const vkb_buffer *b, const vkb_buffer *y, uint32_t m, uint32_t n,
                                uint32_t k, uint32_t act, uint32_t accum, mm_rows rows) {
    const vkb_buffer *w0 = &w->part[0];
    bool texel = w0->view && x->view;
    /* the tied decoder reads the embedding table as it is (row-major), not repacked */
    uint32_t row_major = w == &s->model->word_emb;
    const vkbert_context *ctx = s->ctx;
    uint32_t tiled = !w0->f16 ? VKB_KERNEL_MATMUL_TILED
                     : ctx->fp16_arith ? VKB_KERNEL_MATMUL_TILED_F16A : VKB_KERNEL_MATMUL_TILED_F16W;
    uint32_t kernel = texel             ? VKB_KERNEL_MATMUL_TEXEL
                      : ctx->matmul_tiled ? tiled
                                          : (w0->f16 ? VKB_KERNEL_MATMUL_F16W : VKB_KERNEL_MATMUL);
    for (uint32_t p = 0; p < w->count; ++p) {
        const vkb_buffer *wp = &w->part[p];
        uint32_t n0 = p * w->part_rows, np = vkb_split_part_count(w, p);
        int32_t indirect = -1;
        if (rows.head && (indirect = slot(s, kernel, rows.row0, m, np)) < 0)
            return vkb_fail(s->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        uint32_t rg = rows.head ? 1 : texel_row_groups(ctx, m);
        vkb_op op = {.kernel = kernel,
                     .spec = {act, accum, row_major, texel ? rg : ctx->tile[0], ctx->tile[1], ctx->tile[2],
                              ctx->tile[3]},
                     .bind = {texel ? vkb_bind_view(x) : vkb_bind(x), texel ? vkb_bind_view(wp) : vkb_bind(wp),
                              vkb_bind(b), vkb_bind(y)},
                     .writes = 1u << 3, .indirect = indirect, .kind = kind, .layer = (int16_t)layer,
                     .flops = 2.0 * np * k * (rows.head ? 1.0 : m)};
        VkDispatchIndirectCommand g = matmul_groups(ctx, op.kernel, m, np, rg);
        op.groups[0] = g.x;
        op.groups[1] = g.y;
        op.groups[2] = 1;
        vkb_push_matmul pc = {m, np, k, x_row0 * k, 0, n0, n0, n};
        memcpy(op.push, &pc, sizeof pc);
        vkbert_status st = vkb_program_add(s->ctx, &s->prog, &op);
        if (st) return st;
    }
    return VKBERT_OK;
}

static vkbert_status add_layernorm(vkbert_session *s, uint8_t kind, int layer, const vkb_buffer *x,
                                   const vkb_buffer *params, uint32_t rows, bool head) {
    double width = s->model->config.hidden_size;
    int32_t indirect = head ? slot(s, SLOT_ONE_PER_ROW, 0, rows, 0) : -1;
    if (head && indirect < 0) return vkb_fail(s->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    /* one invocation per row on CPU-class devices (not for the head: its indirect slot
     * gives one workgroup per live row) */
    bool per_lane = s->ctx->rows_per_lane && !head;
    vkb_op op = {.kernel = per_lane ? VKB_KERNEL_LAYERNORM_ROWS : VKB_KERNEL_LAYERNORM,
                 .bind = {vkb_bind(x), vkb_bind(params)}, .writes = 1u << 0, .indirect = indirect, .kind = kind,
                 .layer = (int16_t)layer,
                 .flops = 8.0 * width * (head ? 1.0 : rows)};
    vkb_grid_rows(s->ctx, per_lane ? div_up(rows, LAYERNORM_LANES) : rows, op.groups);
    vkb_push_layernorm pc = {rows, s->model->config.hidden_size, s->model->config.layer_norm_eps};
    memcpy(op.push, &pc, sizeof pc);
    return vkb_program_add(s->ctx, &s->prog, &op);
}

/* Embeddings of chunk c into h[c]: one dispatch, or with the word table in parts one copy
 * per part and then the sum and normalisation. */
static vkbert_status add_embeddings(vkbert_session *s, uint32_t c) {
    const vkbert_model *m = s->model;
    const vkbert_model_config *cf = &m->config;
    uint32_t T = s->chunk_tokens, H = cf->hidden_size;
    const vkb_split *we = &m->word_emb;
    bool split = we->count > 1;
    vkbert_status st;
    for (uint32_t p = 0; p <= (split ? we->count : 0); ++p) {
        bool finish = !split || p == we->count;
        uint32_t mode = !split ? 0 : finish ? 2 : 1;
        vkb_op e = {.kernel = VKB_KERNEL_EMBED_LN, .spec = {mode},
                    .bind = {vkb_bind_range(&s->input[c], 0, (VkDeviceSize)T * 2 * 4),
                             vkb_bind(&we->part[finish ? 0 : p]), vkb_bind(&m->emb_aux), vkb_bind(&s->h[c])},
                    .writes = 1u << 3, .indirect = -1, .kind = VKB_OP_EMBED, .layer = -1,
                    .flops = finish ? 11.0 * T * H : 0.0};
        vkb_grid_rows(s->ctx, T, e.groups);
        vkb_push_embed pe = {T, s->seq, H, mode == 1 ? vkb_split_part_count(we, p) : cf->vocab_size,
                             cf->max_position_embeddings, cf->type_vocab_size, cf->layer_norm_eps,
                             mode == 1 ? p * we->part_rows : 0};
        memcpy(e.push, &pe, sizeof pe);
        if ((st = vkb_program_add(s->ctx, &s->prog, &e))) return st;
    }
    return VKBERT_OK;
}

static vkbert_status build_encoder(vkbert_session *s, uint32_t c) {
    const vkbert_model *m = s->model;
    const vkbert_model_config *cf = &m->config;
    uint32_t T = s->chunk_tokens, H = cf->hidden_size, I = cf->intermediate_size;
    const mm_rows all = {false, 0};
    const vkb_buffer *h = &s->h[c];
    vkbert_status st = add_embeddings(s, c);
    if (st) return st;
    uint32_t D = H / cf->num_attention_heads;
    for (uint32_t l = 0; l < cf->num_hidden_layers; ++l) {
        const vkb_layer *ly = &m->layers[l];
        int li = (int)l;
        if ((st = add_matmul(s, VKB_OP_QKV, li, h, 0, &ly->qkv_w, &ly->qkv_b, &s->qkv, T, 3 * H, H, 0, 0, all)))
            return st;
        vkb_op a = {.kernel = s->qkv.view ? VKB_KERNEL_ATTENTION_TEXEL : VKB_KERNEL_ATTENTION, .spec = {D},
                    .bind = {s->qkv.view ? vkb_bind_view(&s->qkv) : vkb_bind(&s->qkv), vkb_bind(&s->input[c]),
                             vkb_bind(&s->attn)},
                    .writes = 1u << 2,
                    .groups = {div_up(s->seq, ATTN_QUERIES_PER_GROUP), cf->num_attention_heads, s->chunk_seqs},
                    .indirect = -1, .kind = VKB_OP_ATTENTION, .layer = (int16_t)l,
                    /* q.k and p.v: 2 x 2 FLOP per (query, key, dimension) */
                    .flops = 4.0 * s->chunk_seqs * cf->num_attention_heads * (double)s->seq * s->seq * D};
        vkb_push_attention pa = {s->seq, H, cf->num_attention_heads, T, 2 * T, 1.0f / sqrtf((float)D)};
        memcpy(a.push, &pa, sizeof pa);
        if ((st = vkb_program_add(s->ctx, &s->prog, &a))) return st;
        if ((st = add_matmul(s, VKB_OP_ATTN_OUT, li, &s->attn, 0, &ly->out_w, &ly->out_b, h, T, H, H, 0, 1, all)) ||
            (st = add_layernorm(s, VKB_OP_LAYERNORM, li, h, &ly->ln1, T, false)) ||
            (st = add_matmul(s, VKB_OP_FFN_UP, li, h, 0, &ly->ffn1_w, &ly->ffn1_b, &s->inter, T, I, H, 1, 0, all)) ||
            (st = add_matmul(s, VKB_OP_FFN_DOWN, li, &s->inter, 0, &ly->ffn2_w, &ly->ffn2_b, h, T, H, I, 0, 1, all)) ||
            (st = add_layernorm(s, VKB_OP_LAYERNORM, li, h, &ly->ln2, T, false)))
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
    int32_t all_rows = slot(s, SLOT_ONE_PER_ROW, 0, R, 0);
    if (all_rows < 0) return vkb_fail(s->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t ch = 0; ch < s->chunks; ++ch) { /* each chunk fills the rows whose tokens it holds */
        vkb_op g = {.kernel = VKB_KERNEL_GATHER,
                    .bind = {vkb_bind(&s->h[ch]), vkb_bind(&s->rows_in), vkb_bind(&s->head_x)}, .writes = 1u << 2,
                    .indirect = all_rows, .kind = VKB_OP_HEAD_GATHER, .layer = -1};
        vkb_push_gather pg = {R, H, 0, s->chunk_tokens, ch * s->chunk_tokens};
        memcpy(g.push, &pg, sizeof pg);
        if ((st = vkb_program_add(s->ctx, &s->prog, &g))) return st;
    }
    if ((st = add_matmul(s, VKB_OP_HEAD_DENSE, -1, &s->head_x, 0, &m->head_w, &m->head_b, &s->head_t, R, H, H, 1, 0,
                         (mm_rows){true, 0})) ||
        (st = add_layernorm(s, VKB_OP_HEAD_LAYERNORM, -1, &s->head_t, &m->head_ln, R, true)))
        return st;
    const vkb_split *dec = m->decoder_w.count ? &m->decoder_w : &m->word_emb;
    for (uint32_t q = 0; q < s->logits.count; ++q) { /* logits in parts of whole rows */
        uint32_t r0 = q * s->logits.part_rows, rq = vkb_split_part_count(&s->logits, q);
        if ((st = add_matmul(s, VKB_OP_HEAD_DECODER, -1, &s->head_t, r0, dec, &m->decoder_b, &s->logits.part[q], rq, V,
                             H, 0, 0, (mm_rows){true, r0})))
            return st;
        int32_t rows = slot(s, SLOT_ONE_PER_ROW, r0, rq, 0);
        if (rows < 0) return vkb_fail(s->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        vkb_op t = {.kernel = VKB_KERNEL_TOPK,
                    .bind = {vkb_bind(&s->logits.part[q]), vkb_bind(&s->top_ids), vkb_bind(&s->top_probs)},
                    .writes = (1u << 1) | (1u << 2), .indirect = rows, .kind = VKB_OP_TOPK, .layer = -1,
                    .flops = (double)(s->top_k + 2) * V};
        vkb_push_topk pt = {rq, V, s->top_k, r0};
        memcpy(t.push, &pt, sizeof pt);
        if ((st = vkb_program_add(s->ctx, &s->prog, &t))) return st;
    }
    return VKBERT_OK;
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
    s->chunk_seqs = div_up(s->batch, s->chunks);
    s->chunk_tokens = s->chunk_seqs * s->seq;
    if (s->chunks > 1)
        vkb_log(ctx, VKBERT_LOG_INFO, "activations of %u sequences run in %u chunks of %u", s->batch, s->chunks,
                s->chunk_seqs);
    return VKBERT_OK;
}

static vkbert_status create_buffers(vkbert_session *s) {
    const vkbert_model_config *c = &s->model->config;
    vkbert_context *ctx = s->ctx;
    size_t T = s->chunk_tokens, H = c->hidden_size, I = c->intermediate_size, R = s->head_rows, V = c->vocab_size,
           K = s->top_k;
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
        (st = vkb_buffer_create(ctx, R * H * 4, VKB_MEM_DEVICE, "MLM head input", &s->head_x)) ||
        (st = vkb_buffer_create(ctx, R * H * 4, VKB_MEM_DEVICE, "MLM head activations", &s->head_t)) ||
        (st = vkb_split_create(ctx, R, V * 4, 1, 0, VKB_MEM_DEVICE, "MLM logits", &s->logits)) ||
        (st = vkb_buffer_create(ctx, R * K * 4, VKB_MEM_DEVICE, "top-k ids", &s->top_ids)) ||
        (st = vkb_buffer_create(ctx, R * K * 4, VKB_MEM_DEVICE, "top-k probabilities", &s->top_probs)) ||
        (st = vkb_buffer_create(ctx, 2 * R * K * 4, VKB_MEM_READBACK, "the top-k readback", &s->rb_top)))
        return st;
    if (s->keep_logits &&
        (st = vkb_split_create(ctx, R, V * 4, 1, 0, VKB_MEM_READBACK, "the logits readback", &s->rb_logits)))
        return st;
    if (ctx->matmul_texel && H % 4 == 0 &&
        ((st = vkb_buffer_make_view(ctx, &s->head_x, f)) || (st = vkb_buffer_make_view(ctx, &s->head_t, f))))
        return st;
    return VKBERT_OK;
}

/* Readback copies: hidden states of every chunk, top-k, and logits when kept. */
static vkbert_status record(vkbert_session *s) {
    const vkbert_model_config *c = &s->model->config;
    size_t T = s->chunk_tokens, H = c->hidden_size, R = s->head_rows, K = s->top_k, V = c->vocab_size;
    uint32_t n = s->chunks + 2 + s->logits.count;
    vkb_copy *copies = vkb_calloc(n, sizeof *copies);
    if (!copies) return vkb_fail(s->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    n = 0;
    for (uint32_t ch = 0; ch < s->chunks; ++ch)
        copies[n++] = (vkb_copy){s->h[ch].buffer, s->rb_hidden[ch].buffer, 0, 0, T * H * 4};
    if (s->head) {
        copies[n++] = (vkb_copy){s->top_ids.buffer, s->rb_top.buffer, 0, 0, R * K * 4};
        copies[n++] = (vkb_copy){s->top_probs.buffer, s->rb_top.buffer, 0, R * K * 4, R * K * 4};
        for (uint32_t q = 0; s->keep_logits && q < s->logits.count; ++q)
            copies[n++] = (vkb_copy){s->logits.part[q].buffer, s->rb_logits.part[q].buffer, 0, 0,
                                     (VkDeviceSize)vkb_split_part_count(&s->logits, q) * V * 4};
    }
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
    s->head_mode = model->has_head ? d.head : VKBERT_HEAD_NONE;
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
        st = vkb_buffer_create(ctx, (s->slot_count ? s->slot_count : 1) * sizeof(VkDispatchIndirectCommand),
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
    const vkb_buffer *bs[] = {&s->rows_in, &s->indirect, &s->qkv, &s->attn, &s->inter, &s->head_x,
                              &s->head_t, &s->top_ids, &s->top_probs, &s->rb_top};
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
    vkb_split_destroy(ctx, &s->logits);
    vkb_split_destroy(ctx, &s->rb_logits);
    vkb_free(s->input);
    vkb_free(s->h);
    vkb_free(s->rb_hidden);
    vkb_free(s->slots);
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
            in[T + t] = q->token_type_ids ? q->token_type_ids[i] : 0;
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
    VkDispatchIndirectCommand *ind = s->indirect.mapped;
    for (uint32_t i = 0; i < s->slot_count; ++i) {
        const vkb_slot *x = &s->slots[i];
        uint32_t live = slot_rows(x, rows);
        ind[i] = x->kernel == SLOT_ONE_PER_ROW
                     ? (VkDispatchIndirectCommand){live, 1, 1}
                     : matmul_groups(s->ctx, x->kernel, live, x->n, 1); /* head dispatches: 1 row group */
    }
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
    size_t k = s->top_k, n = capacity < k ? capacity : k;
    if (count) *count = k;
    if (!dst && capacity) return vkb_fail(s->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "dst is NULL");
    const int32_t *ids = (const int32_t *)s->rb_top.mapped + (size_t)row * k;
    const float *probs = (const float *)s->rb_top.mapped + (size_t)s->head_rows * k + (size_t)row * k;
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
    const float *part = s->rb_logits.part[row / s->rb_logits.part_rows].mapped;
    memcpy(dst, part + (size_t)(row % s->rb_logits.part_rows) * V, V * sizeof(float));
    return VKBERT_OK;
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
        double runs = op->indirect >= 0 ? slot_rows(&s->slots[op->indirect], s->rows) : 1;
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
    uint64_t n = vkb_split_bytes(&s->logits) + vkb_split_bytes(&s->rb_logits);
    for (uint32_t i = 0; i < count; ++i) n += bs[i]->size;
    for (uint32_t ch = 0; ch < s->chunks; ++ch) n += s->input[ch].size + s->h[ch].size + s->rb_hidden[ch].size;
    return n;
}
