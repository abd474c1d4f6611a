/* vkbert_runner_qa: transformers' QuestionAnsweringPipeline after qa_outputs. The pair
 * (question, context) is tokenized once; the context's tokens are cut into windows of at most
 * max_seq_len tokens with the question and the template's tokens around each (the tokenizers'
 * only_second truncation with stride and overflowing tokens), every window encoded; per window
 * select_starts_ends and decode_spans (softmax of the masked start and end logits, [CLS] kept in
 * the softmax and then zeroed, spans start <= end < start + max_answer_len), then all windows'
 * answers widened to whole words (align_to_words), equal texts merged (their scores added), best
 * first. Written from the
 * pipeline's definition; model_tools/qa_reference.py is its Python twin for the tests. */
#include "tasks/tasks.h"
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct vkbert_answers {
    vkbert_answer *items;
    size_t count;
};

typedef struct candidate {
    double score;
    uint32_t window, s, e;   /* positions in the window's sequence */
    size_t order;            /* tie-break: the order the pipeline lists them in */
} candidate;

/* One window: the context tokens [c0, c1) of the pair's encoding. */
typedef struct window { uint32_t c0, c1; } window;

typedef struct qa {
    vkbert_context *ctx;
    vkbert_qa_options o;
    size_t total, nc, first, last;   /* the pair's tokens; the context's count, first and last index */
    int32_t *ids, *types;
    vkbert_offset *offs;
    uint8_t *special;
    uint32_t *words;
    window *win;
    size_t nwin;
    candidate *cand;
    size_t ncand, cap;
    double min_null;
} qa;

void vkbert_answers_destroy(vkbert_answers *a) {
    if (!a) return;
    for (size_t i = 0; i < a->count; ++i) vkb_free((char *)a->items[i].answer);
    vkb_free(a->items);
    vkb_free(a);
}

size_t vkbert_answers_count(const vkbert_answers *a) { return a ? a->count : 0; }
const vkbert_answer *vkbert_answers_get(const vkbert_answers *a, size_t i) {
    return a && i < a->count ? &a->items[i] : NULL;
}

static vkbert_status oom(qa *x) { return vkb_fail(x->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory"); }

/* The window's sequence position p -> the pair's token index. */
static size_t token_of(const qa *x, const window *w, uint32_t p) {
    size_t n = w->c1 - w->c0; /* prefix [0, first), the window's context tokens, then the suffix */
    if (p < x->first) return p;
    if (p < x->first + n) return x->first + w->c0 + (p - x->first);
    return x->last + 1 + (p - x->first - n);
}

static vkbert_status tokenize(qa *x, const vkbert_tokenizer *tok, const char *q, const char *c) {
    size_t nq = 0, n = 0;
    vkbert_status s = vkb_tokenizer_encode_words(tok, q, strlen(q), NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, &nq);
    uint8_t *qs = NULL;
    if (s == VKBERT_ERROR_BUFFER_TOO_SMALL || !s) {
        if (!(qs = vkb_calloc(nq + 1, 1))) return oom(x);
        s = vkb_tokenizer_encode_words(tok, q, strlen(q), NULL, 0, NULL, NULL, NULL, qs, NULL, nq + 1, &nq);
    }
    size_t qtokens = 0;
    for (size_t i = 0; !s && i < nq; ++i) qtokens += !qs[i];
    vkb_free(qs);
    if (!s) s = vkb_tokenizer_encode_words(tok, q, strlen(q), c, strlen(c), NULL, NULL, NULL, NULL, NULL, 0, &n);
    if (s && s != VKBERT_ERROR_BUFFER_TOO_SMALL) return vkb_propagate(x->ctx, s);
    x->ids = vkb_calloc(n + 1, sizeof *x->ids);
    x->types = vkb_calloc(n + 1, sizeof *x->types);
    x->offs = vkb_calloc(n + 1, sizeof *x->offs);
    x->special = vkb_calloc(n + 1, 1);
    x->words = vkb_calloc(n + 1, sizeof *x->words);
    if (!x->ids || !x->types || !x->offs || !x->special || !x->words) return oom(x);
    s = vkb_tokenizer_encode_words(tok, q, strlen(q), c, strlen(c), x->ids, x->types, x->offs, x->special, x->words,
                                   n + 1, &n);
    if (s) return vkb_propagate(x->ctx, s);
    x->total = n;
    size_t seen = 0; /* the question's tokens come first, then the context's: the texts' own tokens */
    x->first = SIZE_MAX;
    for (size_t i = 0; i < n; ++i) {
        if (x->special[i]) continue;
        if (seen++ < qtokens) continue;
        if (x->first == SIZE_MAX) x->first = i;
        x->last = i;
    }
    if (x->first == SIZE_MAX)
        return vkb_fail(x->ctx, VKBERT_ERROR_INVALID_TEXT, "the context has no tokens (only spaces or control "
                        "characters)");
    x->nc = x->last + 1 - x->first;
    return VKBERT_OK;
}

/* The tokenizers' overflowing windows: `budget` context tokens each, every next one starting
 * budget - stride tokens later, until one reaches the end. */
static vkbert_status plan_windows(qa *x) {
    size_t fixed = x->total - x->nc, L = x->o.max_seq_len, budget = x->nc;
    if (x->total > L) {
        if (fixed >= L)
            return vkb_fail(x->ctx, VKBERT_ERROR_TOO_LONG, "the question and the special tokens take %zu tokens: "
                            "max_seq_len %zu leaves no room for the context", fixed, L);
        budget = L - fixed;
        if (x->o.doc_stride >= budget)
            return vkb_fail(x->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "doc_stride %u must be below the %zu context tokens "
                            "a window of max_seq_len %zu holds beside this question", x->o.doc_stride, budget, L);
    }
    size_t step = budget - (x->total > L ? x->o.doc_stride : 0);
    size_t count = x->nc <= budget ? 1 : 1 + (x->nc - budget + step - 1) / step;
    x->win = vkb_calloc(count, sizeof *x->win);
    if (!x->win) return oom(x);
    for (size_t start = 0;; start += step) {
        size_t stop = start + budget < x->nc ? start + budget : x->nc;
        x->win[x->nwin++] = (window){(uint32_t)start, (uint32_t)stop};
        if (stop == x->nc) break;
    }
    return VKBERT_OK;
}

static bool push(qa *x, candidate c) {
    if (x->ncand == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 16;
        candidate *v = vkb_realloc(x->cand, cap * sizeof *v);
        if (!v) return false;
        x->cand = v;
        x->cap = cap;
    }
    c.order = x->ncand;
    x->cand[x->ncand++] = c;
    return true;
}

/* The masked softmax of column `col` of logits [n, 2] into p[n]. */
static void masked_softmax(const float *logits, int col, const bool *desired, uint32_t n, double *p) {
    double mx = -INFINITY, sum = 0.0;
    for (uint32_t i = 0; i < n; ++i) {
        p[i] = desired[i] ? logits[2 * i + col] : -10000.0;
        mx = p[i] > mx ? p[i] : mx;
    }
    for (uint32_t i = 0; i < n; ++i) sum += (p[i] = exp(p[i] - mx));
    for (uint32_t i = 0; i < n; ++i) p[i] /= sum;
}

/* select_starts_ends + decode_spans for one window of n tokens: its top_k spans. */
static vkbert_status window_spans(qa *x, uint32_t wi, const float *logits, uint32_t n, int32_t cls) {
    const window *w = &x->win[wi];
    bool *desired = vkb_calloc(n, sizeof *desired);
    double *ps = vkb_calloc(n, sizeof *ps), *pe = vkb_calloc(n, sizeof *pe);
    candidate *top = vkb_calloc(x->o.top_k, sizeof *top);
    if (!desired || !ps || !pe || !top) {
        vkb_free(desired), vkb_free(ps), vkb_free(pe), vkb_free(top);
        return oom(x);
    }
    for (uint32_t p = 0; p < n; ++p) {
        size_t t = token_of(x, w, p);
        desired[p] = (t >= x->first && t <= x->last) || (cls >= 0 && x->ids[t] == cls); /* [CLS] stays unmasked */
    }
    masked_softmax(logits, 0, desired, n, ps);
    masked_softmax(logits, 1, desired, n, pe);
    if (ps[0] * pe[0] < x->min_null) x->min_null = ps[0] * pe[0];
    ps[0] = pe[0] = 0.0;
    size_t k = 0;
    for (uint32_t s = 0; s < n; ++s) { /* in the outer product's order: the first of equal scores wins */
        if (!desired[s]) continue;
        for (uint32_t e = s; e < n && e - s < x->o.max_answer_len; ++e) {
            double sc = ps[s] * pe[e];
            if (!desired[e] || !(sc > 0.0)) continue;
            if (k == x->o.top_k && !(sc > top[k - 1].score)) continue;
            size_t at = k < x->o.top_k ? k++ : k - 1;
            while (at > 0 && top[at - 1].score < sc) {
                top[at] = top[at - 1];
                --at;
            }
            top[at] = (candidate){sc, wi, s, e, 0};
        }
    }
    bool ok = true;
    for (size_t i = 0; i < k && ok; ++i) ok = push(x, top[i]);
    vkb_free(desired), vkb_free(ps), vkb_free(pe), vkb_free(top);
    return ok ? VKBERT_OK : oom(x);
}

/* Every window through the head, batched as the runner's max_batch allows. */
static vkbert_status run_windows(vkbert_runner *r, qa *x, vkbert_run_stats *st) {
    uint32_t maxb = vkb_runner_desc(r)->max_batch;
    size_t fixed = x->total - x->nc, longest = 0;
    for (size_t i = 0; i < x->nwin; ++i)
        if (fixed + x->win[i].c1 - x->win[i].c0 > longest) longest = fixed + x->win[i].c1 - x->win[i].c0;
    vkbert_sequence *seqs = vkb_calloc(maxb, sizeof *seqs);
    int32_t *ids = vkb_calloc((size_t)maxb * longest, sizeof *ids);
    int32_t *types = vkb_calloc((size_t)maxb * longest, sizeof *types);
    float *logits = vkb_calloc(longest * 2, sizeof *logits);
    vkbert_status s = seqs && ids && types && logits ? VKBERT_OK : oom(x);
    int32_t cls = vkb_tokenizer_special(vkb_runner_tokenizer(r), 2);
    for (size_t w0 = 0; !s && w0 < x->nwin; w0 += maxb) {
        uint32_t count = (uint32_t)(x->nwin - w0 < maxb ? x->nwin - w0 : maxb), batch_longest = 0;
        for (uint32_t b = 0; b < count; ++b) {
            const window *w = &x->win[w0 + b];
            uint32_t n = (uint32_t)(fixed + w->c1 - w->c0);
            for (uint32_t p = 0; p < n; ++p) {
                size_t t = token_of(x, w, p);
                ids[b * longest + p] = x->ids[t];
                types[b * longest + p] = x->types[t];
            }
            seqs[b] = (vkbert_sequence){.input_ids = ids + b * longest, .token_type_ids = types + b * longest,
                                        .length = n};
            batch_longest = n > batch_longest ? n : batch_longest;
        }
        vkbert_session *sess = NULL;
        s = vkb_runner_session(r, count, batch_longest, &sess);
        if (!s) s = vkbert_session_encode(sess, seqs, count);
        for (uint32_t b = 0; b < count && !s; ++b) {
            s = vkbert_session_read_token_logits(sess, b, logits, longest * 2, NULL);
            if (!s) s = window_spans(x, (uint32_t)(w0 + b), logits, seqs[b].length, cls);
            if (st) st->tokens += seqs[b].length;
        }
        if (!s && st) {
            st->encodes++;
            st->padded_tokens += (uint64_t)count * batch_longest;
        }
    }
    vkb_free(seqs);
    vkb_free(ids);
    vkb_free(types);
    vkb_free(logits);
    return s;
}

/* One answer: its span in bytes and its text lowercased as Python's str.lower() (the merge key). */
typedef struct answer_span {
    double score;
    uint32_t b0, b1;
    char *lower;
    size_t order;
} answer_span;

static int by_answer_score(const void *pa, const void *pb) {
    const answer_span *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order; /* Python's sort is stable */
}

/* A candidate's span widened to the words (pre-tokens) of its first and last tokens within its
 * window (get_indices with align_to_words). */
static void span_of(const qa *x, const candidate *c, uint32_t *b0, uint32_t *b1) {
    const window *w = &x->win[c->window];
    size_t ts = token_of(x, w, c->s), te = token_of(x, w, c->e);
    size_t lo = x->first + w->c0, hi = x->first + w->c1 - 1; /* the window's context tokens */
    while (ts > lo && x->words[ts - 1] == x->words[ts]) --ts;
    while (te < hi && x->words[te + 1] == x->words[te]) ++te;
    *b0 = x->offs[ts].start;
    *b1 = x->offs[te].end;
}

/* The answers: every window's spans in order, one whose text equals an earlier one's
 * (case-insensitively) adding its score to that one, the empty answer last, then best first. */
static vkbert_status answers(qa *x, const char *context, vkbert_answers **out) {
    answer_span *v = vkb_calloc(x->ncand + 1, sizeof *v);
    uint32_t *cp = vkb_codepoint_index(context, strlen(context));
    vkbert_answers *a = vkb_calloc(1, sizeof *a);
    vkbert_status s = v && cp && a ? VKBERT_OK : oom(x);
    size_t n = 0;
    for (size_t i = 0; !s && i < x->ncand; ++i) {
        const candidate *c = &x->cand[i];
        if (c->window == UINT32_MAX) { /* the empty answer: never merged */
            v[n] = (answer_span){c->score, 0, 0, NULL, n};
            ++n;
            continue;
        }
        uint32_t b0, b1;
        span_of(x, c, &b0, &b1);
        char *lower = NULL;
        size_t len = 0;
        if ((s = vkb_utf8_lower(context + b0, b1 - b0, &lower, &len))) {
            s = vkb_propagate(x->ctx, s);
            break;
        }
        size_t k = 0;
        while (k < n && !(v[k].lower && !strcmp(v[k].lower, lower))) ++k;
        if (k < n) {
            v[k].score += c->score;
            vkb_free(lower);
        } else {
            v[n] = (answer_span){c->score, b0, b1, lower, n};
            ++n;
        }
    }
    if (!s) qsort(v, n, sizeof *v, by_answer_score);
    size_t keep = n < x->o.top_k ? n : x->o.top_k;
    if (!s && !(a->items = vkb_calloc(keep ? keep : 1, sizeof *a->items))) s = oom(x);
    for (size_t i = 0; !s && i < keep; ++i) {
        uint32_t b0 = v[i].b0, b1 = v[i].b1;
        char *text = vkb_malloc(b1 - b0 + 1);
        if (!text) {
            s = oom(x);
            break;
        }
        memcpy(text, context + b0, b1 - b0);
        text[b1 - b0] = '\0';
        a->items[a->count++] = (vkbert_answer){text, (float)v[i].score, b0, b1, cp[b0], cp[b1]};
    }
    for (size_t i = 0; v && i < n; ++i) vkb_free(v[i].lower);
    vkb_free(v);
    vkb_free(cp);
    if (s) {
        vkbert_answers_destroy(a);
        return s;
    }
    *out = a;
    return VKBERT_OK;
}

static vkbert_status check_text(vkbert_context *ctx, const char *what, const char *t) {
    if (!t) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_runner_qa: the %s is NULL", what);
    if (!t[0]) return vkb_fail(ctx, VKBERT_ERROR_INVALID_TEXT, "the %s is empty", what);
    if (strlen(t) > UINT32_MAX) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the %s is over 4 GiB", what);
    return VKBERT_OK;
}

vkbert_status vkbert_runner_qa(vkbert_runner *r, const char *question, const char *context,
                               const vkbert_qa_options *options, vkbert_answers **out, vkbert_run_stats *st) {
    if (st) *st = (vkbert_run_stats){.inputs = 1, .failed_index = SIZE_MAX};
    if (!r || !out)
        return vkb_fail(r ? vkb_runner_model(r)->ctx : NULL, VKBERT_ERROR_INVALID_ARGUMENT,
                        "vkbert_runner_qa: NULL argument");
    *out = NULL;
    qa x = {.ctx = vkb_runner_model(r)->ctx, .min_null = 1000000.0};
    if (vkb_runner_desc(r)->task != VKBERT_TASK_QA) return vkb_runner_wrong_task(r);
    vkbert_status s;
    if ((s = check_text(x.ctx, "question", question)) || (s = check_text(x.ctx, "context", context))) return s;
    x.o = options ? *options : (vkbert_qa_options){0};
    uint32_t model_max = vkb_runner_desc(r)->max_seq;
    if (x.o.max_seq_len > model_max)
        return vkb_fail(x.ctx, VKBERT_ERROR_TOO_LONG, "max_seq_len %u is over the model's %u tokens", x.o.max_seq_len,
                        model_max);
    if (!x.o.max_seq_len) x.o.max_seq_len = model_max < 384 ? model_max : 384;
    if (!x.o.top_k) x.o.top_k = 1;
    if (!x.o.max_answer_len) x.o.max_answer_len = 15;
    if (x.o.top_k > 1u << 20)
        return vkb_fail(x.ctx, VKBERT_ERROR_INVALID_ARGUMENT, "top_k %u is over 1048576", x.o.top_k);
    if (x.o.doc_stride == VKBERT_QA_NO_STRIDE) x.o.doc_stride = 0;
    else if (!x.o.doc_stride) x.o.doc_stride = x.o.max_seq_len / 2 < 128 ? x.o.max_seq_len / 2 : 128;
    if (x.o.doc_stride > x.o.max_seq_len)
        return vkb_fail(x.ctx, VKBERT_ERROR_INVALID_ARGUMENT, "doc_stride %u is larger than max_seq_len %u",
                        x.o.doc_stride, x.o.max_seq_len);
    s = tokenize(&x, vkb_runner_tokenizer(r), question, context);
    if (!s) s = plan_windows(&x);
    if (!s) s = run_windows(r, &x, st);
    if (!s && x.o.handle_impossible_answer && !push(&x, (candidate){x.min_null, UINT32_MAX, 0, 0, 0})) s = oom(&x);
    if (!s) s = answers(&x, context, out);
    if (s && st) st->failed_index = 0;
    vkb_free(x.ids);
    vkb_free(x.types);
    vkb_free(x.offs);
    vkb_free(x.special);
    vkb_free(x.words);
    vkb_free(x.win);
    vkb_free(x.cand);
    return s;
}
