/* RoBERTa and its kin, XLM-RoBERTa and CamemBERT (RobertaModel, RobertaForMaskedLM,
 * RobertaForSequenceClassification and the XLMRoberta / Camembert classes, which are the same
 * code): BERT's layers and config keys under the "roberta." prefix; positions by Hugging Face's
 * create_position_ids_from_input_ids (a real token's position is padding_idx + its count among the
 * real tokens so far, padding gets padding_idx, padding_idx = pad_token_id), so the longest input
 * is max_position_embeddings - padding_idx - 1; one token type. The MLM head is lm_head.dense ->
 * GELU -> lm_head.layer_norm -> lm_head.decoder (tied) + lm_head.bias; the classifier is
 * classifier.dense + tanh on <s> (no pooler) -> classifier.out_proj. The heads carry no prefix. */
#include "model/arch.h"
#include "model/encoder.h"

#include <cjson/cJSON.h>

static vkbert_status parse(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s = vkb_bert_parse_config(ctx, root, path, c);
    uint32_t pad = 0;
    if (!s) s = vkb_config_u32(ctx, root, path, "pad_token_id", 1, 0, VKB_MAX_POSITIONS, &pad); /* RobertaConfig's 1 */
    if (!s) c->position_offset = pad + 1;
    return s;
}

const vkb_arch vkb_arch_roberta = {
    .name = "roberta",
    .model_types = "roberta|xlm-roberta|camembert",
    .prefixes = {"roberta.", ""},
    .names = {
        VKB_BERT_ENCODER_NAMES,
        [VKB_T_MLM_DENSE_W] = "lm_head.dense.weight",
        [VKB_T_MLM_DENSE_B] = "lm_head.dense.bias",
        [VKB_T_MLM_LN_W] = "lm_head.layer_norm.weight",
        [VKB_T_MLM_LN_B] = "lm_head.layer_norm.bias",
        [VKB_T_MLM_DECODER_W] = "lm_head.decoder.weight",
        [VKB_T_MLM_BIAS] = "lm_head.bias|lm_head.decoder.bias",
        [VKB_T_POOLER_W] = "classifier.dense.weight",
        [VKB_T_POOLER_B] = "classifier.dense.bias",
        [VKB_T_CLASSIFIER_W] = "classifier.out_proj.weight",
        [VKB_T_CLASSIFIER_B] = "classifier.out_proj.bias",
        [VKB_T_TOKCLS_W] = "classifier.weight",
        [VKB_T_TOKCLS_B] = "classifier.bias",
        [VKB_T_QA_W] = "qa_outputs.weight",
        [VKB_T_QA_B] = "qa_outputs.bias",
    },
    .pooler_act = VKB_ACT_TANH,
    .mlm_act = VKB_ACT_GELU, /* RobertaLMHead: gelu, whatever hidden_act says */
    .parse_config = parse,
    .build_layer = vkb_encoder_post_norm_layer,
};
