/* Runs a fuzz target's LLVMFuzzerTestOneInput on every file given (or in the directories
 * given): the seed corpus and the regression inputs, replayed by ctest in normal and
 * sanitizer builds without libFuzzer. */
#include "base/fs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <dirent.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
    FILE *f = vkb_fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); buf = NULL; }
            else buf = nb;
        }
    }
    fclose(f);
    if (!buf) return 1;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

/* Runs every file of `dir` but hidden ones; adds to *files and *errors. */
static void run_dir(const char *dir, int *files, int *errors) {
    char p[4096];
#if defined(_WIN32)
    WIN32_FIND_DATAA e;
    snprintf(p, sizeof p, "%s/*", dir);
    HANDLE d = FindFirstFileA(p, &e);
    for (BOOL more = d != INVALID_HANDLE_VALUE; more; more = FindNextFileA(d, &e)) {
        const char *name = e.cFileName;
#else
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *name = e->d_name;
#endif
        if (name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, name);
        *errors += run_file(p);
        ++*files;
    }
#if defined(_WIN32)
    if (d != INVALID_HANDLE_VALUE) FindClose(d);
#else
    if (d) closedir(d);
#endif
}

int main(int argc, char **argv) {
    int files = 0, errors = 0;
    for (int i = 1; i < argc; ++i) {
        vkb_path_kind kind = vkb_path_kind_of(argv[i], NULL);
        if (kind == VKB_PATH_NONE) continue; /* an absent regression directory is fine */
        if (kind == VKB_PATH_DIR) {
            run_dir(argv[i], &files, &errors);
        } else {
            errors += run_file(argv[i]);
            ++files;
        }
    }
    printf("replayed %d inputs\n", files);
    return errors || files == 0;
}
