/* Weight loading: find a slot's tensor through the family's names, check it, read it as fp32
 * (or generate it, for random models) and upload it in the layout the matmul variant reads. */
#include "model/weights.h"
#include "model/model.h"

#include <stdio.h>
#include <string.h>

#define MAX_NAME 256

/* Alternative `i` of a slot's names with "%u" replaced by `layer`; false when there is none. */
static bool name_alt(const vkb_loader *L, vkb_tensor slot, int i, uint32_t layer, char *buf) {
    const char *p = L->arch->names[slot];
    for (; p && i > 0; --i) {
        p = strchr(p, '|');
        if (p) ++p;
    }
    if (!p) return false;
    size_t len = strcspn(p, "|"), o = 0;
    for (size_t j = 0; j < len && o + 12 < MAX_NAME; ++j) {
        if (p[j] == '%' && j + 1 < len && p[j + 1] == 'u') {
            o += (size_t)snprintf(buf + o, MAX_NAME - o, "%u", layer);
            ++j;
        } else {
            buf[o++] = p[j];
        }
    }
    buf[o] = 0;
    return true;
}

/* The slot's tensor under any of its names, each with any of the family's prefixes. */
static const vkb_tensor_info *find(const vkb_loader *L, vkb_tensor slot, uint32_t layer,
                                   const vkb_safetensors **owner) {
    char alt[MAX_NAME], buf[MAX_NAME + 32];
    for (int i = 0; name_alt(L, slot, i, layer, alt); ++i)
        for (uint32_t k = 0; k < L->shard_count; ++k)
            for (int p = 0; p < 3 && L->arch->prefixes[p]; ++p) {
                snprintf(buf, sizeof buf, "%s%s", L->arch->prefixes[p], alt);
                const vkb_tensor_info *t = vkb_safetensors_find(&L->shards[k], buf);
                if (t) {
                    if (owner) *owner = &L->shards[k];
                    return t;
                }
            }
    return NULL;
}

bool vkb_weights_has(const vkb_loader *L, vkb_tensor slot, uint32_t layer) {
    if (!L->arch->names[slot] || (L->m && (L->m->absent >> slot & 1))) return false;
    if (L->random) /* the encoder, and the MLM head when asked for (tied) */
        return slot < VKB_T_MLM_DENSE_W ||
               (L->random_head && slot <= VKB_T_MLM_BIAS && slot != VKB_T_MLM_DECODER_W);
    return find(L, slot, layer, NULL) != NULL;
}

bool vkb_weights_rows(const vkb_loader *L, vkb_tensor slot, uint64_t *rows) {
    const vkb_tensor_info *t = L->random || !L->arch->names[slot] ? NULL : find(L, slot, 0, NULL);
    if (!t || t->rank == 0) return false;
    *rows = t->shape[0];
    return true;
}

/* Checks that `t` exists with exactly the given shape (rank 1 if d1 == 0). */
static vkbert_status expect(vkb_loader *L, const char *name, const vkb_tensor_info *t, uint64_t d0, uint64_t d1) {
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

/* Random weights for benchmarks: BERT-like scales, deterministic per seed and name. */
static void generate(const vkb_loader *L, const char *name, size_t n, float *dst) {
    uint64_t st = L->seed * 0x9E3779B97F4A7C15ull + 1;
    for (const char *c = name; *c; ++c) st = (st ^ (uint8_t)*c) * 1099511628211ull;
    bool gamma = strstr(name, "LayerNorm.weight") || strstr(name, "layer_norm.weight") || strstr(name, "norm.weight");
    bool bias = !gamma && strstr(name, "bias") != NULL;
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
static vkbert_status reserve_host(vkb_loader *L, size_t floats, const char *what) {
    if (floats <= L->host_floats) return VKBERT_OK;
    float *h = vkb_realloc(L->host, floats * sizeof(float));
    if (!h) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory reading %s", what);
    L->host = h;
    L->host_floats = floats;
    return VKBERT_OK;
}

/* Reads (or generates) the listed tensors, concatenated in order, into L->host; *floats is
 * their total. */
static vkbert_status read_parts(vkb_loader *L, const vkb_part *parts, int n, uint32_t layer, const char *what,
                                size_t *floats) {
    size_t total = 0, counts[8];
    const vkb_tensor_info *ts[8] = {0};
    const vkb_safetensors *owners[8] = {0};
    char names[8][MAX_NAME];
    for (int i = 0; i < n; ++i) {
        /* a slot config.json says is absent (ModernBERT's biases) is zeros, never looked up */
        bool named = !(L->m && (L->m->absent >> parts[i].slot & 1)) && name_alt(L, parts[i].slot, 0, layer, names[i]);
        counts[i] = (size_t)parts[i].d0 * (parts[i].d1 ? parts[i].d1 : 1);
        if (named && !L->random) {
            ts[i] = find(L, parts[i].slot, layer, &owners[i]);
            vkbert_status s = expect(L, names[i], ts[i], parts[i].d0, parts[i].d1);
            if (s) return s;
            counts[i] = (size_t)ts[i]->count;
        }
        if (!named) names[i][0] = 0;
        total += counts[i];
    }
    vkbert_status s = reserve_host(L, total, what);
    size_t off = 0;
    for (int i = 0; i < n && !s; ++i) {
        if (!names[i][0]) memset(L->host + off, 0, counts[i] * sizeof(float)); /* not in this family */
        else if (L->random) generate(L, names[i], counts[i], L->host + off);
        else s = vkb_safetensors_read_f32(L->ctx, owners[i], ts[i], L->host + off);
        off += counts[i];
    }
    *floats = total;
    return s;
}

/* A row-major [n, k] fp32 matrix on the device as a split tensor: repacked for
 * matmul_texel (rows8) or as it is, float16 when `half`, with a texel view per part when
 * `view`. Parts stay within one binding and one texel view. */
static vkbert_status upload_split(vkb_loader *L, const float *data, uint64_t n, uint64_t k, bool repack, bool view,
                                  bool half, const char *what, vkb_split *out) {
    vkbert_context *ctx = L->ctx;
    size_t elem = half ? 2 : 4;
    uint32_t unit = repack ? 8 : 1;
    VkDeviceSize max = view ? vkb_texel_view_max_bytes(ctx, half ? 8 : 16) : 0;
    vkbert_status s = vkb_split_create(ctx, n, k * elem, unit, max, VKB_MEM_DEVICE, what, out);
    if (s) return s;
    out->rows8 = repack;
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
        if (!s) *L->device_bytes += b->size;
        if (!s && view)
            s = vkb_buffer_make_view(ctx, b, half ? VK_FORMAT_R16G16B16A16_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT);
    }
    vkb_free(packed);
    vkb_free(halves);
    return s;
}

vkbert_status vkb_weights_pack(vkb_loader *L, const vkb_part *parts, int n, uint32_t layer, const char *what,
                               vkb_buffer *out) {
    size_t total = 0;
    vkbert_status s = read_parts(L, parts, n, layer, what, &total);
    if (!s) s = vkb_buffer_create(L->ctx, total * sizeof(float), VKB_MEM_DEVICE, what, out);
    if (!s) s = vkb_buffer_upload_bytes(L->ctx, out, L->host, total * sizeof(float));
    if (!s) *L->device_bytes += out->size;
    return s;
}

vkbert_status vkb_weights_linear(vkb_loader *L, const vkb_part *parts, int nparts, uint32_t layer, uint64_t n,
                                 uint64_t k, const char *what, vkb_split *out) {
    bool texel = L->ctx->matmul_texel && k % 4 == 0;
    size_t total = 0;
    vkbert_status s = read_parts(L, parts, nparts, layer, what, &total);
    return s ? s : upload_split(L, L->host, n, k, texel, texel, L->ctx->fp16_weights, what, out);
}

vkbert_status vkb_weights_embedding(vkb_loader *L, uint64_t v, uint64_t h, vkb_split *out) {
    size_t floats = 0;
    vkbert_status s = read_parts(L, (vkb_part[]){{VKB_T_WORD_EMB, v, h}}, 1, 0, "the word embeddings", &floats);
    /* row-major fp32; the tied MLM decoder reads it through matmul_texel's row-major mode */
    return s ? s
             : upload_split(L, L->host, v, h, false, L->ctx->matmul_texel && h % 4 == 0, false, "the word embeddings",
                            out);
}

void vkb_weights_done(vkb_loader *L) {
    vkb_free(L->host);
    L->host = NULL;
    L->host_floats = 0;
}
