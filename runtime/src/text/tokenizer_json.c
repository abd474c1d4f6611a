/* tokenizer.json (Hugging Face tokenizers' serialization), the WordPiece kind: the chain that
 * BERT, DistilBERT, MiniLM, bge and multilingual BERT files describe — BertNormalizer,
 * BertPreTokenizer, WordPiece, BERT's TemplateProcessing (or BertProcessing), the WordPiece
 * decoder, and the five special tokens as added tokens. It maps each component onto the chain
 * of text_internal.h and checks every setting that chain does not have; any other component
 * type or setting is an error naming it (byte-level BPE and Unigram files are not read yet).
 * The file's `truncation` and `padding` are not applied, as transformers drops them for a
 * call without padding or truncation arguments. */
#include "text_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#define MAX_JSON_DEPTH 64

static const char *SUPPORTED = "this build reads WordPiece tokenizer.json files: BertNormalizer, BertPreTokenizer, "
                               "WordPiece, BERT's TemplateProcessing or BertProcessing, the WordPiece decoder";

static const cJSON *item(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

/* The component's "type" string, or NULL when `o` is not an object with one. */
static const char *type_of(const cJSON *o) {
    const cJSON *t = cJSON_IsObject(o) ? item(o, "type") : NULL;
    return cJSON_IsString(t) ? t->valuestring : NULL;
}

static vkbert_status unsupported(const char *path, const char *what, const cJSON *o) {
    const char *t = type_of(o);
    if (cJSON_IsNull(o) || !o)
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: no %s (%s)", path, what, SUPPORTED);
    return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: %s type \"%s\" is not supported (%s)", path, what,
                    t ? t : "(none)", SUPPORTED);
}

/* A boolean setting, `def` when absent or null; -1 when it is something else. */
static int flag(const cJSON *o, const char *key, int def) {
    const cJSON *j = item(o, key);
    if (!j || cJSON_IsNull(j)) return def;
    return cJSON_IsBool(j) ? cJSON_IsTrue(j) : -1;
}

static bool string_is(const cJSON *o, const char *key, const char *want) {
    const cJSON *j = item(o, key);
    return cJSON_IsString(j) && !strcmp(j->valuestring, want);
}

/* model.vocab ({token: id}) as vocab.txt's text: ids 0 .. n-1, each once, no line breaks in a
 * token. */
static vkbert_status vocab_text(const cJSON *vocab, const char *path, char **text, size_t *len) {
    int n = cJSON_GetArraySize(vocab);
    if (!cJSON_IsObject(vocab) || n <= 0)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: model.vocab is not a non-empty object", path);
    const char **by_id = vkb_calloc((size_t)n, sizeof *by_id);
    if (!by_id) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    size_t bytes = 0;
    vkbert_status s = VKBERT_OK;
    const cJSON *e;
    cJSON_ArrayForEach(e, vocab) {
        double d = cJSON_IsNumber(e) ? e->valuedouble : -1.0;
        const char *tok = e->string;
        if (d < 0 || d >= n || d != (double)(int)d) {
            s = vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: model.vocab gives \"%.64s\" the id %g, not one of 0 .. %d",
                         path, tok ? tok : "", cJSON_IsNumber(e) ? e->valuedouble : -1.0, n - 1);
            break;
        }
        if (!tok || !*tok || strpbrk(tok, "\r\n")) {
            s = vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: model.vocab id %d is an empty token or has a line break",
                         path, (int)d);
            break;
        }
        if (by_id[(int)d]) {
            s = vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: model.vocab gives the id %d twice (\"%.64s\", \"%.64s\")",
                         path, (int)d, by_id[(int)d], tok);
            break;
        }
        by_id[(int)d] = tok;
        bytes += strlen(tok) + 1;
    }
    char *out = s ? NULL : vkb_malloc(bytes + 1);
    if (!s && !out) s = vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    if (!s) {
        size_t at = 0;
        for (int i = 0; i < n; ++i) { /* n entries, ids unique and in range: every id is there */
            size_t l = strlen(by_id[i]);
            memcpy(out + at, by_id[i], l);
            at += l;
            out[at++] = '\n';
        }
        out[at] = '\0';
        *text = out;
        *len = at;
    }
    vkb_free((void *)by_id);
    return s;
}

/* BERT's template: [CLS]:0 $A:0 [SEP]:0, and for pairs $B:1 [SEP]:1. */
static bool bert_template(const cJSON *pp) {
    static const char *single = "[{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}},"
                                "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                                "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}}]";
    static const char *pair = "[{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}},"
                              "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                              "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}},"
                              "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}},"
                              "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":1}}]";
    cJSON *s = cJSON_Parse(single), *p = cJSON_Parse(pair);
    bool ok = s && p && cJSON_Compare(item(pp, "single"), s, true) && cJSON_Compare(item(pp, "pair"), p, true);
    cJSON_Delete(s);
    cJSON_Delete(p);
    return ok;
}

/* The special token `name` of the post-processor has exactly the id `id`. */
static bool template_special(const cJSON *pp, const char *name, int32_t id) {
    const cJSON *sp = item(item(pp, "special_tokens"), name);
    const cJSON *ids = item(sp, "ids");
    return cJSON_GetArraySize(ids) == 1 && cJSON_IsNumber(cJSON_GetArrayItem(ids, 0)) &&
           cJSON_GetArrayItem(ids, 0)->valuedouble == id;
}

/* BertProcessing's ["[SEP]", 102]-style pair names `name` with the id `id`. */
static bool processing_pair(const cJSON *pp, const char *key, const char *name, int32_t id) {
    const cJSON *a = item(pp, key);
    return cJSON_GetArraySize(a) == 2 && cJSON_IsString(cJSON_GetArrayItem(a, 0)) &&
           !strcmp(cJSON_GetArrayItem(a, 0)->valuestring, name) && cJSON_IsNumber(cJSON_GetArrayItem(a, 1)) &&
           cJSON_GetArrayItem(a, 1)->valuedouble == id;
}

/* The model's type; files written by older tokenizers leave it out (serde's untagged enum), and
 * then its fields tell: merges for BPE, a vocabulary list for Unigram, a subword prefix for
 * WordPiece, else WordLevel. NULL when there is no model object. */
static const char *model_type(const cJSON *model) {
    if (!cJSON_IsObject(model)) return NULL;
    if (type_of(model)) return type_of(model);
    if (item(model, "merges")) return "BPE";
    if (cJSON_IsArray(item(model, "vocab"))) return "Unigram";
    if (item(model, "continuing_subword_prefix")) return "WordPiece";
    return "WordLevel";
}

static vkbert_status check_chain(const cJSON *root, const char *path, int *lower, int *strip, int *chinese) {
    const cJSON *norm = item(root, "normalizer"), *pre = item(root, "pre_tokenizer"), *model = item(root, "model");
    const cJSON *dec = item(root, "decoder");
    /* the model first: it says best what kind of tokenizer a file is */
    const char *mt = model_type(model);
    if (!mt || strcmp(mt, "WordPiece"))
        return mt ? vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: model type \"%s\" is not supported (%s)", path, mt,
                             SUPPORTED)
                  : unsupported(path, "model", model);
    const cJSON *maxc = item(model, "max_input_chars_per_word");
    if (!string_is(model, "unk_token", "[UNK]") || !string_is(model, "continuing_subword_prefix", "##") ||
        (maxc && !(cJSON_IsNumber(maxc) && maxc->valuedouble == VKB_WORDPIECE_MAX_CHARS)))
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED,
                        "%s: WordPiece is supported with unk_token \"[UNK]\", continuing_subword_prefix \"##\" and "
                        "max_input_chars_per_word %d only",
                        path, VKB_WORDPIECE_MAX_CHARS);
    if (!type_of(norm) || strcmp(type_of(norm), "BertNormalizer")) return unsupported(path, "normalizer", norm);
    *lower = flag(norm, "lowercase", 1);
    *chinese = flag(norm, "handle_chinese_chars", 1);
    *strip = flag(norm, "strip_accents", *lower); /* null: follows lowercase, as BertNormalizer does */
    int clean = flag(norm, "clean_text", 1);
    if (*lower < 0 || *chinese < 0 || *strip < 0 || clean < 0)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: a BertNormalizer setting is not a boolean", path);
    if (!clean)
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: BertNormalizer with clean_text false is not supported",
                        path);
    if (!type_of(pre) || strcmp(type_of(pre), "BertPreTokenizer")) return unsupported(path, "pre_tokenizer", pre);
    if (!type_of(dec) || strcmp(type_of(dec), "WordPiece")) return unsupported(path, "decoder", dec);
    if (!string_is(dec, "prefix", "##") || flag(dec, "cleanup", 1) != 1)
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED,
                        "%s: the WordPiece decoder is supported with prefix \"##\" and cleanup true only", path);
    return VKBERT_OK;
}

/* The post-processor and the added tokens against the vocabulary's special tokens. */
static vkbert_status check_specials(const cJSON *root, const char *path, vkbert_tokenizer *t) {
    int32_t cls = vkbert_tokenizer_id(t, "[CLS]"), sep = vkbert_tokenizer_id(t, "[SEP]");
    const cJSON *pp = item(root, "post_processor");
    const char *pt = type_of(pp);
    bool ok = pt && ((!strcmp(pt, "TemplateProcessing") && bert_template(pp) && template_special(pp, "[CLS]", cls) &&
                      template_special(pp, "[SEP]", sep)) ||
                     (!strcmp(pt, "BertProcessing") && processing_pair(pp, "cls", "[CLS]", cls) &&
                      processing_pair(pp, "sep", "[SEP]", sep)));
    if (!ok) {
        if (!pt || (strcmp(pt, "TemplateProcessing") && strcmp(pt, "BertProcessing")))
            return unsupported(path, "post_processor", pp);
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED,
                        "%s: %s is supported as BERT's only: [CLS] $A [SEP] and [CLS] $A [SEP] $B:1 [SEP]:1 with the "
                        "vocabulary's ids of [CLS] (%d) and [SEP] (%d)",
                        path, pt, cls, sep);
    }
    const cJSON *added = item(root, "added_tokens"), *a;
    if (added && !cJSON_IsArray(added))
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: added_tokens is not an array", path);
    cJSON_ArrayForEach(a, added) {
        const cJSON *c = item(a, "content"), *id = item(a, "id");
        const char *name = cJSON_IsString(c) ? c->valuestring : NULL;
        if (!name || !*name || !cJSON_IsNumber(id))
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: an added token without a content string or id",
                            path);
        bool special = !strcmp(name, "[PAD]") || !strcmp(name, "[UNK]") || !strcmp(name, "[CLS]") ||
                       !strcmp(name, "[SEP]") || !strcmp(name, "[MASK]");
        if (!special || flag(a, "special", 0) != 1 || flag(a, "single_word", 0) || flag(a, "lstrip", 0) ||
            flag(a, "rstrip", 0) || flag(a, "normalized", 0))
            return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED,
                            "%s: added token \"%.64s\" is not supported (this build reads the special tokens [PAD], "
                            "[UNK], [CLS], [SEP] and [MASK], special, with single_word, lstrip, rstrip and "
                            "normalized false)",
                            path, name);
        if (id->valuedouble != vkbert_tokenizer_id(t, name))
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: added token %s has the id %g, the vocabulary %d",
                            path, name, id->valuedouble, vkbert_tokenizer_id(t, name));
    }
    return VKBERT_OK;
}

vkbert_status vkb_tokenizer_from_json(const char *json, size_t len, const char *path, vkbert_tokenizer **out) {
    *out = NULL;
    if (len > VKB_TOKENIZER_JSON_MAX_BYTES)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s is larger than %u MiB", path, VKB_TOKENIZER_JSON_MAX_BYTES >> 20);
    char err[256];
    cJSON *root = vkb_json_parse(json, len, MAX_JSON_DEPTH, err, sizeof err);
    if (!root) return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", path, err);
    int lower = 1, strip = 1, chinese = 1;
    char *text = NULL;
    size_t text_len = 0;
    vkbert_status s = cJSON_IsObject(root) ? VKBERT_OK
                                           : vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s is not a JSON object", path);
    if (!s) s = check_chain(root, path, &lower, &strip, &chinese);
    if (!s) s = vocab_text(item(item(root, "model"), "vocab"), path, &text, &text_len);
    if (!s) s = vkb_tokenizer_from_vocab(text, text_len, path, lower == 1, strip == 1, chinese == 1, out);
    if (!s) s = check_specials(root, path, *out);
    if (s && *out) {
        vkbert_tokenizer_destroy(*out);
        *out = NULL;
    }
    vkb_free(text);
    cJSON_Delete(root);
    return s;
}
