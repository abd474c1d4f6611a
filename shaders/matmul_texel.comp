// matmul_texel: the same math as matmul.comp (Y[m, n] (+)= act(X[m, :] . W[n, :] + b[n])),
// designed for CPU-backed drivers (lavapipe, SwiftShader-class): operands are read
// through texel buffers (vectorised fetches), each lane of an 8-wide subgroup loads one
// row of X and shares it with subgroupShuffle at constant lane indices, and W is repacked
// at load time so that the 8 lanes' fetches are contiguous. See PERF-NOTES.md.
// Bindings: 0 X as RGBA32F texel buffer ([m, k/4] texels), 1 W repacked as RGBA32F/RGBA16F
//           texel buffer (texel ((n/8) * k/4 + k4) * 8 + n%8), 2 b [n] (storage),
//           3 Y [m, n] (storage, read/write).
// Push: vkb_push_matmul (k must be a multiple of 4; w_offset unused).
// Workgroup: 32 invocations = 4 subgroups of 8; a subgroup computes 8 * RG rows x 32
// columns. Requires subgroup size 8 with shuffle support. Spec constants 0, 1 as
// matmul.comp; 2 ROW_MAJOR: 1 reads W in its plain [n, k/4] texel layout instead (a tied
// embedding table that other kernels also read row by row); 3 RG: row groups of 8 per
// subgroup, 1 to 4. More rows per W fetch is faster (each texel fetch is a call into the
// driver's sampling code on lavapipe: RG 4 is ~30% faster than 1 there), but a dispatch
// with few rows computes up to 8 * RG - 1 rows for nothing. RG 5 to 8 (tried with the
// same code) ran 4-5x slower than RG 4 on lavapipe, presumably out of registers.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_control_flow_attributes : require
#define VKB_WANT_MATMUL 1
#include "common.glsl"

layout(local_size_x = VKB_TEXEL_WG) in;
layout(constant_id = 0) const uint ACT = 0;
layout(constant_id = 1) const uint ACCUM = 0;
layout(constant_id = 2) const uint ROW_MAJOR = 0;
layout(constant_id = 3) const uint RG = 1;

layout(binding = 0) uniform samplerBuffer X;
layout(binding = 1) uniform samplerBuffer W;
layout(std430, binding = 2) readonly buffer BBuf { float bias[]; };
layout(std430, binding = 3) buffer YBuf { float y[]; };

#define C VKB_TEXEL_COL_GROUPS   // column groups of 8 per subgroup
const uint R = 8 * RG;   // rows per subgroup: RG groups of 8, one row of each per lane

// The subgroup's state, global so that step() can be written once for any RG.
int xrow[RG];    // texel of this lane's row of X in each row group
int wbase[C];    // texel of this lane's column of W in each column group, at k4 = 0
int wstep;       // texels between k4 and k4 + 1 of one column
vec4 acc[R];     // acc[r][j]: row m0 + r, column (g0 + j) * 8 + lane

// One k-step: 4 values of k for the subgroup's R rows x 32 columns. Each lane's row of X
// reaches the other lanes through subgroupShuffle at constant lanes (a vector shuffle).
void step(uint k4) {
    vec4 a[RG];
    [[unroll]] for (uint g = 0; g < RG; ++g) a[g] = texelFetch(X, xrow[g] + int(k4));
    int wk = int(k4) * wstep;
    vec4 w0 = texelFetch(W, wbase[0] + wk);
    vec4 w1 = texelFetch(W, wbase[1] + wk);
    vec4 w2 = texelFetch(W, wbase[2] + wk);
    vec4 w3 = texelFetch(W, wbase[3] + wk);
    [[unroll]] for (uint r = 0; r < R; ++r) {
        vec4 ar = subgroupShuffle(a[r / 8], r % 8);
        acc[r].x = fma(ar.x, w0.x, fma(ar.y, w0.y, fma(ar.z, w0.z, fma(ar.w, w0.w, acc[r].x))));
        acc[r].y = fma(ar.x, w1.x, fma(ar.y, w1.y, fma(ar.z, w1.z, fma(ar.w, w1.w, acc[r].y))));
        acc[r].z = fma(ar.x, w2.x, fma(ar.y, w2.y, fma(ar.z, w2.z, fma(ar.w, w2.w, acc[r].z))));
        acc[r].w = fma(ar.x, w3.x, fma(ar.y, w3.y, fma(ar.z, w3.z, fma(ar.w, w3.w, acc[r].w))));
    }
}

void main() {
    uint lane = gl_SubgroupInvocationID;
    uint sub = gl_SubgroupID;
    uint m0 = gl_WorkGroupID.y * R;
    uint g0 = (gl_WorkGroupID.x * (VKB_TEXEL_WG / VKB_TEXEL_ROW_GROUP) + sub) * C;   // first column group of this subgroup
    uint k4n = pc.k / 4;
    uint groups = (pc.n + 7) / 8;
    for (uint g = 0; g < RG; ++g) xrow[g] = int((pc.x_offset / 4) + min(m0 + g * 8 + lane, pc.m - 1) * k4n);
    wstep = ROW_MAJOR == 1 ? 1 : 8;   // texels between k4 and k4 + 1 of one row
    for (uint j = 0; j < C; ++j)
        wbase[j] = ROW_MAJOR == 1 ? int(min((g0 + j) * 8 + lane, pc.n - 1) * k4n)
                                  : int(min(g0 + j, groups - 1) * k4n * 8 + lane);

    for (uint r = 0; r < R; ++r) acc[r] = vec4(0.0);

    // two k-steps per loop iteration (then the odd one): loop overhead is significant on
    // CPU-backed drivers
    uint k4 = 0;
    for (; k4 + 1 < k4n; k4 += 2) {
        step(k4);
        step(k4 + 1);
    }
    if (k4 < k4n) step(k4);

    for (uint r = 0; r < R; ++r) {
        uint m = m0 + r;
        if (m >= pc.m) break;
        for (uint j = 0; j < C; ++j) {
            uint n = (g0 + j) * 8 + lane;
            if (n >= pc.n) continue;
            float v = acc[r][j] + bias[pc.b_offset + n];
            v = vkb_act(v, ACT);
            uint yi = pc.y_offset + m * pc.ldy + n;
            if (ACCUM == 1) v += y[yi];
            y[yi] = v;
        }
    }
}
