/* vkbert fill-mask and vkbert predict: the masked-language-model head as Hugging Face uses it.
 * fill-mask follows transformers' FillMaskPipeline: per mask the top-k tokens with score,
 * token, token_str (the token decoded alone) and sequence (the input with that token in the
 * mask, padding dropped, decoded without special tokens when the input has one mask and with
 * them when it has several), `targets` mapped to ids as the pipeline does; many inputs batched
 * on the device. predict is the MLM example of transformers' documentation: the argmax at
 * every position, decoded. */
#include "cli.h"
#include "base/fs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE_FILL =
    "usage: vkbert fill-mask -m DIR [-k N] [--targets W,...] [--json] [options] TEXT... | -f FILE | --ids ID,...\n"
    "       vkbert fill-mask -m DIR [options] TEXT --pair TEXT\n"
    "\n"
    "Predicts the top-k tokens for every mask token (the tokenizer's own: [MASK], <mask>) of each\n"
    "input, as Hugging Face's fill-mask pipeline does. Inputs: TEXT arguments, or one per line with\n"
    "-f FILE or on standard input (read when no TEXT is given and it is not a terminal); they are\n"
    "batched on the device. Every input needs at least one mask token.\n"
    "  -m, --model DIR   Hugging Face model directory with an MLM head\n"
    "  -k, --top-k N     predictions per mask (default 5, at most 64; with --targets at most their number)\n"
    "  --targets W,...   score only these words (the pipeline's targets): a word that is a vocabulary\n"
    "                    entry is that token; another is its first token, with a warning; scores\n"
    "                    stay the softmax over the whole vocabulary\n"
    "  --pair TEXT       second segment of the one TEXT (token types as the tokenizer's template says)\n"
    "  -f, --file FILE   one input per line (\"-\": standard input); an empty line or one that is not\n"
    "                    UTF-8 is an error naming the line, before anything runs\n"
    "  --ids ID,ID,...   one input as token ids, fed to the model as they are (special tokens\n"
    "                    included; every token type 0), each checked against the vocabulary\n"
    "  --truncate        cut inputs longer than the model's positions (the final token kept) instead\n"
    "                    of failing\n"
    "  --device SEL      device index or part of its name (see 'vkbert devices')\n"
    "  --precision P     weights on the device: fp32, fp16 or auto (default: fastest accurate)\n"
    "  --json            per input one line {\"masks\":[{\"position\":P,\"predictions\":[{\"id\":I,\n"
    "                    \"token\":T,\"probability\":X,\"score\":X,\"token_str\":S,\"sequence\":Q},...]}]}\n"
    "                    (P counts tokens, [CLS] = 0; token is the vocabulary entry, token_str it\n"
    "                    decoded; several inputs: JSON Lines, in input order)\n"
    "  --verbose         log device and driver messages to stderr\n"
    "Progress goes to stderr when inputs come from a file and stderr is a terminal (not with --json).\n";

static const char *USAGE_PREDICT =
    "usage: vkbert predict -m DIR [--pair TEXT] [--json] [options] TEXT | --ids ID,...\n"
    "\n"
    "Runs the model's MLM head on every token of TEXT and prints the most likely token at each\n"
    "position, decoded: what Hugging Face's masked-LM example prints,\n"
    "tokenizer.decode(model(**inputs).logits.argmax(-1)[0]) (special tokens kept).\n"
    "  -m, --model DIR   Hugging Face model directory with an MLM head\n"
    "  --pair TEXT       second segment (token types as the tokenizer's template says)\n"
    "  --ids ID,ID,...   token ids in place of TEXT, as fill-mask takes them\n"
    "  --truncate        cut a text longer than the model's positions instead of failing\n"
    "  --device SEL      device index or part of its name\n"
    "  --precision P     weights on the device: fp32, fp16 or auto\n"
    "  --json            print {\"ids\":[...],\"text\":\"...\"}\n"
    "  --verbose         log device and driver messages to stderr\n";

#define MAX_BATCH 64u
#define MAX_BATCH_TOKENS 16384u

typedef struct fill_opts {
    const char *model, *device, *precision, *file, *targets, *ids, *pair;
    int top_k;
    bool json, truncate, verbose;
    char **args;
    size_t nargs;
} fill_opts;

static int parse(int argc, char **argv, bool predict, fill_opts *o) {
    const char *usage = predict ? USAGE_PREDICT : USAGE_FILL;
    const char *cmd = predict ? "predict" : "fill-mask";
    o->args = malloc((size_t)(argc ? argc : 1) * sizeof *o->args);
    if (!o->args) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    bool texts_only = false;
    int rc = -1;
    for (int i = 0; i < argc && rc < 0; ++i) {
        const char *a = argv[i];
        const char **val = NULL;
        if (texts_only || a[0] != '-' || a[1] == '\0') {
            o->args[o->nargs++] = argv[i];
        } else if (!strcmp(a, "--")) {
            texts_only = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("%s", usage);
            rc = 0;
        } else if (!strcmp(a, "--json")) {
            o->json = g_json = true;
        } else if (!strcmp(a, "--truncate")) {
            o->truncate = true;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o->verbose = true;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
            val = &o->model;
        } else if (!strcmp(a, "--device")) {
            val = &o->device;
        } else if (!strcmp(a, "--precision")) {
            val = &o->precision;
        } else if (!strcmp(a, "--ids")) {
            val = &o->ids;
        } else if (!strcmp(a, "--pair")) {
            val = &o->pair;
        } else if (!predict && (!strcmp(a, "-f") || !strcmp(a, "--file"))) {
            val = &o->file;
        } else if (!predict && !strcmp(a, "--targets")) {
            val = &o->targets;
        } else if (!predict && (!strcmp(a, "-k") || !strcmp(a, "--top-k"))) {
            if (i + 1 >= argc) {
                rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
                break;
            }
            char *end = NULL;
            errno = 0;
            long k = strtol(argv[++i], &end, 10);
            if (errno || !end || *end || k < 1 || k > VKBERT_MAX_TOP_K)
                rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "-k must be an integer from 1 to %d, not \"%s\"",
                          VKBERT_MAX_TOP_K, argv[i]);
            o->top_k = (int)k;
        } else {
            rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see --help)", a);
        }
        if (val) {
            if (i + 1 >= argc) rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
            else *val = argv[++i];
        }
    }
    if (rc < 0 && !o->model)
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a model directory: -m DIR (see --help)", cmd);
    if (rc < 0 && o->ids && (o->nargs || o->file || o->pair))
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s takes --ids or TEXT, not both", cmd);
    if (rc < 0 && !predict && o->pair && (o->nargs != 1 || o->file))
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--pair goes with one TEXT (its second segment)");
    if (rc < 0 && predict && !o->ids && o->nargs != 1)
        rc = fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT,
                  o->nargs ? "predict takes one TEXT (quote it)" : "predict needs a TEXT argument");
    if (rc >= 0) {
        free(o->args);
        o->args = NULL;
    }
    return rc;
}

/* One input's tokens and where its results go. */
typedef struct fill_seq {
    int32_t *ids, *types;
    size_t n;
    uint32_t masks;
    uint32_t *positions;          /* [masks] */
    vkbert_prediction *preds;     /* [masks * k] */
    size_t *counts;               /* [masks]: predictions of each */
} fill_seq;

static void seqs_free(fill_seq *s, size_t n) {
    for (size_t i = 0; s && i < n; ++i) {
        free(s[i].ids);
        free(s[i].types);
        free(s[i].positions);
        free(s[i].preds);
        free(s[i].counts);
    }
    free(s);
}

/* Cuts an input longer than the model's `max` tokens (keeping its final token), or refuses it. */
static int fit(const char *what, const fill_request *rq, uint32_t max, fill_seq *s) {
    if (s->n <= max) return -1;
    if (!rq->truncate)
        return fail(1, VKBERT_ERROR_TOO_LONG, "%s is %zu tokens; the model allows %u (%s)", what, s->n, max,
                    rq->truncate_hint);
    s->ids[max - 1] = s->ids[s->n - 1];
    s->types[max - 1] = s->types[s->n - 1];
    s->n = max;
    return -1;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

/* Decodes ids into *buf (grown as needed), leaving out ids the tokenizer does not have (a model's
 * vocabulary may be longer than its tokenizer's), as Hugging Face's decode does. `ids` is
 * compacted in place. false when out of memory or the tokenizer refuses. */
static bool decode(const vkbert_tokenizer *tok, int32_t *ids, size_t n, bool skip, char **buf, size_t *cap) {
    size_t w = 0;
    for (size_t i = 0; i < n; ++i)
        if (vkbert_tokenizer_token(tok, ids[i])) ids[w++] = ids[i];
    n = w;
    for (;;) {
        size_t need = 0;
        vkbert_status st = vkbert_tokenizer_decode(tok, ids, n, skip, *buf, *cap, &need);
        if (st == VKBERT_OK) return true;
        if (st != VKBERT_ERROR_BUFFER_TOO_SMALL) return false;
        char *b = realloc(*buf, need);
        if (!b) return false;
        *buf = b;
        *cap = need;
    }
}

/* The target words as the pipeline maps them: a vocabulary entry as it is, another word its first
 * token (warned); an empty word nothing; duplicates once. The ids' count, or -1 (the error said). */
static long target_ids(const vkbert_tokenizer *tok, const fill_request *rq, int32_t **out) {
    int32_t *ids = malloc((rq->target_count ? rq->target_count : 1) * sizeof *ids), tmp[512];
    uint8_t special[512];
    if (!ids) {
        fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        return -1;
    }
    size_t n = 0;
    for (size_t t = 0; t < rq->target_count; ++t) {
        const char *w = rq->targets[t];
        size_t len = strlen(w);
        int32_t id = len ? vkbert_tokenizer_id(tok, w) : -1;
        if (len && id < 0) {
            char what[64];
            snprintf(what, sizeof what, "a %s word", rq->targets_name);
            if (check_text(what, w) >= 0) {
                free(ids);
                return -1;
            }
            size_t k = 0;
            vkbert_status st = vkbert_tokenizer_encode_special(tok, w, len, NULL, 0, tmp, NULL, NULL, special,
                                                               sizeof tmp / sizeof *tmp, &k);
            if (st && st != VKBERT_ERROR_BUFFER_TOO_SMALL) {
                free(ids);
                fail_status(st);
                return -1;
            }
            for (size_t i = 0; i < k && i < sizeof tmp / sizeof *tmp && id < 0; ++i)
                if (!special[i]) id = tmp[i];
            if (id < 0)
                cli_note("warning: the target \"%s\" does not exist in the model's vocabulary and gives no token: "
                         "ignored", w);
            else
                cli_note("warning: the target \"%s\" does not exist in the model's vocabulary: replaced with its "
                         "first token \"%s\"", w, vkbert_tokenizer_token(tok, id));
        }
        bool dup = false;
        for (size_t i = 0; i < n && id >= 0; ++i) dup |= ids[i] == id;
        if (id >= 0 && !dup) ids[n++] = id;
    }
    if (n == 0) {
        free(ids);
        fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "%s: no word gives a token of the model's vocabulary", rq->targets_name);
        return -1;
    }
    *out = ids;
    return (long)n;
}

typedef struct target_prob {
    int32_t id;
    double p;
} target_prob;

static int by_prob(const void *pa, const void *pb) {
    const target_prob *a = pa, *b = pb;
    if (a->p != b->p) return a->p > b->p ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* The targets' probabilities under the softmax of one row of logits, the best k. */
static void score_targets(const float *logits, uint32_t vocab, const int32_t *targets, size_t nt, target_prob *tp,
                          size_t k, vkbert_prediction *dst) {
    double mx = -INFINITY, sum = 0;
    for (uint32_t v = 0; v < vocab; ++v) mx = logits[v] > mx ? logits[v] : mx;
    for (uint32_t v = 0; v < vocab; ++v) sum += exp((double)logits[v] - mx);
    for (size_t t = 0; t < nt; ++t) tp[t] = (target_prob){targets[t], exp((double)logits[targets[t]] - mx) / sum};
    qsort(tp, nt, sizeof *tp, by_prob);
    for (size_t i = 0; i < k; ++i) dst[i] = (vkbert_prediction){tp[i].id, (float)tp[i].p};
}

static size_t *g_len_key; /* qsort's key: the lengths (inputs are few enough for one call at a time) */
static int by_length(const void *pa, const void *pb) {
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (g_len_key[a] != g_len_key[b]) return g_len_key[a] < g_len_key[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* The inputs, shortest first, in batches of at most MAX_BATCH inputs and MAX_BATCH_TOKENS padded
 * tokens through sessions of the batch's exact shape; every mask's predictions stored in its
 * input. -1 or the exit code. */
static int run_batches(vkbert_model *model, fill_seq *seqs, size_t count, uint32_t k, const int32_t *targets, size_t nt,
                       struct batch_progress *progress) {
    const uint32_t vocab = vkbert_model_get_config(model)->vocab_size;
    size_t *order = malloc(count * sizeof *order), *lens = malloc(count * sizeof *lens);
    vkbert_sequence *batch = malloc(MAX_BATCH * sizeof *batch);
    float *logits = targets ? malloc((size_t)vocab * sizeof *logits) : NULL;
    target_prob *tp = targets ? malloc(nt * sizeof *tp) : NULL;
    int rc = -1;
    if (!order || !lens || !batch || (targets && (!logits || !tp))) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; ++i) order[i] = i, lens[i] = seqs[i].n;
    g_len_key = lens;
    qsort(order, count, sizeof *order, by_length);
    for (size_t start = 0; start < count && rc < 0;) {
        size_t end = start;
        uint32_t rows = 0;
        while (end < count && end - start < MAX_BATCH && (end - start + 1) * seqs[order[end]].n <= MAX_BATCH_TOKENS) {
            const fill_seq *s = &seqs[order[end]];
            batch[end - start] = (vkbert_sequence){.input_ids = s->ids, .token_type_ids = s->types,
                                                   .length = (uint32_t)s->n};
            rows += s->masks;
            ++end;
        }
        vkbert_session *ses = NULL;
        vkbert_status st = vkbert_session_create(
            model, &(vkbert_session_desc){.max_batch = (uint32_t)(end - start), .max_seq = (uint32_t)seqs[order[end - 1]].n,
                                          .max_head_rows = rows, .top_k = targets ? 1 : k,
                                          .keep_logits = targets != NULL}, &ses);
        if (!st) st = vkbert_session_encode(ses, batch, (uint32_t)(end - start));
        uint32_t got = st ? 0 : vkbert_session_head_row_count(ses);
        if (!st && got != rows)
            rc = fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "the model's head gave %u rows for %u mask tokens", got, rows);
        for (uint32_t r = 0, seq = 0, pos = 0, prev = UINT32_MAX, m = 0; !st && rc < 0 && r < got; ++r) {
            st = vkbert_session_head_row(ses, r, &seq, &pos);
            if (st) break;
            m = seq == prev ? m + 1 : 0;
            prev = seq;
            fill_seq *s = &seqs[order[start + seq]];
            s->positions[m] = pos;
            vkbert_prediction *dst = s->preds + (size_t)m * k;
            if (targets) {
                st = vkbert_session_read_logits(ses, r, logits, vocab, NULL);
                if (!st) score_targets(logits, vocab, targets, nt, tp, k, dst);
                s->counts[m] = k;
            } else {
                st = vkbert_session_read_topk(ses, r, dst, k, &s->counts[m]);
            }
        }
        if (st && rc < 0) rc = fail_status(st);
        vkbert_session_destroy(ses);
        start = end;
        batch_progress_update(progress, start, count);
    }
done:
    batch_progress_end(progress);
    free(order);
    free(lens);
    free(batch);
    free(logits);
    free(tp);
    return rc;
}

/* The ids of input `what` (text, or --ids), checked against the model: -1 or the exit code. */
static int input_tokens(const char *ids, const char *pair, const vkbert_model *model, const char *text,
                        const char *what, fill_seq *s) {
    if (ids) return cli_parse_ids(ids, model, &s->ids, &s->types, &s->n);
    vkbert_status st = cli_encode(vkbert_model_tokenizer(model), text, pair, &s->ids, &s->types, &s->n);
    return st ? fail(1, st, "%s: %s", what, vkbert_last_error()) : -1;
}

static void print_text_mode(const fill_request *rq, size_t i, const fill_seq *s, const vkbert_tokenizer *tok,
                            char **strs, size_t k, FILE *out) {
    if (rq->count > 1) {
        char what[320], preview[96];
        rq->name(i, what, sizeof what, rq->name_user);
        text_preview(rq->texts[i], 72, preview, sizeof preview);
        fprintf(out, "%s%s: %s\n", i ? "\n" : "", what, preview);
    }
    size_t w = 0;
    for (uint32_t m = 0; m < s->masks; ++m) {
        fprintf(out, "%s at position %u:\n", vkbert_tokenizer_mask_token(tok), s->positions[m]);
        for (size_t j = 0; j < s->counts[m]; ++j, w += 2) {
            const vkbert_prediction *p = &s->preds[(size_t)m * k + j];
            fprintf(out, p->probability >= 1e-3f ? "  %7.4f  %-16s (id %d)  %s\n" : "  %7.1e  %-16s (id %d)  %s\n",
                    p->probability, strs[w], p->id, strs[w + 1]);
        }
    }
}

/* Writes input i's results (a JSON object, or text); the strings decoded here. -1 or the exit code. */
static int emit(const fill_request *rq, size_t i, const fill_seq *s, const vkbert_tokenizer *tok, size_t k,
                int32_t pad, FILE *out) {
    size_t total = 0;
    for (uint32_t m = 0; m < s->masks; ++m) total += s->counts[m];
    char **strs = calloc(total * 2 + 1, sizeof *strs);
    int32_t *tmp = malloc(s->n * sizeof *tmp);
    char *buf = NULL;
    size_t cap = 0, w = 0;
    int rc = -1;
    if (!strs || !tmp) rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    for (uint32_t m = 0; m < s->masks && rc < 0; ++m) {
        for (size_t j = 0; j < s->counts[m] && rc < 0; ++j) {
            int32_t id = s->preds[(size_t)m * k + j].id;
            size_t n = 0;
            for (size_t t = 0; t < s->n; ++t) { /* the pipeline drops padding before decoding */
                int32_t v = t == s->positions[m] ? id : s->ids[t];
                if (v != pad) tmp[n++] = v;
            }
            int32_t one = id;
            if (!decode(tok, &one, 1, false, &buf, &cap) || !(strs[w++] = dup_str(buf)) ||
                !decode(tok, tmp, n, s->masks == 1, &buf, &cap) || !(strs[w++] = dup_str(buf)))
                rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "decoding a prediction: %s", vkbert_last_error());
        }
    }
    if (rc < 0 && rq->output != FILL_TEXT) {
        cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "masks");
        w = 0;
        for (uint32_t m = 0; m < s->masks; ++m) {
            cJSON *mj = cJSON_CreateObject();
            cJSON_AddNumberToObject(mj, "position", s->positions[m]);
            cJSON *ps = cJSON_AddArrayToObject(mj, "predictions");
            for (size_t j = 0; j < s->counts[m]; ++j, w += 2) {
                const vkbert_prediction *p = &s->preds[(size_t)m * k + j];
                const char *t = vkbert_tokenizer_token(tok, p->id);
                cJSON *pj = cJSON_CreateObject();
                cJSON_AddNumberToObject(pj, "id", p->id);
                cJSON_AddStringToObject(pj, "token", t ? t : "");
                cJSON_AddNumberToObject(pj, "probability", p->probability);
                cJSON_AddNumberToObject(pj, "score", p->probability);
                cJSON_AddStringToObject(pj, "token_str", strs[w]);
                cJSON_AddStringToObject(pj, "sequence", strs[w + 1]);
                cJSON_AddItemToArray(ps, pj);
            }
            cJSON_AddItemToArray(arr, mj);
        }
        char *js = cJSON_PrintUnformatted(root);
        if (js) fputs(js, out);
        else rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        free(js);
        cJSON_Delete(root);
    } else if (rc < 0) {
        print_text_mode(rq, i, s, tok, strs, k, out);
    }
    for (size_t j = 0; strs && j < total * 2; ++j) free(strs[j]);
    free(strs);
    free(tmp);
    free(buf);
    return rc;
}

static int32_t pad_id(const vkbert_tokenizer *tok) {
    int32_t id = vkbert_tokenizer_id(tok, "[PAD]");
    return id >= 0 ? id : vkbert_tokenizer_id(tok, "<pad>");
}

int fill_mask_run(vkbert_model *model, const fill_request *rq, FILE *out) {
    int rc = -1;
    fill_seq *seqs = NULL;
    int32_t *targets = NULL;
    struct batch_progress quiet = {0};
    if (!vkbert_model_has_mlm_head(model))
        return fail(1, VKBERT_ERROR_UNSUPPORTED, "%s has no masked-language-model head (cls.predictions.*): fill-mask "
                    "needs one", rq->model_dir);
    const vkbert_tokenizer *tok = vkbert_model_tokenizer(model);
    const int32_t mask = vkbert_tokenizer_mask_id(tok);
    if (mask < 0)
        return fail(1, VKBERT_ERROR_NO_MASK, "the vocabulary of %s has no mask token ([MASK] or <mask>, or a "
                    "tokenizer.json added token of that name): fill-mask has nothing to fill", rq->model_dir);
    long nt = 0;
    if (rq->targets && (nt = target_ids(tok, rq, &targets)) < 0) return 1;
    size_t k = rq->top_k;
    if (targets && k > (size_t)nt) k = (size_t)nt;
    const uint32_t max = vkbert_model_get_config(model)->max_tokens;
    if (!(seqs = calloc(rq->count, sizeof *seqs))) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < rq->count && rc < 0; ++i) {
        char what[320];
        rq->name(i, what, sizeof what, rq->name_user);
        fill_seq *s = &seqs[i];
        if ((rc = input_tokens(rq->ids, rq->pair, model, rq->texts[i], what, s)) >= 0 ||
            (rc = fit(what, rq, max, s)) >= 0)
            break;
        for (size_t t = 0; t < s->n; ++t) s->masks += s->ids[t] == mask;
        if (s->masks == 0) {
            rc = fail(1, VKBERT_ERROR_NO_MASK, "%s has no %s token to fill", what, vkbert_tokenizer_mask_token(tok));
            break;
        }
        s->positions = malloc(s->masks * sizeof *s->positions);
        s->preds = malloc(s->masks * k * sizeof *s->preds);
        s->counts = calloc(s->masks, sizeof *s->counts);
        if (!s->positions || !s->preds || !s->counts) rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    if (rc >= 0) goto done;
    rc = run_batches(model, seqs, rq->count, (uint32_t)k, targets, (size_t)nt, rq->progress ? rq->progress : &quiet);
    if (rc >= 0) goto done;
    const int32_t pad = pad_id(tok);
    for (size_t i = 0; i < rq->count && rc < 0; ++i) {
        if (rq->output == FILL_JSON_ARRAY) fputc(i ? ',' : '[', out);
        rc = emit(rq, i, &seqs[i], tok, k, pad, out);
        if (rq->output == FILL_JSON_LINES && rc < 0) fputc('\n', out);
    }
    if (rq->output == FILL_JSON_ARRAY && rc < 0) fputc(']', out);
done:
    seqs_free(seqs, rq->count);
    free(targets);
    return rc;
}

/* An input's name in messages: "the text" when it is the command's one TEXT. */
static void fill_input_name(size_t i, char *buf, size_t n, const void *user) {
    const cli_inputs *in = user;
    if (in->count > 1 || in->source) inputs_name(in, i, buf, n);
    else snprintf(buf, n, "the text");
}

/* --targets W,...: its words, split at every comma (an empty one gives nothing). */
static char **split_words(const char *list, size_t *n, char **buf) {
    size_t cap = 1;
    for (const char *p = list; *p; ++p) cap += *p == ',';
    char **v = malloc(cap * sizeof *v);
    *buf = malloc(strlen(list) + 1);
    if (!v || !*buf) {
        free(v);
        free(*buf);
        *buf = NULL;
        return NULL;
    }
    strcpy(*buf, list);
    *n = 0;
    for (char *p = *buf;;) {
        v[(*n)++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    return v;
}

int cmd_fill_mask(int argc, char **argv) {
    fill_opts o = {.top_k = 5};
    int rc = parse(argc, argv, false, &o);
    if (rc >= 0) return rc;
    cli_inputs in = {0};
    vkbert_context *ctx = NULL;
    vkbert_model *model = NULL;
    char **words = NULL, *words_buf = NULL;
    size_t nwords = 0;
    struct batch_progress progress = {0};
    if (o.ids) {
        static char ids_text[] = "--ids";
        char *one[1] = {ids_text};
        if ((rc = inputs_from_args(one, 1, &in)) >= 0) goto done;
    } else {
        batch_opts bo = {.cmd = "fill-mask", .model = o.model, .file = o.file, .args = o.args, .nargs = o.nargs};
        if ((rc = batch_inputs(&bo, 0, "", &in)) >= 0) goto done;
    }
    progress.enabled = in.source && !o.json && vkb_is_terminal(stderr);
    if ((rc = open_model_dir(o.model, o.device, o.precision, &o.verbose, &ctx, &model)) >= 0) goto done;
    if (o.targets && !(words = split_words(o.targets, &nwords, &words_buf))) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    fill_request rq = {.model_dir = o.model, .texts = in.texts, .count = in.count, .pair = o.pair, .ids = o.ids,
                       .targets = (const char *const *)words, .target_count = nwords, .top_k = (uint32_t)o.top_k,
                       .truncate = o.truncate, .output = o.json ? FILL_JSON_LINES : FILL_TEXT,
                       .truncate_hint = "use --truncate to cut it", .targets_name = "--targets",
                       .name = fill_input_name, .name_user = &in, .progress = &progress};
    if ((rc = fill_mask_run(model, &rq, stdout)) >= 0) goto done;
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    free(words);
    free(words_buf);
    inputs_free(&in);
    free(o.args);
    vkbert_model_destroy(model);
    vkbert_context_destroy(ctx);
    return rc;
}

int cmd_predict(int argc, char **argv) {
    fill_opts o = {0};
    int rc = parse(argc, argv, true, &o);
    if (rc >= 0) return rc;
    vkbert_context *ctx = NULL;
    vkbert_model *model = NULL;
    vkbert_session *ses = NULL;
    fill_seq s = {0};
    int32_t *best = NULL;
    char *text = NULL;
    size_t cap = 0;
    if (!o.ids && ((rc = check_text("the TEXT", o.args[0])) >= 0 || (o.pair && (rc = check_text("--pair", o.pair)) >= 0)))
        goto done;
    if ((rc = open_model_dir(o.model, o.device, o.precision, &o.verbose, &ctx, &model)) >= 0) goto done;
    if (!vkbert_model_has_mlm_head(model)) {
        rc = fail(1, VKBERT_ERROR_UNSUPPORTED, "%s has no masked-language-model head (cls.predictions.*): predict needs "
                  "one", o.model);
        goto done;
    }
    const vkbert_tokenizer *tok = vkbert_model_tokenizer(model);
    const fill_request fit_rq = {.truncate = o.truncate, .truncate_hint = "use --truncate to cut it"};
    if ((rc = input_tokens(o.ids, o.pair, model, o.ids ? NULL : o.args[0], "the text", &s)) >= 0 ||
        (rc = fit("the text", &fit_rq, vkbert_model_get_config(model)->max_tokens, &s)) >= 0)
        goto done;
    vkbert_status st = vkbert_session_create(model, &(vkbert_session_desc){.max_seq = (uint32_t)s.n, .head = VKBERT_HEAD_ALL,
                                                                           .max_head_rows = (uint32_t)s.n, .top_k = 1}, &ses);
    if (!st) st = vkbert_session_encode(ses, &(vkbert_sequence){.input_ids = s.ids, .token_type_ids = s.types,
                                                                .length = (uint32_t)s.n}, 1);
    if (!st && vkbert_session_head_row_count(ses) != s.n) {
        rc = fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "the model's head gave %u rows for %zu tokens",
                  vkbert_session_head_row_count(ses), s.n);
        goto done;
    }
    if (!st && !(best = malloc(s.n * sizeof *best))) st = VKBERT_ERROR_OUT_OF_HOST_MEMORY;
    for (uint32_t r = 0; !st && r < s.n; ++r) {
        vkbert_prediction p;
        size_t got = 0;
        st = vkbert_session_read_topk(ses, r, &p, 1, &got);
        best[r] = p.id;
    }
    if (st) {
        rc = fail_status(st);
        goto done;
    }
    memcpy(s.ids, best, s.n * sizeof *best); /* decode compacts its ids: a copy, the input's no longer needed */
    if (!decode(tok, s.ids, s.n, false, &text, &cap)) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "decoding the predictions: %s", vkbert_last_error());
        goto done;
    }
    if (o.json) {
        printf("{\"ids\":[");
        for (size_t i = 0; i < s.n; ++i) printf("%s%d", i ? "," : "", best[i]);
        printf("],\"text\":");
        json_string(stdout, text);
        printf("}\n");
    } else {
        printf("%s\n", text);
    }
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    free(best);
    free(text);
    free(s.ids);
    free(s.types);
    free(o.args);
    vkbert_session_destroy(ses);
    vkbert_model_destroy(model);
    vkbert_context_destroy(ctx);
    return rc;
}
