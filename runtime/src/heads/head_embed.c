/* The sentence-embedding head, sentence-transformers' modules after the Transformer: Pooling
 * (pool.c, padding never pooled, a prompt left out when include_prompt is false), an optional
 * Dense (linear + tanh or identity, from its module's model.safetensors) and an optional
 * Normalize (l2norm.c), all on the device; one row per sequence read back. */
#include "heads/head_pool.h"
#include "model/model.h"

#include <string.h>

typedef struct embed_weights {
    vkb_split w;       /* [out, in] */
    vkb_buffer b;      /* [out] */
    uint32_t out, act;
} embed_weights;

typedef struct embed_state {
    vkb_head_input in;
    const embed_weights *w;
    vkb_buffer pooled;     /* [R, H] */
    vkb_buffer dense;      /* [R, D] with a Dense module */
    vkb_pooled out;
} embed_state;

/* The Dense module's tensors, named as sentence_transformers.models.Dense saves them. */
static const vkb_arch dense_names = {
    .name = "sentence-transformers Dense",
    .prefixes = {""},
    .names = {[VKB_T_ST_DENSE_W] = "linear.weight", [VKB_T_ST_DENSE_B] = "linear.bias"},
};
static const vkb_arch dense_names_no_bias = {
    .name = "sentence-transformers Dense",
    .prefixes = {""},
    .names = {[VKB_T_ST_DENSE_W] = "linear.weight"},
};

static void free_weights(vkbert_context *ctx, void *p) {
    embed_weights *w = p;
    if (!w) return;
    vkb_split_destroy(ctx, &w->w);
    vkb_buffer_destroy(ctx, &w->b);
    vkb_free(w);
}

uint32_t vkb_embed_width(const vkbert_model *m) {
    const embed_weights *w = m->embed;
    return w ? w->out : m->config.hidden_size;
}

static vkbert_status load(vkb_loader *L, bool tied, void **out) {
    (void)tied;
    *out = NULL;
    const vkb_st_config *c = &L->m->st;
    if (!c->dense || L->random) return VKBERT_OK;
    embed_weights *w = vkb_calloc(1, sizeof *w);
    char *path = vkb_path_join(c->dense_dir, "model.safetensors");
    if (!w || !path) {
        vkb_free(w);
        vkb_free(path);
        return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    }
    w->out = c->dense_out;
    w->act = c->dense_act;
    vkb_safetensors file;
    memset(&file, 0, sizeof file);
    vkbert_status s = vkb_safetensors_open(L->ctx, path, &file);
    vkb_free(path);
    if (s) {
        vkb_free(w);
        return s;
    }
    vkb_loader sub = *L; /* the Dense's own file and names; the scratch buffer is handed back */
    sub.dir = c->dense_dir;
    sub.arch = c->dense_bias ? &dense_names : &dense_names_no_bias;
    sub.shards = &file;
    sub.shard_count = 1;
    uint64_t D = c->dense_out, H = c->dense_in;
    s = vkb_weights_linear(&sub, (vkb_part[]){{VKB_T_ST_DENSE_W, D, H}}, 1, 0, D, H, "the Dense weight", &w->w);
    if (!s) s = vkb_weights_pack(&sub, (vkb_part[]){{VKB_T_ST_DENSE_B, D, 0}}, 1, 0, "the Dense bias", &w->b);
    L->host = sub.host;
    L->host_floats = sub.host_floats;
    vkb_safetensors_close(&file);
    if (s) {
        free_weights(L->ctx, w);
        return s;
    }
    *out = w;
    return VKBERT_OK;
}

static void destroy(vkbert_context *ctx, void *p) {
    embed_state *h = p;
    if (!h) return;
    vkb_buffer_destroy(ctx, &h->pooled);
    vkb_buffer_destroy(ctx, &h->dense);
    vkb_buffer_destroy(ctx, &h->out.rb);
    vkb_free(h);
}

static vkbert_status create(const vkb_head_input *in, void **out) {
    embed_state *h = vkb_calloc(1, sizeof *h);
    if (!h) return vkb_fail(in->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    *out = h;
    h->in = *in;
    h->w = in->weights;
    uint32_t R = in->chunks * in->chunk_seqs, H = in->model->config.hidden_size, D = h->w ? h->w->out : H;
    h->out = (vkb_pooled){in->ctx, R, D, {0}};
    vkbert_status st = vkb_pool_buffer(in, R, H, h->w != NULL, "pooled embeddings", &h->pooled);
    if (!st && h->w) st = vkb_pool_buffer(in, R, D, false, "Dense embeddings", &h->dense);
    if (!st) st = vkb_buffer_create(in->ctx, (VkDeviceSize)R * D * 4, VKB_MEM_READBACK, "the embedding readback",
                                    &h->out.rb);
    return st;
}

static const vkb_buffer *result(const embed_state *h) { return h->w ? &h->dense : &h->pooled; }

static vkbert_status build(void *p, vkb_graph *g) {
    embed_state *h = p;
    uint32_t R = h->out.rows, H = h->in.model->config.hidden_size;
    vkbert_status st = vkb_pool_chunks(&h->in, g, h->in.pooling, &h->pooled);
    if (!st && h->w)
        st = vkb_op_matmul(g, VKB_OP_HEAD_DENSE, -1, &h->pooled, 0, &h->w->w, &h->w->b, &h->dense, R, h->w->out, H,
                           h->w->act, 0, VKB_ALL_ROWS);
    if (!st && h->in.normalize) st = vkb_op_l2norm(g, result(h), R, h->out.width);
    return st;
}

static uint32_t copies(const void *p, vkb_copy *out) {
    const embed_state *h = p;
    if (out) out[0] = (vkb_copy){result(h)->buffer, h->out.rb.buffer, 0, 0, h->out.rb.size};
    return 1;
}

static uint64_t device_bytes(const void *p) {
    const embed_state *h = p;
    return h->pooled.size + h->dense.size + h->out.rb.size;
}

static vkbert_status read(const void *p, uint32_t seq, float *dst, size_t capacity, size_t *needed) {
    return vkb_pooled_read(&((const embed_state *)p)->out, seq, dst, capacity, needed);
}

const vkb_head_class vkb_head_embed = {
    .name = "embed",
    .load = load,
    .free_weights = free_weights,
    .create = create,
    .build = build,
    .copies = copies,
    .device_bytes = device_bytes,
    .destroy = destroy,
    .read = read,
};
