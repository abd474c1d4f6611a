/* Submission: bounded fence waits, submits under the queue lock, the one barrier helper. */
#include "vkb_internal.h"

#include <stdlib.h>

vkbert_status vkb_wait_fence(vkbert_context *ctx, VkFence fence, const char *what) {
    return vkb_wait_fence_ns(ctx, fence, what, ctx->timeout_ns);
}

vkbert_status vkb_wait_fence_ns(vkbert_context *ctx, VkFence fence, const char *what, uint64_t timeout_ns) {
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "%s: the device was lost earlier", what);
    VkResult r = vkb_fault_take(&vkb_faults.wait_fail_at)
                     ? vkb_faults.wait_result
                     : vkWaitForFences(ctx->device, 1, &fence, VK_TRUE, timeout_ns);
    if (r == VK_TIMEOUT)
        return vkb_fail(ctx, VKBERT_ERROR_TIMEOUT, "%s: the GPU did not finish within %llu ms", what,
                        (unsigned long long)(timeout_ns / 1000000u));
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, what);
    return VKBERT_OK;
}

vkbert_status vkb_submit(vkbert_context *ctx, const VkCommandBuffer *cmds, uint32_t count, VkFence fence,
                         VkSemaphore timeline, uint64_t value) {
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    /* One batch per command buffer: each is its own submission for the driver's watchdog. */
    VkSubmitInfo stack[16];
    VkSubmitInfo *si = count <= 16 ? stack : vkb_calloc(count, sizeof *si);
    if (!si) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < count; ++i)
        si[i] = (VkSubmitInfo){.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                               .pCommandBuffers = &cmds[i]};
    VkTimelineSemaphoreSubmitInfo ts = {VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO, NULL, 0, NULL, 1, &value};
    if (timeline && count) { /* the last batch signals: completion of the whole run */
        si[count - 1].pNext = &ts;
        si[count - 1].signalSemaphoreCount = 1;
        si[count - 1].pSignalSemaphores = &timeline;
    }

    vkb_mutex_lock(&ctx->lock);
    if (ctx->external.lock_queue) ctx->external.lock_queue(ctx->external.queue_user);
    VkResult r = vkb_fault_take(&vkb_faults.submit_fail_at) ? vkb_faults.submit_result
                                                             : vkQueueSubmit(ctx->queue, count, si, fence);
    if (ctx->external.unlock_queue) ctx->external.unlock_queue(ctx->external.queue_user);
    vkb_mutex_unlock(&ctx->lock);
    if (si != stack) vkb_free(si);
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkQueueSubmit");
    return VKBERT_OK;
}

void vkb_barrier(VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                 VkPipelineStageFlags dst_stage, VkAccessFlags dst_access, const char *reason) {
    (void)reason; /* documents the hazard at the call site; kept for debugging builds */
    VkMemoryBarrier b = {VK_STRUCTURE_TYPE_MEMORY_BARRIER, NULL, src_access, dst_access};
    vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 1, &b, 0, NULL, 0, NULL);
}

