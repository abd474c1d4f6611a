// layernorm: y[r, :] = (x[r, :] - mean) / sqrt(var + eps) * gamma + beta, in place (y bound to
// x's buffer) or into another buffer (a pre-norm layer's input: ModernBERT).
// Bindings: 0 x [rows, width] (read), 1 params [2, width] = gamma then beta, 2 y [rows, width]
// (write; may be x's buffer: every element is read before the invocation writes it).
// Push: vkb_push_layernorm. Rows spread over workgroups x, y (vkb_row()).
// Built three times: layernorm (GPUs, minimum limits) has one workgroup of 128 per row,
// reduced through shared memory; layernorm_rows (ROWS=1; CPU-backed drivers) one invocation
// per row, 8 rows per workgroup, no shared memory and no barriers (on lavapipe a barrier
// switches between a workgroup's subgroups, and one workgroup runs on one core);
// layernorm_texel (ROWS=1, TEXEL=1; CPU-backed drivers, width a multiple of 4) as
// layernorm_rows but reads x through a texel view of it (binding 0, RGBA32F texels: on
// lavapipe a texel fetch is vector code, a storage load at lane-varying addresses a loop
// over the lanes).
// Two passes (mean, then centred variance) as PyTorch does, for accuracy.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_LAYERNORM 1
#include "common.glsl"

#ifndef ROWS
#define ROWS 0
#endif
#ifndef TEXEL
#define TEXEL 0
#endif
#if ROWS
layout(local_size_x = VKB_LAYERNORM_ROWS_PER_GROUP) in;
#else
layout(local_size_x = VKB_ROW_WG) in;
#endif
#if TEXEL
layout(binding = 0) uniform samplerBuffer xt;
layout(std430, binding = 1) readonly buffer PBuf { vec4 params4[]; };
layout(std430, binding = 2) writeonly buffer XBuf { vec4 x4[]; };
#else
layout(std430, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, binding = 1) readonly buffer PBuf { float params[]; };
layout(std430, binding = 2) writeonly buffer YBuf { float y[]; };
#endif

shared float red[VKB_ROW_WG];

float block_sum(float v) {
    uint l = gl_LocalInvocationID.x;
    red[l] = v;
    barrier();
    for (uint s = VKB_ROW_WG / 2; s > 0; s >>= 1) {
        if (l < s) red[l] += red[l + s];
        barrier();
    }
    float r = red[0];
    barrier();
    return r;
}

void main() {
    uint W = pc.width;
#if TEXEL
    {
        uint row = vkb_row() * VKB_LAYERNORM_ROWS_PER_GROUP + gl_LocalInvocationID.x;
        if (row >= pc.rows) return;
        uint W4 = W / 4;
        int base = int(row * W4);
        vec4 s4 = vec4(0.0);
        for (uint i = 0; i < W4; ++i) s4 += texelFetch(xt, base + int(i));
        float mean = (s4.x + s4.y + s4.z + s4.w) / float(W);
        vec4 v4 = vec4(0.0);
        for (uint i = 0; i < W4; ++i) { vec4 d = texelFetch(xt, base + int(i)) - mean; v4 += d * d; }
        float inv = inversesqrt((v4.x + v4.y + v4.z + v4.w) / float(W) + pc.eps);
        for (uint i = 0; i < W4; ++i)
            x4[uint(base) + i] = (texelFetch(xt, base + int(i)) - mean) * inv * params4[i] + params4[W4 + i];
        return;
    }
#elif ROWS
    {
        uint row = vkb_row() * VKB_LAYERNORM_ROWS_PER_GROUP + gl_LocalInvocationID.x;
        if (row >= pc.rows) return;
        uint base = row * W;
        float s = 0.0;
        for (uint i = 0; i < W; ++i) s += x[base + i];
        float mean = s / float(W);
        float v = 0.0;
        for (uint i = 0; i < W; ++i) { float d = x[base + i] - mean; v += d * d; }
        float inv = inversesqrt(v / float(W) + pc.eps);
        for (uint i = 0; i < W; ++i) y[base + i] = (x[base + i] - mean) * inv * params[i] + params[W + i];
        return;
    }
#endif
#if !TEXEL
    uint row = vkb_row();
    if (row >= pc.rows) return;   // uniform per workgroup: barriers stay legal
    uint base = row * W;
    uint l = gl_LocalInvocationID.x;

    float s = 0.0;
    for (uint i = l; i < W; i += VKB_ROW_WG) s += x[base + i];
    float mean = block_sum(s) / float(W);
    float v = 0.0;
    for (uint i = l; i < W; i += VKB_ROW_WG) { float d = x[base + i] - mean; v += d * d; }
    float var = block_sum(v) / float(W);
    float inv = inversesqrt(var + pc.eps);
    for (uint i = l; i < W; i += VKB_ROW_WG)
        y[base + i] = (x[base + i] - mean) * inv * params[i] + params[W + i];
#endif
}
