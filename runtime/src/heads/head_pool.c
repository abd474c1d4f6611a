/* The pooling heads' shared parts: pool ops over the chunks, buffers, the row reader. */
#include "heads/head_pool.h"
#include "model/model.h"

#include <string.h>

vkbert_status vkb_pool_chunks(const vkb_head_input *in, vkb_graph *g, uint32_t mode, const vkb_buffer *out) {
    uint32_t H = in->model->config.hidden_size;
    vkbert_status st = VKBERT_OK;
    for (uint32_t ch = 0; ch < in->chunks && !st; ++ch)
        st = vkb_op_pool(g, &in->hidden[ch], in->seqtab, out, mode, in->chunk_seqs, in->seq, H, ch * in->chunk_seqs);
    return st;
}

vkbert_status vkb_pool_buffer(const vkb_head_input *in, uint32_t rows, uint32_t width, bool matmul_input,
                              const char *what, vkb_buffer *out) {
    vkbert_status st = vkb_buffer_create(in->ctx, (VkDeviceSize)rows * width * 4, VKB_MEM_DEVICE, what, out);
    if (!st && matmul_input && in->ctx->matmul_texel && width % 4 == 0)
        st = vkb_buffer_make_view(in->ctx, out, VK_FORMAT_R32G32B32A32_SFLOAT);
    return st;
}

vkbert_status vkb_pooled_read(const vkb_pooled *p, uint32_t seq, float *dst, size_t capacity, size_t *needed) {
    size_t w = p->width;
    if (needed) *needed = w;
    if (capacity < w || !dst)
        return vkb_fail(p->ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "the output needs %zu floats; the buffer holds %zu", w,
                        capacity);
    memcpy(dst, (const float *)p->rb.mapped + (size_t)seq * w, w * sizeof(float));
    return VKBERT_OK;
}
