/* Device peak microbenchmarks: FMA throughput (fp32, fp16) and memory bandwidth, timed
 * with GPU timestamps. Results let every benchmark figure be read as a share of what this
 * device can do at all, whatever its absolute speed. */
#include "vkb_internal.h"

#include <string.h>

/* Runs `op` once (profiled) and returns its GPU milliseconds. */
static vkbert_status time_op(vkbert_context *ctx, const vkb_op *op, double *ms) {
    vkb_program p = {.profile = true};
    vkbert_status st = vkb_program_add(ctx, &p, op);
    if (!st) st = vkb_program_run(ctx, &p);
    if (!st) st = vkb_program_timings(ctx, &p, ms);
    vkb_program_destroy(ctx, &p);
    return st;
}

/* GFLOP/s of a peak kernel: grows the loop until one dispatch takes >= 100 ms, then keeps
 * the best of three measurements at that size. */
static vkbert_status fma_peak(vkbert_context *ctx, uint32_t kernel, vkb_buffer *out, uint32_t groups, double *gflops) {
    vkb_op op = {.kernel = kernel, .bind = {vkb_bind(out)}, .writes = 1, .groups = {groups, 1, 1}, .indirect = -1};
    vkb_push_peak pc = {64, 0.999f, 0.001f};
    double ms = 0;
    for (;;) {
        memcpy(op.push, &pc, sizeof pc);
        vkbert_status st = time_op(ctx, &op, &ms);
        if (st) return st;
        if (ms >= 100.0 || pc.iters >= (1u << 24)) break;
        pc.iters *= ms < 10.0 ? 8 : 2;
    }
    double best = 0;
    for (int k = 0; k < 3; ++k) {
        if (k > 0) {
            vkbert_status st = time_op(ctx, &op, &ms);
            if (st) return st;
        }
        double g = 64.0 * pc.iters * 64.0 * groups / (ms * 1e-3) * 1e-9; /* 64 FLOP per round per invocation */
        if (g > best) best = g;
    }
    *gflops = best;
    return VKBERT_OK;
}

/* GFLOP/s of peak_coopmat: as fma_peak, one CM x CN tile per subgroup of output, four
 * multiply-add chains per subgroup (2 * CM * CN * CK FLOP each per round). */
static vkbert_status coopmat_peak(vkbert_context *ctx, uint32_t groups, double *gflops) {
    const uint32_t *c = ctx->coop;
    vkb_buffer out = {0};
    vkbert_status st = vkb_buffer_create(ctx, (VkDeviceSize)groups * 4 * c[0] * c[1] * 4, VKB_MEM_DEVICE,
                                         "coopmat peak output", &out);
    vkb_op op = {.kernel = VKB_KERNEL_PEAK_COOPMAT, .spec = {c[3], c[0], c[1], c[2], 4 * c[3]}, .bind = {vkb_bind(&out)},
                 .writes = 1, .groups = {groups, 1, 1}, .indirect = -1};
    vkb_push_peak pc = {16, 0.999f, 0.001f};
    double ms = 0, best = 0;
    while (!st) {
        memcpy(op.push, &pc, sizeof pc);
        st = time_op(ctx, &op, &ms);
        if (st || ms >= 100.0 || pc.iters >= (1u << 24)) break;
        pc.iters *= ms < 10.0 ? 8 : 2;
    }
    for (int k = 0; k < 3 && !st; ++k) {
        if (k > 0) st = time_op(ctx, &op, &ms);
        double g = 4.0 * 2.0 * c[0] * c[1] * c[2] * pc.iters * 4.0 * groups / (ms * 1e-3) * 1e-9;
        if (!st && g > best) best = g;
    }
    vkb_buffer_destroy(ctx, &out);
    *gflops = best;
    return st;
}

vkbert_status vkbert_context_measure_peak(vkbert_context *ctx, vkbert_peak *out) {
    if (!ctx || !out) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_context_measure_peak: NULL argument");
    memset(out, 0, sizeof *out);
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    if (!ctx->timestamps) return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the compute queue has no timestamps");
    /* 262144 invocations: enough to fill any device; a stream of 32 MiB per buffer. Both
     * stay within one binding. */
    uint32_t groups = 4096;
    size_t count = 2u << 20; /* vec4 elements */
    if ((VkDeviceSize)groups * 64 * 4 > ctx->max_binding) groups = (uint32_t)(ctx->max_binding / 256);
    if ((VkDeviceSize)count * 16 > ctx->max_binding) count = (size_t)(ctx->max_binding / 16) / 64 * 64;
    vkb_buffer res = {0}, src = {0}, dst = {0};
    vkbert_status st = vkb_buffer_create(ctx, (VkDeviceSize)groups * 64 * 4, VKB_MEM_DEVICE, "peak output", &res);
    if (!st) st = fma_peak(ctx, VKB_KERNEL_PEAK, &res, groups, &out->gflops_fp32);
    if (!st && ctx->float16) st = fma_peak(ctx, VKB_KERNEL_PEAK_FP16, &res, groups, &out->gflops_fp16);
    /* the matrix units where this context uses them (on lavapipe an emulation, when asked for) */
    if (!st && ctx->matmul_coopmat) st = coopmat_peak(ctx, ctx->info.type == VKBERT_DEVICE_CPU ? 64 : groups,
                                                      &out->gflops_coopmat);
    if (!st) st = vkb_buffer_create(ctx, count * 16, VKB_MEM_DEVICE, "bandwidth source", &src);
    if (!st) st = vkb_buffer_create(ctx, count * 16, VKB_MEM_DEVICE, "bandwidth destination", &dst);
    if (!st) {
        vkb_op op = {.kernel = VKB_KERNEL_BANDWIDTH, .bind = {vkb_bind(&src), vkb_bind(&dst)}, .writes = 2,
                     .groups = {(uint32_t)(count / 64), 1, 1}, .indirect = -1};
        vkb_push_peak pc = {(uint32_t)count, 1.0f, 0.0f};
        memcpy(op.push, &pc, sizeof pc);
        for (int k = 0; k < 4 && !st; ++k) {
            double ms = 0;
            st = time_op(ctx, &op, &ms);
            double gbs = 32.0 * count / (ms * 1e-3) * 1e-9;
            if (!st && k > 0 && gbs > out->bandwidth_gbs) out->bandwidth_gbs = gbs; /* k = 0 warms up */
        }
    }
    vkb_buffer_destroy(ctx, &res);
    vkb_buffer_destroy(ctx, &src);
    vkb_buffer_destroy(ctx, &dst);
    return st;
}
