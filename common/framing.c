/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* framing.c - the line assembler of framing.h. */
#include "framing.h"

#include <stdlib.h>
#include <string.h>

int linebuf_init(struct linebuf *lb, size_t max_line)
{
	memset(lb, 0, sizeof(*lb));
	lb->cap = max_line + 2;    /* room for "\r\n" */
	lb->buf = malloc(lb->cap);
	return lb->buf ? 0 : -1;
}

void linebuf_adopt(struct linebuf *lb, char *buf, size_t max_line)
{
	memset(lb, 0, sizeof(*lb));
	lb->cap = max_line + 2;
	lb->buf = buf;
}

void linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
}

char *linebuf_space(struct linebuf *lb, size_t *avail)
{
	lb->start += lb->pending;
	lb->pending = 0;
	if (lb->start > 0) {
		memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->scan = lb->scan > lb->start ? lb->scan - lb->start : 0;
		lb->start = 0;
	}
	*avail = lb->cap - lb->len;
	return lb->buf + lb->len;
}

size_t linebuf_room(const struct linebuf *lb)
{
	return lb->cap - (lb->len - lb->start - lb->pending);
}

void linebuf_commit(struct linebuf *lb, size_t n)
{
	lb->len += n;
}

enum line_status linebuf_next(struct linebuf *lb, char **line, size_t *len)
{
	lb->start += lb->pending;
	lb->pending = 0;
	if (lb->scan < lb->start)
		lb->scan = lb->start;

	for (;;) {
		char *nl = memchr(lb->buf + lb->scan, '\n', lb->len - lb->scan);
		if (!nl) {
			lb->scan = lb->len;
			if (lb->len - lb->start < lb->cap)
				return LINE_NONE;
			/* Full without a line end: an overlong line. Drop it
			 * and everything up to its newline; report it once. */
			bool first = !lb->discarding;
			lb->discarding = true;
			lb->start = lb->len = lb->scan = 0;
			return first ? LINE_TOO_LONG : LINE_NONE;
		}
		size_t end = (size_t)(nl - lb->buf);
		if (lb->discarding) {
			lb->discarding = false;
			lb->start = lb->scan = end + 1;
			continue;
		}
		size_t n = end - lb->start;
		if (n > 0 && lb->buf[end - 1] == '\r')
			n--;
		if (n > lb->cap - 2) {
			/* the "\r" allowance let a max_line+1 byte line in */
			lb->start = lb->scan = end + 1;
			return LINE_TOO_LONG;
		}
		lb->buf[lb->start + n] = '\0';
		*line = lb->buf + lb->start;
		*len = n;
		lb->pending = end + 1 - lb->start;
		lb->scan = end + 1;
		return LINE_OK;
	}
}

bool linebuf_partial(const struct linebuf *lb)
{
	return lb->discarding || lb->len > lb->start + lb->pending;
}
