// attention_texel: attention.comp's math for CPU-backed drivers. q, k and v are read
// through a texel view of qkv (vectorised fetches; storage-buffer loads at lane-varying
// addresses become scalar loops there). Each lane holds one query; keys go in blocks of
// 8: each lane fetches one key's k (then v) row, and subgroupShuffle at constant lanes (a
// vector shuffle) hands it to the other lanes, so a key row is fetched once per 8 queries
// instead of once per query (each texel fetch is a call into the driver's sampling code
// on lavapipe). Online softmax per block. Needs 8-wide subgroups with shuffle, and the
// head dimension and the hidden size to be multiples of 4. Loops over the head dimension
// are unrolled: lavapipe stops a shader loop after a fixed number of iterations
// (gallivm's guard against hangs), which a long sequence times a large head would
// otherwise reach.
// Rotary positions and the local window as in attention.comp (rotation on whole texels: pc.rope
// must be a multiple of 8 here; the op sends other rotary widths to attention); ALiBi too.
// Bindings: 0 qkv as RGBA32F texel buffer ([tokens, 3 * hidden / 4] texels), 1 input int32
//           (attention mask at mask_offset, the rotary table at rope_offset, as attention.comp),
//           2 ctx [tokens, hidden] (write); attention_texel_probs (PROBS) also 3 probs (write):
//           probs[((b * heads + h) * seq + s) * seq + j], the softmax itself, from a second pass
//           over the keys once the row's max and sum are known.
// Push: vkb_push_attention. Workgroup 64 queries; grid (ceil(seq/64), heads, batch).
// Spec constant 0: D, the head dimension.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_basic : require
#define VKB_WANT_ATTENTION 1
#include "common.glsl"

layout(local_size_x = VKB_ATTENTION_QUERIES) in;
layout(constant_id = 0) const uint D = 64;

layout(binding = 0) uniform samplerBuffer qkv;
layout(std430, binding = 1) readonly buffer InBuf { int inputs[]; };
layout(std430, binding = 2) writeonly buffer CtxBuf { float ctx[]; };
#ifdef PROBS
layout(std430, binding = 3) writeonly buffer ProbBuf { float probs[]; };
#endif

const uint D4 = D / 4;

// Texel d of the q or k row starting at texel base, of position pos, rotated where pc.rope says
// (rotate_half, as attention.comp's rotated(); pc.rope a multiple of 8).
vec4 table4(uint i) {
    return intBitsToFloat(ivec4(inputs[i], inputs[i + 1], inputs[i + 2], inputs[i + 3]));
}
vec4 rotated4(int base, uint d, uint pos) {
    vec4 x = texelFetch(qkv, base + int(d));
    if (4 * d >= pc.rope) return x;
    uint hr4 = pc.rope / 8, tb = pc.rope_offset + pos * pc.rope;
    bool lo = d < hr4;
    uint i = lo ? d : d - hr4;
    vec4 y = texelFetch(qkv, base + int(lo ? d + hr4 : d - hr4));
    return x * table4(tb + 4 * i) + (lo ? -y : y) * table4(tb + pc.rope / 2 + 4 * i);
}

// A key's shuffled mask for query s: finfo.min also outside the local window (-inf past the
// sequence stays -inf); minus slope |s - j| (ALiBi; slope 0 without it).
float key_mask(float padmask, uint s, uint j, float slope) {
    uint dist = s > j ? s - j : j - s;
    bool far = pc.window != VKB_ATTENTION_GLOBAL && dist > pc.window;
    return (far ? min(padmask, VKB_NEG_MAX) : padmask) - slope * float(dist);
}

void main() {
    uint s = gl_GlobalInvocationID.x;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint lane = gl_SubgroupInvocationID;
    // No early return: every lane takes part in the shuffles. A lane past the sequence
    // works on its last query and writes nothing.
    bool live = s < pc.seq;
    uint t = b * pc.seq + min(s, pc.seq - 1);
    uint row4 = 3 * pc.hidden / 4;
    uint hd4 = h * D4, h4 = pc.hidden / 4;

    vec4 q[D4];
    vec4 acc[D4];
    uint sq = min(s, pc.seq - 1);
    float slope = pc.alibi != 0u ? vkb_alibi_slope(h, pc.heads) : 0.0;
    [[unroll]] for (uint d = 0; d < D4; ++d) {
        q[d] = rotated4(int(t * row4 + hd4), d, sq) * pc.scale;
        acc[d] = vec4(0.0);
    }
    float m = -1.0 / 0.0;
    float l = 0.0;
    // the keys this workgroup's queries can see, from a multiple of 8
    uint q0 = gl_WorkGroupID.x * VKB_ATTENTION_QUERIES, jlo = 0, jhi = pc.seq;
    if (pc.window != VKB_ATTENTION_GLOBAL) {
        jlo = (q0 > pc.window ? q0 - pc.window : 0) & ~7u;
        jhi = min(pc.seq, q0 + VKB_ATTENTION_QUERIES + pc.window);
    }
    for (uint j0 = jlo; j0 < jhi; j0 += 8) {
        // this lane's key of the block (the last key again past the sequence: weight 0)
        uint kt = b * pc.seq + min(j0 + lane, pc.seq - 1);
        int kbase = int(kt * row4 + h4 + hd4);
        float bias = j0 + lane >= pc.seq ? -1.0 / 0.0 : inputs[pc.mask_offset + kt] != 0 ? 0.0 : VKB_NEG_MAX;

        vec4 sv[8];   // sv[r]: partial dot products of this lane's query with key j0 + r
        [[unroll]] for (uint r = 0; r < 8; ++r) sv[r] = vec4(0.0);
        [[unroll]] for (uint d = 0; d < D4; ++d) {
            vec4 kd = rotated4(kbase, d, min(j0 + lane, pc.seq - 1));
            [[unroll]] for (uint r = 0; r < 8; ++r) sv[r] = fma(q[d], subgroupShuffle(kd, r), sv[r]);
        }
        float sc[8];
        float mn = m;
        [[unroll]] for (uint r = 0; r < 8; ++r) {
            sc[r] = (sv[r].x + sv[r].y) + (sv[r].z + sv[r].w) + key_mask(subgroupShuffle(bias, r), sq, j0 + r, slope);
            mn = max(mn, sc[r]);
        }
        float corr = exp(m - mn);   // the block's first key is in the sequence, so mn is finite
        float p[8];
        l *= corr;
        [[unroll]] for (uint r = 0; r < 8; ++r) {
            p[r] = exp(sc[r] - mn);
            l += p[r];
        }
        int vbase = kbase + int(h4);
        [[unroll]] for (uint d = 0; d < D4; ++d) {
            vec4 vd = texelFetch(qkv, vbase + int(d));
            vec4 a = acc[d] * corr;
            [[unroll]] for (uint r = 0; r < 8; ++r) a = fma(vec4(p[r]), subgroupShuffle(vd, r), a);
            acc[d] = a;
        }
        m = mn;
    }
#ifdef PROBS
    {   // every lane takes part in the shuffles again: the scores, each now exp(score - max) / sum
        float pinv = 1.0 / l;
        uint pbase = ((b * pc.heads + h) * pc.seq + sq) * pc.seq;
        for (uint j0 = 0; j0 < pc.seq; j0 += 8) {
            uint kt = b * pc.seq + min(j0 + lane, pc.seq - 1);
            int kbase = int(kt * row4 + h4 + hd4);
            float bias = j0 + lane >= pc.seq ? -1.0 / 0.0 : inputs[pc.mask_offset + kt] != 0 ? 0.0 : VKB_NEG_MAX;
            vec4 sv[8];
            [[unroll]] for (uint r = 0; r < 8; ++r) sv[r] = vec4(0.0);
            [[unroll]] for (uint d = 0; d < D4; ++d) {
                vec4 kd = rotated4(kbase, d, min(j0 + lane, pc.seq - 1));
                [[unroll]] for (uint r = 0; r < 8; ++r) sv[r] = fma(q[d], subgroupShuffle(kd, r), sv[r]);
            }
            [[unroll]] for (uint r = 0; r < 8; ++r) {
                float sc = (sv[r].x + sv[r].y) + (sv[r].z + sv[r].w) + key_mask(subgroupShuffle(bias, r), sq, j0 + r, slope);
                if (live && j0 + r < pc.seq) probs[pbase + j0 + r] = exp(sc - m) * pinv;
            }
        }
    }
#endif
    if (!live) return;
    float inv = 1.0 / l;
    uint obase = t * pc.hidden + h * D;
    [[unroll]] for (uint d = 0; d < D4; ++d) {
        vec4 o = acc[d] * inv;
        ctx[obase + 4 * d] = o.x;
        ctx[obase + 4 * d + 1] = o.y;
        ctx[obase + 4 * d + 2] = o.z;
        ctx[obase + 4 * d + 3] = o.w;
    }
}
