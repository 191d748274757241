/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* conns.h - the daemon's own record of the connections it serves, so that
 * accepting one costs the same with 10 or 10,000 open: which slots are
 * free, and per uid how many connections it has and which of them may not
 * have joined yet. It is the daemon's private memory: nothing a handler
 * writes changes it, except that the daemon reads a slot's state to learn
 * that its handler has joined (it sees no JOIN happen).
 *
 * "Not joined yet" is a list of candidates, per uid and for everyone: a
 * connection is one from its claim until the daemon sees its slot no
 * longer CONNECTED, or releases it. A list may still hold connections that
 * have joined since; it is pruned, oldest first, only when its length
 * reaches the limit it is compared with, and only until it is below. So a
 * count below its limit may be too high but is known to be below it, and a
 * count at its limit is exact. Pruning looks once at each connection that
 * joined, and at the ones still joining: at most the limit of them. */
#ifndef LCHAT_CONNS_H
#define LCHAT_CONNS_H

#include <stdint.h>
#include <sys/types.h>

#include "room.h"

/* What the connections open now come to, for the limits on a new one. */
struct conn_counts {
	long of_uid;             /* from this uid, joined or not */
	long unjoined_of_uid;    /* from this uid, not joined yet */
	long unjoined;           /* from anyone, not joined yet */
};

struct conns;

/* The record for a room of `slots` slots, all free; NULL if out of
 * memory. */
struct conns *conns_new(uint32_t slots);
void conns_free(struct conns *c);

/* A free slot, or -1 if every slot is in use. */
int conns_free_slot(const struct conns *c);
/* Free slot `slot` is claimed for a connection of uid, not joined yet. */
void conns_add(struct conns *c, uint32_t slot, uid_t uid);
/* The connection in slot `slot` is over (its handler reaped): it counts
 * no more, but the slot is not free until conns_freed() says so (the
 * fan-out writer may still hold the connection). */
void conns_closed(struct conns *c, uint32_t slot);
/* Slot `slot`, closed, may be handed out again. */
void conns_freed(struct conns *c, uint32_t slot);
/* The counts of uid's connections and of those not joined yet, with the
 * limits they are compared with (the unjoined counts are exact when they
 * reach their limits; see above). */
void conns_count(struct conns *c, struct room *r, uid_t uid, long max_unjoined_per_uid,
		 long max_unjoined, struct conn_counts *out);

#endif
