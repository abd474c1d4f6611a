/* sentence-transformers' files in a model directory: modules.json and the modules it names
 * (Pooling, Dense, Normalize), sentence_bert_config.json, config_sentence_transformers.json. */
#ifndef VKB_ST_CONFIG_H
#define VKB_ST_CONFIG_H

#include "vkb_internal.h"

typedef struct vkb_st_prompt { char *name, *text; } vkb_st_prompt;

typedef struct vkb_st_config {
    bool present;              /* modules.json was read */
    uint32_t pooling;          /* VKBERT_POOLING_*, never DEFAULT (CLS without modules.json) */
    bool include_prompt;
    bool dense;
    char *dense_dir;           /* the Dense module's directory (inside the model directory) */
    uint32_t dense_in, dense_out;
    bool dense_bias;
    uint32_t dense_act;        /* matmul ACT: 0 identity, 2 tanh */
    bool normalize;
    uint32_t max_seq_length;   /* 0: not given */
    bool do_lower_case;
    vkb_st_prompt *prompts;
    uint32_t prompt_count;
    int32_t default_prompt;    /* index into prompts, -1 for none */
} vkb_st_config;

/* Reads the files of `dir` (none is fine: present stays false; dir NULL: the defaults, CLS
 * pooling); `hidden` is the encoder's width the Pooling and Dense modules must fit. */
vkbert_status vkb_st_config_read(vkbert_context *ctx, const char *dir, uint32_t hidden, vkb_st_config *out);
void vkb_st_config_free(vkb_st_config *c);

#endif
