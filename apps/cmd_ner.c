/* vkbert ner: a token-classification head through vkbert_runner_ner, printed as transformers'
 * token-classification pipeline returns it (--json: the same list, field for field). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE_NER =
    "usage: vkbert ner -m DIR [--aggregation none|simple|first|average|max] [--ignore-labels O] [--json] TEXT\n"
    "\n"
    "Runs the model's token-classification head (BertForTokenClassification and kin, e.g. NER) on\n"
    "TEXT and lists its entities as Hugging Face's token-classification pipeline does.\n"
    "  --aggregation S        none (default: one entry per token: entity, score, index, word, start,\n"
    "                         end), simple (tokens grouped by their B-/I- tags), first, average or\n"
    "                         max (subwords folded into words first, the word's label from its first\n"
    "                         token, its tokens' mean scores, or its best token); grouped entries are\n"
    "                         entity_group, score, word, start, end\n"
    "  --ignore-labels A,B    labels (entity groups: tags) left out (default O; \"\" keeps all)\n"
    "  --json                 print the pipeline's list: start and end count code points of TEXT\n"
    "  --device SEL           device index or part of its name (see 'vkbert devices')\n"
    "  --precision P          weights on the device: fp32, fp16 or auto (default: fastest accurate)\n"
    "  --verbose              log device and driver messages to stderr\n"
    "Text output: one entity a line (label, score, [start, end) in code points, word). Errors are\n"
    "one line on stderr (with --json also {\"error\":{...}} on stdout).\n";

static const char *const AGGREGATIONS[] = {"none", "simple", "first", "average", "max"};

/* "A,B" -> a list of the labels (pointing into the copy *buf); "" -> none. */
static char **split_labels(const char *list, size_t *n, char **buf) {
    *n = 0;
    *buf = malloc(strlen(list) + 1);
    char **v = malloc((strlen(list) + 2) * sizeof *v);
    if (!*buf || !v) {
        free(*buf);
        free(v);
        return NULL;
    }
    strcpy(*buf, list);
    for (char *p = *buf; *list;) {
        v[(*n)++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    return v;
}

static void print_json(const vkbert_entities *e, bool grouped, FILE *out) {
    fputs("[", out);
    for (size_t i = 0; i < vkbert_entities_count(e); ++i) {
        const vkbert_entity *x = vkbert_entities_get(e, i);
        fprintf(out, "%s{\"%s\":", i ? "," : "", grouped ? "entity_group" : "entity");
        json_string(out, x->label);
        fputs(",\"score\":", out);
        json_f32(out, x->score);
        if (!grouped) fprintf(out, ",\"index\":%d", (int)x->index);
        fputs(",\"word\":", out);
        json_string(out, x->word);
        fprintf(out, ",\"start\":%u,\"end\":%u}", x->start_char, x->end_char);
    }
    fputs("]", out);
}

int ner_run(const vkbert_model *model, vkbert_runner *runner, const char *text, const vkbert_ner_options *o, bool json,
            FILE *out) {
    vkbert_entities *ents = NULL;
    vkbert_run_stats stats;
    vkbert_status st = vkbert_runner_ner(runner, text, o, &ents, &stats);
    if (st) return fail_status(st);
    if (stats.truncated) cli_note("the TEXT was cut to the model's %u tokens", vkbert_model_get_config(model)->max_tokens);
    if (json) print_json(ents, o->aggregation != VKBERT_AGGREGATION_NONE, out);
    else
        for (size_t i = 0; i < vkbert_entities_count(ents); ++i) {
            const vkbert_entity *x = vkbert_entities_get(ents, i);
            fprintf(out, "%-10s %.4f  [%u, %u)  %s\n", x->label, (double)x->score, x->start_char, x->end_char, x->word);
        }
    vkbert_entities_destroy(ents);
    return -1;
}

int cmd_ner(int argc, char **argv) {
    const char *model = NULL, *device = NULL, *precision = NULL, *text = NULL, *ignore = NULL;
    bool verbose = false, texts_only = false;
    int aggregation = 0;
    for (int i = 0; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **val = NULL;
        if (!texts_only && !strcmp(a, "--")) { texts_only = true; continue; }
        if (texts_only || a[0] != '-' || !a[1]) {
            if (text) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "more than one TEXT given (quote it)");
            text = a;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { printf("%s", USAGE_NER); return 0; }
        else if (!strcmp(a, "--json")) g_json = true;
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) verbose = true;
        else if (!strcmp(a, "-m") || !strcmp(a, "--model")) val = &model;
        else if (!strcmp(a, "--device")) val = &device;
        else if (!strcmp(a, "--precision")) val = &precision;
        else if (!strcmp(a, "--ignore-labels")) val = &ignore;
        else if (!strcmp(a, "--aggregation") || !strcmp(a, "--aggregation-strategy")) {
            if (!v) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
            aggregation = -1;
            for (int k = 0; k < 5; ++k)
                if (!strcmp(v, AGGREGATIONS[k])) aggregation = k;
            if (aggregation < 0)
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown --aggregation \"%s\" (none, simple, "
                            "first, average, max)", v);
            ++i;
        } else return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see --help)", a);
        if (val) {
            if (!v) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
            *val = v;
            ++i;
        }
    }
    if (!model) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "ner needs -m DIR (see --help)");
    if (!text) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "ner needs a TEXT (see --help)");
    int rc = check_text("the TEXT", text);
    if (rc >= 0) return rc;
    size_t nignore = 0;
    char *buf = NULL, **labels = NULL;
    if (ignore && !(labels = split_labels(ignore, &nignore, &buf)))
        return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    vkbert_context *ctx = NULL;
    vkbert_model *m = NULL;
    vkbert_runner *r = NULL;
    if ((rc = open_model_dir(model, device, precision, &verbose, &ctx, &m)) >= 0) goto done;
    if (!vkbert_model_has_task(m, VKBERT_TASK_TOKEN_CLASSIFY)) {
        rc = fail(1, VKBERT_ERROR_UNSUPPORTED, "%s has no token-classification head (config.json's architectures "
                  "naming a *ForTokenClassification class, classifier.weight and id2label)", model);
        goto done;
    }
    vkbert_status st = vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_TOKEN_CLASSIFY}, &r);
    if (st) {
        rc = fail_status(st);
        goto done;
    }
    vkbert_ner_options o = {.aggregation = (vkbert_aggregation)aggregation,
                            .ignore_labels = ignore ? (const char *const *)labels : NULL, .ignore_count = nignore};
    if ((rc = ner_run(m, r, text, &o, g_json, stdout)) >= 0) goto done;
    if (g_json) putchar('\n');
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    vkbert_runner_destroy(r);
    vkbert_model_destroy(m);
    vkbert_context_destroy(ctx);
    free(labels);
    free(buf);
    return rc;
}
