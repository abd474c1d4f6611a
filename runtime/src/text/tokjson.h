/* The tokenizer.json tokenizer (tokjson.c), as tokenizer.c drives it. */
#ifndef VKB_TOKJSON_H
#define VKB_TOKJSON_H

#include "text_internal.h"

#define VKB_TJ_MAX_BYTES (64u << 20) /* a tokenizer.json larger than this is refused */

struct cJSON;
typedef struct vkb_tj vkb_tj;

/* Parses tokenizer.json's bytes; `path` names it in messages. */
vkbert_status vkb_tj_load(const char *json, size_t len, const char *path, vkb_tj **out);
vkbert_status vkb_tj_from_json(const struct cJSON *root, const char *path, vkb_tj **out);
void vkb_tj_free(vkb_tj *t);
/* Encodes the (validated) texts through the chain and the template; false when out of memory. */
bool vkb_tj_encode(const vkb_tj *t, const char *text, size_t len, const char *pair, size_t plen, vkb_tok_sink *out);
/* ids (in range) -> the decoders' text, vkb_malloc'd. */
vkbert_status vkb_tj_decode_ids(const vkb_tj *t, const int32_t *ids, size_t count, bool skip_special, char **text,
                                size_t *len);
/* Token strings -> the decoders' text, vkb_malloc'd (transformers' convert_tokens_to_string). */
vkbert_status vkb_tj_decode_tokens(const vkb_tj *t, const char *const *tokens, size_t count, char **text, size_t *len);
/* The model's continuing_subword_prefix ("##" for WordPiece), NULL when it has none. */
const char *vkb_tj_subword_prefix(const vkb_tj *t);
const vkb_vocab *vkb_tj_vocab(const vkb_tj *t);
int32_t vkb_tj_mask(const vkb_tj *t);
bool vkb_tj_is_special(const vkb_tj *t, int32_t id);
/* By the vkb_tokenizer_special numbering: 0 PAD 1 UNK 2 CLS 3 SEP 4 MASK. */
int32_t vkb_tj_special(const vkb_tj *t, int which);
/* The model's type: "WordPiece", "BPE" or "Unigram". */
const char *vkb_tj_model_name(const vkb_tj *t);

#endif
