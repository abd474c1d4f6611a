/* vkbert — command-line front end: devices, tokenize, fill-mask, encode; embed, similarity,
 * rerank and classify (cmd_embed.c, cmd_score.c); bench (bench.c). */
#include "cli.h"
#include "base/fs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



typedef struct opts {
    const char *model;
    const char *device;
    const char *pair;
    const char *hidden_path;
    const char *logits_path;
    const char *text;
    const char *precision;
    const char *ids;       /* --ids ID,ID,...: token ids in place of TEXT (encode, fill-mask) */
    int top_k;
    bool json, truncate, verbose, help;
} opts;

static const char *USAGE_MAIN =
    "usage: vkbert <command> [options]\n"
    "\n"
    "Runs BERT encoders and their heads on a Vulkan device.\n"
    "\n"
    "commands:\n"
    "  devices     list Vulkan devices with the limits and features vkbert uses\n"
    "  tokenize    show the tokens of a text (tokenizer.json or vocab.txt; no GPU needed)\n"
    "  fill-mask   the top-k words behind every mask token of many texts (Hugging Face's fill-mask)\n"
    "  predict     the most likely token at every position of a text, decoded (the MLM example)\n"
    "  score       masked-LM pseudo-log-likelihood and pseudo-perplexity of many texts\n"
    "  attention   a layer's attention probabilities as a heatmap (PNG, SVG) and JSON\n"
    "  encode      write hidden states and/or MLM logits as .npy files\n"
    "  embed       sentence embeddings of many texts (JSON as TEI's /embed, or .npy)\n"
    "  similarity  cosine similarity of a text with others (TEI's /similarity)\n"
    "  rerank      rank texts against a query with a cross-encoder (TEI's /rerank)\n"
    "  classify    every label's score from a classification head (TEI's /predict)\n"
    "  ner         named entities from a token-classification head (Hugging Face's pipeline)\n"
    "  qa          the answer to a question in a context (Hugging Face's question-answering)\n"
    "  bench       time the model on this device (per kernel, GFLOP/s, share of peak; embed throughput)\n"
    "  bench-compare  bench --json records of one or more devices as a table and a chart\n"
    "  info        what a model directory holds: family, heads, shapes, tokenizer, memory (no GPU needed)\n"
    "  serve       a local HTTP server with text-embeddings-inference's API and a demo page\n"
    "\n"
    "embed, similarity, rerank and classify take many inputs (TEXT arguments, or one per line\n"
    "with -f FILE or on standard input), cut over-long ones (--no-truncate refuses them) and\n"
    "batch them by length; with --json they print exactly the body text-embeddings-inference\n"
    "returns for the same request.\n"
    "\n"
    "Run 'vkbert <command> --help' for a command's options; a TEXT that starts with '-' goes\n"
    "after '--'. Environment: VKBERT_DEVICE chooses a device like --device; VKBERT_VALIDATION=1\n"
    "enables the Khronos validation layer.\n";

static const char *USAGE_DEVICES =
    "usage: vkbert devices [--json]\n"
    "\n"
    "Lists every Vulkan device: name, type, vendor, driver, Vulkan version, memory, and the\n"
    "limits and features vkbert uses. The index is what --device takes.\n";

static const char *USAGE_TOKENIZE =
    "usage: vkbert tokenize -m DIR [--json] [--pair TEXT] TEXT\n"
    "\n"
    "Tokenizes TEXT (and the second segment --pair) as Hugging Face's tokenizers do, with\n"
    "DIR/tokenizer.json (WordPiece, BPE, Unigram) or else DIR/vocab.txt; needs no weights.\n"
    "  -m, --model DIR   model directory: tokenizer.json, else vocab.txt (+ tokenizer_config.json)\n"
    "  --pair TEXT       second segment (token types as the tokenizer's template says)\n"
    "  --json            print input_ids, tokens, token_type_ids, offsets (code points, [0,0] for\n"
    "                    added special tokens) and special_tokens_mask\n";

static const char *USAGE_ENCODE =
    "usage: vkbert encode -m DIR [--hidden H.npy] [--logits L.npy] [--pair TEXT] [--json] TEXT | --ids ID,...\n"
    "\n"
    "Runs the encoder on TEXT and writes float32 .npy files.\n"
    "  -m, --model DIR   Hugging Face model directory\n"
    "  --ids ID,ID,...   token ids in place of TEXT, fed to the model as they are (special tokens\n"
    "                    included; every token type 0), each checked against the vocabulary\n"
    "  --hidden FILE     final hidden states, shape [tokens, hidden_size]\n"
    "  --logits FILE     MLM logits of every token, shape [tokens, vocab_size]\n"
    "  --pair TEXT       second segment (token type 1)\n"
    "  --device SEL      device index or part of its name\n"
    "  --truncate        cut texts longer than the model's positions instead of failing (an\n"
    "                    answer over every token is not cut silently, unlike embed's inputs)\n"
    "  --precision P     weights on the device: fp32, fp16 or auto (default: fastest accurate)\n"
    "  --json            print a summary (tokens, shapes, device) as JSON\n";

/* Parses options shared by all commands; returns -1 on success or an exit code. */
static int parse(int argc, char **argv, opts *o, const char *usage) {
    bool texts_only = false; /* after "--": a TEXT that starts with '-' */
    for (int i = 0; i < argc; ++i) {
        const char *a = argv[i];
        const char **val = NULL;
        if (!texts_only && !strcmp(a, "--")) {
            texts_only = true;
            continue;
        }
        if (texts_only) {
            if (o->text) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "more than one TEXT given (quote it)");
            o->text = a;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            o->help = true;
            printf("%s", usage);
            return 0;
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
        } else if (!strcmp(a, "--pair")) {
            val = &o->pair;
        } else if (!strcmp(a, "--ids")) {
            val = &o->ids;
        } else if (!strcmp(a, "--hidden")) {
            val = &o->hidden_path;
        } else if (!strcmp(a, "--logits")) {
            val = &o->logits_path;
        } else if (!strcmp(a, "--precision")) {
            val = &o->precision;
        } else if (!strcmp(a, "-k") || !strcmp(a, "--top-k")) {
            if (i + 1 >= argc) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
            char *end = NULL;
            errno = 0;
            long k = strtol(argv[++i], &end, 10);
            if (errno || !end || *end || k < 1 || k > VKBERT_MAX_TOP_K)
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "-k must be an integer from 1 to %d, not \"%s\"",
                            VKBERT_MAX_TOP_K, argv[i]);
            o->top_k = (int)k;
        } else if (a[0] == '-' && a[1] != '\0') {
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see --help)", a);
        } else {
            if (o->text) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "more than one TEXT given (quote it)");
            o->text = a;
        }
        if (val) {
            if (i + 1 >= argc) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
            *val = argv[++i];
        }
    }
    return -1;
}

static const char *type_name(vkbert_device_type t) {
    static const char *n[] = {"other", "integrated GPU", "discrete GPU", "virtual GPU", "CPU"};
    return (unsigned)t < 5 ? n[t] : "other";
}

static int cmd_devices(int argc, char **argv) {
    opts o = {0};
    int rc = parse(argc, argv, &o, USAGE_DEVICES);
    if (rc >= 0) return rc;
    if (o.text) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "devices takes no TEXT");
    vkbert_device_info infos[16];
    uint32_t n = 0;
    vkbert_status st = vkbert_devices_list(infos, 16, &n);
    if (st) return fail_status(st);
    if (n > 16) n = 16;
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; ++i) {
        const vkbert_device_info *d = &infos[i];
        char api[32];
        version_string(d->api_version, api, sizeof api);
        if (o.json) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "index", d->index);
            cJSON_AddStringToObject(j, "name", d->name);
            cJSON_AddStringToObject(j, "type", type_name(d->type));
            cJSON_AddStringToObject(j, "vendor", d->vendor);
            cJSON_AddNumberToObject(j, "vendor_id", d->vendor_id);
            cJSON_AddNumberToObject(j, "device_id", d->device_id);
            cJSON_AddStringToObject(j, "driver", d->driver_name);
            cJSON_AddStringToObject(j, "driver_info", d->driver_info);
            cJSON_AddNumberToObject(j, "driver_version", d->driver_version);
            cJSON_AddStringToObject(j, "vulkan", api);
            cJSON_AddNumberToObject(j, "device_local_bytes", (double)d->device_local_bytes);
            cJSON_AddBoolToObject(j, "host_visible_device_local", d->host_visible_device_local);
            cJSON *l = cJSON_AddObjectToObject(j, "limits");
            cJSON_AddNumberToObject(l, "max_workgroup_invocations", d->max_workgroup_invocations);
            cJSON_AddItemToObject(l, "max_workgroup_count",
                                  cJSON_CreateIntArray((const int[]){(int)d->max_workgroup_count[0],
                                                                     (int)d->max_workgroup_count[1],
                                                                     (int)d->max_workgroup_count[2]}, 3));
            cJSON_AddNumberToObject(l, "max_shared_memory_bytes", d->max_shared_memory_bytes);
            cJSON_AddNumberToObject(l, "max_push_constants_bytes", d->max_push_constants_bytes);
            cJSON_AddNumberToObject(l, "max_storage_buffer_range", d->max_storage_buffer_range);
            cJSON_AddNumberToObject(l, "max_storage_buffers_per_stage", d->max_storage_buffers_per_stage);
            cJSON_AddNumberToObject(l, "max_memory_allocation_bytes", (double)d->max_memory_allocation_bytes);
            cJSON_AddNumberToObject(l, "max_memory_allocation_count", d->max_memory_allocation_count);
            cJSON_AddNumberToObject(l, "max_texel_buffer_elements", d->max_texel_buffer_elements);
            cJSON_AddNumberToObject(l, "subgroup_size", d->subgroup_size);
            cJSON *f = cJSON_AddObjectToObject(j, "features");
            cJSON_AddBoolToObject(f, "shader_float16", d->shader_float16);
            cJSON_AddBoolToObject(f, "storage_buffer_16bit", d->storage_buffer_16bit);
            cJSON_AddBoolToObject(f, "timeline_semaphore", d->timeline_semaphore);
            cJSON_AddBoolToObject(f, "portability_subset", d->portability_subset);
            if (d->subgroup_size_max) {
                cJSON_AddNumberToObject(l, "subgroup_size_min", d->subgroup_size_min);
                cJSON_AddNumberToObject(l, "subgroup_size_max", d->subgroup_size_max);
            }
            if (d->coopmat_m)
                cJSON_AddItemToObject(f, "cooperative_matrix", cJSON_CreateIntArray((const int[]){(int)d->coopmat_m,
                                                                    (int)d->coopmat_n, (int)d->coopmat_k}, 3));
            else
                cJSON_AddNullToObject(f, "cooperative_matrix");
            cJSON_AddItemToArray(arr, j);
        } else {
            printf("%u: %s\n", d->index, d->name);
            printf("   type %s, vendor %s (0x%04x), device 0x%04x\n", type_name(d->type), d->vendor, d->vendor_id,
                   d->device_id);
            printf("   driver %s %s, Vulkan %s\n", d->driver_name[0] ? d->driver_name : "(unknown)", d->driver_info,
                   api);
            printf("   device-local memory %.1f GiB%s\n", (double)d->device_local_bytes / (1u << 30),
                   d->host_visible_device_local ? " (host-visible: uploads skip staging)" : "");
            printf("   workgroup: %u invocations, %u bytes shared; push constants %u bytes; subgroup %u\n",
                   d->max_workgroup_invocations, d->max_shared_memory_bytes, d->max_push_constants_bytes,
                   d->subgroup_size);
            printf("   storage buffer range %u bytes, %u per stage; allocation %llu bytes, %u allocations; "
                   "texel buffers %u elements\n",
                   d->max_storage_buffer_range, d->max_storage_buffers_per_stage,
                   (unsigned long long)d->max_memory_allocation_bytes, d->max_memory_allocation_count,
                   d->max_texel_buffer_elements);
            printf("   float16 arithmetic %s, 16-bit storage %s, timeline semaphores %s\n",
                   d->shader_float16 ? "yes" : "no", d->storage_buffer_16bit ? "yes" : "no",
                   d->timeline_semaphore ? "yes" : "no");
            if (d->subgroup_size_max)
                printf("   subgroup sizes %u to %u (subgroup size control)\n", d->subgroup_size_min, d->subgroup_size_max);
            if (d->coopmat_m)
                printf("   cooperative matrix: %ux%ux%u float16 tiles, float32 accumulators\n", d->coopmat_m, d->coopmat_n,
                       d->coopmat_k);
            else
                printf("   cooperative matrix: none (VK_KHR_cooperative_matrix with float16 x float16 + float32)\n");
            if (d->portability_subset)
                printf("   portability driver (VK_KHR_portability_subset, as MoltenVK)\n");
            if (d->api_version < ((1u << 22) | (1u << 12))) /* VK_API_VERSION_1_1 */
                printf("   not usable: vkbert needs Vulkan 1.1\n");
        }
    }
    /* -v: the options a context resolves from the environment, on the device it would choose */
    vkbert_context *ctx = NULL;
    if (o.verbose &&
        vkbert_context_create(&(vkbert_context_desc){.log = on_log, .log_user = &o.verbose},
                              &ctx) != VKBERT_OK)
        fprintf(stderr, "vkbert: no usable device for the options: %s\n", vkbert_last_error());
    if (ctx && !o.json) {
        char line[1024];
        options_text(ctx, line, sizeof line);
        printf("device %u would run with %s\n", vkbert_context_device(ctx)->index, line);
    }
    if (o.json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddItemToObject(root, "devices", arr);
        if (ctx) cJSON_AddItemToObject(root, "options", options_json(ctx));
        char *s = cJSON_PrintUnformatted(root);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(root);
    } else {
        cJSON_Delete(arr);
    }
    vkbert_context_destroy(ctx);
    return 0;
}

static void print_json(cJSON *root) {
    char *s = cJSON_PrintUnformatted(root);
    if (s) printf("%s\n", s);
    free(s);
    cJSON_Delete(root);
}

static int need_model_and_text(const opts *o, const char *cmd) {
    if (!o->model)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a model directory: -m DIR (see --help)", cmd);
    if (o->ids && (o->text || o->pair))
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s takes --ids or TEXT (and --pair), not both", cmd);
    if (!o->text && !o->ids) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a TEXT argument", cmd);
    return -1;
}

int cli_parse_ids(const char *list, const vkbert_model *model, int32_t **ids, int32_t **types, size_t *n) {
    uint32_t vocab = vkbert_model_get_config(model)->vocab_size;
    size_t cap = 1;
    for (const char *p = list; *p; ++p) cap += *p == ',';
    *ids = malloc(cap * sizeof **ids);
    *types = calloc(cap, sizeof **types);
    if (!*ids || !*types) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    *n = 0;
    for (const char *p = list;; ++p) {
        char *end = NULL;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || (*end && *end != ','))
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--ids: \"%.40s\" is not a comma-separated list of "
                        "integers", p);
        if (v < 0 || v >= (long)vocab)
            return fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "--ids: id %ld (token %zu) is outside the model's vocabulary "
                        "[0, %u)", v, *n, vocab);
        (*ids)[(*n)++] = (int32_t)v;
        p = end;
        if (!*p) return -1;
    }
}

/* The input's ids: --ids, or TEXT (and --pair) through the model's tokenizer. */
static int input_ids(const opts *o, const vkbert_model *model, int32_t **ids, int32_t **types, size_t *n) {
    if (o->ids) return cli_parse_ids(o->ids, model, ids, types, n);
    vkbert_status st = cli_encode(vkbert_model_tokenizer(model), o->text, o->pair, ids, types, n);
    return st ? fail_status(st) : -1;
}

/* For each byte b of UTF-8 text `s` (and its end), the code-point index: the offsets a
 * Python string would use. NULL when out of memory; an empty table for s NULL. */
static size_t *code_points(const char *s) {
    size_t len = s ? strlen(s) : 0, *cp = malloc((len + 1) * sizeof *cp);
    if (!cp) return NULL;
    cp[0] = 0;
    for (size_t i = 0; i < len; ++i) cp[i + 1] = cp[i] + (((unsigned char)s[i] & 0xC0) != 0x80);
    return cp;
}

/* As cli_encode(), with each token's byte offsets too. */
static vkbert_status tokenize_offsets(const vkbert_tokenizer *tok, const opts *o, int32_t **ids, int32_t **types,
                                      vkbert_offset **offs, uint8_t **mask, size_t *n) {
    size_t cap = 256, tl = strlen(o->text), pl = o->pair ? strlen(o->pair) : 0;
    for (;;) {
        *ids = realloc(*ids, cap * sizeof **ids);
        *types = realloc(*types, cap * sizeof **types);
        *offs = realloc(*offs, cap * sizeof **offs);
        *mask = realloc(*mask, cap);
        if (!*ids || !*types || !*offs || !*mask) return VKBERT_ERROR_OUT_OF_HOST_MEMORY;
        vkbert_status st =
            vkbert_tokenizer_encode_special(tok, o->text, tl, o->pair, pl, *ids, *types, *offs, *mask, cap, n);
        if (st != VKBERT_ERROR_BUFFER_TOO_SMALL) return st;
        cap = *n;
    }
}

static int cmd_tokenize(int argc, char **argv) {
    opts o = {0};
    int rc = parse(argc, argv, &o, USAGE_TOKENIZE);
    if (rc >= 0) return rc;
    if ((rc = need_model_and_text(&o, "tokenize")) >= 0) return rc;
    if (o.ids) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "tokenize takes TEXT, not --ids");
    vkbert_tokenizer *tok;
    vkbert_status st = vkbert_tokenizer_load(o.model, &tok);
    if (st) return fail_status(st);
    int32_t *ids = NULL, *types = NULL;
    vkbert_offset *offs = NULL;
    uint8_t *mask = NULL;
    size_t n = 0, in_text = 0; /* in_text: tokens of the first text (the pair's come after them) */
    st = tokenize_offsets(tok, &o, &ids, &types, &offs, &mask, &n);
    if (!st && o.pair) {
        size_t n1 = 0;
        uint8_t *m1 = malloc(n);
        st = m1 ? vkbert_tokenizer_encode_special(tok, o.text, strlen(o.text), NULL, 0, NULL, NULL, NULL, m1, n, &n1)
                : VKBERT_ERROR_OUT_OF_HOST_MEMORY;
        for (size_t i = 0; !st && i < n1; ++i) in_text += !m1[i];
        free(m1);
    }
    if (st) {
        rc = fail_status(st);
    } else if (o.json) {
        size_t *cp[2] = {code_points(o.text), code_points(o.pair)}; /* pair offsets count from the pair */
        if (!cp[0] || !cp[1]) {
            free(cp[0]);
            free(cp[1]);
            rc = fail_status(VKBERT_ERROR_OUT_OF_HOST_MEMORY);
            goto done;
        }
        cJSON *root = cJSON_CreateObject();
        cJSON *a = cJSON_AddArrayToObject(root, "input_ids"), *t = cJSON_AddArrayToObject(root, "tokens"),
              *y = cJSON_AddArrayToObject(root, "token_type_ids"), *f = cJSON_AddArrayToObject(root, "offsets"),
              *sm = cJSON_AddArrayToObject(root, "special_tokens_mask");
        size_t seen = 0;
        for (size_t i = 0; i < n; ++i) {
            cJSON_AddItemToArray(a, cJSON_CreateNumber(ids[i]));
            cJSON_AddItemToArray(t, cJSON_CreateString(vkbert_tokenizer_token(tok, ids[i])));
            cJSON_AddItemToArray(y, cJSON_CreateNumber(types[i]));
            const size_t *c = cp[o.pair && !mask[i] && seen++ >= in_text];
            int span[2] = {(int)c[offs[i].start], (int)c[offs[i].end]};
            cJSON_AddItemToArray(f, cJSON_CreateIntArray(span, 2));
            cJSON_AddItemToArray(sm, cJSON_CreateNumber(mask[i]));
        }
        free(cp[0]);
        free(cp[1]);
        print_json(root);
        rc = 0;
    } else {
        for (size_t i = 0; i < n; ++i) printf("%d\t%s\t%d\n", ids[i], vkbert_tokenizer_token(tok, ids[i]), types[i]);
        rc = 0;
    }
done:
    free(ids);
    free(types);
    free(offs);
    free(mask);
    vkbert_tokenizer_destroy(tok);
    return rc;
}

/* Context + model for the GPU commands. */
static int open_model(opts *o, vkbert_context **ctx, vkbert_model **model) {
    return open_model_dir(o->model, o->device, o->precision, &o->verbose, ctx, model);
}

/* Applies the model's position limit: an error, or with --truncate the end is cut. */
static int fit_positions(const opts *o, const vkbert_model *model, int32_t *ids, size_t *n) {
    uint32_t max = vkbert_model_get_config(model)->max_tokens;
    if (*n <= max) return -1;
    if (!o->truncate)
        return fail(1, VKBERT_ERROR_TOO_LONG, "the text is %zu tokens; the model allows %u (use --truncate to cut it)",
                    *n, max);
    ids[max - 1] = ids[*n - 1]; /* keep the final [SEP] */
    *n = max;
    return -1;
}

static int cmd_encode(int argc, char **argv) {
    opts o = {0};
    int rc = parse(argc, argv, &o, USAGE_ENCODE);
    if (rc >= 0) return rc;
    if ((rc = need_model_and_text(&o, "encode")) >= 0) return rc;
    if (!o.hidden_path && !o.logits_path && !o.json)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "encode needs --hidden FILE and/or --logits FILE (or --json)");
    vkbert_context *ctx = NULL;
    vkbert_model *model = NULL;
    vkbert_session *s = NULL;
    int32_t *ids = NULL, *types = NULL;
    float *buf = NULL;
    size_t n = 0;
    if ((rc = open_model(&o, &ctx, &model)) >= 0) return rc;
    const vkbert_model_config *c = vkbert_model_get_config(model);
    vkbert_status st = VKBERT_OK;
    if ((rc = input_ids(&o, model, &ids, &types, &n)) >= 0) goto done;
    if ((rc = fit_positions(&o, model, ids, &n)) >= 0) goto done;
    if (o.logits_path && !vkbert_model_has_mlm_head(model)) {
        rc = fail(1, VKBERT_ERROR_UNSUPPORTED, "%s has no MLM head: --logits is not available", o.model);
        goto done;
    }
    st = vkbert_session_create(model, &(vkbert_session_desc){.max_seq = (uint32_t)n,
                                                             .head = o.logits_path ? VKBERT_HEAD_ALL : VKBERT_HEAD_NONE,
                                                             .keep_logits = o.logits_path != NULL}, &s);
    if (!st) st = vkbert_session_encode(s, &(vkbert_sequence){ids, types, (uint32_t)n}, 1);
    if (st) {
        rc = fail_status(st);
        goto done;
    }
    size_t width = c->hidden_size > c->vocab_size ? c->hidden_size : c->vocab_size;
    buf = malloc(n * width * sizeof(float));
    if (!buf) {
        rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
        goto done;
    }
    if (o.hidden_path) {
        size_t need;
        st = vkbert_session_read_hidden(s, 0, buf, n * width, &need);
        if (st) { rc = fail_status(st); goto done; }
        if (!write_npy(o.hidden_path, buf, n, c->hidden_size)) {
            rc = fail(1, VKBERT_ERROR_IO, "cannot write %s: %s", o.hidden_path, strerror(errno));
            goto done;
        }
    }
    if (o.logits_path) {
        for (uint32_t r = 0; r < n; ++r) {
            st = vkbert_session_read_logits(s, r, buf + (size_t)r * c->vocab_size, c->vocab_size, NULL);
            if (st) { rc = fail_status(st); goto done; }
        }
        if (!write_npy(o.logits_path, buf, n, c->vocab_size)) {
            rc = fail(1, VKBERT_ERROR_IO, "cannot write %s: %s", o.logits_path, strerror(errno));
            goto done;
        }
    }
    if (o.json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddNumberToObject(root, "tokens", (double)n);
        cJSON_AddNumberToObject(root, "hidden_size", c->hidden_size);
        cJSON_AddNumberToObject(root, "vocab_size", c->vocab_size);
        cJSON_AddStringToObject(root, "device", vkbert_context_device(ctx)->name);
        if (o.hidden_path) cJSON_AddStringToObject(root, "hidden", o.hidden_path);
        if (o.logits_path) cJSON_AddStringToObject(root, "logits", o.logits_path);
        print_json(root);
    }
    rc = 0;
done:
    free(buf);
    free(ids);
    free(types);
    vkbert_session_destroy(s);
    vkbert_model_destroy(model);
    vkbert_context_destroy(ctx);
    return rc;
}

static int run(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "%s", USAGE_MAIN);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        printf("%s", USAGE_MAIN);
        return 0;
    }
    if (!strcmp(cmd, "--version")) return cmd_version();
    if (!strcmp(cmd, "devices")) return cmd_devices(argc - 2, argv + 2);
    if (!strcmp(cmd, "tokenize")) return cmd_tokenize(argc - 2, argv + 2);
    if (!strcmp(cmd, "fill-mask")) return cmd_fill_mask(argc - 2, argv + 2);
    if (!strcmp(cmd, "predict")) return cmd_predict(argc - 2, argv + 2);
    if (!strcmp(cmd, "score")) return cmd_mlm_score(argc - 2, argv + 2);
    if (!strcmp(cmd, "attention")) return cmd_attention(argc - 2, argv + 2);
    if (!strcmp(cmd, "encode")) return cmd_encode(argc - 2, argv + 2);
    if (!strcmp(cmd, "embed")) return cmd_embed(argc - 2, argv + 2);
    if (!strcmp(cmd, "similarity")) return cmd_similarity(argc - 2, argv + 2);
    if (!strcmp(cmd, "rerank")) return cmd_rerank(argc - 2, argv + 2);
    if (!strcmp(cmd, "classify")) return cmd_classify(argc - 2, argv + 2);
    if (!strcmp(cmd, "ner")) return cmd_ner(argc - 2, argv + 2);
    if (!strcmp(cmd, "qa")) return cmd_qa(argc - 2, argv + 2);
    if (!strcmp(cmd, "bench")) return cmd_bench(argc - 2, argv + 2);
    if (!strcmp(cmd, "bench-compare")) return cmd_bench_compare(argc - 2, argv + 2);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 2, argv + 2);
    if (!strcmp(cmd, "serve")) {
#if VKBERT_HAVE_SERVE
        return cmd_serve(argc - 2, argv + 2);
#else
        return fail(1, VKBERT_ERROR_UNSUPPORTED, "this vkbert was built without the server (vkbert serve needs "
                                                 "libmicrohttpd: apt-get install libmicrohttpd-dev, then rebuild)");
#endif
    }
    return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown command \"%s\" (see vkbert --help)", cmd);
}

#if defined(_WIN32)
int wmain(int argc, wchar_t **wargv) { return vkb_wmain(argc, wargv, run); } /* UTF-8 arguments, "\n" line ends */
#else
int main(int argc, char **argv) { return run(argc, argv); }
#endif
