// matmul_tiled: matmul.comp's math (Y[m, n] (+)= act(X[m, :] . W[n, :] + b[n])) in the
// classic GPU design: a BM x BN output tile per workgroup, X and W staged through shared
// memory in BK-deep slices with vec4 global loads, each invocation accumulating a TM x TN
// register block. The variant for discrete and integrated GPUs.
// Bindings: 0 X [m, k], 1 W [n, k] (float, or float16 with W_F16), 2 b [n], 3 Y [m, n].
// Push: vkb_push_matmul. Workgroup WG_X x WG_Y (spec constants 3, 4; at most 128
// invocations by default 16 x 8); tile BM = WG_Y * TM rows, BN = WG_X * TN columns
// (TM, TN spec constants 5, 6, default 8 x 4 -> 64 x 64), BK = 16.
// Shared memory: (BM + BN) * BK * 4 bytes (8 KiB by default).
// Spec constants 0 ACT, 1 ACCUM as matmul.comp.
// Built three times: fp32; W_F16 (float16 weights, fp32 arithmetic); W_F16 + F16_ARITH
// (the tiles are float16 in shared memory and each BK-deep slice is summed with float16
// FMAs, then added into fp32 accumulators: fp16 arithmetic with fp32 accumulation, for
// devices with shaderFloat16).
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_MATMUL 1
#include "common.glsl"

layout(local_size_x_id = 3, local_size_y_id = 4) in;
layout(constant_id = 0) const uint ACT = 0;
layout(constant_id = 1) const uint ACCUM = 0;
layout(constant_id = 3) const uint WG_X = 16;
layout(constant_id = 4) const uint WG_Y = 8;
layout(constant_id = 5) const uint TM = 8;
layout(constant_id = 6) const uint TN = 4;
const uint BM = WG_Y * TM;
const uint BN = WG_X * TN;
const uint BK = 16;
const uint THREADS = WG_X * WG_Y;

layout(std430, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, binding = 0) readonly buffer XBuf4 { vec4 x4[]; };   // the same buffer, for vec4 loads
#ifdef W_F16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(std430, binding = 1) readonly buffer WBuf { float16_t w[]; };
#else
layout(std430, binding = 1) readonly buffer WBuf { float w[]; };
layout(std430, binding = 1) readonly buffer WBuf4 { vec4 w4[]; };
#endif
layout(std430, binding = 2) readonly buffer BBuf { float bias[]; };
layout(std430, binding = 3) buffer YBuf { float y[]; };

#ifdef F16_ARITH
#define TILE_T float16_t
#else
#define TILE_T float
#endif
shared TILE_T xs[BK * BM];   // xs[kk * BM + row]
shared TILE_T ws[BK * BN];   // ws[kk * BN + col]

void main() {
    uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
    uint tid = ty * WG_X + tx;
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;

    float acc[TM * TN];
    for (uint i = 0; i < TM * TN; ++i) acc[i] = 0.0;

    for (uint k0 = 0; k0 < pc.k; k0 += BK) {
        // stage X[m0 .. m0+BM, k0 .. k0+BK) and W[n0 .. n0+BN, k0 .. k0+BK), zero outside;
        // vec4 loads where k and the offsets are multiples of 4 (k0 always is)
        bool vec = pc.k % 4 == 0 && pc.x_offset % 4 == 0 && pc.w_offset % 4 == 0;
        if (vec) {
            for (uint e = tid; e < BM * BK / 4; e += THREADS) {
                uint r = e / (BK / 4), kk = (e % (BK / 4)) * 4;
                uint gm = m0 + r, gk = k0 + kk;
                vec4 v = (gm < pc.m && gk < pc.k) ? x4[(pc.x_offset + gm * pc.k + gk) / 4] : vec4(0.0);
                xs[kk * BM + r] = TILE_T(v.x); xs[(kk + 1) * BM + r] = TILE_T(v.y);
                xs[(kk + 2) * BM + r] = TILE_T(v.z); xs[(kk + 3) * BM + r] = TILE_T(v.w);
            }
#ifndef W_F16
            for (uint e = tid; e < BN * BK / 4; e += THREADS) {
                uint c = e / (BK / 4), kk = (e % (BK / 4)) * 4;
                uint gn = n0 + c, gk = k0 + kk;
                vec4 v = (gn < pc.n && gk < pc.k) ? w4[(pc.w_offset + gn * pc.k + gk) / 4] : vec4(0.0);
                ws[kk * BN + c] = TILE_T(v.x); ws[(kk + 1) * BN + c] = TILE_T(v.y);
                ws[(kk + 2) * BN + c] = TILE_T(v.z); ws[(kk + 3) * BN + c] = TILE_T(v.w);
            }
#endif
        }
        for (uint e = tid; e < BM * BK && !vec; e += THREADS) {
            uint r = e / BK, kk = e % BK;
            uint gm = m0 + r, gk = k0 + kk;
            xs[kk * BM + r] = TILE_T((gm < pc.m && gk < pc.k) ? x[pc.x_offset + gm * pc.k + gk] : 0.0);
        }
#ifdef W_F16
        for (uint e = tid; e < BN * BK; e += THREADS) {
#else
        for (uint e = tid; e < BN * BK && !vec; e += THREADS) {
#endif
            uint c = e / BK, kk = e % BK;
            uint gn = n0 + c, gk = k0 + kk;
            ws[kk * BN + c] = TILE_T((gn < pc.n && gk < pc.k) ? float(w[pc.w_offset + gn * pc.k + gk]) : 0.0);
        }
        barrier();
#ifdef F16_ARITH
        float16_t part[TM * TN];
        for (uint i = 0; i < TM * TN; ++i) part[i] = float16_t(0.0);
#endif
        for (uint kk = 0; kk < BK; ++kk) {
            TILE_T a[TM];
            TILE_T b[TN];
            for (uint i = 0; i < TM; ++i) a[i] = xs[kk * BM + ty + i * WG_Y];
            for (uint j = 0; j < TN; ++j) b[j] = ws[kk * BN + tx + j * WG_X];
            for (uint i = 0; i < TM; ++i)
                for (uint j = 0; j < TN; ++j)
#ifdef F16_ARITH
                    part[i * TN + j] = fma(a[i], b[j], part[i * TN + j]);
#else
                    acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]);
#endif
        }
#ifdef F16_ARITH
        for (uint i = 0; i < TM * TN; ++i) acc[i] += float(part[i]);
#endif
        barrier();
    }

    for (uint i = 0; i < TM; ++i) {
        uint r = m0 + ty + i * WG_Y;
        if (r >= pc.m) continue;
        for (uint j = 0; j < TN; ++j) {
            uint c = n0 + tx + j * WG_X;
            if (c >= pc.n) continue;
            float v = acc[i * TN + j] + bias[pc.b_offset + c];
            v = vkb_act(v, ACT);
            uint yi = pc.y_offset + r * pc.ldy + c;
            if (ACCUM == 1) v += y[yi];
            y[yi] = v;
        }
    }
}
