/* The pipeline cache file: written at destroy or by vkbert_context_save_pipeline_cache,
 * reused by the next context, and a corrupt, truncated or foreign file is ignored (with a log
 * message) without changing results. */
#include "test_util.h"
#include "test_platform.h"
#include "base/fs.h"

#include <stdio.h>

static char g_path[4200];
static const char *g_model;
static int g_ignored;

static void log_ignored(vkbert_log_level level, const char *msg, void *user) {
    (void)user;
    if (level >= VKBERT_LOG_WARNING && strstr(msg, "pipeline cache") && strstr(msg, "ignored")) {
        ++g_ignored;
        printf("logged: %s\n", msg);
    } else {
        test_log(level, msg, user);
    }
}

/* One context: encode a text, return the top prediction; report whether the cache loaded. */
static int32_t run(bool *loaded) {
    vkbert_context *ctx = NULL;
    vkbert_status st = vkbert_context_create(&(vkbert_context_desc){.validation = true, .pipeline_cache_path = g_path,
                                                                    .log = log_ignored}, &ctx);
    if (st == VKBERT_ERROR_NO_DEVICE) exit(VKB_TEST_SKIP);
    CHECK(st == VKBERT_OK, "%s", vkbert_last_error());
    vkbert_context_stats stats;
    vkbert_context_get_stats(ctx, &stats);
    *loaded = stats.pipeline_cache_loaded;
    vkbert_model *m = NULL;
    vkbert_session *s = NULL;
    int32_t ids[4] = {101, 1996, 103, 102};
    vkbert_prediction p = {-1, 0};
    st = vkbert_model_load(ctx, &(vkbert_model_desc){.path = g_model}, &m);
    if (!st) st = vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 4, .top_k = 1}, &s);
    if (!st) st = vkbert_session_encode(s, &(vkbert_sequence){ids, NULL, 4}, 1);
    if (!st) st = vkbert_session_read_topk(s, 0, &p, 1, NULL);
    CHECK(st == VKBERT_OK, "%s", vkbert_last_error());
    check_no_validation(ctx);
    vkbert_session_destroy(s);
    vkbert_model_destroy(m);
    vkbert_context_destroy(ctx); /* writes the file */
    return p.id;
}

/* A context whose encode created pipelines (kept alive: the caller destroys it). */
static vkbert_context *encoded_context(const char *path) {
    vkbert_context *ctx = NULL;
    vkbert_model *m = NULL;
    vkbert_session *s = NULL;
    int32_t ids[4] = {101, 1996, 103, 102};
    vkbert_status st = vkbert_context_create(&(vkbert_context_desc){.validation = true, .pipeline_cache_path = path,
                                                                    .log = test_log}, &ctx);
    if (!st) st = vkbert_model_load(ctx, &(vkbert_model_desc){.path = g_model}, &m);
    if (!st) st = vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 4, .top_k = 1}, &s);
    if (!st) st = vkbert_session_encode(s, &(vkbert_sequence){ids, NULL, 4}, 1);
    CHECK(st == VKBERT_OK, "%s", vkbert_last_error());
    vkbert_session_destroy(s);
    vkbert_model_destroy(m);
    return ctx;
}

static long file_size(void);

/* vkbert_context_save_pipeline_cache: an app that is killed, never destroying its context
 * (Android), still leaves a cache the next start uses. */
static void explicit_save(const char *scratch) {
    snprintf(g_path, sizeof g_path, "%.4000s/pipelines-saved.bin", scratch);
    remove(g_path);
    vkbert_context *ctx = encoded_context(g_path);
    CHECK(file_size() < 0, "a cache file was written before destroy or save");
    CHECK(vkbert_context_save_pipeline_cache(ctx) == VKBERT_OK, "%s", vkbert_last_error());
    CHECK(file_size() > 48, "save wrote no cache file");
    bool loaded = false;
    CHECK(run(&loaded) >= 0 && loaded, "the saved cache was not used by the next context");

    /* nothing new since the last write: nothing written */
    remove(g_path);
    CHECK(vkbert_context_save_pipeline_cache(ctx) == VKBERT_OK, "%s", vkbert_last_error());
    CHECK(file_size() < 0, "save rewrote the file although no pipeline was created since");
    vkbert_context_destroy(ctx);
    CHECK(file_size() < 0, "destroy rewrote the file although no pipeline was created since");

    /* a path that cannot be written (under a regular file): an I/O error naming it */
    char blocker[4200];
    snprintf(blocker, sizeof blocker, "%.4000s/not-a-directory", scratch);
    FILE *f = fopen(blocker, "wb");
    CHECK(f != NULL, "cannot create %s", blocker);
    if (f) fclose(f);
    snprintf(g_path, sizeof g_path, "%.4000s/pipelines.bin", blocker);
    ctx = encoded_context(g_path);
    vkbert_status st = vkbert_context_save_pipeline_cache(ctx);
    CHECK(st == VKBERT_ERROR_IO && strstr(vkbert_context_last_error(ctx), g_path),
          "unwritable path: %s, \"%s\"", vkbert_status_string(st), vkbert_context_last_error(ctx));
    vkbert_context_destroy(ctx); /* logs a warning, nothing more */
    remove(blocker);

    /* no file at all ("" disables it), and a NULL context */
    ctx = encoded_context("");
    CHECK(vkbert_context_save_pipeline_cache(ctx) == VKBERT_OK, "%s", vkbert_last_error());
    vkbert_context_destroy(ctx);
    CHECK(vkbert_context_save_pipeline_cache(NULL) == VKBERT_ERROR_INVALID_ARGUMENT, "NULL context accepted");
}

static long file_size(void) {
    uint64_t n = 0;
    return vkb_path_kind_of(g_path, &n) == VKB_PATH_FILE ? (long)n : -1;
}

/* The default file (no path given, none in the environment): in the user's cache directory,
 * %LOCALAPPDATA%\vkbert on Windows, $XDG_CACHE_HOME/vkbert elsewhere, made with every missing
 * parent; here one whose name is not ASCII and, on Windows, is joined with '\' separators. */
static void default_location(const char *scratch) {
    char home[4200];
#if defined(_WIN32)
    const char *var = "LOCALAPPDATA";
    snprintf(home, sizeof home, "%.4000s\\new-user\\AppData\\Local-\xc3\xa9t\xc3\xa9", scratch);
#else
    const char *var = "XDG_CACHE_HOME";
    snprintf(home, sizeof home, "%.4000s/new-user/.cache-\xc3\xa9t\xc3\xa9", scratch);
#endif
    test_unsetenv("VKBERT_PIPELINE_CACHE");
    test_setenv(var, home);
    vkbert_context *ctx = encoded_context(NULL);
    char want[4300];
    snprintf(want, sizeof want, "%s/vkbert/pipelines-", home);
    const char *path = vkbert_context_options(ctx)->pipeline_cache_path;
    CHECK(path && !strncmp(path, want, strlen(want)), "default cache file %s, not in %s", path ? path : "(none)", want);
    snprintf(g_path, sizeof g_path, "%s", path ? path : "");
    vkb_remove(g_path);
    vkbert_context_destroy(ctx);
    CHECK(file_size() > 48, "no cache file written at the default place %s", g_path);
    vkb_remove(g_path);
}

static void patch(long offset, unsigned char value) {
    FILE *f = fopen(g_path, "r+b");
    fseek(f, offset, SEEK_SET);
    fputc(value, f);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_pipeline_cache SCRATCH_DIR MODEL_DIR\n");
        return 2;
    }
    snprintf(g_path, sizeof g_path, "%.4000s/pipelines-test.bin", argv[1]);
    g_model = argv[2];
    remove(g_path);
    bool loaded = true;
    int32_t ref = run(&loaded);
    CHECK(!loaded, "a cache loaded although there was no file");
    long n = file_size();
    CHECK(n > 48, "no cache file written (%ld bytes)", n);
    CHECK(run(&loaded) == ref && loaded, "the cache file was not reused");
    CHECK(g_ignored == 0, "a valid cache file was ignored");

    patch(n - 1, 0x5A); /* corrupt the data: checksum mismatch */
    CHECK(run(&loaded) == ref && !loaded, "a corrupt cache was used or changed the results");
    CHECK(g_ignored == 1, "no log message for the corrupt cache");
    CHECK(run(&loaded) == ref && loaded, "the corrupt cache was not replaced by a good one");

    patch(16, 0x77); /* the header's device id: a foreign cache */
    CHECK(run(&loaded) == ref && !loaded && g_ignored == 2, "a foreign cache was not ignored");

    FILE *f = fopen(g_path, "wb"); /* truncated to less than a header */
    fwrite("VKBPCACH", 1, 8, f);
    fclose(f);
    CHECK(run(&loaded) == ref && !loaded && g_ignored == 3, "a truncated cache was not ignored");
    f = fopen(g_path, "wb"); /* not a cache at all */
    for (int i = 0; i < 4096; ++i) fputc(i * 7, f);
    fclose(f);
    CHECK(run(&loaded) == ref && !loaded && g_ignored == 4, "garbage was not ignored");
    remove(g_path);

    /* directories that do not exist yet (a fresh account's ~/.cache) are created */
    snprintf(g_path, sizeof g_path, "%.4000s/new-home/.cache/vkbert/pipelines-test.bin", argv[1]);
    remove(g_path);
    run(&loaded);
    CHECK(file_size() > 48, "no cache file written under directories that did not exist: %s", g_path);
    remove(g_path);

    explicit_save(argv[1]);
    default_location(argv[1]);
    return test_finish("test_pipeline_cache");
}
