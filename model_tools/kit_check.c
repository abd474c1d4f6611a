/* vkbert-kit-check: the GPU kit's checker (scripts/gpu-kit.sh puts it in the kit; run.sh calls
 * it), so that a target without Python can still compare vkbert's outputs with the PyTorch
 * references the kit carries, and write the kit's records and summary.
 *
 *   mlm CASE RUN [--min-cosine C]   hidden states, logits and fill-mask's top-5 against a case
 *   embed CASE RUN [--min-cosine C] embeddings against a case
 *   record [--FIELD VALUE]...       one JSON record from the shell (strings escaped here)
 *   tag [--FIELD VALUE]...          JSON Lines on stdin, each with the fields added, to stdout
 *   get KEY[.KEY]                   that value of every JSON line on stdin, one per line
 *   summary RECORDS.jsonl           the one-screen summary of a run
 *
 * A case (model_tools/kit_references.py writes them) is a folder: case.json (ids, token types,
 * mask rows, tolerances), hidden.npy [tokens, hidden], logits_rows.npy [mask rows, vocab] (the
 * reference's logits at the mask rows only: whole logits would not fit the kit), or for
 * embeddings embeddings.npy [texts, dim]. RUN holds what the CLI wrote for it: tokenize.json,
 * hidden.npy, logits.npy [tokens, vocab], fillmask.json; embeddings.npy.
 *
 * The bars are tests/e2e.py's and tests/embed_e2e.py's: hidden states and logits within the
 * case's max abs tolerance, top-5 ids equal to PyTorch's (a swap accepted only for an exact tie
 * in PyTorch's logits), probabilities within 1e-3 relative; embeddings within 1e-4 and cosine
 * >= 0.99999. With --min-cosine (reduced precision, as tests/precision.py): every row's cosine
 * with PyTorch's at least C and the same top-5 (but for swaps of ids whose PyTorch logits are
 * closer than twice the run's own logits error at that row), abs errors reported, not bounded.
 *
 * The check subcommands print one JSON record (kit_item, status PASS or FAIL, detail and the
 * figures) and exit 0 on PASS, 1 on FAIL (an unreadable input is a FAIL naming it). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPK 5

static const char *USAGE =
    "usage: vkbert-kit-check mlm CASE RUN [--min-cosine C] [--FIELD VALUE]...\n"
    "       vkbert-kit-check embed CASE RUN [--min-cosine C] [--FIELD VALUE]...\n"
    "       vkbert-kit-check record [--FIELD VALUE]...\n"
    "       vkbert-kit-check tag [--FIELD VALUE]... < IN.jsonl > OUT.jsonl\n"
    "       vkbert-kit-check get KEY[.KEY] < IN.jsonl\n"
    "       vkbert-kit-check summary RECORDS.jsonl\n"
    "The GPU kit's checker (scripts/gpu-kit.sh): compares the CLI's outputs in RUN with the\n"
    "PyTorch references of CASE, writes the kit's JSON records and its summary.\n";

/* ---- files ------------------------------------------------------------------------------ */

/* The whole file, NUL-terminated; NULL with a message in err. */
static char *read_file(const char *path, size_t *size, char *err, size_t errn) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errn, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, errn, "cannot read %s", path);
        return NULL;
    }
    buf[n] = '\0';
    if (size) *size = n;
    return buf;
}

static cJSON *read_json(const char *path, char *err, size_t errn) {
    char *text = read_file(path, NULL, err, errn);
    if (!text) return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j) snprintf(err, errn, "%s is not JSON", path);
    return j;
}

/* A float32 .npy of one or two dimensions (one: a single row), as numpy.save writes it. */
typedef struct npy {
    float *data;
    size_t rows, cols;
} npy;

static bool read_npy(const char *path, npy *out, char *err, size_t errn) {
    size_t size;
    char *buf = read_file(path, &size, err, errn);
    memset(out, 0, sizeof *out);
    if (!buf) return false;
    bool ok = size >= 10 && !memcmp(buf, "\x93NUMPY", 6) && (buf[6] == 1 || buf[6] == 2);
    size_t hlen = 0, start = 0;
    if (ok) {
        const unsigned char *u = (const unsigned char *)buf;
        hlen = buf[6] == 1 ? (size_t)u[8] | (size_t)u[9] << 8
                           : (size_t)u[8] | (size_t)u[9] << 8 | (size_t)u[10] << 16 | (size_t)u[11] << 24;
        start = (buf[6] == 1 ? 10 : 12) + hlen;
        ok = start <= size;
    }
    if (!ok) {
        snprintf(err, errn, "%s is not a .npy file", path);
        free(buf);
        return false;
    }
    char header[512];
    size_t hoff = buf[6] == 1 ? 10 : 12;
    snprintf(header, sizeof header, "%.*s", (int)(hlen < sizeof header - 1 ? hlen : sizeof header - 1), buf + hoff);
    const char *shape = strstr(header, "'shape':");
    if (!strstr(header, "'descr': '<f4'") || !strstr(header, "'fortran_order': False") || !shape) {
        snprintf(err, errn, "%s: want little-endian float32 in C order, header %s", path, header);
        free(buf);
        return false;
    }
    const char *p = strchr(shape, '(');
    size_t dims[2] = {0, 0};
    int nd = 0;
    while (p && *p && *p != ')') {
        ++p;
        while (*p == ' ') ++p;
        if (*p == ')') break;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || nd == 2) {
            nd = 3;
            break;
        }
        dims[nd++] = (size_t)v;
        p = end;
        while (*p == ' ') ++p;
        if (*p != ',' && *p != ')') {
            nd = 3;
            break;
        }
    }
    if (nd < 1 || nd > 2) {
        snprintf(err, errn, "%s: want one or two dimensions, header %s", path, header);
        free(buf);
        return false;
    }
    out->rows = nd == 1 ? 1 : dims[0];
    out->cols = nd == 1 ? dims[0] : dims[1];
    size_t n = out->rows * out->cols;
    if (out->cols && n / out->cols != out->rows) n = SIZE_MAX;
    if (n == SIZE_MAX || size - start != n * sizeof(float)) {
        snprintf(err, errn, "%s: %zu data bytes for shape (%zu, %zu)", path, size - start, out->rows, out->cols);
        free(buf);
        return false;
    }
    out->data = malloc(n ? n * sizeof(float) : 1);
    if (!out->data) {
        snprintf(err, errn, "%s: out of memory", path);
        free(buf);
        return false;
    }
    memcpy(out->data, buf + start, n * sizeof(float)); /* little-endian hosts only (x86-64, arm64) */
    free(buf);
    return true;
}

static void path_join(char *out, size_t n, const char *dir, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

/* ---- a check's findings ------------------------------------------------------------------ */

typedef struct findings {
    char fail[1024];    /* the first failures, joined by "; " */
    int failures;
    char info[512];     /* what was measured */
} findings;

static void failf(findings *f, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t len = strlen(f->fail);
    if (f->failures++ < 4) snprintf(f->fail + len, sizeof f->fail - len, "%s%s", len ? "; " : "", msg);
}

/* The record a check prints: the shell's fields, status, detail, the figures. */
static int finish(cJSON *rec, findings *f) {
    cJSON_AddStringToObject(rec, "status", f->failures ? "FAIL" : "PASS");
    char detail[1700];
    if (f->failures)
        snprintf(detail, sizeof detail, "%s%s (%s)", f->fail, f->failures > 4 ? "; ..." : "", f->info);
    else
        snprintf(detail, sizeof detail, "%s", f->info);
    cJSON_AddStringToObject(rec, "detail", detail);
    cJSON_AddNumberToObject(rec, "failures", f->failures);
    char *s = cJSON_PrintUnformatted(rec);
    if (s) printf("%s\n", s);
    free(s);
    cJSON_Delete(rec);
    return f->failures ? 1 : 0;
}

/* --FIELD VALUE pairs from argv[i..] into rec (numbers stay strings: the shell's words). */
static bool add_fields(cJSON *rec, int argc, char **argv, int i, double *min_cosine) {
    for (; i < argc; i += 2) {
        if (strncmp(argv[i], "--", 2) || !argv[i][2] || i + 1 >= argc) {
            fprintf(stderr, "vkbert-kit-check: want --FIELD VALUE pairs, not \"%s\"\n", argv[i]);
            return false;
        }
        if (min_cosine && !strcmp(argv[i], "--min-cosine")) {
            char *end;
            *min_cosine = strtod(argv[i + 1], &end);
            if (*end || !(*min_cosine > 0 && *min_cosine <= 1)) {
                fprintf(stderr, "vkbert-kit-check: --min-cosine wants a number in (0, 1]\n");
                return false;
            }
            cJSON_AddNumberToObject(rec, "min_cosine_bar", *min_cosine);
            continue;
        }
        cJSON_DeleteItemFromObject(rec, argv[i] + 2);
        cJSON_AddStringToObject(rec, argv[i] + 2, argv[i + 1]);
    }
    return true;
}

static double row_cosine(const float *a, const float *b, size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; ++i) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    if (aa == 0 || bb == 0) return aa == bb ? 1.0 : 0.0;
    return ab / sqrt(aa * bb);
}

static double max_abs_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; ++i) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN wins */
    }
    return m;
}

/* The k largest of row, larger first, equal values in index order (numpy's stable argsort of
 * -row, as tests/e2e.py takes PyTorch's top-k). */
static void top_k(const float *row, size_t n, int k, size_t *ids) {
    int have = 0;
    for (size_t j = 0; j < n; ++j) {
        if (have == k && !(row[j] > row[ids[k - 1]])) continue;
        int p = have < k ? have++ : k - 1;
        while (p > 0 && row[j] > row[ids[p - 1]]) {
            ids[p] = ids[p - 1];
            --p;
        }
        ids[p] = j;
    }
}

static bool int_array(const cJSON *a, int32_t *out, size_t cap, size_t *n) {
    *n = 0;
    if (!cJSON_IsArray(a)) return false;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || *n == cap) return false;
        out[(*n)++] = (int32_t)e->valuedouble;
    }
    return true;
}

/* ---- mlm: hidden states, logits, fill-mask --------------------------------------------- */

typedef struct mlm_case {
    int32_t ids[1024], types[1024], rows[1024];
    size_t nids, ntypes, nrows;
    bool has_types, has_head;
    double tol_hidden, tol_logits;
} mlm_case;

static bool load_case(const char *dir, mlm_case *c, char *err, size_t errn) {
    char path[4096];
    path_join(path, sizeof path, dir, "case.json");
    cJSON *j = read_json(path, err, errn);
    if (!j) return false;
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(j, "types");
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(j, "tol_hidden"), *tl = cJSON_GetObjectItemCaseSensitive(j, "tol_logits");
    c->has_types = cJSON_IsArray(types);
    c->has_head = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "has_head"));
    bool ok = int_array(cJSON_GetObjectItemCaseSensitive(j, "ids"), c->ids, 1024, &c->nids) &&
              int_array(cJSON_GetObjectItemCaseSensitive(j, "mask_rows"), c->rows, 1024, &c->nrows) &&
              (!c->has_types || int_array(types, c->types, 1024, &c->ntypes)) && cJSON_IsNumber(th) &&
              cJSON_IsNumber(tl);
    if (ok) {
        c->tol_hidden = th->valuedouble;
        c->tol_logits = tl->valuedouble;
    }
    cJSON_Delete(j);
    if (!ok) snprintf(err, errn, "%s: want ids, mask_rows, types (or null), has_head, tol_hidden, tol_logits", path);
    return ok;
}

/* tokenize.json's ids (and token types, unless the case has none) equal the case's */
static void check_tokens(const char *run, const mlm_case *c, findings *f) {
    char path[4096], err[4400];
    path_join(path, sizeof path, run, "tokenize.json");
    cJSON *j = read_json(path, err, sizeof err);
    if (!j) {
        failf(f, "%s", err);
        return;
    }
    int32_t ids[1024], types[1024];
    size_t n = 0, nt = 0;
    if (!int_array(cJSON_GetObjectItemCaseSensitive(j, "input_ids"), ids, 1024, &n) ||
        !int_array(cJSON_GetObjectItemCaseSensitive(j, "token_type_ids"), types, 1024, &nt))
        failf(f, "%s: no input_ids or token_type_ids", path);
    else if (n != c->nids || memcmp(ids, c->ids, n * sizeof *ids))
        failf(f, "vkbert tokenize gives %zu ids, not the %zu the references were computed from", n, c->nids);
    else if (c->has_types && (nt != c->ntypes || memcmp(types, c->types, nt * sizeof *types)))
        failf(f, "vkbert tokenize gives other token types than the references'");
    cJSON_Delete(j);
}

/* fill-mask --json: the positions of every [MASK], and per mask the top-5 against the
 * reference's logits row: ids may swap only where PyTorch's own logits tie (1e-7 relative) or,
 * in reduced precision, where they are closer than twice that row's measured logits error
 * (row_err: the run's encode logits against PyTorch's), a swap that error explains (fp16
 * weights swapped a pair 1.7e-5 apart on distil-tiny); unless reduced, the probabilities
 * within 1e-3 relative. */
static void check_fill_mask(const char *run, const mlm_case *c, const npy *ref, const double *row_err, bool reduced,
                            findings *f) {
    char path[4096], err[4400];
    path_join(path, sizeof path, run, "fillmask.json");
    cJSON *j = read_json(path, err, sizeof err);
    if (!j) {
        failf(f, "%s", err);
        return;
    }
    const cJSON *masks = cJSON_GetObjectItemCaseSensitive(j, "masks");
    if (cJSON_GetArraySize(masks) != (int)c->nrows) failf(f, "fill-mask gives %d masks, want %zu", cJSON_GetArraySize(masks), c->nrows);
    size_t mi = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, masks) {
        if (mi >= c->nrows) break;
        const cJSON *pos = cJSON_GetObjectItemCaseSensitive(m, "position");
        if (!cJSON_IsNumber(pos) || (int32_t)pos->valuedouble != c->rows[mi]) {
            failf(f, "mask %zu at position %d, want %d", mi, cJSON_IsNumber(pos) ? (int)pos->valuedouble : -1,
                  c->rows[mi]);
            ++mi;
            continue;
        }
        const float *row = ref->data + mi * ref->cols;
        size_t want[TOPK];
        top_k(row, ref->cols, TOPK, want);
        double mx = row[want[0]], sum = 0;
        for (size_t v = 0; v < ref->cols; ++v) sum += exp((double)row[v] - mx);
        const cJSON *preds = cJSON_GetObjectItemCaseSensitive(m, "predictions"), *p;
        if (cJSON_GetArraySize(preds) != TOPK) failf(f, "mask %d: %d predictions, want %d", c->rows[mi], cJSON_GetArraySize(preds), TOPK);
        int rank = 0;
        cJSON_ArrayForEach(p, preds) {
            if (rank >= TOPK) break;
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "id"), *prob = cJSON_GetObjectItemCaseSensitive(p, "probability");
            long g = cJSON_IsNumber(id) ? (long)id->valuedouble : -1;
            if (g < 0 || (size_t)g >= ref->cols) {
                failf(f, "mask %d rank %d: id %ld out of the vocabulary", c->rows[mi], rank, g);
                ++rank;
                continue;
            }
            double rg = row[g], rw = row[want[rank]];
            double tie = fmax(1e-7 * fmax(1.0, fabs(rw)), reduced ? 2 * row_err[mi] : 0);
            if ((size_t)g != want[rank] && !(fabs(rg - rw) <= tie))
                failf(f, "mask %d rank %d: id %ld, PyTorch %zu (PyTorch's logits %.7g vs %.7g)", c->rows[mi], rank, g,
                      want[rank], rg, rw);
            double pt = exp(rg - mx) / sum;
            if (!reduced && (!cJSON_IsNumber(prob) || !(fabs(prob->valuedouble - pt) <= 1e-3 * pt)))
                failf(f, "mask %d: probability of %ld %.6g, PyTorch %.6g", c->rows[mi], g,
                      cJSON_IsNumber(prob) ? prob->valuedouble : NAN, pt);
            ++rank;
        }
        ++mi;
    }
    cJSON_Delete(j);
}

/* The record of a check command (`CMD CASE_DIR RUN_DIR --FIELD VALUE...`) whose kit_item is
 * `item`, with its fields; NULL (after the usage) when the arguments are wrong. */
static cJSON *check_record(int argc, char **argv, const char *item, double *min_cos) {
    if (argc < 4) {
        fputs(USAGE, stderr);
        return NULL;
    }
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "kit_item", item);
    if (!add_fields(rec, argc, argv, 4, min_cos)) {
        cJSON_Delete(rec);
        return NULL;
    }
    return rec;
}

static int cmd_mlm(int argc, char **argv) {
    double min_cos = 0;
    cJSON *rec = check_record(argc, argv, "e2e", &min_cos);
    if (!rec) return 2;
    const char *cdir = argv[2], *run = argv[3];
    bool reduced = min_cos > 0;
    findings f = {0};
    char path[4096], err[4400];
    mlm_case *c = calloc(1, sizeof *c);
    npy ref_h = {0}, got_h = {0}, ref_l = {0}, got_l = {0};
    if (!c || !load_case(cdir, c, err, sizeof err)) {
        failf(&f, "%s", c ? err : "out of memory");
        goto done;
    }
    check_tokens(run, c, &f);
    path_join(path, sizeof path, cdir, "hidden.npy");
    bool ok = read_npy(path, &ref_h, err, sizeof err);
    if (!ok) failf(&f, "%s", err);
    path_join(path, sizeof path, run, "hidden.npy");
    if (ok && !(ok = read_npy(path, &got_h, err, sizeof err))) failf(&f, "%s", err);
    double eh = 0, cos_min = 1;
    if (ok && (got_h.rows != ref_h.rows || got_h.cols != ref_h.cols)) {
        failf(&f, "hidden states of shape (%zu, %zu), PyTorch (%zu, %zu)", got_h.rows, got_h.cols, ref_h.rows, ref_h.cols);
        ok = false;
    }
    if (ok) {
        eh = max_abs_diff(got_h.data, ref_h.data, ref_h.rows * ref_h.cols);
        for (size_t r = 0; r < ref_h.rows; ++r) {
            double cs = row_cosine(got_h.data + r * ref_h.cols, ref_h.data + r * ref_h.cols, ref_h.cols);
            if (!(cs >= cos_min)) cos_min = cs;
        }
        cJSON_AddNumberToObject(rec, "hidden_max_abs", eh);
        cJSON_AddNumberToObject(rec, "hidden_min_cosine", cos_min);
        if (!reduced && !(eh <= c->tol_hidden))
            failf(&f, "hidden states differ from PyTorch by %.3g (tolerance %.3g)", eh, c->tol_hidden);
        if (reduced && !(cos_min >= min_cos))
            failf(&f, "hidden states' cosine with PyTorch %.7f < %.7g", cos_min, min_cos);
    }
    snprintf(f.info, sizeof f.info, "%zu tokens, hidden max abs err %.2e, min cosine %.8f", c->nids, eh, cos_min);
    if (c->has_head) {
        path_join(path, sizeof path, cdir, "logits_rows.npy");
        ok = read_npy(path, &ref_l, err, sizeof err);
        if (!ok) failf(&f, "%s", err);
        if (ok && ref_l.rows != c->nrows) {
            failf(&f, "%s holds %zu rows for %zu masks", path, ref_l.rows, c->nrows);
            ok = false;
        }
        path_join(path, sizeof path, run, "logits.npy");
        if (ok && !(ok = read_npy(path, &got_l, err, sizeof err))) failf(&f, "%s", err);
        if (ok && (got_l.rows != c->nids || got_l.cols != ref_l.cols)) {
            failf(&f, "logits of shape (%zu, %zu), want (%zu, %zu)", got_l.rows, got_l.cols, c->nids, ref_l.cols);
            ok = false;
        }
        double el = 0, *row_err = calloc(c->nrows ? c->nrows : 1, sizeof *row_err);
        if (!row_err) {
            failf(&f, "out of memory");
            ok = false;
        }
        for (size_t i = 0; ok && i < c->nrows; ++i) {
            if (c->rows[i] < 0 || (size_t)c->rows[i] >= got_l.rows) {
                failf(&f, "mask row %d outside the logits", c->rows[i]);
                break;
            }
            double e = max_abs_diff(got_l.data + (size_t)c->rows[i] * got_l.cols, ref_l.data + i * ref_l.cols, ref_l.cols);
            row_err[i] = e;
            if (!(e <= el)) el = e;
        }
        if (ok) {
            cJSON_AddNumberToObject(rec, "logits_max_abs", el);
            if (!reduced && !(el <= c->tol_logits))
                failf(&f, "logits at the masks differ from PyTorch by %.3g (tolerance %.3g)", el, c->tol_logits);
            size_t len = strlen(f.info);
            snprintf(f.info + len, sizeof f.info - len, ", logits max abs err %.2e at %zu mask rows", el, c->nrows);
        }
        if (ok && c->nrows) {
            check_fill_mask(run, c, &ref_l, row_err, reduced, &f);
            size_t len = strlen(f.info);
            snprintf(f.info + len, sizeof f.info - len, ", fill-mask top-%d checked", TOPK);
        }
        free(row_err);
    }
done:
    free(ref_h.data);
    free(got_h.data);
    free(ref_l.data);
    free(got_l.data);
    free(c);
    return finish(rec, &f);
}

/* ---- embed ------------------------------------------------------------------------------- */

static int cmd_embed(int argc, char **argv) {
    double min_cos = 0;
    cJSON *rec = check_record(argc, argv, "embed", &min_cos);
    if (!rec) return 2;
    const char *cdir = argv[2], *run = argv[3];
    bool reduced = min_cos > 0;
    findings f = {0};
    char path[4096], err[4400];
    npy want = {0}, got = {0};
    double tol_abs = 1e-4, tol_cos = 0.99999;
    path_join(path, sizeof path, cdir, "case.json");
    cJSON *j = read_json(path, err, sizeof err);
    if (!j) failf(&f, "%s", err);
    const cJSON *ta = cJSON_GetObjectItemCaseSensitive(j, "tol_abs"), *tc = cJSON_GetObjectItemCaseSensitive(j, "min_cosine");
    if (cJSON_IsNumber(ta)) tol_abs = ta->valuedouble;
    if (cJSON_IsNumber(tc)) tol_cos = tc->valuedouble;
    cJSON_Delete(j);
    if (reduced) tol_cos = min_cos;
    path_join(path, sizeof path, cdir, "embeddings.npy");
    bool ok = !f.failures && read_npy(path, &want, err, sizeof err);
    if (!ok && !f.failures) failf(&f, "%s", err);
    path_join(path, sizeof path, run, "embeddings.npy");
    if (ok && !(ok = read_npy(path, &got, err, sizeof err))) failf(&f, "%s", err);
    if (ok && (got.rows != want.rows || got.cols != want.cols)) {
        failf(&f, "embeddings of shape (%zu, %zu), PyTorch (%zu, %zu)", got.rows, got.cols, want.rows, want.cols);
        ok = false;
    }
    double worst_abs = 0, worst_cos = 1;
    for (size_t r = 0; ok && r < want.rows; ++r) {
        double e = max_abs_diff(got.data + r * want.cols, want.data + r * want.cols, want.cols);
        double cs = row_cosine(got.data + r * want.cols, want.data + r * want.cols, want.cols);
        if (!(e <= worst_abs)) worst_abs = e;
        if (!(cs >= worst_cos)) worst_cos = cs;
        if (!reduced && !(e <= tol_abs)) failf(&f, "row %zu: max abs difference %.3g from PyTorch", r, e);
        if (!(cs >= tol_cos)) failf(&f, "row %zu: cosine %.7f with PyTorch", r, cs);
    }
    if (ok) {
        cJSON_AddNumberToObject(rec, "embed_max_abs", worst_abs);
        cJSON_AddNumberToObject(rec, "embed_min_cosine", worst_cos);
    }
    snprintf(f.info, sizeof f.info, "%zu x %zu, max abs err %.2e, min cosine %.8f", want.rows, want.cols, worst_abs,
             worst_cos);
    free(want.data);
    free(got.data);
    return finish(rec, &f);
}

/* ---- records from the shell -------------------------------------------------------------- */

static int cmd_record(int argc, char **argv) {
    cJSON *rec = cJSON_CreateObject();
    if (!add_fields(rec, argc, argv, 2, NULL)) {
        cJSON_Delete(rec);
        return 2;
    }
    char *s = cJSON_PrintUnformatted(rec);
    if (s) printf("%s\n", s);
    free(s);
    cJSON_Delete(rec);
    return 0;
}

/* Reads stdin line by line (a line of any length). NULL at the end. */
static char *read_line(FILE *in) {
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int ch;
    while (buf && (ch = fgetc(in)) != EOF && ch != '\n') {
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        buf[n++] = (char)ch;
    }
    if (!buf || (n == 0 && ch == EOF)) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Lines that are not JSON objects (a program's other output) are dropped, and counted on stderr. */
static int cmd_tag(int argc, char **argv) {
    cJSON *fields = cJSON_CreateObject();
    if (!add_fields(fields, argc, argv, 2, NULL)) {
        cJSON_Delete(fields);
        return 2;
    }
    char *line;
    int dropped = 0;
    while ((line = read_line(stdin))) {
        cJSON *r = cJSON_Parse(line);
        free(line);
        if (!cJSON_IsObject(r)) {
            ++dropped;
            cJSON_Delete(r);
            continue;
        }
        const cJSON *fld;
        cJSON_ArrayForEach(fld, fields) {
            cJSON_DeleteItemFromObjectCaseSensitive(r, fld->string);
            cJSON_AddItemToObject(r, fld->string, cJSON_Duplicate(fld, true));
        }
        char *s = cJSON_PrintUnformatted(r);
        if (s) printf("%s\n", s);
        free(s);
        cJSON_Delete(r);
    }
    cJSON_Delete(fields);
    if (dropped) fprintf(stderr, "vkbert-kit-check tag: %d lines were not JSON objects\n", dropped);
    return 0;
}

static const cJSON *lookup(const cJSON *r, const char *key) {
    char part[256];
    while (r && *key) {
        const char *dot = strchr(key, '.');
        size_t n = dot ? (size_t)(dot - key) : strlen(key);
        snprintf(part, sizeof part, "%.*s", (int)(n < sizeof part ? n : sizeof part - 1), key);
        if (cJSON_IsArray(r) && isdigit((unsigned char)part[0])) r = cJSON_GetArrayItem(r, atoi(part));
        else r = cJSON_GetObjectItemCaseSensitive(r, part);
        key += n + (dot != NULL);
    }
    return r;
}

/* The value as text: strings bare, numbers %.17g, anything else as JSON; "" when absent. */
static void print_value(const cJSON *v) {
    if (!v) printf("\n");
    else if (cJSON_IsString(v)) printf("%s\n", v->valuestring);
    else if (cJSON_IsNumber(v)) printf("%.17g\n", v->valuedouble);
    else {
        char *s = cJSON_PrintUnformatted(v);
        printf("%s\n", s ? s : "");
        free(s);
    }
}

static int cmd_get(int argc, char **argv) {
    if (argc != 3) {
        fputs(USAGE, stderr);
        return 2;
    }
    char *line;
    while ((line = read_line(stdin))) {
        cJSON *r = cJSON_Parse(line);
        free(line);
        if (cJSON_IsObject(r)) print_value(lookup(r, argv[2]));
        cJSON_Delete(r);
    }
    return 0;
}

/* ---- summary ----------------------------------------------------------------------------- */

static const char *str(const cJSON *r, const char *key) {
    const cJSON *v = lookup(r, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *r, const char *key) {
    const cJSON *v = lookup(r, key);
    if (cJSON_IsNumber(v)) return v->valuedouble;
    if (cJSON_IsString(v)) {
        char *end;
        double d = strtod(v->valuestring, &end);
        if (end != v->valuestring && !*end) return d;
    }
    return NAN;
}

static void fmt_rate(char *buf, size_t n, double x) {
    if (!(x == x)) snprintf(buf, n, "-");
    else if (x >= 1e6) snprintf(buf, n, "%.2fM", x / 1e6);
    else if (x >= 1e4) snprintf(buf, n, "%.0fk", x / 1e3);
    else snprintf(buf, n, "%.0f", x);
}

/* Checks are grouped by kit_item and group (e.g. "e2e" "fp16"): a line per group with its
 * counts and its first failure, so that the summary stays on one screen. */
typedef struct group {
    char item[48], name[96];
    int pass, fail, skip, timeout;
    char detail[200];   /* a failure's, else a skip's, else the last pass's */
    bool detail_is_fail, detail_is_skip;
} group;

static void add_check(group *g, int *ng, int cap, const cJSON *r) {
    const char *item = str(r, "kit_item"), *name = str(r, "group"), *status = str(r, "status");
    const char *detail = str(r, "detail");
    if (!item || !status) return;
    if (!name) name = str(r, "name") ? str(r, "name") : "";
    int i = 0;
    while (i < *ng && (strcmp(g[i].item, item) || strcmp(g[i].name, name))) ++i;
    if (i == *ng) {
        if (*ng == cap) return;
        memset(&g[i], 0, sizeof g[i]);
        snprintf(g[i].item, sizeof g[i].item, "%s", item);
        snprintf(g[i].name, sizeof g[i].name, "%s", name);
        ++*ng;
    }
    bool fail = !strcmp(status, "FAIL"), skip = !strcmp(status, "SKIP"), timeout = !strcmp(status, "TIMEOUT");
    g[i].pass += !strcmp(status, "PASS");
    g[i].fail += fail;
    g[i].skip += skip;
    g[i].timeout += timeout;
    const char *c = str(r, "case");
    char d[200];
    snprintf(d, sizeof d, "%s%s%s", c && (fail || timeout) ? c : "", c && (fail || timeout) ? ": " : "", detail ? detail : "");
    if ((fail || timeout) && !g[i].detail_is_fail) {
        snprintf(g[i].detail, sizeof g[i].detail, "%s", d);
        g[i].detail_is_fail = true;
    } else if (skip && !g[i].detail_is_fail && !g[i].detail_is_skip) {
        snprintf(g[i].detail, sizeof g[i].detail, "%s", d);
        g[i].detail_is_skip = true;
    } else if (!g[i].detail_is_fail && !g[i].detail_is_skip) {
        snprintf(g[i].detail, sizeof g[i].detail, "%s", d);
    }
}

#define MAX_SHAPES 8
#define MAX_VARIANTS 4

typedef struct bench_cell {
    double tps, gflops, ms, pipe_first, pipe_second; /* pipe_*: NaN where that run did not happen */
    char ran[32], precision[8];
    bool have;
} bench_cell;

static int cmd_summary(int argc, char **argv) {
    if (argc != 3) {
        fputs(USAGE, stderr);
        return 2;
    }
    FILE *in = fopen(argv[2], "r");
    if (!in) {
        fprintf(stderr, "vkbert-kit-check: cannot open %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    enum { CAP = 64 };
    group groups[CAP];
    int ngroups = 0, fails = 0, skips = 0, timeouts = 0, passes = 0;
    cJSON *start = NULL, *end = NULL, *devices = NULL, *peak = NULL;
    static const char *VARIANTS[MAX_VARIANTS] = {"fp32", "fp16", "coopmat", NULL};
    char shapes[MAX_SHAPES][24];
    int nshapes = 0;
    bench_cell cells[MAX_SHAPES][MAX_VARIANTS];
    memset(cells, 0, sizeof cells);
    char unavailable[MAX_VARIANTS][200] = {{0}};
    char model[32] = "";
    cJSON *peers[32];
    int npeers = 0;
    char peer_note[300] = "";
    char *line;
    while ((line = read_line(in))) {
        cJSON *r = cJSON_Parse(line);
        free(line);
        if (!cJSON_IsObject(r)) {
            cJSON_Delete(r);
            continue;
        }
        const char *item = str(r, "kit_item");
        bool keep = false;
        if (!item) {
        } else if (!strcmp(item, "run_start")) {
            cJSON_Delete(start);
            start = r, keep = true;
        } else if (!strcmp(item, "run_end")) {
            cJSON_Delete(end);
            end = r, keep = true;
        } else if (!strcmp(item, "bench") && str(r, "device")) { /* a vkbert bench record */
            const char *v = str(r, "kit_variant"), *cache = str(r, "kit_cache");
            int vi = 0;
            while (VARIANTS[vi] && (!v || strcmp(VARIANTS[vi], v))) ++vi;
            char shape[24];
            snprintf(shape, sizeof shape, "b%.0f x s%.0f", num(r, "batch"), num(r, "seq"));
            int si = 0;
            while (si < nshapes && strcmp(shapes[si], shape)) ++si;
            if (si == nshapes && nshapes < MAX_SHAPES) snprintf(shapes[nshapes++], sizeof shapes[0], "%s", shape);
            if (VARIANTS[vi] && si < nshapes) {
                bench_cell *c = &cells[si][vi];
                bool warm = cache && !strcmp(cache, "warm");
                snprintf(model, sizeof model, "%s", str(r, "model") ? str(r, "model") : "");
                const char *ran = str(r, "kernel_variant") ? str(r, "kernel_variant") : str(r, "options.matmul_variant");
                snprintf(c->ran, sizeof c->ran, "%s", ran ? ran : "?");
                snprintf(c->precision, sizeof c->precision, "%s", str(r, "precision") ? str(r, "precision") : "?");
                /* the figures of the faster run (cold and warm time the same encodes); the
                 * pipeline creation of each */
                double tps = num(r, "tokens_per_s");
                if (!c->have || tps > c->tps) {
                    c->tps = tps;
                    c->gflops = num(r, "gflops");
                    c->ms = num(r, "ms_median");
                }
                if (!c->have) c->pipe_first = c->pipe_second = NAN; /* a run that did not happen */
                if (warm) c->pipe_second = num(r, "pipeline_cold_ms");
                else c->pipe_first = num(r, "pipeline_cold_ms");
                c->have = true;
            }
        } else if (!strcmp(item, "bench_variant")) { /* a variant this device does not run */
            const char *v = str(r, "kit_variant");
            for (int vi = 0; VARIANTS[vi]; ++vi)
                if (v && !strcmp(v, VARIANTS[vi])) snprintf(unavailable[vi], sizeof unavailable[vi], "%s", str(r, "detail") ? str(r, "detail") : "");
            add_check(groups, &ngroups, CAP, r);
        } else if (!strcmp(item, "torch_peer")) {
            if (str(r, "status") && strcmp(str(r, "status"), "PASS")) {
                snprintf(peer_note, sizeof peer_note, "%s", str(r, "detail") ? str(r, "detail") : "");
            } else if (npeers < 32) {
                peers[npeers++] = r, keep = true;
            }
        } else {
            if (!strcmp(item, "devices")) {
                cJSON_Delete(devices);
                devices = cJSON_Duplicate(r, true);
            }
            if (!strcmp(item, "peak") && str(r, "device")) {
                cJSON_Delete(peak);
                peak = cJSON_Duplicate(r, true);
            }
            add_check(groups, &ngroups, CAP, r);
        }
        if (!keep) cJSON_Delete(r);
    }
    fclose(in);

    const char *mode = start ? str(start, "mode") : NULL;
    printf("vkbert GPU kit: %s run", mode ? mode : "?");
    if (start && str(start, "started")) printf(", started %s", str(start, "started"));
    if (end) printf(", %.0f s of its %.0f s budget", num(end, "elapsed_s"), num(end, "budget_s"));
    printf("\n");
    if (start && str(start, "kit")) printf("kit: %s\n", str(start, "kit"));
    if (devices && str(devices, "device")) printf("device: %s\n", str(devices, "device"));
    if (start && str(start, "icd")) printf("Vulkan drivers: %s\n", str(start, "icd"));
    if (peak) {
        printf("peak (bench --peak):");
        const cJSON *e;
        cJSON_ArrayForEach(e, peak) {
            if (!strncmp(e->string, "peak_gflops_", 12) && cJSON_IsNumber(e)) printf(" %s %.0f GFLOP/s,", e->string + 12, e->valuedouble);
            else if (!strncmp(e->string, "peak_gflops_", 12)) printf(" %s -,", e->string + 12);
        }
        printf(" bandwidth %.0f GB/s\n", num(peak, "bandwidth_gbs"));
    }
    printf("\n%-34s %-7s %s\n", "check", "status", "detail");
    for (int i = 0; i < ngroups; ++i) {
        group *g = &groups[i];
        int total = g->pass + g->fail + g->skip + g->timeout;
        const char *status = g->fail ? "FAIL" : g->timeout ? "TIMEOUT" : g->pass ? "PASS" : "SKIP";
        char label[96], counts[64] = "";
        snprintf(label, sizeof label, "%s%s%s", g->item, g->name[0] ? " " : "", g->name);
        if (total > 1)
            snprintf(counts, sizeof counts, "%d/%d passed: ", g->pass, total);
        printf("%-34.34s %-7s %s%.*s\n", label, status, counts, (int)(110 - strlen(counts)), g->detail);
        passes += g->pass;
        fails += g->fail;
        skips += g->skip;
        timeouts += g->timeout;
    }
    if (nshapes) {
        double p32 = peak ? num(peak, "peak_gflops_fp32") : NAN, pcm = peak ? num(peak, "peak_gflops_coopmat") : NAN;
        printf("\nbench %s (random weights): tokens/s, %% of the fp32 FMA peak (coopmat runs: of the "
               "matrix units' peak), ms per encode (median)\n", model[0] ? model : "?");
        printf("%-12s", "shape");
        for (int vi = 0; VARIANTS[vi]; ++vi) printf(" %-26s", VARIANTS[vi]);
        printf("\n");
        for (int si = 0; si < nshapes; ++si) {
            printf("%-12s", shapes[si]);
            for (int vi = 0; VARIANTS[vi]; ++vi) {
                bench_cell *c = &cells[si][vi];
                char cell[64], rate[16];
                if (unavailable[vi][0] && (!c->have || strcmp(c->ran, VARIANTS[vi])))
                    snprintf(cell, sizeof cell, "not available");
                else if (!c->have)
                    snprintf(cell, sizeof cell, "-");
                else {
                    fmt_rate(rate, sizeof rate, c->tps);
                    double p = !strcmp(c->ran, "coopmat") && pcm > 0 ? pcm : p32;
                    if (p > 0) snprintf(cell, sizeof cell, "%s %.1f%% %.2fms", rate, 100 * c->gflops / p, c->ms);
                    else snprintf(cell, sizeof cell, "%s %.2fms", rate, c->ms);
                }
                printf(" %-26s", cell);
            }
            printf("\n");
        }
        printf("%-12s", "ran");
        for (int vi = 0; VARIANTS[vi]; ++vi) {
            char cell[64] = "-";
            for (int si = 0; si < nshapes; ++si)
                if (cells[si][vi].have && !(unavailable[vi][0] && strcmp(cells[si][vi].ran, VARIANTS[vi]))) snprintf(cell, sizeof cell, "%s matmul, %s weights", cells[si][vi].ran, cells[si][vi].precision);
            printf(" %-26s", cell);
        }
        printf("\n%-12s", "pipelines ms");
        for (int vi = 0; VARIANTS[vi]; ++vi) {
            char cell[64] = "-";
            if (cells[0][vi].have && !(unavailable[vi][0] && strcmp(cells[0][vi].ran, VARIANTS[vi]))) {
                char a[16] = "-", b[16] = "-";
                if (cells[0][vi].pipe_first == cells[0][vi].pipe_first) snprintf(a, sizeof a, "%.0f", cells[0][vi].pipe_first);
                if (cells[0][vi].pipe_second == cells[0][vi].pipe_second) snprintf(b, sizeof b, "%.0f", cells[0][vi].pipe_second);
                snprintf(cell, sizeof cell, "cold %s, warm %s", a, b);
            }
            printf(" %-26s", cell);
        }
        printf("\n");
        printf("(pipelines: creation for %s, first run with an empty cache, then again with the cache file it left)\n",
               shapes[0]);
    }
    if (npeers) {
        printf("\nPyTorch peer (%s, torch %s on %s; the same shapes, its own random weights): tokens/s, ms\n",
               str(peers[0], "impl") ? str(peers[0], "impl") : "?", str(peers[0], "torch") ? str(peers[0], "torch") : "?",
               str(peers[0], "torch_device") ? str(peers[0], "torch_device") : "?");
        for (int i = 0; i < npeers; ++i) {
            char rate[16];
            fmt_rate(rate, sizeof rate, num(peers[i], "tokens_per_s"));
            printf("  %-12s %-5s %8s tokens/s %9.2f ms", str(peers[i], "shape") ? str(peers[i], "shape") : "?",
                   str(peers[i], "dtype") ? str(peers[i], "dtype") : "?", rate, num(peers[i], "ms_median"));
            /* vkbert's figure for the same shape and precision, when there is one */
            const char *sh = str(peers[i], "shape"), *dt = str(peers[i], "dtype");
            for (int si = 0; sh && dt && si < nshapes; ++si)
                for (int vi = 0; VARIANTS[vi]; ++vi)
                    if (!strcmp(shapes[si], sh) && !strcmp(VARIANTS[vi], dt) && cells[si][vi].have &&
                        num(peers[i], "tokens_per_s") > 0)
                        printf("   vkbert %s: %.2fx", dt, cells[si][vi].tps / num(peers[i], "tokens_per_s"));
            printf("\n");
            cJSON_Delete(peers[i]);
        }
        if (peer_note[0]) printf("  (%s)\n", peer_note);
    } else {
        printf("\nPyTorch peer: %s\n", peer_note[0] ? peer_note : "no records");
    }
    printf("\nresult: %s (%d passed, %d failed, %d timed out, %d skipped)\n",
           fails ? "FAIL" : timeouts ? "INCOMPLETE" : passes ? "PASS" : "NOTHING RAN", passes, fails, timeouts, skips);
    cJSON_Delete(start);
    cJSON_Delete(end);
    cJSON_Delete(devices);
    cJSON_Delete(peak);
    return fails ? 1 : timeouts ? 3 : passes ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "mlm")) return cmd_mlm(argc, argv);
    if (!strcmp(argv[1], "embed")) return cmd_embed(argc, argv);
    if (!strcmp(argv[1], "record")) return cmd_record(argc, argv);
    if (!strcmp(argv[1], "tag")) return cmd_tag(argc, argv);
    if (!strcmp(argv[1], "get")) return cmd_get(argc, argv);
    if (!strcmp(argv[1], "summary")) return cmd_summary(argc, argv);
    fprintf(stderr, "vkbert-kit-check: unknown command %s\n%s", argv[1], USAGE);
    return 2;
}
