/* text-embeddings-inference's routes (their request fields and defaults as TEI's serde types
 * say: router/src/http/types.rs) and OpenAI's /v1/embeddings. Requests are parsed and checked
 * here on the HTTP thread; what needs the device becomes a job. */
#include "internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- fields ---- */
static const cJSON *field(const cJSON *req, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);
    return v && !cJSON_IsNull(v) ? v : NULL;
}

int serve_field_bool(const cJSON *req, const char *name, bool *out, serve_err *e) {
    const cJSON *v = field(req, name);
    if (!v) return 0;
    if (!cJSON_IsBool(v)) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`%s` must be a boolean", name);
    *out = cJSON_IsTrue(v);
    return 0;
}

int serve_field_uint(const cJSON *req, const char *name, uint32_t max, uint32_t *out, serve_err *e) {
    const cJSON *v = field(req, name);
    if (!v) return 0;
    double x = cJSON_IsNumber(v) ? v->valuedouble : -1;
    if (!cJSON_IsNumber(v) || x < 0 || x != floor(x) || x > max)
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`%s` must be an integer from 0 to %u", name, max);
    *out = (uint32_t)x;
    return 0;
}

int serve_field_string(const cJSON *req, const char *name, bool required, const char **out, serve_err *e) {
    const cJSON *v = field(req, name);
    if (!v) return required ? serve_fail(e, 422, SERVE_ERR_VALIDATION, "missing field `%s`", name) : 0;
    if (!cJSON_IsString(v)) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`%s` must be a string", name);
    *out = v->valuestring;
    return 0;
}

/* An input text: a string, not empty (TEI: 400 "empty"). The JSON parser has already refused
 * invalid UTF-8; a NUL byte cannot be in a cJSON string (it ends it: "\u0000" is refused below). */
static int check_input(const cJSON *v, const char *name, size_t index, bool list, serve_err *e) {
    if (!cJSON_IsString(v)) {
        if (cJSON_IsArray(v))
            return serve_fail(e, 422, SERVE_ERR_VALIDATION,
                              "`%s`: token ids as inputs are not supported here; give texts", name);
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`%s` must be a string or a list of strings", name);
    }
    if (!*v->valuestring) {
        if (list) return serve_fail(e, 400, SERVE_ERR_EMPTY, "`%s`[%zu] is empty", name, index);
        return serve_fail(e, 400, SERVE_ERR_EMPTY, "`%s` cannot be empty", name);
    }
    return 0;
}

/* Texts of one list of a request, against the server's cap. */
static int check_count(size_t n, const char *name, uint32_t max, serve_err *e) {
    if (n == 0) return serve_fail(e, 400, SERVE_ERR_EMPTY, "`%s` cannot be empty", name);
    if (n > max)
        return serve_fail(e, 413, SERVE_ERR_VALIDATION,
                          "batch size %zu > maximum allowed batch size %u (--max-client-batch-size)", n, max);
    return 0;
}

static int texts_of(const cJSON *v, const char *name, uint32_t max, const char ***texts, size_t *n, bool *single,
                    serve_err *e) {
    if (!v) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "missing field `%s`", name);
    bool one = !cJSON_IsArray(v);
    size_t count = one ? 1 : (size_t)cJSON_GetArraySize(v);
    if (!one && check_count(count, name, max, e)) return -1;
    const char **t = malloc(count * sizeof *t);
    if (!t) return serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
    size_t i = 0;
    for (const cJSON *x = one ? v : v->child; x && i < count; x = one ? NULL : x->next, ++i) {
        if (check_input(x, name, i, !one, e)) {
            free(t);
            return -1;
        }
        t[i] = x->valuestring;
    }
    *texts = t;
    *n = count;
    if (single) *single = one;
    return 0;
}

int serve_field_texts(serve_dev *d, const cJSON *req, const char *name, const char ***texts, size_t *n, bool *single,
                      serve_err *e) {
    return texts_of(field(req, name), name, serve_dev_limits(d)->max_client_batch_size, texts, n, single, e);
}

static int truncation_of(const cJSON *req, bool auto_truncate, vkbert_truncation *out, serve_err *e) {
    bool truncate = false;
    if (serve_field_bool(req, "truncate", &truncate, e)) return -1;
    const char *dir = NULL;
    if (serve_field_string(req, "truncation_direction", false, &dir, e)) return -1;
    vkbert_truncation where = VKBERT_TRUNCATE_RIGHT;
    if (dir && (!strcmp(dir, "Left") || !strcmp(dir, "left"))) where = VKBERT_TRUNCATE_LEFT;
    else if (dir && strcmp(dir, "Right") && strcmp(dir, "right"))
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`truncation_direction` must be \"Right\" or \"Left\", not \"%.64s\"",
                          dir);
    *out = truncate || auto_truncate ? where : VKBERT_TRUNCATE_NONE;
    return 0;
}

int serve_field_truncation(serve_dev *d, const cJSON *req, vkbert_truncation *out, serve_err *e) {
    return truncation_of(req, serve_dev_limits(d)->auto_truncate, out, e);
}

/* Tokens of each text (with the specials) summed, each at most the model's length: the batch
 * budget's count and OpenAI's usage. */
static uint64_t count_tokens(const char *const *texts, size_t n, const char *pair) {
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
        size_t c = 0;
        vkbert_status st = vkbert_tokenizer_encode(serve_tokenizer(), texts[i], pair, NULL, NULL, 0, &c);
        if (st == VKBERT_OK || st == VKBERT_ERROR_BUFFER_TOO_SMALL) total += c;
    }
    return total;
}

/* ---- /embed, /v1/embeddings, /similarity: batched ---- */
static int fmt_embed(serve_dev *d, const serve_job *job, const float *emb, uint32_t dim, FILE *out, serve_err *e) {
    (void)d, (void)e;
    tei_embed_body(out, emb, job->emb.n, dim);
    return 0;
}

/* `dimensions` (TEI's and OpenAI's): a Matryoshka width, 1 up to the model's (vkbert_runner_desc). */
static int dimensions_of(const cJSON *params, serve_job *job, serve_err *e) {
    job->emb.dimensions = 0;
    if (!field(params, "dimensions")) return 0;
    if (serve_field_uint(params, "dimensions", UINT32_MAX, &job->emb.dimensions, e)) return -1;
    if (job->emb.dimensions == 0)
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`dimensions` must be at least 1");
    return 0;
}

static int embed_options(const serve_opts *o, serve_job *job, const cJSON *params, bool normalize_field, serve_err *e) {
    job->emb.normalize = true; /* TEI's default_normalize */
    if (normalize_field && serve_field_bool(params, "normalize", &job->emb.normalize, e)) return -1;
    if (truncation_of(params, o->auto_truncate, &job->emb.truncation, e)) return -1;
    const char *prompt = NULL;
    if (serve_field_string(params, "prompt_name", false, &prompt, e)) return -1;
    job->emb.prompt_name = prompt;
    return dimensions_of(params, job, e);
}

static int prep_embed(const serve_opts *o, serve_job *job, serve_err *e) {
    if (texts_of(field(job->req, "inputs"), "inputs", o->max_client_batch_size, &job->emb.texts, &job->emb.n,
                 &job->emb.single, e) ||
        embed_options(o, job, job->req, true, e))
        return -1;
    job->emb.format = fmt_embed;
    job->tokens = count_tokens(job->emb.texts, job->emb.n, NULL);
    return 0;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* A row as OpenAI's base64: the little-endian float32 bytes. */
static void base64_floats(FILE *out, const float *x, uint32_t n) {
    fputc('"', out);
    const size_t bytes = (size_t)n * 4;
    unsigned char b[3];
    for (size_t i = 0; i < bytes; i += 3) {
        size_t k = 0;
        for (; k < 3 && i + k < bytes; ++k) {
            uint32_t u;
            memcpy(&u, &x[(i + k) / 4], 4);
            b[k] = (unsigned char)(u >> (8 * ((i + k) % 4)));
        }
        for (size_t z = k; z < 3; ++z) b[z] = 0;
        fputc(B64[b[0] >> 2], out);
        fputc(B64[((b[0] & 3) << 4) | (b[1] >> 4)], out);
        fputc(k > 1 ? B64[((b[1] & 15) << 2) | (b[2] >> 6)] : '=', out);
        fputc(k > 2 ? B64[b[2] & 63] : '=', out);
    }
    fputc('"', out);
}

static int fmt_openai(serve_dev *d, const serve_job *job, const float *emb, uint32_t dim, FILE *out, serve_err *e) {
    (void)d, (void)e;
    const cJSON *fmt = field(job->req, "encoding_format");
    bool b64 = fmt && cJSON_IsString(fmt) && !strcmp(fmt->valuestring, "base64");
    const char *model = NULL;
    serve_field_string(job->req, "model", false, &model, e);
    fputs("{\"object\":\"list\",\"data\":[", out);
    for (size_t i = 0; i < job->emb.n; ++i) {
        fprintf(out, "%s{\"object\":\"embedding\",\"embedding\":", i ? "," : "");
        if (b64) {
            base64_floats(out, emb + i * dim, dim);
        } else {
            fputc('[', out);
            for (uint32_t j = 0; j < dim; ++j) {
                if (j) fputc(',', out);
                json_f32(out, emb[i * dim + j]);
            }
            fputc(']', out);
        }
        fprintf(out, ",\"index\":%zu}", i);
    }
    fputs("],\"model\":", out);
    json_string(out, model ? model : "");
    fprintf(out, ",\"usage\":{\"prompt_tokens\":%llu,\"total_tokens\":%llu}}", (unsigned long long)job->tokens,
            (unsigned long long)job->tokens);
    return 0;
}

static int prep_openai(const serve_opts *o, serve_job *job, serve_err *e) {
    if (texts_of(field(job->req, "input"), "input", o->max_client_batch_size, &job->emb.texts, &job->emb.n, NULL, e))
        return -1;
    const char *fmt = NULL, *model = NULL;
    if (serve_field_string(job->req, "encoding_format", false, &fmt, e) ||
        serve_field_string(job->req, "model", false, &model, e))
        return -1;
    if (fmt && strcmp(fmt, "float") && strcmp(fmt, "base64"))
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`encoding_format` must be \"float\" or \"base64\"");
    if (dimensions_of(job->req, job, e)) return -1;
    job->emb.normalize = true;
    job->emb.truncation = o->auto_truncate ? VKBERT_TRUNCATE_RIGHT : VKBERT_TRUNCATE_NONE;
    job->emb.format = fmt_openai;
    job->tokens = count_tokens(job->emb.texts, job->emb.n, NULL);
    return 0;
}

static int fmt_similarity(serve_dev *d, const serve_job *job, const float *emb, uint32_t dim, FILE *out,
                          serve_err *e) {
    (void)d, (void)e;
    tei_similarity_body(out, emb, job->emb.n, dim);
    return 0;
}

static int prep_similarity(const serve_opts *o, serve_job *job, serve_err *e) {
    const cJSON *in = field(job->req, "inputs");
    if (!in) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "missing field `inputs`");
    if (!cJSON_IsObject(in))
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`inputs` must be an object {\"source_sentence\", \"sentences\"}");
    const cJSON *src = field(in, "source_sentence"), *list = field(in, "sentences");
    if (!src) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "missing field `source_sentence`");
    if (check_input(src, "source_sentence", 0, false, e)) return -1;
    if (!list) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "missing field `sentences`");
    if (!cJSON_IsArray(list)) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`sentences` must be a list of strings");
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (check_count(n, "sentences", o->max_client_batch_size, e)) return -1;
    const cJSON *params = field(job->req, "parameters");
    if (params && !cJSON_IsObject(params)) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`parameters` must be an object");
    if (!(job->emb.texts = malloc((n + 1) * sizeof *job->emb.texts)))
        return serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
    job->emb.texts[0] = src->valuestring;
    size_t i = 0;
    for (const cJSON *x = list->child; x; x = x->next, ++i) {
        if (check_input(x, "sentences", i, true, e)) return -1;
        job->emb.texts[i + 1] = x->valuestring;
    }
    job->emb.n = n + 1;
    static const cJSON none = {0};
    if (embed_options(o, job, params ? params : &none, false, e)) return -1;
    job->emb.format = fmt_similarity;
    job->tokens = count_tokens(job->emb.texts, job->emb.n, NULL);
    return 0;
}

/* ---- /embed_all: every token's hidden state ---- */
static int route_embed_all(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    const char **texts = NULL;
    size_t n = 0;
    vkbert_truncation trunc;
    const char *prompt_name = NULL;
    if (serve_field_texts(d, req, "inputs", &texts, &n, NULL, e) || serve_field_truncation(d, req, &trunc, e) ||
        serve_field_string(req, "prompt_name", false, &prompt_name, e)) {
        free(texts);
        return -1;
    }
    vkbert_model *model = serve_dev_model(d);
    const vkbert_tokenizer *tok = serve_dev_tokenizer(d);
    const char *prompt = "";
    if (prompt_name) {
        vkbert_embedding_info info;
        vkbert_model_embedding_info(model, &info);
        prompt = NULL;
        for (uint32_t i = 0; i < info.prompt_count && !prompt; ++i) {
            const char *name = NULL, *text = NULL;
            if (vkbert_model_prompt(model, i, &name, &text) == VKBERT_OK && !strcmp(name, prompt_name)) prompt = text;
        }
        if (!prompt) {
            free(texts);
            return serve_fail(e, 422, SERVE_ERR_VALIDATION, "the model has no prompt named \"%.64s\"", prompt_name);
        }
    }
    uint32_t max_seq = serve_dev_limits(d)->max_input_length, H = vkbert_model_get_config(model)->hidden_size;
    int32_t *ids = malloc((size_t)max_seq * 2 * sizeof *ids);
    float *hidden = malloc((size_t)max_seq * H * sizeof *hidden);
    int rc = ids && hidden ? 0 : serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
    fputc('[', out);
    for (size_t i = 0; i < n && rc == 0; ++i) {
        char *text = NULL;
        size_t plen = strlen(prompt), tlen = strlen(texts[i]);
        if (!(text = malloc(plen + tlen + 1))) {
            rc = serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
            break;
        }
        memcpy(text, prompt, plen);
        memcpy(text + plen, texts[i], tlen + 1);
        int32_t *all = NULL, *types = NULL;
        size_t count = 0;
        vkbert_status st = cli_encode(tok, text, NULL, &all, &types, &count);
        free(text);
        free(types);
        if (st) {
            free(all);
            rc = serve_fail_status(e, st);
            break;
        }
        if (count > max_seq) {
            if (trunc == VKBERT_TRUNCATE_NONE) {
                free(all);
                rc = serve_fail(e, 413, SERVE_ERR_VALIDATION,
                                "Input validation error: `inputs` must have less than %u tokens. Given: %zu", max_seq, count);
                break;
            }
            /* keep the first and last token ([CLS] ... [SEP]) and the start or the end between */
            size_t keep = max_seq - 2, from = trunc == VKBERT_TRUNCATE_LEFT ? count - 1 - keep : 1;
            memmove(all + 1, all + from, keep * sizeof *all);
            all[max_seq - 1] = all[count - 1];
            count = max_seq;
        }
        memcpy(ids, all, count * sizeof *ids);
        free(all);
        vkbert_session *s = NULL;
        st = vkbert_session_create(model, &(vkbert_session_desc){.max_seq = (uint32_t)count, .head = VKBERT_HEAD_NONE}, &s);
        if (!st) st = vkbert_session_encode(s, &(vkbert_sequence){ids, NULL, count}, 1);
        if (!st) st = vkbert_session_read_hidden(s, 0, hidden, count * H, NULL);
        vkbert_session_destroy(s);
        if (st) {
            rc = serve_fail_status(e, st);
            break;
        }
        if (i) fputc(',', out);
        tei_embed_body(out, hidden, count, H); /* one input's tokens, as /embed's rows */
    }
    fputc(']', out);
    free(ids);
    free(hidden);
    free(texts);
    return rc;
}

/* ---- /rerank, /predict: the classification head ---- */
static int nan_check(const float *scores, size_t n, serve_err *e) {
    for (size_t i = 0; i < n; ++i)
        if (isnan(scores[i])) return serve_fail(e, 500, SERVE_ERR_BACKEND, "the model's score is NaN");
    return 0;
}

static int route_rerank(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    const char *query = NULL;
    const char **texts = NULL;
    size_t n = 0;
    bool raw = false, text = false;
    vkbert_truncation trunc;
    if (serve_field_string(req, "query", true, &query, e)) return -1;
    if (!*query) return serve_fail(e, 400, SERVE_ERR_EMPTY, "`query` cannot be empty");
    const cJSON *list = field(req, "texts");
    if (list && !cJSON_IsArray(list)) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`texts` must be a list of strings");
    if (serve_field_texts(d, req, "texts", &texts, &n, NULL, e)) return -1;
    int rc = -1;
    float *scores = NULL;
    tei_ranked *order = NULL;
    if (serve_field_bool(req, "raw_scores", &raw, e) || serve_field_bool(req, "return_text", &text, e) ||
        serve_field_truncation(d, req, &trunc, e))
        goto done;
    vkbert_model *model = serve_dev_model(d);
    if (vkbert_model_has_task(model, VKBERT_TASK_CLASSIFY) && vkbert_model_label_count(model) != 1) {
        serve_fail(e, 424, SERVE_ERR_BACKEND, "the model is not a re-ranker: its classifier has %u labels, not 1 (use /predict)",
                   vkbert_model_label_count(model));
        goto done;
    }
    vkbert_runner *r = serve_dev_runner(d, &(vkbert_runner_desc){.task = VKBERT_TASK_CLASSIFY, .truncation = trunc,
                                                                 .raw_scores = raw}, e);
    if (!r) goto done;
    if (!(scores = malloc(n * sizeof *scores))) {
        serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
        goto done;
    }
    vkbert_status st = vkbert_runner_rerank(r, query, texts, n, scores, NULL);
    if (st) {
        serve_fail_status(e, st);
        goto done;
    }
    if (nan_check(scores, n, e)) goto done;
    if (!(order = tei_rank(scores, n))) {
        serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
        goto done;
    }
    tei_rerank_body(out, order, n, text ? texts : NULL);
    rc = 0;
done:
    free(order);
    free(scores);
    free(texts);
    return rc;
}

/* TEI's PredictInput: "a", ["a", "b"] (a pair), or a batch [["a"], ["a", "b"], ...]. */
static int predict_inputs(serve_dev *d, const cJSON *v, const char ***texts, const char ***pairs, size_t *n,
                          bool *batch, serve_err *e) {
    static const char *SHAPE = "`inputs` must be a string, a pair of strings [string, string] or a batch of "
                               "mixed strings and pairs [[string], [string, string], ...]";
    if (!v) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "missing field `inputs`");
    const cJSON *first = cJSON_IsArray(v) ? v->child : NULL;
    *batch = first && cJSON_IsArray(first);
    size_t count = *batch ? (size_t)cJSON_GetArraySize(v) : 1;
    if (cJSON_IsArray(v) && !first) return serve_fail(e, 400, SERVE_ERR_EMPTY, "`inputs` cannot be empty");
    if (*batch && check_count(count, "inputs", serve_dev_limits(d)->max_client_batch_size, e)) return -1;
    *texts = calloc(count, sizeof **texts);
    *pairs = calloc(count, sizeof **pairs);
    if (!*texts || !*pairs) return serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
    size_t i = 0;
    for (const cJSON *seq = *batch ? v->child : v; seq; seq = *batch ? seq->next : NULL, ++i) {
        const cJSON *a = seq, *b = NULL;
        if (cJSON_IsArray(seq)) {
            int len = cJSON_GetArraySize(seq);
            if (len < 1 || len > 2) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "%s", SHAPE);
            a = seq->child;
            b = len == 2 ? a->next : NULL;
        }
        if (!cJSON_IsString(a) || (b && !cJSON_IsString(b))) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "%s", SHAPE);
        if (!*a->valuestring || (b && !*b->valuestring))
            return serve_fail(e, 400, SERVE_ERR_EMPTY, "`inputs`[%zu] is empty", i);
        (*texts)[i] = a->valuestring;
        (*pairs)[i] = b ? b->valuestring : NULL;
    }
    *n = count;
    return 0;
}

static int route_predict(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    const char **texts = NULL, **pairs = NULL;
    size_t n = 0;
    bool batch = false, raw = false;
    vkbert_truncation trunc;
    float *scores = NULL;
    int rc = -1;
    if (predict_inputs(d, field(req, "inputs"), &texts, &pairs, &n, &batch, e) ||
        serve_field_bool(req, "raw_scores", &raw, e) || serve_field_truncation(d, req, &trunc, e))
        goto done;
    vkbert_runner *r = serve_dev_runner(d, &(vkbert_runner_desc){.task = VKBERT_TASK_CLASSIFY, .truncation = trunc,
                                                                 .raw_scores = raw}, e);
    if (!r) goto done;
    uint32_t labels = vkbert_runner_width(r);
    if (!labels || !(scores = malloc(n * labels * sizeof *scores))) {
        serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
        goto done;
    }
    vkbert_status st = vkbert_runner_classify(r, texts, pairs, n, scores, n * labels, NULL);
    if (st) {
        serve_fail_status(e, st);
        goto done;
    }
    if (nan_check(scores, n * labels, e)) goto done;
    if (batch) fputc('[', out);
    for (size_t i = 0; i < n; ++i) {
        if (i) fputc(',', out);
        if (!tei_predictions_body(out, serve_dev_model(d), scores + i * labels, labels)) {
            serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
            goto done;
        }
    }
    if (batch) fputc(']', out);
    rc = 0;
done:
    free(scores);
    free(texts);
    free(pairs);
    return rc;
}

/* ---- /health: the device opened (again, after a loss) ---- */
static int route_health(serve_dev *d, const cJSON *req, FILE *out, serve_err *e) {
    (void)d, (void)req, (void)out, (void)e;
    return 0;
}

/* ---- /tokenize, /decode: the tokenizer only, answered on the HTTP thread ---- */
/* The stream's bytes as the job's answer (open_memstream fills *buf and *len at fclose). */
static int answer(serve_job *job, FILE *f, char **buf, size_t *len, serve_err *e) {
    if (fclose(f) != 0) {
        free(*buf);
        return serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory for the response");
    }
    job->status = 200;
    job->body = *buf;
    job->len = *len;
    return 1;
}

/* TEI's SimpleToken lists, one per input: a special token with its text and no offsets, any
 * other with the input's bytes [start, stop) as its text. prompt_name is refused here: the
 * prompts are the model's, on the device thread. */
static int prep_tokenize(const serve_opts *o, serve_job *job, serve_err *e) {
    const char **texts = NULL;
    size_t n = 0;
    bool special = true;
    if (texts_of(field(job->req, "inputs"), "inputs", o->max_client_batch_size, &texts, &n, NULL, e)) return -1;
    if (serve_field_bool(job->req, "add_special_tokens", &special, e)) {
        free(texts);
        return -1;
    }
    if (field(job->req, "prompt_name")) {
        free(texts);
        return serve_fail(e, 422, SERVE_ERR_VALIDATION, "`prompt_name` is not supported by /tokenize");
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        free(texts);
        return serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
    }
    const vkbert_tokenizer *tok = serve_tokenizer();
    int rc = 0;
    fputc('[', f);
    for (size_t i = 0; i < n && rc == 0; ++i) {
        size_t tl = strlen(texts[i]), cap = 0, count = 0;
        int32_t *ids = NULL;
        vkbert_offset *offs = NULL;
        uint8_t *mask = NULL;
        vkbert_status st = vkbert_tokenizer_encode_special(tok, texts[i], tl, NULL, 0, NULL, NULL, NULL, NULL, 0, &count);
        if (st == VKBERT_ERROR_BUFFER_TOO_SMALL || st == VKBERT_OK) {
            cap = count ? count : 1;
            ids = malloc(cap * sizeof *ids);
            offs = malloc(cap * sizeof *offs);
            mask = malloc(cap);
            st = ids && offs && mask ? vkbert_tokenizer_encode_special(tok, texts[i], tl, NULL, 0, ids, NULL, offs, mask,
                                                                       cap, &count)
                                     : VKBERT_ERROR_OUT_OF_HOST_MEMORY;
        }
        if (st) {
            rc = serve_fail_status(e, st);
        } else {
            fputs(i ? ",[" : "[", f);
            bool first = true;
            for (size_t t = 0; t < count; ++t) {
                if (mask[t] && !special) continue;
                fprintf(f, "%s{\"id\":%d,\"text\":", first ? "" : ",", ids[t]);
                first = false;
                if (mask[t]) {
                    const char *s = vkbert_tokenizer_token(tok, ids[t]);
                    json_string(f, s ? s : "");
                    fputs(",\"special\":true,\"start\":null,\"stop\":null}", f);
                } else {
                    /* TEI: the input's bytes [start, stop), as text */
                    size_t w = offs[t].end - offs[t].start;
                    char *slice = malloc(w + 1);
                    if (slice) {
                        memcpy(slice, texts[i] + offs[t].start, w);
                        slice[w] = '\0';
                    }
                    json_string(f, slice ? slice : "");
                    free(slice);
                    fprintf(f, ",\"special\":false,\"start\":%u,\"stop\":%u}", offs[t].start, offs[t].end);
                }
            }
            fputc(']', f);
        }
        free(ids);
        free(offs);
        free(mask);
    }
    fputc(']', f);
    free(texts);
    if (rc) {
        fclose(f);
        free(buf);
        return -1;
    }
    return answer(job, f, &buf, &len, e);
}

static int prep_decode(const serve_opts *o, serve_job *job, serve_err *e) {
    static const char *SHAPE = "`ids` must be a list of token ids or a list of such lists";
    const cJSON *v = field(job->req, "ids");
    bool skip = true;
    if (!v) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "missing field `ids`");
    if (!cJSON_IsArray(v)) return serve_fail(e, 422, SERVE_ERR_VALIDATION, "%s", SHAPE);
    if (serve_field_bool(job->req, "skip_special_tokens", &skip, e)) return -1;
    bool batch = v->child && cJSON_IsArray(v->child);
    size_t n = batch ? (size_t)cJSON_GetArraySize(v) : 1;
    if (batch && check_count(n, "ids", o->max_client_batch_size, e)) return -1;
    const vkbert_tokenizer *tok = serve_tokenizer();
    uint32_t vocab = vkbert_tokenizer_vocab_size(tok);
    char *buf = NULL, *text = NULL;
    size_t len = 0, tcap = 0;
    int32_t *ids = NULL;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
    int rc = 0;
    size_t i = 0;
    fputc('[', f);
    for (const cJSON *seq = batch ? v->child : v; seq && rc == 0; seq = batch ? seq->next : NULL, ++i) {
        if (!cJSON_IsArray(seq)) {
            rc = serve_fail(e, 422, SERVE_ERR_VALIDATION, "%s", SHAPE);
            break;
        }
        size_t m = (size_t)cJSON_GetArraySize(seq), k = 0;
        int32_t *grown = realloc(ids, (m ? m : 1) * sizeof *ids);
        if (!grown) {
            rc = serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
            break;
        }
        ids = grown;
        for (const cJSON *x = seq->child; x; x = x->next) {
            if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble != floor(x->valuedouble) ||
                x->valuedouble >= 4294967296.0) {
                rc = serve_fail(e, 422, SERVE_ERR_VALIDATION, "%s", SHAPE);
                break;
            }
            /* ids past the vocabulary are left out, as the Rust tokenizers' decode does */
            if (x->valuedouble < vocab) ids[k++] = (int32_t)x->valuedouble;
        }
        if (rc) break;
        size_t need = 0;
        vkbert_status st = vkbert_tokenizer_decode(tok, ids, k, skip, text, tcap, &need);
        if (st == VKBERT_ERROR_BUFFER_TOO_SMALL) {
            char *t = realloc(text, need);
            if (!t) {
                rc = serve_fail(e, 500, SERVE_ERR_BACKEND, "out of memory");
                break;
            }
            text = t;
            tcap = need;
            st = vkbert_tokenizer_decode(tok, ids, k, skip, text, tcap, &need);
        }
        if (st) {
            rc = serve_fail_status(e, st);
            break;
        }
        if (i) fputc(',', f);
        json_string(f, tcap ? text : "");
    }
    fputc(']', f);
    free(ids);
    free(text);
    if (rc) {
        fclose(f);
        free(buf);
        return -1;
    }
    return answer(job, f, &buf, &len, e);
}

static int prep_fn(serve_job *job, serve_route_fn fn) {
    job->fn = fn;
    return 0;
}
static int prep_embed_all(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, route_embed_all); }
static int prep_rerank(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, route_rerank); }
static int prep_predict(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, route_predict); }
static int prep_health(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, route_health); }
static int prep_fill(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, serve_fill_mask); }
static int prep_ner(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, serve_ner); }
static int prep_qa(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, serve_qa); }
static int prep_score(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, serve_score); }
static int prep_attention(const serve_opts *o, serve_job *j, serve_err *e) { (void)o, (void)e; return prep_fn(j, serve_attention); }

/* POST routes; GET /, /info, /health and /metrics are serve.c's. /health is here as a job too. */
const serve_route SERVE_ROUTES[] = {
    {"/embed", "embed", prep_embed},
    {"/embed_all", "embed_all", prep_embed_all},
    {"/similarity", "similarity", prep_similarity},
    {"/v1/embeddings", "openai", prep_openai},
    {"/rerank", "rerank", prep_rerank},
    {"/predict", "predict", prep_predict},
    {"/tokenize", "tokenize", prep_tokenize},
    {"/decode", "decode", prep_decode},
    {"/fill-mask", "fill_mask", prep_fill},
    {"/ner", "ner", prep_ner},
    {"/qa", "qa", prep_qa},
    {"/score", "score", prep_score},
    {"/attention", "attention", prep_attention},
    {"/health", "health", prep_health},
    {NULL, NULL, NULL},
};

const serve_route *serve_route_find(const char *path) {
    for (const serve_route *r = SERVE_ROUTES; r->path; ++r)
        if (!strcmp(r->path, path)) return r;
    return NULL;
}
