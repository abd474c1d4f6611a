/* The session object, shared by the files of session/: create and run (session.c), plan its
 * buffers (plan.c), record the forward pass (record.c), write an encode's inputs (inputs.c),
 * read results (results.c). */
#ifndef VKB_SESSION_H
#define VKB_SESSION_H

#include "model/model.h"
#include "heads/head.h"

/* Activations live in chunks of whole sequences, each within one binding: a batch too
 * large for one binding runs chunk after chunk through the same (shared) scratch. */
struct vkbert_session {
    vkbert_model *model;
    vkbert_context *ctx;
    uint32_t batch, seq, tokens;   /* max sequences, positions per sequence, batch * seq */
    uint32_t chunk_seqs, chunks, chunk_tokens;
    uint32_t head_rows, top_k;     /* capacity of the head rows, predictions per row */
    bool head, keep_logits;
    vkbert_head_rows head_mode;
    vkbert_task task;
    uint32_t pooling;              /* EMBED: VKBERT_POOLING_*, resolved */
    bool normalize;                /* EMBED: resolved */
    bool keep_attention;           /* layer attention_layer's probabilities come back (one chunk only) */
    uint32_t attention_layer;
    vkb_buffer probs, rb_probs;    /* float [batch, heads, seq, seq] and its readback */

    vkb_buffer *input;     /* per chunk, int32: ids [Tc], types [Tc], mask [Tc] (mapped) */
    vkb_buffer *h;         /* per chunk: hidden states [Tc, H] */
    vkb_buffer *rb_hidden; /* per chunk: their readback */
    vkb_buffer rows_in;    /* int32 [R]: the token index of each head row (mapped) */
    vkb_buffer seqtab;     /* int32 [2 * chunks * chunk_seqs]: length, pooling skip per sequence (mapped) */
    vkb_buffer indirect;   /* VkDispatchIndirectCommand per slot */
    vkb_buffer qkv, attn, inter;          /* one chunk's scratch: [Tc,3H], [Tc,H], [ffn_rows, I or 3I] */
    uint32_t ffn_rows;                    /* tokens per FFN slice (Tc unless that scratch would not fit) */
    vkb_buffer head_x;                    /* [R,H]: the gathered rows the head reads */
    const vkb_head_class *head_class;     /* the task's head: MLM (on gathered rows), embed or seqcls */
    void *head_state;
    vkb_program prog;
    vkb_graph graph;

    /* what the last encode ran */
    uint32_t count;
    uint32_t *lengths;     /* [batch] */
    uint32_t rows;
    uint32_t *row_seq, *row_pos;  /* [head_rows] */
    bool have_results;
    bool submitted;        /* vkbert_session_submit was called: wait has something to wait for */
};

/* plan.c: sequences per chunk, then every buffer of the session and the head's. */
vkbert_status vkb_session_plan(vkbert_session *s);
/* Every single buffer of a session but the per-chunk ones and the head's; returns the count. */
uint32_t vkb_session_buffers(const vkbert_session *s, const vkb_buffer **out);
/* record.c: the encoder of every chunk, the head rows' gather and the head, the indirect
 * buffer, then the command buffers with the readback copies. */
vkbert_status vkb_session_record(vkbert_session *s);
/* inputs.c: checks a batch and writes ids, types, mask, head rows and indirect slots. */
vkbert_status vkb_session_write_inputs(vkbert_session *s, const vkbert_sequence *seqs, uint32_t count);

#endif
