/* config.json: model_type -> the family's parser (model/arch_*.c) -> vkbert_model_config, with
 * the typed, range-checked getters the parsers use. */
#include "vkb_internal.h"
#include "model/arch.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Caps well above any published BERT, so that a hostile config cannot ask for absurd
 * allocations before the weights are even looked at. */
#define MAX_HEAD_DIM 256u

vkbert_status vkb_config_u32(vkbert_context *ctx, const cJSON *root, const char *path, const char *key,
                             uint32_t def, uint32_t lo, uint32_t hi, uint32_t *out) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!j) {
        if (def == 0)
            return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: missing \"%s\"", path, key);
        *out = def;
        return VKBERT_OK;
    }
    double d = cJSON_IsNumber(j) ? j->valuedouble : NAN;
    if (!(d == floor(d)) || d < lo || d > hi)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: \"%s\" must be an integer in [%u, %u]%s%s", path, key, lo,
                        hi, cJSON_IsNumber(j) ? "" : ", not ", cJSON_IsNumber(j) ? "" : vkb_json_type_name(j));
    *out = (uint32_t)d;
    return VKBERT_OK;
}

vkbert_status vkb_config_eps(vkbert_context *ctx, const cJSON *root, const char *path, const char *key, float *out) {
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(root, key);
    *out = 1e-12f;
    if (!eps) return VKBERT_OK;
    if (!cJSON_IsNumber(eps) || !(eps->valuedouble > 0.0) || eps->valuedouble > 1.0)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: \"%s\" must be a number in (0, 1]%s%s", path, key,
                        cJSON_IsNumber(eps) ? "" : ", not ", cJSON_IsNumber(eps) ? "" : vkb_json_type_name(eps));
    *out = (float)eps->valuedouble;
    return VKBERT_OK;
}

vkbert_status vkb_config_act(vkbert_context *ctx, const cJSON *root, const char *path, const char *key,
                             const char *def, const char **out) {
    const char *v = NULL;
    vkbert_status s = vkb_json_string(ctx, root, path, key, &v);
    if (s) return s;
    if (!v) *out = def;
    else if (v && (!strcmp(v, "gelu") || !strcmp(v, "gelu_python"))) *out = "gelu";
    else if (v && (!strcmp(v, "gelu_new") || !strcmp(v, "gelu_pytorch_tanh"))) *out = "gelu_new";
    else if (v && (!strcmp(v, "silu") || !strcmp(v, "swish"))) *out = "silu";
    else
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                        "%s: %s %.64s is not supported (vkbert implements \"gelu\", the exact erf GELU, "
                        "\"gelu_new\", its tanh approximation, and \"silu\")", path, key, v);
    return VKBERT_OK;
}

uint32_t vkb_act_code(const char *hidden_act) {
    if (hidden_act && !strcmp(hidden_act, "silu")) return VKB_ACT_SILU; /* NomicBERT's SwiGLU gate */
    return hidden_act && !strcmp(hidden_act, "gelu_new") ? VKB_ACT_GELU_TANH : VKB_ACT_GELU;
}

/* model_type picks the family; its parser reads its keys; the checks below hold for all. */
vkbert_status vkb_config_parse(vkbert_context *ctx, const char *json, size_t len, const char *path,
                               vkbert_model_config *cfg) {
    char err[256];
    cJSON *root = vkb_json_parse(json, len, 64, err, sizeof err);
    if (!root) return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", path, err);
    vkbert_status s = VKBERT_OK;
    memset(cfg, 0, sizeof *cfg);
    const vkb_arch *arch = NULL;
    if (!cJSON_IsObject(root)) s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: not a JSON object", path);
    if (!s) {
        const char *mt = NULL, *pe = NULL;
        if ((s = vkb_json_string(ctx, root, path, "model_type", &mt)) ||
            (s = vkb_json_string(ctx, root, path, "position_embedding_type", &pe))) {
        } else if (!(arch = vkb_arch_find(mt, pe))) {
            s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: model_type \"%.64s\" is not supported (vkbert runs: %s)",
                         path, mt ? mt : "", vkb_arch_list((char[128]){0}, 128));
        }
    }
    if (!s) {
        cfg->family = arch->name;
        s = arch->parse_config(ctx, root, path, cfg);
    }
    if (!s && !cfg->embedding_size) cfg->embedding_size = cfg->hidden_size;
    if (!s && !cfg->hidden_act) cfg->hidden_act = "gelu";
    /* factorised embeddings are summed in the QKV scratch ([tokens, 3 x hidden]) before their projection */
    if (!s && cfg->embedding_size > 3 * cfg->hidden_size)
        s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: embedding_size %u over 3 x hidden_size (%u) is not supported",
                     path, cfg->embedding_size, 3 * cfg->hidden_size);
    if (!s && cfg->position_offset >= cfg->max_position_embeddings)
        s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: padding_idx %u leaves none of the %u positions for tokens",
                     path, cfg->position_offset - 1, cfg->max_position_embeddings);
    if (!s) cfg->max_tokens = cfg->max_position_embeddings - cfg->position_offset;
    if (!s && cfg->hidden_size % cfg->num_attention_heads != 0)
        s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                     "%s: hidden_size %u is not divisible by num_attention_heads %u", path, cfg->hidden_size,
                     cfg->num_attention_heads);
    if (!s && cfg->hidden_size / cfg->num_attention_heads > MAX_HEAD_DIM)
        s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: head size %u is over the supported %u", path,
                     cfg->hidden_size / cfg->num_attention_heads, MAX_HEAD_DIM);
    cJSON_Delete(root);
    return s;
}

/* config.json's id2label ({"0": "NEGATIVE", ...}: every id from 0 to n - 1 exactly once) and
 * problem_type. *labels NULL and *count 0 when there is no id2label. */
vkbert_status vkb_config_labels(vkbert_context *ctx, const char *json, size_t len, const char *path, char ***labels,
                                uint32_t *count, bool *multi_label) {
    *labels = NULL;
    *count = 0;
    *multi_label = false;
    char err[256];
    cJSON *root = vkb_json_parse(json, len, 64, err, sizeof err);
    if (!root) return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", path, err);
    const cJSON *map = NULL;
    const char *pt = NULL;
    vkbert_status s = vkb_json_get(ctx, root, path, "id2label", VKB_JSON_OBJECT, &map);
    if (!s) s = vkb_json_string(ctx, root, path, "problem_type", &pt);
    if (pt) *multi_label = !strcmp(pt, "multi_label_classification");
    uint32_t n = 0;
    for (const cJSON *e = map ? map->child : NULL; e && !s; e = e->next)
        if (++n > 65536) s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: more than 65536 labels", path);
    char **l = n && !s ? vkb_calloc(n, sizeof *l) : NULL;
    if (n && !s && !l) s = vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (const cJSON *e = map ? map->child : NULL; e && !s; e = e->next) {
        char *end = NULL;
        unsigned long id = strtoul(e->string, &end, 10);
        if (!e->string[0] || *end || id >= n || !cJSON_IsString(e))
            s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: id2label entry \"%.32s\" is not an id from 0 to %u with a "
                         "label string", path, e->string, n - 1);
        else if (l[id])
            s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: id2label names id %lu twice", path, id);
        else if (!(l[id] = vkb_strdup(e->valuestring)))
            s = vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    }
    cJSON_Delete(root);
    if (s) {
        for (uint32_t i = 0; l && i < n; ++i) vkb_free(l[i]);
        vkb_free(l);
        return s;
    }
    *labels = l;
    *count = n;
    return VKBERT_OK;
}
