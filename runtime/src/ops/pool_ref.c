/* Reference of pool: sentence-transformers' Pooling over the tokens [skip, len) of one sequence. */
#include "ops/ref.h"

#include <math.h>

void vkb_ref_pool(const float *h, uint32_t len, uint32_t skip, uint32_t width, uint32_t mode, double *out) {
    for (uint32_t c = 0; c < width; ++c) {
        double r = 0.0;
        if (len == 0) {
            r = 0.0;
        } else if (mode == 1) {
            r = h[c];
        } else if (mode == 5) {
            r = h[(size_t)(len - 1) * width + c];
        } else if (mode == 3) {
            r = -1e9;
            for (uint32_t t = skip; t < len; ++t) r = fmax(r, h[(size_t)t * width + c]);
        } else {
            double s = 0.0, n = fmax((double)len - skip, 1e-9);
            for (uint32_t t = skip; t < len; ++t) s += h[(size_t)t * width + c];
            r = mode == 4 ? s / sqrt(n) : s / n;
        }
        out[c] = r;
    }
}
