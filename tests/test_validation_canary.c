/* Proves that the validation layer is active in the GPU tests and that its messages
 * reach vkbert: a deliberately invalid call must be counted. Without this, a test run
 * with a missing or silent layer would look clean. */
#include "test_util.h"
#include "vkb_internal.h"

static void quiet(vkbert_log_level level, const char *msg, void *user) {
    (void)level, (void)msg, (void)user;
}

int main(void) {
    vkbert_context *ctx = test_context(&(vkbert_context_desc){0});
    ctx->log = quiet;
    CHECK(vkbert_context_validation_messages(ctx) == 0, "messages before the invalid call");
    VkBufferCreateInfo bi = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bi.size = 0; /* VUID-VkBufferCreateInfo-size-00912 */
    bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    VkBuffer b = VK_NULL_HANDLE;
    if (vkCreateBuffer(ctx->device, &bi, NULL, &b) == VK_SUCCESS && b) vkDestroyBuffer(ctx->device, b, NULL);
    CHECK(vkbert_context_validation_messages(ctx) > 0,
          "the validation layer did not report an invalid vkCreateBuffer: is vulkan-validationlayers installed?");
    vkbert_context_destroy(ctx);
    return test_finish("test_validation_canary");
}
