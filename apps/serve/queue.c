/* The device thread of vkbert serve: a bounded queue of jobs, the context, model and runners
 * they run on, embedding requests batched together under one token budget, deadlines, and a
 * new context after a device loss. */
#include "internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNNERS 6
#define SLOTS 8
#define BATCH_JOBS 64 /* requests in one device batch at most */

typedef struct cached_runner {
    vkbert_runner_desc desc; /* prompt_name points at prompt_name_buf */
    char prompt_name_buf[128];
    vkbert_runner *runner;
    uint64_t used;
} cached_runner;

struct serve_dev {
    const serve_opts *opts;
    serve_limits limits;
    vkbert_context *ctx;
    vkbert_model *model;
    bool verbose;
    cached_runner runners[RUNNERS];
    struct {
        const char *name;
        void *p;
        void (*free_fn)(void *);
    } slots[SLOTS];
    uint64_t tick;
};

struct serve_queue {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    serve_job *head, *tail;
    size_t inflight; /* queued or running */
    bool stopping, healthy;
    pthread_t thread;
    serve_dev dev;
    serve_metrics *metrics;
    const serve_opts *opts;
    cJSON *info; /* the device and model, for /info (under mu) */
};

double serve_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void serve_job_free(serve_job *job) {
    if (!job) return;
    cJSON_Delete(job->req);
    free(job->emb.texts);
    free(job->body);
    free(job);
}

/* ---- errors ---- */
int serve_fail(serve_err *e, int status, const char *type, const char *fmt, ...) {
    e->status = status;
    e->type = type;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int serve_fail_status(serve_err *e, vkbert_status st) {
    const char *msg = vkbert_last_error();
    if (!msg || !*msg) msg = vkbert_status_string(st);
    switch (st) {
    case VKBERT_ERROR_INVALID_TEXT: return serve_fail(e, 422, SERVE_ERR_TOKENIZER, "%s", msg);
    case VKBERT_ERROR_TOO_LONG: return serve_fail(e, 413, SERVE_ERR_VALIDATION, "%s", msg);
    case VKBERT_ERROR_INVALID_ARGUMENT:
    case VKBERT_ERROR_NO_MASK: return serve_fail(e, 422, SERVE_ERR_VALIDATION, "%s", msg);
    case VKBERT_ERROR_UNSUPPORTED: return serve_fail(e, 424, SERVE_ERR_BACKEND, "%s", msg);
    case VKBERT_ERROR_DEVICE_LOST:
        return serve_fail(e, 503, SERVE_ERR_UNHEALTHY, "the device was lost (%s); the next request starts on a new one",
                          msg);
    default: return serve_fail(e, 500, SERVE_ERR_BACKEND, "%s", msg);
    }
}

/* ---- the device ---- */
vkbert_context *serve_dev_context(serve_dev *d) { return d->ctx; }
vkbert_model *serve_dev_model(serve_dev *d) { return d->model; }
const vkbert_tokenizer *serve_dev_tokenizer(serve_dev *d) { return vkbert_model_tokenizer(d->model); }
const char *serve_dev_dir(const serve_dev *d) { return d->opts->model; }
const serve_limits *serve_dev_limits(const serve_dev *d) { return &d->limits; }

static bool same_desc(const vkbert_runner_desc *a, const vkbert_runner_desc *b) {
    const char *pa = a->prompt_name ? a->prompt_name : "", *pb = b->prompt_name ? b->prompt_name : "";
    const char *ta = a->prompt ? a->prompt : "\x01", *tb = b->prompt ? b->prompt : "\x01";
    return a->task == b->task && a->max_seq == b->max_seq && a->truncation == b->truncation &&
           a->pooling == b->pooling && a->normalize == b->normalize && a->raw_scores == b->raw_scores &&
           a->dimensions == b->dimensions &&
           !strcmp(pa, pb) && !strcmp(ta, tb) && (a->prompt_name == NULL) == (b->prompt_name == NULL);
}

vkbert_runner *serve_dev_runner(serve_dev *d, const vkbert_runner_desc *desc, serve_err *e) {
    if (desc->prompt || desc->progress || desc->tokenizer ||
        (desc->prompt_name && strlen(desc->prompt_name) >= sizeof d->runners[0].prompt_name_buf)) {
        if (desc->prompt_name && !desc->prompt && !desc->progress && !desc->tokenizer)
            serve_fail(e, 422, SERVE_ERR_VALIDATION, "`prompt_name` is too long");
        else
            serve_fail(e, 500, SERVE_ERR_BACKEND, "serve_dev_runner: a prompt text, progress or tokenizer is not cached");
        return NULL;
    }
    vkbert_runner_desc want = *desc;
    if (!want.max_batch_tokens) want.max_batch_tokens = d->opts->max_batch_tokens;
    if (!want.max_batch) want.max_batch = d->opts->max_batch;
    cached_runner *slot = &d->runners[0];
    for (size_t i = 0; i < RUNNERS; ++i) {
        cached_runner *c = &d->runners[i];
        if (c->runner && same_desc(&c->desc, &want) && c->desc.max_batch_tokens == want.max_batch_tokens &&
            c->desc.max_batch == want.max_batch) {
            c->used = ++d->tick;
            return c->runner;
        }
        if (!c->runner || (slot->runner && c->used < slot->used)) slot = c;
    }
    if (!vkbert_model_has_task(d->model, want.task)) {
        static const char *what[] = {"MLM head", "embeddings", "sequence-classification head", "MLM head",
                                     "token-classification head", "question-answering head"};
        serve_fail(e, 424, SERVE_ERR_BACKEND, "the model has no %s: it cannot serve this route",
                   want.task <= VKBERT_TASK_QA ? what[want.task] : "head for it");
        return NULL;
    }
    vkbert_runner_destroy(slot->runner);
    slot->runner = NULL;
    vkbert_status st = vkbert_runner_create(d->model, &want, &slot->runner);
    if (st) {
        serve_fail_status(e, st);
        return NULL;
    }
    slot->desc = want;
    if (want.prompt_name) {
        snprintf(slot->prompt_name_buf, sizeof slot->prompt_name_buf, "%s", want.prompt_name);
        slot->desc.prompt_name = slot->prompt_name_buf;
    }
    slot->used = ++d->tick;
    return slot->runner;
}

void **serve_dev_slot(serve_dev *d, const char *name, void (*free_fn)(void *)) {
    for (size_t i = 0; i < SLOTS; ++i)
        if (d->slots[i].name && !strcmp(d->slots[i].name, name)) return &d->slots[i].p;
    for (size_t i = 0; i < SLOTS; ++i)
        if (!d->slots[i].name) {
            d->slots[i].name = name;
            d->slots[i].free_fn = free_fn;
            d->slots[i].p = NULL;
            return &d->slots[i].p;
        }
    return NULL;
}

static void dev_close(serve_dev *d) {
    for (size_t i = 0; i < SLOTS; ++i) {
        if (d->slots[i].p && d->slots[i].free_fn) d->slots[i].free_fn(d->slots[i].p);
        d->slots[i].name = NULL;
        d->slots[i].p = NULL;
    }
    for (size_t i = 0; i < RUNNERS; ++i) {
        vkbert_runner_destroy(d->runners[i].runner);
        d->runners[i] = (cached_runner){0};
    }
    vkbert_model_destroy(d->model);
    vkbert_context_destroy(d->ctx);
    d->model = NULL;
    d->ctx = NULL;
}

static void on_dev_log(vkbert_log_level level, const char *msg, void *user) {
    const bool *verbose = user;
    if (*verbose || level == VKBERT_LOG_WARNING || (level > VKBERT_LOG_WARNING && strncmp(msg, "Vulkan", 6) == 0))
        fprintf(stderr, "vkbert serve: %s\n", msg);
}

/* The context and model; false with e set (503: the server cannot answer until one opens). */
static bool dev_open(serve_dev *d, serve_err *e) {
    if (d->model) return true;
    const serve_opts *o = d->opts;
    vkbert_precision prec = VKBERT_PRECISION_AUTO;
    if (o->precision && !strcmp(o->precision, "fp32")) prec = VKBERT_PRECISION_FP32;
    else if (o->precision && !strcmp(o->precision, "fp16")) prec = VKBERT_PRECISION_FP16;
    vkbert_status st = vkbert_context_create(
        &(vkbert_context_desc){.device = o->device, .precision = prec, .log = on_dev_log, .log_user = &d->verbose},
        &d->ctx);
    if (!st) st = vkbert_model_load(d->ctx, &(vkbert_model_desc){.path = o->model}, &d->model);
    if (st) {
        serve_fail(e, 503, SERVE_ERR_UNHEALTHY, "the model could not be opened on the device: %s", vkbert_last_error());
        dev_close(d);
        return false;
    }
    vkbert_embedding_info info;
    d->limits.max_input_length = vkbert_model_embedding_info(d->model, &info) == VKBERT_OK
                                     ? info.max_seq_length
                                     : vkbert_model_get_config(d->model)->max_position_embeddings;
    return true;
}

/* /info's device and model part, from the open device. */
static cJSON *dev_info(serve_dev *d) {
    cJSON *j = cJSON_CreateObject();
    const vkbert_device_info *dev = vkbert_context_device(d->ctx);
    const vkbert_model_config *c = vkbert_model_get_config(d->model);
    cJSON_AddStringToObject(j, "device", dev->name);
    char api[32];
    version_string(dev->api_version, api, sizeof api);
    cJSON_AddStringToObject(j, "vulkan", api);
    cJSON_AddStringToObject(j, "matmul", vkbert_context_matmul_variant(d->ctx));
    cJSON_AddStringToObject(j, "precision", vkbert_context_precision(d->ctx) == VKBERT_PRECISION_FP16 ? "fp16" : "fp32");
    cJSON_AddStringToObject(j, "family", c->family ? c->family : "bert");
    cJSON_AddNumberToObject(j, "hidden_size", c->hidden_size);
    cJSON_AddNumberToObject(j, "layers", c->num_hidden_layers);
    cJSON_AddNumberToObject(j, "heads", c->num_attention_heads);
    const char *mask = vkbert_tokenizer_mask_token(vkbert_model_tokenizer(d->model));
    if (mask) cJSON_AddStringToObject(j, "mask_token", mask);
    else cJSON_AddNullToObject(j, "mask_token");
    /* for serve.c's TEI fields (model_type, max_input_length), taken out of "vkbert" there */
    cJSON_AddNumberToObject(j, "max_input_length", d->limits.max_input_length);
    vkbert_embedding_info emb;
    static const char *POOLING[] = {"cls", "cls", "mean", "max", "mean_sqrt_len", "last_token"};
    if (vkbert_model_embedding_info(d->model, &emb) == VKBERT_OK && emb.pooling <= VKBERT_POOLING_LAST)
        cJSON_AddStringToObject(j, "pooling", POOLING[emb.pooling]);
    cJSON *labels = cJSON_AddArrayToObject(j, "id2label");
    if (vkbert_model_has_task(d->model, VKBERT_TASK_CLASSIFY))
        for (uint32_t i = 0; i < vkbert_model_label_count(d->model); ++i) {
            char fallback[32];
            cJSON_AddItemToArray(labels, cJSON_CreateString(tei_label(d->model, i, fallback, sizeof fallback)));
        }
    cJSON *routes = cJSON_AddArrayToObject(j, "routes");
    static const struct { const char *route; vkbert_task task; } TASKS[] = {
        {"/embed", VKBERT_TASK_EMBED},       {"/embed_all", VKBERT_TASK_EMBED},  {"/similarity", VKBERT_TASK_EMBED},
        {"/v1/embeddings", VKBERT_TASK_EMBED}, {"/predict", VKBERT_TASK_CLASSIFY}, {"/rerank", VKBERT_TASK_CLASSIFY},
        {"/fill-mask", VKBERT_TASK_MLM},     {"/score", VKBERT_TASK_SCORE},     {"/ner", VKBERT_TASK_TOKEN_CLASSIFY},
        {"/qa", VKBERT_TASK_QA},             {"/attention", VKBERT_TASK_EMBED},
    };
    for (size_t i = 0; i < sizeof TASKS / sizeof *TASKS; ++i) {
        bool ok = vkbert_model_has_task(d->model, TASKS[i].task);
        /* /rerank needs a cross-encoder: one label */
        if (ok && !strcmp(TASKS[i].route, "/rerank")) ok = vkbert_model_label_count(d->model) == 1;
        if (ok) cJSON_AddItemToArray(routes, cJSON_CreateString(TASKS[i].route));
    }
    return j;
}

/* ---- the jobs ---- */
/* The body from a memory stream; false when out of memory. */
static bool run_into(serve_job *job, int (*fn)(serve_job *, FILE *, void *), void *user) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        serve_fail(&job->err, 500, SERVE_ERR_BACKEND, "out of memory");
        return false;
    }
    int rc = fn(job, f, user);
    bool ok = fclose(f) == 0;
    if (rc == 0 && !ok) rc = serve_fail(&job->err, 500, SERVE_ERR_BACKEND, "out of memory for the response");
    if (rc == 0) {
        job->status = 200;
        job->body = buf;
        job->len = len;
        return true;
    }
    free(buf);
    if (!job->err.status) serve_fail(&job->err, 500, SERVE_ERR_BACKEND, "the route failed without saying why");
    job->status = job->err.status;
    return false;
}

static int call_route(serve_job *job, FILE *f, void *user) { return job->fn(user, job->req, f, &job->err); }

typedef struct embed_rows {
    serve_dev *dev;
    const float *emb;
    uint32_t dim;
} embed_rows;

static int call_format(serve_job *job, FILE *f, void *user) {
    const embed_rows *r = user;
    return job->emb.format(r->dev, job, r->emb, r->dim, f, &job->err);
}

/* Embedding jobs of the same options, their texts in one runner call; when it fails and several
 * requests share it, each runs again alone, so that an error is its own request's. */
static void run_embed(serve_dev *d, serve_job **jobs, size_t nj) {
    size_t n = 0;
    for (size_t i = 0; i < nj; ++i) n += jobs[i]->emb.n;
    const serve_job *j0 = jobs[0];
    vkbert_runner_desc desc = {.task = VKBERT_TASK_EMBED, .truncation = j0->emb.truncation,
                               .normalize = j0->emb.normalize ? VKBERT_NORMALIZE_ON : VKBERT_NORMALIZE_OFF,
                               .prompt_name = j0->emb.prompt_name, .dimensions = j0->emb.dimensions};
    serve_err e = {0};
    vkbert_runner *r = serve_dev_runner(d, &desc, &e);
    const char **texts = r ? malloc(n * sizeof *texts) : NULL;
    uint32_t dim = r ? vkbert_runner_width(r) : 0;
    float *emb = texts && dim && n <= SIZE_MAX / sizeof(float) / dim ? malloc(n * dim * sizeof *emb) : NULL;
    vkbert_status st = VKBERT_OK;
    if (r && !emb) serve_fail(&e, 500, SERVE_ERR_BACKEND, "out of memory for %zu embeddings", n);
    if (emb) {
        size_t k = 0;
        for (size_t i = 0; i < nj; ++i)
            for (size_t t = 0; t < jobs[i]->emb.n; ++t) texts[k++] = jobs[i]->emb.texts[t];
        st = vkbert_runner_embed(r, texts, n, emb, n * dim, NULL);
        if (st) serve_fail_status(&e, st);
    }
    if (e.status && nj > 1 && e.status != 503) {
        free(texts);
        free(emb);
        for (size_t i = 0; i < nj; ++i) run_embed(d, &jobs[i], 1);
        return;
    }
    size_t off = 0;
    for (size_t i = 0; i < nj; ++i) {
        serve_job *job = jobs[i];
        job->batch_inputs = n;
        if (e.status) {
            job->err = e;
            job->status = e.status;
        } else {
            embed_rows rows = {d, emb + off * dim, dim};
            run_into(job, call_format, &rows);
        }
        off += job->emb.n;
    }
    free(texts);
    free(emb);
}

static bool same_embed(const serve_job *a, const serve_job *b) {
    return !a->fn && !b->fn && a->emb.truncation == b->emb.truncation && a->emb.normalize == b->emb.normalize &&
           a->emb.dimensions == b->emb.dimensions &&
           (a->emb.prompt_name == NULL) == (b->emb.prompt_name == NULL) &&
           (!a->emb.prompt_name || !strcmp(a->emb.prompt_name, b->emb.prompt_name));
}

static void *worker(void *arg) {
    serve_queue *q = arg;
    serve_dev *d = &q->dev;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->head && !q->stopping) pthread_cond_wait(&q->work, &q->mu);
        if (!q->head) break;
        /* the first job, and the embedding jobs of the same options behind it, under one
         * token budget (the first always goes) */
        serve_job *jobs[BATCH_JOBS];
        size_t nj = 0;
        uint64_t tokens = 0;
        serve_job **link = &q->head, *prev = NULL;
        while (*link && nj < BATCH_JOBS) {
            serve_job *j = *link;
            bool take = nj == 0 || (!jobs[0]->fn && same_embed(jobs[0], j) &&
                                    tokens + j->tokens <= q->opts->max_batch_tokens);
            if (take) {
                jobs[nj++] = j;
                tokens += j->tokens;
                *link = j->next;
                if (q->tail == j) q->tail = prev;
                j->next = NULL;
                if (jobs[0]->fn) break;
            } else {
                prev = j;
                link = &j->next;
            }
        }
        pthread_mutex_unlock(&q->mu);

        double t0 = serve_now();
        serve_err e = {0};
        bool open = dev_open(d, &e);
        if (open) {
            pthread_mutex_lock(&q->mu);
            if (!q->info) q->info = dev_info(d);
            q->healthy = true;
            pthread_mutex_unlock(&q->mu);
        }
        for (size_t i = 0; i < nj; ++i) jobs[i]->queue_s = t0 - jobs[i]->queued_at;
        if (!open) {
            for (size_t i = 0; i < nj; ++i) {
                jobs[i]->err = e;
                jobs[i]->status = e.status;
            }
        } else if (jobs[0]->fn) {
            jobs[0]->batch_inputs = 1;
            if (t0 > jobs[0]->deadline) {
                serve_fail(&jobs[0]->err, 503, SERVE_ERR_OVERLOADED, "the request waited past its deadline in the queue");
                jobs[0]->status = 503;
            } else {
                run_into(jobs[0], call_route, d);
            }
        } else {
            run_embed(d, jobs, nj);
        }
        double t1 = serve_now();
        bool lost = false;
        for (size_t i = 0; i < nj; ++i) {
            jobs[i]->infer_s = t1 - t0;
            if (jobs[i]->status == 503 && jobs[i]->err.type && !strcmp(jobs[i]->err.type, SERVE_ERR_UNHEALTHY)) lost = true;
        }
        if (lost && d->model) {
            fprintf(stderr, "vkbert serve: the device was lost; the next request opens it again\n");
            dev_close(d);
            serve_metrics_device_lost(q->metrics);
        }
        if (open) serve_metrics_batch(q->metrics, nj, jobs[0]->fn ? 1 : jobs[0]->batch_inputs);

        pthread_mutex_lock(&q->mu);
        if (lost) {
            q->healthy = false;
            cJSON_Delete(q->info);
            q->info = NULL;
        }
        for (size_t i = 0; i < nj; ++i) {
            --q->inflight;
            if (jobs[i]->abandoned) serve_job_free(jobs[i]);
            else jobs[i]->done = true;
        }
        pthread_cond_broadcast(&q->done);
    }
    pthread_mutex_unlock(&q->mu);
    dev_close(d);
    return NULL;
}

int serve_queue_start(const serve_opts *opts, serve_metrics *metrics, serve_queue **out) {
    serve_queue *q = calloc(1, sizeof *q);
    if (!q) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    q->opts = opts;
    q->metrics = metrics;
    q->dev.opts = opts;
    q->dev.verbose = opts->verbose;
    q->dev.limits = (serve_limits){.max_client_batch_size = opts->max_client_batch_size,
                                   .max_batch_tokens = opts->max_batch_tokens, .auto_truncate = opts->auto_truncate};
    serve_err e = {0};
    if (!dev_open(&q->dev, &e)) {
        free(q);
        return fail(1, VKBERT_ERROR_IO, "%s", e.msg);
    }
    q->info = dev_info(&q->dev);
    q->healthy = true;
    /* one encode before listening, so that the kernels' pipelines are made (seconds on a CPU
     * driver) before the first request rather than during it */
    vkbert_runner *warm = serve_dev_runner(&q->dev, &(vkbert_runner_desc){.task = VKBERT_TASK_EMBED,
                                                                          .normalize = VKBERT_NORMALIZE_ON,
                                                                          .truncation = VKBERT_TRUNCATE_NONE}, &e);
    float *row = warm ? malloc(vkbert_runner_width(warm) * sizeof *row) : NULL;
    const char *text = "warm up";
    if (row && vkbert_runner_embed(warm, &text, 1, row, vkbert_runner_width(warm), NULL) != VKBERT_OK)
        fprintf(stderr, "vkbert serve: warning: the warm-up encode failed: %s\n", vkbert_last_error());
    free(row);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->work, NULL);
    pthread_cond_init(&q->done, NULL);
    int err = pthread_create(&q->thread, NULL, worker, q);
    if (err) {
        dev_close(&q->dev);
        cJSON_Delete(q->info);
        free(q);
        return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "cannot start the device thread: %s", strerror(err));
    }
    *out = q;
    return -1;
}

bool serve_queue_submit(serve_queue *q, serve_job *job) {
    pthread_mutex_lock(&q->mu);
    bool ok = !q->stopping && q->inflight < q->opts->max_concurrent_requests;
    if (ok) {
        ++q->inflight;
        job->next = NULL;
        if (q->tail) q->tail->next = job;
        else q->head = job;
        q->tail = job;
        pthread_cond_signal(&q->work);
    }
    pthread_mutex_unlock(&q->mu);
    return ok;
}

bool serve_queue_wait(serve_queue *q, serve_job *job) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    double left = job->deadline - serve_now();
    if (left < 0) left = 0;
    until.tv_sec += (time_t)left;
    until.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->mu);
    int rc = 0;
    while (!job->done && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&q->done, &q->mu, &until);
    bool done = job->done;
    if (!done) {
        /* still queued: out of the queue, and freed; running: the worker frees it */
        serve_job **link = &q->head, *prev = NULL;
        while (*link && *link != job) {
            prev = *link;
            link = &(*link)->next;
        }
        if (*link) {
            *link = job->next;
            if (q->tail == job) q->tail = prev;
            --q->inflight;
            serve_job_free(job);
        } else {
            job->abandoned = true;
        }
    }
    pthread_mutex_unlock(&q->mu);
    return done;
}

size_t serve_queue_inflight(serve_queue *q) {
    pthread_mutex_lock(&q->mu);
    size_t n = q->inflight;
    pthread_mutex_unlock(&q->mu);
    return n;
}

bool serve_queue_healthy(serve_queue *q) {
    pthread_mutex_lock(&q->mu);
    bool h = q->healthy;
    pthread_mutex_unlock(&q->mu);
    return h;
}

cJSON *serve_queue_info(serve_queue *q) {
    pthread_mutex_lock(&q->mu);
    cJSON *j = q->info ? cJSON_Duplicate(q->info, 1) : NULL;
    pthread_mutex_unlock(&q->mu);
    return j;
}

void serve_queue_stop(serve_queue *q) {
    if (!q) return;
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_broadcast(&q->work);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    cJSON_Delete(q->info);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->done);
    free(q);
}
