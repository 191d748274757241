/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* outq.h - each connection's reply queue: what its handler answers its own
 * user (HELLO, ERR, WHO, OK JOIN, MOTD, BYE), on its way to the fan-out
 * writer, which sends it in order with the room's events.
 *
 * One queue per slot, in a shared anonymous mapping that the daemon makes
 * before it forks: memory only, never in the room file. A queue is a byte
 * ring with one producer (the slot's handler) and one consumer (the
 * writer). Each entry is a run of whole lines and the sequence number
 * before which it is due: every event below `due` reaches the member first.
 * A full queue stops the handler (it waits for the writer to take some,
 * and meanwhile reads nothing from its client); the room never waits. */
#ifndef LCHAT_OUTQ_H
#define LCHAT_OUTQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One page per connection, header included: a queue is counted in the
 * memory of every user, and replies are short (a WHO of many members
 * goes through in turns, as the writer takes it). */
#define OUTQ_BYTES (4096 - 16)
#define OUTQ_HDR 12      /* an entry's header: due, len */
/* How long the writer tries to send a closing connection's last lines. */
#define CLOSE_FLUSH_MS 2000

/* head and tail are positions modulo 2 * OUTQ_BYTES (the ring's size is
 * no power of two, so free-running counters would jump at their wrap): a
 * position p is ring[p % OUTQ_BYTES], and head - tail (mod 2 * OUTQ_BYTES)
 * is the bytes queued, 0 to OUTQ_BYTES. */
struct outq {
	_Atomic uint32_t head;       /* where the producer puts next */
	_Atomic uint32_t tail;       /* where the consumer takes next */
	_Atomic uint32_t want_space; /* 1: the handler waits for room */
	uint32_t pad;
	char ring[OUTQ_BYTES];
} __attribute__((aligned(4096)));

/* An entry as the writer sees it, without taking it. */
struct outq_entry {
	uint64_t due;
	uint32_t len;                /* bytes of lines */
	uint32_t next;               /* the tail once this entry is taken */
};

/* The queues of max_users slots; NULL with errno if mmap failed. */
struct outq *outq_map(uint32_t max_users);
void outq_unmap(struct outq *q, uint32_t max_users);

/* A slot's queue is emptied by the daemon before a new connection uses it. */
void outq_reset(struct outq *q);

/* The largest entry that fits in an empty queue. */
#define OUTQ_ENTRY_MAX (OUTQ_BYTES - OUTQ_HDR)

/* Producer: put len bytes (whole lines, len <= OUTQ_ENTRY_MAX) due before
 * `due`. Returns false if they do not fit now. */
bool outq_put(struct outq *q, uint64_t due, const char *lines, size_t len);
/* Producer: bytes free now. */
size_t outq_space(struct outq *q);

/* Consumer: the entry at position `pos` (the tail, or a previous entry's
 * next), false if none. outq_copy copies its lines to out. */
bool outq_peek(struct outq *q, uint32_t pos, struct outq_entry *e);
void outq_copy(struct outq *q, uint32_t pos, const struct outq_entry *e, char *out);
/* Consumer: entries up to `pos` are taken. Returns true if the producer
 * was waiting for room (it must be woken). */
bool outq_take(struct outq *q, uint32_t pos);

static inline bool outq_empty(struct outq *q)
{
	return atomic_load(&q->head) == atomic_load(&q->tail);
}

#endif
