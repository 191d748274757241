/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* commands.c - parsing of the user's lines into messages and /commands. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "commands.h"

const char *const input_help[] = {
	"TEXT               say TEXT to the room",
	"/me ACTION         an action: * you ACTION",
	"/msg NAME TEXT     a private message to NAME only",
	"/who               who is in the room, and idle how long",
	"/nick NAME         change your name in the room",
	"/away [REASON]     say you are away (in /who, and to who writes to you);",
	"                   /away alone: back (saying anything is too)",
	"/back              back: the same as /away alone",
	"/ignore [NAME]     hear nothing more from NAME's user, whatever the name;",
	"                   /ignore alone lists whom you ignore (notices still come)",
	"/unignore NAME     hear NAME's user again",
	"/mesg [y|n]        take private messages (y) or only administrators' (n)",
	"/join #ROOM        enter a room and type into it (servers with rooms)",
	"/part [#ROOM] [REASON]  leave a room (default: the one you type into)",
	"/switch #ROOM      type into another room you are in (also Ctrl-X n: the next)",
	"/rooms             the server's rooms: people, whether you are in, topic",
	"/topic [TEXT]      the topic of the room you type into; with TEXT, set it",
	"/quit [REASON]     leave, once the lines waiting to be sent went (also Ctrl-D)",
	"/set bell WHEN     ring the bell for all, mentions (the default) or none",
	"/help              this list",
	"//TEXT             say /TEXT (a line that starts with a slash)",
	"Ctrl-C             clear the line; on an empty line: drop the lines waiting",
	"                   to be sent ([you +N]), or leave if none wait",
	"paste              one message per line, as text (/ is no command there);",
	"                   more than a few lines ask first: Enter sends, Esc cancels",
	"long message       too long for the server: offered as several, cut at spaces",
	NULL,
};

const char *const input_commands[] = {
	"/away", "/back", "/help", "/ignore", "/me", "/mesg", "/msg", "/nick", "/quit",
	"/unignore", "/who", NULL,
};

const char *const input_room_commands[] = {
	"/join", "/part", "/rooms", "/switch", "/topic", NULL,
};

/* Skip spaces from s up to e. */
static const char *skip_sp(const char *s, const char *e)
{
	while (s < e && *s == ' ')
		s++;
	return s;
}

static const char *word_end(const char *s, const char *e)
{
	while (s < e && *s != ' ')
		s++;
	return s;
}

static bool is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(w, name, n) == 0;
}

/* Set in->text to the rest from p, or NULL if only spaces are left. */
static void rest(struct input *in, const char *p, const char *e)
{
	p = skip_sp(p, e);
	if (p < e) {
		in->text = p;
		in->text_len = (size_t)(e - p);
	}
}

enum input_kind input_parse(const char *line, size_t len, struct input *in)
{
	const char *e = line + len, *p, *w, *we;

	memset(in, 0, sizeof(*in));
	if (skip_sp(line, e) == e)
		return in->kind = IN_EMPTY;
	if (line[0] != '/' || (len > 1 && line[1] == '/')) {
		in->text = line[0] == '/' ? line + 1 : line;
		in->text_len = (size_t)(e - in->text);
		return in->kind = IN_SAY;
	}
	w = line + 1;
	we = word_end(w, e);
	p = we;
	in->arg = w;
	in->arg_len = (size_t)(we - w);
	if (is(w, in->arg_len, "me")) {
		in->arg = NULL;
		in->arg_len = 0;
		rest(in, p, e);
		if (!in->text) {
			in->usage = "/me ACTION";
			return in->kind = IN_USAGE;
		}
		return in->kind = IN_ME;
	}
	if (is(w, in->arg_len, "msg") || is(w, in->arg_len, "query")) {
		const char *n = skip_sp(p, e), *ne = word_end(n, e);

		in->arg = n;
		in->arg_len = (size_t)(ne - n);
		rest(in, ne, e);
		if (in->arg_len == 0 || !in->text) {
			in->usage = "/msg NAME TEXT";
			return in->kind = IN_USAGE;
		}
		return in->kind = IN_MSG;
	}
	if (is(w, in->arg_len, "who") || is(w, in->arg_len, "names"))
		return in->kind = IN_WHO;
	if (is(w, in->arg_len, "nick")) {
		const char *n = skip_sp(p, e), *ne = word_end(n, e);

		in->arg = n;
		in->arg_len = (size_t)(ne - n);
		if (in->arg_len == 0 || skip_sp(ne, e) != e) {
			in->usage = "/nick NAME";
			return in->kind = IN_USAGE;
		}
		return in->kind = IN_NICK;
	}
	if (is(w, in->arg_len, "away") || is(w, in->arg_len, "back")) {
		bool back = is(w, in->arg_len, "back");

		in->arg = NULL;
		in->arg_len = 0;
		if (!back)
			rest(in, p, e);
		if (back && skip_sp(p, e) != e) {
			in->usage = "/back";
			return in->kind = IN_USAGE;
		}
		return in->kind = IN_AWAY;
	}
	if (is(w, in->arg_len, "ignore") || is(w, in->arg_len, "unignore") ||
	    is(w, in->arg_len, "mesg")) {
		enum input_kind k = is(w, in->arg_len, "ignore") ? IN_IGNORE :
				    is(w, in->arg_len, "mesg") ? IN_MESG : IN_UNIGNORE;
		const char *n = skip_sp(p, e), *ne = word_end(n, e);

		in->arg = n < e ? n : NULL;
		in->arg_len = (size_t)(ne - n);
		bool bad = skip_sp(ne, e) != e || (k == IN_UNIGNORE && in->arg_len == 0) ||
			   (k == IN_MESG && in->arg_len > 0 && !is(n, in->arg_len, "y") &&
			    !is(n, in->arg_len, "n"));
		if (bad) {
			in->usage = k == IN_IGNORE ? "/ignore [NAME]" :
				    k == IN_MESG ? "/mesg [y|n]" : "/unignore NAME";
			return in->kind = IN_USAGE;
		}
		if (in->arg_len == 0)
			in->arg = NULL;
		return in->kind = k;
	}
	if (is(w, in->arg_len, "join") || is(w, in->arg_len, "switch") ||
	    is(w, in->arg_len, "part")) {
		enum input_kind k = is(w, in->arg_len, "join") ? IN_JOIN :
				    is(w, in->arg_len, "part") ? IN_PART : IN_SWITCH;
		const char *n = skip_sp(p, e), *ne = word_end(n, e);

		in->arg = n;
		in->arg_len = (size_t)(ne - n);
		if (k == IN_PART && (in->arg_len == 0 || n[0] != '#')) {
			/* "/part" or "/part REASON": the room typed into */
			in->arg = NULL;
			in->arg_len = 0;
			rest(in, p, e);
			return in->kind = k;
		}
		if (k == IN_PART) {
			rest(in, ne, e);
			return in->kind = k;
		}
		if (in->arg_len == 0 || skip_sp(ne, e) != e) {
			in->usage = k == IN_JOIN ? "/join #ROOM" : "/switch #ROOM";
			return in->kind = IN_USAGE;
		}
		return in->kind = k;
	}
	if (is(w, in->arg_len, "rooms")) {
		if (skip_sp(p, e) != e) {
			in->usage = "/rooms";
			return in->kind = IN_USAGE;
		}
		return in->kind = IN_ROOMS;
	}
	if (is(w, in->arg_len, "topic")) {
		in->arg = NULL;
		in->arg_len = 0;
		rest(in, p, e);
		return in->kind = IN_TOPIC;
	}
	if (is(w, in->arg_len, "quit") || is(w, in->arg_len, "exit")) {
		rest(in, p, e);
		return in->kind = IN_QUIT;
	}
	if (is(w, in->arg_len, "help"))
		return in->kind = IN_HELP;
	if (is(w, in->arg_len, "set")) {
		const char *n = skip_sp(p, e), *ne = word_end(n, e);

		in->arg = n;
		in->arg_len = (size_t)(ne - n);
		rest(in, ne, e);
		return in->kind = IN_SET;
	}
	return in->kind = IN_UNKNOWN;
}
