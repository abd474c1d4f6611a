/* Context options: the desc with the environment applied, once, when a context is created.
 * Every VKBERT_* variable maps to one desc field and fills it only where the caller left the
 * field at its default; everything after this reads ctx->options, never the environment. */
#include "vkb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses "8388608", "8M", "512K", "1G" (binary units); false on anything else. */
static bool parse_bytes(const char *text, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || errno || text[0] == '-') return false;
    uint64_t unit = 1;
    if (*end == 'K' || *end == 'k') unit = 1ull << 10, ++end;
    else if (*end == 'M' || *end == 'm') unit = 1ull << 20, ++end;
    else if (*end == 'G' || *end == 'g') unit = 1ull << 30, ++end;
    if (*end || v > UINT64_MAX / unit) return false;
    *out = v * unit;
    return true;
}

static bool valid_texel_rows(uint32_t rows) { return rows && rows % 8 == 0 && rows <= 32; }
static bool valid_tile(const uint32_t t[4]) { return t[0] && t[1] && t[2] && t[3] && t[2] * t[3] <= 64; }

/* An owned copy of `s` (NULL stays NULL); false when out of memory. */
static bool keep(char **slot, const char *s) {
    *slot = NULL;
    if (!s) return true;
    *slot = vkb_strdup(s);
    return *slot != NULL;
}

/* Fills the fields `d` leaves at their defaults from the environment; *path_env holds the
 * pipeline cache path read from it (a path: UTF-8 on every system), for the caller to free. */
static vkbert_status apply_environment(vkbert_context *ctx, vkbert_context_desc *d, char **path_env) {
    const char *v;
    if (!d->device) d->device = getenv("VKBERT_DEVICE");
    if (!d->validation && (v = getenv("VKBERT_VALIDATION"))) d->validation = !strcmp(v, "1");
    if (!d->min_limits && (v = getenv("VKBERT_LIMITS"))) d->min_limits = !strcmp(v, "min");
    if (!d->max_buffer_bytes && (v = getenv("VKBERT_MAX_BUFFER_BYTES")) && v[0] &&
        !parse_bytes(v, &d->max_buffer_bytes))
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT,
                        "VKBERT_MAX_BUFFER_BYTES=\"%.40s\" is not a size (bytes, or a number with K, M or G)", v);
    if (d->precision == VKBERT_PRECISION_AUTO && (v = getenv("VKBERT_PRECISION"))) {
        if (!strcmp(v, "fp32")) d->precision = VKBERT_PRECISION_FP32;
        else if (!strcmp(v, "fp16")) d->precision = VKBERT_PRECISION_FP16;
        else if (strcmp(v, "auto")) vkb_log(ctx, VKBERT_LOG_WARNING, "VKBERT_PRECISION=%s ignored: want fp32 or fp16", v);
    }
    if (!d->pipeline_cache_path) d->pipeline_cache_path = *path_env = vkb_getenv("VKBERT_PIPELINE_CACHE");
    if (d->matmul == VKBERT_MATMUL_AUTO && (v = getenv("VKBERT_MATMUL"))) {
        if (!strcmp(v, "storage")) d->matmul = VKBERT_MATMUL_STORAGE;
        else if (!strcmp(v, "texel")) d->matmul = VKBERT_MATMUL_TEXEL;
        else if (!strcmp(v, "tiled")) d->matmul = VKBERT_MATMUL_TILED;
        else if (!strcmp(v, "coopmat")) d->matmul = VKBERT_MATMUL_COOPMAT;
        else vkb_log(ctx, VKBERT_LOG_WARNING, "VKBERT_MATMUL=%s ignored: want texel, tiled, storage or coopmat", v);
    }
    if (!d->tile[0] && (v = getenv("VKBERT_TILE"))) {
        unsigned t[4];
        if (sscanf(v, "%u,%u,%u,%u", &t[0], &t[1], &t[2], &t[3]) == 4 && valid_tile((uint32_t[4]){t[0], t[1], t[2], t[3]}))
            for (int i = 0; i < 4; ++i) d->tile[i] = t[i];
        else
            vkb_log(ctx, VKBERT_LOG_WARNING, "VKBERT_TILE=%s ignored: want WGX,WGY,TM,TN with TM*TN <= 64", v);
    }
    if (!d->texel_rows && (v = getenv("VKBERT_TEXEL_ROWS"))) {
        unsigned rows;
        char end;
        if (sscanf(v, "%u%c", &rows, &end) == 1 && valid_texel_rows(rows)) d->texel_rows = rows;
        else vkb_log(ctx, VKBERT_LOG_WARNING, "VKBERT_TEXEL_ROWS=%s ignored: want 8, 16, 24 or 32", v);
    }
    if (!d->no_f16_arith && (v = getenv("VKBERT_F16_ARITH"))) d->no_f16_arith = !strcmp(v, "0");
    return VKBERT_OK;
}

/* Validates the resolved desc and keeps it (with owned copies of its strings) in ctx. */
static vkbert_status check(vkbert_context *ctx, vkbert_context_desc *d) {
    if ((unsigned)d->precision > VKBERT_PRECISION_FP16)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown precision %d", (int)d->precision);
    if ((unsigned)d->matmul > VKBERT_MATMUL_COOPMAT)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown matmul variant %d", (int)d->matmul);
    if ((d->tile[0] || d->tile[1] || d->tile[2] || d->tile[3]) && !valid_tile(d->tile))
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "tile %u,%u,%u,%u: want four non-zero values with "
                        "rows * columns <= 64", d->tile[0], d->tile[1], d->tile[2], d->tile[3]);
    if (d->texel_rows && !valid_texel_rows(d->texel_rows))
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "texel_rows %u: want 8, 16, 24 or 32", d->texel_rows);
    if (d->max_buffer_bytes && d->max_buffer_bytes < VKB_MIN_FORCED_BINDING)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "max_buffer_bytes %llu is under the minimum of %u",
                        (unsigned long long)d->max_buffer_bytes, VKB_MIN_FORCED_BINDING);
    if (!keep(&ctx->option_device, d->device) || !keep(&ctx->option_cache_path, d->pipeline_cache_path))
        return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    d->device = ctx->option_device;
    d->pipeline_cache_path = ctx->option_cache_path;
    ctx->options = *d;
    return VKBERT_OK;
}

vkbert_status vkb_options_resolve(vkbert_context *ctx, const vkbert_context_desc *desc) {
    vkbert_context_desc d = *desc;
    char *path_env = NULL;
    vkbert_status st = d.ignore_environment ? VKBERT_OK : apply_environment(ctx, &d, &path_env);
    if (!st) st = check(ctx, &d);
    free(path_env);
    return st;
}

const vkbert_context_desc *vkbert_context_options(const vkbert_context *ctx) {
    static const vkbert_context_desc none;
    if (!ctx) return &none;
    return &ctx->public_options;
}
