/* The family seam. A family (arch_<name>.c) is data plus a builder: the config keys it reads,
 * the names of its tensors under canonical slots, and the function that records one of its
 * encoder layers from ops. The families are listed once, in families.c. */
#ifndef VKB_ARCH_H
#define VKB_ARCH_H

#include "vkb_internal.h"

struct cJSON;
struct vkb_encoder;

/* Canonical tensor slots. Per-layer slots take the layer index through "%u" in their names (not
 * in a family whose layers share one set of weights). */
typedef enum vkb_tensor {
    /* embeddings (embedding_size wide), and their projection to hidden_size where the family
     * factorises them (ALBERT's embedding_hidden_mapping_in, ELECTRA's embeddings_project) */
    VKB_T_WORD_EMB, VKB_T_POS_EMB, VKB_T_TYPE_EMB, VKB_T_EMB_LN_W, VKB_T_EMB_LN_B, VKB_T_EMB_PROJ_W, VKB_T_EMB_PROJ_B,
    /* each layer: self-attention, its output and norm, the FFN and its norm */
    VKB_T_Q_W, VKB_T_K_W, VKB_T_V_W, VKB_T_Q_B, VKB_T_K_B, VKB_T_V_B, VKB_T_O_W, VKB_T_O_B,
    VKB_T_LN1_W, VKB_T_LN1_B, VKB_T_FF1_W, VKB_T_FF1_B, VKB_T_FF2_W, VKB_T_FF2_B, VKB_T_LN2_W, VKB_T_LN2_B,
    /* a fused [3H, H] query-key-value weight and its bias (ModernBERT's Wqkv), read in place of the
     * three; the norm after the last layer (pre-norm families) */
    VKB_T_QKV_W, VKB_T_QKV_B, VKB_T_FINAL_LN_W, VKB_T_FINAL_LN_B,
    /* a gated MLP's second half as a tensor of its own (NomicBERT's fc12 beside fc11), stacked
     * after FF1 into one [2I, H] weight */
    VKB_T_FF1_GATE_W, VKB_T_FF1_GATE_B,
    /* the MLM head: transform dense (hidden -> embedding_size), its norm, the decoder (absent: tied to
     * the word embeddings) and bias */
    VKB_T_MLM_DENSE_W, VKB_T_MLM_DENSE_B, VKB_T_MLM_LN_W, VKB_T_MLM_LN_B, VKB_T_MLM_DECODER_W, VKB_T_MLM_BIAS,
    /* sequence classification: the pooler (BERT) or pre_classifier (DistilBERT) on [CLS], the classifier;
     * a norm after the pooler's activation (ModernBERT's head.norm) */
    VKB_T_POOLER_W, VKB_T_POOLER_B, VKB_T_CLASSIFIER_W, VKB_T_CLASSIFIER_B, VKB_T_POOLER_LN_W, VKB_T_POOLER_LN_B,
    /* token classification's classifier on every token (often named as the sequence classifier:
     * config.json's architectures tells them apart, model.c) and question answering's start/end
     * projection [2, H] */
    VKB_T_TOKCLS_W, VKB_T_TOKCLS_B, VKB_T_QA_W, VKB_T_QA_B,
    /* a sentence-transformers Dense module (its own directory's model.safetensors) */
    VKB_T_ST_DENSE_W, VKB_T_ST_DENSE_B,
    VKB_T_COUNT
} vkb_tensor;
_Static_assert(VKB_T_COUNT <= 64, "vkb_arch.absent holds one bit per slot");

typedef struct vkb_arch {
    const char *name;           /* vkbert_model_config.family */
    const char *model_types;    /* config.json model_type values it reads, '|'-separated; "" also
                                   matches a config without model_type */
    /* Tried before every name, in order (a checkpoint of the bare encoder has none). */
    const char *prefixes[3];
    /* Each slot's name, with accepted aliases '|'-separated (the first is the canonical one,
     * used in messages and for random weights); NULL: the family has no such tensor (token
     * types: one zero row stands in). */
    const char *names[VKB_T_COUNT];
    /* config.json -> cfg (family-specific keys; shared checks follow in hf_config.c). */
    vkbert_status (*parse_config)(vkbert_context *ctx, const struct cJSON *root, const char *path,
                                  vkbert_model_config *cfg);
    /* The activation after the pooler (VKB_ACT_*: tanh, BERT; ReLU, DistilBERT's pre_classifier;
     * GELU, ELECTRA's classifier.dense). */
    uint32_t pooler_act;
    /* The MLM transform's activation (VKB_ACT_*); VKB_ACT_NONE: the config's hidden_act, as BERT's
     * BertPredictionHeadTransform. RoBERTa's and ELECTRA's heads hard-code the exact GELU. */
    uint32_t mlm_act;
    /* Every layer runs the same weights (ALBERT's one layer group): loaded and uploaded once. */
    bool shared_layers;
    /* config.json's hidden_act when it has none (NULL: "gelu"; ALBERT's "gelu_new"). */
    const char *default_act;
    /* The embedding projection even where embedding_size == hidden_size (ALBERT always has one;
     * ELECTRA only when the widths differ). */
    bool always_project;
    /* Records layer `layer` of the encoder. */
    vkbert_status (*build_layer)(const struct vkb_encoder *e, uint32_t layer);
    /* Records what follows the last layer (NULL: nothing; ModernBERT's final_norm). */
    vkbert_status (*build_final)(const struct vkb_encoder *e);
    /* Pre-norm layers whose first layer has no attention norm (ModernBERT's attn_norm is the
     * identity at layer 0): layer 0's LN1 is not read. */
    bool first_attn_norm_identity;
    /* The FFN's first matmul makes both halves of a gated MLP: FF1 is [2I, H] (model/encoder.c's
     * glu step); glu_second: the activation is on the second half. */
    bool gated_mlp, glu_second;
    /* The slots config.json says the checkpoint does not have (ModernBERT's *_bias: false), as a
     * bit mask of 1 << vkb_tensor; they load as zeros. NULL: none. */
    uint64_t (*absent)(const struct cJSON *root);
    /* config.json's key naming the sequence classifier's pooling, "cls" or "mean" (ModernBERT's
     * classifier_pooling); NULL: [CLS]. */
    const char *pooling_key;
    /* The position_embedding_type that picks this family among those of its model_type (JinaBERT:
     * "alibi" under BERT's "bert"); NULL: any other. */
    const char *position_type;
    /* ALiBi: no position embeddings, each head's scores biased by -slope |i - j| in attention. */
    bool alibi;
    /* The token heads (token classification, question answering) run the pooler slots' transform
     * (VKB_T_POOLER_W/_B, act, VKB_T_POOLER_LN_W/_B) on every token first (ModernBERT's head). */
    bool token_transform;
} vkb_arch;

/* BERT's encoder tensors (embeddings and layers), which RoBERTa and its kin name alike. */
#define VKB_BERT_LAYER "encoder.layer.%u."
#define VKB_BERT_ENCODER_NAMES \
        [VKB_T_WORD_EMB] = "embeddings.word_embeddings.weight", \
        [VKB_T_POS_EMB] = "embeddings.position_embeddings.weight", \
        [VKB_T_TYPE_EMB] = "embeddings.token_type_embeddings.weight", \
        [VKB_T_EMB_LN_W] = "embeddings.LayerNorm.weight|embeddings.LayerNorm.gamma", \
        [VKB_T_EMB_LN_B] = "embeddings.LayerNorm.bias|embeddings.LayerNorm.beta", \
        [VKB_T_Q_W] = VKB_BERT_LAYER "attention.self.query.weight", \
        [VKB_T_K_W] = VKB_BERT_LAYER "attention.self.key.weight", \
        [VKB_T_V_W] = VKB_BERT_LAYER "attention.self.value.weight", \
        [VKB_T_Q_B] = VKB_BERT_LAYER "attention.self.query.bias", \
        [VKB_T_K_B] = VKB_BERT_LAYER "attention.self.key.bias", \
        [VKB_T_V_B] = VKB_BERT_LAYER "attention.self.value.bias", \
        [VKB_T_O_W] = VKB_BERT_LAYER "attention.output.dense.weight", \
        [VKB_T_O_B] = VKB_BERT_LAYER "attention.output.dense.bias", \
        [VKB_T_LN1_W] = VKB_BERT_LAYER "attention.output.LayerNorm.weight|" VKB_BERT_LAYER "attention.output.LayerNorm.gamma", \
        [VKB_T_LN1_B] = VKB_BERT_LAYER "attention.output.LayerNorm.bias|" VKB_BERT_LAYER "attention.output.LayerNorm.beta", \
        [VKB_T_FF1_W] = VKB_BERT_LAYER "intermediate.dense.weight", \
        [VKB_T_FF1_B] = VKB_BERT_LAYER "intermediate.dense.bias", \
        [VKB_T_FF2_W] = VKB_BERT_LAYER "output.dense.weight", \
        [VKB_T_FF2_B] = VKB_BERT_LAYER "output.dense.bias", \
        [VKB_T_LN2_W] = VKB_BERT_LAYER "output.LayerNorm.weight|" VKB_BERT_LAYER "output.LayerNorm.gamma", \
        [VKB_T_LN2_B] = VKB_BERT_LAYER "output.LayerNorm.bias|" VKB_BERT_LAYER "output.LayerNorm.beta"

/* BERT's heads (BertForMaskedLM's cls.predictions, the pooler, the sequence and token classifiers,
 * qa_outputs), which JinaBERT names alike. */
#define VKB_BERT_HEAD_NAMES \
        [VKB_T_MLM_DENSE_W] = "cls.predictions.transform.dense.weight", \
        [VKB_T_MLM_DENSE_B] = "cls.predictions.transform.dense.bias", \
        [VKB_T_MLM_LN_W] = "cls.predictions.transform.LayerNorm.weight|cls.predictions.transform.LayerNorm.gamma", \
        [VKB_T_MLM_LN_B] = "cls.predictions.transform.LayerNorm.bias|cls.predictions.transform.LayerNorm.beta", \
        [VKB_T_MLM_DECODER_W] = "cls.predictions.decoder.weight", \
        [VKB_T_MLM_BIAS] = "cls.predictions.bias|cls.predictions.decoder.bias", \
        [VKB_T_POOLER_W] = "pooler.dense.weight", \
        [VKB_T_POOLER_B] = "pooler.dense.bias", \
        [VKB_T_CLASSIFIER_W] = "classifier.weight", \
        [VKB_T_CLASSIFIER_B] = "classifier.bias", \
        [VKB_T_TOKCLS_W] = "classifier.weight", \
        [VKB_T_TOKCLS_B] = "classifier.bias", \
        [VKB_T_QA_W] = "qa_outputs.weight", \
        [VKB_T_QA_B] = "qa_outputs.bias"

/* BERT's config keys (arch_bert.c), shared by the families whose config.json is BERT's; _shape
 * without the check that position_embedding_type is "absolute". */
vkbert_status vkb_bert_parse_config(vkbert_context *ctx, const struct cJSON *root, const char *path,
                                    vkbert_model_config *cfg);
vkbert_status vkb_bert_parse_shape(vkbert_context *ctx, const struct cJSON *root, const char *path,
                                   vkbert_model_config *cfg);

/* families.c: the family reading `model_type` (NULL: the config has none) with config.json's
 * position_embedding_type (NULL: none; a family with its own position_type first), or NULL. */
const vkb_arch *vkb_arch_find(const char *model_type, const char *position_type);
/* The family named `name` (vkbert_model_config.family; NULL or "" is BERT), or NULL. */
const vkb_arch *vkb_arch_named(const char *name);
/* "bert, distilbert": the families' names, for messages; returns buf. */
const char *vkb_arch_list(char *buf, size_t size);

#endif
