/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* log.h - one line per event to syslog, or to stderr in the foreground. */
#ifndef LCHAT_LOG_H
#define LCHAT_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* Open the log. With to_stderr, lines go to stderr with a timestamp;
 * otherwise to syslog (facility daemon) under `ident`. */
void log_open(const char *ident, bool to_stderr);
/* Close and reopen after a fork so the child does not share state. */
void log_reopen(void);
void log_close(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_msg at most once a second per *last (the time of the last line, in
 * monotonic ms): for errors that repeat while a resource is exhausted. */
void log_limited(int64_t *last, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
