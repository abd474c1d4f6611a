/* A host application that owns its Vulkan device, runs a per-frame workload of its own,
 * and runs vkbert encodes between its frames without stalling its loop: each frame it
 * submits its own work, then only submits or polls vkbert (never waits on it).
 *
 *   host_app MODEL_DIR [FRAMES]
 *
 * Exits 0 when every encode gave the answer a blocking encode gives, the host's own
 * per-frame results were right, and the loop kept running while encodes were in flight. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vkbert.h>
#include <vulkan/vulkan.h>

/* vkb_now_ms: a monotonic clock (QueryPerformanceCounter on Windows, CLOCK_MONOTONIC
 * elsewhere); a game has its own */
#include "base/clock.h"

#define CHECK_VK(x)                                                                                \
    do {                                                                                           \
        VkResult r_ = (x);                                                                         \
        if (r_ != VK_SUCCESS) {                                                                    \
            fprintf(stderr, "host_app: %s failed (%d)\n", #x, (int)r_);                            \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static int fail(const char *what) {
    fprintf(stderr, "host_app: %s: %s\n", what, vkbert_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: host_app MODEL_DIR [FRAMES]\n");
        return 2;
    }
    int frames = argc > 2 ? atoi(argv[2]) : 400;

    /* --- the host's own Vulkan objects ------------------------------------------------ */
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO, NULL, "host_app", 1, "none", 1, VK_API_VERSION_1_1};
    VkInstanceCreateInfo ici = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, NULL, 0, &app};
    VkInstance inst;
    VkResult ir = vkCreateInstance(&ici, NULL, &inst);
    if (ir == VK_ERROR_INCOMPATIBLE_DRIVER) {
        printf("SKIP: no Vulkan driver\n");
        return 77;
    }
    CHECK_VK(ir);
    uint32_t n = 1;
    VkPhysicalDevice pd;
    VkResult er = vkEnumeratePhysicalDevices(inst, &n, &pd);
    if ((er != VK_SUCCESS && er != VK_INCOMPLETE) || n == 0) {
        printf("SKIP: no Vulkan device\n");
        return 77;
    }
    uint32_t nq = 0, family = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, NULL);
    VkQueueFamilyProperties qp[16];
    if (nq > 16) nq = 16;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, qp);
    while (family < nq && !(qp[family].queueFlags & VK_QUEUE_COMPUTE_BIT)) ++family;
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0, family, 1, &prio};
    VkDeviceCreateInfo di = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, NULL, 0, 1, &qi};
    VkDevice dev;
    CHECK_VK(vkCreateDevice(pd, &di, NULL, &dev));
    VkQueue queue;
    vkGetDeviceQueue(dev, family, 0, &queue);

    /* the per-frame workload: fill a host-visible buffer with the frame number */
    VkBufferCreateInfo bi = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, NULL, 0, 1 << 16, VK_BUFFER_USAGE_TRANSFER_DST_BIT};
    VkBuffer buf;
    CHECK_VK(vkCreateBuffer(dev, &bi, NULL, &buf));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev, buf, &req);
    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(pd, &mp);
    uint32_t type = 0;
    const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    while (type < mp.memoryTypeCount &&
           !((req.memoryTypeBits >> type & 1) && (mp.memoryTypes[type].propertyFlags & host) == host))
        ++type;
    VkMemoryAllocateInfo ai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, NULL, req.size, type};
    VkDeviceMemory mem;
    CHECK_VK(vkAllocateMemory(dev, &ai, NULL, &mem));
    CHECK_VK(vkBindBufferMemory(dev, buf, mem, 0));
    uint32_t *mapped;
    CHECK_VK(vkMapMemory(dev, mem, 0, VK_WHOLE_SIZE, 0, (void **)&mapped));
    VkCommandPoolCreateInfo pi = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, NULL,
                                  VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT, family};
    VkCommandPool pool;
    CHECK_VK(vkCreateCommandPool(dev, &pi, NULL, &pool));
    VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, NULL, pool,
                                       VK_COMMAND_BUFFER_LEVEL_PRIMARY, 1};
    VkCommandBuffer cmd;
    CHECK_VK(vkAllocateCommandBuffers(dev, &cai, &cmd));
    VkFenceCreateInfo fi = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence frame_fence;
    CHECK_VK(vkCreateFence(dev, &fi, NULL, &frame_fence));

    /* --- vkbert on the host's device --------------------------------------------------- */
    vkbert_external_device ext = {.instance = inst, .physical_device = pd, .device = dev, .queue_family = family};
    vkbert_context *ctx = NULL;
    vkbert_model *model = NULL;
    vkbert_session *s = NULL;
    if (vkbert_context_create(&(vkbert_context_desc){.external = &ext, .pipeline_cache_path = ""}, &ctx))
        return fail("context");
    if (vkbert_model_load(ctx, &(vkbert_model_desc){.path = argv[1]}, &model)) return fail("model");
    const char *texts[2] = {"The capital of France is [MASK].", "Vulkan runs on [MASK] GPUs."};
    int32_t ids[2][64], types[2][64];
    size_t lens[2];
    for (int t = 0; t < 2; ++t)
        if (vkbert_tokenizer_encode(vkbert_model_tokenizer(model), texts[t], NULL, ids[t], types[t], 64, &lens[t]))
            return fail("tokenize");
    if (vkbert_session_create(model, &(vkbert_session_desc){.max_seq = 32, .top_k = 1}, &s)) return fail("session");
    int32_t want[2];
    for (int t = 0; t < 2; ++t) { /* the answers a blocking encode gives */
        vkbert_prediction p;
        if (vkbert_session_encode(s, &(vkbert_sequence){ids[t], types[t], (uint32_t)lens[t]}, 1) ||
            vkbert_session_read_topk(s, 0, &p, 1, NULL))
            return fail("reference encode");
        want[t] = p.id;
    }

    /* --- the frame loop ------------------------------------------------------------------ */
    int done = 0, wrong = 0, in_flight_frames = 0, frame_errors = 0, next = 0;
    bool busy = false;
    double vkbert_ms = 0, worst_ms = 0;
    for (int f = 0; f < frames; ++f) {
        /* the host's own work for this frame */
        VkCommandBufferBeginInfo cbi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL,
                                        VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
        CHECK_VK(vkBeginCommandBuffer(cmd, &cbi));
        vkCmdFillBuffer(cmd, buf, 0, VK_WHOLE_SIZE, (uint32_t)f);
        VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER, NULL, VK_ACCESS_TRANSFER_WRITE_BIT,
                              VK_ACCESS_HOST_READ_BIT};
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0,
                             NULL);
        CHECK_VK(vkEndCommandBuffer(cmd));
        VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO, NULL, 0, NULL, NULL, 1, &cmd};
        CHECK_VK(vkResetFences(dev, 1, &frame_fence));
        CHECK_VK(vkQueueSubmit(queue, 1, &si, frame_fence));

        /* between frames: start an encode, or look whether the running one is done */
        double t0 = vkb_now_ms();
        if (!busy) {
            if (vkbert_session_submit(s, &(vkbert_sequence){ids[next], types[next], (uint32_t)lens[next]}, 1))
                return fail("submit");
            busy = true;
        } else {
            vkbert_status st = vkbert_session_wait(s, 0);
            if (st == VKBERT_NOT_READY) {
                ++in_flight_frames;
            } else if (st != VKBERT_OK) {
                return fail("poll");
            } else {
                vkbert_prediction p;
                if (vkbert_session_read_topk(s, 0, &p, 1, NULL)) return fail("read");
                wrong += p.id != want[next];
                ++done;
                busy = false;
                next = 1 - next;
            }
        }
        double dt = vkb_now_ms() - t0;
        vkbert_ms += dt;
        if (dt > worst_ms) worst_ms = dt;

        CHECK_VK(vkWaitForFences(dev, 1, &frame_fence, VK_TRUE, 10ull * 1000000000ull));
        frame_errors += mapped[0] != (uint32_t)f || mapped[(1 << 14) - 1] != (uint32_t)f;
        if (done >= 6 && f > 20) break;
    }
    if (busy) vkbert_session_wait(s, 60000);

    printf("host_app: %d encodes completed between frames (%d wrong), %d frames ran while an encode was in "
           "flight, %d host frame errors; vkbert calls took %.2f ms per frame on average, %.2f ms at most\n",
           done, wrong, in_flight_frames, frame_errors, vkbert_ms / (done + in_flight_frames + 1), worst_ms);
    vkbert_session_destroy(s);
    vkbert_model_destroy(model);
    vkbert_context_destroy(ctx);
    vkDestroyFence(dev, frame_fence, NULL);
    vkDestroyCommandPool(dev, pool, NULL);
    vkUnmapMemory(dev, mem);
    vkDestroyBuffer(dev, buf, NULL);
    vkFreeMemory(dev, mem, NULL);
    vkDestroyDevice(dev, NULL);
    vkDestroyInstance(inst, NULL);
    return done >= 6 && wrong == 0 && frame_errors == 0 ? 0 : 1;
}
