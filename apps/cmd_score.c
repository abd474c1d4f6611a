/* vkbert rerank and vkbert classify: a sequence-classification head over many texts through
 * the runner (scores already softmax/sigmoid there, or logits with --raw-scores). --json
 * prints the body text-embeddings-inference returns for /rerank and /predict. */
#include "cli.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE_RERANK =
    "usage: vkbert rerank -m DIR [options] [--json] [--return-text] [--raw-scores] QUERY TEXT... | QUERY -f FILE\n"
    "\n"
    "Scores every TEXT against QUERY with a cross-encoder (a classification head of one label) on\n"
    "the pair (QUERY, TEXT), and lists them best first (inputs of equal score in their order).\n"
    "With -f FILE the file holds the TEXTs; QUERY stays an argument.\n"
    "  --return-text          also give each TEXT\n"
    "  --raw-scores           logits instead of sigmoid scores\n"
    "  --json                 print TEI /rerank's body: [{\"index\":I,\"score\":S},...] (\"text\" with\n"
    "                         --return-text), I counting the TEXTs from 0\n" BATCH_USAGE_COMMON;

static const char *USAGE_CLASSIFY =
    "usage: vkbert classify -m DIR [options] [--json] [--raw-scores] TEXT [--pair TEXT] | TEXT... | -f FILE\n"
    "\n"
    "Runs the model's sequence-classification head and gives every label's score, best first\n"
    "(softmax over the labels; sigmoid for one label or a multi-label model).\n"
    "  --pair TEXT            the second segment of the one TEXT (token type 1)\n"
    "  --raw-scores           logits instead of scores\n"
    "  --json                 print TEI /predict's body: [{\"score\":S,\"label\":L},...] for one TEXT;\n"
    "                         [[...],...], one list per input, for several TEXTs or -f\n" BATCH_USAGE_COMMON;

/* TEI refuses a NaN score (its sort could not order it); so does the CLI, naming the input. */
static int nan_check(const float *scores, size_t n, size_t per_input, const cli_inputs *in) {
    for (size_t i = 0; i < n; ++i)
        if (isnan(scores[i])) {
            char what[320];
            inputs_name(in, i / per_input, what, sizeof what);
            return fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "%s: the model's score is NaN", what);
        }
    return -1;
}

int cmd_rerank(int argc, char **argv) {
    batch_opts o;
    int rc = batch_parse("rerank", argc, argv, BATCH_TEXT | BATCH_RAW, USAGE_RERANK, &o);
    if (rc >= 0) return rc;
    cli_inputs in = {0};
    batch_run r = {0};
    float *scores = NULL;
    tei_ranked *order = NULL;
    if ((rc = batch_inputs(&o, 1, "a QUERY and the TEXTs to rank", &in)) >= 0) goto done;
    if ((rc = check_text("the QUERY", o.args[0])) >= 0) goto done;
    if ((rc = batch_open(&o, VKBERT_TASK_CLASSIFY, in.count, &r)) >= 0) goto done;
    if (!(scores = malloc(in.count * sizeof *scores))) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    vkbert_run_stats stats = {.failed_index = SIZE_MAX};
    vkbert_status st = vkbert_runner_rerank(r.runner, o.args[0], (const char *const *)in.texts, in.count, scores, &stats);
    batch_done(&r, st, &stats);
    if (st) {
        rc = batch_fail(st, &stats, &in, NULL, NULL);
        goto done;
    }
    if ((rc = nan_check(scores, in.count, 1, &in)) >= 0) goto done;
    if (!(order = tei_rank(scores, in.count))) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    if (o.json) {
        tei_rerank_body(stdout, order, in.count, o.return_text ? (const char *const *)in.texts : NULL);
        putchar('\n');
    } else {
        for (size_t k = 0; k < in.count; ++k) {
            char preview[96];
            text_preview(in.texts[order[k].index], o.return_text ? 80 : 50, preview, sizeof preview);
            printf("%3zu. %8.4f  #%zu  %s\n", k + 1, order[k].score, order[k].index, preview);
        }
    }
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    free(order);
    free(scores);
    batch_close(&r);
    inputs_free(&in);
    batch_opts_free(&o);
    return rc;
}

/* One input's labels, best first: TEI's [{"score":S,"label":L},...], or readable lines. */
static bool print_predictions(const vkbert_model *model, const float *scores, uint32_t labels, bool json,
                              const char *prefix) {
    if (json) return tei_predictions_body(stdout, model, scores, labels);
    tei_ranked *order = tei_rank(scores, labels);
    if (!order) return false;
    for (uint32_t k = 0; k < labels; ++k) {
        char fallback[32];
        uint32_t id = (uint32_t)order[k].index;
        printf("%s%-24s %8.4f\n", prefix, tei_label(model, id, fallback, sizeof fallback), scores[id]);
    }
    free(order);
    return true;
}

int cmd_classify(int argc, char **argv) {
    batch_opts o;
    int rc = batch_parse("classify", argc, argv, BATCH_RAW | BATCH_PAIR, USAGE_CLASSIFY, &o);
    if (rc >= 0) return rc;
    cli_inputs in = {0};
    batch_run r = {0};
    float *scores = NULL;
    if ((rc = batch_inputs(&o, 0, NULL, &in)) >= 0) goto done;
    /* TEI answers one input with one list and a batch with a list of lists: several TEXTs or
     * a file is a batch, even of one line */
    bool batch = in.lines || in.count > 1;
    if (o.pair && batch) {
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--pair is the second segment of one TEXT: not with -f or several TEXTs");
        goto done;
    }
    if (o.pair && (rc = check_text("the --pair text", o.pair)) >= 0) goto done;
    if ((rc = batch_open(&o, VKBERT_TASK_CLASSIFY, in.count, &r)) >= 0) goto done;
    uint32_t labels = vkbert_runner_width(r.runner);
    if (labels == 0 || in.count > SIZE_MAX / sizeof(float) / labels ||
        !(scores = malloc(in.count * labels * sizeof *scores))) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    const char *pairs[1] = {o.pair};
    vkbert_run_stats stats = {.failed_index = SIZE_MAX};
    vkbert_status st = vkbert_runner_classify(r.runner, (const char *const *)in.texts, o.pair ? pairs : NULL, in.count,
                                              scores, in.count * labels, &stats);
    batch_done(&r, st, &stats);
    if (st) {
        rc = batch_fail(st, &stats, &in, NULL, NULL);
        goto done;
    }
    if ((rc = nan_check(scores, in.count * labels, labels, &in)) >= 0) goto done;
    bool ok = true;
    if (!batch) {
        ok = print_predictions(r.model, scores, labels, o.json, "");
        if (o.json) putchar('\n');
    } else {
        if (o.json) putchar('[');
        for (size_t i = 0; ok && i < in.count; ++i) {
            if (o.json) {
                if (i) putchar(',');
            } else {
                char preview[64];
                text_preview(in.texts[i], 50, preview, sizeof preview);
                printf("%zu: %s\n", i + 1, preview);
            }
            ok = print_predictions(r.model, scores + i * labels, labels, o.json, "  ");
        }
        if (o.json) puts("]");
    }
    if (!ok) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    free(scores);
    batch_close(&r);
    inputs_free(&in);
    batch_opts_free(&o);
    return rc;
}
