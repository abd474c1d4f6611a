// peak_coopmat: the device's cooperative-matrix throughput (float16 operands, float32
// accumulation), for bench --peak: each subgroup runs four independent chains of
// coopMatMulAdd on CM x CN x CK matrices held in registers, 4 * 2 * CM * CN * CK FLOP per
// round. Spec constants: 0 SUB (the required subgroup size), 1 CM, 2 CN, 3 CK, 4 the
// workgroup size (4 * SUB). Binding 0: one CM x CN float tile per subgroup. Compiled for
// Vulkan 1.3 (shaders/kernels.cmake).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define VKB_WANT_PEAK 1
#include "common.glsl"

layout(local_size_x_id = 4) in;
layout(constant_id = 0) const uint SUB = 32;
layout(constant_id = 1) const uint CM = 16;
layout(constant_id = 2) const uint CN = 16;
layout(constant_id = 3) const uint CK = 16;
layout(constant_id = 4) const uint WG = 128;
layout(std430, binding = 0) writeonly buffer OutBuf { float outp[]; };

void main() {
    coopmat<float16_t, gl_ScopeSubgroup, CM, CK, gl_MatrixUseA> a =
        coopmat<float16_t, gl_ScopeSubgroup, CM, CK, gl_MatrixUseA>(float16_t(pc.scale));
    coopmat<float16_t, gl_ScopeSubgroup, CK, CN, gl_MatrixUseB> b =
        coopmat<float16_t, gl_ScopeSubgroup, CK, CN, gl_MatrixUseB>(float16_t(pc.offset));
    coopmat<float, gl_ScopeSubgroup, CM, CN, gl_MatrixUseAccumulator> c0 =
        coopmat<float, gl_ScopeSubgroup, CM, CN, gl_MatrixUseAccumulator>(0.0);
    coopmat<float, gl_ScopeSubgroup, CM, CN, gl_MatrixUseAccumulator> c1 = c0, c2 = c0, c3 = c0;
    for (uint i = 0; i < pc.iters; ++i) {
        a = a * float16_t(pc.scale);  // keeps a compiler from hoisting a * b out of the loop
        c0 = coopMatMulAdd(a, b, c0);
        c1 = coopMatMulAdd(a, b, c1);
        c2 = coopMatMulAdd(a, b, c2);
        c3 = coopMatMulAdd(a, b, c3);
    }
    for (uint i = 0; i < c0.length(); ++i) c0[i] += c1[i] + c2[i] + c3[i];
    uint tile = gl_WorkGroupID.x * (WG / SUB) + gl_SubgroupID;
    coopMatStore(c0, outp, tile * CM * CN, CN, gl_CooperativeMatrixLayoutRowMajor);
}
