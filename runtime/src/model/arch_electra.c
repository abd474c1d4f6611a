/* ELECTRA (ElectraModel, ElectraForMaskedLM: the generator, ElectraForSequenceClassification: the
 * discriminator with a classification head): BERT's layers and config keys under "electra.",
 * embeddings embedding_size wide (LayerNorm over embedding_size), projected to hidden_size by
 * embeddings_project only where the widths differ. The generator's head is
 * generator_predictions.dense (hidden -> embedding_size) -> GELU (the exact one, whatever
 * hidden_act says, as ElectraGeneratorPredictions) -> generator_predictions.LayerNorm ->
 * generator_lm_head (tied to the word embeddings when its weight is absent) + its bias; the
 * classifier (ElectraClassificationHead) is classifier.dense + GELU (not tanh) on the first token
 * -> classifier.out_proj, no pooler. The heads carry no prefix. */
#include "model/arch.h"
#include "model/encoder.h"

#include <cjson/cJSON.h>

static vkbert_status parse(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s = vkb_bert_parse_config(ctx, root, path, c);
    if (!s) s = vkb_config_u32(ctx, root, path, "embedding_size", 128, 1, VKB_MAX_HIDDEN, &c->embedding_size);
    return s;
}

const vkb_arch vkb_arch_electra = {
    .name = "electra",
    .model_types = "electra",
    .prefixes = {"electra.", ""},
    .names = {
        VKB_BERT_ENCODER_NAMES,
        [VKB_T_EMB_PROJ_W] = "embeddings_project.weight",
        [VKB_T_EMB_PROJ_B] = "embeddings_project.bias",
        [VKB_T_MLM_DENSE_W] = "generator_predictions.dense.weight",
        [VKB_T_MLM_DENSE_B] = "generator_predictions.dense.bias",
        [VKB_T_MLM_LN_W] = "generator_predictions.LayerNorm.weight",
        [VKB_T_MLM_LN_B] = "generator_predictions.LayerNorm.bias",
        [VKB_T_MLM_DECODER_W] = "generator_lm_head.weight",
        [VKB_T_MLM_BIAS] = "generator_lm_head.bias",
        [VKB_T_POOLER_W] = "classifier.dense.weight",
        [VKB_T_POOLER_B] = "classifier.dense.bias",
        [VKB_T_CLASSIFIER_W] = "classifier.out_proj.weight",
        [VKB_T_CLASSIFIER_B] = "classifier.out_proj.bias",
        [VKB_T_TOKCLS_W] = "classifier.weight",
        [VKB_T_TOKCLS_B] = "classifier.bias",
        [VKB_T_QA_W] = "qa_outputs.weight",
        [VKB_T_QA_B] = "qa_outputs.bias",
    },
    .pooler_act = VKB_ACT_GELU,
    .mlm_act = VKB_ACT_GELU,
    .parse_config = parse,
    .build_layer = vkb_encoder_post_norm_layer,
};
