// l2norm, in place: x[r, :] = x[r, :] / max(||x[r, :]||_2, 1e-12), as torch.nn.functional.normalize
// (sentence-transformers' Normalize). Bindings: 0 x [rows, width] (read/write).
// Push: vkb_push_l2norm. One row per invocation (a handful of embedding rows per encode),
// VKB_L2NORM_WG rows per workgroup; no shared memory, no barriers.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_L2NORM 1
#include "common.glsl"

layout(local_size_x = VKB_L2NORM_WG) in;
layout(std430, binding = 0) buffer XBuf { float x[]; };

void main() {
    uint r = gl_GlobalInvocationID.x;
    if (r >= pc.rows) return;
    uint base = r * pc.width;
    float s = 0.0;
    for (uint i = 0; i < pc.width; ++i) s += x[base + i] * x[base + i];
    float inv = 1.0 / max(sqrt(s), 1e-12);
    for (uint i = 0; i < pc.width; ++i) x[base + i] *= inv;
}
