/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* framing.h - lines out of a byte stream: UTF-8 text, one command or
 * event per line, lines end in "\n" (a "\r" before it is dropped). */
#ifndef LCHAT_FRAMING_H
#define LCHAT_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

/* A line assembler for one connection. The buffer holds at most max_line
 * bytes plus the line end; a longer line is discarded up to its newline and
 * reported once as overlong, so memory never grows with the input. */
struct linebuf {
	char *buf;
	size_t cap;        /* max_line + 2 */
	size_t start;      /* first byte not yet handed out */
	size_t len;        /* end of the bytes held */
	size_t scan;       /* bytes before this were searched for '\n' */
	size_t pending;    /* size of the line handed out last, to consume */
	bool discarding;   /* inside an overlong line */
};

enum line_status {
	LINE_NONE = 0,     /* no complete line yet */
	LINE_OK,           /* a complete line is returned, without its end */
	LINE_TOO_LONG,     /* an overlong line was dropped (reported once) */
};

int linebuf_init(struct linebuf *lb, size_t max_line);
/* The same with storage of the caller's (at least max_line + 2 bytes,
 * from malloc: linebuf_free() frees it). */
void linebuf_adopt(struct linebuf *lb, char *buf, size_t max_line);
void linebuf_free(struct linebuf *lb);
/* Where to read new bytes into, and how many fit. */
char *linebuf_space(struct linebuf *lb, size_t *avail);
/* Bytes linebuf_space() would offer: 0 while unconsumed lines fill it. */
size_t linebuf_room(const struct linebuf *lb);
/* Account for n bytes read into linebuf_space(). */
void linebuf_commit(struct linebuf *lb, size_t n);
/* Take the next line. The returned pointer is valid until the next call to
 * linebuf_next/commit/space. The line is NUL-terminated in place. */
enum line_status linebuf_next(struct linebuf *lb, char **line, size_t *len);
/* True if an unfinished line is buffered (a client that vanished mid-line). */
bool linebuf_partial(const struct linebuf *lb);

#endif
