/* The sequence-classification head: [CLS] (or, where the family's config says, the mean) pooled
 * (pool.c), the family's pooler (BERT: dense + tanh; DistilBERT: pre_classifier + ReLU;
 * ModernBERT: head.dense + its activation + head.norm), then the classifier, on the device; the
 * logits of every sequence read back. Scores (softmax or sigmoid) are the runner's. */
#include "heads/head_pool.h"
#include "model/model.h"

#include <string.h>

typedef struct seqcls_weights {
    vkb_split pooler_w;      /* [H, H] */
    vkb_buffer pooler_b;     /* [H] */
    vkb_buffer pooler_ln;    /* [2, H]: the norm after the pooler's activation (ModernBERT), or empty */
    vkb_split cls_w;         /* [labels, H] */
    vkb_buffer cls_b;        /* [labels] */
    uint32_t labels, act;
} seqcls_weights;

typedef struct seqcls_state {
    vkb_head_input in;
    const seqcls_weights *w;
    vkb_buffer cls, pooled, logits;  /* [R, H], [R, H], [R, labels] */
    vkb_pooled out;
} seqcls_state;

static void free_weights(vkbert_context *ctx, void *p) {
    seqcls_weights *w = p;
    if (!w) return;
    vkb_split_destroy(ctx, &w->pooler_w);
    vkb_split_destroy(ctx, &w->cls_w);
    vkb_buffer_destroy(ctx, &w->pooler_b);
    vkb_buffer_destroy(ctx, &w->pooler_ln);
    vkb_buffer_destroy(ctx, &w->cls_b);
    vkb_free(w);
}

static vkbert_status load(vkb_loader *L, bool tied, void **out) {
    (void)tied;
    *out = NULL;
    if (L->random || !vkb_weights_has(L, VKB_T_CLASSIFIER_W, 0)) return VKBERT_OK;
    const vkbert_model *m = L->m;
    if (m->label_count == 0)
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: the checkpoint has a classifier (%.*s) but config.json "
                        "has no id2label naming its labels", L->dir,
                        (int)strcspn(L->arch->names[VKB_T_CLASSIFIER_W], "|"), L->arch->names[VKB_T_CLASSIFIER_W]);
    seqcls_weights *w = vkb_calloc(1, sizeof *w);
    if (!w) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    uint64_t H = L->config->hidden_size, N = m->label_count;
    w->labels = m->label_count;
    w->act = L->arch->pooler_act ? L->arch->pooler_act : m->act; /* NONE: the encoder's (ModernBERT's) */
    vkbert_status s;
    if ((L->arch->names[VKB_T_POOLER_LN_W] &&
         (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_POOLER_LN_W, H, 0}, {VKB_T_POOLER_LN_B, H, 0}}, 2, 0,
                               "the classification head's LayerNorm", &w->pooler_ln))) ||
        (s = vkb_weights_linear(L, (vkb_part[]){{VKB_T_POOLER_W, H, H}}, 1, 0, H, H, "the pooler weight",
                                &w->pooler_w)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_POOLER_B, H, 0}}, 1, 0, "the pooler bias", &w->pooler_b)) ||
        (s = vkb_weights_linear(L, (vkb_part[]){{VKB_T_CLASSIFIER_W, N, H}}, 1, 0, N, H,
                                "the classifier weight (one row per id2label entry)", &w->cls_w)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_CLASSIFIER_B, N, 0}}, 1, 0, "the classifier bias", &w->cls_b))) {
        free_weights(L->ctx, w);
        return s;
    }
    *out = w;
    return VKBERT_OK;
}

static void destroy(vkbert_context *ctx, void *p) {
    seqcls_state *h = p;
    if (!h) return;
    vkb_buffer *bs[] = {&h->cls, &h->pooled, &h->logits, &h->out.rb};
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; ++i) vkb_buffer_destroy(ctx, bs[i]);
    vkb_free(h);
}

static vkbert_status create(const vkb_head_input *in, void **out) {
    seqcls_state *h = vkb_calloc(1, sizeof *h);
    if (!h) return vkb_fail(in->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    *out = h;
    h->in = *in;
    h->w = in->weights;
    uint32_t R = in->chunks * in->chunk_seqs, H = in->model->config.hidden_size, N = h->w->labels;
    h->out = (vkb_pooled){in->ctx, R, N, {0}};
    vkbert_status st;
    if ((st = vkb_pool_buffer(in, R, H, true, "the [CLS] rows", &h->cls)) ||
        (st = vkb_pool_buffer(in, R, H, true, "pooled rows", &h->pooled)) ||
        (st = vkb_pool_buffer(in, R, N, false, "class logits", &h->logits)))
        return st;
    return vkb_buffer_create(in->ctx, (VkDeviceSize)R * N * 4, VKB_MEM_READBACK, "the class-logit readback",
                             &h->out.rb);
}

static vkbert_status build(void *p, vkb_graph *g) {
    seqcls_state *h = p;
    uint32_t R = h->out.rows, H = h->in.model->config.hidden_size;
    const vkbert_model *m = h->in.model;
    vkbert_status st = vkb_pool_chunks(&h->in, g, m->cls_pooling, &h->cls);
    if (!st)
        st = vkb_op_matmul(g, VKB_OP_HEAD_DENSE, -1, &h->cls, 0, &h->w->pooler_w, &h->w->pooler_b, &h->pooled, R, H,
                           H, h->w->act, 0, VKB_ALL_ROWS);
    if (!st && h->w->pooler_ln.size)
        st = vkb_op_layernorm(g, VKB_OP_HEAD_LAYERNORM, -1, &h->pooled, &h->w->pooler_ln, R, H, m->config.layer_norm_eps,
                              false);
    if (!st)
        st = vkb_op_matmul(g, VKB_OP_CLASSIFIER, -1, &h->pooled, 0, &h->w->cls_w, &h->w->cls_b, &h->logits, R,
                           h->w->labels, H, 0, 0, VKB_ALL_ROWS);
    return st;
}

static uint32_t copies(const void *p, vkb_copy *out) {
    const seqcls_state *h = p;
    if (out) out[0] = (vkb_copy){h->logits.buffer, h->out.rb.buffer, 0, 0, h->out.rb.size};
    return 1;
}

static uint64_t device_bytes(const void *p) {
    const seqcls_state *h = p;
    return h->cls.size + h->pooled.size + h->logits.size + h->out.rb.size;
}

static vkbert_status read(const void *p, uint32_t seq, float *dst, size_t capacity, size_t *needed) {
    return vkb_pooled_read(&((const seqcls_state *)p)->out, seq, dst, capacity, needed);
}

const vkb_head_class vkb_head_seqcls = {
    .name = "seqcls",
    .load = load,
    .free_weights = free_weights,
    .create = create,
    .build = build,
    .copies = copies,
    .device_bytes = device_bytes,
    .destroy = destroy,
    .read = read,
};
