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

/* ---- the runner (runner.c), and its masked-LM scoring (score.c) ---- */
#define VKB_RUNNER_CACHED 2
#define VKB_RUNNER_PAD 8u  /* a batch's length is rounded up to this, so shapes repeat */

typedef struct vkb_cached_session {
    vkbert_session *s;
    uint32_t batch, seq;
    uint64_t used;
} vkb_cached_session;

struct vkbert_runner {
    vkbert_model *model;
    vkbert_context *ctx;
    vkbert_runner_desc d;        /* resolved */
    const vkbert_tokenizer *tok;
    uint32_t width;
    uint32_t full_width;         /* EMBED with dimensions: the pooled vector's width (width: d.dimensions) */
    char *prompt;                /* EMBED: put before every text, or NULL */
    uint32_t prompt_skip;        /* tokens pooling leaves out: [CLS] + the prompt's, with include_prompt false */
    bool lower;
    vkb_cached_session cache[VKB_RUNNER_CACHED];
    uint64_t tick;
};

/* "embeddings (VKBERT_TASK_EMBED)", ... for messages. */
const char *vkb_runner_task_name(const vkbert_runner *r);
/* *st zeroed for n inputs (st may be NULL). */
void vkb_run_stats_init(vkbert_run_stats *st, size_t n);

/* runner.c, for the pipelines (ner.c, qa.c): a session of batch x (longest rounded up to 8,
 * at most the model's) sequences, kept as the runner keeps its sessions; the runner's parts. */
vkbert_status vkb_runner_session(vkbert_runner *r, uint32_t batch, uint32_t longest, vkbert_session **out);
vkbert_model *vkb_runner_model(const vkbert_runner *r);
const vkbert_tokenizer *vkb_runner_tokenizer(const vkbert_runner *r);
const vkbert_runner_desc *vkb_runner_desc(const vkbert_runner *r);
/* "the runner was created for ...": VKBERT_ERROR_INVALID_ARGUMENT. */
vkbert_status vkb_runner_wrong_task(const vkbert_runner *r);

/* ner.c and qa.c: code-point indices of byte offsets. cp[b] is the code point count of the first
 * b bytes of valid UTF-8 s[0..n), for b in [0, n]; vkb_malloc'd, NULL when out of memory. */
uint32_t *vkb_codepoint_index(const char *s, size_t n);

#endif
