/* libFuzzer target: tokenizer.json parsing (every component, added tokens, charsmap, merges),
 * then encoding fixed texts and pairs and decoding what they give. */
#include "vkb_internal.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkbert_tokenizer *tok = NULL;
    if (vkbert_tokenizer_load_json((const char *)data, size, &tok) != VKBERT_OK) return 0;
    static const char *texts[] = {"The capital of France is <mask>. [MASK]", "ÉCOLE straße 北京 ①℃ ﬁ  x##y ## 123",
                                  ""};
    int32_t ids[256];
    vkbert_offset offs[256];
    uint8_t mask[256];
    char dec[4096];
    size_t n;
    for (int i = 0; i < 3; ++i) {
        const char *p = texts[(i + 1) % 3];
        vkbert_status st = vkbert_tokenizer_encode_special(tok, texts[i], strlen(texts[i]), p, strlen(p), ids, NULL, offs,
                                                           mask, 256, &n);
        if (st != VKBERT_OK) continue;
        for (size_t k = 0; k < n; ++k)
            if (!vkbert_tokenizer_token(tok, ids[k]) || offs[k].start > offs[k].end) __builtin_trap();
        vkbert_tokenizer_decode(tok, ids, n, i & 1, dec, sizeof dec, NULL);
    }
    vkbert_tokenizer_destroy(tok);
    return 0;
}
