/* BertNormalizer (Hugging Face `tokenizers`): clean text (drop NUL, U+FFFD and
 * control/format/unassigned characters, map whitespace to ' '), spaces around CJK
 * ideographs, NFD + drop non-spacing marks (when stripping accents), lowercase.
 *
 * Every step maps one source code point to zero or more code points, so each normalized
 * code point keeps the bytes of the one it came from: what NormalizedString's alignments
 * give (an inserted space or a decomposed mark shares its source's span; a dropped one
 * leaves none). */
#include "text_internal.h"

#include <utf8proc.h>

bool vkb_text_is_whitespace(int32_t c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

bool vkb_text_is_punct(int32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        return true;
    utf8proc_category_t k = utf8proc_category(c);
    return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

static bool is_other(int32_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CS ||
           k == UTF8PROC_CATEGORY_CO || k == UTF8PROC_CATEGORY_CN;
}

static bool is_cjk(int32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

void vkb_nchars_free(vkb_nchars *b) {
    vkb_free(b->v);
    *b = (vkb_nchars){0};
}

bool vkb_nchars_push(vkb_nchars *b, int32_t c, uint32_t start, uint32_t end) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        vkb_nchar *nv = vkb_realloc(b->v, cap * sizeof *nv);
        if (!nv) return false;
        b->v = nv;
        b->cap = cap;
    }
    b->v[b->n++] = (vkb_nchar){c, start, end};
    return true;
}

/* Accent stripping and lowercasing of one code point (after cleaning and CJK spacing). */
static bool fold(const vkb_bert_normalizer *nz, int32_t c, uint32_t start, uint32_t end, vkb_nchars *out) {
    utf8proc_int32_t dec[32];
    utf8proc_ssize_t nd = 1;
    dec[0] = c;
    if (nz->strip_accents) {
        int last = 0;
        nd = utf8proc_decompose_char(c, dec, 32, UTF8PROC_DECOMPOSE, &last);
        if (nd < 0 || nd > 32) {
            dec[0] = c;
            nd = 1;
        }
    }
    for (utf8proc_ssize_t j = 0; j < nd; ++j) {
        int32_t d = dec[j];
        if (nz->strip_accents && utf8proc_category(d) == UTF8PROC_CATEGORY_MN) continue;
        if (nz->lowercase) {
            if (d == 0x130) { /* the one unconditional multi-character lowercase mapping */
                if (!vkb_nchars_push(out, 'i', start, end) || !vkb_nchars_push(out, 0x307, start, end)) return false;
                continue;
            }
            d = utf8proc_tolower(d);
        }
        if (!vkb_nchars_push(out, d, start, end)) return false;
    }
    return true;
}

bool vkb_bert_normalize_char(const vkb_bert_normalizer *nz, int32_t c, uint32_t start, uint32_t end, vkb_nchars *out) {
    if (c == 0 || c == 0xFFFD || is_other(c)) return true;
    if (vkb_text_is_whitespace(c)) c = ' ';
    if (nz->chinese && is_cjk(c))
        return vkb_nchars_push(out, ' ', start, end) && fold(nz, c, start, end, out) && vkb_nchars_push(out, ' ', start, end);
    return fold(nz, c, start, end, out);
}

bool vkb_bert_normalize(const vkb_bert_normalizer *nz, const char *s, size_t len, uint32_t base, vkb_nchars *out) {
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        uint32_t start = base + (uint32_t)i, end = start + (uint32_t)k;
        i += (size_t)k; /* validated by the caller */
        if (!vkb_bert_normalize_char(nz, c, start, end, out)) return false;
    }
    return true;
}
