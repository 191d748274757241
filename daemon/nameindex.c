/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* nameindex.c - the room's index of joined members by name key and by
 * skeleton (nameindex.h). */
#include "nameindex.h"

#include <string.h>

#include "room.h"

size_t nameindex_bytes(uint32_t max_users)
{
	return 2 * hashidx_bytes(max_users);
}

void nameindex_attach(struct nameindex *ix, void *mem, uint32_t max_users)
{
	hashidx_attach(&ix->by_key, mem, max_users);
	hashidx_attach(&ix->by_skeleton, (char *)mem + hashidx_bytes(max_users), max_users);
}

/* A key or skeleton of a slot (NAME_MAX_LEN + 1 bytes, terminated unless
 * the table is corrupt) or of a caller: its hash. */
static uint32_t hash_name(const char *s)
{
	return hashidx_hash_bytes(s, strnlen(s, NAME_MAX_LEN + 1));
}

void nameindex_add(struct room *r, uint32_t i)
{
	const struct room_slot *s = room_slot(r, i);

	hashidx_add(&r->names.by_key, hash_name(s->key), i);
	hashidx_add(&r->names.by_skeleton, hash_name(s->skeleton), i);
}

void nameindex_remove(struct room *r, uint32_t i)
{
	const struct room_slot *s = room_slot(r, i);

	/* A slot that was not filed is simply not found. */
	hashidx_del(&r->names.by_key, hash_name(s->key), i);
	hashidx_del(&r->names.by_skeleton, hash_name(s->skeleton), i);
}

void nameindex_rebuild(struct room *r)
{
	hashidx_clear(&r->names.by_key);
	hashidx_clear(&r->names.by_skeleton);
	ROOM_FOREACH_SLOT(r, i)
		if (atomic_load(&room_slot(r, i)->state) == SLOT_JOINED)
			nameindex_add(r, i);
}

/* A joined member whose key (or skeleton) is name, of another uid than
 * *other_than if that is given; -1 if none. The state is checked although
 * only joined slots are filed: a lookup never answers with a non-member. */
static int find(struct room *r, bool skeleton, const char *name, const uid_t *other_than)
{
	const struct hashidx *map = skeleton ? &r->names.by_skeleton : &r->names.by_key;
	struct hashidx_walk w;
	int i;

	hashidx_walk_start(map, hash_name(name), &w);
	while ((i = hashidx_walk_next(map, &w)) >= 0) {
		const struct room_slot *s = room_slot(r, (uint32_t)i);
		if (atomic_load(&s->state) == SLOT_JOINED &&
		    (!other_than || s->uid != *other_than) &&
		    strcmp(skeleton ? s->skeleton : s->key, name) == 0)
			return i;
	}
	return -1;
}

int nameindex_find_key(struct room *r, const char *key)
{
	return find(r, false, key, NULL);
}

int nameindex_find_skeleton(struct room *r, const char *skeleton, uid_t uid)
{
	return find(r, true, skeleton, &uid);
}
