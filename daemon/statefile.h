/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* statefile.h - replacing a file of state_dir whole or not at all: a
 * temporary file beside it (mode 0600: readable by nobody else), written,
 * fsync'ed, renamed over it, and the directory fsync'ed. Only the daemon
 * writes these (handlers and the writer are sandboxed, sysfilter.h):
 * the sanctions (sanctions.h) and the users' preferences (prefs.h). */
#ifndef LCHAT_STATEFILE_H
#define LCHAT_STATEFILE_H

#include <stdbool.h>
#include <stdio.h>

/* Write what emit() prints (false: an output error) to path. -1 with
 * errno if the file could not be replaced (the old one is untouched). */
int statefile_write(const char *path, bool (*emit)(FILE *f, const void *ctx), const void *ctx);

#endif
