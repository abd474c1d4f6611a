/* A Vulkan loader for the tests (VKBERT_VULKAN_LIBRARY=libvkbert_vulkan_shim.so) that
 * forwards to the real one (VKB_SHIM_LOADER, default libvulkan.so.1) and makes the system
 * look like one vkbert cannot run on, as VKB_SHIM says (tests/cli_errors.py):
 *   loader10   a Vulkan 1.0 loader: no vkEnumerateInstanceVersion
 *   api10      every device a Vulkan 1.0 device (an Android 8 phone's, say): its properties
 *              say 1.0, and calling a Vulkan 1.1 physical-device command on it, which is
 *              invalid there (and a NULL entry in a 1.0 driver's table), aborts the process
 *   nodevices  no physical devices
 *   nocompute  devices whose queue families have no compute queue
 *   lose       the first vkQueueSubmit after the file VKB_SHIM_LOSE_FILE appears deletes it
 *              and fails with VK_ERROR_DEVICE_LOST (a GPU reset)
 *   minlimits  devices that report only what Vulkan 1.1 guarantees: the minimum compute,
 *              descriptor, push-constant, buffer and texel limits, subgroups without shuffle,
 *              no 16-bit storage, no float16 (what vkbert must pick its portable kernels for
 *              by itself; the driver underneath still has its real limits)
 * Only instance-level commands are wrapped; everything else is the real loader's. */
#include <vulkan/vulkan.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PFN_vkGetInstanceProcAddr real_gipa;
static PFN_vkEnumeratePhysicalDevices real_enumerate;
static PFN_vkGetPhysicalDeviceProperties real_properties;
static PFN_vkGetPhysicalDeviceQueueFamilyProperties real_queue_families;
static PFN_vkQueueSubmit real_submit;
static PFN_vkGetPhysicalDeviceProperties2 real_properties2;
static PFN_vkGetPhysicalDeviceFeatures2 real_features2;

static bool mode_is(const char *m) {
    const char *s = getenv("VKB_SHIM");
    return s && !strcmp(s, m);
}

static void forbidden(const char *what) {
    fprintf(stderr, "vulkan shim: %s called on a Vulkan 1.0 device\n", what);
    abort();
}

static VKAPI_ATTR VkResult VKAPI_CALL shim_enumerate(VkInstance inst, uint32_t *count, VkPhysicalDevice *pds) {
    if (mode_is("nodevices")) {
        *count = 0;
        return VK_SUCCESS;
    }
    return real_enumerate(inst, count, pds);
}

#define LOWER(field, value) field = field < (value) ? field : (value)

/* Vulkan 1.1's required minimums (the spec's "Required Limits" table) */
static void minimum_limits(VkPhysicalDeviceLimits *l) {
    LOWER(l->maxComputeWorkGroupInvocations, 128u);
    LOWER(l->maxComputeWorkGroupSize[0], 128u);
    LOWER(l->maxComputeWorkGroupSize[1], 128u);
    LOWER(l->maxComputeWorkGroupSize[2], 64u);
    for (int i = 0; i < 3; ++i) LOWER(l->maxComputeWorkGroupCount[i], 65535u);
    LOWER(l->maxComputeSharedMemorySize, 16384u);
    LOWER(l->maxPerStageDescriptorStorageBuffers, 4u);
    LOWER(l->maxPerStageDescriptorSampledImages, 16u);
    LOWER(l->maxPerStageResources, 128u);
    LOWER(l->maxBoundDescriptorSets, 4u);
    LOWER(l->maxPushConstantsSize, 128u);
    LOWER(l->maxStorageBufferRange, 1u << 27);
    LOWER(l->maxUniformBufferRange, 16384u);
    LOWER(l->maxTexelBufferElements, 65536u);
}

static VKAPI_ATTR void VKAPI_CALL shim_properties(VkPhysicalDevice pd, VkPhysicalDeviceProperties *p) {
    real_properties(pd, p);
    if (mode_is("api10")) p->apiVersion = VK_MAKE_API_VERSION(0, 1, 0, VK_API_VERSION_PATCH(p->apiVersion));
    if (mode_is("minlimits")) minimum_limits(&p->limits);
}

static VKAPI_ATTR void VKAPI_CALL shim_properties2_min(VkPhysicalDevice pd, VkPhysicalDeviceProperties2 *p) {
    real_properties2(pd, p);
    if (!mode_is("minlimits")) return;
    minimum_limits(&p->properties.limits);
    for (VkBaseOutStructure *s = p->pNext; s; s = s->pNext) {
        if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES) {
            VkPhysicalDeviceSubgroupProperties *sub = (VkPhysicalDeviceSubgroupProperties *)s;
            sub->supportedOperations = VK_SUBGROUP_FEATURE_BASIC_BIT;
            sub->quadOperationsInAllStages = VK_FALSE;
        } else if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES) {
            VkPhysicalDeviceMaintenance3Properties *m3 = (VkPhysicalDeviceMaintenance3Properties *)s;
            LOWER(m3->maxMemoryAllocationSize, (VkDeviceSize)1 << 30);
            LOWER(m3->maxPerSetDescriptors, 1024u);
        }
    }
}

static VKAPI_ATTR void VKAPI_CALL shim_features2_min(VkPhysicalDevice pd, VkPhysicalDeviceFeatures2 *f) {
    real_features2(pd, f);
    if (!mode_is("minlimits")) return;
    for (VkBaseOutStructure *s = f->pNext; s; s = s->pNext) {
        if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES) {
            VkPhysicalDevice16BitStorageFeatures *s16 = (VkPhysicalDevice16BitStorageFeatures *)s;
            s16->storageBuffer16BitAccess = s16->uniformAndStorageBuffer16BitAccess = VK_FALSE;
            s16->storagePushConstant16 = s16->storageInputOutput16 = VK_FALSE;
        } else if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES) {
            VkPhysicalDeviceShaderFloat16Int8Features *f16 = (VkPhysicalDeviceShaderFloat16Int8Features *)s;
            f16->shaderFloat16 = f16->shaderInt8 = VK_FALSE;
        }
    }
}

static VKAPI_ATTR void VKAPI_CALL shim_queue_families(VkPhysicalDevice pd, uint32_t *count,
                                                      VkQueueFamilyProperties *q) {
    real_queue_families(pd, count, q);
    if (mode_is("nocompute") && q)
        for (uint32_t i = 0; i < *count; ++i) q[i].queueFlags &= ~(VkQueueFlags)VK_QUEUE_COMPUTE_BIT;
}

static VKAPI_ATTR VkResult VKAPI_CALL shim_submit(VkQueue queue, uint32_t count, const VkSubmitInfo *submits,
                                                  VkFence fence) {
    const char *trigger = getenv("VKB_SHIM_LOSE_FILE");
    if (mode_is("lose") && trigger && remove(trigger) == 0) return VK_ERROR_DEVICE_LOST;
    return real_submit(queue, count, submits, fence);
}

static VKAPI_ATTR void VKAPI_CALL shim_properties2(VkPhysicalDevice pd, VkPhysicalDeviceProperties2 *p) {
    (void)pd, (void)p;
    forbidden("vkGetPhysicalDeviceProperties2");
}

static VKAPI_ATTR void VKAPI_CALL shim_features2(VkPhysicalDevice pd, VkPhysicalDeviceFeatures2 *f) {
    (void)pd, (void)f;
    forbidden("vkGetPhysicalDeviceFeatures2");
}

static VKAPI_ATTR void VKAPI_CALL shim_memory2(VkPhysicalDevice pd, VkPhysicalDeviceMemoryProperties2 *m) {
    (void)pd, (void)m;
    forbidden("vkGetPhysicalDeviceMemoryProperties2");
}

static VKAPI_ATTR void VKAPI_CALL shim_queue_families2(VkPhysicalDevice pd, uint32_t *count,
                                                       VkQueueFamilyProperties2 *q) {
    (void)pd, (void)count, (void)q;
    forbidden("vkGetPhysicalDeviceQueueFamilyProperties2");
}

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vkGetInstanceProcAddr(VkInstance instance, const char *name) {
    if (!real_gipa) {
        const char *path = getenv("VKB_SHIM_LOADER");
        void *lib = dlopen(path && *path ? path : "libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!lib) return NULL;
        real_gipa = (PFN_vkGetInstanceProcAddr)dlsym(lib, "vkGetInstanceProcAddr");
        if (!real_gipa) return NULL;
    }
    if (mode_is("loader10") && !strcmp(name, "vkEnumerateInstanceVersion")) return NULL;
    PFN_vkVoidFunction f = real_gipa(instance, name);
    if (!f) return NULL;
#define WRAP(fn, real, shim)                                                                       \
    if (!strcmp(name, #fn)) {                                                                      \
        real = (PFN_##fn)f;                                                                        \
        return (PFN_vkVoidFunction)shim;                                                           \
    }
    WRAP(vkEnumeratePhysicalDevices, real_enumerate, shim_enumerate)
    WRAP(vkGetPhysicalDeviceProperties, real_properties, shim_properties)
    WRAP(vkGetPhysicalDeviceQueueFamilyProperties, real_queue_families, shim_queue_families)
    WRAP(vkQueueSubmit, real_submit, shim_submit)
    if (mode_is("minlimits")) {
        WRAP(vkGetPhysicalDeviceProperties2, real_properties2, shim_properties2_min)
        WRAP(vkGetPhysicalDeviceFeatures2, real_features2, shim_features2_min)
    }
#undef WRAP
    if (mode_is("api10")) {
        if (!strcmp(name, "vkGetPhysicalDeviceProperties2")) return (PFN_vkVoidFunction)shim_properties2;
        if (!strcmp(name, "vkGetPhysicalDeviceFeatures2")) return (PFN_vkVoidFunction)shim_features2;
        if (!strcmp(name, "vkGetPhysicalDeviceMemoryProperties2")) return (PFN_vkVoidFunction)shim_memory2;
        if (!strcmp(name, "vkGetPhysicalDeviceQueueFamilyProperties2"))
            return (PFN_vkVoidFunction)shim_queue_families2;
    }
    return f;
}
