/* The barrier planner against an independent hazard check, on random op sequences
 * (no GPU): every read-after-write, write-after-read and write-after-write between
 * dispatches is ordered by a barrier or a command-buffer boundary, and independent
 * dispatches are not serialised needlessly. The real session program is checked the
 * same way in test_session. */
#include "test_util.h"
#include "barrier_check.h"

static uint64_t rng = 42;
static uint32_t next(uint32_t n) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng >> 33) % n);
}

int main(void) {
    enum { N = 200 };
    static vkb_op ops[N];
    static uint8_t plan[N];
    for (int trial = 0; trial < 300; ++trial) {
        uint32_t nbuf = 2 + next(6);
        for (int i = 0; i < N; ++i) {
            memset(&ops[i], 0, sizeof ops[i]);
            ops[i].kernel = next(2) ? VKB_KERNEL_MATMUL : VKB_KERNEL_GATHER; /* 4 or 3 bindings */
            uint32_t nb = vkb_kernel(ops[i].kernel)->bindings;
            for (uint32_t b = 0; b < nb; ++b) ops[i].bind[b].buffer = (VkBuffer)(uintptr_t)(1 + next(nbuf));
            ops[i].writes = (uint8_t)(1u << (nb - 1));
        }
        uint32_t per = trial % 3 == 0 ? 0 : 1 + next(10);
        vkb_plan_barriers(ops, N, per, plan);
        CHECK(unordered_hazards(ops, N, plan) == 0, "trial %d (per_cmd %u): hazards left unordered", trial, per);
        CHECK(plan[0] == VKB_PLAN_NEW_CMD, "first op does not start a command buffer");
        for (int i = 1; i < N && per; ++i)
            CHECK((plan[i] == VKB_PLAN_NEW_CMD) == (i % per == 0), "trial %d: command buffer split at op %d", trial, i);
    }
    /* independent dispatches (disjoint buffers) get no barrier between them */
    for (int i = 0; i < 4; ++i) {
        memset(&ops[i], 0, sizeof ops[i]);
        ops[i].kernel = VKB_KERNEL_GATHER;
        for (int b = 0; b < 3; ++b) ops[i].bind[b].buffer = (VkBuffer)(uintptr_t)(100 + 3 * i + b);
        ops[i].writes = 4;
    }
    vkb_plan_barriers(ops, 4, 0, plan);
    CHECK(plan[1] == VKB_PLAN_NONE && plan[2] == VKB_PLAN_NONE && plan[3] == VKB_PLAN_NONE, "needless barriers");
    /* a read of what the previous op wrote needs one */
    ops[1].bind[0].buffer = ops[0].bind[2].buffer;
    vkb_plan_barriers(ops, 4, 0, plan);
    CHECK(plan[1] == VKB_PLAN_BARRIER, "read-after-write not ordered");
    return test_finish("test_barriers");
}
