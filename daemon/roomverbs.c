/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* roomverbs.c - a handler's room verbs (issue 17; docs/protocol.md,
 * "Rooms (PROTO 2)"): PROTO, ENTER, PART, TOPIC, ROOMS, and the room word
 * SAY, ME and WHO take under PROTO 2.
 *
 * A member's rooms are a mask in its slot and, per room, the span of the
 * log that is its (room.h); the fan-out writer streams the live events of
 * its rooms. ENTER's backlog, older than the member's span, is read from
 * the log here and queued with OK ENTER, due before the ENTER's JOIN
 * event: the writer sends it before anything live of that room. */
#include "handler_int.h"

#include <inttypes.h>
#include <string.h>

#include "cut.h"
#include "ircfmt.h"
#include "log.h"
#include "names.h"
#include "sanitize.h"
#include "util.h"

void cmd_proto(struct handler *h, const struct command *c)
{
	if (!c->arg || c->arg_len != 1 || c->arg[0] != '2' || c->text) {
		reply(h, line_usage(&h->out, c->verb, " (this server speaks lchat/1 and 2)"));
		return;
	}
	if (h->joined) {
		reply(h, line_err(&h->out, CODE_BAD_COMMAND, "send PROTO 2 before JOIN"));
		return;
	}
	h->proto2 = true;
	atomic_store(&h->me->proto, 2);
	reply(h, line_ok(&h->out, VERB_PROTO, "2"));
}

/* Is the verb one of rooms, refused to an lchat/1 connection? */
static bool need_proto2(struct handler *h)
{
	if (h->proto2)
		return true;
	reply(h, line_err(&h->out, CODE_BAD_COMMAND, "send PROTO 2 first"));
	return false;
}

/* "#name" (n bytes) checked; the name without '#' in name. */
static bool parse_room(struct handler *h, const char *w, size_t n, char name[ROOM_NAME_MAX + 1])
{
	if (n < 2 || w[0] != '#' || !room_name_ok(w + 1, n - 1)) {
		reply(h, line_err(&h->out, CODE_BAD_ARGUMENT,
				  "a room is # and 1 to %d of a-z 0-9 _ -", ROOM_NAME_MAX));
		return false;
	}
	memcpy(name, w + 1, n - 1);
	name[n - 1] = '\0';
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return true;
}

/* The room named by a word: its index, or -1 after the ERR. Lock held
 * on success only if keep_lock. */
static int find_room(struct handler *h, const char *w, size_t n, bool need_in, bool keep_lock)
{
	char name[ROOM_NAME_MAX + 1];

	if (!parse_room(h, w, n, name))
		return -1;
	room_lock(h->room);
	int k = room_def_find_locked(h->room, name, strlen(name));
	if (k < 0) {
		room_unlock(h->room);
		reply(h, line_err(&h->out, CODE_NO_SUCH_ROOM, "there is no room #%s", name));
		return -1;
	}
	if (need_in && !(atomic_load(&h->me->rooms) & (UINT64_C(1) << k))) {
		room_unlock(h->room);
		reply(h, line_err(&h->out, CODE_NOT_IN_ROOM, "you are not in #%s", name));
		return -1;
	}
	if (!keep_lock)
		room_unlock(h->room);
	return k;
}

int room_word(struct handler *h, const char **text, size_t *n, bool need_in)
{
	const char *p = *text, *e = p ? p + *n : NULL;
	size_t wn;

	if (!p || *n == 0 || p[0] != '#') {
		reply(h, line_err(&h->out, CODE_BAD_ARGUMENT, "name the room first: #room"));
		return -1;
	}
	const char *w = proto_next_word(&p, e, &wn);
	int k = find_room(h, w, wn, need_in, false);
	if (k < 0)
		return -1;
	*text = p < e ? p : NULL;
	*n = p < e ? (size_t)(e - p) : 0;
	return k;
}

/* Queue room k's events (generation gen) below `before`, after `after`,
 * the last `backlog` of them, as PROTO 2 lines. */
static void replay(struct handler *h, uint32_t k, uint32_t gen, uint64_t after, uint64_t before,
		   uint32_t backlog)
{
	struct room *r = h->room;
	uint64_t oldest = room_oldest(r, room_head(r));
	uint64_t from = after + 1 > oldest ? after + 1 : oldest;
	struct room_rec_info info;

	if (backlog == 0 || from >= before || buffer_reserve(&h->out, r->rec_size + ROOM_V2_EXTRA) < 0)
		return;
	/* Backwards to find where the last `backlog` of the room's begin. */
	uint64_t start = before;
	uint32_t found = 0;
	for (uint64_t s = before; s > from && found < backlog; s--) {
		if (!room_read(r, s - 1, &info, h->out.data + h->out.len, r->rec_size + ROOM_V2_EXTRA))
			break;   /* recycled meanwhile: the rest is gone */
		if (info.room == k + 1 && info.room_gen == gen) {
			start = s - 1;
			found++;
		}
	}
	for (uint64_t s = start; s < before && found > 0; s++) {
		if (buffer_reserve(&h->out, r->rec_size + ROOM_V2_EXTRA) < 0) {
			h->closing = true;
			return;
		}
		char *dst = h->out.data + h->out.len;
		if (!room_read(r, s, &info, dst, r->rec_size + ROOM_V2_EXTRA))
			continue;
		if (info.room != k + 1 || info.room_gen != gen)
			continue;
		found--;
		if (info.origin && info.origin_uid != h->uid && room_kind_ignorable(info.kind) &&
		    usertab_ignores(r, h->me->user1 - 1, info.origin_uid))
			continue;
		if (h->irc.on) {   /* IRC lines (ircfmt.h), tagged as history */
			char nick[NAME_MAX_LEN + 1];
			text_copy_str(nick, sizeof(nick), h->me->name);
			struct ircfmt_to to = {
				.nick = nick, .caps = atomic_load(&h->me->irc_caps), .history = true,
			};
			if (ircfmt_event(NULL, &h->out, &info, dst, &to) < 0)
				h->closing = true;
			continue;
		}
		size_t n = room_line_v2(&info, dst, info.len, dst, r->rec_size + ROOM_V2_EXTRA);
		h->out.len += n;
	}
}

/* How many user rooms uid created that exist. Lock held. */
static uint32_t created_by(struct room *r, uint32_t uid)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < ROOMS_MAX; k++)
		n += r->hdr->defs[k].kind == ROOMK_USER && r->hdr->defs[k].creator_uid == uid;
	return n;
}

static uint32_t popcount64(uint64_t m)
{
	return (uint32_t)__builtin_popcountll(m);
}

/* ENTER #room [LAST-SEQ] */
void cmd_enter(struct handler *h, const struct command *c)
{
	char name[ROOM_NAME_MAX + 1];
	uint64_t last = 0;
	bool resume = false;

	if (!need_proto2(h))
		return;
	if (!c->arg) {
		reply(h, line_usage(&h->out, c->verb, ""));
		return;
	}
	if (!parse_room(h, c->arg, c->arg_len, name))
		return;
	if (c->text) {
		if (!proto_parse_u64(c->text, c->text_len, &last) || last >= room_head(h->room)) {
			reply(h, line_usage(&h->out, c->verb, " (LAST-SEQ: a number below the head)"));
			return;
		}
		resume = true;
	}
	if (!spend(h)) {
		rate_refused(h);
		return;
	}
	struct room *r = h->room;
	bool created = false;
	room_lock(r);
	int k = room_def_find_locked(r, name, strlen(name));
	uint64_t mask = atomic_load(&h->me->rooms);
	enum reply_code err = CODE_OK;
	const char *why = "";
	if (k >= 0 && (mask & (UINT64_C(1) << k))) {
		err = CODE_ALREADY_IN;
		why = "you are already in that room";
	} else if (popcount64(mask) >= (uint32_t)h->cfg->max_rooms_per_user) {
		err = CODE_TOO_MANY_ROOMS;
		why = "you are in as many rooms as you may be (max_rooms_per_user)";
	} else if (k < 0 && !h->cfg->user_rooms) {
		err = CODE_NO_SUCH_ROOM;
		why = "there is no such room";
	} else if (k < 0 && created_by(r, h->uid) >= (uint32_t)h->cfg->max_created_rooms) {
		err = CODE_TOO_MANY_ROOMS;
		why = "you have created as many rooms as you may (max_created_rooms)";
	} else if (k < 0 && (k = room_def_create_locked(r, h->slot, name)) < 0) {
		err = CODE_TOO_MANY_ROOMS;
		why = "there are as many rooms as there may be";
	} else if (!room_def_allows_locked(r, h->slot, (uint32_t)k)) {
		err = CODE_NOT_ALLOWED;
		why = "that room is for the members of its group only";
	} else if (r->hdr->defs[k].kind == ROOMK_USER && r->hdr->defs[k].members == 0) {
		created = true;
	}
	if (err != CODE_OK) {
		room_unlock(r);
		reply(h, line_err(&h->out, err, "#%s: %s", name, why));
		return;
	}
	struct room_def *d = &r->hdr->defs[k];
	uint32_t gen = d->gen, backlog = d->backlog;
	/* Our span starts at our JOIN in the room: the writer streams what
	 * follows it; what came before is the replay below. */
	uint64_t seq = room_head(r);
	room_enter_locked(r, h->slot, (uint32_t)k, seq);
	struct room_event ev = {
		.kind = EV_JOIN, .origin = h->slot + 1, .name = h->me->name, .login = h->login,
		.room = k + 1,
	};
	seq = room_append_locked(r, &ev);
	room_unlock(r);
	h->posted = true;
	log_msg(LOG_INFO, "enter: %s (uid %u) #%s%s", h->me->name, (unsigned)h->uid, name,
		created ? " (created)" : "");
	reply(h, line_ok(&h->out, VERB_ENTER, "#%s %" PRIu64 "%s", name, seq, created ? " created" : ""));
	if (!created)
		replay(h, (uint32_t)k, gen, resume ? last : 0, seq, backlog);
	h->due_at = seq;
}

/* The start of PART and TOPIC: PROTO 2, a room word, a text that may be
 * shown; the room's index with the lock held (the member in it if
 * need_in), or -1 with the error replied. */
static int room_command(struct handler *h, const struct command *c, bool need_in)
{
	if (!need_proto2(h))
		return -1;
	if (!c->arg) {
		reply(h, line_usage(&h->out, c->verb, ""));
		return -1;
	}
	if (c->text) {
		enum text_error te = text_check(c->text, c->text_len, NULL);
		if (te != TEXT_OK) {
			reply(h, line_err(&h->out, text_error_reply(te), "%s", text_error_message(te)));
			return -1;
		}
	}
	return find_room(h, c->arg, c->arg_len, need_in, true);
}

/* PART #room [REASON] */
void cmd_part(struct handler *h, const struct command *c)
{
	int k = room_command(h, c, true);
	if (k < 0)
		return;
	struct room *r = h->room;
	char name[ROOM_NAME_MAX + 1];
	text_copy_str(name, sizeof(name), r->hdr->defs[k].name);
	struct room_event ev = {
		.kind = EV_LEAVE, .origin = h->slot + 1, .name = h->me->name, .login = h->login,
		.reason = LEAVE_PART, .text = c->text, .text_len = c->text_len, .room = k + 1,
	};
	uint64_t seq = room_append_locked(r, &ev);
	room_part_locked(r, h->slot, (uint32_t)k, seq);
	room_unlock(r);
	h->posted = true;
	reply(h, line_ok(&h->out, VERB_PART, "#%s %" PRIu64, name, seq));
}

/* May slot's member change room k's topic? Lock held. */
static bool operator_of(struct handler *h, uint32_t k)
{
	const struct room_def *d = &h->room->hdr->defs[k];

	return h->uid == 0 || atomic_load(&h->me->admin) ||
	       (d->kind == ROOMK_USER && d->creator_uid == h->uid);
}

/* TOPIC #room [TEXT] */
void cmd_topic(struct handler *h, const struct command *c)
{
	int k = room_command(h, c, false);
	if (k < 0)
		return;
	struct room *r = h->room;
	struct room_def *d = &r->hdr->defs[k];
	if (!c->text) {
		char name[ROOM_NAME_MAX + 1], by[NAME_MAX_LEN + 1], topic[ROOM_TOPIC_MAX + 1];
		text_copy_str(name, sizeof(name), d->name);
		text_copy_str(by, sizeof(by), d->topic_by[0] ? d->topic_by : "-");
		text_copy_str(topic, sizeof(topic), d->topic);
		int64_t ms = d->topic_ms;
		room_unlock(r);
		reply(h, line_ok(&h->out, VERB_TOPIC, "#%s %s %" PRId64 " %s", name, by, ms, topic));
		return;
	}
	if (!operator_of(h, (uint32_t)k)) {
		room_unlock(r);
		reply(h, line_err(&h->out, CODE_NOT_OPERATOR,
				  "only root, admin_group and a user room's creator set its topic"));
		return;
	}
	text_copy(d->topic, sizeof(d->topic), c->text, c->text_len);
	text_copy_str(d->topic_by, sizeof(d->topic_by), h->me->name);
	d->topic_ms = now_ms();
	struct room_event ev = {
		.kind = EV_TOPIC, .origin = h->slot + 1, .name = h->me->name, .login = h->login,
		.text = d->topic, .text_len = strlen(d->topic), .room = k + 1,
	};
	room_append_locked(r, &ev);
	room_unlock(r);
	h->posted = true;
	reply(h, line_ok(&h->out, VERB_TOPIC, "#%s", d->name));
}

/* ROOMS: ROOM #room members in may kind topic, then OK ROOMS n. */
void cmd_rooms(struct handler *h, const struct command *c)
{
	(void)c;
	if (!need_proto2(h))
		return;
	struct room *r = h->room;
	unsigned n = 0;
	int rc = 0;
	room_lock(r);
	uint64_t mask = atomic_load(&h->me->rooms);
	for (uint32_t k = 0; k < ROOMS_MAX && rc == 0; k++) {
		const struct room_def *d = &r->hdr->defs[k];
		if (d->kind == ROOMK_FREE)
			continue;
		char word[ROOM_NAME_MAX + 2];
		text_printf(word, sizeof(word), "#%s", d->name);
		rc = line_room(&h->out, word, "%u %c %c %s %s", d->members,
			       mask & (UINT64_C(1) << k) ? 'y' : 'n',
			       room_def_allows_locked(r, h->slot, k) ? 'y' : 'n',
			       d->kind == ROOMK_USER ? "user" : "config", d->topic);
		n++;
	}
	room_unlock(r);
	reply(h, rc < 0 ? -1 : line_ok(&h->out, VERB_ROOMS, "%u", n));
}
