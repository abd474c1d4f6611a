/* tokenizer.json against Hugging Face's own output: every case of
 * tests/data/tokenizers/<model>/cases.json (the Rust `tokenizers` library through npm
 * @anush008/tokenizers; see tests/data/tokenizers/README.md), single texts and pairs, must
 * give the same ids, token types, special-tokens mask and offsets (the cases count code
 * points; the API gives bytes, converted here) and the same decode, with and without
 * special tokens. No GPU needed. Usage: test_tokjson DATA_DIR [MODEL...] */
#if defined(VKBERT_ONIG_DLOPEN)
#  define _GNU_SOURCE 1 /* dladdr, for onig_scope */
#endif
#include "test_util.h"
#include "vkb_internal.h"

#include <cjson/cJSON.h>

#if defined(VKBERT_ONIG_DLOPEN)
#  include <dlfcn.h>
#endif

#define CAP 4096

/* byte offset -> code point index, for s[0..n] */
static size_t *cp_index(const char *s, size_t n) {
    size_t *m = malloc((n + 1) * sizeof *m), k = 0;
    for (size_t i = 0; i <= n; ++i) {
        m[i] = k;
        if (i < n && ((unsigned char)s[i] & 0xC0) != 0x80) ++k;
    }
    return m;
}

static int fails_shown;

static bool same_ints(const cJSON *want, const int32_t *got, size_t n) {
    if (cJSON_GetArraySize(want) != (int)n) return false;
    for (size_t i = 0; i < n; ++i)
        if (cJSON_GetArrayItem(want, (int)i)->valueint != got[i]) return false;
    return true;
}

static void show(const char *model, const char *what, const cJSON *c, const int32_t *ids, size_t n) {
    if (fails_shown++ > 40) return;
    char *w = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, what));
    fprintf(stderr, "%s: case %s: %s differs\n  want %s\n  got ", model,
            cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "text")), what, w);
    for (size_t i = 0; i < n; ++i) fprintf(stderr, "%d ", ids[i]);
    fprintf(stderr, "\n");
    free(w);
}

/* `model`'s files, checked against the cases of `cases_of` (the same tokenizer in other files). */
static void run_model_as(const char *data, const char *model, const char *cases_of) {
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/tokenizers/%s", data, model);
    snprintf(path, sizeof path, "%s/tokenizers/%s/cases.json", data, cases_of);
    vkbert_tokenizer *tok = NULL;
    CHECK(vkbert_tokenizer_load(dir, &tok) == VKBERT_OK, "%s: %s", model, vkbert_last_error());
    char *text = NULL;
    size_t len = 0;
    CHECK(vkb_read_file(path, 1u << 26, &text, &len) == VKBERT_OK, "%s", vkbert_last_error());
    if (!tok || !text) return;
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *cases = cJSON_GetObjectItem(root, "cases"), *c;
    int n = 0, bad = 0, skipped = 0;
    static int32_t ids[CAP], types[CAP], got[CAP * 2];
    static vkbert_offset offs[CAP];
    static uint8_t mask[CAP];
    static char dec[1 << 16];
    cJSON_ArrayForEach(c, cases) {
        const char *t = cJSON_GetObjectItem(c, "text")->valuestring;
        const cJSON *pj = cJSON_GetObjectItem(c, "text_pair");
        const char *p = cJSON_IsString(pj) ? pj->valuestring : NULL;
        size_t count = 0;
        size_t chars = 0, last_end = 0;
        for (const char *q = t; *q; ++q) chars += ((unsigned char)*q & 0xC0) != 0x80;
        const cJSON *oe;
        cJSON_ArrayForEach(oe, cJSON_GetObjectItem(c, "offsets")) {
            size_t e1 = (size_t)cJSON_GetArrayItem(oe, 1)->valueint;
            if (e1 > last_end) last_end = e1;
        }
        if (!p && last_end > chars) {
            ++skipped; /* a text with a NUL: cJSON ends the string there, and the API refuses NUL bytes */
            continue;
        }
        ++n;
        vkbert_status st = vkbert_tokenizer_encode_special(tok, t, strlen(t), p, p ? strlen(p) : 0, ids, types, offs,
                                                           mask, CAP, &count);
        if (st) {
            ++bad;
            fprintf(stderr, "%s: case %d: %s\n", model, n, vkbert_last_error());
            continue;
        }
        bool ok = true;
        if (!same_ints(cJSON_GetObjectItem(c, "input_ids"), ids, count)) ok = false, show(model, "input_ids", c, ids, count);
        if (ok && !same_ints(cJSON_GetObjectItem(c, "token_type_ids"), types, count))
            ok = false, show(model, "token_type_ids", c, types, count);
        for (size_t i = 0; i < count; ++i) got[i] = mask[i];
        if (ok && !same_ints(cJSON_GetObjectItem(c, "special_tokens_mask"), got, count))
            ok = false, show(model, "special_tokens_mask", c, got, count);
        if (ok) {
            size_t *ct = cp_index(t, strlen(t)), *cp = p ? cp_index(p, strlen(p)) : NULL, in_a = 0, single = 0, seen = 0;
            if (p) { /* the text's own tokens, counted alone: the pair's tokens come after them */
                static uint8_t m1[CAP];
                vkbert_tokenizer_encode_special(tok, t, strlen(t), NULL, 0, NULL, NULL, NULL, m1, CAP, &single);
                for (size_t i = 0; i < single; ++i) in_a += !m1[i];
            }
            for (size_t i = 0; i < count; ++i) {
                const size_t *m = (p && !mask[i] && seen++ >= in_a) ? cp : ct;
                got[2 * i] = (int32_t)m[offs[i].start];
                got[2 * i + 1] = (int32_t)m[offs[i].end];
            }
            const cJSON *wo = cJSON_GetObjectItem(c, "offsets"), *e;
            int i = 0;
            cJSON_ArrayForEach(e, wo) {
                if (cJSON_GetArrayItem(e, 0)->valueint != got[2 * i] || cJSON_GetArrayItem(e, 1)->valueint != got[2 * i + 1]) {
                    ok = false;
                    if (fails_shown++ < 40)
                        fprintf(stderr, "%s: case %d: offset %d is [%d, %d), want %s\n", model, n, i, got[2 * i],
                                got[2 * i + 1], cJSON_PrintUnformatted(e));
                    break;
                }
                ++i;
            }
            free(ct);
            free(cp);
        }
        for (int skip = 0; ok && skip < 2; ++skip) {
            const char *want = cJSON_GetObjectItem(c, skip ? "decoded_skip_special" : "decoded")->valuestring;
            st = vkbert_tokenizer_decode(tok, ids, count, skip, dec, sizeof dec, NULL);
            if (st || strcmp(dec, want) != 0) {
                ok = false;
                if (fails_shown++ < 40)
                    fprintf(stderr, "%s: case %d: decode%s is \"%s\", want \"%s\"\n", model, n, skip ? " (skip special)" : "",
                            st ? vkbert_last_error() : dec, want);
            }
        }
        bad += !ok;
    }
    printf("%s: %d of %d cases identical (%d with a NUL byte skipped)\n", model, n - bad, n, skipped);
    CHECK(n > 0 && bad == 0, "%s: %d of %d cases differ from Hugging Face", model, bad, n);
    cJSON_Delete(root);
    free(text);
    vkbert_tokenizer_destroy(tok);
}

/* A minimal valid file with one part replaced: "%s" slots for normalizer, pre_tokenizer,
 * model, post_processor, decoder and added_tokens. */
static void hostile(const char *norm, const char *pre, const char *model, const char *post, const char *dec,
                    const char *added, vkbert_status want, const char *fragment) {
    static char buf[1 << 16];
    snprintf(buf, sizeof buf,
             "{\"normalizer\": %s, \"pre_tokenizer\": %s, \"model\": %s, \"post_processor\": %s, "
             "\"decoder\": %s, \"added_tokens\": %s}",
             norm, pre, model, post, dec, added);
    vkbert_tokenizer *t = NULL;
    vkbert_status st = vkbert_tokenizer_load_json(buf, strlen(buf), &t);
    CHECK(st == want && (!fragment || strstr(vkbert_last_error(), fragment)), "%s: got %d \"%s\", want %d with \"%s\"",
          buf, (int)st, vkbert_last_error(), (int)want, fragment ? fragment : "");
    if (t && !st) { /* what loads must also encode and decode */
        int32_t ids[64];
        size_t n = 0;
        CHECK(vkbert_tokenizer_encode(t, "hello world ab", NULL, ids, NULL, 64, &n) == VKBERT_OK, "%s", vkbert_last_error());
    }
    vkbert_tokenizer_destroy(t);
}

static void hostile_files(void) {
    const char *wp = "{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": {\"[UNK]\": 0, \"a\": 1, \"b\": 2}}";
    const char *bpe = "{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}";
    hostile("null", "null", wp, "null", "null", "[]", VKBERT_OK, NULL);
    hostile("null", "{\"type\": \"ByteLevel\"}", bpe, "null", "{\"type\": \"ByteLevel\"}", "[]", VKBERT_OK, NULL);
    /* unknown component types: errors naming them */
    hostile("{\"type\": \"Frobnicate\"}", "null", wp, "null", "null", "[]", VKBERT_ERROR_UNSUPPORTED, "\"Frobnicate\"");
    hostile("null", "{\"type\": \"UnicodeScripts\"}", wp, "null", "null", "[]", VKBERT_ERROR_UNSUPPORTED, "UnicodeScripts");
    hostile("null", "null", "{\"type\": \"WordLevel\", \"vocab\": {}}", "null", "null", "[]", VKBERT_ERROR_UNSUPPORTED, "WordLevel");
    hostile("null", "null", wp, "{\"type\": \"Magic\"}", "null", "[]", VKBERT_ERROR_UNSUPPORTED, "Magic");
    hostile("null", "null", wp, "null", "{\"type\": \"CTC\"}", "[]", VKBERT_ERROR_UNSUPPORTED, "CTC");
    /* a regex that does not compile */
    hostile("null", "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(a\"}, \"behavior\": \"Isolated\"}", wp, "null",
            "null", "[]", VKBERT_ERROR_MODEL_FORMAT, "does not compile");
    hostile("{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"[a\"}, \"content\": \"b\"}", "null", wp, "null",
            "null", "[]", VKBERT_ERROR_MODEL_FORMAT, "does not compile");
    hostile("{\"type\": \"Replace\", \"pattern\": {\"Glob\": \"*\"}, \"content\": \"b\"}", "null", wp, "null",
            "null", "[]", VKBERT_ERROR_MODEL_FORMAT, "pattern");
    /* a regex Replace whose matches may be empty: nothing replaced there, and it ends */
    hostile("{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"x*\"}, \"content\": \"b\"}", "null", wp, "null",
            "null", "[]", VKBERT_OK, NULL);
    /* a charsmap that is truncated, or whose trie size points outside it */
    hostile("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAA=\"}", "null", wp, "null", "null", "[]",
            VKBERT_ERROR_MODEL_FORMAT, "shorter than");
    hostile("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAEAAAAAAAA=\"}", "null", wp, "null", "null", "[]",
            VKBERT_ERROR_MODEL_FORMAT, "does not fit");
    hostile("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"not base64!\"}", "null", wp, "null", "null", "[]",
            VKBERT_ERROR_MODEL_FORMAT, "base64");
    /* a trie of garbage units: every index it makes is checked, so it loads and encodes */
    hostile("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"EAAAAP////////////////////8A\"}", "null", wp,
            "null", "null", "[]", VKBERT_OK, NULL);
    /* merges naming unknown tokens */
    hostile("null", "null", "{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}", "null",
            "null", "[]", VKBERT_ERROR_MODEL_FORMAT, "\"ab\", which is not in the vocabulary");
    hostile("null", "null", "{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"a\", \"zz\"]]}", "null", "null",
            "[]", VKBERT_ERROR_MODEL_FORMAT, "\"zz\"");
    /* an added token that is empty */
    hostile("null", "null", wp, "null", "null", "[{\"id\": 1, \"content\": \"\", \"special\": true}]",
            VKBERT_ERROR_MODEL_FORMAT, "empty content");
    /* dropout */
    hostile("null", "null", "{\"type\": \"BPE\", \"dropout\": 0.1, \"vocab\": {\"a\": 0}, \"merges\": []}", "null",
            "null", "[]", VKBERT_ERROR_UNSUPPORTED, "dropout");
    /* truncated, deeply nested, 100 MB */
    vkbert_tokenizer *t = NULL;
    const char *trunc = "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0";
    CHECK_ERROR(vkbert_tokenizer_load_json(trunc, strlen(trunc), &t), VKBERT_ERROR_MODEL_FORMAT, "tokenizer.json");
    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 1);
    for (size_t i = 0; i < depth; ++i) deep[i] = '[', deep[depth + i] = ']';
    CHECK_ERROR(vkbert_tokenizer_load_json(deep, depth * 2, &t), VKBERT_ERROR_MODEL_FORMAT, "tokenizer.json");
    free(deep);
    size_t big = 100u << 20;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    CHECK_ERROR(vkbert_tokenizer_load_json(huge, big, &t), VKBERT_ERROR_MODEL_FORMAT, "over the 64 MiB");
    free(huge);
    CHECK_ERROR(vkbert_tokenizer_load_json("[]", 2, &t), VKBERT_ERROR_MODEL_FORMAT, "not a JSON object");
}

static void run_model(const char *data, const char *model) { run_model_as(data, model, model); }

/* decode-cases.json (model_tools/decode_cases.py, Hugging Face's decoders): lists of token strings,
 * characters cut between tokens and already-decoded words among them, decoded as
 * convert_tokens_to_string decodes them. */
static void decode_cases(const char *data) {
    char path[4096], dir[4096];
    snprintf(path, sizeof path, "%s/tokenizers/decode-cases.json", data);
    char *text = NULL;
    size_t len = 0;
    CHECK(vkb_read_file(path, 1u << 24, &text, &len) == VKBERT_OK, "%s", vkbert_last_error());
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    const cJSON *c;
    vkbert_tokenizer *tok = NULL;
    const char *loaded = "";
    int n = 0, bad = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases")) {
        const char *model = cJSON_GetObjectItem(c, "model")->valuestring;
        if (strcmp(model, loaded)) {
            vkbert_tokenizer_destroy(tok);
            tok = NULL;
            snprintf(dir, sizeof dir, "%s/tokenizers/%s", data, model);
            CHECK(vkbert_tokenizer_load(dir, &tok) == VKBERT_OK, "%s: %s", model, vkbert_last_error());
            loaded = model;
        }
        if (!tok) continue;
        const cJSON *tl = cJSON_GetObjectItem(c, "tokens"), *e;
        const char *toks[64];
        size_t k = 0;
        cJSON_ArrayForEach(e, tl) if (k < 64) toks[k++] = e->valuestring;
        char *got = NULL;
        vkbert_status st = vkb_tokenizer_decode_tokens(tok, toks, k, &got);
        const char *want = cJSON_GetObjectItem(c, "text")->valuestring;
        ++n;
        if (st || strcmp(got, want)) {
            if (bad++ < 20) fprintf(stderr, "%s: decode case %d: \"%s\", want \"%s\"\n", model, n, got ? got : "(error)", want);
        }
        vkb_free(got);
    }
    CHECK(n > 300 && bad == 0, "decode-cases.json: %d of %d cases differ", bad, n);
    vkbert_tokenizer_destroy(tok);
    cJSON_Delete(root);
    free(text);
}

/* With a system's shared libonig, its POSIX names must stay out of the global scope once a
 * regex tokenizer has opened it: linked, libonig's regcomp shadowed the C library's for
 * Mesa's driconf (and, under ASan, paired it with glibc's regexec: a hang). */
static void onig_scope(void) {
#if defined(VKBERT_ONIG_DLOPEN)
    void *h = dlopen(VKBERT_ONIG_SONAME, RTLD_NOW | RTLD_NOLOAD);
    CHECK(h != NULL, "a ByteLevel tokenizer.json opened " VKBERT_ONIG_SONAME);
    if (h) dlclose(h);
    Dl_info info;
    void *rc = dlsym(RTLD_DEFAULT, "regcomp");
    CHECK(rc && dladdr(rc, &info) && info.dli_fname, "regcomp resolves");
    if (rc && dladdr(rc, &info) && info.dli_fname)
        CHECK(strstr(info.dli_fname, "libonig") == NULL, "the process's regcomp is %s, not Oniguruma's", info.dli_fname);
#endif
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_tokjson DATA_DIR [MODEL...]\n");
        return 2;
    }
    static const char *const MODELS[] = {"distilbert-base-uncased", "bge-small-en-v1.5", "bert-base-multilingual-cased",
                                         "roberta-base", "ModernBERT-base", "t5-small", "unigram-xlmr-like",
                                         "unigram-spm-replace", "unigram-albert-like"};
    hostile_files();
    decode_cases(argv[1]);
    run_model_as(argv[1], "roberta-base-files", "roberta-base"); /* vocab.json + merges.txt */
    if (argc > 2)
        for (int i = 2; i < argc; ++i) run_model(argv[1], argv[i]);
    else
        for (size_t i = 0; i < sizeof MODELS / sizeof MODELS[0]; ++i) run_model(argv[1], MODELS[i]);
    onig_scope();
    return test_finish("test_tokjson");
}
