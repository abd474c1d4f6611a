/* vkbert bench: times a model on this device. Random weights of a named shape (nothing to
 * download) or a model directory; batch and sequence sweeps; warm-up then timed encodes
 * (median and spread); per-kernel GPU time from timestamps, by kind and by layer;
 * analytic GFLOP/s as a share of the device's own measured peak; memory, model load and
 * pipeline creation (cold and warm). --json writes one self-describing record per line. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *USAGE_BENCH =
    "usage: vkbert bench [--shape NAME | -m DIR] [--batch LIST] [--seq LIST] [options]\n"
    "\n"
    "Times the encoder + MLM head on this device and reports per-kernel figures.\n"
    "  --shape NAME        bert-base (default), bert-large, bert-tiny, minilm-l6, distilbert-base:\n"
    "                      random weights\n"
    "  -m, --model DIR     a Hugging Face model directory instead\n"
    "  --layers N --hidden N --heads N --intermediate N --vocab N --positions N\n"
    "                      change the shape (any BERT config)\n"
    "  --batch LIST        sequences per encode, e.g. 1,2,4 (default 1)\n"
    "  --seq LIST          tokens per sequence, e.g. 32,128,512 (default 128)\n"
    "  --iters N           timed encodes per configuration (default 10)\n"
    "  --warmup N          untimed encodes first (default 2)\n"
    "  --precision P       weights fp32, fp16 or auto (default: the device's fastest accurate one)\n"
    "  --peak              only measure the device's peak FMA throughput and bandwidth\n"
    "  --no-peak           skip the peak measurement (no share-of-peak figures)\n"
    "  --device SEL        device index or part of its name\n"
    "  --json              one JSON record per configuration (JSON Lines)\n"
    "  --matmul V          matmul design for tuning runs: texel, tiled or storage (default: the\n"
    "                      device-class table; VKBERT_MATMUL when not given)\n"
    "  --tile X,Y,M,N      matmul_tiled workgroup X x Y, M x N outputs per invocation (VKBERT_TILE)\n"
    "  --texel-rows N      matmul_texel rows per subgroup: 8, 16, 24 or 32 (default; VKBERT_TEXEL_ROWS)\n";

typedef struct shape { const char *name; vkbert_model_config cfg; } shape;
static const shape SHAPES[] = {
    {"bert-base", {30522, 768, 12, 12, 3072, 512, 2, 1e-12f}},
    {"bert-large", {30522, 1024, 24, 16, 4096, 512, 2, 1e-12f}},
    {"bert-tiny", {30522, 128, 2, 2, 512, 512, 2, 1e-12f}},
    {"minilm-l6", {30522, 384, 6, 12, 1536, 512, 2, 1e-12f}},
    {"distilbert-base", {30522, 768, 6, 12, 3072, 512, 0, 1e-12f, "distilbert"}},
};

typedef struct bench_opts {
    const char *model, *shape, *device, *precision;
    vkbert_model_config over;     /* non-zero fields override the shape */
    vkbert_matmul matmul;         /* --matmul, --tile, --texel-rows: context desc fields */
    uint32_t tile[4], texel_rows;
    uint32_t batches[16], seqs[16];
    int nbatch, nseq, iters, warmup;
    bool peak_only, no_peak, json, verbose;
} bench_opts;

/* A monotonic clock: timespec_get (C11) is in Bionic only from API level 29, above the
 * Android floor of 26, and its TIME_UTC is the wall clock, which can jump. */
static double now_ms(void) {
    struct timespec t;
#if defined(_WIN32)
    timespec_get(&t, TIME_UTC);
#else
    clock_gettime(CLOCK_MONOTONIC, &t);
#endif
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int parse_list(const char *s, uint32_t *out, int cap, const char *what) {
    int n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (errno || end == p || v == 0 || v > 65536 || n == cap || (*end && *end != ','))
            return -fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s must be a list of positive integers, not \"%s\"",
                         what, s);
        out[n++] = (uint32_t)v;
        p = *end ? end + 1 : end;
    }
    if (n == 0) return -fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s is empty", what);
    return n;
}

static int parse_u32(const char *flag, const char *v, uint32_t *out) {
    char *end;
    errno = 0;
    unsigned long x = v ? strtoul(v, &end, 10) : 0;
    if (!v || errno || *end || x == 0 || x > 1000000)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a positive integer", flag);
    *out = (uint32_t)x;
    return -1;
}

static int parse_bench(int argc, char **argv, bench_opts *o) {
    for (int i = 0; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint32_t *u = NULL, tmp = 0;
        int rc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("%s", USAGE_BENCH);
            return 0;
        } else if (!strcmp(a, "--json")) { o->json = g_json = true; continue; }
        else if (!strcmp(a, "--peak")) { o->peak_only = true; continue; }
        else if (!strcmp(a, "--no-peak")) { o->no_peak = true; continue; }
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) { o->verbose = true; continue; }
        if (!v) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value (see --help)", a);
        ++i;
        if (!strcmp(a, "-m") || !strcmp(a, "--model")) o->model = v;
        else if (!strcmp(a, "--shape")) o->shape = v;
        else if (!strcmp(a, "--device")) o->device = v;
        else if (!strcmp(a, "--precision")) o->precision = v;
        else if (!strcmp(a, "--matmul")) {
            if (strcmp(v, "texel") && strcmp(v, "tiled") && strcmp(v, "storage"))
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--matmul must be texel, tiled or storage");
            o->matmul = !strcmp(v, "texel") ? VKBERT_MATMUL_TEXEL : !strcmp(v, "tiled") ? VKBERT_MATMUL_TILED
                                                                                       : VKBERT_MATMUL_STORAGE;
        } else if (!strcmp(a, "--tile")) {
            unsigned t[4];
            char end;
            if (sscanf(v, "%u,%u,%u,%u%c", &t[0], &t[1], &t[2], &t[3], &end) != 4 || !t[0] || !t[1] || !t[2] || !t[3] ||
                t[2] * t[3] > 64)
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--tile must be X,Y,M,N with M*N <= 64");
            for (int j = 0; j < 4; ++j) o->tile[j] = t[j];
        } else if (!strcmp(a, "--texel-rows")) {
            if (strcmp(v, "8") && strcmp(v, "16") && strcmp(v, "24") && strcmp(v, "32"))
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--texel-rows must be 8, 16, 24 or 32");
            o->texel_rows = (uint32_t)atoi(v);
        }
        else if (!strcmp(a, "--batch")) { if ((o->nbatch = parse_list(v, o->batches, 16, "--batch")) < 0) return -o->nbatch; }
        else if (!strcmp(a, "--seq")) { if ((o->nseq = parse_list(v, o->seqs, 16, "--seq")) < 0) return -o->nseq; }
        else if (!strcmp(a, "--iters")) { if ((rc = parse_u32(a, v, &tmp)) >= 0) return rc; o->iters = (int)tmp; }
        else if (!strcmp(a, "--warmup")) {
            char *end;
            long w = strtol(v, &end, 10);
            if (*end || w < 0 || w > 1000) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--warmup needs 0..1000");
            o->warmup = (int)w;
        }
        else if (!strcmp(a, "--layers")) u = &o->over.num_hidden_layers;
        else if (!strcmp(a, "--hidden")) u = &o->over.hidden_size;
        else if (!strcmp(a, "--heads")) u = &o->over.num_attention_heads;
        else if (!strcmp(a, "--intermediate")) u = &o->over.intermediate_size;
        else if (!strcmp(a, "--vocab")) u = &o->over.vocab_size;
        else if (!strcmp(a, "--positions")) u = &o->over.max_position_embeddings;
        else return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see --help)", a);
        if (u && (rc = parse_u32(a, v, u)) >= 0) return rc;
    }
    return -1;
}

static const char *type_name(vkbert_device_type t) {
    static const char *n[] = {"other", "integrated", "discrete", "virtual", "cpu"};
    return (unsigned)t < 5 ? n[t] : "other";
}

static void add_device(cJSON *r, const vkbert_device_info *d) {
    char api[32];
    version_string(d->api_version, api, sizeof api);
    cJSON_AddStringToObject(r, "device", d->name);
    cJSON_AddStringToObject(r, "vendor", d->vendor);
    cJSON_AddStringToObject(r, "device_type", type_name(d->type));
    cJSON_AddStringToObject(r, "driver", d->driver_name);
    cJSON_AddStringToObject(r, "driver_info", d->driver_info);
    cJSON_AddNumberToObject(r, "driver_version", d->driver_version);
    cJSON_AddStringToObject(r, "vulkan", api);
}

static void emit(cJSON *r) {
    char *s = cJSON_PrintUnformatted(r);
    if (s) printf("%s\n", s);
    fflush(stdout);
    free(s);
    cJSON_Delete(r);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, int n, double p) {
    double pos = p * (n - 1);
    int i = (int)pos;
    return i + 1 < n ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

typedef struct setup {
    vkbert_context *ctx;
    vkbert_model *model;
    const char *model_name;
    double load_ms, pipeline_cold_ms, pipeline_warm_ms;
    vkbert_peak peak;
    bool have_peak;
    const char *variant;
} setup;

/* Warm pipeline creation: a second context seeded with the first one's pipeline cache
 * builds the same kernels for a one-layer model of the same widths. */
static vkbert_status warm_pipelines(const bench_opts *o, setup *su, const vkbert_model_config *cfg, uint32_t seq) {
    size_t size = 0;
    vkbert_context_pipeline_cache(su->ctx, NULL, 0, &size);
    void *data = malloc(size ? size : 1);
    vkbert_status st = data ? vkbert_context_pipeline_cache(su->ctx, data, size, &size) : VKBERT_ERROR_OUT_OF_HOST_MEMORY;
    bool verbose = o->verbose;
    vkbert_context *c2 = NULL;
    vkbert_model *m2 = NULL;
    vkbert_session *s2 = NULL;
    if (!st)
        st = vkbert_context_create(&(vkbert_context_desc){.device = o->device, .log = on_log, .log_user = &verbose,
                                                          .precision = vkbert_context_precision(su->ctx),
                                                          .matmul = o->matmul, .texel_rows = o->texel_rows,
                                                          .tile = {o->tile[0], o->tile[1], o->tile[2], o->tile[3]},
                                                          .pipeline_cache_data = data, .pipeline_cache_size = size}, &c2);
    vkbert_model_config small = *cfg;
    small.num_hidden_layers = 1;
    small.vocab_size = 128;
    if (!st) st = vkbert_model_create_random(c2, &small, 1, true, &m2);
    if (!st) st = vkbert_session_create(m2, &(vkbert_session_desc){.max_seq = seq, .max_head_rows = 1}, &s2);
    vkbert_context_stats stats;
    vkbert_context_get_stats(c2, &stats);
    su->pipeline_warm_ms = stats.pipeline_create_ms;
    vkbert_session_destroy(s2);
    vkbert_model_destroy(m2);
    vkbert_context_destroy(c2);
    free(data);
    return st;
}

static int run_config(const bench_opts *o, setup *su, uint32_t batch, uint32_t seq, bool first) {
    const vkbert_model_config *cfg = vkbert_model_get_config(su->model);
    if (seq > cfg->max_position_embeddings)
        return fail(1, VKBERT_ERROR_TOO_LONG, "--seq %u is over the model's %u positions", seq, cfg->max_position_embeddings);
    bool head = vkbert_model_has_mlm_head(su->model);
    vkbert_session *s = NULL;
    vkbert_context_stats before, after;
    vkbert_context_get_stats(su->ctx, &before);
    vkbert_status st = vkbert_session_create(su->model, &(vkbert_session_desc){.max_batch = batch, .max_seq = seq,
                                                                             .max_head_rows = batch, .profile = true},
                                             &s);
    vkbert_context_get_stats(su->ctx, &after);
    if (st) return fail_status(st);
    if (first) {
        su->pipeline_cold_ms = after.pipeline_create_ms - before.pipeline_create_ms;
        st = warm_pipelines(o, su, cfg, seq);
        if (st) {
            vkbert_session_destroy(s);
            return fail_status(st);
        }
    }
    /* [CLS] [MASK] w w ... [SEP] with ids from the body of the vocabulary */
    int32_t *ids = malloc((size_t)batch * seq * sizeof *ids);
    vkbert_sequence *seqs = malloc(batch * sizeof *seqs);
    uint64_t rng = 12345;
    for (uint32_t b = 0; b < batch; ++b) {
        for (uint32_t i = 0; i < seq; ++i) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            ids[b * seq + i] = (int32_t)(cfg->vocab_size > 2000 ? 1000 + (rng >> 33) % (cfg->vocab_size - 1000)
                                                                 : (rng >> 33) % cfg->vocab_size);
        }
        if (cfg->vocab_size > 103 && seq >= 3) {
            ids[b * seq] = 101;
            ids[b * seq + 1] = 103;
            ids[b * seq + seq - 1] = 102;
        }
        seqs[b] = (vkbert_sequence){ids + (size_t)b * seq, NULL, seq};
    }
    int n = o->iters;
    double *ms = calloc((size_t)n, sizeof *ms);
    bool tty = isatty(2) && !o->verbose;
    for (int i = 0; i < o->warmup + n && !st; ++i) {
        if (tty) fprintf(stderr, "\rbench: batch %u x seq %u: %s %d/%d   ", batch, seq,
                         i < o->warmup ? "warm-up" : "iteration", i < o->warmup ? i + 1 : i - o->warmup + 1,
                         i < o->warmup ? o->warmup : n);
        double t0 = now_ms();
        st = vkbert_session_encode(s, seqs, batch);
        if (i >= o->warmup) ms[i - o->warmup] = now_ms() - t0;
    }
    if (tty) fprintf(stderr, "\r%60s\r", "");
    size_t nk = 0;
    vkbert_kernel_time *kt = NULL;
    if (!st) {
        vkbert_session_profile(s, NULL, 0, &nk);
        kt = calloc(nk ? nk : 1, sizeof *kt);
        st = vkbert_session_profile(s, kt, nk, &nk);
    }
    if (st) {
        int rc = fail_status(st);
        free(ids); free(seqs); free(ms); free(kt);
        vkbert_session_destroy(s);
        return rc;
    }
    double *sorted = malloc((size_t)n * sizeof *sorted);
    memcpy(sorted, ms, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
    double med = percentile(sorted, n, 0.5), p10 = percentile(sorted, n, 0.1), p90 = percentile(sorted, n, 0.9);
    double flops = 0, gpu_ms = 0;
    for (size_t i = 0; i < nk; ++i) {
        flops += kt[i].flops;
        gpu_ms += kt[i].ms;
    }
    double gflops = flops / (med * 1e-3) * 1e-9;
    double peak = su->have_peak ? su->peak.gflops_fp32 : 0;
    uint64_t mem = vkbert_model_device_bytes(su->model) + vkbert_session_device_bytes(s);

    /* group kernels by kind (in first-seen order) and by layer */
    const char *kinds[32];
    double kms[32] = {0}, kfl[32] = {0};
    int kcount[32] = {0}, nkinds = 0;
    int32_t layers = (int32_t)cfg->num_hidden_layers;
    double *lms = calloc((size_t)layers + 1, sizeof *lms);
    for (size_t i = 0; i < nk; ++i) {
        int k = 0;
        while (k < nkinds && strcmp(kinds[k], kt[i].kind)) ++k;
        if (k == nkinds && nkinds < 32) kinds[nkinds++] = kt[i].kind;
        if (k < 32) {
            kms[k] += kt[i].ms;
            kfl[k] += kt[i].flops;
            kcount[k]++;
        }
        lms[kt[i].layer >= 0 && kt[i].layer < layers ? kt[i].layer : layers] += kt[i].ms;
    }
    if (o->json) {
        cJSON *r = cJSON_CreateObject();
        add_device(r, vkbert_context_device(su->ctx));
        cJSON_AddStringToObject(r, "precision", vkbert_context_precision(su->ctx) == VKBERT_PRECISION_FP16 ? "fp16" : "fp32");
        cJSON_AddStringToObject(r, "kernel_variant", su->variant);
        cJSON_AddStringToObject(r, "model", su->model_name);
        cJSON_AddItemToObject(r, "options", options_json(su->ctx));
        cJSON *c = cJSON_AddObjectToObject(r, "config");
        cJSON_AddStringToObject(c, "family", cfg->family ? cfg->family : "bert");
        cJSON_AddNumberToObject(c, "hidden_size", cfg->hidden_size);
        cJSON_AddNumberToObject(c, "num_hidden_layers", cfg->num_hidden_layers);
        cJSON_AddNumberToObject(c, "num_attention_heads", cfg->num_attention_heads);
        cJSON_AddNumberToObject(c, "intermediate_size", cfg->intermediate_size);
        cJSON_AddNumberToObject(c, "vocab_size", cfg->vocab_size);
        cJSON_AddNumberToObject(c, "max_position_embeddings", cfg->max_position_embeddings);
        cJSON_AddBoolToObject(r, "mlm_head", head);
        cJSON_AddNumberToObject(r, "batch", batch);
        cJSON_AddNumberToObject(r, "seq", seq);
        cJSON_AddNumberToObject(r, "tokens", (double)batch * seq);
        cJSON_AddNumberToObject(r, "iters", n);
        cJSON_AddNumberToObject(r, "warmup", o->warmup);
        cJSON_AddNumberToObject(r, "ms_median", med);
        cJSON_AddNumberToObject(r, "ms_p10", p10);
        cJSON_AddNumberToObject(r, "ms_p90", p90);
        cJSON_AddNumberToObject(r, "ms_min", sorted[0]);
        cJSON_AddNumberToObject(r, "gpu_ms", gpu_ms);
        cJSON_AddNumberToObject(r, "sequences_per_s", batch / (med * 1e-3));
        cJSON_AddNumberToObject(r, "tokens_per_s", (double)batch * seq / (med * 1e-3));
        cJSON_AddNumberToObject(r, "gflop", flops * 1e-9);
        cJSON_AddNumberToObject(r, "gflops", gflops);
        if (peak > 0) {
            cJSON_AddNumberToObject(r, "fraction_of_peak", gflops / peak);
            cJSON_AddNumberToObject(r, "peak_gflops_fp32", peak);
            if (su->peak.gflops_fp16 > 0) cJSON_AddNumberToObject(r, "peak_gflops_fp16", su->peak.gflops_fp16);
            else cJSON_AddNullToObject(r, "peak_gflops_fp16");
            cJSON_AddNumberToObject(r, "bandwidth_gbs", su->peak.bandwidth_gbs);
        }
        cJSON_AddNumberToObject(r, "device_memory_bytes", (double)mem);
        cJSON_AddNumberToObject(r, "model_load_ms", su->load_ms);
        cJSON_AddNumberToObject(r, "pipeline_cold_ms", su->pipeline_cold_ms);
        cJSON_AddNumberToObject(r, "pipeline_warm_ms", su->pipeline_warm_ms);
        cJSON *ka = cJSON_AddArrayToObject(r, "kernels");
        for (int k = 0; k < nkinds; ++k) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", kinds[k]);
            cJSON_AddNumberToObject(e, "ms", kms[k]);
            cJSON_AddNumberToObject(e, "gflops", kms[k] > 0 ? kfl[k] / (kms[k] * 1e-3) * 1e-9 : 0);
            cJSON_AddNumberToObject(e, "gflop", kfl[k] * 1e-9);
            cJSON_AddNumberToObject(e, "dispatches", kcount[k]);
            if (peak > 0 && kms[k] > 0) cJSON_AddNumberToObject(e, "fraction_of_peak", kfl[k] / (kms[k] * 1e-3) * 1e-9 / peak);
            cJSON_AddItemToArray(ka, e);
        }
        cJSON *la = cJSON_AddArrayToObject(r, "layers");
        for (int32_t l = 0; l <= layers; ++l) {
            cJSON *e = cJSON_CreateObject();
            if (l < layers) cJSON_AddNumberToObject(e, "layer", l);
            else cJSON_AddStringToObject(e, "layer", "embeddings+head");
            cJSON_AddNumberToObject(e, "ms", lms[l]);
            cJSON_AddItemToArray(la, e);
        }
        emit(r);
    } else {
        printf("batch %u x seq %u: %.2f ms median (p10 %.2f, p90 %.2f; %d runs), %.2f seq/s, %.1f tokens/s, "
               "%.2f GFLOP/s", batch, seq, med, p10, p90, n, batch / (med * 1e-3), (double)batch * seq / (med * 1e-3),
               gflops);
        if (peak > 0) printf(" (%.0f%% of peak)", 100.0 * gflops / peak);
        printf(", %.1f MiB device memory\n", (double)mem / (1 << 20));
        printf("  %-18s %10s %10s %8s %7s\n", "kernel", "GPU ms", "GFLOP/s", "% peak", "calls");
        for (int k = 0; k < nkinds; ++k) {
            double g = kms[k] > 0 ? kfl[k] / (kms[k] * 1e-3) * 1e-9 : 0;
            if (peak > 0) printf("  %-18s %10.3f %10.2f %7.1f%% %7d\n", kinds[k], kms[k], g, 100.0 * g / peak, kcount[k]);
            else printf("  %-18s %10.3f %10.2f %8s %7d\n", kinds[k], kms[k], g, "-", kcount[k]);
        }
        printf("  GPU total %.2f ms; per layer:", gpu_ms);
        for (int32_t l = 0; l < layers && l < 48; ++l) printf(" %.1f", lms[l]);
        printf(" ms; embeddings+head %.2f ms\n", lms[layers]);
    }
    free(lms); free(sorted); free(ids); free(seqs); free(ms); free(kt);
    vkbert_session_destroy(s);
    return 0;
}

int cmd_bench(int argc, char **argv) {
    bench_opts o = {.iters = 10, .warmup = 2};
    int rc = parse_bench(argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.model && o.shape) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "give --shape or -m, not both");
    if (o.precision && strcmp(o.precision, "fp32") && strcmp(o.precision, "fp16") && strcmp(o.precision, "auto"))
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--precision must be fp32, fp16 or auto");
    if (!o.nbatch) o.batches[o.nbatch++] = 1;
    if (!o.nseq) o.seqs[o.nseq++] = 128;
    const shape *sh = NULL;
    if (!o.model) {
        const char *name = o.shape ? o.shape : "bert-base";
        for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; ++i)
            if (!strcmp(SHAPES[i].name, name)) sh = &SHAPES[i];
        if (!sh)
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                        "unknown shape %s (bert-base, bert-large, bert-tiny, minilm-l6)", name);
    }
    setup su = {.model_name = o.model ? o.model : sh->name};
    bool verbose = o.verbose;
    vkbert_precision prec = !o.precision || !strcmp(o.precision, "auto") ? VKBERT_PRECISION_AUTO
                            : !strcmp(o.precision, "fp16")                ? VKBERT_PRECISION_FP16
                                                                          : VKBERT_PRECISION_FP32;
    vkbert_status st = vkbert_context_create(
        &(vkbert_context_desc){.device = o.device, .precision = prec, .matmul = o.matmul, .texel_rows = o.texel_rows,
                               .tile = {o.tile[0], o.tile[1], o.tile[2], o.tile[3]}, .log = on_log,
                               .log_user = &verbose},
        &su.ctx);
    if (st) return fail_status(st);
    const vkbert_device_info *dev = vkbert_context_device(su.ctx);
    su.variant = vkbert_context_matmul_variant(su.ctx);
    if (!o.no_peak) {
        if (!o.json && !o.peak_only) fprintf(stderr, "bench: measuring the device's peak...\n");
        st = vkbert_context_measure_peak(su.ctx, &su.peak);
        if (st) {
            rc = fail_status(st);
            vkbert_context_destroy(su.ctx);
            return rc;
        }
        su.have_peak = true;
    }
    if (o.peak_only) {
        if (o.json) {
            cJSON *r = cJSON_CreateObject();
            add_device(r, dev);
            cJSON_AddNumberToObject(r, "peak_gflops_fp32", su.peak.gflops_fp32);
            if (su.peak.gflops_fp16 > 0) cJSON_AddNumberToObject(r, "peak_gflops_fp16", su.peak.gflops_fp16);
            else cJSON_AddNullToObject(r, "peak_gflops_fp16");
            cJSON_AddNumberToObject(r, "bandwidth_gbs", su.peak.bandwidth_gbs);
            emit(r);
        } else {
            printf("%s (%s, %s): fp32 %.1f GFLOP/s, fp16 ", dev->name, dev->vendor, dev->driver_name, su.peak.gflops_fp32);
            if (su.peak.gflops_fp16 > 0) printf("%.1f GFLOP/s", su.peak.gflops_fp16);
            else printf("unsupported");
            printf(", bandwidth %.1f GB/s\n", su.peak.bandwidth_gbs);
        }
        vkbert_context_destroy(su.ctx);
        return 0;
    }
    double t0 = now_ms();
    if (o.model) {
        st = vkbert_model_load(su.ctx, &(vkbert_model_desc){.path = o.model}, &su.model);
    } else {
        vkbert_model_config cfg = sh->cfg;
        const vkbert_model_config *v = &o.over;
        if (v->vocab_size) cfg.vocab_size = v->vocab_size;
        if (v->hidden_size) cfg.hidden_size = v->hidden_size;
        if (v->num_hidden_layers) cfg.num_hidden_layers = v->num_hidden_layers;
        if (v->num_attention_heads) cfg.num_attention_heads = v->num_attention_heads;
        if (v->intermediate_size) cfg.intermediate_size = v->intermediate_size;
        if (v->max_position_embeddings) cfg.max_position_embeddings = v->max_position_embeddings;
        st = vkbert_model_create_random(su.ctx, &cfg, 7, true, &su.model);
    }
    su.load_ms = now_ms() - t0;
    if (st) {
        rc = fail_status(st);
        vkbert_context_destroy(su.ctx);
        return rc;
    }
    if (!o.json) {
        const vkbert_model_config *c = vkbert_model_get_config(su.model);
        printf("device: %s (%s, %s, %s)\n", dev->name, dev->vendor, type_name(dev->type), dev->driver_name);
        if (su.have_peak)
            printf("peak: fp32 %.1f GFLOP/s, fp16 %s%.1f GFLOP/s, bandwidth %.1f GB/s\n", su.peak.gflops_fp32,
                   su.peak.gflops_fp16 > 0 ? "" : "unsupported ", su.peak.gflops_fp16, su.peak.bandwidth_gbs);
        char line[1024];
        options_text(su.ctx, line, sizeof line);
        printf("%s\n", line);
        printf("model: %s%s (%s, %u layers, hidden %u, %u heads, intermediate %u), loaded in %.0f ms; "
               "matmul kernel %s; weights %s\n", su.model_name, o.model ? "" : " with random weights",
               c->family ? c->family : "bert", c->num_hidden_layers, c->hidden_size, c->num_attention_heads, c->intermediate_size, su.load_ms,
               su.variant, vkbert_context_precision(su.ctx) == VKBERT_PRECISION_FP16 ? "fp16" : "fp32");
    }
    rc = 0;
    bool first = true;
    for (int b = 0; b < o.nbatch && !rc; ++b)
        for (int q = 0; q < o.nseq && !rc; ++q) {
            rc = run_config(&o, &su, o.batches[b], o.seqs[q], first);
            if (first && !rc && !o.json)
                printf("pipelines: created cold in %.1f ms, warm (from the pipeline cache) in %.1f ms\n",
                       su.pipeline_cold_ms, su.pipeline_warm_ms);
            first = false;
        }
    vkbert_model_destroy(su.model);
    vkbert_context_destroy(su.ctx);
    return rc;
}
