/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* session_int.h - what session.c shares with roomsess.c, the session's
 * handling of rooms: the queue of commands and the ways to send and show.
 * Not for the interfaces (session.h is theirs). */
#ifndef LCHAT_CLIENT_SESSION_INT_H
#define LCHAT_CLIENT_SESSION_INT_H

#include "lines.h"
#include "commands.h"
#include "session.h"

/* A command sent (or, in the scripting mode, to be resent) that awaits its
 * reply. */
struct pending {
	struct pending *next;
	enum verb verb;         /* VERB_SAY, VERB_ME, VERB_PRIV, VERB_WHO, VERB_NICK,
				 * VERB_AWAY, VERB_IGNORE, VERB_UNIGNORE, VERB_MESG,
				 * VERB_ENTER, VERB_PART, VERB_TOPIC, VERB_ROOMS */
	char *target;           /* PRIV: the recipient; with rooms, SAY, ME, WHO,
				 * ENTER, PART, TOPIC: the room */
	char *text;             /* NICK: the new name; ENTER: LAST-SEQ or "" */
	bool sent;              /* on the current connection */
	bool quiet;             /* ENTER, PART of a resume: no word, no switch */
};

/* "VERB [WORD] [TEXT]", each part left out when NULL or empty. */
int session_send_cmd(struct session *s, enum verb v, const char *word, const char *text);
/* Queue a command (front: before those waiting, as the re-ENTERs of a
 * resume). Returns it, or NULL when out of memory. */
struct pending *session_push(struct session *s, enum verb v, const char *target,
			     const char *text, bool front);
/* Take the head of the queue if it is a sent command of verb v (NULL
 * otherwise); free it with session_pending_free(). */
struct pending *session_take(struct session *s, enum verb v);
void session_pending_free(struct pending *p);
/* Send what waits, if it may go. */
void session_send_next(struct session *s);
/* A WHO of ours, not shown: the member list of room (NULL: lchat/1). */
void session_quiet_who(struct session *s, const char *room);
/* Show an event. room: with rooms, the room it is in (#name, "-" for a
 * private event, "*" for a notice to all rooms), marked on the line if it
 * is not the room typed into; NULL for lchat/1. */
void session_show_event(struct session *s, const struct server_line *sl, const char *room,
			bool history);
/* Keep the member list l current: joins, leaves and renames. */
void session_track_member(struct session *s, struct namelist *l, const struct server_line *sl);
/* Print a rendered line (b is emptied). */
void session_print(struct session *s, struct buffer *b, int64_t ms);

/* roomsess.c: an event of room (#name, "-", "*"; PROTO 2), dropped if
 * seen already in that room, else shown. */
void session_room_event(struct session *s, const struct server_line *sl, const char *room);
/* The greeting: PROTO 2 sent if it offers rooms (true), else one room. */
bool rooms_on_hello(struct session *s, const struct server_line *sl);
/* The ERR to our PROTO 2: one room, as lchat/1. */
void rooms_proto_refused(struct session *s);
/* Where the JOIN of a resume starts: the last event seen in the default
 * room (0: as without rooms). */
uint64_t rooms_resume_from(struct session *s);
/* We are called name (n bytes) now, in the member list of every room. */
void rooms_renamed(struct session *s, const char *name, size_t n);
/* The answer to a WHO came: the member list it replaces (that of the room
 * it asked about, *room; NULL if none is kept). */
struct namelist *rooms_who_answered(struct session *s, const char **room);
/* Our SAY or ME p went out as seq: seen in its room. */
void rooms_seen_own(struct session *s, const struct pending *p, uint64_t seq);
/* The status line's room and member count: the room typed into. */
void rooms_status_info(const struct session *s, struct status_info *in);
/* A line of rooms (an EV line with its room word, a ROOM line); true if
 * it was one and handled. */
bool rooms_handle_line(struct session *s, const char *line, size_t len);
/* OK ENTER, PART, TOPIC, ROOMS, PROTO; true if handled. */
bool rooms_on_ok(struct session *s, const struct server_line *sl);
/* OK JOIN with rooms: the default room entered; after a reconnect, the
 * other rooms entered again (each with its LAST-SEQ), and -r's. */
void rooms_joined(struct session *s, uint64_t join_seq, bool resumed);
/* A /join, /part, /rooms, /topic or /switch. */
void rooms_input(struct session *s, const struct input *in);
/* The member list an event of the default room (lchat/1) or of room
 * (rooms) changes; NULL: none kept. */
struct namelist *rooms_members_of(struct session *s, const char *room);

#endif
