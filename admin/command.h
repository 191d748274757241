/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* command.h - lchat-admin's verbs, one table of them (command.c): what
 * each is called, its arguments and help, the control command it sends
 * and how its result is printed. From that table, turn the command line
 * (VERB ARGS...) into the one control-socket command it stands for.
 * Pure: no I/O, unit-tested. */
#ifndef LCHAT_ADMIN_COMMAND_H
#define LCHAT_ADMIN_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "verbs.h"

struct reply;

enum admin_verb {
	AV_NONE = 0,
	AV_NOTICE, AV_WHO, AV_KICK, AV_MUTE, AV_UNMUTE, AV_BAN, AV_UNBAN,
	AV_BANS, AV_STATUS, AV_RELOAD, AV_SHUTDOWN, AV_PING, AV_ROOMS,
	AV_COUNT
};

/* Where a verb takes a duration (after its first word). */
enum duration_arg {
	DUR_NONE = 0,
	DUR_OPTIONAL,        /* optional, but a word there must be one */
	DUR_OR_REASON,       /* optional: a word that is none starts the reason */
};

/* One verb, all that lchat-admin knows about it. */
struct admin_verb_info {
	const char *name;        /* as typed: "mute" */
	const char *args;        /* for usage errors: "NAME|LOGIN|#UID [DURATION]" */
	const char *help_args;   /* in --help, if not args */
	const char *help;        /* its line in --help, or NULL */
	enum verb sends;         /* the control verb the command starts with */
	int min, max;            /* how many words it takes (max -1: any) */
	const char *word;        /* the first word must be one word: what it is
	                          * ("name"), for errors; NULL: no such rule */
	enum duration_arg duration;
	bool stdin_lines;        /* with no words: one command a line of stdin */
	const char *on_error;    /* what an ERR reply means, or NULL */
	/* Print the result of a reply that ended in OK or PONG (report.h). */
	int (*report)(const struct reply *r, bool json);
};

/* The verb named by word (lower case, as typed), or AV_NONE. */
enum admin_verb admin_verb_lookup(const char *word);
/* The table's row for v; NULL for AV_NONE or out of range. */
const struct admin_verb_info *admin_verb_info(enum admin_verb v);
/* The lines of --help on the verbs, one a verb. */
void admin_verbs_help(FILE *f);

/* Build the protocol line (without "\n") for verb and its arguments
 * (argv[0..argc-1], the words after the verb) into out. Durations are
 * converted to seconds (0 for no end). Returns 0, or -1 with a message
 * in err for a usage error. `notice` with no words is a usage error here:
 * reading notices from stdin is the caller's business. */
int admin_build_command(enum admin_verb verb, int argc, char *const argv[], char *out,
			size_t outcap, char *err, size_t errlen);

/* notice --wall [--group GROUP]: the NOTICE line made by
 * admin_build_command() as the WALL line that also writes it to the
 * terminals ("WALL GROUP TEXT", GROUP "*" for all; group NULL: all).
 * 0, or -1 with a message in err (a group that is not one word). */
int admin_wall_command(const char *notice_line, const char *group, char *out, size_t outcap,
		       char *err, size_t errlen);

/* --room ROOM (with or without its '#'): the command line made by
 * admin_build_command() for notice, who or kick as the one for that room
 * only: NOTICE-ROOM #room TEXT, WHO #room, PART-KICK #room NAME [REASON].
 * 0, or -1 with a message in err. */
int admin_room_command(const char *line, const char *room, char *out, size_t outcap,
		       char *err, size_t errlen);

#endif
