/* Independent check of a barrier plan: for every pair of ops i < j that touch the same
 * buffer with at least one write (RAW, WAR, WAW), something between them (a barrier or
 * a new command buffer, at some op k with i < k <= j) must order them. */
#ifndef VKB_BARRIER_CHECK_H
#define VKB_BARRIER_CHECK_H
#include "vkb_internal.h"

static inline bool op_writes(const vkb_op *op, VkBuffer b) {
    for (uint32_t i = 0; i < vkb_kernel(op->kernel)->bindings; ++i)
        if (op->bind[i].buffer == b && (op->writes & (1u << i))) return true;
    return false;
}

static inline bool op_touches(const vkb_op *op, VkBuffer b) {
    for (uint32_t i = 0; i < vkb_kernel(op->kernel)->bindings; ++i)
        if (op->bind[i].buffer == b) return true;
    return false;
}

/* Returns the number of unordered hazards (0 = the plan covers them all). */
static inline int unordered_hazards(const vkb_op *ops, uint32_t n, const uint8_t *plan) {
    int bad = 0;
    for (uint32_t j = 0; j < n; ++j) {
        /* walk back from j to the nearest ordering point */
        for (uint32_t i = j; i-- > 0;) {
            if (plan[i + 1] != VKB_PLAN_NONE) break;
            for (uint32_t b = 0; b < vkb_kernel(ops[j].kernel)->bindings; ++b) {
                VkBuffer buf = ops[j].bind[b].buffer;
                bool jw = (ops[j].writes >> b) & 1;
                if ((jw && op_touches(&ops[i], buf)) || (!jw && op_writes(&ops[i], buf))) {
                    ++bad;
                    fprintf(stderr, "unordered hazard: op %u and op %u on one buffer\n", i, j);
                }
            }
        }
    }
    return bad;
}
#endif
