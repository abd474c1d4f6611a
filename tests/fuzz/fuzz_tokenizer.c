/* libFuzzer target: the tokenizer on arbitrary text (and text pairs, split at the first NUL
 * byte) with the real bert-base-uncased vocabulary; also the explicit-length entry point
 * on the raw bytes, NULs included; offsets (in bounds, on UTF-8 boundaries, in order) and
 * decode of what was encoded. */
#include "../test_platform.h"
#include "vkb_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vkbert_tokenizer *load(void) {
    char *vocab = NULL;
    size_t n = 0;
    if (vkb_read_file(VKBERT_FUZZ_VOCAB, 1u << 24, &vocab, &n) != VKBERT_OK) abort();
    vkbert_tokenizer *tok = NULL;
    if (vkb_tokenizer_from_vocab(vocab, n, VKBERT_FUZZ_VOCAB, true, true, true, &tok) != VKBERT_OK) abort();
    vkb_free(vocab);
    return tok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static vkbert_tokenizer *tok;
    if (!tok) tok = load();
    char *text = malloc(size + 2);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = text[size + 1] = '\0';
    size_t first = strlen(text);
    const char *pair = first < size ? text + first + 1 : NULL;
    int32_t ids[512], types[512];
    size_t n = 0;
    vkbert_status st = vkbert_tokenizer_encode(tok, text, pair, ids, types, 512, &n);
    if (st == VKBERT_OK) {
        if (n < 2 || ids[0] != 101 || ids[n - 1] != 102) TEST_TRAP(); /* [CLS] ... [SEP] */
        for (size_t i = 0; i < n; ++i)
            if (ids[i] < 0 || ids[i] >= 30522 || types[i] < 0 || types[i] > 1) TEST_TRAP();
    } else if (st != VKBERT_ERROR_INVALID_TEXT && st != VKBERT_ERROR_BUFFER_TOO_SMALL) {
        TEST_TRAP();
    }
    st = vkbert_tokenizer_encode_bytes(tok, (const char *)data, size, NULL, 0, ids, types, 512, &n);
    if (st == VKBERT_OK && memchr(data, 0, size)) TEST_TRAP(); /* a NUL must be refused */
    vkbert_offset offs[512];
    st = vkbert_tokenizer_encode_offsets(tok, text, first, pair, pair ? strlen(pair) : 0, ids, types, offs, 512, &n);
    if (st == VKBERT_OK) {
        uint32_t last[2] = {0, 0};
        for (size_t i = 0; i < n; ++i) {
            const char *src = types[i] ? pair : text;
            size_t len = types[i] ? strlen(pair) : first;
            vkbert_offset o = offs[i];
            if (o.start == 0 && o.end == 0) continue; /* [CLS], [SEP] */
            if (o.start >= o.end || o.end > len || o.start < last[types[i]]) TEST_TRAP();
            if (((uint8_t)src[o.start] & 0xC0) == 0x80 || (o.end < len && ((uint8_t)src[o.end] & 0xC0) == 0x80))
                TEST_TRAP(); /* inside a code point */
            last[types[i]] = o.start;
        }
        char out[8192];
        size_t need = 0;
        st = vkbert_tokenizer_decode(tok, ids, n, size & 1, out, sizeof out, &need);
        if (st != VKBERT_OK && st != VKBERT_ERROR_BUFFER_TOO_SMALL) TEST_TRAP();
        if (st == VKBERT_OK && strlen(out) + 1 != need) TEST_TRAP();
    } else if (st != VKBERT_ERROR_INVALID_TEXT && st != VKBERT_ERROR_BUFFER_TOO_SMALL) {
        TEST_TRAP();
    }
    free(text);
    return 0;
}
