/* handler.c - one process per connection: the handshake, the user's
 * commands, and the room's events written back to the user.
 *
 * The loop: drain new events from the shared log into the output buffer,
 * process input lines (only while the log is drained, so every reply lands
 * after the events that came before it), flush with one write, and wait in
 * epoll for the client socket, the signalfd (a member's own wake-ups,
 * SIGTERM) and the room's broadcast eventfd.
 * A client that does not read is not read from either; once it falls more
 * than `history` events behind it is disconnected as lagged. */
#include "handler.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <fcntl.h>
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
#include "duration.h"
#include "log.h"
#include "names.h"
#include "proctitle.h"
#include "protocol.h"
#include "sanitize.h"
#include "util.h"
#include "wake.h"

/* Stop pulling events from the log while this much output is unsent. */
#define OUT_SOFT_CAP (64 * 1024)
/* In a room with more than JOIN_CROWD slots in use, a join wakes the
 * members at once only if no pass has woken them for JOIN_WAKE_MS;
 * otherwise its handler wakes them JOIN_WAKE_MS after the last pass,
 * unless another pass covered its join meanwhile. A join storm of N users
 * then costs N wake-ups per JOIN_WAKE_MS, not N per join (N squared). */
#define JOIN_CROWD 64
#define JOIN_WAKE_MS 100
/* Input a handler takes in one go before it wakes the room for it. */
#define WAKE_BATCH_BYTES (64 * 1024)
/* How long a closing connection may take to take its last lines. */
#define CLOSE_FLUSH_MS 2000

struct handler {
	struct room *room;
	const struct lchat_config *cfg;
	struct room_slot *me;
	uint32_t slot;
	uint32_t gen;
	int fd;
	int sigfd;
	int epfd;               /* client socket, signalfd, broadcast eventfd */
	uint32_t fd_events;     /* the client socket's events in epfd */
	uid_t uid;
	char login[LOGIN_MAX + 1];
	bool joined;
	bool left;              /* our LEAVE is written, or we never joined */
	bool closing;           /* flush the output, then exit */
	bool input_waiting;     /* lines may wait in `in` for the output to drain */
	bool shutting_down;
	bool wake_pending;      /* messages posted, members not woken yet */
	int64_t join_wake_at;   /* mono ms: wake the members for our join */
	int64_t trim_after;     /* mono ms: earliest next malloc_trim */
	uint64_t join_seq;
	int64_t close_deadline;
	int64_t join_deadline;
	uint64_t cursor;        /* next sequence number to read */
	uint64_t leave_seq;     /* our LEAVE's seq once written (0: not yet):
				 * events from it on are not ours to send */
	struct linebuf in;
	struct buffer out;
	double tokens;          /* rate limit bucket */
	int64_t tokens_ms;
};

/* Queue one reply line (lines.h); a handler out of memory closes the
 * connection: reply(h, line_err(&h->out, CODE_X, "...")). */
#define reply(h, queued) do { \
	if ((queued) < 0) \
		(h)->closing = true; \
} while (0)

/* Stop taking input; exit once the output is sent or CLOSE_FLUSH_MS pass. */
static void start_closing(struct handler *h)
{
	h->closing = true;
	h->close_deadline = mono_ms() + CLOSE_FLUSH_MS;
}

static void close_with(struct handler *h, enum reply_code code, const char *text)
{
	reply(h, line_bye(&h->out, code, text));
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
	if (atomic_load(&h->me->kicked) != KICK_NONE) {
		room_unlock(h->room);   /* the admin wrote our LEAVE */
		return;
	}
	h->leave_seq = room_append_locked(h->room, &ev);
	room_slot_leave_locked(h->room, h->slot);
	room_wake_members_locked(h->room, (int)h->slot);
	room_unlock(h->room);
	log_msg(LOG_INFO, "leave: %s (login %s, uid %u): %s", h->me->name,
		h->login, (unsigned)h->uid, leave_reason_name(why));
}

/* An administrator kicked or banned us (room_kick_locked): our LEAVE is
 * written; send the events before it, then the BYE. */
static void check_kicked(struct handler *h)
{
	uint32_t kind = atomic_load(&h->me->kicked);

	if (kind == KICK_NONE || h->closing)
		return;
	h->left = true;
	log_msg(LOG_NOTICE, "%s: %s (login %s, uid %u)", kind == KICK_BANNED ? "banned" : "kicked",
		h->joined ? h->me->name : "(not joined)", h->login, (unsigned)h->uid);
	close_with(h, kind == KICK_BANNED ? CODE_BANNED : CODE_KICKED, h->me->kick_text);
}

/* ---- events out ------------------------------------------------------ */

/* Forget queued output the client will never take, but finish a line
 * that is partly sent, so the BYE that follows starts on a line of its own. */
static void drop_unsent(struct handler *h)
{
	struct buffer *b = &h->out;

	if (b->off == 0 || b->data[b->off - 1] == '\n') {
		b->off = b->len = 0;
		return;
	}
	char *nl = memchr(b->data + b->off, '\n', b->len - b->off);
	if (nl)
		b->len = (size_t)(nl - b->data) + 1;
}

static bool is_mine(const struct handler *h, uint32_t who, uint32_t gen)
{
	return who == h->slot + 1 && gen == h->gen;
}

/* "OK NICK new-name seq" for our own NICK event, whose line (len bytes,
 * "\n" included) was copied to the free end of the output buffer: the new
 * name is taken from it before the reply overwrites it. */
static void ack_nick(struct handler *h, const char *line, size_t len, uint64_t seq)
{
	struct server_line sl;
	char name[NAME_MAX_LEN + 1];

	if (len == 0 || !proto_parse_server_line(line, len - 1, &sl) || sl.kind != EV_NICK ||
	    sl.word_len[2] > NAME_MAX_LEN)
		return;     /* cannot happen: we wrote it */
	memcpy(name, sl.word[2], sl.word_len[2]);
	name[sl.word_len[2]] = '\0';
	reply(h, line_ok(&h->out, VERB_NICK, "%s %" PRIu64, name, seq));
}

/* Copy new events from the log into the output buffer. Returns false if
 * we fell behind and were disconnected. */
static bool drain(struct handler *h)
{
	struct room *r = h->room;
	uint64_t head = room_head(r);

	if (h->leave_seq && head > h->leave_seq)
		head = h->leave_seq;
	/* Checked even when the output is backed up: that is when it happens. */
	if (h->cursor < head && h->cursor < room_oldest(r, head))
		goto lagged;
	while (h->cursor < head && buffer_pending(&h->out) < OUT_SOFT_CAP) {
		if (h->cursor < room_oldest(r, head))
			goto lagged;
		if (buffer_reserve(&h->out, r->rec_size) < 0)
			goto lagged;
		struct room_rec_info info;
		char *dst = h->out.data + h->out.len;
		if (!room_read(r, h->cursor, &info, dst, r->rec_size))
			goto lagged;
		h->cursor++;
		if (is_mine(h, info.origin, info.origin_gen)) {
			/* Our own event: an acknowledgement where its echo
			 * would be (joins and leaves are acknowledged
			 * elsewhere). */
			enum verb ack = event_ack_verb(info.kind);
			if (ack == VERB_NICK)
				ack_nick(h, dst, info.len, info.seq);
			else if (ack != VERB_UNKNOWN)
				reply(h, line_ok(&h->out, ack, "%" PRIu64, info.seq));
			continue;
		}
		if (info.target && !is_mine(h, info.target, info.target_gen))
			continue;
		h->out.len += info.len;
	}
	return true;

lagged:
	log_msg(LOG_NOTICE, "%s (uid %u) fell more than %u events behind; disconnecting",
		h->me->name, (unsigned)h->uid, r->history);
	leave(h, LEAVE_LAGGED, NULL, 0);
	drop_unsent(h);
	close_with(h, CODE_LAGGED, "you fell too far behind the room and missed messages");
	return false;
}

/* ---- commands in ----------------------------------------------------- */

static bool rate_ok(struct handler *h)
{
	int64_t now = mono_ms();
	double rate = (double)h->cfg->rate_limit, burst = (double)h->cfg->rate_burst;

	h->tokens += (double)(now - h->tokens_ms) * rate / 1000.0;
	if (h->tokens > burst)
		h->tokens = burst;
	h->tokens_ms = now;
	if (h->tokens < 1.0)
		return false;
	h->tokens -= 1.0;
	return true;
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

/* The name rules of JOIN and NICK (docs/protocol.md), for the name `want`
 * (len bytes): its syntax, the reserved names and other accounts' logins
 * and their look-alikes (name_check_for_uid), then, under the room lock,
 * that no other member has it (in any case) and that no member of another
 * user has a name that looks like it. If h may take it, returns true with
 * the room LOCKED and the name and its skeleton in name and skeleton: the
 * caller takes it, writes its event and unlocks. Otherwise replies the
 * ERR (none if an administrator has closed us: check_kicked() says
 * goodbye) and returns false, the room unlocked. */
static bool lock_name(struct handler *h, const char *want, size_t len,
		      char name[NAME_MAX_LEN + 1], char skeleton[NAME_MAX_LEN + 1])
{
	enum name_error ne = name_check_for_uid(want, len, h->uid);
	if (ne != NAME_OK) {
		reply(h, line_err(&h->out, name_error_reply(ne), "%s", name_error_message(ne)));
		return false;
	}
	memcpy(name, want, len);
	name[len] = '\0';
	name_skeleton(name, skeleton);

	struct room *r = h->room;
	room_lock(r);
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
		snprintf(like, sizeof(like), "%s", room_slot(r, (uint32_t)other)->name);
		room_unlock(r);
		reply(h, line_err(&h->out, name_error_reply(NAME_CONFUSABLE),
				  "the name %s looks too much like %s, who is in the room; "
				  "choose another", name, like));
		return false;
	}
	return true;
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
			reply(h, line_usage(&h->out, c->verb, ""));
			return;
		}
		resume = true;
	}
	char skeleton[NAME_MAX_LEN + 1];
	if (!lock_name(h, want, want_len, name, skeleton))
		return;
	struct room *r = h->room;
	room_slot_join_locked(r, h->slot, name, skeleton);
	struct room_event ev = {
		.kind = EV_JOIN, .origin = h->slot + 1, .name = name, .login = h->login,
	};
	uint64_t seq = room_append_locked(r, &ev);
	int64_t woken = atomic_load(&r->hdr->woken_ms);
	if (atomic_load(&r->hdr->high_water) <= JOIN_CROWD || mono_ms() - woken >= JOIN_WAKE_MS) {
		room_wake_members_locked(r, (int)h->slot);
	} else {
		h->join_seq = seq;
		h->join_wake_at = woken + JOIN_WAKE_MS;
	}
	room_unlock(r);

	h->joined = true;
	/* From now on broadcast wake-ups concern us. */
	struct epoll_event be = { .events = EPOLLIN | EPOLLET, .data.fd = r->bcast_fd };
	if (r->bcast_fd >= 0 && epoll_ctl(h->epfd, EPOLL_CTL_ADD, r->bcast_fd, &be) < 0) {
		log_msg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
		start_closing(h);
	}
	proctitle_set("lchatd: %s", name);
	log_msg(LOG_INFO, "join: %s (login %s, uid %u)", name, h->login, (unsigned)h->uid);

	uint64_t oldest = room_oldest(r, seq + 1);
	uint64_t start = seq > (uint64_t)h->cfg->backlog ? seq - (uint64_t)h->cfg->backlog : 1;
	if (resume)
		start = last + 1 < seq ? last + 1 : seq;
	h->cursor = start > oldest ? start : oldest;
	reply(h, line_ok(&h->out, VERB_JOIN, "%s %" PRIu64, name, seq));
	send_motd(h);
}

/* A muted member's message or NICK gets ERR muted, saying for how long.
 * (The ERR says that nothing happened; the client says what.) Returns
 * true if muted. */
static bool refused_muted(struct handler *h, int64_t now)
{
	if (!room_slot_muted(h->me, now))
		return false;
	int64_t until = atomic_load(&h->me->muted_until);
	char left[24];
	duration_format(until == INT64_MAX ? 0 : (until - now + 999) / 1000, left, sizeof(left));
	if (until == INT64_MAX)
		reply(h, line_err(&h->out, CODE_MUTED, "an administrator muted you"));
	else
		reply(h, line_err(&h->out, CODE_MUTED, "an administrator muted you for %s more",
				  left));
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
	enum text_error te = c->text ? text_check(c->text, c->text_len, NULL) : TEXT_EMPTY;
	if (te != TEXT_OK) {
		reply(h, line_err(&h->out, text_error_reply(te), "%s", text_error_message(te)));
		return;
	}
	int64_t now = now_ms();
	if (refused_muted(h, now))
		return;
	if (!rate_ok(h)) {
		reply(h, line_err(&h->out, CODE_RATE_LIMITED,
				  "at most %ld messages per second", h->cfg->rate_limit));
		return;
	}
	struct room_event ev = {
		.kind = kind, .origin = h->slot + 1, .name = h->me->name,
		.text = c->text, .text_len = c->text_len,
	};
	struct room *r = h->room;
	room_lock(r);
	if (atomic_load(&h->me->kicked) != KICK_NONE) {
		room_unlock(r);   /* kicked meanwhile: not sent */
		return;
	}
	if (kind == EV_PRIV) {
		char target[NAME_MAX_LEN + 1];
		memcpy(target, c->arg, c->arg_len);
		target[c->arg_len] = '\0';
		int t = room_find_locked(r, target);
		if (t < 0) {
			room_unlock(r);
			reply(h, line_err(&h->out, CODE_NO_SUCH_USER, "nobody called %s is in the room",
					  name_check_syntax(target, c->arg_len) == NAME_OK ? target : "that"));
			return;
		}
		ev.target = (uint32_t)t + 1;
	}
	room_append_locked(r, &ev);
	if (ev.target)
		wake_slot(room_slot(r, ev.target - 1));
	else
		h->wake_pending = true;   /* once per batch: wake_members() */
	room_unlock(r);
	atomic_store(&h->me->active_ms, now);
	if (h->cfg->log_messages)
		log_msg(LOG_INFO, "%s from %s (uid %u)%s%.*s: %.*s", verb_name(c->verb),
			h->me->name, (unsigned)h->uid, kind == EV_PRIV ? " to " : "",
			kind == EV_PRIV ? (int)c->arg_len : 0, kind == EV_PRIV ? c->arg : "",
			(int)c->text_len, c->text);
}

/* NICK NAME: the member takes another name, by JOIN's rules (lock_name).
 * The others get "EV seq ms NICK old login new"; the member gets
 * "OK NICK new seq" where that event would be (drain, ack_nick). Like a
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
	snprintf(old, sizeof(old), "%s", h->me->name);
	if (c->arg_len == strlen(old) && memcmp(c->arg, old, c->arg_len) == 0) {
		reply(h, line_err(&h->out, CODE_NAME_TAKEN, "you are already called %s", old));
		return;
	}
	if (refused_muted(h, now_ms()))
		return;
	if (!rate_ok(h)) {
		reply(h, line_err(&h->out, CODE_RATE_LIMITED,
				  "at most %ld messages or name changes per second",
				  h->cfg->rate_limit));
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
	h->wake_pending = true;   /* once per batch: wake_members() */
	room_unlock(r);
	proctitle_set("lchatd: %s", name);
	log_msg(LOG_INFO, "nick: %s is now %s (login %s, uid %u)", old, name, h->login,
		(unsigned)h->uid);
}

static void cmd_who(struct handler *h, const struct command *c)
{
	(void)c;
	if (room_format_who(h->room, &h->out) < 0)
		h->closing = true;
}

static void cmd_ping(struct handler *h, const struct command *c)
{
	reply(h, proto_reply_pong(&h->out, c));
}

static void cmd_quit(struct handler *h, const struct command *c)
{
	/* The events the member was here for, up to its LEAVE, come before
	 * the OK; nothing comes after it. */
	leave(h, LEAVE_QUIT, c->text, c->text_len);
	if (h->joined && !drain(h))
		return;     /* lagged: BYE lagged instead */
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
};

static void handle_line(struct handler *h, const char *line, size_t len)
{
	struct command c;

	if (!proto_accept_line(line, len, &h->out, &h->closing))
		return;
	enum verb v = proto_parse_command(line, len, &c);
	if (!verb_on(v, SOCK_USER) || !commands[v].fn) {
		char list[256];
		verb_list(SOCK_USER, list, sizeof(list));
		reply(h, line_err(&h->out, CODE_UNKNOWN_COMMAND,
				  "unknown command; the commands are %s", list));
	} else if (commands[v].must_join && !h->joined) {
		reply(h, line_err(&h->out, CODE_NOT_JOINED, "JOIN the room first"));
	} else {
		commands[v].fn(h, &c);
	}
}

/* Wake the other members once for every message posted since the last
 * call: a client that sends many lines at once costs the room one pass over
 * the member table, and each member one wake-up, for all of them. A join
 * whose wake-up was put off (JOIN_WAKE_MS) is woken for when it is due,
 * unless a pass since has covered it. */
static void wake_members(struct handler *h)
{
	bool join_due = h->join_wake_at && mono_ms() >= h->join_wake_at;

	if (!h->wake_pending && !join_due)
		return;
	room_lock(h->room);
	if (h->wake_pending || atomic_load(&h->room->hdr->woken_seq) <= h->join_seq)
		room_wake_members_locked(h->room, (int)h->slot);
	room_unlock(h->room);
	h->wake_pending = false;
	if (join_due)
		h->join_wake_at = 0;
}

/* Process complete input lines while the log is drained and the output is
 * not backed up. Sets input_waiting if it stopped with input unread. */
static void process_input(struct handler *h)
{
	char *line;
	size_t len;

	h->input_waiting = true;
	while (!h->closing && buffer_pending(&h->out) < OUT_SOFT_CAP &&
	       (!h->joined || h->cursor == room_head(h->room))) {
		enum line_status st = linebuf_next(&h->in, &line, &len);
		if (st == LINE_NONE) {
			h->input_waiting = false;
			return;
		}
		if (st == LINE_TOO_LONG)
			reply(h, line_err(&h->out, CODE_LINE_TOO_LONG,
					  "lines are at most %ld bytes; line dropped", h->cfg->max_line));
		else
			handle_line(h, line, len);
		if (h->joined && !h->closing && !drain(h))
			return;
	}
}

/* Read what the client sent. Returns false at end of input; *got says
 * how many bytes came (0: none waiting, or no room). */
static bool read_input(struct handler *h, size_t *got)
{
	size_t avail;
	char *p = linebuf_space(&h->in, &avail);

	*got = 0;
	if (avail == 0)
		return true;    /* full of lines not yet processed */
	for (;;) {
		ssize_t n = recv(h->fd, p, avail, MSG_DONTWAIT);
		if (n > 0) {
			linebuf_commit(&h->in, (size_t)n);
			*got = (size_t)n;
			return true;
		}
		if (n == 0)
			return false;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		return false;   /* ECONNRESET and the like: the client is gone */
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

/* An output buffer that a large drain grew (a join storm, a burst) is
 * given back once it is empty, and the heap's free pages with it, at most
 * once a second so that a busy handler does not churn. Idle handlers thus
 * keep about 4 KiB of output buffer instead of up to 64 KiB. */
#define OUT_IDLE_CAP (16 * 1024)
static void trim_output(struct handler *h)
{
	if (buffer_pending(&h->out) > 0 || h->out.cap <= OUT_IDLE_CAP)
		return;
	int64_t now = mono_ms();
	if (now < h->trim_after) {
		buffer_trim(&h->out, OUT_SOFT_CAP);
		return;
	}
	h->trim_after = now + 1000;
	buffer_free(&h->out);
	malloc_trim(0);
}

/* ---- set-up and the loop -------------------------------------------- */

/* Drop what the daemon holds: every descriptor but the client's (made 3)
 * and the room's broadcast eventfd (made 4), its signal mask and
 * dispositions. Returns the signalfd. */
static int isolate(const struct handler_args *a, int *fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a->daemon_pid)
		_exit(1);   /* the daemon is already gone */
	log_close();
	/* The daemon's descriptors are all above 4 or are 0-2, except
	 * possibly these two: move each out of the way first if needed. */
	int bcast = a->room->bcast_fd;
	if (*fd == 4 && (*fd = fcntl(*fd, F_DUPFD_CLOEXEC, 5)) < 0)
		_exit(1);
	if (bcast == 3 && (bcast = fcntl(bcast, F_DUPFD_CLOEXEC, 5)) < 0)
		_exit(1);
	if ((*fd != 3 && dup3(*fd, 3, O_CLOEXEC) < 0) ||
	    (bcast >= 0 && bcast != 4 && dup3(bcast, 4, O_CLOEXEC) < 0))
		_exit(1);
	*fd = 3;
	a->room->bcast_fd = bcast >= 0 ? 4 : -1;
	if (close_range(bcast >= 0 ? 5 : 4, ~0U, 0) < 0)
		_exit(1);
	log_reopen();

	/* SIGINT and SIGHUP (a terminal's, or the daemon's), SIGUSR1 and
	 * SIGUSR2 are read and ignored: only the daemon's SIGTERM ends a
	 * handler, and a stray signal must not disconnect a user. */
	static const int sigs[] = { WAKE_SIGNAL, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
	return signalfd_for(SIG_SETMASK, sigs, sizeof(sigs) / sizeof(sigs[0]));
}

static int wait_timeout(const struct handler *h)
{
	int64_t now = mono_ms(), deadline = -1;

	if (h->closing)
		deadline = h->close_deadline;
	else if (!h->joined)
		deadline = h->join_deadline;
	if (h->join_wake_at && (deadline < 0 || h->join_wake_at < deadline))
		deadline = h->join_wake_at;
	if (deadline < 0)
		return -1;
	return deadline > now ? (int)(deadline - now) : 0;
}

static void run(struct handler *h)
{
	bool eof = false;

	reply(h, line_hello(&h->out, PROTO_NAME, h->login, h->cfg->max_line));
	for (;;) {
		if (h->shutting_down && !h->closing) {
			if (h->joined)
				drain(h);
			h->left = true;     /* the room is closing, not the user */
			close_with(h, CODE_SHUTDOWN, "the server is shutting down");
		}
		if (h->joined && !h->closing)
			drain(h);
		check_kicked(h);
		process_input(h);
		/* A client that sent many lines at once (a bot, a paste): take
		 * what else it has sent before waking the room, so that one
		 * pass, and one send() in each member, carries them all. */
		for (size_t taken = 0, got = 1; got && h->wake_pending && !h->input_waiting &&
		     !eof && !h->closing && taken < WAKE_BATCH_BYTES; taken += got) {
			if (!read_input(h, &got))
				eof = true;
			else if (got)
				process_input(h);
		}
		wake_members(h);
		if (!h->closing && !h->joined && mono_ms() >= h->join_deadline)
			close_with(h, CODE_JOIN_TIMEOUT, "no JOIN in time; goodbye");
		if (buffer_flush(&h->out, h->fd) < 0) {
			if (!h->closing)
				leave(h, LEAVE_CLOSED, NULL, 0);
			return;
		}
		trim_output(h);
		if (h->closing && (buffer_pending(&h->out) == 0 || mono_ms() >= h->close_deadline))
			return;
		/* At end of input, lines already received are still served
		 * (echo "SAY done" | socat ... closes at once): the member
		 * leaves once none is waiting. */
		if (eof && !h->closing && !h->input_waiting) {
			leave(h, LEAVE_CLOSED, NULL, 0);
			start_closing(h);
			continue;
		}
		/* The flush made room: take more events and waiting input now,
		 * as no wake-up may be coming for them. */
		if (!h->closing && buffer_pending(&h->out) < OUT_SOFT_CAP &&
		    (h->input_waiting || (h->joined && h->cursor < room_head(h->room))))
			continue;

		/* Read only what we can hold: a client whose lines wait
		 * unprocessed (its output is backed up) is not read from. */
		bool want_in = !eof && !h->closing && buffer_pending(&h->out) < OUT_SOFT_CAP &&
			       linebuf_room(&h->in) > 0;
		uint32_t want = (want_in ? EPOLLIN : 0) | (buffer_pending(&h->out) ? EPOLLOUT : 0);
		if (want != h->fd_events) {
			struct epoll_event ce = { .events = want, .data.fd = h->fd };
			if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, h->fd, &ce) < 0) {
				log_msg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
				leave(h, LEAVE_LOST, NULL, 0);
				return;
			}
			h->fd_events = want;
		}
		struct epoll_event ev[3];
		int n = epoll_wait(h->epfd, ev, 3, wait_timeout(h));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "epoll_wait: %s", strerror(errno));
			leave(h, LEAVE_LOST, NULL, 0);
			return;
		}
		/* The broadcast eventfd needs nothing: the loop's top drains. */
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == h->sigfd)
				handle_signals(h);
			if (ev[i].data.fd != h->fd ||
			    !(ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			size_t got;
			if (want_in && !read_input(h, &got))
				eof = true;
			else if (!want_in && (ev[i].events & EPOLLERR)) {
				leave(h, LEAVE_CLOSED, NULL, 0);
				return;
			}
		}
	}
}

/* The epoll set: the client socket (its events follow what the loop
 * wants), the signalfd, and, once joined, the broadcast eventfd. */
static int watch(struct handler *h)
{
	struct epoll_event se = { .events = EPOLLIN, .data.fd = h->sigfd };
	struct epoll_event ce = { .events = 0, .data.fd = h->fd };

	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0 || epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->sigfd, &se) < 0 ||
	    epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->fd, &ce) < 0)
		return -1;
	h->fd_events = 0;
	return 0;
}

/* A login as the protocol can carry it: printable ASCII, no spaces. */
static void safe_login(uid_t uid, char *buf, size_t len)
{
	account_login(uid, buf, len);
	for (const char *p = buf; *p; p++)
		if (*p <= ' ' || *p > '~') {
			snprintf(buf, len, "uid%u", (unsigned)uid);
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
	if (watch(&h) < 0)
		_exit(1);
	h.room = a->room;
	h.cfg = a->cfg;
	h.slot = a->slot;
	h.me = room_slot(a->room, a->slot);
	h.gen = h.me->gen;
	h.uid = a->uid;
	atomic_store(&h.me->pid, getpid());
	safe_login(a->uid, h.login, sizeof(h.login));
	snprintf(h.me->login, sizeof(h.me->login), "%s", h.login);
	proctitle_set("lchatd: (%s)", h.login);
	h.tokens = (double)a->cfg->rate_burst;
	h.tokens_ms = mono_ms();
	h.join_deadline = mono_ms() + a->cfg->join_timeout * 1000;
	if (linebuf_init(&h.in, (size_t)a->cfg->max_line) < 0)
		_exit(1);

	run(&h);
	if (!h.left && h.joined)
		leave(&h, LEAVE_CLOSED, NULL, 0);
	close(h.fd);
	close(h.sigfd);
	close(h.epfd);
	linebuf_free(&h.in);
	buffer_free(&h.out);
	exit(0);
}
