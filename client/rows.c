/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* rows.c - a line on a terminal's rows, never wrapped by the terminal
 * (see rows.h). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "rows.h"
#include "wrap.h"

bool rows_terminal(int fd)
{
	const char *term = getenv("TERM");

	return isatty(fd) && term && term[0] && strcmp(term, "dumb") != 0;
}

int rows_width(int fd)
{
	struct winsize ws;

	return ioctl(fd, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

int rows_put(FILE *f, const char *line, int cols, bool autowrap_off, const char *extra)
{
	struct buffer folded = { 0 };
	sigset_t stop, old;
	bool held = false;
	int r = 0;

	if (wrap_line(&folded, line, cols) < 0 || buffer_append(&folded, "", 1) < 0)
		folded.len = 0;		/* out of memory: the line as it is */
	if (autowrap_off) {
		sigemptyset(&stop);
		sigaddset(&stop, SIGTSTP);
		held = sigprocmask(SIG_BLOCK, &stop, &old) == 0;
		r |= fputs(ROWS_AUTOWRAP_OFF, f) == EOF;
	}
	r |= fputs(folded.len ? folded.data + folded.off : line, f) == EOF;
	r |= fputc('\n', f) == EOF;
	if (extra)
		r |= fputs(extra, f) == EOF;
	if (autowrap_off)
		r |= fputs(ROWS_AUTOWRAP_ON, f) == EOF;
	r |= fflush(f) == EOF;
	if (held && sigprocmask(SIG_SETMASK, &old, NULL) < 0)
		abort();	/* (cannot fail: the set is valid) */
	buffer_free(&folded);
	return r ? -1 : 0;
}
