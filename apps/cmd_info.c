/* vkbert info: what a model directory holds and what it can do, read from config.json, the
 * safetensors headers, the tokenizer and the sentence-transformers files, without a device;
 * and vkbert --version. */
#include "cli.h"
#include "base/fs.h"
#include "formats/st_config.h"
#include "model/weights.h"
#include "text/regex.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <vulkan/vulkan_core.h>

static const char *USAGE_INFO =
    "usage: vkbert info -m DIR [--json]\n"
    "\n"
    "Describes the model in DIR without a GPU (config.json, the safetensors headers, the tokenizer\n"
    "and sentence-transformers files; no weights are read): its family, the heads it has and the\n"
    "commands they enable, its shapes, the checkpoint's tensors by dtype and parameter count, the\n"
    "tokenizer and its special tokens, the longest input, and the device memory it will need.\n"
    "Every file is checked as the loaders check it: an error here is an error at load.\n"
    "  -m, --model DIR   model directory\n"
    "  --json            one object with these fields:\n"
    "      model                  DIR as given\n"
    "      family                 the family vkbert runs it as (bert, distilbert, roberta, albert, electra, modernbert, nomic_bert, jina_bert)\n"
    "      model_type             config.json's model_type (null when absent)\n"
    "      heads.mlm              true when the checkpoint has the masked-language-model head\n"
    "      heads.classifier       null, or {labels: [names by id], multi_label: bool}\n"
    "      heads.sentence_transformers  null, or {pooling: cls|mean|max|mean_sqrt_len|last,\n"
    "                             dense: null or {in, out}, normalize: bool, max_seq_length: N|null}\n"
    "      commands               the vkbert commands this model can run\n"
    "      config                 num_hidden_layers, hidden_size, num_attention_heads, intermediate_size,\n"
    "                             vocab_size, max_position_embeddings, type_vocab_size, embedding_size,\n"
    "                             hidden_act, layer_norm_eps\n"
    "      max_tokens             the longest input in tokens, special tokens included\n"
    "      checkpoint             {files, tensors, parameters, dtypes: {\"F32\": N, \"F16\": N, ...}}\n"
    "      tokenizer              {file: tokenizer.json|vocab.txt|vocab.json + merges.txt,\n"
    "                             model: WordPiece|BPE|Unigram, vocab_size, special_tokens:\n"
    "                             {cls, sep, pad, unk, mask: {token, id} or null}}\n"
    "      memory                 {weights_fp32_bytes, weights_fp16_bytes (--precision fp16: linear\n"
    "                             layers in float16), session_tokens, session_bytes (the activations\n"
    "                             of one encode of session_tokens tokens, batch 1)}: estimates; a\n"
    "                             device's alignment and padding add a few percent, the session\n"
    "                             the head's buffers\n";

typedef struct model_info {
    const char *dir;
    vkbert_model_config cfg;
    char *model_type;             /* config.json's, or NULL */
    bool tied;
    char **labels;
    uint32_t label_count;
    bool multi_label;
    vkb_st_config st;
    vkbert_tokenizer *tok;
    vkb_safetensors *shards;
    uint32_t shard_count;
    bool mlm, decoder, classifier;
} model_info;

static void info_free(model_info *m) {
    vkb_free(m->model_type);
    for (uint32_t i = 0; i < m->label_count; ++i) vkb_free(m->labels[i]);
    vkb_free(m->labels);
    vkb_st_config_free(&m->st);
    vkbert_tokenizer_destroy(m->tok);
    for (uint32_t i = 0; m->shards && i < m->shard_count; ++i) vkb_safetensors_close(&m->shards[i]);
    vkb_free(m->shards);
}

/* config.json as the loader reads it, plus model_type and tie_word_embeddings. */
static vkbert_status read_config(model_info *m) {
    char *path = vkb_path_join(m->dir, "config.json"), *json = NULL;
    size_t len = 0;
    if (!path) return VKBERT_ERROR_OUT_OF_HOST_MEMORY;
    vkbert_status s = vkb_read_file(path, 1u << 20, &json, &len);
    if (!s) s = vkb_config_parse(NULL, json, len, path, &m->cfg);
    if (!s) s = vkb_config_labels(NULL, json, len, path, &m->labels, &m->label_count, &m->multi_label);
    if (!s) {
        cJSON *root = cJSON_ParseWithLength(json, len); /* checked by vkb_config_parse */
        const char *mt = NULL;
        m->tied = true;
        if (!(s = vkb_json_string(NULL, root, path, "model_type", &mt)) && mt && !(m->model_type = vkb_strdup(mt)))
            s = VKBERT_ERROR_OUT_OF_HOST_MEMORY;
        if (!s) s = vkb_json_bool(NULL, root, path, "tie_word_embeddings", &m->tied);
        cJSON_Delete(root);
    }
    vkb_free(json);
    vkb_free(path);
    return s;
}

static vkbert_status read_model(model_info *m) {
    vkbert_status s = read_config(m);
    if (!s) s = vkb_st_config_read(NULL, m->dir, m->cfg.hidden_size, &m->st);
    if (!s) s = vkbert_tokenizer_load(m->dir, &m->tok);
    if (!s) s = vkb_checkpoint_open(NULL, m->dir, &m->shards, &m->shard_count);
    if (s) return s;
    vkb_loader L = {.dir = m->dir, .arch = vkb_arch_named(m->cfg.family), .config = &m->cfg, .shards = m->shards,
                    .shard_count = m->shard_count};
    m->mlm = vkb_weights_has(&L, VKB_T_MLM_DENSE_W, 0);
    m->decoder = m->mlm && !m->tied && vkb_weights_has(&L, VKB_T_MLM_DECODER_W, 0);
    m->classifier = vkb_weights_has(&L, VKB_T_CLASSIFIER_W, 0);
    if (m->classifier && !m->label_count)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: the checkpoint has a classifier but config.json has no "
                        "id2label naming its labels", m->dir);
    return VKBERT_OK;
}

/* Elements of the weights the loader uploads, as model.c and the heads read them: `linear`
 * those of the linear layers (float16 under --precision fp16), `other` the rest (fp32 always). */
static void weight_elements(const model_info *m, uint64_t *linear, uint64_t *other) {
    const vkbert_model_config *c = &m->cfg;
    const vkb_arch *arch = vkb_arch_named(c->family);
    uint64_t H = c->hidden_size, I = c->intermediate_size, E = c->embedding_size, V = c->vocab_size;
    uint64_t types = c->type_vocab_size ? c->type_vocab_size : 1;
    uint64_t layers = arch && arch->shared_layers ? 1 : c->num_hidden_layers;
    uint64_t lin = 0, oth = V * E + (uint64_t)c->max_position_embeddings * E + types * E + 2 * E;
    if (E != H || (arch && arch->always_project)) lin += H * E, oth += H;
    lin += layers * (4 * H * H + 2 * H * I);
    oth += layers * (9 * H + I);
    if (m->mlm) lin += E * H, oth += 3 * E + V;
    if (m->decoder) lin += V * E;
    if (m->classifier) lin += H * H + (uint64_t)m->label_count * H, oth += H + m->label_count;
    if (m->st.dense) lin += (uint64_t)m->st.dense_in * m->st.dense_out, oth += m->st.dense_out;
    *linear = lin;
    *other = oth;
}

/* One encode's activations (session/plan.c): input ids/types/positions, hidden states, QKV,
 * attention output, FFN, per token; the sequence table. */
static uint64_t session_bytes(const vkbert_model_config *c, uint64_t tokens) {
    uint64_t H = c->hidden_size, I = c->intermediate_size;
    return tokens * (3 * 4 + H * 4 + 3 * H * 4 + H * 4 + I * 4) + 2 * 4;
}

static const char *pooling_name(uint32_t p) {
    static const char *names[] = {"default", "cls", "mean", "max", "mean_sqrt_len", "last"};
    return p < 6 ? names[p] : "?";
}

/* The commands the model can run, in the order --help lists them. */
static size_t model_commands(const model_info *m, const char **out) {
    size_t n = 0;
    out[n++] = "tokenize";
    if (m->mlm) out[n++] = "fill-mask";
    if (m->mlm) out[n++] = "predict";
    if (m->mlm) out[n++] = "score";
    out[n++] = "encode";
    out[n++] = "attention";
    out[n++] = "embed";
    out[n++] = "similarity";
    if (m->classifier && m->label_count == 1) out[n++] = "rerank";
    if (m->classifier) out[n++] = "classify";
    out[n++] = "bench";
    return n;
}

typedef struct dtype_count { char name[16]; uint64_t tensors; } dtype_count;

/* Tensors by dtype in first-seen order (at most 16 kinds), and their total. */
static size_t count_dtypes(const model_info *m, dtype_count *d, uint64_t *tensors, uint64_t *params) {
    size_t n = 0;
    *tensors = *params = 0;
    for (uint32_t k = 0; k < m->shard_count; ++k)
        for (uint32_t i = 0; i < m->shards[k].count; ++i) {
            const vkb_tensor_info *t = &m->shards[k].tensors[i];
            size_t j = 0;
            while (j < n && strcmp(d[j].name, t->dtype_name)) ++j;
            if (j == n && n < 16) {
                snprintf(d[n].name, sizeof d[n].name, "%s", t->dtype_name);
                d[n++].tensors = 0;
            }
            if (j < n) d[j].tensors++;
            ++*tensors;
            *params += t->count;
        }
    return n;
}

static const char *SPECIAL_KEYS[5] = {"pad", "unk", "cls", "sep", "mask"};
static const int SPECIAL_ORDER[5] = {2, 3, 0, 1, 4}; /* cls, sep, pad, unk, mask */

static void print_bytes(uint64_t b) {
    if (b >= (1ull << 30)) printf("%.2f GiB", (double)b / (1ull << 30));
    else if (b >= (1ull << 20)) printf("%.1f MiB", (double)b / (1ull << 20));
    else printf("%.1f KiB", (double)b / 1024.0);
}

static void print_text(const model_info *m) {
    const vkbert_model_config *c = &m->cfg;
    printf("model        %s\n", m->dir);
    printf("family       %s", c->family);
    if (m->model_type) printf(" (model_type \"%s\")", m->model_type);
    printf("\nheads        encoder");
    if (m->mlm) printf(", masked-language model");
    if (m->classifier) {
        printf(", %s classifier (%u label%s:", m->label_count == 1 ? "cross-encoder" : m->multi_label ? "multi-label" : "sequence",
               m->label_count, m->label_count == 1 ? "" : "s");
        for (uint32_t i = 0; i < m->label_count && i < 8; ++i) printf(" %s", m->labels[i]);
        printf("%s)", m->label_count > 8 ? " ..." : "");
    }
    if (m->st.present) {
        printf(", sentence-transformers %s pooling", pooling_name(m->st.pooling));
        if (m->st.dense) printf(" + Dense %u -> %u", m->st.dense_in, m->st.dense_out);
        if (m->st.normalize) printf(" + Normalize");
    }
    const char *cmds[16];
    size_t nc = model_commands(m, cmds);
    printf("\ncommands    ");
    for (size_t i = 0; i < nc; ++i) printf(" %s%s", cmds[i], i + 1 < nc ? "," : "");
    if (!m->st.present) printf(" (embed: CLS pooling, no sentence-transformers modules)");
    printf("\nshapes       %u layers, hidden %u, %u heads of %u, intermediate %u, vocab %u, %u positions, ",
           c->num_hidden_layers, c->hidden_size, c->num_attention_heads, c->hidden_size / c->num_attention_heads,
           c->intermediate_size, c->vocab_size, c->max_position_embeddings);
    if (c->type_vocab_size) printf("%u token type%s, %s", c->type_vocab_size, c->type_vocab_size == 1 ? "" : "s", c->hidden_act);
    else printf("no token types, %s", c->hidden_act);
    if (c->embedding_size != c->hidden_size) printf(", embedding_size %u", c->embedding_size);
    printf("\nmax input    %u tokens", c->max_tokens);
    if (m->st.max_seq_length) printf(" (embed & co. cut at max_seq_length %u)", m->st.max_seq_length);
    dtype_count d[16];
    uint64_t tensors = 0, params = 0;
    size_t nd = count_dtypes(m, d, &tensors, &params);
    printf("\ncheckpoint   %u file%s, %llu tensors (", m->shard_count, m->shard_count == 1 ? "" : "s",
           (unsigned long long)tensors);
    for (size_t i = 0; i < nd; ++i) printf("%s%s %llu", i ? ", " : "", d[i].name, (unsigned long long)d[i].tensors);
    printf("), %llu parameters\n", (unsigned long long)params);
    printf("tokenizer    %s %s, %u tokens;", vkb_tokenizer_source(m->tok), vkb_tokenizer_model(m->tok),
           vkbert_tokenizer_vocab_size(m->tok));
    for (int k = 0; k < 5; ++k) {
        int32_t id = vkb_tokenizer_special(m->tok, SPECIAL_ORDER[k]);
        const char *t = id >= 0 ? vkbert_tokenizer_token(m->tok, id) : NULL;
        if (t) printf(" %s %s=%d", SPECIAL_KEYS[SPECIAL_ORDER[k]], t, (int)id);
        else printf(" %s none", SPECIAL_KEYS[SPECIAL_ORDER[k]]);
    }
    uint64_t lin = 0, oth = 0;
    weight_elements(m, &lin, &oth);
    printf("\nmemory       weights ");
    print_bytes(4 * (lin + oth));
    printf(" as fp32, ");
    print_bytes(2 * lin + 4 * oth);
    printf(" as fp16; one encode of %u tokens: ", c->max_tokens);
    print_bytes(session_bytes(c, c->max_tokens));
    printf(" of activations (estimate)\n");
}

static void json_heads(cJSON *heads, const model_info *m) {
    cJSON_AddBoolToObject(heads, "mlm", m->mlm);
    if (m->classifier) {
        cJSON *cl = cJSON_AddObjectToObject(heads, "classifier");
        cJSON_AddItemToObject(cl, "labels", cJSON_CreateStringArray((const char *const *)m->labels, (int)m->label_count));
        cJSON_AddBoolToObject(cl, "multi_label", m->multi_label);
    } else {
        cJSON_AddNullToObject(heads, "classifier");
    }
    if (m->st.present) {
        cJSON *st = cJSON_AddObjectToObject(heads, "sentence_transformers");
        cJSON_AddStringToObject(st, "pooling", pooling_name(m->st.pooling));
        if (m->st.dense) {
            cJSON *d = cJSON_AddObjectToObject(st, "dense");
            cJSON_AddNumberToObject(d, "in", m->st.dense_in);
            cJSON_AddNumberToObject(d, "out", m->st.dense_out);
        } else {
            cJSON_AddNullToObject(st, "dense");
        }
        cJSON_AddBoolToObject(st, "normalize", m->st.normalize);
        if (m->st.max_seq_length) cJSON_AddNumberToObject(st, "max_seq_length", m->st.max_seq_length);
        else cJSON_AddNullToObject(st, "max_seq_length");
    } else {
        cJSON_AddNullToObject(heads, "sentence_transformers");
    }
}

static void json_tokenizer(cJSON *tk, const vkbert_tokenizer *tok) {
    cJSON_AddStringToObject(tk, "file", vkb_tokenizer_source(tok));
    cJSON_AddStringToObject(tk, "model", vkb_tokenizer_model(tok));
    cJSON_AddNumberToObject(tk, "vocab_size", vkbert_tokenizer_vocab_size(tok));
    cJSON *sp = cJSON_AddObjectToObject(tk, "special_tokens");
    for (int k = 0; k < 5; ++k) {
        int which = SPECIAL_ORDER[k];
        int32_t id = vkb_tokenizer_special(tok, which);
        const char *t = id >= 0 ? vkbert_tokenizer_token(tok, id) : NULL;
        if (!t) {
            cJSON_AddNullToObject(sp, SPECIAL_KEYS[which]);
            continue;
        }
        cJSON *e = cJSON_AddObjectToObject(sp, SPECIAL_KEYS[which]);
        cJSON_AddStringToObject(e, "token", t);
        cJSON_AddNumberToObject(e, "id", id);
    }
}

static cJSON *json_info(const model_info *m) {
    const vkbert_model_config *c = &m->cfg;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "model", m->dir);
    cJSON_AddStringToObject(r, "family", c->family);
    if (m->model_type) cJSON_AddStringToObject(r, "model_type", m->model_type);
    else cJSON_AddNullToObject(r, "model_type");
    json_heads(cJSON_AddObjectToObject(r, "heads"), m);
    const char *cmds[16];
    size_t nc = model_commands(m, cmds);
    cJSON_AddItemToObject(r, "commands", cJSON_CreateStringArray(cmds, (int)nc));
    cJSON *cfg = cJSON_AddObjectToObject(r, "config");
    cJSON_AddNumberToObject(cfg, "num_hidden_layers", c->num_hidden_layers);
    cJSON_AddNumberToObject(cfg, "hidden_size", c->hidden_size);
    cJSON_AddNumberToObject(cfg, "num_attention_heads", c->num_attention_heads);
    cJSON_AddNumberToObject(cfg, "intermediate_size", c->intermediate_size);
    cJSON_AddNumberToObject(cfg, "vocab_size", c->vocab_size);
    cJSON_AddNumberToObject(cfg, "max_position_embeddings", c->max_position_embeddings);
    cJSON_AddNumberToObject(cfg, "type_vocab_size", c->type_vocab_size);
    cJSON_AddNumberToObject(cfg, "embedding_size", c->embedding_size);
    cJSON_AddStringToObject(cfg, "hidden_act", c->hidden_act);
    char eps[32]; /* the float's shortest form, not its double widening (1e-12, not 9.99999996e-13) */
    snprintf(eps, sizeof eps, "%.7g", c->layer_norm_eps);
    cJSON_AddNumberToObject(cfg, "layer_norm_eps", strtod(eps, NULL));
    cJSON_AddNumberToObject(r, "max_tokens", c->max_tokens);
    dtype_count d[16];
    uint64_t tensors = 0, params = 0;
    size_t nd = count_dtypes(m, d, &tensors, &params);
    cJSON *ck = cJSON_AddObjectToObject(r, "checkpoint");
    cJSON_AddNumberToObject(ck, "files", m->shard_count);
    cJSON_AddNumberToObject(ck, "tensors", (double)tensors);
    cJSON_AddNumberToObject(ck, "parameters", (double)params);
    cJSON *dt = cJSON_AddObjectToObject(ck, "dtypes");
    for (size_t i = 0; i < nd; ++i) cJSON_AddNumberToObject(dt, d[i].name, (double)d[i].tensors);
    json_tokenizer(cJSON_AddObjectToObject(r, "tokenizer"), m->tok);
    uint64_t lin = 0, oth = 0;
    weight_elements(m, &lin, &oth);
    cJSON *mem = cJSON_AddObjectToObject(r, "memory");
    cJSON_AddNumberToObject(mem, "weights_fp32_bytes", (double)(4 * (lin + oth)));
    cJSON_AddNumberToObject(mem, "weights_fp16_bytes", (double)(2 * lin + 4 * oth));
    cJSON_AddNumberToObject(mem, "session_tokens", c->max_tokens);
    cJSON_AddNumberToObject(mem, "session_bytes", (double)session_bytes(c, c->max_tokens));
    return r;
}

int cmd_info(int argc, char **argv) {
    const char *dir = NULL;
    bool json = false;
    for (int i = 0; i < argc; ++i) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("%s", USAGE_INFO);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = g_json = true;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            if (i + 1 >= argc) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
            dir = argv[++i];
        } else if (a[0] == '-') {
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see --help)", a);
        } else {
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "info takes no TEXT (\"%.40s\")", a);
        }
    }
    if (!dir) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "info needs a model directory: -m DIR");
    vkb_path_kind kind = vkb_path_kind_of(dir, NULL);
    if (kind != VKB_PATH_DIR)
        return fail(1, VKBERT_ERROR_IO, kind == VKB_PATH_NONE ? "%s: no such directory" : "%s is not a directory", dir);
    model_info m = {.dir = dir};
    vkbert_status s = read_model(&m);
    int rc = 0;
    if (s == VKBERT_ERROR_OUT_OF_HOST_MEMORY && !*vkbert_last_error()) rc = fail(1, s, "out of host memory");
    else if (s) rc = fail_status(s);
    else if (json) {
        cJSON *r = json_info(&m);
        char *text = r ? cJSON_PrintUnformatted(r) : NULL;
        if (text) printf("%s\n", text);
        else rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        cJSON_free(text);
        cJSON_Delete(r);
    } else {
        print_text(&m);
    }
    info_free(&m);
    if (!rc && fflush(stdout) != 0) rc = fail(1, VKBERT_ERROR_IO, "cannot write the output");
    return rc;
}

int cmd_version(void) {
    char vk[32];
    version_string(VK_HEADER_VERSION_COMPLETE, vk, sizeof vk);
    printf("vkbert %s (Vulkan headers %s; %s, utf8proc %s, cJSON %s)\n", VKBERT_VERSION_STRING, vk, vkb_regex_version(),
           utf8proc_version(), cJSON_Version());
    return 0;
}
