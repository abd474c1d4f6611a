/* The token-classification and question-answering heads through the C API (issue 17): sessions
 * of VKBERT_TASK_TOKEN_CLASSIFY / VKBERT_TASK_QA and vkbert_session_read_token_logits (a batch of
 * sequences of different lengths reads back what each gives alone; BUFFER_TOO_SMALL says the
 * size), the heads' presence (vkbert_model_has_task, labels), and vkbert_runner_ner /
 * vkbert_runner_qa's results (byte and code-point offsets of the same spans) and errors. The
 * values themselves are checked against Hugging Face and PyTorch by pipelines_e2e.py.
 *   test_heads MODELS_DIR */
#include "test_util.h"

#include <math.h>

static char g_dir[1024];

static vkbert_model *load(vkbert_context *ctx, const char *models, const char *name) {
    snprintf(g_dir, sizeof g_dir, "%s/%s", models, name);
    vkbert_model *m = NULL;
    CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.path = g_dir}, &m) == 0, "%s: %s", name, vkbert_last_error());
    return m;
}

static size_t encode(const vkbert_model *m, const char *text, const char *pair, int32_t *ids, int32_t *types) {
    size_t n = 0;
    CHECK(vkbert_tokenizer_encode(vkbert_model_tokenizer(m), text, pair, ids, types, 64, &n) == 0, "%s",
          vkbert_last_error());
    return n;
}

/* Two sequences in one encode read back as each alone; n floats per token. */
static void batch_rows(vkbert_model *m, vkbert_task task, uint32_t n) {
    int32_t a[64], ta[64], b[64], tb[64];
    size_t na = encode(m, "Hugo lives in Zürich.", task == VKBERT_TASK_QA ? "Where?" : NULL, a, ta);
    size_t nb = encode(m, "Paris", NULL, b, tb);
    vkbert_session *s = NULL;
    CHECK(vkbert_session_create(m, &(vkbert_session_desc){.task = task, .max_batch = 2, .max_seq = 32}, &s) == 0, "%s",
          vkbert_last_error());
    if (!s) return;
    vkbert_sequence seqs[2] = {{.input_ids = b, .token_type_ids = tb, .length = (uint32_t)nb},
                               {.input_ids = a, .token_type_ids = ta, .length = (uint32_t)na}};
    float both[2][64 * 16], alone[64 * 16];
    CHECK(vkbert_session_encode(s, seqs, 2) == 0, "%s", vkbert_last_error());
    size_t need = 0;
    CHECK_ERROR(vkbert_session_read_token_logits(s, 1, both[1], 3, &need), VKBERT_ERROR_BUFFER_TOO_SMALL, "floats");
    CHECK(need == na * n, "needed %zu, want %zu", need, na * n);
    CHECK(vkbert_session_read_token_logits(s, 0, both[0], 64 * 16, &need) == 0 && need == nb * n, "%s",
          vkbert_last_error());
    CHECK(vkbert_session_read_token_logits(s, 1, both[1], 64 * 16, NULL) == 0, "%s", vkbert_last_error());
    CHECK_ERROR(vkbert_session_read_token_logits(s, 2, alone, 64 * 16, NULL), VKBERT_ERROR_INVALID_ARGUMENT,
                "sequence 2");
    CHECK_ERROR(vkbert_session_read_class_logits(s, 0, alone, 64 * 16, NULL), VKBERT_ERROR_INVALID_ARGUMENT,
                "not created for that task");
    for (int k = 0; k < 2; ++k) {
        CHECK(vkbert_session_encode(s, &seqs[k], 1) == 0, "%s", vkbert_last_error());
        CHECK(vkbert_session_read_token_logits(s, 0, alone, 64 * 16, NULL) == 0, "%s", vkbert_last_error());
        double worst = 0;
        for (size_t i = 0; i < seqs[k].length * n; ++i) worst = fmax(worst, fabs(alone[i] - both[k][i]));
        CHECK(worst < 1e-5, "sequence %d: batched logits differ by %g from its own encode", k, worst);
    }
    vkbert_session_destroy(s);
}

static void ner(vkbert_context *ctx, vkbert_model *m) {
    vkbert_runner *r = NULL;
    CHECK(vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_TOKEN_CLASSIFY}, &r) == 0, "%s",
          vkbert_last_error());
    if (!r) return;
    const char *text = "Zürich 東京 🙂 Paris";
    vkbert_entities *e = NULL;
    CHECK(vkbert_runner_ner(r, text, &(vkbert_ner_options){.ignore_labels = (const char *const[]){NULL}}, &e, NULL) == 0,
          "%s", vkbert_last_error());
    CHECK(vkbert_entities_count(e) == 5, "%zu entities for 5 tokens with no label ignored", vkbert_entities_count(e));
    static const uint32_t bytes[5][2] = {{0, 7}, {8, 11}, {11, 14}, {15, 19}, {20, 25}};
    static const uint32_t chars[5][2] = {{0, 6}, {7, 8}, {8, 9}, {10, 11}, {12, 17}};
    for (size_t i = 0; i < vkbert_entities_count(e) && i < 5; ++i) {
        const vkbert_entity *x = vkbert_entities_get(e, i);
        CHECK(x->start == bytes[i][0] && x->end == bytes[i][1], "entity %zu: bytes [%u, %u)", i, x->start, x->end);
        CHECK(x->start_char == chars[i][0] && x->end_char == chars[i][1], "entity %zu: chars [%u, %u)", i,
              x->start_char, x->end_char);
        CHECK(x->index == (int32_t)i + 1, "entity %zu: index %d", i, (int)x->index);
        CHECK(x->score > 0 && x->score <= 1 && x->label && x->word, "entity %zu", i);
    }
    CHECK(vkbert_entities_get(e, 5) == NULL, "an entity past the end");
    vkbert_entities_destroy(e);
    CHECK_ERROR(vkbert_runner_ner(r, text, &(vkbert_ner_options){.aggregation = (vkbert_aggregation)9}, &e, NULL),
                VKBERT_ERROR_INVALID_ARGUMENT, "unknown aggregation");
    CHECK_ERROR(vkbert_runner_ner(r, "", NULL, &e, NULL), VKBERT_ERROR_INVALID_TEXT, "empty");
    CHECK_ERROR(vkbert_runner_ner(r, "\xff", NULL, &e, NULL), VKBERT_ERROR_INVALID_TEXT, "UTF-8");
    vkbert_answers *a = NULL;
    CHECK_ERROR(vkbert_runner_qa(r, "q", "c", NULL, &a, NULL), VKBERT_ERROR_INVALID_ARGUMENT, "token classification");
    float out[16];
    CHECK_ERROR(vkbert_runner_classify(r, &text, NULL, 1, out, 16, NULL), VKBERT_ERROR_INVALID_ARGUMENT,
                "token classification");
    vkbert_runner_destroy(r);
    (void)ctx;
}

static void qa(vkbert_model *m) {
    vkbert_runner *r = NULL;
    CHECK(vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_QA}, &r) == 0, "%s", vkbert_last_error());
    if (!r) return;
    CHECK(vkbert_runner_width(r) == 2, "width %u", vkbert_runner_width(r));
    const char *c = "Hugo Boss lives in Zürich 🙂 and works in Paris, far from Berlin, Rome and Madrid.";
    vkbert_answers *a = NULL;
    vkbert_run_stats st;
    CHECK(vkbert_runner_qa(r, "Where does he live?", c, &(vkbert_qa_options){.top_k = 4, .max_seq_len = 16,
                                                                            .doc_stride = 3}, &a, &st) == 0,
          "%s", vkbert_last_error());
    CHECK(vkbert_answers_count(a) == 4, "%zu answers", vkbert_answers_count(a));
    CHECK(st.encodes >= 1 && st.tokens > 16, "windows: %zu encodes, %llu tokens", st.encodes,
          (unsigned long long)st.tokens);
    for (size_t i = 0; i < vkbert_answers_count(a); ++i) {
        const vkbert_answer *x = vkbert_answers_get(a, i);
        CHECK(x->end > x->start && strlen(x->answer) == x->end - x->start &&
                  !memcmp(x->answer, c + x->start, x->end - x->start), "answer %zu: [%u, %u) \"%s\"", i, x->start,
              x->end, x->answer);
        CHECK(x->end_char - x->start_char <= x->end - x->start, "answer %zu: chars", i);
        CHECK(i == 0 || x->score <= vkbert_answers_get(a, i - 1)->score, "answer %zu: not best first", i);
    }
    vkbert_answers_destroy(a);
    CHECK_ERROR(vkbert_runner_qa(r, "", c, NULL, &a, NULL), VKBERT_ERROR_INVALID_TEXT, "question is empty");
    CHECK_ERROR(vkbert_runner_qa(r, "Where?", "", NULL, &a, NULL), VKBERT_ERROR_INVALID_TEXT, "context is empty");
    CHECK_ERROR(vkbert_runner_qa(r, "Where?", NULL, NULL, &a, NULL), VKBERT_ERROR_INVALID_ARGUMENT, "NULL");
    CHECK_ERROR(vkbert_runner_qa(r, "Where?", c, &(vkbert_qa_options){.max_seq_len = 16, .doc_stride = 12}, &a, NULL),
                VKBERT_ERROR_INVALID_ARGUMENT, "doc_stride 12");
    CHECK_ERROR(vkbert_runner_qa(r, "Where does he live, and where does he work?", c,
                                 &(vkbert_qa_options){.max_seq_len = 8}, &a, NULL), VKBERT_ERROR_TOO_LONG, "no room");
    CHECK_ERROR(vkbert_runner_qa(r, "Where?", c, &(vkbert_qa_options){.max_seq_len = 1000}, &a, NULL),
                VKBERT_ERROR_TOO_LONG, "max_seq_len 1000");
    CHECK(a == NULL, "a result after an error");
    vkbert_entities *e = NULL;
    CHECK_ERROR(vkbert_runner_ner(r, c, NULL, &e, NULL), VKBERT_ERROR_INVALID_ARGUMENT, "question answering");
    vkbert_runner_destroy(r);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_heads MODELS_DIR\n");
        return 2;
    }
    vkbert_context *ctx = test_context(NULL);
    vkbert_model *tok = load(ctx, argv[1], "ner-tiny"), *dq = load(ctx, argv[1], "qa-distil"),
                 *bq = load(ctx, argv[1], "qa-tiny"), *plain = load(ctx, argv[1], "tiny");
    if (tok && dq && bq && plain) {
        CHECK(vkbert_model_has_task(tok, VKBERT_TASK_TOKEN_CLASSIFY) && !vkbert_model_has_task(tok, VKBERT_TASK_CLASSIFY) &&
                  !vkbert_model_has_task(tok, VKBERT_TASK_QA) && !vkbert_model_has_task(tok, VKBERT_TASK_MLM),
              "ner-tiny's heads");
        CHECK(vkbert_model_label_count(tok) == 9 && !strcmp(vkbert_model_label(tok, 3), "B-PER") &&
                  vkbert_model_label(tok, 9) == NULL, "ner-tiny's labels");
        CHECK(vkbert_model_has_task(dq, VKBERT_TASK_QA) && vkbert_model_has_task(bq, VKBERT_TASK_QA) &&
                  vkbert_model_label_count(bq) == 0 && !vkbert_model_has_task(bq, VKBERT_TASK_TOKEN_CLASSIFY),
              "the QA models' heads");
        CHECK(!vkbert_model_has_task(plain, VKBERT_TASK_QA) && vkbert_model_has_task(plain, VKBERT_TASK_EMBED), "tiny");
        vkbert_session *s = NULL;
        CHECK_ERROR(vkbert_session_create(plain, &(vkbert_session_desc){.task = VKBERT_TASK_TOKEN_CLASSIFY}, &s),
                    VKBERT_ERROR_UNSUPPORTED, "no token-classification head");
        CHECK_ERROR(vkbert_session_create(tok, &(vkbert_session_desc){.task = VKBERT_TASK_QA}, &s),
                    VKBERT_ERROR_UNSUPPORTED, "no question-answering head");
        CHECK_ERROR(vkbert_session_create(tok, &(vkbert_session_desc){.task = (vkbert_task)7}, &s),
                    VKBERT_ERROR_INVALID_ARGUMENT, "unknown task");
        vkbert_runner *r = NULL;
        CHECK_ERROR(vkbert_runner_create(plain, &(vkbert_runner_desc){.task = VKBERT_TASK_QA}, &r),
                    VKBERT_ERROR_UNSUPPORTED, "no question-answering head");
        batch_rows(tok, VKBERT_TASK_TOKEN_CLASSIFY, 9);
        batch_rows(bq, VKBERT_TASK_QA, 2);
        batch_rows(dq, VKBERT_TASK_QA, 2);
        ner(ctx, tok);
        qa(bq);
        qa(dq);
    }
    vkbert_model_destroy(tok);
    vkbert_model_destroy(dq);
    vkbert_model_destroy(bq);
    vkbert_model_destroy(plain);
    check_no_validation(ctx);
    vkbert_context_destroy(ctx);
    return test_finish("test_heads");
}
