/* vkbert embed and vkbert similarity: sentence embeddings of many texts through the runner,
 * and the cosines between them. --json prints the body text-embeddings-inference returns for
 * /embed and /similarity. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE_EMBED =
    "usage: vkbert embed -m DIR [options] [--json] [-o OUT.npy] TEXT... | -f FILE\n"
    "\n"
    "Sentence embeddings of every input, as the model's sentence-transformers modules compute them\n"
    "(pooling, then Dense and Normalize when the model has them); a model without modules.json\n"
    "gets CLS pooling, unnormalised.\n"
    "  --pooling P            cls, mean, max, mean_sqrt_len or last (default: the model's)\n"
    "  --normalize            L2-normalise every embedding (default: as the model says)\n"
    "  --no-normalize         do not, even where the model ends in a Normalize module\n"
    "  --dimensions N         a Matryoshka embedding of N values (nomic-embed's recipe: LayerNorm over\n"
    "                         the pooled vector, its first N values, L2-normalised unless --no-normalize)\n"
    "  --prompt-name NAME     put that prompt of config_sentence_transformers.json before every text\n"
    "                         (default: its default_prompt_name, if any)\n"
    "  -o, --output FILE      write float32 .npy of shape [inputs, dimension] (written whole or not at all)\n"
    "  --json                 print TEI /embed's body: [[f32,...],...], one row per input in order\n"
    "                         (TEI normalises unless asked not to: for a model without a Normalize\n"
    "                         module, its default request is --normalize)\n"
    "Without --json and -o, one line per input: its first values and the dimension.\n" BATCH_USAGE_COMMON;

static const char *USAGE_SIMILARITY =
    "usage: vkbert similarity -m DIR [options] [--json] [--matrix] SOURCE TEXT... | SOURCE -f FILE\n"
    "\n"
    "The cosine similarity of the embedding of SOURCE with that of each TEXT (embeddings as\n"
    "'vkbert embed' computes them). With -f FILE the file holds the TEXTs; SOURCE stays an argument.\n"
    "  --pooling P            cls, mean, max, mean_sqrt_len or last (default: the model's)\n"
    "  --prompt-name NAME     a prompt of config_sentence_transformers.json before every text\n"
    "  --matrix               the cosines of all inputs with each other instead: SOURCE first, then the\n"
    "                         TEXTs ([[f32,...],...] with --json)\n"
    "  --json                 print TEI /similarity's body: [f32,...], one cosine per TEXT in order\n" BATCH_USAGE_COMMON;

/* Embeds texts[0..n) into a new array of n x *dim floats; NULL after the error was said (*rc). */
static float *embed_all(batch_run *r, const char *const *texts, size_t n, uint32_t *dim, const cli_inputs *in,
                        void (*name)(size_t, char *, size_t, const void *), int *rc) {
    *dim = vkbert_runner_width(r->runner);
    if (*dim == 0 || n > SIZE_MAX / sizeof(float) / *dim) {
        *rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "%zu embeddings of %u floats do not fit in memory", n, *dim);
        return NULL;
    }
    size_t cap = n * *dim;
    float *out = malloc(cap * sizeof *out);
    if (!out) {
        *rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory for %zu embeddings", n);
        return NULL;
    }
    vkbert_run_stats stats = {.failed_index = SIZE_MAX};
    vkbert_status st = vkbert_runner_embed(r->runner, texts, n, out, cap, &stats);
    batch_done(r, st, &stats);
    if (st) {
        *rc = batch_fail(st, &stats, in, name, in);
        free(out);
        return NULL;
    }
    return out;
}

static void print_readable_embeddings(const cli_inputs *in, const float *e, uint32_t dim) {
    for (size_t i = 0; i < in->count; ++i) {
        char preview[64];
        text_preview(in->texts[i], 40, preview, sizeof preview);
        printf("%zu: [", i + 1);
        for (uint32_t j = 0; j < dim && j < 4; ++j) printf("%s%.4f", j ? ", " : "", e[i * dim + j]);
        printf("%s] (%u floats)  %s\n", dim > 4 ? ", ..." : "", dim, preview);
    }
}

int cmd_embed(int argc, char **argv) {
    batch_opts o;
    int rc = batch_parse("embed", argc, argv, BATCH_POOLING | BATCH_NORMALIZE | BATCH_OUT, USAGE_EMBED, &o);
    if (rc >= 0) return rc;
    cli_inputs in = {0};
    batch_run r = {0};
    float *e = NULL;
    uint32_t dim = 0;
    if ((rc = batch_inputs(&o, 0, NULL, &in)) >= 0) goto done;
    if ((rc = batch_open(&o, VKBERT_TASK_EMBED, in.count, &r)) >= 0) goto done;
    if (!(e = embed_all(&r, (const char *const *)in.texts, in.count, &dim, &in, NULL, &rc))) goto done;
    if (o.out && !write_npy(o.out, e, in.count, dim)) {
        rc = fail(1, VKBERT_ERROR_IO, "cannot write %s: %s", o.out, strerror(errno));
        goto done;
    }
    if (o.json) {
        tei_embed_body(stdout, e, in.count, dim);
        putchar('\n');
    } else if (!o.out) {
        print_readable_embeddings(&in, e, dim);
    }
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    free(e);
    batch_close(&r);
    inputs_free(&in);
    batch_opts_free(&o);
    return rc;
}

/* In similarity, input 0 is SOURCE and input i the TEXT in->texts[i - 1]. */
static void similarity_name(size_t i, char *buf, size_t n, const void *user) {
    if (i == 0) snprintf(buf, n, "the SOURCE text");
    else inputs_name(user, i - 1, buf, n);
}

int cmd_similarity(int argc, char **argv) {
    batch_opts o;
    int rc = batch_parse("similarity", argc, argv, BATCH_POOLING | BATCH_MATRIX, USAGE_SIMILARITY, &o);
    if (rc >= 0) return rc;
    cli_inputs in = {0};
    batch_run r = {0};
    float *e = NULL;
    const char **texts = NULL;
    uint32_t dim = 0;
    if ((rc = batch_inputs(&o, 1, "a SOURCE text and the TEXTs to compare it with", &in)) >= 0) goto done;
    if ((rc = check_text("the SOURCE text", o.args[0])) >= 0) goto done;
    size_t n = in.count + 1;
    if (!(texts = malloc(n * sizeof *texts))) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    texts[0] = o.args[0];
    memcpy(texts + 1, in.texts, in.count * sizeof *texts);
    if ((rc = batch_open(&o, VKBERT_TASK_EMBED, n, &r)) >= 0) goto done;
    if (!(e = embed_all(&r, texts, n, &dim, &in, similarity_name, &rc))) goto done;
    if (o.matrix) {
        if (o.json) putchar('[');
        for (size_t a = 0; a < n; ++a) {
            if (o.json) fputs(a ? ",[" : "[", stdout);
            for (size_t b = 0; b < n; ++b) {
                float c = tei_cosine(e, dim, a, b);
                if (o.json) {
                    if (b) putchar(',');
                    json_f32(stdout, c);
                } else {
                    printf("%s%7.4f", b ? " " : "", c);
                }
            }
            if (o.json) putchar(']');
            else putchar('\n');
        }
        if (o.json) puts("]");
    } else if (o.json) {
        tei_similarity_body(stdout, e, n, dim);
        putchar('\n');
    } else {
        for (size_t i = 1; i < n; ++i) {
            char preview[64];
            text_preview(texts[i], 50, preview, sizeof preview);
            printf("%7.4f  %s\n", tei_cosine(e, dim, 0, i), preview);
        }
    }
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    free(e);
    free(texts);
    batch_close(&r);
    inputs_free(&in);
    batch_opts_free(&o);
    return rc;
}
