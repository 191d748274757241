/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* script.c - the scripting mode (see script.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rows.h"
#include "script.h"
#include "session.h"
#include "util.h"

int script_init(struct script *sc, struct session *s, bool listen)
{
	memset(sc, 0, sizeof(*sc));
	sc->s = s;
	sc->listen = listen;
	sc->tty = rows_terminal(STDOUT_FILENO);
	return linebuf_init(&sc->in, MAX_LINE_MAX);
}

void script_free(struct script *sc)
{
	linebuf_free(&sc->in);
}

bool script_want_stdin(const struct script *sc)
{
	return !sc->eof && session_ready(sc->s) && linebuf_room(&sc->in) > 0;
}

void script_read(struct script *sc)
{
	size_t avail;
	char *space = linebuf_space(&sc->in, &avail);
	ssize_t n = read(STDIN_FILENO, space, avail);

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		session_status(sc->s, "cannot read stdin: %s", strerror(errno));
		sc->eof = true;
		return;
	}
	if (n == 0) {
		sc->eof = true;
		/* A last line without its "\n" is a line too. */
		if (linebuf_partial(&sc->in)) {
			space = linebuf_space(&sc->in, &avail);
			if (avail) {
				space[0] = '\n';
				linebuf_commit(&sc->in, 1);
			}
		}
		return;
	}
	linebuf_commit(&sc->in, (size_t)n);
}

static void leave(struct script *sc)
{
	sc->quit_sent = true;
	session_quit(sc->s, NULL);
}

void script_pump(struct script *sc)
{
	if (sc->out_error && !sc->quit_sent) {
		leave(sc);
		return;
	}
	while (session_ready(sc->s) && !sc->quit_sent) {
		char *line;
		size_t len;
		enum line_status st = linebuf_next(&sc->in, &line, &len);

		if (st == LINE_TOO_LONG) {
			session_status(sc->s, "an input line longer than %d bytes was not sent",
				       MAX_LINE_MAX);
			if (sc->s->exit_code < EXIT_RUNTIME)
				sc->s->exit_code = EXIT_RUNTIME;
			continue;
		}
		if (st == LINE_OK) {
			session_input(sc->s, line, len);
			continue;
		}
		if (sc->eof && !sc->listen)
			leave(sc);
		break;
	}
}

void script_print(void *ctx, const char *line, bool bell)
{
	struct script *sc = ctx;

	(void)bell;
	if (sc->out_error)
		return;
	/* On a terminal, read by someone: folded, never wrapped by the
	 * terminal (rows.h); for a program, as it is. */
	if (rows_put(stdout, line, sc->tty ? rows_width(STDOUT_FILENO) : 0, sc->tty, NULL) < 0)
		sc->out_error = true;
}
