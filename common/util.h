/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* util.h - small system helpers shared by all programs. */
#ifndef LCHAT_UTIL_H
#define LCHAT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Write all of buf to a blocking fd, retrying on EINTR. 0 or -1 (errno). */
int write_all(int fd, const void *buf, size_t n);
/* Milliseconds: wall clock (for event times) and monotonic (for timers). */
int64_t now_ms(void);
int64_t mono_ms(void);
/* Ignore SIGPIPE in this process (writes then fail with EPIPE). */
int ignore_sigpipe(void);
/* Block the n signals in sigs (sigprocmask `how`: SIG_BLOCK adds them,
 * SIG_SETMASK makes them the whole mask) and return a non-blocking,
 * close-on-exec signalfd that reads them; -1 on error. */
int signalfd_for(int how, const int *sigs, size_t n);
/* Open a UNIX stream client socket to path (O_CLOEXEC); -1 on error. */
int unix_connect(const char *path);

#endif
