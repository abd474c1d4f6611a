/* tokenizer.json's normalizers, on code points that keep their source bytes. A step that
 * maps one code point to several gives them all its source; one that merges several (NFC
 * composing a mark) keeps the first one's, as NormalizedString's transform does. Precompiled
 * is SentencePiece's compiled charsmap: a darts-clone double-array trie over UTF-8 whose
 * values index NUL-terminated replacements, applied per grapheme (shorter than 6 bytes) and
 * else per code point, as the Rust `spm_precompiled` crate applies it. */
#include "tj_internal.h"

#include "regex.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <utf8proc.h>

static vkbert_status bad(const char *path, const char *what, const char *detail) {
    return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %s: %s", path, what, detail);
}

/* UTF-8 -> code points (vkb_malloc'd); NULL on invalid UTF-8 or out of memory. */
static int32_t *cps(const char *s, size_t *n) {
    size_t len = strlen(s);
    int32_t *v = vkb_malloc((len + 1) * sizeof *v);
    *n = 0;
    for (size_t i = 0; v && i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0) {
            vkb_free(v);
            return NULL;
        }
        v[(*n)++] = c;
        i += (size_t)k;
    }
    return v;
}

static int b64(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* The charsmap: base64 of u32 trie bytes, the trie, then the replacement strings. */
static vkbert_status parse_precompiled(vkb_tj_norm *nz, const char *s, const char *path) {
    size_t len = strlen(s), n = 0;
    uint8_t *blob = vkb_malloc(len / 4 * 3 + 4);
    if (!blob) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len && s[i] != '='; ++i) {
        int v = b64((unsigned char)s[i]);
        if (v < 0) {
            vkb_free(blob);
            return bad(path, "Precompiled", "precompiled_charsmap is not base64");
        }
        acc = (acc << 6) | (uint32_t)v;
        if ((bits += 6) >= 8) {
            bits -= 8;
            blob[n++] = (uint8_t)(acc >> bits);
        }
    }
    nz->blob = blob;
    if (n < 4) return bad(path, "Precompiled", "precompiled_charsmap is shorter than its 4-byte header");
    uint32_t trie_bytes = (uint32_t)blob[0] | (uint32_t)blob[1] << 8 | (uint32_t)blob[2] << 16 | (uint32_t)blob[3] << 24;
    if (trie_bytes % 4 || trie_bytes == 0 || trie_bytes > n - 4)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT,
                        "%s: Precompiled: the charsmap's trie of %u bytes does not fit its %zu bytes (truncated?)", path,
                        trie_bytes, n - 4);
    uint32_t *trie = vkb_malloc(trie_bytes);
    if (!trie) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < trie_bytes / 4; ++i) {
        const uint8_t *p = blob + 4 + 4 * i;
        trie[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    }
    nz->trie = trie;
    nz->trie_units = trie_bytes / 4;
    nz->strings = (const char *)blob + 4 + trie_bytes;
    nz->strings_len = (uint32_t)(n - 4 - trie_bytes);
    return VKBERT_OK;
}

/* darts-clone common prefix search: the first (shortest) match's value, or -1. Every index
 * is checked against the array: a hostile charsmap reads nothing outside itself. */
static int64_t trie_first(const vkb_tj_norm *nz, const uint8_t *key, size_t n) {
    const uint32_t *a = nz->trie;
    uint32_t units = nz->trie_units, pos = 0, u = a[0];
#define OFFSET(u) (((u) >> 10) << (((u) & (1u << 9)) >> 6))
    pos ^= OFFSET(u);
    for (size_t i = 0; i < n; ++i) {
        pos ^= key[i];
        if (pos >= units) return -1;
        u = a[pos];
        if ((u & ((1u << 31) | 0xFF)) != key[i]) return -1;
        pos ^= OFFSET(u);
        if ((u >> 8) & 1) {
            if (pos >= units) return -1;
            return a[pos] & ((1u << 31) - 1);
        }
    }
#undef OFFSET
    return -1;
}

/* The replacement of s[0..n) or NULL; *rn its bytes. */
static const char *transform(const vkb_tj_norm *nz, const char *s, size_t n, size_t *rn) {
    int64_t v = trie_first(nz, (const uint8_t *)s, n);
    if (v < 0 || (uint64_t)v >= nz->strings_len) return NULL;
    const char *r = nz->strings + v, *e = memchr(r, 0, nz->strings_len - (size_t)v);
    *rn = e ? (size_t)(e - r) : nz->strings_len - (size_t)v;
    return r;
}

/* NormalizedString::transform: (code point, change) pairs over the source code points. */
typedef struct tchange {
    int32_t cp;
    int change;
} tchange;

typedef struct tlist {
    tchange *v;
    size_t n, cap;
} tlist;

static bool tpush(tlist *t, int32_t cp, int change) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        tchange *nv = vkb_realloc(t->v, cap * sizeof *nv);
        if (!nv) return false;
        t->v = nv;
        t->cap = cap;
    }
    t->v[t->n++] = (tchange){cp, change};
    return true;
}

/* Appends the code points of r[0..rn) replacing `old` source code points, as spm's replace(). */
static bool treplace(tlist *t, const char *r, size_t rn, size_t old) {
    size_t before = t->n;
    for (size_t i = 0; i < rn;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)r + i, (utf8proc_ssize_t)(rn - i), &c);
        if (k <= 0) return tpush(t, 0xFFFD, 0) ? (i = rn, true) : false; /* a broken replacement: U+FFFD, once */
        if (!tpush(t, c, 0)) return false;
        i += (size_t)k;
    }
    long diff = (long)(t->n - before) - (long)old;
    for (long i = 0; i < diff; ++i) t->v[t->n - 1 - (size_t)i].change = 1;
    if (diff < 0 && t->n) t->v[t->n - 1].change += (int)diff;
    return true;
}

/* Applies the changes to src into dst. */
static bool tapply(const tlist *t, const vkb_nchars *src, vkb_nchars *dst) {
    size_t i = 0;
    dst->n = 0;
    for (size_t k = 0; k < t->n; ++k) {
        uint32_t s = 0, e = 0;
        if (t->v[k].change > 0) {
            if (i > 0) s = src->v[i - 1].start, e = src->v[i - 1].end;
        } else {
            if (i < src->n) s = src->v[i].start, e = src->v[i].end;
            i += 1 + (size_t)(-t->v[k].change);
        }
        if (!vkb_nchars_push(dst, t->v[k].cp, s, e)) return false;
    }
    return true;
}

static bool precompiled(const vkb_tj_norm *nz, const vkb_nchars *src, vkb_nchars *dst) {
    tlist t = {0};
    char buf[64];
    bool ok = true;
    utf8proc_int32_t state = 0;
    for (size_t g = 0; ok && g < src->n;) {
        size_t e = g + 1;
        state = 0;
        while (e < src->n && !utf8proc_grapheme_break_stateful(src->v[e - 1].cp, src->v[e].cp, &state)) ++e;
        size_t bl = 0;
        for (size_t i = g; i < e && bl + 4 <= sizeof buf; ++i)
            bl += (size_t)utf8proc_encode_char(src->v[i].cp, (utf8proc_uint8_t *)buf + bl);
        size_t rn = 0;
        const char *r = NULL;
        if (bl < 6 && (e - g) * 4 <= sizeof buf) r = transform(nz, buf, bl, &rn);
        if (r) {
            ok = treplace(&t, r, rn, e - g);
        } else {
            for (size_t i = g; ok && i < e; ++i) {
                char one[4];
                size_t n1 = (size_t)utf8proc_encode_char(src->v[i].cp, (utf8proc_uint8_t *)one);
                r = transform(nz, one, n1, &rn);
                ok = r ? treplace(&t, r, rn, 1) : tpush(&t, src->v[i].cp, 0);
            }
        }
        g = e;
    }
    ok = ok && tapply(&t, src, dst);
    vkb_free(t.v);
    return ok;
}

/* NFC/NFD/NFKC/NFKD by runs that start at a starter (Hangul jamo stay in their run). */
static bool unicode_nf(int kind, const vkb_nchars *src, vkb_nchars *dst) {
    int opt = UTF8PROC_STABLE | (kind == TN_NFC || kind == TN_NFKC ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE) |
              (kind == TN_NFKC || kind == TN_NFKD ? UTF8PROC_COMPAT : 0);
    tlist t = {0};
    utf8proc_int32_t buf[256];
    bool ok = true;
    for (size_t g = 0; ok && g < src->n;) {
        size_t e = g + 1;
        while (e < src->n && e - g < 32) {
            int32_t c = src->v[e].cp;
            const utf8proc_property_t *p = utf8proc_get_property(c);
            if (p->combining_class == 0 && !(c >= 0x1160 && c <= 0x11FF)) break;
            ++e;
        }
        utf8proc_ssize_t m = 0;
        for (size_t i = g; i < e && m >= 0; ++i) {
            int last = 0;
            utf8proc_ssize_t k = utf8proc_decompose_char(src->v[i].cp, buf + m, (utf8proc_ssize_t)(256 - m), opt, &last);
            m = (k < 0 || m + k > 256) ? -1 : m + k;
        }
        if (m >= 0) m = utf8proc_normalize_utf32(buf, m, opt);
        size_t k = e - g;
        if (m < 0) {
            for (size_t i = g; ok && i < e; ++i) ok = tpush(&t, src->v[i].cp, 0);
        } else {
            for (utf8proc_ssize_t j = 0; ok && j < m; ++j) {
                int change = (size_t)j < k ? 0 : 1;
                if ((size_t)m < k && j == 0) change = -(int)(k - (size_t)m); /* the composed starter took them */
                ok = tpush(&t, buf[j], change);
            }
            if (ok && m == 0) ok = treplace(&t, "", 0, k);
        }
        g = e;
    }
    ok = ok && tapply(&t, src, dst);
    vkb_free(t.v);
    return ok;
}

/* Code point index of byte offset `byte` (a code point boundary) of at[0..n]. */
static size_t char_of(const size_t *at, size_t n, size_t byte) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (at[mid] < byte) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Replace with a regex, as NormalizedString::replace: every non-empty match, left to right
 * and not overlapping, becomes the content, each of whose code points takes the alignment of
 * the match's last code point (transform_range: inserted characters share the alignment of
 * the one before them, which is the last removed), as a string pattern's do. */
static bool regex_replace(const vkb_tj_norm *nz, const vkb_nchars *src, vkb_nchars *dst) {
    char *s = NULL;
    size_t cap = 0, len = 0, *at = NULL, at_cap = 0, n = src->n;
    bool ok = vkb_nchars_utf8(src->v, n, &s, &cap, &len, &at, &at_cap);
    vkb_regex_region *reg = ok ? vkb_regex_region_new() : NULL;
    ok = ok && reg;
    size_t i = 0, pos = 0; /* i: the next code point to copy; pos: where the next search starts */
    while (ok && pos <= len) {
        size_t ms, me;
        if (!vkb_regex_search(nz->re, reg, s, len, pos, &ms, &me)) break;
        size_t cs = char_of(at, n, ms), ce = char_of(at, n, me);
        if (me == ms) { /* an empty match replaces nothing: step over one code point */
            pos = cs < n ? at[cs + 1] : len + 1;
            continue;
        }
        for (; ok && i < cs; ++i) ok = vkb_nchars_push(dst, src->v[i].cp, src->v[i].start, src->v[i].end);
        for (size_t j = 0; ok && j < nz->nto; ++j)
            ok = vkb_nchars_push(dst, nz->to[j], src->v[ce - 1].start, src->v[ce - 1].end);
        i = ce;
        pos = me;
    }
    for (; ok && i < n; ++i) ok = vkb_nchars_push(dst, src->v[i].cp, src->v[i].start, src->v[i].end);
    vkb_regex_region_free(reg);
    vkb_free(s);
    vkb_free(at);
    return ok;
}

static bool step(const vkb_tj_norm *nz, const vkb_nchars *src, vkb_nchars *dst) {
    dst->n = 0;
    switch (nz->kind) {
    case TN_REPLACE:
        if (nz->re) return regex_replace(nz, src, dst);
        break;
    case TN_NFC: case TN_NFD: case TN_NFKC: case TN_NFKD: return unicode_nf(nz->kind, src, dst);
    case TN_PRECOMPILED: return precompiled(nz, src, dst);
    case TN_PREPEND:
        if (src->n == 0) return true;
        for (size_t i = 0; i < nz->nto; ++i)
            if (!vkb_nchars_push(dst, nz->to[i], src->v[0].start, src->v[0].end)) return false;
        break;
    case TN_STRIP: {
        size_t a = 0, b = src->n;
        if (nz->left) while (a < b && vkb_text_is_whitespace(src->v[a].cp)) ++a;
        if (nz->right) while (b > a && vkb_text_is_whitespace(src->v[b - 1].cp)) --b;
        for (size_t i = a; i < b; ++i)
            if (!vkb_nchars_push(dst, src->v[i].cp, src->v[i].start, src->v[i].end)) return false;
        return true;
    }
    default: break;
    }
    for (size_t i = 0; i < src->n; ++i) {
        const vkb_nchar *c = &src->v[i];
        bool ok = true;
        if (nz->kind == TN_BERT) {
            ok = vkb_bert_normalize_char(&nz->bert, c->cp, c->start, c->end, dst);
        } else if (nz->kind == TN_LOWER) {
            ok = c->cp == 0x130 ? vkb_nchars_push(dst, 'i', c->start, c->end) && vkb_nchars_push(dst, 0x307, c->start, c->end)
                                : vkb_nchars_push(dst, utf8proc_tolower(c->cp), c->start, c->end);
        } else if (nz->kind == TN_STRIP_ACCENTS) {
            /* every combining mark (Mn, Mc, Me), as the Rust library's is_combining_mark; BertNormalizer
             * strips only Mn */
            utf8proc_category_t k = utf8proc_category(c->cp);
            ok = k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME ||
                 vkb_nchars_push(dst, c->cp, c->start, c->end);
        } else if (nz->kind == TN_REPLACE && nz->nfrom && i + nz->nfrom <= src->n) {
            size_t k = 0;
            while (k < nz->nfrom && src->v[i + k].cp == nz->from[k]) ++k;
            if (k == nz->nfrom) {
                const vkb_nchar *last = &src->v[i + k - 1];
                for (size_t j = 0; ok && j < nz->nto; ++j) ok = vkb_nchars_push(dst, nz->to[j], last->start, last->end);
                i += k - 1;
            } else {
                ok = vkb_nchars_push(dst, c->cp, c->start, c->end);
            }
        } else {
            ok = vkb_nchars_push(dst, c->cp, c->start, c->end);
        }
        if (!ok) return false;
    }
    return true;
}

bool vkb_tj_normalize(const vkb_tj_norm *v, size_t n, vkb_nchars *io, vkb_nchars *tmp) {
    for (size_t i = 0; i < n; ++i) {
        if (!step(&v[i], io, tmp)) return false;
        vkb_nchars t = *io;
        *io = *tmp;
        *tmp = t;
    }
    return true;
}

void vkb_tj_norm_free(vkb_tj_norm *v, size_t n) {
    for (size_t i = 0; v && i < n; ++i) {
        vkb_free(v[i].from);
        vkb_free(v[i].to);
        vkb_regex_free(v[i].re);
        vkb_free((void *)v[i].trie);
        vkb_free(v[i].blob);
    }
    vkb_free(v);
}

static vkbert_status add(const cJSON *j, const char *path, vkb_tj_norm **out, size_t *n) {
    const char *type = vkb_tj_str(j, "type");
    if (!type) return bad(path, "normalizer", "an entry without a \"type\"");
    static const char *const NAMES[] = {"BertNormalizer", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents",
                                        "Replace", "Prepend", "Strip", "Precompiled"};
    int kind = -1;
    for (int k = 0; k < (int)(sizeof NAMES / sizeof NAMES[0]); ++k)
        if (strcmp(type, NAMES[k]) == 0) kind = k;
    if (kind < 0)
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: normalizer type \"%s\" is not supported", path, type);
    vkb_tj_norm *nv = vkb_realloc(*out, (*n + 1) * sizeof *nv);
    if (!nv) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    *out = nv;
    vkb_tj_norm *nz = &nv[(*n)++];
    *nz = (vkb_tj_norm){.kind = kind};
    if (kind == TN_BERT) {
        bool lower = vkb_tj_bool(j, "lowercase", 1);
        int strip = vkb_tj_bool(j, "strip_accents", -1);
        nz->bert = (vkb_bert_normalizer){lower, strip < 0 ? lower : strip == 1, vkb_tj_bool(j, "handle_chinese_chars", 1)};
        if (!vkb_tj_bool(j, "clean_text", 1)) return bad(path, "BertNormalizer", "clean_text false is not supported");
    } else if (kind == TN_REPLACE) {
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(j, "pattern");
        const char *s = vkb_tj_str(pat, "String"), *rx = vkb_tj_str(pat, "Regex"), *content = vkb_tj_str(j, "content");
        if ((!s && !rx) || !content)
            return bad(path, "Replace", "needs a {\"String\": ...} or {\"Regex\": ...} pattern and a content");
        if (!(nz->to = cps(content, &nz->nto)) || (s && !(nz->from = cps(s, &nz->nfrom))))
            return bad(path, "Replace", "pattern or content is not UTF-8");
        if (!s) return vkb_regex_new(rx, path, &nz->re);
    } else if (kind == TN_PREPEND) {
        const char *s = vkb_tj_str(j, "prepend");
        if (!s || !(nz->to = cps(s, &nz->nto))) return bad(path, "Prepend", "no \"prepend\" string");
    } else if (kind == TN_STRIP) {
        nz->left = vkb_tj_bool(j, "strip_left", 1);
        nz->right = vkb_tj_bool(j, "strip_right", 1);
    } else if (kind == TN_PRECOMPILED) {
        const char *s = vkb_tj_str(j, "precompiled_charsmap");
        if (!s) return bad(path, "Precompiled", "no precompiled_charsmap string");
        return parse_precompiled(nz, s, path);
    }
    return VKBERT_OK;
}

typedef struct list {
    vkb_tj_norm **out;
    size_t *n;
} list;

static vkbert_status add_leaf(const cJSON *j, const char *path, void *user) {
    list *l = user;
    return add(j, path, l->out, l->n);
}

vkbert_status vkb_tj_norm_parse(const cJSON *j, const char *path, vkb_tj_norm **out, size_t *n) {
    *out = NULL;
    *n = 0;
    list l = {out, n};
    vkbert_status s = vkb_tj_each(j, path, "normalizer", "normalizers", add_leaf, &l);
    if (s) {
        vkb_tj_norm_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return s;
}
