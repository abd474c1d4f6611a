/* vkbert serve: a local HTTP server speaking text-embeddings-inference's API (internal to the
 * CLI; built where libmicrohttpd is found).
 *
 * Threads: libmicrohttpd's threads read requests, check them (auth, sizes, JSON) and queue a
 * job; one device thread owns the context, the model, its runners and sessions, and runs the
 * jobs (those of the embedding routes several at once, under one token budget); the HTTP
 * thread waits for its job's reply, or for the deadline. Everything that touches the device
 * (vkbert_* calls on the model, its tokenizer included) runs on the device thread, through a
 * serve_dev.
 *
 *   serve.c        options, the daemon, routing, auth and limits, signals
 *   queue.c        the bounded job queue, the device thread, batching, deadlines, device loss
 *   routes_tei.c   TEI's routes and OpenAI's /v1/embeddings
 *   routes_tasks.c /fill-mask, /ner, /qa, /score, /attention: the CLI commands' --json bodies
 *   page.c         the demo page's files, built into the binary
 *   metrics.c      /metrics in Prometheus text
 */
#ifndef VKBERT_SERVE_H
#define VKBERT_SERVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <vkbert.h>

#include "../cli.h"

struct cJSON;

/* TEI's error types, as serde writes them in "error_type", and the status each is answered with
 * (TEI's From<&ErrorType> for StatusCode). */
#define SERVE_ERR_VALIDATION "validation" /* 413 (too many inputs, too long, too large); 422 for a bad field */
#define SERVE_ERR_TOKENIZER "tokenizer"   /* 422 */
#define SERVE_ERR_BACKEND "backend"       /* 424: the model cannot serve the route; 500: the device failed */
#define SERVE_ERR_OVERLOADED "overloaded" /* 429 */
#define SERVE_ERR_UNHEALTHY "unhealthy"   /* 503 */
#define SERVE_ERR_EMPTY "empty"           /* 400: an empty input */

/* One failed request: answered {"error": msg, "error_type": type} with `status`. */
typedef struct serve_err {
    int status;
    const char *type; /* SERVE_ERR_*, a static string */
    char msg[1024];
} serve_err;

/* Always returns -1, so that a route can `return serve_fail(...)`. */
int serve_fail(serve_err *e, int status, const char *type, const char *fmt, ...) CLI_PRINTF(4, 5);
/* A failed vkbert call on the device thread: its status mapped to TEI's (INVALID_TEXT 422
 * tokenizer, TOO_LONG 413 validation, UNSUPPORTED 424 backend, DEVICE_LOST 503 unhealthy, ...)
 * with vkbert_last_error() as the message. -1. */
int serve_fail_status(serve_err *e, vkbert_status st);

/* ---- the device side: used only on the device thread ---- */
typedef struct serve_dev serve_dev;
vkbert_context *serve_dev_context(serve_dev *d);
vkbert_model *serve_dev_model(serve_dev *d);
const vkbert_tokenizer *serve_dev_tokenizer(serve_dev *d);
/* The model directory the server was started with (for messages only: no request names a path). */
const char *serve_dev_dir(const serve_dev *d);
/* A runner of desc's task and options, kept between requests (a few, the least recently used
 * dropped first); the server's --max-batch-tokens and --max-batch-size fill desc's zeros. NULL
 * with e set (424 for a task the model has no head for). */
vkbert_runner *serve_dev_runner(serve_dev *d, const vkbert_runner_desc *desc, serve_err *e);
/* A slot a route keeps its own state in between requests (a session, say): *slot starts NULL;
 * free_fn(*slot) runs when the device is closed (shutdown, or a device loss). `name` is a static
 * string naming the slot. NULL when out of slots. */
void **serve_dev_slot(serve_dev *d, const char *name, void (*free_fn)(void *));

/* The server's settings a route needs. */
typedef struct serve_limits {
    uint32_t max_client_batch_size; /* inputs per request (413 beyond) */
    uint32_t max_batch_tokens;      /* padded tokens per encode */
    uint32_t max_input_length;      /* the model's max_seq_length */
    bool auto_truncate;             /* --auto-truncate: every request's truncate is true */
} serve_limits;
const serve_limits *serve_dev_limits(const serve_dev *d);

/* A route that runs on the device thread: `req` is the parsed request body (an object).
 * Writes the response body (JSON) to `out` and returns 0; or returns -1 with e set. */
typedef int (*serve_route_fn)(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e);

/* ---- request fields (TEI's serde rules): each returns -1 with a 422 in e when the field has
 * the wrong type, else 0; an absent field (or null) leaves *out at its default ---- */
int serve_field_bool(const struct cJSON *req, const char *name, bool *out, serve_err *e);
int serve_field_uint(const struct cJSON *req, const char *name, uint32_t max, uint32_t *out, serve_err *e);
/* A string; *out points into req. `required`: absent is a 422 "missing field `name`". */
int serve_field_string(const struct cJSON *req, const char *name, bool required, const char **out, serve_err *e);
/* TEI's Input: a string or a list of strings; *texts (malloc'd array of pointers into req, free
 * it) and *n. Checks the list is not empty (400 empty) and holds at most max_client_batch_size
 * (413). `single` (may be NULL) says whether a lone string was given. */
int serve_field_texts(serve_dev *d, const struct cJSON *req, const char *name, const char ***texts, size_t *n,
                      bool *single, serve_err *e);
/* truncate (default false, --auto-truncate forces true) and truncation_direction ("Right" or
 * "Left"; lower case also taken) as a vkbert_truncation. */
int serve_field_truncation(serve_dev *d, const struct cJSON *req, vkbert_truncation *out, serve_err *e);

/* JSON numbers and strings: cli.h's json_f32 and json_string (serde_json's forms). */

/* routes_tasks.c: the routes answering with a CLI command's --json body. */
int serve_fill_mask(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e);
int serve_ner(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e);
int serve_qa(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e);
int serve_score(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e);
int serve_attention(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e);

/* page.c: a file of the demo page by its URL path ("/" is "/index.html"); NULL when none. */
typedef struct serve_file {
    const char *path, *content_type;
    const unsigned char *data;
    size_t size;
} serve_file;
const serve_file *serve_page_file(const char *url);

#endif
