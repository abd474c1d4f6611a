// gather: out[r, :] = src[index[r] - src_row0, :]   (the rows the MLM head needs), for the
// indices inside src's rows; the others are left as they are.
// Bindings: 0 src [src_rows, width] (read), 1 index int32 (at index_offset), 2 out (write).
// Push: vkb_push_gather. Workgroup 128; one workgroup per output row.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_GATHER 1
#include "common.glsl"

layout(local_size_x = 128) in;
layout(std430, binding = 0) readonly buffer SrcBuf { float src[]; };
layout(std430, binding = 1) readonly buffer IdxBuf { int idx[]; };
layout(std430, binding = 2) writeonly buffer OutBuf { float outp[]; };

void main() {
    uint r = vkb_row();
    if (r >= pc.rows) return;
    // rows outside this part of src are another dispatch's (the host validates indices)
    int s = idx[pc.index_offset + r] - int(pc.src_row0);
    if (s < 0 || s >= int(pc.src_rows)) return;
    for (uint i = gl_LocalInvocationID.x; i < pc.width; i += 128)
        outp[r * pc.width + i] = src[uint(s) * pc.width + i];
}
