/* Internal to the CLI (apps/). */
#ifndef VKBERT_CLI_H
#define VKBERT_CLI_H
#include <stdbool.h>
#include <stdio.h>
#include <vkbert.h>

#define EXIT_USAGE 2

/* printf-format checks; mingw's of the C99 printf that __USE_MINGW_ANSI_STDIO=1 gives, not of
 * Microsoft's (as vkb_internal.h's VKB_PRINTF) */
#if defined(__MINGW32__)
#  define CLI_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#  define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#  define CLI_PRINTF(a, b)
#endif

extern bool g_json;
/* One clear line on stderr ("vkbert: error: ..."); with --json also a JSON error object
 * on stdout. Returns `code`. */
int fail(int code, vkbert_status st, const char *fmt, ...);
int fail_status(vkbert_status st);
/* An error fail() kept instead of saying it. */
typedef struct cli_error {
    bool set;             /* fail() was called */
    int code;             /* the exit code the command returns */
    vkbert_status status;
    char message[1536];   /* the line it would have printed, without "vkbert: error: " */
} cli_error;
/* While `sink` is set on the calling thread (NULL: no more), fail() records the first error in it
 * and prints nothing: the server's routes (apps/serve) run the commands' own code on their device
 * thread and answer its errors over HTTP. */
void cli_capture_errors(cli_error *sink);
/* "vkbert: " and the message on stderr, a line: a warning or a note beside the results (nothing
 * while errors are captured: a server's client reads no stderr). */
void cli_note(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Log callback; `user` points to a bool: verbose. */
void on_log(vkbert_log_level level, const char *msg, void *user);
int cmd_bench(int argc, char **argv);
/* bench_compare.c: vkbert bench-compare (bench --json records as a table and a chart). */
int cmd_bench_compare(int argc, char **argv);
/* -1 when `path` names a chart this build writes (.png, .svg), else the exit code (said). */
int check_plot_path(const char *path);
/* bench_tok.c: vkbert bench --tokenizer (no device); the exit code. */
int bench_tokenizer(const char *dir, const char *text_path, const char *save_text, int iters, int warmup, bool json);
/* "1.3.230" from a Vulkan version number. */
void version_string(uint32_t version, char *buf, size_t n);

struct cJSON;
/* What a context was created with after the environment (vkbert_context_options) and what
 * it then runs, as one line of text and as a JSON object. */
void options_text(const vkbert_context *ctx, char *buf, size_t n);
struct cJSON *options_json(const vkbert_context *ctx);

/* A context on `device` (NULL: automatic) with weights in `precision` ("fp32", "fp16",
 * "auto" or NULL) and the model of directory `dir` on it. -1 on success, else the exit code
 * (the error said); *verbose must outlive the context (its log callback reads it). */
int open_model_dir(const char *dir, const char *device, const char *precision, bool *verbose,
                   vkbert_context **ctx, vkbert_model **model);
/* Writes a float32 C-order .npy file of shape [rows, cols] through a temporary file in the
 * same directory, renamed into place: on any error nothing is left at `path` (an older file
 * stays as it was). false with errno set on failure. */
bool write_npy(const char *path, const float *data, size_t rows, size_t cols);

/* Tokenizes text (and pair, NULL for none) with special tokens into *ids and *types (grown
 * with realloc; free them). The tokenizer's status. */
vkbert_status cli_encode(const vkbert_tokenizer *tok, const char *text, const char *pair, int32_t **ids, int32_t **types,
                         size_t *n);
/* --ids "0,713,50264,2": the ids as given (every token type 0; *ids, *types malloc'd), each
 * checked against the model's vocabulary. -1 on success, else the exit code (the error said). */
int cli_parse_ids(const char *list, const vkbert_model *model, int32_t **ids, int32_t **types, size_t *n);

/* cmd_fill.c: fill-mask (many inputs, targets) and predict (the argmax at every token). */
int cmd_fill_mask(int argc, char **argv);
int cmd_predict(int argc, char **argv);
/* cmd_pll.c: vkbert score, masked-LM pseudo-log-likelihoods (vkbert_runner_score). */
int cmd_mlm_score(int argc, char **argv);
/* cmd_attention.c: vkbert attention, a layer's attention probabilities as a heatmap and JSON. */
int cmd_attention(int argc, char **argv);

/* ---- many texts: embed, similarity (cmd_embed.c), rerank, classify (cmd_score.c) ---- */
int cmd_embed(int argc, char **argv);
int cmd_similarity(int argc, char **argv);
int cmd_rerank(int argc, char **argv);
int cmd_classify(int argc, char **argv);
/* cmd_info.c: vkbert info (no device), and vkbert --version. */
int cmd_info(int argc, char **argv);
int cmd_version(void);
/* serve/serve.c: vkbert serve, the HTTP server (builds with libmicrohttpd; vkbert.c says when absent). */
int cmd_serve(int argc, char **argv);
/* cmd_ner.c, cmd_qa.c: token classification and question answering (Hugging Face's pipelines). */
int cmd_ner(int argc, char **argv);
int cmd_qa(int argc, char **argv);

/* inputs.c: the texts of one command, read from arguments, a file or standard input, each
 * checked (not empty, valid UTF-8, no NUL byte) before any model runs. */
typedef struct cli_inputs {
    char **texts;        /* `count` NUL-terminated UTF-8 texts */
    size_t count;
    size_t *lines;       /* from a file: each text's line number (1-based); NULL for arguments */
    const char *source;  /* the file's name, "standard input", or NULL: TEXT arguments */
    char *data;          /* a file's bytes, which the texts point into */
} cli_inputs;

/* The byte offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or n when all n bytes are valid. */
size_t utf8_invalid_at(const unsigned char *s, size_t n);
/* Checks one text given on the command line; `what` names it in the error ("the QUERY").
 * -1 when it is fine, else the exit code (the error said). */
int check_text(const char *what, const char *text);
/* TEXT arguments args[0..n) as inputs (checked). -1 or the exit code. */
int inputs_from_args(char **args, size_t n, cli_inputs *in);
/* One input per line of `path` ("-": standard input); a trailing "\r" is dropped, as is a
 * UTF-8 byte-order mark before the first line. An empty line, invalid UTF-8 or a NUL byte is
 * an error naming the line. -1 or the exit code. */
int inputs_from_file(const char *path, cli_inputs *in);
/* "line 3 of FILE", "line 3 of standard input" or "TEXT 3" for input i (0-based). */
void inputs_name(const cli_inputs *in, size_t i, char *buf, size_t n);
void inputs_free(cli_inputs *in);

/* batch.c: what the four commands share: options, the runner, progress, JSON numbers. */
enum {
    BATCH_POOLING = 1u << 0,    /* --pooling, --prompt-name */
    BATCH_NORMALIZE = 1u << 1,  /* --normalize, --no-normalize, --dimensions */
    BATCH_OUT = 1u << 2,        /* -o FILE */
    BATCH_MATRIX = 1u << 3,     /* --matrix */
    BATCH_TEXT = 1u << 4,       /* --return-text */
    BATCH_RAW = 1u << 5,        /* --raw-scores */
    BATCH_PAIR = 1u << 6        /* --pair TEXT */
};

typedef struct batch_opts {
    const char *cmd;  /* "embed", ... for messages */
    const char *model, *device, *precision, *file, *prompt_name, *out, *pair;
    vkbert_pooling pooling;
    vkbert_normalize normalize;
    vkbert_truncation truncation;
    uint32_t max_batch_tokens, max_batch;
    uint32_t dimensions;  /* --dimensions: a Matryoshka width (0: the model's) */
    char **args;      /* positional arguments, in order */
    size_t nargs;
    bool json, verbose, return_text, raw_scores, matrix;
} batch_opts;

/* Parses argv for command `cmd`, which accepts the common options and those in `allowed`
 * (BATCH_*). -1 on success (free o->args with batch_opts_free), else the exit code (0 after
 * --help). */
int batch_parse(const char *cmd, int argc, char **argv, unsigned allowed, const char *usage, batch_opts *o);
void batch_opts_free(batch_opts *o);
/* The inputs after the first `lead` positional arguments (SOURCE, QUERY): those arguments, or
 * -f FILE, or standard input when it is not a terminal and no TEXT was given. Also checks
 * -m. -1 or the exit code. */
int batch_inputs(const batch_opts *o, size_t lead, const char *lead_names, cli_inputs *in);

/* Context, model and runner of `task` for the options. -1 or the exit code (nothing left
 * open then). */
typedef struct batch_run {
    vkbert_context *ctx;
    vkbert_model *model;
    vkbert_runner *runner;
    bool verbose;                /* the log callback's flag */
    struct batch_progress {
        bool enabled;            /* stderr is a terminal, or the run is long */
        bool open;               /* a progress line was printed and not yet ended */
        unsigned percent;        /* the last percentage printed */
    } progress;
} batch_run;
int batch_open(const batch_opts *o, vkbert_task task, size_t count, batch_run *r);
/* Progress "vkbert: 3 of 9 inputs (33%)" rewritten in place on stderr while p->enabled (stderr a
 * terminal, not --json); a new line only when the percentage moves. _end finishes the line. */
void batch_progress_update(struct batch_progress *p, size_t done, size_t total);
void batch_progress_end(struct batch_progress *p);
void batch_close(batch_run *r);
/* After a runner call: ends the progress line; on success says how many inputs were cut. */
void batch_done(batch_run *r, vkbert_status st, const vkbert_run_stats *stats);
/* The error of a failed runner call, naming the input stats->failed_index when it names one;
 * `name` writes that input's name (NULL: the inputs are `in`'s). */
int batch_fail(vkbert_status st, const vkbert_run_stats *stats, const cli_inputs *in,
               void (*name)(size_t index, char *buf, size_t n, const void *user), const void *user);
/* The same with `too_long_hint` said after a VKBERT_ERROR_TOO_LONG ("truncation is off:
 * --no-truncate" above; NULL: nothing). */
int batch_fail_hint(vkbert_status st, const vkbert_run_stats *stats, const cli_inputs *in,
                    void (*name)(size_t index, char *buf, size_t n, const void *user), const void *user,
                    const char *too_long_hint);

/* Flushes standard output: -1, or the exit code when it could not be written (a full disk). */
int batch_flush_stdout(void);
/* The options every one of these commands takes, for its --help. */
#define BATCH_USAGE_COMMON \
    "  -m, --model DIR        model directory\n" \
    "  -f, --file FILE        one input per line (\"-\": standard input, which is also read when no TEXT\n" \
    "                         is given and it is not a terminal); an empty line or one that is not\n" \
    "                         UTF-8 is an error naming the line, before anything runs\n" \
    "  --truncation-direction D  where an input longer than the model's max_seq_length is cut:\n" \
    "                         right (default: the start is kept) or left (the end is kept)\n" \
    "  --no-truncate          an over-long input is an error naming it, instead of being cut\n" \
    "  --max-batch-tokens N   padded tokens per encode (default 16384)\n" \
    "  --max-batch N          inputs per encode (default 128)\n" \
    "  --device SEL           device index or part of its name (see 'vkbert devices')\n" \
    "  --precision P          weights on the device: fp32, fp16 or auto (default: fastest accurate)\n" \
    "  --verbose              log device and driver messages to stderr\n" \
    "Inputs are sorted by length and batched; how many were cut is said on stderr; progress goes\n" \
    "to stderr when it is a terminal (never in a pipe or with --json). Errors are one line on\n" \
    "stderr (with --json also {\"error\":{...}} on stdout) and nothing is written.\n"

/* JSON as serde_json (TEI) writes it: an f32 in its shortest round-trip form ("0.5", "1.0",
 * "1e-7"; null when not finite), a string with serde's escapes. */
void json_f32(FILE *f, float x);
void json_string(FILE *f, const char *s);
/* tei_json.c: text-embeddings-inference's bodies, for --json and for vkbert serve. */
/* /embed: [[f32,...],...], n rows of dim floats. */
void tei_embed_body(FILE *f, const float *e, size_t n, uint32_t dim);
/* The cosine of rows a and b of e (in double); 0 where either is all zeros. */
float tei_cosine(const float *e, uint32_t dim, size_t a, size_t b);
/* /similarity: [f32,...], the cosine of row 0 with each of rows 1..n-1. */
void tei_similarity_body(FILE *f, const float *e, size_t n, uint32_t dim);
typedef struct tei_ranked {
    float score;
    size_t index;
} tei_ranked;
/* The n scores best first (equal scores in input order); malloc'd, NULL when out of memory. */
tei_ranked *tei_rank(const float *scores, size_t n);
/* /rerank: [{"index":I,("text":T,)"score":S},...] in `order`; texts NULL: no "text". */
void tei_rerank_body(FILE *f, const tei_ranked *order, size_t n, const char *const *texts);
/* Label id's name (config.json's id2label), or "LABEL_<id>" written to fallback. */
const char *tei_label(const vkbert_model *model, uint32_t id, char *fallback, size_t n);
/* /predict for one input: [{"score":S,"label":L},...] best first. false when out of memory. */
bool tei_predictions_body(FILE *f, const vkbert_model *model, const float *scores, uint32_t labels);

/* The first bytes of `text` for a readable line: at most `max` bytes, cut at a character
 * boundary, with "..." when cut; line breaks and tabs become spaces. */
void text_preview(const char *text, size_t max, char *buf, size_t n);

/* ---- Each command's work on an open model, writing what the command prints to `out`: the
 * CLI's command (to stdout, after its options) and vkbert serve's routes (apps/serve/
 * routes_tasks.c: a response body) run this one code. JSON goes without the line break the CLI
 * ends it with. -1 on success, else the exit code, the error said through fail() (or captured:
 * cli_capture_errors). ---- */

/* An input's name in messages ("TEXT 2", "inputs[1]"): input i of `user`'s. */
typedef void (*cli_name_fn)(size_t i, char *buf, size_t n, const void *user);

/* cmd_fill.c: fill-mask's predictions for every mask of every input (batched on the device). */
typedef enum fill_output {
    FILL_TEXT,        /* the CLI's text */
    FILL_JSON_LINES,  /* one object a line, each line ended */
    FILL_JSON_ARRAY,  /* [object,...] */
    FILL_JSON_ONE     /* the one input's object */
} fill_output;
typedef struct fill_request {
    const char *model_dir;           /* the model, in messages */
    char *const *texts;              /* `count` inputs, checked (check_text) */
    size_t count;
    const char *pair;                /* the one input's second segment, or NULL */
    const char *ids;                 /* --ids ID,...: the one input as ids instead of texts[0], or NULL */
    const char *const *targets;      /* `target_count` words to score only, or NULL: the whole vocabulary */
    size_t target_count;
    uint32_t top_k;                  /* 1 to VKBERT_MAX_TOP_K */
    bool truncate;                   /* cut an input longer than the model's positions, else an error */
    fill_output output;
    const char *truncate_hint;       /* how a too-long error says to cut: "use --truncate to cut it" */
    const char *targets_name;        /* how errors name the targets: "--targets" */
    cli_name_fn name;                /* input i's name in messages */
    const void *name_user;
    struct batch_progress *progress; /* NULL: none */
} fill_request;
int fill_mask_run(vkbert_model *model, const fill_request *rq, FILE *out);

/* cmd_pll.c: scores `in`'s texts with r's runner (a VKBERT_TASK_SCORE one; r->model its model)
 * and writes them; an error names the input through `name` (NULL: inputs_name) and says
 * `too_long_hint` after a VKBERT_ERROR_TOO_LONG. */
int mlm_score_run(batch_run *r, const cli_inputs *in, cli_name_fn name, const void *user, const char *too_long_hint,
                  bool json, FILE *out);

/* cmd_ner.c: the entities of `text` (vkbert_runner_ner with runner, a VKBERT_TASK_TOKEN_CLASSIFY
 * runner of model) as the pipeline's list (json) or lines of text. */
int ner_run(const vkbert_model *model, vkbert_runner *runner, const char *text, const vkbert_ner_options *o, bool json,
            FILE *out);
/* cmd_attention.c: layer `layer`'s attention probabilities of one text, as JSON and/or a heatmap. */
typedef struct attention_request {
    const char *text, *pair;   /* checked; pair NULL for none */
    long layer;                /* 0 to layers - 1 (else an error naming --layer) */
    const char *head;          /* a head's number, or NULL or "all": every head */
    const char *picture;       /* -o FILE.png|FILE.svg, or NULL */
    bool json, truncate;       /* truncate: cut a text over 512 tokens (or the model's), else an error */
    const char *truncate_hint; /* how a too-long error says to cut: "use --truncate to cut it" */
} attention_request;
int attention_run(vkbert_model *model, const attention_request *rq, FILE *out);
/* cmd_qa.c: the answers to `question` in `context` (a VKBERT_TASK_QA runner), best first. */
int qa_run(vkbert_runner *runner, const char *question, const char *context, const vkbert_qa_options *o, bool json,
           FILE *out);

#endif
