/* What serve.c, queue.c, routes_tei.c and metrics.c share (serve.h is what routes need). */
#ifndef VKBERT_SERVE_INTERNAL_H
#define VKBERT_SERVE_INTERNAL_H
#include "serve.h"

#include <pthread.h>

typedef struct serve_opts {
    const char *model, *host, *device, *precision, *api_key;
    const char *model_id;            /* /info's model_id: the directory's last component */
    unsigned port;
    uint32_t max_batch_tokens;       /* padded tokens per encode, and per batch of requests */
    uint32_t max_batch;              /* sequences per encode */
    uint32_t max_client_batch_size;  /* inputs per request */
    uint32_t max_concurrent_requests;/* requests queued or running; 429 beyond */
    uint64_t max_body;               /* bytes of a request body; 413 beyond */
    uint32_t request_timeout_s;      /* a request's deadline, from its arrival */
    uint32_t client_timeout_s;       /* a connection idle this long is closed */
    bool auto_truncate, verbose;
} serve_opts;

typedef struct serve_job serve_job;
/* Writes an embedding route's body from its own rows of the batch's embeddings. */
typedef int (*serve_embed_fmt)(serve_dev *d, const serve_job *job, const float *emb, uint32_t dim, FILE *out,
                               serve_err *e);

struct serve_job {
    const char *route;       /* "embed", "rerank", ...: the metrics' label */
    serve_route_fn fn;       /* a route run alone; NULL: an embedding job (batched) */
    struct cJSON *req;       /* the request body, owned by the job */
    /* embedding jobs: texts (pointers into req) under one set of options */
    struct {
        const char **texts;
        size_t n;
        vkbert_truncation truncation;
        bool normalize;
        const char *prompt_name;  /* NULL: none (TEI applies no default prompt) */
        uint32_t dimensions;      /* a Matryoshka width (0: the model's) */
        serve_embed_fmt format;
        bool single;              /* the request gave one string */
    } emb;
    uint64_t tokens;         /* the inputs' tokens (OpenAI's usage), counted when queued */
    /* the answer */
    int status;
    char *body;
    size_t len;
    serve_err err;
    bool done, abandoned;
    double queued_at, deadline;   /* seconds (vkb_now) */
    double queue_s, infer_s;      /* time queued, and on the device */
    size_t batch_inputs;          /* inputs in the device batch it ran in */
    serve_job *next;
};
void serve_job_free(serve_job *job);

typedef struct serve_metrics serve_metrics;

typedef struct serve_queue serve_queue;
/* The device thread, started on the model of opts (opened first, so that a bad model is an error
 * before the server listens). -1 on success, else the exit code (said). */
int serve_queue_start(const serve_opts *opts, serve_metrics *metrics, serve_queue **out);
/* Hands a job to the device thread: false (nothing taken) when max_concurrent_requests are
 * already queued or running. */
bool serve_queue_submit(serve_queue *q, serve_job *job);
/* Waits for the job's answer or its deadline: true with the job done (the caller frees it); false
 * when the deadline passed first (the queue frees the job then). */
bool serve_queue_wait(serve_queue *q, serve_job *job);
/* Requests queued or running. */
size_t serve_queue_inflight(serve_queue *q);
/* Whether the device is open and was not lost since. */
bool serve_queue_healthy(serve_queue *q);
/* Finishes the jobs already queued, then stops the thread and closes the device. */
void serve_queue_stop(serve_queue *q);
/* What /info says about the device and model (a JSON object, the caller's). */
struct cJSON *serve_queue_info(serve_queue *q);

/* The tokenizer of the model directory, loaded once by serve.c (read-only: any thread). */
const vkbert_tokenizer *serve_tokenizer(void);

/* routes_tei.c: a request to a route of the table, parsed and checked on the HTTP thread. */
typedef struct serve_route {
    const char *path;
    const char *name;     /* the metrics' label */
    /* Fills a job from the request: either job->fn (run alone on the device thread) or job->emb
     * (batched); or answers at once (/tokenize, /decode: no device) by setting job->body and
     * returning 1. -1 with e set on a bad request. */
    int (*prepare)(const serve_opts *o, serve_job *job, serve_err *e);
} serve_route;
const serve_route *serve_route_find(const char *path);
/* The route table (NULL-terminated path), for /info. */
extern const serve_route SERVE_ROUTES[];

/* metrics.c */
serve_metrics *serve_metrics_create(void);
void serve_metrics_destroy(serve_metrics *m);
/* A request answered: its route ("unknown" for none), status, and times. */
void serve_metrics_request(serve_metrics *m, const char *route, int status, const char *error_type, double total_s,
                           double queue_s, double infer_s, uint64_t tokens);
/* A device batch of `inputs` inputs from `requests` requests. */
void serve_metrics_batch(serve_metrics *m, size_t requests, size_t inputs);
void serve_metrics_device_lost(serve_metrics *m);
/* The Prometheus text (malloc'd). */
char *serve_metrics_text(serve_metrics *m, size_t queue, size_t *len);

double serve_now(void);

#endif
