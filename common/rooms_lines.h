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

/* An EV line under PROTO 2, "EV seq ms ROOM KIND ...": its room word
 * (#name, "-" or "*") in *room, *room_len, and the line without it
 * ("EV seq ms KIND ...", today's shape, for proto_parse_server_line) in
 * out (cap bytes), its length in *out_len. False if it is not an EV line
 * with a room word. */
bool ev_room_split(const char *line, size_t len, const char **room, size_t *room_len,
		   char *out, size_t cap, size_t *out_len);

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

/* "EV seq ms KIND ..." with KIND TOPIC (a line ev_room_split() gave):
 * true and the setter's name, login and the text. */
bool topic_event_parse(const char *line, size_t len, uint64_t *seq, int64_t *ms,
		       const char **name, size_t *name_len, const char **text,
		       size_t *text_len);

#endif
