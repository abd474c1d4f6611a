/* vkbert bench: times a model on this device. Random weights of a named shape (nothing to
 * download) or a model directory; batch and sequence sweeps; warm-up then timed encodes
 * (median and spread); per-kernel GPU time from timestamps, by kind and by layer;
 * analytic GFLOP/s as a share of the device's own measured peak; memory, model load and
 * pipeline creation (cold and warm). --json writes one self-describing record per line.
 * --task embed: sentence embeddings of many sentences of mixed lengths through the runner
 * (bench_embed below). */
#include "cli.h"
#include "plot.h"
#include "base/clock.h"
#include "base/fs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE_BENCH =
    "usage: vkbert bench [--shape NAME | -m DIR] [--batch LIST] [--seq LIST] [options]\n"
    "       vkbert bench --task embed [--shape NAME | -m DIR] [--batch LIST] [--sentences N] [options]\n"
    "       vkbert bench --tokenizer -m DIR [--text FILE] [--iters N] [--warmup N] [--json]\n"
    "\n"
    "Times the encoder + MLM head on this device and reports per-kernel figures.\n"
    "  --shape NAME        bert-base (default), bert-large, bert-tiny, minilm-l6, bge-small,\n"
    "                      distilbert-base, modernbert-base, nomic-v1.5,\n"
    "                      jina-v2-small: random weights\n"
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
    "  --plot FILE         also draw the sweeps: ms per encode, tokens/s and the share of peak\n"
    "                      against batch and sequence length (FILE ends in .png or .svg; see\n"
    "                      'vkbert bench-compare' to set runs on other devices side by side)\n"
    "  --matmul V          matmul design for tuning runs: texel, tiled, storage or coopmat\n"
    "                      (default: the device-class table; VKBERT_MATMUL when not given)\n"
    "  --tile X,Y,M,N      matmul_tiled workgroup X x Y, M x N outputs per invocation (VKBERT_TILE)\n"
    "  --texel-rows N      matmul_texel rows per subgroup: 8, 16, 24 or 32 (default; VKBERT_TEXEL_ROWS)\n"
    "\n"
    "--task embed: sentences per second of 'vkbert embed' (vkbert_runner_embed: tokenizing, sorting\n"
    "by length, batching, padding per batch, pooling, reading back) over sentences of random words\n"
    "whose lengths are drawn uniformly (seed 1), against the same sentences one at a time (max_batch\n"
    "1): both figures, the speedup and the share of computed tokens that were padding. A\n"
    "--shape model has random weights and a generated tokenizer of one-token words (mean pooling\n"
    "for minilm-l6, CLS for the others, normalised); -m DIR runs a model directory as it is.\n"
    "  --shape NAME        as above (default minilm-l6)\n"
    "  --batch LIST        the runner's max_batch, sequences per encode (default 32,128)\n"
    "  --sentences N       sentences per pass (default 1024)\n"
    "  --lengths MIN-MAX   tokens per sentence, [CLS] and [SEP] included (default 8-64)\n"
    "  --max-batch-tokens N  the runner's padded-token budget per encode (default: the runner's, 16384)\n"
    "  --iters N, --warmup N  timed and untimed passes over all sentences (default 3 and 1)\n"
    "\n"
    "--tokenizer: the tokenizer of DIR alone (tokenizer.json, vocab.txt or vocab.json + merges.txt;\n"
    "no device, no weights), one thread: every line of --text FILE (default: a made-up multilingual\n"
    "text of about 8 MB, which --save-text FILE also writes) one input with special tokens, no\n"
    "truncation; MB/s of the lines' UTF-8\n"
    "(median and best of --iters passes, default 5, after --warmup, default 1) and tokens/s.\n"
    "scripts/tokenizer-speed.sh runs Hugging Face's Rust tokenizers (npm) on the same text.\n";

/* pooling: what --task embed pools a random model of this shape with (the model it stands
 * for: all-MiniLM-L6-v2 means, bge-small-en-v1.5 takes [CLS]) */
typedef struct shape { const char *name; vkbert_model_config cfg; vkbert_pooling pooling; } shape;
static const shape SHAPES[] = {
    {"bert-base", {30522, 768, 12, 12, 3072, 512, 2, 1e-12f}, VKBERT_POOLING_CLS},
    {"bert-large", {30522, 1024, 24, 16, 4096, 512, 2, 1e-12f}, VKBERT_POOLING_CLS},
    {"bert-tiny", {30522, 128, 2, 2, 512, 512, 2, 1e-12f}, VKBERT_POOLING_CLS},
    {"minilm-l6", {30522, 384, 6, 12, 1536, 512, 2, 1e-12f}, VKBERT_POOLING_MEAN},
    {"bge-small", {30522, 384, 12, 12, 1536, 512, 2, 1e-12f}, VKBERT_POOLING_CLS},
    {"distilbert-base", {30522, 768, 6, 12, 3072, 512, 0, 1e-12f, "distilbert"}, VKBERT_POOLING_CLS},
    /* answerdotai/ModernBERT-base's config: 22 layers, every third global, the others +-64 keys */
    {"modernbert-base", {50368, 768, 22, 12, 1152, 8192, 0, 1e-5f, "modernbert", .rope_theta = 160000.0f,
                         .local_rope_theta = 10000.0f, .local_attention = 128, .global_attn_every_n_layers = 3},
     VKBERT_POOLING_MEAN},
    /* nomic-ai/nomic-embed-text-v1.5's: BERT-base widths, SwiGLU, rotary base 1000, 8192 positions */
    {"nomic-v1.5", {30528, 768, 12, 12, 3072, 8192, 2, 1e-12f, "nomic_bert", .rope_theta = 1000.0f},
     VKBERT_POOLING_MEAN},
    /* jinaai/jina-embeddings-v2-small-en's: 4 layers of 512, ALiBi, GeGLU, 8192 positions */
    {"jina-v2-small", {30528, 512, 4, 8, 2048, 8192, 2, 1e-12f, "jina_bert"}, VKBERT_POOLING_MEAN},
};

typedef struct bench_opts {
    const char *model, *shape, *device, *precision;
    const char *plot;             /* --plot FILE */
    vkbert_model_config over;     /* non-zero fields override the shape */
    vkbert_matmul matmul;         /* --matmul, --tile, --texel-rows: context desc fields */
    uint32_t tile[4], texel_rows;
    uint32_t batches[16], seqs[16];
    int nbatch, nseq, iters, warmup;   /* iters, warmup -1: the task's default */
    bool peak_only, no_peak, json, verbose;
    bool embed;                        /* --task embed */
    bool tokenizer;                    /* --tokenizer (bench_tok.c) */
    const char *text, *save_text;      /* --tokenizer's --text FILE, --save-text FILE */
    uint32_t sentences, min_len, max_len, max_batch_tokens;
} bench_opts;

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
        else if (!strcmp(a, "--tokenizer")) { o->tokenizer = true; continue; }
        else if (!strcmp(a, "--no-peak")) { o->no_peak = true; continue; }
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) { o->verbose = true; continue; }
        if (!v) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value (see --help)", a);
        ++i;
        if (!strcmp(a, "-m") || !strcmp(a, "--model")) o->model = v;
        else if (!strcmp(a, "--shape")) o->shape = v;
        else if (!strcmp(a, "--device")) o->device = v;
        else if (!strcmp(a, "--precision")) o->precision = v;
        else if (!strcmp(a, "--plot")) o->plot = v;
        else if (!strcmp(a, "--matmul")) {
            if (strcmp(v, "texel") && strcmp(v, "tiled") && strcmp(v, "storage") && strcmp(v, "coopmat"))
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--matmul must be texel, tiled, storage or coopmat");
            o->matmul = !strcmp(v, "texel")   ? VKBERT_MATMUL_TEXEL
                        : !strcmp(v, "tiled") ? VKBERT_MATMUL_TILED
                        : !strcmp(v, "coopmat") ? VKBERT_MATMUL_COOPMAT
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
        else if (!strcmp(a, "--task")) {
            if (strcmp(v, "mlm") && strcmp(v, "embed"))
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--task must be mlm or embed, not \"%s\"", v);
            o->embed = !strcmp(v, "embed");
        } else if (!strcmp(a, "--lengths")) {
            unsigned lo, hi;
            char end;
            if (sscanf(v, "%u-%u%c", &lo, &hi, &end) != 2 || lo < 3 || hi < lo || hi > 65536)
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                            "--lengths must be MIN-MAX tokens with 3 <= MIN <= MAX, not \"%s\"", v);
            o->min_len = lo;
            o->max_len = hi;
        }
        else if (!strcmp(a, "--text")) o->text = v;
        else if (!strcmp(a, "--save-text")) o->save_text = v;
        else if (!strcmp(a, "--sentences")) u = &o->sentences;
        else if (!strcmp(a, "--max-batch-tokens")) u = &o->max_batch_tokens;
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

/* What every record starts with: the device, precision, kernels, model, options and config. */
static cJSON *record_start(const setup *su, const vkbert_model_config *cfg) {
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
    cJSON_AddNumberToObject(c, "embedding_size", cfg->embedding_size); /* hidden_size but in ALBERT, ELECTRA */
    cJSON_AddStringToObject(c, "hidden_act", cfg->hidden_act ? cfg->hidden_act : "gelu");
    return r;
}

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

/* One configuration, the `index`th of `total` (for the progress line); its figures in *pt. */
static int run_config(const bench_opts *o, setup *su, uint32_t batch, uint32_t seq, bool first, int index, int total,
                      chart_point *pt) {
    const vkbert_model_config *cfg = vkbert_model_get_config(su->model);
    if (seq > cfg->max_tokens)
        return fail(1, VKBERT_ERROR_TOO_LONG, "--seq %u is over the model's %u tokens", seq, cfg->max_tokens);
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
    /* progress only for someone watching: a terminal, not a pipe, not JSON */
    bool tty = vkb_is_terminal(stderr) && !o->verbose && !o->json;
    for (int i = 0; i < o->warmup + n && !st; ++i) {
        if (tty) fprintf(stderr, "\rbench: batch %u seq %u (%d/%d): %s %d/%d   ", batch, seq, index, total,
                         i < o->warmup ? "warm-up" : "iteration", i < o->warmup ? i + 1 : i - o->warmup + 1,
                         i < o->warmup ? o->warmup : n);
        double t0 = vkb_now_ms();
        st = vkbert_session_encode(s, seqs, batch);
        if (i >= o->warmup) ms[i - o->warmup] = vkb_now_ms() - t0;
    }
    if (tty) fprintf(stderr, "\r%70s\r", "");
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
    /* a coopmat run is set against the matrix units' peak, every other one against fp32 FMA */
    bool coop = !strcmp(su->variant, "coopmat") && su->peak.gflops_coopmat > 0;
    double peak = !su->have_peak ? 0 : coop ? su->peak.gflops_coopmat : su->peak.gflops_fp32;
    uint64_t mem = vkbert_model_device_bytes(su->model) + vkbert_session_device_bytes(s);
    *pt = (chart_point){batch, seq, med, (double)batch * seq / (med * 1e-3), peak > 0 ? gflops / peak : -1};

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
        cJSON *r = record_start(su, cfg);
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
            cJSON_AddStringToObject(r, "peak_kind", coop ? "coopmat" : "fp32");
            cJSON_AddNumberToObject(r, "peak_gflops_fp32", su->peak.gflops_fp32);
            if (su->peak.gflops_fp16 > 0) cJSON_AddNumberToObject(r, "peak_gflops_fp16", su->peak.gflops_fp16);
            else cJSON_AddNullToObject(r, "peak_gflops_fp16");
            if (su->peak.gflops_coopmat > 0) cJSON_AddNumberToObject(r, "peak_gflops_coopmat", su->peak.gflops_coopmat);
            else cJSON_AddNullToObject(r, "peak_gflops_coopmat");
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

/* ---- --task embed ------------------------------------------------------------------- */

/* The runner takes texts, and a model from vkbert_model_create_random has no tokenizer: for a
 * --shape model the benchmark makes one (vkbert_tokenizer_load_memory) of a vocabulary that
 * fits the model, the special tokens where BERT has them and generated four-letter words, each
 * one WordPiece token (a sentence of n words is n + 2 tokens), and gives it to the runner
 * (vkbert_runner_desc.tokenizer). Driving the runner rather than sessions keeps the figures
 * those of 'vkbert embed' (tokenizing, sorting by length, batching, padding, pooling, reading
 * back) without a copy of its batching here. */
static vkbert_status make_tokenizer(uint32_t vocab_size, vkbert_tokenizer **out) {
    *out = NULL;
    if (vocab_size < 200 || vocab_size > 104 + 26 * 26 * 26 * 26) return VKBERT_ERROR_INVALID_ARGUMENT;
    char *vocab = malloc((size_t)vocab_size * 12 + 1);
    if (!vocab) return VKBERT_ERROR_OUT_OF_HOST_MEMORY;
    /* [PAD], [unused0..98], [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, then words */
    static const char *SPECIAL[] = {"[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    size_t size = 0;
    for (uint32_t id = 0; id < vocab_size; ++id) {
        char w[16] = "[PAD]";
        if (id > 0 && id < 100) {
            snprintf(w, sizeof w, "[unused%u]", id - 1);
        } else if (id >= 100 && id <= 103) {
            strcpy(w, SPECIAL[id - 100]);
        } else if (id > 103) { /* "aaaa", "aaab", ...: 26^4 words */
            uint32_t x = id - 104;
            for (int p = 3; p >= 0; --p, x /= 26) w[p] = (char)('a' + x % 26);
            w[4] = '\0';
        }
        size += (size_t)snprintf(vocab + size, 13, "%s\n", w);
    }
    vkbert_status st = vkbert_tokenizer_load_memory(vocab, size, NULL, 0, out);
    free(vocab);
    return st;
}

/* `count` sentences of words from the model's vocabulary (its entries of two or more lowercase
 * letters: one token each), lengths uniform in [min_len, max_len] tokens with [CLS] and [SEP]
 * (their sum added to *drawn); one block of text, the sentences NUL-separated. NULL when the
 * vocabulary has no such words. */
static char **make_sentences(const vkbert_tokenizer *tok, uint32_t count, uint32_t min_len, uint32_t max_len,
                             uint64_t seed, char **block, uint64_t *drawn) {
    uint32_t vocab = vkbert_tokenizer_vocab_size(tok), nwords = 0;
    int32_t *words = malloc((vocab ? vocab : 1) * sizeof *words);
    for (uint32_t id = 0; words && id < vocab; ++id) {
        const char *w = vkbert_tokenizer_token(tok, (int32_t)id);
        size_t len = w ? strlen(w) : 0;
        bool ok = len >= 2 && len <= 16;
        for (size_t i = 0; ok && i < len; ++i) ok = w[i] >= 'a' && w[i] <= 'z';
        if (ok) words[nwords++] = (int32_t)id;
    }
    char **texts = NULL;
    *block = NULL;
    if (nwords > 0) {
        *block = malloc((size_t)count * max_len * 17 + 1);
        texts = malloc((size_t)count * sizeof *texts);
    }
    if (!*block || !texts) {
        free(*block);
        free(texts);
        free(words);
        *block = NULL;
        return NULL;
    }
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
    char *p = *block;
    for (uint32_t s = 0; s < count; ++s) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t len = min_len + (uint32_t)((rng >> 33) % (max_len - min_len + 1));
        *drawn += len;
        texts[s] = p;
        for (uint32_t w = 0; w + 2 < len; ++w) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            const char *word = vkbert_tokenizer_token(tok, words[(rng >> 33) % nwords]);
            if (w) *p++ = ' ';
            size_t n = strlen(word);
            memcpy(p, word, n);
            p += n;
        }
        *p++ = '\0';
    }
    free(words);
    return texts;
}

/* One configuration's passes: warm-up, then timed; the last pass's stats. */
typedef struct embed_timing {
    double med, p10, p90, min;
    vkbert_run_stats stats;
} embed_timing;

static vkbert_status time_embed(const bench_opts *o, vkbert_model *model, const vkbert_runner_desc *desc,
                                const char *const *texts, float *out, size_t cap, const char *label,
                                embed_timing *t) {
    vkbert_runner *r = NULL;
    vkbert_status st = vkbert_runner_create(model, desc, &r);
    double *ms = calloc((size_t)o->iters, sizeof *ms);
    if (!st && !ms) st = VKBERT_ERROR_OUT_OF_HOST_MEMORY;
    bool tty = vkb_is_terminal(stderr) && !o->verbose && !o->json;
    for (int i = 0; i < o->warmup + o->iters && !st; ++i) {
        if (tty)
            fprintf(stderr, "\rbench: embed %s: %s %d/%d   ", label, i < o->warmup ? "warm-up" : "pass",
                    i < o->warmup ? i + 1 : i - o->warmup + 1, i < o->warmup ? o->warmup : o->iters);
        double t0 = vkb_now_ms();
        st = vkbert_runner_embed(r, texts, o->sentences, out, cap, &t->stats);
        if (i >= o->warmup) ms[i - o->warmup] = vkb_now_ms() - t0;
    }
    if (tty) fprintf(stderr, "\r%60s\r", "");
    if (!st) {
        qsort(ms, (size_t)o->iters, sizeof *ms, cmp_double);
        t->med = percentile(ms, o->iters, 0.5);
        t->p10 = percentile(ms, o->iters, 0.1);
        t->p90 = percentile(ms, o->iters, 0.9);
        t->min = ms[0];
    }
    free(ms);
    vkbert_runner_destroy(r);
    return st;
}

static const char *pooling_name(vkbert_pooling p) {
    static const char *n[] = {"default", "cls", "mean", "max", "mean_sqrt_len", "last"};
    return (unsigned)p < 6 ? n[p] : "?";
}

static void add_timing(cJSON *r, const embed_timing *t, uint32_t sentences) {
    double padded = (double)t->stats.padded_tokens;
    cJSON_AddNumberToObject(r, "ms_median", t->med);
    cJSON_AddNumberToObject(r, "ms_p10", t->p10);
    cJSON_AddNumberToObject(r, "ms_p90", t->p90);
    cJSON_AddNumberToObject(r, "ms_min", t->min);
    cJSON_AddNumberToObject(r, "sentences_per_s", sentences / (t->med * 1e-3));
    cJSON_AddNumberToObject(r, "tokens_per_s", (double)t->stats.tokens / (t->med * 1e-3));
    cJSON_AddNumberToObject(r, "tokens", (double)t->stats.tokens);
    cJSON_AddNumberToObject(r, "padded_tokens", padded);
    cJSON_AddNumberToObject(r, "padding_share", padded > 0 ? (padded - (double)t->stats.tokens) / padded : 0);
    cJSON_AddNumberToObject(r, "encodes", (double)t->stats.encodes);
    cJSON_AddNumberToObject(r, "truncated", (double)t->stats.truncated);
}

static int bench_embed(const bench_opts *o, setup *su, vkbert_pooling pooling, const vkbert_tokenizer *tok) {
    const vkbert_model_config *cfg = vkbert_model_get_config(su->model);
    vkbert_embedding_info info = {0};
    vkbert_status st = vkbert_model_embedding_info(su->model, &info);
    if (st) return fail_status(st);
    if (o->max_len > info.max_seq_length)
        return fail(EXIT_USAGE, VKBERT_ERROR_TOO_LONG, "--lengths goes up to %u tokens; the model takes %u", o->max_len,
                    info.max_seq_length);
    const uint64_t seed = 1;
    uint64_t drawn = 0; /* the runner should count exactly these tokens (no prompt, nothing cut) */
    char *block = NULL,
         **texts = tok ? make_sentences(tok, o->sentences, o->min_len, o->max_len, seed, &block, &drawn) : NULL;
    if (!texts)
        return fail(1, VKBERT_ERROR_UNSUPPORTED, "%s has no tokenizer with lowercase words to make sentences of",
                    su->model_name);
    vkbert_normalize norm = o->model ? VKBERT_NORMALIZE_DEFAULT : VKBERT_NORMALIZE_ON;
    uint32_t dim = info.dimension;
    size_t cap = (size_t)o->sentences * dim;
    float *out = malloc(cap * sizeof *out);
    if (!out) {
        free(texts);
        free(block);
        return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    const char *const *tx = (const char *const *)texts;
    /* one at a time: max_batch 1, so every encode is one sentence at its own length */
    embed_timing seq = {0};
    vkbert_runner_desc d = {.task = VKBERT_TASK_EMBED, .max_batch = 1, .max_batch_tokens = o->max_batch_tokens,
                            .pooling = pooling, .normalize = norm,
                            .tokenizer = tok == vkbert_model_tokenizer(su->model) ? NULL : tok};
    st = time_embed(o, su->model, &d, tx, out, cap, "one at a time", &seq);
    int rc = st ? fail_status(st) : 0;
    double seq_rate = st ? 0 : o->sentences / (seq.med * 1e-3);
    if (!rc && !o->json)
        printf("embed: %u sentences of %u-%u tokens (seed %llu), pooling %s%s, dimension %u\n"
               "one at a time: %.1f sentences/s (%.1f ms per pass, p10 %.1f, p90 %.1f), %llu tokens, %zu encodes\n",
               o->sentences, o->min_len, o->max_len, (unsigned long long)seed,
               pooling_name(pooling ? pooling : info.pooling), norm == VKBERT_NORMALIZE_ON ? ", normalised" : "", dim,
               seq_rate, seq.med, seq.p10, seq.p90, (unsigned long long)seq.stats.tokens, seq.stats.encodes);
    for (int b = 0; b < o->nbatch && !rc; ++b) {
        char label[32];
        snprintf(label, sizeof label, "batch %u", o->batches[b]);
        embed_timing t = {0};
        d.max_batch = o->batches[b];
        if ((st = time_embed(o, su->model, &d, tx, out, cap, label, &t))) {
            rc = fail_status(st);
            break;
        }
        double rate = o->sentences / (t.med * 1e-3), padded = (double)t.stats.padded_tokens;
        double share = padded > 0 ? (padded - (double)t.stats.tokens) / padded : 0;
        if (o->json) {
            cJSON *r = record_start(su, cfg);
            cJSON_AddStringToObject(r, "task", "embed");
            cJSON_AddStringToObject(r, "pooling", pooling_name(pooling ? pooling : info.pooling));
            cJSON_AddBoolToObject(r, "normalize", norm == VKBERT_NORMALIZE_ON || (norm == VKBERT_NORMALIZE_DEFAULT && info.normalize));
            cJSON_AddNumberToObject(r, "dimension", dim);
            cJSON_AddNumberToObject(r, "sentences", o->sentences);
            cJSON_AddNumberToObject(r, "min_tokens", o->min_len);
            cJSON_AddNumberToObject(r, "max_tokens", o->max_len);
            cJSON_AddNumberToObject(r, "seed", (double)seed);
            cJSON_AddNumberToObject(r, "tokens_drawn", (double)drawn);
            cJSON_AddNumberToObject(r, "batch", o->batches[b]);
            cJSON_AddNumberToObject(r, "max_batch_tokens", o->max_batch_tokens ? o->max_batch_tokens : 16384);
            cJSON_AddNumberToObject(r, "iters", o->iters);
            cJSON_AddNumberToObject(r, "warmup", o->warmup);
            add_timing(r, &t, o->sentences);
            cJSON *s1 = cJSON_AddObjectToObject(r, "one_at_a_time");
            add_timing(s1, &seq, o->sentences);
            cJSON_AddNumberToObject(r, "speedup", rate / seq_rate);
            cJSON_AddNumberToObject(r, "device_memory_bytes", (double)vkbert_model_device_bytes(su->model));
            cJSON_AddNumberToObject(r, "model_load_ms", su->load_ms);
            emit(r);
        } else {
            printf("batch %u: %.1f sentences/s (%.1f ms per pass, p10 %.1f, p90 %.1f), %.0f tokens/s; padding %.1f%% of "
                   "%.0f computed tokens, %zu encodes; %.2fx one at a time\n",
                   o->batches[b], rate, t.med, t.p10, t.p90, (double)t.stats.tokens / (t.med * 1e-3), 100 * share,
                   padded, t.stats.encodes, rate / seq_rate);
        }
    }
    free(out);
    free(texts);
    free(block);
    return rc;
}

/* --plot: the sweeps' chart, titled with the model's shape and precision and the device. */
static int draw_sweeps(const bench_opts *o, const setup *su, const chart_point *points) {
    const vkbert_model_config *c = vkbert_model_get_config(su->model);
    const vkbert_device_info *d = vkbert_context_device(su->ctx);
    const char *name = su->model_name;
    for (const char *p = su->model_name; *p; ++p)
        if ((*p == '/' || *p == '\\') && p[1]) name = p + 1;
    char title[2048], err[512];
    snprintf(title, sizeof title,
             "vkbert bench: %s, %s weights, matmul %s\n%s (%s, %s, %s)\n"
             "%s: %u layers, hidden %u, %u heads, intermediate %u; median of %d encodes", name,
             vkbert_context_precision(su->ctx) == VKBERT_PRECISION_FP16 ? "fp16" : "fp32", su->variant, d->name,
             d->vendor, type_name(d->type), d->driver_name, c->family ? c->family : "bert", c->num_hidden_layers,
             c->hidden_size, c->num_attention_heads, c->intermediate_size, o->iters);
    plot *p = chart_sweep(title, o->batches, o->nbatch, o->seqs, o->nseq, points);
    if (!p) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory drawing the chart");
    bool ok = plot_save(p, o->plot, err, sizeof err);
    plot_destroy(p);
    return ok ? 0 : fail(1, VKBERT_ERROR_IO, "%s", err);
}

int cmd_bench(int argc, char **argv) {
    bench_opts o = {.iters = -1, .warmup = -1};
    int rc = parse_bench(argc, argv, &o);
    if (rc >= 0) return rc;
    if ((o.text || o.save_text) && !o.tokenizer)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--text and --save-text are for --tokenizer");
    if (o.text && o.save_text)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--save-text writes the made-up text: not with --text");
    if (o.plot && (o.tokenizer || o.embed || o.peak_only))
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                    "--plot draws the batch and sequence sweeps: not with --task embed, --tokenizer or --peak");
    if (o.plot && (rc = check_plot_path(o.plot)) >= 0) return rc;
    if (o.tokenizer) {
        if (o.shape || o.embed || o.peak_only || o.nbatch || o.nseq)
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                        "--tokenizer takes -m DIR, --text, --iters, --warmup and --json only");
        return bench_tokenizer(o.model, o.text, o.save_text, o.iters < 0 ? 5 : o.iters, o.warmup < 0 ? 1 : o.warmup,
                               o.json);
    }
    if (o.embed) {
        if (o.nseq)
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--seq is for --task mlm (--task embed: --lengths)");
        if (o.iters < 0) o.iters = 3;
        if (o.warmup < 0) o.warmup = 1;
        if (!o.nbatch) o.batches[o.nbatch++] = 32, o.batches[o.nbatch++] = 128;
        if (!o.sentences) o.sentences = 1024;
        if (!o.min_len) o.min_len = 8, o.max_len = 64;
        if (!o.model && !o.shape) o.shape = "minilm-l6";
        if (!o.peak_only) o.no_peak = true; /* the runner has no per-kernel profile to set against a peak */
    } else {
        if (o.sentences || o.min_len || o.max_batch_tokens)
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                        "--sentences, --lengths and --max-batch-tokens are for --task embed");
        if (o.iters < 0) o.iters = 10;
        if (o.warmup < 0) o.warmup = 2;
    }
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
                        "unknown shape %s (bert-base, bert-large, bert-tiny, minilm-l6, bge-small, distilbert-base, "
                        "modernbert-base, nomic-v1.5, jina-v2-small)",
                        name);
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
            if (su.peak.gflops_coopmat > 0) cJSON_AddNumberToObject(r, "peak_gflops_coopmat", su.peak.gflops_coopmat);
            else cJSON_AddNullToObject(r, "peak_gflops_coopmat");
            cJSON_AddNumberToObject(r, "bandwidth_gbs", su.peak.bandwidth_gbs);
            emit(r);
        } else {
            printf("%s (%s, %s): fp32 %.1f GFLOP/s, fp16 ", dev->name, dev->vendor, dev->driver_name, su.peak.gflops_fp32);
            if (su.peak.gflops_fp16 > 0) printf("%.1f GFLOP/s", su.peak.gflops_fp16);
            else printf("unsupported");
            if (su.peak.gflops_coopmat > 0) printf(", coopmat %.1f GFLOP/s", su.peak.gflops_coopmat);
            printf(", bandwidth %.1f GB/s\n", su.peak.bandwidth_gbs);
        }
        vkbert_context_destroy(su.ctx);
        return 0;
    }
    vkbert_tokenizer *embed_tok = NULL; /* --task embed on a random model: the generated tokenizer */
    double t0 = vkb_now_ms();
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
        if (o.embed) { /* the runner needs a tokenizer: a generated one (make_tokenizer) */
            st = make_tokenizer(cfg.vocab_size, &embed_tok);
            if (st == VKBERT_ERROR_INVALID_ARGUMENT) {
                vkbert_context_destroy(su.ctx);
                return fail(EXIT_USAGE, st, "--task embed on a random model needs a vocabulary of 200 to 457080 "
                                            "entries, not %u", cfg.vocab_size);
            }
        }
        if (!st) st = vkbert_model_create_random(su.ctx, &cfg, 7, !o.embed, &su.model);
    }
    su.load_ms = vkb_now_ms() - t0;
    if (st) {
        rc = fail_status(st);
        vkbert_tokenizer_destroy(embed_tok);
        vkbert_context_destroy(su.ctx);
        return rc;
    }
    if (!o.json) {
        const vkbert_model_config *c = vkbert_model_get_config(su.model);
        printf("device: %s (%s, %s, %s)\n", dev->name, dev->vendor, type_name(dev->type), dev->driver_name);
        if (su.have_peak)
            printf("peak: fp32 %.1f GFLOP/s, fp16 %s%.1f GFLOP/s, coopmat %s%.1f GFLOP/s, bandwidth %.1f GB/s\n",
                   su.peak.gflops_fp32, su.peak.gflops_fp16 > 0 ? "" : "unsupported ", su.peak.gflops_fp16,
                   su.peak.gflops_coopmat > 0 ? "" : "unused ", su.peak.gflops_coopmat, su.peak.bandwidth_gbs);
        char line[1024];
        options_text(su.ctx, line, sizeof line);
        printf("%s\n", line);
        printf("model: %s%s (%s, %u layers, hidden %u, %u heads, intermediate %u), loaded in %.0f ms; "
               "matmul kernel %s; weights %s\n", su.model_name, o.model ? "" : " with random weights",
               c->family ? c->family : "bert", c->num_hidden_layers, c->hidden_size, c->num_attention_heads, c->intermediate_size, su.load_ms,
               su.variant, vkbert_context_precision(su.ctx) == VKBERT_PRECISION_FP16 ? "fp16" : "fp32");
    }
    if (o.embed) {
        rc = bench_embed(&o, &su, o.model ? VKBERT_POOLING_DEFAULT : sh->pooling,
                         embed_tok ? embed_tok : vkbert_model_tokenizer(su.model));
        vkbert_model_destroy(su.model);
        vkbert_tokenizer_destroy(embed_tok);
        vkbert_context_destroy(su.ctx);
        return rc;
    }
    rc = 0;
    bool first = true;
    chart_point points[16 * 16];
    for (int b = 0; b < o.nbatch && !rc; ++b)
        for (int q = 0; q < o.nseq && !rc; ++q) {
            rc = run_config(&o, &su, o.batches[b], o.seqs[q], first, b * o.nseq + q + 1, o.nbatch * o.nseq,
                            &points[b * o.nseq + q]);
            if (first && !rc && !o.json)
                printf("pipelines: created cold in %.1f ms, warm (from the pipeline cache) in %.1f ms\n",
                       su.pipeline_cold_ms, su.pipeline_warm_ms);
            first = false;
        }
    if (!rc && o.plot) rc = draw_sweeps(&o, &su, points);
    vkbert_model_destroy(su.model);
    vkbert_context_destroy(su.ctx);
    return rc;
}
