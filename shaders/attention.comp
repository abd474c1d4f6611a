// attention: for batch b, head h, query s:
//   ctx[b*seq + s, h*D + d] = sum_j softmax_j(q . k_j * scale + mask_j) v_j[d]
// with q, k, v the three column blocks of qkv [tokens, 3 * hidden] and mask_j = 0 for a
// real key, VKB_NEG_MAX for padding (as Hugging Face's additive mask). Online softmax
// over keys, so the seq x seq score matrix is never stored.
// Bindings: 0 qkv (read), 1 input int32 (attention mask at mask_offset), 2 ctx (write).
// Push: vkb_push_attention. Workgroup 64 queries; grid (ceil(seq/64), heads, batch).
// Spec constant 0: D, the head dimension.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_ATTENTION 1
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint D = 64;

layout(std430, binding = 0) readonly buffer QkvBuf { float qkv[]; };
layout(std430, binding = 1) readonly buffer InBuf { int inputs[]; };
layout(std430, binding = 2) writeonly buffer CtxBuf { float ctx[]; };

void main() {
    uint s = gl_GlobalInvocationID.x;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    if (s >= pc.seq) return;
    uint t = b * pc.seq + s;
    if (t >= pc.tokens) return;
    uint row = 3 * pc.hidden;
    uint qbase = t * row + h * D;

    float q[D];
    float acc[D];
    for (uint d = 0; d < D; ++d) { q[d] = qkv[qbase + d]; acc[d] = 0.0; }
    float m = -1.0 / 0.0;   // running max
    float l = 0.0;          // running sum of exp

    for (uint j = 0; j < pc.seq; ++j) {
        uint kt = b * pc.seq + j;
        uint kbase = kt * row + pc.hidden + h * D;
        float sc = 0.0;
        for (uint d = 0; d < D; ++d) sc = fma(q[d], qkv[kbase + d], sc);
        sc = sc * pc.scale + (inputs[pc.mask_offset + kt] != 0 ? 0.0 : VKB_NEG_MAX);
        float mn = max(m, sc);
        float corr = exp(m - mn);
        float p = exp(sc - mn);
        l = l * corr + p;
        uint vbase = kbase + pc.hidden;
        for (uint d = 0; d < D; ++d) acc[d] = fma(acc[d], corr, p * qkv[vbase + d]);
        m = mn;
    }
    float inv = 1.0 / l;
    uint obase = t * pc.hidden + h * D;
    for (uint d = 0; d < D; ++d) ctx[obase + d] = acc[d] * inv;
}
