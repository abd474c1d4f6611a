/* tokenizer.json's decoders, over the list of token strings as the Rust library's
 * decode_chain: WordPiece, ByteLevel, Metaspace, BPEDecoder, ByteFallback, Fuse, Strip,
 * Replace; the results are joined. Invalid UTF-8 a byte-level decode makes becomes U+FFFD as
 * Rust's String::from_utf8_lossy makes it: one per maximal invalid subpart. */
#include "tj_internal.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <utf8proc.h>

static char *cat(const char *a, size_t an, const char *b, size_t bn) {
    char *s = vkb_malloc(an + bn + 1);
    if (!s) return NULL;
    memcpy(s, a, an);
    memcpy(s + an, b, bn);
    s[an + bn] = '\0';
    return s;
}

/* s with every `from` replaced by `to` (vkb_malloc'd). */
static char *replace(const char *s, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to), n = strlen(s), cnt = 0;
    for (const char *p = s; fl && (p = strstr(p, from)); p += fl) ++cnt;
    char *d = vkb_malloc(n + cnt * tl + 1), *w = d;
    if (!d) return NULL;
    for (const char *p = s; *p;) {
        if (fl && strncmp(p, from, fl) == 0) {
            memcpy(w, to, tl);
            w += tl;
            p += fl;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return d;
}

/* How many bytes from b[0] (of n) are the longest prefix of a well-formed UTF-8 sequence (Unicode's
 * table 3-7: the second byte's range depends on the first); *len: the sequence's full length. */
static size_t utf8_prefix(const uint8_t *b, size_t n, size_t *len) {
    uint8_t c = b[0], lo = 0x80, hi = 0xBF;
    if (c < 0x80) return *len = 1;
    if (c >= 0xC2 && c <= 0xDF) *len = 2;
    else if (c >= 0xE0 && c <= 0xEF) *len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4) *len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else return *len = 0; /* not a lead byte */
    size_t k = 1;
    for (; k < *len && k < n; ++k) {
        if (b[k] < (k == 1 ? lo : 0x80) || b[k] > (k == 1 ? hi : 0xBF)) break;
    }
    return k;
}

/* Bytes -> UTF-8 as String::from_utf8_lossy: each maximal subpart of an ill-formed sequence (a
 * stray byte, or a sequence cut short) becomes one U+FFFD. */
static char *lossy(const uint8_t *b, size_t n) {
    char *d = vkb_malloc(n * 3 + 1);
    size_t w = 0;
    if (!d) return NULL;
    for (size_t i = 0; i < n;) {
        size_t len, k = utf8_prefix(b + i, n - i, &len);
        if (len && k == len) {
            memcpy(d + w, b + i, k);
            w += k;
            i += k;
        } else {
            memcpy(d + w, "\xEF\xBF\xBD", 3);
            w += 3;
            i += k ? k : 1;
        }
    }
    d[w] = '\0';
    return d;
}

/* Whether every character of the token has a byte in ByteLevel's table (the Rust decoder maps such
 * a token to those bytes; any other token stays its own UTF-8 bytes, whole). */
static bool all_bytelevel(const char *t) {
    for (const char *p = t; *p;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &c);
        if (k <= 0 || vkb_bytelevel_byte(c) < 0) return false;
        p += k;
    }
    return true;
}

static int hexbyte(const char *t) {
    if (strlen(t) != 6 || strncmp(t, "<0x", 3) != 0 || t[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; ++i) {
        char c = t[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static bool set(char **slot, char *s) {
    if (!s) return false;
    vkb_free(*slot);
    *slot = s;
    return true;
}

static bool step(const vkb_tj_dec *d, char **t, size_t *n) {
    switch (d->kind) {
    case TD_WORDPIECE:
        for (size_t i = 0; i < *n; ++i) {
            size_t pl = strlen(d->a);
            char *s;
            if (i == 0) s = vkb_strdup(t[i]);
            else if (strncmp(t[i], d->a, pl) == 0) s = vkb_strdup(t[i] + pl);
            else s = cat(" ", 1, t[i], strlen(t[i]));
            if (!set(&t[i], s)) return false;
            if (d->cleanup) t[i][vkb_wordpiece_cleanup(t[i], strlen(t[i]))] = '\0';
        }
        return true;
    case TD_BYTELEVEL:
    case TD_FUSE: {
        size_t total = 0;
        for (size_t i = 0; i < *n; ++i) total += strlen(t[i]);
        uint8_t *b = vkb_malloc(total + 1);
        size_t w = 0;
        if (!b) return false;
        for (size_t i = 0; i < *n; ++i) {
            bool mapped = d->kind == TD_BYTELEVEL && all_bytelevel(t[i]);
            for (const char *p = t[i]; *p;) {
                utf8proc_int32_t c;
                utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &c);
                if (k <= 0) k = 1, c = -1;
                int byte = mapped ? vkb_bytelevel_byte(c) : -1;
                if (byte >= 0) b[w++] = (uint8_t)byte;
                else memcpy(b + w, p, (size_t)k), w += (size_t)k;
                p += k;
            }
            vkb_free(t[i]);
            t[i] = NULL;
        }
        b[w] = 0;
        t[0] = d->kind == TD_BYTELEVEL ? lossy(b, w) : (char *)b;
        if (d->kind == TD_BYTELEVEL) vkb_free(b);
        *n = t[0] ? 1 : 0;
        return t[0] != NULL;
    }
    case TD_METASPACE:
        for (size_t i = 0; i < *n; ++i) {
            /* the first token's leading replacement (not a space of its own) is the prepended one */
            size_t skip = i == 0 && d->prepend && strncmp(t[0], d->a, strlen(d->a)) == 0 ? strlen(d->a) : 0;
            char *s = replace(t[i] + skip, d->a, " ");
            if (!set(&t[i], s)) return false;
        }
        return true;
    case TD_BPE:
        for (size_t i = 0; i < *n; ++i)
            if (!set(&t[i], replace(t[i], d->a, i + 1 == *n ? "" : " "))) return false;
        return true;
    case TD_REPLACE:
        for (size_t i = 0; i < *n; ++i)
            if (!set(&t[i], replace(t[i], d->a, d->b))) return false;
        return true;
    case TD_STRIP:
        for (size_t i = 0; i < *n; ++i) {
            size_t cl = strlen(d->a), len = strlen(t[i]), a = 0, e = len;
            for (uint32_t k = 0; cl && k < d->start && e - a >= cl && strncmp(t[i] + a, d->a, cl) == 0; ++k) a += cl;
            for (uint32_t k = 0; cl && k < d->stop && e - a >= cl && strncmp(t[i] + e - cl, d->a, cl) == 0; ++k) e -= cl;
            memmove(t[i], t[i] + a, e - a);
            t[i][e - a] = '\0';
        }
        return true;
    case TD_BYTEFALLBACK: {
        size_t w = 0;
        for (size_t i = 0; i < *n;) {
            if (hexbyte(t[i]) < 0) { /* moved down; every slot a pointer left is NULL, so the caller frees each once */
                char *keep = t[i];
                t[i++] = NULL;
                t[w++] = keep;
                continue;
            }
            size_t j = i;
            uint8_t buf[256];
            size_t nb = 0;
            while (j < *n && nb < sizeof buf && hexbyte(t[j]) >= 0) buf[nb++] = (uint8_t)hexbyte(t[j++]);
            bool valid = utf8proc_decompose(buf, (utf8proc_ssize_t)nb, NULL, 0, 0) >= 0;
            for (size_t k = i; k < j; ++k) {
                vkb_free(t[k]);
                t[k] = NULL;
            }
            if (valid) {
                if (!(t[w++] = cat((const char *)buf, nb, "", 0))) return false;
            } else {
                for (size_t k = 0; k < nb; ++k)
                    if (!(t[w++] = vkb_strdup("\xEF\xBF\xBD"))) return false;
            }
            i = j;
        }
        *n = w;
        return true;
    }
    default: return false;
    }
}

bool vkb_tj_decode(const vkb_tj_dec *v, size_t nv, char **toks, size_t *n, char **text, size_t *len) {
    for (size_t k = 0; k < nv; ++k)
        if (!step(&v[k], toks, n)) return false;
    size_t total = 0;
    for (size_t i = 0; i < *n; ++i) total += strlen(toks[i]);
    char *s = vkb_malloc(total + 1);
    if (!s) return false;
    size_t w = 0;
    for (size_t i = 0; i < *n; ++i) {
        size_t l = strlen(toks[i]);
        memcpy(s + w, toks[i], l);
        w += l;
    }
    s[w] = '\0';
    *text = s;
    *len = w;
    return true;
}

void vkb_tj_dec_free(vkb_tj_dec *v, size_t n) {
    for (size_t i = 0; v && i < n; ++i) {
        vkb_free(v[i].a);
        vkb_free(v[i].b);
    }
    vkb_free(v);
}

static vkbert_status add(const cJSON *j, const char *path, vkb_tj_dec **out, size_t *n) {
    const char *type = vkb_tj_str(j, "type");
    static const char *const NAMES[] = {"WordPiece", "ByteLevel", "Metaspace", "BPEDecoder", "ByteFallback",
                                        "Fuse", "Strip", "Replace"};
    int kind = -1;
    for (int k = 0; type && k < (int)(sizeof NAMES / sizeof NAMES[0]); ++k)
        if (strcmp(type, NAMES[k]) == 0) kind = k;
    if (kind < 0)
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: decoder type \"%s\" is not supported", path,
                        type ? type : "(none)");
    vkb_tj_dec *nv = vkb_realloc(*out, (*n + 1) * sizeof *nv);
    if (!nv) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    *out = nv;
    vkb_tj_dec *d = &nv[(*n)++];
    *d = (vkb_tj_dec){.kind = kind};
    const char *a = "", *b = "";
    if (kind == TD_WORDPIECE) {
        a = vkb_tj_str(j, "prefix") ? vkb_tj_str(j, "prefix") : "##";
        d->cleanup = vkb_tj_bool(j, "cleanup", 1);
    } else if (kind == TD_METASPACE) {
        a = vkb_tj_str(j, "replacement") ? vkb_tj_str(j, "replacement") : "\xE2\x96\x81";
        const char *scheme = vkb_tj_str(j, "prepend_scheme");
        int aps = vkb_tj_bool(j, "add_prefix_space", 1);
        d->prepend = scheme ? strcmp(scheme, "never") != 0 : aps;
    } else if (kind == TD_BPE) {
        a = vkb_tj_str(j, "suffix") ? vkb_tj_str(j, "suffix") : "</w>";
    } else if (kind == TD_REPLACE) {
        a = vkb_tj_str(cJSON_GetObjectItemCaseSensitive(j, "pattern"), "String");
        b = vkb_tj_str(j, "content");
        if (!a || !b)
            return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: decoder Replace: only a {\"String\"} pattern is supported",
                            path);
    } else if (kind == TD_STRIP) {
        a = vkb_tj_str(j, "content") ? vkb_tj_str(j, "content") : " ";
        const cJSON *s = NULL, *e = NULL;
        vkbert_status st = vkb_json_get(NULL, j, path, "start", VKB_JSON_NUMBER, &s);
        if (!st) st = vkb_json_get(NULL, j, path, "stop", VKB_JSON_NUMBER, &e);
        if (st) return st;
        d->start = cJSON_IsNumber(s) && s->valuedouble >= 0 && s->valuedouble < 1e6 ? (uint32_t)s->valuedouble : 0;
        d->stop = cJSON_IsNumber(e) && e->valuedouble >= 0 && e->valuedouble < 1e6 ? (uint32_t)e->valuedouble : 0;
    }
    d->a = vkb_strdup(a);
    d->b = vkb_strdup(b);
    if (!d->a || !d->b) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    return VKBERT_OK;
}

typedef struct list {
    vkb_tj_dec **out;
    size_t *n;
} list;

static vkbert_status add_leaf(const cJSON *j, const char *path, void *user) {
    list *l = user;
    return add(j, path, l->out, l->n);
}

vkbert_status vkb_tj_dec_parse(const cJSON *j, const char *path, vkb_tj_dec **out, size_t *n) {
    *out = NULL;
    *n = 0;
    list l = {out, n};
    vkbert_status s = vkb_tj_each(j, path, "decoder", "decoders", add_leaf, &l);
    if (s) {
        vkb_tj_dec_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return s;
}
