/* Reference of topk: softmax over the row, then the best not yet taken, ties to the lower id. */
#include "ops/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void vkb_ref_topk(const float *x, uint32_t vocab, uint32_t k, int32_t *ids, double *probs) {
    bool *taken = calloc(vocab ? vocab : 1, 1);
    if (!taken) return;
    double mx = -INFINITY, sum = 0;
    for (uint32_t i = 0; i < vocab; ++i) mx = x[i] > mx ? x[i] : mx;
    for (uint32_t i = 0; i < vocab; ++i) sum += exp(x[i] - mx);
    for (uint32_t j = 0; j < k; ++j) {
        int32_t best = -1;
        for (uint32_t i = 0; i < vocab; ++i)
            if (!taken[i] && (best < 0 || x[i] > x[best])) best = (int32_t)i;
        if (best >= 0) taken[best] = true;
        ids[j] = best;
        probs[j] = best >= 0 ? exp(x[best] - mx) / sum : 0.0;
    }
    free(taken);
}
