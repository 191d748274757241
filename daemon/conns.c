/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* conns.c - the daemon's private record of its connections (conns.h):
 * doubly-linked lists through an array of slots, and a record per uid
 * found by a hash map (hashidx.h). */
#include "conns.h"
#include "ownmem.h"

#include <stdbool.h>
#include <stdlib.h>

#include "hashidx.h"

#define NONE UINT32_MAX

/* The two ends of a list, and the two ways along it. */
enum { HEAD, TAIL };

/* A list of slots, linked through the slots: end[HEAD] and end[TAIL]. */
struct conn_list {
	uint32_t end[2], n;
};

/* A slot's neighbours: to[HEAD] on the head's side, to[TAIL] on the
 * tail's; NONE at an end. */
struct conn_link {
	uint32_t to[2];
};

struct conn_slot {
	uid_t uid;
	uint32_t user;           /* its uid's record */
	bool unjoined;           /* in the lists of candidates */
	struct conn_link all;    /* in the free list, or in conns.unjoined */
	struct conn_link mine;   /* in its uid's list of candidates */
};

struct conn_user {
	uid_t uid;
	uint32_t conns;
	struct conn_list unjoined;
};

struct conns {
	uint32_t slots;
	struct conn_slot *slot;
	struct conn_list free;       /* free slots, the most recently freed first */
	struct conn_list unjoined;   /* candidates of every uid, oldest first */
	struct conn_user *user;      /* a record per uid that has connections */
	uint32_t *free_user;         /* the records not in use: a stack */
	uint32_t free_users;
	struct hashidx by_uid;       /* records by uid */
	void *by_uid_mem;
};

static const struct conn_list empty_list = { { NONE, NONE }, 0 };

/* Slot i's link in a list of its own uid (mine) or in c->free or
 * c->unjoined. */
static struct conn_link *link_of(struct conns *c, uint32_t i, bool mine)
{
	return mine ? &c->slot[i].mine : &c->slot[i].all;
}

/* Link slot i in at end e (HEAD or TAIL) of list l. */
static void list_push(struct conns *c, struct conn_list *l, bool mine, uint32_t i, int e)
{
	struct conn_link *k = link_of(c, i, mine);
	uint32_t old = l->end[e];

	k->to[e] = NONE;
	k->to[!e] = old;
	if (old != NONE)
		link_of(c, old, mine)->to[e] = i;
	else
		l->end[!e] = i;
	l->end[e] = i;
	l->n++;
}

static void list_unlink(struct conns *c, struct conn_list *l, bool mine, uint32_t i)
{
	struct conn_link *k = link_of(c, i, mine);

	/* Each neighbour (or the list's end, on that side) is joined to the
	 * neighbour on the other side. */
	for (int e = HEAD; e <= TAIL; e++) {
		if (k->to[e] != NONE)
			link_of(c, k->to[e], mine)->to[!e] = k->to[!e];
		else
			l->end[e] = k->to[!e];
	}
	k->to[HEAD] = k->to[TAIL] = NONE;
	l->n--;
}

struct conns *conns_new(uint32_t slots)
{
	struct conns *c = ownmem_calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->slots = slots;
	c->slot = ownmem_calloc(slots, sizeof(*c->slot));
	c->user = ownmem_calloc(slots, sizeof(*c->user));
	c->free_user = ownmem_calloc(slots, sizeof(*c->free_user));
	c->by_uid_mem = ownmem_calloc(1, hashidx_bytes(slots));
	if (!c->slot || !c->user || !c->free_user || !c->by_uid_mem) {
		conns_free(c);
		return NULL;
	}
	hashidx_attach(&c->by_uid, c->by_uid_mem, slots);
	c->free = c->unjoined = empty_list;
	for (uint32_t i = 0; i < slots; i++) {
		list_push(c, &c->free, false, i, TAIL);   /* slot 0 first */
		c->free_user[i] = slots - 1 - i;
	}
	c->free_users = slots;
	return c;
}

void conns_free(struct conns *c)
{
	if (!c)
		return;
	ownmem_free(c->slot);
	ownmem_free(c->user);
	ownmem_free(c->free_user);
	ownmem_free(c->by_uid_mem);
	ownmem_free(c);
}

int conns_free_slot(const struct conns *c)
{
	return c->free.end[HEAD] == NONE ? -1 : (int)c->free.end[HEAD];
}

/* uid's record, or NONE. */
static uint32_t find_user(struct conns *c, uid_t uid)
{
	struct hashidx_walk w;
	int u;

	hashidx_walk_start(&c->by_uid, hashidx_hash_u32(uid), &w);
	while ((u = hashidx_walk_next(&c->by_uid, &w)) >= 0)
		if (c->user[u].uid == uid)
			return (uint32_t)u;
	return NONE;
}

void conns_add(struct conns *c, uint32_t slot, uid_t uid)
{
	struct conn_slot *s = &c->slot[slot];
	uint32_t u = find_user(c, uid);

	if (u == NONE) {
		/* At most one record per slot in use: one is free. */
		u = c->free_user[--c->free_users];
		c->user[u] = (struct conn_user){ .uid = uid, .unjoined = empty_list };
		hashidx_add(&c->by_uid, hashidx_hash_u32(uid), u);
	}
	list_unlink(c, &c->free, false, slot);
	s->uid = uid;
	s->user = u;
	c->user[u].conns++;
	s->unjoined = true;
	list_push(c, &c->unjoined, false, slot, TAIL);
	list_push(c, &c->user[u].unjoined, true, slot, TAIL);
}

/* Slot i is no candidate for "not joined yet" any more. */
static void joined(struct conns *c, uint32_t i)
{
	struct conn_slot *s = &c->slot[i];

	if (!s->unjoined)
		return;
	s->unjoined = false;
	list_unlink(c, &c->unjoined, false, i);
	list_unlink(c, &c->user[s->user].unjoined, true, i);
}

void conns_closed(struct conns *c, uint32_t slot)
{
	struct conn_slot *s = &c->slot[slot];
	struct conn_user *u = &c->user[s->user];

	joined(c, slot);
	if (--u->conns == 0) {
		hashidx_del(&c->by_uid, hashidx_hash_u32(u->uid), s->user);
		c->free_user[c->free_users++] = s->user;
	}
}

void conns_freed(struct conns *c, uint32_t slot)
{
	list_push(c, &c->free, false, slot, HEAD);
}

/* Take the candidates that have joined out of list l, oldest first, until
 * fewer than limit are left or none has joined. */
static void prune(struct conns *c, struct room *r, struct conn_list *l, bool mine, long limit)
{
	uint32_t i = l->end[HEAD];

	while (i != NONE && l->n >= limit) {
		uint32_t next = link_of(c, i, mine)->to[TAIL];
		if (atomic_load(&room_slot(r, i)->state) != SLOT_CONNECTED)
			joined(c, i);
		i = next;
	}
}

void conns_count(struct conns *c, struct room *r, uid_t uid, long max_unjoined_per_uid,
		 long max_unjoined, struct conn_counts *out)
{
	uint32_t u = find_user(c, uid);

	out->of_uid = out->unjoined_of_uid = 0;
	if (u != NONE) {
		prune(c, r, &c->user[u].unjoined, true, max_unjoined_per_uid);
		out->of_uid = c->user[u].conns;
		out->unjoined_of_uid = c->user[u].unjoined.n;
	}
	prune(c, r, &c->unjoined, false, max_unjoined);
	out->unjoined = c->unjoined.n;
}
