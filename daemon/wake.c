/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* wake.c - waking the fan-out writer and the handlers (see wake.h). */
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

void wake_writer(struct room *r)
{
	uint64_t one = 1;

	atomic_fetch_add(&r->hdr->posted, 1);
	if (r->notify_fd < 0 || atomic_exchange(&r->hdr->writer_sleeping, 0) == 0)
		return;
	/* The writer never reads the counter (it watches the eventfd
	 * edge-triggered), but at most one write comes per sleep of the
	 * writer: EAGAIN would need 2^64 - 2 of them. */
	while (write(r->notify_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

bool wake_writer_may_sleep(struct room *r, uint64_t seen)
{
	atomic_store(&r->hdr->writer_sleeping, 1);
	if (atomic_load(&r->hdr->posted) == seen)
		return true;
	atomic_store(&r->hdr->writer_sleeping, 0);
	return false;
}

uint64_t wake_writer_awake(struct room *r)
{
	atomic_store(&r->hdr->writer_sleeping, 0);
	return atomic_load(&r->hdr->posted);
}
