/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* safe.c - sanitized copies of the daemon's text (see safe.h). */
#include "safe.h"

#include <stdlib.h>

#include "sanitize.h"

/* The longest escape text_sanitize() writes for one byte of input is a C1
 * control (2 bytes) turned into "<U+0085>" (8 bytes): 4 bytes per byte. */
#define SANITIZE_GROWTH 4

char *safe_dup(const char *s, size_t n)
{
	size_t cap = n * SANITIZE_GROWTH + 16;
	char *out = malloc(cap);

	if (out)
		text_sanitize(s, n, out, cap);
	return out;
}

int safe_print(FILE *f, const char *s, size_t n)
{
	char *t = safe_dup(s, n);

	if (!t)
		return -1;
	fputs(t, f);
	free(t);
	return 0;
}
