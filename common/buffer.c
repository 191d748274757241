/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* buffer.c - growable output buffer for non-blocking sockets. */
#include "buffer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int buffer_reserve(struct buffer *b, size_t n)
{
	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->cap - b->len >= n)
		return 0;
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= n)
			return 0;
	}
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buffer_append(struct buffer *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;	/* an empty buffer's data is NULL: no memcpy to it */
	if (buffer_reserve(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int buffer_vprintf_line(struct buffer *b, const char *fmt, va_list ap)
{
	va_list again;

	/* Format straight into the free space; only a line that does not fit
	 * is formatted a second time, after the buffer grows. */
	if (buffer_reserve(b, 256) < 0)
		return -1;
	va_copy(again, ap);
	size_t room = b->cap - b->len;
	int n = vsnprintf(b->data + b->len, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room) {      /* it was cut short */
		if (buffer_reserve(b, (size_t)n + 2) < 0)
			n = -1;
		else
			vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (n < 0)
		return -1;
	b->data[b->len + (size_t)n] = '\n';
	b->len += (size_t)n + 1;
	return 0;
}

int buffer_printf_line(struct buffer *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = buffer_vprintf_line(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buffer_flush(struct buffer *b, int fd)
{
	while (b->off < b->len) {
		ssize_t w = send(fd, b->data + b->off, b->len - b->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			return -1;
		}
		b->off += (size_t)w;
	}
	b->off = b->len = 0;
	return 0;
}

void buffer_trim(struct buffer *b, size_t keep)
{
	if (b->off == b->len && b->cap > keep) {
		free(b->data);
		b->data = NULL;
		b->cap = b->off = b->len = 0;
	}
}

void buffer_free(struct buffer *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
