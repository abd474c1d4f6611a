/* vkbert attention: one layer's attention probabilities of a text, from the model's own attention
 * kernel in its variant that also writes them (vkbert_session_read_attention), as a heatmap
 * (PNG or SVG through plot.h, tokens along both axes in the bitmap font) and/or JSON. */
#include "cli.h"
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE_ATTENTION =
    "usage: vkbert attention -m DIR --layer L [--head H|all] [-o OUT.png|OUT.svg] [--json] TEXT\n"
    "\n"
    "The attention probabilities of layer L (counted from 0) for TEXT: softmax(q k^T / sqrt(d) + mask)\n"
    "per head, from the model's own attention kernel. Texts up to 512 tokens (and the model's length).\n"
    "  --layer L         the layer, 0 to layers - 1\n"
    "  --head H|all      one head (0 to heads - 1) or every head of the layer (default all)\n"
    "  -o, --output FILE a heatmap, .png or .svg: row i the query token, column j its weight on key\n"
    "                    token j, white (0) to dark blue (1); with all, one tile per head, labelled\n"
    "  --json            print {\"layer\":L,\"tokens\":[...],\"heads\":[{\"head\":H,\"attention\":[[...],...]}]}\n"
    "                    (with -o each head also gives \"cell\": {\"x\",\"y\",\"size\"}, where its first\n"
    "                    cell lies in the picture, in pixels)\n"
    "  --pair TEXT       second segment (token types as the tokenizer's template says)\n"
    "  --truncate        cut a text longer than the model's positions instead of failing\n"
    "  --device SEL, --precision P, --verbose  as the other commands\n"
    "One of -o and --json is needed.\n";

#define MAX_TOKENS 512

typedef struct attn_opts {
    const char *model, *device, *precision, *out, *text, *pair, *head;
    long layer;
    bool json, truncate, verbose, have_layer;
} attn_opts;

static int parse(int argc, char **argv, attn_opts *o) {
    for (int i = 0; i < argc; ++i) {
        const char *a = argv[i];
        const char **val = NULL;
        if (!strcmp(a, "--")) {
            if (i + 2 != argc || o->text)
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "attention takes one TEXT (quote it)");
            o->text = argv[++i];
            continue;
        }
        if (a[0] != '-' || !a[1]) {
            if (o->text) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "attention takes one TEXT (quote it)");
            o->text = a;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("%s", USAGE_ATTENTION);
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
        } else if (!strcmp(a, "--precision")) {
            val = &o->precision;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            val = &o->out;
        } else if (!strcmp(a, "--pair")) {
            val = &o->pair;
        } else if (!strcmp(a, "--head")) {
            val = &o->head;
        } else if (!strcmp(a, "--layer")) {
            if (i + 1 >= argc) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--layer needs a value");
            char *end = NULL;
            errno = 0;
            o->layer = strtol(argv[++i], &end, 10);
            if (errno || end == argv[i] || *end || o->layer < 0)
                return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--layer must be a layer number from 0, not \"%s\"",
                            argv[i]);
            o->have_layer = true;
        } else {
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "unknown option %s (see --help)", a);
        }
        if (val) {
            if (i + 1 >= argc) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "%s needs a value", a);
            *val = argv[++i];
        }
    }
    if (!o->model) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "attention needs a model directory: -m DIR");
    if (!o->have_layer) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "attention needs --layer L");
    if (!o->text) return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "attention needs a TEXT argument");
    if (!o->out && !o->json)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "attention needs -o FILE.png|FILE.svg and/or --json");
    if (o->out && plot_format_of(o->out) == PLOT_FORMAT_NONE)
        return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "-o %s: the picture is written as .png or .svg", o->out);
    if (o->out && plot_format_of(o->out) == PLOT_FORMAT_PNG && !plot_png_supported())
        return fail(EXIT_USAGE, VKBERT_ERROR_UNSUPPORTED, "this build has no PNG support; use .svg");
    return -1;
}

/* White (0) to dark blue (1), linear in each channel: (255, 255, 255) + p ((8, 48, 107) - (255, 255, 255)),
 * rounded; the README and the tests invert it. */
static uint32_t heat(float p) {
    double q = p < 0 ? 0 : p > 1 ? 1 : p;
    unsigned r = (unsigned)lround(255 - q * (255 - 8)), g = (unsigned)lround(255 - q * (255 - 48)),
             b = (unsigned)lround(255 - q * (255 - 107));
    return r << 16 | g << 8 | b;
}

/* A token's label: its vocabulary entry with the byte-level space mark (U+0120) and SentencePiece's
 * (U+2581) shown as '_', other non-ASCII as '?', at most 14 characters. */
static void label(const char *tok, char *buf, size_t n) {
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)(tok ? tok : ""); *p && w + 1 < n && w < 14;) {
        if (p[0] == 0xC4 && p[1] == 0xA0) buf[w++] = '_', p += 2;
        else if (p[0] == 0xE2 && p[1] == 0x96 && p[2] == 0x81) buf[w++] = '_', p += 3;
        else if (*p < 0x80) buf[w++] = (char)*p++;
        else {
            buf[w++] = '?';
            ++p;
            while ((*p & 0xC0) == 0x80) ++p;
        }
    }
    buf[w] = '\0';
}

typedef struct tile_at {
    int x, y;
} tile_at;

/* The heatmap of heads [h0, h1) of probabilities probs[h][i * n + j]; where each tile's first cell
 * went in at[h - h0], the cell size in *cell_out. NULL when out of memory. */
static plot *draw(const char *title, char (*labels)[16], uint32_t n, const float *const *probs, uint32_t h0,
                  uint32_t h1, tile_at *at, int *cell_out) {
    uint32_t tiles = h1 - h0, cols = (uint32_t)ceil(sqrt((double)tiles)), rows = (tiles + cols - 1) / cols;
    int budget = tiles == 1 ? 900 : 1400 / (int)cols;
    int cell = budget / (int)n;
    if (cell > 24) cell = 24;
    if (cell < 10) cell = 10;
    int scale = cell >= 20 ? 2 : 1;
    int lw = 0;
    for (uint32_t i = 0; i < n; ++i) {
        int w = plot_text_width(labels[i], scale);
        lw = w > lw ? w : lw;
    }
    int side = (int)n * cell, gap = 24, tile_title = tiles > 1 ? plot_text_height(2) + 8 : 0;
    int margin = 16, top = margin + plot_text_height(2) + 16, legend = 120;
    int tile_w = lw + 8 + side + gap, tile_h = tile_title + lw + 8 + side + gap;
    int width = margin + (int)cols * tile_w + legend, height = top + (int)rows * tile_h + margin;
    if (width > 8192 || height > 8192) return NULL; /* many heads of a long text, even at the smallest cells */
    plot *p = plot_create(width, height);
    if (!p) return NULL;
    plot_text(p, margin, margin, 2, 0x000000, title);
    for (uint32_t t = 0; t < tiles; ++t) {
        int tx = margin + (int)(t % cols) * tile_w, ty = top + (int)(t / cols) * tile_h;
        if (tiles > 1) {
            char head[32];
            snprintf(head, sizeof head, "head %u", h0 + t);
            plot_text(p, tx + lw + 8, ty, 2, 0x000000, head);
        }
        int gx = tx + lw + 8, gy = ty + tile_title + lw + 8; /* the grid's top left */
        at[t] = (tile_at){gx, gy};
        for (uint32_t i = 0; i < n; ++i) {
            int ly = gy + (int)i * cell + (cell - plot_text_height(scale)) / 2;
            plot_text(p, gx - 6 - plot_text_width(labels[i], scale), ly, scale, 0x202020, labels[i]); /* queries */
            int lx = gx + (int)i * cell + (cell - plot_text_height(scale)) / 2;
            plot_text_up(p, lx, gy - 6, scale, 0x202020, labels[i]);                                 /* keys */
            for (uint32_t j = 0; j < n; ++j)
                plot_rect(p, gx + (int)j * cell, gy + (int)i * cell, cell, cell, heat(probs[t][(size_t)i * n + j]));
        }
        plot_rect(p, gx - 1, gy - 1, side + 2, 1, 0x808080); /* a frame */
        plot_rect(p, gx - 1, gy + side, side + 2, 1, 0x808080);
        plot_rect(p, gx - 1, gy - 1, 1, side + 2, 0x808080);
        plot_rect(p, gx + side, gy - 1, 1, side + 2, 0x808080);
    }
    /* the colour scale: 0 at the bottom, 1 at the top */
    int lx = width - legend + 20, ly = top + 20, lh = 200;
    for (int k = 0; k < lh; ++k) plot_rect(p, lx, ly + k, 20, 1, heat(1.0f - (float)k / (float)(lh - 1)));
    plot_text(p, lx + 26, ly, 1, 0x000000, "1.0");
    plot_text(p, lx + 26, ly + lh / 2 - 4, 1, 0x000000, "0.5");
    plot_text(p, lx + 26, ly + lh - 9, 1, 0x000000, "0.0");
    plot_text(p, lx - 8, ly + lh + 10, 1, 0x000000, "probability");
    *cell_out = cell;
    return p;
}

int attention_run(vkbert_model *model, const attention_request *rq, FILE *out) {
    vkbert_session *ses = NULL;
    int32_t *ids = NULL, *types = NULL;
    float **probs = NULL;
    char (*labels)[16] = NULL;
    tile_at *at = NULL;
    plot *pic = NULL;
    size_t n = 0;
    uint32_t h0 = 0, h1 = 0;
    int rc = -1;
    const vkbert_model_config *c = vkbert_model_get_config(model);
    const vkbert_tokenizer *tok = vkbert_model_tokenizer(model);
    if (rq->layer < 0 || (uint64_t)rq->layer >= c->num_hidden_layers)
        return fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "--layer %ld: the model has %u layers (0 to %u)", rq->layer,
                    c->num_hidden_layers, c->num_hidden_layers - 1);
    h1 = c->num_attention_heads;
    if (rq->head && strcmp(rq->head, "all")) {
        char *end = NULL;
        errno = 0;
        long h = strtol(rq->head, &end, 10);
        if (errno || end == rq->head || *end || h < 0)
            return fail(EXIT_USAGE, VKBERT_ERROR_INVALID_ARGUMENT, "--head must be a head number or all, not \"%s\"",
                        rq->head);
        if ((uint64_t)h >= c->num_attention_heads)
            return fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "--head %ld: the model has %u heads (0 to %u)", h,
                        c->num_attention_heads, c->num_attention_heads - 1);
        h0 = (uint32_t)h;
        h1 = h0 + 1;
    }
    vkbert_status st = cli_encode(tok, rq->text, rq->pair, &ids, &types, &n);
    if (st) {
        rc = fail_status(st);
        goto done;
    }
    uint32_t max = c->max_tokens < MAX_TOKENS ? c->max_tokens : MAX_TOKENS;
    if (n > max && !rq->truncate) {
        rc = fail(1, VKBERT_ERROR_TOO_LONG, "the text is %zu tokens; attention shows at most %u (%s)", n, max,
                  rq->truncate_hint);
        goto done;
    }
    if (n > max) {
        ids[max - 1] = ids[n - 1];
        types[max - 1] = types[n - 1];
        n = max;
    }
    st = vkbert_session_create(model, &(vkbert_session_desc){.max_seq = (uint32_t)n, .head = VKBERT_HEAD_NONE,
                                                             .keep_attention = true,
                                                             .attention_layer = (uint32_t)rq->layer}, &ses);
    if (!st) st = vkbert_session_encode(ses, &(vkbert_sequence){.input_ids = ids, .token_type_ids = types,
                                                                .length = (uint32_t)n}, 1);
    probs = calloc(h1 - h0, sizeof *probs);
    labels = malloc(n * sizeof *labels);
    at = calloc(h1 - h0, sizeof *at);
    if (!st && (!probs || !labels || !at)) st = VKBERT_ERROR_OUT_OF_HOST_MEMORY;
    for (uint32_t h = h0; !st && h < h1; ++h) {
        if (!(probs[h - h0] = malloc(n * n * sizeof(float)))) st = VKBERT_ERROR_OUT_OF_HOST_MEMORY;
        else st = vkbert_session_read_attention(ses, 0, h, probs[h - h0], n * n, NULL);
    }
    if (st) {
        rc = st == VKBERT_ERROR_OUT_OF_HOST_MEMORY ? fail(1, st, "out of memory") : fail_status(st);
        goto done;
    }
    for (size_t i = 0; i < n; ++i) label(vkbert_tokenizer_token(tok, ids[i]), labels[i], sizeof labels[i]);
    int cell = 0;
    if (rq->picture) {
        char title[160], err[600];
        if (h1 - h0 == 1) snprintf(title, sizeof title, "attention: layer %ld, head %u (%zu tokens)", rq->layer, h0, n);
        else snprintf(title, sizeof title, "attention: layer %ld, heads 0-%u (%zu tokens)", rq->layer, h1 - 1, n);
        pic = draw(title, labels, (uint32_t)n, (const float *const *)probs, h0, h1, at, &cell);
        if (!pic) {
            rc = fail(1, VKBERT_ERROR_INVALID_ARGUMENT, "%u heads of %zu tokens do not fit in one picture of at most "
                      "8192 x 8192 pixels: choose one --head", h1 - h0, n);
            goto done;
        }
        if (!plot_save(pic, rq->picture, err, sizeof err)) {
            rc = fail(1, VKBERT_ERROR_IO, "%s", err);
            goto done;
        }
    }
    if (rq->json) {
        fprintf(out, "{\"layer\":%ld,\"tokens\":[", rq->layer);
        for (size_t i = 0; i < n; ++i) {
            if (i) fputc(',', out);
            const char *t = vkbert_tokenizer_token(tok, ids[i]);
            json_string(out, t ? t : "");
        }
        fputs("],\"heads\":[", out);
        for (uint32_t h = h0; h < h1; ++h) {
            fprintf(out, "%s{\"head\":%u,", h > h0 ? "," : "", h);
            if (rq->picture) fprintf(out, "\"cell\":{\"x\":%d,\"y\":%d,\"size\":%d},", at[h - h0].x, at[h - h0].y, cell);
            fputs("\"attention\":[", out);
            for (size_t i = 0; i < n; ++i) {
                fputs(i ? ",[" : "[", out);
                for (size_t j = 0; j < n; ++j) {
                    if (j) fputc(',', out);
                    json_f32(out, probs[h - h0][i * n + j]);
                }
                fputc(']', out);
            }
            fputs("]}", out);
        }
        fputs("]}", out);
    }
done:
    for (uint32_t h = h0; probs && h < h1; ++h) free(probs[h - h0]);
    free(probs);
    free(labels);
    free(at);
    plot_destroy(pic);
    free(ids);
    free(types);
    vkbert_session_destroy(ses);
    return rc;
}

int cmd_attention(int argc, char **argv) {
    attn_opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc >= 0) return rc;
    if ((rc = check_text("the TEXT", o.text)) >= 0 || (o.pair && (rc = check_text("--pair", o.pair)) >= 0)) return rc;
    vkbert_context *ctx = NULL;
    vkbert_model *model = NULL;
    if ((rc = open_model_dir(o.model, o.device, o.precision, &o.verbose, &ctx, &model)) >= 0) goto done;
    attention_request rq = {.text = o.text, .pair = o.pair, .layer = o.layer, .head = o.head, .picture = o.out,
                            .json = o.json, .truncate = o.truncate, .truncate_hint = "use --truncate to cut it"};
    if ((rc = attention_run(model, &rq, stdout)) >= 0) goto done;
    if (o.json) putchar('\n');
    rc = batch_flush_stdout();
    if (rc < 0) rc = 0;
done:
    vkbert_model_destroy(model);
    vkbert_context_destroy(ctx);
    return rc;
}
