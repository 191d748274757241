/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* script.h - the scripting mode, used when stdin or stdout is not a
 * terminal: lines from stdin are sent one at a time, each after the
 * previous one was acknowledged (a rate-limited line is sent again later),
 * so nothing is lost and the order is kept; at the end of stdin the client
 * leaves (QUIT) once everything was acknowledged. Events go to stdout as
 * plain lines (lchat(1), SCRIPTING), status and errors to stderr; on a
 * terminal folded to its width and never wrapped by it (rows.h). */
#ifndef LCHAT_CLIENT_SCRIPT_H
#define LCHAT_CLIENT_SCRIPT_H

#include <stdbool.h>

#include "protocol.h"

struct session;

struct script {
	struct session *s;
	struct linebuf in;
	bool eof;          /* stdin ended */
	bool listen;       /* stay after the end of stdin, until a signal */
	bool quit_sent;
	bool out_error;    /* stdout failed (a closed pipe): leave */
	bool tty;          /* stdout is a terminal: lines folded (rows.h) */
};

int script_init(struct script *sc, struct session *s, bool listen);
void script_free(struct script *sc);
/* Should stdin be polled now? */
bool script_want_stdin(const struct script *sc);
/* Read what is waiting on stdin. */
void script_read(struct script *sc);
/* Send the next buffered lines while the session is ready; QUIT at the
 * end of input. */
void script_pump(struct script *sc);
/* The session's print callback: one line to stdout. */
void script_print(void *ctx, const char *line, bool bell);

#endif
