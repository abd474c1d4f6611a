/* Programs: a list of dispatches recorded once into one command buffer and replayed.
 * Barriers are derived from what each dispatch reads and writes. */
#include "vkb_internal.h"

#include <stdlib.h>
#include <string.h>

const char *vkb_op_kind_name(uint32_t kind) {
    static const char *names[VKB_OP_KIND_COUNT] = {
        "other", "embeddings", "matmul_qkv", "attention", "matmul_attn_out", "layernorm", "matmul_ffn_up",
        "matmul_ffn_down", "head_gather", "head_dense", "head_layernorm", "head_decoder", "topk", "pool",
        "l2norm", "classifier", "glu"};
    return kind < VKB_OP_KIND_COUNT ? names[kind] : "other";
}

vkb_binding vkb_bind(const vkb_buffer *b) { return (vkb_binding){b->buffer, 0, b->size, VK_NULL_HANDLE}; }

vkb_binding vkb_bind_view(const vkb_buffer *b) { return (vkb_binding){b->buffer, 0, b->size, b->view}; }

vkb_binding vkb_bind_range(const vkb_buffer *b, VkDeviceSize offset, VkDeviceSize range) {
    return (vkb_binding){b->buffer, offset, range, VK_NULL_HANDLE};
}

void vkb_grid_rows(const vkbert_context *ctx, uint32_t rows, uint32_t groups[3]) {
    uint32_t maxx = ctx->info.max_workgroup_count[0] ? ctx->info.max_workgroup_count[0] : 65535;
    if (rows <= maxx) {
        groups[0] = rows ? rows : 1;
        groups[1] = 1;
    } else {
        groups[0] = maxx;
        groups[1] = (rows + maxx - 1) / maxx;
    }
    groups[2] = 1;
}

vkbert_status vkb_program_add(vkbert_context *ctx, vkb_program *p, const vkb_op *op) {
    const vkb_kernel_desc *k = vkb_kernel(op->kernel);
    for (uint32_t i = 0; i < k->bindings; ++i)
        if (!((k->texel_mask >> i) & 1) && op->bind[i].range > ctx->max_binding)
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                            "kernel %s binding %u needs %llu bytes; a binding holds at most %llu on this device",
                            k->name, i, (unsigned long long)op->bind[i].range, (unsigned long long)ctx->max_binding);
    for (int i = 0; i < 3 && op->indirect < 0; ++i)
        if (op->groups[i] > ctx->info.max_workgroup_count[i])
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                            "kernel %s needs %u workgroups in dimension %d; the device allows %u", k->name,
                            op->groups[i], i, ctx->info.max_workgroup_count[i]);
    if (p->op_count == p->op_capacity) {
        uint32_t cap = p->op_capacity ? p->op_capacity * 2 : 64;
        vkb_op *n = vkb_realloc(p->ops, cap * sizeof *n);
        if (!n) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        p->ops = n;
        p->op_capacity = cap;
    }
    p->ops[p->op_count++] = *op;
    return VKBERT_OK;
}

static bool in_set(const VkBuffer *set, uint32_t n, VkBuffer b) {
    for (uint32_t i = 0; i < n; ++i)
        if (set[i] == b) return true;
    return false;
}

#define PLAN_SET 64

void vkb_plan_barriers(const vkb_op *ops, uint32_t n, uint32_t per_cmd, uint8_t *before) {
    VkBuffer written[PLAN_SET], read[PLAN_SET];
    uint32_t nw = 0, nr = 0;
    for (uint32_t i = 0; i < n; ++i) {
        const vkb_op *op = &ops[i];
        uint32_t nb = vkb_kernel(op->kernel)->bindings;
        before[i] = VKB_PLAN_NONE;
        if (i == 0 || (per_cmd && i % per_cmd == 0)) {
            before[i] = VKB_PLAN_NEW_CMD; /* which starts with a barrier over all earlier work */
        } else {
            /* a RAW or WAW on something written since the last barrier, or a WAR on
             * something read since then */
            bool hazard = nw + nb > PLAN_SET || nr + nb > PLAN_SET;
            for (uint32_t b = 0; b < nb && !hazard; ++b)
                hazard = in_set(written, nw, op->bind[b].buffer) ||
                         ((op->writes & (1u << b)) && in_set(read, nr, op->bind[b].buffer));
            if (hazard) before[i] = VKB_PLAN_BARRIER;
        }
        if (before[i] != VKB_PLAN_NONE) nw = nr = 0;
        for (uint32_t b = 0; b < nb; ++b) {
            if (op->writes & (1u << b)) written[nw++] = op->bind[b].buffer;
            else read[nr++] = op->bind[b].buffer;
        }
    }
}

static void begin_cmd(VkCommandBuffer cmd) {
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vkBeginCommandBuffer(cmd, &bi);
    vkb_barrier(cmd, VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                VK_ACCESS_HOST_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                    VK_ACCESS_TRANSFER_READ_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_INDIRECT_COMMAND_READ_BIT,
                "inputs written by the host, and everything earlier in submission order (the previous "
                "replay, the previous command buffer of this one), before these kernels run");
}

/* Descriptor set for one op, written with its bindings. */
static vkbert_status make_set(vkbert_context *ctx, vkb_program *p, const vkb_op *op, VkDescriptorSet *set) {
    const vkb_kernel_desc *k = vkb_kernel(op->kernel);
    VkDescriptorSetAllocateInfo si = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, NULL, p->pool, 1,
                                      &ctx->set_layouts[op->kernel]};
    VkResult r = VKB_VK(vkAllocateDescriptorSets(ctx->device, &si, set));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkAllocateDescriptorSets");
    VkDescriptorBufferInfo infos[VKB_MAX_BINDINGS];
    VkWriteDescriptorSet w[VKB_MAX_BINDINGS];
    for (uint32_t b = 0; b < k->bindings; ++b) {
        infos[b] = (VkDescriptorBufferInfo){op->bind[b].buffer, op->bind[b].offset, op->bind[b].range};
        bool texel = (k->texel_mask >> b) & 1;
        w[b] = (VkWriteDescriptorSet){VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, *set, b, 0, 1,
                                      texel ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                      NULL, texel ? NULL : &infos[b], texel ? &op->bind[b].view : NULL};
    }
    vkUpdateDescriptorSets(ctx->device, k->bindings, w, 0, NULL);
    return VKBERT_OK;
}

static vkbert_status record(vkbert_context *ctx, vkb_program *p, const vkb_copy *copies, uint32_t copy_count);

/* Under the context lock: the command pool, and recording from it, are shared. */
vkbert_status vkb_program_record(vkbert_context *ctx, vkb_program *p, const vkb_copy *copies,
                                 uint32_t copy_count) {
    vkb_mutex_lock(&ctx->lock);
    vkbert_status st = record(ctx, p, copies, copy_count);
    vkb_mutex_unlock(&ctx->lock);
    return st;
}

static vkbert_status record(vkbert_context *ctx, vkb_program *p, const vkb_copy *copies, uint32_t copy_count) {
    VkResult r;
    uint32_t nbind = 0, ntexel = 0;
    for (uint32_t i = 0; i < p->op_count; ++i) {
        const vkb_kernel_desc *k = vkb_kernel(p->ops[i].kernel);
        for (uint32_t b = 0; b < k->bindings; ++b) *((k->texel_mask >> b) & 1 ? &ntexel : &nbind) += 1;
    }
    uint32_t per = ctx->max_dispatches_per_submit;
    p->cmd_count = per && p->op_count ? (p->op_count + per - 1) / per : 1;
    p->cmds = vkb_calloc(p->cmd_count, sizeof *p->cmds);
    p->plan = vkb_calloc(p->op_count ? p->op_count : 1, 1);
    if (!p->cmds || !p->plan) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkb_plan_barriers(p->ops, p->op_count, per, p->plan);

    VkDescriptorPoolSize ps[2] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, nbind ? nbind : 1},
                                  {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, ntexel}};
    VkDescriptorPoolCreateInfo pi = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, NULL, 0,
                                     p->op_count ? p->op_count : 1, ntexel ? 2 : 1, ps};
    r = VKB_VK(vkCreateDescriptorPool(ctx->device, &pi, NULL, &p->pool));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateDescriptorPool");
    VkCommandBufferAllocateInfo ai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, NULL, ctx->pool,
                                      VK_COMMAND_BUFFER_LEVEL_PRIMARY, p->cmd_count};
    r = VKB_VK(vkAllocateCommandBuffers(ctx->device, &ai, p->cmds));
    if (r != VK_SUCCESS) {
        memset(p->cmds, 0, p->cmd_count * sizeof *p->cmds);
        return vkb_vk_fail(ctx, r, "vkAllocateCommandBuffers");
    }
    p->cmds_allocated = true;
    if (p->profile) {
        if (!ctx->timestamps)
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "this device's compute queue has no timestamps to profile with");
        VkQueryPoolCreateInfo qi = {VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO, NULL, 0, VK_QUERY_TYPE_TIMESTAMP,
                                    p->op_count + 1, 0};
        r = VKB_VK(vkCreateQueryPool(ctx->device, &qi, NULL, &p->queries));
        if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateQueryPool");
    }
    VkFenceCreateInfo fi = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    r = VKB_VK(vkCreateFence(ctx->device, &fi, NULL, &p->fence));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateFence");
    if (ctx->timeline) {
        VkSemaphoreTypeCreateInfo ti = {VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO, NULL, VK_SEMAPHORE_TYPE_TIMELINE, 0};
        VkSemaphoreCreateInfo si = {VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, &ti};
        r = VKB_VK(vkCreateSemaphore(ctx->device, &si, NULL, &p->timeline));
        if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateSemaphore");
    }


    uint32_t c = 0;
    if (p->op_count == 0) begin_cmd(p->cmds[0]);
    if (p->profile) { /* the first op always begins command buffer 0 */
        begin_cmd(p->cmds[0]);
        vkCmdResetQueryPool(p->cmds[0], p->queries, 0, p->op_count + 1);
        vkCmdWriteTimestamp(p->cmds[0], VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, p->queries, 0);
    }
    vkbert_status st = VKBERT_OK;
    for (uint32_t i = 0; i < p->op_count && !st; ++i) {
        const vkb_op *op = &p->ops[i];
        const vkb_kernel_desc *k = vkb_kernel(op->kernel);
        VkPipeline pipe;
        VkDescriptorSet set;
        if ((st = vkb_pipeline_get(ctx, op->kernel, op->spec, &pipe)) || (st = make_set(ctx, p, op, &set))) break;
        if (p->plan[i] == VKB_PLAN_NEW_CMD && !(i == 0 && p->profile)) {
            if (i > 0) {
                r = VKB_VK(vkEndCommandBuffer(p->cmds[c]));
                if (r != VK_SUCCESS) {
                    st = vkb_vk_fail(ctx, r, "vkEndCommandBuffer");
                    break;
                }
                ++c;
            }
            begin_cmd(p->cmds[c]);
        } else if (p->plan[i] == VKB_PLAN_BARRIER) {
            vkb_barrier(p->cmds[c], VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
                        "this dispatch reads what an earlier one wrote, or overwrites what it read");
        }
        VkCommandBuffer cmd = p->cmds[c];
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe);
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, ctx->layouts[op->kernel], 0, 1, &set, 0, NULL);
        vkCmdPushConstants(cmd, ctx->layouts[op->kernel], VK_SHADER_STAGE_COMPUTE_BIT, 0, k->push_bytes, op->push);
        if (op->indirect >= 0)
            vkCmdDispatchIndirect(cmd, p->indirect, (VkDeviceSize)op->indirect * sizeof(VkDispatchIndirectCommand));
        else
            vkCmdDispatch(cmd, op->groups[0], op->groups[1], op->groups[2]);
        if (p->profile) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, p->queries, i + 1);
    }
    if (st) return st; /* destroy frees every command buffer, begun or not */
    VkCommandBuffer last = p->cmds[c];
    if (copy_count) {
        vkb_barrier(last, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT,
                    "results are copied to the readback buffer after the kernels wrote them");
        for (uint32_t i = 0; i < copy_count; ++i) {
            VkBufferCopy cp = {copies[i].src_offset, copies[i].dst_offset, copies[i].bytes};
            vkCmdCopyBuffer(last, copies[i].src, copies[i].dst, 1, &cp);
        }
    }
    vkb_barrier(last, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                VK_ACCESS_HOST_READ_BIT, "the host reads the results after the fence");
    r = VKB_VK(vkEndCommandBuffer(last));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkEndCommandBuffer");
    p->recorded = true;
    return VKBERT_OK;
}

vkbert_status vkb_program_submit(vkbert_context *ctx, vkb_program *p) {
    if (!p->recorded) {
        vkbert_status st = vkb_program_record(ctx, p, NULL, 0);
        if (st) return st;
    }
    if (p->pending) {
        /* The previous run must finish before its buffers are reused. */
        vkbert_status st = vkb_wait_fence(ctx, p->fence, "the previous encode");
        if (st) return st;
        p->pending = false;
    }
    VkResult r = VKB_VK(vkResetFences(ctx->device, 1, &p->fence));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkResetFences");
    vkbert_status st = vkb_submit(ctx, p->cmds, p->cmd_count, p->fence, p->timeline, p->timeline_value + 1);
    if (st) return st;
    if (p->timeline) p->timeline_value++;
    p->pending = true;
    return VKBERT_OK;
}

vkbert_status vkb_program_wait(vkbert_context *ctx, vkb_program *p, uint64_t timeout_ns) {
    if (!p->pending) return VKBERT_OK;
    if (timeout_ns == 0) { /* poll */
        if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
        VkResult r = vkGetFenceStatus(ctx->device, p->fence);
        if (r == VK_NOT_READY) return VKBERT_NOT_READY;
        if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkGetFenceStatus");
    } else {
        vkbert_status st = vkb_wait_fence_ns(ctx, p->fence, "encode", timeout_ns);
        if (st) return st;
    }
    p->pending = false;
    return VKBERT_OK;
}

vkbert_status vkb_program_run(vkbert_context *ctx, vkb_program *p) {
    vkbert_status st = vkb_program_submit(ctx, p);
    return st ? st : vkb_program_wait(ctx, p, ctx->timeout_ns);
}

vkbert_status vkb_program_timings(vkbert_context *ctx, const vkb_program *p, double *ms) {
    if (!p->queries) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the session was not created with profile");
    uint64_t *t = vkb_calloc(p->op_count + 1, sizeof *t);
    if (!t) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    VkResult r = vkGetQueryPoolResults(ctx->device, p->queries, 0, p->op_count + 1, (p->op_count + 1) * sizeof *t, t,
                                       sizeof *t, VK_QUERY_RESULT_64_BIT);
    vkbert_status st = VKBERT_OK;
    if (r != VK_SUCCESS) st = vkb_vk_fail(ctx, r, "vkGetQueryPoolResults");
    uint64_t mask = ctx->timestamp_bits >= 64 ? ~0ull : (1ull << ctx->timestamp_bits) - 1;
    for (uint32_t i = 0; i < p->op_count && !st; ++i)
        ms[i] = (double)((t[i + 1] - t[i]) & mask) * ctx->props.limits.timestampPeriod * 1e-6;
    vkb_free(t);
    return st;
}

void vkb_program_destroy(vkbert_context *ctx, vkb_program *p) {
    if (!ctx || !p) return;
    /* Best effort, even after device loss (a lost device returns at once): the command
     * buffer must not be freed while the GPU may still run it. */
    if (p->pending) vkWaitForFences(ctx->device, 1, &p->fence, VK_TRUE, ctx->timeout_ns);
    if (p->fence) vkDestroyFence(ctx->device, p->fence, NULL);
    if (p->timeline) vkDestroySemaphore(ctx->device, p->timeline, NULL);
    vkb_mutex_lock(&ctx->lock);
    if (p->cmds_allocated) vkFreeCommandBuffers(ctx->device, ctx->pool, p->cmd_count, p->cmds);
    vkb_mutex_unlock(&ctx->lock);
    vkb_free(p->cmds);
    vkb_free(p->plan);
    if (p->pool) vkDestroyDescriptorPool(ctx->device, p->pool, NULL);
    if (p->queries) vkDestroyQueryPool(ctx->device, p->queries, NULL);
    vkb_free(p->ops);
    memset(p, 0, sizeof *p);
}
