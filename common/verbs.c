/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* verbs.c - the verb table and the splitting of a command line. */
#include "verbs.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "words.h"

#define BOTH (SOCK_USER | SOCK_CONTROL)

/* In the order the lists of commands give them. */
static const struct verb_row {
	const char *name;
	const char *args;       /* its arguments, for usage errors */
	unsigned sockets;
	bool word_arg;          /* a first word argument, then the text */
} verbs[VERB_COUNT] = {
	[VERB_UNKNOWN] = { "UNKNOWN", "", 0, false },
	[VERB_JOIN] = { "JOIN", "[NAME [LAST-SEQ]]", SOCK_USER, true },
	[VERB_SAY] = { "SAY", "TEXT", SOCK_USER, false },
	[VERB_ME] = { "ME", "TEXT", SOCK_USER, false },
	[VERB_PRIV] = { "PRIV", "NAME TEXT", SOCK_USER, true },
	[VERB_NOTICE] = { "NOTICE", "TEXT", SOCK_CONTROL, false },
	[VERB_WALL] = { "WALL", "GROUP TEXT", SOCK_CONTROL, true },
	[VERB_WHO] = { "WHO", "", BOTH, false },
	[VERB_NICK] = { "NICK", "NAME", SOCK_USER, true },
	[VERB_KICK] = { "KICK", "NAME [REASON]", SOCK_CONTROL, true },
	[VERB_MUTE] = { "MUTE", "TARGET DURATION", SOCK_CONTROL, true },
	[VERB_UNMUTE] = { "UNMUTE", "TARGET", SOCK_CONTROL, true },
	[VERB_BAN] = { "BAN", "TARGET DURATION [REASON]", SOCK_CONTROL, true },
	[VERB_UNBAN] = { "UNBAN", "TARGET", SOCK_CONTROL, true },
	[VERB_BANS] = { "BANS", "", SOCK_CONTROL, false },
	[VERB_STATUS] = { "STATUS", "", SOCK_CONTROL, false },
	[VERB_RELOAD] = { "RELOAD", "", SOCK_CONTROL, false },
	[VERB_SHUTDOWN] = { "SHUTDOWN", "[MESSAGE]", SOCK_CONTROL, false },
	[VERB_PING] = { "PING", "[TOKEN]", BOTH, false },
	[VERB_QUIT] = { "QUIT", "[REASON]", BOTH, false },
	[VERB_WAITING] = { "WAITING", "", SOCK_USER, false },
	[VERB_AWAY] = { "AWAY", "[REASON]", SOCK_USER, false },
	[VERB_IGNORE] = { "IGNORE", "[NAME|LOGIN]", SOCK_USER, true },
	[VERB_UNIGNORE] = { "UNIGNORE", "NAME|LOGIN", SOCK_USER, true },
	[VERB_MESG] = { "MESG", "[y|n]", SOCK_USER, true },
	[VERB_PROTO] = { "PROTO", "2", SOCK_USER, true },
	[VERB_ENTER] = { "ENTER", "#ROOM [LAST-SEQ]", SOCK_USER, true },
	[VERB_PART] = { "PART", "#ROOM [REASON]", SOCK_USER, true },
	[VERB_TOPIC] = { "TOPIC", "#ROOM [TEXT]", SOCK_USER, true },
	[VERB_ROOMS] = { "ROOMS", "", BOTH, false },
	[VERB_NOTICE_ROOM] = { "NOTICE-ROOM", "#ROOM TEXT", SOCK_CONTROL, true },
	[VERB_PART_KICK] = { "PART-KICK", "#ROOM NAME [REASON]", SOCK_CONTROL, true },
};

const char *verb_name(enum verb v)
{
	return (unsigned)v < VERB_COUNT ? verbs[v].name : verbs[VERB_UNKNOWN].name;
}

bool verb_on(enum verb v, enum verb_socket sock)
{
	return (unsigned)v < VERB_COUNT && (verbs[v].sockets & (unsigned)sock);
}

const char *verb_args(enum verb v)
{
	return (unsigned)v < VERB_COUNT ? verbs[v].args : "";
}

size_t verb_list(enum verb_socket sock, char *out, size_t cap)
{
	size_t len = 0, total = 0, k = 0;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	for (unsigned v = 1; v < VERB_COUNT; v++)
		total += verb_on((enum verb)v, sock);
	for (unsigned v = 1; v < VERB_COUNT && len < cap; v++) {
		if (!verb_on((enum verb)v, sock))
			continue;
		const char *sep = k == 0 ? "" : k + 1 == total ? " and " : ", ";
		int n = snprintf(out + len, cap - len, "%s%s", sep, verbs[v].name);
		len = n < 0 ? cap : len + (size_t)n;
		k++;
	}
	return len < cap ? len : cap - 1;
}

enum verb proto_parse_command(const char *line, size_t len, struct command *cmd)
{
	const char *p = line, *e = line + len;

	memset(cmd, 0, sizeof(*cmd));
	cmd->verb_text = proto_next_word(&p, e, &cmd->verb_len);
	for (unsigned v = 1; v < VERB_COUNT; v++) {
		if (strlen(verbs[v].name) == cmd->verb_len &&
		    strncasecmp(verbs[v].name, cmd->verb_text, cmd->verb_len) == 0) {
			cmd->verb = (enum verb)v;
			break;
		}
	}
	if (verbs[cmd->verb].word_arg && p < e)
		cmd->arg = proto_next_word(&p, e, &cmd->arg_len);
	if (p < e) {
		cmd->text = p;
		cmd->text_len = (size_t)(e - p);
	}
	return cmd->verb;
}
