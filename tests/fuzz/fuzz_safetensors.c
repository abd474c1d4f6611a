/* libFuzzer target: the safetensors parser and tensor reads on arbitrary bytes. */
#include "vkb_internal.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkb_safetensors st;
    if (vkb_safetensors_open_memory(NULL, "fuzz", data, size, &st) != VKBERT_OK) return 0;
    for (uint32_t i = 0; i < st.count; ++i) {
        const vkb_tensor_info *t = &st.tensors[i];
        if (t->dtype == VKB_OTHER || t->count > (1u << 20)) continue;
        float *v = malloc((size_t)t->count * sizeof(float) + 1);
        if (v && vkb_safetensors_read_f32(NULL, &st, t, v) != VKBERT_OK) abort(); /* validated: must read */
        free(v);
    }
    vkb_safetensors_close(&st);
    return 0;
}
