/* The Vulkan loader, opened at run time (dlopen / LoadLibrary), so that programs built on
 * vkbert start on machines without Vulkan and say so clearly. VKBERT_VULKAN_LIBRARY names
 * another loader library. Entry points are taken from the first instance vkbert creates or
 * adopts: the loader's trampolines dispatch on the object they are given, as volk does.
 * On Windows vulkan-1.dll is taken from the program's own folder or System32 (where GPU
 * drivers and the Vulkan runtime install it), never from the current directory or PATH,
 * where anyone could plant one. */
#include "vkb_internal.h"

#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#  define VKB_LOADER_NAMES {"vulkan-1.dll"}
#  define VKB_LOADER_HINT "install a GPU driver or the Vulkan runtime, or put vulkan-1.dll beside the program"
/* `by_name`: the default name, searched for in the program's folder and System32 only */
static void *open_lib(const char *n, bool by_name) {
    wchar_t *w = vkb_utf8_to_wide(n);
    HMODULE h = w ? LoadLibraryExW(w, NULL, by_name ? LOAD_LIBRARY_SEARCH_DEFAULT_DIRS : 0) : NULL;
    free(w);
    return (void *)h;
}
static void *lib_sym(void *h, const char *s) { return (void *)GetProcAddress((HMODULE)h, s); }
#else
#  include <dlfcn.h>
#  if defined(__APPLE__)
#    define VKB_LOADER_NAMES {"libvulkan.1.dylib", "libvulkan.dylib", "libMoltenVK.dylib"}
#    define VKB_LOADER_HINT "install the Vulkan SDK (LunarG) or Homebrew's molten-vk and vulkan-loader"
#  elif defined(__ANDROID__)
#    define VKB_LOADER_NAMES {"libvulkan.so"}
#    define VKB_LOADER_HINT "this device has no Vulkan"
#  else
#    define VKB_LOADER_NAMES {"libvulkan.so.1", "libvulkan.so"}
#    define VKB_LOADER_HINT "install one, e.g. Debian's libvulkan1 with a driver such as mesa-vulkan-drivers"
#  endif
static void *open_lib(const char *n, bool by_name) {
    (void)by_name;
    return dlopen(n, RTLD_NOW | RTLD_LOCAL);
}
static void *lib_sym(void *h, const char *s) { return dlsym(h, s); }
#endif

#define VKB_DEFINE_FN(name) PFN_##name vkb_fn_##name;
PFN_vkGetInstanceProcAddr vkb_fn_vkGetInstanceProcAddr;
VKB_VULKAN_GLOBAL_FUNCS(VKB_DEFINE_FN)
VKB_VULKAN_INSTANCE_FUNCS(VKB_DEFINE_FN)

static vkb_mutex_static_t g_lock = VKB_MUTEX_STATIC_INIT;
static void *g_lib;
static bool g_instance_loaded;

vkbert_status vkb_loader_init(void) {
    vkb_mutex_static_lock(&g_lock);
    vkbert_status st = VKBERT_OK;
    if (!g_lib) {
        char *env = vkb_getenv("VKBERT_VULKAN_LIBRARY"); /* a path, so UTF-8 on every system */
        const char *names[] = VKB_LOADER_NAMES;
        bool given = env && *env;
        if (given) g_lib = open_lib(env, false);
        for (size_t i = 0; !g_lib && !given && i < sizeof names / sizeof names[0]; ++i) g_lib = open_lib(names[i], true);
        if (g_lib) vkb_fn_vkGetInstanceProcAddr = (PFN_vkGetInstanceProcAddr)lib_sym(g_lib, "vkGetInstanceProcAddr");
        if (!g_lib || !vkb_fn_vkGetInstanceProcAddr) {
            g_lib = NULL;
            st = vkb_fail(NULL, VKBERT_ERROR_NO_DEVICE, "no Vulkan loader found (%s): %s", given ? env : names[0],
                          given ? "VKBERT_VULKAN_LIBRARY names no loadable Vulkan loader" : VKB_LOADER_HINT);
        } else {
#define VKB_LOAD_GLOBAL(name) vkb_fn_##name = (PFN_##name)vkb_fn_vkGetInstanceProcAddr(NULL, #name);
            VKB_VULKAN_GLOBAL_FUNCS(VKB_LOAD_GLOBAL)
            if (!vkb_fn_vkCreateInstance || !vkb_fn_vkEnumerateInstanceExtensionProperties) {
                g_lib = NULL;
                st = vkb_fail(NULL, VKBERT_ERROR_NO_DEVICE, "the Vulkan loader lacks vkCreateInstance");
            }
        }
        free(env);
    }
    vkb_mutex_static_unlock(&g_lock);
    return st;
}

vkbert_status vkb_loader_load_instance(VkInstance instance) {
    vkb_mutex_static_lock(&g_lock);
    vkbert_status st = VKBERT_OK;
    if (!g_instance_loaded) {
        bool missing = false;
#define VKB_LOAD_INSTANCE(name)                                                                  \
    vkb_fn_##name = (PFN_##name)vkb_fn_vkGetInstanceProcAddr(instance, #name);                  \
    missing |= vkb_fn_##name == NULL;
        VKB_VULKAN_INSTANCE_FUNCS(VKB_LOAD_INSTANCE)
        if (missing) st = vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "the Vulkan loader lacks Vulkan 1.1 entry points");
        else g_instance_loaded = true;
    }
    vkb_mutex_static_unlock(&g_lock);
    return st;
}
