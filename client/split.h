/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* split.h - cutting what the user sends into pieces the server takes:
 * text into lines at its line breaks (a paste, a CRLF line of a script),
 * and a message longer than the server's limit into parts at spaces (a
 * word longer than the limit at a code point boundary, never inside a
 * UTF-8 sequence). Pure functions on byte strings, no I/O. */
#ifndef LCHAT_CLIENT_SPLIT_H
#define LCHAT_CLIENT_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "buffer.h"

/* A tab in a pasted line becomes spaces up to the next multiple of this
 * many columns (the server refuses control characters). */
#define SPLIT_TAB_WIDTH 8

/* Does s (n bytes) hold a line break, "\n" or "\r"? */
bool split_has_break(const char *s, size_t n);

/* The next line of text[*off..len): returns where it starts and sets *n
 * to its length without the break ("\n", "\r" or "\r\n"); *off moves
 * past the break. NULL when nothing is left: a break at the very end
 * ends the last line and starts no empty one. */
const char *split_line(const char *text, size_t len, size_t *off, size_t *n);

/* Nothing but spaces and tabs (or nothing at all)? */
bool split_blank(const char *s, size_t n);

/* Append s (n bytes) to out with each tab replaced by spaces up to the
 * next multiple of SPLIT_TAB_WIDTH columns (one column per code point).
 * 0, or -1 when out of memory. */
int split_expand_tabs(struct buffer *out, const char *s, size_t n);

/* The next part of a message text[*off..len) that is at most limit bytes
 * long: returns where it starts and sets *n to its length; *off moves
 * past it and the spaces after it. A part ends at the last space that
 * keeps it within the limit (the spaces there belong to no part); when
 * there is none, it is cut at the last code point boundary within the
 * limit. Text that fits is one part, as it is. NULL when nothing but
 * spaces is left. */
const char *split_part(const char *text, size_t len, size_t limit, size_t *off, size_t *n);

/* How many parts split_part() cuts text into (0 for only spaces). */
size_t split_count(const char *text, size_t len, size_t limit);

#endif
