/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* session.h - one user's session with the room, independent of the user
 * interface: the connection, joining (and asking again for a refused
 * name), the commands in flight and their replies, duplicate suppression
 * and gap detection by sequence number, and reconnecting with back-off.
 *
 * The interface (term.c or script.c) feeds the session what the user types
 * and the run loop (run.c) feeds it the socket; the session prints through
 * the interface's print callback. */
#ifndef LCHAT_CLIENT_SESSION_H
#define LCHAT_CLIENT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "complete.h"
#include "display.h"
#include "names.h"
#include "paste.h"
#include "peercheck.h"
#include "protocol.h"
#include "render.h"
#include "rooms.h"
#include "status.h"

/* Exit statuses (documented in lchat(1)). */
#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define EXIT_CONFIG 3
#define EXIT_REFUSED 4

/* Reconnect delays: the first, doubled each failure up to the last. */
#define RECONNECT_MIN_MS 250
#define RECONNECT_MAX_MS 10000
/* How long to wait for the server's OK QUIT before leaving anyway. */
#define QUIT_WAIT_MS 2000
/* With lag_check: a PING to time every this often while joined (the
 * first as soon as the backlog is read), one at a time. */
#define LAG_PING_MS 30000

struct session_ui {
	void *ctx;
	/* Show one line (events, own messages, status). bell: ring it. */
	void (*print)(void *ctx, const char *line, bool bell);
	/* Start (true) or stop asking for a name at the prompt; returns
	 * false if it cannot ask (then a refused name ends the client). */
	bool (*ask_name)(void *ctx, bool asking);
	/* Start (true) or stop asking the user to confirm what paste.h
	 * holds (the question is a status line before it); the answer
	 * comes as paste_answer(). false: cannot ask (then it is sent).
	 * NULL in the scripting mode. */
	bool (*confirm)(void *ctx, bool asking);
};

enum session_state {
	ST_DOWN = 0,     /* no connection; maybe waiting to reconnect */
	ST_JOINING,      /* connected, JOIN sent, no answer yet */
	ST_NAME_PROMPT,  /* the name was refused; asking the user for another */
	ST_JOINED,
	ST_QUITTING,     /* QUIT sent, waiting for OK QUIT or the end */
};

struct pending;

struct session {
	/* Settings. */
	const char *sock_path;
	struct peer_trust trust; /* whom the server may run as (peercheck.h) */
	bool script;             /* the scripting mode (plain lines, stderr) */
	bool no_history;         /* scripting: do not print history */
	bool track_members;      /* keep `members` (for Tab): a quiet WHO after each JOIN */
	bool lag_check;          /* time a PING every LAG_PING_MS (the status row) */
	struct render_opts ropts;
	struct session_ui ui;
	struct display disp;     /* day lines, folded history, unread marker, bells */

	/* The connection. */
	int fd;
	struct linebuf in;
	struct buffer out;
	enum session_state state;

	char name[NAME_MAX_LEN + 1];   /* wanted, then the joined name */
	bool ever_joined;
	uint64_t last_seq;       /* highest seq seen: events and own acks */
	uint64_t join_seq;       /* our latest OK JOIN */
	uint64_t resume_from;    /* LAST-SEQ sent with the JOIN (resuming) */
	bool resuming;
	bool syncing;            /* OK JOIN seen, waiting for the PONG barrier */
	bool first_seen;         /* an event arrived during this sync */
	unsigned history_shown;

	struct pending *head, *tail;   /* commands in order: the head in flight,
	                                 * the rest waiting for its reply */
	unsigned queued;         /* commands in that queue */
	size_t max_line;         /* HELLO's max_line (0: not said) */
	bool quit_after;         /* /quit once the queue is empty */
	char *quit_reason;
	struct paste_batch held; /* a paste or long message being asked about */
	unsigned paste_ask;      /* a paste of more lines asks first */
	struct buffer waited;    /* interactive: WAITING lines that came during
				  * the sync, shown after the history */
	struct buffer who;       /* WHO rows until OK WHO */
	unsigned who_rows;
	unsigned who_quiet;      /* our own WHOs not answered yet: not printed */
	struct namelist who_names;   /* the names of the WHO rows until OK WHO */
	struct namelist members; /* who is in the room: the last WHO, then events */
	bool members_known;      /* a WHO was answered on this connection */
	char room[128];          /* the room's name (status_room_name) */
	/* Rooms (PROTO 2, when the HELLO says rooms=1): rooms.h. */
	struct rooms rooms;
	bool greeted;            /* the HELLO of this connection came (JOIN went) */
	bool proto_wait;         /* PROTO 2 sent, not answered yet */
	char want_room[ROOM_NAME_SIZE];  /* -r: the room to enter and write into */
	char who_room[8][ROOM_NAME_SIZE]; /* the rooms of our quiet WHOs, in order */
	unsigned rooms_listed;   /* ROOM lines of the answer to ROOMS so far */

	int64_t lag_ms;          /* the last lag measured (ms), -1: none */
	int64_t ping_sent;       /* when the unanswered lag PING went (mono ms), 0: none */
	int64_t ping_due;        /* when the next one goes (mono ms), 0: not planned */
	unsigned ping_seq;       /* its token's number */

	int delay_ms;            /* the next reconnect delay */
	int64_t retry_at;        /* ST_DOWN: when to reconnect (mono ms), 0: never */
	int64_t resend_at;       /* resend the head after rate-limited, 0: no */
	int resend_delay;
	int64_t quit_at;         /* ST_QUITTING: give up waiting then */

	char refused[512];       /* not "": why the server is not trusted */
	bool done;
	int exit_code;
};

/* Set up (no connection yet). name: NULL for the login name. The server
 * is trusted if it runs as root or as us; set s->trust (peer_trust_init)
 * to trust the daemon's user too. */
int session_init(struct session *s, const char *sock_path, const char *name, bool script,
		 const struct render_opts *ropts, const struct session_ui *ui);
void session_free(struct session *s);

/* session_start()'s answer when the server is not lchatd (peer_check()
 * refused it; s->refused says why). Final: never retried. */
#define SESSION_REFUSED (-2)

/* First connection: connect, check who the server is (s->trust), and send
 * JOIN. -1 (errno) if connect fails, SESSION_REFUSED if the server is not
 * trusted. */
int session_start(struct session *s);

/* The socket is readable: read and handle every complete line. */
void session_read(struct session *s);
/* Send what is queued for the server. */
void session_flush(struct session *s);
/* Does the session want POLLOUT? */
bool session_want_write(const struct session *s);

/* A line the user typed (or the scripting mode read). */
void session_input(struct session *s, const char *line, size_t len);
/* Queue a command: VERB_SAY, VERB_ME or VERB_PRIV with its text (PRIV:
 * target, tn bytes), or VERB_WHO. Commands go one at a time, each when
 * the one before it was answered; one refused as rate-limited goes again
 * after a back-off (0.2 s doubling up to 2 s), so none is lost or
 * overtaken. */
void session_send(struct session *s, enum verb v, const char *target, size_t tn,
		  const char *text, size_t n);
/* The most bytes of text a VERB_SAY, VERB_ME or VERB_PRIV (with a target
 * of target_len bytes) may carry for the command to fit the server's
 * max_line. */
size_t session_text_limit(const struct session *s, enum verb v, size_t target_len);
/* Commands queued and not in flight (the prompt shows them). */
unsigned session_waiting(const struct session *s);
/* Drop those (Ctrl-C); says how many. Returns that number. */
unsigned session_drop_waiting(struct session *s);
/* The user leaves (/quit, Ctrl-D): QUIT at once if nothing is queued,
 * else once the queue is empty (session_drop_waiting() hastens it). */
void session_leave(struct session *s, const char *reason);
/* Leave now: QUIT with an optional reason (NULL). */
void session_quit(struct session *s, const char *reason);

/* Milliseconds until session_tick() has something to do (-1: nothing). */
int session_timeout(const struct session *s, int64_t now);
/* Timers: reconnect, resend, give up waiting for OK QUIT, the lag PING. */
void session_tick(struct session *s, int64_t now);

/* What the status row shows (status.h), at wall-clock time wall and
 * monotonic time mono (ms). */
void session_status_info(const struct session *s, struct status_info *in, int64_t wall,
			 int64_t mono);

/* Is nothing in flight (scripting: may the next line go)? */
bool session_ready(const struct session *s);

/* The room typed into ("#general"), or NULL: the server has no rooms
 * (or we are in none). */
const char *session_room(const struct session *s);
/* The names Tab completes: those of the room typed into. */
const struct namelist *session_members(const struct session *s);
/* Type into the next room we are in (the key, term.c). */
void session_next_room(struct session *s);

/* Handle one line from the server (exposed for the unit tests). */
void session_handle_line(struct session *s, const char *line, size_t len);

/* Print a status line ("-!- text" or, scripting, "lchat: text" on stderr). */
void session_status(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
