/* vkbert bench --tokenizer: the tokenizer alone, on the CPU (no device). Every non-empty
 * line of a text is one input (as a corpus is tokenized for embedding), encoded with the
 * model's special tokens and no truncation; the figure is the text's UTF-8 megabytes (10^6
 * bytes) per second, one thread, over --iters passes after --warmup ones (median and best).
 * Without --text a deterministic multilingual text of about 8 MB is made up.
 * scripts/tokenizer-speed.sh sets it against Hugging Face's Rust tokenizers on the same file. */
#include "cli.h"
#include "base/clock.h"

#include "base/fs.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Sentences of several scripts, numbered per line so no two lines are the same. */
static char *made_up_text(size_t target, size_t *size) {
    static const char *const S[] = {
        "The capital of France is Paris, and the city has about %u thousand inhabitants.",
        "Tokenizers split text into pieces; byte-level BPE merges pairs by rank (%u merges here).",
        "Café naïve résumé: accents, ligatures like ﬁ and ﬂ, and full-width ＡＢＣ %u.",
        "Die Hauptstadt von Deutschland ist Berlin – sie hat %u Bezirke und viele Brücken.",
        "北京是中国的首都。東京は日本の首都です。서울은 한국의 수도입니다 %u.",
        "Москва — столица России; в ней %u станций метро.",
        "Emoji and symbols 😀🚀 ∑ ∞ ≠ are text too: %u of them per page.",
        "int main(void) { return printf(\"%%d\\n\", %u) < 0; } // code is a text as well",
        "   leading spaces, double  spaces,\ttabs and trailing ones %u   ",
        "Ελληνικά, עברית, العربية, हिन्दी and ไทย share one line with line number %u."};
    size_t cap = target + 512, n = 0;
    char *t = malloc(cap);
    if (!t) return NULL;
    for (unsigned i = 0; n < target; ++i) {
        int w = snprintf(t + n, cap - n, S[i % (sizeof S / sizeof S[0])], i);
        if (w < 0 || (size_t)w >= cap - n - 1) break;
        n += (size_t)w;
        t[n++] = '\n';
    }
    t[n] = 0;
    *size = n;
    return t;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One pass over every line: the tokens made, or -1 (the error said). */
static long long pass(const vkbert_tokenizer *tok, const cli_inputs *in, const size_t *lens, int32_t **ids,
                      size_t *cap) {
    long long tokens = 0;
    for (size_t i = 0; i < in->count; ++i) {
        size_t count = 0;
        vkbert_status st;
        while ((st = vkbert_tokenizer_encode_bytes(tok, in->texts[i], lens[i], NULL, 0, *ids, NULL, *cap, &count)) ==
               VKBERT_ERROR_BUFFER_TOO_SMALL) {
            int32_t *grown = realloc(*ids, count * sizeof **ids);
            if (!grown) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory"), -1;
            *ids = grown;
            *cap = count;
        }
        if (st) {
            char what[320];
            inputs_name(in, i, what, sizeof what);
            fail(1, st, "%s: %s", what, vkbert_last_error());
            return -1;
        }
        tokens += (long long)count;
    }
    return tokens;
}

/* The made-up text's lines as inputs (they point into in->data); written to `save` first
 * when that is not NULL. */
static int made_up_inputs(cli_inputs *in, const char *save) {
    *in = (cli_inputs){0};
    size_t size = 0;
    if (!(in->data = made_up_text(8u << 20, &size))) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    if (save) {
        errno = 0;
        FILE *f = vkb_fopen(save, "wb");
        bool ok = f && fwrite(in->data, 1, size, f) == size;
        if (f && fclose(f) != 0) ok = false;
        if (!ok) return fail(1, VKBERT_ERROR_IO, "cannot write %s: %s", save, strerror(errno ? errno : EIO));
    }
    size_t n = 0;
    for (size_t i = 0; i < size; ++i) n += in->data[i] == '\n';
    if (!(in->texts = malloc(n * sizeof *in->texts))) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    for (char *p = in->data, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        *nl = 0;
        in->texts[in->count++] = p;
    }
    in->source = "made-up text";
    return -1;
}

int bench_tokenizer(const char *dir, const char *text_path, const char *save_text, int iters, int warmup, bool json) {
    if (!dir) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--tokenizer needs -m DIR (its tokenizer files)");
    cli_inputs in;
    int rc = text_path ? inputs_from_file(text_path, &in) : made_up_inputs(&in, save_text);
    if (rc >= 0) {
        inputs_free(&in);
        return rc;
    }
    rc = 0;
    vkbert_tokenizer *tok = NULL;
    double t0 = vkb_now_ms();
    vkbert_status st = vkbert_tokenizer_load(dir, &tok);
    double load_ms = vkb_now_ms() - t0;
    if (st) rc = fail_status(st);
    size_t cap = 4096, bytes = 0;
    int32_t *ids = malloc(cap * sizeof *ids);
    double *secs = calloc((size_t)iters, sizeof *secs);
    size_t *lens = malloc((in.count ? in.count : 1) * sizeof *lens);
    if (!rc && (!ids || !secs || !lens)) rc = fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    for (size_t i = 0; !rc && i < in.count; ++i) bytes += lens[i] = strlen(in.texts[i]);
    long long tokens = 0;
    for (int i = 0; !rc && i < warmup + iters; ++i) {
        double s = vkb_now_ms();
        tokens = pass(tok, &in, lens, &ids, &cap);
        if (tokens < 0) rc = 1;
        else if (i >= warmup) secs[i - warmup] = (vkb_now_ms() - s) * 1e-3;
    }
    if (!rc) {
        qsort(secs, (size_t)iters, sizeof *secs, cmp_double);
        double med = iters % 2 ? secs[iters / 2] : 0.5 * (secs[iters / 2 - 1] + secs[iters / 2]);
        double mbs = bytes / 1e6 / med, best = bytes / 1e6 / secs[0];
        if (json) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "task", "tokenize");
            cJSON_AddStringToObject(r, "model", dir);
            cJSON_AddStringToObject(r, "text", in.source);
            cJSON_AddNumberToObject(r, "bytes", (double)bytes);
            cJSON_AddNumberToObject(r, "lines", (double)in.count);
            cJSON_AddNumberToObject(r, "tokens", (double)tokens);
            cJSON_AddNumberToObject(r, "iters", iters);
            cJSON_AddNumberToObject(r, "load_ms", load_ms);
            cJSON_AddNumberToObject(r, "seconds_median", med);
            cJSON_AddNumberToObject(r, "mb_per_s", mbs);
            cJSON_AddNumberToObject(r, "mb_per_s_best", best);
            cJSON_AddNumberToObject(r, "tokens_per_s", tokens / med);
            cJSON_AddNumberToObject(r, "threads", 1);
            char *s = cJSON_PrintUnformatted(r);
            if (s) printf("%s\n", s);
            cJSON_free(s);
            cJSON_Delete(r);
        } else {
            printf("tokenizer of %s: loaded in %.1f ms\n", dir, load_ms);
            printf("  %s: %.2f MB in %zu lines, %lld tokens\n", in.source, bytes / 1e6, in.count, tokens);
            printf("  %.2f MB/s median (best %.2f) over %d passes, %.0f tokens/s, one thread\n", mbs, best, iters,
                   tokens / med);
        }
    }
    free(lens);
    free(secs);
    free(ids);
    vkbert_tokenizer_destroy(tok);
    inputs_free(&in);
    return rc;
}
