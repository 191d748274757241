/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* session.c - the client's side of the protocol (see session.h and
 * docs/protocol.md): joining, replies matched to the commands in flight
 * (the server answers every command in order), history and resume by
 * sequence number, and reconnecting with back-off. What rooms add to it
 * is in roomsess.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "rows.h"
#include "sanitize.h"
#include "session.h"
#include "session_int.h"
#include "cut.h"
#include "split.h"
#include "util.h"

/* The PING token that marks the end of the backlog after a JOIN. */
#define SYNC_TOKEN "lchat-sync"
/* The PING tokens that time the lag: this and a number, one per PING. */
#define LAG_TOKEN "lchat-lag-"

static void print_line(struct session *s, struct buffer *b, bool bell)
{
	display_flush(s);
	if (buffer_append(b, "", 1) == 0)
		s->ui.print(s->ui.ctx, b->data + b->off, bell);
	b->off = b->len = 0;
}

/* The scripting mode's status goes to stderr, so that stdout has only
 * events: "PREFIX TEXT\n", the text (n bytes) sanitized. */
static void status_to_stderr(const char *prefix, const char *text, size_t n)
{
	struct buffer b = { 0 };

	if (buffer_append(&b, prefix, strlen(prefix)) == 0 && append_clean(&b, text, n) == 0) {
		/* On a terminal: folded, never wrapped by it (rows.h). */
		if (rows_terminal(STDERR_FILENO)) {
			if (buffer_append(&b, "", 1) == 0)
				(void)rows_put(stderr, b.data, rows_width(STDERR_FILENO), true, NULL);
		} else if (buffer_append(&b, "\n", 1) == 0) {
			(void)write_all(STDERR_FILENO, b.data, b.len);
		}
	}
	buffer_free(&b);
}

void session_status(struct session *s, const char *fmt, ...)
{
	char text[2048];
	struct buffer b = { 0 };
	int64_t ms = s->disp.now();
	va_list ap;

	va_start(ap, fmt);
	text_vprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (s->script) {
		status_to_stderr("lchat: ", text, strlen(text));
		return;
	}
	if (render_status(&b, ms, text, &s->ropts) == 0)
		display_line(s, &b, ms, false);
	buffer_free(&b);
}

/* A string from the server (n bytes), sanitized, NUL-terminated, for use
 * in a status line. */
static char *clean(const char *p, size_t n, char *buf, size_t cap)
{
	text_sanitize(p, n, buf, cap);
	return buf;
}

int session_init(struct session *s, const char *sock_path, const char *name, bool script,
		 const struct render_opts *ropts, const struct session_ui *ui)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->sock_path = sock_path;
	peer_trust_init(&s->trust, NULL);
	s->script = script;
	s->ropts = *ropts;
	s->ui = *ui;
	s->delay_ms = RECONNECT_MIN_MS;
	s->paste_ask = PASTE_ASK_LINES;
	s->lag_ms = -1;
	status_room_name(sock_path, s->room, sizeof(s->room));
	if (name)
		text_printf(s->name, sizeof(s->name), "%s", name);
	s->ropts.self = s->name;
	display_init(&s->disp);
	return linebuf_init(&s->in, MAX_LINE_MAX + PROTO_OVERHEAD);
}

static void pending_free(struct pending *p)
{
	free(p->target);
	free(p->text);
	free(p);
}

static struct pending *pending_pop(struct session *s)
{
	struct pending *p = s->head;

	if (p) {
		s->head = p->next;
		if (!s->head)
			s->tail = NULL;
		s->queued--;
	}
	return p;
}

void session_free(struct session *s)
{
	struct pending *p;

	while ((p = pending_pop(s)))
		pending_free(p);
	free(s->quit_reason);
	s->quit_reason = NULL;
	paste_free(&s->held);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	linebuf_free(&s->in);
	buffer_free(&s->out);
	buffer_free(&s->who);
	buffer_free(&s->waited);
	namelist_free(&s->who_names);
	namelist_free(&s->members);
	rooms_free(&s->rooms);
	display_free(&s->disp);
}

static void finish(struct session *s, int code)
{
	s->done = true;
	if (code > s->exit_code)
		s->exit_code = code;
}

/* Queue one line for the server. Every command goes out through here,
 * and none may hold a line break: the server would take what follows it
 * as a command of its own (a pasted "QUIT" would end the session). Such
 * a line is refused whole: -1, and nothing is sent. */
static int send_line(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int send_line(struct session *s, const char *fmt, ...)
{
	char line[MAX_LINE_MAX + 64];
	va_list ap;
	int n;

	if (s->fd < 0)
		return -1;
	va_start(ap, fmt);
	n = (int)text_vprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (split_has_break(line, (size_t)n)) {
		session_status(s, "not sent: a line break inside a command (a bug in lchat)");
		return -1;
	}
	line[n++] = '\n';
	if (buffer_append(&s->out, line, (size_t)n) < 0) {
		session_status(s, "out of memory");
		finish(s, EXIT_RUNTIME);
		return -1;
	}
	session_flush(s);
	return s->fd >= 0 ? 0 : -1;	/* -1: the connection broke */
}

/* "VERB [WORD] [TEXT]" (verbs.h), each part left out when NULL or empty. */
static int send_cmd(struct session *s, enum verb v, const char *word, const char *text)
{
	bool w = word && word[0], t = text && text[0];

	return send_line(s, "%s%s%s%s%s", verb_name(v), w ? " " : "", w ? word : "",
			 t ? " " : "", t ? text : "");
}

int session_send_cmd(struct session *s, enum verb v, const char *word, const char *text)
{
	return send_cmd(s, v, word, text);
}

/* Send a queued command; -1 if it could not go (then it is not marked
 * sent). */
static int send_pending(struct session *s, struct pending *p)
{
	int r = -1;

	switch (p->verb) {
	case VERB_SAY: case VERB_ME: case VERB_WHO:   /* (with rooms: the room first) */
	case VERB_PRIV: case VERB_ENTER: case VERB_PART: case VERB_TOPIC: case VERB_ROOMS:
		r = send_cmd(s, p->verb, p->target, p->text);
		break;
	case VERB_NICK: case VERB_IGNORE: case VERB_UNIGNORE: case VERB_MESG:
		r = send_cmd(s, p->verb, p->text, NULL);
		break;
	case VERB_AWAY:
		r = send_cmd(s, p->verb, NULL, p->text);
		break;
	default:
		break;
	}
	if (r == 0)
		p->sent = true;
	return r;
}

/* May the head of the queue go now: joined, the backlog read, not
 * waiting to try again after a rate limit? Only the head is ever in
 * flight, and the next command goes once it is answered, so that one
 * that is rate-limited goes again without being overtaken. */
static bool may_send(const struct session *s)
{
	return s->state == ST_JOINED && !s->syncing && !s->resend_at && s->fd >= 0 && !s->done;
}

/* Send the head of the queue if it may go. A command that cannot be
 * sent at all (send_line said why) is dropped; one whose connection
 * broke stays for the rejoin. Once the queue is empty, a /quit that
 * waited for it leaves. */
static void send_next(struct session *s)
{
	while (s->head && !s->head->sent && may_send(s)) {
		if (send_pending(s, s->head) == 0 || s->fd < 0 || s->done)
			return;
		pending_free(pending_pop(s));
	}
	if (!s->head && s->quit_after && s->state == ST_JOINED) {
		s->quit_after = false;
		session_quit(s, s->quit_reason);
	}
}

/* JOIN, with LAST-SEQ if resuming. */
static void send_join_as(struct session *s, bool resume)
{
	s->state = ST_JOINING;
	s->resuming = resume;
	s->resume_from = s->last_seq;
	uint64_t def = rooms_resume_from(s);
	if (def)
		s->resume_from = def;
	char last[24];

	text_printf(last, sizeof(last), "%" PRIu64, s->resume_from);
	send_cmd(s, VERB_JOIN, s->name, s->resuming ? last : NULL);
}

static void send_join(struct session *s)
{
	send_join_as(s, s->ever_joined);
}

/* Connect and JOIN: 0, -1 (errno), or SESSION_REFUSED: whoever listens
 * there is not lchatd, and nothing is sent to it or read from it. */
static int connect_now(struct session *s)
{
	int fd = unix_connect(s->sock_path), fl;

	if (fd < 0)
		return -1;
	if (peer_check(fd, s->sock_path, &s->trust, s->refused, sizeof(s->refused)) < 0) {
		close(fd);
		return SESSION_REFUSED;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	s->fd = fd;
	linebuf_free(&s->in);
	if (linebuf_init(&s->in, MAX_LINE_MAX + PROTO_OVERHEAD) < 0) {
		close(fd);
		s->fd = -1;
		errno = ENOMEM;
		return -1;
	}
	s->out.off = s->out.len = 0;
	s->who.off = s->who.len = 0;
	s->who_rows = 0;
	s->who_quiet = 0;
	namelist_free(&s->who_names);
	/* The JOIN goes when the HELLO came: it may offer rooms, and then
	 * PROTO 2 goes before the JOIN (on_hello). */
	s->state = ST_JOINING;
	s->greeted = false;
	s->proto_wait = false;
	s->rooms.on = false;
	return 0;
}

int session_start(struct session *s)
{
	return connect_now(s);
}

static void schedule_reconnect(struct session *s)
{
	s->retry_at = mono_ms() + s->delay_ms;
}

static void next_delay(struct session *s)
{
	s->delay_ms *= 2;
	if (s->delay_ms > RECONNECT_MAX_MS)
		s->delay_ms = RECONNECT_MAX_MS;
}

/* The connection is gone (why: for people). Reconnect unless leaving. */
static void lost(struct session *s, const char *why, bool reconnect)
{
	struct pending *p;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->syncing = false;
	s->members_known = false;
	s->lag_ms = -1;
	s->ping_sent = s->ping_due = 0;
	if (s->state == ST_QUITTING || s->done) {
		s->state = ST_DOWN;
		finish(s, s->exit_code);
		return;
	}
	s->state = ST_DOWN;
	if (!s->ever_joined || !reconnect) {
		session_status(s, "%s", why);
		finish(s, reconnect ? EXIT_RUNTIME : EXIT_REFUSED);
		return;
	}
	/* A command without a reply may or may not have been carried out.
	 * The scripting mode sends it again after the rejoin (at least once);
	 * a person is told it was not confirmed. The lines still waiting
	 * behind it go after the rejoin. */
	s->resend_at = 0;
	s->resend_delay = 0;
	if (s->script) {
		for (p = s->head; p; p = p->next)
			p->sent = false;
	} else {
		while (s->head && s->head->sent) {
			p = pending_pop(s);
			if (p->verb == VERB_SAY || p->verb == VERB_ME || p->verb == VERB_PRIV)
				session_status(s, "not confirmed, maybe not sent: %s", p->text);
			pending_free(p);
		}
	}
	session_status(s, "%s; reconnecting in %.2g s", why, s->delay_ms / 1000.0);
	schedule_reconnect(s);
}

void session_flush(struct session *s)
{
	if (s->fd < 0)
		return;
	while (buffer_pending(&s->out)) {
		int r = buffer_flush(&s->out, s->fd);

		if (r == 1)
			return;
		if (r < 0) {
			char why[256];

			text_printf(why, sizeof(why), "connection lost (%s)", strerror(errno));
			/* A server that refused us (BYE busy) closed before
			 * reading what we sent: its reason is waiting to be
			 * read, and says more than EPIPE does. */
			s->out.off = s->out.len = 0;
			session_read(s);
			if (s->fd >= 0)
				lost(s, why, true);
			return;
		}
	}
	buffer_trim(&s->out, 4096);
}

bool session_want_write(const struct session *s)
{
	return s->fd >= 0 && buffer_pending(&s->out) > 0;
}

bool session_ready(const struct session *s)
{
	return s->state == ST_JOINED && !s->syncing && !s->head && !s->done;
}

/* ---- replies ---------------------------------------------------------- */

static void show_own(struct session *s, struct pending *p)
{
	struct buffer b = { 0 };
	enum event_kind k = p->verb == VERB_ME ? EV_ACTION : p->verb == VERB_PRIV ? EV_PRIV : EV_MSG;
	int64_t ms = s->disp.now();
	struct render_opts o = s->ropts;
	const char *cur = session_room(s);

	/* Said in a room we no longer type into (switched since): marked. */
	if (k != EV_PRIV && p->target && cur && strcmp(p->target, cur) != 0)
		o.room = p->target;
	if (s->script) {
		if (render_script_own(&b, ms, k, s->name, p->target, p->text) == 0)
			print_line(s, &b, false);
	} else if (render_own(&b, ms, k, s->name, p->target, p->text, &o) == 0) {
		display_line(s, &b, ms, false);
	}
	buffer_free(&b);
}

/* A message that waited for us while we were away. It comes after OK JOIN,
 * before the history; the interactive mode shows it after the history
 * ("-- end of history --"), where it is not scrolled away by it. */
static void show_waiting(struct session *s, const struct server_line *sl)
{
	if (s->script) {
		struct buffer b = { 0 };
		if (render_script_event(&b, sl) == 0)
			print_line(s, &b, false);
		buffer_free(&b);
	} else {
		display_event(s, sl, false);
	}
}

static void on_waiting(struct session *s, const struct server_line *sl, const char *line,
		       size_t len)
{
	if (!s->script && s->syncing && buffer_append(&s->waited, line, len) == 0 &&
	    buffer_append(&s->waited, "\n", 1) == 0)
		return;
	show_waiting(s, sl);
}

/* The WAITING lines held during the sync. */
static void show_waited(struct session *s)
{
	const char *p = s->waited.data + s->waited.off;
	const char *e = p + buffer_pending(&s->waited);

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		struct server_line sl;
		if (!nl)
			break;
		if (proto_parse_server_line(p, (size_t)(nl - p), &sl))
			show_waiting(s, &sl);
		p = nl + 1;
	}
	s->waited.off = s->waited.len = 0;
}

static void sync_done(struct session *s)
{
	struct buffer b = { 0 };

	s->syncing = false;
	if (s->join_seq > s->last_seq)
		s->last_seq = s->join_seq;
	if (!s->script) {
		const char *sep = NULL;

		display_synced(s, s->history_shown);
		if (s->resuming)
			sep = s->history_shown ? "end of missed events" : NULL;
		else if (s->history_shown)
			sep = "end of history";
		if (sep && render_separator(&b, sep, &s->ropts) == 0)
			print_line(s, &b, false);
		show_waited(s);
		if (s->resuming && !s->history_shown)
			session_status(s, "back in the room as %s; nothing was missed", s->name);
		else if (s->resuming)
			session_status(s, "back in the room as %s", s->name);
	} else if (s->resuming) {
		session_status(s, "reconnected as %s", s->name);
	}
	buffer_free(&b);
	/* The lag is timed from now on. */
	if (s->lag_check)
		s->ping_due = mono_ms();
	/* What waited (or, scripting, had no reply) goes now. */
	send_next(s);
}

/* Send the next lag PING (its token numbered, so that an answer to one
 * from before a reconnect is not taken for it). */
static void send_lag_ping(struct session *s, int64_t now)
{
	char token[32];

	s->ping_due = 0;
	text_printf(token, sizeof(token), LAG_TOKEN "%u", ++s->ping_seq);
	s->ping_sent = now;
	if (send_cmd(s, VERB_PING, NULL, token) < 0)
		s->ping_sent = 0;
}

/* The first event after a resumed JOIN (seq, or the join's own seq if no
 * event came): anything between LAST-SEQ and it that is not explained by
 * our own leave was not replayed. */
static void check_gap(struct session *s, uint64_t seq)
{
	if (!s->resuming || s->first_seen || s->rooms.on)
		return;	/* (with rooms, one sequence for all: gaps are the others' rooms) */
	s->first_seen = true;
	if (seq > s->join_seq)
		seq = s->join_seq;	/* a live event: nothing was replayed */
	if (seq > s->resume_from + 2)
		session_status(s, "%" PRIu64 " events between #%" PRIu64 " and #%" PRIu64
			       " were not replayed: private messages to others, or events "
			       "older than the room's history (those are lost)",
			       seq - s->resume_from - 2, s->resume_from, seq);
}

/* Keep the member list current: joins, leaves and renames. (Those in the
 * history before a JOIN's WHO change a list that WHO then replaces.) */
void session_track_member(struct session *s, struct namelist *l, const struct server_line *sl)
{
	int r = 0;

	switch (sl->kind) {
	case EV_JOIN:
		r = namelist_add(l, sl->word[0], sl->word_len[0]);
		break;
	case EV_LEAVE:
		namelist_remove(l, sl->word[0], sl->word_len[0]);
		break;
	case EV_NICK:
		namelist_remove(l, sl->word[0], sl->word_len[0]);
		r = namelist_add(l, sl->word[2], sl->word_len[2]);
		break;
	default:
		break;
	}
	if (r < 0)
		session_status(s, "out of memory");
}


static void on_event(struct session *s, const struct server_line *sl)
{
	if (sl->seq <= s->last_seq)
		return;		/* seen already (a resume overlapping) */
	if (s->syncing)
		check_gap(s, sl->seq);
	s->last_seq = sl->seq;
	session_track_member(s, &s->members, sl);
	session_show_event(s, sl, NULL, s->syncing && sl->seq < s->join_seq);
}

void session_show_event(struct session *s, const struct server_line *sl, const char *room,
			bool history)
{
	struct buffer b = { 0 };
	const char *cur = session_room(s);
	/* Marked: a room's event when we type into another. */
	const char *mark = room && room[0] == '#' && (!cur || strcmp(room, cur) != 0) ? room : NULL;

	if (history) {
		if (s->script && s->no_history)
			return;
		if (!s->script && s->syncing && s->history_shown++ == 0 &&
		    render_separator(&b, s->resuming ? "missed while you were away" :
				     "earlier in the room", &s->ropts) == 0)
			print_line(s, &b, false);
	}
	if (s->script) {
		if (render_script_room_event(&b, sl, mark) == 0)
			print_line(s, &b, false);
	} else {
		s->ropts.room = mark;
		display_event(s, sl, history);
		s->ropts.room = NULL;
	}
	buffer_free(&b);
}

/* An "EV" line whose kind this client does not know: shown generically,
 * and its seq still counts. */
static void on_unknown(struct session *s, const char *line, size_t len)
{
	uint64_t seq = 0;
	const char *sp;

	const char *p = line, *e = line + len;
	size_t n;
	const char *w = proto_next_word(&p, e, &n);

	if (proto_word_is(w, n, server_line_word(SL_EVENT)) && p < e) {
		sp = memchr(p, ' ', (size_t)(e - p));
		if (sp && proto_parse_u64(p, (size_t)(sp - p), &seq)) {
			if (seq <= s->last_seq)
				return;
			s->last_seq = seq;
		}
	}
	if (s->script)
		status_to_stderr("lchat: unknown server line: ", line, len);
	else
		session_status(s, "server: %.*s", (int)len, line);
}

static void on_join_refused(struct session *s, const struct server_line *sl)
{
	char code[64], text[1024];

	/* The room does not know our LAST-SEQ: it is past its last event, so
	 * the room's state was lost and its numbers start again. Join afresh
	 * (the backlog), counting from its numbers. */
	if (s->resuming && sl->code_known && sl->code == CODE_BAD_ARGUMENT) {
		session_status(s, "the room no longer knows event #%" PRIu64
			       " (its history was reset); joining without it", s->last_seq);
		s->last_seq = 0;
		send_join_as(s, false);
		return;
	}
	if (sl->code_known && sl->code == CODE_RATE_LIMITED) {
		/* The user's JOINs count against its rate limit (it has just
		 * sent, or reconnected, a lot): the same JOIN a little later. */
		s->resend_delay = s->resend_delay ? s->resend_delay * 2 : 200;
		if (s->resend_delay > 2000)
			s->resend_delay = 2000;
		s->resend_at = mono_ms() + s->resend_delay;
		return;
	}
	clean(sl->word[0], sl->word_len[0], code, sizeof(code));
	clean(sl->rest, sl->rest_len, text, sizeof(text));
	session_status(s, "cannot join as %s: %s (%s)", s->name[0] ? s->name : "your login name",
		       text, code);
	if (s->script || !s->ui.ask_name || !s->ui.ask_name(s->ui.ctx, true)) {
		finish(s, EXIT_REFUSED);
		return;
	}
	s->state = ST_NAME_PROMPT;
	session_status(s, "type another name and press Enter (Ctrl-D or Ctrl-C to give up)");
}


/* The server's word for our own name goes to the prompt and the status
 * row: take it only if it has a name's shape (a reserved name may be the
 * user's own login), never bytes a terminal would act on. */
static bool name_shaped(const char *w, size_t n)
{
	enum name_error e = name_check_syntax(w, n);

	return e == NAME_OK || e == NAME_RESERVED;
}

/* OK NICK <name> <seq> (sp: the space before the seq), where our NICK
 * event would be: we are called name from now on, here and when we
 * rejoin. */
static void on_nick_ok(struct session *s, const struct server_line *sl, const char *sp,
		       uint64_t seq)
{
	size_t nn = sp ? (size_t)(sp - sl->rest) : 0;
	struct pending *p = s->head && s->head->sent && s->head->verb == VERB_NICK ?
			    pending_pop(s) : NULL;

	if (p)
		pending_free(p);
	if (!name_shaped(sl->rest, nn))
		return;
	namelist_remove(&s->members, s->name, strlen(s->name));
	if (namelist_add(&s->members, sl->rest, nn) < 0)
		session_status(s, "out of memory");
	rooms_renamed(s, sl->rest, nn);
	memcpy(s->name, sl->rest, nn);
	s->name[nn] = '\0';
	if (seq > s->last_seq)
		s->last_seq = seq;
	s->resend_delay = 0;
	session_status(s, "you are now known as %s", s->name);
}

/* OK AWAY, IGNORE, UNIGNORE or MESG: the answer to the command at the
 * head of the queue, said in words. False if it is none of these. */
static bool on_prefs_ok(struct session *s, const struct server_line *sl)
{
	char rest[512];
	const char *p = sl->rest, *e = sl->rest + sl->rest_len;
	size_t n;

	if (sl->verb != VERB_AWAY && sl->verb != VERB_IGNORE && sl->verb != VERB_UNIGNORE &&
	    sl->verb != VERB_MESG)
		return false;
	struct pending *head = s->head && s->head->sent && s->head->verb == sl->verb ?
			       pending_pop(s) : NULL;
	clean(sl->rest, sl->rest_len, rest, sizeof(rest));
	(void)proto_next_word(&p, e, &n);
	bool listed = sl->verb == VERB_IGNORE && p >= e;   /* "OK IGNORE count" */
	if (sl->verb == VERB_AWAY && rest[0])
		session_status(s, "you are away: %s", rest);
	else if (sl->verb == VERB_AWAY)
		session_status(s, "you are back");
	else if (listed)
		session_status(s, "you ignore %s user%s", rest, strcmp(rest, "1") ? "s" : "");
	else if (sl->verb == VERB_IGNORE || sl->verb == VERB_UNIGNORE)
		session_status(s, "%s the user %.*s", sl->verb == VERB_IGNORE ? "you now ignore" :
			       "you no longer ignore", (int)strcspn(rest, " "), rest);
	else
		session_status(s, "%s", strcmp(rest, "n") == 0 ?
			       "private messages: only from administrators (/mesg y takes them all)" :
			       "private messages: from everyone (/mesg n refuses them)");
	if (head) {
		pending_free(head);
		send_next(s);
	}
	return true;
}

static void on_ok(struct session *s, const struct server_line *sl)
{
	uint64_t seq = 0;
	const char *sp = memrchr(sl->rest, ' ', sl->rest_len);
	const char *num = sp ? sp + 1 : sl->rest;
	size_t numlen = (size_t)(sl->rest + sl->rest_len - num);
	bool has_seq = proto_parse_u64(num, numlen, &seq);

	if (sl->verb == VERB_JOIN && s->state == ST_JOINING) {
		size_t nn = sp ? (size_t)(sp - sl->rest) : 0;

		if (name_shaped(sl->rest, nn)) {
			memcpy(s->name, sl->rest, nn);
			s->name[nn] = '\0';
		}
		s->state = ST_JOINED;
		s->join_seq = has_seq ? seq : 0;
		s->syncing = true;
		s->first_seen = false;
		s->history_shown = 0;
		s->delay_ms = RECONNECT_MIN_MS;
		if (!s->ever_joined && !s->script)
			session_status(s, "you are in the room as %s (type /help for commands)",
				       s->name);
		else if (!s->ever_joined)
			session_status(s, "joined as %s", s->name);
		bool resumed = s->ever_joined;
		s->ever_joined = true;
		if (s->rooms.on)
			rooms_joined(s, s->join_seq, resumed);
		if (s->track_members && s->rooms.on) {
			session_quiet_who(s, s->rooms.def);
		} else if (s->track_members) {
			/* Who is in the room, for Tab; not shown. Its answer
			 * comes before any WHO the user asks for. */
			s->who_quiet++;
			send_cmd(s, VERB_WHO, NULL, NULL);
		}
		send_cmd(s, VERB_PING, NULL, SYNC_TOKEN);
		return;
	}
	if (sl->verb == VERB_QUIT) {
		lost(s, "left", false);
		return;
	}
	if (sl->verb == VERB_WHO) {
		/* Every WHO refreshes the member list (events keep it
		 * current in between); only the user's are shown. With
		 * rooms, the list of the room it asked about. */
		struct namelist *l = &s->members;
		const char *wroom = NULL;
		if (s->rooms.on)
			l = rooms_who_answered(s, &wroom);
		if (l)
			namelist_move(l, &s->who_names);
		else
			namelist_free(&s->who_names);
		s->members_known = true;
		if (s->who_quiet) {
			memmove(s->who_room[0], s->who_room[1], sizeof(s->who_room) - sizeof(s->who_room[0]));
			s->who_quiet--;
			s->who.off = s->who.len = 0;
			s->who_rows = 0;
			return;
		}
		struct pending *p = s->head && s->head->verb == VERB_WHO ? pending_pop(s) : NULL;

		if (!s->script) {
			if (wroom)
				session_status(s, "%u in %s:", s->who_rows, wroom);
			else
				session_status(s, "%u in the room:", s->who_rows);
			s->ui.print(s->ui.ctx, "          NAME                             LOGIN            IDLE", false);
			if (s->who.len && buffer_append(&s->who, "", 1) == 0) {
				/* One display line per row. */
				char *row = s->who.data, *nl;

				while ((nl = strchr(row, '\n'))) {
					*nl = '\0';
					s->ui.print(s->ui.ctx, row, false);
					row = nl + 1;
				}
			}
		}
		s->who.off = s->who.len = 0;
		s->who_rows = 0;
		if (p)
			pending_free(p);
		send_next(s);
		return;
	}
	if (sl->verb == VERB_NICK) {
		on_nick_ok(s, sl, sp, has_seq ? seq : 0);
		return;
	}
	if (on_prefs_ok(s, sl) || rooms_on_ok(s, sl))
		return;
	/* OK SAY / ME / PRIV <seq>: our message went out with that seq. */
	struct pending *p = s->head;
	if (!p || !p->sent)
		return;
	if (p->verb == sl->verb && (p->verb == VERB_SAY || p->verb == VERB_ME ||
				     p->verb == VERB_PRIV)) {
		pending_pop(s);
		if (has_seq && seq > s->last_seq)
			s->last_seq = seq;
		if (has_seq)
			rooms_seen_own(s, p, seq);
		show_own(s, p);
		if (p->verb == VERB_PRIV && !has_seq)   /* "OK PRIV waiting LOGIN" */
			session_status(s, "%s is not in the chat: your message waits for them",
				       p->target);
		pending_free(p);
		s->resend_delay = 0;
		send_next(s);
	}
}

static void on_err(struct session *s, const struct server_line *sl)
{
	char code[64], text[1024];
	struct pending *p;

	if (s->proto_wait) {
		rooms_proto_refused(s);
		return;
	}
	if (s->state == ST_JOINING) {
		on_join_refused(s, sl);
		return;
	}
	clean(sl->word[0], sl->word_len[0], code, sizeof(code));
	clean(sl->rest, sl->rest_len, text, sizeof(text));
	p = s->head && s->head->sent ? s->head : NULL;
	if (p && sl->code_known && sl->code == CODE_RATE_LIMITED) {
		/* Nothing is lost: it goes again a little later, and what
		 * waits behind it after it. */
		p->sent = false;
		s->resend_delay = s->resend_delay ? s->resend_delay * 2 : 200;
		if (s->resend_delay > 2000)
			s->resend_delay = 2000;
		s->resend_at = mono_ms() + s->resend_delay;
		return;
	}
	if (p)
		p = pending_pop(s);
	if (p && (p->verb == VERB_SAY || p->verb == VERB_ME || p->verb == VERB_PRIV))
		session_status(s, "not sent: %s (%s)", text, code);
	else if (p && p->verb == VERB_NICK)
		session_status(s, "name not changed: %s (%s)", text, code);
	else
		session_status(s, "error: %s (%s)", text, code);
	if (s->script && s->exit_code < EXIT_RUNTIME)
		s->exit_code = EXIT_RUNTIME;	/* remembered for the end */
	if (p && p->verb == VERB_ENTER && s->script) {
		/* lchat -r ROOM: its lines are for that room and no other. */
		pending_free(p);
		session_quit(s, NULL);
		return;
	}
	if (p)
		pending_free(p);
	send_next(s);
}

/* BYE: reconnect after the server's temporary troubles; an administrator's
 * kick or ban, or anything this client does not know, ends the client. */
static void on_bye(struct session *s, const struct server_line *sl)
{
	char code[64], text[1024], why[1200];
	bool known = sl->code_known, again = known && code_transient(sl->code);

	clean(sl->word[0], sl->word_len[0], code, sizeof(code));
	clean(sl->rest, sl->rest_len, text, sizeof(text));
	/* lchatd's texts speak to the user already ("you are banned from the
	 * room for 1d"); said again after our own words they repeat. */
	bool sentence = strncmp(text, "you ", 4) == 0;
	if (known && (sl->code == CODE_KICKED || sl->code == CODE_BANNED) && sentence)
		text_printf(why, sizeof(why), "%s", text);
	else if (known && sl->code == CODE_KICKED)
		text_printf(why, sizeof(why), "you were kicked from the room: %s", text);
	else if (known && sl->code == CODE_BANNED)
		text_printf(why, sizeof(why), "you are banned from the room: %s", text);
	else if (known && sl->code == CODE_SHUTDOWN)
		text_printf(why, sizeof(why), "the server is shutting down");
	else
		text_printf(why, sizeof(why), "the server closed the connection: %s (%s)", text, code);
	lost(s, why, again);	/* (never reconnects while leaving) */
}

/* HELLO's max_line=N: the longest line the server takes; 0 if the
 * greeting has none (or a value out of the protocol's range). */
static size_t hello_max_line(const struct server_line *sl)
{
	static const char key[] = "max_line=";
	const size_t kn = sizeof(key) - 1;
	const char *p = sl->rest, *e = sl->rest + sl->rest_len, *w;
	size_t n;
	uint64_t v;

	while (p < e) {
		w = proto_next_word(&p, e, &n);
		if (n > kn && memcmp(w, key, kn) == 0 && proto_parse_u64(w + kn, n - kn, &v) &&
		    v >= MAX_LINE_MIN && v <= MAX_LINE_MAX)
			return (size_t)v;
	}
	return 0;
}

static void on_hello(struct session *s, const struct server_line *sl)
{
	if (!proto_hello_ok(sl->word[0], sl->word_len[0], PROTO_NAME)) {
		s->ever_joined = false;
		lost(s, "the server speaks another protocol version", true);
		return;
	}
	s->max_line = hello_max_line(sl);
	if (s->state != ST_JOINING || s->greeted)
		return;
	s->greeted = true;
	if (!rooms_on_hello(s, sl) && s->want_room[0]) {
		session_status(s, "the server has no rooms: cannot write into %s", s->want_room);
		finish(s, EXIT_RUNTIME);
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		s->state = ST_DOWN;
		return;
	}
	send_join(s);
}

static void on_who(struct session *s, const struct server_line *sl)
{
	uint64_t idle = 0;
	char name[64], login[64], when[32], iso[40];
	struct buffer b = { 0 };

	if (namelist_add(&s->who_names, sl->word[0], sl->word_len[0]) < 0)
		session_status(s, "out of memory");
	if (s->who_quiet)
		return;         /* our own WHO: not shown */
	clean(sl->word[0], sl->word_len[0], name, sizeof(name));
	clean(sl->word[1], sl->word_len[1], login, sizeof(login));
	proto_parse_u64(sl->word[2], sl->word_len[2], &idle);
	if (s->script) {
		format_iso(now_ms(), iso, sizeof(iso));
		if (buffer_printf_line(&b, "%s WHO %s %s %" PRIu64, iso, name, login, idle) == 0) {
			b.len--;	/* print adds the line end */
			print_line(s, &b, false);
		}
		buffer_free(&b);
		return;
	}
	format_idle(idle, when, sizeof(when));
	s->who_rows++;
	const char *why;
	size_t why_len;
	char away[256] = "";
	if (who_line_away(sl->rest, sl->rest_len, 1, &why, &why_len)) {
		char reason[200];
		clean(why, why_len, reason, sizeof(reason));
		text_printf(away, sizeof(away), "  away: %s", reason);
	}
	(void)buffer_printf_line(&s->who, "          %-32s %-16s %s%s", name, login, when, away);
}

/* PONG TOKEN: the end of the backlog after a JOIN, or the answer to the
 * lag PING in flight (then the next goes LAG_PING_MS later). Other PONGs
 * are not ours to show. */
static void on_pong(struct session *s, const struct server_line *sl)
{
	char token[32];
	int n;

	if (s->syncing && sl->rest_len == strlen(SYNC_TOKEN) &&
	    memcmp(sl->rest, SYNC_TOKEN, sl->rest_len) == 0) {
		check_gap(s, s->join_seq);
		sync_done(s);
		return;
	}
	n = snprintf(token, sizeof(token), LAG_TOKEN "%u", s->ping_seq);
	if (s->ping_sent && sl->rest_len == (size_t)n && memcmp(sl->rest, token, (size_t)n) == 0) {
		int64_t now = mono_ms();

		s->lag_ms = now - s->ping_sent;
		s->ping_sent = 0;
		s->ping_due = now + LAG_PING_MS;
	}
}

void session_handle_line(struct session *s, const char *line, size_t len)
{
	struct server_line sl;

	if (s->rooms.on && rooms_handle_line(s, line, len))
		return;
	if (!proto_parse_server_line(line, len, &sl)) {
		on_unknown(s, line, len);
		return;
	}
	switch (sl.type) {
	case SL_HELLO: on_hello(s, &sl); break;
	case SL_EVENT: on_event(s, &sl); break;
	case SL_OK: on_ok(s, &sl); break;
	case SL_ERR: on_err(s, &sl); break;
	case SL_BYE: on_bye(s, &sl); break;
	case SL_WHO: on_who(s, &sl); break;
	case SL_AWAY: case SL_IGNORED: {
		char name[64], text[512];
		clean(sl.word[0], sl.word_len[0], name, sizeof(name));
		clean(sl.rest, sl.rest_len, text, sizeof(text));
		if (sl.type == SL_AWAY)
			session_status(s, "%s is away: %s", name, text);
		else
			session_status(s, "ignored: %s (uid %s)", name, text);
		break;
	}
	case SL_MOTD:
		if (!s->resuming)
			session_status(s, "%s%.*s", s->script ? "motd: " : "", (int)sl.rest_len,
				       sl.rest);
		break;
	case SL_PONG:
		on_pong(s, &sl);
		break;
	case SL_WAITING:
		on_waiting(s, &sl, line, len);
		break;
	case SL_KEPT:
		session_status(s, sl.rest_len ? "your message mentions %.*s, but cannot wait for "
			       "them: %.*s" : "%.*s is not in the chat: your message waits for "
			       "them%.*s", (int)sl.word_len[0], sl.word[0], (int)sl.rest_len, sl.rest);
		break;
	default:
		on_unknown(s, line, len);
		break;
	}
}

void session_read(struct session *s)
{
	for (;;) {
		size_t avail;
		char *space = linebuf_space(&s->in, &avail), *line;
		ssize_t n;
		size_t len;
		enum line_status st;

		if (s->fd < 0)
			return;
		n = read(s->fd, space, avail);
		if (n < 0) {
			char why[256];

			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			text_printf(why, sizeof(why), "connection lost (%s)", strerror(errno));
			lost(s, why, true);
			return;
		}
		if (n == 0) {
			lost(s, s->ever_joined ? "the server closed the connection" :
			     "the server closed the connection before we could join", true);
			return;
		}
		linebuf_commit(&s->in, (size_t)n);
		while (s->fd >= 0 && (st = linebuf_next(&s->in, &line, &len)) != LINE_NONE) {
			if (st == LINE_TOO_LONG)
				session_status(s, "an over-long line from the server was dropped");
			else
				session_handle_line(s, line, len);
		}
	}
}

/* ---- the user's side -------------------------------------------------- */

/* Queue a command (it goes when those before it were answered). */
static struct pending *push_at(struct session *s, enum verb v, const char *target, size_t tn,
				const char *text, size_t n, bool front)
{
	struct pending *p = calloc(1, sizeof(*p));
	const char *room = s->rooms.on ? session_room(s) : NULL;

	/* With rooms, what is said goes to the room typed into now (and a
	 * WHO asks about it). */
	if (!target && room && (v == VERB_SAY || v == VERB_ME || v == VERB_WHO)) {
		target = room;
		tn = strlen(room);
	}
	if (!p || !(p->text = strndup(text ? text : "", text ? n : 0)) ||
	    (target && !(p->target = strndup(target, tn)))) {
		if (p)
			pending_free(p);
		session_status(s, "out of memory");
		return NULL;
	}
	p->verb = v;
	if (front && s->head && s->head->sent) {
		/* (behind the one in flight) */
		p->next = s->head->next;
		s->head->next = p;
		if (s->tail == s->head)
			s->tail = p;
	} else if (front) {
		p->next = s->head;
		s->head = p;
		if (!s->tail)
			s->tail = p;
	} else if (s->tail) {
		s->tail->next = p;
		s->tail = p;
	} else {
		s->head = s->tail = p;
	}
	s->queued++;
	return p;
}

static void push(struct session *s, enum verb v, const char *target, size_t tn,
		 const char *text, size_t n)
{
	if (push_at(s, v, target, tn, text, n, false))
		send_next(s);
}

struct pending *session_push(struct session *s, enum verb v, const char *target,
			     const char *text, bool front)
{
	return push_at(s, v, target, target ? strlen(target) : 0, text, text ? strlen(text) : 0,
		       front);
}

struct pending *session_take(struct session *s, enum verb v)
{
	return s->head && s->head->sent && s->head->verb == v ? pending_pop(s) : NULL;
}

void session_pending_free(struct pending *p)
{
	pending_free(p);
}

void session_send_next(struct session *s)
{
	send_next(s);
}

void session_print(struct session *s, struct buffer *b, int64_t ms)
{
	display_line(s, b, ms, false);
}

static void enter_name(struct session *s, const char *line, size_t len)
{
	while (len && line[0] == ' ')
		line++, len--;
	while (len && line[len - 1] == ' ')
		len--;
	if (len == 0 || len > NAME_MAX_LEN || memchr(line, ' ', len)) {
		session_status(s, "a name is 1 to %d letters, digits, '.', '-' or '_'; try again",
			       NAME_MAX_LEN);
		return;
	}
	memcpy(s->name, line, len);
	s->name[len] = '\0';
	if (s->ui.ask_name)
		s->ui.ask_name(s->ui.ctx, false);
	send_join(s);
}

void session_send(struct session *s, enum verb v, const char *target, size_t tn,
		  const char *text, size_t n)
{
	push(s, v, target, tn, text, n);
}

size_t session_text_limit(const struct session *s, enum verb v, size_t target_len)
{
	size_t max = s->max_line ? s->max_line : MAX_LINE_MAX;
	const char *room = s->rooms.on ? session_room(s) : NULL;

	if (room && target_len == 0 && (v == VERB_SAY || v == VERB_ME))
		target_len = strlen(room);	/* "SAY #room TEXT" */
	size_t over = strlen(verb_name(v)) + 1 + (target_len ? target_len + 1 : 0);

	return max > over + 1 ? max - over : 1;
}

unsigned session_waiting(const struct session *s)
{
	return s->queued - (s->head && s->head->sent ? 1 : 0);
}

unsigned session_drop_waiting(struct session *s)
{
	struct pending **pp = s->head && s->head->sent ? &s->head->next : &s->head, *p;
	unsigned n = 0;

	while ((p = *pp)) {
		*pp = p->next;
		pending_free(p);
		n++;
	}
	s->tail = s->head;
	s->queued -= n;
	if (!s->head)
		s->resend_at = 0;
	if (n)
		session_status(s, "%u waiting line%s dropped, not sent", n, n == 1 ? "" : "s");
	send_next(s);	/* (a /quit that waited for them leaves) */
	return n;
}

void session_leave(struct session *s, const char *reason)
{
	unsigned n = session_waiting(s);

	if (!s->head || s->state != ST_JOINED) {
		if (s->queued)
			session_status(s, "%u waiting line%s not sent", s->queued,
				       s->queued == 1 ? " was" : "s were");
		session_quit(s, reason);
		return;
	}
	free(s->quit_reason);
	s->quit_reason = reason ? strdup(reason) : NULL;
	s->quit_after = true;
	if (n)
		session_status(s, "leaving once the %u waiting line%s sent (Ctrl-C drops %s)", n,
			       n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
}

void session_input(struct session *s, const char *line, size_t len)
{
	struct input in;

	display_seen(&s->disp);
	/* A line break inside a line (a CRLF line of a script, Ctrl-V
	 * Ctrl-J) ends a line: each line is handled as typed. */
	if (split_has_break(line, len)) {
		size_t off = 0, n;
		const char *l;

		while ((l = split_line(line, len, &off, &n)))
			session_input(s, l, n);
		return;
	}
	if (s->state == ST_NAME_PROMPT) {
		enter_name(s, line, len);
		return;
	}
	switch (input_parse(line, len, &in)) {
	case IN_EMPTY:
		return;
	case IN_HELP:
		for (int i = 0; input_help[i]; i++)
			session_status(s, "%s", input_help[i]);
		return;
	case IN_SET:
		display_set(s, &in);
		return;
	case IN_UNKNOWN:
		session_status(s, "unknown command /%.*s (nothing was sent; /help lists the commands, "
			       "//text says /text)", (int)in.arg_len, in.arg);
		if (s->script)
			s->exit_code = EXIT_RUNTIME;
		return;
	case IN_USAGE:
		session_status(s, "usage: %s", in.usage);
		if (s->script)
			s->exit_code = EXIT_RUNTIME;
		return;
	case IN_QUIT: {
		char *reason = in.text ? strndup(in.text, in.text_len) : NULL;

		session_leave(s, reason);
		free(reason);
		return;
	}
	default:
		break;
	}
	if (s->state != ST_JOINED) {
		session_status(s, "not connected: not sent (Up brings the line back)");
		return;
	}
	switch (in.kind) {
	case IN_SAY: case IN_ME:
		if (s->rooms.on && !session_room(s)) {
			session_status(s, "you are in no room: not sent (/join #ROOM enters one)");
			return;
		}
		break;
	default:
		break;
	}
	switch (in.kind) {
	case IN_SAY: paste_message(s, VERB_SAY, NULL, 0, in.text, in.text_len); break;
	case IN_ME: paste_message(s, VERB_ME, NULL, 0, in.text, in.text_len); break;
	case IN_MSG: paste_message(s, VERB_PRIV, in.arg, in.arg_len, in.text, in.text_len); break;
	case IN_WHO: push(s, VERB_WHO, NULL, 0, NULL, 0); break;
	case IN_NICK: push(s, VERB_NICK, NULL, 0, in.arg, in.arg_len); break;
	case IN_AWAY: push(s, VERB_AWAY, NULL, 0, in.text, in.text_len); break;
	case IN_IGNORE: push(s, VERB_IGNORE, NULL, 0, in.arg, in.arg_len); break;
	case IN_UNIGNORE: push(s, VERB_UNIGNORE, NULL, 0, in.arg, in.arg_len); break;
	case IN_MESG: push(s, VERB_MESG, NULL, 0, in.arg, in.arg_len); break;
	case IN_JOIN: case IN_PART: case IN_ROOMS: case IN_TOPIC: case IN_SWITCH:
		rooms_input(s, &in);
		break;
	default: break;
	}
}

void session_quit(struct session *s, const char *reason)
{
	if (s->fd < 0 || s->state == ST_QUITTING || s->state == ST_NAME_PROMPT) {
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		s->state = ST_DOWN;
		s->done = true;
		return;
	}
	send_cmd(s, VERB_QUIT, NULL, reason);
	if (s->fd >= 0) {
		s->state = ST_QUITTING;
		s->quit_at = mono_ms() + QUIT_WAIT_MS;
	}
}

/* Is a lag PING planned, and may it go when due? */
static bool lag_ping_wanted(const struct session *s)
{
	return s->ping_due && !s->ping_sent && s->state == ST_JOINED && !s->syncing &&
	       s->fd >= 0 && !s->done;
}

int session_timeout(const struct session *s, int64_t now)
{
	int64_t at = 0;

	if (s->state == ST_DOWN && s->retry_at)
		at = s->retry_at;
	else if (s->state == ST_QUITTING)
		at = s->quit_at;
	else if (s->resend_at)
		at = s->resend_at;
	if (lag_ping_wanted(s) && (!at || s->ping_due < at))
		at = s->ping_due;
	if (!at)
		return -1;
	return at <= now ? 0 : (int)(at - now);
}

void session_tick(struct session *s, int64_t now)
{
	if (s->state == ST_QUITTING && now >= s->quit_at) {
		lost(s, "left", false);
		return;
	}
	if (s->resend_at && now >= s->resend_at) {
		s->resend_at = 0;
		if (s->state == ST_JOINING && s->fd >= 0)
			send_join(s);   /* a rate-limited JOIN */
		else
			send_next(s);
	}
	if (lag_ping_wanted(s) && now >= s->ping_due)
		send_lag_ping(s, now);
	if (s->state == ST_DOWN && s->retry_at && now >= s->retry_at) {
		s->retry_at = 0;
		int rc = connect_now(s);

		if (rc == SESSION_REFUSED) {
			/* Not a passing trouble: an impostor holds the path. */
			session_status(s, "%s", s->refused);
			finish(s, EXIT_RUNTIME);
		} else if (rc < 0) {
			char why[256];

			text_printf(why, sizeof(why), "cannot reconnect to %s: %s", s->sock_path,
				 strerror(errno));
			next_delay(s);
			session_status(s, "%s; next try in %.2g s", why, s->delay_ms / 1000.0);
			schedule_reconnect(s);
		} else {
			session_status(s, "connected again; rejoining as %s", s->name);
		}
	}
}

void session_status_info(const struct session *s, struct status_info *in, int64_t wall,
			 int64_t mono)
{
	memset(in, 0, sizeof(*in));
	in->now_ms = wall;
	in->name = s->name;
	in->room = s->room;
	in->members = s->members_known ? (long)s->members.n : -1;
	rooms_status_info(s, in);
	in->retry_ms = -1;
	in->lag_ms = s->lag_ms;
	in->ping_wait_ms = s->ping_sent ? mono - s->ping_sent : -1;
	in->waiting = session_waiting(s);
	switch (s->state) {
	case ST_JOINED:
		in->link = s->syncing ? STATUS_JOINING : STATUS_JOINED;
		break;
	case ST_JOINING:
		in->link = STATUS_JOINING;
		break;
	case ST_NAME_PROMPT:
		in->link = STATUS_NAME;
		break;
	case ST_QUITTING:
		in->link = STATUS_LEAVING;
		break;
	case ST_DOWN:
	default:
		in->link = s->done ? STATUS_LEAVING : STATUS_OFFLINE;
		if (s->retry_at)
			in->retry_ms = s->retry_at > mono ? s->retry_at - mono : 0;
		break;
	}
}
