/* The runner: many texts through a model's embedding or classification head. Inputs are
 * tokenized and truncated (inputs.c), sorted by length, cut into batches whose padded size
 * (sequences x the batch's longest input, rounded up to 8) stays within max_batch_tokens, run
 * through sessions of exactly that shape (the two shapes used last are kept), and their rows
 * written in input order. */
#include "tasks/tasks.h"
#include "model/model.h"
#include "heads/head.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void vkb_run_stats_init(vkbert_run_stats *st, size_t n) {
    if (st) *st = (vkbert_run_stats){.inputs = n, .failed_index = SIZE_MAX};
}

/* The prompt's own tokens minus the final [SEP]: what sentence-transformers masks out. */
static vkbert_status prompt_tokens(vkbert_runner *r) {
    size_t n = 0;
    vkbert_status s = vkbert_tokenizer_encode(r->tok, r->prompt, NULL, NULL, NULL, 0, &n);
    if (s && s != VKBERT_ERROR_BUFFER_TOO_SMALL) return vkb_propagate(r->ctx, s);
    r->prompt_skip = n > 1 ? (uint32_t)(n - 1) : 0;
    return VKBERT_OK;
}

static vkbert_status resolve_prompt(vkbert_runner *r, const vkbert_runner_desc *d) {
    const vkb_st_config *c = &r->model->st;
    const char *text = d->prompt;
    if (!text && d->prompt_name) {
        for (uint32_t i = 0; i < c->prompt_count && !text; ++i)
            if (!strcmp(c->prompts[i].name, d->prompt_name)) text = c->prompts[i].text;
        if (!text)
            return vkb_fail(r->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the model has no prompt named \"%.64s\" (%u prompts "
                            "in config_sentence_transformers.json)", d->prompt_name, c->prompt_count);
    }
    if (!text && !d->prompt_name && c->default_prompt >= 0) text = c->prompts[c->default_prompt].text;
    if (!text || !text[0]) return VKBERT_OK;
    if (!(r->prompt = vkb_strdup(text))) return vkb_fail(r->ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    return c->include_prompt ? VKBERT_OK : prompt_tokens(r);
}

vkbert_status vkbert_runner_create(vkbert_model *model, const vkbert_runner_desc *desc, vkbert_runner **out) {
    if (!model || !out) return vkb_fail(model ? model->ctx : NULL, VKBERT_ERROR_INVALID_ARGUMENT,
                                        "vkbert_runner_create: NULL argument");
    *out = NULL;
    vkbert_context *ctx = model->ctx;
    vkbert_runner_desc d = desc ? *desc : (vkbert_runner_desc){0};
    if (d.task == VKBERT_TASK_MLM) d.task = VKBERT_TASK_EMBED;
    if ((unsigned)d.task > VKBERT_TASK_QA || (unsigned)d.truncation > VKBERT_TRUNCATE_NONE ||
        (unsigned)d.pooling > VKBERT_POOLING_LAST || (unsigned)d.normalize > VKBERT_NORMALIZE_OFF)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "vkbert_runner_desc: unknown task, truncation, pooling or "
                        "normalize value");
    if (d.task == VKBERT_TASK_CLASSIFY && !model->seqcls)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the model has no sequence-classification head (classifier.weight "
                        "and id2label in config.json): it cannot classify or rerank");
    if (d.task == VKBERT_TASK_SCORE && !model->mlm)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the model has no masked-language-model head: it cannot score "
                        "texts (VKBERT_TASK_SCORE)");
    if (d.task == VKBERT_TASK_TOKEN_CLASSIFY && !model->tokcls)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the model has no token-classification head (config.json's "
                        "architectures naming a *ForTokenClassification class, with classifier.weight and id2label)");
    if (d.task == VKBERT_TASK_QA && !model->qa)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "the model has no question-answering head (qa_outputs.weight "
                        "and qa_outputs.bias)");
    const vkbert_tokenizer *tok = d.tokenizer ? d.tokenizer : model->tokenizer;
    if (!tok)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the model has no tokenizer (random weights): give one in "
                        "vkbert_runner_desc.tokenizer");
    if (vkbert_tokenizer_vocab_size(tok) > model->config.vocab_size)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the tokenizer has %u entries; the model's vocabulary %u",
                        vkbert_tokenizer_vocab_size(tok), model->config.vocab_size);
    vkbert_embedding_info info;
    vkbert_model_embedding_info(model, &info);
    if (!d.max_seq || d.max_seq > info.max_seq_length) d.max_seq = info.max_seq_length;
    if (!d.max_batch_tokens) d.max_batch_tokens = 16384;
    if (!d.max_batch) d.max_batch = 128;
    if (d.max_seq < 4)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "max_seq %u leaves no room for text", d.max_seq);
    uint32_t longest = (d.max_seq + VKB_RUNNER_PAD - 1) / VKB_RUNNER_PAD * VKB_RUNNER_PAD;
    if (longest > model->config.max_tokens) longest = model->config.max_tokens;
    if (d.max_batch_tokens < longest)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "max_batch_tokens %u is below one input of the longest "
                        "%u tokens", d.max_batch_tokens, longest);
    vkbert_runner *r = vkb_calloc(1, sizeof *r);
    if (!r) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    r->model = model;
    r->ctx = ctx;
    r->tok = tok;
    r->d = d;
    r->d.prompt = r->d.prompt_name = NULL;
    r->width = d.task == VKBERT_TASK_EMBED ? vkb_embed_width(model) : d.task == VKBERT_TASK_SCORE ? 1
             : d.task == VKBERT_TASK_QA ? 2 : model->label_count;
    if (d.dimensions && (d.task != VKBERT_TASK_EMBED || d.dimensions > r->width)) {
        uint32_t w = r->width;
        vkbert_runner_destroy(r);
        return d.task != VKBERT_TASK_EMBED
                   ? vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "dimensions is for embeddings (VKBERT_TASK_EMBED)")
                   : vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "dimensions %u: the model's embeddings have %u",
                              d.dimensions, w);
    }
    if (d.dimensions) {
        r->full_width = r->width;
        r->width = d.dimensions;
    }
    r->lower = d.task == VKBERT_TASK_EMBED && model->st.do_lower_case;
    vkbert_status s = d.task == VKBERT_TASK_EMBED ? resolve_prompt(r, &d) : VKBERT_OK;
    if (!s && d.task == VKBERT_TASK_EMBED && !model->st.present && !d.pooling)
        vkb_log(ctx, VKBERT_LOG_WARNING, "the model has no sentence-transformers modules.json: embeddings are its "
                "[CLS] token's final hidden state, not normalised (choose a pooling to silence this)");
    if (s) {
        vkbert_runner_destroy(r);
        return s;
    }
    if (!r->d.pooling) r->d.pooling = (vkbert_pooling)model->st.pooling; /* its sessions need not warn again */
    *out = r;
    return VKBERT_OK;
}

void vkbert_runner_destroy(vkbert_runner *r) {
    if (!r) return;
    for (int i = 0; i < VKB_RUNNER_CACHED; ++i) vkbert_session_destroy(r->cache[i].s);
    vkb_free(r->prompt);
    vkb_free(r);
}

const char *vkb_runner_task_name(const vkbert_runner *r) {
    return r->d.task == VKBERT_TASK_EMBED            ? "embeddings (VKBERT_TASK_EMBED)"
           : r->d.task == VKBERT_TASK_CLASSIFY       ? "classification (VKBERT_TASK_CLASSIFY)"
           : r->d.task == VKBERT_TASK_TOKEN_CLASSIFY ? "token classification (VKBERT_TASK_TOKEN_CLASSIFY)"
           : r->d.task == VKBERT_TASK_QA             ? "question answering (VKBERT_TASK_QA)"
                                                     : "masked-LM scoring (VKBERT_TASK_SCORE)";
}

uint32_t vkbert_runner_width(const vkbert_runner *r) { return r ? r->width : 0; }

/* A session of exactly batch x seq: a kept one, or a new one in place of the least recent. */
static vkbert_status session_for(vkbert_runner *r, uint32_t batch, uint32_t seq, vkbert_session **out) {
    vkb_cached_session *slot = &r->cache[0];
    for (int i = 0; i < VKB_RUNNER_CACHED; ++i) {
        vkb_cached_session *c = &r->cache[i];
        if (c->s && c->batch == batch && c->seq == seq) {
            c->used = ++r->tick;
            *out = c->s;
            return VKBERT_OK;
        }
        if (!c->s || c->used < slot->used) slot = c;
    }
    vkbert_session_destroy(slot->s); /* its memory goes before the next one's comes */
    *slot = (vkb_cached_session){0};
    /* Matryoshka embeddings are normalised after their LayerNorm and cut (matryoshka()) */
    vkbert_session_desc sd = {.max_batch = batch, .max_seq = seq, .task = r->d.task, .pooling = r->d.pooling,
                              .normalize = r->full_width ? VKBERT_NORMALIZE_OFF : r->d.normalize};
    vkbert_status s = vkbert_session_create(r->model, &sd, &slot->s);
    if (s) return s;
    *slot = (vkb_cached_session){slot->s, batch, seq, ++r->tick};
    *out = slot->s;
    return VKBERT_OK;
}

vkbert_status vkb_runner_wrong_task(const vkbert_runner *r) {
    return vkb_fail(r->ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the runner was created for %s", vkb_runner_task_name(r));
}

vkbert_status vkb_runner_session(vkbert_runner *r, uint32_t batch, uint32_t longest, vkbert_session **out) {
    uint32_t seq = (longest + VKB_RUNNER_PAD - 1) / VKB_RUNNER_PAD * VKB_RUNNER_PAD;
    if (seq > r->model->config.max_tokens) seq = r->model->config.max_tokens;
    return session_for(r, batch, seq, out);
}

vkbert_model *vkb_runner_model(const vkbert_runner *r) { return r->model; }
const vkbert_tokenizer *vkb_runner_tokenizer(const vkbert_runner *r) { return r->tok; }
const vkbert_runner_desc *vkb_runner_desc(const vkbert_runner *r) { return &r->d; }

typedef struct order_item { uint32_t length; size_t index; } order_item;

static int by_length(const void *a, const void *b) {
    const order_item *x = a, *y = b;
    if (x->length != y->length) return x->length < y->length ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Scores from logits in place: softmax over the labels, or a sigmoid each. */
static void scores(float *v, uint32_t n, bool sigmoid) {
    if (sigmoid) {
        for (uint32_t i = 0; i < n; ++i) v[i] = (float)(1.0 / (1.0 + exp(-(double)v[i])));
        return;
    }
    double mx = v[0], sum = 0.0;
    for (uint32_t i = 1; i < n; ++i) mx = v[i] > mx ? v[i] : mx;
    for (uint32_t i = 0; i < n; ++i) sum += exp((double)v[i] - mx);
    for (uint32_t i = 0; i < n; ++i) v[i] = (float)(exp((double)v[i] - mx) / sum);
}

/* nomic-embed's Matryoshka recipe on one pooled vector v [w]: F.layer_norm(v, (w,)) (no weights,
 * eps 1e-5, the biased variance), its first n values, then (unless `keep`) F.normalize. */
static void matryoshka(const float *v, uint32_t w, uint32_t n, bool keep, float *out) {
    double mean = 0, var = 0, norm = 0;
    for (uint32_t i = 0; i < w; ++i) mean += v[i];
    mean /= w;
    for (uint32_t i = 0; i < w; ++i) var += (v[i] - mean) * (v[i] - mean);
    double inv = 1.0 / sqrt(var / w + 1e-5);
    for (uint32_t i = 0; i < n; ++i) {
        out[i] = (float)((v[i] - mean) * inv);
        norm += (double)out[i] * out[i];
    }
    norm = sqrt(norm);
    for (uint32_t i = 0; i < n && !keep; ++i) out[i] = (float)(out[i] / (norm > 1e-12 ? norm : 1e-12));
}

/* Sort, batch, encode, read each output row to out[index * width]. */
static vkbert_status run_batches(vkbert_runner *r, const vkb_prepared *p, float *out, bool raw, bool sigmoid,
                                 vkbert_run_stats *st) {
    vkbert_context *ctx = r->ctx;
    size_t n = p->count;
    order_item *order = vkb_calloc(n ? n : 1, sizeof *order);
    vkbert_sequence *seqs = vkb_calloc(r->d.max_batch, sizeof *seqs);
    float *full = r->full_width ? vkb_malloc(r->full_width * sizeof *full) : NULL;
    if (!order || !seqs || (r->full_width && !full)) {
        vkb_free(order);
        vkb_free(seqs);
        vkb_free(full);
        return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    }
    for (size_t i = 0; i < n; ++i) order[i] = (order_item){p->length[i], i};
    qsort(order, n, sizeof *order, by_length);
    uint32_t P = r->model->config.max_tokens;
    vkbert_status s = VKBERT_OK;
    for (size_t i = 0; i < n && !s;) {
        /* the longest input of a batch is its last: grow while the padded size fits */
        size_t j = i;
        uint32_t seq = 0;
        while (j < n && j - i < r->d.max_batch) {
            uint32_t pad = (order[j].length + VKB_RUNNER_PAD - 1) / VKB_RUNNER_PAD * VKB_RUNNER_PAD;
            if (pad > P) pad = P;
            if (j > i && (uint64_t)(j - i + 1) * pad > r->d.max_batch_tokens) break;
            seq = pad;
            ++j;
        }
        uint32_t count = (uint32_t)(j - i);
        vkbert_session *sess = NULL;
        s = session_for(r, count, seq, &sess);
        for (uint32_t b = 0; b < count && !s; ++b) {
            size_t k = order[i + b].index;
            seqs[b] = (vkbert_sequence){p->ids + p->start[k], p->types + p->start[k], p->length[k],
                                        r->prompt_skip};
            if (st) st->tokens += p->length[k];
        }
        if (!s) s = vkbert_session_encode(sess, seqs, count);
        for (uint32_t b = 0; b < count && !s; ++b) {
            float *row = out + order[i + b].index * (size_t)r->width;
            if (full) {
                if (!(s = vkbert_session_read_embedding(sess, b, full, r->full_width, NULL)))
                    matryoshka(full, r->full_width, r->width, r->d.normalize == VKBERT_NORMALIZE_OFF, row);
                continue;
            }
            s = r->d.task == VKBERT_TASK_EMBED ? vkbert_session_read_embedding(sess, b, row, r->width, NULL)
                                               : vkbert_session_read_class_logits(sess, b, row, r->width, NULL);
            if (!s && r->d.task == VKBERT_TASK_CLASSIFY && !raw) scores(row, r->width, sigmoid);
        }
        if (!s && st) {
            st->encodes++;
            st->padded_tokens += (uint64_t)count * seq;
        }
        i = j;
        if (!s && r->d.progress) r->d.progress(i, n, r->d.progress_user);
    }
    vkb_free(order);
    vkb_free(seqs);
    vkb_free(full);
    return s;
}

/* Checks, tokenizes and runs; `first` is a rerank's query. */
static vkbert_status run(vkbert_runner *r, vkbert_task task, const char *first, const char *const *texts,
                         const char *const *pairs, size_t count, float *out, size_t capacity, bool sigmoid,
                         vkbert_run_stats *st) {
    vkb_run_stats_init(st, count);
    if (!r) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "the runner is NULL");
    vkbert_context *ctx = r->ctx;
    if (r->d.task != task)
        return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "the runner was created for %s", vkb_runner_task_name(r));
    if (count == 0) return VKBERT_OK;
    if (!texts || !out) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "texts or the output is NULL");
    if (capacity / r->width < count)
        return vkb_fail(ctx, VKBERT_ERROR_BUFFER_TOO_SMALL, "%zu inputs need %zu floats; the output holds %zu", count,
                        count * (size_t)r->width, capacity);
    vkb_prepare_desc pd = {r->tok, r->d.max_seq, r->d.truncation, r->prompt, r->lower};
    vkb_prepared p;
    size_t failed = SIZE_MAX;
    vkbert_status s = vkb_prepare(ctx, &pd, texts, pairs, first, count, &p, &failed);
    if (st) {
        st->failed_index = failed;
        st->truncated = p.truncated;
    }
    if (!s) s = run_batches(r, &p, out, r->d.raw_scores, sigmoid, st);
    vkb_prepared_free(&p);
    return s;
}

vkbert_status vkbert_runner_embed(vkbert_runner *r, const char *const *texts, size_t count, float *out,
                                  size_t capacity, vkbert_run_stats *st) {
    return run(r, VKBERT_TASK_EMBED, NULL, texts, NULL, count, out, capacity, false, st);
}

vkbert_status vkbert_runner_classify(vkbert_runner *r, const char *const *texts, const char *const *pairs, size_t count,
                                     float *out, size_t capacity, vkbert_run_stats *st) {
    return run(r, VKBERT_TASK_CLASSIFY, NULL, texts, pairs, count, out, capacity,
               r && vkbert_model_sigmoid_scores(r->model), st);
}

vkbert_status vkbert_runner_rerank(vkbert_runner *r, const char *query, const char *const *texts, size_t count,
                                   float *out, vkbert_run_stats *st) {
    vkb_run_stats_init(st, count);
    if (!r) return vkb_fail(NULL, VKBERT_ERROR_INVALID_ARGUMENT, "the runner is NULL");
    if (r->d.task == VKBERT_TASK_CLASSIFY && r->width != 1)
        return vkb_fail(r->ctx, VKBERT_ERROR_UNSUPPORTED, "rerank needs a cross-encoder (a classifier of one label); "
                        "the model has %u labels", r->width);
    if (!query || !query[0])
        return vkb_fail(r->ctx, VKBERT_ERROR_INVALID_TEXT, "the query is %s", query ? "empty" : "NULL");
    return run(r, VKBERT_TASK_CLASSIFY, query, texts, NULL, count, out, count, true, st);
}
