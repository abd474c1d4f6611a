/* libFuzzer target: config.json parsing (and the JSON duplicate/depth checks). */
#include "../test_platform.h"
#include "vkb_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkbert_model_config cfg;
    if (vkb_config_parse(NULL, (const char *)data, size, "fuzz", &cfg) == VKBERT_OK) {
        /* accepted configs honour the invariants the kernels rely on */
        if (cfg.hidden_size == 0 || cfg.num_attention_heads == 0 || cfg.hidden_size % cfg.num_attention_heads)
            TEST_TRAP();
    }
    return 0;
}
