// Configure-time probe (cmake/Dependencies.cmake): can the shader tools compile and validate
// GL_KHR_cooperative_matrix for Vulkan 1.3? glslang 13.0 and spirv-tools 2023.2 first could.
#version 450
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(local_size_x = 32) in;
layout(std430, binding = 0) buffer Buf { float v[]; };
shared float16_t s[64];
void main() {
    s[gl_LocalInvocationID.x] = float16_t(0.0);
    s[gl_LocalInvocationID.x + 32] = float16_t(0.0);
    barrier();
    coopmat<float16_t, gl_ScopeSubgroup, 8, 8, gl_MatrixUseA> a;
    coopmat<float16_t, gl_ScopeSubgroup, 8, 8, gl_MatrixUseB> b;
    coopmat<float, gl_ScopeSubgroup, 8, 8, gl_MatrixUseAccumulator> c = coopmat<float, gl_ScopeSubgroup, 8, 8, gl_MatrixUseAccumulator>(0.0);
    coopMatLoad(a, s, 0, 8, gl_CooperativeMatrixLayoutRowMajor);
    coopMatLoad(b, s, 0, 8, gl_CooperativeMatrixLayoutColumnMajor);
    c = coopMatMulAdd(a, b, c);
    coopMatStore(c, v, 0, 8, gl_CooperativeMatrixLayoutRowMajor);
}
