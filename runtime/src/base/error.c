/* Status strings, the per-thread and per-context last error, logging, small helpers. */
#include "vkb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MSVC: __declspec(thread), which every MSVC version has (not every one takes C11's
 * _Thread_local). Not built by scripts/check-windows.sh, whose mingw-w64 takes the C11
 * keyword: checking it needs a real MSVC. */
#if defined(_MSC_VER)
#  define VKB_THREAD_LOCAL __declspec(thread)
#else
#  define VKB_THREAD_LOCAL _Thread_local
#endif

static VKB_THREAD_LOCAL char tls_error[1024];

const char *vkbert_status_string(vkbert_status s) {
    static const char *names[VKBERT_STATUS_COUNT] = {
        "VKBERT_OK", "VKBERT_ERROR_INVALID_ARGUMENT", "VKBERT_ERROR_OUT_OF_HOST_MEMORY",
        "VKBERT_ERROR_OUT_OF_DEVICE_MEMORY", "VKBERT_ERROR_IO", "VKBERT_ERROR_MODEL_FORMAT",
        "VKBERT_ERROR_UNSUPPORTED", "VKBERT_ERROR_NO_DEVICE", "VKBERT_ERROR_VULKAN",
        "VKBERT_ERROR_DEVICE_LOST", "VKBERT_ERROR_TIMEOUT", "VKBERT_ERROR_BUFFER_TOO_SMALL",
        "VKBERT_ERROR_INVALID_TEXT", "VKBERT_ERROR_TOO_LONG", "VKBERT_ERROR_NO_MASK", "VKBERT_NOT_READY"};
    if ((unsigned)s >= VKBERT_STATUS_COUNT) return "VKBERT_ERROR_UNKNOWN";
    return names[s];
}

const char *vkbert_last_error(void) { return tls_error; }

vkbert_status vkb_fail(vkbert_context *ctx, vkbert_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tls_error, sizeof tls_error, fmt, ap);
    va_end(ap);
    return vkb_propagate(ctx, status);
}

vkbert_status vkb_propagate(vkbert_context *ctx, vkbert_status status) {
    if (ctx) {
        vkb_mutex_lock(&ctx->lock);
        memcpy(ctx->last_error, tls_error, sizeof ctx->last_error);
        vkb_mutex_unlock(&ctx->lock);
        vkb_log(ctx, VKBERT_LOG_ERROR, "%s", tls_error);
    }
    return status;
}

void vkb_log(const vkbert_context *ctx, vkbert_log_level level, const char *fmt, ...) {
    if (!ctx || !ctx->log) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->log(level, msg, ctx->log_user);
}

const char *vkb_vk_result_string(VkResult r) {
    switch (r) {
#define C(x) case x: return #x;
        C(VK_SUCCESS) C(VK_NOT_READY) C(VK_TIMEOUT) C(VK_INCOMPLETE)
        C(VK_ERROR_OUT_OF_HOST_MEMORY) C(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        C(VK_ERROR_INITIALIZATION_FAILED) C(VK_ERROR_DEVICE_LOST) C(VK_ERROR_MEMORY_MAP_FAILED)
        C(VK_ERROR_LAYER_NOT_PRESENT) C(VK_ERROR_EXTENSION_NOT_PRESENT)
        C(VK_ERROR_FEATURE_NOT_PRESENT) C(VK_ERROR_INCOMPATIBLE_DRIVER)
        C(VK_ERROR_TOO_MANY_OBJECTS) C(VK_ERROR_FORMAT_NOT_SUPPORTED)
        C(VK_ERROR_FRAGMENTED_POOL) C(VK_ERROR_OUT_OF_POOL_MEMORY)
        C(VK_ERROR_INVALID_SHADER_NV) C(VK_ERROR_UNKNOWN)
#undef C
    default: return "VkResult(?)";
    }
}

vkbert_status vkb_vk_fail(vkbert_context *ctx, VkResult r, const char *what) {
    vkbert_status st = VKBERT_ERROR_VULKAN;
    if (r == VK_ERROR_DEVICE_LOST) {
        st = VKBERT_ERROR_DEVICE_LOST;
        if (ctx) ctx->lost = true;
    } else if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY) {
        st = VKBERT_ERROR_OUT_OF_DEVICE_MEMORY;
    } else if (r == VK_ERROR_OUT_OF_HOST_MEMORY) {
        st = VKBERT_ERROR_OUT_OF_HOST_MEMORY;
    } else if (r == VK_TIMEOUT) {
        st = VKBERT_ERROR_TIMEOUT;
    }
    return vkb_fail(ctx, st, "%s failed: %s (%d)", what, vkb_vk_result_string(r), (int)r);
}

bool vkb_mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return false;
    *out = a * b;
    return true;
}

bool vkb_add_size(size_t a, size_t b, size_t *out) {
    if (b > SIZE_MAX - a) return false;
    *out = a + b;
    return true;
}
