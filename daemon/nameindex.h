/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* nameindex.h - the room's index of its joined members, so that a JOIN, a
 * NICK, a private message or a kick finds a name in constant time instead
 * of scanning the member table.
 *
 * Two hash maps (hashidx.h) of slot numbers, in the room's shared mapping
 * after the slot table, used by every process under the room lock:
 *   by key       name_key() of the name: unique among joined members;
 *   by skeleton  name_skeleton() of the name: not unique, since one uid's
 *                sessions may have look-alike names.
 * Exactly the JOINED slots are filed, each under its slot's key and
 * skeleton; room.c's slot life cycle keeps it so (nameindex_add at a join,
 * nameindex_remove before a leave, a release or a change of name). */
#ifndef LCHAT_NAMEINDEX_H
#define LCHAT_NAMEINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hashidx.h"

struct room;

struct nameindex {
	struct hashidx by_key;
	struct hashidx by_skeleton;
};

/* Bytes of the room's mapping that the index of max_users slots takes. */
size_t nameindex_bytes(uint32_t max_users);
/* Use mem (nameindex_bytes(max_users) bytes) for the index. */
void nameindex_attach(struct nameindex *ix, void *mem, uint32_t max_users);

/* The rest are called with the room lock held. */

/* File slot i (not filed yet) under its key and skeleton, or take it out. */
void nameindex_add(struct room *r, uint32_t i);
void nameindex_remove(struct room *r, uint32_t i);
/* Make the index anew from the JOINED slots of the table (an empty table:
 * an empty index). */
void nameindex_rebuild(struct room *r);

/* The joined member whose key is key, or -1. */
int nameindex_find_key(struct room *r, const char *key);
/* A joined member of another uid than uid whose skeleton is skeleton, or
 * -1. */
int nameindex_find_skeleton(struct room *r, const char *skeleton, uid_t uid);

#endif
