/* JSON parsing with the checks cJSON does not make: duplicate keys and nesting depth. */
#include "vkb_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Returns the first duplicated key found under `item`, or NULL. */
static const char *find_duplicate(const cJSON *item, bool *oom) {
    for (const cJSON *c = item->child; c; c = c->next) {
        const char *d = find_duplicate(c, oom);
        if (d || *oom) return d;
    }
    if (!cJSON_IsObject(item)) return NULL;
    size_t n = 0;
    for (const cJSON *c = item->child; c; c = c->next) ++n;
    if (n < 2) return NULL;
    const char **names = vkb_malloc(n * sizeof *names);
    if (!names) {
        *oom = true;
        return NULL;
    }
    size_t i = 0;
    for (const cJSON *c = item->child; c; c = c->next) names[i++] = c->string ? c->string : "";
    qsort(names, n, sizeof *names, cmp_str);
    const char *dup = NULL;
    for (i = 1; i < n && !dup; ++i)
        if (strcmp(names[i - 1], names[i]) == 0) dup = names[i];
    vkb_free(names);
    return dup;
}

cJSON *vkb_json_parse(const char *text, size_t len, int max_depth, char *err, size_t errlen) {
    /* Depth first, so that hostile nesting is refused before any recursion. */
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; ++i) {
        char c = text[i];
        if (in_str) {
            if (c == '\\') ++i;
            else if (c == '"') in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) {
                snprintf(err, errlen, "JSON nested deeper than %d levels (byte %zu)", max_depth, i);
                return NULL;
            }
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        snprintf(err, errlen, "invalid JSON near byte %zu", at);
        return NULL;
    }
    /* Anything but whitespace after the value is an error. */
    for (const char *p = end; p && p < text + len; ++p)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\0') {
            snprintf(err, errlen, "unexpected data after the JSON value at byte %zu", (size_t)(p - text));
            cJSON_Delete(root);
            return NULL;
        }
    bool oom = false;
    const char *dup = find_duplicate(root, &oom);
    if (dup || oom) {
        if (oom) snprintf(err, errlen, "out of memory checking JSON keys");
        else snprintf(err, errlen, "duplicate JSON key \"%.200s\"", dup);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

const char *vkb_json_type_name(const cJSON *j) {
    if (!j) return "missing";
    if (cJSON_IsBool(j)) return "a boolean";
    if (cJSON_IsNull(j)) return "null";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsObject(j)) return "an object";
    return "invalid";
}

static bool has_type(const cJSON *j, vkb_json_type type) {
    switch (type) {
    case VKB_JSON_BOOL: return cJSON_IsBool(j);
    case VKB_JSON_NUMBER: return cJSON_IsNumber(j);
    case VKB_JSON_STRING: return cJSON_IsString(j);
    case VKB_JSON_ARRAY: return cJSON_IsArray(j);
    case VKB_JSON_OBJECT: return cJSON_IsObject(j);
    }
    return false;
}

static const char *type_want(vkb_json_type type) {
    static const char *names[] = {"a boolean", "a number", "a string", "an array", "an object"};
    return names[type];
}

vkbert_status vkb_json_type_error(vkbert_context *ctx, const char *path, const char *key, vkb_json_type type,
                                  const cJSON *j) {
    return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: \"%.100s\" must be %s, not %s", path, key, type_want(type),
                    vkb_json_type_name(j));
}

vkbert_status vkb_json_get(vkbert_context *ctx, const cJSON *obj, const char *path, const char *key,
                           vkb_json_type type, const cJSON **out) {
    const cJSON *j = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    *out = NULL;
    if (!j || cJSON_IsNull(j)) return VKBERT_OK;
    if (!has_type(j, type)) return vkb_json_type_error(ctx, path, key, type, j);
    *out = j;
    return VKBERT_OK;
}

vkbert_status vkb_json_bool(vkbert_context *ctx, const cJSON *obj, const char *path, const char *key, bool *out) {
    const cJSON *j = NULL;
    vkbert_status s = vkb_json_get(ctx, obj, path, key, VKB_JSON_BOOL, &j);
    if (j) *out = cJSON_IsTrue(j);
    return s;
}

vkbert_status vkb_json_string(vkbert_context *ctx, const cJSON *obj, const char *path, const char *key,
                              const char **out) {
    const cJSON *j = NULL;
    vkbert_status s = vkb_json_get(ctx, obj, path, key, VKB_JSON_STRING, &j);
    if (j) *out = j->valuestring;
    return s;
}
