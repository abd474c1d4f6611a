/* Reference of layernorm, layernorm_rows and layernorm_texel. */
#include "ops/ref.h"

#include <math.h>

void vkb_ref_layernorm(const float *x, const float *g, const float *b, float *y, uint32_t width, float eps) {
    double mean = 0, var = 0;
    for (uint32_t i = 0; i < width; ++i) mean += x[i];
    mean /= width;
    for (uint32_t i = 0; i < width; ++i) var += (x[i] - mean) * (x[i] - mean);
    var /= width;
    for (uint32_t i = 0; i < width; ++i) y[i] = (float)((x[i] - mean) / sqrt(var + eps) * g[i] + b[i]);
}
