/* The public vkbert_tokenizer: WordPiece with Hugging Face BertTokenizer rules, as the Rust
 * `tokenizers` library runs them (BertNormalizer, BertPreTokenizer, WordPiece,
 * BertProcessing, the WordPiece decoder). Loads vocab.txt and tokenizer_config.json, owns
 * the special tokens, runs the chain of text_internal.h and decodes ids back to text.
 *
 * Per call: validate UTF-8; split out special tokens written in the text ([CLS], [SEP],
 * [MASK], [PAD], [UNK], matched exactly on the raw text; they keep their raw span as
 * offsets); the rest goes through the normalizer, the pre-tokenizer and WordPiece; the
 * template adds [CLS] and [SEP]. */
#include "text_internal.h"
#include "tokjson.h"
#include "base/fs.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_VOCAB_BYTES (256u << 20)

enum { SP_PAD, SP_UNK, SP_CLS, SP_SEP, SP_MASK, SP_COUNT };
static const char *SPECIAL[SP_COUNT] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

struct vkbert_tokenizer {
    vkb_vocab vocab;
    int32_t special[SP_COUNT]; /* ids, -1 when the vocabulary lacks one ([PAD], [MASK]) */
    vkb_bert_normalizer norm;
    vkb_tj *tj; /* a tokenizer.json chain; NULL: vocab.txt's WordPiece above */
    const char *source; /* vkb_tokenizer_source */
};

const char *vkb_tokenizer_source(const vkbert_tokenizer *t) { return t->source ? t->source : "memory"; }
const char *vkb_tokenizer_model(const vkbert_tokenizer *t) { return t->tj ? vkb_tj_model_name(t->tj) : "WordPiece"; }

static const vkb_vocab *voc(const vkbert_tokenizer *t) { return t->tj ? vkb_tj_vocab(t->tj) : &t->vocab; }

void vkbert_tokenizer_destroy(vkbert_tokenizer *t) {
    if (!t) return;
    vkb_vocab_free(&t->vocab);
    vkb_tj_free(t->tj);
    vkb_free(t);
}

vkbert_status vkbert_tokenizer_load_json(const char *json, size_t size, vkbert_tokenizer **out) {
    if (!json || !out) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_tokenizer_load_json: NULL argument");
    *out = NULL;
    vkbert_tokenizer *t = vkb_calloc(1, sizeof *t);
    if (!t) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    vkbert_status s = vkb_tj_load(json, size, "tokenizer.json", &t->tj);
    if (s) {
        vkb_free(t);
        return s;
    }
    for (int i = 0; i < SP_COUNT; ++i) t->special[i] = vkb_tj_special(t->tj, i);
    t->special[SP_MASK] = vkb_tj_mask(t->tj) >= 0 ? vkb_tj_mask(t->tj) : t->special[SP_MASK];
    *out = t;
    return VKBERT_OK;
}

/* dir/tokenizer.json, when there is one. */
static vkbert_status load_json_file(const char *path, vkbert_tokenizer **out) {
    char *json = NULL;
    size_t n = 0;
    vkbert_status s = vkb_read_file(path, VKB_TJ_MAX_BYTES, &json, &n);
    if (s) return s;
    s = vkbert_tokenizer_load_json(json, n, out);
    vkb_free(json);
    if (!s) (*out)->source = "tokenizer.json";
    if (s) { /* name the file, not "tokenizer.json" */
        char msg[1024];
        const char *e = vkbert_last_error();
        snprintf(msg, sizeof msg, "%s", strncmp(e, "tokenizer.json", 14) == 0 ? e + 14 : e);
        return vkb_fail(NULL, s, "%s%s", path, msg);
    }
    return VKBERT_OK;
}

/* vocab.json + merges.txt: byte-level BPE as RoBERTa's (GPT-2's) tokenizer, written as the
 * tokenizer.json transformers would convert it to. */
static vkbert_status load_bpe_files(const char *vocab_path, const char *merges_path, vkbert_tokenizer **out) {
    char *vj = NULL, *mt = NULL, err[256];
    size_t vn = 0, mn = 0;
    vkbert_status s = vkb_read_file(vocab_path, VKB_TJ_MAX_BYTES, &vj, &vn);
    if (!s) s = vkb_read_file(merges_path, VKB_TJ_MAX_BYTES, &mt, &mn);
    cJSON *vocab = s ? NULL : vkb_json_parse(vj, vn, 8, err, sizeof err);
    if (!s && !cJSON_IsObject(vocab)) s = vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", vocab_path, vocab ? "not an object" : err);
    cJSON *root = s ? NULL : cJSON_CreateObject(), *model = NULL, *merges = NULL, *added = NULL;
    if (root) {
        model = cJSON_AddObjectToObject(root, "model");
        cJSON_AddStringToObject(model, "type", "BPE");
        cJSON_AddItemToObject(model, "vocab", vocab);
        vocab = NULL;
        merges = cJSON_AddArrayToObject(model, "merges");
        for (char *p = mt, *end = mt + mn; p && p < end;) {
            char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
            if (e > p && e[-1] == '\r') --e;
            char save = *e;
            *e = '\0';
            if (*p && strncmp(p, "#version", 8) != 0) cJSON_AddItemToArray(merges, cJSON_CreateString(p));
            *e = save;
            p = nl ? nl + 1 : end;
        }
        cJSON *pre = cJSON_AddObjectToObject(root, "pre_tokenizer");
        cJSON_AddStringToObject(pre, "type", "ByteLevel");
        cJSON_AddFalseToObject(pre, "add_prefix_space");
        cJSON_AddItemToObject(root, "decoder", cJSON_Duplicate(pre, 1));
        added = cJSON_AddArrayToObject(root, "added_tokens");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(model, "vocab");
        static const char *const SP[] = {"<s>", "<pad>", "</s>", "<unk>", "<mask>"};
        for (int i = 0; i < 5; ++i) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, SP[i]);
            if (!cJSON_IsNumber(id)) continue;
            cJSON *a = cJSON_CreateObject();
            cJSON_AddNumberToObject(a, "id", id->valuedouble);
            cJSON_AddStringToObject(a, "content", SP[i]);
            cJSON_AddTrueToObject(a, "special");
            cJSON_AddBoolToObject(a, "lstrip", i == 4);
            cJSON_AddTrueToObject(a, "normalized");
            cJSON_AddItemToArray(added, a);
        }
        const cJSON *cls = cJSON_GetObjectItemCaseSensitive(v, "<s>"), *sep = cJSON_GetObjectItemCaseSensitive(v, "</s>");
        if (cJSON_IsNumber(cls) && cJSON_IsNumber(sep)) {
            cJSON *post = cJSON_AddObjectToObject(root, "post_processor");
            cJSON_AddStringToObject(post, "type", "RobertaProcessing");
            cJSON *c = cJSON_AddArrayToObject(post, "cls"), *p2 = cJSON_AddArrayToObject(post, "sep");
            cJSON_AddItemToArray(c, cJSON_CreateString("<s>"));
            cJSON_AddItemToArray(c, cJSON_CreateNumber(cls->valuedouble));
            cJSON_AddItemToArray(p2, cJSON_CreateString("</s>"));
            cJSON_AddItemToArray(p2, cJSON_CreateNumber(sep->valuedouble));
            cJSON_AddFalseToObject(post, "add_prefix_space");
        }
        vkbert_tokenizer *t = vkb_calloc(1, sizeof *t);
        s = t ? vkb_tj_from_json(root, merges_path, &t->tj) : vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        if (!s) {
            for (int i = 0; i < SP_COUNT; ++i) t->special[i] = vkb_tj_special(t->tj, i);
            t->source = "vocab.json + merges.txt";
            *out = t;
        } else {
            vkb_free(t);
        }
    }
    cJSON_Delete(root);
    cJSON_Delete(vocab);
    vkb_free(vj);
    vkb_free(mt);
    return s;
}

/* Anything by that name: a FIFO or a directory is then refused, by name, by its reader (not
 * opened here, where a FIFO would block). */
static bool exists(const char *path) { return path && vkb_path_kind_of(path, NULL) != VKB_PATH_NONE; }

vkbert_status vkb_tokenizer_from_vocab(const char *vocab, size_t len, const char *path, bool lowercase,
                                       bool strip_accents, bool chinese, vkbert_tokenizer **out) {
    *out = NULL;
    vkbert_tokenizer *t = vkb_calloc(1, sizeof *t);
    if (!t) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    t->norm = (vkb_bert_normalizer){.lowercase = lowercase, .strip_accents = strip_accents, .chinese = chinese};
    vkbert_status s = vkb_vocab_init(&t->vocab, vocab, len, path);
    if (s) {
        vkb_free(t);
        return s;
    }
    for (int i = 0; i < SP_COUNT; ++i)
        t->special[i] = vkb_vocab_lookup(&t->vocab, false, SPECIAL[i], strlen(SPECIAL[i]));
    for (int i = SP_UNK; i <= SP_SEP; ++i)
        if (t->special[i] < 0) {
            vkbert_tokenizer_destroy(t);
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: the vocabulary has no %s token", path, SPECIAL[i]);
        }
    *out = t;
    return VKBERT_OK;
}

/* A tokenizer from vocab.txt's bytes and, when given, tokenizer_config.json's (do_lower_case,
 * strip_accents, tokenize_chinese_chars); `cfg_name` and `vocab_name` name them in messages. */
static vkbert_status from_memory(const char *vocab, size_t vocab_size, const char *vocab_name, const char *cfg,
                                 size_t cfg_size, const char *cfg_name, vkbert_tokenizer **out) {
    bool lower = true, chinese = true;
    int strip = -1; /* -1: follow lowercase */
    if (cfg) {
        if (cfg_size > (1u << 20))
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s is larger than 1 MiB", cfg_name);
        char err[256];
        cJSON *root = vkb_json_parse(cfg, cfg_size, 64, err, sizeof err);
        if (!root) return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", cfg_name, err);
        const cJSON *sa = NULL; /* null (BertTokenizer's default): follow lowercase */
        vkbert_status s = cJSON_IsObject(root) ? VKBERT_OK
                                               : vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: not a JSON object", cfg_name);
        if (!s) s = vkb_json_bool(NULL, root, cfg_name, "do_lower_case", &lower);
        if (!s) s = vkb_json_get(NULL, root, cfg_name, "strip_accents", VKB_JSON_BOOL, &sa);
        if (!s) s = vkb_json_bool(NULL, root, cfg_name, "tokenize_chinese_chars", &chinese);
        if (sa) strip = cJSON_IsTrue(sa);
        cJSON_Delete(root);
        if (s) return s;
    }
    if (vocab_size > MAX_VOCAB_BYTES)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s is larger than %u MiB", vocab_name, MAX_VOCAB_BYTES >> 20);
    vkbert_status s = vkb_tokenizer_from_vocab(vocab, vocab_size, vocab_name, lower, strip < 0 ? lower : strip == 1,
                                               chinese, out);
    if (s == VKBERT_ERROR_OUT_OF_HOST_MEMORY && !*vkbert_last_error()) vkb_fail(NULL, s, "out of host memory");
    return s;
}

vkbert_status vkbert_tokenizer_load(const char *dir, vkbert_tokenizer **out) {
    if (!dir || !out) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_tokenizer_load: NULL argument");
    *out = NULL;
    char *json_path = vkb_path_join(dir, "tokenizer.json");
    if (!json_path) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    if (exists(json_path)) { /* tokenizer.json first, as transformers' fast tokenizers */
        vkbert_status js = load_json_file(json_path, out);
        vkb_free(json_path);
        return js;
    }
    vkb_free(json_path);
    char *vj = vkb_path_join(dir, "vocab.json"), *mt = vkb_path_join(dir, "merges.txt"), *vt = vkb_path_join(dir, "vocab.txt");
    if (!vj || !mt || !vt) {
        vkb_free(vj);
        vkb_free(mt);
        vkb_free(vt);
        return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    }
    if (!exists(vt) && !exists(vj)) {
        vkb_free(vj);
        vkb_free(mt);
        vkb_free(vt);
        return vkb_fail(NULL, VKBERT_ERROR_IO, "cannot open a tokenizer in %s: no tokenizer.json, vocab.txt or vocab.json + merges.txt",
                        dir);
    }
    if (!exists(vt) && exists(vj) && exists(mt)) { /* the older byte-level BPE file set */
        vkbert_status bs = load_bpe_files(vj, mt, out);
        vkb_free(vj);
        vkb_free(mt);
        vkb_free(vt);
        return bs;
    }
    vkb_free(vj);
    vkb_free(mt);
    vkb_free(vt);
    char *cfg_path = vkb_path_join(dir, "tokenizer_config.json");
    char *vocab_path = vkb_path_join(dir, "vocab.txt");
    char *cfg = NULL, *vocab = NULL;
    size_t cfg_size = 0, vocab_size = 0;
    vkbert_status s = (!cfg_path || !vocab_path) ? vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory")
                                                 : VKBERT_OK;
    if (!s && vkb_path_kind_of(cfg_path, NULL) != VKB_PATH_NONE) s = vkb_read_file(cfg_path, 1u << 20, &cfg, &cfg_size);
    if (!s) s = vkb_read_file(vocab_path, MAX_VOCAB_BYTES, &vocab, &vocab_size);
    if (!s) s = from_memory(vocab, vocab_size, vocab_path, cfg, cfg_size, cfg_path, out);
    if (!s) (*out)->source = "vocab.txt";
    vkb_free(cfg);
    vkb_free(vocab);
    vkb_free(cfg_path);
    vkb_free(vocab_path);
    return s;
}

vkbert_status vkbert_tokenizer_load_memory(const char *vocab_txt, size_t vocab_size, const char *tokenizer_config_json,
                                           size_t config_size, vkbert_tokenizer **out) {
    if (!vocab_txt || !out)
        return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_tokenizer_load_memory: NULL argument");
    *out = NULL;
    return from_memory(vocab_txt, vocab_size, "vocab.txt (memory)", tokenizer_config_json, config_size,
                       "tokenizer_config.json (memory)", out);
}

/* ---- encoding --------------------------------------------------------------------- */

/* Valid UTF-8 without NUL bytes (a NUL would silently end the text for C callers). */
static vkbert_status validate_utf8(const char *what, const char *s, size_t len) {
    const char *nul = memchr(s, 0, len);
    if (nul)
        return vkb_fail(NULL, VKBERT_ERROR_INVALID_TEXT, "%s contains a NUL byte (byte offset %zu)", what,
                        (size_t)(nul - s));
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0)
            return vkb_fail(NULL, VKBERT_ERROR_INVALID_TEXT, "%s is not valid UTF-8 (byte offset %zu)", what, i);
        i += (size_t)k;
    }
    return VKBERT_OK;
}

/* One encode call: the two texts and the normalizer's buffer, reused across runs. */
typedef struct encoder {
    const vkbert_tokenizer *t;
    const char *text[2];
    size_t len[2];
    vkb_nchars norm;
    vkb_tok_sink *out;
} encoder;

static bool on_piece(void *user, const vkb_piece *piece) {
    encoder *e = user;
    vkb_wordpiece(&e->t->vocab, e->t->special[SP_UNK], piece, e->out);
    e->out->word++;
    return true;
}

/* Normalizes, pre-tokenizes and WordPieces s[0..len), which starts `base` bytes into its text. */
static bool encode_run(encoder *e, const char *s, size_t len, uint32_t base) {
    e->norm.n = 0;
    if (!vkb_bert_normalize(&e->t->norm, s, len, base, &e->norm)) return false;
    return vkb_bert_pretokenize(e->norm.v, e->norm.n, on_piece, e);
}

/* One segment of the template: splits on special tokens written in the text (leftmost,
 * longest) and encodes the runs between them. */
static bool encode_segment(void *user, int segment, vkb_tok_sink *out) {
    encoder *e = user;
    const vkbert_tokenizer *t = e->t;
    const char *s = e->text[segment];
    size_t len = e->len[segment], run = 0;
    e->out = out;
    for (size_t i = 0; i < len;) {
        int hit = -1;
        size_t hit_len = 0;
        if (s[i] == '[')
            for (int k = 0; k < SP_COUNT; ++k) {
                size_t n = strlen(SPECIAL[k]);
                if (t->special[k] >= 0 && n <= len - i && memcmp(s + i, SPECIAL[k], n) == 0 && n > hit_len) {
                    hit = k;
                    hit_len = n;
                }
            }
        if (hit < 0) {
            ++i;
            continue;
        }
        if (!encode_run(e, s + run, i - run, (uint32_t)run)) return false;
        vkb_sink_emit(out, t->special[hit], (uint32_t)i, (uint32_t)(i + hit_len));
        out->word++;
        i += hit_len;
        run = i;
    }
    return encode_run(e, s + run, len - run, (uint32_t)run);
}

/* Both encode entry points, arguments checked. */
static vkbert_status encode(const vkbert_tokenizer *t, const char *text, size_t len, const char *pair, size_t plen,
                            vkb_tok_sink *out) {
    if (!text) text = "";
    vkbert_status s = validate_utf8("the text", text, len);
    if (!s && pair) s = validate_utf8("the second text", pair, plen);
    if (s) return s;
    if (t->tj) {
        if (!vkb_tj_encode(t->tj, text, len, pair, plen, out))
            return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory tokenizing");
        if (out->count > out->capacity)
            return vkb_fail(NULL, VKBERT_ERROR_BUFFER_TOO_SMALL, "the text needs %zu tokens; the buffer holds %zu",
                            out->count, out->capacity);
        return VKBERT_OK;
    }
    encoder e = {.t = t, .text = {text, pair}, .len = {len, plen}};
    bool ok = vkb_bert_template(t->special[SP_CLS], t->special[SP_SEP], pair != NULL, encode_segment, &e, out);
    vkb_nchars_free(&e.norm);
    if (!ok) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory tokenizing");
    if (out->count > out->capacity)
        return vkb_fail(NULL, VKBERT_ERROR_BUFFER_TOO_SMALL, "the text needs %zu tokens; the buffer holds %zu",
                        out->count, out->capacity);
    return VKBERT_OK;
}

vkbert_status vkbert_tokenizer_encode(const vkbert_tokenizer *t, const char *text, const char *pair, int32_t *ids,
                                      int32_t *type_ids, size_t capacity, size_t *count) {
    if (!text) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_tokenizer_encode: text is NULL");
    return vkbert_tokenizer_encode_bytes(t, text, strlen(text), pair, pair ? strlen(pair) : 0, ids, type_ids, capacity,
                                         count);
}

vkbert_status vkbert_tokenizer_encode_bytes(const vkbert_tokenizer *t, const char *text, size_t len, const char *pair,
                                            size_t plen, int32_t *ids, int32_t *type_ids, size_t capacity,
                                            size_t *count) {
    if (!t || (!text && len) || (!pair && plen) || !count || (capacity && !ids))
        return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_tokenizer_encode: NULL argument");
    vkb_tok_sink out = {.ids = ids, .types = type_ids, .capacity = capacity};
    vkbert_status s = encode(t, text, len, pair, plen, &out);
    if (s == VKBERT_OK || s == VKBERT_ERROR_BUFFER_TOO_SMALL) *count = out.count;
    return s;
}

vkbert_status vkbert_tokenizer_encode_offsets(const vkbert_tokenizer *t, const char *text, size_t text_bytes,
                                              const char *pair, size_t pair_bytes, int32_t *ids, int32_t *type_ids,
                                              vkbert_offset *offsets, size_t capacity, size_t *count) {
    return vkbert_tokenizer_encode_special(t, text, text_bytes, pair, pair_bytes, ids, type_ids, offsets, NULL, capacity,
                                           count);
}

vkbert_status vkbert_tokenizer_encode_special(const vkbert_tokenizer *t, const char *text, size_t text_bytes,
                                              const char *pair, size_t pair_bytes, int32_t *ids, int32_t *type_ids,
                                              vkbert_offset *offsets, uint8_t *special_mask, size_t capacity,
                                              size_t *count) {
    return vkb_tokenizer_encode_words(t, text, text_bytes, pair, pair_bytes, ids, type_ids, offsets, special_mask,
                                      NULL, capacity, count);
}

vkbert_status vkb_tokenizer_encode_words(const vkbert_tokenizer *t, const char *text, size_t text_bytes,
                                         const char *pair, size_t pair_bytes, int32_t *ids, int32_t *type_ids,
                                         vkbert_offset *offsets, uint8_t *special_mask, uint32_t *words,
                                         size_t capacity, size_t *count) {
    if (!t || (!text && text_bytes) || (!pair && pair_bytes) || !count)
        return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_tokenizer_encode_offsets: NULL argument");
    if (text_bytes > UINT32_MAX || pair_bytes > UINT32_MAX)
        return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT,
                        "vkbert_tokenizer_encode_offsets: a text of %zu bytes is over the 4 GiB that 32-bit offsets "
                        "reach", text_bytes > pair_bytes ? text_bytes : pair_bytes);
    vkb_tok_sink out = {.ids = ids, .types = type_ids, .offsets = offsets, .special = special_mask, .capacity = capacity,
                        .words = words};
    vkbert_status s = encode(t, text, text_bytes, pair, pair_bytes, &out);
    if (s == VKBERT_OK || s == VKBERT_ERROR_BUFFER_TOO_SMALL) *count = out.count;
    return s;
}

static bool is_special(const vkbert_tokenizer *t, int32_t id) {
    if (t->tj) return vkb_tj_is_special(t->tj, id);
    for (int k = 0; k < SP_COUNT; ++k)
        if (t->special[k] == id) return true;
    return false;
}

vkbert_status vkbert_tokenizer_decode(const vkbert_tokenizer *t, const int32_t *ids, size_t count,
                                      bool skip_special_tokens, char *dst, size_t capacity, size_t *needed) {
    if (!t || (!ids && count) || (!dst && capacity))
        return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_tokenizer_decode: NULL argument");
    for (size_t i = 0; i < count; ++i)
        if (ids[i] < 0 || (uint32_t)ids[i] >= voc(t)->count)
            return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT,
                            "vkbert_tokenizer_decode: id %d (position %zu) is outside the vocabulary of %u entries",
                            (int)ids[i], i, voc(t)->count);
    if (t->tj) {
        char *text = NULL;
        size_t n = 0;
        vkbert_status s = vkb_tj_decode_ids(t->tj, ids, count, skip_special_tokens, &text, &n);
        if (s) return s;
        if (needed) *needed = n + 1;
        if (n + 1 > capacity) {
            if (capacity) dst[0] = '\0';
            vkb_free(text);
            return vkb_fail(NULL, VKBERT_ERROR_BUFFER_TOO_SMALL, "the decoded text needs %zu bytes; the buffer holds %zu",
                            n + 1, capacity);
        }
        memcpy(dst, text, n + 1);
        vkb_free(text);
        return VKBERT_OK;
    }
    vkb_decoder_wordpiece dec = {dst, capacity};
    for (size_t i = 0; i < count; ++i) {
        if (skip_special_tokens && is_special(t, ids[i])) continue;
        if (!vkb_decode_wordpiece(&dec, t->vocab.tokens[ids[i]], t->vocab.max_token_bytes))
            return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory decoding");
    }
    vkb_decode_wordpiece_end(&dec);
    size_t total = dec.total;
    if (needed) *needed = total + 1;
    if (total + 1 > capacity) {
        if (capacity) dst[0] = '\0';
        return vkb_fail(NULL, VKBERT_ERROR_BUFFER_TOO_SMALL, "the decoded text needs %zu bytes; the buffer holds %zu",
                        total + 1, capacity);
    }
    dst[total] = '\0';
    return VKBERT_OK;
}

const char *vkbert_tokenizer_token(const vkbert_tokenizer *t, int32_t id) {
    if (!t || id < 0 || (uint32_t)id >= voc(t)->count) return NULL;
    return voc(t)->tokens[id];
}

int32_t vkbert_tokenizer_id(const vkbert_tokenizer *t, const char *token) {
    if (!t || !token) return -1;
    return vkb_vocab_lookup(voc(t), false, token, strlen(token));
}

uint32_t vkbert_tokenizer_vocab_size(const vkbert_tokenizer *t) { return t ? voc(t)->count : 0; }

const char *vkbert_tokenizer_mask_token(const vkbert_tokenizer *t) {
    return t && t->special[SP_MASK] >= 0 ? voc(t)->tokens[t->special[SP_MASK]] : NULL;
}

bool vkbert_tokenizer_is_special(const vkbert_tokenizer *t, int32_t id) {
    return t && id >= 0 && (uint32_t)id < voc(t)->count && is_special(t, id);
}

int32_t vkbert_tokenizer_mask_id(const vkbert_tokenizer *t) { return t ? t->special[SP_MASK] : -1; }

int32_t vkb_tokenizer_special(const vkbert_tokenizer *t, int which) {
    return (t && which >= 0 && which < SP_COUNT) ? t->special[which] : -1;
}

const char *vkb_tokenizer_subword_prefix(const vkbert_tokenizer *t) { return t->tj ? vkb_tj_subword_prefix(t->tj) : "##"; }

vkbert_status vkb_tokenizer_decode_tokens(const vkbert_tokenizer *t, const char *const *tokens, size_t n, char **text) {
    *text = NULL;
    if (t->tj) {
        size_t len = 0;
        return vkb_tj_decode_tokens(t->tj, tokens, n, text, &len);
    }
    size_t cap = 1;
    for (size_t i = 0; i < n; ++i) cap += strlen(tokens[i]) + 1;
    char *dst = vkb_malloc(cap);
    if (!dst) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory decoding");
    size_t longest = t->vocab.max_token_bytes;
    for (size_t i = 0; i < n; ++i)
        if (strlen(tokens[i]) > longest) longest = strlen(tokens[i]);
    vkb_decoder_wordpiece dec = {dst, cap};
    bool ok = true;
    for (size_t i = 0; ok && i < n; ++i) ok = vkb_decode_wordpiece(&dec, tokens[i], longest);
    vkb_decode_wordpiece_end(&dec);
    if (!ok) {
        vkb_free(dst);
        return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory decoding");
    }
    dst[dec.total < cap ? dec.total : cap - 1] = '\0';
    *text = dst;
    return VKBERT_OK;
}
