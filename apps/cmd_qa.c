/* vkbert qa: extractive question answering through vkbert_runner_qa, printed as transformers'
 * question-answering pipeline returns it (--json: a list, best first, also for -k 1). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE_QA =
    "usage: vkbert qa -m DIR --question Q --context C [-k N] [--max-answer-len 15] [--doc-stride 128]\n"
    "                 [--max-seq-len 384] [--handle-impossible-answer] [--json]\n"
    "\n"
    "Finds the answer to Q in C with the model's question-answering head (qa_outputs:\n"
    "BertForQuestionAnswering, DistilBertForQuestionAnswering, ...), as Hugging Face's\n"
    "question-answering pipeline does: the pair (Q, C), a context longer than one window cut into\n"
    "windows that overlap by --doc-stride tokens, spans inside the context only, scored by start\n"
    "x end probability, widened to whole words.\n"
    "  -k, --top-k N          answers to list (default 1)\n"
    "  --max-answer-len N     tokens in an answer at most (default 15)\n"
    "  --max-seq-len N        tokens of one window, Q and special tokens included (default\n"
    "                         min(384, the model's))\n"
    "  --doc-stride N         context tokens neighbouring windows share (default min(max-seq-len / 2,\n"
    "                         128)); below the context tokens a window holds\n"
    "  --handle-impossible-answer  also list the empty answer with its score\n"
    "  --json                 print [{\"score\":S,\"start\":A,\"end\":B,\"answer\":T},...], best first; start\n"
    "                         and end count code points of C, and C[start:end] is the answer\n"
    "  --device SEL           device index or part of its name (see 'vkbert devices')\n"
    "  --precision P          weights on the device: fp32, fp16 or auto (default: fastest accurate)\n"
    "  --verbose              log device and driver messages to stderr\n"
    "Errors are one line on stderr (with --json also {\"error\":{...}} on stdout).\n";

static int parse_count(const char *opt, const char *v, bool zero_ok, uint32_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long n = v ? strtoul(v, &end, 10) : 0;
    if (!v || errno || !end || *end || v[0] == '-' || !v[0] || n > 1000000 || (n == 0 && !zero_ok))
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs an integer from %d to 1000000%s%s%s", opt,
                    zero_ok ? 0 : 1, v ? ", not \"" : "", v ? v : "", v ? "\"" : "");
    *out = (uint32_t)n;
    return -1;
}

int qa_run(vkbert_runner *runner, const char *question, const char *context, const vkbert_qa_options *o, bool json,
           FILE *out) {
    vkbert_answers *ans = NULL;
    vkbert_status st = vkbert_runner_qa(runner, question, context, o, &ans, NULL);
    if (st) return fail_status(st);
    if (json) {
        fputs("[", out);
        for (size_t i = 0; i < vkbert_answers_count(ans); ++i) {
            const vkbert_answer *x = vkbert_answers_get(ans, i);
            fprintf(out, "%s{\"score\":", i ? "," : "");
            json_f32(out, x->score);
            fprintf(out, ",\"start\":%u,\"end\":%u,\"answer\":", x->start_char, x->end_char);
            json_string(out, x->answer);
            fputs("}", out);
        }
        fputs("]", out);
    } else
        for (size_t i = 0; i < vkbert_answers_count(ans); ++i) {
            const vkbert_answer *x = vkbert_answers_get(ans, i);
            fprintf(out, "%.4f  [%u, %u)  %s\n", (double)x->score, x->start_char, x->end_char, x->answer);
        }
    vkbert_answers_destroy(ans);
    return -1;
}

int cmd_qa(int argc, char **argv) {
    const char *model = NULL, *device = NULL, *precision = NULL, *question = NULL, *context = NULL;
    bool verbose = false;
    vkbert_qa_options o = {0};
    bool stride_set = false;
    uint32_t stride = 0;
    for (int i = 0; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **val = NULL;
        uint32_t *num = NULL;
        int rc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { printf("%s", USAGE_QA); return 0; }
        else if (!strcmp(a, "--json")) { g_json = true; continue; }
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) { verbose = true; continue; }
        else if (!strcmp(a, "--handle-impossible-answer")) { o.handle_impossible_answer = true; continue; }
        else if (!strcmp(a, "-m") || !strcmp(a, "--model")) val = &model;
        else if (!strcmp(a, "--device")) val = &device;
        else if (!strcmp(a, "--precision")) val = &precision;
        else if (!strcmp(a, "--question") || !strcmp(a, "-q")) val = &question;
        else if (!strcmp(a, "--context") || !strcmp(a, "-c")) val = &context;
        else if (!strcmp(a, "-k") || !strcmp(a, "--top-k")) num = &o.top_k;
        else if (!strcmp(a, "--max-answer-len")) num = &o.max_answer_len;
        else if (!strcmp(a, "--max-seq-len")) num = &o.max_seq_len;
        else if (!strcmp(a, "--doc-stride")) {
            if ((rc = parse_count(a, v, true, &stride)) >= 0) return rc;
            stride_set = true;
            ++i;
            continue;
        } else if (a[0] == '-' && a[1])
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see --help)", a);
        else return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unexpected argument \"%s\": qa takes --question "
                         "and --context (see --help)", a);
        if (num && (rc = parse_count(a, v, false, num)) >= 0) return rc;
        if (val && !v) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
        if (val) *val = v;
        ++i;
    }
    if (stride_set) o.doc_stride = stride ? stride : VKBERT_QA_NO_STRIDE;
    if (!model) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "qa needs -m DIR (see --help)");
    if (!question) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "qa needs --question Q (see --help)");
    if (!context) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "qa needs --context C (see --help)");
    int rc;
    if ((rc = check_text("the question", question)) >= 0 || (rc = check_text("the context", context)) >= 0) return rc;
    vkbert_context *ctx = NULL;
    vkbert_model *m = NULL;
    vkbert_runner *r = NULL;
    if ((rc = open_model_dir(model, device, precision, &verbose, &ctx, &m)) >= 0) goto done;
    if (!vkbert_model_has_task(m, VKBERT_TASK_QA)) {
        rc = fail(1, VKBERT_ERROR_UNSUPPORTED, "%s has no question-answering head (qa_outputs.weight and "
                  "qa_outputs.bias)", model);
        goto done;
    }
    vkbert_status st = vkbert_runner_create(m, &(vkbert_runner_desc){.task = VKBERT_TASK_QA}, &r);
    if (st) {
        rc = fail_status(st);
        goto done;
    }
    if ((rc = qa_run(r, question, context, &o, g_json, stdout)) >= 0) goto done;
    if (g_json) putchar('\n');
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    vkbert_runner_destroy(r);
    vkbert_model_destroy(m);
    vkbert_context_destroy(ctx);
    return rc;
}
