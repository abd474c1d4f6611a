/* vkbert score: masked-LM scoring of many texts through the runner (vkbert_runner_score): each
 * text's pseudo-log-likelihood and pseudo-perplexity. */
#include "cli.h"

#include <stdint.h>
#include <stdlib.h>

static const char *USAGE_SCORE =
    "usage: vkbert score -m DIR [options] [--json] TEXT... | -f FILE\n"
    "\n"
    "Scores every input with the model's masked-language-model head (Salazar et al., \"Masked\n"
    "Language Model Scoring\"): each token that is not special ([CLS], [SEP], [UNK], [MASK], <s>,\n"
    "...) is masked in turn and the natural log-probability of the true token there summed: the\n"
    "pseudo-log-likelihood (pll, higher is more fluent); pppl = exp(-pll / tokens) is the\n"
    "pseudo-perplexity, tokens the number scored. A text of n tokens is n masked copies, batched\n"
    "with the other texts' copies.\n"
    "  --json                 print {\"scores\":[{\"text\":T,\"pll\":X,\"pppl\":X,\"tokens\":N},...]}, in input order\n"
    "Without --json, one line per input: pll, pppl, tokens and the text.\n" BATCH_USAGE_COMMON;

int mlm_score_run(batch_run *r, const cli_inputs *in, cli_name_fn name, const void *user, const char *too_long_hint,
                  bool json, FILE *out) {
    vkbert_pll_score *scores = calloc(in->count ? in->count : 1, sizeof *scores);
    if (!scores) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    vkbert_run_stats stats = {.failed_index = SIZE_MAX};
    vkbert_status st = vkbert_runner_score(r->runner, (const char *const *)in->texts, in->count, scores, &stats);
    batch_done(r, st, &stats);
    if (st) {
        free(scores);
        return batch_fail_hint(st, &stats, in, name, user, too_long_hint);
    }
    if (json) fputs("{\"scores\":[", out);
    for (size_t i = 0; i < in->count; ++i) {
        if (json) {
            fprintf(out, "%s{\"text\":", i ? "," : "");
            json_string(out, in->texts[i]);
            fprintf(out, ",\"pll\":%.17g,\"pppl\":%.17g,\"tokens\":%u}", scores[i].pll, scores[i].pppl, scores[i].tokens);
        } else {
            char preview[96];
            text_preview(in->texts[i], 72, preview, sizeof preview);
            fprintf(out, "pll %12.4f  pppl %12.4f  tokens %4u  %s\n", scores[i].pll, scores[i].pppl, scores[i].tokens,
                    preview);
        }
    }
    if (json) fputs("]}", out);
    free(scores);
    return -1;
}

int cmd_mlm_score(int argc, char **argv) {
    batch_opts o;
    int rc = batch_parse("score", argc, argv, 0, USAGE_SCORE, &o);
    if (rc >= 0) return rc;
    cli_inputs in = {0};
    batch_run r = {0};
    if ((rc = batch_inputs(&o, 0, NULL, &in)) >= 0) goto done;
    if ((rc = batch_open(&o, VKBERT_TASK_SCORE, in.count, &r)) >= 0) goto done;
    if ((rc = mlm_score_run(&r, &in, NULL, NULL, "truncation is off: --no-truncate", o.json, stdout)) >= 0) goto done;
    if (o.json) putchar('\n');
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    batch_close(&r);
    inputs_free(&in);
    batch_opts_free(&o);
    return rc;
}
