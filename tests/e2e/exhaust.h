/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* exhaust.h - helpers of the exhaustion tests (test_exhaust.c and
 * torture_exhaustion.c): CPU time over an interval (procfs.h reads
 * /proc), a child that talks to the room as another uid, and latency
 * percentiles. */
#ifndef LCHAT_E2E_EXHAUST_H
#define LCHAT_E2E_EXHAUST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procfs.h"
#include "runcmd.h"

/* The uid that the "other user" of these tests runs as. */
#define OTHER_UID NOBODY

/* Sample pid's CPU time over ms milliseconds (sleeping meanwhile: nothing
 * else is awaited); returns the CPU milliseconds it used. */
long cpu_over(pid_t pid, int ms);

/* Fork a child that becomes OTHER_UID, connects to sock, and writes every
 * line it reads, until the server closes or 5 s pass without one, into a
 * pipe; the lines it sends are `script` ("JOIN x\nSAY y\n", sent after the
 * greeting, one at a time, each after the previous one's reply line and
 * gap_ms more).
 * other_uid_wait() collects what it read ("\n"-separated, at most len
 * bytes) and its exit status (0: it connected and ran the script). The
 * socket's directory must be searchable by that uid. */
pid_t other_uid_start(const char *sock, const char *script, int gap_ms, int *out_fd);
int other_uid_wait(pid_t pid, int out_fd, char *out, size_t len);
/* Both at once: run the script, return what was read. */
int other_uid_run(const char *sock, const char *script, char *out, size_t len);

/* The p-th percentile (0..100) of n values (sorted in place). */
int64_t percentile(int64_t *v, size_t n, double p);

#endif
