/* Model loading: config.json + vocab.txt + model.safetensors -> fp32 weights on the device.
 * Accepts the naming variants of real checkpoints (bert. prefix or not, LayerNorm
 * weight/bias or gamma/beta, tied or absent decoder weight, extra tensors). */
#include "model/model.h"
#include "model/weights.h"
#include "heads/head.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* After the config: which family's names to read, and where the model keeps its count. */
static void bind_model(vkb_loader *L) {
    L->arch = L->m->arch = vkb_arch_named(L->m->config.family);
    L->config = &L->m->config;
    L->device_bytes = &L->m->device_bytes;
    L->m->act = vkb_act_code(L->m->config.hidden_act);
}


static vkbert_status load_layer(vkb_loader *L, uint32_t i, vkb_layer *ly) {
    const vkbert_model_config *c = L->config;
    const vkb_arch *a = L->arch;
    uint64_t H = c->hidden_size, I = c->intermediate_size, I1 = a->gated_mlp ? 2 * I : I;
    bool fused = a->names[VKB_T_QKV_W] != NULL;
    bool two = a->gated_mlp && a->names[VKB_T_FF1_GATE_W]; /* the gated halves as two tensors */
    vkbert_status s;
    if ((s = fused ? vkb_weights_linear(L, (vkb_part[]){{VKB_T_QKV_W, 3 * H, H}}, 1, i, 3 * H, H, "a QKV weight",
                                        &ly->qkv_w)
                   : vkb_weights_linear(L, (vkb_part[]){{VKB_T_Q_W, H, H}, {VKB_T_K_W, H, H}, {VKB_T_V_W, H, H}}, 3,
                                        i, 3 * H, H, "a QKV weight", &ly->qkv_w)) ||
        (s = fused ? vkb_weights_pack(L, (vkb_part[]){{VKB_T_QKV_B, 3 * H, 0}}, 1, i, "a QKV bias", &ly->qkv_b)
                   : vkb_weights_pack(L, (vkb_part[]){{VKB_T_Q_B, H, 0}, {VKB_T_K_B, H, 0}, {VKB_T_V_B, H, 0}}, 3, i,
                                      "a QKV bias", &ly->qkv_b)) ||
        (s = vkb_weights_linear(L, (vkb_part[]){{VKB_T_O_W, H, H}}, 1, i, H, H, "an attention output weight",
                                &ly->out_w)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_O_B, H, 0}}, 1, i, "an attention output bias", &ly->out_b)) ||
        (!(i == 0 && a->first_attn_norm_identity) &&
         (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_LN1_W, H, 0}, {VKB_T_LN1_B, H, 0}}, 2, i, "a LayerNorm",
                               &ly->ln1))) ||
        (s = two ? vkb_weights_linear(L, (vkb_part[]){{VKB_T_FF1_W, I, H}, {VKB_T_FF1_GATE_W, I, H}}, 2, i, I1, H,
                                      "an FFN weight", &ly->ffn1_w)
                 : vkb_weights_linear(L, (vkb_part[]){{VKB_T_FF1_W, I1, H}}, 1, i, I1, H, "an FFN weight", &ly->ffn1_w)) ||
        (s = two ? vkb_weights_pack(L, (vkb_part[]){{VKB_T_FF1_B, I, 0}, {VKB_T_FF1_GATE_B, I, 0}}, 2, i, "an FFN bias",
                                    &ly->ffn1_b)
                 : vkb_weights_pack(L, (vkb_part[]){{VKB_T_FF1_B, I1, 0}}, 1, i, "an FFN bias", &ly->ffn1_b)) ||
        (s = vkb_weights_linear(L, (vkb_part[]){{VKB_T_FF2_W, H, I}}, 1, i, H, I, "an FFN weight", &ly->ffn2_w)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_FF2_B, H, 0}}, 1, i, "an FFN bias", &ly->ffn2_b)) ||
        (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_LN2_W, H, 0}, {VKB_T_LN2_B, H, 0}}, 2, i, "a LayerNorm",
                              &ly->ln2)))
        return s;
    return VKBERT_OK;
}

static vkbert_status load_weights(vkb_loader *L, bool tied);

/* Whether architectures names a *ForTokenClassification class: then classifier.* is the token
 * classifier, not a sequence classifier (both are called "classifier" in Hugging Face's layouts). */
static bool names_token_classifier(const cJSON *root) {
    static const char SUFFIX[] = "ForTokenClassification";
    const cJSON *a = root ? cJSON_GetObjectItemCaseSensitive(root, "architectures") : NULL, *e;
    if (!cJSON_IsArray(a)) return false;
    cJSON_ArrayForEach(e, a) {
        size_t n = cJSON_IsString(e) ? strlen(e->valuestring) : 0;
        if (n >= sizeof SUFFIX - 1 && !strcmp(e->valuestring + n - (sizeof SUFFIX - 1), SUFFIX)) return true;
    }
    return false;
}

/* config.json's fields and tie_word_embeddings (true unless the config says false). */
static vkbert_status parse_config(vkb_loader *L, const char *json, size_t len, const char *name, bool *tied) {
    vkbert_status s = vkb_config_parse(L->ctx, json, len, name, &L->m->config);
    if (!s) bind_model(L);
    *tied = true;
    if (!s) {
        cJSON *root = cJSON_ParseWithLength(json, len); /* checked by vkb_config_parse */
        s = vkb_json_bool(L->ctx, root, name, "tie_word_embeddings", tied);
        L->m->token_arch = names_token_classifier(root);
        L->m->absent = L->arch->absent ? L->arch->absent(root) : 0;
        L->m->cls_pooling = VKBERT_POOLING_CLS;
        const char *pool = NULL;
        if (!s && L->arch->pooling_key) s = vkb_json_string(L->ctx, root, name, L->arch->pooling_key, &pool);
        if (pool && !strcmp(pool, "mean")) L->m->cls_pooling = VKBERT_POOLING_MEAN;
        else if (pool && strcmp(pool, "cls"))
            s = vkb_fail(L->ctx, VKBERT_ERROR_UNSUPPORTED, "%s: %s \"%.32s\" is not supported (cls or mean)", name,
                         L->arch->pooling_key, pool);
        cJSON_Delete(root);
    }
    if (!s) s = vkb_config_labels(L->ctx, json, len, name, &L->m->labels, &L->m->label_count, &L->m->multi_label);
    return s;
}

/* The tokenizer must fit the embedding table; [MASK] selects the head's rows. */
static vkbert_status check_tokenizer(vkb_loader *L) {
    vkbert_model *m = L->m;
    if (vkbert_tokenizer_vocab_size(m->tokenizer) > m->config.vocab_size)
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: vocab.txt has %u entries but the config's vocab_size is %u",
                        L->dir, vkbert_tokenizer_vocab_size(m->tokenizer), m->config.vocab_size);
    m->mask_id = vkbert_tokenizer_mask_id(m->tokenizer);
    return VKBERT_OK;
}

static vkbert_status load(vkb_loader *L, const char *dir) {
    vkbert_model *m = L->m;
    char *path = vkb_path_join(dir, "config.json");
    char *json = NULL;
    size_t len = 0;
    if (!path) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkbert_status s = vkb_read_file(path, 1u << 20, &json, &len);
    if (s) {
        vkb_free(path);
        return vkb_propagate(L->ctx, s);
    }
    bool tied = true;
    s = parse_config(L, json, len, path, &tied);
    vkb_free(json);
    vkb_free(path);
    if (s) return s;
    if ((s = vkb_st_config_read(L->ctx, dir, m->config.hidden_size, &m->st))) return s;
    s = vkbert_tokenizer_load(dir, &m->tokenizer);
    if (s) return vkb_propagate(L->ctx, s);
    if ((s = check_tokenizer(L)) || (s = vkb_checkpoint_open(L->ctx, L->dir, &L->shards, &L->shard_count))) return s;
    return load_weights(L, tied);
}

/* The same from the files' bytes in memory. */
static vkbert_status load_memory(vkb_loader *L, const vkbert_model_files *f) {
    if (!f->config_json || !f->vocab_txt || !f->safetensors)
        return vkb_fail(L->ctx, VKBERT_ERROR_INVALID_ARGUMENT,
                        "vkbert_model_files needs config_json, vocab_txt and safetensors (tokenizer_config_json is optional)");
    if (f->config_json_size > (1u << 20))
        return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "config.json (memory) is larger than 1 MiB");
    bool tied = true;
    vkbert_status s = parse_config(L, f->config_json, f->config_json_size, "config.json (memory)", &tied);
    if (s) return s;
    s = vkbert_tokenizer_load_memory(f->vocab_txt, f->vocab_txt_size, f->tokenizer_config_json,
                                     f->tokenizer_config_json_size, &L->m->tokenizer);
    if (s) return vkb_propagate(L->ctx, s);
    if ((s = check_tokenizer(L))) return s;
    L->shards = vkb_calloc(1, sizeof *L->shards);
    if (!L->shards) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    s = vkb_safetensors_open_memory(L->ctx, "model.safetensors (memory)", f->safetensors, f->safetensors_size,
                                    &L->shards[0]);
    if (s) return s;
    L->shard_count = 1;
    return load_weights(L, tied);
}

/* Embeddings, layers and heads, from the opened shards or (L->random) generated. */
static vkbert_status load_weights(vkb_loader *L, bool tied) {
    vkbert_model *m = L->m;
    const vkbert_model_config *c = &m->config;
    uint64_t H = c->hidden_size, E = c->embedding_size, P = c->max_position_embeddings;
    m->type_rows = c->type_vocab_size ? c->type_vocab_size : 1;
    m->pos_rows = m->arch->names[VKB_T_POS_EMB] ? (uint32_t)P : 1; /* rotary positions: one zero row */
    if (!m->cls_pooling) m->cls_pooling = VKBERT_POOLING_CLS; /* random models */
    vkbert_status s = vkb_weights_embedding(L, c->vocab_size, E, &m->word_emb);
    if (!s)
        s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_POS_EMB, m->pos_rows, E}, {VKB_T_TYPE_EMB, m->type_rows, E},
                                             {VKB_T_EMB_LN_W, E, 0}, {VKB_T_EMB_LN_B, E, 0}}, 4, 0,
                             "the embedding tables", &m->emb_aux);
    if (!s && (E != H || m->arch->always_project)) {
        if (!m->arch->names[VKB_T_EMB_PROJ_W]) /* the family parsers that read embedding_size name one */
            return vkb_fail(L->ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: embedding_size %u differs from hidden_size %u, "
                            "and the %s family has no embedding projection", L->dir, c->embedding_size,
                            c->hidden_size, m->arch->name);
        if ((s = vkb_weights_linear(L, (vkb_part[]){{VKB_T_EMB_PROJ_W, H, E}}, 1, 0, H, E,
                                    "the embedding projection weight", &m->emb_proj_w)) ||
            (s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_EMB_PROJ_B, H, 0}}, 1, 0, "the embedding projection bias",
                                  &m->emb_proj_b)))
            return s;
    }
    if (s) return s;
    /* a family whose layers share their weights loads (and uploads) them once */
    m->layer_sets = m->arch->shared_layers ? 1 : c->num_hidden_layers;
    m->layers = vkb_calloc(m->layer_sets, sizeof *m->layers);
    if (!m->layers) return vkb_fail(L->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < m->layer_sets && !s; ++i) s = load_layer(L, i, &m->layers[i]);
    if (!s && m->arch->names[VKB_T_FINAL_LN_W])
        s = vkb_weights_pack(L, (vkb_part[]){{VKB_T_FINAL_LN_W, H, 0}, {VKB_T_FINAL_LN_B, H, 0}}, 2, 0,
                             "the final LayerNorm", &m->final_ln);
    if (!s) s = vkb_head_mlm.load(L, tied, &m->mlm);
    if (!s) s = vkb_head_embed.load(L, tied, &m->embed);
    if (!s && !m->token_arch) s = vkb_head_seqcls.load(L, tied, &m->seqcls);
    if (!s && m->token_arch) s = vkb_head_tokcls.load(L, tied, &m->tokcls);
    if (!s) s = vkb_head_qa.load(L, tied, &m->qa);
    return s;
}

vkbert_status vkbert_model_load(vkbert_context *ctx, const vkbert_model_desc *desc, vkbert_model **out) {
    if (!ctx || !desc || !out || !desc->path == !desc->files)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT,
                        "vkbert_model_load: NULL argument (the desc needs one of .path and .files)");
    *out = NULL;
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    vkb_loader L = {.ctx = ctx, .dir = desc->path ? desc->path : "the model in memory"};
    L.m = vkb_calloc(1, sizeof *L.m);
    if (!L.m) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    L.m->ctx = ctx;
    vkb_st_config_read(ctx, NULL, 0, &L.m->st); /* the defaults, until the files say otherwise */
    vkbert_status s = desc->path ? load(&L, desc->path) : load_memory(&L, desc->files);
    vkb_weights_done(&L);
    for (uint32_t i = 0; i < L.shard_count; ++i) vkb_safetensors_close(&L.shards[i]);
    vkb_free(L.shards);
    if (s) {
        vkbert_model_destroy(L.m);
        return s;
    }
    *out = L.m;
    return VKBERT_OK;
}

vkbert_status vkbert_model_create_random(vkbert_context *ctx, const vkbert_model_config *config, uint64_t seed,
                                         bool mlm_head, vkbert_model **out) {
    if (!ctx || !config || !out)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_model_create_random: NULL argument");
    *out = NULL;
    if (ctx->lost) return vkb_fail(ctx, VKBERT_ERROR_DEVICE_LOST, "the device was lost earlier");
    /* the same checks as a config.json (BERT's keys: the same shape in every family) */
    const vkb_arch *arch = vkb_arch_named(config->family);
    if (!arch)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "unknown family \"%.32s\" (vkbert runs: %s)", config->family,
                        vkb_arch_list((char[128]){0}, 128));
    uint32_t types = !arch->names[VKB_T_TYPE_EMB] ? 1 : config->type_vocab_size;
    char json[640];
    const char *act = config->hidden_act ? config->hidden_act : "";
    int n = snprintf(json, sizeof json,
                     "{\"vocab_size\":%u,\"hidden_size\":%u,\"num_hidden_layers\":%u,\"num_attention_heads\":%u,"
                     "\"intermediate_size\":%u,\"max_position_embeddings\":%u,\"type_vocab_size\":%u,"
                     "\"layer_norm_eps\":%.9g%s%.32s%s}",
                     config->vocab_size, config->hidden_size, config->num_hidden_layers, config->num_attention_heads,
                     config->intermediate_size, config->max_position_embeddings, types,
                     config->layer_norm_eps > 0 ? (double)config->layer_norm_eps : 1e-12,
                     *act ? ",\"hidden_act\":\"" : "", act, *act ? "\"" : "");
    if (strpbrk(act, "\"\\"))
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "hidden_act \"%.32s\" is not an activation", act);
    vkb_loader L = {.ctx = ctx, .dir = "random weights", .random = true, .random_head = mlm_head, .seed = seed};
    L.m = vkb_calloc(1, sizeof *L.m);
    if (!L.m) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    L.m->ctx = ctx;
    vkb_st_config_read(ctx, NULL, 0, &L.m->st);
    vkbert_status s = vkb_config_parse(ctx, json, (size_t)n, "the model config", &L.m->config);
    vkbert_model_config *c = &L.m->config;
    if (!s) { /* the family's own fields, which BERT's keys do not carry */
        c->family = arch->name;
        if (!arch->names[VKB_T_TYPE_EMB]) c->type_vocab_size = 0;
        if (config->embedding_size) c->embedding_size = config->embedding_size;
        if (!*act && arch->default_act) c->hidden_act = arch->default_act;
        /* rotary positions and local attention: the families without position embeddings need them */
        c->rope_theta = config->rope_theta;
        c->local_rope_theta = config->local_rope_theta > 0 ? config->local_rope_theta : c->rope_theta;
        c->rope_dims = config->rope_dims;
        c->local_attention = config->local_attention;
        c->global_attn_every_n_layers = config->global_attn_every_n_layers;
        bool rotary = !arch->names[VKB_T_POS_EMB] && !arch->alibi; /* (ALiBi: positions in attention) */
        if (rotary != (c->rope_theta > 0))
            s = vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the %s family %s rotary positions: rope_theta must be %s",
                         arch->name, rotary ? "needs" : "has no", rotary ? "above 0" : "0");
        else if (c->rope_dims % 2 || c->rope_dims > c->hidden_size / c->num_attention_heads || c->local_attention % 2)
            s = vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "rope_dims %u must be even and at most the head size "
                         "%u, local_attention %u even", c->rope_dims, c->hidden_size / c->num_attention_heads,
                         c->local_attention);
        if (c->embedding_size > 3 * c->hidden_size)
            s = vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "embedding_size %u over 3 x hidden_size (%u) is not supported",
                         c->embedding_size, 3 * c->hidden_size);
        else if (c->embedding_size != c->hidden_size && !arch->names[VKB_T_EMB_PROJ_W])
            s = vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the %s family has no embedding projection: embedding_size "
                         "must be hidden_size (or 0)", arch->name);
        if (!s) bind_model(&L);
    }
    L.m->mask_id = L.m->config.vocab_size > 103 ? 103 : -1;
    if (!s) s = load_weights(&L, true);
    vkb_weights_done(&L);
    if (s) {
        vkbert_model_destroy(L.m);
        return s;
    }
    *out = L.m;
    return VKBERT_OK;
}

void vkbert_model_destroy(vkbert_model *m) {
    if (!m) return;
    vkbert_context *ctx = m->ctx;
    if (m->layers)
        for (uint32_t i = 0; i < m->layer_sets; ++i) {
            vkb_layer *l = &m->layers[i];
            vkb_buffer *bs[] = {&l->qkv_b, &l->out_b, &l->ln1, &l->ffn1_b, &l->ffn2_b, &l->ln2};
            for (size_t k = 0; k < sizeof bs / sizeof bs[0]; ++k) vkb_buffer_destroy(ctx, bs[k]);
            vkb_split *ss[] = {&l->qkv_w, &l->out_w, &l->ffn1_w, &l->ffn2_w};
            for (size_t k = 0; k < sizeof ss / sizeof ss[0]; ++k) vkb_split_destroy(ctx, ss[k]);
        }
    vkb_free(m->layers);
    vkb_head_mlm.free_weights(ctx, m->mlm);
    vkb_head_embed.free_weights(ctx, m->embed);
    vkb_head_seqcls.free_weights(ctx, m->seqcls);
    vkb_head_tokcls.free_weights(ctx, m->tokcls);
    vkb_head_qa.free_weights(ctx, m->qa);
    vkb_st_config_free(&m->st);
    for (uint32_t i = 0; i < m->label_count; ++i) vkb_free(m->labels[i]);
    vkb_free(m->labels);
    vkb_buffer_destroy(ctx, &m->emb_aux);
    vkb_buffer_destroy(ctx, &m->final_ln);
    vkb_buffer_destroy(ctx, &m->emb_proj_b);
    vkb_split_destroy(ctx, &m->emb_proj_w);
    vkb_split_destroy(ctx, &m->word_emb);
    vkbert_tokenizer_destroy(m->tokenizer);
    vkb_free(m);
}

const vkbert_model_config *vkbert_model_get_config(const vkbert_model *m) { return m ? &m->config : NULL; }
const vkbert_tokenizer *vkbert_model_tokenizer(const vkbert_model *m) { return m ? m->tokenizer : NULL; }
bool vkbert_model_has_mlm_head(const vkbert_model *m) { return m && m->mlm; }
uint64_t vkbert_model_device_bytes(const vkbert_model *m) { return m ? m->device_bytes : 0; }

vkbert_status vkbert_model_embedding_info(const vkbert_model *m, vkbert_embedding_info *out) {
    if (!m || !out) return vkb_fail(m ? m->ctx : NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_model_embedding_info: NULL argument");
    const vkb_st_config *c = &m->st;
    uint32_t P = m->config.max_tokens;
    *out = (vkbert_embedding_info){
        .sentence_transformers = c->present,
        .pooling = (vkbert_pooling)c->pooling,
        .include_prompt = c->include_prompt,
        .dense = m->embed != NULL,
        .dense_in = m->embed ? c->dense_in : 0,
        .dense_out = m->embed ? c->dense_out : 0,
        .dense_activation = !m->embed ? NULL : c->dense_act == 2 ? "tanh" : "identity",
        .normalize = c->normalize,
        .dimension = vkb_embed_width(m),
        .max_seq_length = c->max_seq_length && c->max_seq_length < P ? c->max_seq_length : P,
        .do_lower_case = c->do_lower_case,
        .prompt_count = c->prompt_count,
        .default_prompt_name = c->default_prompt >= 0 ? c->prompts[c->default_prompt].name : NULL,
    };
    return VKBERT_OK;
}

vkbert_status vkbert_model_prompt(const vkbert_model *m, uint32_t index, const char **name, const char **text) {
    if (!m) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_model_prompt: model is NULL");
    if (index >= m->st.prompt_count)
        return vkb_fail(m->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "prompt %u: the model has %u", index, m->st.prompt_count);
    if (name) *name = m->st.prompts[index].name;
    if (text) *text = m->st.prompts[index].text;
    return VKBERT_OK;
}

uint32_t vkbert_model_label_count(const vkbert_model *m) { return m && (m->seqcls || m->tokcls) ? m->label_count : 0; }
const char *vkbert_model_label(const vkbert_model *m, uint32_t id) {
    return m && (m->seqcls || m->tokcls) && id < m->label_count ? m->labels[id] : NULL;
}

bool vkbert_model_has_task(const vkbert_model *m, vkbert_task task) {
    if (!m) return false;
    switch (task) {
    case VKBERT_TASK_MLM:
    case VKBERT_TASK_SCORE: return m->mlm != NULL;
    case VKBERT_TASK_EMBED: return true;
    case VKBERT_TASK_CLASSIFY: return m->seqcls != NULL;
    case VKBERT_TASK_TOKEN_CLASSIFY: return m->tokcls != NULL;
    case VKBERT_TASK_QA: return m->qa != NULL;
    }
    return false;
}
bool vkbert_model_sigmoid_scores(const vkbert_model *m) {
    return m && m->seqcls && (m->label_count == 1 || m->multi_label);
}
