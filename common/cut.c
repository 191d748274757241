/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* cut.c - cutting text on a character boundary (see cut.h). */
#include "cut.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

/* The length of the character at s (n > 0 bytes): its UTF-8 sequence,
 * or 1 for a byte that does not start a valid one. */
static size_t char_len(const char *s, size_t n, uint32_t *cp)
{
	size_t k = utf8_decode(s, n, cp);

	if (k == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	return k;
}

size_t text_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t at = 0, base = 0;   /* base: where the last spacing character starts */
	uint32_t cp;
	while (at < n) {
		size_t k = char_len(s + at, n - at, &cp);
		if (at + k > max)
			break;
		if (!codepoint_is_nonspacing(cp))
			base = at;
		at += k;
	}
	/* The character the cut falls on: if it is a mark, its base goes too. */
	char_len(s + at, n - at, &cp);
	if (codepoint_is_nonspacing(cp) && base > 0)
		return base;
	return at;
}

size_t text_copy(char *out, size_t cap, const char *s, size_t n)
{
	if (cap == 0)
		return 0;
	n = text_cut(s, n, cap - 1);
	memmove(out, s, n);
	out[n] = '\0';
	return n;
}

size_t text_copy_str(char *out, size_t cap, const char *s)
{
	return text_copy(out, cap, s, strlen(s));
}

size_t text_vprintf(char *out, size_t cap, const char *fmt, va_list ap)
{
	va_list again;

	if (cap == 0)
		return 0;
	va_copy(again, ap);
	int n = vsnprintf(out, cap, fmt, ap);
	if (n < 0) {
		va_end(again);
		out[0] = '\0';
		return 0;
	}
	if ((size_t)n < cap) {
		va_end(again);
		return (size_t)n;
	}
	/* Cut off: where to cut depends on the bytes after the cut. */
	char *whole = malloc((size_t)n + 1);
	if (whole && vsnprintf(whole, (size_t)n + 1, fmt, again) == n) {
		va_end(again);
		size_t k = text_copy(out, cap, whole, (size_t)n);
		free(whole);
		return k;
	}
	va_end(again);
	free(whole);
	/* Out of memory: at least never end inside a sequence. */
	size_t len = cap - 1;
	for (size_t back = 1; back <= 3 && back <= len; back++) {
		unsigned char c = (unsigned char)out[len - back];
		if ((c & 0xC0) == 0x80)
			continue;            /* a continuation byte: look further back */
		size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (need > back)
			len -= back;         /* the sequence it starts was cut off */
		break;
	}
	out[len] = '\0';
	return len;
}

size_t text_printf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	size_t n = text_vprintf(out, cap, fmt, ap);
	va_end(ap);
	return n;
}
