/* The token-classification head (BertForTokenClassification and kin): logits = x W^T + b on
 * every real token's final hidden state, gathered by the session (VKBERT_HEAD_ALL rows); one
 * row of label logits per token read back. head_qa.c runs the same op with its own weights
 * (qa_outputs: two outputs per token). Softmax, grouping and spans are the runner's (tasks/). */
#include "heads/head.h"
#include "model/model.h"

#include <string.h>

typedef struct tokcls_state {
    vkbert_context *ctx;
    const vkb_token_linear *w;
    const vkb_buffer *x;
    uint32_t rows;
    float eps;
    vkb_buffer logits, rb;   /* [R, n] each */
    vkb_buffer t;            /* [R, k]: the transformed rows (a family with token_transform) */
} tokcls_state;

void vkb_token_linear_free(vkbert_context *ctx, void *p) {
    vkb_token_linear *w = p;
    if (!w) return;
    vkb_split_destroy(ctx, &w->w);
    vkb_buffer_destroy(ctx, &w->b);
    vkb_split_destroy(ctx, &w->dense_w);
    vkb_buffer_destroy(ctx, &w->dense_b);
    vkb_buffer_destroy(ctx, &w->ln);
    vkb_free(w);
}

vkbert_status vkb_token_linear_load(vkb_loader *L, vkb_tensor wslot, vkb_tensor bslot, uint32_t n, const char *what,
                                    void **out) {
    vkb_token_linear *w = vkb_calloc(1, sizeof *w);
    if (!w) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    uint64_t H = L->config->hidden_size;
    w->n = n;
    w->k = (uint32_t)H;
    vkbert_status s = VKBERT_OK;
    if (L->arch->token_transform) { /* ModernBertForTokenClassification / -QuestionAnswering: head() first */
        w->act = L->arch->pooler_act ? L->arch->pooler_act : L->m->act;
        if ((s = vkb_weights_linear(L, (vkb_part[]){{VKB_T_POOLER_W, H, H}}, 1, 0, H, H, "the token head's dense weight",
                                    &w->dense_w)) ||
            (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_POOLER_B, H, 0}}, 1, 0, "the token head's dense bias",
                                  &w->dense_b)) ||
            (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_POOLER_LN_W, H, 0}, {VKB_T_POOLER_LN_B, H, 0}}, 2, 0,
                                  "the token head's LayerNorm", &w->ln))) {
            vkb_token_linear_free(L->ctx, w);
            return s;
        }
    }
    if ((s = vkb_weights_linear(L, (vkb_part[]){{wslot, n, H}}, 1, 0, n, H, what, &w->w)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{bslot, n, 0}}, 1, 0, what, &w->b))) {
        vkb_token_linear_free(L->ctx, w);
        return s;
    }
    *out = w;
    return VKBERT_OK;
}

/* Loaded only for a checkpoint whose config.json's architectures names a *ForTokenClassification
 * class (model.c decides); its classifier must have one row per id2label entry. */
static vkbert_status load(vkb_loader *L, bool tied, void **out) {
    (void)tied;
    *out = NULL;
    if (L->random || !vkb_weights_has(L, VKB_T_TOKCLS_W, 0)) return VKBERT_OK;
    const vkbert_model *m = L->m;
    const char *name = L->arch->names[VKB_T_TOKCLS_W];
    uint64_t rows = 0;
    if (vkb_weights_rows(L, VKB_T_TOKCLS_W, &rows) && rows != m->label_count)
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: the token classifier (%.*s) has %llu rows but "
                        "config.json's id2label names %u labels", L->dir, (int)strcspn(name, "|"), name,
                        (unsigned long long)rows, m->label_count);
    return vkb_token_linear_load(L, VKB_T_TOKCLS_W, VKB_T_TOKCLS_B, m->label_count,
                                 "the token classifier (one row per id2label entry)", out);
}

void vkb_token_head_destroy(vkbert_context *ctx, void *p) {
    tokcls_state *h = p;
    if (!h) return;
    vkb_buffer_destroy(ctx, &h->logits);
    vkb_buffer_destroy(ctx, &h->rb);
    vkb_buffer_destroy(ctx, &h->t);
    vkb_free(h);
}

vkbert_status vkb_token_head_create(const vkb_head_input *in, void **out) {
    tokcls_state *h = vkb_calloc(1, sizeof *h);
    if (!h) return vkb_fail(in->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    *out = h;
    h->ctx = in->ctx;
    h->w = in->weights;
    h->x = in->x;
    h->rows = in->rows;
    h->eps = in->model->config.layer_norm_eps;
    VkDeviceSize bytes = (VkDeviceSize)in->rows * h->w->n * 4;
    vkbert_status st = vkb_buffer_create(in->ctx, bytes, VKB_MEM_DEVICE, "token logits", &h->logits);
    if (!st) st = vkb_buffer_create(in->ctx, bytes, VKB_MEM_READBACK, "the token-logit readback", &h->rb);
    if (!st && h->w->dense_w.count) { /* the transformed rows, a texel view where the head's input has one */
        st = vkb_buffer_create(in->ctx, (VkDeviceSize)in->rows * h->w->k * 4, VKB_MEM_DEVICE, "token head activations",
                               &h->t);
        if (!st && in->x->view && h->w->k % 4 == 0)
            st = vkb_buffer_make_view(in->ctx, &h->t, VK_FORMAT_R32G32B32A32_SFLOAT);
    }
    return st;
}

/* Indirect: each encode sizes the matmuls (and the transform's LayerNorm) to the tokens it has. */
vkbert_status vkb_token_head_build(void *p, vkb_graph *g) {
    tokcls_state *h = p;
    const vkb_buffer *x = h->x;
    vkbert_status st = VKBERT_OK;
    if (h->w->dense_w.count) {
        if ((st = vkb_op_matmul(g, VKB_OP_HEAD_DENSE, -1, x, 0, &h->w->dense_w, &h->w->dense_b, &h->t, h->rows, h->w->k,
                                h->w->k, h->w->act, 0, (vkb_rows){true, 0})) ||
            (st = vkb_op_layernorm(g, VKB_OP_HEAD_LAYERNORM, -1, &h->t, &h->w->ln, h->rows, h->w->k, h->eps, true)))
            return st;
        x = &h->t;
    }
    return vkb_op_matmul(g, VKB_OP_CLASSIFIER, -1, x, 0, &h->w->w, &h->w->b, &h->logits, h->rows, h->w->n, h->w->k, 0,
                         0, (vkb_rows){true, 0});
}

uint32_t vkb_token_head_copies(const void *p, vkb_copy *out) {
    const tokcls_state *h = p;
    if (out) out[0] = (vkb_copy){h->logits.buffer, h->rb.buffer, 0, 0, h->rb.size};
    return 1;
}

uint64_t vkb_token_head_device_bytes(const void *p) {
    const tokcls_state *h = p;
    return h->logits.size + h->rb.size + h->t.size;
}

vkbert_status vkb_token_read(const void *p, uint32_t row0, uint32_t count, float *dst, size_t capacity,
                             size_t *needed) {
    const tokcls_state *h = p;
    size_t n = (size_t)count * h->w->n;
    if (needed) *needed = n;
    if (capacity < n || !dst)
        return vkb_fail(h->ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "the token logits need %zu floats; the buffer holds %zu",
                        n, capacity);
    memcpy(dst, (const float *)h->rb.mapped + (size_t)row0 * h->w->n, n * sizeof(float));
    return VKBERT_OK;
}

const vkb_head_class vkb_head_tokcls = {
    .name = "tokcls",
    .gathers = true,
    .load = load,
    .free_weights = vkb_token_linear_free,
    .create = vkb_token_head_create,
    .build = vkb_token_head_build,
    .copies = vkb_token_head_copies,
    .device_bytes = vkb_token_head_device_bytes,
    .destroy = vkb_token_head_destroy,
};

