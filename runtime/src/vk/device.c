/* Physical devices: enumerate and describe them, choose one, or adopt the host's. */
#include "vkb_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VKB_MAX_DEVICES 16

static const char *vendor_name(uint32_t id) {
    switch (id) {
    case 0x10DE: return "NVIDIA";
    case 0x1002: return "AMD";
    case 0x8086: return "Intel";
    case 0x13B5: return "ARM";
    case 0x5143: return "Qualcomm";
    case 0x1010: return "Imagination";
    case 0x106B: return "Apple";
    case 0x14E4: return "Broadcom";
    case 0x1AE0: return "Google";
    case 0x10005: return "Mesa";
    case 0x144D: return "Samsung";
    default: return "unknown";
    }
}

static vkbert_device_type map_type(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return VKBERT_DEVICE_INTEGRATED;
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return VKBERT_DEVICE_DISCRETE;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return VKBERT_DEVICE_VIRTUAL;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return VKBERT_DEVICE_CPU;
    default: return VKBERT_DEVICE_OTHER;
    }
}

/* Probes set *oom when they could not allocate; callers turn that into an error. */
static bool has_device_extension(VkPhysicalDevice pd, const char *name, bool *oom) {
    uint32_t n = 0;
    if (vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || n == 0)
        return false;
    VkExtensionProperties *e = vkb_calloc(n, sizeof *e);
    if (!e) {
        *oom = true;
        return false;
    }
    bool found = false;
    if (vkEnumerateDeviceExtensionProperties(pd, NULL, &n, e) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; ++i) found = strcmp(e[i].extensionName, name) == 0;
    vkb_free(e);
    return found;
}

/* What a Vulkan 1.3 device offers the cooperative-matrix matmul and subgroup size control
 * (zeros unless the device and instance_api are 1.3); *oom when an allocation failed. */
static void device_caps13(VkInstance inst, uint32_t instance_api, VkPhysicalDevice pd, vkb_caps13 *c, bool *oom) {
    memset(c, 0, sizeof *c);
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(pd, &p);
    /* 1.3 structures are valid only where instance and device are both 1.3 */
    if (p.apiVersion < VK_API_VERSION_1_3 || instance_api < VK_API_VERSION_1_3) return;
    c->api13 = true;
    c->coopmat_ext = has_device_extension(pd, VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME, oom);
    VkPhysicalDeviceCooperativeMatrixFeaturesKHR cmf = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR};
    VkPhysicalDeviceVulkan13Features f13 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
                                            c->coopmat_ext ? (void *)&cmf : NULL};
    VkPhysicalDeviceVulkan12Features f12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, &f13};
    VkPhysicalDeviceVulkan11Features f11 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, &f12};
    VkPhysicalDeviceFeatures2 f2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &f11};
    vkGetPhysicalDeviceFeatures2(pd, &f2);
    VkPhysicalDeviceSubgroupSizeControlProperties ssc = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
    VkPhysicalDeviceProperties2 p2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &ssc};
    vkGetPhysicalDeviceProperties2(pd, &p2);
    c->float16 = f12.shaderFloat16;
    c->storage16 = f11.storageBuffer16BitAccess;
    c->memory_model = f12.vulkanMemoryModel;
    c->maintenance4 = f13.maintenance4;
    c->size_control = f13.subgroupSizeControl && f13.computeFullSubgroups &&
                      (ssc.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT);
    if (c->size_control) {
        c->sub_min = ssc.minSubgroupSize;
        c->sub_max = ssc.maxSubgroupSize;
    }
    c->coopmat = c->coopmat_ext && cmf.cooperativeMatrix;
    PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR get =
        c->coopmat && inst ? (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)vkGetInstanceProcAddr(
                                 inst, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR")
                           : NULL;
    uint32_t n = 0;
    if (!get || get(pd, &n, NULL) != VK_SUCCESS || n == 0) return;
    VkCooperativeMatrixPropertiesKHR *cp = vkb_calloc(n, sizeof *cp);
    if (!cp) {
        *oom = true;
        return;
    }
    for (uint32_t i = 0; i < n; ++i) cp[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR;
    VkResult r = get(pd, &n, cp);
    /* the float16 x float16 + float32 shape with the most work per instruction, at most 32 on
     * a side (the kernel's shared-memory staging is sized for that) */
    for (uint32_t i = 0; (r == VK_SUCCESS || r == VK_INCOMPLETE) && i < n; ++i) {
        const VkCooperativeMatrixPropertiesKHR *q = &cp[i];
        if (q->AType != VK_COMPONENT_TYPE_FLOAT16_KHR || q->BType != VK_COMPONENT_TYPE_FLOAT16_KHR ||
            q->CType != VK_COMPONENT_TYPE_FLOAT32_KHR || q->ResultType != VK_COMPONENT_TYPE_FLOAT32_KHR ||
            q->scope != VK_SCOPE_SUBGROUP_KHR || q->saturatingAccumulation || q->MSize > 32 || q->NSize > 32 ||
            q->KSize > 32 || q->MSize % 4 || q->NSize % 4 || q->KSize % 4)
            continue;
        if ((uint64_t)q->MSize * q->NSize * q->KSize > (uint64_t)c->cm * c->cn * c->ck) {
            c->cm = q->MSize;
            c->cn = q->NSize;
            c->ck = q->KSize;
        }
    }
    vkb_free(cp);
}

/* Reads identity, limits and features of one physical device. Of a Vulkan 1.0 device (which
 * vkbert lists but does not use) only what Vulkan 1.0 commands tell: its 1.1 commands are
 * invalid, and missing from a 1.0 driver. */
/* `c13`, when not NULL, receives the Vulkan 1.3 capabilities read along the way. */
static void read_info(VkInstance inst, uint32_t inst_api, VkPhysicalDevice pd, uint32_t index, vkbert_device_info *info,
                      vkb_caps13 *c13, bool *oom) {
    memset(info, 0, sizeof *info);
    if (c13) memset(c13, 0, sizeof *c13);
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(pd, &p);
    bool v11 = p.apiVersion >= VK_API_VERSION_1_1;
    bool v12 = p.apiVersion >= VK_API_VERSION_1_2;
    bool drv_ext = v12 || (v11 && has_device_extension(pd, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME, oom));

    VkPhysicalDeviceSubgroupProperties sub = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties m3 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES, &sub};
    VkPhysicalDeviceDriverProperties drv = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES, &m3};
    VkPhysicalDeviceProperties2 p2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, drv_ext ? (void *)&drv : (void *)&m3};
    if (v11) vkGetPhysicalDeviceProperties2(pd, &p2);

    info->index = index;
    snprintf(info->name, sizeof info->name, "%s", p.deviceName);
    info->type = map_type(p.deviceType);
    info->vendor_id = p.vendorID;
    info->device_id = p.deviceID;
    snprintf(info->vendor, sizeof info->vendor, "%s", vendor_name(p.vendorID));
    if (drv_ext) {
        snprintf(info->driver_name, sizeof info->driver_name, "%s", drv.driverName);
        snprintf(info->driver_info, sizeof info->driver_info, "%s", drv.driverInfo);
    }
    info->driver_version = p.driverVersion;
    info->api_version = p.apiVersion;
    info->max_workgroup_invocations = p.limits.maxComputeWorkGroupInvocations;
    for (int i = 0; i < 3; ++i) info->max_workgroup_count[i] = p.limits.maxComputeWorkGroupCount[i];
    info->max_shared_memory_bytes = p.limits.maxComputeSharedMemorySize;
    info->max_push_constants_bytes = p.limits.maxPushConstantsSize;
    info->max_storage_buffer_range = p.limits.maxStorageBufferRange;
    info->max_storage_buffers_per_stage = p.limits.maxPerStageDescriptorStorageBuffers;
    info->max_memory_allocation_bytes = m3.maxMemoryAllocationSize;
    info->max_memory_allocation_count = p.limits.maxMemoryAllocationCount;
    info->subgroup_size = sub.subgroupSize;
    info->subgroup_shuffle = (sub.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                             (sub.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
    info->max_texel_buffer_elements = p.limits.maxTexelBufferElements;

    VkPhysicalDeviceMemoryProperties mem;
    vkGetPhysicalDeviceMemoryProperties(pd, &mem);
    for (uint32_t i = 0; i < mem.memoryHeapCount; ++i)
        if (mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
            info->device_local_bytes += mem.memoryHeaps[i].size;
    const VkMemoryPropertyFlags both =
        VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
    for (uint32_t i = 0; i < mem.memoryTypeCount; ++i)
        if ((mem.memoryTypes[i].propertyFlags & both) == both) info->host_visible_device_local = true;
    if (!v11) return;
    /* A portability driver (MoltenVK) says so with VK_KHR_portability_subset, which the device
     * must then be created with (context.c). The subset's features
     * (VkPhysicalDevicePortabilitySubsetFeaturesKHR) are all graphics (blend factors, image
     * views, sampler LOD bias, stencil, tessellation, triangle fans, points, vertex
     * attributes) or events, none of which vkbert's compute work uses, so they are not read;
     * what such a device does not have for compute (float16 arithmetic, 16-bit storage,
     * subgroup operations and sizes, texel-buffer sizes and formats) it reports through the
     * ordinary features and limits below, which the policy checks on every device. */
    info->portability_subset = has_device_extension(pd, VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME, oom);

    bool f16_ext = v12 || has_device_extension(pd, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME, oom);
    bool tl_ext = v12 || has_device_extension(pd, VK_KHR_TIMELINE_SEMAPHORE_EXTENSION_NAME, oom);
    VkPhysicalDevice16BitStorageFeatures s16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    VkPhysicalDeviceTimelineSemaphoreFeatures tl = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES};
    void *chain = &s16;
    if (f16_ext) { f16.pNext = chain; chain = &f16; }
    if (tl_ext) { tl.pNext = chain; chain = &tl; }
    VkPhysicalDeviceFeatures2 f2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, chain};
    vkGetPhysicalDeviceFeatures2(pd, &f2);
    info->storage_buffer_16bit = s16.storageBuffer16BitAccess;
    info->shader_float16 = f16_ext && f16.shaderFloat16;
    info->timeline_semaphore = tl_ext && tl.timelineSemaphore;
    vkb_caps13 own;
    if (!c13) c13 = &own;
    device_caps13(inst, inst_api, pd, c13, oom);
    info->subgroup_size_min = c13->sub_min;
    info->subgroup_size_max = c13->sub_max;
    info->coopmat_m = c13->cm;
    info->coopmat_n = c13->cn;
    info->coopmat_k = c13->ck;
}


/* Enumerates physical devices into `pds` (at most VKB_MAX_DEVICES). */
static vkbert_status enumerate(vkbert_context *ctx, VkInstance inst, VkPhysicalDevice *pds,
                               uint32_t *count) {
    uint32_t n = VKB_MAX_DEVICES;
    VkResult r = vkEnumeratePhysicalDevices(inst, &n, pds);
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) return vkb_vk_fail(ctx, r, "vkEnumeratePhysicalDevices");
    if (n == 0) return vkb_fail(ctx, VKBERT_ERROR_NO_DEVICE, "no Vulkan device found");
    *count = n;
    return VKBERT_OK;
}

vkbert_status vkbert_devices_list(vkbert_device_info *out, uint32_t capacity, uint32_t *count) {
    if (!count || (capacity && !out))
        return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_devices_list: NULL argument");
    *count = 0;
    VkInstance inst;
    uint32_t api = 0;
    vkbert_status st = vkb_instance_create(NULL, false, true, &inst, &api);
    if (st) return st;
    VkPhysicalDevice pds[VKB_MAX_DEVICES];
    uint32_t n = 0;
    st = enumerate(NULL, inst, pds, &n);
    bool oom = false;
    if (st == VKBERT_OK) {
        for (uint32_t i = 0; i < n && i < capacity; ++i) read_info(inst, api, pds[i], i, &out[i], NULL, &oom);
        *count = n;
        if (oom) st = vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory reading device properties");
    }
    vkDestroyInstance(inst, NULL);
    return st;
}

static bool contains_nocase(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; ++hay) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) ++i;
        if (i == n) return true;
    }
    return n == 0;
}

static int type_rank(vkbert_device_type t) {
    switch (t) {
    case VKBERT_DEVICE_DISCRETE: return 0;
    case VKBERT_DEVICE_INTEGRATED: return 1;
    case VKBERT_DEVICE_VIRTUAL: return 2;
    case VKBERT_DEVICE_CPU: return 3;
    default: return 4;
    }
}

static bool compute_family_bits(VkPhysicalDevice pd, uint32_t *family, uint32_t *timestamp_bits) {
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, NULL);
    VkQueueFamilyProperties q[32];
    if (n > 32) n = 32;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q);
    for (uint32_t i = 0; i < n; ++i)
        if ((q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && q[i].queueCount > 0) {
            *family = i;
            if (timestamp_bits) *timestamp_bits = q[i].timestampValidBits;
            return true;
        }
    return false;
}

static bool compute_family(VkPhysicalDevice pd, uint32_t *family) { return compute_family_bits(pd, family, NULL); }

vkbert_status vkb_device_choose(vkbert_context *ctx, const char *sel) {
    VkPhysicalDevice pds[VKB_MAX_DEVICES];
    uint32_t n = 0;
    vkbert_status st = enumerate(ctx, ctx->instance, pds, &n);
    if (st) return st;
    vkbert_device_info infos[VKB_MAX_DEVICES];
    vkb_caps13 caps[VKB_MAX_DEVICES];
    bool oom = false;
    for (uint32_t i = 0; i < n; ++i) read_info(ctx->instance, ctx->instance_api, pds[i], i, &infos[i], &caps[i], &oom);
    if (oom) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory reading device properties");

    int chosen = -1;
    if (sel && *sel) {
        char *end = NULL;
        long idx = strtol(sel, &end, 10);
        if (end && *end == '\0') {
            if (idx < 0 || (uint32_t)idx >= n)
                return vkb_fail(ctx, VKBERT_ERROR_NO_DEVICE,
                                "device index %s out of range: %u device(s) found", sel, n);
            chosen = (int)idx;
        } else {
            for (uint32_t i = 0; i < n && chosen < 0; ++i)
                if (contains_nocase(infos[i].name, sel)) chosen = (int)i;
            if (chosen < 0) {
                char names[512] = "";
                for (uint32_t i = 0; i < n; ++i) {
                    size_t len = strlen(names);
                    snprintf(names + len, sizeof names - len, "%s%u: %s", i ? ", " : "", i, infos[i].name);
                }
                return vkb_fail(ctx, VKBERT_ERROR_NO_DEVICE, "no Vulkan device matches \"%s\" (found %s)",
                                sel, names);
            }
        }
    } else {
        for (uint32_t i = 0; i < n; ++i) {
            uint32_t fam;
            if (infos[i].api_version < VK_API_VERSION_1_1 || !compute_family(pds[i], &fam)) continue;
            if (chosen < 0 || type_rank(infos[i].type) < type_rank(infos[chosen].type)) chosen = (int)i;
        }
        if (chosen < 0)
            return vkb_fail(ctx, VKBERT_ERROR_NO_DEVICE, "no Vulkan 1.1 device with a compute queue found");
    }
    if (infos[chosen].api_version < VK_API_VERSION_1_1)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "device %s supports only Vulkan 1.0; vkbert needs 1.1",
                        infos[chosen].name);
    if (!compute_family_bits(pds[chosen], &ctx->queue_family, &ctx->timestamp_bits))
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "device %s has no compute queue", infos[chosen].name);
    ctx->physical = pds[chosen];
    ctx->info = infos[chosen];
    ctx->caps13 = caps[chosen];
    return VKBERT_OK;
}

/* A host application's instance, device and queue: read what vkbert needs to know, create
 * nothing but vkbert's own objects (command pool, fences, pipelines, buffers). */
vkbert_status vkb_device_adopt(vkbert_context *ctx, const vkbert_external_device *e) {
    if (!e->instance || !e->physical_device || !e->device)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "external device: instance, physical_device and device "
                        "are all required");
    vkbert_status lst = vkb_loader_init();
    if (!lst) lst = vkb_loader_load_instance((VkInstance)e->instance);
    if (lst) return vkb_propagate(ctx, lst);
    if ((e->lock_queue == NULL) != (e->unlock_queue == NULL))
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "external device: give both lock_queue and unlock_queue");
    ctx->external = *e;
    ctx->borrowed = true;
    ctx->instance = (VkInstance)e->instance;
    ctx->physical = (VkPhysicalDevice)e->physical_device;
    ctx->device = (VkDevice)e->device;
    bool oom = false;
    ctx->instance_api = e->instance_api_version ? e->instance_api_version : VK_API_VERSION_1_1;
    read_info(ctx->instance, ctx->instance_api, ctx->physical, 0, &ctx->info, &ctx->caps13, &oom);
    if (oom) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory reading device properties");
    vkGetPhysicalDeviceProperties(ctx->physical, &ctx->props);
    vkGetPhysicalDeviceMemoryProperties(ctx->physical, &ctx->memory);
    if (ctx->props.apiVersion < VK_API_VERSION_1_1)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "external device %s supports only Vulkan 1.0; vkbert needs 1.1",
                        ctx->info.name);
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(ctx->physical, &n, NULL);
    VkQueueFamilyProperties q[32];
    if (n > 32) n = 32;
    vkGetPhysicalDeviceQueueFamilyProperties(ctx->physical, &n, q);
    if (e->queue_family >= n || !(q[e->queue_family].queueFlags & VK_QUEUE_COMPUTE_BIT) ||
        e->queue_index >= q[e->queue_family].queueCount)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "external device: queue family %u index %u is not a "
                        "compute queue of %s", e->queue_family, e->queue_index, ctx->info.name);
    ctx->queue_family = e->queue_family;
    ctx->queue_index = e->queue_index;
    ctx->timestamp_bits = q[e->queue_family].timestampValidBits;
    /* optional features only where the host says it enabled them */
    ctx->float16 = e->shader_float16 && ctx->info.shader_float16 && !ctx->min_limits;
    ctx->storage16 = e->storage_buffer_16bit && ctx->info.storage_buffer_16bit && !ctx->min_limits;
    /* A semaphore is only of use on the host's own device: there the host can wait on it in
     * its submissions. vkbert's own device keeps to fences (and Khronos validation 1.3.239
     * crashes under load tracking timeline semaphores that are created and destroyed often). */
    ctx->timeline = e->timeline_semaphore && ctx->info.timeline_semaphore;
    /* the cooperative-matrix matmul and subgroup size control: a 1.3 instance and device
     * whose host enabled what they need (vkbert_external_device) */
    bool v13 = ctx->instance_api >= VK_API_VERSION_1_3 && ctx->caps13.api13 && !ctx->min_limits;
    ctx->features13 = v13 && e->cooperative_matrix;
    ctx->size_control = ctx->features13 && ctx->caps13.size_control;
    ctx->coopmat_enabled = ctx->features13 && ctx->caps13.coopmat && ctx->float16;
    if (!v13 || !e->cooperative_matrix)
        snprintf(ctx->coopmat_why, sizeof ctx->coopmat_why, "the host's %s",
                 !v13 ? "instance or device is below Vulkan 1.3" : "device was not created for it "
                 "(vkbert_external_device.cooperative_matrix)");
    return VKBERT_OK;
}

