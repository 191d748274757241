/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* command.c - lchat-admin's table of verbs, and argv to control-socket
 * command (see command.h). Arguments may not smuggle in a line end (which
 * would be a second command), and one-word arguments (names, logins) may
 * not contain spaces.
 *
 * A new verb is a row here (and its AV_ name in command.h), with a report
 * function in report.c if it prints more than the others do. */
#include "command.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cut.h"
#include "duration.h"
#include "report.h"

/* The ones that take NAME, LOGIN or #UID. */
#define TARGET "NAME|LOGIN|#UID"
#define LOGIN_TARGET "LOGIN|#UID"

/* In the order of --help. */
static const struct admin_verb_info verbs[AV_COUNT] = {
	[AV_NOTICE] = {
		"notice", "TEXT...", "[TEXT...]", "post a notice (no TEXT: one per line of stdin)",
		VERB_NOTICE, 1, -1, NULL, DUR_NONE, true, NULL, report_notice,
	},
	[AV_WHO] = {
		"who", "", NULL, "who is in the room",
		VERB_WHO, 0, 0, NULL, DUR_NONE, false, NULL, report_who,
	},
	[AV_KICK] = {
		"kick", "NAME [REASON...]", NULL, "close a member's connection",
		VERB_KICK, 1, -1, "name", DUR_NONE, false, NULL, report_kick,
	},
	[AV_MUTE] = {
		"mute", TARGET " [DURATION]", NULL, "stop a user speaking (default: forever)",
		VERB_MUTE, 1, 2, "target", DUR_OPTIONAL, false, NULL, report_mute,
	},
	[AV_UNMUTE] = {
		"unmute", TARGET, NULL, NULL,
		VERB_UNMUTE, 1, 1, "target", DUR_NONE, false, NULL, report_unmute,
	},
	[AV_BAN] = {
		"ban", LOGIN_TARGET " [DURATION] [REASON...]", NULL,
		"keep a user out (default: forever)",
		VERB_BAN, 1, -1, "target", DUR_OR_REASON, false, NULL, report_ban,
	},
	[AV_UNBAN] = {
		"unban", LOGIN_TARGET, NULL, NULL,
		VERB_UNBAN, 1, 1, "target", DUR_NONE, false, NULL, report_unban,
	},
	[AV_BANS] = {
		"bans", "", NULL, "bans and mutes in force",
		VERB_BANS, 0, 0, NULL, DUR_NONE, false, NULL, report_bans,
	},
	[AV_STATUS] = {
		"status", "", NULL, "the daemon's state",
		VERB_STATUS, 0, 0, NULL, DUR_NONE, false, NULL, report_status,
	},
	[AV_RELOAD] = {
		"reload", "", NULL, "re-read the configuration (as SIGHUP does)",
		VERB_RELOAD, 0, 0, NULL, DUR_NONE, false,
		"the configuration was not reloaded; the old one stays in force", report_reload,
	},
	[AV_SHUTDOWN] = {
		"shutdown", "[MESSAGE...]", NULL, "tell the room, then stop lchatd",
		VERB_SHUTDOWN, 0, -1, NULL, DUR_NONE, false, NULL, report_shutdown,
	},
	[AV_PING] = {
		"ping", "[TOKEN]", "", "is lchatd answering?",
		VERB_PING, 0, 1, "token", DUR_NONE, false, NULL, report_ping,
	},
	[AV_ROOMS] = {
		"rooms", "", NULL, "the rooms, their members, group and topic",
		VERB_ROOMS, 0, 0, NULL, DUR_NONE, false, NULL, report_rooms,
	},
};

const struct admin_verb_info *admin_verb_info(enum admin_verb v)
{
	return v > AV_NONE && v < AV_COUNT ? &verbs[v] : NULL;
}

enum admin_verb admin_verb_lookup(const char *word)
{
	for (unsigned v = AV_NONE + 1; v < AV_COUNT; v++)
		if (strcmp(verbs[v].name, word) == 0)
			return (enum admin_verb)v;
	return AV_NONE;
}

/* "name args" into buf: how the verb is typed. */
static const char *synopsis(const char *name, const char *args, char *buf, size_t len)
{
	text_printf(buf, len, "%s%s%s", name, args[0] ? " " : "", args);
	return buf;
}

void admin_verbs_help(FILE *f)
{
	for (unsigned v = AV_NONE + 1; v < AV_COUNT; v++) {
		const struct admin_verb_info *i = &verbs[v];
		char syn[128];
		synopsis(i->name, i->help_args ? i->help_args : i->args, syn, sizeof(syn));
		if (i->help)
			fprintf(f, "  %-26s  %s\n", syn, i->help);
		else
			fprintf(f, "  %s\n", syn);
	}
}

__attribute__((format(printf, 3, 4)))
static int usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Appends to a fixed buffer; remembers overflow. */
struct out {
	char *p;
	size_t cap, len;
	bool over;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n >= o->cap) {
		o->over = true;
		return;
	}
	memcpy(o->p + o->len, s, n + 1);
	o->len += n;
}

/* Append " " and words argv[from..argc-1] joined by spaces. */
static void put_words(struct out *o, int from, int argc, char *const argv[])
{
	for (int i = from; i < argc; i++) {
		put(o, " ");
		put(o, argv[i]);
	}
}

static bool has_line_end(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* A NAME, LOGIN or #UID: one non-empty word. */
static int check_word(const char *what, const char *s, char *err, size_t errlen)
{
	if (!s[0])
		return usage_err(err, errlen, "the %s is empty", what);
	if (strpbrk(s, " \t\r\n"))
		return usage_err(err, errlen, "a %s is one word: '%s'", what, s);
	return 0;
}

int admin_wall_command(const char *notice_line, const char *group, char *outbuf, size_t outcap,
		       char *err, size_t errlen)
{
	const char *notice = verb_name(VERB_NOTICE);
	size_t n = strlen(notice);
	struct out o = { outbuf, outcap, 0, outcap == 0 };

	if (outcap)
		outbuf[0] = '\0';
	if (strncmp(notice_line, notice, n) != 0 || notice_line[n] != ' ')
		return usage_err(err, errlen, "--wall is for notice");
	if (group && check_word("group", group, err, errlen) < 0)
		return -1;
	if (group && strcmp(group, "*") == 0)
		return usage_err(err, errlen, "no such group '*'");
	put(&o, verb_name(VERB_WALL));
	put(&o, " ");
	put(&o, group ? group : "*");
	put(&o, notice_line + n);
	if (o.over)
		return usage_err(err, errlen, "the command is too long");
	return 0;
}

/* The command is the control verb, then: the one-word argument, if the
 * verb has one; the duration in seconds, if it takes one; the other words
 * as they are. */
int admin_build_command(enum admin_verb verb, int argc, char *const argv[], char *outbuf,
			size_t outcap, char *err, size_t errlen)
{
	const struct admin_verb_info *v = admin_verb_info(verb);
	struct out o = { outbuf, outcap, 0, outcap == 0 };
	char syn[128], num[32];
	int next = 0;

	if (outcap)
		outbuf[0] = '\0';
	if (!v)
		return usage_err(err, errlen, "unknown command");
	/* The duration (the word after the first), before the count of words:
	 * "mute bob 2 hours" is a bad duration, not one word too many. A word
	 * that is not written as a duration is an error (mute), or starts the
	 * reason of a ban that has no end; one written as a duration but
	 * malformed is an error for both (duration.h). */
	int64_t secs = 0;
	bool has_secs = false;
	int at = v->word ? 1 : 0;
	if (v->duration != DUR_NONE && at < argc) {
		const char *w = argv[at], *x = at + 1 < argc ? argv[at + 1] : NULL;
		enum duration_status st = duration_read(w, strlen(w), x, x ? strlen(x) : 0, &secs);
		if (st == DURATION_OK)
			has_secs = true;
		else if (st != DURATION_NONE || v->duration == DUR_OPTIONAL) {
			duration_error(st, w, strlen(w), x, x ? strlen(x) : 0, err, errlen);
			return -1;
		}
	}
	if (argc < v->min || (v->max >= 0 && argc > v->max))
		return usage_err(err, errlen, "usage: lchat-admin %s",
				 synopsis(v->name, v->args, syn, sizeof(syn)));
	for (int i = 0; i < argc; i++)
		if (has_line_end(argv[i]))
			return usage_err(err, errlen, "an argument may not contain a line end");
	put(&o, verb_name(v->sends));
	if (v->word && argc > 0) {
		if (check_word(v->word, argv[0], err, errlen) < 0)
			return -1;
		put_words(&o, 0, 1, argv);
		next = 1;
	}
	if (v->duration != DUR_NONE) {
		next += has_secs;
		text_printf(num, sizeof(num), " %" PRId64, secs);
		put(&o, num);
	}
	put_words(&o, next, argc, argv);
	if (o.over)
		return usage_err(err, errlen, "the command is too long");
	return 0;
}

int admin_room_command(const char *line, const char *room, char *outbuf, size_t outcap,
		       char *err, size_t errlen)
{
	static const struct { enum verb from, to; } map[] = {
		{ VERB_NOTICE, VERB_NOTICE_ROOM }, { VERB_WHO, VERB_WHO }, { VERB_KICK, VERB_PART_KICK },
	};
	struct out o = { outbuf, outcap, 0, outcap == 0 };

	if (outcap)
		outbuf[0] = '\0';
	if (room[0] == '#')
		room++;
	if (check_word("room", room, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *w = verb_name(map[i].from);
		size_t n = strlen(w);
		if (strncmp(line, w, n) != 0 || (line[n] != ' ' && line[n] != '\0'))
			continue;
		put(&o, verb_name(map[i].to));
		put(&o, " #");
		put(&o, room);
		put(&o, line + n);
		if (o.over)
			return usage_err(err, errlen, "the command is too long");
		return 0;
	}
	return usage_err(err, errlen, "--room is an option of notice, who and kick");
}
