/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* handler_int.h - a handler's state and the helpers its verb files share:
 * handler.c (the connection, JOIN, messages, NICK, QUIT) and prefverbs.c
 * (AWAY, IGNORE, UNIGNORE, MESG). Not for other processes' code. */
#ifndef LCHAT_HANDLER_INT_H
#define LCHAT_HANDLER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buffer.h"
#include "config.h"
#include "framing.h"
#include "irc.h"
#include "outq.h"
#include "protocol.h"
#include "room.h"
#include "waitbox.h"

/* A connection on the IRC socket (ircverbs.c). */
struct irc_state {
	bool on;                /* the slot is IRC: IRC lines in and out */
	bool got_user;          /* USER came */
	bool cap_wait;          /* CAP LS or REQ came, CAP END not yet */
	bool quiet;             /* serving a NOTICE: no error is answered */
	bool in_motd;           /* translating the registration's MOTD */
	bool batch_open;        /* an ENTER's history batch: close it */
	unsigned motd_lines;
	enum irc_cmd cmd;       /* the IRC command being served */
	char target[64];        /* its target (nick or #channel), for numerics */
	char nick[NAME_MAX_LEN + 1];   /* NICK before registration */
	uint64_t join_seq;      /* the registration's JOIN event */
	uint64_t batch_end;     /* queue "BATCH -" due at this seq; 0: none */
	struct buffer spare;    /* irc_translate()'s second reply buffer */
};

struct handler {
	struct room *room;
	const struct lchat_config *cfg;
	struct room_slot *me;
	struct outq *q;
	uint32_t slot;
	uint32_t gen;
	int fd;
	int sigfd;
	int epfd;               /* the main loop's: sigfd, and fd unless behind */
	bool watching;          /* fd is in epfd's set */
	uid_t uid;
	pid_t daemon_pid;
	char login[LOGIN_MAX + 1];
	bool joined;
	bool left;              /* our LEAVE is written, or we never joined */
	bool closing;           /* take no more input; wait for the writer */
	bool shutting_down;
	bool eof;
	bool hung_up;           /* seen closed while waiting for the writer
				 * (wait_writer_past): it gets nothing more */
	bool posted;            /* events appended since the writer was woken */
	bool proto2;            /* PROTO 2: room-tagged lines, room verbs */
	uint64_t due_at;        /* the replies formatted now are due before
				 * this event (ENTER: its JOIN); 0: the head */
	int64_t join_deadline;
	uint64_t behind_max;    /* BEHIND_MAX, or less in a short log */
	struct linebuf in;
	struct buffer out;      /* replies not yet in the queue */
	struct waitbox *wait;   /* messages that wait (waitbox.h) */
	struct irc_state irc;   /* the IRC socket's dialect (ircverbs.c) */
};

/* Queue one reply line (lines.h); a handler out of memory closes the
 * connection: reply(h, line_err(&h->out, CODE_X, "...")). */
#define reply(h, queued) do { \
	if ((queued) < 0) \
		(h)->closing = true; \
} while (0)

/* Spend one token of the uid's rate limit (false: none left); the same
 * with the room lock held. */
bool spend(struct handler *h);
bool spend_locked(struct handler *h);
/* Reply that the rate limit refused the command. */
void rate_refused(struct handler *h);
/* Queue the replies so far and wait until the fan-out writer has sent
 * this member every event up to seq (its cursor is past it), or the
 * client has hung up (then hung_up is set), reading nothing from the
 * client meanwhile. False if the connection ends first (kicked, lagged,
 * shut down). */
bool wait_writer_past(struct handler *h, uint64_t seq);
/* If the uid is muted, reply so (saying under which name it may join if
 * only_as) and return true. */
bool refused_muted(struct handler *h, int64_t now, const char *only_as);

/* uid's login as the protocol can carry it (printable ASCII, no
 * spaces), else "uid<N>". */
void safe_login(uid_t uid, char *buf, size_t len);

/* Run a user-socket verb as if its line had come (the verb table's
 * function; JOIN first where it must be). */
void handler_verb(struct handler *h, const struct command *c);
/* Move the replies in `out` to the reply queue (IRC: translated first). */
void flush_replies(struct handler *h);

/* ircverbs.c */
/* Serve one line of an IRC connection. */
void irc_handle_line(struct handler *h, const char *line, size_t len);
/* Turn the lchat replies in h->out into IRC (lines ending in CR LF are
 * IRC already). */
void irc_translate(struct handler *h);

/* roomverbs.c */
void cmd_proto(struct handler *h, const struct command *c);
void cmd_enter(struct handler *h, const struct command *c);
void cmd_part(struct handler *h, const struct command *c);
void cmd_topic(struct handler *h, const struct command *c);
void cmd_rooms(struct handler *h, const struct command *c);
/* Under PROTO 2, SAY, ME and WHO name a room first: "#room" off the
 * front of text (n bytes); its index in *k, or -1 after the ERR is
 * replied (room_missing: no room word given; the caller decides). Takes
 * the lock for the look-up. need_in: the member must be in it. */
int room_word(struct handler *h, const char **text, size_t *n, bool need_in);

/* prefverbs.c */
void cmd_away(struct handler *h, const struct command *c);
void cmd_ignore(struct handler *h, const struct command *c);
void cmd_mesg(struct handler *h, const struct command *c);

#endif
