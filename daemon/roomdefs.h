/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* roomdefs.h - the daemon's side of the table of rooms (room.h): the
 * configured rooms put in the mapping at start and at every reload, their
 * groups resolved here (the daemon may ask the name service; handlers may
 * not), and the members a reload no longer allows parted. */
#ifndef LCHAT_ROOMDEFS_H
#define LCHAT_ROOMDEFS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "room.h"

/* The rooms' groups, resolved. */
struct roomdefs_groups {
	uint32_t gid[ROOMS_MAX];
	uint32_t has_gid[ROOMS_MAX];
};

/* Resolve the groups of cfg's rooms. -1 with a message in err if one does
 * not exist. */
int roomdefs_resolve(const struct lchat_config *cfg, struct roomdefs_groups *g,
		     char *err, size_t errlen);

/* Part slot i from room k for the server, why the LEAVE's text (or
 * NULL): the member sees its LEAVE too. Returns its seq. Lock held. */
uint64_t roomdefs_part_locked(struct room *r, uint32_t i, uint32_t k, const char *why);

/* Make the table of rooms cfg's: a configured room that is gone gets
 * "NOTICE this room is closed" and its members are parted; a member no
 * longer allowed in a room (its group changed) is parted ("no longer
 * allowed"). Takes the lock; wakes the writer. Returns how many were
 * parted. */
unsigned roomdefs_apply(struct room *r, const struct lchat_config *cfg,
			const struct roomdefs_groups *g);

#endif
