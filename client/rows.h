/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* rows.h - putting a line on a terminal's rows so that the terminal never
 * wraps one by itself: folded by us (wrap.h), and with the terminal's
 * autowrap (DECAWM) off while it is written. A row we measured narrower
 * than the terminal draws it (a width the C library does not know, a
 * locale that is not the terminal's, a resize not yet seen) is then
 * clipped at the right edge instead of going on at column 0 of a row of
 * its own, where it would pass for a line of its own (another user's
 * message, a notice). The interactive interface (term.c) writes every
 * line this way; so do the scripting mode's stdout and the status lines
 * on stderr when they are a terminal. */
#ifndef LCHAT_CLIENT_ROWS_H
#define LCHAT_CLIENT_ROWS_H

#include <stdbool.h>
#include <stdio.h>

/* DECAWM: the terminal's autowrap, off and on. */
#define ROWS_AUTOWRAP_OFF "\033[?7l"
#define ROWS_AUTOWRAP_ON "\033[?7h"

/* Is fd a terminal that takes escape sequences (a tty, and TERM set and
 * not "dumb")? */
bool rows_terminal(int fd);
/* The width of the terminal on fd in columns, 0 if unknown. */
int rows_width(int fd);
/* Write line (sanitized, as wrap_line() takes it) to f folded to cols
 * (wrap_line(); the line as it is when cols is 0 or memory runs out),
 * then "\n" and extra (NULL: nothing). With autowrap_off: the terminal's
 * autowrap is off from before the line until after extra, in the same
 * flush, and a stop (SIGTSTP, Ctrl-Z) is held off until then, so that
 * whatever runs next (readline, which counts on autowrap; the shell)
 * gets it on. Returns 0, or -1 when writing failed. */
int rows_put(FILE *f, const char *line, int cols, bool autowrap_off, const char *extra);

#endif
