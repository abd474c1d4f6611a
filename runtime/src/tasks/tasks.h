/* The runner's parts: inputs.c turns texts into truncated token sequences, runner.c sorts them
 * by length, batches them under a padded-token budget, runs the sessions and writes the outputs
 * in input order. */
#ifndef VKB_TASKS_H
#define VKB_TASKS_H

#include "vkb_internal.h"

/* Every input's tokens, in one arena. */
typedef struct vkb_prepared {
    size_t count;
    size_t *start;       /* [count]: the first token of each input in ids/types */
    uint32_t *length;    /* [count] */
    int32_t *ids, *types;
    size_t used, capacity;
    size_t truncated;
} vkb_prepared;

/* How inputs are turned into tokens. */
typedef struct vkb_prepare_desc {
    const vkbert_tokenizer *tok;
    uint32_t max_seq;             /* tokens, specials included */
    vkbert_truncation truncation;
    const char *prompt;           /* put before every text; NULL for none */
    bool lower;                   /* lowercase the text (sentence-transformers' do_lower_case) */
} vkb_prepare_desc;

/* Tokenizes texts[i] (with pairs[i] when pairs and pairs[i]) for i in [0, count), truncated to
 * max_seq. On an error *failed is the input's index and the message names it. */
vkbert_status vkb_prepare(vkbert_context *ctx, const vkb_prepare_desc *d, const char *const *texts,
                          const char *const *pairs, const char *first, size_t count, vkb_prepared *out,
                          size_t *failed);
void vkb_prepared_free(vkb_prepared *p);

#endif
