/* Reference of l2norm: torch.nn.functional.normalize(x, p=2, eps=1e-12) of one row. */
#include "ops/ref.h"

#include <math.h>

void vkb_ref_l2norm(const float *x, uint32_t width, double *y) {
    double s = 0.0;
    for (uint32_t i = 0; i < width; ++i) s += (double)x[i] * x[i];
    double n = fmax(sqrt(s), 1e-12);
    for (uint32_t i = 0; i < width; ++i) y[i] = x[i] / n;
}
