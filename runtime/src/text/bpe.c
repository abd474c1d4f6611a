/* BPE (Hugging Face `tokenizers`): a word starts as one symbol per code point (with
 * continuing_subword_prefix after the first and end_of_word_suffix on the last); unknown
 * code points become their <0xXX> bytes (byte_fallback), the unk token (fused when fuse_unk)
 * or nothing; then the adjacent pair of lowest merge rank, leftmost first, merges until none
 * is left. Each symbol keeps the code points it covers, for offsets. */
#include "tj_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_MERGES (1u << 22)

static uint32_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (uint32_t)k;
}

/* rank of (a, b), or UINT32_MAX; *merged the id it makes */
static uint32_t pair_rank(const vkb_bpe *b, int32_t l, int32_t r, int32_t *merged) {
    if (!b->keys || l < 0 || r < 0) return UINT32_MAX;
    uint64_t key = ((uint64_t)(uint32_t)l << 32 | (uint32_t)r) + 1;
    for (uint32_t h = mix(key) & b->mask;; h = (h + 1) & b->mask) {
        if (b->keys[h] == 0) return UINT32_MAX;
        if (b->keys[h] == key) {
            *merged = (int32_t)b->merged[h];
            return b->rank[h];
        }
    }
}

void vkb_bpe_free(vkb_bpe *b) {
    vkb_free(b->keys);
    vkb_free(b->rank);
    vkb_free(b->merged);
    vkb_free(b->prefix);
    vkb_free(b->suffix);
    *b = (vkb_bpe){0};
}

static int32_t lookup(const vkb_vocab *v, const char *s, size_t n) { return vkb_vocab_lookup(v, false, s, n); }

static char *dupstr(const cJSON *m, const char *k) {
    const char *v = vkb_tj_str(m, k);
    return vkb_strdup(v ? v : "");
}

vkbert_status vkb_bpe_parse(vkb_bpe *b, const vkb_vocab *v, const cJSON *model, const char *path) {
    *b = (vkb_bpe){.unk = -1, .fuse_unk = false};
    const cJSON *j = NULL;
    vkbert_status s = vkb_json_get(NULL, model, path, "dropout", VKB_JSON_NUMBER, &j);
    if (s) return s;
    if (j && j->valuedouble != 0.0)
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: BPE dropout %g is not supported (only null or 0)", path,
                        j->valuedouble);
    b->fuse_unk = vkb_tj_bool(model, "fuse_unk", 0);
    b->byte_fallback = vkb_tj_bool(model, "byte_fallback", 0);
    b->ignore_merges = vkb_tj_bool(model, "ignore_merges", 0);
    b->prefix = dupstr(model, "continuing_subword_prefix");
    b->suffix = dupstr(model, "end_of_word_suffix");
    if (!b->prefix || !b->suffix) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    const char *unk = NULL;
    if ((s = vkb_json_string(NULL, model, path, "unk_token", &unk))) return s;
    if (unk) {
        b->unk = lookup(v, unk, strlen(unk));
        if (b->unk < 0)
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: BPE unk_token \"%.100s\" is not in the vocabulary",
                            path, unk);
    }
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges"), *e;
    if (!cJSON_IsArray(merges)) return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: BPE has no \"merges\" list", path);
    int count = cJSON_GetArraySize(merges);
    if (count < 0 || (uint32_t)count > MAX_MERGES)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %d merges is over the %u allowed", path, count, MAX_MERGES);
    uint32_t slots = 16;
    while (slots < (uint32_t)count * 2u) slots <<= 1;
    b->keys = vkb_calloc(slots, sizeof *b->keys);
    b->rank = vkb_malloc(slots * sizeof *b->rank);
    b->merged = vkb_malloc(slots * sizeof *b->merged);
    if (!b->keys || !b->rank || !b->merged) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    b->mask = slots - 1;
    uint32_t rank = 0;
    char *buf = NULL;
    size_t cap = 0;
    cJSON_ArrayForEach(e, merges) {
        const char *l = NULL, *r = NULL;
        size_t ln = 0, rn = 0;
        if (cJSON_IsString(e)) { /* "a b" */
            const char *sp = strchr(e->valuestring, ' ');
            if (sp && !strchr(sp + 1, ' ')) {
                l = e->valuestring;
                ln = (size_t)(sp - l);
                r = sp + 1;
                rn = strlen(r);
            }
        } else if (cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2 && cJSON_IsString(e->child) &&
                   cJSON_IsString(e->child->next)) { /* ["a", "b"] */
            l = e->child->valuestring;
            ln = strlen(l);
            r = e->child->next->valuestring;
            rn = strlen(r);
        }
        if (!l) {
            vkb_free(buf);
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: merge %u is not \"a b\" or [\"a\", \"b\"]", path, rank);
        }
        if (ln + rn + 1 > cap) {
            char *nb = vkb_realloc(buf, cap = ln + rn + 64);
            if (!nb) {
                vkb_free(buf);
                return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
            }
            buf = nb;
        }
        memcpy(buf, l, ln);
        memcpy(buf + ln, r, rn);
        int32_t a = lookup(v, l, ln), c = lookup(v, r, rn), m = lookup(v, buf, ln + rn);
        if (a < 0 || c < 0 || m < 0) {
            const char *which = a < 0 ? l : c < 0 ? r : buf;
            int wn = (int)(a < 0 ? ln : c < 0 ? rn : ln + rn);
            vkbert_status st = vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT,
                                        "%s: merge %u names \"%.*s\", which is not in the vocabulary", path, rank,
                                        wn > 100 ? 100 : wn, which);
            vkb_free(buf);
            return st;
        }
        uint64_t key = ((uint64_t)(uint32_t)a << 32 | (uint32_t)c) + 1;
        uint32_t h = mix(key) & b->mask;
        while (b->keys[h] && b->keys[h] != key) h = (h + 1) & b->mask;
        if (!b->keys[h]) { /* the first of duplicate merges keeps its rank */
            b->keys[h] = key;
            b->rank[h] = rank;
            b->merged[h] = (uint32_t)m;
        }
        ++rank;
    }
    vkb_free(buf);
    return VKBERT_OK;
}

typedef struct sym {
    int32_t id;
    uint32_t c0, c1; /* code points [c0, c1) of the word */
} sym;

bool vkb_bpe_encode(const vkb_bpe *b, const vkb_vocab *v, const vkb_nchar *c, size_t n, vkb_tok_sink *out) {
    if (n == 0) return true;
    char *s = NULL;
    size_t cap = 0, len = 0, *at = NULL, at_cap = 0;
    if (!vkb_nchars_utf8(c, n, &s, &cap, &len, &at, &at_cap)) { /* either may have been allocated */
        vkb_free(s);
        vkb_free(at);
        return false;
    }
    if (b->ignore_merges) {
        int32_t id = lookup(v, s, len);
        if (id >= 0) {
            vkb_sink_emit(out, id, c[0].start, c[n - 1].end);
            vkb_free(s);
            vkb_free(at);
            return true;
        }
    }
    size_t pl = strlen(b->prefix), sl = strlen(b->suffix);
    sym *w = vkb_malloc(n * 4 * sizeof *w);
    char *tmp = vkb_malloc(pl + sl + 8);
    bool ok = w && tmp;
    size_t ns = 0;
    for (size_t i = 0; ok && i < n; ++i) {
        size_t k = at[i + 1] - at[i], t = 0;
        if (i > 0) memcpy(tmp, b->prefix, t = pl);
        memcpy(tmp + t, s + at[i], k);
        t += k;
        if (i + 1 == n) memcpy(tmp + t, b->suffix, sl), t += sl;
        int32_t id = lookup(v, tmp, t);
        if (id >= 0) {
            w[ns++] = (sym){id, (uint32_t)i, (uint32_t)i + 1};
            continue;
        }
        if (b->byte_fallback) {
            int32_t bid[4];
            size_t nb = 0;
            for (size_t j = 0; j < k; ++j) {
                char hex[8];
                snprintf(hex, sizeof hex, "<0x%02X>", (unsigned)(uint8_t)s[at[i] + j]);
                if ((bid[nb] = lookup(v, hex, 6)) >= 0) ++nb;
            }
            if (nb == k) {
                for (size_t j = 0; j < k; ++j) w[ns++] = (sym){bid[j], (uint32_t)i, (uint32_t)i + 1};
                continue;
            }
        }
        if (b->unk < 0) continue;
        if (b->fuse_unk && ns && w[ns - 1].id == b->unk && w[ns - 1].c1 == i) w[ns - 1].c1 = (uint32_t)i + 1;
        else w[ns++] = (sym){b->unk, (uint32_t)i, (uint32_t)i + 1};
    }
    while (ok && ns > 1) {
        uint32_t best = UINT32_MAX;
        size_t at_best = 0;
        int32_t merged = -1;
        for (size_t i = 0; i + 1 < ns; ++i) {
            int32_t m;
            uint32_t r = pair_rank(b, w[i].id, w[i + 1].id, &m);
            if (r < best) {
                best = r;
                at_best = i;
                merged = m;
            }
        }
        if (best == UINT32_MAX) break;
        w[at_best].id = merged;
        w[at_best].c1 = w[at_best + 1].c1;
        memmove(w + at_best + 1, w + at_best + 2, (ns - at_best - 2) * sizeof *w);
        --ns;
    }
    for (size_t i = 0; ok && i < ns; ++i) vkb_sink_emit(out, w[i].id, c[w[i].c0].start, c[w[i].c1 - 1].end);
    vkb_free(w);
    vkb_free(tmp);
    vkb_free(s);
    vkb_free(at);
    return ok;
}
