/* wake.h - waking a member's handler when the room log moves.
 *
 * Events for everyone: one eventfd, made by the daemon and inherited by
 * every handler, which watches it edge-triggered in its epoll set once it
 * has joined. One write() wakes every member that sleeps, in the kernel:
 * the writer makes one system call however many members there are, and a
 * member that is awake already just finds one more event queued. The
 * counter is never read, so it stays readable; edge-triggered epoll reports
 * each write anew (writes that come while a member has not yet collected
 * the last one coalesce into one event).
 *
 * Events for one member (private messages and notices, kicks) use a
 * signal, and so does everything when there is no eventfd (unit tests):
 * A writer signals each joined member with WAKE_SIGNAL, which the handler
 * reads from its signalfd next to its client socket. The per-slot `wake`
 * flag coalesces: a handler that already has a wake-up pending is not
 * signalled again, so under load one wake-up carries many events. SIGURG is
 * used because its default action is to do nothing.
 *
 * Wake-ups are sent with the room lock held. The daemon frees a dead
 * handler's slot under the same lock before it reaps the pid, so a pid read
 * from the table can never have been recycled by the time it is signalled,
 * and a writer that dies between setting a flag and signalling is found by
 * the next locker (EOWNERDEAD), which wakes everyone (wake_slot_forced on
 * each member, and the eventfd). */
#ifndef LCHAT_WAKE_H
#define LCHAT_WAKE_H

#include <signal.h>

#define WAKE_SIGNAL SIGURG

struct room_slot;

/* Writer side, room lock held: wake the slot's handler unless a wake-up
 * is pending. */
void wake_slot(struct room_slot *s);
/* Room lock held: wake the slot's handler whatever its flag says. */
void wake_slot_forced(struct room_slot *s);
/* Handler side: call after reading the signalfd and before reading the
 * log head, so a publish that races with the drain wakes us again. */
void wake_ack(struct room_slot *s);

/* Wake every member watching the broadcast eventfd fd. */
void wake_broadcast(int fd);

#endif
