/* Inputs of the runner: each text (a prompt before it, lowercased when the model asks) and its
 * pair tokenized, then truncated to the runner's max_seq as Hugging Face's tokenizers truncate:
 * one sequence keeps [CLS] and [SEP] and its first (right) or last (left) tokens; a pair is cut
 * longest first (both segments to half the room when both are longer). */
#include "tasks/tasks.h"

#include <stdio.h>
#include <string.h>

/* Room for n more tokens in the arena. */
static bool reserve(vkb_prepared *p, size_t n) {
    if (p->used + n <= p->capacity) return true;
    size_t cap = p->capacity ? p->capacity : 4096;
    while (cap < p->used + n) cap *= 2;
    int32_t *ids = vkb_realloc(p->ids, cap * sizeof *ids);
    if (!ids) return false;
    p->ids = ids;
    int32_t *types = vkb_realloc(p->types, cap * sizeof *types);
    if (!types) return false;
    p->types = types;
    p->capacity = cap;
    return true;
}

/* Keeps `keep` of the n tokens at t (from the start for right truncation, the end for left). */
static uint32_t cut(int32_t *ids, int32_t *types, uint32_t n, uint32_t keep, vkbert_truncation dir) {
    if (keep >= n) return n;
    if (dir == VKBERT_TRUNCATE_LEFT) {
        memmove(ids, ids + (n - keep), keep * sizeof *ids);
        memmove(types, types + (n - keep), keep * sizeof *types);
    }
    return keep;
}

/* [CLS] a [SEP] (b [SEP]) in place cut to max tokens; the segments are found by token type, as
 * the tokenizer's template makes them (b has type 1). */
static uint32_t truncate_tokens(int32_t *ids, int32_t *types, uint32_t n, uint32_t max, bool pair,
                                vkbert_truncation dir) {
    if (!pair) {
        uint32_t a = cut(ids + 1, types + 1, n - 2, max - 2, dir);
        ids[1 + a] = ids[n - 1];
        types[1 + a] = types[n - 1];
        return a + 2;
    }
    uint32_t na = 0;
    while (1 + na < n && types[1 + na] == 0) ++na;  /* a and its [SEP] */
    na -= 1;
    uint32_t nb = n - 3 - na, room = max - 3;
    /* tokenizers' LongestFirst: with n1 <= n2, n2 gets max(n1, room - n1); if both still do not
     * fit, n1 = room / 2 and n2 = n1 + room % 2. */
    uint32_t n1 = na, n2 = nb;
    bool swap = n1 > n2;
    if (swap) { uint32_t t = n1; n1 = n2; n2 = t; }
    n2 = n1 > room ? n1 : (n1 > room - n1 ? n1 : room - n1);
    if (n1 + n2 > room) {
        n1 = room / 2;
        n2 = n1 + room % 2;
    }
    if (swap) { uint32_t t = n1; n1 = n2; n2 = t; }
    uint32_t ka = n1 < na ? n1 : na, kb = n2 < nb ? n2 : nb;
    int32_t sep_a = ids[1 + na], sep_b = ids[n - 1], tb = types[n - 1];
    int32_t *b_ids = ids + 2 + na, *b_types = types + 2 + na;
    cut(ids + 1, types + 1, na, ka, dir);
    ids[1 + ka] = sep_a;
    types[1 + ka] = 0;
    kb = cut(b_ids, b_types, nb, kb, dir);
    memmove(ids + 2 + ka, b_ids, kb * sizeof *ids);
    memmove(types + 2 + ka, b_types, kb * sizeof *types);
    ids[2 + ka + kb] = sep_b;
    types[2 + ka + kb] = tb;
    return ka + kb + 3;
}

/* One input's text: the prompt before it, lowercased when asked; *owned to free. */
static vkbert_status input_text(const vkb_prepare_desc *d, const char *text, const char **out, size_t *len,
                                char **owned) {
    *owned = NULL;
    *out = text;
    *len = strlen(text);
    if (!d->prompt && !d->lower) return VKBERT_OK;
    size_t pl = d->prompt ? strlen(d->prompt) : 0;
    char *joined = vkb_malloc(pl + *len + 1);
    if (!joined) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    memcpy(joined, d->prompt ? d->prompt : "", pl);
    memcpy(joined + pl, text, *len + 1);
    *len += pl;
    if (d->lower) {
        char *low = NULL;
        vkbert_status s = vkb_utf8_lower(joined, *len, &low, len);
        vkb_free(joined);
        if (s) return s;
        joined = low;
    }
    *owned = joined;
    *out = joined;
    return VKBERT_OK;
}

vkbert_status vkb_prepare(vkbert_context *ctx, const vkb_prepare_desc *d, const char *const *texts,
                          const char *const *pairs, const char *first, size_t count, vkb_prepared *p,
                          size_t *failed) {
    memset(p, 0, sizeof *p);
    *failed = SIZE_MAX;
    p->start = vkb_calloc(count ? count : 1, sizeof *p->start);
    p->length = vkb_calloc(count ? count : 1, sizeof *p->length);
    if (!p->start || !p->length) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    p->count = count;
    for (size_t i = 0; i < count; ++i) {
        /* `first` (a rerank's query) is the first segment of every pair */
        const char *a = first ? first : texts[i], *b = first ? texts[i] : pairs ? pairs[i] : NULL;
        if (!a || !a[0] || (first && !b))
            return *failed = i, vkb_fail(ctx, a || !first ? VKBERT_ERROR_INVALID_TEXT : VKBERT_ERROR_INVALID_ARGUMENT,
                                         "input %zu is %s", i, a ? "empty" : "NULL");
        if (first && !b[0])
            return *failed = i, vkb_fail(ctx, VKBERT_ERROR_INVALID_TEXT, "input %zu is empty", i);
        const char *ta;
        size_t la;
        char *owned = NULL;
        vkbert_status s = input_text(d, a, &ta, &la, &owned);
        size_t n = 0, cap = p->capacity - p->used;
        for (int tries = 0; !s && tries < 3; ++tries) {
            if (!reserve(p, cap < 64 ? 64 : cap)) {
                s = vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
                break;
            }
            cap = p->capacity - p->used;
            s = vkbert_tokenizer_encode_bytes(d->tok, ta, la, b, b ? strlen(b) : 0, p->ids + p->used,
                                              p->types + p->used, cap, &n);
            if (s != VKBERT_ERROR_BUFFER_TOO_SMALL) break;
            cap = n;
        }
        vkb_free(owned);
        if (s) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", vkbert_last_error());
            *failed = i;
            return vkb_fail(ctx, s, "input %zu: %s", i, msg);
        }
        if (n > d->max_seq) {
            if (d->truncation == VKBERT_TRUNCATE_NONE) {
                *failed = i;
                return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "input %zu is %zu tokens; the model takes at most %u "
                                "(its max_seq_length)", i, n, d->max_seq);
            }
            n = truncate_tokens(p->ids + p->used, p->types + p->used, (uint32_t)n, d->max_seq, b != NULL,
                                d->truncation);
            p->truncated++;
        }
        p->start[i] = p->used;
        p->length[i] = (uint32_t)n;
        p->used += n;
    }
    return VKBERT_OK;
}

void vkb_prepared_free(vkb_prepared *p) {
    vkb_free(p->start);
    vkb_free(p->length);
    vkb_free(p->ids);
    vkb_free(p->types);
    memset(p, 0, sizeof *p);
}
