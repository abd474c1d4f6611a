/* Minimal test helpers: CHECK records a failure and continues; main returns the count. */
#ifndef VKB_TEST_UTIL_H
#define VKB_TEST_UTIL_H

#include <vkbert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VKB_TEST_SKIP 77

static int g_failures;
static int g_checks;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        ++g_checks;                                                           \
        if (!(cond)) {                                                        \
            ++g_failures;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, "\n");                                            \
        }                                                                     \
    } while (0)

/* A status and a message fragment that the error must contain. */
#define CHECK_ERROR(st, want, fragment)                                                        \
    do {                                                                                       \
        vkbert_status st_ = (st);                                                              \
        CHECK(st_ == (want), "got %s, want %s (%s)", vkbert_status_string(st_),                \
              vkbert_status_string(want), vkbert_last_error());                                \
        CHECK(strstr(vkbert_last_error(), (fragment)) != NULL, "message \"%s\" lacks \"%s\"", \
              vkbert_last_error(), (fragment));                                                \
    } while (0)

static inline int test_finish(const char *name) {
    printf("%s: %d checks, %d failed\n", name, g_checks, g_failures);
    return g_failures ? 1 : 0;
}

static inline void test_log(vkbert_log_level level, const char *msg, void *user) {
    (void)user;
    if (level >= VKBERT_LOG_WARNING && strncmp(msg, "Vulkan", 6) == 0) fprintf(stderr, "%s\n", msg);
}

/* A context with validation on, or exit with the skip code when there is no device. */
static inline vkbert_context *test_context(const vkbert_context_desc *extra) {
    vkbert_context_desc d = extra ? *extra : (vkbert_context_desc){0};
    d.validation = true;
    d.log = test_log;
    vkbert_context *ctx = NULL;
    vkbert_status st = vkbert_context_create(&d, &ctx);
    if (st == VKBERT_ERROR_NO_DEVICE) {
        printf("SKIP: no Vulkan device: %s\n", vkbert_last_error());
        exit(VKB_TEST_SKIP);
    }
    if (st) {
        fprintf(stderr, "cannot create a context: %s\n", vkbert_last_error());
        exit(1);
    }
    return ctx;
}

static inline void check_no_validation(vkbert_context *ctx) {
    CHECK(vkbert_context_validation_messages(ctx) == 0, "%llu validation messages",
          (unsigned long long)vkbert_context_validation_messages(ctx));
}

#endif
