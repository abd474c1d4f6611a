/* Threads: two sessions on two threads, created and encoding concurrently against one
 * shared model, give the single-threaded answers; the validation layer's thread-safety
 * checks stay silent. */
#include "test_util.h"
#include "test_platform.h"

#define ROUNDS 25

static vkbert_model *g_model;
static const char *TEXTS[2] = {"The capital of France is [MASK].", "A [MASK] sat on the mat, and the [MASK] barked."};
static int32_t g_ref[2][2];   /* top-1 id of each mask, per text */
static float g_ref_h[2];      /* hidden[0][0] per text */

typedef struct job { int text; int errors; char msg[256]; } job;

static int encode(vkbert_session *s, int text, int32_t top[2], float *h0) {
    int32_t ids[64], types[64];
    size_t n = 0;
    if (vkbert_tokenizer_encode(vkbert_model_tokenizer(g_model), TEXTS[text], NULL, ids, types, 64, &n)) return 1;
    if (vkbert_session_encode(s, &(vkbert_sequence){ids, types, (uint32_t)n}, 1)) return 1;
    uint32_t rows = vkbert_session_head_row_count(s);
    for (uint32_t r = 0; r < rows && r < 2; ++r) {
        vkbert_prediction p;
        if (vkbert_session_read_topk(s, r, &p, 1, NULL) != VKBERT_OK && p.id < 0) return 1;
        top[r] = p.id;
    }
    float *h = malloc(n * vkbert_model_get_config(g_model)->hidden_size * sizeof *h);
    size_t need;
    int bad = vkbert_session_read_hidden(s, 0, h, n * vkbert_model_get_config(g_model)->hidden_size, &need) != 0;
    *h0 = h[0];
    free(h);
    return bad;
}

static void *worker(void *arg) {
    job *j = arg;
    vkbert_session *s = NULL;
    if (vkbert_session_create(g_model, &(vkbert_session_desc){.max_seq = 32, .top_k = 1}, &s)) {
        snprintf(j->msg, sizeof j->msg, "session: %s", vkbert_last_error());
        j->errors++;
        return NULL;
    }
    for (int i = 0; i < ROUNDS; ++i) {
        int text = (j->text + i) % 2;
        int32_t top[2] = {-1, -1};
        float h0 = 0;
        if (encode(s, text, top, &h0)) {
            snprintf(j->msg, sizeof j->msg, "encode: %s", vkbert_last_error());
            j->errors++;
        } else if (top[0] != g_ref[text][0] || top[1] != g_ref[text][1] || h0 != g_ref_h[text]) {
            snprintf(j->msg, sizeof j->msg, "round %d text %d: results differ from the single-threaded ones", i, text);
            j->errors++;
        }
    }
    vkbert_session_destroy(s);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    vkbert_context *ctx = test_context(NULL);
    CHECK(vkbert_model_load(ctx, &(vkbert_model_desc){.path = argv[1]}, &g_model) == 0, "%s", vkbert_last_error());
    if (!g_model) return 1;
    vkbert_session *s = NULL;
    CHECK(vkbert_session_create(g_model, &(vkbert_session_desc){.max_seq = 32, .top_k = 1}, &s) == 0, "session");
    for (int t = 0; t < 2; ++t) {
        g_ref[t][0] = g_ref[t][1] = -1;
        CHECK(encode(s, t, g_ref[t], &g_ref_h[t]) == 0, "reference encode: %s", vkbert_last_error());
    }
    vkbert_session_destroy(s);
    test_thread th[2];
    job jobs[2] = {{0}, {1}};
    for (int i = 0; i < 2; ++i) CHECK(test_thread_create(&th[i], worker, &jobs[i]) == 0, "thread %d not started", i);
    for (int i = 0; i < 2; ++i) test_thread_join(th[i]);
    for (int i = 0; i < 2; ++i) CHECK(jobs[i].errors == 0, "thread %d: %d errors (%s)", i, jobs[i].errors, jobs[i].msg);
    check_no_validation(ctx);
    vkbert_model_destroy(g_model);
    vkbert_context_destroy(ctx);
    return test_finish("test_threads");
}
