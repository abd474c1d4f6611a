/* The bodies text-embeddings-inference answers /embed, /similarity, /rerank and /predict with,
 * written once for the CLI's --json (to stdout) and for vkbert serve (to a memory stream). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>

void tei_embed_body(FILE *f, const float *e, size_t n, uint32_t dim) {
    fputc('[', f);
    for (size_t i = 0; i < n; ++i) {
        fputs(i ? ",[" : "[", f);
        for (uint32_t j = 0; j < dim; ++j) {
            if (j) fputc(',', f);
            json_f32(f, e[i * dim + j]);
        }
        fputc(']', f);
    }
    fputc(']', f);
}

float tei_cosine(const float *e, uint32_t dim, size_t a, size_t b) {
    double dot = 0, na = 0, nb = 0;
    for (uint32_t j = 0; j < dim; ++j) {
        double x = e[a * dim + j], y = e[b * dim + j];
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    return na > 0 && nb > 0 ? (float)(dot / (sqrt(na) * sqrt(nb))) : 0.0f;
}

void tei_similarity_body(FILE *f, const float *e, size_t n, uint32_t dim) {
    fputc('[', f);
    for (size_t i = 1; i < n; ++i) {
        if (i > 1) fputc(',', f);
        json_f32(f, tei_cosine(e, dim, 0, i));
    }
    fputc(']', f);
}

/* Best first; equal scores in input order. */
static int by_score(const void *pa, const void *pb) {
    const tei_ranked *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

tei_ranked *tei_rank(const float *scores, size_t n) {
    tei_ranked *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) return NULL;
    for (size_t i = 0; i < n; ++i) r[i] = (tei_ranked){scores[i], i};
    qsort(r, n, sizeof *r, by_score);
    return r;
}

void tei_rerank_body(FILE *f, const tei_ranked *order, size_t n, const char *const *texts) {
    fputc('[', f);
    for (size_t k = 0; k < n; ++k) {
        size_t i = order[k].index;
        fprintf(f, "%s{\"index\":%zu,", k ? "," : "", i);
        if (texts) {
            fputs("\"text\":", f);
            json_string(f, texts[i]);
            fputc(',', f);
        }
        fputs("\"score\":", f);
        json_f32(f, order[k].score);
        fputc('}', f);
    }
    fputc(']', f);
}

const char *tei_label(const vkbert_model *model, uint32_t id, char *fallback, size_t n) {
    const char *label = vkbert_model_label(model, id);
    if (label) return label;
    snprintf(fallback, n, "LABEL_%u", id);
    return fallback;
}

bool tei_predictions_body(FILE *f, const vkbert_model *model, const float *scores, uint32_t labels) {
    tei_ranked *order = tei_rank(scores, labels);
    if (!order) return false;
    fputc('[', f);
    for (uint32_t k = 0; k < labels; ++k) {
        uint32_t id = (uint32_t)order[k].index;
        char fallback[32];
        fputs(k ? ",{\"score\":" : "{\"score\":", f);
        json_f32(f, scores[id]);
        fputs(",\"label\":", f);
        json_string(f, tei_label(model, id, fallback, sizeof fallback));
        fputc('}', f);
    }
    fputc(']', f);
    free(order);
    return true;
}
