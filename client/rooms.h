/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* rooms.h - the rooms a session is in, when the server has rooms and the
 * connection speaks PROTO 2 (docs/protocol.md, "Rooms"): each room's name,
 * the highest sequence number seen in it (its LAST-SEQ for a re-ENTER
 * after a reconnect), where its replayed history ends, and who is in it;
 * which one the user types into; and the names of the rooms the server
 * listed (for Tab). Pure state: no I/O (check_client_rooms.c). */
#ifndef LCHAT_CLIENT_ROOMS_H
#define LCHAT_CLIENT_ROOMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "complete.h"
#include "rooms_lines.h"

/* The most rooms the server has at once (docs/protocol.md). */
#define ROOMS_MAX 64

struct room {
	char name[ROOM_NAME_SIZE];  /* "#general" */
	uint64_t last_seq;          /* the highest seq seen in it */
	uint64_t enter_seq;         /* its JOIN or ENTER: before it, history */
	struct namelist members;    /* from a WHO #room, then its events */
	bool members_known;
};

struct rooms {
	bool on;                    /* PROTO 2 is spoken on this connection */
	char def[ROOM_NAME_SIZE];   /* the default room (HELLO's default_room) */
	struct room r[ROOMS_MAX];   /* the rooms we are in, in the order entered */
	size_t n;
	size_t cur;                 /* the one typed into (n > 0) */
	char known[ROOMS_MAX][ROOM_NAME_SIZE];   /* rooms the server listed */
	size_t nknown;
	uint64_t other_seq;         /* the highest seq of private events and notices to all */
};

/* The room of that name (any case; '#' optional), or NULL. */
struct room *rooms_find(struct rooms *rs, const char *name, size_t n);
/* Add a room we entered (or find it); NULL if it is no room name or
 * there are ROOMS_MAX already. */
struct room *rooms_add(struct rooms *rs, const char *name, size_t n);
/* Remove a room we left; the room typed into stays, or becomes the
 * default room, else the first. */
void rooms_remove(struct rooms *rs, const char *name, size_t n);
/* The room typed into ("#general"), or NULL if in none. */
const char *rooms_current(const struct rooms *rs);
struct room *rooms_current_room(struct rooms *rs);
/* Type into that room: false if we are not in it. */
bool rooms_switch(struct rooms *rs, const char *name, size_t n);
/* Type into the next room (after the last, the first). */
void rooms_next(struct rooms *rs);
/* Remember a room the server named (for Tab). */
void rooms_know(struct rooms *rs, const char *name);
/* Forget everything (a new session). */
void rooms_free(struct rooms *rs);

/* Names of rooms for Tab after /join (every room known, entered or
 * listed) or after /part and /switch (only those we are in): a NULL-
 * terminated array in out (ROOMS_MAX * 2 + 1 entries). */
void rooms_names(const struct rooms *rs, bool entered_only, const char **out);

#endif
