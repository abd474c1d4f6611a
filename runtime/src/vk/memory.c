/* Buffers: device-local weights and activations, mapped inputs and readback, uploads
 * directly into host-visible device-local memory or through a bounded staging buffer. */
#include "vkb_internal.h"

#include <stdlib.h>
#include <string.h>

#define VKB_STAGING_BYTES (16u << 20)

static int find_type(const vkbert_context *ctx, uint32_t bits, VkMemoryPropertyFlags want,
                     VkMemoryPropertyFlags avoid) {
    for (uint32_t i = 0; i < ctx->memory.memoryTypeCount; ++i) {
        VkMemoryPropertyFlags f = ctx->memory.memoryTypes[i].propertyFlags;
        if ((bits & (1u << i)) && (f & want) == want && !(f & avoid)) return (int)i;
    }
    return -1;
}

/* Memory type for a kind of buffer, most preferred first. */
static int choose_type(const vkbert_context *ctx, uint32_t bits, vkb_memory_kind kind) {
    const VkMemoryPropertyFlags DL = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    const VkMemoryPropertyFlags HV = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    const VkMemoryPropertyFlags HC = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
    int t = -1;
    switch (kind) {
    case VKB_MEM_DEVICE:
        if (!ctx->force_staging) t = find_type(ctx, bits, DL | HV, 0);
        if (t < 0) t = find_type(ctx, bits, DL, ctx->force_staging ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT : 0);
        if (t < 0) t = find_type(ctx, bits, DL, 0);
        if (t < 0) t = find_type(ctx, bits, 0, 0);
        break;
    case VKB_MEM_UPLOAD:
        t = find_type(ctx, bits, DL | HV, 0);
        if (t < 0) t = find_type(ctx, bits, HV, 0);
        break;
    case VKB_MEM_READBACK:
        t = find_type(ctx, bits, HV | HC, 0);
        if (t < 0) t = find_type(ctx, bits, HV, 0);
        break;
    }
    return t;
}

vkbert_status vkb_buffer_create(vkbert_context *ctx, VkDeviceSize size, vkb_memory_kind kind,
                                const char *what, vkb_buffer *out) {
    memset(out, 0, sizeof *out);
    if (size == 0) size = 4; /* zero-size tensors still get a valid binding */
    size = (size + 3) & ~(VkDeviceSize)3;
    if (ctx->info.max_memory_allocation_bytes && size > ctx->info.max_memory_allocation_bytes)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                        "%s needs %llu bytes in one buffer; this device allows at most %llu per allocation",
                        what, (unsigned long long)size, (unsigned long long)ctx->info.max_memory_allocation_bytes);
    VkBufferCreateInfo bi = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bi.size = size;
    bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT |
               VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT;
    bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkResult r = VKB_VK(vkCreateBuffer(ctx->device, &bi, NULL, &out->buffer));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateBuffer");
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx->device, out->buffer, &req);
    int type = choose_type(ctx, req.memoryTypeBits, kind);
    if (type < 0) {
        vkb_buffer_destroy(ctx, out);
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "no suitable memory type for %s", what);
    }
    VkMemoryAllocateInfo ai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, NULL, req.size, (uint32_t)type};
    r = VKB_VK_MEM(vkAllocateMemory(ctx->device, &ai, NULL, &out->memory));
    if (r != VK_SUCCESS) {
        vkb_buffer_destroy(ctx, out);
        vkb_vk_fail(ctx, r, "vkAllocateMemory");
        return vkb_fail(ctx, r == VK_ERROR_OUT_OF_DEVICE_MEMORY ? VKBERT_ERROR_OUT_OF_DEVICE_MEMORY
                                                                 : VKBERT_ERROR_VULKAN,
                        "cannot allocate %llu bytes of device memory for %s: %s",
                        (unsigned long long)req.size, what, vkb_vk_result_string(r));
    }
    r = VKB_VK(vkBindBufferMemory(ctx->device, out->buffer, out->memory, 0));
    if (r != VK_SUCCESS) {
        vkb_buffer_destroy(ctx, out);
        return vkb_vk_fail(ctx, r, "vkBindBufferMemory");
    }
    if (ctx->memory.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
        r = VKB_VK(vkMapMemory(ctx->device, out->memory, 0, VK_WHOLE_SIZE, 0, &out->mapped));
        if (r != VK_SUCCESS) {
            vkb_buffer_destroy(ctx, out);
            return vkb_vk_fail(ctx, r, "vkMapMemory");
        }
    }
    out->size = size;
    return VKBERT_OK;
}

vkbert_status vkb_buffer_make_view(vkbert_context *ctx, vkb_buffer *b, VkFormat format) {
    VkDeviceSize texel = format == VK_FORMAT_R16G16B16A16_SFLOAT ? 8 : 16;
    if (b->size / texel > ctx->props.limits.maxTexelBufferElements)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "a texel view of %llu texels is over maxTexelBufferElements %u",
                        (unsigned long long)(b->size / texel), ctx->props.limits.maxTexelBufferElements);
    VkBufferViewCreateInfo vi = {VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO, NULL, 0, b->buffer, format, 0,
                                 b->size / texel * texel};
    VkResult r = VKB_VK(vkCreateBufferView(ctx->device, &vi, NULL, &b->view));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateBufferView");
    return VKBERT_OK;
}

void vkb_buffer_destroy(vkbert_context *ctx, vkb_buffer *b) {
    if (!ctx || !b) return;
    if (b->view) vkDestroyBufferView(ctx->device, b->view, NULL);
    if (b->buffer) vkDestroyBuffer(ctx->device, b->buffer, NULL);
    if (b->memory) vkFreeMemory(ctx->device, b->memory, NULL);  /* unmaps implicitly */
    memset(b, 0, sizeof *b);
}

static vkbert_status copy_locked(vkbert_context *ctx, VkBuffer src, VkDeviceSize src_off, VkBuffer dst,
                                 VkDeviceSize dst_off, VkDeviceSize bytes);

/* A copy in a one-shot command buffer from the context's pool, submitted and waited for
 * with the context's fence, all under the context lock. */
static vkbert_status one_shot_copy(vkbert_context *ctx, VkBuffer src, VkDeviceSize src_off,
                                   VkBuffer dst, VkDeviceSize dst_off, VkDeviceSize bytes) {
    vkb_mutex_lock(&ctx->lock);
    vkbert_status st = copy_locked(ctx, src, src_off, dst, dst_off, bytes);
    vkb_mutex_unlock(&ctx->lock);
    return st;
}

static vkbert_status copy_locked(vkbert_context *ctx, VkBuffer src, VkDeviceSize src_off, VkBuffer dst,
                                 VkDeviceSize dst_off, VkDeviceSize bytes) {
    VkCommandBufferAllocateInfo ai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, NULL, ctx->pool,
                                      VK_COMMAND_BUFFER_LEVEL_PRIMARY, 1};
    VkCommandBuffer cmd;
    VkResult r = VKB_VK(vkAllocateCommandBuffers(ctx->device, &ai, &cmd));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkAllocateCommandBuffers");
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL,
                                   VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    vkBeginCommandBuffer(cmd, &bi);
    VkBufferCopy c = {src_off, dst_off, bytes};
    vkCmdCopyBuffer(cmd, src, dst, 1, &c);
    vkb_barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT,
                "copied data is read by the host (download) or by later kernels (upload)");
    r = VKB_VK(vkEndCommandBuffer(cmd));
    vkbert_status st = r == VK_SUCCESS ? VKBERT_OK : vkb_vk_fail(ctx, r, "vkEndCommandBuffer");
    if (!st) {
        vkResetFences(ctx->device, 1, &ctx->fence);
        st = vkb_submit(ctx, &cmd, 1, ctx->fence, VK_NULL_HANDLE, 0);
        if (!st) st = vkb_wait_fence(ctx, ctx->fence, "buffer copy");
    }
    if (st != VKBERT_ERROR_TIMEOUT) vkFreeCommandBuffers(ctx->device, ctx->pool, 1, &cmd);
    return st;
}

vkbert_status vkb_buffer_upload(vkbert_context *ctx, vkb_buffer *b, vkb_fill_fn fill, void *user) {
    size_t total = (size_t)b->size;
    /* force_staging exercises the staging path even where memory is host-visible */
    if (b->mapped && !ctx->force_staging) return fill(b->mapped, 0, total, user);
    vkb_buffer staging;
    VkDeviceSize chunk = total < VKB_STAGING_BYTES ? total : VKB_STAGING_BYTES;
    vkbert_status st = vkb_buffer_create(ctx, chunk, VKB_MEM_UPLOAD, "the staging buffer", &staging);
    if (st) return st;
    for (size_t off = 0; off < total && !st; off += (size_t)chunk) {
        size_t n = total - off < chunk ? total - off : (size_t)chunk;
        st = fill(staging.mapped, off, n, user);
        if (!st) st = one_shot_copy(ctx, staging.buffer, 0, b->buffer, off, n);
    }
    vkb_buffer_destroy(ctx, &staging);
    return st;
}

typedef struct bytes_src { const uint8_t *data; size_t bytes; } bytes_src;

static vkbert_status fill_bytes(void *dst, size_t offset, size_t bytes, void *user) {
    const bytes_src *s = user;
    size_t have = offset < s->bytes ? s->bytes - offset : 0;
    size_t n = have < bytes ? have : bytes;
    if (n) memcpy(dst, s->data + offset, n);
    if (n < bytes) memset((uint8_t *)dst + n, 0, bytes - n);
    return VKBERT_OK;
}

vkbert_status vkb_buffer_upload_bytes(vkbert_context *ctx, vkb_buffer *b, const void *data, size_t bytes) {
    bytes_src s = {data, bytes};
    return vkb_buffer_upload(ctx, b, fill_bytes, &s);
}

vkbert_status vkb_buffer_download(vkbert_context *ctx, vkb_buffer *b, void *dst, size_t bytes) {
    if (bytes > b->size) bytes = (size_t)b->size;
    if (b->mapped) {
        memcpy(dst, b->mapped, bytes);
        return VKBERT_OK;
    }
    vkb_buffer rb;
    vkbert_status st = vkb_buffer_create(ctx, bytes, VKB_MEM_READBACK, "a readback buffer", &rb);
    if (st) return st;
    st = one_shot_copy(ctx, b->buffer, 0, rb.buffer, 0, bytes);
    if (!st) memcpy(dst, rb.mapped, bytes);
    vkb_buffer_destroy(ctx, &rb);
    return st;
}

void vkb_repack_rows8(const float *w, uint32_t n, uint32_t k, float *out) {
    uint32_t k4n = k / 4, groups = (n + 7) / 8;
    for (uint32_t g = 0; g < groups; ++g)
        for (uint32_t k4 = 0; k4 < k4n; ++k4)
            for (uint32_t c = 0; c < 8; ++c) {
                uint32_t row = g * 8 + c;
                float *dst = out + (((size_t)g * k4n + k4) * 8 + c) * 4;
                for (uint32_t e = 0; e < 4; ++e) dst[e] = row < n ? w[(size_t)row * k + k4 * 4 + e] : 0.0f;
            }
}

VkDeviceSize vkb_texel_view_max_bytes(const vkbert_context *ctx, VkDeviceSize texel_bytes) {
    return (VkDeviceSize)ctx->info.max_texel_buffer_elements * texel_bytes;
}

/* The most bytes in one part: the context's binding limit, or `max_bytes` when lower. */
static VkDeviceSize part_limit(const vkbert_context *ctx, VkDeviceSize max_bytes) {
    return max_bytes && max_bytes < ctx->max_binding ? max_bytes : ctx->max_binding;
}

uint32_t vkb_split_rows(const vkbert_context *ctx, uint64_t rows, uint64_t row_bytes, uint32_t unit,
                        VkDeviceSize max_bytes) {
    VkDeviceSize limit = part_limit(ctx, max_bytes);
    if (row_bytes == 0) row_bytes = 4;
    if (unit == 0) unit = 1;
    uint64_t fit = limit / row_bytes / unit * unit;
    if (fit == 0) return 0;
    uint64_t all = (rows + unit - 1) / unit * unit; /* one part when everything fits */
    if (all == 0) all = unit;
    uint64_t r = fit < all ? fit : all;
    return r > UINT32_MAX / 2 ? UINT32_MAX / 2 / unit * unit : (uint32_t)r;
}

uint32_t vkb_split_part_count(const vkb_split *s, uint32_t i) {
    if (i >= s->count) return 0;
    uint64_t begin = (uint64_t)i * s->part_rows;
    uint64_t left = s->rows > begin ? s->rows - begin : 0;
    return (uint32_t)(left < s->part_rows ? left : s->part_rows);
}

uint64_t vkb_split_bytes(const vkb_split *s) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < s->count; ++i) n += s->part[i].size;
    return n;
}

vkbert_status vkb_split_create(vkbert_context *ctx, uint64_t rows, uint64_t row_bytes, uint32_t unit,
                               VkDeviceSize max_bytes, vkb_memory_kind kind, const char *what, vkb_split *out) {
    memset(out, 0, sizeof *out);
    if (unit == 0) unit = 1;
    uint32_t per = vkb_split_rows(ctx, rows, row_bytes, unit, max_bytes);
    if (per == 0)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                        "%s: %u row(s) of %llu bytes do not fit in one buffer binding of at most %llu bytes on this "
                        "device", what, unit, (unsigned long long)row_bytes,
                        (unsigned long long)part_limit(ctx, max_bytes));
    if (rows > UINT32_MAX) return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s has too many rows", what);
    uint64_t count = rows ? (rows + per - 1) / per : 1;
    out->part = vkb_calloc((size_t)count, sizeof *out->part);
    if (!out->part) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    out->rows = (uint32_t)rows;
    out->part_rows = per;
    out->count = (uint32_t)count;
    if (count > 1)
        vkb_log(ctx, VKBERT_LOG_INFO, "%s: %u parts of up to %u rows (a binding holds at most %llu bytes)", what,
                out->count, per, (unsigned long long)part_limit(ctx, max_bytes));
    for (uint32_t i = 0; i < out->count; ++i) {
        uint64_t n = vkb_split_part_count(out, i);
        n = (n + unit - 1) / unit * unit;
        vkbert_status st = vkb_buffer_create(ctx, (n ? n : 1) * row_bytes, kind, what, &out->part[i]);
        if (st) {
            vkb_split_destroy(ctx, out);
            return st;
        }
    }
    return VKBERT_OK;
}

void vkb_split_destroy(vkbert_context *ctx, vkb_split *s) {
    if (!s) return;
    for (uint32_t i = 0; s->part && i < s->count; ++i) vkb_buffer_destroy(ctx, &s->part[i]);
    vkb_free(s->part);
    memset(s, 0, sizeof *s);
}
