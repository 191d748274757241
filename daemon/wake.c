/* wake.c - coalesced signal wake-ups of member handlers (see wake.h).
 *
 * Ordering: the writer publishes next_seq, then exchanges the slot's flag;
 * the handler clears the flag, then loads next_seq. All four are seq_cst, so
 * either the writer sees the cleared flag and signals, or the handler sees
 * the new head. */
#include "wake.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "room.h"

void wake_slot(struct room_slot *s)
{
	pid_t pid = atomic_load(&s->pid);

	if (pid > 0 && atomic_exchange(&s->wake, 1) == 0)
		kill(pid, WAKE_SIGNAL);
}

void wake_slot_forced(struct room_slot *s)
{
	pid_t pid = atomic_load(&s->pid);

	atomic_store(&s->wake, 1);
	if (pid > 0)
		kill(pid, WAKE_SIGNAL);
}

void wake_ack(struct room_slot *s)
{
	atomic_store(&s->wake, 0);
}

void wake_broadcast(int fd)
{
	uint64_t one = 1;

	/* EAGAIN would need 2^64 - 2 writes: the counter is never read. */
	while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}
