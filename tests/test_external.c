/* A host application's own VkInstance, VkDevice and queue: vkbert runs on them, calls the
 * host's queue lock around its submissions, gives the same answers as on its own device,
 * and leaves the host's objects alive and clean (the host's validation messenger counts
 * every message). */
#include "test_util.h"

#include <vulkan/vulkan.h>

static int g_messages, g_locks, g_unlocks;

static VkBool32 VKAPI_PTR on_message(VkDebugUtilsMessageSeverityFlagBitsEXT sev, VkDebugUtilsMessageTypeFlagsEXT types,
                                     const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
    (void)user;
    if ((types & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT) &&
        (sev & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT))) {
        ++g_messages;
        fprintf(stderr, "host messenger: %s\n", data->pMessage);
    }
    return VK_FALSE;
}

/* The host's queue lock: counts calls and checks they pair up (never nested). */
static void lock_queue(void *held) {
    CHECK(!*(bool *)held, "lock_queue called twice without unlock_queue");
    *(bool *)held = true;
    ++g_locks;
}
static void unlock_queue(void *held) {
    CHECK(*(bool *)held, "unlock_queue without lock_queue");
    *(bool *)held = false;
    ++g_unlocks;
}

static int32_t top1(vkbert_context *ctx, const char *model) {
    vkbert_model *m = NULL;
    vkbert_session *s = NULL;
    int32_t ids[4] = {101, 2054, 103, 102};
    vkbert_prediction p = {-1, 0};
    vkbert_status st = vkbert_model_load(ctx, &(vkbert_model_desc){.path = model}, &m);
    if (!st) st = vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 4, .top_k = 1}, &s);
    if (!st) st = vkbert_session_encode(s, &(vkbert_sequence){ids, NULL, 4}, 1);
    if (!st) st = vkbert_session_read_topk(s, 0, &p, 1, NULL);
    CHECK(st == VKBERT_OK, "%s", vkbert_last_error());
    vkbert_session_destroy(s);
    vkbert_model_destroy(m);
    return p.id;
}

/* The host waits for an encode in its own submission, through vkbert's timeline semaphore:
 * once the host's fence signals, the encode must be complete. */
static void timeline_wait(vkbert_context *ctx, VkDevice dev, uint32_t family, const char *model, bool host_enabled) {
    vkbert_model *m = NULL;
    vkbert_session *s = NULL;
    int32_t ids[4] = {101, 2054, 103, 102};
    CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.path = model}, &m) == 0 &&
              vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 4, .top_k = 1}, &s) == 0,
          "%s", vkbert_last_error());
    if (!s) exit(1);
    VkSemaphore sem = VK_NULL_HANDLE;
    uint64_t value = 0;
    if (!host_enabled) {
        CHECK(vkbert_session_submit(s, &(vkbert_sequence){ids, NULL, 4}, 1) == 0, "%s", vkbert_last_error());
        CHECK_ERROR(vkbert_session_timeline(s, &sem, &value), VKBERT_ERROR_UNSUPPORTED, "timelineSemaphore");
        CHECK(vkbert_session_wait(s, 60000) == 0, "%s", vkbert_last_error());
    } else {
        CHECK_ERROR(vkbert_session_timeline(s, &sem, &value), VKBERT_ERROR_INVALID_ARGUMENT, "nothing was submitted");
        VkQueue queue;
        vkGetDeviceQueue(dev, family, 0, &queue);
        VkCommandPoolCreateInfo pi = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, NULL, 0, family};
        VkCommandPool pool;
        vkCreateCommandPool(dev, &pi, NULL, &pool);
        VkCommandBufferAllocateInfo ai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, NULL, pool,
                                          VK_COMMAND_BUFFER_LEVEL_PRIMARY, 1};
        VkCommandBuffer cmd;
        vkAllocateCommandBuffers(dev, &ai, &cmd);
        VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
        vkBeginCommandBuffer(cmd, &bi);
        vkEndCommandBuffer(cmd);
        VkFenceCreateInfo fi = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        VkFence fence;
        vkCreateFence(dev, &fi, NULL, &fence);
        PFN_vkGetSemaphoreCounterValueKHR counter =
            (PFN_vkGetSemaphoreCounterValueKHR)vkGetDeviceProcAddr(dev, "vkGetSemaphoreCounterValueKHR");
        for (int round = 0; round < 3; ++round) {
            uint64_t before = value;
            CHECK(vkbert_session_submit(s, &(vkbert_sequence){ids, NULL, 4}, 1) == 0, "%s", vkbert_last_error());
            CHECK(vkbert_session_timeline(s, &sem, &value) == 0 && sem != VK_NULL_HANDLE && value > before,
                  "timeline: %s (value %llu after %llu)", vkbert_last_error(), (unsigned long long)value,
                  (unsigned long long)before);
            /* the host's own submission waits on the GPU for the encode (no CPU stall) */
            VkPipelineStageFlags stage = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
            VkTimelineSemaphoreSubmitInfo ts = {VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO, NULL, 1, &value};
            VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO, &ts, 1, &sem, &stage, 1, &cmd};
            CHECK(vkQueueSubmit(queue, 1, &si, fence) == VK_SUCCESS, "host submit");
            CHECK(vkWaitForFences(dev, 1, &fence, VK_TRUE, 60000000000ull) == VK_SUCCESS, "host fence");
            vkResetFences(dev, 1, &fence);
            uint64_t now = 0;
            CHECK(counter && counter(dev, sem, &now) == VK_SUCCESS && now >= value, "semaphore at %llu, want %llu",
                  (unsigned long long)now, (unsigned long long)value);
            CHECK(vkbert_session_wait(s, 0) == VKBERT_OK, "the encode the host waited for is not complete");
            vkbert_prediction p = {-1, 0};
            CHECK(vkbert_session_read_topk(s, 0, &p, 1, NULL) == 0 && p.id >= 0, "results after the host's wait");
        }
        vkDestroyFence(dev, fence, NULL);
        vkDestroyCommandPool(dev, pool, NULL);
    }
    vkbert_session_destroy(s);
    vkbert_model_destroy(m);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    vkbert_context *own = test_context(NULL); /* skips without a device */
    int32_t want = top1(own, argv[1]);
    vkbert_context_destroy(own);

    /* the host's objects, made with plain Vulkan */
    const char *layer = "VK_LAYER_KHRONOS_validation", *ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO, NULL, "host", 1, "host", 1, VK_API_VERSION_1_1};
    VkInstanceCreateInfo ici = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, NULL, 0, &app, 1, &layer, 1, &ext};
    VkInstance inst;
    if (vkCreateInstance(&ici, NULL, &inst) != VK_SUCCESS) {
        ici.enabledLayerCount = 0;
        ici.enabledExtensionCount = 0;
        CHECK(vkCreateInstance(&ici, NULL, &inst) == VK_SUCCESS, "host instance");
    }
    VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
    PFN_vkCreateDebugUtilsMessengerEXT mk =
        (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(inst, "vkCreateDebugUtilsMessengerEXT");
    VkDebugUtilsMessengerCreateInfoEXT mi = {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT, NULL, 0,
                                             VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                                                 VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
                                             VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT, on_message, NULL};
    if (mk) mk(inst, &mi, NULL, &messenger);
    uint32_t n = 1;
    VkPhysicalDevice pd;
    vkEnumeratePhysicalDevices(inst, &n, &pd);
    uint32_t nq = 0, family = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, NULL);
    VkQueueFamilyProperties q[16];
    if (nq > 16) nq = 16;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, q);
    while (family < nq && !(q[family].queueFlags & VK_QUEUE_COMPUTE_BIT)) ++family;
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0, family, 1, &prio};
    /* timeline semaphores where the device has them, to wait on vkbert's encodes */
    uint32_t next = 0;
    vkEnumerateDeviceExtensionProperties(pd, NULL, &next, NULL);
    VkExtensionProperties *exts = calloc(next ? next : 1, sizeof *exts);
    vkEnumerateDeviceExtensionProperties(pd, NULL, &next, exts);
    bool timeline = false;
    for (uint32_t i = 0; i < next; ++i) timeline |= !strcmp(exts[i].extensionName, VK_KHR_TIMELINE_SEMAPHORE_EXTENSION_NAME);
    free(exts);
    const char *tl_ext = VK_KHR_TIMELINE_SEMAPHORE_EXTENSION_NAME;
    VkPhysicalDeviceTimelineSemaphoreFeatures tlf = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES, NULL,
                                                     VK_TRUE};
    VkDeviceCreateInfo di = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, timeline ? &tlf : NULL, 0, 1, &qi, 0, NULL,
                             timeline ? 1 : 0, &tl_ext};
    VkDevice dev;
    CHECK(vkCreateDevice(pd, &di, NULL, &dev) == VK_SUCCESS, "host device");

    bool held = false;
    vkbert_external_device ext_dev = {.instance = inst, .physical_device = pd, .device = dev, .queue_family = family,
                                      .lock_queue = lock_queue, .unlock_queue = unlock_queue, .queue_user = &held};
    vkbert_context *ctx = NULL;
    CHECK(vkbert_context_create(&(vkbert_context_desc){.external = &ext_dev, .pipeline_cache_path = ""}, &ctx) == 0,
          "adopting: %s", vkbert_last_error());
    if (ctx) {
        CHECK(top1(ctx, argv[1]) == want, "different answers on the host's device");
        timeline_wait(ctx, dev, family, argv[1], false); /* the host did not say it enabled timelines */
        vkbert_context_destroy(ctx);
    }
    if (timeline) {
        vkbert_external_device tl_dev = ext_dev;
        tl_dev.timeline_semaphore = true;
        ctx = NULL;
        CHECK(vkbert_context_create(&(vkbert_context_desc){.external = &tl_dev, .pipeline_cache_path = ""}, &ctx) == 0,
              "adopting: %s", vkbert_last_error());
        if (ctx) timeline_wait(ctx, dev, family, argv[1], true);
        vkbert_context_destroy(ctx);
    } else {
        printf("this device has no VK_KHR_timeline_semaphore: the host-side wait is not tested\n");
    }
    {   /* a host's Vulkan 1.1 instance never gets the Vulkan 1.3 (cooperative-matrix) kernels, even
         * asked for them and with the flag set: the answers stay the same */
        vkbert_external_device cm_dev = ext_dev;
        cm_dev.instance_api_version = VK_API_VERSION_1_1;
        cm_dev.cooperative_matrix = true;
        ctx = NULL;
        CHECK(vkbert_context_create(&(vkbert_context_desc){.external = &cm_dev, .pipeline_cache_path = "",
                                                           .matmul = VKBERT_MATMUL_COOPMAT}, &ctx) == 0,
              "adopting with cooperative_matrix: %s", vkbert_last_error());
        if (ctx) {
            CHECK(strcmp(vkbert_context_matmul_variant(ctx), "coopmat") != 0, "a 1.1 host instance ran coopmat");
            CHECK(top1(ctx, argv[1]) == want, "different answers on the host's device without coopmat");
            vkbert_context_destroy(ctx);
        }
    }
    CHECK(g_locks > 0 && g_locks == g_unlocks, "queue lock calls: %d locks, %d unlocks", g_locks, g_unlocks);
    /* bad adoptions are refused */
    vkbert_external_device bad = ext_dev;
    bad.queue_family = 99;
    CHECK_ERROR(vkbert_context_create(&(vkbert_context_desc){.external = &bad}, &ctx), VKBERT_ERROR_INVALID_ARGUMENT,
                "queue family 99");
    bad = ext_dev;
    bad.device = NULL;
    CHECK_ERROR(vkbert_context_create(&(vkbert_context_desc){.external = &bad}, &ctx), VKBERT_ERROR_INVALID_ARGUMENT,
                "required");

    /* the host's device is still alive and usable */
    VkBufferCreateInfo bi = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, NULL, 0, 256, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT};
    VkBuffer buf;
    CHECK(vkCreateBuffer(dev, &bi, NULL, &buf) == VK_SUCCESS, "host device unusable after vkbert");
    vkDestroyBuffer(dev, buf, NULL);
    vkDestroyDevice(dev, NULL); /* the object tracker reports anything vkbert left behind */
    PFN_vkDestroyDebugUtilsMessengerEXT rm =
        (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(inst, "vkDestroyDebugUtilsMessengerEXT");
    if (messenger && rm) rm(inst, messenger, NULL);
    vkDestroyInstance(inst, NULL);
    CHECK(g_messages == 0, "%d validation messages on the host's device", g_messages);
    return test_finish("test_external");
}
