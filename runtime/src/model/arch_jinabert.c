/* JinaBERT v2 (jina-embeddings-v2-small-en / -base-en: JinaBertModel, JinaBertForMaskedLM; its
 * config.json says model_type "bert" with position_embedding_type "alibi"): BERT's post-norm
 * layers and names, with ALiBi instead of position embeddings (each head's scores biased by
 * -slope |i - j|, the slopes computed in the attention kernel) and the GeGLU MLP of
 * feed_forward_type "geglu": mlp.gated_layers [2I, H] (no bias), GELU of its first half times the
 * second, mlp.wo [H, I], and mlp.layernorm (in place of BERT's output.LayerNorm) over it plus the
 * residual. The heads are BERT's (VKB_BERT_HEAD_NAMES). Names with or without "bert.". (No FF1_B:
 * gated_layers has no bias.) */
#include "model/arch.h"
#include "model/encoder.h"

#include <cjson/cJSON.h>
#include <string.h>

static vkbert_status parse(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s = vkb_bert_parse_shape(ctx, root, path, c);
    if (s) return s;
    const char *ff = NULL;
    if ((s = vkb_json_string(ctx, root, path, "feed_forward_type", &ff))) return s;
    if (ff && strcmp(ff, "geglu"))
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: feed_forward_type \"%.32s\" is not supported (vkbert's "
                        "JinaBERT runs \"geglu\")", path, ff);
    /* JinaBertGLUMLP's GeGLU is nn.GELU() whatever hidden_act says; the MLM head follows hidden_act:
     * one activation for both, so only the exact GELU */
    if (strcmp(c->hidden_act, "gelu"))
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: hidden_act \"%.32s\" is not supported in JinaBERT (its "
                        "GeGLU runs the exact GELU; so must its head)", path, c->hidden_act);
    return VKBERT_OK;
}

const vkb_arch vkb_arch_jinabert = {
    .name = "jina_bert",
    .model_types = "bert|",
    .position_type = "alibi",
    .alibi = true,
    .prefixes = {"", "bert."},
    .names = {
        [VKB_T_WORD_EMB] = "embeddings.word_embeddings.weight",
        [VKB_T_TYPE_EMB] = "embeddings.token_type_embeddings.weight",
        [VKB_T_EMB_LN_W] = "embeddings.LayerNorm.weight",
        [VKB_T_EMB_LN_B] = "embeddings.LayerNorm.bias",
        [VKB_T_Q_W] = VKB_BERT_LAYER "attention.self.query.weight",
        [VKB_T_K_W] = VKB_BERT_LAYER "attention.self.key.weight",
        [VKB_T_V_W] = VKB_BERT_LAYER "attention.self.value.weight",
        [VKB_T_Q_B] = VKB_BERT_LAYER "attention.self.query.bias",
        [VKB_T_K_B] = VKB_BERT_LAYER "attention.self.key.bias",
        [VKB_T_V_B] = VKB_BERT_LAYER "attention.self.value.bias",
        [VKB_T_O_W] = VKB_BERT_LAYER "attention.output.dense.weight",
        [VKB_T_O_B] = VKB_BERT_LAYER "attention.output.dense.bias",
        [VKB_T_LN1_W] = VKB_BERT_LAYER "attention.output.LayerNorm.weight",
        [VKB_T_LN1_B] = VKB_BERT_LAYER "attention.output.LayerNorm.bias",
        [VKB_T_FF1_W] = VKB_BERT_LAYER "mlp.gated_layers.weight",
        [VKB_T_FF2_W] = VKB_BERT_LAYER "mlp.wo.weight",
        [VKB_T_FF2_B] = VKB_BERT_LAYER "mlp.wo.bias",
        [VKB_T_LN2_W] = VKB_BERT_LAYER "mlp.layernorm.weight",
        [VKB_T_LN2_B] = VKB_BERT_LAYER "mlp.layernorm.bias",
        VKB_BERT_HEAD_NAMES,
    },
    .pooler_act = VKB_ACT_TANH,
    .parse_config = parse,
    .build_layer = vkb_encoder_post_norm_layer,
    .gated_mlp = true,
    .glu_second = false,
    .absent = NULL,
};
