/* ModernBERT (ModernBertModel, ModernBertForMaskedLM, -ForSequenceClassification,
 * -ForTokenClassification, -ForQuestionAnswering): pre-norm layers with a fused Wqkv, rotary
 * positions (global_rope_theta on global layers, local_rope_theta on local ones), a sliding window
 * of local_attention keys (+-half) on every layer whose index is not a multiple of
 * global_attn_every_n_layers, a GeGLU MLP (Wi to twice the intermediate size, GELU of the first
 * half times the second, Wo), no token types or position embeddings, the embedding norm and
 * final_norm; biases only where the config's *_bias say so. Names with or without the "model."
 * prefix (ModernBertForMaskedLM's); the MLM head (head.dense, activation, head.norm, the decoder
 * tied to the token embeddings, its bias) never has it. */
#include "model/arch.h"
#include "model/encoder.h"

#include <cjson/cJSON.h>
#include <string.h>

#define L "layers.%u."

/* A float key in (lo, hi], `def` when absent or null. */
static vkbert_status number(vkbert_context *ctx, const cJSON *root, const char *path, const char *key, double def,
                            double lo, double hi, float *out) {
    const cJSON *j = NULL;
    vkbert_status s = vkb_json_get(ctx, root, path, key, VKB_JSON_NUMBER, &j);
    if (s) return s;
    double v = j ? j->valuedouble : def;
    if (!(v > lo && v <= hi))
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: \"%s\" must be a number in (%g, %g]", path, key, lo, hi);
    *out = (float)v;
    return VKBERT_OK;
}

static vkbert_status parse(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s;
    const char *cls_act = NULL;
    if ((s = vkb_config_u32(ctx, root, path, "vocab_size", 0, 1, VKB_MAX_VOCAB, &c->vocab_size)) ||
        (s = vkb_config_u32(ctx, root, path, "hidden_size", 0, 1, VKB_MAX_HIDDEN, &c->hidden_size)) ||
        (s = vkb_config_u32(ctx, root, path, "num_hidden_layers", 0, 1, VKB_MAX_LAYERS, &c->num_hidden_layers)) ||
        (s = vkb_config_u32(ctx, root, path, "num_attention_heads", 0, 1, VKB_MAX_HEADS, &c->num_attention_heads)) ||
        (s = vkb_config_u32(ctx, root, path, "intermediate_size", 0, 1, VKB_MAX_INTERMEDIATE, &c->intermediate_size)) ||
        (s = vkb_config_u32(ctx, root, path, "max_position_embeddings", 8192, 1, VKB_MAX_POSITIONS,
                            &c->max_position_embeddings)) ||
        (s = vkb_config_u32(ctx, root, path, "local_attention", 128, 2, VKB_MAX_POSITIONS, &c->local_attention)) ||
        (s = vkb_config_u32(ctx, root, path, "global_attn_every_n_layers", 3, 1, VKB_MAX_LAYERS,
                            &c->global_attn_every_n_layers)) ||
        (s = number(ctx, root, path, "global_rope_theta", 160000.0, 0.0, 1e12, &c->rope_theta)) ||
        (s = vkb_config_act(ctx, root, path, "hidden_activation", "gelu", &c->hidden_act)) ||
        (s = vkb_config_act(ctx, root, path, "classifier_activation", c->hidden_act, &cls_act)))
        return s;
    /* local_rope_theta null means "as the global layers" */
    c->local_rope_theta = c->rope_theta;
    if ((s = number(ctx, root, path, "local_rope_theta", c->rope_theta, 0.0, 1e12, &c->local_rope_theta))) return s;
    /* norm_eps is what ModernBERT's norms use (layer_norm_eps, also in its config, is not read by its code) */
    const cJSON *eps = NULL;
    if ((s = vkb_json_get(ctx, root, path, "norm_eps", VKB_JSON_NUMBER, &eps))) return s;
    c->layer_norm_eps = 1e-5f;
    if (eps && !(eps->valuedouble > 0 && eps->valuedouble <= 1))
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: \"norm_eps\" must be in (0, 1]", path);
    if (eps) c->layer_norm_eps = (float)eps->valuedouble;
    /* the MLM and classification heads run the encoder's activation */
    if (strcmp(cls_act, c->hidden_act))
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED,
                        "%s: classifier_activation \"%s\" differs from hidden_activation \"%s\"; vkbert's ModernBERT "
                        "heads run the encoder's", path, cls_act, c->hidden_act);
    if (c->local_attention % 2)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: \"local_attention\" must be even (a window of +-%u)",
                        path, c->local_attention / 2);
    const char *pe = NULL;
    if ((s = vkb_json_string(ctx, root, path, "position_embedding_type", &pe))) return s;
    /* ModernBERT's config carries BERT's "absolute" here, unread: its positions are rotary */
    c->type_vocab_size = 0;
    c->rope_dims = 0; /* every dimension of a head rotates */
    return VKBERT_OK;
}

/* *_bias false (ModernBERT-base's: all of them but decoder_bias) means no such tensors. */
static uint64_t absent(const cJSON *root) {
    static const struct { const char *key; bool def; uint64_t slots; } FLAGS[] = {
        {"attention_bias", false, 1ull << VKB_T_QKV_B | 1ull << VKB_T_O_B},
        {"mlp_bias", false, 1ull << VKB_T_FF1_B | 1ull << VKB_T_FF2_B},
        {"norm_bias", false,
         1ull << VKB_T_EMB_LN_B | 1ull << VKB_T_LN1_B | 1ull << VKB_T_LN2_B | 1ull << VKB_T_FINAL_LN_B |
             1ull << VKB_T_MLM_LN_B},
        {"classifier_bias", false, 1ull << VKB_T_MLM_DENSE_B | 1ull << VKB_T_POOLER_B},
        {"norm_bias", false, 1ull << VKB_T_POOLER_LN_B},
        {"decoder_bias", true, 1ull << VKB_T_MLM_BIAS},
    };
    uint64_t mask = 0;
    for (size_t i = 0; i < sizeof FLAGS / sizeof FLAGS[0]; ++i) {
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, FLAGS[i].key); /* typed by parse() below */
        bool on = cJSON_IsBool(j) ? cJSON_IsTrue(j) : FLAGS[i].def;
        if (!on) mask |= FLAGS[i].slots;
    }
    /* head.dense and head.norm are the MLM head's in ModernBertForMaskedLM and the classifiers' in
     * ModernBertFor{Sequence,Token}Classification and -QuestionAnswering (on every token for the
     * last two: token_transform): config.json's architectures tells them apart */
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "architectures"), *e;
    bool mlm = !cJSON_IsArray(a), cls = false, qa = false;
    if (!cJSON_IsArray(a)) a = NULL;
    cJSON_ArrayForEach(e, a) {
        if (cJSON_IsString(e) && strstr(e->valuestring, "ForMaskedLM")) mlm = true;
        if (cJSON_IsString(e) && (strstr(e->valuestring, "ForSequenceClassification") ||
                                  strstr(e->valuestring, "ForTokenClassification")))
            cls = true; /* each runs head() before its own Linear */
        if (cJSON_IsString(e) && strstr(e->valuestring, "ForQuestionAnswering")) qa = true;
    }
    /* ModernBertForQuestionAnswering's start/end Linear is called classifier too: read as qa_outputs */
    if (qa) mask |= 1ull << VKB_T_CLASSIFIER_W | 1ull << VKB_T_CLASSIFIER_B;
    else mask |= 1ull << VKB_T_QA_W | 1ull << VKB_T_QA_B;
    cls |= qa;
    if (!mlm)
        mask |= 1ull << VKB_T_MLM_DENSE_W | 1ull << VKB_T_MLM_DENSE_B | 1ull << VKB_T_MLM_LN_W | 1ull << VKB_T_MLM_LN_B |
                1ull << VKB_T_MLM_DECODER_W | 1ull << VKB_T_MLM_BIAS;
    if (!cls)
        mask |= 1ull << VKB_T_POOLER_W | 1ull << VKB_T_POOLER_B | 1ull << VKB_T_POOLER_LN_W | 1ull << VKB_T_POOLER_LN_B |
                1ull << VKB_T_CLASSIFIER_W | 1ull << VKB_T_CLASSIFIER_B;
    return mask;
}

/* The bias flags are booleans (checked here, where a wrong type is an error, not a default). */
static vkbert_status parse_all(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    static const char *const BOOLS[] = {"attention_bias", "mlp_bias", "norm_bias", "classifier_bias", "decoder_bias"};
    for (size_t i = 0; i < sizeof BOOLS / sizeof BOOLS[0]; ++i) {
        bool b = false;
        vkbert_status s = vkb_json_bool(ctx, root, path, BOOLS[i], &b);
        if (s) return s;
    }
    return parse(ctx, root, path, c);
}

const vkb_arch vkb_arch_modernbert = {
    .name = "modernbert",
    .model_types = "modernbert",
    .prefixes = {"model.", ""},
    .names = {
        [VKB_T_WORD_EMB] = "embeddings.tok_embeddings.weight",
        [VKB_T_EMB_LN_W] = "embeddings.norm.weight",
        [VKB_T_EMB_LN_B] = "embeddings.norm.bias",
        [VKB_T_QKV_W] = L "attn.Wqkv.weight",
        [VKB_T_QKV_B] = L "attn.Wqkv.bias",
        [VKB_T_O_W] = L "attn.Wo.weight",
        [VKB_T_O_B] = L "attn.Wo.bias",
        [VKB_T_LN1_W] = L "attn_norm.weight",
        [VKB_T_LN1_B] = L "attn_norm.bias",
        [VKB_T_FF1_W] = L "mlp.Wi.weight",
        [VKB_T_FF1_B] = L "mlp.Wi.bias",
        [VKB_T_FF2_W] = L "mlp.Wo.weight",
        [VKB_T_FF2_B] = L "mlp.Wo.bias",
        [VKB_T_LN2_W] = L "mlp_norm.weight",
        [VKB_T_LN2_B] = L "mlp_norm.bias",
        [VKB_T_FINAL_LN_W] = "final_norm.weight",
        [VKB_T_FINAL_LN_B] = "final_norm.bias",
        [VKB_T_MLM_DENSE_W] = "head.dense.weight",
        [VKB_T_MLM_DENSE_B] = "head.dense.bias",
        [VKB_T_MLM_LN_W] = "head.norm.weight",
        [VKB_T_MLM_LN_B] = "head.norm.bias",
        [VKB_T_MLM_DECODER_W] = "decoder.weight",
        [VKB_T_MLM_BIAS] = "decoder.bias",
        [VKB_T_POOLER_W] = "head.dense.weight",
        [VKB_T_POOLER_B] = "head.dense.bias",
        [VKB_T_POOLER_LN_W] = "head.norm.weight",
        [VKB_T_POOLER_LN_B] = "head.norm.bias",
        [VKB_T_CLASSIFIER_W] = "classifier.weight",
        [VKB_T_CLASSIFIER_B] = "classifier.bias",
        [VKB_T_TOKCLS_W] = "classifier.weight",
        [VKB_T_TOKCLS_B] = "classifier.bias",
        [VKB_T_QA_W] = "classifier.weight|qa_outputs.weight", /* transformers' name, then the others' */
        [VKB_T_QA_B] = "classifier.bias|qa_outputs.bias",
    },
    .pooling_key = "classifier_pooling",
    .token_transform = true,
    .parse_config = parse_all,
    .build_layer = vkb_encoder_pre_norm_layer,
    .build_final = vkb_encoder_final_norm,
    .first_attn_norm_identity = true,
    .gated_mlp = true,
    .absent = absent,
};
