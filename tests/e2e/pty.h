/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* pty.h - run a program on a pseudo-terminal of its own and keep every
 * byte it writes to it, for the tests that check exactly what reaches a
 * user's terminal (escape sequences, control characters, bidi controls,
 * invalid UTF-8) rather than what a terminal emulator makes of it. */
#ifndef LCHAT_E2E_PTY_H
#define LCHAT_E2E_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ptyproc {
	pid_t pid;
	int fd;                 /* the master side, non-blocking */
	char *buf;              /* everything read so far, NUL-terminated */
	size_t len, cap;
	bool eof;               /* the slave side is closed (EIO) */
};

/* Start argv (argv[0] a path) on a new pty of rows x cols, as a session
 * leader with the pty as its controlling terminal, with only the
 * environment env (NULL-terminated "KEY=VALUE"). Fails the test if it
 * cannot. */
struct ptyproc *pty_spawn(char *const argv[], char *const env[], int rows, int cols);
/* Type bytes on the terminal. */
void pty_type(struct ptyproc *p, const char *bytes);
/* Read what the program wrote until timeout_ms pass or, if needle is not
 * NULL, until needle appears at or after byte `from` of the output.
 * Returns whether it did (needle NULL: true). */
bool pty_wait(struct ptyproc *p, const char *needle, size_t from, int timeout_ms);
/* pty_wait() that fails the test, showing the output, if needle does not
 * appear. Returns the offset just after it. */
size_t pty_expect(struct ptyproc *p, const char *needle, size_t from, int timeout_ms);
/* Occurrences of needle in the output so far. */
int pty_count(const struct ptyproc *p, const char *needle);
/* n bytes of the output from byte from (at most the last 800 of them),
 * every byte outside printable ASCII as \xNN, for failure messages (a
 * static buffer, replaced by the next call). */
const char *pty_show(const struct ptyproc *p, size_t from, size_t n);
/* SIGTERM the program by pid, drain its output, wait for it (SIGKILL
 * after 5 s); returns its wait status. The output stays readable until
 * pty_free(). */
int pty_stop(struct ptyproc *p);
void pty_free(struct ptyproc *p);

/* Is b[0..n) what a terminal may safely receive? Valid UTF-8; no C0
 * control but those in allowed_c0 (e.g. "\r\n"); no DEL, no C1 (as a
 * code point), no other forbidden code point (sanitize.h: bidi controls,
 * line and paragraph separators...), and no more than
 * TEXT_MAX_NONSPACING nonspacing code points in a row. If not, *why
 * (why_len bytes) says what and where, *at is the byte, and false is
 * returned. */
bool terminal_safe(const char *b, size_t n, const char *allowed_c0, char *why, size_t why_len,
		   size_t *at);

#endif
