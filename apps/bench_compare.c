/* vkbert bench-compare: the records of 'vkbert bench --json' runs (JSON Lines, from one device
 * or many) as one aligned table, and with --plot as a grouped bar chart of tokens/s and the
 * share of peak (chart.c): a group per model/precision/batch/seq, a bar per device, the
 * picture to paste into an issue comparing devices. */
#include "cli.h"
#include "plot.h"
#include "base/fs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE_COMPARE =
    "usage: vkbert bench-compare [--plot FILE] FILE...\n"
    "\n"
    "Prints the records of 'vkbert bench --json' runs as one table: device, model, precision,\n"
    "batch, seq, ms per encode (median), tokens/s and the share of the device's peak (where the\n"
    "run measured it). Each FILE holds JSON Lines (one record per line, runs on different\n"
    "devices concatenated or in files of their own); \"-\" reads standard input.\n"
    "  --plot FILE   also draw tokens/s and the share of peak as grouped bars: a group per\n"
    "                model, precision, batch and seq, a bar per device; FILE ends in .png or .svg\n"
    "Records of other kinds (bench --task embed, --tokenizer, --peak; error records) are skipped\n"
    "with a warning; a line that is not JSON, a missing file or no bench record at all is an error.\n";

typedef struct record {
    char device[256], model[256], precision[16];
    char key[512]; /* what makes two records the same configuration */
    uint32_t batch, seq;
    double ms, tokens_per_s, fraction_of_peak; /* fraction < 0: not measured */
} record;

typedef struct records {
    record *r;
    size_t n, cap;
} records;

int check_plot_path(const char *path) {
    plot_format f = plot_format_of(path);
    if (f == PLOT_FORMAT_NONE)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--plot FILE must end in .png or .svg, not \"%s\"",
                    path);
    if (f == PLOT_FORMAT_PNG && !plot_png_supported())
        return fail(EXIT_USAGE, VKBERT_ERROR_UNSUPPORTED, "this build has no PNG support; use .svg");
    return -1;
}

/* All of f; NULL with errno set on a read error or when out of memory. */
static char *read_all(FILE *f, size_t *size) {
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap + 1);
    while (data) {
        if (n == cap) {
            char *d = cap < ((size_t)1 << 30) ? realloc(data, 2 * cap + 1) : NULL;
            if (!d) {
                free(data);
                errno = ENOMEM;
                return NULL;
            }
            data = d;
            cap *= 2;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (data && ferror(f)) {
        free(data);
        errno = errno ? errno : EIO;
        return NULL;
    }
    if (data) data[n] = '\0';
    *size = n;
    return data;
}

static const char *base_name(const char *path, char *buf, size_t n) {
    snprintf(buf, n, "%s", path);
    size_t len = strlen(buf);
    while (len > 1 && (buf[len - 1] == '/' || buf[len - 1] == '\\'))
        buf[--len] = '\0';
    const char *b = buf;
    for (const char *c = buf; *c; ++c)
        if ((*c == '/' || *c == '\\') && c[1]) b = c + 1;
    return b;
}

static bool get_number(const cJSON *o, const char *key, double *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return false;
    *out = v->valuedouble;
    return true;
}

/* Why a record is not one bench-compare reads, or NULL when it is (then *r is filled). */
static const char *take_record(const cJSON *o, record *r) {
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(o, "task");
    if (cJSON_GetObjectItemCaseSensitive(o, "error")) return "an error record (that run failed)";
    if (cJSON_IsString(task) && !strcmp(task->valuestring, "embed"))
        return "a bench --task embed record (sentences of mixed lengths through the runner, not one batch x seq)";
    if (cJSON_IsString(task) && !strcmp(task->valuestring, "tokenize")) return "a bench --tokenizer record (no device)";
    if (cJSON_IsString(task) && strcmp(task->valuestring, "mlm")) return "a record of an unknown task";
    if (!cJSON_GetObjectItemCaseSensitive(o, "batch") && cJSON_GetObjectItemCaseSensitive(o, "peak_gflops_fp32"))
        return "a bench --peak record (no encode timed)";
    const cJSON *device = cJSON_GetObjectItemCaseSensitive(o, "device");
    if (!cJSON_IsString(device)) return "not a bench record (no \"device\")";
    double batch, seq;
    static const char *const NEED[] = {"batch", "seq", "ms_median", "tokens_per_s"};
    double *dst[] = {&batch, &seq, &r->ms, &r->tokens_per_s};
    for (int i = 0; i < 4; ++i) {
        static char why[64];
        if (!get_number(o, NEED[i], dst[i]) || *dst[i] < 0) {
            snprintf(why, sizeof why, "not a bench record (no number \"%s\")", NEED[i]);
            return why;
        }
    }
    if (batch < 1 || batch > 1e6 || seq < 1 || seq > 1e7 || batch != floor(batch) || seq != floor(seq))
        return "not a bench record (batch and seq are not counts)";
    r->batch = (uint32_t)batch;
    r->seq = (uint32_t)seq;
    if (!get_number(o, "fraction_of_peak", &r->fraction_of_peak) || r->fraction_of_peak < 0) r->fraction_of_peak = -1;
    snprintf(r->device, sizeof r->device, "%s", device->valuestring);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(o, "model"),
                *prec = cJSON_GetObjectItemCaseSensitive(o, "precision");
    char tmp[256];
    snprintf(r->model, sizeof r->model, "%s",
             cJSON_IsString(model) ? base_name(model->valuestring, tmp, sizeof tmp) : "?");
    snprintf(r->precision, sizeof r->precision, "%s", cJSON_IsString(prec) ? prec->valuestring : "?");
    /* the same name with another shape (--layers, --hidden ...) is another configuration */
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(o, "config");
    double h = 0, l = 0, a = 0, in = 0, v = 0;
    get_number(cfg, "hidden_size", &h);
    get_number(cfg, "num_hidden_layers", &l);
    get_number(cfg, "num_attention_heads", &a);
    get_number(cfg, "intermediate_size", &in);
    get_number(cfg, "vocab_size", &v);
    snprintf(r->key, sizeof r->key, "%s|%s|%u|%u|%.0f|%.0f|%.0f|%.0f|%.0f", r->model, r->precision, r->batch, r->seq, h,
             l, a, in, v);
    return NULL;
}

/* The records of one file ("-": standard input). -1, or the exit code (the error said). */
static int read_records(const char *path, records *rs) {
    bool std_in = !strcmp(path, "-");
    FILE *f = std_in ? stdin : vkb_fopen(path, "rb");
    if (!f) return fail(1, VKBERT_ERROR_IO, "cannot open %s: %s", path, strerror(errno));
    size_t size = 0;
    errno = 0;
    char *data = read_all(f, &size);
    int e = errno;
    if (!std_in) fclose(f);
    const char *name = std_in ? "standard input" : path;
    if (!data) return fail(1, VKBERT_ERROR_IO, "cannot read %s: %s", name, strerror(e ? e : EIO));
    int rc = -1;
    size_t line = 0;
    for (char *p = data; rc < 0 && p < data + size;) {
        char *end = memchr(p, '\n', (size_t)(data + size - p));
        if (!end) end = data + size;
        ++line;
        size_t len = (size_t)(end - p);
        if (len && p[len - 1] == '\r') --len;
        bool blank = true;
        for (size_t i = 0; i < len && blank; ++i)
            blank = p[i] == ' ' || p[i] == '\t';
        if (!blank) {
            const char *stop = NULL;
            cJSON *o = cJSON_ParseWithLengthOpts(p, len, &stop, false);
            bool trailing = false;
            for (const char *t = stop; o && t && t < p + len; ++t)
                trailing = trailing || (*t != ' ' && *t != '\t');
            if (!o || trailing) {
                rc = fail(1, VKBERT_ERROR_MODEL_FORMAT,
                          "%s line %zu: not JSON (bench --json writes one record per line)", name, line);
            } else if (!cJSON_IsObject(o)) {
                rc = fail(1, VKBERT_ERROR_MODEL_FORMAT,
                          "%s line %zu: not a JSON object (bench --json writes one record "
                          "per line)",
                          name, line);
            } else {
                record r;
                const char *why = take_record(o, &r);
                if (why) {
                    fprintf(stderr, "vkbert: warning: %s line %zu: %s: skipped\n", name, line, why);
                } else {
                    if (rs->n == rs->cap) {
                        size_t cap = rs->cap ? 2 * rs->cap : 64;
                        record *nr = realloc(rs->r, cap * sizeof *nr);
                        if (!nr)
                            rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
                        else
                            rs->r = nr, rs->cap = cap;
                    }
                    if (rc < 0) rs->r[rs->n++] = r;
                }
            }
            cJSON_Delete(o);
        }
        p = end + 1;
    }
    free(data);
    return rc;
}

static void fmt_peak(const record *r, char *buf, size_t n) {
    if (r->fraction_of_peak >= 0)
        snprintf(buf, n, "%.1f%%", 100 * r->fraction_of_peak);
    else
        snprintf(buf, n, "-");
}

/* Characters (UTF-8 code points) of s: what a terminal gives a device name's column. */
static int columns(const char *s) {
    int n = 0;
    for (; *s; ++s)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* One row: the first three cells left-aligned, the numbers right-aligned, two spaces apart. */
static void print_row(const char *const cells[8], const int w[8]) {
    for (int c = 0; c < 8; ++c) {
        int pad = w[c] - columns(cells[c]);
        if (c >= 3) printf("%*s", pad > 0 ? pad : 0, "");
        fputs(cells[c], stdout);
        if (c < 3) printf("%*s", pad > 0 ? pad : 0, "");
        fputs(c < 7 ? "  " : "\n", stdout);
    }
}

static void print_table(const records *rs) {
    static const char *const HEAD[8] = {"device", "model", "precision", "batch", "seq", "ms", "tokens/s", "% of peak"};
    int w[8];
    for (int c = 0; c < 8; ++c)
        w[c] = columns(HEAD[c]);
    char num[5][32];
    for (int pass = 0; pass < 2; ++pass) {
        if (pass) print_row(HEAD, w);
        for (size_t i = 0; i < rs->n; ++i) {
            const record *r = &rs->r[i];
            snprintf(num[0], sizeof num[0], "%u", r->batch);
            snprintf(num[1], sizeof num[1], "%u", r->seq);
            snprintf(num[2], sizeof num[2], "%.2f", r->ms);
            snprintf(num[3], sizeof num[3], "%.1f", r->tokens_per_s);
            fmt_peak(r, num[4], sizeof num[4]);
            const char *const cells[8] = {r->device, r->model, r->precision, num[0], num[1], num[2], num[3], num[4]};
            if (pass)
                print_row(cells, w);
            else
                for (int c = 0; c < 8; ++c)
                    if (columns(cells[c]) > w[c]) w[c] = columns(cells[c]);
        }
    }
}

/* Index of `s` in names[0..*n), added when absent (names point into the records). */
static int intern(const char **names, int *n, const char *s) {
    for (int i = 0; i < *n; ++i)
        if (!strcmp(names[i], s)) return i;
    names[*n] = s;
    return (*n)++;
}

static int draw(const records *rs, const char *path) {
    const char **devices = malloc(rs->n * sizeof *devices), **keys = malloc(rs->n * sizeof *keys);
    char **labels = calloc(rs->n, sizeof *labels);
    chart_bar *bars = malloc(rs->n * sizeof *bars);
    int ndev = 0, ngroup = 0, nbars = 0, rc = -1;
    if (!devices || !keys || !labels || !bars) rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    for (size_t i = 0; rc < 0 && i < rs->n; ++i) {
        const record *r = &rs->r[i];
        int s = intern(devices, &ndev, r->device), before = ngroup, g = intern(keys, &ngroup, r->key);
        if (g == before) {
            labels[g] = malloc(320);
            if (!labels[g]) {
                rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
                break;
            }
            snprintf(labels[g], 320, "%s\n%s\n%u x %u", r->model, r->precision, r->batch, r->seq);
        }
        chart_bar b = {g, s, r->tokens_per_s, r->fraction_of_peak};
        int k = 0;
        while (k < nbars && (bars[k].group != g || bars[k].series != s))
            ++k;
        if (k < nbars)
            fprintf(stderr,
                    "vkbert: warning: %s has several records of %s, batch %u, seq %u: the chart shows the last\n",
                    r->device, r->model, r->batch, r->seq);
        else
            ++nbars;
        bars[k] = b;
    }
    plot *p = NULL;
    if (rc < 0) {
        char title[160];
        snprintf(title, sizeof title, "vkbert bench-compare: %d device%s, %d configuration%s", ndev,
                 ndev == 1 ? "" : "s", ngroup, ngroup == 1 ? "" : "s");
        p = chart_bars(title, (const char *const *)labels, ngroup, devices, ndev, bars, nbars);
        if (!p)
            rc = fail(1, VKBERT_ERROR_INVALID_ARGUMENT,
                      "cannot draw %d configurations of %d devices in one chart (too wide): compare fewer", ngroup,
                      ndev);
    }
    char err[512];
    if (p && !plot_save(p, path, err, sizeof err)) rc = fail(1, VKBERT_ERROR_IO, "%s", err);
    plot_destroy(p);
    for (int g = 0; labels && g < ngroup; ++g)
        free(labels[g]);
    free(labels);
    free(devices);
    free(keys);
    free(bars);
    return rc;
}

int cmd_bench_compare(int argc, char **argv) {
    const char *plot_path = NULL;
    const char **files = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *files);
    int nfiles = 0, rc = -1;
    if (!files) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    bool only_files = false;
    for (int i = 0; i < argc && rc < 0; ++i) {
        const char *a = argv[i];
        if (!only_files && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            printf("%s", USAGE_COMPARE);
            rc = 0;
        } else if (!only_files && !strcmp(a, "--plot")) {
            if (i + 1 == argc)
                rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--plot needs a FILE (.png or .svg)");
            else
                plot_path = argv[++i];
        } else if (!only_files && !strcmp(a, "--")) {
            only_files = true;
        } else if (!only_files && a[0] == '-' && a[1]) {
            rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see --help)", a);
        } else {
            files[nfiles++] = a;
        }
    }
    if (rc < 0 && nfiles == 0)
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "no FILE given: bench-compare reads bench --json records");
    if (rc < 0 && plot_path) rc = check_plot_path(plot_path);
    records rs = {0};
    for (int i = 0; rc < 0 && i < nfiles; ++i)
        rc = read_records(files[i], &rs);
    if (rc < 0 && rs.n == 0)
        rc = fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "no bench records in %s%s (vkbert bench --json writes them)",
                  strcmp(files[0], "-") ? files[0] : "standard input", nfiles > 1 ? " and the other files" : "");
    if (rc < 0) {
        print_table(&rs);
        rc = batch_flush_stdout();
    }
    if (rc < 0 && plot_path) rc = draw(&rs, plot_path);
    free(rs.r);
    free(files);
    return rc < 0 ? 0 : rc;
}
