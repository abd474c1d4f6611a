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
