/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* flood.h - traffic for the fault tests: posters that flood the room
 * from child processes with numbered messages ("SAY a-0", "SAY a-1", ...),
 * and an observer that checks every event it receives: sequence numbers
 * step by exactly one, each poster's numbers come in order from 0, and
 * the only LEAVE events are the posters' own (closed) and the victim's
 * (with the reason expected). */
#ifndef LCHAT_E2E_FLOOD_H
#define LCHAT_E2E_FLOOD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

/* What an observer saw of the room. */
struct seen {
	uint64_t last_seq;        /* every event must be last_seq + 1 */
	long next[2];             /* next expected message number of a and b */
	int lost;                 /* LEAVE events for `victim` (reason: below) */
	int closed;               /* posters (alice, bob) that left, closed */
	const char *reason;       /* the victim's LEAVE reason; NULL: lost */
};

/* Read the observer's next event and account for it; fails the test on
 * a gap, a repeat, a message out of order or an unexpected LEAVE. The
 * posters' tags are 'a' and 'b' (their names alice and bob). Returns the
 * line, valid until the next read. */
const char *observe(struct tclient *obs, struct seen *s, const char *victim);

/* A child process joins as `name` and posts "SAY <tag>-<n>" for n from 0
 * to count - 1, in bursts of 100 with pause_ms between them, reading (and
 * dropping) everything it receives. It stops when the connection ends;
 * with wait_acks it stays until all its messages are acknowledged and
 * exits 0, or 1 if that takes over 60 s. */
pid_t post_from_child(const char *sock, const char *name, char tag, long count, int pause_ms,
		      bool wait_acks);

/* Reap a child; it must have exited with status 0. */
void assert_child_exit_0(pid_t pid);

#endif
