/* Lowercasing a whole text before tokenizing, as Python's str.lower() does for
 * sentence-transformers' do_lower_case: every code point's lowercase mapping, and U+0130
 * (capital I with dot) to "i" + U+0307, its one multi-character mapping. */
#include "vkb_internal.h"

#include <utf8proc.h>

vkbert_status vkb_utf8_lower(const char *s, size_t len, char **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    char *d = vkb_malloc(len * 2 + 1); /* a mapping grows a character by at most one byte here */
    if (!d) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0) {
            vkb_free(d);
            return vkb_fail(NULL, VKBERT_ERROR_INVALID_TEXT, "the text is not valid UTF-8 (byte offset %zu)", i);
        }
        i += (size_t)k;
        if (c == 0x130) {
            d[o++] = 'i';
            o += (size_t)utf8proc_encode_char(0x307, (utf8proc_uint8_t *)d + o);
            continue;
        }
        utf8proc_int32_t l = utf8proc_tolower(c);
        utf8proc_ssize_t n = utf8proc_encode_char(l, (utf8proc_uint8_t *)d + o);
        if (n > k + 1) { /* never for Unicode's simple mappings; kept in bounds all the same */
            vkb_free(d);
            return vkb_fail(NULL, VKBERT_ERROR_INVALID_TEXT, "cannot lowercase the text at byte %zu", i);
        }
        o += (size_t)n;
    }
    d[o] = 0;
    *out = d;
    *out_len = o;
    return VKBERT_OK;
}
