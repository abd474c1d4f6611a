/* plot.h's pictures: shapes kept in a list, rasterised for a PNG (stb_image_write compresses
 * it) or written as SVG elements of the same geometry: rectangles as <rect>, lines as
 * <polyline>, text as one <path> of the font's pixels per string. */
#include "plot.h"
#include "font.h"
#include "base/fs.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CMake says whether stb_image_write.h was found (apps/CMakeLists.txt); a build without it
 * (scripts/check-portability.sh's compile of every file) looks for itself */
#ifndef VKBERT_HAVE_STB_IMAGE_WRITE
#if defined(__has_include)
#if __has_include(<stb/stb_image_write.h>)
#define VKBERT_HAVE_STB_IMAGE_WRITE 1
#endif
#endif
#endif
#ifndef VKBERT_HAVE_STB_IMAGE_WRITE
#define VKBERT_HAVE_STB_IMAGE_WRITE 0
#endif

#if VKBERT_HAVE_STB_IMAGE_WRITE
/* the only definition of stb_image_write's functions in vkbert (a Debian libstb-dev header);
 * no stdio: the bytes come back through a callback and go out through vkb_fopen */
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>
#endif

typedef enum { SHAPE_RECT, SHAPE_LINE, SHAPE_TEXT } shape_kind;

typedef struct shape {
    shape_kind kind;
    uint32_t rgb;
    int x, y, w, h; /* RECT: the box; TEXT: x, y the top left, w the scale */
    int *xy, n;     /* LINE: n points, h the width */
    char *text;     /* TEXT */
} shape;

struct plot {
    int width, height;
    shape *shapes;
    size_t count, cap;
    bool oom; /* a shape could not be kept: saving fails */
};

plot *plot_create(int width, int height) {
    if (width < 1 || height < 1 || width > 8192 || height > 8192) return NULL;
    plot *p = calloc(1, sizeof *p);
    if (p) {
        p->width = width;
        p->height = height;
    }
    return p;
}

void plot_destroy(plot *p) {
    if (!p) return;
    for (size_t i = 0; i < p->count; ++i) {
        free(p->shapes[i].xy);
        free(p->shapes[i].text);
    }
    free(p->shapes);
    free(p);
}

static shape *add_shape(plot *p) {
    if (p->count == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        shape *s = realloc(p->shapes, cap * sizeof *s);
        if (!s) {
            p->oom = true;
            return NULL;
        }
        p->shapes = s;
        p->cap = cap;
    }
    shape *s = &p->shapes[p->count++];
    memset(s, 0, sizeof *s);
    return s;
}

void plot_rect(plot *p, int x, int y, int w, int h, uint32_t rgb) {
    if (w <= 0 || h <= 0) return;
    shape *s = add_shape(p);
    if (s) *s = (shape){.kind = SHAPE_RECT, .rgb = rgb, .x = x, .y = y, .w = w, .h = h};
}

void plot_polyline(plot *p, const int *xy, int n, int width, uint32_t rgb) {
    if (n < 2 || width < 1) return;
    int *copy = malloc((size_t)n * 2 * sizeof *copy);
    shape *s = copy ? add_shape(p) : NULL;
    if (!s) {
        free(copy);
        p->oom = true;
        return;
    }
    memcpy(copy, xy, (size_t)n * 2 * sizeof *copy);
    *s = (shape){.kind = SHAPE_LINE, .rgb = rgb, .h = width, .xy = copy, .n = n};
}

void plot_line(plot *p, int x0, int y0, int x1, int y1, int width, uint32_t rgb) {
    plot_polyline(p, (const int[]){x0, y0, x1, y1}, 2, width, rgb);
}

int plot_text_width(const char *text, int scale) {
    size_t n = strlen(text);
    return n ? (int)((n * FONT_ADVANCE - 1) * (size_t)scale) : 0;
}

int plot_text_height(int scale) {
    return FONT_GLYPH_H * scale;
}

int plot_text(plot *p, int x, int y, int scale, uint32_t rgb, const char *text) {
    char *copy = malloc(strlen(text) + 1);
    shape *s = copy ? add_shape(p) : NULL;
    if (!s) {
        free(copy);
        p->oom = true;
        return 0;
    }
    strcpy(copy, text);
    *s = (shape){.kind = SHAPE_TEXT, .rgb = rgb, .x = x, .y = y, .w = scale, .text = copy};
    return plot_text_width(text, scale);
}

int plot_text_up(plot *p, int x, int y, int scale, uint32_t rgb, const char *text) {
    size_t before = p->count;
    int w = plot_text(p, x, y, scale, rgb, text);
    if (p->count > before) p->shapes[p->count - 1].h = 1; /* the shape just added */
    return w;
}

plot_format plot_format_of(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot || strpbrk(dot, "/\\")) return PLOT_FORMAT_NONE;
    char ext[5] = {0};
    size_t n = strlen(dot + 1);
    if (n != 3) return PLOT_FORMAT_NONE;
    for (size_t i = 0; i < n; ++i)
        ext[i] = (char)tolower((unsigned char)dot[1 + i]);
    return !strcmp(ext, "png") ? PLOT_FORMAT_PNG : !strcmp(ext, "svg") ? PLOT_FORMAT_SVG : PLOT_FORMAT_NONE;
}

bool plot_png_supported(void) {
    return VKBERT_HAVE_STB_IMAGE_WRITE != 0;
}

/* ---- text: the font's pixels, each row's runs of set pixels as one rectangle ---- */

/* Calls emit(x, y, w, h) for every run of set pixels of the text, scaled. TEXT with h set reads
 * upwards: (x, y) its bottom left corner, glyph row r at x + r * scale and the text's pixel u at
 * y - (u + 1) * scale. */
static void text_runs(const shape *s, void (*emit)(void *user, int x, int y, int w, int h), void *user) {
    int scale = s->w, k = 0;
    for (const char *c = s->text; *c; ++c, ++k)
        for (int row = 0; row < FONT_GLYPH_H; ++row)
            for (int col = 0; col < FONT_GLYPH_W;) {
                if (!font_pixel(*c, col, row)) {
                    ++col;
                    continue;
                }
                int start = col;
                while (col < FONT_GLYPH_W && font_pixel(*c, col, row))
                    ++col;
                int u = k * FONT_ADVANCE; /* the glyph's first pixel along the text */
                if (s->h)
                    emit(user, s->x + row * scale, s->y - (u + col) * scale, scale, (col - start) * scale);
                else
                    emit(user, s->x + (u + start) * scale, s->y + row * scale, (col - start) * scale, scale);
            }
}

/* ---- raster ---- */
#if VKBERT_HAVE_STB_IMAGE_WRITE

typedef struct raster {
    int w, h;
    uint8_t *px; /* w * h RGB */
    uint32_t rgb;
} raster;

static void fill(void *user, int x, int y, int w, int h) {
    raster *r = user;
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y, x1 = x + w > r->w ? r->w : x + w, y1 = y + h > r->h ? r->h : y + h;
    for (int j = y0; j < y1; ++j)
        for (int i = x0; i < x1; ++i) {
            uint8_t *d = r->px + ((size_t)j * (size_t)r->w + (size_t)i) * 3;
            d[0] = (uint8_t)(r->rgb >> 16);
            d[1] = (uint8_t)(r->rgb >> 8);
            d[2] = (uint8_t)r->rgb;
        }
}

/* A segment drawn with a square brush `width` pixels wide at every point of Bresenham's line,
 * as an SVG line with square caps covers it. */
static void segment(raster *r, int x0, int y0, int x1, int y1, int width) {
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
    int half = width / 2;
    for (;;) {
        fill(r, x0 - half, y0 - half, width, width);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

static uint8_t *rasterise(const plot *p) {
    raster r = {p->width, p->height, malloc((size_t)p->width * (size_t)p->height * 3), 0};
    if (!r.px) return NULL;
    memset(r.px, 0xFF, (size_t)p->width * (size_t)p->height * 3);
    for (size_t i = 0; i < p->count; ++i) {
        const shape *s = &p->shapes[i];
        r.rgb = s->rgb;
        if (s->kind == SHAPE_RECT)
            fill(&r, s->x, s->y, s->w, s->h);
        else if (s->kind == SHAPE_TEXT)
            text_runs(s, fill, &r);
        else
            for (int k = 0; k + 1 < s->n; ++k)
                segment(&r, s->xy[2 * k], s->xy[2 * k + 1], s->xy[2 * k + 2], s->xy[2 * k + 3], s->h);
    }
    return r.px;
}
#endif

/* ---- bytes in memory ---- */

typedef struct buf {
    char *data;
    size_t size, cap;
    bool oom;
} buf;

static void buf_add(buf *b, const void *data, size_t n) {
    if (b->oom) return;
    if (b->size + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->size + n)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->size, data, n);
    b->size += n;
}

static void buf_printf(buf *b, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->oom = true; /* never: every call writes a few numbers */
        return;
    }
    buf_add(b, tmp, (size_t)n);
}

/* ---- SVG ---- */

static void svg_run(void *user, int x, int y, int w, int h) {
    buf_printf(user, "M%d %dh%dv%dh-%dz", x, y, w, h, w);
}

static void svg_write(const plot *p, buf *b) {
    buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    buf_printf(b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "shape-rendering=\"crispEdges\">\n",
               p->width, p->height, p->width, p->height);
    buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", p->width, p->height);
    for (size_t i = 0; i < p->count; ++i) {
        const shape *s = &p->shapes[i];
        if (s->kind == SHAPE_RECT) {
            buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06x\"/>\n", s->x, s->y, s->w,
                       s->h, (unsigned)s->rgb);
        } else if (s->kind == SHAPE_LINE) {
            buf_printf(b,
                       "<polyline fill=\"none\" stroke=\"#%06x\" stroke-width=\"%d\" stroke-linecap=\"square\" "
                       "stroke-linejoin=\"miter\" points=\"",
                       (unsigned)s->rgb, s->h);
            /* an odd width is centred on the pixel, as the raster's brush is */
            double off = s->h % 2 ? 0.5 : 0;
            for (int k = 0; k < s->n; ++k)
                buf_printf(b, "%s%g,%g", k ? " " : "", s->xy[2 * k] + off, s->xy[2 * k + 1] + off);
            buf_printf(b, "\"/>\n");
        } else {
            buf_printf(b, "<path fill=\"#%06x\" d=\"", (unsigned)s->rgb);
            text_runs(s, svg_run, b);
            buf_printf(b, "\"><title>");
            for (const char *c = s->text; *c; ++c) {
                if (*c == '<')
                    buf_printf(b, "&lt;");
                else if (*c == '>')
                    buf_printf(b, "&gt;");
                else if (*c == '&')
                    buf_printf(b, "&amp;");
                else if ((unsigned char)*c >= 0x20)
                    buf_add(b, c, 1);
            }
            buf_printf(b, "</title></path>\n");
        }
    }
    buf_printf(b, "</svg>\n");
}

#if VKBERT_HAVE_STB_IMAGE_WRITE
static void png_bytes(void *user, void *data, int size) {
    buf_add(user, data, (size_t)size);
}
#endif

/* The bytes to `path` through PATH.tmpPID renamed into place, as write_npy does; a device or
 * pipe (/dev/stdout) is written as it is. */
static bool write_whole(const char *path, const buf *b, char *err, size_t err_size) {
    vkb_path_kind kind = vkb_path_kind_of(path, NULL);
    bool direct = kind != VKB_PATH_NONE && kind != VKB_PATH_FILE;
    size_t plen = strlen(path) + 32;
    char *tmp = malloc(plen);
    if (!tmp) {
        snprintf(err, err_size, "out of memory");
        return false;
    }
    snprintf(tmp, plen, "%s.tmp%lu", path, vkb_process_id());
    FILE *f = vkb_fopen(direct ? path : tmp, direct ? "wb" : "wbx");
    bool ok = f && fwrite(b->data, 1, b->size, f) == b->size;
    int e = ok ? 0 : errno;
    if (f && fclose(f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && !direct && (e = vkb_replace_file(tmp, path)) != 0) ok = false;
    if (!ok && f && !direct) vkb_remove(tmp);
    if (!ok) snprintf(err, err_size, "cannot write %s: %s", path, strerror(e ? e : EIO));
    free(tmp);
    return ok;
}

bool plot_save(const plot *p, const char *path, char *err, size_t err_size) {
    plot_format fmt = plot_format_of(path);
    if (fmt == PLOT_FORMAT_NONE) {
        snprintf(err, err_size, "%s: a chart is written as .png or .svg", path);
        return false;
    }
    if (fmt == PLOT_FORMAT_PNG && !plot_png_supported()) {
        snprintf(err, err_size, "this build has no PNG support (built without stb_image_write.h); use .svg");
        return false;
    }
    if (p->oom) {
        snprintf(err, err_size, "out of memory drawing the chart");
        return false;
    }
    buf b = {0};
    if (fmt == PLOT_FORMAT_SVG) {
        svg_write(p, &b);
    } else {
#if VKBERT_HAVE_STB_IMAGE_WRITE
        uint8_t *px = rasterise(p);
        if (!px || !stbi_write_png_to_func(png_bytes, &b, p->width, p->height, 3, px, p->width * 3)) b.oom = true;
        free(px);
#endif
    }
    bool ok = !b.oom;
    if (!ok)
        snprintf(err, err_size, "out of memory writing %s", path);
    else
        ok = write_whole(path, &b, err, err_size);
    free(b.data);
    return ok;
}
