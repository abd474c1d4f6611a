/* libFuzzer target: vocab.txt parsing, then tokenizing fixed texts with that vocabulary. */
#include "../test_platform.h"
#include "vkb_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkbert_tokenizer *tok = NULL;
    if (vkb_tokenizer_from_vocab((const char *)data, size, "fuzz", size & 1, size & 2, true, &tok) != VKBERT_OK)
        return 0;
    static const char *texts[] = {"The capital of France is [MASK].", "ÉCOLE straße 北京 [SEP] x##y ##", ""};
    int32_t ids[64];
    size_t n;
    for (int i = 0; i < 3; ++i) {
        vkbert_status st = vkbert_tokenizer_encode(tok, texts[i], texts[(i + 1) % 3], ids, NULL, 64, &n);
        if (st == VKBERT_OK)
            for (size_t k = 0; k < n; ++k)
                if (!vkbert_tokenizer_token(tok, ids[k])) TEST_TRAP(); /* ids stay in the vocabulary */
    }
    vkbert_tokenizer_destroy(tok);
    return 0;
}
