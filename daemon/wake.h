/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wake.h - wake-ups between the room's processes.
 *
 * The fan-out writer (fanout.c) sleeps in epoll on an eventfd. Whoever
 * posts to it (an event in the log, a reply queued, a connection closing)
 * calls wake_writer(): it bumps the header's `posted` counter and writes
 * the eventfd only if the writer said it is going to sleep
 * (writer_sleeping), so under load many posts cost the writer one wake-up
 * and the posters no system call. The writer sets writer_sleeping, then
 * compares `posted` with the value it read before its last pass, and
 * sleeps only if nothing came meanwhile; all of it seq_cst, so either the
 * poster sees the flag and writes, or the writer sees the count and does
 * not sleep.
 *
 * A handler is woken by a signal, WAKE_SIGNAL, read from its signalfd: by
 * an administrator (kick, ban), and by the writer (its reply queue has room
 * again, its connection is closed, it was dropped as lagged). The per-slot
 * `wake` flag coalesces them. SIGURG is used because its default action is
 * to do nothing. Handlers are signalled only with the room lock held: the
 * daemon frees a dead handler's slot under the same lock before it reaps
 * the pid, so a pid read from the table can never have been recycled. */
#ifndef LCHAT_WAKE_H
#define LCHAT_WAKE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define WAKE_SIGNAL SIGURG

struct room;
struct room_slot;

/* Room lock held: wake the slot's handler unless a wake-up is pending. */
void wake_slot(struct room_slot *s);
/* Room lock held: wake the slot's handler whatever its flag says. */
void wake_slot_forced(struct room_slot *s);
/* Handler side: call after reading the signalfd and before looking at
 * what the wake-up may be for. */
void wake_ack(struct room_slot *s);

/* Tell the fan-out writer there is something to send. Any process, lock
 * held or not. */
void wake_writer(struct room *r);
/* The writer: about to sleep after a pass that began when `posted` was
 * `seen`. Returns false if something was posted since: do not sleep. */
bool wake_writer_may_sleep(struct room *r, uint64_t seen);
/* The writer, awake: the count to remember before its next pass. */
uint64_t wake_writer_awake(struct room *r);

#endif
