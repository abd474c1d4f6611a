/* vkbert serve's task routes: /fill-mask, /ner, /qa, /score and /attention, each answering with
 * the body its CLI command prints with --json, written by that command's own code (cli.h's
 * fill_mask_run, ner_run, qa_run, mlm_score_run, attention_run) into the response. A route reads
 * its fields with TEI's rules (serve_field_*), checks what the CLI checks in its option parser,
 * and runs the command's code with fail() captured (cli_capture_errors), so that the command's
 * own errors become the route's: TEI's status and error type for the vkbert_status, the CLI's
 * message. Texts are checked by the server (serve_field_texts: not empty, UTF-8 without NUL) as
 * the CLI checks its arguments. For a list of inputs the body is a JSON array of the per-input
 * bodies; for one string the body itself. Runs on the device thread. /fill-mask and /attention make
 * their sessions per request as the CLI does (of each batch's exact shape), the runners of the
 * others are the server's (serve_dev_runner). */
#include "serve.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* An input's name in messages, as serve_field_texts names them: "`inputs`" for a lone string,
 * else "`inputs`[i]" (JSON's index). */
static void input_name(size_t i, char *buf, size_t n, const void *user) {
    const bool *single = user;
    if (*single) snprintf(buf, n, "`inputs`");
    else snprintf(buf, n, "`inputs`[%zu]", i);
}

/* The command's error, captured, as TEI's: as serve_fail_status says for the status (INVALID_ARGUMENT
 * and NO_MASK 422, TOO_LONG 413,
 * UNSUPPORTED 424, a device loss 503, ...) with the message the CLI would have printed, after
 * `what` when that names an input the message does not (a device loss keeps the server's own:
 * the queue reopens the device on it). -1. */
static int fail_captured(serve_err *e, const cli_error *c, const char *what) {
    if (!c->set) return serve_fail(e, 500, SERVE_ERR_BACKEND, "the request failed without an error message");
    char msg[sizeof c->message + 80];
    snprintf(msg, sizeof msg, "%s%s%s", what ? what : "", what ? ": " : "", c->message);
    serve_fail_status(e, c->status);
    return c->status == VKBERT_ERROR_DEVICE_LOST ? -1 : serve_fail(e, e->status, e->type, "%s", msg);
}

/* A command's code under capture: rc is its return (-1: success). 0, or -1 with e set. */
static int finish(int rc, const cli_error *c, const char *what, serve_err *e) {
    cli_capture_errors(NULL);
    return rc < 0 ? 0 : fail_captured(e, c, what);
}

/* A text field that must not be empty (TEI: 400 "empty"); the JSON parser has refused invalid
 * UTF-8 and NUL bytes already (as serve_field_texts says). */
static int check_not_empty(const char *name, const char *text, serve_err *e) {
    return text && !*text ? serve_fail(e, 400, SERVE_ERR_EMPTY, "`%s` cannot be empty", name) : 0;
}

/* Field `name`: absent or null (*list NULL), a string (one), or a list of strings (any number):
 * pointers into req in *list (malloc'd, at least one slot; free it). 0, or -1 with a 422. */
static int field_words(const cJSON *req, const char *name, bool lone_string, const char ***list, size_t *n,
                       serve_err *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);
    *list = NULL;
    *n = 0;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!(cJSON_IsString(v) && lone_string) && !cJSON_IsArray(v))
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`%s` must be %sa list of strings", name,
                          lone_string ? "a string or " : "");
    size_t count = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 1;
    if (!(*list = malloc((count ? count : 1) * sizeof **list)))
        return serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
    if (cJSON_IsString(v)) (*list)[(*n)++] = v->valuestring;
    const cJSON *items = cJSON_IsArray(v) ? v : NULL, *x;
    cJSON_ArrayForEach(x, items) {
        if (!cJSON_IsString(x)) {
            free(*list);
            *list = NULL;
            return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`%s`[%zu] must be a string", name, *n);
        }
        (*list)[(*n)++] = x->valuestring;
    }
    return 0;
}

/* {"inputs": string | [string], "top_k": 1 to 64 (5), "targets": string | [string], "truncate": bool}
 * -> fill-mask --json's object per input (-k, --targets, --truncate). */
int serve_fill_mask(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    const char **texts = NULL, **targets = NULL;
    size_t n = 0, nt = 0;
    bool single = false, truncate = false;
    uint32_t top_k = 5;
    int rc = -1;
    if (serve_field_texts(d, req, "inputs", &texts, &n, &single, e) ||
        serve_field_uint(req, "top_k", VKBERT_MAX_TOP_K, &top_k, e) || serve_field_bool(req, "truncate", &truncate, e) ||
        field_words(req, "targets", true, &targets, &nt, e))
        goto done;
    if (top_k == 0) {
        serve_fail(e, 422, SERVE_ERR_VALIDATION, "`top_k` must be from 1 to %d", VKBERT_MAX_TOP_K);
        goto done;
    }
    vkbert_model *model = serve_dev_model(d);
    if (vkbert_model_has_mlm_head(model) && vkbert_tokenizer_mask_id(serve_dev_tokenizer(d)) < 0) {
        serve_fail(e, 424, SERVE_ERR_BACKEND, "the vocabulary of %s has no mask token ([MASK] or <mask>): /fill-mask "
                   "has nothing to fill", serve_dev_dir(d));
        goto done;
    }
    fill_request rq = {.model_dir = serve_dev_dir(d), .texts = (char *const *)texts, .count = n,
                       .targets = targets, .target_count = nt, .top_k = top_k,
                       .truncate = truncate || serve_dev_limits(d)->auto_truncate,
                       .output = single ? FILL_JSON_ONE : FILL_JSON_ARRAY,
                       .truncate_hint = "\"truncate\": true cuts it", .targets_name = "`targets`",
                       .name = input_name, .name_user = &single};
    cli_error c = {0};
    cli_capture_errors(&c);
    rc = finish(fill_mask_run(model, &rq, out), &c, NULL, e);
done:
    free(texts);
    free(targets);
    return rc;
}

static const char *const AGGREGATIONS[] = {"none", "simple", "first", "average", "max"};

/* a == b, ASCII letters in either case (the pipeline takes AggregationStrategy[s.upper()]) */
static bool same_word(const char *a, const char *b) {
    for (; *a && *b; ++a, ++b)
        if ((*a >= 'A' && *a <= 'Z' ? *a + 32 : *a) != *b) return false;
    return *a == *b;
}

/* {"inputs": string | [string], "aggregation_strategy": "none" | "simple" | "first" | "average" |
 * "max" (any case; none), "ignore_labels": [string] (["O"])} -> ner --json's list per input. */
int serve_ner(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    const char **texts = NULL, **ignore = NULL, *strategy = NULL;
    size_t n = 0, nignore = 0;
    bool single = false;
    int rc = -1;
    if (serve_field_texts(d, req, "inputs", &texts, &n, &single, e) ||
        serve_field_string(req, "aggregation_strategy", false, &strategy, e) ||
        field_words(req, "ignore_labels", false, &ignore, &nignore, e))
        goto done;
    int aggregation = strategy ? -1 : 0;
    for (int k = 0; strategy && k < 5; ++k)
        if (same_word(strategy, AGGREGATIONS[k])) aggregation = k;
    if (aggregation < 0) {
        serve_fail(e, 422, SERVE_ERR_VALIDATION, "unknown `aggregation_strategy` \"%s\" (none, simple, first, average, "
                   "max)", strategy);
        goto done;
    }
    vkbert_runner *runner = serve_dev_runner(d, &(vkbert_runner_desc){.task = VKBERT_TASK_TOKEN_CLASSIFY}, e);
    if (!runner) goto done;
    vkbert_ner_options o = {.aggregation = (vkbert_aggregation)aggregation, .ignore_labels = ignore,
                            .ignore_count = nignore};
    if (!single) fputc('[', out);
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; ++i) {
        char what[64];
        input_name(i, what, sizeof what, &single);
        if (i) fputc(',', out);
        cli_error c = {0};
        cli_capture_errors(&c);
        rc = finish(ner_run(serve_dev_model(d), runner, texts[i], &o, true, out), &c, single ? NULL : what, e);
    }
    if (!single && rc == 0) fputc(']', out);
done:
    free(texts);
    free(ignore);
    return rc;
}

/* {"question": string, "context": string, "top_k", "max_answer_len", "max_seq_len", "doc_stride"
 * (0: windows that do not overlap), "handle_impossible_answer"} -> qa --json's list. */
int serve_qa(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    const char *question = NULL, *context = NULL;
    vkbert_qa_options o = {0};
    uint32_t stride = UINT32_MAX;
    const struct { const char *name; uint32_t *v; } counts[] = {
        {"top_k", &o.top_k}, {"max_answer_len", &o.max_answer_len}, {"max_seq_len", &o.max_seq_len}};
    if (serve_field_string(req, "question", true, &question, e) || serve_field_string(req, "context", true, &context, e))
        return -1;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; ++i) {
        if (serve_field_uint(req, counts[i].name, 1000000, counts[i].v, e)) return -1;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, counts[i].name);
        if (v && !cJSON_IsNull(v) && *counts[i].v == 0)
            return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`%s` must be from 1 to 1000000", counts[i].name);
    }
    if (serve_field_uint(req, "doc_stride", 1000000, &stride, e) ||
        serve_field_bool(req, "handle_impossible_answer", &o.handle_impossible_answer, e))
        return -1;
    if (stride != UINT32_MAX) o.doc_stride = stride ? stride : VKBERT_QA_NO_STRIDE;
    if (check_not_empty("question", question, e) || check_not_empty("context", context, e)) return -1;
    vkbert_runner *runner = serve_dev_runner(d, &(vkbert_runner_desc){.task = VKBERT_TASK_QA}, e);
    if (!runner) return -1;
    cli_error c = {0};
    cli_capture_errors(&c);
    return finish(qa_run(runner, question, context, &o, true, out), &c, NULL, e);
}

/* {"inputs": string | [string], "truncate", "truncation_direction"} -> score --json's
 * {"scores": [...]}, one entry per input, for a lone string as for a list. */
int serve_score(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    const char **texts = NULL;
    size_t n = 0;
    bool single = false;
    vkbert_truncation truncation = VKBERT_TRUNCATE_NONE;
    int rc = -1;
    if (serve_field_texts(d, req, "inputs", &texts, &n, &single, e) || serve_field_truncation(d, req, &truncation, e))
        goto done;
    batch_run r = {.model = serve_dev_model(d),
                   .runner = serve_dev_runner(d, &(vkbert_runner_desc){.task = VKBERT_TASK_SCORE,
                                                                       .truncation = truncation}, e)};
    if (!r.runner) goto done;
    cli_inputs in = {.texts = (char **)texts, .count = n};
    cli_error c = {0};
    cli_capture_errors(&c);
    rc = finish(mlm_score_run(&r, &in, input_name, &single, "truncation is off: \"truncate\" is false", true, out), &c,
                NULL, e);
done:
    free(texts);
    return rc;
}

/* {"inputs": string, "pair": string, "layer": number (needed), "head": number | "all" (all),
 * "truncate": bool} -> attention --json's object. */
int serve_attention(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    const char *text = NULL, *pair = NULL;
    uint32_t layer = 0, head = UINT32_MAX;
    bool truncate = false;
    if (serve_field_string(req, "inputs", true, &text, e) || serve_field_string(req, "pair", false, &pair, e) ||
        serve_field_bool(req, "truncate", &truncate, e))
        return -1;
    const vkbert_model_config *cfg = vkbert_model_get_config(serve_dev_model(d));
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(req, "layer"), *hv = cJSON_GetObjectItemCaseSensitive(req, "head");
    if (!lv || cJSON_IsNull(lv)) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "missing field `layer`");
    if (serve_field_uint(req, "layer", UINT32_MAX, &layer, e)) return -1;
    if (layer >= cfg->num_hidden_layers)
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`layer` %u: the model has %u layers (0 to %u)", layer,
                          cfg->num_hidden_layers, cfg->num_hidden_layers - 1);
    if (cJSON_IsString(hv) && strcmp(hv->valuestring, "all"))
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`head` must be a head number or \"all\", not \"%s\"",
                          hv->valuestring);
    if (!cJSON_IsString(hv) && serve_field_uint(req, "head", UINT32_MAX - 1, &head, e)) return -1;
    if (head != UINT32_MAX && head >= cfg->num_attention_heads)
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`head` %u: the model has %u heads (0 to %u)", head,
                          cfg->num_attention_heads, cfg->num_attention_heads - 1);
    if (check_not_empty("inputs", text, e) || check_not_empty("pair", pair, e)) return -1;
    char head_text[16];
    snprintf(head_text, sizeof head_text, "%u", head);
    attention_request rq = {.text = text, .pair = pair, .layer = (long)layer,
                            .head = head == UINT32_MAX ? NULL : head_text, .json = true,
                            .truncate = truncate || serve_dev_limits(d)->auto_truncate,
                            .truncate_hint = "\"truncate\": true cuts it"};
    cli_error c = {0};
    cli_capture_errors(&c);
    return finish(attention_run(serve_dev_model(d), &rq, out), &c, NULL, e);
}
