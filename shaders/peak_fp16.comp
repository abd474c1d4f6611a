// peak_fp16: as peak.comp with float16 arithmetic (needs shaderFloat16).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define VKB_WANT_PEAK 1
#include "common.glsl"

layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer OutBuf { float outp[]; };

void main() {
    uint id = gl_GlobalInvocationID.x;
    f16vec4 s = f16vec4(float(id & 7u) * 1e-3);
    f16vec4 a0 = s + 0.1hf, a1 = s + 0.2hf, a2 = s + 0.3hf, a3 = s + 0.4hf, a4 = s + 0.5hf, a5 = s + 0.6hf,
            a6 = s + 0.7hf, a7 = s + 0.8hf;
    f16vec4 m = f16vec4(pc.scale), c = f16vec4(pc.offset);
    for (uint i = 0; i < pc.iters; i += 2) {
        a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
        a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
        a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
        a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    }
    f16vec4 t = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    outp[id] = float(t.x + t.y + t.z + t.w);
}
