// pool: out[seq0 + b, :] = the pooling of sequence b's final hidden states, sentence-transformers'
// Pooling: over the tokens [skip, length) of the sequence (padding never, a prompt left out
// when skip > 0), MODE (spec constant 0) 1 CLS (token 0), 2 mean (sum / max(count, 1e-9)),
// 3 max (-1e9 where no token is pooled, as ST's masked fill), 4 mean_sqrt_len
// (sum / sqrt(max(count, 1e-9))), 5 last (token length - 1).
// Bindings: 0 hidden [seqs * seq, width] (read), 1 sequence table int32 [2 * sessions' sequences]
// = (length, skip) per sequence, length 0 for an unused slot (its output is 0), 2 out
// [sequences, width] (write). Push: vkb_push_pool. Workgroup VKB_POOL_WG, one column each;
// grid x = columns / VKB_POOL_WG, y = seqs.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_POOL 1
#include "common.glsl"

layout(local_size_x = VKB_POOL_WG) in;
layout(constant_id = 0) const uint MODE = 2;
layout(std430, binding = 0) readonly buffer HBuf { float h[]; };
layout(std430, binding = 1) readonly buffer SBuf { int seqtab[]; };
layout(std430, binding = 2) writeonly buffer OBuf { float outp[]; };

void main() {
    uint c = gl_GlobalInvocationID.x, b = gl_WorkGroupID.y;
    if (c >= pc.width || b >= pc.seqs) return;
    uint gb = pc.seq0 + b;
    int len = seqtab[2 * gb], skip = seqtab[2 * gb + 1];
    uint W = pc.width, base = b * pc.seq * W + c;
    float r = 0.0;
    if (len <= 0) {
        r = 0.0;
    } else if (MODE == 1u) {
        r = h[base];
    } else if (MODE == 5u) {
        r = h[base + uint(len - 1) * W];
    } else if (MODE == 3u) {
        r = -1e9;
        for (int t = skip; t < len; ++t) r = max(r, h[base + uint(t) * W]);
    } else {
        float s = 0.0;
        for (int t = skip; t < len; ++t) s += h[base + uint(t) * W];
        float n = max(float(len - skip), 1e-9);
        r = MODE == 4u ? s / sqrt(n) : s / n;
    }
    outp[gb * W + c] = r;
}
