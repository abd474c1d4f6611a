/* BertPreTokenizer (Hugging Face `tokenizers`): split on whitespace, which is dropped, and
 * isolate every punctuation character as a piece of its own. A piece's original span runs
 * from its first code point's source to its last one's. */
#include "text_internal.h"

static bool piece(const vkb_nchar *c, size_t n, vkb_piece_fn fn, void *user) {
    vkb_piece p = {c, n, c[0].start, c[n - 1].end};
    return fn(user, &p);
}

bool vkb_bert_pretokenize(const vkb_nchar *c, size_t n, vkb_piece_fn fn, void *user) {
    size_t w0 = 0;
    for (size_t i = 0; i <= n; ++i) {
        bool punct = i < n && vkb_text_is_punct(c[i].cp);
        if (i < n && !punct && !vkb_text_is_whitespace(c[i].cp)) continue;
        if (i > w0 && !piece(c + w0, i - w0, fn, user)) return false;
        if (punct && !piece(c + i, 1, fn, user)) return false;
        w0 = i + 1;
    }
    return true;
}
