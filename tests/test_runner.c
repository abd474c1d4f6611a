/* The runner (vkbert_runner_*) and the EMBED / CLASSIFY session tasks.
 *   test_runner DATA_DIR truncation   (unit) the runner's truncation against Hugging Face's Rust
 *                                     tokenizers (tests/data/truncation-cases.json)
 *   test_runner DATA_DIR              (gpu) pooling against hidden states, batches against one
 *                                     by one, statistics, and the errors of bad input; masked-LM
 *                                     scoring's batching (vkbert_runner_score)
 * Embeddings against PyTorch on sentence-transformers layouts: tests/embed_e2e.py. */
#include "test_util.h"
#include "tasks/tasks.h"
#include "ops/ref.h"
#include "model/model.h"

#include <cjson/cJSON.h>
#include <math.h>

static vkbert_tokenizer *load_tokenizer(const char *data) {
    char path[1024];
    snprintf(path, sizeof path, "%s/bert-base-uncased-vocab.txt", data);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    vkbert_tokenizer *tok = NULL;
    if (vkbert_tokenizer_load_memory(buf, n, NULL, 0, &tok)) {
        fprintf(stderr, "tokenizer: %s\n", vkbert_last_error());
        exit(1);
    }
    return tok;
}

static void test_truncation(const char *data, const vkbert_tokenizer *tok) {
    char path[1024];
    snprintf(path, sizeof path, "%s/truncation-cases.json", data);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    static char json[1 << 20];
    size_t n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[n] = 0;
    cJSON *root = cJSON_Parse(json);
    const cJSON *cases = cJSON_GetObjectItem(root, "cases");
    int count = 0;
    for (const cJSON *c = cases ? cases->child : NULL; c; c = c->next, ++count) {
        const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
        const cJSON *pj = cJSON_GetObjectItem(c, "text_pair");
        const char *pair = cJSON_IsString(pj) ? pj->valuestring : NULL;
        uint32_t max = (uint32_t)cJSON_GetObjectItem(c, "max_length")->valuedouble;
        bool left = !strcmp(cJSON_GetObjectItem(c, "direction")->valuestring, "left");
        const cJSON *ids = cJSON_GetObjectItem(c, "input_ids"), *types = cJSON_GetObjectItem(c, "token_type_ids");
        vkb_prepare_desc d = {tok, max, left ? VKBERT_TRUNCATE_LEFT : VKBERT_TRUNCATE_RIGHT, NULL, false};
        vkb_prepared p;
        size_t failed;
        const char *texts[1] = {text}, *pairs[1] = {pair};
        vkbert_status st = vkb_prepare(NULL, &d, texts, pairs, NULL, 1, &p, &failed);
        CHECK(st == VKBERT_OK, "prepare: %s", vkbert_last_error());
        int want_n = cJSON_GetArraySize(ids);
        CHECK(!st && (int)p.length[0] == want_n, "%.30s | %.20s max %u %s: %u tokens, want %d", text,
              pair ? pair : "", max, left ? "left" : "right", st ? 0 : p.length[0], want_n);
        for (int i = 0; !st && i < want_n && i < (int)p.length[0]; ++i) {
            int wi = (int)cJSON_GetArrayItem(ids, i)->valuedouble, wt = (int)cJSON_GetArrayItem(types, i)->valuedouble;
            CHECK(p.ids[i] == wi && p.types[i] == wt, "%.30s | %.20s max %u %s token %d: id %d type %d, want %d %d",
                  text, pair ? pair : "", max, left ? "left" : "right", i, p.ids[i], p.types[i], wi, wt);
        }
        size_t full = 0;
        vkbert_tokenizer_encode(tok, text, pair, NULL, NULL, 0, &full);
        CHECK(!st && p.truncated == (size_t)(full > max), "truncated count %zu (%zu tokens, max %u)",
              st ? 0 : p.truncated, full, max);
        if (!st) vkb_prepared_free(&p);
    }
    CHECK(count >= 40, "only %d truncation cases", count);
    cJSON_Delete(root);
}

/* EMBED sessions against hidden states read back from a plain encode, every pooling mode. */
#define NSEQ 40 /* enough for several chunks of sequences under VKBERT_MAX_BUFFER_BYTES=64K */
static void test_pooling(vkbert_model *m, bool expect_chunks) {
    uint32_t H = vkbert_model_get_config(m)->hidden_size;
    int32_t ids[3][12] = {{101, 2023, 2003, 1037, 3231, 102}, {101, 7592, 102}, {101, 1996, 2307, 2003, 2182, 1998,
                                                                                  2045, 2003, 2053, 2062, 1012, 102}};
    uint32_t lens[NSEQ], skips[NSEQ];
    vkbert_sequence seqs[NSEQ];
    for (int i = 0; i < NSEQ; ++i) {
        lens[i] = (uint32_t[]){6, 3, 12}[i % 3];
        skips[i] = (uint32_t[]){0, 2, 4, 1}[i % 4] % lens[i];
        seqs[i] = (vkbert_sequence){ids[i % 3], NULL, lens[i], skips[i]};
    }
    vkbert_session *plain = NULL;
    CHECK(vkbert_session_create(m, &(vkbert_session_desc){.max_batch = NSEQ, .max_seq = 12, .head = VKBERT_HEAD_NONE},
                                &plain) == VKBERT_OK, "%s", vkbert_last_error());
    CHECK(vkbert_session_encode(plain, seqs, NSEQ) == VKBERT_OK, "%s", vkbert_last_error());
    float *hid = malloc(12 * H * 4), *got = malloc(H * 4);
    double *want = malloc(H * sizeof *want), *norm = malloc(H * sizeof *norm);
    for (uint32_t mode = VKBERT_POOLING_CLS; mode <= VKBERT_POOLING_LAST; ++mode)
        for (int nz = 0; nz < 2; ++nz) {
            vkbert_session *s = NULL;
            vkbert_session_desc d = {.max_batch = NSEQ + 1, .max_seq = 16, .task = VKBERT_TASK_EMBED,
                                     .pooling = (vkbert_pooling)mode,
                                     .normalize = nz ? VKBERT_NORMALIZE_ON : VKBERT_NORMALIZE_OFF};
            CHECK(vkbert_session_create(m, &d, &s) == VKBERT_OK, "%s", vkbert_last_error());
            CHECK(s && vkbert_session_encode(s, seqs, NSEQ) == VKBERT_OK, "%s", vkbert_last_error());
            CHECK(!s || !expect_chunks || vkb_session_chunks(s) > 1, "one chunk: the split variant tests nothing");
            for (uint32_t q = 0; s && q < NSEQ; ++q) {
                vkbert_session_read_hidden(plain, q, hid, 12 * H, NULL);
                vkb_ref_pool(hid, lens[q], skips[q], H, mode, want);
                if (nz) {
                    float *row = malloc(H * 4);
                    for (uint32_t c = 0; c < H; ++c) row[c] = (float)want[c];
                    vkb_ref_l2norm(row, H, norm);
                    memcpy(want, norm, H * sizeof *want);
                    free(row);
                }
                size_t need = 0;
                CHECK(vkbert_session_read_embedding(s, q, got, H, &need) == VKBERT_OK && need == H, "read: %s",
                      vkbert_last_error());
                double e = 0;
                for (uint32_t c = 0; c < H; ++c) e = fmax(e, fabs(got[c] - want[c]));
                CHECK(e < 2e-5, "pooling %u normalize %d sequence %u: error %g", mode, nz, q, e);
            }
            if (s && mode == VKBERT_POOLING_MEAN) {
                CHECK_ERROR(vkbert_session_read_hidden(s, 0, hid, 12 * H, NULL), VKBERT_ERROR_INVALID_ARGUMENT,
                            "VKBERT_TASK_MLM");
                CHECK_ERROR(vkbert_session_read_class_logits(s, 0, got, H, NULL), VKBERT_ERROR_INVALID_ARGUMENT,
                            "not created for that task");
                CHECK_ERROR(vkbert_session_read_embedding(s, NSEQ, got, H, NULL), VKBERT_ERROR_INVALID_ARGUMENT,
                            "the last encode had");
                CHECK_ERROR(vkbert_session_read_embedding(s, 0, got, H - 1, NULL), VKBERT_ERROR_BUFFER_TOO_SMALL,
                            "needs");
            }
            vkbert_session_destroy(s);
        }
    CHECK_ERROR(vkbert_session_create(m, &(vkbert_session_desc){.task = VKBERT_TASK_CLASSIFY}, &(vkbert_session *){0}),
                VKBERT_ERROR_UNSUPPORTED, "no sequence-classification head");
    CHECK_ERROR(vkbert_session_create(m, &(vkbert_session_desc){.task = (vkbert_task)9}, &(vkbert_session *){0}),
                VKBERT_ERROR_INVALID_ARGUMENT, "unknown task");
    vkbert_session_destroy(plain);
    free(hid); free(got); free(want); free(norm);
}

/* Batches of many lengths give what one text at a time gives, in input order. */
static void test_runner(vkbert_model *m, const vkbert_tokenizer *tok) {
    static const char *texts[] = {
        "a", "the quick brown fox jumps over the lazy dog", "hello world", "embedding many texts at once",
        "short", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
        "Café naïve résumé", "a game item: a rusty sword of the old king", "the same", "the same",
        "is this the longest line of them all, with commas, and more words than any other line here?", "x y",
    };
    const size_t n = sizeof texts / sizeof texts[0];
    vkbert_runner *r = NULL;
    vkbert_runner_desc d = {.task = VKBERT_TASK_EMBED, .max_batch_tokens = 64, .max_batch = 5, .max_seq = 16,
                            .pooling = VKBERT_POOLING_MEAN, .normalize = VKBERT_NORMALIZE_ON, .tokenizer = tok};
    CHECK(vkbert_runner_create(m, &d, &r) == VKBERT_OK, "%s", vkbert_last_error());
    if (!r) return;
    uint32_t W = vkbert_runner_width(r);
    CHECK(W == vkbert_model_get_config(m)->hidden_size, "width %u", W);
    float *all = malloc(n * W * 4), *one = malloc(W * 4);
    vkbert_run_stats st;
    CHECK(vkbert_runner_embed(r, texts, n, all, n * W, &st) == VKBERT_OK, "%s", vkbert_last_error());
    uint64_t tokens = 0;
    for (size_t i = 0; i < n; ++i) {
        size_t k = 0;
        vkbert_tokenizer_encode(tok, texts[i], NULL, NULL, NULL, 0, &k);
        tokens += k < 16 ? k : 16;
    }
    CHECK(st.inputs == n && st.tokens == tokens, "stats: %zu inputs, %llu tokens (want %llu)", st.inputs,
          (unsigned long long)st.tokens, (unsigned long long)tokens);
    CHECK(st.encodes >= 3 && st.padded_tokens >= st.tokens && st.padded_tokens <= st.encodes * 64,
          "stats: %zu encodes, %llu padded tokens", st.encodes, (unsigned long long)st.padded_tokens);
    CHECK(st.truncated == 1 && st.failed_index == SIZE_MAX, "stats: %zu truncated", st.truncated);
    for (size_t i = 0; i < n; ++i) {
        CHECK(vkbert_runner_embed(r, &texts[i], 1, one, W, NULL) == VKBERT_OK, "%s", vkbert_last_error());
        double e = 0, norm = 0;
        for (uint32_t c = 0; c < W; ++c) {
            e = fmax(e, fabs(one[c] - all[i * W + c]));
            norm += (double)one[c] * one[c];
        }
        CHECK(e < 1e-5, "text %zu: batched and alone differ by %g", i, e);
        CHECK(fabs(norm - 1.0) < 1e-5, "text %zu: norm^2 %g", i, norm);
    }
    CHECK(memcmp(all + 8 * W, all + 9 * W, W * 4) == 0, "equal texts, different embeddings");
    /* bad input: each names the input */
    const char *bad_utf8[] = {"fine", "also fine", "bad \xff byte"};
    CHECK_ERROR(vkbert_runner_embed(r, bad_utf8, 3, all, n * W, &st), VKBERT_ERROR_INVALID_TEXT, "input 2");
    CHECK(st.failed_index == 2, "failed_index %zu", st.failed_index);
    const char *empty[] = {"fine", ""};
    CHECK_ERROR(vkbert_runner_embed(r, empty, 2, all, n * W, &st), VKBERT_ERROR_INVALID_TEXT, "input 1 is empty");
    CHECK(st.failed_index == 1, "failed_index %zu", st.failed_index);
    CHECK_ERROR(vkbert_runner_embed(r, texts, n, all, n * W - 1, &st), VKBERT_ERROR_BUFFER_TOO_SMALL, "floats");
    CHECK_ERROR(vkbert_runner_classify(r, texts, NULL, 1, all, n * W, NULL), VKBERT_ERROR_INVALID_ARGUMENT,
                "created for embeddings");
    vkbert_runner_destroy(r);
    d.truncation = VKBERT_TRUNCATE_NONE;
    CHECK(vkbert_runner_create(m, &d, &r) == VKBERT_OK, "%s", vkbert_last_error());
    CHECK_ERROR(vkbert_runner_embed(r, texts, n, all, n * W, &st), VKBERT_ERROR_TOO_LONG, "input 10 is");
    CHECK(st.failed_index == 10, "failed_index %zu", st.failed_index);
    vkbert_runner_destroy(r);
    /* left truncation keeps the end: the longest text cut on the left equals its last tokens */
    d.truncation = VKBERT_TRUNCATE_LEFT;
    CHECK(vkbert_runner_create(m, &d, &r) == VKBERT_OK, "%s", vkbert_last_error());
    CHECK(vkbert_runner_embed(r, &texts[10], 1, one, W, &st) == VKBERT_OK && st.truncated == 1, "%s",
          vkbert_last_error());
    CHECK(memcmp(one, all + 10 * W, W * 4) != 0, "left and right truncation gave the same embedding");
    vkbert_runner_destroy(r);
    CHECK_ERROR(vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_CLASSIFY, .tokenizer = tok}, &r),
                VKBERT_ERROR_UNSUPPORTED, "no sequence-classification head");
    CHECK_ERROR(vkbert_runner_create(m, &(vkbert_runner_desc){.prompt_name = "query", .tokenizer = tok}, &r),
                VKBERT_ERROR_INVALID_ARGUMENT, "no prompt named \"query\"");
    CHECK_ERROR(vkbert_runner_create(m, &(vkbert_runner_desc){0}, &r), VKBERT_ERROR_INVALID_ARGUMENT, "no tokenizer");
    CHECK_ERROR(vkbert_runner_create(m, &(vkbert_runner_desc){.max_batch_tokens = 8, .tokenizer = tok}, &r),
                VKBERT_ERROR_INVALID_ARGUMENT, "max_batch_tokens 8");
    free(all);
    free(one);
}

/* vkbert_runner_score on a random model with an MLM head (PyTorch's numbers: tests/score_e2e.py):
 * every text's masked copies in shared batches, the same scores however they are batched, and the
 * errors. */
static void test_score(vkbert_model *m, const vkbert_tokenizer *tok) {
    const char *texts[] = {"the cat sat on the mat", "hello world", "a [MASK] b"};
    const uint32_t scored[] = {6, 2, 2}; /* the text's own [MASK] is special: not scored */
    vkbert_pll_score all[3], one;
    vkbert_run_stats st;
    vkbert_runner *r = NULL;
    CHECK(vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_SCORE, .tokenizer = tok}, &r) == VKBERT_OK,
          "%s", vkbert_last_error());
    if (!r) return;
    CHECK(vkbert_runner_score(r, texts, 3, all, &st) == VKBERT_OK, "%s", vkbert_last_error());
    CHECK(st.encodes == 1, "10 masked copies of three texts took %zu encodes, not one", st.encodes);
    CHECK(st.tokens == 6 * 8 + 2 * 4 + 2 * 5, "stats: %llu tokens", (unsigned long long)st.tokens);
    for (int i = 0; i < 3; ++i) {
        CHECK(all[i].tokens == scored[i], "text %d: %u tokens scored, want %u", i, all[i].tokens, scored[i]);
        CHECK(all[i].pll < 0 && fabs(all[i].pppl - exp(-all[i].pll / all[i].tokens)) <= 1e-9 * all[i].pppl,
              "text %d: pll %g, pppl %g", i, all[i].pll, all[i].pppl);
        CHECK(vkbert_runner_score(r, &texts[i], 1, &one, NULL) == VKBERT_OK, "%s", vkbert_last_error());
        CHECK(fabs(one.pll - all[i].pll) <= 1e-5 * fabs(all[i].pll), "text %d: alone %g, batched %g", i, one.pll,
              all[i].pll);
    }
    vkbert_runner_destroy(r);
    /* small batches: more encodes, the same scores */
    CHECK(vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_SCORE, .max_batch = 3, .tokenizer = tok},
                               &r) == VKBERT_OK, "%s", vkbert_last_error());
    if (!r) return;
    vkbert_pll_score small[3];
    CHECK(vkbert_runner_score(r, texts, 3, small, &st) == VKBERT_OK, "%s", vkbert_last_error());
    CHECK(st.encodes == 4, "10 copies in batches of 3: %zu encodes", st.encodes);
    for (int i = 0; i < 3; ++i)
        CHECK(fabs(small[i].pll - all[i].pll) <= 1e-5 * fabs(all[i].pll) && small[i].tokens == all[i].tokens,
              "text %d: batches of 3 give %g, not %g", i, small[i].pll, all[i].pll);
    const char *only_special[] = {"fine", "[MASK] [SEP]"};
    CHECK_ERROR(vkbert_runner_score(r, only_special, 2, small, &st), VKBERT_ERROR_INVALID_TEXT, "input 1 has no token");
    CHECK(st.failed_index == 1, "failed_index %zu", st.failed_index);
    const char *bad_utf8[] = {"bad \xff"};
    CHECK_ERROR(vkbert_runner_score(r, bad_utf8, 1, small, &st), VKBERT_ERROR_INVALID_TEXT, "input 0");
    vkbert_runner_destroy(r);
    CHECK(vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_EMBED, .tokenizer = tok}, &r) == VKBERT_OK,
          "%s", vkbert_last_error());
    CHECK_ERROR(vkbert_runner_score(r, texts, 1, small, NULL), VKBERT_ERROR_INVALID_ARGUMENT,
                "needs a runner created for VKBERT_TASK_SCORE");
    vkbert_runner_destroy(r);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_runner DATA_DIR [truncation | chunks]\n");
        return 2;
    }
    vkbert_tokenizer *tok = load_tokenizer(argv[1]);
    if (argc > 2 && !strcmp(argv[2], "truncation")) {
        test_truncation(argv[1], tok);
        vkbert_tokenizer_destroy(tok);
        return test_finish("test_runner truncation");
    }
    vkbert_context *ctx = test_context(NULL);
    vkbert_model *m = NULL;
    vkbert_model_config cfg = {.vocab_size = 30522, .hidden_size = 32, .num_hidden_layers = 2,
                               .num_attention_heads = 4, .intermediate_size = 37, .max_position_embeddings = 64,
                               .type_vocab_size = 2};
    CHECK(vkbert_model_create_random(ctx, &cfg, 7, false, &m) == VKBERT_OK, "%s", vkbert_last_error());
    if (m) {
        test_pooling(m, argc > 2 && !strcmp(argv[2], "chunks"));
        test_runner(m, tok);
        vkbert_runner *r = NULL;
        CHECK_ERROR(vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_SCORE, .tokenizer = tok}, &r),
                    VKBERT_ERROR_UNSUPPORTED, "no masked-language-model head");
    }
    vkbert_model_destroy(m);
    m = NULL;
    CHECK(vkbert_model_create_random(ctx, &cfg, 8, true, &m) == VKBERT_OK, "%s", vkbert_last_error());
    if (m && argc > 2 && !strcmp(argv[2], "chunks")) { /* bindings too small for one row of logits: said */
        vkbert_runner *r = NULL;
        vkbert_pll_score out;
        const char *text[] = {"hello world"};
        CHECK(vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_SCORE, .tokenizer = tok}, &r) ==
              VKBERT_OK, "%s", vkbert_last_error());
        CHECK(vkbert_runner_score(r, text, 1, &out, NULL) != VKBERT_OK &&
              strstr(vkbert_last_error(), "do not fit in one buffer binding"), "small bindings: %s", vkbert_last_error());
        vkbert_runner_destroy(r);
    } else if (m) {
        test_score(m, tok);
    }
    check_no_validation(ctx);
    vkbert_model_destroy(m);
    vkbert_context_destroy(ctx);
    vkbert_tokenizer_destroy(tok);
    return test_finish("test_runner");
}
