/* Oniguruma behind vkb_regex (regex.h says why it is opened at run time on ELF systems). */
#include "regex.h"

#include "../base/lock.h"
#include "../vkb_internal.h"

#include <oniguruma.h>
#include <string.h>

typedef int (*onig_new_fn)(OnigRegex *, const OnigUChar *, const OnigUChar *, OnigOptionType, OnigEncoding,
                           OnigSyntaxType *, OnigErrorInfo *);
typedef void (*onig_free_fn)(OnigRegex);
typedef int (*onig_search_fn)(OnigRegex, const OnigUChar *, const OnigUChar *, const OnigUChar *, const OnigUChar *,
                              OnigRegion *, OnigOptionType);
typedef OnigRegion *(*onig_region_new_fn)(void);
typedef void (*onig_region_free_fn)(OnigRegion *, int);
typedef int (*onig_error_str_fn)(OnigUChar *, int, ...);
typedef int (*onig_initialize_fn)(OnigEncoding *, int);

static struct {
    onig_new_fn new_;
    onig_free_fn free_;
    onig_search_fn search;
    onig_region_new_fn region_new;
    onig_region_free_fn region_free;
    onig_error_str_fn error_str;
    OnigEncoding utf8;
    OnigSyntaxType *syntax;
} g_onig;
static vkb_mutex_static_t g_lock = VKB_MUTEX_STATIC_INIT;
static bool g_ready;

#if defined(VKBERT_ONIG_DLOPEN)
#  include <dlfcn.h>
#  ifndef VKBERT_ONIG_SONAME
#    define VKBERT_ONIG_SONAME "libonig.so.5"
#  endif
static void *sym(void *h, const char *name) { return dlsym(h, name); }
static const char *load(void) {
    void *h = dlopen(VKBERT_ONIG_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libonig.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) return "Oniguruma's library (" VKBERT_ONIG_SONAME ") cannot be opened: install it (Debian: libonig5)";
    g_onig.new_ = (onig_new_fn)sym(h, "onig_new");
    g_onig.free_ = (onig_free_fn)sym(h, "onig_free");
    g_onig.search = (onig_search_fn)sym(h, "onig_search");
    g_onig.region_new = (onig_region_new_fn)sym(h, "onig_region_new");
    g_onig.region_free = (onig_region_free_fn)sym(h, "onig_region_free");
    g_onig.error_str = (onig_error_str_fn)sym(h, "onig_error_code_to_str");
    onig_initialize_fn init = (onig_initialize_fn)sym(h, "onig_initialize");
    g_onig.utf8 = (OnigEncoding)sym(h, "OnigEncodingUTF8");
    OnigSyntaxType **syn = (OnigSyntaxType **)sym(h, "OnigDefaultSyntax");
    g_onig.syntax = syn ? *syn : NULL;
    if (!g_onig.new_ || !g_onig.free_ || !g_onig.search || !g_onig.region_new || !g_onig.region_free ||
        !g_onig.error_str || !init || !g_onig.utf8 || !g_onig.syntax) {
        dlclose(h);
        return "the Oniguruma library opened (" VKBERT_ONIG_SONAME ") lacks onig_new or its UTF-8 encoding";
    }
    OnigEncoding encs[1] = {g_onig.utf8};
    if (init(encs, 1) != ONIG_NORMAL) return "Oniguruma does not initialise its UTF-8 encoding";
    return NULL; /* the library stays open for the process's life, as the Vulkan loader does */
}
#else
static const char *load(void) {
    g_onig.new_ = onig_new;
    g_onig.free_ = onig_free;
    g_onig.search = onig_search;
    g_onig.region_new = onig_region_new;
    g_onig.region_free = onig_region_free;
    g_onig.error_str = onig_error_code_to_str;
    g_onig.utf8 = ONIG_ENCODING_UTF8;
    g_onig.syntax = ONIG_SYNTAX_DEFAULT;
    OnigEncoding encs[1] = {ONIG_ENCODING_UTF8};
    if (onig_initialize(encs, 1) != ONIG_NORMAL) return "Oniguruma does not initialise its UTF-8 encoding";
    return NULL;
}
#endif

/* NULL once the library is ready, else why it is not */
static const char *ready(void) {
    vkb_mutex_static_lock(&g_lock);
    const char *err = g_ready ? NULL : load();
    if (!err) g_ready = true;
    vkb_mutex_static_unlock(&g_lock);
    return err;
}

vkbert_status vkb_regex_new(const char *pat, const char *path, vkb_regex **out) {
    *out = NULL;
    const char *err = ready();
    if (err) return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: its regex needs Oniguruma: %s", path, err);
    OnigErrorInfo info;
    OnigRegex re = NULL;
    size_t n = strlen(pat);
    int r = g_onig.new_(&re, (const OnigUChar *)pat, (const OnigUChar *)pat + n, ONIG_OPTION_NONE, g_onig.utf8,
                        g_onig.syntax, &info);
    if (r != ONIG_NORMAL) {
        if (r == ONIGERR_MEMORY)
            return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "%s: out of memory compiling a regex", path);
        OnigUChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
        g_onig.error_str(msg, r, &info);
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: the regex \"%.200s\" does not compile: %s", path, pat,
                        (const char *)msg);
    }
    *out = (vkb_regex *)re;
    return VKBERT_OK;
}

#define VKB_STR_(x) #x
#define VKB_STR(x) VKB_STR_(x)
const char *vkb_regex_version(void) {
    return "Oniguruma " VKB_STR(ONIGURUMA_VERSION_MAJOR) "." VKB_STR(ONIGURUMA_VERSION_MINOR) "." VKB_STR(
        ONIGURUMA_VERSION_TEENY);
}

void vkb_regex_free(vkb_regex *re) {
    if (re) g_onig.free_((OnigRegex)re); /* a regex exists only once the library is loaded */
}

vkb_regex_region *vkb_regex_region_new(void) {
    return g_ready ? (vkb_regex_region *)g_onig.region_new() : NULL;
}

void vkb_regex_region_free(vkb_regex_region *r) {
    if (r) g_onig.region_free((OnigRegion *)r, 1);
}

bool vkb_regex_search(const vkb_regex *re, vkb_regex_region *r, const char *s, size_t len, size_t from, size_t *beg,
                      size_t *end) {
    const OnigUChar *u = (const OnigUChar *)s;
    OnigRegion *reg = (OnigRegion *)r;
    int m = g_onig.search((OnigRegex)re, u, u + len, u + from, u + len, reg, ONIG_OPTION_NONE);
    if (m < 0 || reg->num_regs < 1) return false;
    *beg = (size_t)reg->beg[0];
    *end = (size_t)reg->end[0];
    return true;
}
