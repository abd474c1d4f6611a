/* Reference of embed_ln: the embedding sum and its LayerNorm. */
#include "ops/ref.h"

#include <stdlib.h>

void vkb_ref_embed_ln(const float *word, const float *aux, const int32_t *ids, const int32_t *types, uint32_t T,
                      uint32_t S, uint32_t H, uint32_t P, uint32_t TV, float eps, float *out) {
    float *row = malloc(H * sizeof *row);
    if (!row) return;
    for (uint32_t t = 0; t < T; ++t) {
        uint32_t pos = t % S;
        for (uint32_t i = 0; i < H; ++i)
            row[i] = word[(size_t)ids[t] * H + i] + aux[(size_t)pos * H + i] + aux[(size_t)(P + types[t]) * H + i];
        vkb_ref_layernorm(row, aux + (size_t)(P + TV) * H, aux + (size_t)(P + TV + 1) * H, out + (size_t)t * H, H, eps);
    }
    free(row);
}
