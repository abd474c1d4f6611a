/* The CLI's bitmap font: 5 x 9 pixel glyphs for printable ASCII (rows 0-6 above the baseline,
 * 7-8 descenders), drawn by every picture vkbert writes (plot.c) so a PNG and an SVG of one
 * chart carry the same letters. */
#ifndef VKBERT_FONT_H
#define VKBERT_FONT_H
#include <stdbool.h>

#define FONT_GLYPH_W 5 /* pixels per glyph row */
#define FONT_GLYPH_H 9 /* rows per glyph */
#define FONT_ADVANCE 6 /* pixels from one character to the next (a column of space) */

/* Whether pixel (col, row) of character c is set; a character outside ' '..'~' draws as '?'. */
bool font_pixel(char c, int col, int row);
/* The glyph rows of character c as the table spells them ("#" set, "." clear, rows separated
 * by spaces, missing rows clear); NULL outside ' '..'~'. For the tests. */
const char *font_glyph(char c);

#endif
