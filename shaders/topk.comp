// topk: for each row r of logits [rows, vocab]:
//   ids[r, i], probs[r, i] = the i-th largest logit (ties: lower id first) and its
//   softmax probability exp(l - max) / sum(exp(l - max)), for i < k.
// Bindings: 0 logits (read), 1 ids int32 [row0 + rows, k] (write), 2 probs [row0 + rows, k]
// (write): a part of the logits writes its rows after row0.
// Push: vkb_push_topk. Workgroup 128; one workgroup per row; k rounds of a block argmax
// that skips everything already taken (O(k * vocab) per row, k <= 64).
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_TOPK 1
#include "common.glsl"

layout(local_size_x = 128) in;
layout(std430, binding = 0) readonly buffer LBuf { float logits[]; };
layout(std430, binding = 1) writeonly buffer IBuf { int ids[]; };
layout(std430, binding = 2) writeonly buffer PBuf { float probs[]; };

shared float sv[128];
shared uint si[128];

// true when (va, ia) ranks before (vb, ib): larger value, then lower index.
bool before(float va, uint ia, float vb, uint ib) { return va > vb || (va == vb && ia < ib); }

void reduce_best(inout float v, inout uint i) {
    uint l = gl_LocalInvocationID.x;
    sv[l] = v; si[l] = i;
    barrier();
    for (uint s = 64; s > 0; s >>= 1) {
        if (l < s && before(sv[l + s], si[l + s], sv[l], si[l])) { sv[l] = sv[l + s]; si[l] = si[l + s]; }
        barrier();
    }
    v = sv[0]; i = si[0];
    barrier();
}

void main() {
    uint r = vkb_row();
    if (r >= pc.rows) return;
    uint l = gl_LocalInvocationID.x;
    uint base = r * pc.vocab;
    const uint NONE = 0xffffffffu;

    float mx = -1.0 / 0.0; uint mi = NONE;
    for (uint i = l; i < pc.vocab; i += 128) {
        float v = logits[base + i];
        if (mi == NONE || before(v, i, mx, mi)) { mx = v; mi = i; }
    }
    reduce_best(mx, mi);

    float s = 0.0;
    for (uint i = l; i < pc.vocab; i += 128) s += exp(logits[base + i] - mx);
    sv[l] = s;
    barrier();
    for (uint st = 64; st > 0; st >>= 1) {
        if (l < st) sv[l] += sv[l + st];
        barrier();
    }
    float total = sv[0];
    barrier();

    float pv = mx; uint pi = mi;   // the previous pick; round 0 is the maximum itself
    for (uint round = 0; round < pc.k; ++round) {
        if (round > 0) {
            float bv = -1.0 / 0.0; uint bi = NONE;
            for (uint i = l; i < pc.vocab; i += 128) {
                float v = logits[base + i];
                if (before(pv, pi, v, i) && (bi == NONE || before(v, i, bv, bi))) { bv = v; bi = i; }
            }
            reduce_best(bv, bi);
            pv = bv; pi = bi;
        }
        if (l == 0) {
            ids[(pc.row0 + r) * pc.k + round] = pi == NONE ? -1 : int(pi);
            probs[(pc.row0 + r) * pc.k + round] = pi == NONE ? 0.0 : exp(pv - mx) / total;
        }
    }
}
