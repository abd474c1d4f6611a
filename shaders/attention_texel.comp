// attention_texel: attention.comp's math with q, k and v read through a texel view of
// qkv (vectorised fetches; the variant for CPU-backed drivers, where storage-buffer loads
// at lane-varying addresses become scalar loops). Needs the head dimension and the hidden
// size to be multiples of 4. Loops over the head dimension are unrolled: lavapipe stops a
// shader loop after a fixed number of iterations (gallivm's guard against hangs), which a
// long sequence times a large head would otherwise reach.
// Bindings: 0 qkv as RGBA32F texel buffer ([tokens, 3 * hidden / 4] texels), 1 input int32
//           (attention mask at mask_offset), 2 ctx [tokens, hidden] (write).
// Push: vkb_push_attention. Workgroup 64 queries; grid (ceil(seq/64), heads, batch).
// Spec constant 0: D, the head dimension.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#define VKB_WANT_ATTENTION 1
#include "common.glsl"

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint D = 64;

layout(binding = 0) uniform samplerBuffer qkv;
layout(std430, binding = 1) readonly buffer InBuf { int inputs[]; };
layout(std430, binding = 2) writeonly buffer CtxBuf { float ctx[]; };

void main() {
    uint s = gl_GlobalInvocationID.x;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    if (s >= pc.seq) return;
    uint t = b * pc.seq + s;
    if (t >= pc.tokens) return;
    const uint D4 = D / 4;
    uint row4 = 3 * pc.hidden / 4;
    uint hd4 = h * D4, h4 = pc.hidden / 4;

    vec4 q[D4];
    vec4 acc[D4];
    [[unroll]] for (uint d = 0; d < D4; ++d) {
        q[d] = texelFetch(qkv, int(t * row4 + hd4 + d)) * pc.scale;
        acc[d] = vec4(0.0);
    }
    float m = -1.0 / 0.0;
    float l = 0.0;
    for (uint j = 0; j < pc.seq; ++j) {
        uint kt = b * pc.seq + j;
        int kbase = int(kt * row4 + h4 + hd4);
        vec4 sv = vec4(0.0);
        [[unroll]] for (uint d = 0; d < D4; ++d) sv = fma(q[d], texelFetch(qkv, kbase + int(d)), sv);
        float sc = (sv.x + sv.y) + (sv.z + sv.w) + (inputs[pc.mask_offset + kt] != 0 ? 0.0 : VKB_NEG_MAX);
        float mn = max(m, sc);
        float corr = exp(m - mn);
        float p = exp(sc - mn);
        l = l * corr + p;
        int vbase = kbase + int(h4);
        [[unroll]] for (uint d = 0; d < D4; ++d) acc[d] = fma(acc[d], vec4(corr), p * texelFetch(qkv, vbase + int(d)));
        m = mn;
    }
    float inv = 1.0 / l;
    uint obase = t * pc.hidden + h * D;
    [[unroll]] for (uint d = 0; d < D4; ++d) {
        vec4 o = acc[d] * inv;
        ctx[obase + 4 * d] = o.x;
        ctx[obase + 4 * d + 1] = o.y;
        ctx[obase + 4 * d + 2] = o.z;
        ctx[obase + 4 * d + 3] = o.w;
    }
}
