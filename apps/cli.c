/* Shared by the CLI's commands: error reporting (one line on stderr, JSON with --json),
 * the log callback, opening a model, writing .npy files. */
#include "cli.h"
#include "base/fs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool g_json;

/* The server's device thread runs the commands' own code for its routes: there an error
 * becomes the HTTP answer, not a line on stderr. Per thread: the CLI's main thread prints. */
static _Thread_local cli_error *t_sink;

void cli_capture_errors(cli_error *sink) { t_sink = sink; }

/* One clear line on stderr; with --json also a JSON object on stdout. */
int fail(int code, vkbert_status st, const char *fmt, ...) {
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (t_sink) {
        if (!t_sink->set) { /* the first error is the cause; any after it follow from it */
            *t_sink = (cli_error){.set = true, .code = code, .status = st};
            snprintf(t_sink->message, sizeof t_sink->message, "%s", msg);
        }
        return code;
    }
    fprintf(stderr, "vkbert: error: %s\n", msg);
    if (g_json) {
        cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(e, "status", vkbert_status_string(st));
        cJSON_AddStringToObject(e, "message", msg);
        char *s = cJSON_PrintUnformatted(o);
        if (s) printf("%s\n", s);
        free(s);
        cJSON_Delete(o);
    }
    return code;
}

int fail_status(vkbert_status st) { return fail(1, st, "%s", vkbert_last_error()); }

void cli_note(const char *fmt, ...) {
    if (t_sink) return;
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vkbert: %s\n", msg);
}

void on_log(vkbert_log_level level, const char *msg, void *user) {
    const bool *verbose = user;
    /* Library errors are reported once by fail(); its warnings (an ignored setting or cache
     * file) and driver and validation messages are not. */
    if (*verbose || level == VKBERT_LOG_WARNING || (level > VKBERT_LOG_WARNING && strncmp(msg, "Vulkan", 6) == 0))
        fprintf(stderr, "vkbert: %s\n", msg);
}


vkbert_status cli_encode(const vkbert_tokenizer *tok, const char *text, const char *pair, int32_t **ids, int32_t **types,
                         size_t *n) {
    size_t cap = 256;
    for (;;) {
        int32_t *a = realloc(*ids, cap * sizeof **ids), *b = a ? realloc(*types, cap * sizeof **types) : NULL;
        if (a) *ids = a;
        if (b) *types = b;
        if (!a || !b) return VKBERT_ERROR_OUT_OF_HOST_MEMORY;
        vkbert_status st = vkbert_tokenizer_encode(tok, text, pair, *ids, *types, cap, n);
        if (st != VKBERT_ERROR_BUFFER_TOO_SMALL) return st;
        cap = *n;
    }
}

void version_string(uint32_t v, char *buf, size_t n) {
    snprintf(buf, n, "%u.%u.%u", (v >> 22) & 0x7F, (v >> 12) & 0x3FF, v & 0xFFF);
}

static const char *MATMUL_NAMES[] = {"auto", "storage", "texel", "tiled", "coopmat"};
static const char *PRECISION_NAMES[] = {"auto", "fp32", "fp16"};

void options_text(const vkbert_context *ctx, char *buf, size_t n) {
    const vkbert_context_desc *o = vkbert_context_options(ctx);
    char tile[48] = "auto", rows[16] = "auto", bytes[32] = "device";
    if (o->tile[0]) snprintf(tile, sizeof tile, "%u,%u,%u,%u", o->tile[0], o->tile[1], o->tile[2], o->tile[3]);
    if (o->texel_rows) snprintf(rows, sizeof rows, "%u", o->texel_rows);
    if (o->max_buffer_bytes) snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)o->max_buffer_bytes);
    snprintf(buf, n,
             "options: matmul %s (runs %s), tile %s, texel_rows %s, precision %s (runs %s), f16 arithmetic %s, "
             "min_limits %s, max_buffer_bytes %s, validation %s, pipeline cache %s",
             MATMUL_NAMES[o->matmul <= VKBERT_MATMUL_COOPMAT ? o->matmul : 0], vkbert_context_matmul_variant(ctx), tile, rows,
             PRECISION_NAMES[o->precision % 3], vkbert_context_precision(ctx) == VKBERT_PRECISION_FP16 ? "fp16" : "fp32",
             o->no_f16_arith ? "off" : "auto", o->min_limits ? "yes" : "no", bytes, o->validation ? "on" : "off",
             o->pipeline_cache_path ? o->pipeline_cache_path : "none");
}

cJSON *options_json(const vkbert_context *ctx) {
    const vkbert_context_desc *o = vkbert_context_options(ctx);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "matmul", MATMUL_NAMES[o->matmul <= VKBERT_MATMUL_COOPMAT ? o->matmul : 0]);
    cJSON_AddStringToObject(j, "matmul_variant", vkbert_context_matmul_variant(ctx));
    if (o->tile[0])
        cJSON_AddItemToObject(j, "tile", cJSON_CreateIntArray((const int[]){(int)o->tile[0], (int)o->tile[1],
                                                                            (int)o->tile[2], (int)o->tile[3]}, 4));
    cJSON_AddNumberToObject(j, "texel_rows", o->texel_rows ? o->texel_rows : 32);
    cJSON_AddStringToObject(j, "precision", PRECISION_NAMES[o->precision % 3]);
    cJSON_AddBoolToObject(j, "no_f16_arith", o->no_f16_arith);
    cJSON_AddBoolToObject(j, "min_limits", o->min_limits);
    cJSON_AddNumberToObject(j, "max_buffer_bytes", (double)o->max_buffer_bytes);
    cJSON_AddBoolToObject(j, "validation", o->validation);
    if (o->device) cJSON_AddStringToObject(j, "device", o->device);
    if (o->pipeline_cache_path) cJSON_AddStringToObject(j, "pipeline_cache", o->pipeline_cache_path);
    return j;
}

int open_model_dir(const char *dir, const char *device, const char *precision, bool *verbose,
                   vkbert_context **ctx, vkbert_model **model) {
    vkbert_precision prec = VKBERT_PRECISION_AUTO;
    if (precision && !strcmp(precision, "fp32")) prec = VKBERT_PRECISION_FP32;
    else if (precision && !strcmp(precision, "fp16")) prec = VKBERT_PRECISION_FP16;
    else if (precision && strcmp(precision, "auto"))
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--precision must be fp32, fp16 or auto");
    vkbert_status st = vkbert_context_create(&(vkbert_context_desc){.device = device, .precision = prec,
                                                                    .log = on_log, .log_user = verbose},
                                             ctx);
    if (st) return fail_status(st);
    st = vkbert_model_load(*ctx, &(vkbert_model_desc){.path = dir}, model);
    if (st) {
        int rc = fail_status(st);
        vkbert_context_destroy(*ctx);
        *ctx = NULL;
        return rc;
    }
    return -1;
}

/* The whole file goes to PATH.tmpPID first ("x": never over another file, where the C library
 * knows it) and replaces PATH only once complete, so an error (a full disk, a bad directory)
 * never leaves a half-written PATH behind. */
bool write_npy(const char *path, const float *data, size_t rows, size_t cols) {
    /* a device or pipe (/dev/null, /dev/stdout) is written as it is: renaming a file over it
     * would replace it */
    vkb_path_kind kind = vkb_path_kind_of(path, NULL);
    bool direct = kind != VKB_PATH_NONE && kind != VKB_PATH_FILE;
    size_t plen = strlen(path) + 32;
    char *tmp = malloc(plen);
    if (!tmp) {
        errno = ENOMEM;
        return false;
    }
    snprintf(tmp, plen, "%s.tmp%lu", path, vkb_process_id());
    FILE *f = vkb_fopen(direct ? path : tmp, direct ? "wb" : "wbx");
    if (!f) {
        int e = errno;
        free(tmp);
        errno = e;
        return false;
    }
    char dict[128];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", rows, cols);
    size_t total = 10 + (size_t)n + 1, pad = (64 - total % 64) % 64;
    uint16_t hlen = (uint16_t)(n + pad + 1);
    bool ok = fwrite("\x93NUMPY\x01\x00", 1, 8, f) == 8;
    unsigned char hl[2] = {(unsigned char)(hlen & 0xFF), (unsigned char)(hlen >> 8)};
    ok = ok && fwrite(hl, 1, 2, f) == 2 && fwrite(dict, 1, (size_t)n, f) == (size_t)n;
    for (size_t i = 0; i < pad && ok; ++i) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    ok = ok && fwrite(data, sizeof(float), rows * cols, f) == rows * cols;
    int e = ok ? 0 : errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && !direct && (e = vkb_replace_file(tmp, path)) != 0) ok = false;
    if (!ok && !direct) vkb_remove(tmp);
    free(tmp);
    errno = e;
    return ok;
}
