/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* lines.h - every kind of line a server sends (docs/protocol.md), each
 * with its formatter and its parser side by side: events (EV), replies
 * (OK, ERR, BYE, PONG), the greeting (HELLO), MOTD and WHO. The control
 * socket's longer replies (its WHO, SANCTION, STATUS) are in reply.h.
 *
 * Formatters append one line and its "\n" to a buffer and return 0, or -1
 * when out of memory. */
#ifndef LCHAT_LINES_H
#define LCHAT_LINES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "verbs.h"

struct buffer;

/* The first word of each kind of server line. */
enum server_line_type {
	SL_UNKNOWN = 0,
	SL_HELLO,      /* HELLO lchat/1 server-version key=value... */
	SL_EVENT,      /* EV ... */
	SL_OK,         /* OK VERB ... */
	SL_ERR,        /* ERR code text */
	SL_BYE,        /* BYE code text */
	SL_MOTD,       /* MOTD text */
	SL_WHO,        /* WHO name login idle-seconds joined-ms */
	SL_PONG,       /* PONG [token] */
	SL_STATUS,     /* control: STATUS key value (reply.h) */
	SL_SANCTION,   /* control: SANCTION kind login uid left [reason] */
	SL_WAITING,    /* WAITING ms kind name login text: a message that waited */
	SL_KEPT,       /* KEPT login [code text]: a mention kept, or why not */
	SL_AWAY,       /* AWAY name reason: the member a PRIV went to is away */
	SL_IGNORED,    /* IGNORED login uid: one of the list IGNORE gives */
	SL_ROOM,       /* ROOM #room ...: one room of ROOMS' list */
	SL_COUNT
};
const char *server_line_word(enum server_line_type t);

/* ---- events --------------------------------------------------------- */

enum event_kind {
	EV_NONE = 0,
	EV_JOIN,       /* EV seq ms JOIN name login */
	EV_LEAVE,      /* EV seq ms LEAVE name login reason [text] */
	EV_MSG,        /* EV seq ms MSG name text */
	EV_ACTION,     /* EV seq ms ACTION name text */
	EV_PRIV,       /* EV seq ms PRIV name text (to one member only) */
	EV_NOTICE,     /* EV seq ms NOTICE text */
	EV_NICK,       /* EV seq ms NICK old-name login new-name */
	EV_TOPIC,      /* EV seq ms #room TOPIC name login text (PROTO 2 only) */
};

/* Why a member left. */
enum leave_reason {
	LEAVE_QUIT = 0,   /* sent QUIT */
	LEAVE_CLOSED,     /* closed the connection */
	LEAVE_LOST,       /* handler died, or the daemon restarted */
	LEAVE_LAGGED,     /* did not read fast enough */
	LEAVE_TIMEOUT,    /* (reserved) */
	LEAVE_SHUTDOWN,   /* the server shut down */
	LEAVE_KICKED,     /* removed by an administrator */
	LEAVE_BANNED,     /* banned by an administrator */
	LEAVE_PART,       /* left one room (PART, PART-KICK, a reload) */
};

const char *event_kind_name(enum event_kind k);
const char *leave_reason_name(enum leave_reason r);
/* The verb whose acknowledgement ("OK SAY seq", "OK NICK new-name seq")
 * stands for a member's own event of this kind, or VERB_UNKNOWN (joins and
 * leaves are acknowledged otherwise). */
enum verb event_ack_verb(enum event_kind k);

/* Format one event line, "\n" included, into out (outcap bytes). `name`
 * is the member's name (unused for NOTICE; the old name for NICK), `login`
 * the login for JOIN/LEAVE/NICK, `text` the text (or NULL; the new name
 * for NICK). Returns the length, or 0 if it does not fit. */
size_t proto_format_event(char *out, size_t outcap, uint64_t seq, int64_t ms,
			  enum event_kind kind, const char *name,
			  const char *login, int reason,
			  const char *text, size_t text_len);

/* ---- replies -------------------------------------------------------- */

/* "OK VERB" and, if fmt is not NULL, a space and the formatted rest. */
int line_ok(struct buffer *out, enum verb v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "ERR code text". */
int line_err(struct buffer *out, enum reply_code c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "WORD FIRST" (WORD: the line type's) and, if fmt is not NULL, a space
 * and the formatted rest: the shape of OK, ERR and the control socket's
 * STATUS. Nothing is queued if the whole line cannot be. */
int line_vformat(struct buffer *out, enum server_line_type t, const char *first,
		 const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* "ERR bad-argument usage: VERB ARGS" from the verb table, then `more`. */
int line_usage(struct buffer *out, enum verb v, const char *more);
/* "BYE code text". */
int line_bye(struct buffer *out, enum reply_code c, const char *text);
/* The same into out (cap bytes), for a connection refused before it has a
 * buffer; returns the length, cut to fit. */
size_t line_bye_format(char *out, size_t cap, enum reply_code c, const char *text);
/* "PONG [TOKEN]". */
int line_pong(struct buffer *out, const char *token, size_t len);
/* "HELLO proto/VERSION lchatd/RELEASE login=LOGIN max_line=N", and
 * " rooms=1 default_room=#NAME" if default_room is not NULL (the user
 * socket: PROTO 2 is offered). */
int line_hello(struct buffer *out, const char *proto_name, const char *login, long max_line,
	       const char *default_room);
/* "ROOM #room " and the formatted rest: one room of a ROOMS list. */
int line_room(struct buffer *out, const char *room, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "MOTD text". */
int line_motd(struct buffer *out, const char *text);
/* "WHO name login idle-seconds joined-ms", and " away REASON" if away is
 * not NULL or "" (the member said AWAY REASON). */
int line_who(struct buffer *out, const char *name, const char *login, int64_t idle_s,
	     int64_t joined_ms, const char *away);
/* The away reason at the end of a WHO line's rest (after joined-ms, or
 * after the control socket's muted field: `skip` words): true and the
 * reason in *reason, *len if the member is away. */
bool who_line_away(const char *rest, size_t rest_len, int skip, const char **reason,
		   size_t *len);
/* "AWAY name reason": after OK PRIV, the member it went to is away. */
int line_away(struct buffer *out, const char *name, const char *reason);
/* "IGNORED login uid": one ignored user, in the reply to IGNORE. */
int line_ignored(struct buffer *out, const char *login, uint64_t uid);

/* "WAITING ms kind name login text": a message kept for the member while
 * it was away (kind: PRIV, or MSG/ACTION for a public message that
 * mentioned it), sent at the time ms by `name` (login `login`). */
int line_waiting(struct buffer *out, int64_t ms, enum event_kind kind, const char *name,
		 const char *login, const char *text, size_t text_len);
/* "KEPT login" (the sender's public message mentioned login and waits for
 * it), or "KEPT login code text" (it mentioned login but cannot wait). */
int line_kept(struct buffer *out, const char *login, enum reply_code c, const char *text);

/* ---- parsing server lines (clients, tests, admin) -------------------- */

struct server_line {
	enum server_line_type type;
	/* SL_EVENT */
	uint64_t seq;
	int64_t ms;
	enum event_kind kind;
	/* PROTO 2: the event's room word ("#name", "*", "-"), else NULL. */
	const char *room;
	size_t room_len;
	/* SL_OK: the verb acknowledged (VERB_UNKNOWN if not one we know). */
	enum verb verb;
	/* SL_ERR, SL_BYE: the code, if known (code_known). */
	enum reply_code code;
	bool code_known;
	/* Words and rest-of-line, as pointers into the parsed line. For an
	 * event: word[0] = name (or NULL for NOTICE; NICK: the old name),
	 * word[1] = login, word[2] = reason (NICK: the new name); rest = text. For OK: word[0] = verb, rest = the
	 * remainder. For ERR/BYE: word[0] = code, rest = text. For
	 * STATUS and SANCTION: word[0] = the first word, rest = the rest. For
	 * WAITING: ms, kind, word[0] = name, word[1] = login, rest = text.
	 * For KEPT: word[0] = login, rest = "" or "code text". For AWAY:
	 * word[0] = name, rest = reason. For IGNORED: word[0] = login, rest =
	 * uid. */
	const char *word[3];
	size_t word_len[3];
	const char *rest;
	size_t rest_len;
};

/* Parse one server line (without its "\n"). Returns false if malformed. */
bool proto_parse_server_line(const char *line, size_t len, struct server_line *sl);
/* Does a HELLO's first word name protocol proto_name at our major
 * version ("lchat/1", "lchat-control/1.2")? */
bool proto_hello_ok(const char *word, size_t len, const char *proto_name);

#endif
