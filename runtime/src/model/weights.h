/* Weight loading shared by the families and heads: tensors found by slot through the family's
 * names (prefixes, aliases), shape- and dtype-checked, converted to fp32, and uploaded in the
 * layout the context's matmul variant reads. */
#ifndef VKB_WEIGHTS_H
#define VKB_WEIGHTS_H

#include "model/arch.h"

typedef struct vkb_loader {
    vkbert_context *ctx;
    const char *dir;
    const vkb_arch *arch;
    const vkbert_model_config *config;
    struct vkbert_model *m;    /* the model being loaded */
    bool random;               /* generate weights instead of reading them */
    bool random_head;
    uint64_t seed;
    vkb_safetensors *shards;   /* model.safetensors, or the shards an index names */
    uint32_t shard_count;
    uint64_t *device_bytes;    /* grows with every upload */
    float *host;               /* scratch for one packed buffer */
    size_t host_floats;
} vkb_loader;

/* One tensor of a packed buffer: a slot (of layer `layer` for per-layer slots) of d0 x d1
 * elements (rank 1 when d1 is 0). */
typedef struct vkb_part { vkb_tensor slot; uint64_t d0, d1; } vkb_part;

/* Whether the checkpoint (or the family, for random weights) has the slot. */
bool vkb_weights_has(const vkb_loader *L, vkb_tensor slot, uint32_t layer);
/* The first dimension of the slot's tensor (of layer 0) in the checkpoint; false when it has none. */
bool vkb_weights_rows(const vkb_loader *L, vkb_tensor slot, uint64_t *rows);
/* Reads the listed tensors, concatenated in order, into one device buffer. A slot the family
 * does not name is d0 x d1 zeros. */
vkbert_status vkb_weights_pack(vkb_loader *L, const vkb_part *parts, int n, uint32_t layer, const char *what,
                               vkb_buffer *out);
/* Linear weights made of `nparts` [rows_i, k] tensors stacked into [n, k] (QKV: 3), for the
 * matmul variant the context uses: repacked with texel views, or row-major; float16 when the
 * context stores weights so. */
vkbert_status vkb_weights_linear(vkb_loader *L, const vkb_part *parts, int nparts, uint32_t layer, uint64_t n,
                                 uint64_t k, const char *what, vkb_split *out);
/* The word-embedding table [V, H]: row-major fp32, with texel views where the texel matmul
 * reads it as the tied decoder. */
vkbert_status vkb_weights_embedding(vkb_loader *L, uint64_t v, uint64_t h, vkb_split *out);
void vkb_weights_done(vkb_loader *L);

#endif
