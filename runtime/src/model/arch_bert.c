/* BERT (BertModel, BertForMaskedLM): post-norm layers, absolute positions, token types.
 * Names with or without the "bert." prefix; LayerNorm weight/bias or the TF-era gamma/beta;
 * the MLM decoder tied, absent or its own. */
#include "model/arch.h"
#include "model/encoder.h"

#include <cjson/cJSON.h>
#include <string.h>

vkbert_status vkb_bert_parse_shape(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s;
    if ((s = vkb_config_u32(ctx, root, path, "vocab_size", 0, 1, VKB_MAX_VOCAB, &c->vocab_size)) ||
        (s = vkb_config_u32(ctx, root, path, "hidden_size", 0, 1, VKB_MAX_HIDDEN, &c->hidden_size)) ||
        (s = vkb_config_u32(ctx, root, path, "num_hidden_layers", 0, 1, VKB_MAX_LAYERS, &c->num_hidden_layers)) ||
        (s = vkb_config_u32(ctx, root, path, "num_attention_heads", 0, 1, VKB_MAX_HEADS, &c->num_attention_heads)) ||
        (s = vkb_config_u32(ctx, root, path, "intermediate_size", 0, 1, VKB_MAX_INTERMEDIATE,
                            &c->intermediate_size)) ||
        (s = vkb_config_u32(ctx, root, path, "max_position_embeddings", 512, 1, VKB_MAX_POSITIONS,
                            &c->max_position_embeddings)) ||
        (s = vkb_config_u32(ctx, root, path, "type_vocab_size", 2, 1, VKB_MAX_TYPES, &c->type_vocab_size)) ||
        (s = vkb_config_eps(ctx, root, path, "layer_norm_eps", &c->layer_norm_eps)) ||
        (s = vkb_config_act(ctx, root, path, "hidden_act", "gelu", &c->hidden_act)))
        return s;
    return VKBERT_OK;
}

vkbert_status vkb_bert_parse_config(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s = vkb_bert_parse_shape(ctx, root, path, c);
    if (s) return s;
    const char *pe = NULL;
    if ((s = vkb_json_string(ctx, root, path, "position_embedding_type", &pe))) return s;
    if (pe && strcmp(pe, "absolute"))
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: only absolute position embeddings are supported", path);
    return VKBERT_OK;
}

const vkb_arch vkb_arch_bert = {
    .name = "bert",
    .model_types = "bert|",
    .prefixes = {"bert.", ""},
    .names = {
        VKB_BERT_ENCODER_NAMES,
        VKB_BERT_HEAD_NAMES,
    },
    .pooler_act = VKB_ACT_TANH,
    .parse_config = vkb_bert_parse_config,
    .build_layer = vkb_encoder_post_norm_layer,
};
