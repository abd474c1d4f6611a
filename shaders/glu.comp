// glu, the gated MLP's product (one small op after the one matmul that makes both halves):
//   out[r, i] = act(x[r, i]) * x[r, W + i]       (SECOND 0: ModernBERT's and JinaBERT's GeGLU)
//   out[r, i] = x[r, i] * act(x[r, W + i])       (SECOND 1: NomicBERT's SwiGLU, fc11(x) * silu(fc12(x)))
// with x [rows, 2W] at element 0 of binding 0 and out [rows, W] at pc.y_offset of the same
// binding (the two ranges do not overlap). Push: vkb_push_glu. One element per invocation,
// VKB_GLU_WG per workgroup, the workgroups spread over x and y (vkb_row()).
// Spec constants: 0 ACT (vkb_act's codes), 1 SECOND.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_GLU 1
#include "common.glsl"

layout(local_size_x = VKB_GLU_WG) in;
layout(constant_id = 0) const uint ACT = 1;
layout(constant_id = 1) const uint SECOND = 0;
layout(std430, binding = 0) buffer XBuf { float x[]; };

void main() {
    uint e = vkb_row() * VKB_GLU_WG + gl_LocalInvocationID.x;
    if (e >= pc.rows * pc.width) return;
    uint r = e / pc.width, i = e % pc.width;
    float a = x[r * 2 * pc.width + i], b = x[r * 2 * pc.width + pc.width + i];
    x[pc.y_offset + e] = SECOND == 0 ? vkb_act(a, ACT) * b : a * vkb_act(b, ACT);
}
