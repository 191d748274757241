/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* cut.h - cutting text to fit a buffer without breaking it: every
 * truncation in lchat goes through here, so that a cut never falls inside
 * a UTF-8 sequence (which would send invalid UTF-8 to members, the log or
 * the sanctions file), nor between a character and the combining marks
 * that follow it (which would change how the last character reads). */
#ifndef LCHAT_CUT_H
#define LCHAT_CUT_H

#include <stdarg.h>
#include <stddef.h>

/* How many of the n bytes at s to keep to have at most max: n if they
 * fit, else the longest prefix of at most max bytes that ends on a
 * character boundary and does not leave the nonspacing marks (sanitize.h)
 * of its last character behind (unless that character is the first one:
 * then at the character boundary). Bytes that are not valid UTF-8 count
 * as one character each. */
size_t text_cut(const char *s, size_t n, size_t max);

/* Copy the n bytes at s to out (cap bytes, cap > 0), cut by text_cut() to
 * cap - 1 bytes, and a NUL. Returns the bytes copied. */
size_t text_copy(char *out, size_t cap, const char *s, size_t n);
/* text_copy() of a C string. */
size_t text_copy_str(char *out, size_t cap, const char *s);

/* snprintf() into out (cap > 0) whose output, when it does not fit, is cut
 * by text_cut() instead of at the last byte. Returns the bytes written. */
size_t text_printf(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t text_vprintf(char *out, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
