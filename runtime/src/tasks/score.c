/* Masked-LM scoring (vkbert_runner_score): a text's pseudo-log-likelihood is the sum, over its
 * tokens that are not special, of the log-probability of the true token when that token alone is
 * replaced by the mask token. Every such masked copy of every text is one sequence of a batch:
 * inputs shortest first, copies packed under the runner's max_batch and max_batch_tokens and a
 * cap on the logits read back; the MLM head runs on the mask rows, and the one row of each copy
 * at its masked position gives that token's log-softmax (a text's own mask tokens are special:
 * neither masked nor counted, their rows are read past). */
#include "tasks/tasks.h"
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOGIT_BYTES (64u << 20) /* logits read back per encode, at most (one row at least) */

typedef struct copy_ref {
    size_t input;
    uint32_t pos;
} copy_ref;

typedef struct score_order {
    uint32_t length;
    size_t index;
} score_order;

static int by_length(const void *a, const void *b) {
    const score_order *x = a, *y = b;
    if (x->length != y->length) return x->length < y->length ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* ln softmax(logits)[id], in double. */
static double log_prob(const float *logits, uint32_t vocab, int32_t id) {
    double mx = logits[0], sum = 0.0;
    for (uint32_t v = 1; v < vocab; ++v) mx = logits[v] > mx ? logits[v] : mx;
    for (uint32_t v = 0; v < vocab; ++v) sum += exp((double)logits[v] - mx);
    return (double)logits[id] - mx - log(sum);
}

typedef struct score_run {
    vkbert_runner *r;
    const vkb_prepared *p;
    const score_order *order;
    const uint32_t *literal;     /* [count]: the mask tokens each text has itself */
    int32_t mask;
    vkbert_pll_score *out;
    vkbert_run_stats *st;
    vkbert_session *sess;        /* the last batch's, kept while the next fits it */
    uint32_t sess_batch, sess_seq, sess_rows;
} score_run;

/* A session of batch x seq with room for `rows` head rows: the kept one when it matches. */
static vkbert_status session_for(score_run *x, uint32_t batch, uint32_t seq, uint32_t rows) {
    if (x->sess && x->sess_batch == batch && x->sess_seq == seq && x->sess_rows >= rows) return VKBERT_OK;
    vkbert_session_destroy(x->sess); /* its memory goes before the next one's comes */
    x->sess = NULL;
    vkbert_session_desc sd = {.max_batch = batch, .max_seq = seq, .head = VKBERT_HEAD_MASKED, .max_head_rows = rows,
                              .top_k = 1, .keep_logits = true, .task = VKBERT_TASK_MLM};
    vkbert_status s = vkbert_session_create(x->r->model, &sd, &x->sess);
    if (s) return s;
    x->sess_batch = batch;
    x->sess_seq = seq;
    x->sess_rows = rows;
    return VKBERT_OK;
}

static vkbert_status run_copies(score_run *x) {
    vkbert_runner *r = x->r;
    vkbert_context *ctx = r->ctx;
    const vkb_prepared *p = x->p;
    const uint32_t vocab = r->model->config.vocab_size, P = r->model->config.max_tokens;
    const size_t n = p->count, max_batch = r->d.max_batch;
    uint32_t row_cap = (uint32_t)(LOGIT_BYTES / ((uint64_t)vocab * sizeof(float)));
    if (row_cap == 0) row_cap = 1;
    size_t arena_len = (size_t)r->d.max_batch_tokens + P;
    int32_t *arena = vkb_malloc(arena_len * sizeof *arena);
    copy_ref *refs = vkb_calloc(max_batch, sizeof *refs);
    vkbert_sequence *seqs = vkb_calloc(max_batch, sizeof *seqs);
    float *logits = vkb_malloc((size_t)vocab * sizeof *logits);
    vkbert_status s = VKBERT_OK;
    if (!arena || !refs || !seqs || !logits) s = vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    size_t oi = 0;
    uint32_t next = 0; /* the next position of input order[oi] to look at */
    while (!s && oi < n) {
        uint32_t b = 0, rows = 0, seq = 0;
        size_t used = 0;
        while (oi < n && b < max_batch) {
            size_t in = x->order[oi].index;
            const int32_t *ids = p->ids + p->start[in];
            uint32_t len = p->length[in];
            while (next < len && vkbert_tokenizer_is_special(r->tok, ids[next])) ++next;
            if (next >= len) {
                ++oi;
                next = 0;
                if (r->d.progress) r->d.progress(oi, n, r->d.progress_user);
                continue;
            }
            uint32_t pad = (len + VKB_RUNNER_PAD - 1) / VKB_RUNNER_PAD * VKB_RUNNER_PAD;
            if (pad > P) pad = P;
            if (pad < len) pad = len;
            uint32_t grown = pad > seq ? pad : seq, need = 1 + x->literal[in];
            if (b > 0 && ((uint64_t)(b + 1) * grown > r->d.max_batch_tokens || rows + need > row_cap ||
                          used + len > arena_len))
                break;
            memcpy(arena + used, ids, len * sizeof *arena);
            arena[used + next] = x->mask;
            seqs[b] = (vkbert_sequence){.input_ids = arena + used, .token_type_ids = p->types + p->start[in],
                                        .length = len};
            refs[b] = (copy_ref){in, next};
            used += len;
            rows += need;
            seq = grown;
            ++b;
            ++next;
            if (x->st) x->st->tokens += len;
        }
        if (b == 0) break;
        s = session_for(x, b, seq, rows);
        if (!s) s = vkbert_session_encode(x->sess, seqs, b);
        uint32_t got = s ? 0 : vkbert_session_head_row_count(x->sess);
        for (uint32_t row = 0; row < got && !s; ++row) {
            uint32_t sq = 0, pos = 0;
            s = vkbert_session_head_row(x->sess, row, &sq, &pos);
            if (s || sq >= b || pos != refs[sq].pos) continue; /* a text's own mask token */
            s = vkbert_session_read_logits(x->sess, row, logits, vocab, NULL);
            if (s) break;
            const copy_ref *c = &refs[sq];
            x->out[c->input].pll += log_prob(logits, vocab, p->ids[p->start[c->input] + c->pos]);
            x->out[c->input].tokens++;
        }
        if (!s && x->st) {
            x->st->encodes++;
            x->st->padded_tokens += (uint64_t)b * x->sess_seq;
        }
    }
    vkb_free(arena);
    vkb_free(refs);
    vkb_free(seqs);
    vkb_free(logits);
    return s;
}

vkbert_status vkbert_runner_score(vkbert_runner *r, const char *const *texts, size_t count, vkbert_pll_score *out,
                                  vkbert_run_stats *st) {
    vkb_run_stats_init(st, count);
    if (!r) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "the runner is NULL");
    vkbert_context *ctx = r->ctx;
    if (r->d.task != VKBERT_TASK_SCORE)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_runner_score needs a runner created for "
                        "VKBERT_TASK_SCORE; this one is for %s", vkb_runner_task_name(r));
    if (count == 0) return VKBERT_OK;
    if (!texts || !out) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "texts or the output is NULL");
    int32_t mask = vkbert_tokenizer_mask_id(r->tok);
    if (mask < 0)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the tokenizer has no mask token ([MASK], <mask>): texts cannot "
                        "be scored");
    vkb_prepare_desc pd = {r->tok, r->d.max_seq, r->d.truncation, NULL, false};
    vkb_prepared p;
    size_t failed = SIZE_MAX;
    vkbert_status s = vkb_prepare(ctx, &pd, texts, NULL, NULL, count, &p, &failed);
    if (st) {
        st->failed_index = failed;
        st->truncated = p.truncated;
    }
    score_order *order = s ? NULL : vkb_calloc(count, sizeof *order);
    uint32_t *literal = s ? NULL : vkb_calloc(count, sizeof *literal);
    if (!s && (!order || !literal)) s = vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (size_t i = 0; i < count && !s; ++i) {
        const int32_t *ids = p.ids + p.start[i];
        uint32_t scored = 0;
        for (uint32_t t = 0; t < p.length[i]; ++t) {
            literal[i] += ids[t] == mask;
            scored += !vkbert_tokenizer_is_special(r->tok, ids[t]);
        }
        if (scored == 0) {
            if (st) st->failed_index = i;
            s = vkb_fail(ctx, VKBERT_ERROR_INVALID_TEXT, "input %zu has no token to score: its tokens are all special "
                         "([CLS], [SEP], [UNK], [MASK], ...)", i);
        }
        out[i] = (vkbert_pll_score){0};
        order[i] = (score_order){p.length[i], i};
    }
    if (!s) {
        qsort(order, count, sizeof *order, by_length);
        score_run x = {r, &p, order, literal, mask, out, st, NULL, 0, 0, 0};
        s = run_copies(&x);
        vkbert_session_destroy(x.sess);
    }
    for (size_t i = 0; i < count && !s; ++i) out[i].pppl = exp(-out[i].pll / out[i].tokens);
    vkb_free(order);
    vkb_free(literal);
    vkb_prepared_free(&p);
    return s;
}
