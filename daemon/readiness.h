/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* readiness.h - the start-up pipe between lchatd's processes: a daemon
 * writes "R" once both sockets accept connections, or "E<reason>" if it
 * cannot start; the supervisor passes the first answer on to the lchatd
 * command the shell waits for. */
#ifndef LCHAT_READINESS_H
#define LCHAT_READINESS_H

#include <stddef.h>

/* Say "ready" on fd. */
void readiness_ok(int fd);
/* Log why start-up failed and say it on fd (if fd >= 0). */
void readiness_fail(int fd, const char *reason);
/* Wait for the word on fd, at most timeout_ms (-1: no limit). Returns 0
 * for "ready"; otherwise -1 with the reason (or what went wrong) in err. */
int readiness_wait(int fd, int timeout_ms, char *err, size_t errlen);

#endif
