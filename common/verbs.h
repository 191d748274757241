/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* verbs.h - the commands of the lchat protocols (docs/protocol.md), once:
 * each verb's word, its arguments as usage text, and which socket takes it
 * (the user socket, the control socket, or both). The daemon dispatches
 * through tables of its own keyed by this enum; usage errors and the list
 * of commands in "unknown-command" are generated from this table. A new
 * verb is one row here, one in the dispatch table, and its function. */
#ifndef LCHAT_VERBS_H
#define LCHAT_VERBS_H

#include <stdbool.h>
#include <stddef.h>

enum verb {
	VERB_UNKNOWN = 0,
	VERB_JOIN,
	VERB_SAY,
	VERB_ME,
	VERB_PRIV,
	VERB_NOTICE,
	VERB_WALL,
	VERB_WHO,
	VERB_NICK,
	VERB_KICK,
	VERB_MUTE,
	VERB_UNMUTE,
	VERB_BAN,
	VERB_UNBAN,
	VERB_BANS,
	VERB_STATUS,
	VERB_RELOAD,
	VERB_SHUTDOWN,
	VERB_PING,
	VERB_QUIT,
	VERB_WAITING,
	VERB_AWAY,
	VERB_IGNORE,
	VERB_UNIGNORE,
	VERB_MESG,
	VERB_PROTO,     /* rooms (issue 17): PROTO 2 switches to room-tagged lines */
	VERB_ENTER,
	VERB_PART,
	VERB_TOPIC,
	VERB_ROOMS,
	VERB_NOTICE_ROOM,
	VERB_PART_KICK,
	VERB_COUNT
};

/* Which socket takes a verb. */
enum verb_socket {
	SOCK_USER = 1,
	SOCK_CONTROL = 2,
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
/* The verb's word ("UNKNOWN" for none). */
const char *verb_name(enum verb v);
/* Does the socket `sock` take verb v? */
bool verb_on(enum verb v, enum verb_socket sock);
/* "NAME [REASON]": the verb's arguments, for usage errors (line_usage()). */
const char *verb_args(enum verb v);
/* "JOIN, SAY, ME, PRIV, WHO, PING and QUIT": the verbs one socket takes,
 * into out (cap bytes, cut if it does not fit). Returns the length. */
size_t verb_list(enum verb_socket sock, char *out, size_t cap);

#endif
