/* command.c - argv to control-socket command (see command.h). Arguments
 * may not smuggle in a line end (which would be a second command), and
 * one-word arguments (names, logins) may not contain spaces. */
#include "command.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

static const struct {
	const char *name;
	enum admin_verb verb;
} verbs[] = {
	{ "notice", AV_NOTICE }, { "who", AV_WHO }, { "kick", AV_KICK },
	{ "mute", AV_MUTE }, { "unmute", AV_UNMUTE }, { "ban", AV_BAN },
	{ "unban", AV_UNBAN }, { "bans", AV_BANS }, { "status", AV_STATUS },
	{ "reload", AV_RELOAD }, { "shutdown", AV_SHUTDOWN }, { "ping", AV_PING },
};

enum admin_verb admin_verb_lookup(const char *word)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, word) == 0)
			return verbs[i].verb;
	return AV_NONE;
}

__attribute__((format(printf, 3, 4)))
static int usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
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

/* Expected argument counts per verb: min, max (-1: any). */
static int check_count(enum admin_verb v, int argc, char *err, size_t errlen)
{
	static const struct { enum admin_verb v; int min, max; const char *usage; } n[] = {
		{ AV_NOTICE, 1, -1, "notice TEXT..." },
		{ AV_WHO, 0, 0, "who" },
		{ AV_KICK, 1, -1, "kick NAME [REASON...]" },
		{ AV_MUTE, 1, 2, "mute NAME|LOGIN|#UID [DURATION]" },
		{ AV_UNMUTE, 1, 1, "unmute NAME|LOGIN|#UID" },
		{ AV_BAN, 1, -1, "ban LOGIN|#UID [DURATION] [REASON...]" },
		{ AV_UNBAN, 1, 1, "unban LOGIN|#UID" },
		{ AV_BANS, 0, 0, "bans" },
		{ AV_STATUS, 0, 0, "status" },
		{ AV_RELOAD, 0, 0, "reload" },
		{ AV_SHUTDOWN, 0, -1, "shutdown [MESSAGE...]" },
		{ AV_PING, 0, 1, "ping [TOKEN]" },
	};
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		if (n[i].v == v) {
			if (argc < n[i].min || (n[i].max >= 0 && argc > n[i].max))
				return usage_err(err, errlen, "usage: lchat-admin %s", n[i].usage);
			return 0;
		}
	return usage_err(err, errlen, "unknown command");
}

int admin_build_command(enum admin_verb verb, int argc, char *const argv[], char *outbuf,
			size_t outcap, char *err, size_t errlen)
{
	struct out o = { outbuf, outcap, 0, outcap == 0 };
	int64_t secs = 0;
	char num[32];

	if (outcap)
		outbuf[0] = '\0';
	if (check_count(verb, argc, err, errlen) < 0)
		return -1;
	for (int i = 0; i < argc; i++)
		if (has_line_end(argv[i]))
			return usage_err(err, errlen, "an argument may not contain a line end");
	switch (verb) {
	case AV_NOTICE:
		put(&o, "NOTICE");
		put_words(&o, 0, argc, argv);
		break;
	case AV_WHO: put(&o, "WHO"); break;
	case AV_BANS: put(&o, "BANS"); break;
	case AV_STATUS: put(&o, "STATUS"); break;
	case AV_RELOAD: put(&o, "RELOAD"); break;
	case AV_SHUTDOWN:
		put(&o, "SHUTDOWN");
		put_words(&o, 0, argc, argv);
		break;
	case AV_PING:
		put(&o, "PING");
		if (argc && check_word("token", argv[0], err, errlen) < 0)
			return -1;
		put_words(&o, 0, argc, argv);
		break;
	case AV_KICK:
		if (check_word("name", argv[0], err, errlen) < 0)
			return -1;
		put(&o, "KICK");
		put_words(&o, 0, argc, argv);
		break;
	case AV_UNMUTE:
	case AV_UNBAN:
		if (check_word("target", argv[0], err, errlen) < 0)
			return -1;
		put(&o, verb == AV_UNMUTE ? "UNMUTE " : "UNBAN ");
		put(&o, argv[0]);
		break;
	case AV_MUTE:
		if (check_word("target", argv[0], err, errlen) < 0)
			return -1;
		if (argc == 2 && !duration_parse(argv[1], &secs))
			return usage_err(err, errlen,
					 "bad duration '%s' (examples: 90s, 10m, 1h30m, 2d, forever)",
					 argv[1]);
		snprintf(num, sizeof(num), " %" PRId64, secs);
		put(&o, "MUTE ");
		put(&o, argv[0]);
		put(&o, num);
		break;
	case AV_BAN: {
		/* The second word is the duration if it reads as one; otherwise
		 * it starts the reason and the ban has no end. */
		int reason = 1;
		if (check_word("target", argv[0], err, errlen) < 0)
			return -1;
		if (argc >= 2 && duration_parse(argv[1], &secs))
			reason = 2;
		snprintf(num, sizeof(num), " %" PRId64, secs);
		put(&o, "BAN ");
		put(&o, argv[0]);
		put(&o, num);
		put_words(&o, reason, argc, argv);
		break;
	}
	case AV_NONE:
		return usage_err(err, errlen, "unknown command");
	}
	if (o.over)
		return usage_err(err, errlen, "the command is too long");
	return 0;
}
