/* A portability driver (MoltenVK on macOS, behind a current loader), played by the stand-in
 * loader (tests/vulkan_shim.c, VKB_SHIM=portability): its device is enumerated only to an
 * instance created with VK_KHR_portability_enumeration and
 * VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR, and advertises VK_KHR_portability_subset.
 * vkbert must find and use it (enabling the subset on the device it creates), a plain
 * instance must not see it, and a host's own instance and device made for it must work as
 * vkbert's own. Run with VKBERT_VULKAN_LIBRARY naming the shim. */
#include "test_util.h"
#include "vkb_internal.h"

typedef struct vkb_shim_stats {
    unsigned portability_instances, hidden_enumerations, subset_devices, devices_without_subset;
} vkb_shim_stats;
typedef void(VKAPI_PTR *PFN_vkbShimStats)(vkb_shim_stats *out);

static vkb_shim_stats shim_stats(void) {
    vkb_shim_stats s = {0};
    PFN_vkbShimStats get = (PFN_vkbShimStats)vkGetInstanceProcAddr(NULL, "vkbShimStats");
    CHECK(get != NULL, "VKBERT_VULKAN_LIBRARY is not the stand-in loader (tests/vulkan_shim.c)");
    if (get) get(&s);
    return s;
}

/* the hidden states of one encode of 4 tokens (n floats) */
static void encode(vkbert_context *ctx, const char *model, float *hidden, size_t n) {
    vkbert_model *m = NULL;
    vkbert_session *s = NULL;
    int32_t ids[4] = {101, 2054, 103, 102};
    vkbert_status st = vkbert_model_load(ctx, &(vkbert_model_desc){.path = model}, &m);
    if (!st) st = vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 4, .top_k = 1}, &s);
    if (!st) st = vkbert_session_encode(s, &(vkbert_sequence){ids, NULL, 4}, 1);
    if (!st) st = vkbert_session_read_hidden(s, 0, hidden, n, NULL);
    CHECK(st == VKBERT_OK, "%s", vkbert_last_error());
    vkbert_session_destroy(s);
    vkbert_model_destroy(m);
}

/* How many devices an instance created with these flags and extensions sees. */
static uint32_t devices_seen(VkInstanceCreateFlags flags, uint32_t ext_count, VkInstance *keep) {
    const char *ext = VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO, NULL, "host", 1, "host", 1, VK_API_VERSION_1_1};
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, NULL, flags, &app, 0, NULL, ext_count, &ext};
    VkInstance inst = VK_NULL_HANDLE;
    uint32_t n = 0;
    CHECK(vkCreateInstance(&ci, NULL, &inst) == VK_SUCCESS, "vkCreateInstance (flags %u, %u extensions)",
          (unsigned)flags, ext_count);
    if (inst) CHECK(vkEnumeratePhysicalDevices(inst, &n, NULL) == VK_SUCCESS, "vkEnumeratePhysicalDevices");
    if (keep) *keep = inst;
    else if (inst) vkDestroyInstance(inst, NULL);
    return n;
}

/* The host's own device on the portability driver, handed to vkbert. */
static void external_device(const char *model, const float *want, size_t n) {
    VkInstance inst = VK_NULL_HANDLE;
    uint32_t count = devices_seen(VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR, 1, &inst);
    CHECK(count > 0, "the host's portability instance sees no device");
    if (!count) return;
    VkPhysicalDevice pd;
    count = 1;
    vkEnumeratePhysicalDevices(inst, &count, &pd);
    uint32_t nq = 16, family = 0;
    VkQueueFamilyProperties q[16];
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, q);
    while (family < nq && !(q[family].queueFlags & VK_QUEUE_COMPUTE_BIT)) ++family;
    float prio = 1.0f;
    const char *subset = VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME; /* as Vulkan requires of the host */
    VkDeviceQueueCreateInfo qi = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0, family, 1, &prio};
    VkDeviceCreateInfo di = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, NULL, 0, 1, &qi, 0, NULL, 1, &subset};
    VkDevice dev = VK_NULL_HANDLE;
    CHECK(vkCreateDevice(pd, &di, NULL, &dev) == VK_SUCCESS, "the host's vkCreateDevice");
    vkbert_external_device e = {.instance = inst, .physical_device = pd, .device = dev, .queue_family = family};
    vkbert_context *ctx = dev ? test_context(&(vkbert_context_desc){.external = &e}) : NULL;
    if (ctx) {
        CHECK(vkbert_context_device(ctx)->portability_subset, "the host's device is not seen as a portability one");
        float *h = calloc(n, sizeof *h);
        if (h) encode(ctx, model, h, n);
        CHECK(h && !memcmp(h, want, n * sizeof *h), "the host's device gives other hidden states");
        free(h);
        check_no_validation(ctx);
        vkbert_context_destroy(ctx);
    }
    if (dev) vkDestroyDevice(dev, NULL);
    vkDestroyInstance(inst, NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_portability MODEL_DIR (VKBERT_VULKAN_LIBRARY=the shim, VKB_SHIM=portability)\n");
        return 2;
    }
    /* found: vkbert's instance asks for portability enumeration */
    vkbert_device_info info[4];
    uint32_t count = 0;
    vkbert_status st = vkbert_devices_list(info, 4, &count);
    if (st == VKBERT_ERROR_NO_DEVICE && strstr(vkbert_last_error(), "driver")) {
        printf("SKIP: no Vulkan driver: %s\n", vkbert_last_error());
        return VKB_TEST_SKIP;
    }
    CHECK(st == VKBERT_OK && count > 0, "the portability driver's devices were not listed: %s", vkbert_last_error());
    CHECK(count == 0 || info[0].portability_subset, "device 0 does not advertise VK_KHR_portability_subset");
    vkb_shim_stats before = shim_stats();
    CHECK(before.portability_instances == 1 && before.hidden_enumerations == 0,
          "vkbert_devices_list's instance: %u with portability enumeration, %u enumerations hidden",
          before.portability_instances, before.hidden_enumerations);

    /* used: a context on it, with the subset enabled on its device */
    vkbert_context *ctx = test_context(NULL);
    CHECK(vkbert_context_device(ctx)->portability_subset, "the context's device is not a portability device");
    vkb_shim_stats after = shim_stats();
    CHECK(after.subset_devices == 1 && after.devices_without_subset == 0,
          "devices created with VK_KHR_portability_subset: %u, without: %u", after.subset_devices,
          after.devices_without_subset);
    enum { N = 4 * 32 }; /* the tiny model: hidden size 32 */
    float want[N];
    encode(ctx, argv[1], want, N);
    check_no_validation(ctx);
    vkbert_context_destroy(ctx);

    /* not found without asking: the flag and the extension are both needed */
    CHECK(devices_seen(0, 0, NULL) == 0, "an instance without portability enumeration sees the device");
    CHECK(devices_seen(0, 1, NULL) == 0, "an instance with the extension but not the flag sees the device");
    CHECK(devices_seen(VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR, 1, NULL) > 0,
          "an instance with portability enumeration sees no device");
    CHECK(shim_stats().hidden_enumerations == 2, "the shim hid the device %u times, want 2",
          shim_stats().hidden_enumerations);

    external_device(argv[1], want, N);
    return test_finish("test_portability");
}
