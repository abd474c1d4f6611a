/* Context: create (own device or the host's), destroy, getters. */
#include "vkb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VKB_DEFAULT_TIMEOUT_MS 300000u

vkbert_status vkbert_context_create(const vkbert_context_desc *desc, vkbert_context **out) {
    if (!out) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_context_create: out is NULL");
    *out = NULL;
    vkbert_context_desc d = desc ? *desc : (vkbert_context_desc){0};
    vkbert_context *ctx = vkb_calloc(1, sizeof *ctx);
    if (!ctx) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkb_mutex_init(&ctx->lock);
    ctx->log = d.log;
    ctx->log_user = d.log_user;
    ctx->timeout_ns = (uint64_t)(d.timeout_ms ? d.timeout_ms : VKB_DEFAULT_TIMEOUT_MS) * 1000000u;
    ctx->force_staging = d.force_staging;
    ctx->max_dispatches_per_submit = d.max_dispatches_per_submit;
    vkbert_status st = vkb_options_resolve(ctx, &d);
    const vkbert_context_desc *o = &ctx->options;
    ctx->min_limits = o->min_limits;
    if (!st && d.external) {
        st = vkb_device_adopt(ctx, d.external);
    } else if (!st) {
        /* Vulkan 1.3 only for the cooperative-matrix kernels, when they are built */
        bool want13 = VKB_VULKAN13_MISSING[0] == '\0' && !ctx->min_limits;
        st = vkb_instance_create(ctx, o->validation, want13, &ctx->instance, &ctx->instance_api);
        if (!st) st = vkb_device_choose(ctx, o->device);
    }
    if (!st && !d.external) {
        vkGetPhysicalDeviceProperties(ctx->physical, &ctx->props);
        vkGetPhysicalDeviceMemoryProperties(ctx->physical, &ctx->memory);
        float prio = 1.0f;
        VkDeviceQueueCreateInfo qi = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0,
                                      ctx->queue_family, 1, &prio};
        const char *exts[3];
        uint32_t ext_count = 0;
        /* required of every device that advertises it (a portability driver: MoltenVK) */
        if (ctx->info.portability_subset) exts[ext_count++] = VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME;
        VkDeviceCreateInfo di = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, NULL, 0, 1, &qi};
        /* A Vulkan 1.3 instance and device: features through the 1.1/1.2/1.3 structures (which
         * exclude the per-extension ones), with what the Vulkan 1.3 kernels need:
         * maintenance4 (their LocalSizeId), vulkanMemoryModel, subgroup size control, and
         * VK_KHR_cooperative_matrix where the device has it */
        VkPhysicalDeviceCooperativeMatrixFeaturesKHR cmf = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR};
        VkPhysicalDeviceVulkan13Features f13 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
        VkPhysicalDeviceVulkan12Features f12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, &f13};
        VkPhysicalDeviceVulkan11Features f11 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, &f12};
        /* float16 arithmetic where the device has it (the fp16 peak microbenchmark) */
        VkPhysicalDeviceShaderFloat16Int8Features f16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
        /* 16-bit storage (core in 1.1) for float16 weights on the storage-buffer path */
        VkPhysicalDevice16BitStorageFeatures s16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
        const vkb_caps13 *c = &ctx->caps13;
        if (ctx->instance_api >= VK_API_VERSION_1_3 && c->api13 && !ctx->min_limits) {
            ctx->features13 = c->maintenance4 && c->memory_model;
            f13.maintenance4 = ctx->features13;
            f12.vulkanMemoryModel = ctx->features13;
            f13.subgroupSizeControl = f13.computeFullSubgroups = ctx->size_control = ctx->features13 && c->size_control;
            f12.shaderFloat16 = ctx->float16 = ctx->info.shader_float16;
            f11.storageBuffer16BitAccess = ctx->storage16 = ctx->info.storage_buffer_16bit;
            di.pNext = &f11;
            if (ctx->features13 && c->coopmat && ctx->float16) {
                cmf.cooperativeMatrix = VK_TRUE;
                f13.pNext = &cmf;
                exts[ext_count++] = VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME;
                ctx->coopmat_enabled = true;
            }
        } else {
            if (ctx->info.shader_float16 && !ctx->min_limits) {
                f16.shaderFloat16 = VK_TRUE;
                di.pNext = &f16;
                if (ctx->info.api_version < VK_API_VERSION_1_2) exts[ext_count++] = VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME;
                ctx->float16 = true;
            }
            if (ctx->info.storage_buffer_16bit && !ctx->min_limits) {
                s16.storageBuffer16BitAccess = VK_TRUE;
                s16.pNext = (void *)di.pNext;
                di.pNext = &s16;
                ctx->storage16 = true;
            }
        }
        if (!ctx->coopmat_enabled)
            snprintf(ctx->coopmat_why, sizeof ctx->coopmat_why, "%s",
                     VKB_VULKAN13_MISSING[0] ? VKB_VULKAN13_MISSING
                     : ctx->min_limits ? "the minimum-limits kernels are asked for"
                     : ctx->instance_api < VK_API_VERSION_1_3 ? "the Vulkan loader is below 1.3"
                     : !c->api13 ? "the device is below Vulkan 1.3"
                     : !c->coopmat ? "the device has no VK_KHR_cooperative_matrix"
                     : !ctx->features13 ? "the device lacks maintenance4 or vulkanMemoryModel"
                     : "the device has no shaderFloat16");
        di.enabledExtensionCount = ext_count;
        di.ppEnabledExtensionNames = exts;
        VkResult r = VKB_VK(vkCreateDevice(ctx->physical, &di, NULL, &ctx->device));
        if (r != VK_SUCCESS) st = vkb_vk_fail(ctx, r, "vkCreateDevice");
    }
    if (!st) {
        vkGetDeviceQueue(ctx->device, ctx->queue_family, ctx->queue_index, &ctx->queue);
        VkCommandPoolCreateInfo pi = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, NULL,
                                      VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT, ctx->queue_family};
        VkResult r = VKB_VK(vkCreateCommandPool(ctx->device, &pi, NULL, &ctx->pool));
        if (r != VK_SUCCESS) st = vkb_vk_fail(ctx, r, "vkCreateCommandPool");
    }
    if (!st) {
        VkFenceCreateInfo fi = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        VkResult r = VKB_VK(vkCreateFence(ctx->device, &fi, NULL, &ctx->fence));
        if (r != VK_SUCCESS) st = vkb_vk_fail(ctx, r, "vkCreateFence");
    }
    if (!st) {
        st = vkb_pipeline_cache_path(ctx, o->pipeline_cache_path, &ctx->pipeline_cache_path);
        if (!st)
            st = vkb_pipeline_cache_create(ctx, d.pipeline_cache_data, d.pipeline_cache_size, ctx->pipeline_cache_path);
    }
    if (st) {
        char msg[sizeof ctx->last_error];
        memcpy(msg, ctx->last_error, sizeof msg);
        vkbert_context_destroy(ctx);
        return vkb_fail(NULL, st, "%s", msg);
    }
    ctx->timestamps = ctx->timestamp_bits > 0;
    st = vkb_policy_apply(ctx);
    if (st) {
        char msg[sizeof ctx->last_error];
        memcpy(msg, ctx->last_error, sizeof msg);
        vkbert_context_destroy(ctx);
        return vkb_fail(NULL, st, "%s", msg);
    }
    ctx->public_options = ctx->options;
    ctx->public_options.external = NULL;
    ctx->public_options.pipeline_cache_data = NULL;
    ctx->public_options.pipeline_cache_size = 0;
    ctx->public_options.log = NULL;
    ctx->public_options.log_user = NULL;
    ctx->public_options.pipeline_cache_path = ctx->pipeline_cache_path;
    vkb_log(ctx, VKBERT_LOG_INFO, "device %u: %s (%s); matmul variant %s", ctx->info.index, ctx->info.name,
            ctx->info.driver_name, vkbert_context_matmul_variant(ctx));
    *out = ctx;
    return VKBERT_OK;
}

void vkbert_context_destroy(vkbert_context *ctx) {
    if (!ctx) return;
    if (ctx->device) {
        /* No vkDeviceWaitIdle (an unbounded wait): every submission is tracked by a fence
         * that its owner waited for, bounded, before this point. */
        int err = vkb_pipeline_cache_save(ctx);
        if (err)
            vkb_log(ctx, VKBERT_LOG_WARNING, "cannot save the pipeline cache to %s: %s", ctx->pipeline_cache_path,
                    strerror(err));
        vkb_pipelines_destroy(ctx);
        if (ctx->cache) vkDestroyPipelineCache(ctx->device, ctx->cache, NULL);
        if (ctx->fence) vkDestroyFence(ctx->device, ctx->fence, NULL);
        if (ctx->pool) vkDestroyCommandPool(ctx->device, ctx->pool, NULL);
        if (!ctx->borrowed) vkDestroyDevice(ctx->device, NULL); /* never what the host owns */
    }
    if (ctx->messenger) ctx->destroy_messenger(ctx->instance, ctx->messenger, NULL);
    if (ctx->instance && !ctx->borrowed) vkDestroyInstance(ctx->instance, NULL);
    vkb_free(ctx->pipeline_cache_path);
    vkb_free(ctx->option_device);
    vkb_free(ctx->option_cache_path);
    vkb_mutex_destroy(&ctx->lock);
    vkb_free(ctx);
}

const vkbert_device_info *vkbert_context_device(const vkbert_context *ctx) {
    return ctx ? &ctx->info : NULL;
}

const char *vkbert_context_last_error(const vkbert_context *ctx) {
    return ctx ? ctx->last_error : "";
}

uint64_t vkbert_context_validation_messages(const vkbert_context *ctx) {
    return ctx ? ctx->validation_messages : 0;
}

