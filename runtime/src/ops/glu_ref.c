/* Reference of glu: the gated MLP's product, in double precision. */
#include "ops/ref.h"

#include <math.h>

static double act_of(double v, uint32_t act) {
    if (act == 1) return vkb_ref_gelu(v);
    if (act == 2) return tanh(v);
    if (act == 3) return v > 0 ? v : 0;
    if (act == 4) return vkb_ref_gelu_tanh(v);
    if (act == 5) return v / (1.0 + exp(-v));
    return v;
}

void vkb_ref_glu(const float *x, uint32_t rows, uint32_t width, uint32_t act, bool second, float *out) {
    for (uint32_t r = 0; r < rows; ++r)
        for (uint32_t i = 0; i < width; ++i) {
            double a = x[(size_t)r * 2 * width + i], b = x[(size_t)r * 2 * width + width + i];
            out[(size_t)r * width + i] = (float)(second ? a * act_of(b, act) : act_of(a, act) * b);
        }
}
