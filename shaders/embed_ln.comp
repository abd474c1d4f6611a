// embed_ln: out[t, :] = LN(word[id[t], :] + pos[p(t), :] + type[tt[t], :]) * gamma + beta, with
// p(t) = t % seq, or with pos_offset = padding_idx + 1 > 0 (RoBERTa, Hugging Face's
// create_position_ids_from_input_ids) p(t) = padding_idx + the count of real tokens (mask 1, id not
// padding_idx) from the start of t's sequence up to t, and padding_idx for t itself not real.
// Bindings: 0 input (int32: ids [tokens], then token types [tokens], then mask [tokens]),
//           1 word embeddings [vocab, hidden],
//           2 aux = position table [positions, hidden], type table [types, hidden],
//             gamma [hidden], beta [hidden] (packed at load time to stay within 4 bindings),
//           3 out [tokens, hidden].
// Push: vkb_push_embed. Workgroup 128; one workgroup per token.
// Spec constant 0 MODE: 0 the above in one pass; with the word table in parts (a table
// larger than one binding), 1 copies word rows id0 .. id0 + vocab - 1 of binding 1 (one
// part) into out for the tokens whose ids are there, and 2 then reads those rows back
// from out in place of word[] (binding 1 unused) and finishes the sum and normalisation.
#version 450
#extension GL_GOOGLE_include_directive : require
#define VKB_WANT_EMBED 1
#include "common.glsl"

layout(local_size_x = 128) in;
layout(constant_id = 0) const uint MODE = 0;
layout(std430, binding = 0) readonly buffer InBuf { int inputs[]; };
layout(std430, binding = 1) readonly buffer WordBuf { float word[]; };
layout(std430, binding = 2) readonly buffer AuxBuf { float aux[]; };
layout(std430, binding = 3) buffer OutBuf { float outp[]; };

shared float red[128];

// The word-embedding value: from the table, or (MODE 2) already copied into out.
float wordv(uint wbase, uint t, uint i) { return MODE == 2 ? outp[t * pc.hidden + i] : word[wbase + i]; }

float block_sum(float v) {
    uint l = gl_LocalInvocationID.x;
    red[l] = v;
    barrier();
    for (uint s = 64; s > 0; s >>= 1) {
        if (l < s) red[l] += red[l + s];
        barrier();
    }
    float r = red[0];
    barrier();
    return r;
}

void main() {
    uint t = vkb_row();
    if (t >= pc.tokens) return;
    uint l = gl_LocalInvocationID.x;
    uint H = pc.hidden;
    if (MODE == 1) {
        int rel = inputs[t] - int(pc.id0);
        if (rel < 0 || rel >= int(pc.vocab)) return;
        for (uint i = l; i < H; i += 128) outp[t * H + i] = word[uint(rel) * H + i];
        return;
    }
    // The host validates ids; clamping keeps a bad id from reading out of bounds.
    uint id = min(uint(max(inputs[t], 0)), pc.vocab - 1);
    uint tt = min(uint(max(inputs[pc.tokens + t], 0)), pc.types - 1);
    uint pos = t % pc.seq;
    if (pc.pos_offset != 0) { // uniform: every lane takes this branch or none
        uint s0 = t - pos, pad = pc.pos_offset - 1;
        float real = 0.0;
        for (uint j = s0 + l; j <= t; j += 128)
            real += (inputs[2 * pc.tokens + j] != 0 && inputs[j] != int(pad)) ? 1.0 : 0.0;
        uint count = uint(block_sum(real) + 0.5);
        bool self_real = inputs[2 * pc.tokens + t] != 0 && inputs[t] != int(pad);
        pos = self_real ? pad + count : pad;
    }
    pos = min(pos, pc.positions - 1);
    uint wbase = id * H;
    uint pbase = pos * H;
    uint tbase = (pc.positions + tt) * H;
    uint gbase = (pc.positions + pc.types) * H;

    float s = 0.0;
    for (uint i = l; i < H; i += 128) s += wordv(wbase, t, i) + aux[pbase + i] + aux[tbase + i];
    float mean = block_sum(s) / float(H);
    float v = 0.0;
    for (uint i = l; i < H; i += 128) {
        float d = wordv(wbase, t, i) + aux[pbase + i] + aux[tbase + i] - mean;
        v += d * d;
    }
    float inv = inversesqrt(block_sum(v) / float(H) + pc.eps);
    for (uint i = l; i < H; i += 128) {
        float e = wordv(wbase, t, i) + aux[pbase + i] + aux[tbase + i];
        outp[t * H + i] = (e - mean) * inv * aux[gbase + i] + aux[gbase + H + i];
    }
}
