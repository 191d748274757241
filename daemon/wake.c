/* wake.c - coalesced signal wake-ups of member handlers (see wake.h).
 *
 * Ordering: the writer publishes next_seq, then exchanges the slot's flag;
 * the handler clears the flag, then loads next_seq. All four are seq_cst, so
 * either the writer sees the cleared flag and signals, or the handler sees
 * the new head. */
#include "wake.h"

#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "log.h"
#include "room.h"

void wake_slot(struct room_slot *s)
{
	atomic_fetch_add(&s->busy, 1);
	pid_t pid = atomic_load(&s->pid);
	if (pid > 0 && atomic_exchange(&s->wake, 1) == 0)
		kill(pid, WAKE_SIGNAL);
	atomic_fetch_sub(&s->busy, 1);
}

void wake_ack(struct room_slot *s)
{
	atomic_store(&s->wake, 0);
}

void wake_forget_pid(struct room_slot *s)
{
	atomic_store(&s->pid, 0);
	atomic_store(&s->wake, 1);
	/* A writer between its increment and decrement is a few instructions
	 * from done. Only one killed right there never finishes: after a
	 * second, far longer than any live writer is descheduled on a loaded
	 * machine, the count is taken as that of a dead writer and reset. */
	for (int i = 0; atomic_load(&s->busy) != 0; i++) {
		if (i >= 10000) {
			log_msg(LOG_WARNING, "wake: slot still busy after 1 s; a writer died mid-wake");
			atomic_store(&s->busy, 0);
			break;
		}
		if (i < 100) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 100000 };
			nanosleep(&ts, NULL);
		}
	}
}
