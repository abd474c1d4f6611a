/* The WordPiece decoder with clean-up, as Hugging Face's Rust `tokenizers` decodes: a "##"
 * continuation joins the previous token, any other token follows a space (the first token
 * keeps its "##"), and the clean-up rules run on each token with its space, in their order. */
#include "text/text_internal.h"

#include <string.h>

/* Rust's str::replace(from, to) in place; `to` is never longer than `from`. */
static size_t replace_all(char *s, size_t n, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to), w = 0;
    for (size_t r = 0; r < n;) {
        if (n - r >= fl && memcmp(s + r, from, fl) == 0) {
            memcpy(s + w, to, tl);
            w += tl;
            r += fl;
        } else {
            s[w++] = s[r++];
        }
    }
    return w;
}

/* The decoder's clean-up of one token, in its order. */
size_t vkb_wordpiece_cleanup(char *s, size_t n) {
    static const char *const RULES[][2] = {
        {" .", "."},     {" ?", "?"},     {" !", "!"},          {" ,", ","},     {" ' ", "'"},    {" n't", "n't"},
        {" 'm", "'m"},   {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
    };
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; ++i) n = replace_all(s, n, RULES[i][0], RULES[i][1]);
    return n;
}

bool vkb_decode_wordpiece(vkb_decoder_wordpiece *d, const char *tok, size_t max_token_bytes) {
    if (!d->tmp && !(d->tmp = vkb_malloc(max_token_bytes + 2))) return false; /* one token, a space before it */
    size_t n = strlen(tok);
    if (d->kept++ == 0) {
        memcpy(d->tmp, tok, n);
    } else if (n >= 2 && tok[0] == '#' && tok[1] == '#') {
        memcpy(d->tmp, tok + 2, n -= 2);
    } else {
        d->tmp[0] = ' ';
        memcpy(d->tmp + 1, tok, n++);
    }
    n = vkb_wordpiece_cleanup(d->tmp, n);
    if (d->total + n < d->capacity) memcpy(d->dst + d->total, d->tmp, n);
    d->total += n;
    return true;
}

void vkb_decode_wordpiece_end(vkb_decoder_wordpiece *d) {
    vkb_free(d->tmp);
    d->tmp = NULL;
}
