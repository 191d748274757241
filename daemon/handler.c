/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* handler.c - one process per connection: the handshake, the user's
 * commands, and the user's events appended to the room.
 *
 * A handler only reads its client. It sleeps in epoll on the client
 * socket and its signalfd, and wakes when its user sends (or for a signal:
 * SIGTERM, and WAKE_SIGNAL from an administrator or the fan-out writer). Its
 * replies are formatted into `out` and, after each input line, moved to the
 * connection's reply queue (outq.h) with the sequence number before which
 * they are due; the fan-out writer (fanout.c) sends them in order with the
 * room's events, and turns the member's own events into its acks. A full
 * reply queue (a client that does not read) stops the handler from reading
 * too. At the end the handler waits, briefly, for the writer to send what
 * is queued and close the connection. */
#include "handler.h"
#include "handler_int.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accounts.h"
#include "buffer.h"
#include "cut.h"
#include "duration.h"
#include "log.h"
#include "sandbox.h"
#include "sysfilter.h"
#include "names.h"
#include "outq.h"
#include "proctitle.h"
#include "protocol.h"
#include "sanitize.h"
#include "util.h"
#include "waiting.h"
#include "wake.h"

/* How long the writer may take to send a closing connection's last lines
 * (fanout.c gives up after CLOSE_FLUSH_MS); the handler waits a little
 * longer, then exits anyway. */
#define CLOSE_WAIT_MS (CLOSE_FLUSH_MS + 1000)

/* A member this many events behind (the writer cannot send to it: its
 * client does not read) is not read from either, so that a client that
 * sends without reading is slowed down, not dropped for its own acks. */
#define BEHIND_MAX 1024

static void handle_signals(struct handler *h);

/* Is the connection over for reasons not the user's: an administrator
 * closed it, the writer dropped it, the server is going down? */
static bool ended_elsewhere(struct handler *h)
{
	return h->shutting_down || atomic_load(&h->me->kicked) != KICK_NONE ||
	       atomic_load(&h->me->lagged);
}

/* Wait until the writer has done what done(h, arg) looks for. The writer
 * wakes us when it takes from the reply queue while want_space is set
 * (and the poll's timeout looks again anyway). Returns false if the
 * connection ends meanwhile. peer: also done (true, and hung_up set)
 * once the client has hung up (both ways: one that only stopped sending
 * still reads), for what is waited for matters only to what the client
 * can still get, and the writer stops serving a client that is gone. */
static bool wait_writer(struct handler *h, bool (*done)(struct handler *h, uint64_t arg),
			uint64_t arg, bool peer)
{
	for (;;) {
		atomic_store(&h->q->want_space, 1);
		if (done(h, arg)) {
			atomic_store(&h->q->want_space, 0);
			return true;
		}
		if (ended_elsewhere(h) || h->closing)
			return false;
		struct pollfd p[2] = {
			{ .fd = h->sigfd, .events = POLLIN },
			{ .fd = h->fd, .events = 0 },   /* POLLHUP, POLLERR only */
		};
		if (poll(p, peer ? 2 : 1, 1000) < 0 && errno != EINTR)
			return false;
		if (peer && (p[1].revents & (POLLHUP | POLLERR))) {
			atomic_store(&h->q->want_space, 0);
			h->hung_up = true;
			return true;
		}
		handle_signals(h);
	}
}

static bool has_space(struct handler *h, uint64_t need)
{
	return outq_space(h->q) >= need;
}

/* Wait until the reply queue has `need` bytes free. Returns false if the
 * connection ends meanwhile (the replies are then dropped). */
static bool wait_space(struct handler *h, size_t need)
{
	return wait_writer(h, has_space, need, false);
}

/* Move the replies formatted in `out` to the reply queue, due after the
 * events in the log now (before we joined, due at once), in entries of
 * whole lines. */
void flush_replies(struct handler *h)
{
	if (h->irc.on)
		irc_translate(h);
	const char *p = h->out.data + h->out.off;
	size_t left = buffer_pending(&h->out);
	uint64_t due = h->due_at ? h->due_at : h->joined ? room_head(h->room) : 0;

	while (left > 0) {
		const char *nl = memchr(p, '\n', left);
		size_t first = nl ? (size_t)(nl - p) + 1 : left;
		if (first > OUTQ_ENTRY_MAX) {   /* cannot happen: replies are short */
			p += first;
			left -= first;
			continue;
		}
		size_t space = outq_space(h->q);
		if (space < first + OUTQ_HDR) {
			if (!wait_space(h, first + OUTQ_HDR))
				break;
			continue;
		}
		/* As many whole lines as fit. */
		size_t n = left, cap = space - OUTQ_HDR;
		if (cap > OUTQ_ENTRY_MAX)
			cap = OUTQ_ENTRY_MAX;
		if (n > cap) {
			n = cap;
			while (p[n - 1] != '\n')
				n--;
		}
		if (!outq_put(h->q, due, p, n))
			break;  /* cannot happen: it fitted */
		p += n;
		left -= n;
		wake_writer(h->room);
	}
	h->out.off = h->out.len = 0;
	h->due_at = 0;
}

static bool cursor_past(struct handler *h, uint64_t seq)
{
	return atomic_load_explicit(&h->me->cursor, memory_order_acquire) > seq;
}

bool wait_writer_past(struct handler *h, uint64_t seq)
{
	/* The replies so far go first: the writer takes them as it passes
	 * seq (an OK PART is due after its LEAVE), which wakes us. */
	flush_replies(h);
	if (h->posted) {
		h->posted = false;
		wake_writer(h->room);
	}
	return wait_writer(h, cursor_past, seq, true);
}

/* Take no more input: once the queue is sent the writer closes. */
static void start_closing(struct handler *h)
{
	h->closing = true;
}

/* BYE (IRC: ERROR, by irc_translate()) and close. */
static void close_with(struct handler *h, enum reply_code code, const char *text)
{
	reply(h, line_bye(&h->out, code, text));
	flush_replies(h);
	start_closing(h);
}

/* Write our LEAVE event and give up the name. */
static void leave(struct handler *h, enum leave_reason why, const char *text, size_t len)
{
	if (h->left)
		return;
	h->left = true;
	if (!h->joined)
		return;
	struct room_event ev = {
		.kind = EV_LEAVE, .origin = h->slot + 1, .name = h->me->name,
		.login = h->login, .reason = why, .text = text, .text_len = len,
	};
	room_lock(h->room);
	if (room_slot_left_locked(h->room, h->slot)) {
		room_unlock(h->room);   /* an admin or the writer wrote our LEAVE */
		return;
	}
	uint64_t seq = room_append_locked(h->room, &ev);
	room_slot_leave_locked(h->room, h->slot, seq);
	room_unlock(h->room);
	wake_writer(h->room);
	log_msg(LOG_INFO, "leave: %s (login %s, uid %u): %s", h->me->name,
		h->login, (unsigned)h->uid, leave_reason_name(why));
}

/* An administrator kicked or banned us (room_kick_locked: our LEAVE is
 * written), or the writer dropped us as lagged (LEAVE and BYE sent), or
 * the server is going down: say goodbye and close. */
static void check_ended(struct handler *h)
{
	if (h->closing)
		return;
	uint32_t kind = atomic_load(&h->me->kicked);
	if (kind != KICK_NONE) {
		h->left = true;
		log_msg(LOG_NOTICE, "%s: %s (login %s, uid %u)",
			kind == KICK_BANNED ? "banned" : "kicked",
			h->joined ? h->me->name : "(not joined)", h->login, (unsigned)h->uid);
		close_with(h, kind == KICK_BANNED ? CODE_BANNED : CODE_KICKED, h->me->kick_text);
	} else if (atomic_load(&h->me->lagged)) {
		h->left = true;
		start_closing(h);
	} else if (h->shutting_down) {
		h->left = true;     /* the room is closing, not the user */
		close_with(h, CODE_SHUTDOWN, "the server is shutting down");
	} else if (atomic_load(&h->me->done_gen) == h->gen) {
		start_closing(h);   /* the writer could not take the connection */
	}
}

/* ---- commands in ----------------------------------------------------- */

/* The rate limit is the uid's, not the connection's: every line the user
 * puts before the others (a message, a JOIN, a NICK, a QUIT's reason) is
 * taken from one bucket that all its connections share and that a
 * reconnect does not refill (usertab.h). spend() takes the room lock;
 * spend_locked() is for callers that hold it. Over the limit, the reply
 * is rate_refused(). */
bool spend_locked(struct handler *h)
{
	return room_slot_spend_locked(h->room, h->slot, h->cfg->rate_limit, h->cfg->rate_burst);
}

bool spend(struct handler *h)
{
	return room_slot_spend(h->room, h->slot, h->cfg->rate_limit, h->cfg->rate_burst);
}

void rate_refused(struct handler *h)
{
	reply(h, line_err(&h->out, CODE_RATE_LIMITED,
			  "at most %ld messages, joins or name changes per second (of all your "
			  "connections together)", h->cfg->rate_limit));
}

static void send_motd(struct handler *h)
{
	const char *p = h->cfg->motd;
	char clean[2048];

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		text_sanitize(p, n, clean, sizeof(clean));
		reply(h, line_motd(&h->out, clean));
		p = nl ? nl + 1 : p + n;
	}
}

/* Under the room lock: may h take `name` (skeleton `skeleton`) as far as
 * the room goes: no other member has it (in any case), and no member of
 * another user has a look-alike? If not, unlocks and replies the ERR
 * (none if an administrator has closed us: check_kicked() says goodbye). */
static bool room_allows_locked(struct handler *h, const char *name, const char *skeleton)
{
	struct room *r = h->room;

	if (atomic_load(&h->me->kicked) != KICK_NONE) {
		room_unlock(r);   /* check_kicked() says goodbye */
		return false;
	}
	int other = room_find_locked(r, name);
	if (other >= 0 && (uint32_t)other != h->slot) {
		room_unlock(r);
		reply(h, line_err(&h->out, CODE_NAME_TAKEN,
				  "the name %s is already in use; choose another", name));
		return false;
	}
	other = room_find_confusable_locked(r, skeleton, h->uid);
	if (other >= 0) {
		char like[NAME_MAX_LEN + 1];
		text_printf(like, sizeof(like), "%s", room_slot(r, (uint32_t)other)->name);
		room_unlock(r);
		reply(h, line_err(&h->out, name_error_reply(NAME_CONFUSABLE),
				  "the name %s looks too much like %s, who is in the room; "
				  "choose another", name, like));
		return false;
	}
	return true;
}

/* The name rules of JOIN and NICK (docs/protocol.md), for the name `want`
 * (len bytes), cheapest first so that a refused name costs no process:
 * its syntax, the reserved names and the accounts table's logins and
 * their look-alikes (name_check_known, in memory), then the room (under
 * its lock). Only a name that passes all of these and that the table
 * cannot vouch for is asked of the name service (a child process; the
 * JOIN or NICK has spent a token of the uid's rate limit, so lookups are
 * bounded per uid), and the room is checked again after it. If h may take
 * the name, returns true with the room LOCKED and the name and its
 * skeleton in name and skeleton: the caller takes it, writes its event and
 * unlocks. Otherwise replies the ERR and returns false, the room unlocked. */
static bool lock_name(struct handler *h, const char *want, size_t len,
		      char name[NAME_MAX_LEN + 1], char skeleton[NAME_MAX_LEN + 1])
{
	bool ask;
	enum name_error ne = name_check_known(want, len, h->uid, &ask);
	if (ne != NAME_OK) {
		reply(h, line_err(&h->out, name_error_reply(ne), "%s", name_error_message(ne)));
		return false;
	}
	memcpy(name, want, len);
	name[len] = '\0';
	name_skeleton(name, skeleton);

	room_lock(h->room);
	if (!room_allows_locked(h, name, skeleton))
		return false;
	if (!ask)
		return true;
	room_unlock(h->room);
	ne = name_check_service(want, len, h->uid);
	if (ne != NAME_OK) {
		reply(h, line_err(&h->out, name_error_reply(ne), "%s", name_error_message(ne)));
		return false;
	}
	room_lock(h->room);
	return room_allows_locked(h, name, skeleton);
}

/* A muted member's message, NICK or JOIN under a name of its choosing
 * gets ERR muted, saying for how long (and, for a JOIN, under which name
 * it may join: only_as). (The ERR says that nothing happened; the client
 * says what.) Returns true if muted. The mute is the uid's: every
 * connection of it has muted_until (moderation.h), new ones too. */
bool refused_muted(struct handler *h, int64_t now, const char *only_as)
{
	if (!room_slot_muted(h->me, now))
		return false;
	int64_t until = atomic_load(&h->me->muted_until);
	char left[24];
	duration_format(until == INT64_MAX ? 0 : (until - now + 999) / 1000, left, sizeof(left));
	char more[NAME_MAX_LEN + 64] = "";
	if (only_as)
		text_printf(more, sizeof(more), "; you may join only as %s", only_as);
	if (until == INT64_MAX)
		reply(h, line_err(&h->out, CODE_MUTED, "an administrator muted you%s", more));
	else
		reply(h, line_err(&h->out, CODE_MUTED, "an administrator muted you for %s more%s",
				  left, more));
	return true;
}

/* What waiting.h needs of the handler. */
static struct waiting_ctx waiting_of(struct handler *h)
{
	return (struct waiting_ctx){
		.room = h->room, .box = h->wait, .cfg = h->cfg, .uid = h->uid,
		.name = h->joined ? h->me->name : h->login, .login = h->login, .out = &h->out,
		.admin = atomic_load(&h->me->admin) != 0, .slot = h->slot,
	};
}

static void cmd_join(struct handler *h, const struct command *c)
{
	char name[NAME_MAX_LEN + 1];
	uint64_t last = 0;
	bool resume = false;

	if (h->joined) {
		reply(h, line_err(&h->out, CODE_ALREADY_JOINED, "you are already in the room as %s",
				  h->me->name));
		return;
	}
	const char *want = c->arg ? c->arg : h->login;
	size_t want_len = c->arg ? c->arg_len : strlen(h->login);
	if (c->text) {
		if (!proto_parse_u64(c->text, c->text_len, &last)) {
			reply(h, line_usage(&h->out, c->verb, " (LAST-SEQ: a number from 0)"));
			return;
		}
		/* The last event the client saw is below the head: a larger
		 * number is no event of this room (and UINT64_MAX + 1 would
		 * wrap to a replay of the whole log). Our JOIN will be at the
		 * head or later, so last + 1 <= its seq below. */
		uint64_t head = room_head(h->room);
		if (last >= head) {
			reply(h, line_err(&h->out, CODE_BAD_ARGUMENT,
					  "LAST-SEQ %" PRIu64 " is past the room's last event (%" PRIu64 ")",
					  last, head - 1));
			return;
		}
		resume = true;
	}
	/* The JOIN's name is a line others see: a muted user joins only
	 * under its login name, which says nothing. */
	if ((want_len != strlen(h->login) || memcmp(want, h->login, want_len) != 0) &&
	    refused_muted(h, now_ms(), h->login))
		return;
	/* Every attempt (a JOIN and the LEAVE after it, or a refused name,
	 * which may have asked the name service) costs what a message does:
	 * a reconnecting user cannot flood the room with JOIN and LEAVE. */
	if (!spend(h)) {
		rate_refused(h);
		return;
	}
	char skeleton[NAME_MAX_LEN + 1];
	if (!lock_name(h, want, want_len, name, skeleton))
		return;
	struct room *r = h->room;
	room_slot_join_locked(r, h->slot, name, skeleton);
	memcpy(h->me->join_key, h->me->key, sizeof(h->me->join_key));
	struct room_event ev = {
		.kind = EV_JOIN, .origin = h->slot + 1, .name = name, .login = h->login,
	};
	uint64_t seq = room_append_locked(r, &ev);
	room_unlock(r);
	h->posted = true;

	proctitle_set("lchatd: %s", name);
	log_msg(LOG_INFO, "join: %s (login %s, uid %u)", name, h->login, (unsigned)h->uid);

	/* The writer streams the log from `start` once OK JOIN and the MOTD
	 * are queued ahead of it (due at once: we are not streaming yet). */
	uint64_t oldest = room_oldest(r, seq + 1);
	uint64_t start = seq > (uint64_t)h->cfg->backlog ? seq - (uint64_t)h->cfg->backlog : 1;
	if (resume)
		start = last + 1 < seq ? last + 1 : seq;
	reply(h, line_ok(&h->out, VERB_JOIN, "%s %" PRIu64, name, seq));
	send_motd(h);
	/* Messages that waited for us, after the MOTD and before the log. */
	struct waiting_ctx w = waiting_of(h);
	reply(h, waiting_deliver(&w) < 0 ? -1 : 0);
	flush_replies(h);
	atomic_store(&h->me->join_seq, seq);
	atomic_store(&h->me->cursor, start > oldest ? start : oldest);
	atomic_store(&h->me->streaming, 1);
	h->joined = true;
}

/* Under the lock: does the member of slot t refuse our PRIV (MESG n)?
 * Administrators (root, admin_group: the slot's `admin`, set by the
 * daemon) and the member's own uid pass. If refused, unlocks and replies
 * ERR refused. */
static bool refused_mesg_locked(struct handler *h, uint32_t t)
{
	struct room *r = h->room;
	struct room_prefs *p = room_slot_prefs(r, t);
	struct room_slot *to = room_slot(r, t);

	if (!p || !atomic_load(&p->mesg_off) || atomic_load(&h->me->admin) || to->uid == h->uid)
		return false;
	char name[NAME_MAX_LEN + 1];
	text_copy_str(name, sizeof(name), to->name);
	room_unlock(r);
	reply(h, line_err(&h->out, CODE_REFUSED, "%s does not accept private messages", name));
	return true;
}

/* SAY, ME and PRIV: post a message event. */
static void cmd_message(struct handler *h, const struct command *c)
{
	enum event_kind kind = c->verb == VERB_SAY ? EV_MSG :
			       c->verb == VERB_ME ? EV_ACTION : EV_PRIV;

	if (kind == EV_PRIV && (!c->arg || c->arg_len == 0 || c->arg_len > NAME_MAX_LEN || !c->text)) {
		reply(h, line_usage(&h->out, c->verb, ""));
		return;
	}
	/* Under PROTO 2 a message names its room: "SAY #room TEXT". */
	const char *text = c->text;
	size_t text_len = c->text_len;
	int room = ROOM_EV_AUTO;
	if (kind != EV_PRIV && h->proto2) {
		int k = room_word(h, &text, &text_len, true);
		if (k < 0)
			return;
		room = k + 1;
	}
	enum text_error te = text ? text_check(text, text_len, NULL) : TEXT_EMPTY;
	if (te != TEXT_OK) {
		reply(h, line_err(&h->out, text_error_reply(te), "%s", text_error_message(te)));
		return;
	}
	int64_t now = now_ms();
	if (refused_muted(h, now, NULL))
		return;
	struct room_event ev = {
		.kind = kind, .origin = h->slot + 1, .name = h->me->name,
		.text = text, .text_len = text_len, .room = room,
	};
	struct room *r = h->room;
	char away[AWAY_MAX + 1] = "", away_name[NAME_MAX_LEN + 1] = "";
	room_lock(r);
	if (atomic_load(&h->me->kicked) != KICK_NONE) {
		room_unlock(r);   /* kicked meanwhile: not sent */
		return;
	}
	/* Parted meanwhile (a reload, PART-KICK), or an lchat/1 member that
	 * is no longer in the default room: not sent. */
	uint32_t rk = room > 0 ? (uint32_t)room - 1 : r->hdr->default_room;
	if (kind != EV_PRIV && !(atomic_load(&h->me->rooms) & (UINT64_C(1) << rk))) {
		room_unlock(r);
		reply(h, line_err(&h->out, CODE_NOT_IN_ROOM, "you are not in that room"));
		return;
	}
	if (!spend_locked(h)) {
		room_unlock(r);
		rate_refused(h);
		return;
	}
	if (kind == EV_PRIV) {
		char target[NAME_MAX_LEN + 1];
		memcpy(target, c->arg, c->arg_len);
		target[c->arg_len] = '\0';
		int t = room_find_locked(r, target);
		if (t < 0) {
			/* No member of that name: a login's message may wait. */
			room_unlock(r);
			struct waiting_ctx w = waiting_of(h);
			reply(h, waiting_priv(&w, c->arg, c->arg_len, c->text, c->text_len, now));
			atomic_store(&h->me->active_ms, now);
			return;
		}
		if (refused_mesg_locked(h, (uint32_t)t))
			return;
		ev.target = (uint32_t)t + 1;
		text_copy_str(away_name, sizeof(away_name), room_slot(r, (uint32_t)t)->name);
		text_copy_str(away, sizeof(away), room_slot(r, (uint32_t)t)->away);
	}
	room_append_locked(r, &ev);
	h->me->away[0] = '\0';   /* speaking ends our AWAY */
	room_unlock(r);
	h->posted = true;   /* the writer is woken once per batch of input */
	atomic_store(&h->me->active_ms, now);
	/* After OK PRIV (due after our event): the member is away. */
	if (away[0])
		reply(h, line_away(&h->out, away_name, away));
	if (h->cfg->log_messages)
		log_msg(LOG_INFO, "%s from %s (uid %u)%s%.*s: %.*s", verb_name(c->verb),
			h->me->name, (unsigned)h->uid, kind == EV_PRIV ? " to " : "",
			kind == EV_PRIV ? (int)c->arg_len : 0, kind == EV_PRIV ? c->arg : "",
			(int)text_len, text);
	if (kind != EV_PRIV) {
		struct waiting_ctx w = waiting_of(h);
		reply(h, waiting_mentions(&w, kind, text, text_len, now));
	}
}

/* NICK NAME: the member takes another name, by JOIN's rules (lock_name).
 * The others get "EV seq ms NICK old login new"; the member gets
 * "OK NICK new seq" where that event would be (the writer's ack). Like a
 * message, it puts a line before everyone: a muted member may not, and it
 * spends a token of the rate limit (before the name is looked up, which
 * may ask the name service). */
static void cmd_nick(struct handler *h, const struct command *c)
{
	char name[NAME_MAX_LEN + 1], skeleton[NAME_MAX_LEN + 1], old[NAME_MAX_LEN + 1];

	if (!c->arg || c->arg_len == 0 || c->text) {
		reply(h, line_usage(&h->out, c->verb, ""));
		return;
	}
	text_printf(old, sizeof(old), "%s", h->me->name);
	if (c->arg_len == strlen(old) && memcmp(c->arg, old, c->arg_len) == 0) {
		reply(h, line_err(&h->out, CODE_NAME_TAKEN, "you are already called %s", old));
		return;
	}
	if (refused_muted(h, now_ms(), NULL))
		return;
	if (!spend(h)) {
		rate_refused(h);
		return;
	}
	if (!lock_name(h, c->arg, c->arg_len, name, skeleton))
		return;
	struct room *r = h->room;
	room_slot_rename_locked(r, h->slot, name, skeleton);
	struct room_event ev = {
		.kind = EV_NICK, .origin = h->slot + 1, .name = old, .login = h->login,
		.text = name, .text_len = strlen(name),
	};
	room_append_locked(r, &ev);
	room_unlock(r);
	h->posted = true;
	proctitle_set("lchatd: %s", name);
	log_msg(LOG_INFO, "nick: %s is now %s (login %s, uid %u)", old, name, h->login,
		(unsigned)h->uid);
}

/* WHO: the default room's members; under PROTO 2, WHO #room: that
 * room's. */
static void cmd_who(struct handler *h, const struct command *c)
{
	int k = ROOM_WHO_DEFAULT;
	if (h->proto2 && c->text) {
		const char *text = c->text;
		size_t n = c->text_len;
		if ((k = room_word(h, &text, &n, false)) < 0)
			return;
	}
	if (room_format_who_in(h->room, &h->out, WHO_USER, k) < 0)
		h->closing = true;
}

/* WAITING: how many messages wait for us ("OK WAITING n"); before JOIN
 * too, for lchat --check. */
static void cmd_waiting(struct handler *h, const struct command *c)
{
	(void)c;
	struct waiting_ctx w = waiting_of(h);
	reply(h, waiting_count(&w));
}

static void cmd_ping(struct handler *h, const struct command *c)
{
	reply(h, proto_reply_pong(&h->out, c));
}

/* QUIT [REASON]: never refused. The reason is a line the others see: a
 * muted user's, or one over the rate limit, is dropped (the LEAVE carries
 * no text; the OK QUIT is the same). */
static void cmd_quit(struct handler *h, const struct command *c)
{
	const char *text = c->text;
	size_t len = c->text_len;

	if (text && len > 0 && h->joined && !h->left) {
		bool muted = room_slot_muted(h->me, now_ms());
		if (muted || !spend(h)) {
			log_msg(LOG_INFO, "quit: the reason of uid %u dropped (%s)",
				(unsigned)h->uid, muted ? "muted" : "rate-limited");
			text = NULL;
			len = 0;
		}
	}
	/* The events the member was here for, up to its LEAVE, come before
	 * the OK (the writer stops the stream there); nothing comes after. */
	leave(h, LEAVE_QUIT, text, len);
	reply(h, line_ok(&h->out, VERB_QUIT, NULL));
	start_closing(h);
}

/* The user socket's verbs (verbs.h has their words and usage). */
static const struct {
	void (*fn)(struct handler *h, const struct command *c);
	bool must_join;
} commands[VERB_COUNT] = {
	[VERB_JOIN] = { cmd_join, false },
	[VERB_SAY] = { cmd_message, true },
	[VERB_ME] = { cmd_message, true },
	[VERB_PRIV] = { cmd_message, true },
	[VERB_WHO] = { cmd_who, true },
	[VERB_NICK] = { cmd_nick, true },
	[VERB_PING] = { cmd_ping, false },
	[VERB_QUIT] = { cmd_quit, false },
	[VERB_WAITING] = { cmd_waiting, false },
	[VERB_AWAY] = { cmd_away, true },
	[VERB_IGNORE] = { cmd_ignore, true },
	[VERB_UNIGNORE] = { cmd_ignore, true },
	[VERB_MESG] = { cmd_mesg, true },
	[VERB_PROTO] = { cmd_proto, false },
	[VERB_ENTER] = { cmd_enter, true },
	[VERB_PART] = { cmd_part, true },
	[VERB_TOPIC] = { cmd_topic, true },
	[VERB_ROOMS] = { cmd_rooms, true },
};

void handler_verb(struct handler *h, const struct command *c)
{
	enum verb v = c->verb;

	if (!verb_on(v, SOCK_USER) || !commands[v].fn) {
		char list[512];
		verb_list(SOCK_USER, list, sizeof(list));
		reply(h, line_err(&h->out, CODE_UNKNOWN_COMMAND,
				  "unknown command; the commands are %s", list));
	} else if (commands[v].must_join && !h->joined) {
		reply(h, line_err(&h->out, CODE_NOT_JOINED, "JOIN the room first"));
	} else {
		commands[v].fn(h, c);
	}
}

static void handle_line(struct handler *h, const char *line, size_t len)
{
	struct command c;

	if (h->irc.on) {
		irc_handle_line(h, line, len);
		return;
	}
	if (!proto_accept_line(line, len, &h->out, &h->closing))
		return;
	proto_parse_command(line, len, &c);
	handler_verb(h, &c);
}

/* Serve the complete lines received, replies queued after each. The
 * writer is woken once for all the events they appended: a paste or a bot
 * that sends many lines at once costs it one pass. */
static void process_input(struct handler *h)
{
	char *line;
	size_t len;

	while (!h->closing) {
		enum line_status st = linebuf_next(&h->in, &line, &len);
		if (st == LINE_NONE)
			break;
		if (st == LINE_TOO_LONG && h->irc.on)
			reply(h, irc_num(&h->out, h->me->name[0] ? h->me->name : "*", ERR_INPUTTOOLONG,
					 ":Input line was too long (at most %d bytes with CR LF); "
					 "line dropped", IRC_LINE_MAX + 2));
		else if (st == LINE_TOO_LONG)
			reply(h, line_err(&h->out, CODE_LINE_TOO_LONG,
					  "lines are at most %ld bytes; line dropped", h->cfg->max_line));
		else
			handle_line(h, line, len);
		flush_replies(h);
		if (ended_elsewhere(h))
			break;
	}
	if (h->posted) {
		h->posted = false;
		wake_writer(h->room);
	}
}

/* Read what the client sent. Sets eof at end of input or on an error. */
static void read_input(struct handler *h)
{
	size_t avail;
	char *p = linebuf_space(&h->in, &avail);

	if (avail == 0)
		return;    /* full of lines not yet processed */
	for (;;) {
		ssize_t n = recv(h->fd, p, avail, MSG_DONTWAIT);
		if (n > 0) {
			linebuf_commit(&h->in, (size_t)n);
			return;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		h->eof = true;  /* end of input, or ECONNRESET and the like */
		return;
	}
}

static void handle_signals(struct handler *h)
{
	struct signalfd_siginfo si[16];

	for (;;) {
		ssize_t n = read(h->sigfd, si, sizeof(si));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;   /* EAGAIN: all read */
		}
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++)
			if (si[i].ssi_signo == SIGTERM)
				h->shutting_down = true;
		if ((size_t)n < sizeof(si))
			break;
	}
	wake_ack(h->me);
}

/* ---- set-up and the loop -------------------------------------------- */

/* Drop what the daemon holds: every descriptor but the client's (made 3),
 * its signal mask and dispositions. Returns the signalfd. */
static int isolate(const struct handler_args *a, int *fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a->daemon_pid)
		_exit(1);   /* the daemon is already gone */
	if (sandbox_enter() < 0)
		_exit(1);   /* no capability and no-new-privs, or no child */
	log_close();
	/* The daemon's descriptors are all above 4 or are 0-2, except
	 * possibly these two: move each out of the way first if needed. */
	int notify = a->notify_fd;
	if (*fd == 4 && (*fd = fcntl(*fd, F_DUPFD_CLOEXEC, 5)) < 0)
		_exit(1);
	if (notify == 3 && (notify = fcntl(notify, F_DUPFD_CLOEXEC, 5)) < 0)
		_exit(1);
	if ((*fd != 3 && dup3(*fd, 3, O_CLOEXEC) < 0) ||
	    (notify >= 0 && notify != 4 && dup3(notify, 4, O_CLOEXEC) < 0))
		_exit(1);
	*fd = 3;
	a->room->notify_fd = notify >= 0 ? 4 : -1;
	if (close_range(notify >= 0 ? 5 : 4, ~0U, 0) < 0)
		_exit(1);
	log_reopen();

	/* SIGINT and SIGHUP (a terminal's, or the daemon's), SIGUSR1 and
	 * SIGUSR2 are read and ignored: only the daemon's SIGTERM ends a
	 * handler, and a stray signal must not disconnect a user. */
	static const int sigs[] = { WAKE_SIGNAL, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
	return signalfd_for(SIG_SETMASK, sigs, sizeof(sigs) / sizeof(sigs[0]));
}

/* The main loop's epoll set: the signalfd always, the client while we
 * read it. A client that is behind is taken out of the set, not left in
 * it with no events: epoll reports a hang-up whatever it is asked for. */
enum { EP_SIGNALS, EP_CLIENT };

static int epoll_open(struct handler *h)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EP_SIGNALS };

	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0 || epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->sigfd, &ev) < 0)
		return -1;
	return 0;
}

/* Put the client in the set or take it out: 0, or -1 with errno. */
static int watch_input(struct handler *h, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EP_CLIENT };

	if (on == h->watching)
		return 0;
	if (epoll_ctl(h->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, h->fd, &ev) < 0)
		return -1;
	h->watching = on;
	return 0;
}

static void run(struct handler *h)
{
	/* Rooms are offered only where there is more than the default one:
	 * a chat of one room looks as it always did (lchat/1). */
	bool rooms = config_offers_rooms(h->cfg);
	if (!h->irc.on)   /* IRC: the client speaks first */
		reply(h, line_hello(&h->out, PROTO_NAME, h->login, h->cfg->max_line,
				    rooms ? h->cfg->default_room : NULL));
	flush_replies(h);
	while (!h->closing) {
		check_ended(h);
		if (h->closing)
			break;
		if (h->eof) {
			/* At end of input, lines already received were served
			 * (echo "SAY done" | socat ... closes at once); a
			 * partial last line is not a line. */
			leave(h, LEAVE_CLOSED, NULL, 0);
			start_closing(h);
			break;
		}
		int timeout = -1;
		if (!h->joined) {
			int64_t left = h->join_deadline - mono_ms();
			if (left <= 0) {
				close_with(h, CODE_JOIN_TIMEOUT, "no JOIN in time; goodbye");
				break;
			}
			timeout = (int)left;
		}
		/* Behind: look again in a moment (the writer does not say
		 * when it has caught up). */
		bool behind = h->joined && room_head(h->room) -
			atomic_load_explicit(&h->me->cursor, memory_order_relaxed) > h->behind_max;
		if (behind && (timeout < 0 || timeout > 20))
			timeout = 20;
		struct epoll_event ev[2];
		int n = watch_input(h, !behind) < 0 ? -1 : epoll_wait(h->epfd, ev, 2, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "epoll: %s", strerror(errno));
			leave(h, LEAVE_LOST, NULL, 0);
			start_closing(h);
			break;
		}
		bool input = false;
		for (int k = 0; k < n; k++) {
			if (ev[k].data.u32 == EP_SIGNALS)
				handle_signals(h);
			else
				input = true;
		}
		if (input) {
			read_input(h);
			process_input(h);
		}
	}
}

/* Tell the writer we are done, and give it a moment to send what is queued
 * and close the connection. */
static void finish(struct handler *h)
{
	atomic_store(&h->me->closing, 1);
	wake_writer(h->room);
	int64_t deadline = mono_ms() + CLOSE_WAIT_MS;
	while (atomic_load(&h->me->done_gen) != h->gen) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			log_msg(LOG_WARNING, "the writer did not close the connection of uid %u "
				"within %d ms; ending anyway", (unsigned)h->uid, CLOSE_WAIT_MS);
			break;
		}
		struct pollfd p = { .fd = h->sigfd, .events = POLLIN };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		handle_signals(h);
	}
}

/* A login as the protocol can carry it: printable ASCII, no spaces. */
void safe_login(uid_t uid, char *buf, size_t len)
{
	account_login(uid, buf, len);
	for (const char *p = buf; *p; p++)
		if (*p <= ' ' || *p > '~') {
			text_printf(buf, len, "uid%u", (unsigned)uid);
			return;
		}
}

void handler_main(const struct handler_args *a)
{
	struct handler h;
	int fd = a->fd;

	memset(&h, 0, sizeof(h));
	h.sigfd = isolate(a, &fd);
	if (h.sigfd < 0)
		_exit(1);
	h.fd = fd;
	if (epoll_open(&h) < 0)
		_exit(1);
	h.room = a->room;
	h.cfg = a->cfg;
	h.slot = a->slot;
	h.me = room_slot(a->room, a->slot);
	h.q = &a->room->outq[a->slot];
	h.gen = h.me->gen;
	h.uid = a->uid;
	h.wait = a->wait;
	h.daemon_pid = a->daemon_pid;
	atomic_store(&h.me->pid, getpid());
	safe_login(a->uid, h.login, sizeof(h.login));
	text_printf(h.me->login, sizeof(h.me->login), "%s", h.login);
	proctitle_set("lchatd: (%s)", h.login);
	h.join_deadline = mono_ms() + a->cfg->join_timeout * 1000;
	h.behind_max = a->room->history / 2 < BEHIND_MAX ? a->room->history / 2 : BEHIND_MAX;
	/* On the IRC socket: IRC's line limit, and rooms as under PROTO 2
	 * (every channel is a room). */
	h.irc.on = atomic_load(&h.me->irc) != 0;
	if (h.irc.on) {
		h.proto2 = true;
		atomic_store(&h.me->proto, 2);
	}
	size_t max_line = h.irc.on ? IRC_LINE_MAX : (size_t)a->cfg->max_line;
	if (a->mem.in && a->mem.out) {
		linebuf_adopt(&h.in, a->mem.in, max_line);
		h.out.data = a->mem.out;
		h.out.cap = a->mem.out_cap;
		if (h.irc.on && a->mem.spare)
			h.irc.spare = (struct buffer){ .data = a->mem.spare, .cap = a->mem.out_cap };
	} else if (linebuf_init(&h.in, max_line) < 0) {
		_exit(1);
	}
	char err[200];
	if (sysfilter_load(SANDBOX_HANDLER, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, "handler: cannot enter the sandbox: %s", err);
		_exit(1);
	}

	run(&h);
	if (!h.left && h.joined)
		leave(&h, LEAVE_CLOSED, NULL, 0);
	finish(&h);
	close(h.fd);
	close(h.sigfd);
	linebuf_free(&h.in);
	buffer_free(&h.out);
	buffer_free(&h.irc.spare);
	exit(0);
}
