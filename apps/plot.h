/* Pictures the CLI writes (bench --plot, bench-compare --plot): a picture is a list of
 * shapes (filled rectangles, lines, text in font.h's bitmap font) on a white background,
 * written either as a PNG (rasterised here, compressed by stb_image_write) or as an SVG of the
 * same shapes, so the two formats show the same pixels. Coordinates are pixels from the top
 * left corner. The charts themselves are in chart.c. */
#ifndef VKBERT_PLOT_H
#define VKBERT_PLOT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct plot plot;

/* A white picture of width x height pixels (each 1..8192); NULL when out of memory. */
plot *plot_create(int width, int height);
void plot_destroy(plot *p); /* NULL: nothing */
/* Colours are 0xRRGGBB. Shapes are clipped to the picture. */
void plot_rect(plot *p, int x, int y, int w, int h, uint32_t rgb);
/* A line through n points (xy: x0, y0, x1, y1, ...) `width` pixels wide. */
void plot_polyline(plot *p, const int *xy, int n, int width, uint32_t rgb);
void plot_line(plot *p, int x0, int y0, int x1, int y1, int width, uint32_t rgb);
/* Text with its top left corner at (x, y), each font pixel `scale` x `scale` pixels, one line
 * (a character outside printable ASCII draws as '?'); its width in pixels. */
int plot_text(plot *p, int x, int y, int scale, uint32_t rgb, const char *text);
int plot_text_width(const char *text, int scale);
/* The same text turned a quarter to the left, reading upwards: (x, y) is its bottom left corner,
 * it is plot_text_height(scale) wide and plot_text_width() tall; that height. */
int plot_text_up(plot *p, int x, int y, int scale, uint32_t rgb, const char *text);
/* The height of one line of text at `scale`, descenders included. */
int plot_text_height(int scale);

typedef enum plot_format { PLOT_FORMAT_NONE, PLOT_FORMAT_PNG, PLOT_FORMAT_SVG } plot_format;
/* The format a file name's extension asks for (.png, .svg; any case); NONE for another. */
plot_format plot_format_of(const char *path);
/* Whether this build writes PNG files (it was built with stb_image_write.h). */
bool plot_png_supported(void);
/* Writes the picture to `path` in the format of its extension, through a temporary file renamed
 * into place (nothing is left at `path` on failure). true on success; else false with a
 * message in err ("cannot write FILE: ..."). */
bool plot_save(const plot *p, const char *path, char *err, size_t err_size);

/* ---- chart.c: the charts of bench and bench-compare ---- */
/* A series' colour: a palette of 8 that stays apart for most colour vision (index mod 8). */
uint32_t chart_color(int index);

/* bench --plot: one measured configuration of a sweep */
typedef struct chart_point {
    uint32_t batch, seq;
    double ms, tokens_per_s;
    double fraction_of_peak; /* < 0: not measured */
} chart_point;
/* Time per encode, tokens/s and (where measured) the share of peak, against batch size (one
 * line per sequence length) and against sequence length (one line per batch size), from the
 * points of the grid batches x seqs (points[b * nseq + q]), under `title`: up to three lines
 * separated by '\n'. */
plot *chart_sweep(const char *title, const uint32_t *batches, int nbatch, const uint32_t *seqs, int nseq,
                  const chart_point *points);

/* bench-compare --plot: grouped bars, one group per configuration, one bar per device */
typedef struct chart_bar {
    int group, series; /* configuration index, device index */
    double tokens_per_s;
    double fraction_of_peak; /* < 0: not measured */
} chart_bar;
/* Bars of tokens/s and (when any bar has one) of the share of peak under a one-line `title`;
 * groups[i] labels group i
 * (up to three lines separated by '\n'), series[j] names device j in the legend. */
plot *chart_bars(const char *title, const char *const *groups, int ngroups, const char *const *series, int nseries,
                 const chart_bar *bars, int nbars);

#endif
