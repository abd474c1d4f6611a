/* A model directory's weights: model.safetensors, or the shards model.safetensors.index.json
 * lists (plain names inside the directory, every tensor in exactly the shard it names). */
#include "vkb_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHARDS 256

typedef struct vkb_checkpoint {
    vkbert_context *ctx;
    const char *dir;
    vkb_safetensors *shards;
    uint32_t shard_count;
} vkb_checkpoint;

static vkbert_status open_shards(vkb_checkpoint *L);

/* A shard file name from an index: a plain name inside the model directory, and if it is
 * a symlink, one that resolves inside the directory too. */
static vkbert_status check_shard_name(const vkb_checkpoint *L, const char *index, const char *name, char **path) {
    *path = NULL;
    if (!name[0] || strchr(name, '/') || strchr(name, '\\') || !strcmp(name, ".") || !strcmp(name, "..") ||
        strlen(name) > 255)
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT,
                        "%s names shard \"%.100s\": shards must be plain file names inside the model directory", index,
                        name);
    *path = vkb_path_join(L->dir, name);
    if (!*path) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    if (vkb_is_link(*path)) {
        char *real_dir = vkb_real_path(L->dir), *real = vkb_real_path(*path);
        bool inside = real_dir && real && vkb_path_within(real, real_dir);
        free(real_dir);
        free(real);
        if (!inside)
            return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT,
                            "%s names shard \"%s\", a symlink that leads out of the model directory", index, name);
    }
    return VKBERT_OK;
}

/* model.safetensors, or the shards listed by model.safetensors.index.json. */
vkbert_status vkb_checkpoint_open(vkbert_context *ctx, const char *dir, vkb_safetensors **shards, uint32_t *count) {
    vkb_checkpoint C = {ctx, dir, NULL, 0}, *L = &C;
    vkbert_status s = open_shards(L);
    *shards = C.shards;
    *count = C.shard_count;
    return s;
}

static vkbert_status open_shards(vkb_checkpoint *L) {
    char *single = vkb_path_join(L->dir, "model.safetensors");
    char *index = vkb_path_join(L->dir, "model.safetensors.index.json");
    vkbert_status s = (!single || !index) ? vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory") : 0;
    if (!s && (vkb_path_kind_of(single, NULL) != VKB_PATH_NONE || vkb_path_kind_of(index, NULL) == VKB_PATH_NONE)) {
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
    const cJSON *map = NULL;
    if (!s) s = vkb_json_get(L->ctx, root, index, "weight_map", VKB_JSON_OBJECT, &map);
    if (!s && !map)
        s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: no \"weight_map\" object", index);
    if (!s) L->shards = vkb_calloc(MAX_SHARDS, sizeof *L->shards);
    if (!s && !L->shards) s = vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (const cJSON *e = map ? map->child : NULL; e && !s; e = e->next) {
        if (!cJSON_IsString(e))
            s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: weight_map entry \"%.100s\" is not a string", index,
                         e->string);
        bool seen = false;
        for (uint32_t k = 0; k < L->shard_count && !s && !seen; ++k) {
            seen = !strcmp(vkb_path_basename(L->shards[k].path), e->valuestring);
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
        if (copies > 1)
            s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%.100s\" is in more than one shard", index,
                         e->string);
        else if (!t || strcmp(vkb_path_basename(L->shards[where].path), e->valuestring))
            s = vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%.100s\" is not in shard %.100s", index,
                         e->string, e->valuestring);
    }
    cJSON_Delete(root);
    vkb_free(json);
    vkb_free(single);
    vkb_free(index);
    return s;
}

