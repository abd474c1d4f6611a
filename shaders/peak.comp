// peak: the device's own fp32 FMA throughput, for `vkbert bench --peak`.
// Each invocation runs `iters` (even) rounds of 8 independent vec4 FMA chains (8 chains x
// 4 components x 2 FLOP = 64 FLOP per round), two rounds per loop iteration so that loop
// overhead stays out of the figure, and writes one value so the work cannot be optimised
// away. Bindings: 0 out [invocations]. Push: vkb_push_peak.
// Workgroup 64. FLOP per dispatch = 64 * ITERS * invocations.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_PEAK 1
#include "common.glsl"

layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer OutBuf { float outp[]; };

void main() {
    uint id = gl_GlobalInvocationID.x;
    vec4 s = vec4(float(id) * 1e-9);
    vec4 a0 = s + 0.1, a1 = s + 0.2, a2 = s + 0.3, a3 = s + 0.4, a4 = s + 0.5, a5 = s + 0.6, a6 = s + 0.7, a7 = s + 0.8;
    vec4 m = vec4(pc.scale), c = vec4(pc.offset);
    for (uint i = 0; i < pc.iters; i += 2) {
        a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
        a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
        a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
        a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    }
    vec4 t = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    outp[id] = t.x + t.y + t.z + t.w;
}
