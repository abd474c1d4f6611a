/* vkbert-make-model: writes a random-weight BERT, DistilBERT, RoBERTa, ALBERT, ELECTRA, ModernBERT,
 * NomicBERT or JinaBERT model directory (config.json, vocab.txt, tokenizer_config.json, model.safetensors with Hugging
 * Face tensor names): a masked-LM checkpoint, an encoder only (--no-head), or a sequence classifier
 * (--classifier N).
 * Deterministic: each tensor's values depend only on --seed and the tensor's name.
 * Used by the tests (nothing large is committed) and by the demo when the real
 * checkpoint cannot be downloaded. */
#include "base/fs.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum family {
    FAMILY_BERT, FAMILY_DISTILBERT, FAMILY_ROBERTA, FAMILY_ALBERT, FAMILY_ELECTRA, FAMILY_MODERNBERT, FAMILY_NOMIC,
    FAMILY_JINA
} family;

/* The RoBERTa layouts: RoBERTa's code under three model_types, each with its own class names. */
typedef struct roberta_kind { const char *family, *model_type, *mlm, *seqcls, *base; } roberta_kind;
static const roberta_kind ROBERTA_KINDS[] = {
    {"roberta", "roberta", "RobertaForMaskedLM", "RobertaForSequenceClassification", "RobertaModel"},
    {"xlm-roberta", "xlm-roberta", "XLMRobertaForMaskedLM", "XLMRobertaForSequenceClassification", "XLMRobertaModel"},
    {"camembert", "camembert", "CamembertForMaskedLM", "CamembertForSequenceClassification", "CamembertModel"},
};

typedef struct cfg {
    const char *out, *vocab;
    family family;
    const roberta_kind *roberta;  /* FAMILY_ROBERTA: which model_type */
    uint32_t vocab_size, hidden, layers, heads, intermediate, positions, types;
    uint32_t embedding;         /* --embedding-size (ALBERT, ELECTRA); 0 until resolved */
    uint64_t seed;
    const char *dtype;     /* F32, F16, BF16 */
    const char *act;       /* --hidden-act: config.json's hidden_act (DistilBERT: activation); NULL until resolved */
    double std;
    bool no_head, no_prefix, gamma_beta, with_decoder, untied, extra;
    bool cased;                 /* --cased: tokenizer_config.json's do_lower_case false (multilingual BERT) */
    bool types_set; /* --types given: an error for DistilBERT, which has no token types */
    bool pooler, no_pooler;     /* BERT's pooler: written unless --no-pooler; --pooler says so explicitly */
    uint32_t classifier;        /* --classifier N: labels of a *ForSequenceClassification head, 0: none */
    uint32_t local_attention;   /* --local-attention (ModernBERT): local layers see keys within +-half; 0 unset */
    uint32_t global_every;      /* --global-every (ModernBERT): global_attn_every_n_layers; 0 unset */
    bool biases;                /* --biases (ModernBERT, NomicBERT): every *_bias true, the bias tensors written */
    bool shape_set, positions_set; /* given: ModernBERT refuses --shape (BERT's); 8192 positions unless told */
    const char *classifier_pooling; /* --classifier-pooling (ModernBERT): "cls" or "mean"; NULL until resolved */
    double rotary_fraction, rotary_base; /* --rotary-fraction, --rotary-base (NomicBERT); 0 until resolved */
    const char *labels;         /* --labels a,b,c: id2label names (default LABEL_0..) */
    const char *problem_type;   /* --problem-type T: config.json's "problem_type" */
    bool no_id2label;           /* --no-id2label: leave id2label/label2id out (an error test) */
    int head;                   /* --head: HEAD_SEQCLS (with --classifier), HEAD_TOKCLS, HEAD_QA */
} cfg;

enum { HEAD_SEQCLS, HEAD_TOKCLS, HEAD_QA };

typedef struct tensor { char name[160], canonical[160]; uint64_t d0, d1; int kind; } tensor; /* kind: 0 matrix, 1 bias, 2 gamma */

static const char *USAGE =
    "usage: vkbert-make-model --out DIR --vocab VOCAB.txt [options]\n"
    "\n"
    "Writes a random-weight BERT, DistilBERT, RoBERTa, ALBERT, ELECTRA, ModernBERT, NomicBERT or JinaBERT\n"
    "model directory in Hugging Face layout.\n"
    "  --family NAME       bert (default: BertForMaskedLM), distilbert (DistilBertForMaskedLM;\n"
    "                      DistilBertModel with --no-head), roberta, xlm-roberta or camembert\n"
    "                      (RobertaForMaskedLM, XLMRobertaForMaskedLM, CamembertForMaskedLM: the\n"
    "                      \"roberta.\" prefix, lm_head.*, one token type unless --types, no pooler\n"
    "                      unless --pooler, roberta-base's config keys: pad_token_id 1, so\n"
    "                      --positions must count the 2 positions below the first token),\n"
    "                      albert (AlbertForMaskedLM: albert-base-v2's config keys, \"albert.\"\n"
    "                      prefix, one shared layer group, gelu_new, predictions.*; AlbertModel with\n"
    "                      --no-head, with its pooler unless --no-pooler) or electra\n"
    "                      (ElectraForMaskedLM, the generator: \"electra.\" prefix,\n"
    "                      embeddings_project when --embedding-size differs from --hidden,\n"
    "                      generator_predictions.*, generator_lm_head; ElectraModel with --no-head)\n"
    "                      or modernbert (ModernBertForMaskedLM: ModernBERT-base's config keys, the\n"
    "                      \"model.\" prefix, head.* and decoder.bias without it, vocab size 50368 and\n"
    "                      8192 positions unless told; ModernBertModel with --no-head, without the\n"
    "                      prefix). Its tokenizer is ModernBERT-base's tokenizer.json, which the\n"
    "                      caller copies in (tests/MakeModels.cmake does); vocab.txt is written as\n"
    "                      for the others; or nomic_bert (alias nomic: NomicBertModel, the\n"
    "                      checkpoint of nomic-embed-text v1 / v1.5 with its config keys: n_embd,\n"
    "                      n_head, n_layer, n_inner, n_positions 8192 unless told, rotary positions,\n"
    "                      a SwiGLU MLP, no prefix, no head; the vocabulary size is VOCAB.txt's\n"
    "                      rounded up to a multiple of 64, as pad_vocab_size_multiple pads it);\n"
    "                      or jina_bert (alias jina: JinaBertForMaskedLM, JinaBertModel with\n"
    "                      --no-head, JinaBertForSequenceClassification with --classifier: the\n"
    "                      layout of jina-embeddings-v2, model_type bert with position_embedding_type\n"
    "                      alibi, no position embeddings, the GeGLU MLP mlp.gated_layers [2I, H] (no\n"
    "                      bias), mlp.wo, mlp.layernorm; 8192 positions unless told)\n"
    "  --local-attention N ModernBERT: the local layers' window, keys within N/2 of the query (128)\n"
    "  --global-every N    ModernBERT: global_attn_every_n_layers, layers i % N == 0 global (3)\n"
    "  --biases            ModernBERT: attention_bias, mlp_bias, norm_bias and classifier_bias true,\n"
    "                      with those bias tensors (ModernBERT-base has none of them); NomicBERT:\n"
    "                      qkv_proj_bias, mlp_fc1_bias and mlp_fc2_bias (nomic-embed-text has none)\n"
    "  --classifier-pooling cls|mean  ModernBERT: config.json's classifier_pooling, what\n"
    "                      ModernBertForSequenceClassification pools (default mean, ModernBERT-base's)\n"
    "  --rotary-fraction F NomicBERT: rotary_emb_fraction, the share of each head's dimensions rotated\n"
    "                      (default 1.0; head width x F must be an even whole number)\n"
    "  --rotary-base B     NomicBERT: rotary_emb_base (default 1000, nomic-embed-text's)\n"
    "  --embedding-size N  ALBERT, ELECTRA: width of the embeddings (default 128, or half of --hidden\n"
    "                      when that is 128 or less: unlike --hidden, so that the projection runs)\n"
    "  --shape NAME        tiny (default: 32 hidden, 2 layers, 4 heads, 37 intermediate,\n"
    "                      64 positions), bert-base (bert-base-uncased's exact shape) or\n"
    "                      distilbert-base (distilbert-base-uncased's: bert-base with 6 layers)\n"
    "  --hidden N --layers N --heads N --intermediate N --positions N --types N\n"
    "                      (DistilBERT's config calls them dim, n_layers, n_heads, hidden_dim,\n"
    "                      max_position_embeddings; it has no token types, so no --types)\n"
    "  --vocab-size N      rows of the embedding (default: lines of VOCAB.txt)\n"
    "  --hidden-act NAME   gelu (the exact GELU; every family's default but ALBERT's) or gelu_new\n"
    "                      (the tanh GELU; ALBERT's default): config.json's hidden_act (DistilBERT:\n"
    "                      activation)\n"
    "  --seed N            default 1\n"
    "  --dtype F32|F16|BF16  tensor storage type (default F32)\n"
    "  --std X             standard deviation of weight matrices (default 0.02)\n"
    "  --no-head           leave out the MLM head (cls.predictions.*; DistilBERT: vocab_*;\n"
    "                      ModernBERT: head.*, decoder.*, and the \"model.\" prefix)\n"
    "  --no-prefix         names without the \"bert.\" (\"distilbert.\") prefix\n"
    "  --gamma-beta        LayerNorm parameters named gamma/beta (TF-era checkpoints; BERT only)\n"
    "  --with-decoder      also write cls.predictions.decoder.weight (DistilBERT:\n"
    "                      vocab_projector.weight; RoBERTa: lm_head.decoder.weight; ModernBERT:\n"
    "                      decoder.weight), a tied copy of the word embeddings\n"
    "  --untied            a decoder weight of its own and \"tie_word_embeddings\": false\n"
    "  --extra             add tensors vkbert must ignore (NSP head; BERT only)\n"
    "  --cased             tokenizer_config.json says \"do_lower_case\": false (a cased vocabulary,\n"
    "                      as bert-base-multilingual-cased's: accents kept, no lower-casing)\n"
    "  --pooler            write BERT's pooler (pooler.dense.weight [H,H], pooler.dense.bias [H],\n"
    "                      prefixed like the encoder): the default for BERT, as bert-base-uncased,\n"
    "                      all-MiniLM-L6-v2 and bge ship it; DistilBERT has none\n"
    "  --no-pooler         leave BERT's pooler out (not with --classifier, which needs it)\n"
    "  --classifier N      a sequence classifier of N labels instead of the MLM head (implies\n"
    "                      --no-head). BERT: BertForSequenceClassification, the pooler plus\n"
    "                      classifier.weight [N,H] and classifier.bias [N]; DistilBERT:\n"
    "                      DistilBertForSequenceClassification, pre_classifier.weight [dim,dim],\n"
    "                      pre_classifier.bias, classifier.weight [N,dim], classifier.bias;\n"
    "                      RoBERTa: classifier.dense [H,H] (+ tanh on <s>) and classifier.out_proj [N,H];\n"
    "                      ALBERT: albert.pooler [H,H] (+ tanh) and classifier [N,H]; ELECTRA:\n"
    "                      ElectraClassificationHead's classifier.dense [H,H] (+ GELU) and\n"
    "                      classifier.out_proj [N,H]; ModernBERT: ModernBertForSequenceClassification,\n"
    "                      the encoder under \"model.\", head.dense [H,H] and head.norm (the MLM\n"
    "                      head's transform) and classifier [N,H] with its bias, no decoder (with\n"
    "                      --head tokcls ModernBertForTokenClassification, --head qa\n"
    "                      ModernBertForQuestionAnswering: the same transform on every token).\n"
    "                      The head's names are never prefixed (as Hugging Face names them);\n"
    "                      config.json gets \"architectures\", \"id2label\" and \"label2id\"\n"
    "  --labels A,B,...    the labels' names, N of them (default LABEL_0, LABEL_1, ...)\n"
    "  --problem-type T    config.json's \"problem_type\" (e.g. multi_label_classification)\n"
    "  --no-id2label       leave id2label and label2id out of config.json (for error tests)\n"
    "  --head KIND         seqcls (default: --classifier's sequence classifier), tokcls (BERT,\n"
    "                      DistilBERT: *ForTokenClassification, classifier.weight [N,H] and\n"
    "                      classifier.bias [N] on every token, N from --classifier, no pooler) or qa\n"
    "                      (BERT, DistilBERT: *ForQuestionAnswering, qa_outputs.weight [2,H] and\n"
    "                      qa_outputs.bias [2], no pooler); both without the MLM head\n";

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s) { return ((splitmix(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

static double normal(uint64_t *s) {
    double u = uniform01(s), v = uniform01(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static uint64_t hash_name(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; ++s) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static uint16_t to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    int32_t e = (int32_t)((x >> 23) & 0xFF) - 127 + 15;
    uint32_t m = x & 0x7FFFFF;
    if (e >= 31) return (uint16_t)(sign | 0x7C00);
    if (e <= 0) {
        if (e < -10) return (uint16_t)sign;
        m |= 0x800000;
        uint32_t shift = (uint32_t)(14 - e), h = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) ++h;
        return (uint16_t)(sign | h);
    }
    uint32_t h = sign | ((uint32_t)e << 10) | (m >> 13), rem = m & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
    return (uint16_t)h;
}

static uint16_t to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    x += 0x7FFF + ((x >> 16) & 1); /* round to nearest even */
    return (uint16_t)(x >> 16);
}

/* A *ForSequenceClassification head's tensors sit beside the encoder, never under its prefix. */
static bool is_class_head(const char *name) {
    return strncmp(name, "classifier.", 11) == 0 || strncmp(name, "pre_classifier.", 15) == 0 ||
           strncmp(name, "qa_outputs.", 11) == 0;
}

static int add(tensor *t, int n, const cfg *c, const char *name, uint64_t d0, uint64_t d1, int kind) {
    const char *pre;
    if (c->family == FAMILY_DISTILBERT) /* the MLM head (vocab_*) sits beside "distilbert.", not in it */
        pre = (c->no_prefix || strncmp(name, "vocab_", 6) == 0 || is_class_head(name)) ? "" : "distilbert.";
    else if (c->family == FAMILY_ROBERTA) /* as lm_head.* */
        pre = (c->no_prefix || strncmp(name, "lm_head.", 8) == 0 || is_class_head(name)) ? "" : "roberta.";
    else if (c->family == FAMILY_ALBERT) /* AlbertForMaskedLM's predictions.* */
        pre = (c->no_prefix || strncmp(name, "predictions.", 12) == 0 || is_class_head(name)) ? "" : "albert.";
    else if (c->family == FAMILY_ELECTRA) /* generator_predictions.*, generator_lm_head.* */
        pre = (c->no_prefix || strncmp(name, "generator_", 10) == 0 || is_class_head(name)) ? "" : "electra.";
    else if (c->family == FAMILY_MODERNBERT) /* the heads' head.*, decoder.*, classifier.*; ModernBertModel has no prefix */
        pre = (c->no_prefix || (c->no_head && !c->classifier && c->head != HEAD_QA) || strncmp(name, "head.", 5) == 0 ||
               strncmp(name, "decoder.", 8) == 0 || is_class_head(name)) ? "" : "model.";
    else if (c->family == FAMILY_NOMIC) /* NomicBertModel's names; only NomicBertForPreTraining has "bert." */
        pre = "";
    else
        pre = (c->no_prefix || strncmp(name, "cls.", 4) == 0 || is_class_head(name)) ? "" : "bert.";
    char nm[160];
    snprintf(nm, sizeof nm, "%s%s", pre, name);
    if (c->gamma_beta && strstr(nm, "LayerNorm.")) {
        size_t l = strlen(nm);
        if (l > 7 && !strcmp(nm + l - 7, ".weight")) strcpy(nm + l - 7, ".gamma");
        else if (l > 5 && !strcmp(nm + l - 5, ".bias")) strcpy(nm + l - 5, ".beta");
    }
    snprintf(t[n].name, sizeof t[n].name, "%s", nm);
    snprintf(t[n].canonical, sizeof t[n].canonical, "%s", name); /* seeds values: same for every naming variant */
    t[n].d0 = d0;
    t[n].d1 = d1;
    t[n].kind = kind;
    return n + 1;
}

/* A Linear's "<p>.weight" [d0, d1] and "<p>.bias" [d0]. */
static int add_linear(tensor *t, int n, const cfg *c, const char *p, uint64_t d0, uint64_t d1) {
    char b[160];
    snprintf(b, sizeof b, "%s.weight", p);
    n = add(t, n, c, b, d0, d1, 0);
    snprintf(b, sizeof b, "%s.bias", p);
    return add(t, n, c, b, d0, 0, 1);
}

/* A LayerNorm's "<p>.weight" and "<p>.bias", [d] each. */
static int add_norm(tensor *t, int n, const cfg *c, const char *p, uint64_t d) {
    char b[160];
    snprintf(b, sizeof b, "%s.weight", p);
    n = add(t, n, c, b, d, 0, 2);
    snprintf(b, sizeof b, "%s.bias", p);
    return add(t, n, c, b, d, 0, 1);
}

/* DistilBertForMaskedLM's tensors (modeling_distilbert.py); word embeddings first (generate()
 * takes the tied copy's values from t[0]). */
static int list_distil_tensors(const cfg *c, tensor *t) {
    int n = 0;
    uint64_t H = c->hidden, I = c->intermediate, V = c->vocab_size;
    n = add(t, n, c, "embeddings.word_embeddings.weight", V, H, 0);
    n = add(t, n, c, "embeddings.position_embeddings.weight", c->positions, H, 0);
    n = add(t, n, c, "embeddings.LayerNorm.weight", H, 0, 2);
    n = add(t, n, c, "embeddings.LayerNorm.bias", H, 0, 1);
    for (uint32_t l = 0; l < c->layers; ++l) {
        char b[160];
        static const char *lin[] = {"q_lin", "k_lin", "v_lin", "out_lin"};
        for (int k = 0; k < 4; ++k) {
            snprintf(b, sizeof b, "transformer.layer.%u.attention.%s.weight", l, lin[k]);
            n = add(t, n, c, b, H, H, 0);
            snprintf(b, sizeof b, "transformer.layer.%u.attention.%s.bias", l, lin[k]);
            n = add(t, n, c, b, H, 0, 1);
        }
        snprintf(b, sizeof b, "transformer.layer.%u.sa_layer_norm.weight", l); n = add(t, n, c, b, H, 0, 2);
        snprintf(b, sizeof b, "transformer.layer.%u.sa_layer_norm.bias", l); n = add(t, n, c, b, H, 0, 1);
        snprintf(b, sizeof b, "transformer.layer.%u.ffn.lin1.weight", l); n = add(t, n, c, b, I, H, 0);
        snprintf(b, sizeof b, "transformer.layer.%u.ffn.lin1.bias", l); n = add(t, n, c, b, I, 0, 1);
        snprintf(b, sizeof b, "transformer.layer.%u.ffn.lin2.weight", l); n = add(t, n, c, b, H, I, 0);
        snprintf(b, sizeof b, "transformer.layer.%u.ffn.lin2.bias", l); n = add(t, n, c, b, H, 0, 1);
        snprintf(b, sizeof b, "transformer.layer.%u.output_layer_norm.weight", l); n = add(t, n, c, b, H, 0, 2);
        snprintf(b, sizeof b, "transformer.layer.%u.output_layer_norm.bias", l); n = add(t, n, c, b, H, 0, 1);
    }
    if (!c->no_head) {
        n = add_linear(t, n, c, "vocab_transform", H, H);
        n = add_norm(t, n, c, "vocab_layer_norm", H);
        if (c->with_decoder || c->untied)
            n = add(t, n, c, "vocab_projector.weight", V, H, c->untied ? 0 : 3);
        n = add(t, n, c, "vocab_projector.bias", V, 0, 1);
    }
    if (c->classifier && c->head == HEAD_SEQCLS) { /* DistilBertForSequenceClassification */
        n = add_linear(t, n, c, "pre_classifier", H, H);
        n = add_linear(t, n, c, "classifier", c->classifier, H);
    }
    if (c->head == HEAD_TOKCLS) n = add_linear(t, n, c, "classifier", c->classifier, H);
    if (c->head == HEAD_QA) n = add_linear(t, n, c, "qa_outputs", 2, H);
    return n;
}

/* RobertaForMaskedLM's lm_head or RobertaForSequenceClassification's classifier after the
 * encoder tensors; the pooler only with --pooler (RobertaModel's, which the heads never read). */
static int list_roberta_head(const cfg *c, tensor *t, int n) {
    uint64_t H = c->hidden, V = c->vocab_size;
    if (c->pooler) n = add_linear(t, n, c, "pooler.dense", H, H);
    if (!c->no_head) {
        n = add_linear(t, n, c, "lm_head.dense", H, H);
        n = add_norm(t, n, c, "lm_head.layer_norm", H);
        if (c->with_decoder || c->untied)
            n = add(t, n, c, "lm_head.decoder.weight", V, H, c->untied ? 0 : 3);
        n = add(t, n, c, "lm_head.bias", V, 0, 1);
    }
    if (c->classifier) {
        n = add_linear(t, n, c, "classifier.dense", H, H);
        n = add_linear(t, n, c, "classifier.out_proj", c->classifier, H);
    }
    return n;
}

/* The embeddings of BERT's layout, E wide; word embeddings first (generate() takes the tied
 * decoder's values from t[0]). */
static int add_embeddings(tensor *t, int n, const cfg *c, uint64_t E) {
    n = add(t, n, c, "embeddings.word_embeddings.weight", c->vocab_size, E, 0);
    if (c->family != FAMILY_JINA) /* ALiBi: no position embeddings */
        n = add(t, n, c, "embeddings.position_embeddings.weight", c->positions, E, 0);
    n = add(t, n, c, "embeddings.token_type_embeddings.weight", c->types, E, 0);
    return add_norm(t, n, c, "embeddings.LayerNorm", E);
}

/* A masked-LM transform and decoder of embedding width E (ALBERT's predictions.*, ELECTRA's
 * generator_*): dense [E,H], norm [E], the decoder [V,E] with --with-decoder (a tied copy) or
 * --untied, its bias [V]. */
static int add_mlm_head(tensor *t, int n, const cfg *c, const char *dense, const char *norm, const char *decoder,
                        const char *bias, uint64_t E) {
    n = add_linear(t, n, c, dense, E, c->hidden);
    n = add_norm(t, n, c, norm, E);
    if (c->with_decoder || c->untied) n = add(t, n, c, decoder, c->vocab_size, E, c->untied ? 0 : 3);
    return add(t, n, c, bias, c->vocab_size, 0, 1);
}

/* AlbertForMaskedLM's tensors (modeling_albert.py): factorised embeddings, their projection, the
 * one layer of the one layer group that every layer runs; AlbertModel's pooler (no MLM head, or
 * AlbertForSequenceClassification). */
static int list_albert_tensors(const cfg *c, tensor *t) {
    uint64_t H = c->hidden, I = c->intermediate, E = c->embedding;
    int n = add_embeddings(t, 0, c, E);
    n = add_linear(t, n, c, "encoder.embedding_hidden_mapping_in", H, E);
#define AL "encoder.albert_layer_groups.0.albert_layers.0."
    n = add_linear(t, n, c, AL "attention.query", H, H);
    n = add_linear(t, n, c, AL "attention.key", H, H);
    n = add_linear(t, n, c, AL "attention.value", H, H);
    n = add_linear(t, n, c, AL "attention.dense", H, H);
    n = add_norm(t, n, c, AL "attention.LayerNorm", H);
    n = add_linear(t, n, c, AL "ffn", I, H);
    n = add_linear(t, n, c, AL "ffn_output", H, I);
    n = add_norm(t, n, c, AL "full_layer_layer_norm", H);
#undef AL
    if (c->pooler || c->classifier || (c->no_head && !c->no_pooler)) n = add_linear(t, n, c, "pooler", H, H);
    if (!c->no_head)
        n = add_mlm_head(t, n, c, "predictions.dense", "predictions.LayerNorm", "predictions.decoder.weight",
                         "predictions.bias", E);
    if (c->classifier) n = add_linear(t, n, c, "classifier", c->classifier, H);
    return n;
}

/* ElectraForMaskedLM's head or ElectraForSequenceClassification's after the encoder tensors. */
static int list_electra_head(const cfg *c, tensor *t, int n) {
    uint64_t H = c->hidden;
    if (!c->no_head)
        n = add_mlm_head(t, n, c, "generator_predictions.dense", "generator_predictions.LayerNorm",
                         "generator_lm_head.weight", "generator_lm_head.bias", c->embedding);
    if (c->classifier) {
        n = add_linear(t, n, c, "classifier.dense", H, H);
        n = add_linear(t, n, c, "classifier.out_proj", c->classifier, H);
    }
    return n;
}

/* "<p>.weight" [d0, d1] and, with --biases, "<p>.bias" [d0]: ModernBERT's Linears (d1 > 0) and
 * LayerNorms (d1 == 0, weights near 1). */
static int add_modern(tensor *t, int n, const cfg *c, const char *p, uint64_t d0, uint64_t d1) {
    char b[160];
    snprintf(b, sizeof b, "%s.weight", p);
    n = add(t, n, c, b, d0, d1, d1 ? 0 : 2);
    if (!c->biases) return n;
    snprintf(b, sizeof b, "%s.bias", p);
    return add(t, n, c, b, d0, 0, 1);
}

/* ModernBertForMaskedLM's tensors (modeling_modernbert.py); tok_embeddings first (generate() takes
 * the tied decoder's values from t[0]). Layer 0 has no attn_norm (nn.Identity: the embeddings'
 * norm precedes it); the MLM head's decoder.bias is there whatever --biases says (decoder_bias).
 * ModernBertForSequenceClassification keeps the head's transform (head.dense, head.norm) and puts
 * an nn.Linear classifier after it, whose bias classifier_bias does not govern. */
static int list_modernbert_tensors(const cfg *c, tensor *t) {
    uint64_t H = c->hidden, I = c->intermediate, V = c->vocab_size;
    int n = add(t, 0, c, "embeddings.tok_embeddings.weight", V, H, 0);
    n = add_modern(t, n, c, "embeddings.norm", H, 0);
    for (uint32_t l = 0; l < c->layers; ++l) {
        char b[160];
        if (l > 0) { snprintf(b, sizeof b, "layers.%u.attn_norm", l); n = add_modern(t, n, c, b, H, 0); }
        snprintf(b, sizeof b, "layers.%u.attn.Wqkv", l); n = add_modern(t, n, c, b, 3 * H, H);
        snprintf(b, sizeof b, "layers.%u.attn.Wo", l); n = add_modern(t, n, c, b, H, H);
        snprintf(b, sizeof b, "layers.%u.mlp_norm", l); n = add_modern(t, n, c, b, H, 0);
        snprintf(b, sizeof b, "layers.%u.mlp.Wi", l); n = add_modern(t, n, c, b, 2 * I, H);
        snprintf(b, sizeof b, "layers.%u.mlp.Wo", l); n = add_modern(t, n, c, b, H, I);
    }
    n = add_modern(t, n, c, "final_norm", H, 0);
    if (c->no_head && !c->classifier && c->head != HEAD_QA) return n;
    n = add_modern(t, n, c, "head.dense", H, H);
    n = add_modern(t, n, c, "head.norm", H, 0);
    /* ModernBertForQuestionAnswering: its [2, H] start/end Linear is named classifier in transformers */
    if (c->head == HEAD_QA) return add_linear(t, n, c, "classifier", 2, H);
    if (c->classifier) return add_linear(t, n, c, "classifier", c->classifier, H); /* sequence or token */
    if (c->with_decoder || c->untied) n = add(t, n, c, "decoder.weight", V, H, c->untied ? 0 : 3);
    return add(t, n, c, "decoder.bias", V, 0, 1);
}

/* NomicBertModel's tensors (modeling_hf_nomic_bert.py): no position embeddings (rotary), emb_ln
 * after word + token type embeddings; post-norm layers with a fused Wqkv [3H, H], out_proj, the
 * gated MLP's fc11 (the value) and fc12 (the gate) [I, H] and fc2 [H, I], norm1 and norm2 (always
 * with biases). The Linears' biases only with --biases (qkv_proj_bias covers Wqkv and out_proj,
 * mlp_fc1_bias fc11 and fc12, mlp_fc2_bias fc2). */
static int list_nomic_tensors(const cfg *c, tensor *t) {
    uint64_t H = c->hidden, I = c->intermediate;
    int n = add(t, 0, c, "embeddings.word_embeddings.weight", c->vocab_size, H, 0);
    n = add(t, n, c, "embeddings.token_type_embeddings.weight", c->types, H, 0);
    n = add_norm(t, n, c, "emb_ln", H);
    for (uint32_t l = 0; l < c->layers; ++l) {
        char b[160];
        snprintf(b, sizeof b, "encoder.layers.%u.attn.Wqkv", l); n = add_modern(t, n, c, b, 3 * H, H);
        snprintf(b, sizeof b, "encoder.layers.%u.attn.out_proj", l); n = add_modern(t, n, c, b, H, H);
        snprintf(b, sizeof b, "encoder.layers.%u.mlp.fc11", l); n = add_modern(t, n, c, b, I, H);
        snprintf(b, sizeof b, "encoder.layers.%u.mlp.fc12", l); n = add_modern(t, n, c, b, I, H);
        snprintf(b, sizeof b, "encoder.layers.%u.mlp.fc2", l); n = add_modern(t, n, c, b, H, I);
        snprintf(b, sizeof b, "encoder.layers.%u.norm1", l); n = add_norm(t, n, c, b, H);
        snprintf(b, sizeof b, "encoder.layers.%u.norm2", l); n = add_norm(t, n, c, b, H);
    }
    return n;
}

static int list_tensors(const cfg *c, tensor *t) {
    if (c->family == FAMILY_DISTILBERT) return list_distil_tensors(c, t);
    if (c->family == FAMILY_MODERNBERT) return list_modernbert_tensors(c, t);
    if (c->family == FAMILY_NOMIC) return list_nomic_tensors(c, t);
    if (c->family == FAMILY_ALBERT) return list_albert_tensors(c, t);
    uint64_t H = c->hidden, I = c->intermediate, V = c->vocab_size;
    bool electra = c->family == FAMILY_ELECTRA;
    int n = add_embeddings(t, 0, c, electra ? c->embedding : H);
    if (electra && c->embedding != c->hidden) n = add_linear(t, n, c, "embeddings_project", H, c->embedding);
    for (uint32_t l = 0; l < c->layers; ++l) {
        char b[160];
        static const char *qkv[] = {"query", "key", "value"};
        for (int k = 0; k < 3; ++k) {
            snprintf(b, sizeof b, "encoder.layer.%u.attention.self.%s.weight", l, qkv[k]);
            n = add(t, n, c, b, H, H, 0);
            snprintf(b, sizeof b, "encoder.layer.%u.attention.self.%s.bias", l, qkv[k]);
            n = add(t, n, c, b, H, 0, 1);
        }
        snprintf(b, sizeof b, "encoder.layer.%u.attention.output.dense.weight", l); n = add(t, n, c, b, H, H, 0);
        snprintf(b, sizeof b, "encoder.layer.%u.attention.output.dense.bias", l); n = add(t, n, c, b, H, 0, 1);
        snprintf(b, sizeof b, "encoder.layer.%u.attention.output.LayerNorm.weight", l); n = add(t, n, c, b, H, 0, 2);
        snprintf(b, sizeof b, "encoder.layer.%u.attention.output.LayerNorm.bias", l); n = add(t, n, c, b, H, 0, 1);
        if (c->family == FAMILY_JINA) { /* JinaBertGLUMLP: gated_layers (no bias), wo, layernorm */
            snprintf(b, sizeof b, "encoder.layer.%u.mlp.gated_layers.weight", l); n = add(t, n, c, b, 2 * I, H, 0);
            snprintf(b, sizeof b, "encoder.layer.%u.mlp.wo", l); n = add_linear(t, n, c, b, H, I);
            snprintf(b, sizeof b, "encoder.layer.%u.mlp.layernorm", l); n = add_norm(t, n, c, b, H);
            continue;
        }
        snprintf(b, sizeof b, "encoder.layer.%u.intermediate.dense.weight", l); n = add(t, n, c, b, I, H, 0);
        snprintf(b, sizeof b, "encoder.layer.%u.intermediate.dense.bias", l); n = add(t, n, c, b, I, 0, 1);
        snprintf(b, sizeof b, "encoder.layer.%u.output.dense.weight", l); n = add(t, n, c, b, H, I, 0);
        snprintf(b, sizeof b, "encoder.layer.%u.output.dense.bias", l); n = add(t, n, c, b, H, 0, 1);
        snprintf(b, sizeof b, "encoder.layer.%u.output.LayerNorm.weight", l); n = add(t, n, c, b, H, 0, 2);
        snprintf(b, sizeof b, "encoder.layer.%u.output.LayerNorm.bias", l); n = add(t, n, c, b, H, 0, 1);
    }
    if (c->family == FAMILY_ROBERTA) return list_roberta_head(c, t, n);
    if (electra) return list_electra_head(c, t, n);
    if (!c->no_pooler) {
        n = add(t, n, c, "pooler.dense.weight", H, H, 0);
        n = add(t, n, c, "pooler.dense.bias", H, 0, 1);
    }
    if (!c->no_head) {
        n = add(t, n, c, "cls.predictions.bias", V, 0, 1);
        n = add(t, n, c, "cls.predictions.transform.dense.weight", H, H, 0);
        n = add(t, n, c, "cls.predictions.transform.dense.bias", H, 0, 1);
        n = add(t, n, c, "cls.predictions.transform.LayerNorm.weight", H, 0, 2);
        n = add(t, n, c, "cls.predictions.transform.LayerNorm.bias", H, 0, 1);
        if (c->with_decoder || c->untied)
            n = add(t, n, c, "cls.predictions.decoder.weight", V, H, c->untied ? 0 : 3);
    }
    if (c->extra) {
        n = add(t, n, c, "cls.seq_relationship.weight", 2, H, 0);
        n = add(t, n, c, "cls.seq_relationship.bias", 2, 0, 1);
    }
    if (c->classifier) { /* BertForSequenceClassification: the pooler above, then this; or BertForTokenClassification */
        n = add(t, n, c, "classifier.weight", c->classifier, H, 0);
        n = add(t, n, c, "classifier.bias", c->classifier, 0, 1);
    }
    if (c->head == HEAD_QA) n = add_linear(t, n, c, "qa_outputs", 2, H);
    return n;
}

static uint64_t count_of(const tensor *t) { return t->d0 * (t->d1 ? t->d1 : 1); }

/* Values of one tensor; the tied decoder (kind 3) repeats the word embeddings. */
static void generate(const cfg *c, const tensor *t, const tensor *word, float *dst) {
    const tensor *src = t->kind == 3 ? word : t;
    uint64_t s = c->seed * 0x9E3779B97F4A7C15ull ^ hash_name(src->canonical);
    uint64_t n = count_of(t);
    for (uint64_t i = 0; i < n; ++i) {
        double z = normal(&s);
        dst[i] = (float)(src->kind == 2 ? 1.0 + 0.1 * z : src->kind == 1 ? 0.02 * z : c->std * z);
    }
}

static int write_text(const char *dir, const char *name, const char *text) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = vkb_fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "vkbert-make-model: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

static int copy_vocab(const cfg *c, uint32_t *lines) {
    FILE *in = vkb_fopen(c->vocab, "rb");
    if (!in) {
        fprintf(stderr, "vkbert-make-model: cannot open vocabulary %s: %s\n", c->vocab, strerror(errno));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/vocab.txt", c->out);
    FILE *out = vkb_fopen(path, "wb");
    if (!out) {
        fclose(in);
        fprintf(stderr, "vkbert-make-model: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    int ch, last = '\n';
    *lines = 0;
    while ((ch = fgetc(in)) != EOF) {
        fputc(ch, out);
        if (ch == '\n') ++*lines;
        last = ch;
    }
    if (last != '\n') ++*lines;
    fclose(in);
    return fclose(out) != 0;
}

static int write_safetensors(const cfg *c) {
    tensor *t = calloc(16 + 16 * (size_t)c->layers + 16, sizeof *t);
    if (!t) return 1;
    int n = list_tensors(c, t);
    uint32_t esize = strcmp(c->dtype, "F32") == 0 ? 4 : 2;
    size_t cap = 256 + (size_t)n * 256, len = 0;
    char *hdr = malloc(cap);
    if (!hdr) return 1;
    len += (size_t)snprintf(hdr + len, cap - len, "{\"__metadata__\":{\"format\":\"pt\"}");
    uint64_t off = 0, max_count = 0;
    for (int i = 0; i < n; ++i) {
        uint64_t bytes = count_of(&t[i]) * esize;
        if (count_of(&t[i]) > max_count) max_count = count_of(&t[i]);
        if (t[i].d1)
            len += (size_t)snprintf(hdr + len, cap - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%llu,%llu],\"data_offsets\":[%llu,%llu]}",
                                    t[i].name, c->dtype, (unsigned long long)t[i].d0, (unsigned long long)t[i].d1,
                                    (unsigned long long)off, (unsigned long long)(off + bytes));
        else
            len += (size_t)snprintf(hdr + len, cap - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%llu],\"data_offsets\":[%llu,%llu]}",
                                    t[i].name, c->dtype, (unsigned long long)t[i].d0, (unsigned long long)off,
                                    (unsigned long long)(off + bytes));
        off += bytes;
    }
    len += (size_t)snprintf(hdr + len, cap - len, "}");
    while (len % 8) hdr[len++] = ' ';
    char path[4096];
    snprintf(path, sizeof path, "%s/model.safetensors", c->out);
    FILE *f = vkb_fopen(path, "wb");
    float *vals = malloc(max_count * sizeof(float));
    uint16_t *half = malloc(max_count * sizeof(uint16_t));
    int rc = (!f || !vals || !half) ? 1 : 0;
    if (!rc) {
        unsigned char l8[8];
        for (int i = 0; i < 8; ++i) l8[i] = (unsigned char)((uint64_t)len >> (8 * i));
        rc = fwrite(l8, 1, 8, f) != 8 || fwrite(hdr, 1, len, f) != len;
    }
    for (int i = 0; i < n && !rc; ++i) {
        uint64_t cnt = count_of(&t[i]);
        generate(c, &t[i], &t[0], vals);
        if (esize == 4) {
            rc = fwrite(vals, 4, cnt, f) != cnt;
        } else {
            for (uint64_t k = 0; k < cnt; ++k) half[k] = strcmp(c->dtype, "F16") == 0 ? to_half(vals[k]) : to_bf16(vals[k]);
            rc = fwrite(half, 2, cnt, f) != cnt;
        }
    }
    if (f && fclose(f) != 0) rc = 1;
    if (rc) fprintf(stderr, "vkbert-make-model: cannot write %s: %s\n", path, strerror(errno));
    free(vals);
    free(half);
    free(hdr);
    free(t);
    return rc;
}

static bool parse_u32(const char *s, uint32_t *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > 0xFFFFFFFFul) return false;
    *out = (uint32_t)v;
    return true;
}

/* The label names of --labels (or LABEL_0..), JSON-escaped, into names[0..N). */
static char **label_names(const cfg *c) {
    char **names = calloc(c->classifier, sizeof *names);
    if (!names) return NULL;
    const char *p = c->labels;
    for (uint32_t i = 0; i < c->classifier; ++i) {
        size_t len = 0;
        const char *src = NULL;
        char dflt[32];
        if (p) {
            len = strcspn(p, ",");
            src = p;
            p += len + (p[len] == ',');
        } else {
            len = (size_t)snprintf(dflt, sizeof dflt, "LABEL_%u", i);
            src = dflt;
        }
        names[i] = malloc(len * 6 + 1);
        if (!names[i]) return NULL; /* leaks on out-of-memory: the process exits */
        size_t o = 0;
        for (size_t k = 0; k < len; ++k) {
            unsigned char ch = (unsigned char)src[k];
            if (ch == '"' || ch == '\\') { names[i][o++] = '\\'; names[i][o++] = (char)ch; }
            else if (ch < 0x20) o += (size_t)sprintf(names[i] + o, "\\u%04x", ch);
            else names[i][o++] = (char)ch;
        }
        names[i][o] = 0;
    }
    return names;
}

/* A classifier's config.json lines: id2label, label2id and problem_type ("" without a classifier). */
static char *class_head_json(const cfg *c) {
    size_t cap = 256 + (c->labels ? strlen(c->labels) * 12 : 0) + (size_t)c->classifier * 80;
    char *out = malloc(cap);
    if (!out) return NULL;
    size_t len = 0;
    out[0] = 0;
    if (c->classifier && !c->no_id2label) {
        char **names = label_names(c);
        if (!names) return NULL;
        len += (size_t)snprintf(out + len, cap - len, "  \"id2label\": {");
        for (uint32_t i = 0; i < c->classifier; ++i)
            len += (size_t)snprintf(out + len, cap - len, "%s\"%u\": \"%s\"", i ? ", " : "", i, names[i]);
        len += (size_t)snprintf(out + len, cap - len, "},\n  \"label2id\": {");
        for (uint32_t i = 0; i < c->classifier; ++i)
            len += (size_t)snprintf(out + len, cap - len, "%s\"%s\": %u", i ? ", " : "", names[i], i);
        len += (size_t)snprintf(out + len, cap - len, "},\n");
        for (uint32_t i = 0; i < c->classifier; ++i) free(names[i]);
        free(names);
    }
    if (c->problem_type) {
        size_t need = len + strlen(c->problem_type) + 32;
        if (need > cap) {
            char *grown = realloc(out, need);
            if (!grown) return NULL;
            out = grown;
            cap = need;
        }
        len += (size_t)snprintf(out + len, cap - len, "  \"problem_type\": \"%s\",\n", c->problem_type);
    }
    return out;
}

/* roberta-base's config.json (and the XLM-R / CamemBERT ones, the same keys) with this shape. */
static int write_roberta_config(const cfg *c) {
    char *head = class_head_json(c);
    if (!head) return 1;
    size_t cap = 1536 + strlen(head);
    char *json = malloc(cap);
    if (!json) { free(head); return 1; }
    const roberta_kind *k = c->roberta;
    snprintf(json, cap,
             "{\n  \"architectures\": [\"%s\"],\n  \"attention_probs_dropout_prob\": 0.1,\n  \"bos_token_id\": 0,\n"
             "  \"eos_token_id\": 2,\n  \"hidden_act\": \"%s\",\n  \"hidden_dropout_prob\": 0.1,\n  \"hidden_size\": %u,\n%s"
             "  \"initializer_range\": 0.02,\n  \"intermediate_size\": %u,\n  \"layer_norm_eps\": 1e-05,\n"
             "  \"max_position_embeddings\": %u,\n  \"model_type\": \"%s\",\n  \"num_attention_heads\": %u,\n"
             "  \"num_hidden_layers\": %u,\n  \"pad_token_id\": 1,\n  \"position_embedding_type\": \"absolute\",\n%s"
             "  \"type_vocab_size\": %u,\n  \"vocab_size\": %u,\n  \"vkbert_random_weights\": true,\n  \"vkbert_seed\": %llu\n}\n",
             c->classifier ? k->seqcls : c->no_head ? k->base : k->mlm, c->act, c->hidden, head, c->intermediate, c->positions,
             k->model_type, c->heads, c->layers, c->untied ? "  \"tie_word_embeddings\": false,\n" : "", c->types,
             c->vocab_size, (unsigned long long)c->seed);
    int rc = write_text(c->out, "config.json", json);
    free(json);
    free(head);
    return rc;
}

/* albert-base-v2's config.json with this model's shape. */
static int write_albert_config(const cfg *c) {
    char *head = class_head_json(c);
    if (!head) return 1;
    size_t cap = 1536 + strlen(head);
    char *json = malloc(cap);
    if (!json) { free(head); return 1; }
    snprintf(json, cap,
             "{\n  \"architectures\": [\"%s\"],\n  \"attention_probs_dropout_prob\": 0,\n  \"bos_token_id\": 2,\n"
             "  \"classifier_dropout_prob\": 0.1,\n  \"down_scale_factor\": 1,\n  \"embedding_size\": %u,\n"
             "  \"eos_token_id\": 3,\n  \"gap_size\": 0,\n  \"hidden_act\": \"%s\",\n  \"hidden_dropout_prob\": 0,\n"
             "  \"hidden_size\": %u,\n%s  \"initializer_range\": 0.02,\n  \"inner_group_num\": 1,\n"
             "  \"intermediate_size\": %u,\n  \"layer_norm_eps\": 1e-12,\n  \"max_position_embeddings\": %u,\n"
             "  \"model_type\": \"albert\",\n  \"net_structure_type\": 0,\n  \"num_attention_heads\": %u,\n"
             "  \"num_hidden_groups\": 1,\n  \"num_hidden_layers\": %u,\n  \"num_memory_blocks\": 0,\n"
             "  \"pad_token_id\": 0,\n  \"position_embedding_type\": \"absolute\",\n%s  \"type_vocab_size\": %u,\n"
             "  \"vocab_size\": %u,\n  \"vkbert_random_weights\": true,\n  \"vkbert_seed\": %llu\n}\n",
             c->classifier ? "AlbertForSequenceClassification" : c->no_head ? "AlbertModel" : "AlbertForMaskedLM",
             c->embedding, c->act, c->hidden, head, c->intermediate, c->positions, c->heads, c->layers,
             c->untied ? "  \"tie_word_embeddings\": false,\n" : "", c->types, c->vocab_size,
             (unsigned long long)c->seed);
    int rc = write_text(c->out, "config.json", json);
    free(json);
    free(head);
    return rc;
}

/* google/electra-small-generator's config.json (a classifier's: the discriminator's summary_*
 * keys too) with this model's shape. */
static int write_electra_config(const cfg *c) {
    char *head = class_head_json(c);
    if (!head) return 1;
    size_t cap = 1536 + strlen(head);
    char *json = malloc(cap);
    if (!json) { free(head); return 1; }
    snprintf(json, cap,
             "{\n  \"architectures\": [\"%s\"],\n  \"attention_probs_dropout_prob\": 0.1,\n  \"embedding_size\": %u,\n"
             "  \"hidden_act\": \"%s\",\n  \"hidden_dropout_prob\": 0.1,\n  \"hidden_size\": %u,\n%s"
             "  \"initializer_range\": 0.02,\n  \"intermediate_size\": %u,\n  \"layer_norm_eps\": 1e-12,\n"
             "  \"max_position_embeddings\": %u,\n  \"model_type\": \"electra\",\n  \"num_attention_heads\": %u,\n"
             "  \"num_hidden_layers\": %u,\n  \"pad_token_id\": 0,\n  \"position_embedding_type\": \"absolute\",\n%s%s"
             "  \"type_vocab_size\": %u,\n  \"vocab_size\": %u,\n  \"vkbert_random_weights\": true,\n"
             "  \"vkbert_seed\": %llu\n}\n",
             c->classifier ? "ElectraForSequenceClassification" : c->no_head ? "ElectraModel" : "ElectraForMaskedLM",
             c->embedding, c->act, c->hidden, head, c->intermediate, c->positions, c->heads, c->layers,
             c->classifier ? "  \"summary_activation\": \"gelu\",\n  \"summary_last_dropout\": 0.1,\n"
                             "  \"summary_type\": \"first\",\n  \"summary_use_proj\": true,\n" : "",
             c->untied ? "  \"tie_word_embeddings\": false,\n" : "", c->types, c->vocab_size,
             (unsigned long long)c->seed);
    int rc = write_text(c->out, "config.json", json);
    free(json);
    free(head);
    return rc;
}

/* answerdotai/ModernBERT-base's config.json (every key but transformers_version, in its order;
 * its values where this model's shape and options do not decide them) with this model's shape.
 * classifier_activation follows --hidden-act, as vkbert runs the heads with the encoder's activation;
 * a classifier's id2label, label2id (and problem_type) come after hidden_size, as the others'. */
static int write_modernbert_config(const cfg *c) {
    const char *b = c->biases ? "true" : "false";
    const char *dtype = !strcmp(c->dtype, "F16") ? "float16" : !strcmp(c->dtype, "BF16") ? "bfloat16" : "float32";
    char *head = class_head_json(c);
    if (!head) return 1;
    size_t cap = 2560 + strlen(head);
    char *json = malloc(cap);
    if (!json) { free(head); return 1; }
    snprintf(json, cap,
             "{\n  \"_name_or_path\": \"vkbert-make-model\",\n  \"architectures\": [\n    \"%s\"\n  ],\n"
             "  \"attention_bias\": %s,\n  \"attention_dropout\": 0.0,\n  \"bos_token_id\": 50281,\n"
             "  \"classifier_activation\": \"%s\",\n  \"classifier_bias\": %s,\n  \"classifier_dropout\": 0.0,\n"
             "  \"classifier_pooling\": \"%s\",\n  \"cls_token_id\": 50281,\n  \"decoder_bias\": true,\n"
             "  \"deterministic_flash_attn\": false,\n  \"embedding_dropout\": 0.0,\n  \"eos_token_id\": 50282,\n"
             "  \"global_attn_every_n_layers\": %u,\n  \"global_rope_theta\": 160000.0,\n"
             "  \"gradient_checkpointing\": false,\n  \"hidden_activation\": \"%s\",\n  \"hidden_size\": %u,\n%s"
             "  \"initializer_cutoff_factor\": 2.0,\n  \"initializer_range\": 0.02,\n  \"intermediate_size\": %u,\n"
             "  \"layer_norm_eps\": 1e-05,\n  \"local_attention\": %u,\n  \"local_rope_theta\": 10000.0,\n"
             "  \"max_position_embeddings\": %u,\n  \"mlp_bias\": %s,\n  \"mlp_dropout\": 0.0,\n"
             "  \"model_type\": \"modernbert\",\n  \"norm_bias\": %s,\n  \"norm_eps\": 1e-05,\n"
             "  \"num_attention_heads\": %u,\n  \"num_hidden_layers\": %u,\n  \"pad_token_id\": 50283,\n"
             "  \"position_embedding_type\": \"absolute\",\n  \"sep_token_id\": 50282,\n"
             "  \"tie_word_embeddings\": %s,\n  \"torch_dtype\": \"%s\",\n  \"vocab_size\": %u,\n"
             "  \"vkbert_random_weights\": true,\n  \"vkbert_seed\": %llu\n}\n",
             c->head == HEAD_TOKCLS ? "ModernBertForTokenClassification"
             : c->head == HEAD_QA  ? "ModernBertForQuestionAnswering"
             : c->classifier       ? "ModernBertForSequenceClassification"
             : c->no_head          ? "ModernBertModel" : "ModernBertForMaskedLM",
             b, c->act, b, c->classifier_pooling, c->global_every, c->act, c->hidden, head, c->intermediate,
             c->local_attention, c->positions, b, b, c->heads, c->layers, c->untied ? "false" : "true", dtype,
             c->vocab_size, (unsigned long long)c->seed);
    int rc = write_text(c->out, "config.json", json);
    free(json);
    free(head);
    return rc;
}

/* A JSON number that reads back as v, with a ".0" on whole numbers (as Python's json writes floats). */
static void json_real(char *buf, size_t cap, double v) {
    snprintf(buf, cap, "%.15g", v);
    if (!strpbrk(buf, ".eEn")) snprintf(buf + strlen(buf), cap - strlen(buf), ".0");
}

/* nomic-ai/nomic-embed-text-v1.5's config.json (its keys in its order, but transformers_version; its
 * values where this model's shape and options do not decide them): GPT2Config's keys with
 * NomicBertConfig's, auto_map to the remote code, "architectures" NomicBertModel. */
static int write_nomic_config(const cfg *c) {
    const char *b = c->biases ? "true" : "false";
    const char *dtype = !strcmp(c->dtype, "F16") ? "float16" : !strcmp(c->dtype, "BF16") ? "bfloat16" : "float32";
    char base[40], frac[40], json[3072];
    json_real(base, sizeof base, c->rotary_base);
    json_real(frac, sizeof frac, c->rotary_fraction);
    if (c->rotary_base == floor(c->rotary_base) && c->rotary_base < 1e15) /* the hub file's 1000, an integer */
        snprintf(base, sizeof base, "%.0f", c->rotary_base);
    snprintf(json, sizeof json,
             "{\n  \"_name_or_path\": \"vkbert-make-model\",\n  \"activation_function\": \"swiglu\",\n"
             "  \"architectures\": [\n    \"NomicBertModel\"\n  ],\n  \"attn_pdrop\": 0.0,\n  \"auto_map\": {\n"
             "    \"AutoConfig\": \"nomic-ai/nomic-bert-2048--configuration_hf_nomic_bert.NomicBertConfig\",\n"
             "    \"AutoModel\": \"nomic-ai/nomic-bert-2048--modeling_hf_nomic_bert.NomicBertModel\",\n"
             "    \"AutoModelForMaskedLM\": \"nomic-ai/nomic-bert-2048--modeling_hf_nomic_bert.NomicBertForPreTraining\"\n"
             "  },\n  \"bos_token_id\": null,\n  \"causal\": false,\n  \"dense_seq_output\": true,\n"
             "  \"embd_pdrop\": 0.0,\n  \"eos_token_id\": null,\n  \"fused_bias_fc\": true,\n"
             "  \"fused_dropout_add_ln\": true,\n  \"initializer_range\": 0.02,\n  \"layer_norm_epsilon\": 1e-12,\n"
             "  \"max_trained_positions\": 2048,\n  \"mlp_fc1_bias\": %s,\n  \"mlp_fc2_bias\": %s,\n"
             "  \"model_type\": \"nomic_bert\",\n  \"n_embd\": %u,\n  \"n_head\": %u,\n  \"n_inner\": %u,\n"
             "  \"n_layer\": %u,\n  \"n_positions\": %u,\n  \"pad_vocab_size_multiple\": 64,\n"
             "  \"parallel_block\": false,\n  \"parallel_block_tied_norm\": false,\n  \"prenorm\": false,\n"
             "  \"qkv_proj_bias\": %s,\n  \"reorder_and_upcast_attn\": false,\n  \"resid_pdrop\": 0.0,\n"
             "  \"rotary_emb_base\": %s,\n  \"rotary_emb_fraction\": %s,\n  \"rotary_emb_interleaved\": false,\n"
             "  \"rotary_emb_scale_base\": null,\n  \"rotary_scaling_factor\": null,\n"
             "  \"scale_attn_by_inverse_layer_idx\": false,\n  \"scale_attn_weights\": true,\n"
             "  \"summary_activation\": null,\n  \"summary_first_dropout\": 0.0,\n  \"summary_proj_to_labels\": true,\n"
             "  \"summary_type\": \"cls_index\",\n  \"summary_use_proj\": true,\n  \"torch_dtype\": \"%s\",\n"
             "  \"type_vocab_size\": %u,\n  \"use_cache\": true,\n  \"use_flash_attn\": true,\n"
             "  \"use_rms_norm\": false,\n  \"use_xentropy\": true,\n  \"vocab_size\": %u,\n"
             "  \"vkbert_random_weights\": true,\n  \"vkbert_seed\": %llu\n}\n",
             b, b, c->hidden, c->heads, c->intermediate, c->layers, c->positions, b, base, frac, dtype, c->types,
             c->vocab_size, (unsigned long long)c->seed);
    return write_text(c->out, "config.json", json);
}

static int write_bert_config(const cfg *c) {
    char *head = class_head_json(c);
    if (!head) return 1;
    size_t cap = 1024 + strlen(head);
    char *json = malloc(cap);
    if (!json) { free(head); return 1; }
    snprintf(json, cap,
             "{\n  \"architectures\": [\"%s\"],\n  \"model_type\": \"bert\",\n  \"vocab_size\": %u,\n"
             "  \"hidden_size\": %u,\n  \"num_hidden_layers\": %u,\n  \"num_attention_heads\": %u,\n"
             "  \"intermediate_size\": %u,\n  \"max_position_embeddings\": %u,\n  \"type_vocab_size\": %u,\n"
             "  \"hidden_act\": \"%s\",\n  \"layer_norm_eps\": 1e-12,\n  \"pad_token_id\": 0,\n"
             "  \"position_embedding_type\": \"absolute\",\n  \"tie_word_embeddings\": %s,\n%s"
             "  \"vkbert_random_weights\": true,\n  \"vkbert_seed\": %llu\n}\n",
             c->head == HEAD_TOKCLS ? "BertForTokenClassification" : c->head == HEAD_QA ? "BertForQuestionAnswering"
             : c->classifier ? "BertForSequenceClassification" : "BertForMaskedLM", c->vocab_size, c->hidden, c->layers,
             c->heads, c->intermediate, c->positions, c->types, c->act, c->untied ? "false" : "true", head,
             (unsigned long long)c->seed);
    int rc = write_text(c->out, "config.json", json);
    free(json);
    free(head);
    return rc;
}

/* jinaai/jina-embeddings-v2-small-en's config.json (its keys, but transformers_version; its values
 * where this model's shape and options do not decide them) with this model's shape: BertConfig's
 * keys with JinaBertConfig's (position_embedding_type alibi, feed_forward_type geglu, emb_pooler). */
static int write_jina_config(const cfg *c) {
    char *head = class_head_json(c);
    if (!head) return 1;
    size_t cap = 2048 + strlen(head);
    char *json = malloc(cap);
    if (!json) { free(head); return 1; }
    snprintf(json, cap,
             "{\n  \"_name_or_path\": \"vkbert-make-model\",\n  \"architectures\": [\n    \"%s\"\n  ],\n"
             "  \"attention_probs_dropout_prob\": 0.0,\n  \"attn_implementation\": null,\n  \"auto_map\": {\n"
             "    \"AutoConfig\": \"jinaai/jina-bert-implementation--configuration_bert.JinaBertConfig\",\n"
             "    \"AutoModel\": \"jinaai/jina-bert-implementation--modeling_bert.JinaBertModel\",\n"
             "    \"AutoModelForMaskedLM\": \"jinaai/jina-bert-implementation--modeling_bert.JinaBertForMaskedLM\",\n"
             "    \"AutoModelForSequenceClassification\": "
             "\"jinaai/jina-bert-implementation--modeling_bert.JinaBertForSequenceClassification\"\n  },\n"
             "  \"classifier_dropout\": null,\n  \"emb_pooler\": \"mean\",\n  \"feed_forward_type\": \"geglu\",\n"
             "  \"gradient_checkpointing\": false,\n  \"hidden_act\": \"%s\",\n  \"hidden_dropout_prob\": 0.1,\n"
             "  \"hidden_size\": %u,\n%s  \"initializer_range\": 0.02,\n  \"intermediate_size\": %u,\n"
             "  \"layer_norm_eps\": 1e-12,\n  \"max_position_embeddings\": %u,\n  \"model_max_length\": %u,\n"
             "  \"model_type\": \"bert\",\n  \"num_attention_heads\": %u,\n  \"num_hidden_layers\": %u,\n"
             "  \"pad_token_id\": 0,\n  \"position_embedding_type\": \"alibi\",\n  \"tie_word_embeddings\": %s,\n"
             "  \"torch_dtype\": \"%s\",\n  \"type_vocab_size\": %u,\n  \"use_cache\": true,\n  \"vocab_size\": %u,\n"
             "  \"vkbert_random_weights\": true,\n  \"vkbert_seed\": %llu\n}\n",
             c->classifier ? "JinaBertForSequenceClassification" : c->no_head ? "JinaBertModel" : "JinaBertForMaskedLM",
             c->act, c->hidden, head, c->intermediate, c->positions, c->positions, c->heads, c->layers,
             c->untied ? "false" : "true",
             !strcmp(c->dtype, "F16") ? "float16" : !strcmp(c->dtype, "BF16") ? "bfloat16" : "float32", c->types,
             c->vocab_size, (unsigned long long)c->seed);
    int rc = write_text(c->out, "config.json", json);
    free(json);
    free(head);
    return rc;
}

/* JinaBERT: BERT's options less those its checkpoints never have; the exact GELU (its GeGLU's);
 * 8192 positions unless told. */
static bool jina_options_ok(cfg *c) {
    const char *bad = c->gamma_beta   ? "--gamma-beta (no TF-era JinaBERT checkpoints)"
                      : c->extra      ? "--extra (no JinaBertForPreTraining here)"
                      : c->shape_set  ? "--shape (bert-base and distilbert-base are BERT's shapes)"
                      : c->act && strcmp(c->act, "gelu") ? "--hidden-act other than gelu (its GeGLU is nn.GELU())"
                      : c->head != HEAD_SEQCLS ? "--token-classifier or --qa (no such JinaBERT heads here)"
                                      : NULL;
    if (bad) fprintf(stderr, "vkbert-make-model: --family jina_bert does not take %s\n", bad);
    if (!c->positions_set) c->positions = 8192;
    return bad == NULL;
}

/* distilbert-base-uncased's config.json with this model's shape. Tied, it leaves out
 * "tie_word_embeddings" as the real one does (transformers' default: true); "tie_weights_" is the
 * key older transformers read instead. */
static int write_distil_config(const cfg *c) {
    char *head = class_head_json(c);
    if (!head) return 1;
    size_t cap = 1536 + strlen(head);
    char *json = malloc(cap);
    if (!json) { free(head); return 1; }
    snprintf(json, cap,
             "{\n  \"activation\": \"%s\",\n  \"architectures\": [\n    \"%s\"\n  ],\n"
             "  \"attention_dropout\": 0.1,\n  \"dim\": %u,\n  \"dropout\": 0.1,\n  \"hidden_dim\": %u,\n%s"
             "  \"initializer_range\": 0.02,\n  \"max_position_embeddings\": %u,\n  \"model_type\": \"distilbert\",\n"
             "  \"n_heads\": %u,\n  \"n_layers\": %u,\n  \"pad_token_id\": 0,\n  \"qa_dropout\": 0.1,\n"
             "  \"seq_classif_dropout\": 0.2,\n  \"sinusoidal_pos_embds\": false,\n  \"tie_weights_\": %s,\n%s"
             "  \"vocab_size\": %u,\n  \"vkbert_random_weights\": true,\n  \"vkbert_seed\": %llu\n}\n",
             c->act,
             c->head == HEAD_TOKCLS ? "DistilBertForTokenClassification"
             : c->head == HEAD_QA ? "DistilBertForQuestionAnswering"
             : c->classifier ? "DistilBertForSequenceClassification" : c->no_head ? "DistilBertModel" : "DistilBertForMaskedLM",
             c->hidden, c->intermediate, head, c->positions, c->heads, c->layers, c->untied ? "false" : "true",
             c->untied ? "  \"tie_word_embeddings\": false,\n" : "", c->vocab_size, (unsigned long long)c->seed);
    int rc = write_text(c->out, "config.json", json);
    free(json);
    free(head);
    return rc;
}

/* Options that mean nothing for DistilBERT are errors, not silently dropped. */
static bool distil_options_ok(const cfg *c) {
    const char *bad = c->types_set ? "--types (DistilBERT has no token type embeddings)"
                      : c->gamma_beta ? "--gamma-beta (no TF-era DistilBERT checkpoints)"
                      : c->extra      ? "--extra (the NSP head is BERT's)"
                      : c->pooler     ? "--pooler (DistilBERT has no pooler)"
                      : c->no_pooler  ? "--no-pooler (DistilBERT has no pooler)"
                                      : NULL;
    if (bad) fprintf(stderr, "vkbert-make-model: --family distilbert does not take %s\n", bad);
    return bad == NULL;
}

/* RoBERTa: one token type unless --types says otherwise; positions start at pad_token_id + 1. */
static bool roberta_options_ok(cfg *c) {
    const char *bad = c->gamma_beta ? "--gamma-beta (no TF-era RoBERTa checkpoints)"
                      : c->extra    ? "--extra (the NSP head is BERT's)"
                      : c->no_pooler ? "--no-pooler (RoBERTa's layouts have none unless --pooler)"
                      : c->positions < 3 ? "--positions under 3 (pad_token_id 1 takes the first two)"
                                     : NULL;
    if (bad) fprintf(stderr, "vkbert-make-model: --family %s does not take %s\n", c->roberta->family, bad);
    if (!c->types_set) c->types = 1;
    return bad == NULL;
}

/* ALBERT and ELECTRA: no TF-era names, no NSP head; ELECTRA has no pooler at all. The embedding
 * width defaults to 128, or half of a hidden size of 128 or less. */
static bool factorised_options_ok(cfg *c) {
    bool electra = c->family == FAMILY_ELECTRA;
    const char *bad = c->gamma_beta ? "--gamma-beta (no TF-era names in this layout)"
                      : c->extra    ? "--extra (the NSP head is BERT's)"
                      : electra && c->pooler ? "--pooler (ELECTRA has no pooler)"
                      : electra && c->no_pooler ? "--no-pooler (ELECTRA has no pooler)"
                                    : NULL;
    if (bad) fprintf(stderr, "vkbert-make-model: --family %s does not take %s\n", electra ? "electra" : "albert", bad);
    if (!c->embedding) c->embedding = c->hidden > 128 ? 128 : (c->hidden + 1) / 2;
    return bad == NULL;
}

/* ModernBERT: no token types, pooler, TF-era names or NSP head; a rotary head needs an even width.
 * Its defaults: ModernBERT-base's window, layer pattern, positions, classifier_pooling; the
 * vocabulary size is settled after vocab.txt is read. */
static bool modernbert_options_ok(cfg *c) {
    const char *bad = c->types_set    ? "--types (ModernBERT has no token type embeddings)"
                      : c->gamma_beta ? "--gamma-beta (no TF-era ModernBERT checkpoints)"
                      : c->extra      ? "--extra (the NSP head is BERT's)"
                      : c->pooler     ? "--pooler (ModernBERT has no pooler)"
                      : c->no_pooler  ? "--no-pooler (ModernBERT has no pooler)"
                      : c->shape_set  ? "--shape (bert-base and distilbert-base are BERT's shapes)"
                      : c->cased      ? "--cased (its tokenizer is ModernBERT-base's tokenizer.json, cased)"
                      : (c->hidden / c->heads) % 2 ? "an odd head width (--hidden / --heads: rotary pairs its halves)"
                                      : NULL;
    if (bad) fprintf(stderr, "vkbert-make-model: --family modernbert does not take %s\n", bad);
    if (!c->local_attention) c->local_attention = 128;
    if (!c->global_every) c->global_every = 3;
    if (!c->positions_set) c->positions = 8192;
    if (!c->classifier_pooling) c->classifier_pooling = "mean";
    return bad == NULL;
}

/* NomicBERT: NomicBertModel only (no MLM or classification head, no pooler: nomic-embed-text's
 * layout), SwiGLU whatever --hidden-act would say, BERT's lower-cased WordPiece; the rotated
 * dimensions of a head (its width times --rotary-fraction) an even whole number. Defaults:
 * nomic-embed-text-v1.5's rotary base and positions. */
static bool nomic_options_ok(cfg *c) {
    if (!c->rotary_fraction) c->rotary_fraction = 1.0;
    if (!c->rotary_base) c->rotary_base = 1000.0;
    double rotated = (double)(c->hidden / c->heads) * c->rotary_fraction;
    const char *bad = c->gamma_beta    ? "--gamma-beta (no TF-era NomicBERT checkpoints)"
                      : c->extra       ? "--extra (the NSP head is BERT's)"
                      : c->pooler      ? "--pooler (NomicBertModel is loaded without one)"
                      : c->no_pooler   ? "--no-pooler (NomicBertModel has none to leave out)"
                      : c->classifier  ? "--classifier (no NomicBertForSequenceClassification here)"
                      : c->shape_set   ? "--shape (bert-base and distilbert-base are BERT's shapes)"
                      : c->cased       ? "--cased (nomic-embed-text's tokenizer is bert-base-uncased's)"
                      : c->act         ? "--hidden-act (its activation_function is swiglu)"
                      : c->with_decoder || c->untied ? "--with-decoder or --untied (NomicBertModel has no MLM head)"
                      : rotated != floor(rotated) || (uint64_t)rotated % 2
                          ? "a --rotary-fraction that leaves an odd or fractional number of rotated dimensions"
                                       : NULL;
    if (bad) fprintf(stderr, "vkbert-make-model: --family nomic_bert does not take %s\n", bad);
    if (!c->positions_set) c->positions = 8192;
    c->no_head = true; /* NomicBertModel: --no-head and --no-prefix say what it is anyway */
    return bad == NULL;
}

/* --labels, --problem-type and --no-id2label belong to --classifier; the names must be N. */
static bool classifier_options_ok(const cfg *c) {
    const char *bad = NULL;
    if (!c->classifier && (c->labels || c->problem_type || c->no_id2label))
        bad = "--labels, --problem-type and --no-id2label need --classifier N";
    else if (c->head == HEAD_TOKCLS && !c->classifier)
        bad = "--head tokcls needs --classifier N (the labels)";
    else if (c->head == HEAD_QA && c->classifier)
        bad = "--head qa takes no --classifier (qa_outputs has two outputs: start and end)";
    else if (c->head != HEAD_SEQCLS && c->family != FAMILY_BERT && c->family != FAMILY_DISTILBERT &&
             c->family != FAMILY_MODERNBERT)
        bad = "--head tokcls and qa are for --family bert, distilbert or modernbert";
    else if (c->classifier && c->head == HEAD_SEQCLS && c->no_pooler && c->family != FAMILY_ROBERTA &&
             c->family != FAMILY_ELECTRA)
        bad = "--classifier needs the pooler (BertForSequenceClassification applies it): drop --no-pooler";
    else if (c->labels && c->no_id2label)
        bad = "--labels and --no-id2label contradict each other";
    if (!bad && c->labels) {
        uint32_t count = 1;
        bool empty = false;
        const char *p = c->labels;
        for (const char *q = p;; ++q) {
            if (*q == ',' || !*q) {
                empty |= q == p;
                p = q + 1;
                if (!*q) break;
                ++count;
            }
        }
        if (empty) bad = "--labels has an empty name";
        else if (count != c->classifier) {
            fprintf(stderr, "vkbert-make-model: --labels names %u labels, --classifier says %u\n", count,
                    c->classifier);
            return false;
        }
    }
    if (bad) fprintf(stderr, "vkbert-make-model: %s\n", bad);
    return bad == NULL;
}

static int run(int argc, char **argv) {
    cfg c = {.hidden = 32, .layers = 2, .heads = 4, .intermediate = 37, .positions = 64, .types = 2, .seed = 1,
             .dtype = "F32", .std = 0.02};
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint32_t *u = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { printf("%s", USAGE); return 0; }
        else if (!strcmp(a, "--no-head")) { c.no_head = true; continue; }
        else if (!strcmp(a, "--no-prefix")) { c.no_prefix = true; continue; }
        else if (!strcmp(a, "--gamma-beta")) { c.gamma_beta = true; continue; }
        else if (!strcmp(a, "--with-decoder")) { c.with_decoder = true; continue; }
        else if (!strcmp(a, "--untied")) { c.untied = true; continue; }
        else if (!strcmp(a, "--extra")) { c.extra = true; continue; }
        else if (!strcmp(a, "--cased")) { c.cased = true; continue; }
        else if (!strcmp(a, "--pooler")) { c.pooler = true; continue; }
        else if (!strcmp(a, "--no-pooler")) { c.no_pooler = true; continue; }
        else if (!strcmp(a, "--no-id2label")) { c.no_id2label = true; continue; }
        else if (!strcmp(a, "--biases")) { c.biases = true; continue; }
        if (!v) { fprintf(stderr, "vkbert-make-model: %s needs a value\n%s", a, USAGE); return 2; }
        ++i;
        if (!strcmp(a, "--out")) c.out = v;
        else if (!strcmp(a, "--vocab")) c.vocab = v;
        else if (!strcmp(a, "--family")) {
            if (!strcmp(v, "bert")) c.family = FAMILY_BERT;
            else if (!strcmp(v, "distilbert")) c.family = FAMILY_DISTILBERT;
            else if (!strcmp(v, "albert")) c.family = FAMILY_ALBERT;
            else if (!strcmp(v, "electra")) c.family = FAMILY_ELECTRA;
            else if (!strcmp(v, "modernbert")) c.family = FAMILY_MODERNBERT;
            else if (!strcmp(v, "nomic_bert") || !strcmp(v, "nomic")) c.family = FAMILY_NOMIC;
            else if (!strcmp(v, "jina_bert") || !strcmp(v, "jina")) c.family = FAMILY_JINA;
            else {
                for (size_t k = 0; k < sizeof ROBERTA_KINDS / sizeof ROBERTA_KINDS[0]; ++k)
                    if (!strcmp(v, ROBERTA_KINDS[k].family)) c.family = FAMILY_ROBERTA, c.roberta = &ROBERTA_KINDS[k];
                if (!c.roberta) {
                    fprintf(stderr, "vkbert-make-model: unknown family %s (bert, distilbert, roberta, xlm-roberta, "
                            "camembert, albert, electra, modernbert, nomic_bert, jina_bert)\n", v);
                    return 2;
                }
            }
        }
        else if (!strcmp(a, "--dtype")) {
            if (strcmp(v, "F32") && strcmp(v, "F16") && strcmp(v, "BF16")) {
                fprintf(stderr, "vkbert-make-model: --dtype must be F32, F16 or BF16\n");
                return 2;
            }
            c.dtype = v;
        } else if (!strcmp(a, "--std")) c.std = atof(v);
        else if (!strcmp(a, "--seed")) c.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--shape")) {
            c.shape_set = true;
            if (!strcmp(v, "bert-base")) {
                c.hidden = 768; c.layers = 12; c.heads = 12; c.intermediate = 3072; c.positions = 512; c.types = 2;
            } else if (!strcmp(v, "distilbert-base")) {
                c.hidden = 768; c.layers = 6; c.heads = 12; c.intermediate = 3072; c.positions = 512;
            } else if (strcmp(v, "tiny")) {
                fprintf(stderr, "vkbert-make-model: unknown shape %s (tiny, bert-base, distilbert-base)\n", v);
                return 2;
            }
        }
        else if (!strcmp(a, "--hidden")) u = &c.hidden;
        else if (!strcmp(a, "--layers")) u = &c.layers;
        else if (!strcmp(a, "--heads")) u = &c.heads;
        else if (!strcmp(a, "--intermediate")) u = &c.intermediate;
        else if (!strcmp(a, "--positions")) { u = &c.positions; c.positions_set = true; }
        else if (!strcmp(a, "--types")) { u = &c.types; c.types_set = true; }
        else if (!strcmp(a, "--vocab-size")) u = &c.vocab_size;
        else if (!strcmp(a, "--embedding-size")) u = &c.embedding;
        else if (!strcmp(a, "--classifier")) u = &c.classifier;
        else if (!strcmp(a, "--local-attention")) u = &c.local_attention;
        else if (!strcmp(a, "--global-every")) u = &c.global_every;
        else if (!strcmp(a, "--labels")) c.labels = v;
        else if (!strcmp(a, "--classifier-pooling")) {
            if (strcmp(v, "cls") && strcmp(v, "mean")) {
                fprintf(stderr, "vkbert-make-model: --classifier-pooling must be cls or mean\n");
                return 2;
            }
            c.classifier_pooling = v;
        } else if (!strcmp(a, "--rotary-fraction") || !strcmp(a, "--rotary-base")) {
            char *end;
            double x = strtod(v, &end);
            bool frac = !strcmp(a, "--rotary-fraction");
            if (*end || !(x > 0) || (frac && x > 1) || (!frac && !(x <= 1e12))) {
                fprintf(stderr, "vkbert-make-model: %s needs a number %s\n", a, frac ? "in (0, 1]" : "in (0, 1e12]");
                return 2;
            }
            *(frac ? &c.rotary_fraction : &c.rotary_base) = x;
        }
        else if (!strcmp(a, "--hidden-act")) {
            if (strcmp(v, "gelu") && strcmp(v, "gelu_new")) {
                fprintf(stderr, "vkbert-make-model: --hidden-act must be gelu or gelu_new\n");
                return 2;
            }
            c.act = v;
        }
        else if (!strcmp(a, "--problem-type")) c.problem_type = v;
        else if (!strcmp(a, "--head")) {
            if (!strcmp(v, "seqcls")) c.head = HEAD_SEQCLS;
            else if (!strcmp(v, "tokcls")) c.head = HEAD_TOKCLS;
            else if (!strcmp(v, "qa")) c.head = HEAD_QA;
            else {
                fprintf(stderr, "vkbert-make-model: unknown --head %s (seqcls, tokcls, qa)\n", v);
                return 2;
            }
        }
        else { fprintf(stderr, "vkbert-make-model: unknown option %s\n%s", a, USAGE); return 2; }
        if (u && !parse_u32(v, u)) { fprintf(stderr, "vkbert-make-model: %s needs a positive integer\n", a); return 2; }
    }
    if (!c.out || !c.vocab) { fprintf(stderr, "%s", USAGE); return 2; }
    if (c.hidden % c.heads) { fprintf(stderr, "vkbert-make-model: --hidden must be divisible by --heads\n"); return 2; }
    if (c.family == FAMILY_DISTILBERT && !distil_options_ok(&c)) return 2;
    if (c.family == FAMILY_ROBERTA && !roberta_options_ok(&c)) return 2;
    if ((c.family == FAMILY_ALBERT || c.family == FAMILY_ELECTRA) && !factorised_options_ok(&c)) return 2;
    if (c.family == FAMILY_MODERNBERT && !modernbert_options_ok(&c)) return 2;
    if (c.family == FAMILY_NOMIC && !nomic_options_ok(&c)) return 2;
    if (c.family == FAMILY_JINA && !jina_options_ok(&c)) return 2;
    if (c.family != FAMILY_MODERNBERT && (c.local_attention || c.global_every || c.classifier_pooling)) {
        fprintf(stderr, "vkbert-make-model: --local-attention, --global-every and --classifier-pooling are for "
                "--family modernbert\n");
        return 2;
    }
    if (c.family != FAMILY_MODERNBERT && c.family != FAMILY_NOMIC && c.biases) {
        fprintf(stderr, "vkbert-make-model: --biases is for --family modernbert or nomic_bert\n");
        return 2;
    }
    if (c.family != FAMILY_NOMIC && (c.rotary_fraction || c.rotary_base)) {
        fprintf(stderr, "vkbert-make-model: --rotary-fraction and --rotary-base are for --family nomic_bert\n");
        return 2;
    }
    if (c.embedding && c.family != FAMILY_ALBERT && c.family != FAMILY_ELECTRA) {
        fprintf(stderr, "vkbert-make-model: --embedding-size is for --family albert or electra\n");
        return 2;
    }
    if (!classifier_options_ok(&c)) return 2;
    if (!c.act) c.act = c.family == FAMILY_ALBERT ? "gelu_new" : "gelu"; /* AlbertConfig's; the others' */
    if (c.classifier || c.head != HEAD_SEQCLS) c.no_head = true; /* the heads' checkpoints have no MLM head */
    if (c.head != HEAD_SEQCLS && c.family == FAMILY_BERT) c.no_pooler = true; /* add_pooling_layer=False */
    vkb_make_dir(c.out); /* EEXIST when it is there; any other error shows when a file is written */
    uint32_t lines;
    if (copy_vocab(&c, &lines)) return 1;
    /* ModernBERT's rows are its tokenizer.json's (50,368), not the stand-in vocab.txt's; NomicBertModel
     * pads bert-base-uncased's 30,522 to 30,528 (pad_vocab_size_multiple 64) */
    if (!c.vocab_size)
        c.vocab_size = c.family == FAMILY_MODERNBERT ? 50368 : c.family == FAMILY_NOMIC ? (lines + 63) / 64 * 64 : lines;
    /* ModernBERT's tokenizer_config.json: its fast tokenizer's, without token types; nomic-embed-text's
     * and jina-embeddings-v2's: BERT's with model_max_length their positions */
    char nomic_tok[128];
    snprintf(nomic_tok, sizeof nomic_tok, "{\"do_lower_case\": true, \"model_max_length\": %u}\n", c.positions);
    const char *tok_cfg = c.family == FAMILY_MODERNBERT
                              ? "{\"model_input_names\": [\"input_ids\", \"attention_mask\"], "
                                "\"model_max_length\": 8192, \"tokenizer_class\": \"PreTrainedTokenizerFast\"}\n"
                          : c.family == FAMILY_NOMIC || c.family == FAMILY_JINA ? nomic_tok
                          : c.cased ? "{\"do_lower_case\": false, \"model_max_length\": 512}\n"
                                    : "{\"do_lower_case\": true, \"model_max_length\": 512}\n";
    if ((c.family == FAMILY_DISTILBERT  ? write_distil_config(&c)
         : c.family == FAMILY_ROBERTA    ? write_roberta_config(&c)
         : c.family == FAMILY_ALBERT     ? write_albert_config(&c)
         : c.family == FAMILY_ELECTRA    ? write_electra_config(&c)
         : c.family == FAMILY_MODERNBERT ? write_modernbert_config(&c)
         : c.family == FAMILY_NOMIC      ? write_nomic_config(&c)
         : c.family == FAMILY_JINA       ? write_jina_config(&c)
                                         : write_bert_config(&c)) ||
        write_text(c.out, "tokenizer_config.json", tok_cfg))
        return 1;
    return write_safetensors(&c);
}

#if defined(_WIN32)
int wmain(int argc, wchar_t **wargv) { return vkb_wmain(argc, wargv, run); } /* UTF-8 arguments, "\n" line ends */
#else
int main(int argc, char **argv) { return run(argc, argv); }
#endif
