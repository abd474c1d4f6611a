/* Sessions and model loading on generated tiny models: padded batches give the same
 * results as single sequences, checkpoint naming variants load to identical weights,
 * staged and direct uploads agree, and bad models, inputs and devices give clear errors. */
#include "test_util.h"
#include "test_platform.h"
#include "model/model.h"
#include "heads/head.h"
#include "barrier_check.h"

#include <math.h>

static char g_models[4096];
static vkbert_context *ctx;

static const char *model_path(const char *name) {
    static char p[4200];
    snprintf(p, sizeof p, "%s/%s", g_models, name);
    return p;
}

static vkbert_model *load(vkbert_context *c, const char *name) {
    vkbert_model *m = NULL;
    vkbert_status st = vkbert_model_load(c, &(vkbert_model_desc){.path = model_path(name)}, &m);
    CHECK(st == VKBERT_OK, "loading %s: %s", name, vkbert_last_error());
    if (!m) exit(1);
    return m;
}

static size_t tokenize(const vkbert_model *m, const char *text, int32_t *ids, int32_t *types) {
    size_t n = 0;
    CHECK(vkbert_tokenizer_encode(vkbert_model_tokenizer(m), text, NULL, ids, types, 64, &n) == 0, "%s",
          vkbert_last_error());
    return n;
}

static double max_diff(const float *a, const float *b, size_t n) {
    double e = 0;
    for (size_t i = 0; i < n; ++i) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= e)) e = d;
    }
    return e;
}

/* Hidden states of one text encoded alone (session shape = its length). */
static float *encode_alone(vkbert_model *m, const char *text, size_t *n_out, vkbert_prediction *top) {
    int32_t ids[64], types[64];
    size_t n = tokenize(m, text, ids, types);
    vkbert_session *s = NULL;
    vkbert_status st = vkbert_session_create(m, &(vkbert_session_desc){.max_seq = (uint32_t)n, .top_k = 5}, &s);
    if (!st) st = vkbert_session_encode(s, &(vkbert_sequence){ids, types, (uint32_t)n}, 1);
    CHECK(st == VKBERT_OK, "encode \"%s\": %s", text, vkbert_last_error());
    size_t H = vkbert_model_get_config(m)->hidden_size;
    float *h = calloc(n * H, 4);
    if (!st) CHECK(vkbert_session_read_hidden(s, 0, h, n * H, NULL) == 0, "%s", vkbert_last_error());
    if (top && !st && vkbert_session_head_row_count(s) > 0)
        CHECK(vkbert_session_read_topk(s, 0, top, 5, NULL) == 0, "%s", vkbert_last_error());
    vkbert_session_destroy(s);
    *n_out = n;
    return h;
}

static const char *TEXTS[3] = {"The capital of France is [MASK].", "[MASK] is a city.",
                               "A much longer sentence, with more tokens: [MASK] and also [MASK] here!"};

/* The tiny model's hidden states and top-5 for `text` on the default context: the
 * reference the other modes are compared with. */
static float *tiny_reference(const char *text, size_t *n, vkbert_prediction *top) {
    vkbert_model *base = load(ctx, "tiny");
    float *ref = encode_alone(base, text, n, top);
    vkbert_model_destroy(base);
    return ref;
}

static void padded_batch(void) {
    vkbert_model *m = load(ctx, "tiny");
    size_t H = vkbert_model_get_config(m)->hidden_size;
    int32_t ids[3][64], types[3][64];
    vkbert_sequence seqs[3];
    for (int i = 0; i < 3; ++i)
        seqs[i] = (vkbert_sequence){ids[i], types[i], (uint32_t)tokenize(m, TEXTS[i], ids[i], types[i])};
    vkbert_session *s = NULL;
    vkbert_status st = vkbert_session_create(m, &(vkbert_session_desc){.max_batch = 4, .max_seq = 24, .top_k = 5}, &s);
    CHECK(st == VKBERT_OK, "session: %s", vkbert_last_error());
    if (st) exit(1);
    /* read before any encode */
    float tiny[4];
    CHECK_ERROR(vkbert_session_read_hidden(s, 0, tiny, 4, NULL), VKBERT_ERROR_INVALID_ARGUMENT, "no results");
    for (int rep = 0; rep < 2; ++rep) { /* the recorded command buffer is replayed */
        st = vkbert_session_encode(s, seqs, 3);
        CHECK(st == VKBERT_OK, "batch encode: %s", vkbert_last_error());
    }
    CHECK(vkbert_session_head_row_count(s) == 4, "head rows %u", vkbert_session_head_row_count(s));
    const vkb_program *prog = vkb_session_program(s);
    CHECK(prog->op_count > 10 && unordered_hazards(prog->ops, prog->op_count, prog->plan) == 0,
          "the session's recorded barriers miss a hazard");
    uint32_t sq = 9, pos = 9;
    CHECK(vkbert_session_head_row(s, 0, &sq, &pos) == 0 && sq == 0 && pos == 6, "row 0 = (%u, %u)", sq, pos);
    CHECK(vkbert_session_head_row(s, 1, &sq, &pos) == 0 && sq == 1 && pos == 1, "row 1 = (%u, %u)", sq, pos);
    CHECK(vkbert_session_head_row(s, 3, &sq, &pos) == 0 && sq == 2, "row 3 seq %u", sq);
    uint32_t row = 0;
    for (int i = 0; i < 3; ++i) {
        size_t n;
        vkbert_prediction solo[5] = {{0}};
        float *alone = encode_alone(m, TEXTS[i], &n, solo);
        float *batched = calloc(n * H, 4);
        size_t need = 0;
        CHECK_ERROR(vkbert_session_read_hidden(s, (uint32_t)i, batched, 3, &need), VKBERT_ERROR_BUFFER_TOO_SMALL,
                    "floats");
        CHECK(need == n * H, "needed %zu, want %zu", need, n * H);
        CHECK(vkbert_session_read_hidden(s, (uint32_t)i, batched, n * H, NULL) == 0, "%s", vkbert_last_error());
        double e = max_diff(alone, batched, n * H);
        CHECK(e < 1e-5, "sequence %d: padded batch differs from encoding alone by %g", i, e);
        vkbert_prediction p[5];
        CHECK(vkbert_session_read_topk(s, row, p, 5, NULL) == 0, "%s", vkbert_last_error());
        for (int k = 0; k < 5; ++k)
            CHECK(p[k].id == solo[k].id && fabsf(p[k].probability - solo[k].probability) < 1e-6f,
                  "sequence %d rank %d: batch id %d p %g, alone id %d p %g", i, k, p[k].id, p[k].probability,
                  solo[k].id, solo[k].probability);
        for (int k = 1; k < 5; ++k) CHECK(p[k].probability <= p[k - 1].probability, "top-k not sorted");
        row += i == 2 ? 2 : 1;
        free(alone);
        free(batched);
    }
    vkbert_prediction two[2];
    size_t kk = 0;
    CHECK_ERROR(vkbert_session_read_topk(s, 0, two, 2, &kk), VKBERT_ERROR_BUFFER_TOO_SMALL, "top-k needs 5");
    CHECK(kk == 5, "top-k count %zu", kk);
    CHECK_ERROR(vkbert_session_read_logits(s, 0, tiny, 4, NULL), VKBERT_ERROR_INVALID_ARGUMENT, "keep_logits");

    /* asynchronous: submit returns, wait/poll completes, results only after completion */
    {
        vkbert_session *as = NULL;
        CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_batch = 4, .max_seq = 24, .top_k = 5}, &as) == 0,
              "%s", vkbert_last_error());
        CHECK_ERROR(vkbert_session_wait(as, 0), VKBERT_ERROR_INVALID_ARGUMENT, "nothing was submitted");
        CHECK(vkbert_session_submit(as, seqs, 3) == 0, "submit: %s", vkbert_last_error());
        CHECK(vkbert_session_head_row_count(as) == 0, "results before the wait");
        uint64_t sem = 0, value = 0; /* vkbert's own device: no host to share a semaphore with */
        CHECK_ERROR(vkbert_session_timeline(as, &sem, &value), VKBERT_ERROR_UNSUPPORTED, "timelineSemaphore");
        vkbert_status ws;
        int polls = 0;
        while ((ws = vkbert_session_wait(as, 0)) == VKBERT_NOT_READY && polls < 100000000) ++polls;
        CHECK(ws == VKBERT_OK, "poll ended with %s", vkbert_status_string(ws));
        vkbert_prediction ap[5], bp[5];
        CHECK(vkbert_session_read_topk(as, 0, ap, 5, NULL) == 0 && vkbert_session_read_topk(s, 0, bp, 5, NULL) == 0 &&
                  ap[0].id == bp[0].id && ap[4].id == bp[4].id, "async results differ from encode's");
        /* a second submit right after the first waits for it; wait with a timeout */
        CHECK(vkbert_session_submit(as, seqs, 3) == 0 && vkbert_session_submit(as, seqs, 2) == 0, "two submits");
        CHECK(vkbert_session_wait(as, 60000) == 0 && vkbert_session_head_row_count(as) == 2, "wait: %s",
              vkbert_last_error());
        vkbert_session_destroy(as);
    }

    /* bad batches */
    CHECK_ERROR(vkbert_session_encode(s, seqs, 5), VKBERT_ERROR_TOO_LONG, "at most 4");
    int32_t bad[3] = {101, 40000, 102};
    CHECK_ERROR(vkbert_session_encode(s, &(vkbert_sequence){bad, NULL, 3}, 1), VKBERT_ERROR_INVALID_ARGUMENT,
                "outside the vocabulary");
    int32_t ok[3] = {101, 103, 102}, badtypes[3] = {0, 7, 0};
    CHECK_ERROR(vkbert_session_encode(s, &(vkbert_sequence){ok, badtypes, 3}, 1), VKBERT_ERROR_INVALID_ARGUMENT,
                "token type 7");
    CHECK_ERROR(vkbert_session_encode(s, &(vkbert_sequence){ok, NULL, 0}, 1), VKBERT_ERROR_INVALID_ARGUMENT, "empty");
    int32_t longer[30];
    for (int i = 0; i < 30; ++i) longer[i] = 1000;
    CHECK_ERROR(vkbert_session_encode(s, &(vkbert_sequence){longer, NULL, 30}, 1), VKBERT_ERROR_TOO_LONG,
                "has 30 tokens");
    CHECK(vkbert_session_head_row_count(s) == 0, "results after a failed encode");
    vkbert_session_destroy(s);

    /* more masks than max_head_rows; a session longer than the model's positions */
    CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 24, .max_head_rows = 1}, &s) == 0, "%s",
          vkbert_last_error());
    CHECK_ERROR(vkbert_session_encode(s, &seqs[2], 1), VKBERT_ERROR_TOO_LONG, "max_head_rows");
    vkbert_session_destroy(s);
    s = NULL;
    CHECK_ERROR(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 65}, &s), VKBERT_ERROR_TOO_LONG,
                "max_position_embeddings 64");
    CHECK(s == NULL, "session returned on failure");
    vkbert_model_destroy(m);
}

/* Naming variants hold the same values: results must be identical. */
/* A whole file in memory (test data). */
static char *slurp(const char *name, size_t *size) {
    char *data = NULL;
    CHECK(vkb_read_file(model_path(name), (size_t)1 << 30, &data, size) == VKBERT_OK, "%s", vkbert_last_error());
    if (!data) exit(1);
    return data;
}

/* A model from memory buffers (an Android app's AAssets) is the model from its directory. */
static void memory_models(void) {
    size_t n, n2;
    vkbert_prediction ref_top[5], top[5];
    float *ref = tiny_reference(TEXTS[0], &n, ref_top);
    vkbert_model_files f = {0};
    char *cfg = slurp("tiny/config.json", &f.config_json_size);
    char *vocab = slurp("tiny/vocab.txt", &f.vocab_txt_size);
    char *tcfg = slurp("tiny/tokenizer_config.json", &f.tokenizer_config_json_size);
    char *st = slurp("tiny/model.safetensors", &f.safetensors_size);
    f.config_json = cfg, f.vocab_txt = vocab, f.tokenizer_config_json = tcfg, f.safetensors = st;
    vkbert_model *m = NULL;
    CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.files = &f}, &m) == 0, "from memory: %s", vkbert_last_error());
    if (m) {
        float *h = encode_alone(m, TEXTS[0], &n2, top);
        CHECK(n == n2 && max_diff(ref, h, n * 32) == 0.0, "the model from memory differs from the directory's");
        CHECK(top[0].id == ref_top[0].id && top[4].id == ref_top[4].id, "top-k from memory differs");
        free(h);
        vkbert_model_destroy(m);
    }
    m = NULL;
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){.path = model_path("tiny"), .files = &f}, &m),
                VKBERT_ERROR_INVALID_ARGUMENT, "one of .path and .files");
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){0}, &m), VKBERT_ERROR_INVALID_ARGUMENT, "one of");
    vkbert_model_files g = f;
    g.safetensors = NULL;
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){.files = &g}, &m), VKBERT_ERROR_INVALID_ARGUMENT,
                "needs config_json, vocab_txt and safetensors");
    g = f;
    g.safetensors_size = f.safetensors_size / 2; /* a truncated buffer */
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){.files = &g}, &m), VKBERT_ERROR_MODEL_FORMAT, "memory");
    g = f;
    g.config_json_size = 5; /* "{\n  \"" */
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){.files = &g}, &m), VKBERT_ERROR_MODEL_FORMAT,
                "config.json (memory)");
    g = f;
    g.tokenizer_config_json = NULL; /* optional: BERT's defaults (lower case) */
    CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.files = &g}, &m) == 0, "%s", vkbert_last_error());
    vkbert_model_destroy(m);
    CHECK(m != NULL, "no model without tokenizer_config.json");
    free(ref);
    vkb_free(cfg);
    vkb_free(vocab);
    vkb_free(tcfg);
    vkb_free(st);
}

static void variants(void) {
    size_t n, n2;
    vkbert_model *base = load(ctx, "tiny");
    float *ref = encode_alone(base, TEXTS[0], &n, NULL);
    vkbert_prediction ref_top[5], top[5];
    free(encode_alone(base, TEXTS[0], &n, ref_top));
    vkbert_model_destroy(base);

    vkbert_model *v = load(ctx, "tiny-variant");
    CHECK(vkbert_model_has_mlm_head(v), "variant lost its head");
    float *h = encode_alone(v, TEXTS[0], &n2, top);
    CHECK(n == n2 && max_diff(ref, h, n * 32) == 0.0, "no-prefix/gamma-beta/decoder variant differs");
    CHECK(top[0].id == ref_top[0].id && top[4].id == ref_top[4].id, "variant top-k differs");
    free(h);
    vkbert_model_destroy(v);

    vkbert_model *nh = load(ctx, "tiny-nohead");
    CHECK(!vkbert_model_has_mlm_head(nh), "no-head model claims a head");
    h = encode_alone(nh, TEXTS[0], &n2, NULL);
    CHECK(max_diff(ref, h, n * 32) == 0.0, "encoder-only model differs");
    free(h);
    vkbert_model_destroy(nh);

    /* the work split into many submissions gives the same results */
    for (uint32_t per = 1; per <= 5; per += 4) {
        vkbert_context *split = test_context(&(vkbert_context_desc){.max_dispatches_per_submit = per});
        vkbert_model *pm = load(split, "tiny");
        vkbert_prediction ptop[5];
        h = encode_alone(pm, TEXTS[0], &n2, ptop);
        CHECK(max_diff(ref, h, n * 32) == 0.0 && ptop[0].id == ref_top[0].id && ptop[4].id == ref_top[4].id,
              "%u dispatches per submission changed the results", per);
        free(h);
        vkbert_model_destroy(pm);
        check_no_validation(split);
        vkbert_context_destroy(split);
    }

    vkbert_context *staged = test_context(&(vkbert_context_desc){.force_staging = true});
    vkbert_model *sm = load(staged, "tiny");
    h = encode_alone(sm, TEXTS[0], &n2, NULL);
    CHECK(max_diff(ref, h, n * 32) == 0.0, "staged upload differs from direct upload");
    free(h);
    vkbert_model_destroy(sm);
    check_no_validation(staged);
    vkbert_context_destroy(staged);
    free(ref);
}

static int g_rows_warnings;
static void rows_log(vkbert_log_level level, const char *msg, void *user) {
    (void)user;
    if (level >= VKBERT_LOG_WARNING && strstr(msg, "VKBERT_TEXEL_ROWS=")) g_rows_warnings++;
    test_log(level, msg, NULL);
}

/* matmul_texel's rows per subgroup (VKBERT_TEXEL_ROWS): every setting gives the default's
 * results bit for bit (each output sums the same products in the same order), the
 * recorded dispatches use as many row groups as the rows fill up to the setting, and a
 * bad value is ignored with a warning. Only where the device uses the texel kernels. */
static void texel_rows(void) {
    /* not when the environment already sets it (the GPU-assisted run keeps 8 rows throughout) */
    if (strcmp(vkbert_context_matmul_variant(ctx), "texel") || getenv("VKBERT_TEXEL_ROWS")) return;
    size_t n, n2;
    vkbert_prediction ref_top[5], top[5];
    float *ref = tiny_reference(TEXTS[2], &n, ref_top);
    CHECK(n > 16 && n <= 24, "the test text has %zu tokens; want 17-24 (3 row groups)", n);
    const char *settings[] = {"8", "16", "24", "32", "12"};
    const uint32_t want_rg[] = {1, 2, 3, 3, 3};
    for (int i = 0; i < 5; ++i) {
        test_setenv("VKBERT_TEXEL_ROWS", settings[i]);
        g_rows_warnings = 0;
        vkbert_context *c = NULL;
        CHECK(vkbert_context_create(&(vkbert_context_desc){.validation = true, .log = rows_log}, &c) == 0, "%s",
              vkbert_last_error());
        test_unsetenv("VKBERT_TEXEL_ROWS");
        if (!c) continue;
        CHECK(g_rows_warnings == (i == 4), "VKBERT_TEXEL_ROWS=%s: %d warnings", settings[i], g_rows_warnings);
        vkbert_model *m = load(c, "tiny");
        float *h = encode_alone(m, TEXTS[2], &n2, top);
        CHECK(n == n2 && max_diff(ref, h, n * 32) == 0.0, "VKBERT_TEXEL_ROWS=%s changed the hidden states by %g",
              settings[i], n == n2 ? max_diff(ref, h, n * 32) : -1.0);
        for (int k = 0; k < 5; ++k)
            CHECK(top[k].id == ref_top[k].id, "VKBERT_TEXEL_ROWS=%s: top-k rank %d", settings[i], k);
        free(h);
        int32_t ids[64], types[64];
        size_t len = tokenize(m, TEXTS[2], ids, types);
        vkbert_session *s = NULL;
        CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = (uint32_t)len}, &s) == 0, "%s",
              vkbert_last_error());
        const vkb_program *p = s ? vkb_session_program(s) : NULL;
        uint32_t most = 0, texel_ops = 0;
        for (uint32_t j = 0; p && j < p->op_count; ++j)
            if (p->ops[j].kernel == VKB_KERNEL_MATMUL_TEXEL && p->ops[j].indirect < 0) {
                texel_ops++;
                if (p->ops[j].spec[3] > most) most = p->ops[j].spec[3];
            }
        CHECK(texel_ops > 0 && most == want_rg[i], "VKBERT_TEXEL_ROWS=%s: %u texel matmuls, at most %u row groups "
              "(want %u)", settings[i], texel_ops, most, want_rg[i]);
        vkbert_session_destroy(s);
        vkbert_model_destroy(m);
        check_no_validation(c);
        vkbert_context_destroy(c);
    }
    free(ref);
}

/* Value of the 32-bit constant `id`: an OpConstant's literal, or for an OpSpecConstant the
 * value `spec` gives its SpecId (its default when spec is NULL). */
static uint32_t constant_value(const uint32_t *w, size_t n, uint32_t id, const uint32_t *spec, uint32_t nspec) {
    for (size_t i = 5; i < n && (w[i] >> 16); i += w[i] >> 16) /* OpDecorate id SpecId N */
        if ((w[i] & 0xFFFF) == 71 && w[i + 1] == id && w[i + 2] == 1 && spec && w[i + 3] < nspec) return spec[w[i + 3]];
    for (size_t i = 5; i < n && (w[i] >> 16); i += w[i] >> 16) {
        uint32_t op = w[i] & 0xFFFF;
        if ((op == 43 || op == 50) && w[i + 2] == id) return w[i + 3];
    }
    return 0;
}

/* Invocations per workgroup of a dispatch, read from its kernel's SPIR-V: the LocalSize
 * execution mode, overridden by a WorkgroupSize built-in made of (spec) constants. */
static uint32_t local_invocations(const vkb_kernel_desc *k, const uint32_t *spec) {
    const uint32_t *w = k->code;
    size_t n = *k->code_bytes / 4;
    uint32_t size[3] = {1, 1, 1}, builtin = 0;
    for (size_t i = 5; i < n && (w[i] >> 16); i += w[i] >> 16) {
        uint32_t op = w[i] & 0xFFFF;
        if (op == 16 && w[i + 2] == 17) memcpy(size, &w[i + 3], sizeof size);        /* OpExecutionMode LocalSize */
        if (op == 71 && w[i + 2] == 11 && w[i + 3] == 25) builtin = w[i + 1];        /* BuiltIn WorkgroupSize */
    }
    for (size_t i = 5; builtin && i < n && (w[i] >> 16); i += w[i] >> 16) {
        uint32_t op = w[i] & 0xFFFF;
        if ((op == 44 || op == 51) && w[i + 2] == builtin) /* Op(Spec)ConstantComposite */
            for (int d = 0; d < 3; ++d) size[d] = constant_value(w, n, w[i + 3 + d], spec, k->spec_count);
    }
    return size[0] * size[1] * size[2];
}

/* The minimum-limits mode: every kernel the session records stays inside Vulkan 1.1's
 * guaranteed minimums, and the answers are the default mode's. */
static void min_limits(void) {
    size_t n, n2;
    vkbert_prediction ref_top[5], top[5];
    float *ref = tiny_reference(TEXTS[2], &n, ref_top);
    vkbert_context *mc = test_context(&(vkbert_context_desc){.min_limits = true});
    CHECK(!strcmp(vkbert_context_matmul_variant(mc), "storage"), "min mode uses %s", vkbert_context_matmul_variant(mc));
    CHECK(vkbert_context_precision(mc) == VKBERT_PRECISION_FP32, "min mode precision");
    vkbert_model *m = load(mc, "tiny");
    float *h = encode_alone(m, TEXTS[2], &n2, top);
    double e = n == n2 ? max_diff(ref, h, n * 32) : 1e9;
    CHECK(e < 1e-5, "minimum-limits results differ by %g", e);
    for (int k = 0; k < 5; ++k) CHECK(top[k].id == ref_top[k].id, "min mode top-k rank %d", k);
    int32_t ids[64], types[64];
    size_t len = tokenize(m, TEXTS[2], ids, types);
    vkbert_session *s = NULL;
    CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = (uint32_t)len}, &s) == 0, "%s", vkbert_last_error());
    const uint32_t tiled_spec[7] = {0, 0, 0, 16, 8, 8, 4};
    CHECK(local_invocations(vkb_kernel(VKB_KERNEL_MATMUL), NULL) == 64 &&
              local_invocations(vkb_kernel(VKB_KERNEL_LAYERNORM), NULL) == 128 &&
              local_invocations(vkb_kernel(VKB_KERNEL_MATMUL_TILED), tiled_spec) == 128,
          "reading workgroup sizes from SPIR-V: matmul %u, layernorm %u, matmul_tiled %u",
          local_invocations(vkb_kernel(VKB_KERNEL_MATMUL), NULL), local_invocations(vkb_kernel(VKB_KERNEL_LAYERNORM), NULL),
          local_invocations(vkb_kernel(VKB_KERNEL_MATMUL_TILED), tiled_spec));
    const vkb_program *p = vkb_session_program(s);
    for (uint32_t i = 0; p && i < p->op_count; ++i) {
        const vkb_kernel_desc *k = vkb_kernel(p->ops[i].kernel);
        CHECK(k->texel_mask == 0 && k->bindings <= 4 && k->push_bytes <= 128, "%s is outside the minimums", k->name);
        uint32_t inv = local_invocations(k, p->ops[i].spec);
        CHECK(inv <= 128, "%s has %u invocations per workgroup", k->name, inv);
        CHECK(p->ops[i].kernel != VKB_KERNEL_MATMUL_TEXEL && p->ops[i].kernel != VKB_KERNEL_MATMUL_F16W &&
                  p->ops[i].kernel != VKB_KERNEL_MATMUL_TILED_F16A && p->ops[i].kernel != VKB_KERNEL_ATTENTION_TEXEL,
              "%s needs optional features", k->name);
    }
    vkbert_session_destroy(s);
    vkbert_context *bad = NULL;
    CHECK_ERROR(vkbert_context_create(&(vkbert_context_desc){.min_limits = true, .precision = VKBERT_PRECISION_FP16}, &bad),
                VKBERT_ERROR_UNSUPPORTED, "16-bit storage");
    free(ref);
    free(h);
    vkbert_model_destroy(m);
    check_no_validation(mc);
    vkbert_context_destroy(mc);
}

static void write_file(const char *dir, const char *name, const void *data, size_t n) {
    char p[4300];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = vkb_fopen(p, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

/* A hand-made model directory: config for H=4, 1 layer, V=6; one tensor given. */
static vkbert_status load_handmade(const char *tensor_json, size_t data_bytes, const char *cfg_extra) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/handmade", g_models);
    vkb_make_dir(dir);
    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"vocab_size\":6,\"hidden_size\":4,\"num_hidden_layers\":1,\"num_attention_heads\":2,"
             "\"intermediate_size\":8,\"max_position_embeddings\":8%s}", cfg_extra);
    write_file(dir, "config.json", cfg, strlen(cfg));
    const char *vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n";
    write_file(dir, "vocab.txt", vocab, strlen(vocab));
    size_t hl = strlen(tensor_json);
    unsigned char *buf = calloc(8 + hl + data_bytes, 1);
    for (int i = 0; i < 8; ++i) buf[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, tensor_json, hl);
    write_file(dir, "model.safetensors", buf, 8 + hl + data_bytes);
    free(buf);
    vkbert_model *m = NULL;
    vkbert_status st = vkbert_model_load(ctx, &(vkbert_model_desc){.path = dir}, &m);
    vkbert_model_destroy(m);
    return st;
}

static void bad_models(void) {
    vkbert_model *m = NULL;
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){.path = model_path("does-not-exist")}, &m),
                VKBERT_ERROR_IO, "cannot open");
    CHECK(strstr(vkbert_context_last_error(ctx), "cannot open") != NULL, "context error \"%s\"",
          vkbert_context_last_error(ctx));
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){0}, &m), VKBERT_ERROR_INVALID_ARGUMENT, ".path");
    CHECK_ERROR(load_handmade("{\"bert.embeddings.word_embeddings.weight\":{\"dtype\":\"F32\",\"shape\":[6,4],"
                              "\"data_offsets\":[0,96]}}", 96, ""),
                VKBERT_ERROR_MODEL_FORMAT, "required tensor \"embeddings.position_embeddings.weight\" is missing");
    CHECK_ERROR(load_handmade("{\"bert.embeddings.word_embeddings.weight\":{\"dtype\":\"F32\",\"shape\":[4,6],"
                              "\"data_offsets\":[0,96]}}", 96, ""),
                VKBERT_ERROR_MODEL_FORMAT, "has shape [4, 6]; the config needs [6, 4]");
    CHECK_ERROR(load_handmade("{\"bert.embeddings.word_embeddings.weight\":{\"dtype\":\"I32\",\"shape\":[6,4],"
                              "\"data_offsets\":[0,96]}}", 96, ""),
                VKBERT_ERROR_UNSUPPORTED, "dtype I32");
    CHECK_ERROR(load_handmade("{}", 0, ",\"vocab_size\":3"), VKBERT_ERROR_MODEL_FORMAT, "duplicate JSON key");
    char cfg_small[64];
    snprintf(cfg_small, sizeof cfg_small, "%s", "");
    /* vocab.txt larger than the embedding table */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/handmade", g_models);
    const char *cfg = "{\"vocab_size\":3,\"hidden_size\":4,\"num_hidden_layers\":1,\"num_attention_heads\":2,"
                      "\"intermediate_size\":8}";
    write_file(dir, "config.json", cfg, strlen(cfg));
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){.path = dir}, &m), VKBERT_ERROR_MODEL_FORMAT,
                "vocab.txt has 6 entries");
    CHECK(m == NULL, "model returned on failure");
}

static void devices(void) {
    vkbert_context *c = NULL;
    CHECK_ERROR(vkbert_context_create(&(vkbert_context_desc){.device = "no-such-gpu-anywhere"}, &c),
                VKBERT_ERROR_NO_DEVICE, "no Vulkan device matches");
    CHECK_ERROR(vkbert_context_create(&(vkbert_context_desc){.device = "99"}, &c), VKBERT_ERROR_NO_DEVICE,
                "out of range");
    CHECK(c == NULL, "context returned on failure");
    CHECK(vkbert_context_create(&(vkbert_context_desc){.device = "0", .validation = true}, &c) == 0, "%s",
          vkbert_last_error());
    vkbert_device_info list[4];
    uint32_t count = 0;
    CHECK(vkbert_devices_list(list, 4, &count) == 0 && count >= 1, "devices_list");
    if (c) CHECK(strcmp(vkbert_context_device(c)->name, list[0].name) == 0, "device 0 is %s", list[0].name);
    vkbert_context_destroy(c);
    vkbert_context_destroy(NULL);
    vkbert_model_destroy(NULL);
    vkbert_session_destroy(NULL);
    vkbert_tokenizer_destroy(NULL);
}

/* Tensors larger than one binding: a context whose bindings hold at most 128 KiB (as if
 * maxStorageBufferRange were that small) splits the word embeddings, the untied decoder,
 * the logits and the batch's activations, and must give the default context's answers. */
static void split_buffers(void) {
    vkbert_context *small = test_context(&(vkbert_context_desc){.max_buffer_bytes = 128u << 10});
    const vkbert_session_desc desc = {.max_batch = 6, .max_seq = 64, .max_head_rows = 8, .top_k = 5,
                                      .keep_logits = true};
    const char *models[2] = {"tiny", "tiny-untied"};
    for (int mi = 0; mi < 2; ++mi) {
        vkbert_model *ref = load(ctx, models[mi]), *m = load(small, models[mi]);
        CHECK(m->word_emb.count > 1 && ref->word_emb.count == 1, "%s: word embeddings in %u parts (default: %u)",
              models[mi], m->word_emb.count, ref->word_emb.count);
        if (mi == 1)
            CHECK(vkb_mlm_decoder_parts(m->mlm) > 1, "untied decoder in %u parts", vkb_mlm_decoder_parts(m->mlm));
        const vkbert_model_config *c = vkbert_model_get_config(m);
        size_t H = c->hidden_size, V = c->vocab_size;
        int32_t ids[6][64], types[6][64];
        vkbert_sequence seqs[6];
        for (int i = 0; i < 6; ++i)
            seqs[i] = (vkbert_sequence){ids[i], types[i], (uint32_t)tokenize(m, TEXTS[i % 3], ids[i], types[i])};
        vkbert_session *a = NULL, *b = NULL;
        CHECK(vkbert_session_create(ref, &desc, &a) == 0 && vkbert_session_create(m, &desc, &b) == 0, "sessions: %s",
              vkbert_last_error());
        if (!a || !b) exit(1);
        CHECK(vkb_session_chunks(b) > 1 && vkb_session_chunks(a) == 1, "activations in %u chunks (default: %u)",
              vkb_session_chunks(b), vkb_session_chunks(a));
        CHECK(vkbert_session_encode(a, seqs, 6) == 0 && vkbert_session_encode(b, seqs, 6) == 0, "encode: %s",
              vkbert_last_error());
        CHECK(vkbert_session_head_row_count(b) == 8, "head rows %u", vkbert_session_head_row_count(b));
        float *ha = calloc(64 * H, 4), *hb = calloc(64 * H, 4), *la = calloc(V, 4), *lb = calloc(V, 4);
        for (uint32_t i = 0; i < 6; ++i) {
            size_t n = seqs[i].length * H;
            CHECK(vkbert_session_read_hidden(a, i, ha, n, NULL) == 0 && vkbert_session_read_hidden(b, i, hb, n, NULL) == 0,
                  "read hidden: %s", vkbert_last_error());
            double e = max_diff(ha, hb, n);
            CHECK(e < 1e-5, "%s sequence %u: split hidden states differ by %g", models[mi], i, e);
        }
        for (uint32_t r = 0; r < vkbert_session_head_row_count(b); ++r) {
            vkbert_prediction pa[5], pb[5];
            CHECK(vkbert_session_read_topk(a, r, pa, 5, NULL) == 0 && vkbert_session_read_topk(b, r, pb, 5, NULL) == 0,
                  "read top-k: %s", vkbert_last_error());
            for (int k = 0; k < 5; ++k)
                CHECK(pa[k].id == pb[k].id && fabsf(pa[k].probability - pb[k].probability) < 1e-5f,
                      "%s row %u rank %d: split id %d p %g, default id %d p %g", models[mi], r, k, pb[k].id,
                      pb[k].probability, pa[k].id, pa[k].probability);
            CHECK(vkbert_session_read_logits(a, r, la, V, NULL) == 0 && vkbert_session_read_logits(b, r, lb, V, NULL) == 0,
                  "read logits: %s", vkbert_last_error());
            double e = max_diff(la, lb, V);
            CHECK(e < 1e-4, "%s row %u: split logits differ by %g", models[mi], r, e);
        }
        free(ha);
        free(hb);
        free(la);
        free(lb);
        vkbert_session_destroy(a);
        vkbert_session_destroy(b);
        vkbert_model_destroy(ref);
        vkbert_model_destroy(m);
    }
    check_no_validation(small);
    vkbert_context_destroy(small);

    /* not even one logits row (30522 floats) fits in 64 KiB: a clear error, not a crash */
    vkbert_context *tiny_limit = test_context(&(vkbert_context_desc){.max_buffer_bytes = 64u << 10});
    vkbert_model *m = load(tiny_limit, "tiny");
    vkbert_session *s = NULL;
    CHECK_ERROR(vkbert_session_create(m, &desc, &s), VKBERT_ERROR_UNSUPPORTED, "do not fit in one buffer binding");
    vkbert_model_destroy(m);
    vkbert_context_destroy(tiny_limit);
    vkbert_context *bad = NULL;
    CHECK_ERROR(vkbert_context_create(&(vkbert_context_desc){.max_buffer_bytes = 1000}, &bad),
                VKBERT_ERROR_INVALID_ARGUMENT, "under the minimum");
    test_setenv("VKBERT_MAX_BUFFER_BYTES", "8Q");
    CHECK_ERROR(vkbert_context_create(NULL, &bad), VKBERT_ERROR_INVALID_ARGUMENT, "is not a size");
    test_unsetenv("VKBERT_MAX_BUFFER_BYTES");
}

/* Families: DistilBERT from files and with random weights; its token types are ignored (the
 * model takes none); ALBERT and ELECTRA sessions, ALBERT's one set of layer weights, ELECTRA's
 * projection; an unknown family is an error. */
static void families(void) {
    vkbert_model *m = NULL;
    CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.path = model_path("distil-tiny")}, &m) == 0,
          "distil-tiny: %s", vkbert_last_error());
    if (m) {
        const vkbert_model_config *c = vkbert_model_get_config(m);
        CHECK(c->family && !strcmp(c->family, "distilbert") && c->type_vocab_size == 0 && vkbert_model_has_mlm_head(m),
              "distil-tiny: family %s, %u token types", c->family ? c->family : "(null)", c->type_vocab_size);
        vkbert_session *s = NULL;
        CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 8}, &s) == 0, "%s", vkbert_last_error());
        int32_t ids[5] = {101, 7592, 103, 2088, 102}, ones[5] = {1, 1, 1, 1, 1}, odd[5] = {0, 7, 1, 0, 3};
        float a[5 * 32], b[5 * 32];
        bool ok = s && vkbert_session_encode(s, &(vkbert_sequence){ids, NULL, 5}, 1) == 0 &&
                  vkbert_session_read_hidden(s, 0, a, 5 * 32, NULL) == 0 &&
                  vkbert_session_encode(s, &(vkbert_sequence){ids, ones, 5}, 1) == 0 &&
                  vkbert_session_read_hidden(s, 0, b, 5 * 32, NULL) == 0;
        CHECK(ok && !memcmp(a, b, sizeof a), "token types change a DistilBERT encode: %s", vkbert_last_error());
        CHECK(s && vkbert_session_encode(s, &(vkbert_sequence){ids, odd, 5}, 1) == 0,
              "out-of-range token types are ignored too: %s", vkbert_last_error());
        vkbert_session_destroy(s);
        vkbert_model_destroy(m);
    }
    vkbert_model_config cfg = {.vocab_size = 200, .hidden_size = 16, .num_hidden_layers = 1, .num_attention_heads = 2,
                               .intermediate_size = 24, .max_position_embeddings = 16, .family = "distilbert"};
    m = NULL;
    CHECK(vkbert_model_create_random(ctx, &cfg, 3, true, &m) == 0, "random distilbert: %s", vkbert_last_error());
    if (m) {
        const vkbert_model_config *c = vkbert_model_get_config(m);
        CHECK(!strcmp(c->family, "distilbert") && c->type_vocab_size == 0 && vkbert_model_has_mlm_head(m),
              "random distilbert: family %s, %u token types", c->family, c->type_vocab_size);
        vkbert_model_destroy(m);
    }
    /* ALBERT and ELECTRA from files: the projection of their factorised embeddings and the
     * embedding-wide MLM head in a session (under the synchronization and GPU-assisted validation
     * runs of this test too); a sequence in a padded batch reads as it does alone. */
    static const char *factorised[] = {"albert-tiny-odd", "electra-tiny"};
    for (size_t f = 0; f < 2; ++f) {
        m = NULL;
        CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.path = model_path(factorised[f])}, &m) == 0, "%s: %s",
              factorised[f], vkbert_last_error());
        if (!m) continue;
        const vkbert_model_config *c = vkbert_model_get_config(m);
        CHECK(c->embedding_size != c->hidden_size && vkbert_model_has_mlm_head(m), "%s: embedding_size %u",
              factorised[f], c->embedding_size);
        vkbert_session *s = NULL;
        CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 8, .max_batch = 2}, &s) == 0, "%s",
              vkbert_last_error());
        int32_t ids[2][6] = {{101, 7592, 103, 2088, 1012, 102}, {101, 103, 102}};
        vkbert_sequence two[2] = {{ids[0], NULL, 6}, {ids[1], NULL, 3}};
        size_t H = c->hidden_size;
        float a[3 * 36], b[3 * 36];
        vkbert_prediction top[5];
        bool ok = s && H <= 36 && vkbert_session_encode(s, two, 2) == 0 &&
                  vkbert_session_read_hidden(s, 1, a, 3 * H, NULL) == 0 &&
                  vkbert_session_read_topk(s, 0, top, 5, NULL) == 0 && vkbert_session_encode(s, &two[1], 1) == 0 &&
                  vkbert_session_read_hidden(s, 0, b, 3 * H, NULL) == 0;
        double err = 0;
        for (size_t i = 0; ok && i < 3 * H; ++i) err = fmax(err, fabs((double)a[i] - b[i]));
        CHECK(ok && err < 1e-5, "%s: a padded sequence differs from itself alone by %g: %s", factorised[f], err,
              vkbert_last_error());
        vkbert_session_destroy(s);
        vkbert_model_destroy(m);
    }
    /* ALBERT: one layer's weights on the device, however many layers run them; ELECTRA's factorised
     * embeddings add the projection. The widths come back as given. */
    uint64_t albert_bytes[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        vkbert_model_config ac = cfg;
        ac.family = "albert";
        ac.type_vocab_size = 2;
        ac.embedding_size = 8;
        ac.num_hidden_layers = i ? 12 : 1;
        m = NULL;
        CHECK(vkbert_model_create_random(ctx, &ac, 3, true, &m) == 0, "random albert: %s", vkbert_last_error());
        if (!m) continue;
        const vkbert_model_config *c = vkbert_model_get_config(m);
        CHECK(!strcmp(c->family, "albert") && c->embedding_size == 8 && !strcmp(c->hidden_act, "gelu_new") &&
                  c->num_hidden_layers == ac.num_hidden_layers,
              "random albert: family %s, embedding_size %u, hidden_act %s", c->family, c->embedding_size,
              c->hidden_act);
        albert_bytes[i] = vkbert_model_device_bytes(m);
        vkbert_model_destroy(m);
    }
    CHECK(albert_bytes[0] && albert_bytes[0] == albert_bytes[1],
          "random albert: %llu device bytes with 1 layer, %llu with 12 (one shared layer group)",
          (unsigned long long)albert_bytes[0], (unsigned long long)albert_bytes[1]);
    uint64_t electra_bytes[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        vkbert_model_config ec = cfg;
        ec.family = "electra";
        ec.type_vocab_size = 2;
        ec.embedding_size = i ? 8 : 0; /* 0: hidden_size, no projection */
        m = NULL;
        CHECK(vkbert_model_create_random(ctx, &ec, 3, true, &m) == 0, "random electra: %s", vkbert_last_error());
        if (!m) continue;
        CHECK(vkbert_model_get_config(m)->embedding_size == (i ? 8u : 16u), "random electra: embedding_size %u",
              vkbert_model_get_config(m)->embedding_size);
        electra_bytes[i] = vkbert_model_device_bytes(m);
        vkbert_model_destroy(m);
    }
    CHECK(electra_bytes[1] && electra_bytes[1] < electra_bytes[0],
          "random electra: %llu device bytes with 8-wide embeddings, %llu with 16-wide",
          (unsigned long long)electra_bytes[1], (unsigned long long)electra_bytes[0]);
    cfg.family = "gpt2";
    m = NULL;
    CHECK_ERROR(vkbert_model_create_random(ctx, &cfg, 3, true, &m), VKBERT_ERROR_INVALID_ARGUMENT,
                "unknown family \"gpt2\" (vkbert runs: bert, distilbert, roberta, albert, electra, modernbert, nomic_bert, jina_bert)");
    CHECK(m == NULL, "model returned on failure");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_session MODELS_DIR\n");
        return 2;
    }
    snprintf(g_models, sizeof g_models, "%s", argv[1]);
    ctx = test_context(NULL);
    padded_batch();
    variants();
    texel_rows();
    memory_models();
    min_limits();
    split_buffers();
    bad_models();
    families();
    devices();
    check_no_validation(ctx);
    vkbert_context_destroy(ctx);
    return test_finish("test_session");
}
