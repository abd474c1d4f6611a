// bandwidth: dst[i] = src[i] * scale over vec4 elements, for `vkbert bench --peak`.
// Bindings: 0 src vec4[count] (read), 1 dst vec4[count] (write). Push: vkb_push_peak
// (iters = vec4 count). Workgroup 64; bytes moved = 32 * count.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_PEAK 1
#include "common.glsl"

layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer SrcBuf { vec4 src[]; };
layout(std430, binding = 1) writeonly buffer DstBuf { vec4 dst[]; };

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64;
    if (i >= pc.iters) return;
    dst[i] = src[i] * pc.scale;
}
