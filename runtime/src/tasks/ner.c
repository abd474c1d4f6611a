/* vkbert_runner_ner: transformers' TokenClassificationPipeline after the token classifier.
 * Per token the softmax over the labels; the tokens the tokenizer did not add become
 * "pre-entities" (word, scores, offsets, whether a subword); NONE and SIMPLE take each token's
 * best label, FIRST / AVERAGE / MAX first fold subwords into words (aggregate_words); all but
 * NONE then group neighbours by their B-/I- tags (group_entities); ignored labels are dropped
 * last. Written from the pipeline's definition; model_tools/ner_reference.py is its Python twin
 * for the tests. */
#include "tasks/tasks.h"
#include "model/model.h"

#include <math.h>
#include <string.h>

struct vkbert_entities {
    vkbert_entity *items;
    size_t count;
};

/* One token the tokenizer did not add. */
typedef struct pre_entity {
    const float *scores;      /* [labels] probabilities */
    const char *word;         /* the vocabulary entry, or the text's slice for an unknown token (in `own`) */
    char *own;
    uint32_t start, end;      /* bytes */
    int32_t index;
    bool subword;
} pre_entity;

/* A token or a word with its label: what group_entities reads. */
typedef struct labelled {
    uint32_t label;
    float score;
    int32_t index;
    char *word;               /* owned */
    uint32_t start, end;
} labelled;

uint32_t *vkb_codepoint_index(const char *s, size_t n) {
    uint32_t *cp = vkb_malloc((n + 1) * sizeof *cp);
    if (!cp) return NULL;
    uint32_t k = 0;
    for (size_t b = 0; b < n; ++b) {
        cp[b] = k;
        if (((unsigned char)s[b] & 0xC0) != 0x80) ++k; /* a lead byte starts a code point */
    }
    cp[n] = k;
    return cp;
}

static size_t utf8_chars(const char *s) {
    size_t k = 0;
    for (; *s; ++s) k += ((unsigned char)*s & 0xC0) != 0x80;
    return k;
}

static uint32_t argmax(const float *v, uint32_t n) {
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; ++i)
        if (v[i] > v[best]) best = i; /* the first of equal maxima, as numpy's argmax */
    return best;
}

static void softmax(float *v, uint32_t n) {
    float mx = v[0];
    for (uint32_t i = 1; i < n; ++i) mx = v[i] > mx ? v[i] : mx;
    double sum = 0.0;
    for (uint32_t i = 0; i < n; ++i) sum += exp((double)v[i] - mx);
    for (uint32_t i = 0; i < n; ++i) v[i] = (float)(exp((double)v[i] - mx) / sum);
}

/* get_tag: ("B", tag) for "B-tag", ("I", tag) for "I-tag" and for a label without either. */
static const char *tag_of(const char *label, char *bi) {
    if ((label[0] == 'B' || label[0] == 'I') && label[1] == '-') {
        *bi = label[0];
        return label + 2;
    }
    *bi = 'I';
    return label;
}

static bool ignored(const char *label, const char *const *ignore, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (ignore[i] && !strcmp(ignore[i], label)) return true;
    return false;
}

void vkbert_entities_destroy(vkbert_entities *e) {
    if (!e) return;
    for (size_t i = 0; i < e->count; ++i) {
        vkb_free((char *)e->items[i].label);
        vkb_free((char *)e->items[i].word);
    }
    vkb_free(e->items);
    vkb_free(e);
}

size_t vkbert_entities_count(const vkbert_entities *e) { return e ? e->count : 0; }
const vkbert_entity *vkbert_entities_get(const vkbert_entities *e, size_t i) {
    return e && i < e->count ? &e->items[i] : NULL;
}

/* The working state of one call. */
typedef struct ner {
    vkbert_context *ctx;
    const vkbert_model *m;
    const vkbert_tokenizer *tok;
    const char *text;
    const uint32_t *cp;
    uint32_t labels;
    vkbert_ner_options o;
    pre_entity *pre;
    size_t npre;
    labelled *lab;
    size_t nlab;
    vkbert_entities *out;
} ner;

static vkbert_status oom(ner *x) { return vkb_fail(x->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory"); }

/* convert_tokens_to_string over the words of pre[from..to) or lab[from..to). */
static vkbert_status decode_words(ner *x, const char *const *words, size_t n, char **text) {
    vkbert_status s = vkb_tokenizer_decode_tokens(x->tok, words, n, text);
    return s ? vkb_propagate(x->ctx, s) : VKBERT_OK;
}

/* aggregate_word: one word from its tokens pre[a..b). */
static vkbert_status aggregate_word(ner *x, size_t a, size_t b, labelled *w) {
    const char **words = vkb_malloc((b - a) * sizeof *words);
    float *avg = vkb_calloc(x->labels, sizeof *avg);
    if (!words || !avg) {
        vkb_free(words);
        vkb_free(avg);
        return oom(x);
    }
    for (size_t i = a; i < b; ++i) words[i - a] = x->pre[i].word;
    vkbert_status s = decode_words(x, words, b - a, &w->word);
    vkb_free(words);
    const float *scores = x->pre[a].scores;
    if (x->o.aggregation == VKBERT_AGGREGATION_MAX) { /* the token of the highest score (the first of equals) */
        float best = -1.0f;
        for (size_t i = a; i < b; ++i) {
            float top = x->pre[i].scores[argmax(x->pre[i].scores, x->labels)];
            if (top > best) best = top, scores = x->pre[i].scores;
        }
    } else if (x->o.aggregation == VKBERT_AGGREGATION_AVERAGE) {
        for (uint32_t l = 0; l < x->labels; ++l) {
            double sum = 0.0;
            for (size_t i = a; i < b; ++i) sum += x->pre[i].scores[l];
            avg[l] = (float)(sum / (double)(b - a));
        }
        scores = avg;
    }
    w->label = argmax(scores, x->labels);
    w->score = scores[w->label];
    w->index = -1;
    w->start = x->pre[a].start;
    w->end = x->pre[b - 1].end;
    vkb_free(avg);
    return s;
}

/* pre-entities -> labelled tokens (NONE, SIMPLE) or words (FIRST, AVERAGE, MAX). */
static vkbert_status label_tokens(ner *x) {
    x->lab = vkb_calloc(x->npre ? x->npre : 1, sizeof *x->lab);
    if (!x->lab) return oom(x);
    bool words = x->o.aggregation >= VKBERT_AGGREGATION_FIRST;
    for (size_t i = 0; i < x->npre;) {
        labelled *l = &x->lab[x->nlab];
        if (!words) {
            const pre_entity *p = &x->pre[i];
            uint32_t best = argmax(p->scores, x->labels);
            *l = (labelled){best, p->scores[best], p->index, vkb_strdup(p->word), p->start, p->end};
            x->nlab++;
            if (!l->word) return oom(x);
            ++i;
            continue;
        }
        size_t j = i + 1; /* a word: this token and the subwords after it */
        while (j < x->npre && x->pre[j].subword) ++j;
        vkbert_status s = aggregate_word(x, i, j, l);
        x->nlab++;
        if (s) return s;
        i = j;
    }
    return VKBERT_OK;
}

static vkbert_status add_entity(ner *x, const char *label, float score, int32_t index, char *word, uint32_t start,
                                uint32_t end) {
    vkbert_entities *e = x->out;
    char *lab = vkb_strdup(label);
    if (!lab) {
        vkb_free(word);
        return oom(x);
    }
    e->items[e->count++] = (vkbert_entity){lab, score, index, word, start, end, x->cp[start], x->cp[end]};
    return VKBERT_OK;
}

/* group_sub_entities: lab[a..b) as one entity, labelled by its first one's label after the first
 * '-' ("B-PER" -> "PER", "O" -> "O"; split("-", 1)[-1]). */
static vkbert_status group(ner *x, size_t a, size_t b) {
    const char *label = x->m->labels[x->lab[a].label], *dash = strchr(label, '-');
    const char *tag = dash ? dash + 1 : label; /* the group's label: all after the first '-' */
    double sum = 0.0;
    const char **words = vkb_malloc((b - a) * sizeof *words);
    if (!words) return oom(x);
    for (size_t i = a; i < b; ++i) {
        sum += x->lab[i].score;
        words[i - a] = x->lab[i].word;
    }
    char *word = NULL;
    vkbert_status s = decode_words(x, words, b - a, &word);
    vkb_free(words);
    if (s) return s;
    if (ignored(tag, x->o.ignore_labels, x->o.ignore_count)) {
        vkb_free(word);
        return VKBERT_OK;
    }
    return add_entity(x, tag, (float)(sum / (double)(b - a)), -1, word, x->lab[a].start, x->lab[b - 1].end);
}

/* group_entities: a token joins the group before it when its tag is the group's last one's and it
 * is not a B-; NONE lists the tokens themselves. */
static vkbert_status finish(ner *x) {
    x->out = vkb_calloc(1, sizeof *x->out);
    if (!x->out) return oom(x);
    x->out->items = vkb_calloc(x->nlab ? x->nlab : 1, sizeof *x->out->items);
    if (!x->out->items) return oom(x);
    if (x->o.aggregation == VKBERT_AGGREGATION_NONE) {
        for (size_t i = 0; i < x->nlab; ++i) {
            labelled *l = &x->lab[i];
            const char *label = x->m->labels[l->label];
            if (ignored(label, x->o.ignore_labels, x->o.ignore_count)) continue;
            vkbert_status s = add_entity(x, label, l->score, l->index, l->word, l->start, l->end);
            l->word = NULL;
            if (s) return s;
        }
        return VKBERT_OK;
    }
    size_t a = 0;
    for (size_t i = 1; i <= x->nlab && x->nlab; ++i) {
        if (i < x->nlab) {
            char bi, last_bi;
            const char *tag = tag_of(x->m->labels[x->lab[i].label], &bi);
            const char *last = tag_of(x->m->labels[x->lab[i - 1].label], &last_bi);
            if (!strcmp(tag, last) && bi != 'B') continue;
        }
        vkbert_status s = group(x, a, i);
        if (s) return s;
        a = i;
    }
    return VKBERT_OK;
}

/* Tokens, the head, the pre-entities. */
static vkbert_status run(vkbert_runner *r, ner *x, const char *text, size_t len, vkbert_run_stats *st, float **probs,
                         int32_t **ids_out, vkbert_offset **offs_out) {
    size_t n = 0;
    vkbert_status s = vkb_tokenizer_encode_words(x->tok, text, len, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, &n);
    if (s && s != VKBERT_ERROR_BUFFER_TOO_SMALL) return vkb_propagate(x->ctx, s);
    int32_t *ids = *ids_out = vkb_calloc(n + 1, sizeof *ids);
    vkbert_offset *offs = *offs_out = vkb_calloc(n + 1, sizeof *offs);
    uint8_t *special = vkb_calloc(n + 1, 1);
    int32_t *types = vkb_calloc(n + 1, sizeof *types);
    if (!ids || !offs || !special || !types) {
        vkb_free(special);
        vkb_free(types);
        return oom(x);
    }
    s = vkb_tokenizer_encode_words(x->tok, text, len, NULL, 0, ids, types, offs, special, NULL, n + 1, &n);
    if (s) s = vkb_propagate(x->ctx, s);
    uint32_t max_seq = vkb_runner_desc(r)->max_seq;
    if (!s && n > max_seq) { /* as the pipeline's truncation: the last (added) token stays */
        ids[max_seq - 1] = ids[n - 1];
        offs[max_seq - 1] = offs[n - 1];
        special[max_seq - 1] = special[n - 1];
        types[max_seq - 1] = types[n - 1];
        n = max_seq;
        if (st) st->truncated = 1;
    }
    vkbert_session *sess = NULL;
    float *p = *probs = s ? NULL : vkb_calloc(n * x->labels, sizeof *p);
    if (!s && !p) s = oom(x);
    if (!s) s = vkb_runner_session(r, 1, (uint32_t)n, &sess);
    vkbert_sequence seq = {.input_ids = ids, .token_type_ids = types, .length = (uint32_t)n};
    if (!s) s = vkbert_session_encode(sess, &seq, 1);
    if (!s) s = vkbert_session_read_token_logits(sess, 0, p, n * x->labels, NULL);
    if (!s && st) {
        st->encodes = 1;
        st->tokens = n;
        st->padded_tokens = n;
    }
    x->pre = s ? NULL : vkb_calloc(n ? n : 1, sizeof *x->pre);
    if (!s && !x->pre) s = oom(x);
    const char *prefix = vkb_tokenizer_subword_prefix(x->tok);
    int32_t unk = vkb_tokenizer_special(x->tok, 1);
    for (size_t i = 0; !s && i < n; ++i) {
        softmax(p + i * x->labels, x->labels);
        if (special[i]) continue;
        pre_entity *e = &x->pre[x->npre++];
        uint32_t a = offs[i].start, b = offs[i].end;
        *e = (pre_entity){p + i * x->labels, vkbert_tokenizer_token(x->tok, ids[i]), NULL, a, b, (int32_t)i, false};
        if (prefix) /* a word-aware tokenizer: a token whose text is not its entry is a continuation */
            e->subword = utf8_chars(e->word) != x->cp[b] - x->cp[a];
        else /* the pipeline's fallback: not at the start, and no space just before or at it */
            e->subword = a > 0 && text[a - 1] != ' ' && text[a] != ' ';
        if (ids[i] == unk) {
            if (!(e->own = vkb_malloc(b - a + 1))) s = oom(x);
            else {
                memcpy(e->own, text + a, b - a);
                e->own[b - a] = '\0';
                e->word = e->own;
                e->subword = false;
            }
        }
    }
    vkb_free(special);
    vkb_free(types);
    return s;
}

vkbert_status vkbert_runner_ner(vkbert_runner *r, const char *text, const vkbert_ner_options *options,
                                vkbert_entities **out, vkbert_run_stats *st) {
    if (st) *st = (vkbert_run_stats){.inputs = 1, .failed_index = SIZE_MAX};
    if (!r || !out || !text)
        return vkb_fail(r ? vkb_runner_model(r)->ctx : NULL, VKBERT_ERROR_INVALID_ARGUMENT,
                        "vkbert_runner_ner: NULL argument");
    *out = NULL;
    ner x = {.m = vkb_runner_model(r), .tok = vkb_runner_tokenizer(r), .text = text};
    x.ctx = x.m->ctx;
    if (vkb_runner_desc(r)->task != VKBERT_TASK_TOKEN_CLASSIFY) return vkb_runner_wrong_task(r);
    x.o = options ? *options : (vkbert_ner_options){0};
    if ((unsigned)x.o.aggregation > VKBERT_AGGREGATION_MAX)
        return vkb_fail(x.ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown aggregation %d (none, simple, first, average, "
                        "max)", (int)x.o.aggregation);
    static const char *const DEFAULT_IGNORE[] = {"O"};
    if (!x.o.ignore_labels) x.o.ignore_labels = DEFAULT_IGNORE, x.o.ignore_count = 1;
    size_t len = strlen(text);
    if (len == 0) {
        if (st) st->failed_index = 0;
        return vkb_fail(x.ctx, VKBERT_ERROR_INVALID_TEXT, "the text is empty");
    }
    if (len > UINT32_MAX) return vkb_fail(x.ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the text is over 4 GiB");
    x.labels = x.m->label_count;
    float *probs = NULL;
    int32_t *ids = NULL;
    vkbert_offset *offs = NULL;
    uint32_t *cp = vkb_codepoint_index(text, len);
    x.cp = cp;
    vkbert_status s = cp ? run(r, &x, text, len, st, &probs, &ids, &offs) : oom(&x);
    if (!s) s = label_tokens(&x);
    if (!s) s = finish(&x);
    if (s && st) st->failed_index = 0;
    for (size_t i = 0; i < x.npre; ++i) vkb_free(x.pre[i].own);
    for (size_t i = 0; i < x.nlab; ++i) vkb_free(x.lab[i].word);
    vkb_free(x.pre);
    vkb_free(x.lab);
    vkb_free(probs);
    vkb_free(ids);
    vkb_free(offs);
    vkb_free(cp);
    if (s) {
        vkbert_entities_destroy(x.out);
        return s;
    }
    *out = x.out;
    return VKBERT_OK;
}
