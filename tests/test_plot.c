/* The charts' building blocks (apps/font.c, apps/plot.c): the bitmap font's table (every
 * printable ASCII character, well formed, no two alike), text measurement, the file formats by
 * extension, and the SVG and PNG writers (the shapes as written, the PNG's header, errors). The
 * charts themselves are checked through the CLI in tests/test_plot.py. */
#include "test_util.h"
#include "font.h"
#include "plot.h"

static void check_font(void) {
    uint64_t bits[95][2] = {{0}}; /* each glyph's 45 pixels */
    for (int c = ' '; c <= '~'; ++c) {
        const char *g = font_glyph((char)c);
        CHECK(g != NULL, "no glyph for '%c'", c);
        if (!g) continue;
        size_t len = strlen(g);
        /* rows of five '#'/'.' separated by one space, at most FONT_GLYPH_H of them */
        CHECK(len == 0 || (len + 1) % (FONT_GLYPH_W + 1) == 0, "'%c': length %zu", c, len);
        CHECK((len + 1) / (FONT_GLYPH_W + 1) <= FONT_GLYPH_H, "'%c': too many rows", c);
        for (size_t i = 0; i < len; ++i) {
            bool sep = i % (FONT_GLYPH_W + 1) == FONT_GLYPH_W;
            CHECK(sep ? g[i] == ' ' : (g[i] == '#' || g[i] == '.'), "'%c': character %zu is '%c'", c, i, g[i]);
        }
        int set = 0;
        for (int row = 0; row < FONT_GLYPH_H; ++row)
            for (int col = 0; col < FONT_GLYPH_W; ++col)
                if (font_pixel((char)c, col, row)) {
                    ++set;
                    int bit = row * FONT_GLYPH_W + col;
                    bits[c - ' '][bit / 64] |= 1ull << (bit % 64);
                }
        CHECK(c == ' ' ? set == 0 : set > 0, "'%c' has %d pixels", c, set);
        for (int d = ' '; d < c; ++d)
            CHECK(bits[d - ' '][0] != bits[c - ' '][0] || bits[d - ' '][1] != bits[c - ' '][1],
                  "'%c' and '%c' look the same", d, c);
    }
    CHECK(font_glyph('\t') == NULL && font_glyph((char)0xC3) == NULL, "glyphs outside printable ASCII");
    /* those draw as '?' */
    for (int row = 0; row < FONT_GLYPH_H; ++row)
        for (int col = 0; col < FONT_GLYPH_W; ++col)
            CHECK(font_pixel('\t', col, row) == font_pixel('?', col, row), "a tab is not drawn as '?'");
    CHECK(!font_pixel('#', -1, 0) && !font_pixel('#', FONT_GLYPH_W, 0) && !font_pixel('|', 0, FONT_GLYPH_H),
          "pixels outside the glyph");
    CHECK(font_pixel('g', 1, 8) && !font_pixel('a', 1, 8), "descenders: 'g' reaches row 8, 'a' does not");
}

static void check_formats(void) {
    CHECK(plot_format_of("a.png") == PLOT_FORMAT_PNG && plot_format_of("dir.x/B.PNG") == PLOT_FORMAT_PNG, "png");
    CHECK(plot_format_of("chart.svg") == PLOT_FORMAT_SVG && plot_format_of("c.Svg") == PLOT_FORMAT_SVG, "svg");
    const char *none[] = {"a.jpg", "png", "a.png/x", "a.", "a.pngx", "", ".svg.gz", "a.sv"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; ++i)
        CHECK(plot_format_of(none[i]) == PLOT_FORMAT_NONE, "\"%s\" taken for a chart format", none[i]);
    CHECK(plot_text_width("", 2) == 0 && plot_text_width("ab", 1) == 2 * FONT_ADVANCE - 1 &&
              plot_text_width("abc", 2) == 2 * (3 * FONT_ADVANCE - 1),
          "text widths");
    CHECK(plot_text_height(3) == 3 * FONT_GLYPH_H, "text height");
    CHECK(plot_create(0, 10) == NULL && plot_create(10, 9000) == NULL, "pictures of impossible sizes");
}

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *d = malloc(1 << 20);
    *n = d ? fread(d, 1, (1 << 20) - 1, f) : 0;
    if (d) d[*n] = '\0';
    fclose(f);
    return d;
}

static void check_writers(const char *dir) {
    plot *p = plot_create(64, 40);
    CHECK(p != NULL, "plot_create");
    if (!p) return;
    plot_rect(p, 10, 20, 30, 40, 0x123456);
    plot_rect(p, 1, 1, 0, 5, 0xff0000); /* empty: not drawn */
    plot_line(p, 0, 0, 63, 39, 3, 0x00aa00);
    CHECK(plot_text(p, 2, 2, 2, 0x222222, "Hi<&>") == plot_text_width("Hi<&>", 2), "plot_text's width");
    char path[1024], err[512] = "";
    snprintf(path, sizeof path, "%s/test_plot.svg", dir);
    CHECK(plot_save(p, path, err, sizeof err), "saving %s: %s", path, err);
    size_t n = 0;
    char *svg = slurp(path, &n);
    CHECK(svg && strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"40\""), "svg header");
    CHECK(svg && strstr(svg, "<rect x=\"10\" y=\"20\" width=\"30\" height=\"40\" fill=\"#123456\"/>"), "the rectangle");
    CHECK(svg && !strstr(svg, "#ff0000"), "an empty rectangle was written");
    CHECK(svg && strstr(svg, "stroke=\"#00aa00\" stroke-width=\"3\"") && strstr(svg, "points=\"0.5,0.5 63.5,39.5\""),
          "the line");
    /* text: its pixels as a path ('H' starts with a 2 x 2 pixel at the text's corner), the
     * text itself escaped in a title */
    CHECK(svg && strstr(svg, "<path fill=\"#222222\" d=\"M2 2h2v2h-2z") &&
              strstr(svg, "<title>Hi&lt;&amp;&gt;</title>"),
          "the text");
    free(svg);

    snprintf(path, sizeof path, "%s/test_plot.png", dir);
    bool ok = plot_save(p, path, err, sizeof err);
    if (plot_png_supported()) {
        CHECK(ok, "saving %s: %s", path, err);
        unsigned char *png = (unsigned char *)slurp(path, &n);
        CHECK(png && n > 33 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8) && !memcmp(png + 12, "IHDR", 4), "PNG signature");
        if (png && n > 33) {
            uint32_t w = (uint32_t)png[16] << 24 | (uint32_t)png[17] << 16 | (uint32_t)png[18] << 8 | png[19];
            uint32_t h = (uint32_t)png[20] << 24 | (uint32_t)png[21] << 16 | (uint32_t)png[22] << 8 | png[23];
            CHECK(w == 64 && h == 40 && png[24] == 8 && png[25] == 2, "IHDR %ux%u depth %u colour type %u", w, h,
                  png[24], png[25]);
        }
        free(png);
    } else {
        CHECK(!ok && strstr(err, "no PNG support"), "a build without PNG: %s", err);
    }
    snprintf(path, sizeof path, "%s/no-such-dir/x.svg", dir);
    CHECK(!plot_save(p, path, err, sizeof err) && strstr(err, "cannot write"), "an unwritable path: %s", err);
    CHECK(!plot_save(p, "x.bmp", err, sizeof err) && strstr(err, ".png or .svg"), "an unknown format: %s", err);
    plot_destroy(p);
    plot_destroy(NULL);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    check_font();
    check_formats();
    check_writers(dir);
    return test_finish("test_plot");
}
