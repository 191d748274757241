/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* safe.h - text that came from the daemon, made safe to print with
 * common/sanitize.c before it reaches a terminal or a JSON document. */
#ifndef LCHAT_ADMIN_SAFE_H
#define LCHAT_ADMIN_SAFE_H

#include <stddef.h>
#include <stdio.h>

/* A sanitized, NUL-terminated copy of s (n bytes); free() it. NULL if out
 * of memory. */
char *safe_dup(const char *s, size_t n);

/* Write s (n bytes) to f sanitized. -1 if out of memory. */
int safe_print(FILE *f, const char *s, size_t n);

#endif
