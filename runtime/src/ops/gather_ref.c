/* Reference of gather. */
#include "ops/ref.h"

#include <string.h>

void vkb_ref_gather(const float *src, const int32_t *index, uint32_t rows, uint32_t width, float *out) {
    for (uint32_t r = 0; r < rows; ++r) memcpy(out + (size_t)r * width, src + (size_t)index[r] * width, width * 4);
}
