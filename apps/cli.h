/* Internal to the CLI (apps/). */
#ifndef VKBERT_CLI_H
#define VKBERT_CLI_H
#include <stdbool.h>
#include <vkbert.h>

#define EXIT_USAGE 2

extern bool g_json;
/* One clear line on stderr ("vkbert: error: ..."); with --json also a JSON error object
 * on stdout. Returns `code`. */
int fail(int code, vkbert_status st, const char *fmt, ...);
int fail_status(vkbert_status st);
/* Log callback; `user` points to a bool: verbose. */
void on_log(vkbert_log_level level, const char *msg, void *user);
int cmd_bench(int argc, char **argv);
/* "1.3.230" from a Vulkan version number. */
void version_string(uint32_t version, char *buf, size_t n);

struct cJSON;
/* What a context was created with after the environment (vkbert_context_options) and what
 * it then runs, as one line of text and as a JSON object. */
void options_text(const vkbert_context *ctx, char *buf, size_t n);
struct cJSON *options_json(const vkbert_context *ctx);

#endif
