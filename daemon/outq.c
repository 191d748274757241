/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* outq.c - the per-connection reply queues (see outq.h).
 *
 * An entry is a 12-byte header (due, len) and its bytes, and may wrap
 * around the ring's end. The producer writes the entry and then publishes
 * head (release); the consumer reads head (acquire), copies, and publishes
 * tail for the producer. Positions run modulo 2 * OUTQ_BYTES (outq.h). */
#include "outq.h"

#include <string.h>
#include <sys/mman.h>

struct outq *outq_map(uint32_t max_users)
{
	void *p = mmap(NULL, (size_t)max_users * sizeof(struct outq), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void outq_unmap(struct outq *q, uint32_t max_users)
{
	if (q)
		munmap(q, (size_t)max_users * sizeof(struct outq));
}

void outq_reset(struct outq *q)
{
	atomic_store(&q->head, 0);
	atomic_store(&q->tail, 0);
	atomic_store(&q->want_space, 0);
}

#define SPAN (2u * OUTQ_BYTES)

_Static_assert(sizeof(struct outq) == 4096, "a reply queue is one page");

static uint32_t advance(uint32_t pos, size_t n)
{
	return (uint32_t)((pos + n) % SPAN);
}

static uint32_t used(uint32_t head, uint32_t tail)
{
	return (head + SPAN - tail) % SPAN;
}

static void ring_write(struct outq *q, uint32_t pos, const void *src, size_t n)
{
	size_t at = pos % OUTQ_BYTES, first = OUTQ_BYTES - at;

	if (first > n)
		first = n;
	memcpy(q->ring + at, src, first);
	memcpy(q->ring, (const char *)src + first, n - first);
}

static void ring_read(struct outq *q, uint32_t pos, void *dst, size_t n)
{
	size_t at = pos % OUTQ_BYTES, first = OUTQ_BYTES - at;

	if (first > n)
		first = n;
	memcpy(dst, q->ring + at, first);
	memcpy((char *)dst + first, q->ring, n - first);
}

size_t outq_space(struct outq *q)
{
	uint32_t n = used(atomic_load_explicit(&q->head, memory_order_relaxed),
			  atomic_load(&q->tail));

	return n > OUTQ_BYTES ? 0 : OUTQ_BYTES - n;
}

bool outq_put(struct outq *q, uint64_t due, const char *lines, size_t len)
{
	if (len == 0 || len > OUTQ_ENTRY_MAX || len + OUTQ_HDR > outq_space(q))
		return false;
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint32_t n = (uint32_t)len;
	ring_write(q, head, &due, 8);
	ring_write(q, advance(head, 8), &n, 4);
	ring_write(q, advance(head, OUTQ_HDR), lines, len);
	atomic_store_explicit(&q->head, advance(head, OUTQ_HDR + n), memory_order_release);
	return true;
}

bool outq_peek(struct outq *q, uint32_t pos, struct outq_entry *e)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_acquire);

	if (pos == head || pos >= SPAN)
		return false;
	ring_read(q, pos, &e->due, 8);
	ring_read(q, advance(pos, 8), &e->len, 4);
	/* The producer is another process, and not trusted to be sane: an
	 * entry that would run past head is not one. */
	if (e->len == 0 || e->len > OUTQ_ENTRY_MAX || used(head, pos) < OUTQ_HDR + e->len)
		return false;
	e->next = advance(pos, OUTQ_HDR + e->len);
	return true;
}

void outq_copy(struct outq *q, uint32_t pos, const struct outq_entry *e, char *out)
{
	ring_read(q, advance(pos, OUTQ_HDR), out, e->len);
}

bool outq_take(struct outq *q, uint32_t pos)
{
	atomic_store(&q->tail, pos);
	return atomic_exchange(&q->want_space, 0) != 0;
}
