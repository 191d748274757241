/* wake.h - waking a member's handler when the room log moves.
 *
 * A writer signals each joined member with WAKE_SIGNAL, which the handler
 * reads from its signalfd next to its client socket. The per-slot `wake`
 * flag coalesces: a handler that already has a wake-up pending is not
 * signalled again, so under load one wake-up carries many events. SIGURG is
 * used because its default action is to do nothing. */
#ifndef LCHAT_WAKE_H
#define LCHAT_WAKE_H

#include <signal.h>

#define WAKE_SIGNAL SIGURG

struct room_slot;

/* Writer side: wake the slot's handler unless a wake-up is pending. */
void wake_slot(struct room_slot *s);
/* Handler side: call after reading the signalfd and before reading the
 * log head, so a publish that races with the drain wakes us again. */
void wake_ack(struct room_slot *s);
/* Daemon side: forget the slot's pid before the pid is reaped, waiting out
 * any writer that is signalling it at this moment, so that a recycled pid
 * is never signalled. */
void wake_forget_pid(struct room_slot *s);

#endif
