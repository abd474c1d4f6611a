/* Policy: which kernel variant, tile and precision a device gets, its quirks and binding
 * limit, decided once when the context is created. */
#include "vkb_internal.h"

#include <stdio.h>
#include <string.h>

/* Driver bugs vkbert works around. The context's device info says what vkbert will use.
 *   llvmpipe with 128-bit vectors (arm64 NEON, LLVM 15): compiling a shader that loads
 *   float16 from a storage buffer aborts the process ("Cannot select: fp_extend v4i16"),
 *   so 16-bit storage and float16 arithmetic are not used there (fp16 weights still work
 *   through RGBA16F texel buffers). */
static void apply_quirks(vkbert_context *ctx) {
    if (strstr(ctx->info.name, "llvmpipe") && strstr(ctx->info.name, "128 bits")) {
        ctx->info.storage_buffer_16bit = false;
        ctx->info.shader_float16 = false;
        ctx->storage16 = false;
        ctx->float16 = false;
        ctx->fp16_arith = false;
    }
}

/* The cooperative-matrix matmul: a device created with it (context.c), a float16 x float16 +
 * float32 subgroup shape, and a subgroup size the pipeline can require (the kernel lays its
 * workgroup out as 4 subgroups); ctx->coop and ctx->coopmat_why say which and why not. */
static bool coopmat_usable(vkbert_context *ctx) {
    const vkb_caps13 *c = &ctx->caps13;
    uint32_t sub = ctx->info.subgroup_size;
    const char *why = ctx->coopmat_why[0] ? NULL
                      : VKB_VULKAN13_MISSING[0] ? VKB_VULKAN13_MISSING
                      : !c->coopmat ? "the device has no VK_KHR_cooperative_matrix"
                      : !ctx->coopmat_enabled ? "the device was created without it"
                      : !c->cm ? "the driver lists no float16 x float16 + float32 subgroup shape"
                      : !ctx->size_control || sub < c->sub_min || sub > c->sub_max
                          ? "the device cannot require its subgroup size (VK_EXT_subgroup_size_control)"
                      : 4 * sub > ctx->info.max_workgroup_invocations ? "4 subgroups exceed the workgroup limit"
                      : NULL;
    if (why) snprintf(ctx->coopmat_why, sizeof ctx->coopmat_why, "%s", why);
    if (ctx->coopmat_why[0]) return false;
    /* shared memory: X and W slices in float16 plus a float tile per subgroup (matmul_coopmat.comp) */
    uint32_t bm = 4 * c->cm, bn = 4 * c->cn, bkp = 2 * c->ck + 8;
    uint32_t bytes = (bm + bn) * bkp * 2 + 4 * c->cm * c->cn * 4;
    if (bytes > ctx->info.max_shared_memory_bytes) {
        snprintf(ctx->coopmat_why, sizeof ctx->coopmat_why, "its %u bytes of shared memory exceed the device's %u",
                 bytes, ctx->info.max_shared_memory_bytes);
        return false;
    }
    ctx->coop[0] = c->cm;
    ctx->coop[1] = c->cn;
    ctx->coop[2] = c->ck;
    ctx->coop[3] = sub;
    return true;
}

/* The device-class table for the matmul design (see docs/benchmarks.md):
 *   GPUs with matrix units (VK_KHR_cooperative_matrix on a Vulkan 1.3 device, with the kernels
 *                        built): coopmat, float16 operands and float32 accumulators on the
 *                        driver's tile shape, 4 subgroups of a required size per workgroup
 *   CPU-backed drivers   texel: texel-buffer operands, rows shared with subgroupShuffle,
 *                        repacked weights (PERF-NOTES.md; ~15x the storage kernel on lavapipe)
 *   discrete GPUs        tiled: shared-memory tiles, 16 x 8 invocations, 8 x 4 per invocation
 *   integrated GPUs      tiled: 16 x 8 invocations, 4 x 4 per invocation (less shared memory)
 *   mobile GPUs          tiled: 8 x 8 invocations, 4 x 4 per invocation (32 x 32 tiles, 4 KiB
 *                        of shared memory): ARM, Qualcomm, Imagination, Broadcom, Samsung
 *   anything else        storage: register-blocked, no shared memory, no subgroups
 * The options matmul, tile and texel_rows (VKBERT_MATMUL, VKBERT_TILE, VKBERT_TEXEL_ROWS)
 * override it for tuning runs; a variant the device cannot run
 * (texel needs 8-wide subgroups with shuffle, tiled must fit the workgroup and shared-memory
 * limits) falls back to storage; coopmat, to the device class's design (lavapipe's coopmat is
 * an emulation, used only when asked: the test path). Row kernels (layernorm) run a row per
 * invocation on CPU-class devices, a workgroup per row elsewhere. */
static void choose_matmul(vkbert_context *ctx) {
    const vkbert_device_info *d = &ctx->info;
    /* matmul_texel: rows per subgroup, 32 unless the options say 8, 16 or 24 */
    const vkbert_context_desc *o = &ctx->options;
    ctx->texel_rg = o->texel_rows ? o->texel_rows / 8 : 4;
    if (ctx->min_limits) { /* the portable kernels only */
        ctx->matmul_texel = ctx->matmul_tiled = ctx->matmul_coopmat = ctx->rows_per_lane = false;
        if (o->matmul == VKBERT_MATMUL_COOPMAT)
            vkb_log(ctx, VKBERT_LOG_WARNING, "matmul variant coopmat not used: the minimum-limits kernels are "
                    "asked for; storage instead");
        return;
    }
    ctx->rows_per_lane = d->type == VKBERT_DEVICE_CPU;
    /* texel views of 64 MiB at least: less would cut activations into chunks of a few sequences
     * (or not fit one: a 512-token bert-large FFN activation is 8 MiB) */
    /* 8-wide subgroups: the device's own, or required per pipeline (subgroup size control) */
    bool eight = d->subgroup_size == 8 || (ctx->size_control && ctx->caps13.sub_min <= 8 && ctx->caps13.sub_max >= 8);
    /* RGBA32F uniform texel buffers are required of every Vulkan device, yet asked for, not
     * assumed: a portability driver (MoltenVK) maps them onto what Metal has */
    VkFormatProperties fp32;
    vkGetPhysicalDeviceFormatProperties(ctx->physical, VK_FORMAT_R32G32B32A32_SFLOAT, &fp32);
    bool texel_ok = eight && d->subgroup_shuffle && d->max_texel_buffer_elements >= (1u << 22) &&
                    (fp32.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT);
    uint32_t v = d->vendor_id;
    bool mobile = v == 0x13B5 || v == 0x5143 || v == 0x1010 || v == 0x14E4 || v == 0x144D;
    uint32_t tile[4] = {16, 8, d->type == VKBERT_DEVICE_INTEGRATED ? 4 : 8, 4};
    if (mobile) {
        tile[0] = 8;
        tile[1] = 8;
        tile[2] = 4;
        tile[3] = 4;
    }
    if (o->tile[0]) memcpy(tile, o->tile, sizeof tile);
    bool tiled_ok = tile[0] * tile[1] <= d->max_workgroup_invocations &&
                    (tile[1] * tile[2] + tile[0] * tile[3]) * 16 * 4 <= d->max_shared_memory_bytes;
    bool gpu = d->type == VKBERT_DEVICE_DISCRETE || d->type == VKBERT_DEVICE_INTEGRATED;
    bool coop_ok = coopmat_usable(ctx);
    /* a coopmat request that cannot be met gets the device class's own design */
    bool asked = o->matmul != VKBERT_MATMUL_AUTO && (o->matmul != VKBERT_MATMUL_COOPMAT || coop_ok);
    ctx->matmul_coopmat = asked ? o->matmul == VKBERT_MATMUL_COOPMAT : gpu && coop_ok;
    ctx->matmul_texel = asked ? o->matmul == VKBERT_MATMUL_TEXEL && texel_ok : d->type == VKBERT_DEVICE_CPU && texel_ok;
    ctx->matmul_tiled = asked ? o->matmul == VKBERT_MATMUL_TILED && tiled_ok : gpu && !coop_ok && tiled_ok;
    memcpy(ctx->tile, tile, sizeof tile);
    if (o->matmul == VKBERT_MATMUL_COOPMAT && !coop_ok)
        vkb_log(ctx, VKBERT_LOG_WARNING, "matmul variant coopmat not used: %s; %s instead", ctx->coopmat_why,
                vkbert_context_matmul_variant(ctx));
    else if (gpu && !coop_ok && !asked)
        vkb_log(ctx, VKBERT_LOG_INFO, "cooperative-matrix matmul not used: %s", ctx->coopmat_why);
    if (ctx->matmul_coopmat)
        vkb_log(ctx, VKBERT_LOG_INFO, "matmul variant coopmat: %ux%ux%u float16 tiles, float32 accumulators, "
                "subgroups of %u", ctx->coop[0], ctx->coop[1], ctx->coop[2], ctx->coop[3]);
}

/* Weight precision. fp16 weights are read through RGBA16F texel views on the texel path,
 * or with 16-bit storage on the storage-buffer path. AUTO: fp32 on CPU-backed drivers
 * (lavapipe runs fp16 texel weights ~25% slower: the conversion costs more than the
 * bytes it saves; docs/benchmarks.md), fp16 on GPUs with 16-bit storage (matmuls read
 * half the bytes; not yet measured on a GPU). */
static vkbert_status choose_precision(vkbert_context *ctx) {
    vkbert_precision want = ctx->options.precision;
    VkFormatProperties fp;
    vkGetPhysicalDeviceFormatProperties(ctx->physical, VK_FORMAT_R16G16B16A16_SFLOAT, &fp);
    bool texel16 = fp.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT;
    bool can = ctx->matmul_texel ? texel16 : ctx->storage16;
    if (ctx->min_limits) { /* no 16-bit storage, no float16 */
        if (want == VKBERT_PRECISION_FP16)
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "fp16 weights need 16-bit storage, which the "
                            "minimum-limits kernels do not use");
        ctx->fp16_weights = ctx->fp16_arith = false;
        return VKBERT_OK;
    }
    if (want == VKBERT_PRECISION_FP16 && !can)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "fp16 weights need 16-bit storage buffers (or RGBA16F texel "
                        "buffers on CPU drivers); %s has neither", ctx->info.name);
    bool gpu = ctx->info.type == VKBERT_DEVICE_DISCRETE || ctx->info.type == VKBERT_DEVICE_INTEGRATED;
    ctx->fp16_weights = want == VKBERT_PRECISION_FP16 || (want == VKBERT_PRECISION_AUTO && can && gpu);
    /* fp16 arithmetic (fp32 accumulation) in the tiled matmul where the device has it:
     * measured within the accuracy bar (tests/precision.py); no_f16_arith turns it off */
    ctx->fp16_arith = ctx->fp16_weights && ctx->matmul_tiled && ctx->float16 && ctx->storage16 &&
                      !ctx->options.no_f16_arith;
    return VKBERT_OK;
}

const char *vkbert_context_matmul_variant(const vkbert_context *ctx) {
    return !ctx                  ? ""
           : ctx->matmul_coopmat ? "coopmat"
           : ctx->matmul_texel   ? "texel"
           : ctx->matmul_tiled   ? "tiled"
                                 : "storage";
}

vkbert_precision vkbert_context_precision(const vkbert_context *ctx) {
    return ctx && ctx->fp16_weights ? VKBERT_PRECISION_FP16 : VKBERT_PRECISION_FP32;
}

/* ctx->max_binding: the device's binding and allocation limits, lowered by max_buffer_bytes. */
static void binding_limit(vkbert_context *ctx) {
    VkDeviceSize limit = ctx->info.max_storage_buffer_range ? ctx->info.max_storage_buffer_range : (1u << 27);
    if (ctx->info.max_memory_allocation_bytes && ctx->info.max_memory_allocation_bytes < limit)
        limit = ctx->info.max_memory_allocation_bytes;
    uint64_t forced = ctx->options.max_buffer_bytes;
    if (forced && forced < limit) {
        limit = forced;
        vkb_log(ctx, VKBERT_LOG_INFO, "buffer bindings limited to %llu bytes", (unsigned long long)limit);
    }
    ctx->max_binding = limit & ~(VkDeviceSize)255;  /* keeps every part's size aligned */
}

vkbert_status vkb_policy_apply(vkbert_context *ctx) {
    binding_limit(ctx);
    apply_quirks(ctx);
    choose_matmul(ctx);
    return choose_precision(ctx);
}

