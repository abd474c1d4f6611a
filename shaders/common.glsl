// Shared helpers for vkbert kernels.
#define VKB_GLSL 1
#include "vkb_push.h"

const float VKB_NEG_MAX = -3.402823466e38; // torch.finfo(float32).min: HF's additive mask

// The row a 1-D-per-row kernel works on; the host spreads rows over x and y so that
// neither exceeds maxComputeWorkGroupCount.
uint vkb_row() { return gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x; }

#ifdef VKB_WANT_ATTENTION
// ALiBi's slope of head h of n (Press et al.'s get_slopes, as JinaBERT's _get_alibi_head_slopes):
// 2^(-8 (h + 1) / p) over the largest power of two p <= n; the heads past p take the odd-numbered
// slopes of 2p heads, 2^(-8 (2 (h - p) + 1) / 2p).
float vkb_alibi_slope(uint h, uint n) {
    uint p = 1u << uint(findMSB(n));
    return h < p ? exp2(-8.0 * float(h + 1u) / float(p)) : exp2(-4.0 * float(2u * (h - p) + 1u) / float(p));
}
#endif

// erf with absolute error below 1.5e-7 (Abramowitz & Stegun 7.1.26), enough for fp32 GELU.
float vkb_erf(float x) {
    float ax = abs(x);
    float t = 1.0 / (1.0 + 0.3275911 * ax);
    float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t
                      - 0.284496736) * t + 0.254829592) * t * exp(-ax * ax);
    return sign(x) * y;
}

// Exact GELU as in BERT: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).
float vkb_gelu(float x) { return 0.5 * x * (1.0 + vkb_erf(x * 0.70710678118654752)); }

// tanh from one exp of a non-positive argument: no overflow for any x (a driver's tanh may
// give NaN for large |x|); absolute error ~1e-7.
float vkb_tanh(float x) {
    float e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
}

// GELU's tanh approximation (Hugging Face's "gelu_new", ALBERT's):
// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
float vkb_gelu_tanh(float x) { return 0.5 * x * (1.0 + vkb_tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))); }

// SiLU (swish): x * sigmoid(x), NomicBERT's SwiGLU gate; exp of a non-positive argument only.
float vkb_silu(float x) {
    float e = exp(-abs(x));
    return x * (x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e));
}

// The matmul epilogue's (and glu's) activation: 0 none, 1 exact GELU, 2 tanh (BERT's pooler, a
// sentence-transformers Dense), 3 ReLU (DistilBERT's pre_classifier), 4 tanh-approximated GELU
// (gelu_new: ALBERT), 5 SiLU.
float vkb_act(float v, uint act) {
    if (act == 1u) return vkb_gelu(v);
    if (act == 2u) return vkb_tanh(v);
    if (act == 3u) return max(v, 0.0);
    if (act == 4u) return vkb_gelu_tanh(v);
    if (act == 5u) return vkb_silu(v);
    return v;
}
