/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* buffer.h - a growable output buffer: bytes queued for a non-blocking
 * socket, sent from the front as the peer reads. */
#ifndef LCHAT_BUFFER_H
#define LCHAT_BUFFER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>

struct buffer {
	char *data;
	size_t off;    /* first unsent byte */
	size_t len;    /* end of queued bytes */
	size_t cap;
};

/* Bytes queued and not yet sent. */
static inline size_t buffer_pending(const struct buffer *b)
{
	return b->len - b->off;
}
/* Make room for n more bytes at data+len; -1 if out of memory. */
int buffer_reserve(struct buffer *b, size_t n);
int buffer_append(struct buffer *b, const void *p, size_t n);
/* Append one printf-formatted line and its "\n". -1 if out of memory. */
int buffer_printf_line(struct buffer *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buffer_vprintf_line(struct buffer *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Send what is queued with one write. Returns 0 when progress was made or
 * nothing is left, 1 if the socket is full (EAGAIN), -1 on error (errno). */
int buffer_flush(struct buffer *b, int fd);
/* Release memory above `keep` bytes once empty. */
void buffer_trim(struct buffer *b, size_t keep);
void buffer_free(struct buffer *b);

#endif
