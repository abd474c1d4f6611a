/* sentence-transformers' layout, as the hub ships it: modules.json lists the modules in order
 * (Transformer, Pooling, optional Dense, optional Normalize), each module's directory holds its
 * config.json (a Dense also its model.safetensors); sentence_bert_config.json gives
 * max_seq_length and do_lower_case, config_sentence_transformers.json the prompts. */
#include "formats/st_config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST "sentence_transformers.models."

static bool exists(const char *path) { return vkb_path_kind_of(path, NULL) != VKB_PATH_NONE; }

/* dir/name parsed, or *root NULL when the file is absent and optional. */
static vkbert_status read_json(vkbert_context *ctx, const char *dir, const char *name, bool required, cJSON **root,
                               char **path_out) {
    *root = NULL;
    char *path = vkb_path_join(dir, name);
    if (!path) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkbert_status s = VKBERT_OK;
    if (!exists(path)) {
        if (required) s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s is missing", path);
    } else {
        char *json = NULL;
        size_t len = 0;
        s = vkb_read_file(path, 1u << 20, &json, &len);
        if (s) {
            vkb_propagate(ctx, s);
        } else {
            char err[256];
            *root = vkb_json_parse(json, len, 16, err, sizeof err);
            if (!*root) s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", path, err);
            else if (!cJSON_IsObject(*root) && !cJSON_IsArray(*root))
                s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: not a JSON object", path);
        }
        vkb_free(json);
    }
    if (s) {
        cJSON_Delete(*root);
        *root = NULL;
    }
    if (path_out && !s) *path_out = path;
    else vkb_free(path);
    return s;
}

/* A module path of modules.json: relative, without "..", and (symlinks resolved) inside dir. */
static vkbert_status module_dir(vkbert_context *ctx, const char *dir, const char *mpath, const char *where,
                                char **out) {
    *out = NULL;
    bool bad = mpath[0] == '/' || mpath[0] == '\\' || strchr(mpath, ':') || strlen(mpath) > 255;
    for (const char *p = mpath; !bad && *p;) { /* no ".." component */
        size_t n = strcspn(p, "/\\");
        if (n == 2 && p[0] == '.' && p[1] == '.') bad = true;
        p += n;
        if (*p) ++p;
    }
    if (bad)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                        "%s: module path \"%.100s\" leads outside the model directory", where, mpath);
    *out = vkb_path_join(dir, mpath);
    if (!*out) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    char *real_dir = vkb_real_path(dir), *real = vkb_real_path(*out);
    bool inside = !real || (real_dir && vkb_path_within(real, real_dir));
    free(real_dir);
    free(real);
    if (!inside) {
        vkb_free(*out);
        *out = NULL;
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                        "%s: module path \"%.100s\" is a link that leads outside the model directory", where, mpath);
    }
    return VKBERT_OK;
}

static vkbert_status read_pooling(vkbert_context *ctx, const char *mdir, uint32_t hidden, vkb_st_config *c) {
    cJSON *root = NULL;
    char *path = NULL;
    vkbert_status s = read_json(ctx, mdir, "config.json", true, &root, &path);
    if (s) return s;
    static const struct { const char *key; uint32_t mode; } modes[] = {
        {"pooling_mode_cls_token", VKBERT_POOLING_CLS},
        {"pooling_mode_mean_tokens", VKBERT_POOLING_MEAN},
        {"pooling_mode_max_tokens", VKBERT_POOLING_MAX},
        {"pooling_mode_mean_sqrt_len_tokens", VKBERT_POOLING_MEAN_SQRT_LEN},
        {"pooling_mode_lasttoken", VKBERT_POOLING_LAST},
        {"pooling_mode_weightedmean_tokens", 0},
    };
    const char *first = NULL;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0] && !s; ++i) {
        bool on = false;
        if ((s = vkb_json_bool(ctx, root, path, modes[i].key, &on))) {
        } else if (on) {
            if (first)
                s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                             "%s: two pooling modes (%s and %s); vkbert pools with exactly one", path, first,
                             modes[i].key);
            else if (!modes[i].mode)
                s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: %s is not supported (vkbert pools cls, mean, max, "
                             "mean_sqrt_len or lasttoken)", path, modes[i].key);
            first = modes[i].key;
            c->pooling = modes[i].mode;
        }
    }
    if (!s && !first)
        s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: no pooling mode is true (pooling_mode_cls_token, "
                     "_mean_tokens, _max_tokens, _mean_sqrt_len_tokens or _lasttoken)", path);
    const cJSON *dim = NULL;
    if (!s) s = vkb_json_get(ctx, root, path, "word_embedding_dimension", VKB_JSON_NUMBER, &dim);
    if (!s && dim && dim->valuedouble != (double)hidden)
        s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: word_embedding_dimension does not match the encoder's "
                     "hidden_size %u", path, hidden);
    c->include_prompt = true;
    if (!s) s = vkb_json_bool(ctx, root, path, "include_prompt", &c->include_prompt);
    cJSON_Delete(root);
    vkb_free(path);
    return s;
}

static vkbert_status read_dense(vkbert_context *ctx, const char *mdir, uint32_t width, vkb_st_config *c) {
    cJSON *root = NULL;
    char *path = NULL;
    vkbert_status s = read_json(ctx, mdir, "config.json", true, &root, &path);
    if (s) return s;
    uint32_t in = 0, out = 0;
    if ((s = vkb_config_u32(ctx, root, path, "in_features", 0, 1, VKB_MAX_HIDDEN, &in)) ||
        (s = vkb_config_u32(ctx, root, path, "out_features", 0, 1, VKB_MAX_HIDDEN, &out)))
        goto done;
    if (in != width) {
        s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: the Dense layer takes in_features %u but the pooled "
                     "embedding has %u", path, in, width);
        goto done;
    }
    const char *a = "torch.nn.modules.activation.Tanh";
    c->dense_bias = true;
    if ((s = vkb_json_bool(ctx, root, path, "bias", &c->dense_bias)) ||
        (s = vkb_json_string(ctx, root, path, "activation_function", &a)))
        goto done;
    if (!strcmp(a, "torch.nn.modules.activation.Tanh")) {
        c->dense_act = 2;
    } else if (!strcmp(a, "torch.nn.modules.linear.Identity")) {
        c->dense_act = 0;
    } else {
        s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: activation_function %.100s is not supported (vkbert runs "
                     "torch.nn.modules.activation.Tanh and torch.nn.modules.linear.Identity)", path, a);
        goto done;
    }
    char *st = vkb_path_join(mdir, "model.safetensors"), *bin = vkb_path_join(mdir, "pytorch_model.bin");
    if (!st || !bin) s = vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    else if (!exists(st))
        s = vkb_fail(ctx, exists(bin) ? VKBERT_ERROR_UNSUPPORTED : VKBERT_ERROR_MODEL_FORMAT,
                     exists(bin) ? "%s: the Dense layer's weights are only in pytorch_model.bin, which vkbert does not "
                                   "read (pickle): convert it to model.safetensors"
                                 : "%s: the Dense layer's model.safetensors is missing", mdir);
    vkb_free(st);
    vkb_free(bin);
    c->dense = true;
    c->dense_in = in;
    c->dense_out = out;
done:
    cJSON_Delete(root);
    vkb_free(path);
    return s;
}

static vkbert_status read_modules(vkbert_context *ctx, const char *dir, uint32_t hidden, cJSON *mods,
                                  const char *where, vkb_st_config *c) {
    if (!cJSON_IsArray(mods)) return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: not a JSON array", where);
    static const char *order[] = {ST "Transformer", ST "Pooling", ST "Dense", ST "Normalize"};
    int stage = -1;
    bool pooled = false;
    vkbert_status s = VKBERT_OK;
    for (const cJSON *m = mods->child; m && !s; m = m->next) {
        const cJSON *type = NULL, *path = NULL;
        if ((s = vkb_json_get(ctx, m, where, "type", VKB_JSON_STRING, &type)) ||
            (s = vkb_json_get(ctx, m, where, "path", VKB_JSON_STRING, &path)))
            return s;
        if (!type)
            return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: every module needs a \"type\" and a \"path\" string",
                            where);
        int k = -1;
        for (int i = 0; i < 4; ++i)
            if (!strcmp(type->valuestring, order[i])) k = i;
        if (k < 0)
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: module %.100s is not supported (vkbert runs "
                            "Transformer, Pooling, Dense and Normalize)", where, type->valuestring);
        if (k <= stage || (k == 0) != (stage == -1))
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: modules must be Transformer, Pooling, then optional "
                            "Dense and Normalize, in that order (%s is out of place)", where, type->valuestring);
        stage = k;
        char *mdir = NULL;
        if ((s = module_dir(ctx, dir, path ? path->valuestring : "", where, &mdir))) return s;
        if (k == 1) {
            s = read_pooling(ctx, mdir, hidden, c);
            pooled = true;
        } else if (k == 2) {
            s = read_dense(ctx, mdir, hidden, c);
            if (!s) {
                c->dense_dir = mdir;
                mdir = NULL;
            }
        } else if (k == 3) {
            c->normalize = true;
        }
        vkb_free(mdir);
    }
    if (!s && !pooled)
        s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: no Pooling module after the Transformer", where);
    return s;
}

static vkbert_status read_prompts(vkbert_context *ctx, const cJSON *root, const char *path, vkb_st_config *c) {
    const cJSON *pr = NULL, *def = NULL;
    vkbert_status s;
    if ((s = vkb_json_get(ctx, root, path, "prompts", VKB_JSON_OBJECT, &pr)) ||
        (s = vkb_json_get(ctx, root, path, "default_prompt_name", VKB_JSON_STRING, &def)))
        return s;
    uint32_t n = 0;
    for (const cJSON *e = pr ? pr->child : NULL; e; e = e->next) {
        if (!cJSON_IsString(e))
            return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: prompt \"%.64s\" is not a string", path, e->string);
        if (++n > 1024) return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: more than 1024 prompts", path);
    }
    c->prompts = vkb_calloc(n ? n : 1, sizeof *c->prompts);
    if (!c->prompts) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (const cJSON *e = pr ? pr->child : NULL; e; e = e->next) {
        vkb_st_prompt *p = &c->prompts[c->prompt_count++];
        p->name = vkb_strdup(e->string);
        p->text = vkb_strdup(e->valuestring);
        if (!p->name || !p->text) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    }
    c->default_prompt = -1;
    if (def) {
        for (uint32_t i = 0; i < c->prompt_count; ++i)
            if (!strcmp(c->prompts[i].name, def->valuestring)) c->default_prompt = (int32_t)i;
        if (c->default_prompt < 0)
            return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: default_prompt_name \"%.64s\" is not one of the "
                            "prompts", path, def->valuestring);
    }
    return VKBERT_OK;
}

vkbert_status vkb_st_config_read(vkbert_context *ctx, const char *dir, uint32_t hidden, vkb_st_config *c) {
    memset(c, 0, sizeof *c);
    c->pooling = VKBERT_POOLING_CLS;
    c->include_prompt = true;
    c->default_prompt = -1;
    if (!dir) return VKBERT_OK;
    cJSON *root = NULL;
    char *path = NULL;
    vkbert_status s = read_json(ctx, dir, "modules.json", false, &root, &path);
    if (!s && root) {
        c->present = true;
        s = read_modules(ctx, dir, hidden, root, path, c);
    }
    cJSON_Delete(root);
    root = NULL;
    vkb_free(path);
    path = NULL;
    if (!s) s = read_json(ctx, dir, "sentence_bert_config.json", false, &root, &path);
    if (!s && root) {
        s = vkb_json_bool(ctx, root, path, "do_lower_case", &c->do_lower_case);
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(root, "max_seq_length");
        if (!s && ms && !cJSON_IsNull(ms))
            s = vkb_config_u32(ctx, root, path, "max_seq_length", 0, 1, VKB_MAX_POSITIONS, &c->max_seq_length);
    }
    cJSON_Delete(root);
    root = NULL;
    vkb_free(path);
    path = NULL;
    if (!s) s = read_json(ctx, dir, "config_sentence_transformers.json", false, &root, &path);
    if (!s && root) s = read_prompts(ctx, root, path, c);
    cJSON_Delete(root);
    vkb_free(path);
    if (s) vkb_st_config_free(c);
    return s;
}

void vkb_st_config_free(vkb_st_config *c) {
    for (uint32_t i = 0; i < c->prompt_count; ++i) {
        vkb_free(c->prompts[i].name);
        vkb_free(c->prompts[i].text);
    }
    vkb_free(c->prompts);
    vkb_free(c->dense_dir);
    memset(c, 0, sizeof *c);
    c->default_prompt = -1;
}
