// layernorm, in place: x[r, :] = (x[r, :] - mean) / sqrt(var + eps) * gamma + beta
// Bindings: 0 x [rows, width] (read/write), 1 params [2, width] = gamma then beta.
// Push: vkb_push_layernorm. Workgroup 128; one workgroup per row (rows spread over x, y).
// Two passes (mean, then centred variance) as PyTorch does, for accuracy.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_LAYERNORM 1
#include "common.glsl"

layout(local_size_x = 128) in;
layout(std430, binding = 0) buffer XBuf { float x[]; };
layout(std430, binding = 1) readonly buffer PBuf { float params[]; };

shared float red[128];

float block_sum(float v) {
    uint l = gl_LocalInvocationID.x;
    red[l] = v;
    barrier();
    for (uint s = 64; s > 0; s >>= 1) {
        if (l < s) red[l] += red[l + s];
        barrier();
    }
    float r = red[0];
    barrier();
    return r;
}

void main() {
    uint row = vkb_row();
    if (row >= pc.rows) return;   // uniform per workgroup: barriers stay legal
    uint base = row * pc.width;
    uint l = gl_LocalInvocationID.x;

    float s = 0.0;
    for (uint i = l; i < pc.width; i += 128) s += x[base + i];
    float mean = block_sum(s) / float(pc.width);
    float v = 0.0;
    for (uint i = l; i < pc.width; i += 128) { float d = x[base + i] - mean; v += d * d; }
    float var = block_sum(v) / float(pc.width);
    float inv = inversesqrt(var + pc.eps);
    for (uint i = l; i < pc.width; i += 128)
        x[base + i] = (x[base + i] - mean) * inv * params[i] + params[pc.width + i];
}
