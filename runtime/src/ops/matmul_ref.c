/* Reference of matmul, matmul_f16w, matmul_texel and matmul_tiled*: Y (+)= act(X W^T + b). */
#include "ops/ref.h"

#include <math.h>

double vkb_ref_gelu(double x) { return 0.5 * x * (1.0 + erf(x / sqrt(2.0))); }
double vkb_ref_gelu_tanh(double x) {
    return 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
}

void vkb_ref_matmul(const float *x, const float *w, const float *b, const float *y0, uint32_t M, uint32_t N,
                    uint32_t K, uint32_t act, uint32_t accum, float *ref) {
    for (uint32_t m = 0; m < M; ++m)
        for (uint32_t n = 0; n < N; ++n) {
            double s = b[n];
            for (uint32_t k = 0; k < K; ++k) s += (double)x[(size_t)m * K + k] * w[(size_t)n * K + k];
            if (act == 1) s = vkb_ref_gelu(s);
            else if (act == 2) s = tanh(s);
            else if (act == 3) s = s > 0 ? s : 0;
            else if (act == 4) s = vkb_ref_gelu_tanh(s);
            else if (act == 5) s = s / (1.0 + exp(-s));
            if (accum) s += y0[(size_t)m * N + n];
            ref[(size_t)m * N + n] = (float)s;
        }
}
