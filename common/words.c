/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* words.c - splitting protocol lines into words and numbers. */
#include "words.h"

#include <string.h>

const char *proto_next_word(const char **p, const char *e, size_t *n)
{
	const char *s = *p;
	const char *sp = memchr(s, ' ', (size_t)(e - s));
	const char *we = sp ? sp : e;

	*n = (size_t)(we - s);
	*p = sp ? sp + 1 : e;
	return s;
}

bool proto_word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

bool proto_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool proto_parse_i64(const char *s, size_t n, int64_t *out)
{
	uint64_t v;

	if (!proto_parse_u64(s, n, &v) || v > INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}
