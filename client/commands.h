/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* commands.h - what a line typed by the user (or read in the scripting
 * mode) means: a message, or one of the /commands. Pure parsing. */
#ifndef LCHAT_CLIENT_COMMANDS_H
#define LCHAT_CLIENT_COMMANDS_H

#include <stddef.h>

enum input_kind {
	IN_EMPTY = 0,   /* nothing (or only spaces): ignored */
	IN_SAY,         /* text (also "//text", which says "/text") */
	IN_ME,          /* /me TEXT */
	IN_MSG,         /* /msg NAME TEXT */
	IN_WHO,         /* /who (also /names) */
	IN_NICK,        /* /nick NAME */
	IN_QUIT,        /* /quit [REASON] (also /exit) */
	IN_HELP,        /* /help */
	IN_SET,         /* /set [NAME [VALUE]] (arg: NAME, text: VALUE) */
	IN_AWAY,        /* /away [REASON] (text), /back (no text) */
	IN_IGNORE,      /* /ignore [NAME] (arg, or none: the list) */
	IN_UNIGNORE,    /* /unignore NAME (arg) */
	IN_MESG,        /* /mesg [y|n] (arg, or none: which) */
	IN_JOIN,        /* /join #ROOM (arg): enter it and type into it */
	IN_PART,        /* /part [#ROOM] [REASON] (arg or none: the room typed into; text) */
	IN_ROOMS,       /* /rooms: the rooms of the server */
	IN_TOPIC,       /* /topic [TEXT]: the topic of the room typed into, or set it */
	IN_SWITCH,      /* /switch #ROOM (arg): type into that room */
	IN_UNKNOWN,     /* an unknown /command: nothing is sent */
	IN_USAGE,       /* a known command used wrongly: usage says how */
};

struct input {
	enum input_kind kind;
	const char *arg;        /* IN_MSG, IN_NICK, IN_IGNORE, IN_UNIGNORE: the name;
	                         * IN_JOIN, IN_PART, IN_SWITCH: the room;
	                         * IN_MESG: y or n; IN_SET: the setting;
	                         * IN_UNKNOWN: the command */
	size_t arg_len;
	const char *text;       /* the text to send, the reason, or NULL */
	size_t text_len;
	const char *usage;      /* IN_USAGE: the right form */
};

/* Parse one line (without its "\n"). Pointers refer into line. */
enum input_kind input_parse(const char *line, size_t len, struct input *in);

/* The /help text, one command per line. */
extern const char *const input_help[];
/* The commands by their main names ("/me", ...; no aliases), as Tab
 * completes them; NULL-terminated. */
extern const char *const input_commands[];
/* Those of rooms, offered too when the server has rooms. */
extern const char *const input_room_commands[];

#endif
