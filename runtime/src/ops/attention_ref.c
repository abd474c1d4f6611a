/* Reference of attention and attention_texel (and their _probs variants): the full softmax, scores kept. */
#include "ops/ref.h"

#include <math.h>
#include <stdlib.h>

void vkb_ref_attention(const float *qkv, const int32_t *mask, uint32_t B, uint32_t S, uint32_t heads, uint32_t D,
                       float scale, float *out, float *probs) {
    uint32_t H = heads * D;
    double *sc = malloc(S * sizeof *sc);
    if (!sc) return;
    for (uint32_t b = 0; b < B; ++b)
        for (uint32_t h = 0; h < heads; ++h)
            for (uint32_t i = 0; i < S; ++i) {
                const float *q = qkv + (size_t)(b * S + i) * 3 * H + h * D;
                double mx = -INFINITY, sum = 0;
                for (uint32_t j = 0; j < S; ++j) {
                    const float *k = qkv + (size_t)(b * S + j) * 3 * H + H + h * D;
                    double dot = 0;
                    for (uint32_t d = 0; d < D; ++d) dot += (double)q[d] * k[d];
                    /* Hugging Face's additive mask in fp32: a masked score becomes finfo.min */
                    float v = (float)(dot * scale) + (mask[b * S + j] ? 0.0f : -3.402823466e38f);
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
    free(sc);
}
