/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* reccache.c - the writer's copies of a pass's records (reccache.h). */
#include "reccache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void reccache_next_pass(struct reccache *c)
{
	c->pass++;
}

/* Make e's block hold at least n bytes; a block far larger than it needs
 * is made smaller (one long line must not keep its size for good). */
static bool fit(struct reccache_entry *e, size_t n)
{
	if (n <= e->cap && !(e->cap > 2 * n && e->cap > 512))
		return true;
	char *p = realloc(e->line, n);
	if (!p)
		return false;
	e->line = p;
	e->cap = n;
	return true;
}

struct reccache_entry *reccache_get(struct reccache *c, struct room *r, uint64_t seq)
{
	struct reccache_entry *set = &c->e[(seq % RECCACHE_SETS) * RECCACHE_WAYS], *e = set;

	c->use++;
	for (unsigned w = 0; w < RECCACHE_WAYS; w++) {
		struct reccache_entry *x = &set[w];
		if (x->seq == seq && x->pass == c->pass) {
			x->used = c->use;
			return x;
		}
		/* The victim: one of an earlier pass, else the least recent. */
		if (e->pass == c->pass && (x->pass != c->pass || x->used < e->used))
			e = x;
	}
	size_t need = r->rec_size + ROOM_V2_EXTRA;
	if (c->scratch_cap < need) {
		char *p = realloc(c->scratch, need);
		if (!p)
			return NULL;
		c->scratch = p;
		c->scratch_cap = need;
	}
	e->seq = 0;
	if (!room_read_as(r, seq, &e->info, c->scratch, r->rec_size, true))
		return NULL;
	/* Room for the PROTO 2 line after the lchat/1 line. */
	if (!fit(e, 2 * e->info.len + ROOM_V2_EXTRA))
		return NULL;
	memcpy(e->line, c->scratch, e->info.len);
	e->v2_off = e->info.len;
	e->v2_len = 0;
	e->seq = seq;
	e->pass = c->pass;
	e->used = c->use;
	return e;
}

const char *reccache_v2(struct reccache_entry *e, size_t *len)
{
	if (!e->v2_len)
		e->v2_len = room_line_v2(&e->info, e->line, e->info.len, e->line + e->v2_off,
					 e->info.len + ROOM_V2_EXTRA);
	*len = e->v2_len;
	return e->line + e->v2_off;
}
