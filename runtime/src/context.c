/* Context: instance, device choice, compute queue, capabilities, bounded waits. */
#include "vkb_internal.h"

#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VKB_DEFAULT_TIMEOUT_MS 300000u
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

/* Reads identity, limits and features of one physical device. Of a Vulkan 1.0 device (which
 * vkbert lists but does not use) only what Vulkan 1.0 commands tell: its 1.1 commands are
 * invalid, and missing from a 1.0 driver. */
static void read_info(VkPhysicalDevice pd, uint32_t index, vkbert_device_info *info, bool *oom) {
    memset(info, 0, sizeof *info);
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
}

static VkBool32 VKAPI_PTR on_debug_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                           VkDebugUtilsMessageTypeFlagsEXT types,
                                           const VkDebugUtilsMessengerCallbackDataEXT *data,
                                           void *user) {
    vkbert_context *ctx = user;
    bool serious = severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT);
    if ((types & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT) && serious) {
        ctx->validation_messages++;
        vkb_log(ctx, VKBERT_LOG_ERROR, "Vulkan validation: %s", data->pMessage);
    } else {
        vkb_log(ctx, serious ? VKBERT_LOG_WARNING : VKBERT_LOG_DEBUG, "Vulkan: %s", data->pMessage);
    }
    return VK_FALSE;
}

static bool has_layer(const char *name, bool *oom) {
    uint32_t n = 0;
    if (vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || n == 0) return false;
    VkLayerProperties *l = vkb_calloc(n, sizeof *l);
    if (!l) {
        *oom = true;
        return false;
    }
    bool found = false;
    if (vkEnumerateInstanceLayerProperties(&n, l) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; ++i) found = strcmp(l[i].layerName, name) == 0;
    vkb_free(l);
    return found;
}

static bool has_instance_extension(const char *name, bool *oom) {
    uint32_t n = 0;
    if (vkEnumerateInstanceExtensionProperties(NULL, &n, NULL) != VK_SUCCESS || n == 0) return false;
    VkExtensionProperties *e = vkb_calloc(n, sizeof *e);
    if (!e) {
        *oom = true;
        return false;
    }
    bool found = false;
    if (vkEnumerateInstanceExtensionProperties(NULL, &n, e) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; ++i) found = strcmp(e[i].extensionName, name) == 0;
    vkb_free(e);
    return found;
}

static vkbert_status create_instance(vkbert_context *ctx, bool validation, VkInstance *out) {
    vkbert_status lst = vkb_loader_init();
    if (lst) return vkb_propagate(ctx, lst);
    uint32_t version = VK_API_VERSION_1_0;
    if (!vkEnumerateInstanceVersion || vkEnumerateInstanceVersion(&version) != VK_SUCCESS || version < VK_API_VERSION_1_1)
        return vkb_fail(ctx, VKBERT_ERROR_NO_DEVICE,
                        "the Vulkan loader supports only Vulkan 1.0; vkbert needs 1.1");
    const char *layers[1];
    uint32_t layer_count = 0;
    bool oom = false;
    if (validation) {
        if (has_layer("VK_LAYER_KHRONOS_validation", &oom))
            layers[layer_count++] = "VK_LAYER_KHRONOS_validation";
        else
            vkb_log(ctx, VKBERT_LOG_WARNING, "validation requested but VK_LAYER_KHRONOS_validation "
                    "is not installed (Debian: apt-get install vulkan-validationlayers)");
    }
    const char *exts[1];
    uint32_t ext_count = 0;
    bool debug = ctx && has_instance_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME, &oom);
    if (oom) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory creating the Vulkan instance");
    if (debug) exts[ext_count++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;

    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO, NULL, "vkbert", 1, "vkbert", 1,
                             VK_API_VERSION_1_1};
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, NULL, 0, &app,
                               layer_count, layers, ext_count, exts};
    VkResult r = VKB_VK(vkCreateInstance(&ci, NULL, out));
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
        return vkb_fail(ctx, VKBERT_ERROR_NO_DEVICE,
                        "no Vulkan driver found (install one, e.g. Debian's mesa-vulkan-drivers)");
    if (r != VK_SUCCESS) return vkb_vk_fail(ctx, r, "vkCreateInstance");
    lst = vkb_loader_load_instance(*out);
    if (lst) return vkb_propagate(ctx, lst);
    if (debug) {
        PFN_vkCreateDebugUtilsMessengerEXT create =
            (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(*out, "vkCreateDebugUtilsMessengerEXT");
        ctx->destroy_messenger =
            (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(*out, "vkDestroyDebugUtilsMessengerEXT");
        VkDebugUtilsMessengerCreateInfoEXT mi = {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
        mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                             VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
        mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
        mi.pfnUserCallback = on_debug_message;
        mi.pUserData = ctx;
        if (create && ctx->destroy_messenger)
            create(*out, &mi, NULL, &ctx->messenger);
    }
    return VKBERT_OK;
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
    vkbert_status st = create_instance(NULL, false, &inst);
    if (st) return st;
    VkPhysicalDevice pds[VKB_MAX_DEVICES];
    uint32_t n = 0;
    st = enumerate(NULL, inst, pds, &n);
    bool oom = false;
    if (st == VKBERT_OK) {
        for (uint32_t i = 0; i < n && i < capacity; ++i) read_info(pds[i], i, &out[i], &oom);
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

static vkbert_status choose_device(vkbert_context *ctx, const char *sel) {
    VkPhysicalDevice pds[VKB_MAX_DEVICES];
    uint32_t n = 0;
    vkbert_status st = enumerate(ctx, ctx->instance, pds, &n);
    if (st) return st;
    vkbert_device_info infos[VKB_MAX_DEVICES];
    bool oom = false;
    for (uint32_t i = 0; i < n; ++i) read_info(pds[i], i, &infos[i], &oom);
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
    return VKBERT_OK;
}

/* Driver bugs vkbert works around. The context's device info says what vkbert will use.
 *   llvmpipe with 128-bit vectors (arm64 NEON, LLVM 15): compiling a shader that loads
 *   float16 from a storage buffer aborts the process ("Cannot select: fp_extend v4i16"),
 *   so 16-bit storage and float16 arithmetic are not used there (fp16 weights still work
 *   through RGBA16F texel buffers). */
static void apply_quirks(vkbert_context *ctx) {
    if (strstr(ctx->info.name, "llvmpipe") && strstr(ctx->info.name, "128 bits")) {
        ctx->info.storage_buffer_16bit = false;
        ctx->info.shader_float16 = false;
        ctx->storage16 = false;
        ctx->float16 = false;
        ctx->fp16_arith = false;
    }
}

/* The device-class table for the matmul design (see docs/benchmarks.md):
 *   CPU-backed drivers   texel: texel-buffer operands, rows shared with subgroupShuffle,
 *                        repacked weights (PERF-NOTES.md; ~15x the storage kernel on lavapipe)
 *   discrete GPUs        tiled: shared-memory tiles, 16 x 8 invocations, 8 x 4 per invocation
 *   integrated GPUs      tiled: 16 x 8 invocations, 4 x 4 per invocation (less shared memory)
 *   mobile GPUs          tiled: 8 x 8 invocations, 4 x 4 per invocation (32 x 32 tiles, 4 KiB
 *                        of shared memory): ARM, Qualcomm, Imagination, Broadcom, Samsung
 *   anything else        storage: register-blocked, no shared memory, no subgroups
 * VKBERT_MATMUL=storage|texel|tiled, VKBERT_TILE=WGX,WGY,TM,TN and VKBERT_TEXEL_ROWS=8|16|24|32
 * (texel: rows per subgroup) override it for tuning runs; a variant the device cannot run
 * (texel needs 8-wide subgroups with shuffle, tiled must fit the workgroup and shared-memory
 * limits) falls back to storage. Row kernels (layernorm) run a row per invocation on CPU-class
 * devices, a workgroup per row elsewhere. */
static void choose_matmul(vkbert_context *ctx) {
    const vkbert_device_info *d = &ctx->info;
    /* matmul_texel: rows per subgroup, 32 unless VKBERT_TEXEL_ROWS says 8, 16 or 24 (a bad
     * value is reported whether or not this device runs the texel kernels) */
    ctx->texel_rg = 4;
    const char *renv = getenv("VKBERT_TEXEL_ROWS");
    if (renv) {
        unsigned rows;
        char end;
        if (sscanf(renv, "%u%c", &rows, &end) == 1 && rows && rows % 8 == 0 && rows <= 32)
            ctx->texel_rg = rows / 8;
        else
            vkb_log(ctx, VKBERT_LOG_WARNING, "VKBERT_TEXEL_ROWS=%s ignored: want 8, 16, 24 or 32", renv);
    }
    if (ctx->min_limits) { /* the portable kernels only */
        ctx->matmul_texel = ctx->matmul_tiled = ctx->rows_per_lane = false;
        return;
    }
    ctx->rows_per_lane = d->type == VKBERT_DEVICE_CPU;
    /* texel views of 64 MiB at least: less would cut activations into chunks of a few sequences
     * (or not fit one: a 512-token bert-large FFN activation is 8 MiB) */
    bool texel_ok = d->subgroup_size == 8 && d->subgroup_shuffle && d->max_texel_buffer_elements >= (1u << 22);
    uint32_t v = d->vendor_id;
    bool mobile = v == 0x13B5 || v == 0x5143 || v == 0x1010 || v == 0x14E4 || v == 0x144D;
    uint32_t tile[4] = {16, 8, d->type == VKBERT_DEVICE_INTEGRATED ? 4 : 8, 4};
    if (mobile) {
        tile[0] = 8;
        tile[1] = 8;
        tile[2] = 4;
        tile[3] = 4;
    }
    const char *tenv = getenv("VKBERT_TILE");
    if (tenv) {
        unsigned a, b, c, e;
        if (sscanf(tenv, "%u,%u,%u,%u", &a, &b, &c, &e) == 4 && a && b && c && e && c * e <= 64) {
            tile[0] = a, tile[1] = b, tile[2] = c, tile[3] = e;
        } else {
            vkb_log(ctx, VKBERT_LOG_WARNING, "VKBERT_TILE=%s ignored: want WGX,WGY,TM,TN with TM*TN <= 64", tenv);
        }
    }
    bool tiled_ok = tile[0] * tile[1] <= d->max_workgroup_invocations &&
                    (tile[1] * tile[2] + tile[0] * tile[3]) * 16 * 4 <= d->max_shared_memory_bytes;
    const char *env = getenv("VKBERT_MATMUL");
    bool gpu = d->type == VKBERT_DEVICE_DISCRETE || d->type == VKBERT_DEVICE_INTEGRATED;
    ctx->matmul_texel = env ? !strcmp(env, "texel") && texel_ok : d->type == VKBERT_DEVICE_CPU && texel_ok;
    ctx->matmul_tiled = env ? !strcmp(env, "tiled") && tiled_ok : gpu && tiled_ok;
    memcpy(ctx->tile, tile, sizeof tile);
}

/* Weight precision. fp16 weights are read through RGBA16F texel views on the texel path,
 * or with 16-bit storage on the storage-buffer path. AUTO: fp32 on CPU-backed drivers
 * (lavapipe runs fp16 texel weights ~25% slower: the conversion costs more than the
 * bytes it saves; docs/benchmarks.md), fp16 on GPUs with 16-bit storage (matmuls read
 * half the bytes; not yet measured on a GPU). VKBERT_PRECISION=fp32|fp16 in the
 * environment overrides AUTO. */
static vkbert_status choose_precision(vkbert_context *ctx, vkbert_precision want) {
    VkFormatProperties fp;
    vkGetPhysicalDeviceFormatProperties(ctx->physical, VK_FORMAT_R16G16B16A16_SFLOAT, &fp);
    bool texel16 = fp.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT;
    bool can = ctx->matmul_texel ? texel16 : ctx->storage16;
    const char *env = getenv("VKBERT_PRECISION");
    if (ctx->min_limits) { /* no 16-bit storage, no float16 */
        if (want == VKBERT_PRECISION_FP16)
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "fp16 weights need 16-bit storage, which the "
                            "minimum-limits kernels do not use");
        ctx->fp16_weights = ctx->fp16_arith = false;
        return VKBERT_OK;
    }
    if (want == VKBERT_PRECISION_AUTO && env && !strcmp(env, "fp32")) want = VKBERT_PRECISION_FP32;
    if (want == VKBERT_PRECISION_AUTO && env && !strcmp(env, "fp16")) want = VKBERT_PRECISION_FP16;
    if ((unsigned)want > VKBERT_PRECISION_FP16)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown precision %d", (int)want);
    if (want == VKBERT_PRECISION_FP16 && !can)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "fp16 weights need 16-bit storage buffers (or RGBA16F texel "
                        "buffers on CPU drivers); %s has neither", ctx->info.name);
    bool gpu = ctx->info.type == VKBERT_DEVICE_DISCRETE || ctx->info.type == VKBERT_DEVICE_INTEGRATED;
    ctx->fp16_weights = want == VKBERT_PRECISION_FP16 || (want == VKBERT_PRECISION_AUTO && can && gpu);
    /* fp16 arithmetic (fp32 accumulation) in the tiled matmul where the device has it:
     * measured within the accuracy bar (tests/precision.py); VKBERT_F16_ARITH=0 turns it off */
    const char *arith = getenv("VKBERT_F16_ARITH");
    ctx->fp16_arith = ctx->fp16_weights && ctx->matmul_tiled && ctx->float16 && ctx->storage16 &&
                      !(arith && !strcmp(arith, "0"));
    return VKBERT_OK;
}

const char *vkbert_context_matmul_variant(const vkbert_context *ctx) {
    return !ctx ? "" : ctx->matmul_texel ? "texel" : ctx->matmul_tiled ? "tiled" : "storage";
}

vkbert_precision vkbert_context_precision(const vkbert_context *ctx) {
    return ctx && ctx->fp16_weights ? VKBERT_PRECISION_FP16 : VKBERT_PRECISION_FP32;
}

/* A host application's instance, device and queue: read what vkbert needs to know, create
 * nothing but vkbert's own objects (command pool, fences, pipelines, buffers). */
static vkbert_status adopt(vkbert_context *ctx, const vkbert_external_device *e) {
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
    read_info(ctx->physical, 0, &ctx->info, &oom);
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
    return VKBERT_OK;
}

/* Parses "8388608", "8M", "512K", "1G" (binary units); false on anything else. */
static bool parse_bytes(const char *text, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || errno || text[0] == '-') return false;
    uint64_t unit = 1;
    if (*end == 'K' || *end == 'k') unit = 1ull << 10, ++end;
    else if (*end == 'M' || *end == 'm') unit = 1ull << 20, ++end;
    else if (*end == 'G' || *end == 'g') unit = 1ull << 30, ++end;
    if (*end || v > UINT64_MAX / unit) return false;
    *out = v * unit;
    return true;
}

#define VKB_MIN_FORCED_BINDING (64u << 10)

/* ctx->max_binding: the device's binding and allocation limits, lowered by the desc or
 * VKBERT_MAX_BUFFER_BYTES. */
static vkbert_status binding_limit(vkbert_context *ctx, uint64_t requested) {
    VkDeviceSize limit = ctx->info.max_storage_buffer_range ? ctx->info.max_storage_buffer_range : (1u << 27);
    if (ctx->info.max_memory_allocation_bytes && ctx->info.max_memory_allocation_bytes < limit)
        limit = ctx->info.max_memory_allocation_bytes;
    const char *env = getenv("VKBERT_MAX_BUFFER_BYTES");
    uint64_t forced = requested;
    if (!forced && env && env[0] && !parse_bytes(env, &forced))
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT,
                        "VKBERT_MAX_BUFFER_BYTES=\"%.40s\" is not a size (bytes, or a number with K, M or G)", env);
    if (forced && forced < VKB_MIN_FORCED_BINDING)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "max_buffer_bytes %llu is under the minimum of %u",
                        (unsigned long long)forced, VKB_MIN_FORCED_BINDING);
    if (forced && forced < limit) {
        limit = forced;
        vkb_log(ctx, VKBERT_LOG_INFO, "buffer bindings limited to %llu bytes", (unsigned long long)limit);
    }
    ctx->max_binding = limit & ~(VkDeviceSize)255;  /* keeps every part's size aligned */
    return VKBERT_OK;
}

vkbert_status vkbert_context_create(const vkbert_context_desc *desc, vkbert_context **out) {
    if (!out) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_context_create: out is NULL");
    *out = NULL;
    vkbert_context_desc d = desc ? *desc : (vkbert_context_desc){0};
    vkbert_context *ctx = vkb_calloc(1, sizeof *ctx);
    if (!ctx) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkb_mutex_init(&ctx->lock);
    ctx->log = d.log;
    ctx->log_user = d.log_user;
    ctx->timeout_ns = (uint64_t)(d.timeout_ms ? d.timeout_ms : VKB_DEFAULT_TIMEOUT_MS) * 1000000u;
    ctx->force_staging = d.force_staging;
    ctx->max_dispatches_per_submit = d.max_dispatches_per_submit;
    const char *limits = getenv("VKBERT_LIMITS");
    ctx->min_limits = d.min_limits || (limits && !strcmp(limits, "min"));
    const char *env_val = getenv("VKBERT_VALIDATION");
    bool validation = d.validation || (env_val && strcmp(env_val, "1") == 0);
    const char *sel = d.device ? d.device : getenv("VKBERT_DEVICE");

    vkbert_status st = VKBERT_OK;
    if (d.external) {
        st = adopt(ctx, d.external);
    } else {
        st = create_instance(ctx, validation, &ctx->instance);
        if (!st) st = choose_device(ctx, sel);
    }
    if (!st && !d.external) {
        vkGetPhysicalDeviceProperties(ctx->physical, &ctx->props);
        vkGetPhysicalDeviceMemoryProperties(ctx->physical, &ctx->memory);
        float prio = 1.0f;
        VkDeviceQueueCreateInfo qi = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0,
                                      ctx->queue_family, 1, &prio};
        /* float16 arithmetic where the device has it (the fp16 peak microbenchmark) */
        VkPhysicalDeviceShaderFloat16Int8Features f16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
        const char *exts[1];
        uint32_t ext_count = 0;
        VkDeviceCreateInfo di = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, NULL, 0, 1, &qi};
        if (ctx->info.shader_float16 && !ctx->min_limits) {
            f16.shaderFloat16 = VK_TRUE;
            di.pNext = &f16;
            if (ctx->info.api_version < VK_API_VERSION_1_2) exts[ext_count++] = VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME;
            ctx->float16 = true;
        }
        /* 16-bit storage (core in 1.1) for float16 weights on the storage-buffer path */
        VkPhysicalDevice16BitStorageFeatures s16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
        if (ctx->info.storage_buffer_16bit && !ctx->min_limits) {
            s16.storageBuffer16BitAccess = VK_TRUE;
            s16.pNext = (void *)di.pNext;
            di.pNext = &s16;
            ctx->storage16 = true;
        }
        di.enabledExtensionCount = ext_count;
        di.ppEnabledExtensionNames = exts;
        VkResult r = VKB_VK(vkCreateDevice(ctx->physical, &di, NULL, &ctx->device));
        if (r != VK_SUCCESS) st = vkb_vk_fail(ctx, r, "vkCreateDevice");
    }
    if (!st) st = binding_limit(ctx, d.max_buffer_bytes);
    if (!st) {
        vkGetDeviceQueue(ctx->device, ctx->queue_family, ctx->queue_index, &ctx->queue);
        VkCommandPoolCreateInfo pi = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, NULL,
                                      VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT, ctx->queue_family};
        VkResult r = VKB_VK(vkCreateCommandPool(ctx->device, &pi, NULL, &ctx->pool));
        if (r != VK_SUCCESS) st = vkb_vk_fail(ctx, r, "vkCreateCommandPool");
    }
    if (!st) {
        VkFenceCreateInfo fi = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        VkResult r = VKB_VK(vkCreateFence(ctx->device, &fi, NULL, &ctx->fence));
        if (r != VK_SUCCESS) st = vkb_vk_fail(ctx, r, "vkCreateFence");
    }
    if (!st) {
        st = vkb_pipeline_cache_path(ctx, d.pipeline_cache_path, &ctx->pipeline_cache_path);
        if (!st)
            st = vkb_pipeline_cache_create(ctx, d.pipeline_cache_data, d.pipeline_cache_size, ctx->pipeline_cache_path);
    }
    if (st) {
        char msg[sizeof ctx->last_error];
        memcpy(msg, ctx->last_error, sizeof msg);
        vkbert_context_destroy(ctx);
        return vkb_fail(NULL, st, "%s", msg);
    }
    apply_quirks(ctx);
    choose_matmul(ctx);
    ctx->timestamps = ctx->timestamp_bits > 0;
    if (!st) st = choose_precision(ctx, d.precision);
    if (st) {
        char msg[sizeof ctx->last_error];
        memcpy(msg, ctx->last_error, sizeof msg);
        vkbert_context_destroy(ctx);
        return vkb_fail(NULL, st, "%s", msg);
    }
    vkb_log(ctx, VKBERT_LOG_INFO, "device %u: %s (%s); matmul variant %s", ctx->info.index, ctx->info.name,
            ctx->info.driver_name, vkbert_context_matmul_variant(ctx));
    *out = ctx;
    return VKBERT_OK;
}

void vkbert_context_destroy(vkbert_context *ctx) {
    if (!ctx) return;
    if (ctx->device) {
        /* No vkDeviceWaitIdle (an unbounded wait): every submission is tracked by a fence
         * that its owner waited for, bounded, before this point. */
        int err = vkb_pipeline_cache_save(ctx);
        if (err)
            vkb_log(ctx, VKBERT_LOG_WARNING, "cannot save the pipeline cache to %s: %s", ctx->pipeline_cache_path,
                    strerror(err));
        vkb_pipelines_destroy(ctx);
        if (ctx->cache) vkDestroyPipelineCache(ctx->device, ctx->cache, NULL);
        if (ctx->fence) vkDestroyFence(ctx->device, ctx->fence, NULL);
        if (ctx->pool) vkDestroyCommandPool(ctx->device, ctx->pool, NULL);
        if (!ctx->borrowed) vkDestroyDevice(ctx->device, NULL); /* never what the host owns */
    }
    if (ctx->messenger) ctx->destroy_messenger(ctx->instance, ctx->messenger, NULL);
    if (ctx->instance && !ctx->borrowed) vkDestroyInstance(ctx->instance, NULL);
    vkb_free(ctx->pipeline_cache_path);
    vkb_mutex_destroy(&ctx->lock);
    vkb_free(ctx);
}

const vkbert_device_info *vkbert_context_device(const vkbert_context *ctx) {
    return ctx ? &ctx->info : NULL;
}

const char *vkbert_context_last_error(const vkbert_context *ctx) {
    return ctx ? ctx->last_error : "";
}

uint64_t vkbert_context_validation_messages(const vkbert_context *ctx) {
    return ctx ? ctx->validation_messages : 0;
}

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
