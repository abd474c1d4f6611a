/* Reference of attention and attention_texel (and their _probs variants): the full softmax, scores
 * kept; q and k rotated first (rotate_half) where rope > 0, keys past a local window masked, ALiBi's
 * -slope_h |i - j| added where alibi says. */
#include "ops/ref.h"

#include <math.h>
#include <stdlib.h>

/* Element d of a q or k row at position p after rotation (fp32, as Hugging Face's
 * q * cos + rotate_half(q) * sin). */
static double rotated(const float *x, uint32_t d, uint32_t rope, const float *tab) {
    if (d >= rope) return x[d];
    uint32_t hr = rope / 2, i = d < hr ? d : d - hr;
    float other = d < hr ? -x[d + hr] : x[d - hr];
    return (double)(x[d] * tab[i] + other * tab[hr + i]);
}

/* ALiBi's slope of head h of n, from the paper's definition: the geometric sequence 2^(-8/p),
 * 2^(-16/p), ... over the largest power of two p <= n; heads past p take every other term of 2p's. */
double vkb_ref_alibi_slope(uint32_t h, uint32_t n) {
    uint32_t p = 1;
    while (p * 2 <= n) p *= 2;
    double start = pow(2.0, -8.0 / p);
    if (h < p) return pow(start, h + 1.0);
    double start2 = pow(2.0, -8.0 / (2.0 * p));
    return pow(start2, 2.0 * (h - p) + 1.0);
}

void vkb_ref_attention(const float *qkv, const int32_t *mask, uint32_t B, uint32_t S, uint32_t heads, uint32_t D,
                       float scale, uint32_t window, uint32_t rope, const float *table, bool alibi, float *out,
                       float *probs) {
    uint32_t H = heads * D;
    double *sc = malloc(S * sizeof *sc), *qr = malloc(D * sizeof *qr), *kr = malloc((size_t)S * D * sizeof *kr);
    if (!sc || !qr || !kr) {
        free(sc), free(qr), free(kr);
        return;
    }
    for (uint32_t b = 0; b < B; ++b)
        for (uint32_t h = 0; h < heads; ++h) {
            float slope = alibi ? (float)vkb_ref_alibi_slope(h, heads) : 0.0f;
            for (uint32_t j = 0; j < S; ++j)
                for (uint32_t d = 0; d < D; ++d)
                    kr[(size_t)j * D + d] = rotated(qkv + (size_t)(b * S + j) * 3 * H + H + h * D, d, rope,
                                                    table + (size_t)j * rope);
            for (uint32_t i = 0; i < S; ++i) {
                const float *q = qkv + (size_t)(b * S + i) * 3 * H + h * D;
                for (uint32_t d = 0; d < D; ++d) qr[d] = rotated(q, d, rope, table + (size_t)i * rope);
                double mx = -INFINITY, sum = 0;
                for (uint32_t j = 0; j < S; ++j) {
                    double dot = 0;
                    for (uint32_t d = 0; d < D; ++d) dot += qr[d] * kr[(size_t)j * D + d];
                    /* Hugging Face's additive mask in fp32: a masked score (padding, or a key
                     * outside the sliding window) becomes finfo.min */
                    bool far = window && (i > j ? i - j : j - i) > window;
                    float v = (float)(dot * scale) + (mask[b * S + j] && !far ? 0.0f : -3.402823466e38f) -
                              slope * (float)(i > j ? i - j : j - i);
                    sc[j] = v;
                    if (v > mx) mx = v;
                }
                for (uint32_t j = 0; j < S; ++j) sum += (sc[j] = exp(sc[j] - mx));
                if (probs)
                    for (uint32_t j = 0; j < S; ++j) probs[(((size_t)b * heads + h) * S + i) * S + j] = (float)(sc[j] / sum);
                for (uint32_t d = 0; d < D; ++d) {
                    double acc = 0;
                    for (uint32_t j = 0; j < S; ++j) acc += sc[j] / sum * qkv[(size_t)(b * S + j) * 3 * H + 2 * H + h * D + d];
                    out[(size_t)(b * S + i) * H + h * D + d] = (float)acc;
                }
            }
        }
    free(sc), free(qr), free(kr);
}
