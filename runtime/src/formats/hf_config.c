/* config.json (Hugging Face BertConfig): the fields vkbert uses, range-checked. */
#include "vkb_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Caps well above any published BERT, so that a hostile config cannot ask for absurd
 * allocations before the weights are even looked at. */
#define MAX_VOCAB (1u << 22)
#define MAX_HIDDEN 16384u
#define MAX_LAYERS 256u
#define MAX_HEADS 1024u
#define MAX_INTERMEDIATE 65536u
#define MAX_POSITIONS 65536u
#define MAX_TYPES 1024u
#define MAX_HEAD_DIM 256u

static vkbert_status get_u32(vkbert_context *ctx, const cJSON *root, const char *path, const char *key,
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
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: \"%s\" must be an integer in [%u, %u]", path, key, lo,
                        hi);
    *out = (uint32_t)d;
    return VKBERT_OK;
}

vkbert_status vkb_config_parse(vkbert_context *ctx, const char *json, size_t len, const char *path,
                               vkbert_model_config *cfg) {
    char err[256];
    cJSON *root = vkb_json_parse(json, len, 64, err, sizeof err);
    if (!root) return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", path, err);
    vkbert_status s = VKBERT_OK;
    memset(cfg, 0, sizeof *cfg);
    if (!cJSON_IsObject(root)) s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: not a JSON object", path);
    if (!s) s = get_u32(ctx, root, path, "vocab_size", 0, 1, MAX_VOCAB, &cfg->vocab_size);
    if (!s) s = get_u32(ctx, root, path, "hidden_size", 0, 1, MAX_HIDDEN, &cfg->hidden_size);
    if (!s) s = get_u32(ctx, root, path, "num_hidden_layers", 0, 1, MAX_LAYERS, &cfg->num_hidden_layers);
    if (!s) s = get_u32(ctx, root, path, "num_attention_heads", 0, 1, MAX_HEADS, &cfg->num_attention_heads);
    if (!s) s = get_u32(ctx, root, path, "intermediate_size", 0, 1, MAX_INTERMEDIATE, &cfg->intermediate_size);
    if (!s) s = get_u32(ctx, root, path, "max_position_embeddings", 512, 1, MAX_POSITIONS, &cfg->max_position_embeddings);
    if (!s) s = get_u32(ctx, root, path, "type_vocab_size", 2, 1, MAX_TYPES, &cfg->type_vocab_size);
    if (!s) {
        const cJSON *eps = cJSON_GetObjectItemCaseSensitive(root, "layer_norm_eps");
        cfg->layer_norm_eps = 1e-12f;
        if (eps) {
            if (!cJSON_IsNumber(eps) || !(eps->valuedouble > 0.0) || eps->valuedouble > 1.0)
                s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: \"layer_norm_eps\" must be a number in (0, 1]", path);
            else
                cfg->layer_norm_eps = (float)eps->valuedouble;
        }
    }
    if (!s) {
        const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "hidden_act");
        if (act && !(cJSON_IsString(act) &&
                     (strcmp(act->valuestring, "gelu") == 0 || strcmp(act->valuestring, "gelu_python") == 0)))
            s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                         "%s: hidden_act %s is not supported (vkbert implements \"gelu\", the exact erf GELU)", path,
                         cJSON_IsString(act) ? act->valuestring : "(not a string)");
    }
    if (!s) {
        const cJSON *pe = cJSON_GetObjectItemCaseSensitive(root, "position_embedding_type");
        if (pe && !(cJSON_IsString(pe) && strcmp(pe->valuestring, "absolute") == 0))
            s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: only absolute position embeddings are supported", path);
    }
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
