// matmul: Y[m, n] = act(X[m, :] . W[n, :] + b[n])        (ACCUM = 0)
//         Y[m, n] = Y[m, n] + X[m, :] . W[n, :] + b[n]    (ACCUM = 1, residual add)
// Bindings: 0 X [m, k] (read), 1 W [n, k] (read, PyTorch Linear layout),
//           2 b [n] (read), 3 Y [m, n] (read/write).
// Push: vkb_push_matmul. Workgroup 16 x 4; each invocation computes a TM x TN block,
// rows strided by 4 and columns by 16 so neighbouring lanes touch neighbouring columns.
// Spec constants: 0 ACT (0 none, 1 exact GELU, 2 tanh, 3 ReLU, 4 tanh GELU: vkb_act), 1 ACCUM (0 store, 1 add to Y).
// Built twice: with W_F16 defined (matmul_f16w) W holds float16 values (16-bit storage),
// converted on load; the arithmetic stays fp32.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_MATMUL 1
#include "common.glsl"

layout(local_size_x = VKB_MATMUL_WG_X, local_size_y = VKB_MATMUL_WG_Y, local_size_z = 1) in;
layout(constant_id = 0) const uint ACT = 0;
layout(constant_id = 1) const uint ACCUM = 0;

layout(std430, binding = 0) readonly buffer XBuf { float x[]; };
#ifdef W_F16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(std430, binding = 1) readonly buffer WBuf { float16_t w[]; };
#else
layout(std430, binding = 1) readonly buffer WBuf { float w[]; };
#endif
layout(std430, binding = 2) readonly buffer BBuf { float bias[]; };
layout(std430, binding = 3) buffer YBuf { float y[]; };

#define TM VKB_MATMUL_TM
#define TN VKB_MATMUL_TN

void main() {
    uint row0 = gl_WorkGroupID.y * (VKB_MATMUL_WG_Y * TM) + gl_LocalInvocationID.y;
    uint col0 = gl_WorkGroupID.x * (VKB_MATMUL_WG_X * TN) + gl_LocalInvocationID.x;
    if (row0 >= pc.m || col0 >= pc.n) return;

    // Clamp out-of-range rows/columns to valid ones for loading; they are not stored.
    uint xr[TM];
    uint wr[TN];
    for (uint i = 0; i < TM; ++i) xr[i] = pc.x_offset + min(row0 + VKB_MATMUL_WG_Y * i, pc.m - 1) * pc.k;
    for (uint j = 0; j < TN; ++j) wr[j] = pc.w_offset + min(col0 + VKB_MATMUL_WG_X * j, pc.n - 1) * pc.k;

    float acc[TM][TN];
    for (uint i = 0; i < TM; ++i)
        for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;

    for (uint kk = 0; kk < pc.k; ++kk) {
        float a[TM];
        float b[TN];
        for (uint i = 0; i < TM; ++i) a[i] = x[xr[i] + kk];
        for (uint j = 0; j < TN; ++j) b[j] = float(w[wr[j] + kk]);
        for (uint i = 0; i < TM; ++i)
            for (uint j = 0; j < TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }

    for (uint i = 0; i < TM; ++i) {
        uint r = row0 + VKB_MATMUL_WG_Y * i;
        if (r >= pc.m) break;
        for (uint j = 0; j < TN; ++j) {
            uint c = col0 + VKB_MATMUL_WG_X * j;
            if (c >= pc.n) break;
            float v = acc[i][j] + bias[pc.b_offset + c];
            v = vkb_act(v, ACT);
            uint yi = pc.y_offset + r * pc.ldy + c;
            if (ACCUM == 1) v += y[yi];
            y[yi] = v;
        }
    }
}
