/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* rooms_lines.h - the words and lines of rooms (issue 17, docs/protocol.md,
 * "Rooms"): room names, the greeting's rooms=1 and default_room=, the room
 * word of an EV line under PROTO 2, the ROOM lines of the answer to ROOMS,
 * and the TOPIC event kind. Parsers only (what a client needs); pointers
 * refer into the line parsed. */
#ifndef LCHAT_ROOMS_LINES_H
#define LCHAT_ROOMS_LINES_H

#include "names.h"   /* ROOM_NAME_MAX */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A room name with its '#' and a NUL. */
#define ROOM_NAME_SIZE (ROOM_NAME_MAX + 2)


/* A room's name as it is sent: '#', then 1 to ROOM_NAME_MAX of [a-z0-9_-]
 * (upper case taken as lower). w (n bytes) may leave out the '#'. Writes
 * the name, lower case, with its '#', into out (ROOM_NAME_SIZE bytes) and
 * returns true; false if it is no room name. */
bool room_name_norm(const char *w, size_t n, char *out);

/* The greeting's rest ("lchatd/0.3 login=al ... rooms=1 default_room=#x"):
 * true if it says rooms=1; then the default room in def (ROOM_NAME_SIZE
 * bytes; "" if it names none, or no room name). */
bool hello_rooms(const char *rest, size_t n, char *def);

/* An EV line under PROTO 2, "EV seq ms ROOM KIND ...", TOPIC events
 * included, is read by proto_parse_server_line() (lines.h), which gives
 * its room word in sl->room. */

/* One "ROOM #room members in may kind topic" line (the word ROOM
 * included). */
struct room_row {
	char name[ROOM_NAME_SIZE];
	uint64_t members;
	bool in, may;           /* we are in it; we may enter it */
	const char *kind;       /* "config" or "user" (or what a later server says) */
	size_t kind_len;
	const char *topic;      /* may be empty */
	size_t topic_len;
};
bool room_line_parse(const char *line, size_t len, struct room_row *r);

#endif
