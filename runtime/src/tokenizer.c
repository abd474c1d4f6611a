/* WordPiece tokenizer with Hugging Face BertTokenizer rules (as the Rust `tokenizers`
 * library implements them: BertNormalizer, BertPreTokenizer, WordPiece, BertProcessing).
 *
 * Per call: validate UTF-8; split out special tokens written in the text ([CLS], [SEP],
 * [MASK], [PAD], [UNK], matched exactly on the raw text); on the rest: drop NUL, U+FFFD
 * and control/format/unassigned characters, map whitespace to ' ', put spaces around CJK
 * ideographs, NFD + drop non-spacing marks (when stripping accents), lowercase; split on
 * whitespace and around punctuation; greedy longest-match WordPiece with "##" continuation,
 * words over 100 characters become [UNK]. */
#include "vkb_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_WORD_CHARS 100
#define MAX_VOCAB_BYTES (256u << 20)
#define MAX_VOCAB_ENTRIES (1u << 22)

enum { SP_PAD, SP_UNK, SP_CLS, SP_SEP, SP_MASK, SP_COUNT };
static const char *SPECIAL[SP_COUNT] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

struct vkbert_tokenizer {
    char *text;          /* the vocabulary file, lines NUL-terminated in place */
    char **tokens;       /* id -> token */
    uint32_t count;
    int32_t *slots;      /* open-addressing hash: token -> id, -1 empty */
    uint32_t slot_mask;
    size_t max_token_bytes;
    int32_t special[SP_COUNT];
    bool lowercase, strip_accents, chinese;
};

static uint32_t hash_bytes(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; ++i) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* id of the token spelled by (prefix "##" if cont) + s[0..n), or -1. */
static int32_t lookup(const vkbert_tokenizer *t, bool cont, const char *s, size_t n) {
    char buf[512];
    size_t total = n + (cont ? 2 : 0);
    if (total > t->max_token_bytes || total > sizeof buf) return -1;
    if (cont) { buf[0] = '#'; buf[1] = '#'; }
    memcpy(buf + (cont ? 2 : 0), s, n);
    for (uint32_t h = hash_bytes(buf, total) & t->slot_mask;; h = (h + 1) & t->slot_mask) {
        int32_t id = t->slots[h];
        if (id < 0) return -1;
        const char *tok = t->tokens[id];
        if (strlen(tok) == total && memcmp(tok, buf, total) == 0) return id;
    }
}

void vkbert_tokenizer_destroy(vkbert_tokenizer *t) {
    if (!t) return;
    vkb_free(t->text);
    vkb_free(t->tokens);
    vkb_free(t->slots);
    vkb_free(t);
}

vkbert_status vkb_tokenizer_from_vocab(const char *vocab, size_t len, const char *path, bool lowercase,
                                       bool strip_accents, bool chinese, vkbert_tokenizer **out) {
    *out = NULL;
    vkbert_tokenizer *t = vkb_calloc(1, sizeof *t);
    if (!t) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    t->lowercase = lowercase;
    t->strip_accents = strip_accents;
    t->chinese = chinese;
    t->text = vkb_malloc(len + 1);
    if (!t->text) goto oom;
    memcpy(t->text, vocab, len);
    t->text[len] = '\0';
    uint32_t lines = 0;
    for (size_t i = 0; i < len; ++i) lines += t->text[i] == '\n';
    if (len > 0 && t->text[len - 1] != '\n') ++lines;
    if (lines == 0) {
        vkbert_tokenizer_destroy(t);
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: the vocabulary is empty", path);
    }
    if (lines > MAX_VOCAB_ENTRIES) {
        vkbert_tokenizer_destroy(t);
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %u entries is over the %u allowed", path, lines,
                        MAX_VOCAB_ENTRIES);
    }
    t->tokens = vkb_calloc(lines, sizeof *t->tokens);
    uint32_t nslots = 16;
    while (nslots < lines * 2u) nslots <<= 1;
    t->slots = vkb_malloc(nslots * sizeof *t->slots);
    if (!t->tokens || !t->slots) goto oom;
    memset(t->slots, 0xFF, nslots * sizeof *t->slots);
    t->slot_mask = nslots - 1;
    char *p = t->text, *end = t->text + len;
    for (uint32_t id = 0; id < lines; ++id) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        if (e > p && e[-1] == '\r') --e; /* CRLF files */
        size_t n = (size_t)(e - p);
        for (utf8proc_ssize_t i = 0; i < (utf8proc_ssize_t)n;) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)n - i, &cp);
            if (k <= 0) {
                vkbert_tokenizer_destroy(t);
                return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: line %u is not valid UTF-8", path, id + 1);
            }
            i += k;
        }
        *e = '\0';
        t->tokens[id] = p;
        if (n > t->max_token_bytes) t->max_token_bytes = n;
        /* Later duplicates win, as in Hugging Face's load_vocab. */
        uint32_t h = hash_bytes(p, n) & t->slot_mask;
        for (;; h = (h + 1) & t->slot_mask) {
            int32_t old = t->slots[h];
            if (old < 0 || strcmp(t->tokens[old], p) == 0) break;
        }
        t->slots[h] = (int32_t)id;
        p = nl ? nl + 1 : end;
    }
    t->count = lines;
    for (int i = 0; i < SP_COUNT; ++i) t->special[i] = lookup(t, false, SPECIAL[i], strlen(SPECIAL[i]));
    for (int i = SP_UNK; i <= SP_SEP; ++i)
        if (t->special[i] < 0) {
            vkbert_tokenizer_destroy(t);
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: the vocabulary has no %s token", path, SPECIAL[i]);
        }
    *out = t;
    return VKBERT_OK;
oom:
    vkbert_tokenizer_destroy(t);
    return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory loading %s", path);
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
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, "do_lower_case");
        if (cJSON_IsBool(j)) lower = cJSON_IsTrue(j);
        j = cJSON_GetObjectItemCaseSensitive(root, "strip_accents");
        if (cJSON_IsBool(j)) strip = cJSON_IsTrue(j);
        j = cJSON_GetObjectItemCaseSensitive(root, "tokenize_chinese_chars");
        if (cJSON_IsBool(j)) chinese = cJSON_IsTrue(j);
        cJSON_Delete(root);
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
    char *cfg_path = vkb_path_join(dir, "tokenizer_config.json");
    char *vocab_path = vkb_path_join(dir, "vocab.txt");
    char *cfg = NULL, *vocab = NULL;
    size_t cfg_size = 0, vocab_size = 0;
    vkbert_status s = (!cfg_path || !vocab_path) ? vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory")
                                                 : VKBERT_OK;
    FILE *probe = s ? NULL : fopen(cfg_path, "rb");
    if (probe) {
        fclose(probe);
        s = vkb_read_file(cfg_path, 1u << 20, &cfg, &cfg_size);
    }
    if (!s) s = vkb_read_file(vocab_path, MAX_VOCAB_BYTES, &vocab, &vocab_size);
    if (!s) s = from_memory(vocab, vocab_size, vocab_path, cfg, cfg_size, cfg_path, out);
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

/* ---- character classes (Rust tokenizers' definitions) ---------------------------- */

static bool is_whitespace(int32_t c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

static bool is_other(int32_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CS ||
           k == UTF8PROC_CATEGORY_CO || k == UTF8PROC_CATEGORY_CN;
}

static bool is_punct(int32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        return true;
    utf8proc_category_t k = utf8proc_category(c);
    return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

static bool is_cjk(int32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* ---- encoding --------------------------------------------------------------------- */

typedef struct out_ids {
    int32_t *ids, *types;
    size_t capacity, count;
    int32_t type;
} out_ids;

static void emit(out_ids *o, int32_t id) {
    if (o->count < o->capacity) {
        o->ids[o->count] = id;
        if (o->types) o->types[o->count] = o->type;
    }
    o->count++;
}

/* Growable codepoint buffer. */
typedef struct cps { int32_t *v; size_t n, cap; } cps;

static bool cps_push(cps *b, int32_t c) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        int32_t *nv = vkb_realloc(b->v, cap * sizeof *nv);
        if (!nv) return false;
        b->v = nv;
        b->cap = cap;
    }
    b->v[b->n++] = c;
    return true;
}

/* WordPiece on one word (codepoints w[0..n)). */
static bool wordpiece(const vkbert_tokenizer *t, const int32_t *w, size_t n, out_ids *o) {
    if (n > MAX_WORD_CHARS) {
        emit(o, t->special[SP_UNK]);
        return true;
    }
    char bytes[MAX_WORD_CHARS * 4 + 1];
    size_t offs[MAX_WORD_CHARS + 1];
    size_t len = 0;
    for (size_t i = 0; i < n; ++i) {
        offs[i] = len;
        len += (size_t)utf8proc_encode_char(w[i], (utf8proc_uint8_t *)bytes + len);
    }
    offs[n] = len;
    int32_t pieces[MAX_WORD_CHARS];
    size_t np = 0, start = 0;
    while (start < n) {
        int32_t found = -1;
        size_t end = n;
        for (; end > start; --end) {
            size_t nb = offs[end] - offs[start] + (start > 0 ? 2 : 0);
            if (nb > t->max_token_bytes) continue;
            found = lookup(t, start > 0, bytes + offs[start], offs[end] - offs[start]);
            if (found >= 0) break;
        }
        if (found < 0) {
            emit(o, t->special[SP_UNK]);
            return true;
        }
        pieces[np++] = found;
        start = end;
    }
    for (size_t i = 0; i < np; ++i) emit(o, pieces[i]);
    return true;
}

/* Normalises, pre-tokenizes and WordPieces one segment of text without special tokens. */
static bool encode_segment(const vkbert_tokenizer *t, const char *s, size_t len, out_ids *o, cps *a, cps *b) {
    a->n = 0;
    b->n = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        i += (size_t)k; /* validated by the caller */
        if (c == 0 || c == 0xFFFD || is_other(c)) continue;
        if (is_whitespace(c)) c = ' ';
        if (t->chinese && is_cjk(c)) {
            if (!cps_push(a, ' ') || !cps_push(a, c) || !cps_push(a, ' ')) return false;
        } else if (!cps_push(a, c)) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n; ++i) {
        int32_t c = a->v[i];
        utf8proc_int32_t dec[32];
        utf8proc_ssize_t nd = 1;
        dec[0] = c;
        if (t->strip_accents) {
            int last = 0;
            nd = utf8proc_decompose_char(c, dec, 32, UTF8PROC_DECOMPOSE, &last);
            if (nd < 0 || nd > 32) { dec[0] = c; nd = 1; }
        }
        for (utf8proc_ssize_t j = 0; j < nd; ++j) {
            int32_t d = dec[j];
            if (t->strip_accents && utf8proc_category(d) == UTF8PROC_CATEGORY_MN) continue;
            if (t->lowercase) {
                if (d == 0x130) { /* the one unconditional multi-character lowercase mapping */
                    if (!cps_push(b, 'i') || !cps_push(b, 0x307)) return false;
                    continue;
                }
                d = utf8proc_tolower(d);
            }
            if (!cps_push(b, d)) return false;
        }
    }
    /* Split on whitespace; each punctuation character is a word of its own. */
    size_t w0 = 0;
    for (size_t i = 0; i <= b->n; ++i) {
        bool boundary = i == b->n || is_whitespace(b->v[i]) || is_punct(b->v[i]);
        if (!boundary) continue;
        if (i > w0) wordpiece(t, b->v + w0, i - w0, o);
        if (i < b->n && is_punct(b->v[i])) wordpiece(t, b->v + i, 1, o);
        w0 = i + 1;
    }
    return true;
}

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

/* Splits on special tokens written in the text and encodes each piece. */
static bool encode_text(const vkbert_tokenizer *t, const char *s, size_t len, out_ids *o, cps *a, cps *b) {
    size_t seg = 0;
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
        if (hit < 0) { ++i; continue; }
        if (!encode_segment(t, s + seg, i - seg, o, a, b)) return false;
        emit(o, t->special[hit]);
        i += hit_len;
        seg = i;
    }
    return encode_segment(t, s + seg, len - seg, o, a, b);
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
    if (!text) text = "";
    vkbert_status s = validate_utf8("the text", text, len);
    if (!s && pair) s = validate_utf8("the second text", pair, plen);
    if (s) return s;
    out_ids o = {ids, type_ids, capacity, 0, 0};
    cps a = {0}, b = {0};
    bool ok = true;
    emit(&o, t->special[SP_CLS]);
    ok = encode_text(t, text, len, &o, &a, &b);
    emit(&o, t->special[SP_SEP]);
    if (ok && pair) {
        o.type = 1;
        ok = encode_text(t, pair, plen, &o, &a, &b);
        emit(&o, t->special[SP_SEP]);
    }
    vkb_free(a.v);
    vkb_free(b.v);
    if (!ok) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory tokenizing");
    *count = o.count;
    if (o.count > capacity)
        return vkb_fail(NULL, VKBERT_ERROR_BUFFER_TOO_SMALL, "the text needs %zu tokens; the buffer holds %zu",
                        o.count, capacity);
    return VKBERT_OK;
}

const char *vkbert_tokenizer_token(const vkbert_tokenizer *t, int32_t id) {
    if (!t || id < 0 || (uint32_t)id >= t->count) return NULL;
    return t->tokens[id];
}

int32_t vkbert_tokenizer_id(const vkbert_tokenizer *t, const char *token) {
    if (!t || !token) return -1;
    return lookup(t, false, token, strlen(token));
}

uint32_t vkbert_tokenizer_vocab_size(const vkbert_tokenizer *t) { return t ? t->count : 0; }

int32_t vkbert_tokenizer_mask_id(const vkbert_tokenizer *t) { return t ? t->special[SP_MASK] : -1; }

int32_t vkb_tokenizer_special(const vkbert_tokenizer *t, int which) {
    return (t && which >= 0 && which < SP_COUNT) ? t->special[which] : -1;
}
