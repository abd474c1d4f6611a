/* Model loading: config.json + vocab.txt + model.safetensors -> fp32 weights on the device.
 * Accepts the naming variants of real checkpoints (bert. prefix or not, LayerNorm
 * weight/bias or gamma/beta, tied or absent decoder weight, extra tensors). */
#include "vkb_model.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct loader {
    vkbert_context *ctx;
    vkb_safetensors st;
    vkbert_model *m;
    float *host;          /* scratch for one packed buffer */
    size_t host_floats;
} loader;

/* Finds `name` with or without the "bert." prefix; for LayerNorm parameters also under
 * the TF-era names gamma/beta. */
static const vkb_tensor_info *find(const loader *L, const char *name) {
    char buf[256];
    const char *alts[2] = {name, NULL};
    char alt[256];
    size_t n = strlen(name);
    if (strstr(name, "LayerNorm.") && n > 7 && strcmp(name + n - 7, ".weight") == 0) {
        snprintf(alt, sizeof alt, "%.*s.gamma", (int)(n - 7), name);
        alts[1] = alt;
    } else if (strstr(name, "LayerNorm.") && n > 5 && strcmp(name + n - 5, ".bias") == 0) {
        snprintf(alt, sizeof alt, "%.*s.beta", (int)(n - 5), name);
        alts[1] = alt;
    }
    for (int i = 0; i < 2 && alts[i]; ++i) {
        snprintf(buf, sizeof buf, "bert.%s", alts[i]);
        const vkb_tensor_info *t = vkb_safetensors_find(&L->st, buf);
        if (!t) t = vkb_safetensors_find(&L->st, alts[i]);
        if (t) return t;
    }
    return NULL;
}

/* Checks that `t` exists with exactly the given shape (rank 1 if d1 == 0). */
static vkbert_status expect(loader *L, const char *name, const vkb_tensor_info *t, uint64_t d0, uint64_t d1) {
    if (!t) return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: required tensor \"%s\" is missing", L->st.path, name);
    bool ok = d1 ? (t->rank == 2 && t->shape[0] == d0 && t->shape[1] == d1) : (t->rank == 1 && t->shape[0] == d0);
    if (!ok) {
        char got[128] = "";
        for (uint32_t i = 0; i < t->rank; ++i) {
            size_t l = strlen(got);
            snprintf(got + l, sizeof got - l, "%s%llu", i ? ", " : "", (unsigned long long)t->shape[i]);
        }
        if (d1)
            return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" has shape [%s]; the config needs [%llu, %llu]",
                            L->st.path, t->name, got, (unsigned long long)d0, (unsigned long long)d1);
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" has shape [%s]; the config needs [%llu]",
                        L->st.path, t->name, got, (unsigned long long)d0);
    }
    if (t->dtype == VKB_OTHER)
        return vkb_fail(L->ctx, VKBERT_ERROR_UNSUPPORTED, "%s: tensor \"%s\" has dtype %s; vkbert reads F32, F16 and BF16",
                        L->st.path, t->name, t->dtype_name);
    return VKBERT_OK;
}

typedef struct part { const char *name; uint64_t d0, d1; } part;

/* Reads the listed tensors, concatenated in order, into one device buffer. */
static vkbert_status pack(loader *L, const part *parts, int n, const char *what, vkb_buffer *out) {
    size_t total = 0;
    const vkb_tensor_info *ts[8];
    for (int i = 0; i < n; ++i) {
        ts[i] = find(L, parts[i].name);
        vkbert_status s = expect(L, parts[i].name, ts[i], parts[i].d0, parts[i].d1);
        if (s) return s;
        total += (size_t)ts[i]->count;
    }
    if (total > L->host_floats) {
        float *h = vkb_realloc(L->host, total * sizeof(float));
        if (!h) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory reading %s", what);
        L->host = h;
        L->host_floats = total;
    }
    size_t off = 0;
    for (int i = 0; i < n; ++i) {
        vkbert_status s = vkb_safetensors_read_f32(L->ctx, &L->st, ts[i], L->host + off);
        if (s) return s;
        off += (size_t)ts[i]->count;
    }
    vkbert_status s = vkb_buffer_create(L->ctx, total * sizeof(float), VKB_MEM_DEVICE, what, out);
    if (!s) s = vkb_buffer_upload_bytes(L->ctx, out, L->host, total * sizeof(float));
    if (!s) L->m->device_bytes += out->size;
    return s;
}

static vkbert_status load_layer(loader *L, uint32_t i, vkb_layer *ly) {
    const vkbert_model_config *c = &L->m->config;
    uint64_t H = c->hidden_size, I = c->intermediate_size;
    char n[8][160];
    const char *p = "encoder.layer";
    vkbert_status s;
    snprintf(n[0], 160, "%s.%u.attention.self.query.weight", p, i);
    snprintf(n[1], 160, "%s.%u.attention.self.key.weight", p, i);
    snprintf(n[2], 160, "%s.%u.attention.self.value.weight", p, i);
    s = pack(L, (part[]){{n[0], H, H}, {n[1], H, H}, {n[2], H, H}}, 3, "a QKV weight", &ly->qkv_w);
    if (s) return s;
    snprintf(n[0], 160, "%s.%u.attention.self.query.bias", p, i);
    snprintf(n[1], 160, "%s.%u.attention.self.key.bias", p, i);
    snprintf(n[2], 160, "%s.%u.attention.self.value.bias", p, i);
    s = pack(L, (part[]){{n[0], H, 0}, {n[1], H, 0}, {n[2], H, 0}}, 3, "a QKV bias", &ly->qkv_b);
    if (s) return s;
    snprintf(n[0], 160, "%s.%u.attention.output.dense.weight", p, i);
    snprintf(n[1], 160, "%s.%u.attention.output.dense.bias", p, i);
    snprintf(n[2], 160, "%s.%u.attention.output.LayerNorm.weight", p, i);
    snprintf(n[3], 160, "%s.%u.attention.output.LayerNorm.bias", p, i);
    snprintf(n[4], 160, "%s.%u.intermediate.dense.weight", p, i);
    snprintf(n[5], 160, "%s.%u.intermediate.dense.bias", p, i);
    if ((s = pack(L, (part[]){{n[0], H, H}}, 1, "an attention output weight", &ly->out_w)) ||
        (s = pack(L, (part[]){{n[1], H, 0}}, 1, "an attention output bias", &ly->out_b)) ||
        (s = pack(L, (part[]){{n[2], H, 0}, {n[3], H, 0}}, 2, "a LayerNorm", &ly->ln1)) ||
        (s = pack(L, (part[]){{n[4], I, H}}, 1, "an FFN weight", &ly->ffn1_w)) ||
        (s = pack(L, (part[]){{n[5], I, 0}}, 1, "an FFN bias", &ly->ffn1_b)))
        return s;
    snprintf(n[0], 160, "%s.%u.output.dense.weight", p, i);
    snprintf(n[1], 160, "%s.%u.output.dense.bias", p, i);
    snprintf(n[2], 160, "%s.%u.output.LayerNorm.weight", p, i);
    snprintf(n[3], 160, "%s.%u.output.LayerNorm.bias", p, i);
    if ((s = pack(L, (part[]){{n[0], H, I}}, 1, "an FFN weight", &ly->ffn2_w)) ||
        (s = pack(L, (part[]){{n[1], H, 0}}, 1, "an FFN bias", &ly->ffn2_b)) ||
        (s = pack(L, (part[]){{n[2], H, 0}, {n[3], H, 0}}, 2, "a LayerNorm", &ly->ln2)))
        return s;
    return VKBERT_OK;
}

static vkbert_status load_head(loader *L, bool tied) {
    vkbert_model *m = L->m;
    uint64_t H = m->config.hidden_size, V = m->config.vocab_size;
    if (!find(L, "cls.predictions.transform.dense.weight")) {
        vkb_log(L->ctx, VKBERT_LOG_INFO, "%s has no MLM head: loaded for encoding only", L->st.path);
        return VKBERT_OK;
    }
    vkbert_status s;
    const char *bias = find(L, "cls.predictions.bias") ? "cls.predictions.bias" : "cls.predictions.decoder.bias";
    if ((s = pack(L, (part[]){{"cls.predictions.transform.dense.weight", H, H}}, 1, "the MLM dense weight", &m->head_w)) ||
        (s = pack(L, (part[]){{"cls.predictions.transform.dense.bias", H, 0}}, 1, "the MLM dense bias", &m->head_b)) ||
        (s = pack(L, (part[]){{"cls.predictions.transform.LayerNorm.weight", H, 0},
                              {"cls.predictions.transform.LayerNorm.bias", H, 0}}, 2, "the MLM LayerNorm", &m->head_ln)) ||
        (s = pack(L, (part[]){{bias, V, 0}}, 1, "the MLM output bias", &m->decoder_b)))
        return s;
    if (!tied && find(L, "cls.predictions.decoder.weight")) {
        s = pack(L, (part[]){{"cls.predictions.decoder.weight", V, H}}, 1, "the MLM decoder weight", &m->decoder_w);
        if (s) return s;
    }
    m->has_head = true;
    return VKBERT_OK;
}

static vkbert_status load(loader *L, const char *dir) {
    vkbert_model *m = L->m;
    char *path = vkb_path_join(dir, "config.json");
    char *json = NULL;
    size_t len = 0;
    if (!path) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkbert_status s = vkb_read_file(path, 1u << 20, &json, &len);
    if (s) {
        vkb_free(path);
        return vkb_propagate(L->ctx, s);
    }
    s = vkb_config_parse(L->ctx, json, len, path, &m->config);
    bool tied = true;
    if (!s) {
        cJSON *root = cJSON_ParseWithLength(json, len);
        const cJSON *tie = root ? cJSON_GetObjectItemCaseSensitive(root, "tie_word_embeddings") : NULL;
        if (cJSON_IsBool(tie)) tied = cJSON_IsTrue(tie);
        cJSON_Delete(root);
    }
    vkb_free(json);
    vkb_free(path);
    if (s) return s;

    s = vkbert_tokenizer_load(dir, &m->tokenizer);
    if (s) return vkb_propagate(L->ctx, s);
    const vkbert_model_config *c = &m->config;
    if (vkbert_tokenizer_vocab_size(m->tokenizer) > c->vocab_size)
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: vocab.txt has %u entries but the config's vocab_size is %u",
                        dir, vkbert_tokenizer_vocab_size(m->tokenizer), c->vocab_size);

    path = vkb_path_join(dir, "model.safetensors");
    if (!path) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    s = vkb_safetensors_open(L->ctx, path, &L->st);
    vkb_free(path);
    if (s) return s;

    uint64_t H = c->hidden_size, P = c->max_position_embeddings, T = c->type_vocab_size;
    s = pack(L, (part[]){{"embeddings.word_embeddings.weight", c->vocab_size, H}}, 1, "the word embeddings",
             &m->word_emb);
    if (!s)
        s = pack(L, (part[]){{"embeddings.position_embeddings.weight", P, H},
                             {"embeddings.token_type_embeddings.weight", T, H},
                             {"embeddings.LayerNorm.weight", H, 0},
                             {"embeddings.LayerNorm.bias", H, 0}}, 4, "the embedding tables", &m->emb_aux);
    if (s) return s;
    m->layers = vkb_calloc(c->num_hidden_layers, sizeof *m->layers);
    if (!m->layers) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < c->num_hidden_layers && !s; ++i) s = load_layer(L, i, &m->layers[i]);
    if (!s) s = load_head(L, tied);
    return s;
}

vkbert_status vkbert_model_load(vkbert_context *ctx, const vkbert_model_desc *desc, vkbert_model **out) {
    if (!ctx || !desc || !desc->path || !out)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_model_load: NULL argument (the desc needs .path)");
    *out = NULL;
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    loader L = {ctx};
    L.m = vkb_calloc(1, sizeof *L.m);
    if (!L.m) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    L.m->ctx = ctx;
    vkbert_status s = load(&L, desc->path);
    vkb_free(L.host);
    vkb_safetensors_close(&L.st);
    if (s) {
        vkbert_model_destroy(L.m);
        return s;
    }
    *out = L.m;
    return VKBERT_OK;
}

void vkbert_model_destroy(vkbert_model *m) {
    if (!m) return;
    vkbert_context *ctx = m->ctx;
    if (m->layers)
        for (uint32_t i = 0; i < m->config.num_hidden_layers; ++i) {
            vkb_layer *l = &m->layers[i];
            vkb_buffer *bs[] = {&l->qkv_w, &l->qkv_b, &l->out_w, &l->out_b, &l->ln1,
                                &l->ffn1_w, &l->ffn1_b, &l->ffn2_w, &l->ffn2_b, &l->ln2};
            for (size_t k = 0; k < sizeof bs / sizeof bs[0]; ++k) vkb_buffer_destroy(ctx, bs[k]);
        }
    vkb_free(m->layers);
    vkb_buffer *bs[] = {&m->word_emb, &m->emb_aux, &m->head_w, &m->head_b, &m->head_ln, &m->decoder_w, &m->decoder_b};
    for (size_t k = 0; k < sizeof bs / sizeof bs[0]; ++k) vkb_buffer_destroy(ctx, bs[k]);
    vkbert_tokenizer_destroy(m->tokenizer);
    vkb_free(m);
}

const vkbert_model_config *vkbert_model_get_config(const vkbert_model *m) { return m ? &m->config : NULL; }
const vkbert_tokenizer *vkbert_model_tokenizer(const vkbert_model *m) { return m ? m->tokenizer : NULL; }
bool vkbert_model_has_mlm_head(const vkbert_model *m) { return m && m->has_head; }
uint64_t vkbert_model_device_bytes(const vkbert_model *m) { return m ? m->device_bytes : 0; }
