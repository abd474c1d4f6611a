/* The pipeline cache on disk. File: a vkbert header (magic, format version, the device's
 * vendor, device, driver version and pipelineCacheUUID, the data size and an FNV-1a
 * checksum) followed by vkGetPipelineCacheData's bytes. A file that is short, corrupt, or
 * made by another device or driver is ignored with a log message and never handed to the
 * driver; the cache is rewritten (atomically: a temporary file replaces it) when the context
 * is destroyed, or earlier by vkbert_context_save_pipeline_cache, whenever pipelines were
 * created since the last write. */
#include "vkb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "VKBPCACH"
#define FORMAT 1u
#define MAX_CACHE_BYTES (256u << 20)

typedef struct file_header {
    char magic[8];
    uint32_t format;
    uint32_t vendor_id, device_id, driver_version;
    uint8_t uuid[VK_UUID_SIZE];
    uint64_t data_bytes;
    uint64_t checksum;     /* FNV-1a 64 of the data */
} file_header;

static uint64_t fnv1a64(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

vkbert_status vkb_pipeline_cache_path(vkbert_context *ctx, const char *requested, char **out) {
    *out = NULL;
    if (requested) {
        if (!*requested) return VKBERT_OK; /* "" disables the file */
        *out = vkb_strdup(requested);
    } else {
        char *dir = NULL, name[96];
        if (!vkb_user_cache_dir(&dir)) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        if (!dir) return VKBERT_OK; /* nowhere to keep it */
        snprintf(name, sizeof name, "pipelines-%04x-%04x.bin", ctx->props.vendorID, ctx->props.deviceID);
        *out = vkb_path_join(dir, name);
        vkb_free(dir);
    }
    return *out ? VKBERT_OK : vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
}

/* Checks `data` (file contents) against this device; returns the payload or NULL with why. */
static const uint8_t *check_file(const vkbert_context *ctx, const uint8_t *data, size_t size, size_t *payload,
                                 const char **why) {
    file_header h;
    if (size < sizeof h) { *why = "it is shorter than its header"; return NULL; }
    memcpy(&h, data, sizeof h);
    if (memcmp(h.magic, MAGIC, 8) != 0) { *why = "it is not a vkbert pipeline cache"; return NULL; }
    if (h.format != FORMAT) { *why = "it has another format version"; return NULL; }
    if (h.vendor_id != ctx->props.vendorID || h.device_id != ctx->props.deviceID ||
        h.driver_version != ctx->props.driverVersion ||
        memcmp(h.uuid, ctx->props.pipelineCacheUUID, VK_UUID_SIZE) != 0) {
        *why = "it was made by another device or driver version";
        return NULL;
    }
    if (h.data_bytes != size - sizeof h) { *why = "its size does not match its header (truncated?)"; return NULL; }
    const uint8_t *p = data + sizeof h;
    if (fnv1a64(p, (size_t)h.data_bytes) != h.checksum) { *why = "its checksum does not match (corrupt)"; return NULL; }
    /* Vulkan's own header inside the data: length, version 1, and the same identity */
    uint32_t vk[4];
    if (h.data_bytes < 16 + VK_UUID_SIZE) { *why = "its Vulkan header is missing"; return NULL; }
    memcpy(vk, p, sizeof vk);
    if (vk[0] < 16 + VK_UUID_SIZE || vk[1] != VK_PIPELINE_CACHE_HEADER_VERSION_ONE || vk[2] != ctx->props.vendorID ||
        vk[3] != ctx->props.deviceID || memcmp(p + 16, ctx->props.pipelineCacheUUID, VK_UUID_SIZE) != 0) {
        *why = "its Vulkan header does not match this device";
        return NULL;
    }
    *payload = (size_t)h.data_bytes;
    return p;
}

vkbert_status vkb_pipeline_cache_create(vkbert_context *ctx, const void *data, size_t size, const char *path) {
    char *file = NULL;
    size_t file_size = 0, payload = 0;
    const uint8_t *initial = NULL;
    if (data) {
        initial = data;
        payload = size;
    } else if (path) {
        if (vkb_path_kind_of(path, NULL) != VKB_PATH_NONE) {
            vkbert_status st = vkb_read_file(path, MAX_CACHE_BYTES, &file, &file_size);
            if (st == VKBERT_ERROR_OUT_OF_HOST_MEMORY) return vkb_propagate(ctx, st);
            if (st == VKBERT_OK) {
                const char *why = NULL;
                initial = check_file(ctx, (const uint8_t *)file, file_size, &payload, &why);
                if (!initial) vkb_log(ctx, VKBERT_LOG_WARNING, "pipeline cache %s ignored: %s", path, why);
                else ctx->pipeline_cache_loaded = true;
            } else {
                vkb_log(ctx, VKBERT_LOG_WARNING, "pipeline cache %s ignored: %s", path, vkbert_last_error());
            }
        }
    }
    VkPipelineCacheCreateInfo ci = {VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO, NULL, 0, initial ? payload : 0,
                                    initial};
    VkResult r = VKB_VK(vkCreatePipelineCache(ctx->device, &ci, NULL, &ctx->cache));
    vkb_free(file);
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreatePipelineCache");
    return VKBERT_OK;
}

int vkb_pipeline_cache_save(vkbert_context *ctx) {
    const char *path = ctx->pipeline_cache_path;
    if (!path || !ctx->cache || ctx->lost || ctx->pipelines_saved == ctx->pipelines_created) return 0;
    size_t n = 0;
    if (vkGetPipelineCacheData(ctx->device, ctx->cache, &n, NULL) != VK_SUCCESS || n == 0 || n > MAX_CACHE_BYTES)
        return 0; /* nothing the driver will give */
    uint8_t *buf = vkb_malloc(sizeof(file_header) + n);
    if (!buf) return ENOMEM;
    if (vkGetPipelineCacheData(ctx->device, ctx->cache, &n, buf + sizeof(file_header)) != VK_SUCCESS) {
        vkb_free(buf);
        return 0;
    }
    file_header h = {.format = FORMAT, .vendor_id = ctx->props.vendorID, .device_id = ctx->props.deviceID,
                     .driver_version = ctx->props.driverVersion, .data_bytes = n};
    memcpy(h.magic, MAGIC, 8);
    memcpy(h.uuid, ctx->props.pipelineCacheUUID, VK_UUID_SIZE);
    h.checksum = fnv1a64(buf + sizeof h, n);
    memcpy(buf, &h, sizeof h);
    /* the directories (the cache home itself may not exist yet on a fresh account), then a
     * temporary file that replaces the old one */
    vkb_make_parents(path);
    size_t len = strlen(path);
    char *tmp = vkb_malloc(len + 16);
    int err = tmp ? 0 : ENOMEM;
    if (tmp) {
        snprintf(tmp, len + 16, "%s.tmp%u", path, (unsigned)(fnv1a64((const uint8_t *)&tmp, sizeof tmp) & 0xFFFF));
        errno = 0;
        FILE *f = vkb_fopen(tmp, "wb");
        bool ok = f && fwrite(buf, 1, sizeof h + n, f) == sizeof h + n;
        if (f && fclose(f) != 0) ok = false;
        if (!ok) err = errno ? errno : EIO;
        else err = vkb_replace_file(tmp, path);
        if (!err) {
            vkb_log(ctx, VKBERT_LOG_DEBUG, "pipeline cache saved to %s (%zu bytes)", path, n);
            ctx->pipelines_saved = ctx->pipelines_created;
        } else {
            vkb_remove(tmp);
        }
        vkb_free(tmp);
    }
    vkb_free(buf);
    return err;
}

vkbert_status vkbert_context_save_pipeline_cache(vkbert_context *ctx) {
    if (!ctx) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_context_save_pipeline_cache: NULL context");
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    vkb_mutex_lock(&ctx->lock);
    int err = vkb_pipeline_cache_save(ctx);
    vkb_mutex_unlock(&ctx->lock);
    if (err == ENOMEM) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    if (err) return vkb_fail(ctx, VKBERT_ERROR_IO, "cannot save the pipeline cache to %s: %s",
                             ctx->pipeline_cache_path, strerror(err));
    return VKBERT_OK;
}
