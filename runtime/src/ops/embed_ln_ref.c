/* Reference of embed_ln: the embedding sum and its LayerNorm. */
#include "ops/ref.h"

#include <stdlib.h>

/* Hugging Face's create_position_ids_from_input_ids, per sequence of S: real tokens (mask 1,
 * id not padding_idx) count from padding_idx + 1, the rest get padding_idx. */
static uint32_t roberta_pos(const int32_t *ids, const int32_t *mask, uint32_t t, uint32_t S, uint32_t offset) {
    int32_t pad = (int32_t)offset - 1;
    uint32_t count = 0;
    for (uint32_t j = t - t % S; j <= t; ++j) count += mask[j] != 0 && ids[j] != pad;
    return mask[t] != 0 && ids[t] != pad ? (uint32_t)pad + count : (uint32_t)pad;
}

void vkb_ref_embed_ln(const float *word, const float *aux, const int32_t *ids, const int32_t *types,
                      const int32_t *mask, uint32_t T, uint32_t S, uint32_t H, uint32_t P, uint32_t TV, float eps,
                      uint32_t pos_offset, float *out) {
    float *row = malloc(H * sizeof *row);
    if (!row) return;
    for (uint32_t t = 0; t < T; ++t) {
        uint32_t pos = pos_offset ? roberta_pos(ids, mask, t, S, pos_offset) : t % S;
        if (pos >= P) pos = P - 1;
        for (uint32_t i = 0; i < H; ++i)
            row[i] = word[(size_t)ids[t] * H + i] + aux[(size_t)pos * H + i] + aux[(size_t)(P + types[t]) * H + i];
        vkb_ref_layernorm(row, aux + (size_t)(P + TV) * H, aux + (size_t)(P + TV + 1) * H, out + (size_t)t * H, H, eps);
    }
    free(row);
}
