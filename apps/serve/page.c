/* The demo page's files (apps/serve/web/), built into the binary by cmake/EmbedFiles.cmake: a URL
 * path names one of them or nothing; no request ever reaches the filesystem. */
#include "serve.h"

#include <pthread.h>
#include <string.h>

/* The generated table (serve_page_files.c in the build tree). */
struct vkb_page_blob {
    const char *path; /* "/index.html" */
    const unsigned char *data;
    size_t size; /* bytes */
};
extern const struct vkb_page_blob vkb_page_blobs[];
extern const size_t vkb_page_blob_count;

/* The only kinds of file the page has; any other name is not served, whatever the build embedded. */
static const struct {
    const char *ext, *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
};

#define MAX_FILES 16
static serve_file g_files[MAX_FILES];
static size_t g_count;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static const char *type_of(const char *path) {
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; ++i) {
        size_t e = strlen(TYPES[i].ext);
        if (n > e && !strcmp(path + n - e, TYPES[i].ext)) return TYPES[i].type;
    }
    return NULL;
}

/* The table of serve_files, built once (libmicrohttpd calls from many threads). */
static void build(void) {
    for (size_t i = 0; i < vkb_page_blob_count && g_count < MAX_FILES; ++i) {
        const char *type = type_of(vkb_page_blobs[i].path);
        if (!type) continue;
        g_files[g_count++] = (serve_file){.path = vkb_page_blobs[i].path, .content_type = type,
                                          .data = vkb_page_blobs[i].data, .size = vkb_page_blobs[i].size};
    }
}

/* A URL path the page could have: "/" then a plain file name (letters, digits, '-', '_', one or
 * more dots but never two together, nor first), at most 64 bytes. Everything else, a query, a
 * fragment, an escape, a second '/', "..", a NUL or a byte past ASCII included, is no file. */
static bool plain(const char *url) {
    if (url[0] != '/' || url[1] == '.' || !url[1]) return false;
    size_t n = 1;
    for (const char *p = url + 1; *p; ++p, ++n) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  (c == '.' && p[1] != '.');
        if (!ok || n >= 64) return false;
    }
    return true;
}

const serve_file *serve_page_file(const char *url) {
    if (!url) return NULL;
    if (!strcmp(url, "/")) url = "/index.html";
    if (!plain(url)) return NULL;
    pthread_once(&g_once, build);
    for (size_t i = 0; i < g_count; ++i)
        if (!strcmp(g_files[i].path, url)) return &g_files[i];
    return NULL;
}
