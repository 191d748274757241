/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wrap.h - folding a rendered line to the terminal's width.
 *
 * A terminal wraps a long line by itself, and then the next row starts at
 * column 0 with whatever the text had there: a message padded with spaces
 * could put "<alice> ..." or "-!- NOTICE" at the start of a row, looking
 * like a line of its own. The client folds each line itself, a little
 * short of the width, and indents every continuation row, so that only a
 * real line start is ever at column 0. Where the client and the terminal
 * disagree on a character's width anyway (wrap_cp_width()), the terminal
 * does not wrap either: term.c turns its autowrap off while it prints. */
#ifndef LCHAT_WRAP_H
#define LCHAT_WRAP_H

#include <stdbool.h>
#include <stdint.h>

#include "buffer.h"

/* Continuation rows start with this many spaces. */
#define WRAP_INDENT 4

/* The width of one code point on the terminal, measured on the safe
 * side: a row the client measures too narrow runs past the terminal's
 * edge (clipped there, as term.c turns autowrap off while it prints, but
 * lost), one measured too wide only ends a little early. wcwidth() in the
 * current locale, except where a terminal may well draw more:
 * - code points the C library gives no width (-1: newer than its tables,
 *   unassigned, or any non-ASCII in a locale that is not UTF-8) count 2,
 *   combining marks (Mn, Me) 0;
 * - regional indicators (flags, U+1F1E6..U+1F1FF) count 2;
 * - East Asian Ambiguous characters (Greek, Cyrillic, box drawing, many
 *   symbols) count 2 when wrap_set_ambiguous_wide(true) was called;
 * - in wrap_columns() and wrap_line(), a variation selector 16 after a
 *   narrow character counts 1 (the emoji it makes is 2 wide). */
int wrap_cp_width(uint32_t cp);
/* The columns of a NUL-terminated UTF-8 string (a byte that is not
 * UTF-8 counts as the one-column U+FFFD that text_sanitize() makes of it). */
int wrap_columns(const char *s);

/* Count East Asian Ambiguous characters 2 wide (default: as wcwidth(),
 * 1). Terminals that draw them wide are the ones set up for Chinese,
 * Japanese or Korean; counting them 2 everywhere would halve the rows of
 * Greek or Russian text. */
void wrap_set_ambiguous_wide(bool wide);
/* Does the environment name a Chinese, Japanese or Korean locale
 * (LC_ALL, LC_CTYPE or LANG, the first set, starting "ja", "ko", "zh";
 * installed or not: it is what the user's terminal is likely set up
 * for)? */
bool wrap_locale_is_cjk(void);

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
