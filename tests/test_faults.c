/* Fault injection: fail the Nth host allocation and the Nth Vulkan object creation or
 * allocation, for every N, while creating a context, loading a model, creating a session
 * and encoding. Each failure must be a clean error status with a message; nothing may
 * leak (host allocations counted by vkb_malloc, Vulkan objects reported by the
 * validation layer's object tracker at vkDestroyDevice); the context must still be
 * destroyable. Also: injected device loss is sticky, injected timeouts recover. And,
 * before any device is needed, the tokenizers of the directories after MODEL_DIR
 * (tokenizer.json: byte-level BPE, Unigram; vocab.json + merges.txt): each host allocation of
 * loading one and encoding and decoding texts with it fails in turn (every one of the first
 * 4000, then ever sparser steps to the last); each failure must be an error with a message,
 * leak nothing, and a run the fault did not reach must give the clean run's ids. A token-classification
 * or question-answering MODEL_DIR runs vkbert_runner_ner / vkbert_runner_qa in place of the MLM
 * encode (and no device-loss part: that one reads MLM results). */
#include "test_util.h"
#include "vkb_internal.h"

static const char *g_model;
static long g_vuid;  /* validation messages, counted across context lifetimes */

static void count_log(vkbert_log_level level, const char *msg, void *user) {
    (void)user;
    if (level >= VKBERT_LOG_WARNING && strstr(msg, "Vulkan validation")) {
        ++g_vuid;
        fprintf(stderr, "%s\n", msg);
    }
}

static vkbert_context_desc desc(bool staging) {
    return (vkbert_context_desc){.validation = true, .log = count_log, .force_staging = staging};
}

/* A token-classification or question-answering model's path: the runner, the head, the
 * pipeline's post-processing (words decoded; a context in several windows), the results freed. */
static vkbert_status pipeline_heads(vkbert_model *m) {
    vkbert_runner *r = NULL;
    bool ner = vkbert_model_has_task(m, VKBERT_TASK_TOKEN_CLASSIFY);
    vkbert_status st = vkbert_runner_create(
        m, &(vkbert_runner_desc){.task = ner ? VKBERT_TASK_TOKEN_CLASSIFY : VKBERT_TASK_QA, .max_batch = 2}, &r);
    if (!st && ner) {
        vkbert_entities *e = NULL;
        st = vkbert_runner_ner(r, "Hugo Boss lives in Zürich, unaffable 東京", &(vkbert_ner_options){
                                   .aggregation = VKBERT_AGGREGATION_AVERAGE, .ignore_count = 0,
                                   .ignore_labels = (const char *const[]){"B-LOC"}}, &e, NULL);
        if (!st && vkbert_entities_count(e) == 0) st = vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "no entities");
        vkbert_entities_destroy(e);
    } else if (!st) {
        vkbert_answers *a = NULL;
        st = vkbert_runner_qa(r, "Where?", "Hugo Boss lives in Zürich and works in Paris, far from Berlin and Rome.",
                              &(vkbert_qa_options){.top_k = 3, .max_seq_len = 12, .doc_stride = 2,
                                                   .handle_impossible_answer = true}, &a, NULL);
        if (!st && vkbert_answers_count(a) == 0) st = vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "no answers");
        vkbert_answers_destroy(a);
    }
    vkbert_runner_destroy(r);
    return st;
}

/* The whole path once: load, session, encode, read, teardown. */
static vkbert_status pipeline(vkbert_context *ctx) {
    vkbert_model *m = NULL;
    vkbert_session *s = NULL;
    vkbert_status st = vkbert_model_load(ctx, &(vkbert_model_desc){.path = g_model}, &m);
    if (!st && (vkbert_model_has_task(m, VKBERT_TASK_TOKEN_CLASSIFY) || vkbert_model_has_task(m, VKBERT_TASK_QA))) {
        st = pipeline_heads(m);
        vkbert_model_destroy(m);
        return st;
    }
    int32_t ids[16];
    size_t n = 0;
    if (!st) st = vkbert_tokenizer_encode(vkbert_model_tokenizer(m), "a [MASK] b", NULL, ids, NULL, 16, &n);
    if (!st) st = vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 8, .max_batch = 2}, &s);
    if (!st) st = vkbert_session_encode(s, &(vkbert_sequence){ids, NULL, (uint32_t)n}, 1);
    vkbert_prediction p[5];
    if (!st) st = vkbert_session_read_topk(s, 0, p, 5, NULL);
    vkbert_session_destroy(s);
    vkbert_model_destroy(m);
    return st;
}

/* Runs `pipeline` with the Nth fault for N = 1, 2, ... until a run completes without
 * reaching its fault. Returns how many faults were injected. */
static int sweep(vkbert_context *ctx, long *countdown, const char *what) {
    /* one clean run first: the context keeps its pipeline cache (a lasting allocation) */
    CHECK(pipeline(ctx) == VKBERT_OK, "%s: warm-up run failed: %s", what, vkbert_last_error());
    long base = vkb_fault_live_allocations();
    int n = 0;
    for (long k = 1; k < 100000; ++k) {
        *countdown = k;
        vkbert_status st = pipeline(ctx);
        bool fired = *countdown == 0;
        *countdown = 0;
        CHECK(vkb_fault_live_allocations() == base, "%s fault %ld: %ld host allocations leaked (%s)", what, k,
              vkb_fault_live_allocations() - base, vkbert_last_error());
        if (!fired) {
            CHECK(st == VKBERT_OK, "%s: the run without a fault failed: %s", what, vkbert_last_error());
            break;
        }
        ++n;
        CHECK(st != VKBERT_OK, "%s fault %ld was swallowed: the run reported success", what, k);
        CHECK(vkbert_last_error()[0] != '\0', "%s fault %ld: no message", what, k);
    }
    printf("%s: %d faults injected, each a clean error\n", what, n);
    return n;
}

static void context_faults(long *countdown, const char *what) {
    int n = 0;
    for (long k = 1; k < 10000; ++k) {
        *countdown = k;
        vkbert_context *ctx = NULL;
        vkbert_context_desc d = desc(false);
        vkbert_status st = vkbert_context_create(&d, &ctx);
        bool fired = *countdown == 0;
        *countdown = 0;
        vkbert_context_destroy(ctx);
        CHECK(vkb_fault_live_allocations() == 0, "%s fault %ld: %ld allocations leaked", what, k,
              vkb_fault_live_allocations());
        if (!fired) break;
        ++n;
        CHECK(st != VKBERT_OK && ctx == NULL, "%s fault %ld swallowed", what, k);
    }
    printf("%s: %d faults injected\n", what, n);
}

static void device_loss_and_timeouts(void) {
    vkbert_context *ctx = NULL;
    vkbert_context_desc d = desc(false);
    CHECK(vkbert_context_create(&d, &ctx) == 0, "%s", vkbert_last_error());
    if (!ctx) return;
    vkbert_model *m = NULL;
    vkbert_session *s = NULL;
    CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.path = g_model}, &m) == 0, "%s", vkbert_last_error());
    CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 8}, &s) == 0, "%s", vkbert_last_error());
    int32_t ids[4] = {101, 103, 1000, 102};
    vkbert_sequence q = {ids, NULL, 4};
    vkbert_prediction want[5], got[5];
    CHECK(vkbert_session_encode(s, &q, 1) == 0 && vkbert_session_read_topk(s, 0, want, 5, NULL) == 0, "baseline");

    /* a timeout: reported, and the next encode (which waits for the late one) works */
    vkb_faults.wait_fail_at = 1;
    vkb_faults.wait_result = VK_TIMEOUT;
    CHECK_ERROR(vkbert_session_encode(s, &q, 1), VKBERT_ERROR_TIMEOUT, "did not finish");
    CHECK(vkbert_session_head_row_count(s) == 0, "results after a timeout");
    CHECK(vkbert_session_encode(s, &q, 1) == 0 && vkbert_session_read_topk(s, 0, got, 5, NULL) == 0, "after timeout: %s",
          vkbert_last_error());
    CHECK(got[0].id == want[0].id && got[4].id == want[4].id, "results changed after a timeout");

    /* device loss at submit: sticky for every later GPU call; teardown still works */
    vkb_faults.submit_fail_at = 1;
    vkb_faults.submit_result = VK_ERROR_DEVICE_LOST;
    CHECK_ERROR(vkbert_session_encode(s, &q, 1), VKBERT_ERROR_DEVICE_LOST, "VK_ERROR_DEVICE_LOST");
    CHECK_ERROR(vkbert_session_encode(s, &q, 1), VKBERT_ERROR_DEVICE_LOST, "lost");
    vkbert_model *m2 = NULL;
    CHECK_ERROR(vkbert_model_load(ctx, &(vkbert_model_desc){.path = g_model}, &m2), VKBERT_ERROR_DEVICE_LOST, "lost");
    vkbert_session *s2 = NULL;
    CHECK_ERROR(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 8}, &s2), VKBERT_ERROR_DEVICE_LOST, "lost");
    vkbert_session_destroy(s);
    vkbert_model_destroy(m);
    vkbert_context_destroy(ctx);

    /* device loss reported by the wait */
    CHECK(vkbert_context_create(&d, &ctx) == 0, "%s", vkbert_last_error());
    CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.path = g_model}, &m) == 0, "%s", vkbert_last_error());
    CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_seq = 8}, &s) == 0, "%s", vkbert_last_error());
    vkb_faults.wait_fail_at = 1;
    vkb_faults.wait_result = VK_ERROR_DEVICE_LOST;
    CHECK_ERROR(vkbert_session_encode(s, &q, 1), VKBERT_ERROR_DEVICE_LOST, "VK_ERROR_DEVICE_LOST");
    CHECK_ERROR(vkbert_session_encode(s, &q, 1), VKBERT_ERROR_DEVICE_LOST, "lost");
    vkbert_session_destroy(s);
    vkbert_model_destroy(m);
    vkbert_context_destroy(ctx);
    CHECK(vkb_fault_live_allocations() == 0, "%ld allocations leaked after device loss", vkb_fault_live_allocations());
}

#define TOK_CAP 512
static const char *const TOK_TEXTS[] = {"The capital of France is <mask>. Café naïve résumé, 北京 — Москва!",
                                        "  spaces\tand   tabs,  ﬁ ligatures and ＡＢＣ 😀 [MASK] 12345"};

/* Loads the tokenizer of `dir` and encodes (with offsets and special tokens, a pair too) and
 * decodes; the ids of every text one after another in ids[0..*n). */
static vkbert_status tokenize_all(const char *dir, int32_t *ids, size_t *n) {
    vkbert_tokenizer *tok = NULL;
    vkbert_status st = vkbert_tokenizer_load(dir, &tok);
    *n = 0;
    for (size_t i = 0; !st && i < sizeof TOK_TEXTS / sizeof TOK_TEXTS[0]; ++i) {
        size_t count = 0;
        vkbert_offset off[TOK_CAP / 2];
        st = vkbert_tokenizer_encode_offsets(tok, TOK_TEXTS[i], strlen(TOK_TEXTS[i]), NULL, 0, ids + *n, NULL, off,
                                             TOK_CAP / 2, &count);
        char text[1024];
        if (!st) st = vkbert_tokenizer_decode(tok, ids + *n, count, true, text, sizeof text, NULL);
        if (!st) *n += count;
    }
    size_t pair = 0;
    if (!st) st = vkbert_tokenizer_encode(tok, TOK_TEXTS[0], TOK_TEXTS[1], ids + *n, NULL, TOK_CAP / 2, &pair);
    if (!st) *n += pair;
    vkbert_tokenizer_destroy(tok);
    return st;
}

static void tokenizer_faults(const char *dir) {
    int32_t want[TOK_CAP], got[TOK_CAP];
    size_t nwant = 0, ngot = 0;
    vkb_faults.host_fail_at = 1L << 30; /* counts this clean run's allocations */
    vkbert_status st = tokenize_all(dir, want, &nwant);
    long total = (1L << 30) - vkb_faults.host_fail_at;
    vkb_faults.host_fail_at = 0;
    CHECK(st == VKBERT_OK && nwant > 20, "%s: the clean run: %s", dir, vkbert_last_error());
    if (st) return;
    int n = 0;
    for (long k = 1; k <= total + 1; k = k < 4000 ? k + 1 : k + k / 16) {
        vkb_faults.host_fail_at = k;
        st = tokenize_all(dir, got, &ngot);
        bool fired = vkb_faults.host_fail_at == 0;
        vkb_faults.host_fail_at = 0;
        CHECK(vkb_fault_live_allocations() == 0, "%s fault %ld: %ld host allocations leaked", dir, k,
              vkb_fault_live_allocations());
        if (!fired) {
            CHECK(st == VKBERT_OK && ngot == nwant && !memcmp(got, want, nwant * sizeof *want),
                  "%s: the run the fault did not reach differs: %s", dir, vkbert_last_error());
            break;
        }
        ++n;
        CHECK(st != VKBERT_OK, "%s fault %ld of %ld was swallowed: the run reported success", dir, k, total);
        CHECK(vkbert_last_error()[0] != '\0', "%s fault %ld: no message", dir, k);
    }
    CHECK(n > 100, "%s: only %d faults injected (of %ld allocations)", dir, n, total);
    printf("tokenizer %s: %d faults injected over its %ld allocations, each a clean error\n", dir, n, total);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_faults MODEL_DIR [TOKENIZER_DIR...]\n");
        return 2;
    }
    g_model = argv[1];
    for (int i = 2; i < argc; ++i) tokenizer_faults(argv[i]);
    vkbert_context *probe = test_context(NULL); /* skips (77) without a device */
    vkbert_context_destroy(probe);

    context_faults(&vkb_faults.host_fail_at, "context, host allocation");
    context_faults(&vkb_faults.vk_fail_at, "context, Vulkan creation");
    /* direct uploads, staged uploads, and tensors split into parts (bindings of 512 KiB:
     * the word embeddings in 8 parts, the logits in 4) */
    static const char *modes[3][2] = {{"load+encode, host allocation", "load+encode, Vulkan creation"},
                                      {"load+encode (staged), host allocation", "load+encode (staged), Vulkan creation"},
                                      {"load+encode (split), host allocation", "load+encode (split), Vulkan creation"}};
    for (int mode = 0; mode < 3; ++mode) {
        vkbert_context *ctx = NULL;
        vkbert_context_desc d = desc(mode == 1);
        if (mode == 2) d.max_buffer_bytes = 512u << 10;
        CHECK(vkbert_context_create(&d, &ctx) == 0, "%s", vkbert_last_error());
        if (!ctx) break;
        int h = sweep(ctx, &vkb_faults.host_fail_at, modes[mode][0]);
        int v = sweep(ctx, &vkb_faults.vk_fail_at, modes[mode][1]);
        CHECK(h > 50 && v > 50, "too few faults injected (%d host, %d Vulkan): is the wrapper bypassed?", h, v);
        CHECK(pipeline(ctx) == VKBERT_OK, "context unusable after the fault sweep: %s", vkbert_last_error());
        vkbert_context_destroy(ctx);
    }
    vkbert_context *c2 = test_context(NULL);
    vkbert_model *m2 = NULL;
    bool mlm = c2 && !vkbert_model_load(c2, &(vkbert_model_desc){.path = g_model}, &m2) && vkbert_model_has_mlm_head(m2);
    vkbert_model_destroy(m2);
    vkbert_context_destroy(c2);
    if (mlm) device_loss_and_timeouts();
    CHECK(g_vuid == 0, "%ld validation messages (leaked Vulkan objects are reported at vkDestroyDevice)", g_vuid);
    CHECK(vkb_fault_live_allocations() == 0, "%ld host allocations leaked", vkb_fault_live_allocations());
    return test_finish("test_faults");
}
