/* NomicBERT (nomic-embed-text v1 / v1.5: NomicBertModel, model_type "nomic_bert"): BERT's
 * post-norm layers with GPT-2's config keys (n_embd, n_head, n_layer, n_inner), rotary positions
 * (rotary_emb_base, on the first rotary_emb_fraction of each head's dimensions, GPT-NeoX's
 * non-interleaved form) instead of position embeddings, a fused Wqkv, a SwiGLU MLP
 * (fc2(fc11(x) * silu(fc12(x)))) and no biases in the linear layers where the config says so
 * (qkv_proj_bias, mlp_fc1_bias, mlp_fc2_bias: all false in nomic-embed-text). Token types as BERT's;
 * the embedding norm is emb_ln. Names with or without the "bert." prefix (NomicBertForPreTraining's). */
#include "model/arch.h"
#include "model/encoder.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#define L "encoder.layers.%u."

static vkbert_status parse(vkbert_context *ctx, const cJSON *root, const char *path, vkbert_model_config *c) {
    vkbert_status s;
    static const char *const BOOLS[] = {"qkv_proj_bias", "mlp_fc1_bias", "mlp_fc2_bias", "prenorm", "causal",
                                        "rotary_emb_interleaved", "use_rms_norm", "parallel_block"};
    bool flag[8] = {true, true, true, false, false, false, false, false};
    for (size_t i = 0; i < 8; ++i)
        if ((s = vkb_json_bool(ctx, root, path, BOOLS[i], &flag[i]))) return s;
    for (size_t i = 3; i < 8; ++i) /* NomicBERT's code has these; nomic-embed-text uses none of them */
        if (flag[i])
            return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: \"%s\": true is not supported", path, BOOLS[i]);
    if ((s = vkb_config_u32(ctx, root, path, "vocab_size", 0, 1, VKB_MAX_VOCAB, &c->vocab_size)) ||
        (s = vkb_config_u32(ctx, root, path, "n_embd", 0, 1, VKB_MAX_HIDDEN, &c->hidden_size)) ||
        (s = vkb_config_u32(ctx, root, path, "n_layer", 0, 1, VKB_MAX_LAYERS, &c->num_hidden_layers)) ||
        (s = vkb_config_u32(ctx, root, path, "n_head", 0, 1, VKB_MAX_HEADS, &c->num_attention_heads)) ||
        (s = vkb_config_u32(ctx, root, path, "n_inner", 0, 1, VKB_MAX_INTERMEDIATE, &c->intermediate_size)) ||
        (s = vkb_config_u32(ctx, root, path, "n_positions", 2048, 1, VKB_MAX_POSITIONS, &c->max_position_embeddings)) ||
        (s = vkb_config_u32(ctx, root, path, "type_vocab_size", 2, 1, VKB_MAX_TYPES, &c->type_vocab_size)) ||
        (s = vkb_config_eps(ctx, root, path, "layer_norm_epsilon", &c->layer_norm_eps)))
        return s;
    const char *act = NULL;
    if ((s = vkb_json_string(ctx, root, path, "activation_function", &act))) return s;
    if (act && strcmp(act, "swiglu"))
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: activation_function \"%.32s\" is not supported (vkbert's "
                        "NomicBERT runs \"swiglu\")", path, act);
    c->hidden_act = "silu";
    const cJSON *j = NULL;
    double base = 10000.0, frac = 1.0;
    if ((s = vkb_json_get(ctx, root, path, "rotary_emb_base", VKB_JSON_NUMBER, &j))) return s;
    if (j) base = j->valuedouble;
    if ((s = vkb_json_get(ctx, root, path, "rotary_emb_fraction", VKB_JSON_NUMBER, &j))) return s;
    if (j) frac = j->valuedouble;
    if ((s = vkb_json_get(ctx, root, path, "rotary_scaling_factor", VKB_JSON_NUMBER, &j))) return s;
    if (j)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: rotary_scaling_factor (dynamic NTK scaling) is not supported",
                        path);
    if ((s = vkb_json_get(ctx, root, path, "rotary_emb_scale_base", VKB_JSON_NUMBER, &j))) return s;
    if (j) return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: rotary_emb_scale_base (xPos) is not supported", path);
    uint32_t D = c->num_attention_heads && c->hidden_size % c->num_attention_heads == 0
                     ? c->hidden_size / c->num_attention_heads : 0;
    double rd = D * frac;
    if (!(base > 0 && base <= 1e12) || !(frac > 0 && frac <= 1) || rd != floor(rd) || (uint32_t)rd % 2)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: rotary_emb_base %g and rotary_emb_fraction %g must give an "
                        "even number of rotated dimensions of the head's %u", path, base, frac, D);
    c->rope_theta = c->local_rope_theta = (float)base;
    c->rope_dims = (uint32_t)rd;
    return VKBERT_OK;
}

static uint64_t absent(const cJSON *root) {
    static const struct { const char *key; uint64_t slots; } FLAGS[] = {
        {"qkv_proj_bias", 1ull << VKB_T_QKV_B | 1ull << VKB_T_O_B},
        {"mlp_fc1_bias", 1ull << VKB_T_FF1_B | 1ull << VKB_T_FF1_GATE_B},
        {"mlp_fc2_bias", 1ull << VKB_T_FF2_B},
    };
    uint64_t mask = 0;
    for (size_t i = 0; i < sizeof FLAGS / sizeof FLAGS[0]; ++i) { /* typed by parse(); absent: true, as its config class */
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, FLAGS[i].key);
        if (cJSON_IsFalse(j)) mask |= FLAGS[i].slots;
    }
    return mask;
}

const vkb_arch vkb_arch_nomicbert = {
    .name = "nomic_bert",
    .model_types = "nomic_bert",
    .prefixes = {"", "bert."},
    .names = {
        [VKB_T_WORD_EMB] = "embeddings.word_embeddings.weight",
        [VKB_T_TYPE_EMB] = "embeddings.token_type_embeddings.weight",
        [VKB_T_EMB_LN_W] = "emb_ln.weight",
        [VKB_T_EMB_LN_B] = "emb_ln.bias",
        [VKB_T_QKV_W] = L "attn.Wqkv.weight",
        [VKB_T_QKV_B] = L "attn.Wqkv.bias",
        [VKB_T_O_W] = L "attn.out_proj.weight",
        [VKB_T_O_B] = L "attn.out_proj.bias",
        [VKB_T_LN1_W] = L "norm1.weight",
        [VKB_T_LN1_B] = L "norm1.bias",
        [VKB_T_FF1_W] = L "mlp.fc11.weight",
        [VKB_T_FF1_B] = L "mlp.fc11.bias",
        [VKB_T_FF1_GATE_W] = L "mlp.fc12.weight",
        [VKB_T_FF1_GATE_B] = L "mlp.fc12.bias",
        [VKB_T_FF2_W] = L "mlp.fc2.weight",
        [VKB_T_FF2_B] = L "mlp.fc2.bias",
        [VKB_T_LN2_W] = L "norm2.weight",
        [VKB_T_LN2_B] = L "norm2.bias",
    },
    .parse_config = parse,
    .build_layer = vkb_encoder_post_norm_layer,
    .default_act = "silu",
    .gated_mlp = true,
    .glu_second = true,
    .absent = absent,
};
