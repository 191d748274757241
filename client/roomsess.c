/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* roomsess.c - the session's side of rooms (PROTO 2; docs/protocol.md,
 * "Rooms"): events tagged with their room (each room dropping what it has
 * seen, by its own highest seq), the ROOM lines of /rooms, the answers to
 * ENTER, PART, TOPIC and ROOMS, the re-ENTERs after a reconnect, the
 * room commands typed (/join, /part, /rooms, /topic, /switch), and the
 * rooms' part of the session's own work (the greeting's offer, PROTO 2,
 * the resume of the default room, member lists per room, the room typed
 * into and shown in the status line). session.c keeps the protocol
 * without rooms and calls these. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "sanitize.h"
#include "rooms_lines.h"
#include "session_int.h"
#include "cut.h"
#include "util.h"
#include "words.h"

/* The room word of a line: "#name" (normalized), "-" or "*"; false if it
 * is none of them. */
static bool room_word(const char *w, size_t n, char *out)
{
	if (n == 1 && (w[0] == '-' || w[0] == '*')) {
		out[0] = w[0];
		out[1] = '\0';
		return true;
	}
	return n > 0 && w[0] == '#' && room_name_norm(w, n, out);
}

/* "EV seq ms #room TOPIC name login TEXT": the topic changed. */
static void on_topic_event(struct session *s, const char *room, const struct server_line *sl)
{
	uint64_t seq = sl->seq;
	int64_t ms = sl->ms;
	char who[64], what[1024], msg[1200];
	struct buffer b = { 0 };

	struct room *r = rooms_find(&s->rooms, room, strlen(room));
	if (r && seq <= r->last_seq)
		return;
	if (r)
		r->last_seq = seq;
	if (seq > s->last_seq)
		s->last_seq = seq;
	text_sanitize(sl->word[0], sl->word_len[0], who, sizeof(who));
	text_sanitize(sl->rest, sl->rest_len, what, sizeof(what));
	if (s->script) {
		char iso[40];

		format_iso(ms, iso, sizeof(iso));
		if (buffer_printf_line(&b, "%s %s TOPIC %s %s", iso, room, who, what) == 0) {
			b.len--;	/* print adds the line end */
			if (buffer_append(&b, "", 1) == 0)
				s->ui.print(s->ui.ctx, b.data, false);
		}
	} else {
		text_printf(msg, sizeof(msg), "%s set the topic of %s: %s", who, room, what);
		if (render_status(&b, ms, msg, &s->ropts) == 0)
			session_print(s, &b, ms);
	}
	buffer_free(&b);
}

/* "ROOM #room members in may kind topic": one row of the answer to
 * ROOMS, shown as a table (the header before the first). */
static void on_room_row(struct session *s, const char *line, size_t len)
{
	struct room_row rr;
	char kind[32], topic[512];

	if (!room_line_parse(line, len, &rr)) {
		session_status(s, "server: a ROOM line this client cannot read");
		return;
	}
	rooms_know(&s->rooms, rr.name);
	text_sanitize(rr.kind, rr.kind_len, kind, sizeof(kind));
	text_sanitize(rr.topic, rr.topic_len, topic, sizeof(topic));
	if (s->script) {
		char row[1024];

		text_printf(row, sizeof(row), "ROOM %s %" PRIu64 " %s %s %s %s", rr.name, rr.members,
			    rr.in ? "y" : "n", rr.may ? "y" : "n", kind, topic);
		s->ui.print(s->ui.ctx, row, false);
		return;
	}
	if (s->rooms_listed++ == 0)
		s->ui.print(s->ui.ctx, "          ROOM                       PEOPLE  YOU     KIND    TOPIC",
			    false);
	char row[1024];
	text_printf(row, sizeof(row), "          %-26s %6" PRIu64 "  %-7s %-7s %s", rr.name, rr.members,
		    rr.in ? "in" : rr.may ? "" : "closed", kind, topic);
	s->ui.print(s->ui.ctx, row, false);
}

bool rooms_handle_line(struct session *s, const char *line, size_t len)
{
	const char *p = line, *e = line + len, *w;
	size_t n;
	struct server_line sl;
	char room[ROOM_NAME_SIZE];

	w = proto_next_word(&p, e, &n);
	if (proto_word_is(w, n, server_line_word(SL_ROOM))) {
		on_room_row(s, line, len);
		return true;
	}
	/* An event with its room word (lines.c reads both shapes). */
	if (!proto_parse_server_line(line, len, &sl) || sl.type != SL_EVENT || !sl.room ||
	    !room_word(sl.room, sl.room_len, room))
		return false;	/* shown as a line this client does not know */
	if (room[0] == '#' && sl.kind == EV_TOPIC)
		on_topic_event(s, room, &sl);
	else
		session_room_event(s, &sl, room);
	return true;
}

/* The room word that starts an OK's rest, into out; false if none. */
static bool ok_room(const struct server_line *sl, char *out, const char **after)
{
	const char *p = sl->rest, *e = sl->rest + sl->rest_len, *w;
	size_t n;

	w = proto_next_word(&p, e, &n);
	*after = p;
	return n > 0 && w[0] == '#' && room_name_norm(w, n, out);
}

static void on_enter_ok(struct session *s, const struct server_line *sl)
{
	struct pending *p = session_take(s, VERB_ENTER);
	char name[ROOM_NAME_SIZE];
	const char *after, *e = sl->rest + sl->rest_len, *w;
	size_t n;
	uint64_t seq = 0;

	if (ok_room(sl, name, &after)) {
		w = proto_next_word(&after, e, &n);
		(void)proto_parse_u64(w, n, &seq);
		bool created = after < e && proto_word_is(after, (size_t)(e - after), "created");
		struct room *r = rooms_add(&s->rooms, name, strlen(name));

		if (!r) {
			session_status(s, "in too many rooms to keep track of %s", name);
		} else {
			r->enter_seq = seq;
			if (!p || !p->quiet) {
				rooms_switch(&s->rooms, name, strlen(name));
				session_status(s, "you are in %s%s; you type into it", name,
					       created ? " (created: you are its operator)" : "");
			}
			if (s->track_members)
				session_quiet_who(s, name);
		}
	}
	if (p)
		session_pending_free(p);
	session_send_next(s);
}

static void on_part_ok(struct session *s, const struct server_line *sl)
{
	struct pending *p = session_take(s, VERB_PART);
	char name[ROOM_NAME_SIZE];
	const char *after;

	if (ok_room(sl, name, &after)) {
		rooms_remove(&s->rooms, name, strlen(name));
		const char *cur = rooms_current(&s->rooms);
		if (p && p->quiet)
			;
		else if (cur)
			session_status(s, "you left %s; you type into %s", name, cur);
		else
			session_status(s, "you left %s; you are in no room (/join #ROOM)", name);
	}
	if (p)
		session_pending_free(p);
	session_send_next(s);
}

/* "OK TOPIC #room setter ms TEXT" (the topic asked for), or a shorter
 * answer to setting it (the TOPIC event says it). */
static void on_topic_ok(struct session *s, const struct server_line *sl)
{
	struct pending *p = session_take(s, VERB_TOPIC);
	char name[ROOM_NAME_SIZE], who[64], text[1024], when[40];
	const char *after, *e = sl->rest + sl->rest_len, *w, *m;
	size_t n, mn;
	int64_t ms;

	if (ok_room(sl, name, &after) && after < e) {
		w = proto_next_word(&after, e, &n);
		m = proto_next_word(&after, e, &mn);
		if (proto_parse_i64(m, mn, &ms)) {
			text_sanitize(w, n, who, sizeof(who));
			text_sanitize(after, (size_t)(e - after), text, sizeof(text));
			format_iso(ms, when, sizeof(when));
			if (!text[0])
				session_status(s, "%s has no topic", name);
			else if (strcmp(who, "-") == 0)
				session_status(s, "topic of %s: %s", name, text);
			else
				session_status(s, "topic of %s: %s (set by %s, %s)", name, text, who, when);
		}
	}
	if (p)
		session_pending_free(p);
	session_send_next(s);
}

bool rooms_on_ok(struct session *s, const struct server_line *sl)
{
	switch (sl->verb) {
	case VERB_PROTO:
		s->proto_wait = false;
		return true;
	case VERB_ENTER:
		on_enter_ok(s, sl);
		return true;
	case VERB_PART:
		on_part_ok(s, sl);
		return true;
	case VERB_TOPIC:
		on_topic_ok(s, sl);
		return true;
	case VERB_ROOMS: {
		struct pending *p = session_take(s, VERB_ROOMS);
		if (!s->script)
			session_status(s, "%.*s room%s", (int)strcspn(sl->rest, " "), sl->rest,
				       s->rooms_listed == 1 ? "" : "s");
		s->rooms_listed = 0;
		if (p)
			session_pending_free(p);
		session_send_next(s);
		return true;
	}
	default:
		return false;
	}
}

/* ENTER room, resuming after LAST-SEQ last (0: the backlog), queued in
 * front of what waits; quiet: no word, and the room typed into stays. */
static void push_enter(struct session *s, const char *room, uint64_t last, bool quiet)
{
	char seq[24] = "";

	if (last)
		text_printf(seq, sizeof(seq), "%" PRIu64, last);
	struct pending *p = session_push(s, VERB_ENTER, room, seq, true);
	if (p)
		p->quiet = quiet;
}

void rooms_joined(struct session *s, uint64_t join_seq, bool resumed)
{
	struct rooms *rs = &s->rooms;
	bool was_in = rooms_find(rs, rs->def, strlen(rs->def)) != NULL;
	struct room *def = rooms_add(rs, rs->def, strlen(rs->def));

	if (def)
		def->enter_seq = join_seq;
	if (!resumed) {
		rooms_switch(rs, rs->def, strlen(rs->def));
		if (s->want_room[0] && !rooms_find(rs, s->want_room, strlen(s->want_room)))
			push_enter(s, s->want_room, 0, false);
		return;
	}
	/* Each room again from the last event seen in it (its own JOIN if
	 * none came), so nothing is lost or shown twice; in the order they
	 * were entered (pushed in front, so the last first). */
	for (size_t i = rs->n; i-- > 0;) {
		struct room *r = &rs->r[i];
		if (r == def)
			continue;
		push_enter(s, r->name, r->last_seq > r->enter_seq ? r->last_seq : r->enter_seq, true);
	}
	if (!was_in) {
		/* We had left the default room: the JOIN put us back. */
		struct pending *p = session_push(s, VERB_PART, rs->def, NULL, true);
		if (p)
			p->quiet = true;
	}
}

struct namelist *rooms_members_of(struct session *s, const char *room)
{
	struct room *r = room && room[0] ? rooms_find(&s->rooms, room, strlen(room)) : NULL;

	return r ? &r->members : NULL;
}

/* The room named by the command (n bytes), into out; false (and said)
 * if it is no room name. */
static bool room_arg(struct session *s, const char *w, size_t n, char *out)
{
	if (room_name_norm(w, n, out))
		return true;
	session_status(s, "not a room name: %.*s (a '#' and 1 to %d of a-z, 0-9, '_', '-')",
		       (int)n, w, ROOM_NAME_MAX);
	return false;
}

void rooms_input(struct session *s, const struct input *in)
{
	char name[ROOM_NAME_SIZE];
	const char *cur = rooms_current(&s->rooms);
	char *text = in->text ? strndup(in->text, in->text_len) : NULL;

	if (!s->rooms.on) {
		session_status(s, "this server has one room (its greeting offers no rooms)");
		goto out;
	}
	switch (in->kind) {
	case IN_JOIN:
		if (!room_arg(s, in->arg, in->arg_len, name))
			break;
		if (rooms_switch(&s->rooms, name, strlen(name)))
			session_status(s, "you type into %s", name);
		else if (session_push(s, VERB_ENTER, name, NULL, false))
			session_send_next(s);
		break;
	case IN_SWITCH:
		if (!room_arg(s, in->arg, in->arg_len, name))
			break;
		if (rooms_switch(&s->rooms, name, strlen(name)))
			session_status(s, "you type into %s", name);
		else
			session_status(s, "you are not in %s (/join %s enters it)", name, name);
		break;
	case IN_PART:
		if (in->arg && !room_arg(s, in->arg, in->arg_len, name))
			break;
		if (!in->arg && !cur) {
			session_status(s, "you are in no room");
			break;
		}
		if (session_push(s, VERB_PART, in->arg ? name : cur, text, false))
			session_send_next(s);
		break;
	case IN_ROOMS:
		if (session_push(s, VERB_ROOMS, NULL, NULL, false))
			session_send_next(s);
		break;
	case IN_TOPIC:
		if (!cur) {
			session_status(s, "you are in no room");
			break;
		}
		if (session_push(s, VERB_TOPIC, cur, text, false))
			session_send_next(s);
		break;
	default:
		break;
	}
out:
	free(text);
}

/* ---- the rooms' part of the session's work (session.c calls these) ---- */

/* An event of a room (PROTO 2): dropped if seen already in that room
 * (a resume, or an ENTER's replay, overlapping), else shown. */
void session_room_event(struct session *s, const struct server_line *sl, const char *room)
{
	struct room *r = room[0] == '#' ? rooms_find(&s->rooms, room, strlen(room)) : NULL;
	bool history;

	if (r) {
		if (sl->seq <= r->last_seq)
			return;
		r->last_seq = sl->seq;
		session_track_member(s, &r->members, sl);
		history = sl->seq < r->enter_seq;
	} else {
		if (room[0] != '#' && sl->seq <= s->rooms.other_seq)
			return;	/* a private event or a notice to all, seen already */
		if (room[0] != '#')
			s->rooms.other_seq = sl->seq;
		history = s->syncing && sl->seq < s->join_seq;
	}
	if (sl->seq > s->last_seq)
		s->last_seq = sl->seq;
	session_show_event(s, sl, room, history);
}

bool rooms_on_hello(struct session *s, const struct server_line *sl)
{
	if (hello_rooms(sl->rest, sl->rest_len, s->rooms.def)) {
		if (!s->rooms.def[0])
			text_printf(s->rooms.def, sizeof(s->rooms.def), "#general");
		s->rooms.on = true;
		s->proto_wait = true;
		session_send_cmd(s, VERB_PROTO, "2", NULL);
	} else if (s->rooms.n) {
		/* A server without rooms now (another version): one room. */
		session_status(s, "the server has no rooms now: you are in its one room");
		rooms_free(&s->rooms);
	}
	return s->rooms.on;
}

void rooms_proto_refused(struct session *s)
{
	/* The greeting offered rooms, PROTO 2 was refused: one room, as
	 * lchat/1 (the JOIN behind it is answered next). */
	s->proto_wait = false;
	s->rooms.on = false;
	rooms_free(&s->rooms);
	session_status(s, "the server refused PROTO 2: one room only");
}

uint64_t rooms_resume_from(struct session *s)
{
	/* The JOIN resumes the default room from the last event seen in it
	 * (the others are ENTERed again, each from its own); one we had
	 * left is not replayed at all (the highest seq seen). */
	const struct room *def = s->rooms.on ? rooms_find(&s->rooms, s->rooms.def,
						     strlen(s->rooms.def)) : NULL;
	return def ? def->last_seq : 0;
}

void rooms_renamed(struct session *s, const char *name, size_t n)
{
	for (size_t i = 0; i < s->rooms.n; i++)	/* (our NICK is in every room) */
		if (namelist_remove(&s->rooms.r[i].members, s->name, strlen(s->name)) &&
		    namelist_add(&s->rooms.r[i].members, name, n) < 0)
			session_status(s, "out of memory");
}

struct namelist *rooms_who_answered(struct session *s, const char **room)
{
	*room = s->who_quiet ? s->who_room[0] : s->head && s->head->verb == VERB_WHO ?
		s->head->target : NULL;
	struct room *r = *room ? rooms_find(&s->rooms, *room, strlen(*room)) : NULL;
	if (r)
		r->members_known = true;
	return rooms_members_of(s, *room);
}

void rooms_seen_own(struct session *s, const struct pending *p, uint64_t seq)
{
	/* Our own event in its room: seen there. */
	struct room *r = p->verb != VERB_PRIV && p->target ?
			 rooms_find(&s->rooms, p->target, strlen(p->target)) : NULL;
	if (r && seq > r->last_seq)
		r->last_seq = seq;
}

void rooms_status_info(const struct session *s, struct status_info *in)
{
	if (s->rooms.n) {
		const struct room *r = &s->rooms.r[s->rooms.cur < s->rooms.n ? s->rooms.cur : 0];

		in->room = r->name + 1;	/* (the row adds the '#') */
		in->members = r->members_known ? (long)r->members.n : -1;
	}
}

void session_quiet_who(struct session *s, const char *room)
{
	if (s->who_quiet >= sizeof(s->who_room) / sizeof(s->who_room[0]))
		return;	/* (so many in flight: this room's list waits for events) */
	text_printf(s->who_room[s->who_quiet], sizeof(s->who_room[0]), "%s", room ? room : "");
	s->who_quiet++;
	session_send_cmd(s, VERB_WHO, room, NULL);
}

const char *session_room(const struct session *s)
{
	/* (kept while offline: the rooms are entered again on return) */
	return rooms_current(&s->rooms);
}

const struct namelist *session_members(const struct session *s)
{
	if (s->rooms.on && s->rooms.n)
		return &s->rooms.r[s->rooms.cur < s->rooms.n ? s->rooms.cur : 0].members;
	return &s->members;
}

void session_next_room(struct session *s)
{
	if (!s->rooms.on || s->rooms.n < 2)
		return;
	rooms_next(&s->rooms);
	session_status(s, "you type into %s", rooms_current(&s->rooms));
}
