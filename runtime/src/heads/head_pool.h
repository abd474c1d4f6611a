/* What the pooling heads (head_embed.c, head_seqcls.c) share: the pooled rows of every chunk,
 * a row-per-sequence readback and its reader. */
#ifndef VKB_HEAD_POOL_H
#define VKB_HEAD_POOL_H

#include "heads/head.h"

typedef struct vkb_pooled {
    vkbert_context *ctx;
    uint32_t rows;          /* chunks * chunk_seqs: one per sequence slot */
    uint32_t width;         /* floats per output row */
    vkb_buffer rb;          /* [rows, width] readback */
} vkb_pooled;

/* One pool op per chunk into out [rows, hidden]. */
vkbert_status vkb_pool_chunks(const vkb_head_input *in, vkb_graph *g, uint32_t mode, const vkb_buffer *out);
/* A [rows, width] activation buffer, with a texel view where the texel matmul reads it. */
vkbert_status vkb_pool_buffer(const vkb_head_input *in, uint32_t rows, uint32_t width, bool matmul_input,
                              const char *what, vkb_buffer *out);
/* Sequence `seq`'s row of the readback. */
vkbert_status vkb_pooled_read(const vkb_pooled *p, uint32_t seq, float *dst, size_t capacity, size_t *needed);

#endif
