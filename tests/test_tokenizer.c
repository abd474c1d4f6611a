/* Tokenizer against Hugging Face's own output (tests/data/tokenizer-cases.json, made
 * with the Rust `tokenizers` library and bert-base-uncased's tokenizer.json), plus
 * cased mode, buffer sizing and invalid UTF-8. No GPU needed. */
#include "test_util.h"
#include "vkb_internal.h"

#include <cjson/cJSON.h>
#include <time.h>

static void run_cases(const char *data_dir) {
    vkbert_tokenizer *tok = NULL;
    char path[4096];
    /* tokenizer_load wants a directory holding vocab.txt: make one in the build tree */
    snprintf(path, sizeof path, "%s/bert-base-uncased-vocab.txt", data_dir);
    char *vocab = NULL, *cases = NULL;
    size_t vlen = 0, clen = 0;
    CHECK(vkb_read_file(path, 1u << 24, &vocab, &vlen) == VKBERT_OK, "%s", vkbert_last_error());
    CHECK(vkb_tokenizer_from_vocab(vocab, vlen, path, true, true, true, &tok) == VKBERT_OK, "%s", vkbert_last_error());
    snprintf(path, sizeof path, "%s/tokenizer-cases.json", data_dir);
    CHECK(vkb_read_file(path, 1u << 24, &cases, &clen) == VKBERT_OK, "%s", vkbert_last_error());
    if (!tok || !cases) exit(1);
    CHECK(vkbert_tokenizer_vocab_size(tok) == 30522, "vocab size %u", vkbert_tokenizer_vocab_size(tok));
    CHECK(vkbert_tokenizer_mask_id(tok) == 103, "mask id %d", vkbert_tokenizer_mask_id(tok));
    cJSON *root = cJSON_Parse(cases);
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, root) {
        const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
        const cJSON *pair = cJSON_GetObjectItem(c, "text_pair");
        const cJSON *want = cJSON_GetObjectItem(c, "input_ids"), *wtypes = cJSON_GetObjectItem(c, "token_type_ids"),
                    *wtok = cJSON_GetObjectItem(c, "tokens");
        int32_t ids[1024], types[1024];
        size_t count = 0;
        vkbert_status st = vkbert_tokenizer_encode(tok, text, cJSON_IsString(pair) ? pair->valuestring : NULL, ids,
                                                   types, 1024, &count);
        CHECK(st == VKBERT_OK, "case \"%s\": %s", text, vkbert_last_error());
        bool same = (int)count == cJSON_GetArraySize(want);
        for (int i = 0; same && i < (int)count; ++i) {
            same = ids[i] == cJSON_GetArrayItem(want, i)->valueint &&
                   types[i] == cJSON_GetArrayItem(wtypes, i)->valueint &&
                   strcmp(vkbert_tokenizer_token(tok, ids[i]), cJSON_GetArrayItem(wtok, i)->valuestring) == 0;
        }
        if (!same) {
            fprintf(stderr, "case \"%s\": got", text);
            for (size_t i = 0; i < count; ++i) fprintf(stderr, " %s", vkbert_tokenizer_token(tok, ids[i]));
            fprintf(stderr, "\n");
        }
        CHECK(same, "case %d \"%s\" differs from Hugging Face", n, text);
        ++n;
    }
    CHECK(n >= 30, "only %d cases read", n);

    /* Too small a buffer reports the size needed. */
    int32_t small[3];
    size_t need = 0;
    CHECK_ERROR(vkbert_tokenizer_encode(tok, "The capital of France is [MASK].", NULL, small, NULL, 3, &need),
                VKBERT_ERROR_BUFFER_TOO_SMALL, "needs 9 tokens");
    CHECK(need == 9, "needed %zu", need);
    /* Invalid UTF-8: lone continuation, truncated, overlong, surrogate, > U+10FFFF. */
    const char *bad[] = {"a\x80z", "ab\xE2\x82", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        int32_t ids[64];
        CHECK_ERROR(vkbert_tokenizer_encode(tok, bad[i], NULL, ids, NULL, 64, &need), VKBERT_ERROR_INVALID_TEXT,
                    "not valid UTF-8");
    }
    int32_t ids[64];
    CHECK_ERROR(vkbert_tokenizer_encode(tok, "ok", "\xFF", ids, NULL, 64, &need), VKBERT_ERROR_INVALID_TEXT,
                "second text");
    /* NUL bytes inside a text with an explicit length */
    CHECK_ERROR(vkbert_tokenizer_encode_bytes(tok, "a\0b", 3, NULL, 0, ids, NULL, 64, &need), VKBERT_ERROR_INVALID_TEXT,
                "NUL byte (byte offset 1)");
    CHECK(vkbert_tokenizer_encode_bytes(tok, "hello world!", 5, "worldly", 5, ids, NULL, 64, &need) == 0 && need == 5 &&
              ids[1] == 7592 && ids[3] == 2088, "lengths not honoured (%zu tokens)", need);
    /* Linear in practice: a long text of ordinary words. */
    size_t big = 1u << 20;
    char *text = malloc(big + 1);
    for (size_t i = 0; i < big; ++i) text[i] = "hello world, "[i % 13];
    text[big] = '\0';
    CHECK(vkbert_tokenizer_encode(tok, text, NULL, NULL, NULL, 0, &need) == VKBERT_ERROR_BUFFER_TOO_SMALL &&
              need > 200000, "1 MB text: %zu tokens", need);
    free(text);
    cJSON_Delete(root);
    free(vocab);
    free(cases);
    vkbert_tokenizer_destroy(tok);
}

/* Expectations derived by hand from BertTokenizer's rules on a toy vocabulary. */
static void run_cased(void) {
    const char *vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nHello\nhello\nworld\nWorld\n##s\ncafe\ncafé\n!\r\n";
    vkbert_tokenizer *cased = NULL, *uncased = NULL;
    CHECK(vkb_tokenizer_from_vocab(vocab, strlen(vocab), "toy", false, false, true, &cased) == 0, "load");
    CHECK(vkb_tokenizer_from_vocab(vocab, strlen(vocab), "toy", true, true, true, &uncased) == 0, "load");
    if (!cased || !uncased) exit(1);
    int32_t ids[16];
    size_t n = 0;
    CHECK(vkbert_tokenizer_encode(cased, "Hello Worlds café!", NULL, ids, NULL, 16, &n) == 0, "encode");
    int32_t want_cased[] = {2, 5, 8, 9, 11, 12, 3};
    CHECK(n == 7 && memcmp(ids, want_cased, sizeof want_cased) == 0, "cased ids wrong (n=%zu)", n);
    CHECK(vkbert_tokenizer_encode(uncased, "Hello Worlds café!", NULL, ids, NULL, 16, &n) == 0, "encode");
    int32_t want_uncased[] = {2, 6, 7, 9, 10, 12, 3};
    CHECK(n == 7 && memcmp(ids, want_uncased, sizeof want_uncased) == 0, "uncased ids wrong (n=%zu)", n);
    CHECK(vkbert_tokenizer_id(cased, "!") == 12, "CRLF line not stripped: %d", vkbert_tokenizer_id(cased, "!"));
    /* A vocabulary without [UNK]/[CLS]/[SEP] is refused. */
    vkbert_tokenizer *bad = NULL;
    CHECK_ERROR(vkb_tokenizer_from_vocab("a\nb\n", 4, "toy", true, true, true, &bad), VKBERT_ERROR_MODEL_FORMAT,
                "no [UNK]");
    vkbert_tokenizer_destroy(cased);
    vkbert_tokenizer_destroy(uncased);
}

static double seconds(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Text the tokenizer must survive: huge words, a million spaces or marks, empty text. */
static void hostile_text(const vkbert_tokenizer *tok) {
    size_t big = 1u << 20, need = 0;
    char *text = malloc(big + 1);
    int32_t ids[8];
    memset(text, 'a', big);
    text[big] = '\0';
    double t0 = seconds();
    CHECK(vkbert_tokenizer_encode(tok, text, NULL, ids, NULL, 8, &need) == 0 && need == 3 && ids[1] == 100,
          "a 1 MB word is not one [UNK] (%zu tokens)", need);
    memset(text, ' ', big);
    CHECK(vkbert_tokenizer_encode(tok, text, NULL, ids, NULL, 8, &need) == 0 && need == 2, "a million spaces");
    memset(text, '!', big);
    CHECK_ERROR(vkbert_tokenizer_encode(tok, text, NULL, ids, NULL, 8, &need), VKBERT_ERROR_BUFFER_TOO_SMALL,
                "needs 1048578 tokens");
    for (size_t i = 0; i < big; ++i) text[i] = "\xe5\x8c\x97 "[i % 4]; /* 北 北 ... (CJK, split per char) */
    text[big - big % 4] = '\0';
    CHECK(vkbert_tokenizer_encode(tok, text, NULL, NULL, NULL, 0, &need) == VKBERT_ERROR_BUFFER_TOO_SMALL &&
              need == big / 4 + 2, "CJK text: %zu tokens", need);
    printf("1 MB hostile texts tokenized in %.3f s in total\n", seconds() - t0);
    CHECK(vkbert_tokenizer_encode(tok, "", NULL, ids, NULL, 8, &need) == 0 && need == 2, "empty text");
    CHECK(vkbert_tokenizer_encode(tok, "", "", ids, NULL, 8, &need) == 0 && need == 3, "empty pair");
    free(text);
}

/* vocab.txt files the loader must survive. */
static void hostile_vocab(void) {
    vkbert_tokenizer *t = NULL;
    const char *dups = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nx\n\n\nx\n";
    CHECK(vkb_tokenizer_from_vocab(dups, strlen(dups), "v", true, true, true, &t) == 0, "%s", vkbert_last_error());
    CHECK(t && vkbert_tokenizer_id(t, "x") == 8, "duplicate: the later id wins as in Hugging Face (%d)",
          vkbert_tokenizer_id(t, "x"));
    CHECK(t && vkbert_tokenizer_vocab_size(t) == 9, "empty lines keep their ids");
    int32_t ids[8];
    size_t n = 0;
    CHECK(t && vkbert_tokenizer_encode(t, "x y", NULL, ids, NULL, 8, &n) == 0 && n == 4 && ids[1] == 8 && ids[2] == 1,
          "encode with duplicates");
    vkbert_tokenizer_destroy(t);
    size_t big = 1u << 20;
    char *v = malloc(big + 64);
    strcpy(v, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
    size_t l = strlen(v);
    memset(v + l, 'q', big);
    strcpy(v + l + big, "\nq\n");
    t = NULL;
    CHECK(vkb_tokenizer_from_vocab(v, strlen(v), "v", true, true, true, &t) == 0, "1 MB line: %s", vkbert_last_error());
    CHECK(t && vkbert_tokenizer_encode(t, "q qq", NULL, ids, NULL, 8, &n) == 0 && n == 4 && ids[1] == 5 && ids[2] == 1,
          "1 MB line breaks lookups");
    CHECK(t && vkbert_tokenizer_mask_id(t) == -1, "no [MASK] in this vocabulary");
    vkbert_tokenizer_destroy(t);
    free(v);
    t = NULL;
    const char *bad = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nok\n\xff\xfe\n";
    CHECK_ERROR(vkb_tokenizer_from_vocab(bad, strlen(bad), "v", true, true, true, &t), VKBERT_ERROR_MODEL_FORMAT,
                "line 6 is not valid UTF-8");
    CHECK_ERROR(vkb_tokenizer_from_vocab("", 0, "v", true, true, true, &t), VKBERT_ERROR_MODEL_FORMAT, "empty");
    CHECK_ERROR(vkbert_tokenizer_load("/nonexistent-dir", &t), VKBERT_ERROR_IO, "cannot open");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_tokenizer DATA_DIR\n");
        return 2;
    }
    run_cases(argv[1]);
    run_cased();
    hostile_vocab();
    char path[4096];
    snprintf(path, sizeof path, "%s/bert-base-uncased-vocab.txt", argv[1]);
    char *vocab = NULL;
    size_t n = 0;
    vkbert_tokenizer *tok = NULL;
    if (vkb_read_file(path, 1u << 24, &vocab, &n) == 0 && vkb_tokenizer_from_vocab(vocab, n, path, true, true, true, &tok) == 0)
        hostile_text(tok);
    vkbert_tokenizer_destroy(tok);
    vkb_free(vocab);
    return test_finish("test_tokenizer");
}
