/* Shared by the CLI's commands: error reporting (one line on stderr, JSON with --json)
 * and the log callback. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool g_json;

/* One clear line on stderr; with --json also a JSON object on stdout. */
int fail(int code, vkbert_status st, const char *fmt, ...) {
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vkbert: error: %s\n", msg);
    if (g_json) {
        cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
        cJSON_AddStringToObject(e, "status", vkbert_status_string(st));
        cJSON_AddStringToObject(e, "message", msg);
        char *s = cJSON_PrintUnformatted(o);
        if (s) printf("%s\n", s);
        free(s);
        cJSON_Delete(o);
    }
    return code;
}

int fail_status(vkbert_status st) { return fail(1, st, "%s", vkbert_last_error()); }

void on_log(vkbert_log_level level, const char *msg, void *user) {
    const bool *verbose = user;
    /* Library errors are reported once by fail(); its warnings (an ignored setting or cache
     * file) and driver and validation messages are not. */
    if (*verbose || level == VKBERT_LOG_WARNING || (level > VKBERT_LOG_WARNING && strncmp(msg, "Vulkan", 6) == 0))
        fprintf(stderr, "vkbert: %s\n", msg);
}


void version_string(uint32_t v, char *buf, size_t n) {
    snprintf(buf, n, "%u.%u.%u", (v >> 22) & 0x7F, (v >> 12) & 0x3FF, v & 0xFFF);
}
