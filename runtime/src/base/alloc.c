/* Host allocation wrappers and fault injection. Every allocation the library makes goes
 * through vkb_malloc & co. so that tests can fail the Nth one and check that nothing
 * leaks (vkb_fault_live_allocations); Vulkan creation calls, submits and waits go
 * through the VKB_VK* macros and vkb_submit/vkb_wait_fence for the same reason.
 * The plan is process-wide and meant for single-threaded tests only. */
#include "vkb_internal.h"

#include <stdlib.h>
#include <string.h>

vkb_fault_plan vkb_faults;
/* under a lock, not _Atomic (which MSVC's C11 mode lacks): sessions on several threads
 * allocate too */
static long live;
static vkb_mutex_static_t live_lock = VKB_MUTEX_STATIC_INIT;

static void count_live(long delta) {
    vkb_mutex_static_lock(&live_lock);
    live += delta;
    vkb_mutex_static_unlock(&live_lock);
}

bool vkb_fault_take(long *countdown) {
    if (*countdown <= 0) return false;
    return --*countdown == 0;
}

bool vkb_fault_vk(void) { return vkb_fault_take(&vkb_faults.vk_fail_at); }

long vkb_fault_live_allocations(void) {
    vkb_mutex_static_lock(&live_lock);
    long n = live;
    vkb_mutex_static_unlock(&live_lock);
    return n;
}

void *vkb_malloc(size_t n) {
    if (vkb_fault_take(&vkb_faults.host_fail_at)) return NULL;
    void *p = malloc(n ? n : 1);
    if (p) count_live(1);
    return p;
}

void *vkb_calloc(size_t count, size_t size) {
    if (vkb_fault_take(&vkb_faults.host_fail_at)) return NULL;
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p) count_live(1);
    return p;
}

void *vkb_realloc(void *old, size_t n) {
    if (vkb_fault_take(&vkb_faults.host_fail_at)) return NULL;
    void *p = realloc(old, n ? n : 1);
    if (p && !old) count_live(1);
    return p;
}

char *vkb_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = vkb_malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void vkb_free(void *p) {
    if (!p) return;
    count_live(-1);
    free(p);
}
