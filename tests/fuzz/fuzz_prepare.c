/* libFuzzer target: the runner's inputs (tasks/inputs.c): any text and pair tokenized and
 * truncated to any max_seq in either direction. Byte 0: max_seq - 4 (mod 64); byte 1: bit 0
 * left, bit 1 a pair (the rest split at its first 0x01 byte), bit 2 lowercase, bit 3 a prompt. */
#include "../test_platform.h"
#include "vkb_internal.h"
#include "tasks/tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vkbert_tokenizer *tok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!tok && vkbert_tokenizer_load_memory("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\n##b\nthe\n##s\n.\n,\n", 49,
                                             NULL, 0, &tok))
        TEST_TRAP();
    if (size < 2) return 0;
    uint32_t max = 4 + data[0] % 64;
    uint8_t flags = data[1];
    char *buf = malloc(size - 1);
    if (!buf) return 0;
    memcpy(buf, data + 2, size - 2);
    buf[size - 2] = 0;
    char *pair = NULL;
    if (flags & 2) {
        char *cut = strchr(buf, 1);
        if (cut) {
            *cut = 0;
            pair = cut + 1;
        }
    }
    vkb_prepare_desc d = {tok, max, flags & 1 ? VKBERT_TRUNCATE_LEFT : VKBERT_TRUNCATE_RIGHT,
                          flags & 8 ? "the a " : NULL, (flags & 4) != 0};
    const char *texts[1] = {buf}, *pairs[1] = {pair};
    vkb_prepared p;
    size_t failed;
    if (vkb_prepare(NULL, &d, texts, pairs, NULL, 1, &p, &failed) == VKBERT_OK) {
        uint32_t n = p.length[0];
        /* [CLS] first, [SEP] last, within max_seq, exactly max_seq when cut */
        if (n < 2 || n > max || p.ids[0] != 2 || p.ids[n - 1] != 3 || (p.truncated && n != max)) TEST_TRAP();
        for (uint32_t i = 0; i < n; ++i)
            if (p.ids[i] < 0 || p.ids[i] > 11 || p.types[i] < 0 || p.types[i] > 1) TEST_TRAP();
    } else if (failed != 0) {
        TEST_TRAP();
    }
    vkb_prepared_free(&p);
    free(buf);
    return 0;
}
