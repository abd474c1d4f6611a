/* /metrics: counters and histograms in Prometheus' text format (version 0.0.4), named as TEI
 * names its own (te_*), with vkbert's device losses. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ROUTES 16
#define ERRORS 8
static const double DURATION_BUCKETS[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define NB (sizeof DURATION_BUCKETS / sizeof *DURATION_BUCKETS)
static const double BATCH_BUCKETS[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
#define NBB (sizeof BATCH_BUCKETS / sizeof *BATCH_BUCKETS)

typedef struct histogram {
    uint64_t buckets[NB + 1]; /* the last: +Inf */
    double sum;
    uint64_t count;
} histogram;

struct serve_metrics {
    pthread_mutex_t mu;
    struct {
        const char *name;
        uint64_t count, success, tokens;
        histogram total, queue, infer;
    } routes[ROUTES];
    struct {
        const char *type;
        uint64_t count;
    } errors[ERRORS];
    uint64_t batch_buckets[NBB + 1], batches, batch_inputs, batch_requests, device_lost;
};

serve_metrics *serve_metrics_create(void) {
    serve_metrics *m = calloc(1, sizeof *m);
    if (m) pthread_mutex_init(&m->mu, NULL);
    return m;
}

void serve_metrics_destroy(serve_metrics *m) {
    if (!m) return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static void observe(histogram *h, double x, const double *bounds, size_t n) {
    size_t i = 0;
    while (i < n && x > bounds[i]) ++i;
    ++h->buckets[i];
    h->sum += x;
    ++h->count;
}

void serve_metrics_request(serve_metrics *m, const char *route, int status, const char *error_type, double total_s,
                           double queue_s, double infer_s, uint64_t tokens) {
    if (!m) return;
    pthread_mutex_lock(&m->mu);
    size_t r = 0;
    while (r < ROUTES && m->routes[r].name && strcmp(m->routes[r].name, route)) ++r;
    if (r < ROUTES) {
        m->routes[r].name = route;
        ++m->routes[r].count;
        if (status < 400) {
            ++m->routes[r].success;
            m->routes[r].tokens += tokens;
            observe(&m->routes[r].total, total_s, DURATION_BUCKETS, NB);
            observe(&m->routes[r].queue, queue_s, DURATION_BUCKETS, NB);
            observe(&m->routes[r].infer, infer_s, DURATION_BUCKETS, NB);
        }
    }
    if (status >= 400 && error_type) {
        size_t k = 0;
        while (k < ERRORS && m->errors[k].type && strcmp(m->errors[k].type, error_type)) ++k;
        if (k < ERRORS) {
            m->errors[k].type = error_type;
            ++m->errors[k].count;
        }
    }
    pthread_mutex_unlock(&m->mu);
}

void serve_metrics_batch(serve_metrics *m, size_t requests, size_t inputs) {
    if (!m) return;
    pthread_mutex_lock(&m->mu);
    size_t i = 0;
    while (i < NBB && (double)inputs > BATCH_BUCKETS[i]) ++i;
    ++m->batch_buckets[i];
    ++m->batches;
    m->batch_inputs += inputs;
    m->batch_requests += requests;
    pthread_mutex_unlock(&m->mu);
}

void serve_metrics_device_lost(serve_metrics *m) {
    if (!m) return;
    pthread_mutex_lock(&m->mu);
    ++m->device_lost;
    pthread_mutex_unlock(&m->mu);
}

static void histogram_text(FILE *f, const char *name, const char *route, const histogram *h, const double *bounds,
                           size_t n) {
    uint64_t cum = 0;
    for (size_t i = 0; i <= n; ++i) {
        cum += h->buckets[i];
        if (i < n) fprintf(f, "%s_bucket{method=\"%s\",le=\"%g\"} %llu\n", name, route, bounds[i], (unsigned long long)cum);
        else fprintf(f, "%s_bucket{method=\"%s\",le=\"+Inf\"} %llu\n", name, route, (unsigned long long)cum);
    }
    fprintf(f, "%s_sum{method=\"%s\"} %.6f\n%s_count{method=\"%s\"} %llu\n", name, route, h->sum, name, route,
            (unsigned long long)h->count);
}

char *serve_metrics_text(serve_metrics *m, size_t queue, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f) return NULL;
    pthread_mutex_lock(&m->mu);
    fputs("# HELP te_request_count Requests received, by route\n# TYPE te_request_count counter\n", f);
    for (size_t r = 0; r < ROUTES && m->routes[r].name; ++r)
        fprintf(f, "te_request_count{method=\"%s\"} %llu\n", m->routes[r].name, (unsigned long long)m->routes[r].count);
    fputs("# HELP te_request_success Requests answered with a success, by route\n# TYPE te_request_success counter\n", f);
    for (size_t r = 0; r < ROUTES && m->routes[r].name; ++r)
        fprintf(f, "te_request_success{method=\"%s\"} %llu\n", m->routes[r].name, (unsigned long long)m->routes[r].success);
    fputs("# HELP te_request_failure Requests answered with an error, by error type\n# TYPE te_request_failure counter\n", f);
    for (size_t k = 0; k < ERRORS && m->errors[k].type; ++k)
        fprintf(f, "te_request_failure{err=\"%s\"} %llu\n", m->errors[k].type, (unsigned long long)m->errors[k].count);
    fputs("# HELP te_request_input_tokens Input tokens of successful requests, by route\n"
          "# TYPE te_request_input_tokens counter\n", f);
    for (size_t r = 0; r < ROUTES && m->routes[r].name; ++r)
        fprintf(f, "te_request_input_tokens{method=\"%s\"} %llu\n", m->routes[r].name,
                (unsigned long long)m->routes[r].tokens);
    static const struct { const char *name, *help; size_t off; } H[] = {
        {"te_request_duration", "Seconds from arrival to answer", 0},
        {"te_request_queue_duration", "Seconds queued before the device took the request", 1},
        {"te_request_inference_duration", "Seconds on the device (the whole batch it ran in)", 2},
    };
    for (size_t h = 0; h < 3; ++h) {
        fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", H[h].name, H[h].help, H[h].name);
        for (size_t r = 0; r < ROUTES && m->routes[r].name; ++r) {
            const histogram *x = h == 0 ? &m->routes[r].total : h == 1 ? &m->routes[r].queue : &m->routes[r].infer;
            histogram_text(f, H[h].name, m->routes[r].name, x, DURATION_BUCKETS, NB);
        }
    }
    fputs("# HELP te_batch_next_size Inputs per device batch\n# TYPE te_batch_next_size histogram\n", f);
    uint64_t cum = 0;
    for (size_t i = 0; i <= NBB; ++i) {
        cum += m->batch_buckets[i];
        if (i < NBB) fprintf(f, "te_batch_next_size_bucket{le=\"%g\"} %llu\n", BATCH_BUCKETS[i], (unsigned long long)cum);
        else fprintf(f, "te_batch_next_size_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    }
    fprintf(f, "te_batch_next_size_sum %llu\nte_batch_next_size_count %llu\n", (unsigned long long)m->batch_inputs,
            (unsigned long long)m->batches);
    fprintf(f, "# HELP te_batch_requests Requests run in device batches\n# TYPE te_batch_requests counter\n"
               "te_batch_requests %llu\n", (unsigned long long)m->batch_requests);
    fprintf(f, "# HELP te_queue_size Requests queued or running\n# TYPE te_queue_size gauge\nte_queue_size %zu\n", queue);
    fprintf(f, "# HELP vkbert_device_lost Device losses since the server started\n# TYPE vkbert_device_lost counter\n"
               "vkbert_device_lost %llu\n", (unsigned long long)m->device_lost);
    pthread_mutex_unlock(&m->mu);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
