/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* json.h - the little JSON that lchat-admin --json writes. */
#ifndef LCHAT_ADMIN_JSON_H
#define LCHAT_ADMIN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Write s (n bytes, valid UTF-8: sanitize first) as a JSON string with
 * its quotes: '"' and '\' escaped, control characters (and DEL) as
 * \u00XX, everything else as it is. */
void json_string(FILE *f, const char *s, size_t n);

/* Write a STATUS key as a JSON object key: '-' becomes '_'. */
void json_key(FILE *f, const char *key, size_t n);

/* Is s (n bytes) a decimal integer that may be written as a JSON number
 * ("0", "42", "-7"; no leading zeros, at most 18 digits)? */
bool json_is_integer(const char *s, size_t n);

#endif
