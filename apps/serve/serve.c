/* vkbert serve: the options, the HTTP daemon (libmicrohttpd, a thread per connection), routing,
 * the API key, size limits, and a clean stop on SIGINT/SIGTERM. */
#include "internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *USAGE =
    "usage: vkbert serve -m DIR [options]\n"
    "\n"
    "A local HTTP server with text-embeddings-inference's API (/embed, /embed_all, /similarity,\n"
    "/rerank, /predict, /tokenize, /decode, /info, /health, /metrics), OpenAI's /v1/embeddings,\n"
    "and /fill-mask, /ner, /qa, /score and /attention answering as the CLI commands' --json do;\n"
    "a demo page at /. Requests are queued and run on one device thread; embedding requests of\n"
    "the same options share device batches.\n"
    "  -m, --model DIR              model directory\n"
    "  --host ADDR                  address to listen on (default 127.0.0.1: this machine only)\n"
    "  --port N                     port (default 8080; 0: any free one, said on stderr)\n"
    "  --api-key KEY                every route but /health needs \"Authorization: Bearer KEY\"\n"
    "  --max-batch-tokens N         padded tokens per encode, and per batch of requests (default 16384)\n"
    "  --max-batch N                sequences per encode (default 128)\n"
    "  --max-client-batch-size N    inputs per request (default 32; 413 beyond)\n"
    "  --max-concurrent-requests N  requests queued or running (default 512; 429 beyond)\n"
    "  --max-body BYTES             request body size (default 2000000; 413 beyond)\n"
    "  --auto-truncate              cut over-long inputs in every request (TEI's flag), as truncate: true\n"
    "  --request-timeout S          a request not answered S seconds after it came is answered 503 (default 60)\n"
    "  --client-timeout S           a connection idle for S seconds is closed (default 10)\n"
    "  --model-id NAME              /info's model_id (default: the directory's name)\n"
    "  --device SEL, --precision P, --verbose   as for the other commands\n"
    "SIGINT or SIGTERM: in-flight requests are answered, then the server stops.\n";

static const vkbert_tokenizer *g_tokenizer;
const vkbert_tokenizer *serve_tokenizer(void) { return g_tokenizer; }

typedef struct server {
    serve_opts opts;
    serve_queue *queue;
    serve_metrics *metrics;
    pthread_mutex_t mu;
    pthread_cond_t idle;
    size_t active; /* requests begun and not yet completed (their answer sent or the connection gone) */
} server;

/* One request's state, between libmicrohttpd's calls. */
typedef struct request {
    const serve_route *route; /* a POST route; NULL for GET ones */
    char *body;
    size_t len, cap;
    bool too_large, answered;
    double t0;
} request;

/* ---- answers ---- */
static enum MHD_Result send_body(struct MHD_Connection *c, int status, const char *type, char *body, size_t len,
                                 bool owned) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
    if (!r) {
        if (owned) free(body);
        return MHD_NO;
    }
    if (type) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

static const char JSON[] = "application/json";

static enum MHD_Result send_error(server *s, struct MHD_Connection *c, request *q, const char *route, const serve_err *e,
                                  const char *allow) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", e->msg);
    cJSON_AddStringToObject(o, "error_type", e->type ? e->type : SERVE_ERR_BACKEND);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, JSON);
    if (allow) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    if (e->status == 401) MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)e->status, r);
    MHD_destroy_response(r);
    if (q) q->answered = true;
    serve_metrics_request(s->metrics, route ? route : "unknown", e->status, e->type, q ? serve_now() - q->t0 : 0, 0, 0, 0);
    return ok;
}

static enum MHD_Result fail_now(server *s, struct MHD_Connection *c, request *q, const char *route, int status,
                                const char *type, const char *allow, const char *fmt, ...) CLI_PRINTF(8, 9);
static enum MHD_Result fail_now(server *s, struct MHD_Connection *c, request *q, const char *route, int status,
                                const char *type, const char *allow, const char *fmt, ...) {
    serve_err e = {.status = status, .type = type};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    return send_error(s, c, q, route, &e, allow);
}

/* ---- GET routes ---- */
static void add_opt_string(cJSON *o, const char *k, const char *v) {
    if (v) cJSON_AddStringToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

/* TEI's Info, and vkbert's device and model under "vkbert". */
static char *info_json(server *s, size_t *len) {
    const serve_opts *o = &s->opts;
    cJSON *j = cJSON_CreateObject(), *dev = serve_queue_info(s->queue);
    cJSON_AddStringToObject(j, "model_id", o->model_id);
    cJSON_AddNullToObject(j, "model_sha");
    const cJSON *prec = dev ? cJSON_GetObjectItemCaseSensitive(dev, "precision") : NULL;
    cJSON_AddStringToObject(j, "model_dtype",
                            prec && cJSON_IsString(prec) && !strcmp(prec->valuestring, "fp16") ? "float16" : "float32");
    cJSON *type = cJSON_AddObjectToObject(j, "model_type");
    const cJSON *cls = dev ? cJSON_GetObjectItemCaseSensitive(dev, "id2label") : NULL;
    if (cls && cJSON_GetArraySize(cls) > 0) {
        cJSON *k = cJSON_AddObjectToObject(type, cJSON_GetArraySize(cls) == 1 ? "reranker" : "classifier");
        cJSON *id2label = cJSON_AddObjectToObject(k, "id2label"), *label2id = cJSON_AddObjectToObject(k, "label2id");
        int id = 0;
        for (const cJSON *x = cls->child; x; x = x->next, ++id) {
            char key[16];
            snprintf(key, sizeof key, "%d", id);
            cJSON_AddStringToObject(id2label, key, x->valuestring);
            cJSON_AddNumberToObject(label2id, x->valuestring, id);
        }
    } else {
        const cJSON *pool = dev ? cJSON_GetObjectItemCaseSensitive(dev, "pooling") : NULL;
        cJSON *emb = cJSON_AddObjectToObject(type, "embedding");
        cJSON_AddStringToObject(emb, "pooling", pool && cJSON_IsString(pool) ? pool->valuestring : "cls");
    }
    cJSON_AddNumberToObject(j, "max_concurrent_requests", o->max_concurrent_requests);
    const cJSON *mil = dev ? cJSON_GetObjectItemCaseSensitive(dev, "max_input_length") : NULL;
    cJSON_AddNumberToObject(j, "max_input_length", mil ? mil->valuedouble : 0);
    cJSON_AddNumberToObject(j, "max_batch_tokens", o->max_batch_tokens);
    cJSON_AddNumberToObject(j, "max_batch_requests", o->max_batch);
    cJSON_AddNumberToObject(j, "max_client_batch_size", o->max_client_batch_size);
    cJSON_AddBoolToObject(j, "auto_truncate", o->auto_truncate);
    cJSON_AddNumberToObject(j, "tokenization_workers", 1);
    cJSON_AddStringToObject(j, "version", VKBERT_VERSION_STRING);
    add_opt_string(j, "sha", NULL);
    add_opt_string(j, "docker_label", NULL);
    if (dev) {
        cJSON_DeleteItemFromObjectCaseSensitive(dev, "id2label");
        cJSON_DeleteItemFromObjectCaseSensitive(dev, "pooling");
        cJSON_DeleteItemFromObjectCaseSensitive(dev, "max_input_length");
        cJSON_AddItemToObject(j, "vkbert", dev);
    } else {
        cJSON_AddNullToObject(j, "vkbert");
    }
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (text) *len = strlen(text);
    return text;
}

/* ---- the request ---- */
static bool authorized(const server *s, struct MHD_Connection *c) {
    const char *key = s->opts.api_key;
    if (!key) return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Bearer ", 7)) return false;
    h += 7;
    size_t a = strlen(h), b = strlen(key);
    unsigned char diff = a != b;
    for (size_t i = 0; i < a; ++i) diff |= (unsigned char)(h[i] ^ key[i % (b ? b : 1)]); /* time independent of where */
    return diff == 0;
}

/* A body no route can take: not UTF-8, a NUL escaped into a string, not a JSON object. */
static cJSON *parse_body(const request *q, serve_err *e) {
    if (q->len == 0) {
        serve_fail(e, 422, SERVE_ERR_VALIDATION, "the request has no body: it must be a JSON object");
        return NULL;
    }
    size_t bad = utf8_invalid_at((const unsigned char *)q->body, q->len);
    if (bad < q->len) {
        serve_fail(e, 400, SERVE_ERR_VALIDATION, "the body is not valid UTF-8 (at byte offset %zu)", bad);
        return NULL;
    }
    for (size_t i = 0; i + 6 <= q->len; ++i)
        if (q->body[i] == '\\' && q->body[i + 1] == 'u' && !strncmp(q->body + i + 2, "0000", 4)) {
            /* cJSON would end the string there: a text cut silently */
            bool escaped = false;
            for (size_t k = i; k > 0 && q->body[k - 1] == '\\'; --k) escaped = !escaped;
            if (!escaped) {
                serve_fail(e, 422, SERVE_ERR_VALIDATION, "a string holds a NUL character (\\u0000)");
                return NULL;
            }
        }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(q->body, q->len, &end, false);
    if (root) {
        while (end && (size_t)(end - q->body) < q->len && strchr(" \t\r\n", *end)) ++end;
        if (end && (size_t)(end - q->body) < q->len && *end) {
            cJSON_Delete(root);
            root = NULL;
        }
    }
    if (!root) {
        size_t at = end ? (size_t)(end - q->body) : 0;
        serve_fail(e, 400, SERVE_ERR_VALIDATION, "the body is not valid JSON (near byte %zu)", at);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        serve_fail(e, 422, SERVE_ERR_VALIDATION, "the body must be a JSON object");
        return NULL;
    }
    return root;
}

/* Runs a job to its answer. */
static enum MHD_Result run_job(server *s, struct MHD_Connection *c, request *q, serve_job *job, const char *route) {
    job->queued_at = q->t0;
    job->deadline = q->t0 + s->opts.request_timeout_s;
    if (!serve_queue_submit(s->queue, job)) {
        serve_job_free(job);
        return fail_now(s, c, q, route, 429, SERVE_ERR_OVERLOADED, NULL,
                        "Model is overloaded: %u requests are queued or running (--max-concurrent-requests)",
                        s->opts.max_concurrent_requests);
    }
    if (!serve_queue_wait(s->queue, job)) {
        serve_err e = {0};
        serve_fail(&e, 503, SERVE_ERR_OVERLOADED, "the request was not answered within its deadline (%u s, --request-timeout)",
                   s->opts.request_timeout_s);
        return send_error(s, c, q, route, &e, NULL);
    }
    enum MHD_Result ok;
    if (job->status == 200) {
        serve_metrics_request(s->metrics, route, 200, NULL, serve_now() - q->t0, job->queue_s, job->infer_s, job->tokens);
        ok = send_body(c, 200, job->len ? JSON : NULL, job->body, job->len, true);
        job->body = NULL;
        q->answered = true;
    } else {
        ok = send_error(s, c, q, route, &job->err, NULL);
    }
    serve_job_free(job);
    return ok;
}

static enum MHD_Result post_route(server *s, struct MHD_Connection *c, request *q) {
    const serve_route *r = q->route;
    if (q->too_large) {
        return fail_now(s, c, q, r->name, 413, SERVE_ERR_VALIDATION, NULL,
                        "the body is over the server's limit of %llu bytes (--max-body)",
                        (unsigned long long)s->opts.max_body);
    }
    serve_err e = {0};
    cJSON *root = parse_body(q, &e);
    if (!root) return send_error(s, c, q, r->name, &e, NULL);
    serve_job *job = calloc(1, sizeof *job);
    if (!job) {
        cJSON_Delete(root);
        return fail_now(s, c, q, r->name, 500, SERVE_ERR_BACKEND, NULL, "out of memory");
    }
    job->route = r->name;
    job->req = root;
    int rc = r->prepare(&s->opts, job, &e);
    if (rc < 0) {
        serve_job_free(job);
        return send_error(s, c, q, r->name, &e, NULL);
    }
    if (rc > 0) { /* answered on this thread */
        serve_metrics_request(s->metrics, r->name, 200, NULL, serve_now() - q->t0, 0, 0, 0);
        enum MHD_Result ok = send_body(c, 200, JSON, job->body, job->len, true);
        job->body = NULL;
        q->answered = true;
        serve_job_free(job);
        return ok;
    }
    return run_job(s, c, q, job, r->name);
}

static enum MHD_Result get_route(server *s, struct MHD_Connection *c, request *q, const char *url) {
    if (!strcmp(url, "/info")) {
        size_t len = 0;
        char *text = info_json(s, &len);
        if (!text) return MHD_NO;
        serve_metrics_request(s->metrics, "info", 200, NULL, serve_now() - q->t0, 0, 0, 0);
        q->answered = true;
        return send_body(c, 200, JSON, text, len, true);
    }
    if (!strcmp(url, "/metrics")) {
        size_t len = 0;
        char *text = serve_metrics_text(s->metrics, serve_queue_inflight(s->queue), &len);
        if (!text) return MHD_NO;
        q->answered = true;
        return send_body(c, 200, "text/plain; version=0.0.4", text, len, true);
    }
    if (!strcmp(url, "/health")) {
        serve_job *job = calloc(1, sizeof *job);
        if (!job) return MHD_NO;
        job->route = "health";
        serve_err e = {0};
        serve_route_find("/health")->prepare(&s->opts, job, &e);
        return run_job(s, c, q, job, "health");
    }
    const serve_file *f = serve_page_file(url);
    if (!f) return MHD_NO; /* not reached: routed only when found */
    q->answered = true;
    struct MHD_Response *r = MHD_create_response_from_buffer(f->size, (void *)f->data, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, f->content_type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

static bool is_get_route(const char *url) {
    return !strcmp(url, "/info") || !strcmp(url, "/metrics") || !strcmp(url, "/health") || serve_page_file(url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state) {
    (void)version;
    server *s = cls;
    request *q = *state;
    if (!q) { /* the headers are in: decide now whether the body is wanted */
        if (!(q = calloc(1, sizeof *q))) return MHD_NO;
        q->t0 = serve_now();
        *state = q;
        pthread_mutex_lock(&s->mu);
        ++s->active;
        pthread_mutex_unlock(&s->mu);
        bool post = !strcmp(method, MHD_HTTP_METHOD_POST), get = !strcmp(method, MHD_HTTP_METHOD_GET);
        const serve_route *r = serve_route_find(url);
        if (r && !strcmp(url, "/health")) r = NULL; /* GET */
        if (!r && !is_get_route(url))
            return fail_now(s, c, q, NULL, 404, SERVE_ERR_VALIDATION, NULL, "no route %s (see GET /info)", url);
        if (r && !post) return fail_now(s, c, q, r->name, 405, SERVE_ERR_VALIDATION, "POST", "%s takes POST", url);
        if (!r && !get) return fail_now(s, c, q, NULL, 405, SERVE_ERR_VALIDATION, "GET", "%s takes GET", url);
        if (strcmp(url, "/health") && !authorized(s, c))
            return fail_now(s, c, q, r ? r->name : NULL, 401, "unauthorized", NULL,
                            "%s", "a valid \"Authorization: Bearer KEY\" header is needed (--api-key)");
        q->route = r;
        const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (r && length && strtoull(length, NULL, 10) > s->opts.max_body) {
            return fail_now(s, c, q, r->name, 413, SERVE_ERR_VALIDATION, NULL,
                            "the body is over the server's limit of %llu bytes (--max-body)",
                            (unsigned long long)s->opts.max_body);
        }
        if (!r) return get_route(s, c, q, url);
        return MHD_YES;
    }
    if (q->answered) { /* an early answer: the rest of the body is dropped */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (q->too_large || q->len + n > s->opts.max_body) {
            q->too_large = true; /* read and dropped: answered once it is in */
            return MHD_YES;
        }
        if (q->len + n + 1 > q->cap) {
            size_t cap = q->cap ? q->cap : 4096;
            while (cap < q->len + n + 1) cap *= 2;
            char *b = realloc(q->body, cap);
            if (!b) return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        memcpy(q->body + q->len, upload, n);
        q->len += n;
        q->body[q->len] = '\0';
        return MHD_YES;
    }
    return post_route(s, c, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode toe) {
    (void)c, (void)toe;
    server *s = cls;
    request *q = *state;
    if (!q) return;
    free(q->body);
    free(q);
    *state = NULL;
    pthread_mutex_lock(&s->mu);
    --s->active;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    const server *s = cls;
    if (!s->opts.verbose) return;
    fputs("vkbert serve: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- options ---- */
static int parse_u64(const char *flag, const char *v, uint64_t min, uint64_t max, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || !end || *end || v[0] == '-' || !*v || x < min || x > max)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs an integer from %llu to %llu, not \"%s\"", flag,
                    (unsigned long long)min, (unsigned long long)max, v);
    *out = x;
    return -1;
}

static int parse(int argc, char **argv, serve_opts *o) {
    *o = (serve_opts){.host = "127.0.0.1", .port = 8080, .max_batch_tokens = 16384, .max_batch = 128,
                      .max_client_batch_size = 32, .max_concurrent_requests = 512, .max_body = 2000000,
                      .request_timeout_s = 60, .client_timeout_s = 10};
    for (int i = 0; i < argc; ++i) {
        const char *a = argv[i], **val = NULL;
        uint64_t x = 0, min = 1, max = UINT32_MAX;
        void *num = NULL;
        bool wide = false;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (!strcmp(a, "--auto-truncate")) o->auto_truncate = true;
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) o->verbose = true;
        else if (!strcmp(a, "-m") || !strcmp(a, "--model")) val = &o->model;
        else if (!strcmp(a, "--host")) val = &o->host;
        else if (!strcmp(a, "--api-key")) val = &o->api_key;
        else if (!strcmp(a, "--device")) val = &o->device;
        else if (!strcmp(a, "--precision")) val = &o->precision;
        else if (!strcmp(a, "--model-id")) val = &o->model_id;
        else if (!strcmp(a, "--port")) num = &o->port, min = 0, max = 65535;
        else if (!strcmp(a, "--max-batch-tokens")) num = &o->max_batch_tokens;
        else if (!strcmp(a, "--max-batch")) num = &o->max_batch;
        else if (!strcmp(a, "--max-client-batch-size")) num = &o->max_client_batch_size;
        else if (!strcmp(a, "--max-concurrent-requests")) num = &o->max_concurrent_requests, max = 65536;
        else if (!strcmp(a, "--max-body")) num = &o->max_body, wide = true, min = 16, max = (uint64_t)1 << 32;
        else if (!strcmp(a, "--request-timeout")) num = &o->request_timeout_s, max = 86400;
        else if (!strcmp(a, "--client-timeout")) num = &o->client_timeout_s, max = 86400;
        else return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see vkbert serve --help)", a);
        if (!val && !num) continue;
        if (i + 1 >= argc) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
        const char *v = argv[++i];
        if (val) {
            if (!*v) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value, not an empty one", a);
            *val = v;
            continue;
        }
        int rc = parse_u64(a, v, min, max, &x);
        if (rc >= 0) return rc;
        if (wide) *(uint64_t *)num = x;
        else if (num == &o->port) o->port = (unsigned)x;
        else *(uint32_t *)num = (uint32_t)x;
    }
    if (!o->model) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "serve needs -m DIR (see vkbert serve --help)");
    if (o->precision && strcmp(o->precision, "fp32") && strcmp(o->precision, "fp16") && strcmp(o->precision, "auto"))
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--precision must be fp32, fp16 or auto");
    if (!o->model_id) {
        const char *m = o->model, *end = m + strlen(m);
        while (end > m + 1 && end[-1] == '/') --end;
        const char *start = end;
        while (start > m && start[-1] != '/') --start;
        static char id[256];
        snprintf(id, sizeof id, "%.*s", (int)(end - start), start);
        o->model_id = id;
    }
    return -1;
}

/* The address to listen on; *v6 when it is an IPv6 one. */
static int resolve(const serve_opts *o, struct sockaddr_storage *addr, bool *v6) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", o->port);
    int err = getaddrinfo(o->host, port, &hints, &res);
    if (err || !res)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--host %s: %s", o->host,
                    err ? gai_strerror(err) : "no address");
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return -1;
}

int cmd_serve(int argc, char **argv) {
    server s = {0};
    int rc = parse(argc, argv, &s.opts);
    if (rc >= 0) return rc;
    struct sockaddr_storage addr;
    bool v6 = false;
    if ((rc = resolve(&s.opts, &addr, &v6)) >= 0) return rc;
    vkbert_tokenizer *tok = NULL;
    vkbert_status st = vkbert_tokenizer_load(s.opts.model, &tok);
    if (st) return fail_status(st);
    g_tokenizer = tok;
    /* SIGINT and SIGTERM reach sigwait below, not any thread; a closed connection is an error
     * return, not SIGPIPE */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.idle, NULL);
    s.metrics = serve_metrics_create();
    if (!s.metrics) rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    else rc = serve_queue_start(&s.opts, s.metrics, &s.queue);
    struct MHD_Daemon *d = NULL;
    if (rc < 0) {
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
                         MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
        d = MHD_start_daemon(flags, (uint16_t)s.opts.port, NULL, NULL, on_request, &s,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
                             MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, &s,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s.opts.client_timeout_s,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)(s.opts.max_concurrent_requests + 64),
                             MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(s.opts.max_concurrent_requests + 64),
                             /* the request line and headers of one request: 413/431 beyond */
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                             MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                             MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
        if (!d)
            rc = fail(1, VKBERT_ERROR_IO, "cannot listen on %s port %u: %s", s.opts.host, s.opts.port,
                      errno ? strerror(errno) : "the HTTP daemon did not start");
    }
    if (rc < 0) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        cJSON *dev = serve_queue_info(s.queue);
        const cJSON *name = dev ? cJSON_GetObjectItemCaseSensitive(dev, "device") : NULL;
        fprintf(stderr, "vkbert serve: listening on http://%s%s%s:%u (model %s on %s)%s\n", v6 ? "[" : "", s.opts.host,
                v6 ? "]" : "", info ? info->port : s.opts.port, s.opts.model,
                name && cJSON_IsString(name) ? name->valuestring : "the device",
                s.opts.api_key ? ", API key required" : "");
        cJSON_Delete(dev);
        int sig = 0;
        sigwait(&sigs, &sig);
        fprintf(stderr, "vkbert serve: %s: answering the requests in flight, then stopping\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
        /* no new connections; the requests begun are answered (bounded by their deadline) */
        MHD_socket ls = MHD_quiesce_daemon(d);
        if (ls != MHD_INVALID_SOCKET) close(ls);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s.opts.request_timeout_s + 5;
        pthread_mutex_lock(&s.mu);
        int w = 0;
        while (s.active && w != ETIMEDOUT) w = pthread_cond_timedwait(&s.idle, &s.mu, &until);
        pthread_mutex_unlock(&s.mu);
        rc = 0;
    }
    if (d) MHD_stop_daemon(d);
    serve_queue_stop(s.queue);
    serve_metrics_destroy(s.metrics);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.idle);
    vkbert_tokenizer_destroy(tok);
    g_tokenizer = NULL;
    return rc;
}
