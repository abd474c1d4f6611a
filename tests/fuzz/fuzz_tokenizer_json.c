/* libFuzzer target: tokenizer.json parsing (vkb_tokenizer_from_json), then tokenizing fixed
 * texts and decoding them with what loaded. A file is loaded or refused with a format or
 * unsupported error; ids stay in the vocabulary. */
#include "vkb_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkbert_tokenizer *tok = NULL;
    vkbert_status st = vkb_tokenizer_from_json((const char *)data, size, "fuzz", &tok);
    if (st != VKBERT_OK) {
        if (tok || (st != VKBERT_ERROR_MODEL_FORMAT && st != VKBERT_ERROR_UNSUPPORTED &&
                    st != VKBERT_ERROR_OUT_OF_HOST_MEMORY))
            __builtin_trap();
        return 0;
    }
    static const char *texts[] = {"The capital of France is [MASK].", "ÉCOLE straße 北京 [SEP] x##y ##", ""};
    int32_t ids[64];
    size_t n;
    char out[1024];
    for (int i = 0; i < 3; ++i) {
        st = vkbert_tokenizer_encode(tok, texts[i], texts[(i + 1) % 3], ids, NULL, 64, &n);
        if (st == VKBERT_OK) {
            for (size_t k = 0; k < n; ++k)
                if (!vkbert_tokenizer_token(tok, ids[k])) __builtin_trap(); /* ids stay in the vocabulary */
            st = vkbert_tokenizer_decode(tok, ids, n, i & 1, out, sizeof out, NULL);
            if (st != VKBERT_OK && st != VKBERT_ERROR_BUFFER_TOO_SMALL) __builtin_trap();
        }
    }
    vkbert_tokenizer_destroy(tok);
    return 0;
}
