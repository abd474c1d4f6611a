/* Files: join a path, read a whole small file with a size bound. */
#include "vkb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *vkb_path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = vkb_malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t n = a;
    if (n > 0 && dir[n - 1] != '/' && dir[n - 1] != '\\') p[n++] = '/';
    memcpy(p + n, name, b + 1);
    return p;
}

vkbert_status vkb_read_file(const char *path, size_t max_bytes, char **data, size_t *size) {
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return vkb_fail(NULL, VKBERT_ERROR_IO, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = vkb_malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory reading %s", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max_bytes) {
                vkb_free(buf);
                fclose(f);
                return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT,
                                "%s is larger than the %zu bytes allowed for it", path, max_bytes);
            }
            size_t ncap = cap * 2 > max_bytes ? max_bytes : cap * 2;
            char *nb = vkb_realloc(buf, ncap + 1);
            if (!nb) {
                vkb_free(buf);
                fclose(f);
                return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory reading %s",
                                path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    bool err = ferror(f) != 0;
    fclose(f);
    if (err) {
        vkb_free(buf);
        return vkb_fail(NULL, VKBERT_ERROR_IO, "error reading %s", path);
    }
    buf[n] = '\0';
    *data = buf;
    *size = n;
    return VKBERT_OK;
}
