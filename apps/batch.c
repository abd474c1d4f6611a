/* What embed, similarity, rerank and classify share: their options, the runner over all
 * inputs, progress on stderr, the truncation note, errors that name the input, and JSON
 * written as text-embeddings-inference (serde_json) writes it, so that one parser reads the
 * CLI's output and a TEI server's. */
#include "cli.h"
#include "base/fs.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int parse_count(const char *flag, const char *v, uint32_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || !end || *end || v[0] == '-' || x == 0 || x > UINT32_MAX)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a positive integer, not \"%s\"", flag, v);
    *out = (uint32_t)x;
    return -1;
}

static const struct { const char *name; vkbert_pooling pooling; } POOLINGS[] = {
    {"cls", VKBERT_POOLING_CLS}, {"mean", VKBERT_POOLING_MEAN}, {"max", VKBERT_POOLING_MAX},
    {"mean_sqrt_len", VKBERT_POOLING_MEAN_SQRT_LEN}, {"last", VKBERT_POOLING_LAST},
};

/* An option of another command (or none): said so, with the command's name. */
static int not_here(const batch_opts *o, const char *a) {
    return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s does not take %s (see vkbert %s --help)", o->cmd, a, o->cmd);
}

int batch_parse(const char *cmd, int argc, char **argv, unsigned allowed, const char *usage, batch_opts *o) {
    *o = (batch_opts){.cmd = cmd};
    for (int i = 0; i < argc && strcmp(argv[i], "--"); ++i) /* an early error is JSON too */
        if (!strcmp(argv[i], "--json")) g_json = true;
    o->args = malloc((size_t)(argc + 1) * sizeof *o->args);
    if (!o->args) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    bool normalize = false, no_normalize = false, no_truncate = false, texts_only = false;
    const char *pooling = NULL, *direction = NULL;
    int rc = -1;
    for (int i = 0; i < argc && rc < 0; ++i) {
        const char *a = argv[i], **val = NULL;
        uint32_t *count = NULL;
        unsigned need = 0; /* the BATCH_* flag an option needs */
        if (texts_only || a[0] != '-' || a[1] == '\0') {
            o->args[o->nargs++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) texts_only = true;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("%s", usage);
            rc = 0;
        } else if (!strcmp(a, "--json")) o->json = true;
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) o->verbose = true;
        else if (!strcmp(a, "--no-truncate")) no_truncate = true;
        else if (!strcmp(a, "--normalize")) need = BATCH_NORMALIZE, normalize = true;
        else if (!strcmp(a, "--no-normalize")) need = BATCH_NORMALIZE, no_normalize = true;
        else if (!strcmp(a, "--matrix")) need = BATCH_MATRIX, o->matrix = true;
        else if (!strcmp(a, "--return-text")) need = BATCH_TEXT, o->return_text = true;
        else if (!strcmp(a, "--raw-scores")) need = BATCH_RAW, o->raw_scores = true;
        else if (!strcmp(a, "-m") || !strcmp(a, "--model")) val = &o->model;
        else if (!strcmp(a, "--device")) val = &o->device;
        else if (!strcmp(a, "--precision")) val = &o->precision;
        else if (!strcmp(a, "-f") || !strcmp(a, "--file")) val = &o->file;
        else if (!strcmp(a, "--truncation-direction")) val = &direction;
        else if (!strcmp(a, "--pooling")) need = BATCH_POOLING, val = &pooling;
        else if (!strcmp(a, "--prompt-name")) need = BATCH_POOLING, val = &o->prompt_name;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) need = BATCH_OUT, val = &o->out;
        else if (!strcmp(a, "--pair")) need = BATCH_PAIR, val = &o->pair;
        else if (!strcmp(a, "--max-batch-tokens")) count = &o->max_batch_tokens;
        else if (!strcmp(a, "--max-batch")) count = &o->max_batch;
        else if (!strcmp(a, "--dimensions")) need = BATCH_NORMALIZE, count = &o->dimensions;
        else rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see vkbert %s --help)", a, cmd);
        if (rc >= 0) break;
        if (need && !(allowed & need)) {
            rc = not_here(o, a);
            break;
        }
        if (val || count) {
            if (i + 1 >= argc) {
                rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
                break;
            }
            if (val) *val = argv[++i];
            else rc = parse_count(a, argv[++i], count);
        }
    }
    if (rc < 0 && normalize && no_normalize)
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--normalize and --no-normalize contradict each other");
    if (rc < 0 && pooling) {
        size_t k = 0;
        while (k < sizeof POOLINGS / sizeof POOLINGS[0] && strcmp(POOLINGS[k].name, pooling)) ++k;
        if (k == sizeof POOLINGS / sizeof POOLINGS[0])
            rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                      "unknown pooling \"%s\" (--pooling takes cls, mean, max, mean_sqrt_len or last)", pooling);
        else
            o->pooling = POOLINGS[k].pooling;
    }
    if (rc < 0 && direction && strcmp(direction, "right") && strcmp(direction, "left"))
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--truncation-direction must be right or left, not \"%s\"",
                  direction);
    if (rc < 0 && direction && no_truncate)
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                  "--truncation-direction and --no-truncate contradict each other");
    if (rc < 0 && o->precision && strcmp(o->precision, "fp32") && strcmp(o->precision, "fp16") &&
        strcmp(o->precision, "auto"))
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--precision must be fp32, fp16 or auto");
    o->normalize = normalize ? VKBERT_NORMALIZE_ON : no_normalize ? VKBERT_NORMALIZE_OFF : VKBERT_NORMALIZE_DEFAULT;
    o->truncation = no_truncate ? VKBERT_TRUNCATE_NONE
                    : direction && !strcmp(direction, "left") ? VKBERT_TRUNCATE_LEFT
                                                               : VKBERT_TRUNCATE_RIGHT;
    if (rc >= 0) batch_opts_free(o);
    return rc;
}

void batch_opts_free(batch_opts *o) {
    free(o->args);
    o->args = NULL;
    o->nargs = 0;
}

int batch_inputs(const batch_opts *o, size_t lead, const char *lead_names, cli_inputs *in) {
    *in = (cli_inputs){0};
    if (!o->model)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a model directory: -m DIR (see --help)", o->cmd);
    if (o->nargs < lead) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs %s (see --help)", o->cmd, lead_names);
    size_t rest = o->nargs - lead;
    int rc;
    if (o->file && rest)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "give TEXT arguments or -f FILE, not both");
    if (o->file) rc = inputs_from_file(o->file, in);
    else if (rest) rc = inputs_from_args(o->args + lead, rest, in);
    else if (!vkb_is_terminal(stdin)) rc = inputs_from_file("-", in);
    else
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                    "no inputs: give TEXT arguments, -f FILE, or lines on standard input (see --help)");
    if (rc >= 0) return rc;
    if (in->count == 0) {
        rc = fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "no inputs: %s has no lines", in->source ? in->source : "the command");
        inputs_free(in);
        return rc;
    }
    return -1;
}

void batch_progress_update(struct batch_progress *p, size_t done, size_t total) {
    if (!p->enabled || total == 0) return;
    unsigned percent = (unsigned)(done * 100 / total);
    if (p->open && percent == p->percent && done < total) return;
    fprintf(stderr, "\rvkbert: %zu of %zu inputs (%u%%)", done, total, percent);
    fflush(stderr);
    p->open = true;
    p->percent = percent;
}

void batch_progress_end(struct batch_progress *p) {
    if (p->open) fputc('\n', stderr);
    p->open = false;
}

/* The runner's progress callback. */
static void on_progress(size_t done, size_t total, void *user) { batch_progress_update(user, done, total); }

int batch_open(const batch_opts *o, vkbert_task task, size_t count, batch_run *r) {
    *r = (batch_run){.verbose = o->verbose};
    r->progress.enabled = vkb_is_terminal(stderr) && !o->json; /* a terminal only: quiet in pipes and logs */
    (void)count;
    int rc = open_model_dir(o->model, o->device, o->precision, &r->verbose, &r->ctx, &r->model);
    if (rc >= 0) return rc;
    uint32_t labels = vkbert_model_label_count(r->model);
    if (task == VKBERT_TASK_CLASSIFY && labels == 0)
        rc = fail(1, VKBERT_ERROR_UNSUPPORTED,
                  "%s has no sequence-classification head (no classifier weights): %s needs one",
                  o->model, o->cmd);
    else if (task == VKBERT_TASK_CLASSIFY && !strcmp(o->cmd, "rerank") && labels != 1)
        rc = fail(1, VKBERT_ERROR_UNSUPPORTED,
                  "%s has a classification head of %u labels: rerank needs a cross-encoder (one label)", o->model, labels);
    if (rc < 0) {
        vkbert_runner_desc d = {.task = task, .max_batch_tokens = o->max_batch_tokens, .max_batch = o->max_batch,
                                .truncation = o->truncation, .pooling = o->pooling, .normalize = o->normalize,
                                .prompt_name = o->prompt_name, .raw_scores = o->raw_scores,
                                .dimensions = o->dimensions,
                                .progress = on_progress, .progress_user = &r->progress};
        vkbert_status st = vkbert_runner_create(r->model, &d, &r->runner);
        if (st) rc = fail_status(st);
    }
    if (rc >= 0) batch_close(r);
    return rc;
}

void batch_close(batch_run *r) {
    vkbert_runner_destroy(r->runner);
    vkbert_model_destroy(r->model);
    vkbert_context_destroy(r->ctx);
    r->runner = NULL;
    r->model = NULL;
    r->ctx = NULL;
}

void batch_done(batch_run *r, vkbert_status st, const vkbert_run_stats *stats) {
    batch_progress_end(&r->progress);
    vkbert_embedding_info info = {0};
    if (st == VKBERT_OK && stats->truncated > 0 && vkbert_model_embedding_info(r->model, &info) == VKBERT_OK)
        cli_note("%zu of %zu inputs were truncated to %u tokens", stats->truncated, stats->inputs, info.max_seq_length);
}

int batch_fail(vkbert_status st, const vkbert_run_stats *stats, const cli_inputs *in,
               void (*name)(size_t index, char *buf, size_t n, const void *user), const void *user) {
    return batch_fail_hint(st, stats, in, name, user, "truncation is off: --no-truncate");
}

int batch_fail_hint(vkbert_status st, const vkbert_run_stats *stats, const cli_inputs *in,
                    void (*name)(size_t index, char *buf, size_t n, const void *user), const void *user,
                    const char *too_long_hint) {
    size_t i = stats ? stats->failed_index : SIZE_MAX;
    if (i == SIZE_MAX || (!name && i >= in->count)) return fail_status(st);
    char what[320];
    if (name) name(i, what, sizeof what, user);
    else inputs_name(in, i, what, sizeof what);
    const char *msg = vkbert_last_error();
    bool hint = st == VKBERT_ERROR_TOO_LONG && too_long_hint;
    return fail(1, st, "%s: %s%s%s%s", what, *msg ? msg : vkbert_status_string(st), hint ? " (" : "",
                hint ? too_long_hint : "", hint ? ")" : "");
}

/* serde_json writes an f32 with ryu: the fewest significant digits that read back as the
 * same float (an exact tie rounded to even, as ryu does), in decimal notation from 1e-6 to below 1e13 (always with a
 * fractional part: "1.0") and as "1.5e-7" / "1e20" outside it. */
void json_f32(FILE *f, float x) {
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    if (signbit(x)) fputc('-', f);
    x = fabsf(x);
    if (x == 0) {
        fputs("0.0", f);
        return;
    }
    char e[32], digits[16];
    for (int p = 1; p <= 9; ++p) { /* 9 significant digits always round-trip a float */
        snprintf(e, sizeof e, "%.*e", p - 1, (double)x);
        if (strtof(e, NULL) == x) break;
    }
    int len = 0, exp10 = 0;
    const char *c = e;
    for (; *c && *c != 'e'; ++c)
        if (*c != '.') digits[len++] = *c;
    digits[len] = '\0';
    if (*c == 'e') exp10 = atoi(c + 1);
    int kk = exp10 + 1, k = kk - len; /* x = digits * 10^k, 10^(kk-1) <= x < 10^kk */
    if (k >= 0 && kk <= 13) {
        fputs(digits, f);
        for (int i = 0; i < k; ++i) fputc('0', f);
        fputs(".0", f);
    } else if (kk > 0 && kk <= 13) {
        fprintf(f, "%.*s.%s", kk, digits, digits + kk);
    } else if (kk > -6 && kk <= 0) {
        fputs("0.", f);
        for (int i = 0; i < -kk; ++i) fputc('0', f);
        fputs(digits, f);
    } else if (len == 1) {
        fprintf(f, "%se%d", digits, kk - 1);
    } else {
        fprintf(f, "%c.%se%d", digits[0], digits + 1, kk - 1);
    }
}

int batch_flush_stdout(void) {
    if (fflush(stdout) == 0 && !ferror(stdout)) return -1;
    int e = errno;
    g_json = false; /* stdout is what failed */
    return fail(1, VKBERT_ERROR_IO, "cannot write to standard output: %s", strerror(e ? e : EIO));
}

void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

void text_preview(const char *text, size_t max, char *buf, size_t n) {
    size_t len = strlen(text), take = len;
    if (n < 4) {
        if (n) buf[0] = '\0';
        return;
    }
    if (max > n - 4) max = n - 4;
    if (take > max) {
        take = max;
        while (take > 0 && ((unsigned char)text[take] & 0xC0) == 0x80) --take; /* not inside a character */
    }
    for (size_t i = 0; i < take; ++i) buf[i] = text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i];
    strcpy(buf + take, take < len ? "..." : "");
}
