/* Model loading: config.json + vocab.txt + model.safetensors -> fp32 weights on the device.
 * Accepts the naming variants of real checkpoints (bert. prefix or not, LayerNorm
 * weight/bias or gamma/beta, tied or absent decoder weight, extra tensors). */
#include "model/model.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SHARDS 256

typedef struct loader {
    vkbert_context *ctx;
    const char *dir;
    bool random;               /* generate weights instead of reading them */
    bool random_head;
    uint64_t seed;
    vkb_safetensors *shards;   /* model.safetensors, or the shards an index names */
    uint32_t shard_count;
    vkbert_model *m;
    float *host;          /* scratch for one packed buffer */
    size_t host_floats;
} loader;

/* Finds `name` with or without the "bert." prefix; for LayerNorm parameters also under
 * the TF-era names gamma/beta. */
static const vkb_tensor_info *find(const loader *L, const char *name, const vkb_safetensors **owner) {
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
    for (int i = 0; i < 2 && alts[i]; ++i)
        for (uint32_t k = 0; k < L->shard_count; ++k) {
            snprintf(buf, sizeof buf, "bert.%s", alts[i]);
            const vkb_tensor_info *t = vkb_safetensors_find(&L->shards[k], buf);
            if (!t) t = vkb_safetensors_find(&L->shards[k], alts[i]);
            if (t) {
                if (owner) *owner = &L->shards[k];
                return t;
            }
        }
    return NULL;
}

/* Checks that `t` exists with exactly the given shape (rank 1 if d1 == 0). */
static vkbert_status expect(loader *L, const char *name, const vkb_tensor_info *t, uint64_t d0, uint64_t d1) {
    if (!t) return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: required tensor \"%s\" is missing", L->dir, name);
    bool ok = d1 ? (t->rank == 2 && t->shape[0] == d0 && t->shape[1] == d1) : (t->rank == 1 && t->shape[0] == d0);
    if (!ok) {
        char got[128] = "";
        for (uint32_t i = 0; i < t->rank; ++i) {
            size_t l = strlen(got);
            snprintf(got + l, sizeof got - l, "%s%llu", i ? ", " : "", (unsigned long long)t->shape[i]);
        }
        if (d1)
            return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" has shape [%s]; the config needs [%llu, %llu]",
                            L->dir, t->name, got, (unsigned long long)d0, (unsigned long long)d1);
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" has shape [%s]; the config needs [%llu]",
                        L->dir, t->name, got, (unsigned long long)d0);
    }
    if (t->dtype == VKB_OTHER)
        return vkb_fail(L->ctx, VKBERT_ERROR_UNSUPPORTED, "%s: tensor \"%s\" has dtype %s; vkbert reads F32, F16 and BF16",
                        L->dir, t->name, t->dtype_name);
    return VKBERT_OK;
}

typedef struct part { const char *name; uint64_t d0, d1; } part;

/* Random weights for benchmarks: BERT-like scales, deterministic per seed and name. */
static void generate(const loader *L, const part *p, float *dst) {
    uint64_t st = L->seed * 0x9E3779B97F4A7C15ull + 1;
    for (const char *c = p->name; *c; ++c) st = (st ^ (uint8_t)*c) * 1099511628211ull;
    size_t n = (size_t)p->d0 * (p->d1 ? p->d1 : 1);
    bool gamma = strstr(p->name, "LayerNorm.weight") != NULL, bias = !gamma && strstr(p->name, "bias") != NULL;
    for (size_t i = 0; i < n; ++i) {
        /* a cheap approximately normal value: sum of four uniforms, centred and scaled */
        double z = 0;
        for (int k = 0; k < 4; ++k) {
            st ^= st << 13, st ^= st >> 7, st ^= st << 17;
            z += (double)(st >> 11) * (1.0 / 9007199254740992.0);
        }
        z = (z - 2.0) * 1.7320508;
        dst[i] = (float)(gamma ? 1.0 + 0.1 * z : bias ? 0.02 * z : 0.02 * z);
    }
}

/* Grows the host scratch buffer to hold `floats` values. */
static vkbert_status reserve_host(loader *L, size_t floats, const char *what) {
    if (floats <= L->host_floats) return VKBERT_OK;
    float *h = vkb_realloc(L->host, floats * sizeof(float));
    if (!h) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory reading %s", what);
    L->host = h;
    L->host_floats = floats;
    return VKBERT_OK;
}

/* Reads (or, for random models, generates) the listed tensors, concatenated in order, into
 * L->host; *floats is their total. */
static vkbert_status read_parts(loader *L, const part *parts, int n, const char *what, size_t *floats) {
    size_t total = 0, counts[8];
    const vkb_tensor_info *ts[8] = {0};
    const vkb_safetensors *owners[8] = {0};
    for (int i = 0; i < n; ++i) {
        if (!L->random) {
            ts[i] = find(L, parts[i].name, &owners[i]);
            vkbert_status s = expect(L, parts[i].name, ts[i], parts[i].d0, parts[i].d1);
            if (s) return s;
        }
        counts[i] = L->random ? (size_t)parts[i].d0 * (parts[i].d1 ? parts[i].d1 : 1) : (size_t)ts[i]->count;
        total += counts[i];
    }
    vkbert_status s = reserve_host(L, total, what);
    size_t off = 0;
    for (int i = 0; i < n && !s; ++i) {
        if (L->random) generate(L, &parts[i], L->host + off);
        else s = vkb_safetensors_read_f32(L->ctx, owners[i], ts[i], L->host + off);
        off += counts[i];
    }
    *floats = total;
    return s;
}

/* A row-major [n, k] fp32 matrix on the device as a split tensor: repacked for
 * matmul_texel (rows8) or as it is, float16 when `half`, with a texel view per part when
 * `view`. Parts stay within one binding and one texel view. */
static vkbert_status upload_split(loader *L, const float *data, uint64_t n, uint64_t k, bool repack, bool view,
                                  bool half, const char *what, vkb_split *out) {
    vkbert_context *ctx = L->ctx;
    size_t elem = half ? 2 : 4;
    uint32_t unit = repack ? 8 : 1;
    VkDeviceSize max = view ? vkb_texel_view_max_bytes(ctx, half ? 8 : 16) : 0;
    vkbert_status s = vkb_split_create(ctx, n, k * elem, unit, max, VKB_MEM_DEVICE, what, out);
    if (s) return s;
    size_t cap = (size_t)out->part_rows * (size_t)k;  /* floats in the largest part */
    float *packed = repack ? vkb_malloc(cap * sizeof(float)) : NULL;
    uint16_t *halves = half ? vkb_malloc(cap * sizeof(uint16_t)) : NULL;
    if ((repack && !packed) || (half && !halves))
        s = vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory for %s", what);
    for (uint32_t i = 0; i < out->count && !s; ++i) {
        uint32_t rows = vkb_split_part_count(out, i);
        size_t padded = ((size_t)rows + unit - 1) / unit * unit * (size_t)k;
        const float *src = data + (size_t)i * out->part_rows * (size_t)k;
        if (repack) {
            vkb_repack_rows8(src, rows, (uint32_t)k, packed);
            src = packed;
        }
        const void *bytes = src;
        if (half) {
            for (size_t j = 0; j < padded; ++j) halves[j] = vkb_float_to_half(src[j]);
            bytes = halves;
        }
        vkb_buffer *b = &out->part[i];
        s = vkb_buffer_upload_bytes(ctx, b, bytes, padded * elem);
        b->f16 = half;
        if (!s) L->m->device_bytes += b->size;
        if (!s && view)
            s = vkb_buffer_make_view(ctx, b, half ? VK_FORMAT_R16G16B16A16_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT);
    }
    vkb_free(packed);
    vkb_free(halves);
    return s;
}

/* Reads the listed tensors, concatenated in order, into one device buffer. */
static vkbert_status pack(loader *L, const part *parts, int n, const char *what, vkb_buffer *out) {
    size_t total = 0;
    vkbert_status s = read_parts(L, parts, n, what, &total);
    if (!s) s = vkb_buffer_create(L->ctx, total * sizeof(float), VKB_MEM_DEVICE, what, out);
    if (!s) s = vkb_buffer_upload_bytes(L->ctx, out, L->host, total * sizeof(float));
    if (!s) L->m->device_bytes += out->size;
    return s;
}

/* Linear weights made of `nparts` [rows_i, k] tensors stacked (QKV: 3), for the matmul
 * variant the context uses: repacked with texel views, or row-major; float16 when the
 * context stores weights so. */
static vkbert_status pack_linear_parts(loader *L, const part *parts, int nparts, uint64_t n, uint64_t k,
                                       const char *what, vkb_split *out) {
    bool texel = L->ctx->matmul_texel && k % 4 == 0;
    size_t total = 0;
    vkbert_status s = read_parts(L, parts, nparts, what, &total);
    return s ? s : upload_split(L, L->host, n, k, texel, texel, L->ctx->fp16_weights, what, out);
}

static vkbert_status pack_linear(loader *L, const char *name, uint64_t n, uint64_t k, const char *what,
                                 vkb_split *out) {
    return pack_linear_parts(L, (part[]){{name, n, k}}, 1, n, k, what, out);
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
    s = pack_linear_parts(L, (part[]){{n[0], H, H}, {n[1], H, H}, {n[2], H, H}}, 3, 3 * H, H, "a QKV weight",
                          &ly->qkv_w);
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
    if ((s = pack_linear(L, n[0], H, H, "an attention output weight", &ly->out_w)) ||
        (s = pack(L, (part[]){{n[1], H, 0}}, 1, "an attention output bias", &ly->out_b)) ||
        (s = pack(L, (part[]){{n[2], H, 0}, {n[3], H, 0}}, 2, "a LayerNorm", &ly->ln1)) ||
        (s = pack_linear(L, n[4], I, H, "an FFN weight", &ly->ffn1_w)) ||
        (s = pack(L, (part[]){{n[5], I, 0}}, 1, "an FFN bias", &ly->ffn1_b)))
        return s;
    snprintf(n[0], 160, "%s.%u.output.dense.weight", p, i);
    snprintf(n[1], 160, "%s.%u.output.dense.bias", p, i);
    snprintf(n[2], 160, "%s.%u.output.LayerNorm.weight", p, i);
    snprintf(n[3], 160, "%s.%u.output.LayerNorm.bias", p, i);
    if ((s = pack_linear(L, n[0], H, I, "an FFN weight", &ly->ffn2_w)) ||
        (s = pack(L, (part[]){{n[1], H, 0}}, 1, "an FFN bias", &ly->ffn2_b)) ||
        (s = pack(L, (part[]){{n[2], H, 0}, {n[3], H, 0}}, 2, "a LayerNorm", &ly->ln2)))
        return s;
    return VKBERT_OK;
}

static vkbert_status load_head(loader *L, bool tied) {
    vkbert_model *m = L->m;
    uint64_t H = m->config.hidden_size, V = m->config.vocab_size;
    if (L->random ? !L->random_head : !find(L, "cls.predictions.transform.dense.weight", NULL)) {
        vkb_log(L->ctx, VKBERT_LOG_INFO, "%s has no MLM head: loaded for encoding only", L->dir);
        return VKBERT_OK;
    }
    vkbert_status s;
    const char *bias = L->random || find(L, "cls.predictions.bias", NULL) ? "cls.predictions.bias"
                                                                        : "cls.predictions.decoder.bias";
    if ((s = pack_linear(L, "cls.predictions.transform.dense.weight", H, H, "the MLM dense weight", &m->head_w)) ||
        (s = pack(L, (part[]){{"cls.predictions.transform.dense.bias", H, 0}}, 1, "the MLM dense bias", &m->head_b)) ||
        (s = pack(L, (part[]){{"cls.predictions.transform.LayerNorm.weight", H, 0},
                              {"cls.predictions.transform.LayerNorm.bias", H, 0}}, 2, "the MLM LayerNorm", &m->head_ln)) ||
        (s = pack(L, (part[]){{bias, V, 0}}, 1, "the MLM output bias", &m->decoder_b)))
        return s;
    if (!L->random && !tied && find(L, "cls.predictions.decoder.weight", NULL)) {
        s = pack_linear(L, "cls.predictions.decoder.weight", V, H, "the MLM decoder weight", &m->decoder_w);
        if (s) return s;
    }
    m->has_head = true;
    return VKBERT_OK;
}

/* A shard file name from an index: a plain name inside the model directory, and if it is
 * a symlink, one that resolves inside the directory too. */
static vkbert_status check_shard_name(loader *L, const char *index, const char *name, char **path) {
    *path = NULL;
    if (!name[0] || strchr(name, '/') || strchr(name, '\\') || !strcmp(name, ".") || !strcmp(name, "..") ||
        strlen(name) > 255)
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT,
                        "%s names shard \"%.100s\": shards must be plain file names inside the model directory", index,
                        name);
    *path = vkb_path_join(L->dir, name);
    if (!*path) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
#if !defined(_WIN32)
    struct stat sb;
    if (lstat(*path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        char *real_dir = realpath(L->dir, NULL), *real = realpath(*path, NULL);
        size_t n = real_dir ? strlen(real_dir) : 0;
        bool inside = real_dir && real && strncmp(real, real_dir, n) == 0 && real[n] == '/';
        free(real_dir);
        free(real);
        if (!inside)
            return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT,
                            "%s names shard \"%s\", a symlink that leads out of the model directory", index, name);
    }
#endif
    return VKBERT_OK;
}

/* model.safetensors, or the shards listed by model.safetensors.index.json. */
static vkbert_status open_weights(loader *L) {
    char *single = vkb_path_join(L->dir, "model.safetensors");
    char *index = vkb_path_join(L->dir, "model.safetensors.index.json");
    vkbert_status s = (!single || !index) ? vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory") : 0;
    struct stat sb;
    if (!s && (stat(single, &sb) == 0 || stat(index, &sb) != 0)) {
        L->shards = vkb_calloc(1, sizeof *L->shards);
        if (!L->shards) s = vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        else if (!(s = vkb_safetensors_open(L->ctx, single, &L->shards[0]))) L->shard_count = 1;
        vkb_free(single);
        vkb_free(index);
        return s;
    }
    char *json = NULL;
    size_t len = 0;
    cJSON *root = NULL;
    if (!s && (s = vkb_read_file(index, 64u << 20, &json, &len))) vkb_propagate(L->ctx, s);
    if (!s) {
        char err[256];
        root = vkb_json_parse(json, len, 16, err, sizeof err);
        if (!root) s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", index, err);
    }
    const cJSON *map = root ? cJSON_GetObjectItemCaseSensitive(root, "weight_map") : NULL;
    if (!s && !cJSON_IsObject(map))
        s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: no \"weight_map\" object", index);
    if (!s) L->shards = vkb_calloc(MAX_SHARDS, sizeof *L->shards);
    if (!s && !L->shards) s = vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (const cJSON *e = map ? map->child : NULL; e && !s; e = e->next) {
        if (!cJSON_IsString(e))
            s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: weight_map entry \"%.100s\" is not a string", index,
                         e->string);
        bool seen = false;
        for (uint32_t k = 0; k < L->shard_count && !s && !seen; ++k) {
            const char *slash = strrchr(L->shards[k].path, '/');
            seen = !strcmp(slash ? slash + 1 : L->shards[k].path, e->valuestring);
        }
        if (s || seen) continue;
        if (L->shard_count == MAX_SHARDS) {
            s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s names more than %d shards", index, MAX_SHARDS);
            break;
        }
        char *path = NULL;
        s = check_shard_name(L, index, e->valuestring, &path);
        if (!s && !(s = vkb_safetensors_open(L->ctx, path, &L->shards[L->shard_count]))) L->shard_count++;
        vkb_free(path);
    }
    /* every tensor the index names must be in the shard it names, and only there */
    for (const cJSON *e = map ? map->child : NULL; e && !s; e = e->next) {
        const vkb_tensor_info *t = NULL;
        uint32_t where = 0, copies = 0;
        for (uint32_t k = 0; k < L->shard_count; ++k) {
            const vkb_tensor_info *x = vkb_safetensors_find(&L->shards[k], e->string);
            if (x) { t = x; where = k; ++copies; }
        }
        const char *slash = t ? strrchr(L->shards[where].path, '/') : NULL;
        if (copies > 1)
            s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%.100s\" is in more than one shard", index,
                         e->string);
        else if (!t || strcmp(slash ? slash + 1 : L->shards[where].path, e->valuestring))
            s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%.100s\" is not in shard %.100s", index,
                         e->string, e->valuestring);
    }
    cJSON_Delete(root);
    vkb_free(json);
    vkb_free(single);
    vkb_free(index);
    return s;
}

static vkbert_status load_weights(loader *L, bool tied);

/* config.json's fields and tie_word_embeddings (true unless the config says false). */
static vkbert_status parse_config(loader *L, const char *json, size_t len, const char *name, bool *tied) {
    vkbert_status s = vkb_config_parse(L->ctx, json, len, name, &L->m->config);
    *tied = true;
    if (!s) {
        cJSON *root = cJSON_ParseWithLength(json, len);
        const cJSON *tie = root ? cJSON_GetObjectItemCaseSensitive(root, "tie_word_embeddings") : NULL;
        if (cJSON_IsBool(tie)) *tied = cJSON_IsTrue(tie);
        cJSON_Delete(root);
    }
    return s;
}

/* The tokenizer must fit the embedding table; [MASK] selects the head's rows. */
static vkbert_status check_tokenizer(loader *L) {
    vkbert_model *m = L->m;
    if (vkbert_tokenizer_vocab_size(m->tokenizer) > m->config.vocab_size)
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: vocab.txt has %u entries but the config's vocab_size is %u",
                        L->dir, vkbert_tokenizer_vocab_size(m->tokenizer), m->config.vocab_size);
    m->mask_id = vkbert_tokenizer_mask_id(m->tokenizer);
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
    bool tied = true;
    s = parse_config(L, json, len, path, &tied);
    vkb_free(json);
    vkb_free(path);
    if (s) return s;
    s = vkbert_tokenizer_load(dir, &m->tokenizer);
    if (s) return vkb_propagate(L->ctx, s);
    if ((s = check_tokenizer(L)) || (s = open_weights(L))) return s;
    return load_weights(L, tied);
}

/* The same from the files' bytes in memory. */
static vkbert_status load_memory(loader *L, const vkbert_model_files *f) {
    if (!f->config_json || !f->vocab_txt || !f->safetensors)
        return vkb_fail(L->ctx, VKBERT_ERROR_INVALID_ARGUMENT,
                        "vkbert_model_files needs config_json, vocab_txt and safetensors (tokenizer_config_json is optional)");
    if (f->config_json_size > (1u << 20))
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "config.json (memory) is larger than 1 MiB");
    bool tied = true;
    vkbert_status s = parse_config(L, f->config_json, f->config_json_size, "config.json (memory)", &tied);
    if (s) return s;
    s = vkbert_tokenizer_load_memory(f->vocab_txt, f->vocab_txt_size, f->tokenizer_config_json,
                                     f->tokenizer_config_json_size, &L->m->tokenizer);
    if (s) return vkb_propagate(L->ctx, s);
    if ((s = check_tokenizer(L))) return s;
    L->shards = vkb_calloc(1, sizeof *L->shards);
    if (!L->shards) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    s = vkb_safetensors_open_memory(L->ctx, "model.safetensors (memory)", f->safetensors, f->safetensors_size,
                                    &L->shards[0]);
    if (s) return s;
    L->shard_count = 1;
    return load_weights(L, tied);
}

/* Embeddings, layers and head, from the opened shards or (L->random) generated. */
static vkbert_status load_weights(loader *L, bool tied) {
    vkbert_model *m = L->m;
    const vkbert_model_config *c = &m->config;
    vkbert_status s;
    uint64_t H = c->hidden_size, P = c->max_position_embeddings, T = c->type_vocab_size;
    size_t floats = 0;
    s = read_parts(L, (part[]){{"embeddings.word_embeddings.weight", c->vocab_size, H}}, 1, "the word embeddings",
                   &floats);
    /* row-major fp32; the tied MLM decoder reads it through matmul_texel's row-major mode */
    if (!s)
        s = upload_split(L, L->host, c->vocab_size, H, false, L->ctx->matmul_texel && H % 4 == 0, false,
                         "the word embeddings", &m->word_emb);
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
    if (!ctx || !desc || !out || !desc->path == !desc->files)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT,
                        "vkbert_model_load: NULL argument (the desc needs one of .path and .files)");
    *out = NULL;
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    loader L = {ctx, desc->path ? desc->path : "the model in memory"};
    L.m = vkb_calloc(1, sizeof *L.m);
    if (!L.m) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    L.m->ctx = ctx;
    vkbert_status s = desc->path ? load(&L, desc->path) : load_memory(&L, desc->files);
    vkb_free(L.host);
    for (uint32_t i = 0; i < L.shard_count; ++i) vkb_safetensors_close(&L.shards[i]);
    vkb_free(L.shards);
    if (s) {
        vkbert_model_destroy(L.m);
        return s;
    }
    *out = L.m;
    return VKBERT_OK;
}

vkbert_status vkbert_model_create_random(vkbert_context *ctx, const vkbert_model_config *config, uint64_t seed,
                                         bool mlm_head, vkbert_model **out) {
    if (!ctx || !config || !out)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_model_create_random: NULL argument");
    *out = NULL;
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    /* the same checks as a config.json */
    char json[512];
    int n = snprintf(json, sizeof json,
                     "{\"vocab_size\":%u,\"hidden_size\":%u,\"num_hidden_layers\":%u,\"num_attention_heads\":%u,"
                     "\"intermediate_size\":%u,\"max_position_embeddings\":%u,\"type_vocab_size\":%u,"
                     "\"layer_norm_eps\":%.9g}",
                     config->vocab_size, config->hidden_size, config->num_hidden_layers, config->num_attention_heads,
                     config->intermediate_size, config->max_position_embeddings, config->type_vocab_size,
                     config->layer_norm_eps > 0 ? (double)config->layer_norm_eps : 1e-12);
    loader L = {ctx, "random weights", true, mlm_head, seed};
    L.m = vkb_calloc(1, sizeof *L.m);
    if (!L.m) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    L.m->ctx = ctx;
    vkbert_status s = vkb_config_parse(ctx, json, (size_t)n, "the model config", &L.m->config);
    L.m->mask_id = L.m->config.vocab_size > 103 ? 103 : -1;
    if (!s) s = load_weights(&L, true);
    vkb_free(L.host);
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
            vkb_buffer *bs[] = {&l->qkv_b, &l->out_b, &l->ln1, &l->ffn1_b, &l->ffn2_b, &l->ln2};
            for (size_t k = 0; k < sizeof bs / sizeof bs[0]; ++k) vkb_buffer_destroy(ctx, bs[k]);
            vkb_split *ss[] = {&l->qkv_w, &l->out_w, &l->ffn1_w, &l->ffn2_w};
            for (size_t k = 0; k < sizeof ss / sizeof ss[0]; ++k) vkb_split_destroy(ctx, ss[k]);
        }
    vkb_free(m->layers);
    vkb_buffer *bs[] = {&m->emb_aux, &m->head_b, &m->head_ln, &m->decoder_b};
    for (size_t k = 0; k < sizeof bs / sizeof bs[0]; ++k) vkb_buffer_destroy(ctx, bs[k]);
    vkb_split *ss[] = {&m->word_emb, &m->head_w, &m->decoder_w};
    for (size_t k = 0; k < sizeof ss / sizeof ss[0]; ++k) vkb_split_destroy(ctx, ss[k]);
    vkbert_tokenizer_destroy(m->tokenizer);
    vkb_free(m);
}

const vkbert_model_config *vkbert_model_get_config(const vkbert_model *m) { return m ? &m->config : NULL; }
const vkbert_tokenizer *vkbert_model_tokenizer(const vkbert_model *m) { return m ? m->tokenizer : NULL; }
bool vkbert_model_has_mlm_head(const vkbert_model *m) { return m && m->has_head; }
uint64_t vkbert_model_device_bytes(const vkbert_model *m) { return m ? m->device_bytes : 0; }
