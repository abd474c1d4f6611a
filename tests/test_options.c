/* Context options resolved once: every VKBERT_* variable fills the desc field it names only
 * where the caller left that field at its default; a desc field always wins; a malformed
 * variable is ignored with a warning (VKBERT_MAX_BUFFER_BYTES: an error); ignore_environment
 * reads none; vkbert_context_options reports the result. */
#include "test_util.h"
#include "test_platform.h"

static const char *VARS[] = {"VKBERT_DEVICE", "VKBERT_VALIDATION", "VKBERT_LIMITS", "VKBERT_MAX_BUFFER_BYTES",
                             "VKBERT_PRECISION", "VKBERT_PIPELINE_CACHE", "VKBERT_MATMUL", "VKBERT_TILE",
                             "VKBERT_TEXEL_ROWS", "VKBERT_F16_ARITH"};

static char g_warnings[4096];

static void capture(vkbert_log_level level, const char *msg, void *user) {
    (void)user;
    if (level >= VKBERT_LOG_WARNING && strlen(g_warnings) + strlen(msg) + 2 < sizeof g_warnings) {
        strcat(g_warnings, msg);
        strcat(g_warnings, "\n");
    }
}

static void clear_environment(void) {
    for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; ++i) test_unsetenv(VARS[i]);
    test_setenv("VKBERT_PIPELINE_CACHE", ""); /* no cache file from these contexts */
}

/* A context from `d` (logging into g_warnings), or NULL with the status in *st. */
static vkbert_context *make(vkbert_context_desc d, vkbert_status *st) {
    g_warnings[0] = 0;
    d.log = capture;
    vkbert_context *ctx = NULL;
    *st = vkbert_context_create(&d, &ctx);
    if (*st == VKBERT_ERROR_NO_DEVICE) {
        printf("SKIP: no Vulkan device: %s\n", vkbert_last_error());
        exit(VKB_TEST_SKIP);
    }
    return ctx;
}

int main(void) {
    clear_environment();
    vkbert_status st;
    vkbert_context *plain = make((vkbert_context_desc){0}, &st);
    CHECK(plain != NULL, "default context: %s", vkbert_last_error());
    if (!plain) return test_finish("test_options");
    const vkbert_context_desc *o = vkbert_context_options(plain);
    CHECK(o->matmul == VKBERT_MATMUL_AUTO && o->texel_rows == 0 && o->tile[0] == 0 && !o->min_limits &&
              o->max_buffer_bytes == 0 && o->precision == VKBERT_PRECISION_AUTO && !o->no_f16_arith &&
              o->pipeline_cache_path == NULL && o->external == NULL && o->log == NULL,
          "defaults resolved from an empty environment");
    char auto_variant[16];
    snprintf(auto_variant, sizeof auto_variant, "%s", vkbert_context_matmul_variant(plain));
    vkbert_context_destroy(plain);

    /* the environment fills defaults */
    test_setenv("VKBERT_MATMUL", "storage");
    test_setenv("VKBERT_TEXEL_ROWS", "16");
    test_setenv("VKBERT_TILE", "8,8,4,4");
    test_setenv("VKBERT_LIMITS", "min");
    test_setenv("VKBERT_MAX_BUFFER_BYTES", "1M");
    test_setenv("VKBERT_F16_ARITH", "0");
    test_setenv("VKBERT_DEVICE", "0");
    vkbert_context *env = make((vkbert_context_desc){0}, &st);
    CHECK(env != NULL, "context from the environment: %s", vkbert_last_error());
    if (env) {
        o = vkbert_context_options(env);
        CHECK(o->matmul == VKBERT_MATMUL_STORAGE && o->texel_rows == 16 && o->tile[0] == 8 && o->tile[3] == 4 &&
                  o->min_limits && o->max_buffer_bytes == (1u << 20) && o->no_f16_arith && o->device &&
                  !strcmp(o->device, "0"),
              "options from the environment");
        CHECK(!strcmp(vkbert_context_matmul_variant(env), "storage"), "runs %s", vkbert_context_matmul_variant(env));
        vkbert_context_destroy(env);
    }

    /* a desc field wins over its variable */
    vkbert_context *desc = make((vkbert_context_desc){.matmul = VKBERT_MATMUL_TEXEL, .texel_rows = 8,
                                                      .max_buffer_bytes = 2u << 20}, &st);
    CHECK(desc != NULL, "context with desc fields: %s", vkbert_last_error());
    if (desc) {
        o = vkbert_context_options(desc);
        CHECK(o->matmul == VKBERT_MATMUL_TEXEL && o->texel_rows == 8 && o->max_buffer_bytes == (2u << 20) &&
                  o->min_limits, /* still from VKBERT_LIMITS */
              "desc fields kept, the rest from the environment");
        vkbert_context_destroy(desc);
    }

    /* ignore_environment reads none of them */
    vkbert_context *ign = make((vkbert_context_desc){.ignore_environment = true, .pipeline_cache_path = ""}, &st);
    CHECK(ign != NULL, "context ignoring the environment: %s", vkbert_last_error());
    if (ign) {
        o = vkbert_context_options(ign);
        CHECK(o->matmul == VKBERT_MATMUL_AUTO && o->texel_rows == 0 && !o->min_limits && o->max_buffer_bytes == 0 &&
                  o->device == NULL,
              "environment ignored");
        CHECK(!strcmp(vkbert_context_matmul_variant(ign), auto_variant), "runs %s, the default ran %s",
              vkbert_context_matmul_variant(ign), auto_variant);
        vkbert_context_destroy(ign);
    }

    /* malformed variables: ignored and said; a malformed size is an error */
    clear_environment();
    test_setenv("VKBERT_MATMUL", "fastest");
    test_setenv("VKBERT_TILE", "8,8");
    test_setenv("VKBERT_TEXEL_ROWS", "12");
    test_setenv("VKBERT_PRECISION", "fp8");
    vkbert_context *bad = make((vkbert_context_desc){0}, &st);
    CHECK(bad != NULL, "context with malformed variables: %s", vkbert_last_error());
    if (bad) {
        o = vkbert_context_options(bad);
        CHECK(o->matmul == VKBERT_MATMUL_AUTO && o->tile[0] == 0 && o->texel_rows == 0 &&
                  o->precision == VKBERT_PRECISION_AUTO,
              "malformed values ignored");
        CHECK(strstr(g_warnings, "VKBERT_MATMUL=fastest ignored") && strstr(g_warnings, "VKBERT_TILE=8,8 ignored") &&
                  strstr(g_warnings, "VKBERT_TEXEL_ROWS=12 ignored") && strstr(g_warnings, "VKBERT_PRECISION=fp8 ignored"),
              "warnings: %s", g_warnings);
        vkbert_context_destroy(bad);
    }
    /* VKBERT_MATMUL=coopmat: the matrix units where the device and the build have them, else
     * the class's own design and a warning saying why */
    clear_environment();
    test_setenv("VKBERT_MATMUL", "coopmat");
    vkbert_context *coop = make((vkbert_context_desc){0}, &st);
    CHECK(coop != NULL, "context with VKBERT_MATMUL=coopmat: %s", vkbert_last_error());
    if (coop) {
        const char *v = vkbert_context_matmul_variant(coop);
        CHECK(vkbert_context_options(coop)->matmul == VKBERT_MATMUL_COOPMAT, "VKBERT_MATMUL=coopmat read");
        const vkbert_device_info *d = vkbert_context_device(coop);
        if (!strcmp(v, "coopmat")) {
            CHECK(d->coopmat_m && d->coopmat_n && d->coopmat_k && !strstr(g_warnings, "coopmat not used"),
                  "coopmat runs on a %ux%ux%u shape", d->coopmat_m, d->coopmat_n, d->coopmat_k);
        } else {
            char want[64];
            snprintf(want, sizeof want, "; %s instead", auto_variant);
            CHECK(!strcmp(v, auto_variant) && strstr(g_warnings, "matmul variant coopmat not used: ") &&
                      strstr(g_warnings, want),
                  "coopmat unavailable: runs %s (the default ran %s), warnings: %s", v, auto_variant, g_warnings);
            printf("coopmat not available here: %s\n", g_warnings);
        }
        vkbert_context_destroy(coop);
    }
    clear_environment();
    test_setenv("VKBERT_MAX_BUFFER_BYTES", "lots");
    CHECK(make((vkbert_context_desc){0}, &st) == NULL, "a malformed size is an error");
    CHECK_ERROR(st, VKBERT_ERROR_INVALID_ARGUMENT, "VKBERT_MAX_BUFFER_BYTES=\"lots\" is not a size");
    vkbert_context *ok = make((vkbert_context_desc){.ignore_environment = true, .pipeline_cache_path = ""}, &st);
    CHECK(ok != NULL, "ignore_environment skips the malformed size: %s", vkbert_last_error());
    vkbert_context_destroy(ok);

    /* malformed desc fields are errors, never silently ignored */
    clear_environment();
    struct { vkbert_context_desc d; const char *frag; } cases[] = {
        {{.texel_rows = 12}, "texel_rows 12"},
        {{.tile = {8, 8, 4, 0}}, "tile 8,8,4,0"},
        {{.tile = {8, 8, 16, 8}}, "rows * columns <= 64"},
        {{.matmul = (vkbert_matmul)9}, "unknown matmul variant 9"},
        {{.precision = (vkbert_precision)7}, "unknown precision 7"},
        {{.max_buffer_bytes = 1000}, "max_buffer_bytes 1000 is under the minimum"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        CHECK(make(cases[i].d, &st) == NULL, "case %zu must fail", i);
        CHECK_ERROR(st, VKBERT_ERROR_INVALID_ARGUMENT, cases[i].frag);
    }
    return test_finish("test_options");
}
