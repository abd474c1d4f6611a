/* A Vulkan loader for the tests (VKBERT_VULKAN_LIBRARY=the shim's library) that forwards to
 * the real one (VKB_SHIM_LOADER; default libvulkan.so.1, vulkan-1.dll on Windows) and makes the
 * system look like one vkbert must cope with, as VKB_SHIM says (modes, comma-separated):
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
 *   portability  a portability driver, as MoltenVK is on macOS behind a current loader: the
 *              loader offers VK_KHR_portability_enumeration (added when the real one lacks it),
 *              the devices are enumerated only to an instance created with that extension and
 *              VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR, and each device advertises
 *              VK_KHR_portability_subset, which a VkDevice must then enable (if it does not,
 *              a "Validation Error" line on stderr, as the validation layer prints), with
 *              every VkPhysicalDevicePortabilitySubsetFeaturesKHR feature false. The real
 *              driver and layers never see the extensions: the shim takes them out.
 * vkbShimStats (from vkGetInstanceProcAddr(NULL, ...)) tells a test what the shim saw.
 * Only instance-level commands are wrapped; everything else is the real loader's. */
#define VK_NO_PROTOTYPES
#define VK_ENABLE_BETA_EXTENSIONS /* VK_KHR_portability_subset is a provisional extension */
#include <vulkan/vulkan.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#  define SHIM_DEFAULT_LOADER "vulkan-1.dll"
#  define SHIM_EXPORT __declspec(dllexport)
static void *open_lib(const char *n) { return (void *)LoadLibraryA(n); }
static PFN_vkVoidFunction lib_sym(void *h, const char *s) { return (PFN_vkVoidFunction)GetProcAddress((HMODULE)h, s); }
#else
#  include <dlfcn.h>
#  define SHIM_DEFAULT_LOADER "libvulkan.so.1"
#  define SHIM_EXPORT __attribute__((visibility("default")))
static void *open_lib(const char *n) { return dlopen(n, RTLD_NOW | RTLD_LOCAL); }
static PFN_vkVoidFunction lib_sym(void *h, const char *s) { return (PFN_vkVoidFunction)dlsym(h, s); }
#endif

/* What the shim saw, for tests (vkbShimStats). */
typedef struct vkb_shim_stats {
    unsigned portability_instances;   /* instances created with the flag and the extension */
    unsigned hidden_enumerations;     /* vkEnumeratePhysicalDevices calls that hid the devices */
    unsigned subset_devices;          /* devices created with VK_KHR_portability_subset enabled */
    unsigned devices_without_subset;  /* ... and without it (a validation error) */
} vkb_shim_stats;
typedef void (VKAPI_PTR *PFN_vkbShimStats)(vkb_shim_stats *out);
static vkb_shim_stats g_stats;

static PFN_vkGetInstanceProcAddr real_gipa;
static PFN_vkEnumeratePhysicalDevices real_enumerate;
static PFN_vkGetPhysicalDeviceProperties real_properties;
static PFN_vkGetPhysicalDeviceQueueFamilyProperties real_queue_families;
static PFN_vkQueueSubmit real_submit;
static PFN_vkGetPhysicalDeviceProperties2 real_properties2;
static PFN_vkGetPhysicalDeviceFeatures2 real_features2;
static PFN_vkEnumerateInstanceExtensionProperties real_instance_extensions;
static PFN_vkCreateInstance real_create_instance;
static PFN_vkDestroyInstance real_destroy_instance;
static PFN_vkEnumerateDeviceExtensionProperties real_device_extensions;
static PFN_vkCreateDevice real_create_device;

static bool mode_is(const char *m) {
    const char *s = getenv("VKB_SHIM");
    size_t n = strlen(m);
    for (; s && *s; s += strcspn(s, ","), s += *s == ',')
        if (!strncmp(s, m, n) && (s[n] == ',' || s[n] == '\0')) return true;
    return false;
}

static void forbidden(const char *what) {
    fprintf(stderr, "vulkan shim: %s called on a Vulkan 1.0 device\n", what);
    abort();
}

/* ---- portability: instances that asked for portability enumeration -------------------- */
#define MAX_INSTANCES 16
static VkInstance g_portable[MAX_INSTANCES];

static bool has_name(const char *const *names, uint32_t n, const char *name) {
    for (uint32_t i = 0; i < n; ++i)
        if (!strcmp(names[i], name)) return true;
    return false;
}

/* Whether the real loader offers `name` (an instance extension). */
static bool real_has_instance_extension(const char *name) {
    uint32_t n = 0;
    if (!real_instance_extensions)
        real_instance_extensions =
            (PFN_vkEnumerateInstanceExtensionProperties)real_gipa(NULL, "vkEnumerateInstanceExtensionProperties");
    if (real_instance_extensions(NULL, &n, NULL) != VK_SUCCESS) return false;
    VkExtensionProperties *e = calloc(n ? n : 1, sizeof *e);
    bool found = false;
    if (e && real_instance_extensions(NULL, &n, e) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; ++i) found = !strcmp(e[i].extensionName, name);
    free(e);
    return found;
}

/* The real list of `count` extensions plus `extra` when it lacks it, with Vulkan's
 * count/VK_INCOMPLETE protocol. */
static VkResult extended_list(VkExtensionProperties *real, uint32_t count, const char *extra, uint32_t *out_count,
                              VkExtensionProperties *out) {
    bool present = false;
    for (uint32_t i = 0; i < count && !present; ++i) present = !strcmp(real[i].extensionName, extra);
    uint32_t total = count + !present;
    if (!present) {
        memset(&real[count], 0, sizeof real[count]);
        snprintf(real[count].extensionName, sizeof real[count].extensionName, "%s", extra);
        real[count].specVersion = 1;
    }
    if (!out) {
        *out_count = total;
        return VK_SUCCESS;
    }
    uint32_t n = *out_count < total ? *out_count : total;
    memcpy(out, real, n * sizeof *out);
    *out_count = n;
    return n < total ? VK_INCOMPLETE : VK_SUCCESS;
}

static VKAPI_ATTR VkResult VKAPI_CALL shim_instance_extensions(const char *layer, uint32_t *count,
                                                               VkExtensionProperties *props) {
    if (layer) return real_instance_extensions(layer, count, props);
    uint32_t n = 0;
    VkResult r = real_instance_extensions(NULL, &n, NULL);
    VkExtensionProperties *all = r == VK_SUCCESS ? calloc(n + 1, sizeof *all) : NULL;
    if (all) r = real_instance_extensions(NULL, &n, all);
    if (all && r == VK_SUCCESS) r = extended_list(all, n, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME, count, props);
    else if (r == VK_SUCCESS) r = VK_ERROR_OUT_OF_HOST_MEMORY;
    free(all);
    return r;
}

static VKAPI_ATTR VkResult VKAPI_CALL shim_create_instance(const VkInstanceCreateInfo *ci,
                                                           const VkAllocationCallbacks *alloc, VkInstance *out) {
    bool portable = (ci->flags & VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR) &&
                    has_name(ci->ppEnabledExtensionNames, ci->enabledExtensionCount,
                             VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    VkInstanceCreateInfo real = *ci;
    const char **names = NULL;
    if (!real_has_instance_extension(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
        /* the loader underneath (Wine's, an old one) does not know it: it never sees it */
        names = calloc(ci->enabledExtensionCount + 1, sizeof *names);
        if (!names) return VK_ERROR_OUT_OF_HOST_MEMORY;
        real.enabledExtensionCount = 0;
        for (uint32_t i = 0; i < ci->enabledExtensionCount; ++i)
            if (strcmp(ci->ppEnabledExtensionNames[i], VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME))
                names[real.enabledExtensionCount++] = ci->ppEnabledExtensionNames[i];
        real.ppEnabledExtensionNames = names;
        real.flags &= ~(VkInstanceCreateFlags)VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
    }
    VkResult r = real_create_instance(&real, alloc, out);
    free(names);
    if (r == VK_SUCCESS && portable) {
        ++g_stats.portability_instances;
        for (int i = 0; i < MAX_INSTANCES; ++i)
            if (!g_portable[i]) {
                g_portable[i] = *out;
                break;
            }
    }
    return r;
}

static VKAPI_ATTR void VKAPI_CALL shim_destroy_instance(VkInstance inst, const VkAllocationCallbacks *alloc) {
    for (int i = 0; i < MAX_INSTANCES; ++i)
        if (g_portable[i] == inst) g_portable[i] = NULL;
    real_destroy_instance(inst, alloc);
}

static bool portable_instance(VkInstance inst) {
    for (int i = 0; i < MAX_INSTANCES; ++i)
        if (g_portable[i] == inst) return true;
    return false;
}

static VKAPI_ATTR VkResult VKAPI_CALL shim_device_extensions(VkPhysicalDevice pd, const char *layer, uint32_t *count,
                                                             VkExtensionProperties *props) {
    if (layer) return real_device_extensions(pd, layer, count, props);
    uint32_t n = 0;
    VkResult r = real_device_extensions(pd, NULL, &n, NULL);
    VkExtensionProperties *all = r == VK_SUCCESS ? calloc(n + 1, sizeof *all) : NULL;
    if (all) r = real_device_extensions(pd, NULL, &n, all);
    if (all && r == VK_SUCCESS) r = extended_list(all, n, VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME, count, props);
    else if (r == VK_SUCCESS) r = VK_ERROR_OUT_OF_HOST_MEMORY;
    free(all);
    return r;
}

static VKAPI_ATTR VkResult VKAPI_CALL shim_create_device(VkPhysicalDevice pd, const VkDeviceCreateInfo *ci,
                                                         const VkAllocationCallbacks *alloc, VkDevice *out) {
    VkDeviceCreateInfo real = *ci;
    const char **names = calloc(ci->enabledExtensionCount + 1, sizeof *names);
    if (!names) return VK_ERROR_OUT_OF_HOST_MEMORY;
    real.enabledExtensionCount = 0;
    for (uint32_t i = 0; i < ci->enabledExtensionCount; ++i)
        if (strcmp(ci->ppEnabledExtensionNames[i], VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME))
            names[real.enabledExtensionCount++] = ci->ppEnabledExtensionNames[i];
    real.ppEnabledExtensionNames = names;
    if (real.enabledExtensionCount < ci->enabledExtensionCount) {
        ++g_stats.subset_devices;
    } else {
        ++g_stats.devices_without_subset;
        fprintf(stderr, "Validation Error: [ VUID-VkDeviceCreateInfo-pProperties-04451 ] vulkan shim: the device "
                "advertises VK_KHR_portability_subset, which ppEnabledExtensionNames must then include\n");
    }
    VkResult r = real_create_device(pd, &real, alloc, out);
    free(names);
    return r;
}

static VKAPI_ATTR VkResult VKAPI_CALL shim_enumerate(VkInstance inst, uint32_t *count, VkPhysicalDevice *pds) {
    if (mode_is("nodevices") || (mode_is("portability") && !portable_instance(inst))) {
        if (!mode_is("nodevices")) ++g_stats.hidden_enumerations;
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

static VKAPI_ATTR void VKAPI_CALL shim_properties2(VkPhysicalDevice pd, VkPhysicalDeviceProperties2 *p) {
    if (mode_is("api10")) forbidden("vkGetPhysicalDeviceProperties2");
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

static VKAPI_ATTR void VKAPI_CALL shim_features2(VkPhysicalDevice pd, VkPhysicalDeviceFeatures2 *f) {
    if (mode_is("api10")) forbidden("vkGetPhysicalDeviceFeatures2");
    /* the portability subset's features: taken out of the chain the driver sees (it does not
     * know them), all reported false (the most a portability driver may withhold) */
    VkBaseOutStructure *subset = NULL, *before = NULL;
    for (VkBaseOutStructure *s = (VkBaseOutStructure *)f; s->pNext && !subset; s = s->pNext)
        if (s->pNext->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PORTABILITY_SUBSET_FEATURES_KHR) {
            before = s;
            subset = s->pNext;
            before->pNext = subset->pNext;
        }
    real_features2(pd, f);
    if (subset) {
        VkBaseOutStructure *next = subset->pNext;
        memset(subset, 0, sizeof(VkPhysicalDevicePortabilitySubsetFeaturesKHR));
        subset->sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PORTABILITY_SUBSET_FEATURES_KHR;
        subset->pNext = next;
        before->pNext = subset;
    }
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

static VKAPI_ATTR void VKAPI_CALL shim_memory2(VkPhysicalDevice pd, VkPhysicalDeviceMemoryProperties2 *m) {
    (void)pd, (void)m;
    forbidden("vkGetPhysicalDeviceMemoryProperties2");
}

static VKAPI_ATTR void VKAPI_CALL shim_queue_families2(VkPhysicalDevice pd, uint32_t *count,
                                                       VkQueueFamilyProperties2 *q) {
    (void)pd, (void)count, (void)q;
    forbidden("vkGetPhysicalDeviceQueueFamilyProperties2");
}

static VKAPI_ATTR void VKAPI_CALL shim_stats(vkb_shim_stats *out) { *out = g_stats; }

SHIM_EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vkGetInstanceProcAddr(VkInstance instance, const char *name);

SHIM_EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL vkGetInstanceProcAddr(VkInstance instance, const char *name) {
    if (!real_gipa) {
        const char *path = getenv("VKB_SHIM_LOADER");
        void *lib = open_lib(path && *path ? path : SHIM_DEFAULT_LOADER);
        if (!lib) return NULL;
        real_gipa = (PFN_vkGetInstanceProcAddr)lib_sym(lib, "vkGetInstanceProcAddr");
        if (!real_gipa) return NULL;
    }
    if (!strcmp(name, "vkbShimStats")) return (PFN_vkVoidFunction)shim_stats;
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
    if (mode_is("minlimits") || mode_is("api10") || mode_is("portability")) {
        WRAP(vkGetPhysicalDeviceProperties2, real_properties2, shim_properties2)
        WRAP(vkGetPhysicalDeviceFeatures2, real_features2, shim_features2)
    }
    if (mode_is("portability")) {
        WRAP(vkEnumerateInstanceExtensionProperties, real_instance_extensions, shim_instance_extensions)
        WRAP(vkCreateInstance, real_create_instance, shim_create_instance)
        WRAP(vkDestroyInstance, real_destroy_instance, shim_destroy_instance)
        WRAP(vkEnumerateDeviceExtensionProperties, real_device_extensions, shim_device_extensions)
        WRAP(vkCreateDevice, real_create_device, shim_create_device)
    }
#undef WRAP
    if (mode_is("api10")) {
        if (!strcmp(name, "vkGetPhysicalDeviceMemoryProperties2")) return (PFN_vkVoidFunction)shim_memory2;
        if (!strcmp(name, "vkGetPhysicalDeviceQueueFamilyProperties2"))
            return (PFN_vkVoidFunction)shim_queue_families2;
    }
    return f;
}
