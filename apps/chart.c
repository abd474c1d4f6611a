/* The charts of bench --plot (chart_sweep: lines over the batch and sequence sweeps) and
 * bench-compare --plot (chart_bars: bars per configuration and device), drawn on plot.h's
 * pictures. Every value axis starts at 0, so a bar's or point's height is proportional to its
 * value; text is the font's pixels at twice their size (legible at 100%), value labels on bars
 * at their own size where twice does not fit. */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INK 0x222222u   /* text */
#define AXIS 0x444444u  /* axis lines */
#define GRID 0xdededeu  /* grid lines */
#define MUTED 0x666666u /* tick labels, notes */
#define WIDTH 1000
#define TEXT 2 /* the scale of most text */
#define LINE (plot_text_height(TEXT) + 6)

uint32_t chart_color(int index) {
    static const uint32_t PALETTE[8] = {0x2f6db5, 0xe8862a, 0x3a9a4b, 0xc93c3c, 0x8a5cb8, 0x8c6239, 0xd46fb0, 0x2bb3c0};
    return PALETTE[((index % 8) + 8) % 8];
}

/* A value axis from 0: its top and tick step, a "nice" step (1, 2, 2.5 or 5 times a power of
 * ten) that gives at most 5 intervals above the largest value. */
typedef struct axis {
    double top, step;
} axis;

static axis nice_axis(double vmax) {
    if (!(vmax > 0) || !isfinite(vmax)) vmax = 1;
    double raw = vmax / 5, mag = pow(10, floor(log10(raw))), m = raw / mag;
    double step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * mag;
    return (axis){ceil(vmax / step - 1e-9) * step, step};
}

/* A tick label: thousands as k, millions as M (as the axis' top needs them, so every label of
 * an axis is in one unit), as many decimals as the step needs. */
static void tick_label(double v, axis ax, const char *unit, char *buf, size_t n) {
    double div = 1, step = ax.step, top = ax.top;
    const char *suffix = "";
    if (top >= 1e6)
        div = 1e6, suffix = "M";
    else if (top >= 1e4)
        div = 1e3, suffix = "k";
    if (v == 0) {
        snprintf(buf, n, "0%s", unit);
        return;
    }
    double s = step / div;
    int decimals = 0;
    while (decimals < 6 && fabs(s * pow(10, decimals) - round(s * pow(10, decimals))) > 1e-6)
        ++decimals;
    snprintf(buf, n, "%.*f%s%s", decimals, v / div, suffix, unit);
}

/* A value over a bar, three significant figures or so. */
static void value_label(double v, const char *unit, char *buf, size_t n) {
    if (v >= 1e6)
        snprintf(buf, n, "%.2fM%s", v / 1e6, unit);
    else if (v >= 1e4)
        snprintf(buf, n, "%.1fk%s", v / 1e3, unit);
    else if (v >= 100)
        snprintf(buf, n, "%.0f%s", v, unit);
    else if (v >= 10)
        snprintf(buf, n, "%.1f%s", v, unit);
    else
        snprintf(buf, n, "%.2f%s", v, unit);
}

/* Text no wider than max_w: at `scale`, else at 1, else cut with "..". Its width. */
static int text_fit(plot *p, int x, int y, int scale, int max_w, uint32_t rgb, const char *text, bool centre) {
    char cut[256];
    snprintf(cut, sizeof cut, "%s", text);
    if (plot_text_width(cut, scale) > max_w) scale = 1;
    size_t len = strlen(cut);
    while (len > 3 && plot_text_width(cut, scale) > max_w) {
        cut[len - 3] = '.';
        cut[len - 2] = '.';
        cut[--len] = '\0';
    }
    int w = plot_text_width(cut, scale);
    /* centred text sits in the middle of the same line height at either scale */
    int dy = scale == TEXT ? 0 : (plot_text_height(TEXT) - plot_text_height(scale)) / 2;
    return plot_text(p, centre ? x - w / 2 : x, y + dy, scale, rgb, cut);
}

/* The first `max` lines of `text` (separated by '\n'), the first in ink, the others muted. */
static void title_lines(plot *p, int x, int y, int max_w, const char *text, int max) {
    for (int i = 0; i < max && text; ++i) {
        const char *nl = strchr(text, '\n');
        char line[256];
        snprintf(line, sizeof line, "%.*s", nl ? (int)(nl - text) : (int)strlen(text), text);
        text_fit(p, x, y + i * LINE, TEXT, max_w, i ? MUTED : INK, line, false);
        text = nl ? nl + 1 : NULL;
    }
}

/* A panel: the plotting area's box and its value axis. */
typedef struct panel {
    int x, y, w, h;
    axis ax;
} panel;

static int value_y(const panel *pn, double v) {
    return pn->y + pn->h - (int)lround(v / pn->ax.top * pn->h);
}

/* Grid, ticks and their labels, the axes, and the panel's title above it. */
static void draw_panel(plot *p, const panel *pn, const char *title, const char *unit) {
    plot_text(p, pn->x, pn->y - LINE - 8, TEXT, INK, title);
    int th = plot_text_height(TEXT);
    for (int i = 0; i * pn->ax.step <= pn->ax.top * (1 + 1e-9); ++i) {
        double v = i * pn->ax.step;
        int y = value_y(pn, v);
        if (i > 0) plot_rect(p, pn->x + 1, y, pn->w - 1, 1, GRID);
        plot_rect(p, pn->x - 6, y, 6, 1, AXIS);
        char label[32];
        tick_label(v, pn->ax, unit, label, sizeof label);
        plot_text(p, pn->x - 10 - plot_text_width(label, TEXT), y - th / 2 + 1, TEXT, MUTED, label);
    }
    plot_rect(p, pn->x, pn->y, 2, pn->h + 1, AXIS);
    plot_rect(p, pn->x, pn->y + pn->h, pn->w, 2, AXIS);
}

/* Legend entries (a swatch and a name each) from (x, y), wrapped at x + max_w; the height. */
static int legend(plot *p, int x, int y, int max_w, const char *const *names, int n, bool draw) {
    int cx = x, cy = y, th = plot_text_height(TEXT);
    for (int i = 0; i < n; ++i) {
        int w = 16 + 8 + plot_text_width(names[i], TEXT) + 24;
        if (cx > x && cx + w > x + max_w) {
            cx = x;
            cy += LINE;
        }
        if (draw) {
            plot_rect(p, cx, cy + (th - 14) / 2, 16, 14, chart_color(i));
            text_fit(p, cx + 24, cy, TEXT, max_w - 24, INK, names[i], false);
        }
        cx += w;
    }
    return n ? cy - y + LINE : 0;
}

/* ---- bench --plot ---- */

enum { ROW_MS, ROW_TOKENS, ROW_PEAK };

static double point_value(const chart_point *pt, int row) {
    return row == ROW_MS ? pt->ms : row == ROW_TOKENS ? pt->tokens_per_s : 100 * pt->fraction_of_peak;
}

plot *chart_sweep(const char *title, const uint32_t *batches, int nbatch, const uint32_t *seqs, int nseq,
                  const chart_point *points) {
    bool peak = false;
    for (int i = 0; i < nbatch * nseq; ++i)
        peak = peak || points[i].fraction_of_peak >= 0;
    /* a column per swept dimension (by sequence length when nothing was swept) */
    bool by_batch[2];
    int ncol = 0;
    if (nbatch > 1) by_batch[ncol++] = true;
    if (nseq > 1 || ncol == 0) by_batch[ncol++] = false;
    int nrow = peak ? 3 : 2;
    const int left = 100, gap = 60, top_text = 14 + 3 * LINE + 16;
    int colw = (WIDTH - ncol * left - (ncol - 1) * gap - 30) / ncol;
    char names[2][16][32];
    const char *name_ptr[2][16];
    int legend_h = 0;
    for (int c = 0; c < ncol; ++c) {
        int n = by_batch[c] ? nseq : nbatch;
        for (int i = 0; i < n; ++i) {
            snprintf(names[c][i], sizeof names[c][i], by_batch[c] ? "seq %u" : "batch %u",
                     by_batch[c] ? seqs[i] : batches[i]);
            name_ptr[c][i] = names[c][i];
        }
        int h = legend(NULL, 0, 0, colw, name_ptr[c], n, false);
        if (h > legend_h) legend_h = h;
    }
    const int panel_h = 150, row_gap = 2 * LINE + 30;
    int panels_y = top_text + LINE + legend_h + LINE + 20;
    int height = panels_y + nrow * (panel_h + row_gap) + 10;
    plot *p = plot_create(WIDTH, height);
    if (!p) return NULL;
    title_lines(p, 20, 14, WIDTH - 40, title, 3);
    static const char *ROW_TITLE[3] = {"time per encode (ms)", "throughput (tokens/s)",
                                       "share of the device's peak (%)"};
    static const char *ROW_UNIT[3] = {"", "", "%"};
    for (int c = 0; c < ncol; ++c) {
        int x0 = left + c * (colw + gap + left);
        bool bb = by_batch[c];
        int nx = bb ? nbatch : nseq, ns = bb ? nseq : nbatch;
        text_fit(p, x0, top_text, TEXT, colw, INK, bb ? "against batch size" : "against sequence length", false);
        legend(p, x0, top_text + LINE, colw, name_ptr[c], ns, true);
        for (int r = 0; r < nrow; ++r) {
            panel pn = {x0, panels_y + r * (panel_h + row_gap), colw, panel_h, {0, 0}};
            double vmax = 0;
            for (int i = 0; i < nbatch * nseq; ++i) {
                double v = point_value(&points[i], r);
                if (v > vmax) vmax = v;
            }
            pn.ax = nice_axis(vmax);
            draw_panel(p, &pn, ROW_TITLE[r], ROW_UNIT[r]);
            int slot = colw / nx;
            for (int i = 0; i < nx; ++i) { /* x ticks: the swept values */
                char label[16];
                snprintf(label, sizeof label, "%u", bb ? batches[i] : seqs[i]);
                int x = x0 + slot / 2 + i * slot;
                plot_rect(p, x, pn.y + pn.h + 2, 1, 5, AXIS);
                text_fit(p, x, pn.y + pn.h + 10, TEXT, slot - 4, MUTED, label, true);
            }
            if (r == nrow - 1)
                plot_text(p, x0, pn.y + pn.h + 10 + LINE, TEXT, INK,
                          bb ? "batch size (sequences per encode)" : "sequence length (tokens)");
            for (int s = 0; s < ns; ++s) {
                int xy[32], n = 0;
                uint32_t col = chart_color(s);
                for (int i = 0; i <= nx; ++i) {
                    const chart_point *pt = i < nx ? &points[bb ? i * nseq + s : s * nseq + i] : NULL;
                    if (pt && (r != ROW_PEAK || pt->fraction_of_peak >= 0)) {
                        xy[2 * n] = x0 + slot / 2 + i * slot;
                        xy[2 * n + 1] = value_y(&pn, point_value(pt, r));
                        plot_rect(p, xy[2 * n] - 4, xy[2 * n + 1] - 4, 9, 9, col);
                        ++n;
                        continue;
                    }
                    plot_polyline(p, xy, n, 3, col); /* a run of measured points */
                    n = 0;
                }
            }
        }
    }
    return p;
}

/* ---- bench-compare --plot ---- */

plot *chart_bars(const char *title, const char *const *groups, int ngroups, const char *const *series, int nseries,
                 const chart_bar *bars, int nbars) {
    bool peak = false;
    double tmax = 0, pmax = 0;
    for (int i = 0; i < nbars; ++i) {
        if (bars[i].tokens_per_s > tmax) tmax = bars[i].tokens_per_s;
        if (bars[i].fraction_of_peak >= 0) {
            peak = true;
            if (100 * bars[i].fraction_of_peak > pmax) pmax = 100 * bars[i].fraction_of_peak;
        }
    }
    const int left = 110, right = 30;
    int width = left + right + ngroups * (nseries * 14 + 20);
    if (width < WIDTH) width = WIDTH;
    if (width > 8000) return NULL;
    int pw = width - left - right;
    int legend_y = 14 + LINE + 8, legend_h = legend(NULL, 20, legend_y, width - 40, series, nseries, false);
    const int label_h = 3 * LINE + 10, tok_h = 260, peak_h = 170;
    int tok_y = legend_y + legend_h + LINE + 24;
    int peak_y = tok_y + tok_h + label_h + LINE + 24;
    int height = (peak ? peak_y + peak_h : tok_y + tok_h) + label_h + LINE + 10;
    plot *p = plot_create(width, height);
    if (!p) return NULL;
    title_lines(p, 20, 14, width - 40, title, 1);
    legend(p, 20, legend_y, width - 40, series, nseries, true);
    for (int r = 0; r < (peak ? 2 : 1); ++r) {
        /* headroom over the tallest bar for its label */
        panel pn = {left, r ? peak_y : tok_y, pw, r ? peak_h : tok_h, nice_axis(1.1 * (r ? pmax : tmax))};
        draw_panel(p, &pn, r ? "share of the device's peak (%)" : "throughput (tokens/s, higher is better)",
                   r ? "%" : "");
        int gw = pw / ngroups;
        int bw = (gw * 8 / 10) / nseries;
        if (bw > 56) bw = 56;
        if (bw < 2) bw = 2;
        /* one size for every group's label: twice where all fit */
        int label_scale = TEXT;
        for (int g = 0; g < ngroups; ++g)
            for (const char *line = groups[g]; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                const char *nl = strchr(line, '\n');
                char l[128];
                snprintf(l, sizeof l, "%.*s", nl ? (int)(nl - line) : (int)strlen(line), line);
                if (plot_text_width(l, TEXT) > gw - 4) label_scale = 1;
            }
        for (int g = 0; g < ngroups; ++g) {
            int gx = left + g * gw;
            /* the group's label: up to three lines under the axis */
            const char *line = groups[g];
            for (int k = 0; k < 3 && line; ++k) {
                const char *nl = strchr(line, '\n');
                char l[128];
                snprintf(l, sizeof l, "%.*s", nl ? (int)(nl - line) : (int)strlen(line), line);
                text_fit(p, gx + gw / 2, pn.y + pn.h + 10 + k * LINE, label_scale, gw - 4, k ? MUTED : INK, l, true);
                line = nl ? nl + 1 : NULL;
            }
            if (g > 0) plot_rect(p, gx, pn.y + pn.h + 2, 1, 8, AXIS);
        }
        for (int i = 0; i < nbars; ++i) {
            const chart_bar *b = &bars[i];
            int gx = left + b->group * gw, x = gx + (gw - bw * nseries) / 2 + b->series * bw;
            int inner = bw > 6 ? bw - 4 : bw;
            char label[32];
            if (r && b->fraction_of_peak < 0) {
                text_fit(p, x + bw / 2, pn.y + pn.h - plot_text_height(1) - 4, 1, bw, MUTED, "n/a", true);
                continue;
            }
            double v = r ? 100 * b->fraction_of_peak : b->tokens_per_s;
            int y = value_y(&pn, v);
            plot_rect(p, x + (bw - inner) / 2, y, inner, pn.y + pn.h - y, chart_color(b->series));
            value_label(v, r ? "%" : "", label, sizeof label);
            /* a label may be as wide as its bar, or its group when the bar is alone there */
            int room = nseries == 1 ? gw - 8 : bw;
            int scale = plot_text_width(label, TEXT) <= room ? TEXT : plot_text_width(label, 1) <= room + 2 ? 1 : 0;
            if (scale)
                plot_text(p, x + bw / 2 - plot_text_width(label, scale) / 2, y - plot_text_height(scale) - 4, scale,
                          INK, label);
        }
    }
    plot_text(p, left, height - LINE - 4, TEXT, MUTED, "a group per model, weights and batch x sequence length");
    return p;
}
