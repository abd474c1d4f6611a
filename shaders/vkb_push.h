/* Push-constant layouts, defined once for both GLSL (VKB_GLSL defined) and C.
 * A shader defines VKB_WANT_<KERNEL> before including common.glsl to get its block as `pc`.
 * Every field is 4 bytes; units are elements unless a name says otherwise. VKB_PUSH_END states
 * each struct's size in bytes once; the C side checks it (and that it fits VKB_PUSH_MAX_BYTES). */
#ifndef VKB_PUSH_H
#define VKB_PUSH_H

#ifdef VKB_GLSL
#  define VKB_PUSH_BEGIN(name) layout(push_constant) uniform name {
#  define VKB_PUSH_END(name, bytes) } pc;
#  define u32 uint
#  define f32 float
#else
#  include <stdint.h>
#  define VKB_PUSH_BEGIN(name) typedef struct name {
#  define VKB_PUSH_END(name, bytes) } name; \
    _Static_assert(sizeof(name) == (bytes) && (bytes) <= VKB_PUSH_MAX_BYTES, #name " push layout");
#  define u32 uint32_t
#  define f32 float
#endif

#define VKB_PUSH_MAX_BYTES 40

/* Workgroup shapes: the shaders' local sizes and the grids their ops dispatch, one number each.
 * matmul: VKB_MATMUL_WG_X x VKB_MATMUL_WG_Y invocations, each TM rows x TN columns. */
#define VKB_MATMUL_WG_X 16
#define VKB_MATMUL_WG_Y 4
#define VKB_MATMUL_TM 4
#define VKB_MATMUL_TN 4
/* matmul_texel: VKB_TEXEL_WG invocations = subgroups of VKB_TEXEL_ROW_GROUP lanes (one row of a
 * row group each), each subgroup VKB_TEXEL_COL_GROUPS column groups of 8. */
#define VKB_TEXEL_WG 32
#define VKB_TEXEL_ROW_GROUP 8
#define VKB_TEXEL_COL_GROUPS 4
#define VKB_TEXEL_COLS_PER_GROUP (VKB_TEXEL_WG / VKB_TEXEL_ROW_GROUP * VKB_TEXEL_COL_GROUPS * 8)
/* attention, attention_texel: one query per invocation */
#define VKB_ATTENTION_QUERIES 64
/* layernorm: one row per workgroup of VKB_ROW_WG; layernorm_rows: one row per invocation */
#define VKB_ROW_WG 128
#define VKB_LAYERNORM_ROWS_PER_GROUP 8

/* embed_ln: out[t,:] = LN(word[id[t]] + pos[t % seq] + type[tt[t]]); with the word table
 * in parts, MODE 1 copies the rows of one part (ids id0 .. id0 + vocab - 1) into out, and
 * MODE 2 then adds the rest and normalises out in place. */
#if !defined(VKB_GLSL) || defined(VKB_WANT_EMBED)
VKB_PUSH_BEGIN(vkb_push_embed)
    u32 tokens;      /* rows of the output */
    u32 seq;         /* positions per sequence */
    u32 hidden;
    u32 vocab;
    u32 positions;   /* rows of the position table inside aux */
    u32 types;       /* rows of the token-type table inside aux */
    f32 eps;
    u32 id0;         /* MODE 1: the first id of this part of the word table */
    u32 pos_offset;  /* 0: position t % seq; else RoBERTa's rule with padding_idx = pos_offset - 1 */
VKB_PUSH_END(vkb_push_embed, 36)
#endif

/* matmul: Y[m, n] (+)= act(X[m, :] . W[n, :] + b[n]) */
#if !defined(VKB_GLSL) || defined(VKB_WANT_MATMUL)
VKB_PUSH_BEGIN(vkb_push_matmul)
    u32 m;
    u32 n;
    u32 k;
    u32 x_offset;    /* first element of X, W, b, Y in their bindings */
    u32 w_offset;
    u32 b_offset;
    u32 y_offset;
    u32 ldy;         /* elements between rows of Y (n, or more when W is split in parts) */
VKB_PUSH_END(vkb_push_matmul, 32)
#endif

/* attention: ctx[t, h*D:(h+1)*D] = softmax(q k^T * scale + mask) v per batch and head, q and k
 * rotated first where `rope` says, keys outside a local window masked like padding, ALiBi's
 * -slope_h |s - j| added where `alibi` says */
#define VKB_ATTENTION_GLOBAL 0xFFFFFFFFu /* window: every key */
#if !defined(VKB_GLSL) || defined(VKB_WANT_ATTENTION)
VKB_PUSH_BEGIN(vkb_push_attention)
    u32 seq;
    u32 hidden;
    u32 heads;
    u32 tokens;
    u32 mask_offset; /* first element of the attention mask in the input binding */
    f32 scale;
    u32 window;      /* query s sees key j only when |s - j| <= window (VKB_ATTENTION_GLOBAL: all) */
    u32 rope;        /* rotary dimensions per head, even (0: none): the first `rope` of q and k rotate */
    u32 rope_offset; /* this layer's rotary table in the input binding (floats): position p's
                        rope / 2 cosines, then its rope / 2 sines, at rope_offset + p * rope */
    u32 alibi;       /* 1: ALiBi (JinaBERT), each head's slope computed in the kernel; 0: none */
VKB_PUSH_END(vkb_push_attention, 40)
#endif

/* layernorm (in place): x[r, :] = (x - mean) / sqrt(var + eps) * gamma + beta */
#if !defined(VKB_GLSL) || defined(VKB_WANT_LAYERNORM)
VKB_PUSH_BEGIN(vkb_push_layernorm)
    u32 rows;
    u32 width;
    f32 eps;
VKB_PUSH_END(vkb_push_layernorm, 12)
#endif

/* gather: out[r, :] = src[index[r] - src_row0, :] for the indices inside src's rows */
#if !defined(VKB_GLSL) || defined(VKB_WANT_GATHER)
VKB_PUSH_BEGIN(vkb_push_gather)
    u32 rows;
    u32 width;
    u32 index_offset; /* first element of the row indices in the index binding */
    u32 src_rows;
    u32 src_row0;     /* the row (token) index of src's first row */
VKB_PUSH_END(vkb_push_gather, 20)
#endif

/* topk: ids/probs[r, 0:k] = the k largest of softmax(logits[r, :]) */
#if !defined(VKB_GLSL) || defined(VKB_WANT_TOPK)
VKB_PUSH_BEGIN(vkb_push_topk)
    u32 rows;
    u32 vocab;
    u32 k;
    u32 row0;         /* rows of ids/probs before this part of the logits */
VKB_PUSH_END(vkb_push_topk, 16)
#endif

/* pool: out[seq0 + b, :] = the pooling (MODE) of sequence b's tokens [skip, length) of hidden,
 * lengths and skips from the sequence table (int32 pairs, one per sequence of the session).
 * One column per invocation, VKB_POOL_WG per workgroup; grid x columns, y sequences. */
#define VKB_POOL_WG 64
#if !defined(VKB_GLSL) || defined(VKB_WANT_POOL)
VKB_PUSH_BEGIN(vkb_push_pool)
    u32 seqs;         /* sequences in hidden (one chunk) */
    u32 seq;          /* positions per sequence */
    u32 width;
    u32 seq0;         /* the session's index of hidden's first sequence */
VKB_PUSH_END(vkb_push_pool, 16)
#endif

/* l2norm, in place: x[r, :] /= max(||x[r, :]||, 1e-12); one row per invocation. */
#define VKB_L2NORM_WG 64
#if !defined(VKB_GLSL) || defined(VKB_WANT_L2NORM)
VKB_PUSH_BEGIN(vkb_push_l2norm)
    u32 rows;
    u32 width;
VKB_PUSH_END(vkb_push_l2norm, 8)
#endif

/* glu: out[r, i] = act(x[r, i]) * x[r, W + i] (or x[r, i] * act(x[r, W + i])), x [rows, 2W] at 0 and
 * out [rows, W] at y_offset of one binding. One element per invocation, VKB_GLU_WG per workgroup. */
#define VKB_GLU_WG 256
#if !defined(VKB_GLSL) || defined(VKB_WANT_GLU)
VKB_PUSH_BEGIN(vkb_push_glu)
    u32 rows;
    u32 width;        /* W: the intermediate size */
    u32 y_offset;     /* first element of out in the binding */
VKB_PUSH_END(vkb_push_glu, 12)
#endif

/* peak / bandwidth microbenchmarks */
#if !defined(VKB_GLSL) || defined(VKB_WANT_PEAK)
VKB_PUSH_BEGIN(vkb_push_peak)
    u32 iters;       /* FMA rounds (peak) or vec4 count (bandwidth) */
    f32 scale;
    f32 offset;
VKB_PUSH_END(vkb_push_peak, 12)
#endif

#undef u32
#undef f32
#endif
