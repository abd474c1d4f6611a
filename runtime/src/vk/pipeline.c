/* Pipelines from the embedded SPIR-V, one per (kernel, specialization constants). */
#include "vkb_internal.h"
#include "vkb_spirv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(sizeof(vkb_push_embed) == 32, "embed push layout");
_Static_assert(sizeof(vkb_push_matmul) == 32, "matmul push layout");
_Static_assert(sizeof(vkb_push_attention) == 24, "attention push layout");
_Static_assert(sizeof(vkb_push_layernorm) == 12, "layernorm push layout");
_Static_assert(sizeof(vkb_push_gather) == 20, "gather push layout");
_Static_assert(sizeof(vkb_push_topk) == 16, "topk push layout");
_Static_assert(sizeof(vkb_push_peak) == 12, "peak push layout");

const vkb_kernel_desc *vkb_kernel(uint32_t kernel) {
    static const vkb_kernel_desc table[VKB_KERNEL_COUNT] = {
        [VKB_KERNEL_EMBED_LN] = {"embed_ln", vkb_spv_embed_ln, &vkb_spv_embed_ln_size, 4, sizeof(vkb_push_embed), 1},
        [VKB_KERNEL_MATMUL] = {"matmul", vkb_spv_matmul, &vkb_spv_matmul_size, 4, sizeof(vkb_push_matmul), 2},
        [VKB_KERNEL_ATTENTION] = {"attention", vkb_spv_attention, &vkb_spv_attention_size, 3,
                                  sizeof(vkb_push_attention), 1},
        [VKB_KERNEL_LAYERNORM] = {"layernorm", vkb_spv_layernorm, &vkb_spv_layernorm_size, 2,
                                  sizeof(vkb_push_layernorm), 0},
        [VKB_KERNEL_LAYERNORM_ROWS] = {"layernorm_rows", vkb_spv_layernorm_rows, &vkb_spv_layernorm_rows_size, 2,
                                       sizeof(vkb_push_layernorm), 0},
        [VKB_KERNEL_GATHER] = {"gather", vkb_spv_gather, &vkb_spv_gather_size, 3, sizeof(vkb_push_gather), 0},
        [VKB_KERNEL_TOPK] = {"topk", vkb_spv_topk, &vkb_spv_topk_size, 3, sizeof(vkb_push_topk), 0},
        [VKB_KERNEL_MATMUL_TEXEL] = {"matmul_texel", vkb_spv_matmul_texel, &vkb_spv_matmul_texel_size, 4,
                                     sizeof(vkb_push_matmul), 4, 0x3},
        [VKB_KERNEL_ATTENTION_TEXEL] = {"attention_texel", vkb_spv_attention_texel, &vkb_spv_attention_texel_size, 3,
                                        sizeof(vkb_push_attention), 1, 0x1},
        [VKB_KERNEL_MATMUL_F16W] = {"matmul_f16w", vkb_spv_matmul_f16w, &vkb_spv_matmul_f16w_size, 4,
                                    sizeof(vkb_push_matmul), 2, 0},
        [VKB_KERNEL_MATMUL_TILED] = {"matmul_tiled", vkb_spv_matmul_tiled, &vkb_spv_matmul_tiled_size, 4,
                                     sizeof(vkb_push_matmul), 7, 0},
        [VKB_KERNEL_MATMUL_TILED_F16W] = {"matmul_tiled_f16w", vkb_spv_matmul_tiled_f16w,
                                          &vkb_spv_matmul_tiled_f16w_size, 4, sizeof(vkb_push_matmul), 7, 0},
        [VKB_KERNEL_MATMUL_TILED_F16A] = {"matmul_tiled_f16a", vkb_spv_matmul_tiled_f16a,
                                          &vkb_spv_matmul_tiled_f16a_size, 4, sizeof(vkb_push_matmul), 7, 0},
        [VKB_KERNEL_PEAK] = {"peak", vkb_spv_peak, &vkb_spv_peak_size, 1, sizeof(vkb_push_peak), 0},
        [VKB_KERNEL_PEAK_FP16] = {"peak_fp16", vkb_spv_peak_fp16, &vkb_spv_peak_fp16_size, 1, sizeof(vkb_push_peak), 0},
        [VKB_KERNEL_BANDWIDTH] = {"bandwidth", vkb_spv_bandwidth, &vkb_spv_bandwidth_size, 2, sizeof(vkb_push_peak), 0},
    };
    return kernel < VKB_KERNEL_COUNT ? &table[kernel] : NULL;
}

/* Monotonic milliseconds, for the pipeline-creation figures: timespec_get (C11) is in Bionic
 * only from API level 29, above the Android floor of 26, and its TIME_UTC is the wall clock. */
static double now_ms(void) {
    struct timespec t;
#if defined(_WIN32)
    timespec_get(&t, TIME_UTC);
#else
    clock_gettime(CLOCK_MONOTONIC, &t);
#endif
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* Shader module, descriptor-set layout and pipeline layout of one kernel, made once. */
static vkbert_status kernel_objects(vkbert_context *ctx, uint32_t kernel) {
    if (ctx->layouts[kernel]) return VKBERT_OK;
    const vkb_kernel_desc *k = vkb_kernel(kernel);
    VkShaderModuleCreateInfo mi = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, NULL, 0, *k->code_bytes, k->code};
    VkResult r = VKB_VK(vkCreateShaderModule(ctx->device, &mi, NULL, &ctx->modules[kernel]));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateShaderModule");
    VkDescriptorSetLayoutBinding b[VKB_MAX_BINDINGS];
    for (uint32_t i = 0; i < k->bindings; ++i)
        b[i] = (VkDescriptorSetLayoutBinding){i, (k->texel_mask >> i) & 1 ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                                                          : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1,
                                             VK_SHADER_STAGE_COMPUTE_BIT, NULL};
    VkDescriptorSetLayoutCreateInfo li = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, NULL, 0,
                                          k->bindings, b};
    r = VKB_VK(vkCreateDescriptorSetLayout(ctx->device, &li, NULL, &ctx->set_layouts[kernel]));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateDescriptorSetLayout");
    if (k->push_bytes > ctx->props.limits.maxPushConstantsSize)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "kernel %s needs %u bytes of push constants; device allows %u",
                        k->name, k->push_bytes, ctx->props.limits.maxPushConstantsSize);
    VkPushConstantRange pr = {VK_SHADER_STAGE_COMPUTE_BIT, 0, k->push_bytes};
    VkPipelineLayoutCreateInfo pi = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, NULL, 0, 1,
                                     &ctx->set_layouts[kernel], 1, &pr};
    r = VKB_VK(vkCreatePipelineLayout(ctx->device, &pi, NULL, &ctx->layouts[kernel]));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreatePipelineLayout");
    return VKBERT_OK;
}

static vkbert_status pipeline_get(vkbert_context *ctx, uint32_t kernel, const uint32_t *spec, VkPipeline *out);

vkbert_status vkb_pipeline_get(vkbert_context *ctx, uint32_t kernel, const uint32_t *spec, VkPipeline *out) {
    vkb_mutex_lock(&ctx->lock);
    vkbert_status st = pipeline_get(ctx, kernel, spec, out);
    vkb_mutex_unlock(&ctx->lock);
    return st;
}

static vkbert_status pipeline_get(vkbert_context *ctx, uint32_t kernel, const uint32_t *spec, VkPipeline *out) {
    const vkb_kernel_desc *k = vkb_kernel(kernel);
    if (!k) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown kernel %u", kernel);
    uint32_t key[VKB_MAX_SPEC] = {0};
    for (uint32_t i = 0; i < k->spec_count; ++i) key[i] = spec[i];
    for (uint32_t i = 0; i < ctx->pipeline_count; ++i) {
        vkb_pipeline *p = &ctx->pipelines[i];
        if (p->kernel == kernel && memcmp(p->spec, key, sizeof key) == 0) {
            *out = p->pipeline;
            return VKBERT_OK;
        }
    }
    vkbert_status st = kernel_objects(ctx, kernel);
    if (st) return st;
    if (ctx->pipeline_count == ctx->pipeline_capacity) {
        uint32_t cap = ctx->pipeline_capacity ? ctx->pipeline_capacity * 2 : 16;
        vkb_pipeline *np = vkb_realloc(ctx->pipelines, cap * sizeof *np);
        if (!np) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        ctx->pipelines = np;
        ctx->pipeline_capacity = cap;
    }
    VkSpecializationMapEntry entries[VKB_MAX_SPEC];
    for (uint32_t i = 0; i < k->spec_count; ++i)
        entries[i] = (VkSpecializationMapEntry){i, i * 4, 4};
    VkSpecializationInfo si = {k->spec_count, entries, k->spec_count * 4, key};
    VkComputePipelineCreateInfo ci = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    ci.stage = (VkPipelineShaderStageCreateInfo){VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, NULL, 0,
                                                 VK_SHADER_STAGE_COMPUTE_BIT, ctx->modules[kernel], "main",
                                                 k->spec_count ? &si : NULL};
    ci.layout = ctx->layouts[kernel];
    VkPipeline pipe;
    double t0 = now_ms();
    VkResult r = VKB_VK(vkCreateComputePipelines(ctx->device, ctx->cache, 1, &ci, NULL, &pipe));
    double t1 = now_ms();
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateComputePipelines");
    ctx->pipelines_created++;
    ctx->pipeline_ms += t1 - t0;
    vkb_pipeline *p = &ctx->pipelines[ctx->pipeline_count++];
    p->kernel = kernel;
    memcpy(p->spec, key, sizeof key);
    p->pipeline = pipe;
    *out = pipe;
    return VKBERT_OK;
}

vkbert_status vkbert_context_pipeline_cache(vkbert_context *ctx, void *dst, size_t capacity, size_t *size) {
    if (!ctx || !size) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_context_pipeline_cache: NULL argument");
    size_t n = 0;
    VkResult r = vkGetPipelineCacheData(ctx->device, ctx->cache, &n, NULL);
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkGetPipelineCacheData");
    *size = n;
    if (capacity < n || !dst)
        return vkb_fail(ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "the pipeline cache is %zu bytes; the buffer holds %zu", n,
                        capacity);
    r = vkGetPipelineCacheData(ctx->device, ctx->cache, &n, dst);
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) return vkb_vk_fail(ctx, r, "vkGetPipelineCacheData");
    *size = n;
    return VKBERT_OK;
}

void vkbert_context_get_stats(const vkbert_context *ctx, vkbert_context_stats *out) {
    if (!out) return;
    *out = ctx ? (vkbert_context_stats){ctx->pipelines_created, ctx->pipeline_ms, ctx->pipeline_cache_loaded}
               : (vkbert_context_stats){0};
}

void vkb_pipelines_destroy(vkbert_context *ctx) {
    for (uint32_t i = 0; i < ctx->pipeline_count; ++i)
        vkDestroyPipeline(ctx->device, ctx->pipelines[i].pipeline, NULL);
    vkb_free(ctx->pipelines);
    ctx->pipelines = NULL;
    ctx->pipeline_count = ctx->pipeline_capacity = 0;
    for (uint32_t k = 0; k < VKB_KERNEL_COUNT; ++k) {
        if (ctx->layouts[k]) vkDestroyPipelineLayout(ctx->device, ctx->layouts[k], NULL);
        if (ctx->set_layouts[k]) vkDestroyDescriptorSetLayout(ctx->device, ctx->set_layouts[k], NULL);
        if (ctx->modules[k]) vkDestroyShaderModule(ctx->device, ctx->modules[k], NULL);
        ctx->layouts[k] = VK_NULL_HANDLE;
        ctx->set_layouts[k] = VK_NULL_HANDLE;
        ctx->modules[k] = VK_NULL_HANDLE;
    }
}
