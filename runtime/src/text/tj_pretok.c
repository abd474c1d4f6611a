/* tokenizer.json's pre-tokenizers: each turns every piece into pieces, as
 * PreTokenizedString::split does, with the five delimiter behaviors of the Rust library
 * (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous) and `invert`. A
 * character pattern (whitespace, punctuation, digits) makes each matching code point a
 * match of its own; a regex is Oniguruma's (the engine of the Rust `tokenizers`, through
 * the onig crate, with its default Ruby syntax), searched over the piece's UTF-8. */
#include "tj_internal.h"

#include "regex.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <utf8proc.h>

static const char BYTELEVEL_RE[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char WHITESPACE_RE[] = "\\w+|[^\\w\\s]+";

int32_t vkb_bytelevel_char(uint8_t b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE) return b;
    int n = 0; /* the n-th byte outside those ranges maps to 256 + n */
    for (int i = 0; i < b; ++i)
        if (!((i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || i >= 0xAE)) ++n;
    return 256 + n;
}

int vkb_bytelevel_byte(int32_t cp) {
    static int16_t inv[324];
    static int ready; /* benign: every thread writes the same table */
    if (!ready) {
        for (int i = 0; i < 324; ++i) inv[i] = -1;
        for (int b = 0; b < 256; ++b) inv[vkb_bytelevel_char((uint8_t)b)] = (int16_t)b;
        ready = 1;
    }
    return cp >= 0 && cp < 324 ? inv[cp] : -1;
}

void vkb_tj_pieces_free(vkb_tj_pieces *p) {
    vkb_nchars_free(&p->pool);
    vkb_free(p->off);
    vkb_free(p->len);
    *p = (vkb_tj_pieces){0};
}

static bool add_piece(vkb_tj_pieces *p, size_t off, size_t n) {
    if (n == 0) return true;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        size_t *o = vkb_realloc(p->off, cap * sizeof *o);
        if (!o) return false;
        p->off = o;
        size_t *l = vkb_realloc(p->len, cap * sizeof *l);
        if (!l) return false;
        p->len = l;
        p->cap = cap;
    }
    p->off[p->n] = off;
    p->len[p->n++] = n;
    return true;
}

/* Copies c[0..n) into the pool as one piece. */
static bool copy_piece(vkb_tj_pieces *p, const vkb_nchar *c, size_t n) {
    size_t off = p->pool.n;
    for (size_t i = 0; i < n; ++i)
        if (!vkb_nchars_push(&p->pool, c[i].cp, c[i].start, c[i].end)) return false;
    return add_piece(p, off, n);
}

/* The spans a pattern found: [s, e) code points, matched or not, covering the piece. */
typedef struct span {
    size_t s, e;
    bool m;
} span;

typedef struct spans {
    span *v;
    size_t n, cap;
} spans;

static bool spush(spans *l, size_t s, size_t e, bool m) {
    if (s == e) return true;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        span *nv = vkb_realloc(l->v, cap * sizeof *nv);
        if (!nv) return false;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = (span){s, e, m};
    return true;
}

/* Applies a behavior to the spans of c[0..n) and appends the pieces. */
static bool behave(const spans *l, int behavior, bool invert, const vkb_nchar *c, vkb_tj_pieces *out) {
    spans r = {0};
    bool ok = true, prev = false;
    if (behavior == TB_NEXT) {
        for (size_t k = l->n; ok && k-- > 0;) {
            span x = l->v[k];
            x.m ^= invert;
            if (x.m && !prev && r.n) r.v[r.n - 1].s = x.s;
            else ok = spush(&r, x.s, x.e, x.m);
            prev = x.m;
        }
        for (size_t a = 0, b = r.n; ok && a + 1 < b; ++a, --b) {
            span t = r.v[a];
            r.v[a] = r.v[b - 1];
            r.v[b - 1] = t;
        }
    } else {
        for (size_t k = 0; ok && k < l->n; ++k) {
            span x = l->v[k];
            x.m ^= invert;
            if (behavior == TB_REMOVED) {
                if (!x.m) ok = spush(&r, x.s, x.e, false);
            } else if (behavior == TB_PREVIOUS && x.m && !prev && r.n) {
                r.v[r.n - 1].e = x.e;
            } else if (behavior == TB_CONTIGUOUS && x.m == prev && r.n) {
                r.v[r.n - 1].e = x.e;
            } else {
                ok = spush(&r, x.s, x.e, x.m);
            }
            prev = x.m;
        }
    }
    for (size_t k = 0; ok && k < r.n; ++k) ok = copy_piece(out, c + r.v[k].s, r.v[k].e - r.v[k].s);
    vkb_free(r.v);
    return ok;
}

static bool is_digit(int32_t c) {
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO;
}

/* Spans of a character class: 0 whitespace, 1 punctuation, 2 digits, 3 the Metaspace char. */
static bool char_spans(int cls, int32_t rep, const vkb_nchar *c, size_t n, spans *l) {
    size_t gap = 0;
    for (size_t i = 0; i < n; ++i) {
        int32_t x = c[i].cp;
        bool m = cls == 0 ? vkb_text_is_whitespace(x) : cls == 1 ? vkb_text_is_punct(x) : cls == 2 ? is_digit(x) : x == rep;
        if (!m) continue;
        if (!spush(l, gap, i, false) || !spush(l, i, i + 1, true)) return false;
        gap = i + 1;
    }
    return spush(l, gap, n, false);
}

/* Spans of a literal string of code points. */
static bool str_spans(const int32_t *s, size_t ns, const vkb_nchar *c, size_t n, spans *l) {
    size_t gap = 0;
    for (size_t i = 0; ns && i + ns <= n;) {
        size_t k = 0;
        while (k < ns && c[i + k].cp == s[k]) ++k;
        if (k < ns) {
            ++i;
            continue;
        }
        if (!spush(l, gap, i, false) || !spush(l, i, i + ns, true)) return false;
        gap = i += ns;
    }
    return spush(l, gap, n, false);
}

/* Scratch for regex searches: the piece's UTF-8 and where each code point starts. */
typedef struct rx_buf {
    char *s;
    size_t cap, len;
    size_t *at;
    size_t at_cap;
} rx_buf;

static size_t char_at(const rx_buf *b, size_t n, size_t byte) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->at[mid] < byte) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static bool regex_spans(const vkb_regex *re, rx_buf *b, const vkb_nchar *c, size_t n, spans *l) {
    if (!vkb_nchars_utf8(c, n, &b->s, &b->cap, &b->len, &b->at, &b->at_cap)) return false;
    vkb_regex_region *reg = vkb_regex_region_new();
    if (!reg) return false;
    size_t pos = 0, gap = 0;
    bool ok = true;
    while (ok && pos <= b->len) {
        size_t ms, me; /* no match (or an engine error): the rest is no match */
        if (!vkb_regex_search(re, reg, b->s, b->len, pos, &ms, &me)) break;
        if (me == ms) { /* an empty match: step over one code point */
            pos = ms < b->len ? b->at[char_at(b, n, ms) + 1] : b->len + 1;
            continue;
        }
        size_t cs = char_at(b, n, ms), ce = char_at(b, n, me);
        ok = spush(l, gap, cs, false) && spush(l, cs, ce, true);
        gap = ce;
        pos = me;
    }
    vkb_regex_region_free(reg);
    return ok && spush(l, gap, n, false);
}

static bool bytelevel(const vkb_tj_pretok *p, const vkb_nchar *c, size_t n, vkb_tj_pieces *out) {
    size_t off = out->pool.n;
    if (p->add_prefix_space && n && c[0].cp != ' ' && !vkb_nchars_push(&out->pool, 0x120, c[0].start, c[0].start))
        return false;
    for (size_t i = 0; i < n; ++i) {
        uint8_t u[4];
        utf8proc_ssize_t k = utf8proc_encode_char(c[i].cp, u);
        for (utf8proc_ssize_t j = 0; j < k; ++j)
            if (!vkb_nchars_push(&out->pool, vkb_bytelevel_char(u[j]), c[i].start, c[i].end)) return false;
    }
    return add_piece(out, off, out->pool.n - off);
}

/* Metaspace: spaces become the replacement, which is prepended as the scheme says, then
 * (with `split`) each replacement starts a piece. */
static bool metaspace(const vkb_tj_pretok *p, const vkb_nchar *c, size_t n, bool first, vkb_tj_pieces *tmp,
                      vkb_tj_pieces *out) {
    tmp->pool.n = 0;
    tmp->n = 0;
    if (n && c[0].cp != p->replacement && (p->prepend == 2 || (p->prepend == 1 && first)) &&
        !vkb_nchars_push(&tmp->pool, p->replacement, c[0].start, c[0].end))
        return false;
    for (size_t i = 0; i < n; ++i)
        if (!vkb_nchars_push(&tmp->pool, c[i].cp == ' ' ? p->replacement : c[i].cp, c[i].start, c[i].end))
            return false;
    if (!p->split) return copy_piece(out, tmp->pool.v, tmp->pool.n);
    spans l = {0};
    bool ok = char_spans(3, p->replacement, tmp->pool.v, tmp->pool.n, &l) && behave(&l, TB_NEXT, false, tmp->pool.v, out);
    vkb_free(l.v);
    return ok;
}

static bool one(const vkb_tj_pretok *p, const vkb_nchar *c, size_t n, bool first, rx_buf *rb, vkb_tj_pieces *tmp,
                vkb_tj_pieces *out) {
    spans l = {0};
    bool ok;
    switch (p->kind) {
    case TP_BYTELEVEL: {
        if (!p->use_regex) return bytelevel(p, c, n, out);
        vkb_tj_pieces split = {0};
        ok = regex_spans(p->re, rb, c, n, &l) && behave(&l, TB_ISOLATED, false, c, &split);
        for (size_t i = 0; ok && i < split.n; ++i) ok = bytelevel(p, split.pool.v + split.off[i], split.len[i], out);
        vkb_tj_pieces_free(&split);
        break;
    }
    case TP_METASPACE: return metaspace(p, c, n, first, tmp, out);
    case TP_BERT: {
        vkb_tj_pieces words = {0};
        ok = char_spans(0, 0, c, n, &l) && behave(&l, TB_REMOVED, false, c, &words);
        for (size_t i = 0; ok && i < words.n; ++i) {
            l.n = 0;
            const vkb_nchar *w = words.pool.v + words.off[i];
            ok = char_spans(1, 0, w, words.len[i], &l) && behave(&l, TB_ISOLATED, false, w, out);
        }
        vkb_tj_pieces_free(&words);
        break;
    }
    case TP_WHITESPACE: ok = regex_spans(p->re, rb, c, n, &l) && behave(&l, TB_REMOVED, true, c, out); break;
    case TP_WSSPLIT: ok = char_spans(0, 0, c, n, &l) && behave(&l, TB_REMOVED, false, c, out); break;
    case TP_PUNCT: ok = char_spans(1, 0, c, n, &l) && behave(&l, p->behavior, false, c, out); break;
    case TP_DIGITS:
        ok = char_spans(2, 0, c, n, &l) &&
             behave(&l, p->individual_digits ? TB_ISOLATED : TB_CONTIGUOUS, false, c, out);
        break;
    default: /* TP_SPLIT */
        ok = (p->re ? regex_spans(p->re, rb, c, n, &l) : str_spans(p->str, p->nstr, c, n, &l)) &&
             behave(&l, p->behavior, p->invert, c, out);
        break;
    }
    vkb_free(l.v);
    return ok;
}

bool vkb_tj_pretokenize(const vkb_tj_pretok *v, size_t nv, const vkb_nchar *c, size_t n, vkb_tj_pieces *out,
                        vkb_tj_pieces *tmp) {
    out->pool.n = 0;
    out->n = 0;
    if (!copy_piece(out, c, n)) return false;
    rx_buf rb = {0};
    vkb_tj_pieces next = {0}, scratch = {0};
    bool ok = true;
    for (size_t k = 0; ok && k < nv; ++k) {
        next.pool.n = 0;
        next.n = 0;
        for (size_t i = 0; ok && i < out->n; ++i)
            ok = one(&v[k], out->pool.v + out->off[i], out->len[i], out->pool.v[out->off[i]].start == 0 && i == 0, &rb,
                     &scratch, &next);
        vkb_tj_pieces t = *out;
        *out = next;
        next = t;
    }
    vkb_tj_pieces_free(&next);
    vkb_tj_pieces_free(&scratch);
    vkb_free(rb.s);
    vkb_free(rb.at);
    (void)tmp;
    return ok;
}

void vkb_tj_pretok_free(vkb_tj_pretok *v, size_t n) {
    for (size_t i = 0; v && i < n; ++i) {
        vkb_regex_free(v[i].re);
        vkb_free(v[i].str);
    }
    vkb_free(v);
}

static vkbert_status compile(vkb_tj_pretok *p, const char *pat, const char *path) {
    return vkb_regex_new(pat, path, &p->re);
}

static int behavior(const char *s) {
    static const char *const B[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"};
    for (int i = 0; s && i < 5; ++i)
        if (strcmp(s, B[i]) == 0) return i;
    return -1;
}

static vkbert_status add(const cJSON *j, const char *path, vkb_tj_pretok **out, size_t *n) {
    const char *type = vkb_tj_str(j, "type");
    static const char *const NAMES[] = {"BertPreTokenizer", "ByteLevel", "Metaspace", "Whitespace",
                                        "WhitespaceSplit", "Split", "Punctuation", "Digits"};
    int kind = -1;
    for (int k = 0; type && k < (int)(sizeof NAMES / sizeof NAMES[0]); ++k)
        if (strcmp(type, NAMES[k]) == 0) kind = k;
    if (kind < 0)
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: pre-tokenizer type \"%s\" is not supported", path,
                        type ? type : "(none)");
    vkb_tj_pretok *nv = vkb_realloc(*out, (*n + 1) * sizeof *nv);
    if (!nv) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    *out = nv;
    vkb_tj_pretok *p = &nv[(*n)++];
    *p = (vkb_tj_pretok){.kind = kind, .behavior = TB_ISOLATED};
    switch (kind) {
    case TP_BYTELEVEL:
        p->add_prefix_space = vkb_tj_bool(j, "add_prefix_space", 1);
        p->use_regex = vkb_tj_bool(j, "use_regex", 1);
        return p->use_regex ? compile(p, BYTELEVEL_RE, path) : VKBERT_OK;
    case TP_WHITESPACE: return compile(p, WHITESPACE_RE, path);
    case TP_METASPACE: {
        const char *rep = vkb_tj_str(j, "replacement"), *scheme = vkb_tj_str(j, "prepend_scheme");
        utf8proc_int32_t cp = 0x2581;
        if (rep && (!rep[0] || utf8proc_iterate((const utf8proc_uint8_t *)rep, -1, &cp) <= 0))
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: Metaspace: the replacement is not one character", path);
        p->replacement = cp;
        p->split = vkb_tj_bool(j, "split", 1);
        if (scheme) {
            p->prepend = strcmp(scheme, "always") == 0 ? 2 : strcmp(scheme, "first") == 0 ? 1 : strcmp(scheme, "never") == 0 ? 0 : -1;
            if (p->prepend < 0)
                return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: Metaspace prepend_scheme \"%s\" is not supported",
                                path, scheme);
        } else {
            p->prepend = vkb_tj_bool(j, "add_prefix_space", 1) ? 2 : 0; /* older files */
        }
        return VKBERT_OK;
    }
    case TP_PUNCT: {
        const char *b = vkb_tj_str(j, "behavior");
        p->behavior = b ? behavior(b) : TB_ISOLATED;
        if (p->behavior < 0) return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: Punctuation behavior \"%s\" is not supported", path, b);
        return VKBERT_OK;
    }
    case TP_DIGITS: p->individual_digits = vkb_tj_bool(j, "individual_digits", 0); return VKBERT_OK;
    case TP_SPLIT: {
        const char *b = vkb_tj_str(j, "behavior");
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(j, "pattern");
        p->behavior = behavior(b);
        p->invert = vkb_tj_bool(j, "invert", 0);
        if (p->behavior < 0)
            return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: Split behavior \"%s\" is not supported", path,
                            b ? b : "(none)");
        const char *rx = vkb_tj_str(pat, "Regex"), *s = vkb_tj_str(pat, "String");
        if (rx) return compile(p, rx, path);
        if (!s) return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: Split: no {\"Regex\"} or {\"String\"} pattern", path);
        size_t len = strlen(s);
        p->str = vkb_malloc((len + 1) * sizeof *p->str);
        if (!p->str) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        for (size_t i = 0; i < len;) {
            utf8proc_int32_t c;
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
            if (k <= 0) return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: Split: the pattern is not UTF-8", path);
            p->str[p->nstr++] = c;
            i += (size_t)k;
        }
        return VKBERT_OK;
    }
    default: return VKBERT_OK;
    }
}

typedef struct list {
    vkb_tj_pretok **out;
    size_t *n;
} list;

static vkbert_status add_leaf(const cJSON *j, const char *path, void *user) {
    list *l = user;
    return add(j, path, l->out, l->n);
}

vkbert_status vkb_tj_pretok_parse(const cJSON *j, const char *path, vkb_tj_pretok **out, size_t *n) {
    *out = NULL;
    *n = 0;
    list l = {out, n};
    vkbert_status s = vkb_tj_each(j, path, "pre-tokenizer", "pretokenizers", add_leaf, &l);
    if (s) {
        vkb_tj_pretok_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return s;
}
