/* ALBERT (AlbertModel, AlbertForMaskedLM, AlbertForSequenceClassification): factorised embeddings
 * (embedding_size wide, LayerNorm over embedding_size) projected to hidden_size by
 * encoder.embedding_hidden_mapping_in; one layer group of one layer whose weights every one of
 * the num_hidden_layers layers runs (loaded once); BERT's post-norm layer under other names;
 * hidden_act gelu_new (the tanh GELU) by default. The MLM head is predictions.dense (hidden ->
 * embedding_size) -> hidden_act -> predictions.LayerNorm -> predictions.decoder (tied) +
 * predictions.bias; the classifier is pooler (+ tanh) on [CLS] -> classifier. Encoder and pooler
 * under "albert." (an AlbertModel checkpoint has none); the heads carry no prefix. Absolute
 * positions from 0, token types as BERT's. */
#include "model/arch.h"
#include "model/encoder.h"

#include <cjson/cJSON.h>

#define L "encoder.albert_layer_groups.0.albert_layers.0."

extern const vkb_arch vkb_arch_albert;

static vkbert_status parse(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s = vkb_bert_parse_config(ctx, root, path, c);
    uint32_t groups = 1, inner = 1;
    if (!s && !cJSON_GetObjectItemCaseSensitive(root, "hidden_act")) c->hidden_act = vkb_arch_albert.default_act;
    if (!s) s = vkb_config_u32(ctx, root, path, "embedding_size", 128, 1, VKB_MAX_HIDDEN, &c->embedding_size);
    if (!s) s = vkb_config_u32(ctx, root, path, "num_hidden_groups", 1, 1, VKB_MAX_LAYERS, &groups);
    if (!s) s = vkb_config_u32(ctx, root, path, "inner_group_num", 1, 1, VKB_MAX_LAYERS, &inner);
    if (!s && (groups != 1 || inner != 1))
        s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                     "%s: num_hidden_groups %u and inner_group_num %u are not supported (vkbert runs ALBERT's one "
                     "layer group of one layer, as every released ALBERT checkpoint has)", path, groups, inner);
    return s;
}

const vkb_arch vkb_arch_albert = {
    .name = "albert",
    .model_types = "albert",
    .prefixes = {"albert.", ""},
    .names = {
        [VKB_T_WORD_EMB] = "embeddings.word_embeddings.weight",
        [VKB_T_POS_EMB] = "embeddings.position_embeddings.weight",
        [VKB_T_TYPE_EMB] = "embeddings.token_type_embeddings.weight",
        [VKB_T_EMB_LN_W] = "embeddings.LayerNorm.weight",
        [VKB_T_EMB_LN_B] = "embeddings.LayerNorm.bias",
        [VKB_T_EMB_PROJ_W] = "encoder.embedding_hidden_mapping_in.weight",
        [VKB_T_EMB_PROJ_B] = "encoder.embedding_hidden_mapping_in.bias",
        [VKB_T_Q_W] = L "attention.query.weight",
        [VKB_T_K_W] = L "attention.key.weight",
        [VKB_T_V_W] = L "attention.value.weight",
        [VKB_T_Q_B] = L "attention.query.bias",
        [VKB_T_K_B] = L "attention.key.bias",
        [VKB_T_V_B] = L "attention.value.bias",
        [VKB_T_O_W] = L "attention.dense.weight",
        [VKB_T_O_B] = L "attention.dense.bias",
        [VKB_T_LN1_W] = L "attention.LayerNorm.weight",
        [VKB_T_LN1_B] = L "attention.LayerNorm.bias",
        [VKB_T_FF1_W] = L "ffn.weight",
        [VKB_T_FF1_B] = L "ffn.bias",
        [VKB_T_FF2_W] = L "ffn_output.weight",
        [VKB_T_FF2_B] = L "ffn_output.bias",
        [VKB_T_LN2_W] = L "full_layer_layer_norm.weight",
        [VKB_T_LN2_B] = L "full_layer_layer_norm.bias",
        [VKB_T_MLM_DENSE_W] = "predictions.dense.weight",
        [VKB_T_MLM_DENSE_B] = "predictions.dense.bias",
        [VKB_T_MLM_LN_W] = "predictions.LayerNorm.weight",
        [VKB_T_MLM_LN_B] = "predictions.LayerNorm.bias",
        [VKB_T_MLM_DECODER_W] = "predictions.decoder.weight",
        [VKB_T_MLM_BIAS] = "predictions.bias|predictions.decoder.bias",
        [VKB_T_POOLER_W] = "pooler.weight",
        [VKB_T_POOLER_B] = "pooler.bias",
        [VKB_T_CLASSIFIER_W] = "classifier.weight",
        [VKB_T_CLASSIFIER_B] = "classifier.bias",
        [VKB_T_TOKCLS_W] = "classifier.weight",
        [VKB_T_TOKCLS_B] = "classifier.bias",
        [VKB_T_QA_W] = "qa_outputs.weight",
        [VKB_T_QA_B] = "qa_outputs.bias",
    },
    .pooler_act = VKB_ACT_TANH,
    .mlm_act = VKB_ACT_NONE, /* AlbertMLMHead: ACT2FN[hidden_act] */
    .shared_layers = true,
    .default_act = "gelu_new", /* AlbertConfig's */
    .always_project = true,
    .parse_config = parse,
    .build_layer = vkb_encoder_post_norm_layer,
};
