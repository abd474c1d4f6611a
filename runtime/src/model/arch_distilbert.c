/* DistilBERT (DistilBertModel, DistilBertForMaskedLM): BERT's post-norm layers under other
 * names and config keys, no token types (type ids are ignored, as the model takes none),
 * LayerNorm eps fixed at 1e-12. A base-model checkpoint has no "distilbert." prefix; the MLM
 * head (vocab_transform, vocab_layer_norm, vocab_projector) and DistilBertForSequenceClassification's
 * pre_classifier (+ ReLU) and classifier never have one. */
#include "model/arch.h"
#include "model/encoder.h"

#include <cjson/cJSON.h>

#define L "transformer.layer.%u."

static vkbert_status parse(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s;
    if ((s = vkb_config_u32(ctx, root, path, "vocab_size", 0, 1, VKB_MAX_VOCAB, &c->vocab_size)) ||
        (s = vkb_config_u32(ctx, root, path, "dim", 0, 1, VKB_MAX_HIDDEN, &c->hidden_size)) ||
        (s = vkb_config_u32(ctx, root, path, "n_layers", 0, 1, VKB_MAX_LAYERS, &c->num_hidden_layers)) ||
        (s = vkb_config_u32(ctx, root, path, "n_heads", 0, 1, VKB_MAX_HEADS, &c->num_attention_heads)) ||
        (s = vkb_config_u32(ctx, root, path, "hidden_dim", 0, 1, VKB_MAX_INTERMEDIATE, &c->intermediate_size)) ||
        (s = vkb_config_u32(ctx, root, path, "max_position_embeddings", 512, 1, VKB_MAX_POSITIONS,
                            &c->max_position_embeddings)) ||
        (s = vkb_config_act(ctx, root, path, "activation", "gelu", &c->hidden_act)))
        return s;
    bool sin = false; /* typed like every field, and otherwise ignored: */
    if ((s = vkb_json_bool(ctx, root, path, "sinusoidal_pos_embds", &sin))) return s;
    /* sinusoidal_pos_embds (distilbert-base-cased-distilled-squad) only says how the position table was
     * initialised; checkpoints store the table, and Hugging Face's forward looks it up like any other */
    c->type_vocab_size = 0;
    c->layer_norm_eps = 1e-12f;
    return VKBERT_OK;
}

const vkb_arch vkb_arch_distilbert = {
    .name = "distilbert",
    .model_types = "distilbert",
    .prefixes = {"distilbert.", ""},
    .names = {
        [VKB_T_WORD_EMB] = "embeddings.word_embeddings.weight",
        [VKB_T_POS_EMB] = "embeddings.position_embeddings.weight",
        [VKB_T_EMB_LN_W] = "embeddings.LayerNorm.weight",
        [VKB_T_EMB_LN_B] = "embeddings.LayerNorm.bias",
        [VKB_T_Q_W] = L "attention.q_lin.weight",
        [VKB_T_K_W] = L "attention.k_lin.weight",
        [VKB_T_V_W] = L "attention.v_lin.weight",
        [VKB_T_Q_B] = L "attention.q_lin.bias",
        [VKB_T_K_B] = L "attention.k_lin.bias",
        [VKB_T_V_B] = L "attention.v_lin.bias",
        [VKB_T_O_W] = L "attention.out_lin.weight",
        [VKB_T_O_B] = L "attention.out_lin.bias",
        [VKB_T_LN1_W] = L "sa_layer_norm.weight",
        [VKB_T_LN1_B] = L "sa_layer_norm.bias",
        [VKB_T_FF1_W] = L "ffn.lin1.weight",
        [VKB_T_FF1_B] = L "ffn.lin1.bias",
        [VKB_T_FF2_W] = L "ffn.lin2.weight",
        [VKB_T_FF2_B] = L "ffn.lin2.bias",
        [VKB_T_LN2_W] = L "output_layer_norm.weight",
        [VKB_T_LN2_B] = L "output_layer_norm.bias",
        [VKB_T_MLM_DENSE_W] = "vocab_transform.weight",
        [VKB_T_MLM_DENSE_B] = "vocab_transform.bias",
        [VKB_T_MLM_LN_W] = "vocab_layer_norm.weight",
        [VKB_T_MLM_LN_B] = "vocab_layer_norm.bias",
        [VKB_T_MLM_DECODER_W] = "vocab_projector.weight",
        [VKB_T_MLM_BIAS] = "vocab_projector.bias",
        [VKB_T_POOLER_W] = "pre_classifier.weight",
        [VKB_T_POOLER_B] = "pre_classifier.bias",
        [VKB_T_CLASSIFIER_W] = "classifier.weight",
        [VKB_T_CLASSIFIER_B] = "classifier.bias",
        [VKB_T_TOKCLS_W] = "classifier.weight",
        [VKB_T_TOKCLS_B] = "classifier.bias",
        [VKB_T_QA_W] = "qa_outputs.weight",
        [VKB_T_QA_B] = "qa_outputs.bias",
    },
    .pooler_act = VKB_ACT_RELU,
    .parse_config = parse,
    .build_layer = vkb_encoder_post_norm_layer,
};
