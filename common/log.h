/* log.h - one line per event to syslog, or to stderr in the foreground. */
#ifndef LCHAT_LOG_H
#define LCHAT_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Open the log. With to_stderr, lines go to stderr with a timestamp;
 * otherwise to syslog (facility daemon) under `ident`. */
void log_open(const char *ident, bool to_stderr);
/* Close and reopen after a fork so the child does not share state. */
void log_reopen(void);
void log_close(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
