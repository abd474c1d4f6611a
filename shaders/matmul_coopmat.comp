// matmul_coopmat: matmul.comp's math (Y[m, n] (+)= act(X[m, :] . W[n, :] + b[n])) on the GPU's
// matrix units through VK_KHR_cooperative_matrix: float16 operands, float32 accumulation.
// A workgroup of 4 subgroups (2 x 2) computes a BM x BN output tile; each subgroup holds
// RM x RN accumulator matrices of CM x CN (the device's cooperative-matrix shape, from
// vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR: 8 x 8 x 8 on lavapipe, 16 x 16 x 16 or
// 16 x 8 x 16 on NVIDIA, AMD and Intel). X and W are staged through shared memory as float16
// in BK = 2 * CK deep slices (zero outside the matrix, so any m, n, k works), and each
// accumulator is written out through a per-subgroup CM x CN float scratch where the epilogue
// (bias, activation, accumulate) runs element by element as in the other matmuls.
// Bindings: 0 X [m, k] float, 1 W [n, k] (float, or float16 with W_F16), 2 b [n], 3 Y [m, n].
// Push: vkb_push_matmul. Spec constants: 0 ACT, 1 ACCUM as matmul.comp; 2 SUB (the subgroup
// size the pipeline requires, VK_EXT_subgroup_size_control); 3 CM, 4 CN, 5 CK; 6 the
// workgroup size, 4 * SUB. Compiled for Vulkan 1.3 (shaders/kernels.cmake).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define VKB_WANT_MATMUL 1
#include "common.glsl"

layout(local_size_x_id = 6) in;
layout(constant_id = 0) const uint ACT = 0;
layout(constant_id = 1) const uint ACCUM = 0;
layout(constant_id = 2) const uint SUB = 32;
layout(constant_id = 3) const uint CM = 16;
layout(constant_id = 4) const uint CN = 16;
layout(constant_id = 5) const uint CK = 16;
layout(constant_id = 6) const uint WG = 128;
const uint RM = 2, RN = 2;        // accumulators per subgroup
const uint SG_Y = 2, SG_X = 2;    // subgroups per workgroup
const uint BM = SG_Y * RM * CM, BN = SG_X * RN * CN, BK = 2 * CK;
const uint BKP = BK + 8;          // padded row: fewer shared-memory bank conflicts

layout(std430, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, binding = 0) readonly buffer XBuf4 { vec4 x4[]; };
#ifdef W_F16
#extension GL_EXT_shader_16bit_storage : require
layout(std430, binding = 1) readonly buffer WBuf { float16_t w[]; };
layout(std430, binding = 1) readonly buffer WBuf4 { f16vec4 w4[]; };
#else
layout(std430, binding = 1) readonly buffer WBuf { float w[]; };
layout(std430, binding = 1) readonly buffer WBuf4 { vec4 w4[]; };
#endif
layout(std430, binding = 2) readonly buffer BBuf { float bias[]; };
layout(std430, binding = 3) buffer YBuf { float y[]; };

shared float16_t xs[BM * BKP];    // xs[row * BKP + kk]
shared float16_t ws[BN * BKP];    // ws[col * BKP + kk]: W's rows, so B = W^T is column-major
shared float scratch[4 * CM * CN];

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint sg = gl_SubgroupID, lane = gl_SubgroupInvocationID;
    uint sy = sg / SG_X, sx = sg % SG_X;
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;

    coopmat<float, gl_ScopeSubgroup, CM, CN, gl_MatrixUseAccumulator> acc[RM * RN];
    for (uint i = 0; i < RM * RN; ++i)
        acc[i] = coopmat<float, gl_ScopeSubgroup, CM, CN, gl_MatrixUseAccumulator>(0.0);

    bool vx = pc.k % 4 == 0 && pc.x_offset % 4 == 0;
    bool vw = pc.k % 4 == 0 && pc.w_offset % 4 == 0;
    for (uint k0 = 0; k0 < pc.k; k0 += BK) {
        // stage X[m0 .. m0+BM, k0 .. k0+BK) and W[n0 .. n0+BN, k0 .. k0+BK), zero outside
        if (vx) {
            for (uint e = tid; e < BM * BK / 4; e += WG) {
                uint r = e / (BK / 4), kk = (e % (BK / 4)) * 4;
                uint gm = m0 + r, gk = k0 + kk;
                f16vec4 v = f16vec4((gm < pc.m && gk < pc.k) ? x4[(pc.x_offset + gm * pc.k + gk) / 4] : vec4(0.0));
                uint s = r * BKP + kk;
                xs[s] = v.x; xs[s + 1] = v.y; xs[s + 2] = v.z; xs[s + 3] = v.w;
            }
        } else {
            for (uint e = tid; e < BM * BK; e += WG) {
                uint r = e / BK, kk = e % BK;
                uint gm = m0 + r, gk = k0 + kk;
                xs[r * BKP + kk] = float16_t((gm < pc.m && gk < pc.k) ? x[pc.x_offset + gm * pc.k + gk] : 0.0);
            }
        }
        if (vw) {
            for (uint e = tid; e < BN * BK / 4; e += WG) {
                uint c = e / (BK / 4), kk = (e % (BK / 4)) * 4;
                uint gn = n0 + c, gk = k0 + kk;
                f16vec4 v = (gn < pc.n && gk < pc.k) ? f16vec4(w4[(pc.w_offset + gn * pc.k + gk) / 4]) : f16vec4(0.0);
                uint s = c * BKP + kk;
                ws[s] = v.x; ws[s + 1] = v.y; ws[s + 2] = v.z; ws[s + 3] = v.w;
            }
        } else {
            for (uint e = tid; e < BN * BK; e += WG) {
                uint c = e / BK, kk = e % BK;
                uint gn = n0 + c, gk = k0 + kk;
                ws[c * BKP + kk] = float16_t((gn < pc.n && gk < pc.k) ? float(w[pc.w_offset + gn * pc.k + gk]) : 0.0);
            }
        }
        barrier();
        for (uint kk = 0; kk < BK; kk += CK) {
            coopmat<float16_t, gl_ScopeSubgroup, CM, CK, gl_MatrixUseA> a[RM];
            coopmat<float16_t, gl_ScopeSubgroup, CK, CN, gl_MatrixUseB> b[RN];
            for (uint i = 0; i < RM; ++i)
                coopMatLoad(a[i], xs, (sy * RM * CM + i * CM) * BKP + kk, BKP, gl_CooperativeMatrixLayoutRowMajor);
            for (uint j = 0; j < RN; ++j)
                coopMatLoad(b[j], ws, (sx * RN * CN + j * CN) * BKP + kk, BKP, gl_CooperativeMatrixLayoutColumnMajor);
            for (uint i = 0; i < RM; ++i)
                for (uint j = 0; j < RN; ++j)
                    acc[i * RN + j] = coopMatMulAdd(a[i], b[j], acc[i * RN + j]);
        }
        barrier();
    }

    // epilogue: each accumulator through this subgroup's scratch, then element by element
    uint base = sg * CM * CN;
    for (uint i = 0; i < RM; ++i) {
        for (uint j = 0; j < RN; ++j) {
            coopMatStore(acc[i * RN + j], scratch, base, CN, gl_CooperativeMatrixLayoutRowMajor);
            subgroupMemoryBarrierShared();
            subgroupBarrier();
            uint r0 = m0 + sy * RM * CM + i * CM, c0 = n0 + sx * RN * CN + j * CN;
            for (uint e = lane; e < CM * CN; e += SUB) {
                uint r = r0 + e / CN, c = c0 + e % CN;
                if (r >= pc.m || c >= pc.n) continue;
                float v = vkb_act(scratch[base + e] + bias[pc.b_offset + c], ACT);
                uint yi = pc.y_offset + r * pc.ldy + c;
                if (ACCUM == 1) v += y[yi];
                y[yi] = v;
            }
            subgroupMemoryBarrierShared();
            subgroupBarrier();
        }
    }
}
