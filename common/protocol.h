/* protocol.h - the lchat wire protocol (docs/protocol.md), shared by the
 * daemon, the client and the admin tool.
 *
 * Framing: UTF-8 text, one command or event per line, lines end in "\n"
 * (a "\r" before it is dropped). A client line is at most max_line bytes
 * without its line end. This module frames byte streams into lines, parses
 * commands and server lines, and formats every line the daemon sends. */
#ifndef LCHAT_PROTOCOL_H
#define LCHAT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#define PROTO_VERSION 1
#define PROTO_NAME "lchat"
#define CONTROL_PROTO_NAME "lchat-control"
#define MAX_LINE_MIN 64
#define MAX_LINE_MAX 16384
/* Bytes a server line may add around a client's text (prefix, seq, time,
 * name, login, reason). A server line is at most max_line + PROTO_OVERHEAD. */
#define PROTO_OVERHEAD 192

/* ---- framing -------------------------------------------------------- */

/* A line assembler for one connection. The buffer holds at most max_line
 * bytes plus the line end; a longer line is discarded up to its newline and
 * reported once as overlong, so memory never grows with the input. */
struct linebuf {
	char *buf;
	size_t cap;        /* max_line + 2 */
	size_t start;      /* first byte not yet handed out */
	size_t len;        /* end of the bytes held */
	size_t scan;       /* bytes before this were searched for '\n' */
	size_t pending;    /* size of the line handed out last, to consume */
	bool discarding;   /* inside an overlong line */
};

enum line_status {
	LINE_NONE = 0,     /* no complete line yet */
	LINE_OK,           /* a complete line is returned, without its end */
	LINE_TOO_LONG,     /* an overlong line was dropped (reported once) */
};

int linebuf_init(struct linebuf *lb, size_t max_line);
void linebuf_free(struct linebuf *lb);
/* Where to read new bytes into, and how many fit. */
char *linebuf_space(struct linebuf *lb, size_t *avail);
/* Bytes linebuf_space() would offer: 0 while unconsumed lines fill it. */
size_t linebuf_room(const struct linebuf *lb);
/* Account for n bytes read into linebuf_space(). */
void linebuf_commit(struct linebuf *lb, size_t n);
/* Take the next line. The returned pointer is valid until the next call to
 * linebuf_next/commit/space. The line is NUL-terminated in place. */
enum line_status linebuf_next(struct linebuf *lb, char **line, size_t *len);
/* True if an unfinished line is buffered (a client that vanished mid-line). */
bool linebuf_partial(const struct linebuf *lb);

/* ---- commands (client -> server) ------------------------------------ */

enum verb {
	VERB_UNKNOWN = 0,
	VERB_JOIN,     /* JOIN [NAME [LAST-SEQ]] */
	VERB_SAY,      /* SAY TEXT */
	VERB_ME,       /* ME TEXT */
	VERB_PRIV,     /* PRIV NAME TEXT */
	VERB_WHO,      /* WHO */
	VERB_PING,     /* PING [TOKEN] */
	VERB_QUIT,     /* QUIT [REASON] */
	VERB_NOTICE,   /* control socket: NOTICE TEXT */
	VERB_KICK,     /* control socket: KICK NAME [REASON] */
	VERB_MUTE,     /* control socket: MUTE TARGET SECONDS */
	VERB_UNMUTE,   /* control socket: UNMUTE TARGET */
	VERB_BAN,      /* control socket: BAN TARGET SECONDS [REASON] */
	VERB_UNBAN,    /* control socket: UNBAN TARGET */
	VERB_BANS,     /* control socket: BANS */
	VERB_STATUS,   /* control socket: STATUS */
	VERB_RELOAD,   /* control socket: RELOAD */
	VERB_SHUTDOWN, /* control socket: SHUTDOWN [MESSAGE] */
};

struct command {
	enum verb verb;
	const char *verb_text;   /* the verb as sent, for error messages */
	size_t verb_len;
	const char *arg;         /* first word argument (NAME), or NULL */
	size_t arg_len;
	const char *text;        /* rest of the line (TEXT, REASON, TOKEN,
	                          * LAST-SEQ for JOIN), or NULL */
	size_t text_len;
};

/* Split a line into verb and arguments. Verbs are case-insensitive. The
 * line is not modified; pointers refer into it. Returns the verb. */
enum verb proto_parse_command(const char *line, size_t len, struct command *cmd);
const char *verb_name(enum verb v);

struct buffer;
/* The checks every incoming line gets first (valid UTF-8, no forbidden
 * characters). Returns true if the line is to be processed; otherwise the
 * ERR reply has been queued on out (a blank line is ignored silently).
 * Sets *oom if queueing failed. */
bool proto_accept_line(const char *line, size_t len, struct buffer *out, bool *oom);
/* Queue "PONG [TOKEN]" answering a PING. -1 if out of memory. */
int proto_reply_pong(struct buffer *out, const struct command *cmd);

/* Parse a decimal sequence number; false if s is not one. */
bool proto_parse_u64(const char *s, size_t n, uint64_t *out);

/* ---- events and replies (server -> client) -------------------------- */

enum event_kind {
	EV_NONE = 0,
	EV_JOIN,       /* EV seq ms JOIN name login */
	EV_LEAVE,      /* EV seq ms LEAVE name login reason [text] */
	EV_MSG,        /* EV seq ms MSG name text */
	EV_ACTION,     /* EV seq ms ACTION name text */
	EV_PRIV,       /* EV seq ms PRIV name text (to one member only) */
	EV_NOTICE,     /* EV seq ms NOTICE text */
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
};

const char *event_kind_name(enum event_kind k);
const char *leave_reason_name(enum leave_reason r);

/* Format one event line, "\n" included, into out (outcap bytes). `a` is the
 * name (or the text for NOTICE), `b` the login for JOIN/LEAVE, `text` the
 * text (or NULL). Returns the length, or 0 if it does not fit. */
size_t proto_format_event(char *out, size_t outcap, uint64_t seq, int64_t ms,
			  enum event_kind kind, const char *name,
			  const char *login, int reason,
			  const char *text, size_t text_len);

/* ---- parsing server lines (clients, tests, admin) -------------------- */

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
};

struct server_line {
	enum server_line_type type;
	/* SL_EVENT */
	uint64_t seq;
	int64_t ms;
	enum event_kind kind;
	/* Words and rest-of-line, as pointers into the parsed line. For an
	 * event: word[0] = name (or NULL for NOTICE), word[1] = login,
	 * word[2] = reason; rest = text. For OK: word[0] = verb, rest = the
	 * remainder. For ERR/BYE: word[0] = code, rest = text. */
	const char *word[3];
	size_t word_len[3];
	const char *rest;
	size_t rest_len;
};

/* Parse one server line (without its "\n"). Returns false if malformed. */
bool proto_parse_server_line(const char *line, size_t len, struct server_line *sl);

#endif
