/* wrap.h - folding a rendered line to the terminal's width.
 *
 * A terminal wraps a long line by itself, and then the next row starts at
 * column 0 with whatever the text had there: a message padded with spaces
 * could put "<alice> ..." or "-!- NOTICE" at the start of a row, looking
 * like a line of its own. The client folds each line itself, a little
 * short of the width, and indents every continuation row, so that only a
 * real line start is ever at column 0. */
#ifndef LCHAT_WRAP_H
#define LCHAT_WRAP_H

#include <stdint.h>

#include "buffer.h"

/* Continuation rows start with this many spaces. */
#define WRAP_INDENT 4

/* The width of one code point on the terminal, as wcwidth() says in the
 * current locale; where it does not know, 0 for nonspacing code points
 * (sanitize.h) and 1 for the rest. */
int wrap_cp_width(uint32_t cp);
/* The columns of a NUL-terminated UTF-8 string (a byte that is not
 * UTF-8 counts as the one-column U+FFFD that text_sanitize() makes of it). */
int wrap_columns(const char *s);

/* Append line (NUL-terminated, sanitized: valid UTF-8, no control
 * characters but the escape sequences "ESC [ ... final" the renderer
 * adds, which take no columns) to out, folded into rows of at most
 * cols - 1 columns, each row after the first starting with WRAP_INDENT
 * spaces. Rows end where the Unicode line-breaking rules (UAX #14) allow,
 * as late as fits: between words, never inside one, unless a word is
 * longer than a row (then it is cut at the edge). The spaces at a fold
 * are dropped. Colours (SGR) active at a fold end before it and begin
 * again after the indent. cols below 2 * WRAP_INDENT + 2 (or unknown, 0)
 * folds nothing. Returns 0, or -1 when out of memory. */
int wrap_line(struct buffer *out, const char *line, int cols);

#endif
