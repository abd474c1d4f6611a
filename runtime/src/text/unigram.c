/* Unigram (SentencePiece, as Hugging Face `tokenizers` runs it): Viterbi over the piece's
 * code points, each vocabulary entry a node scored by its log probability; where no
 * one-code-point entry starts, an unk node of one code point scored min_score - 10. Ties go
 * to the path found first (begin positions ascending, shorter entries first). Consecutive
 * unks fuse into one; with byte_fallback an unk becomes its <0xXX> bytes when all exist. */
#include "tj_internal.h"

#include <stdio.h>
#include <string.h>

bool vkb_unigram_encode(const vkb_unigram *u, const vkb_vocab *v, const vkb_nchar *c, size_t n, vkb_tok_sink *out) {
    if (n == 0) return true;
    char *s = NULL;
    size_t cap = 0, len = 0, *at = NULL, at_cap = 0;
    if (!vkb_nchars_utf8(c, n, &s, &cap, &len, &at, &at_cap)) { /* either may have been allocated */
        vkb_free(s);
        vkb_free(at);
        return false;
    }
    double *best = vkb_malloc((n + 1) * sizeof *best);
    size_t *from = vkb_malloc((n + 1) * sizeof *from);
    int32_t *bid = vkb_malloc((n + 1) * sizeof *bid);
    bool ok = best && from && bid;
    for (size_t i = 0; ok && i <= n; ++i) bid[i] = -2; /* unreached */
    if (ok) bid[0] = -1, best[0] = 0;
    for (size_t p = 0; ok && p < n; ++p) {
        if (bid[p] == -2) continue;
        bool single = false;
        size_t maxl = n - p < u->max_chars ? n - p : u->max_chars;
        for (size_t l = 1; l <= maxl; ++l) {
            int32_t id = vkb_vocab_lookup(v, false, s + at[p], at[p + l] - at[p]);
            if (id < 0) continue;
            single |= l == 1;
            double sc = best[p] + u->score[id];
            if (bid[p + l] == -2 || sc > best[p + l]) best[p + l] = sc, from[p + l] = p, bid[p + l] = id;
        }
        if (!single) {
            double sc = best[p] + u->unk_score;
            if (bid[p + 1] == -2 || sc > best[p + 1]) best[p + 1] = sc, from[p + 1] = p, bid[p + 1] = u->unk;
        }
    }
    /* back from the end: the path's nodes, reversed into from[]/bid[] order */
    size_t k = 0, *ends = ok ? vkb_malloc((n + 1) * sizeof *ends) : NULL;
    ok = ok && ends;
    for (size_t e = n; ok && e > 0; e = from[e]) ends[k++] = e;
    for (size_t i = k; ok && i-- > 0;) {
        size_t e = ends[i], b0 = from[e];
        int32_t id = bid[e];
        if (id == u->unk) { /* fuse the unks that follow */
            while (i > 0 && bid[ends[i - 1]] == u->unk) e = ends[--i];
            if (u->byte_fallback) {
                size_t nb = at[e] - at[b0], got = 0;
                for (size_t j = 0; j < nb; ++j) {
                    char hex[8];
                    snprintf(hex, sizeof hex, "<0x%02X>", (unsigned)(uint8_t)s[at[b0] + j]);
                    got += vkb_vocab_lookup(v, false, hex, 6) >= 0;
                }
                if (got == nb) {
                    for (size_t j = 0; j < nb; ++j) {
                        char hex[8];
                        snprintf(hex, sizeof hex, "<0x%02X>", (unsigned)(uint8_t)s[at[b0] + j]);
                        vkb_sink_emit(out, vkb_vocab_lookup(v, false, hex, 6), c[b0].start, c[e - 1].end);
                    }
                    continue;
                }
            }
        }
        vkb_sink_emit(out, id, c[b0].start, c[e - 1].end);
    }
    vkb_free(ends);
    vkb_free(best);
    vkb_free(from);
    vkb_free(bid);
    vkb_free(s);
    vkb_free(at);
    return ok;
}
