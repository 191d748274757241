/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* usertab.c - the room's per-uid table (usertab.h): entries found by uid
 * through a hash map, unpinned ones in a least-recently-used list, and the
 * token bucket each holds. */
#include "usertab.h"

#include <stdatomic.h>
#include <string.h>

#include "hashidx.h"
#include "room.h"

/* Thousandths of a message: the bucket's fixed point. */
#define MILLI 1000

uint32_t usertab_entries(uint32_t max_users)
{
	return 2 * (max_users ? max_users : 1);
}

static size_t entries_bytes(uint32_t max_users)
{
	return ((size_t)usertab_entries(max_users) * sizeof(struct room_user) + 63) / 64 * 64;
}

size_t usertab_bytes(uint32_t max_users)
{
	return entries_bytes(max_users) + hashidx_bytes(usertab_entries(max_users));
}

void usertab_attach(struct room *r, void *mem)
{
	uint32_t n = usertab_entries(r->max_users);

	r->users = mem;
	r->users_n = n;
	/* The entries are not cleared here: each is set whole when it is
	 * first taken (usertab_pin), and only taken ones are ever read (by a
	 * slot's index, through the hash, or below users_unused). So 2 x
	 * max_users entries cost memory only as uids come. */
	hashidx_attach(&r->users_by_uid, (char *)mem + entries_bytes(r->max_users), n);
	hashidx_clear(&r->users_by_uid);
	r->hdr->users_unused = 0;
	r->hdr->users_lru[0] = r->hdr->users_lru[1] = USERTAB_NONE;
}

/* The LRU list of unpinned entries: lru[0] the oldest, lru[1] the newest. */
static void lru_unlink(struct room *r, uint32_t u)
{
	struct room_user *e = &r->users[u];
	uint32_t *lru = r->hdr->users_lru;

	if (e->older != USERTAB_NONE)
		r->users[e->older].newer = e->newer;
	else
		lru[0] = e->newer;
	if (e->newer != USERTAB_NONE)
		r->users[e->newer].older = e->older;
	else
		lru[1] = e->older;
	e->older = e->newer = USERTAB_NONE;
}

static void lru_push_newest(struct room *r, uint32_t u)
{
	struct room_user *e = &r->users[u];
	uint32_t *lru = r->hdr->users_lru;

	e->newer = USERTAB_NONE;
	e->older = lru[1];
	if (lru[1] != USERTAB_NONE)
		r->users[lru[1]].newer = u;
	else
		lru[0] = u;
	lru[1] = u;
}

static uint32_t find(struct room *r, uid_t uid)
{
	struct hashidx_walk w;
	int u;

	hashidx_walk_start(&r->users_by_uid, hashidx_hash_u32(uid), &w);
	while ((u = hashidx_walk_next(&r->users_by_uid, &w)) >= 0)
		if (r->users[u].uid == uid)
			return (uint32_t)u;
	return USERTAB_NONE;
}

uint32_t usertab_pin(struct room *r, uid_t uid)
{
	uint32_t u = find(r, uid);

	if (u != USERTAB_NONE) {
		if (r->users[u].pins++ == 0)
			lru_unlink(r, u);
		return u;
	}
	/* A never used entry, else the least recently unpinned: there is
	 * one, since at most max_users of the 2 * max_users are pinned. */
	if (r->hdr->users_unused < r->users_n) {
		u = r->hdr->users_unused++;
	} else {
		u = r->hdr->users_lru[0];
		lru_unlink(r, u);
		hashidx_del(&r->users_by_uid, hashidx_hash_u32(r->users[u].uid), u);
	}
	r->users[u] = (struct room_user){
		.uid = uid, .pins = 1, .older = USERTAB_NONE, .newer = USERTAB_NONE,
	};
	hashidx_add(&r->users_by_uid, hashidx_hash_u32(uid), u);
	return u;
}

void usertab_unpin(struct room *r, uint32_t u)
{
	if (u >= r->users_n || r->users[u].pins == 0)
		return;
	if (--r->users[u].pins == 0)
		lru_push_newest(r, u);
}

bool usertab_spend_locked(struct room *r, uint32_t u, long rate, long burst, int64_t now)
{
	if (u >= r->users_n)
		return false;
	struct room_user *e = &r->users[u];
	int64_t cap = (int64_t)burst * MILLI, t = cap;

	if (e->spent && now > e->tokens_ms)
		t = e->tokens + (now - e->tokens_ms) * (int64_t)rate;
	else if (e->spent)
		t = e->tokens;
	if (t > cap)
		t = cap;
	e->spent = 1;
	e->tokens_ms = now;
	e->tokens = t;
	if (t < MILLI)
		return false;
	e->tokens = t - MILLI;
	return true;
}

bool usertab_ignores(const struct room *r, uint32_t u, uint32_t uid)
{
	if (u >= r->users_n)
		return false;
	const struct room_prefs *p = &r->users[u].prefs;
	uint32_t n = atomic_load_explicit(&p->nignored, memory_order_acquire);

	if (n > USERTAB_IGNORE_MAX)
		n = USERTAB_IGNORE_MAX;
	for (uint32_t i = 0; i < n; i++)
		if (atomic_load_explicit(&p->ignored[i], memory_order_relaxed) == uid)
			return true;
	return false;
}

static int ignore_index(const struct room_prefs *p, uint32_t uid)
{
	uint32_t n = atomic_load(&p->nignored);

	for (uint32_t i = 0; i < n && i < USERTAB_IGNORE_MAX; i++)
		if (atomic_load(&p->ignored[i]) == uid)
			return (int)i;
	return -1;
}

int usertab_ignore_add_locked(struct room *r, uint32_t u, uint32_t uid)
{
	if (u >= r->users_n)
		return -1;
	struct room_prefs *p = &r->users[u].prefs;
	uint32_t n = atomic_load(&p->nignored);

	if (ignore_index(p, uid) >= 0)
		return 0;
	if (n >= USERTAB_IGNORE_MAX)
		return -1;
	atomic_store(&p->ignored[n], uid);
	atomic_store(&p->nignored, n + 1);
	atomic_store(&p->dirty, 1);
	return 1;
}

int usertab_ignore_remove_locked(struct room *r, uint32_t u, uint32_t uid)
{
	if (u >= r->users_n)
		return 0;
	struct room_prefs *p = &r->users[u].prefs;
	int i = ignore_index(p, uid);

	if (i < 0)
		return 0;
	uint32_t n = atomic_load(&p->nignored);
	/* The last one into the hole first, then the count: a reader sees
	 * the moved uid at one place or the other. */
	atomic_store(&p->ignored[i], atomic_load(&p->ignored[n - 1]));
	atomic_store(&p->nignored, n - 1);
	atomic_store(&p->dirty, 1);
	return 1;
}
