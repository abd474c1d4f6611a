/* The masked-language-model head: t = LN(act(x Wd^T + bd)), embedding_size wide (hidden_size
 * but in ALBERT and ELECTRA; act the family's, arch->mlm_act); logits = t E^T + bias with the
 * decoder E tied to the word embeddings (or the checkpoint's own); top-k of softmax(logits).
 * Logits live in parts of whole rows (a vocabulary-wide row set may exceed one binding). */
#include "heads/head.h"
#include "model/model.h"

#include <string.h>

typedef struct mlm_weights {
    vkb_split dense_w;     /* [E, H] (E = embedding_size) */
    vkb_buffer dense_b;    /* [E] */
    vkb_buffer ln;         /* [2, E] */
    vkb_split decoder_w;   /* [V, E] only when not tied to the word embeddings */
    vkb_buffer bias;       /* [V] */
} mlm_weights;

typedef struct mlm_state {
    const vkbert_model *model;
    const mlm_weights *w;
    const vkb_buffer *x;
    uint32_t rows, top_k, vocab;
    bool keep_logits;
    vkb_buffer t;                 /* [R, E] transformed rows */
    vkb_split logits;             /* [R, V] */
    vkb_buffer top_ids, top_probs;  /* [R, k] each */
    vkb_buffer rb_top;            /* ids [R, k] then probs [R, k] */
    vkb_split rb_logits;          /* [R, V], when keep_logits */
} mlm_state;

static void free_weights(vkbert_context *ctx, void *p) {
    mlm_weights *w = p;
    if (!w) return;
    vkb_split_destroy(ctx, &w->dense_w);
    vkb_split_destroy(ctx, &w->decoder_w);
    vkb_buffer_destroy(ctx, &w->dense_b);
    vkb_buffer_destroy(ctx, &w->ln);
    vkb_buffer_destroy(ctx, &w->bias);
    vkb_free(w);
}

static vkbert_status load(vkb_loader *L, bool tied, void **out) {
    *out = NULL;
    uint64_t H = L->config->hidden_size, E = L->config->embedding_size, V = L->config->vocab_size;
    if (!vkb_weights_has(L, VKB_T_MLM_DENSE_W, 0)) {
        vkb_log(L->ctx, VKBERT_LOG_INFO, "%s has no MLM head: loaded for encoding only", L->dir);
        return VKBERT_OK;
    }
    mlm_weights *w = vkb_calloc(1, sizeof *w);
    if (!w) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkbert_status s;
    if ((s = vkb_weights_linear(L, (vkb_part[]){{VKB_T_MLM_DENSE_W, E, H}}, 1, 0, E, H, "the MLM dense weight",
                                &w->dense_w)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_MLM_DENSE_B, E, 0}}, 1, 0, "the MLM dense bias", &w->dense_b)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_MLM_LN_W, E, 0}, {VKB_T_MLM_LN_B, E, 0}}, 2, 0,
                              "the MLM LayerNorm", &w->ln)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_MLM_BIAS, V, 0}}, 1, 0, "the MLM output bias", &w->bias)))
        goto fail;
    if (!L->random && !tied && vkb_weights_has(L, VKB_T_MLM_DECODER_W, 0) &&
        (s = vkb_weights_linear(L, (vkb_part[]){{VKB_T_MLM_DECODER_W, V, E}}, 1, 0, V, E, "the MLM decoder weight",
                                &w->decoder_w)))
        goto fail;
    *out = w;
    return VKBERT_OK;
fail:
    free_weights(L->ctx, w);
    return s;
}

static void destroy(vkbert_context *ctx, void *p) {
    mlm_state *h = p;
    if (!h) return;
    vkb_buffer *bs[] = {&h->t, &h->top_ids, &h->top_probs, &h->rb_top};
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; ++i) vkb_buffer_destroy(ctx, bs[i]);
    vkb_split_destroy(ctx, &h->logits);
    vkb_split_destroy(ctx, &h->rb_logits);
    vkb_free(h);
}

static vkbert_status create(const vkb_head_input *in, void **out) {
    vkbert_context *ctx = in->ctx;
    mlm_state *h = vkb_calloc(1, sizeof *h);
    if (!h) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    *out = h;
    h->model = in->model;
    h->w = in->weights;
    h->x = in->x;
    h->rows = in->rows;
    h->top_k = in->top_k;
    h->vocab = in->model->config.vocab_size;
    h->keep_logits = in->keep_logits;
    size_t R = in->rows, E = in->model->config.embedding_size, V = h->vocab, K = h->top_k;
    vkbert_status st;
    if ((st = vkb_buffer_create(ctx, R * E * 4, VKB_MEM_DEVICE, "MLM head activations", &h->t)) ||
        (st = vkb_split_create(ctx, R, V * 4, 1, 0, VKB_MEM_DEVICE, "MLM logits", &h->logits)) ||
        (st = vkb_buffer_create(ctx, R * K * 4, VKB_MEM_DEVICE, "top-k ids", &h->top_ids)) ||
        (st = vkb_buffer_create(ctx, R * K * 4, VKB_MEM_DEVICE, "top-k probabilities", &h->top_probs)) ||
        (st = vkb_buffer_create(ctx, 2 * R * K * 4, VKB_MEM_READBACK, "the top-k readback", &h->rb_top)))
        return st;
    if (h->keep_logits &&
        (st = vkb_split_create(ctx, R, V * 4, 1, 0, VKB_MEM_READBACK, "the logits readback", &h->rb_logits)))
        return st;
    if (in->x->view && E % 4 == 0 && (st = vkb_buffer_make_view(ctx, &h->t, VK_FORMAT_R32G32B32A32_SFLOAT)))
        return st;
    return VKBERT_OK;
}

/* Every dispatch is indirect: each encode sizes it to the rows it has. */
static vkbert_status build(void *p, vkb_graph *g) {
    mlm_state *h = p;
    const vkbert_model *m = h->model;
    uint32_t R = h->rows, H = m->config.hidden_size, E = m->config.embedding_size, V = h->vocab;
    uint32_t act = m->arch->mlm_act ? m->arch->mlm_act : m->act;
    vkbert_status st;
    if ((st = vkb_op_matmul(g, VKB_OP_HEAD_DENSE, -1, h->x, 0, &h->w->dense_w, &h->w->dense_b, &h->t, R, E, H, act, 0,
                            (vkb_rows){true, 0})) ||
        (st = vkb_op_layernorm(g, VKB_OP_HEAD_LAYERNORM, -1, &h->t, &h->w->ln, R, E, m->config.layer_norm_eps, true)))
        return st;
    const vkb_split *dec = h->w->decoder_w.count ? &h->w->decoder_w : &m->word_emb;
    for (uint32_t q = 0; q < h->logits.count; ++q) { /* logits in parts of whole rows */
        uint32_t r0 = q * h->logits.part_rows, rq = vkb_split_part_count(&h->logits, q);
        if ((st = vkb_op_matmul(g, VKB_OP_HEAD_DECODER, -1, &h->t, r0, dec, &h->w->bias, &h->logits.part[q], rq, V, E,
                                0, 0, (vkb_rows){true, r0})) ||
            (st = vkb_op_topk(g, &h->logits.part[q], r0, rq, V, h->top_k, &h->top_ids, &h->top_probs)))
            return st;
    }
    return VKBERT_OK;
}

static uint32_t copies(const void *p, vkb_copy *out) {
    const mlm_state *h = p;
    size_t R = h->rows, K = h->top_k;
    uint32_t n = 2 + (h->keep_logits ? h->logits.count : 0);
    if (!out) return n;
    out[0] = (vkb_copy){h->top_ids.buffer, h->rb_top.buffer, 0, 0, R * K * 4};
    out[1] = (vkb_copy){h->top_probs.buffer, h->rb_top.buffer, 0, R * K * 4, R * K * 4};
    for (uint32_t q = 0; h->keep_logits && q < h->logits.count; ++q)
        out[2 + q] = (vkb_copy){h->logits.part[q].buffer, h->rb_logits.part[q].buffer, 0, 0,
                                (VkDeviceSize)vkb_split_part_count(&h->logits, q) * h->vocab * 4};
    return n;
}

static uint64_t device_bytes(const void *p) {
    const mlm_state *h = p;
    return h->t.size + h->top_ids.size + h->top_probs.size + h->rb_top.size + vkb_split_bytes(&h->logits) +
           vkb_split_bytes(&h->rb_logits);
}

vkbert_status vkb_mlm_read_topk(const void *p, uint32_t row, vkbert_prediction *dst, size_t capacity, size_t *count) {
    const mlm_state *h = p;
    size_t k = h->top_k, n = capacity < k ? capacity : k;
    vkbert_context *ctx = h->model->ctx;
    if (count) *count = k;
    if (!dst && capacity) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "dst is NULL");
    const int32_t *ids = (const int32_t *)h->rb_top.mapped + (size_t)row * k;
    const float *probs = (const float *)h->rb_top.mapped + (size_t)h->rows * k + (size_t)row * k;
    for (size_t i = 0; i < n; ++i) dst[i] = (vkbert_prediction){ids[i], probs[i]};
    if (capacity < k)
        return vkb_fail(ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "top-k needs %zu entries; the buffer holds %zu", k,
                        capacity);
    return VKBERT_OK;
}

vkbert_status vkb_mlm_read_logits(const void *p, uint32_t row, float *dst, size_t capacity, size_t *needed) {
    const mlm_state *h = p;
    vkbert_context *ctx = h->model->ctx;
    if (!h->keep_logits)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "logits were not kept (set keep_logits in the session desc)");
    size_t V = h->vocab;
    if (needed) *needed = V;
    if (capacity < V || !dst)
        return vkb_fail(ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "logits need %zu floats; the buffer holds %zu", V,
                        capacity);
    const float *part = h->rb_logits.part[row / h->rb_logits.part_rows].mapped;
    memcpy(dst, part + (size_t)(row % h->rb_logits.part_rows) * V, V * sizeof(float));
    return VKBERT_OK;
}

uint32_t vkb_mlm_decoder_parts(const void *weights) {
    return weights ? ((const mlm_weights *)weights)->decoder_w.count : 0;
}

const vkb_head_class vkb_head_mlm = {
    .name = "mlm",
    .gathers = true,
    .load = load,
    .free_weights = free_weights,
    .create = create,
    .build = build,
    .copies = copies,
    .device_bytes = device_bytes,
    .destroy = destroy,
};
