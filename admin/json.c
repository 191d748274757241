/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* json.c - JSON string escaping and number recognition (see json.h). */
#include "json.h"

/* A JSON string; with keys, '-' becomes '_'. */
static void write_escaped(FILE *f, const char *s, size_t n, bool key)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (key && c == '-')
			fputc('_', f);
		else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_string(FILE *f, const char *s, size_t n)
{
	write_escaped(f, s, n, false);
}

void json_key(FILE *f, const char *key, size_t n)
{
	write_escaped(f, key, n, true);
}

bool json_is_integer(const char *s, size_t n)
{
	size_t i = 0;

	if (n && s[0] == '-')
		i++;
	if (i == n || n - i > 18)
		return false;
	if (s[i] == '0' && n - i > 1)
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}
