// attention, flash style: for batch b, head h, query s:
//   ctx[b*seq + s, h*D + d] = sum_j softmax_j(q . k_j * scale + mask_j) v_j[d]
// with q, k, v the three column blocks of qkv [tokens, 3 * hidden] and mask_j = 0 for a
// real key, VKB_NEG_MAX for padding (as Hugging Face's additive mask). The workgroup's
// 64 queries walk the keys in blocks of KB staged through shared memory (each key read
// from global memory once per workgroup, not once per query); every score updates a
// running max and sum (online softmax), so the seq x seq score matrix is never stored and
// a fully masked row degrades exactly as Hugging Face's does.
// Rotary positions (pc.rope > 0: RoPE, GPT-NeoX's non-interleaved form, on the first pc.rope
// dimensions of q and k) are applied as q and k are read, from a cos/sin table, never as a pass
// of their own. A local window (pc.window, ModernBERT's local layers) masks the keys further than
// pc.window from the query exactly as Hugging Face's sliding-window mask does (finfo.min), and
// the workgroup walks only the keys its 64 queries can see: work grows as seq x window. ALiBi
// (pc.alibi, JinaBERT) adds -slope_h |s - j| to every score, the slope computed here per head.
// Bindings: 0 qkv (read), 1 input int32 (attention mask at mask_offset; the rotary table, floats,
// at rope_offset: it lives in the session's input buffer, so that no kernel needs a fifth storage
// buffer), 2 ctx (write); attention_probs (PROBS) also 3 probs (write):
// probs[((b * heads + h) * seq + s) * seq + j], the softmax itself, from a second pass over the
// keys once the row's max and sum are known.
// Push: vkb_push_attention. Workgroup 64; grid (ceil(seq/64), heads, batch): all heads in
// one dispatch. Shared memory: under 16 KiB. Spec constant 0: D, the head dimension (at
// most 256); KB keys per block (31 for D = 64, 7 for D = 256). Loops over the head dimension are
// unrolled: lavapipe stops a shader loop after a fixed number of iterations (gallivm's
// guard against hangs), which 384+ keys x 64 dimensions reached.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#define VKB_WANT_ATTENTION 1
#include "common.glsl"

layout(local_size_x = VKB_ATTENTION_QUERIES) in;
layout(constant_id = 0) const uint D = 64;
// keys per block: K and V blocks plus the block's mask stay within Vulkan's guaranteed
// 16 KiB of shared memory (8 * KB * D + 4 * KB bytes)
const uint KB_FIT = 16000 / (8 * D + 4);
const uint KB = KB_FIT < 64 ? KB_FIT : 64;

layout(std430, binding = 0) readonly buffer QkvBuf { float qkv[]; };
layout(std430, binding = 1) readonly buffer InBuf { int inputs[]; };
layout(std430, binding = 2) writeonly buffer CtxBuf { float ctx[]; };
#ifdef PROBS
layout(std430, binding = 3) writeonly buffer ProbBuf { float probs[]; };
#endif

shared float ks[KB * D];
shared float vs[KB * D];
shared float maskv[KB];

// Element d of the q or k row at qkv[base...] of position pos, rotated where pc.rope says:
// x[d] cos - x[d + R/2] sin below R/2, x[d] cos + x[d - R/2] sin from R/2 to R (rotate_half).
float rotated(uint base, uint d, uint pos) {
    float x = qkv[base + d];
    if (d >= pc.rope) return x;
    uint hr = pc.rope / 2, tb = pc.rope_offset + pos * pc.rope;
    bool lo = d < hr;
    uint i = lo ? d : d - hr;
    float y = qkv[base + (lo ? d + hr : d - hr)];
    return x * intBitsToFloat(inputs[tb + i]) + (lo ? -y : y) * intBitsToFloat(inputs[tb + hr + i]);
}

// The additive mask of key j (in-sequence index) for query s: 0, or finfo.min for padding and
// for a key outside the local window; minus slope |s - j| (ALiBi; slope 0 without it).
float key_mask(float padmask, uint s, uint j, float slope) {
    uint dist = s > j ? s - j : j - s;
    bool far = pc.window != VKB_ATTENTION_GLOBAL && dist > pc.window;
    return (far ? VKB_NEG_MAX : padmask) - slope * float(dist);
}

void main() {
    uint s = gl_GlobalInvocationID.x;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint l = gl_LocalInvocationID.x;
    bool live = s < pc.seq && b * pc.seq + s < pc.tokens;  // lanes past the end still help load
    uint t = b * pc.seq + min(s, pc.seq - 1);
    uint row = 3 * pc.hidden;
    uint qbase = t * row + h * D;

    uint sq = min(s, pc.seq - 1);
    float slope = pc.alibi != 0u ? vkb_alibi_slope(h, pc.heads) : 0.0;
    float q[D];
    float acc[D];
    [[unroll]] for (uint d = 0; d < D; ++d) { q[d] = rotated(qbase, d, sq); acc[d] = 0.0; }
    float m = -1.0 / 0.0;   // running max
    float sum = 0.0;        // running sum of exp

    // the keys this workgroup's queries can see
    uint q0 = gl_WorkGroupID.x * VKB_ATTENTION_QUERIES, jlo = 0, jhi = pc.seq;
    if (pc.window != VKB_ATTENTION_GLOBAL) {
        jlo = q0 > pc.window ? q0 - pc.window : 0;
        jhi = min(pc.seq, q0 + VKB_ATTENTION_QUERIES + pc.window);
    }
    for (uint j0 = jlo; j0 < jhi; j0 += KB) {
        uint n = min(KB, jhi - j0);
        for (uint e = l; e < n * D; e += VKB_ATTENTION_QUERIES) {
            uint j = e / D, d = e % D;
            uint kbase = (b * pc.seq + j0 + j) * row + pc.hidden + h * D;
            ks[e] = rotated(kbase, d, j0 + j);
            vs[e] = qkv[kbase + pc.hidden + d];
        }
        for (uint j = l; j < n; j += VKB_ATTENTION_QUERIES)
            maskv[j] = inputs[pc.mask_offset + b * pc.seq + j0 + j] != 0 ? 0.0 : VKB_NEG_MAX;
        barrier();
        if (live) {
            for (uint j = 0; j < n; ++j) {
                float sc = 0.0;
                [[unroll]] for (uint d = 0; d < D; ++d) sc = fma(q[d], ks[j * D + d], sc);
                sc = sc * pc.scale + key_mask(maskv[j], sq, j0 + j, slope);
                float mn = max(m, sc);
                float corr = exp(m - mn);
                float p = exp(sc - mn);
                sum = sum * corr + p;
                [[unroll]] for (uint d = 0; d < D; ++d) acc[d] = fma(acc[d], corr, p * vs[j * D + d]);
                m = mn;
            }
        }
        barrier();
    }
#ifndef PROBS
    if (!live) return;
#endif
    float inv = 1.0 / sum;
    uint obase = t * pc.hidden + h * D;
    if (live) {
        [[unroll]] for (uint d = 0; d < D; ++d) ctx[obase + d] = acc[d] * inv;
    }
#ifdef PROBS
    // every lane stays for the barriers; the scores again, each now exp(score - max) / sum
    uint pbase = ((b * pc.heads + h) * pc.seq + sq) * pc.seq;
    for (uint j0 = 0; j0 < pc.seq; j0 += KB) {
        uint n = min(KB, pc.seq - j0);
        for (uint e = l; e < n * D; e += VKB_ATTENTION_QUERIES) {
            uint j = e / D, d = e % D;
            ks[e] = rotated((b * pc.seq + j0 + j) * row + pc.hidden + h * D, d, j0 + j);
        }
        for (uint j = l; j < n; j += VKB_ATTENTION_QUERIES)
            maskv[j] = inputs[pc.mask_offset + b * pc.seq + j0 + j] != 0 ? 0.0 : VKB_NEG_MAX;
        barrier();
        if (live) {
            for (uint j = 0; j < n; ++j) {
                float sc = 0.0;
                [[unroll]] for (uint d = 0; d < D; ++d) sc = fma(q[d], ks[j * D + d], sc);
                probs[pbase + j0 + j] = exp(sc * pc.scale + key_mask(maskv[j], sq, j0 + j, slope) - m) * inv;
            }
        }
        barrier();
    }
#endif
}
