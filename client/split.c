/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* split.c - lines of a paste, parts of an over-long message (see
 * split.h). */
#include <string.h>

#include "split.h"

static bool is_break(char c)
{
	return c == '\n' || c == '\r';
}

/* A byte that continues a UTF-8 sequence (10xxxxxx). */
static bool is_cont(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

bool split_has_break(const char *s, size_t n)
{
	return memchr(s, '\n', n) || memchr(s, '\r', n);
}

const char *split_line(const char *text, size_t len, size_t *off, size_t *n)
{
	size_t i = *off, start = i;

	if (i >= len)
		return NULL;
	while (i < len && !is_break(text[i]))
		i++;
	*n = i - start;
	if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
		i++;
	*off = i < len ? i + 1 : len;
	return text + start;
}

bool split_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* buffer_append(), but nothing at all for no bytes (it would memcpy()
 * to a buffer that has no memory yet). */
static int append(struct buffer *out, const char *s, size_t n)
{
	return n ? buffer_append(out, s, n) : 0;
}

int split_expand_tabs(struct buffer *out, const char *s, size_t n)
{
	static const char spaces[SPLIT_TAB_WIDTH] = "        ";
	size_t col = 0, from = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\t') {
			col += !is_cont(s[i]);
			continue;
		}
		size_t pad = SPLIT_TAB_WIDTH - col % SPLIT_TAB_WIDTH;

		if (append(out, s + from, i - from) < 0 || append(out, spaces, pad) < 0)
			return -1;
		col += pad;
		from = i + 1;
	}
	return append(out, s + from, n - from);
}

/* Where to end a part of rest[0..r) (r > limit) at a space: the end of
 * the last word that fits, or 0 if no word ends within the limit. */
static size_t word_end(const char *rest, size_t limit)
{
	size_t i = limit, end;

	while (i > 0 && rest[i] != ' ')
		i--;
	end = i;
	while (end > 0 && rest[end - 1] == ' ')
		end--;
	return end;
}

/* Where to cut rest[0..r) (r > limit) inside a word: the last code point
 * boundary at or before limit; the first code point whole if even that
 * is longer than the limit. */
static size_t cp_cut(const char *rest, size_t r, size_t limit)
{
	size_t end = limit;

	while (end > 0 && is_cont(rest[end]))
		end--;
	if (end > 0)
		return end;
	end = 1;
	while (end < r && is_cont(rest[end]))
		end++;
	return end;
}

const char *split_part(const char *text, size_t len, size_t limit, size_t *off, size_t *n)
{
	size_t i = *off, r, end, sp = 0;
	const char *rest;

	if (limit == 0)
		limit = 1;
	/* A later part starts after the spaces it was cut at; the first
	 * keeps its indent unless the indent alone is over the limit. */
	while (i + sp < len && text[i + sp] == ' ')
		sp++;
	if (i > 0 || sp >= limit)
		i += sp;
	if (i >= len || split_blank(text + i, len - i)) {
		*off = len;
		return NULL;
	}
	rest = text + i;
	r = len - i;
	if (r <= limit) {
		end = r;
	} else {
		end = word_end(rest, limit);
		if (end == 0)
			end = cp_cut(rest, r, limit);
	}
	*n = end;
	*off = i + end;
	return rest;
}

size_t split_count(const char *text, size_t len, size_t limit)
{
	size_t off = 0, n, count = 0;

	while (split_part(text, len, limit, &off, &n))
		count++;
	return count;
}
