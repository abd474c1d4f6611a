/* The Vulkan instance vkbert creates: layers, extensions, the debug messenger. */
#include "vkb_internal.h"

#include <stdlib.h>
#include <string.h>

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

vkbert_status vkb_instance_create(vkbert_context *ctx, bool validation, bool want13, VkInstance *out, uint32_t *api) {
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
    const char *exts[2];
    uint32_t ext_count = 0;
    bool debug = ctx && has_instance_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME, &oom);
    /* A loader that offers portability enumeration lists portability drivers (MoltenVK on
     * macOS) only to an instance that asks for them; a device that is one says so with
     * VK_KHR_portability_subset, enabled at device creation (context.c). */
    bool portability = has_instance_extension(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME, &oom);
    if (oom) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory creating the Vulkan instance");
    if (debug) exts[ext_count++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    if (portability) exts[ext_count++] = VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;

    *api = want13 && version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : VK_API_VERSION_1_1;
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO, NULL, "vkbert", 1, "vkbert", 1, *api};
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, NULL,
                               portability ? (VkInstanceCreateFlags)VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR : 0,
                               &app, layer_count, layers, ext_count, exts};
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

