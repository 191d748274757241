/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* render.c - formatting of events, own messages and status lines for the
 * terminal and for the scripting mode (see render.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"
#include "cut.h"
#include "sanitize.h"

/* Twelve of the 16 standard colours, readable on dark and light
 * backgrounds (no black, white or greys), so they work on every colour
 * terminal, 256-colour ones included. */
static const char *const palette[NAME_PALETTE_SIZE] = {
	"31", "32", "33", "34", "35", "36",
	"91", "92", "93", "94", "95", "96",
};

#define SGR_RESET "\033[0m"
#define SGR_DIM "\033[2m"
#define SGR_NOTICE "\033[1;7m"     /* bold reverse video: the admin banner */
#define SGR_BOLD "\033[1m"
#define SGR_MENTION "\033[30;43m"  /* black on yellow */
#define SGR_PRIV "\033[1;35m"
#define SGR_STATUS "\033[36m"
#define SGR_MARKER "\033[1;33m"     /* bold yellow: the unread marker */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

unsigned name_colour_index(const char *name, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a over the lower-case key */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)lower(name[i]);
		h *= 16777619u;
	}
	return h % NAME_PALETTE_SIZE;
}

const char *name_colour_sgr(unsigned i)
{
	return palette[i % NAME_PALETTE_SIZE];
}

/* Characters that continue a name-like word (the name alphabet; a '.' only
 * when another such character follows, so "alice." ends the word). */
static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

bool text_mentions(const char *text, size_t n, const char *name)
{
	size_t k = name ? strlen(name) : 0;

	if (k == 0 || k > n)
		return false;
	for (size_t i = 0; i + k <= n; i++) {
		size_t j;

		if (i > 0 && (word_char(text[i - 1]) || text[i - 1] == '.'))
			continue;
		for (j = 0; j < k && lower(text[i + j]) == lower(name[j]); j++)
			;
		if (j < k)
			continue;
		if (i + k < n) {
			char c = text[i + k];

			if (word_char(c))
				continue;
			if (c == '.' && i + k + 1 < n && word_char(text[i + k + 1]))
				continue;
		}
		return true;
	}
	return false;
}

int append_clean(struct buffer *out, const char *s, size_t n)
{
	/* The longest escape is 10 bytes for one input byte or sequence. */
	size_t cap = n * 10 + 1;
	char *tmp = malloc(cap);
	int r;

	if (!tmp)
		return -1;
	r = buffer_append(out, tmp, text_sanitize(s, n, tmp, cap));
	free(tmp);
	return r;
}

static int put(struct buffer *out, const char *s)
{
	return buffer_append(out, s, strlen(s));
}

void format_clock(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(out, cap, "[%H:%M] ", &tm) == 0)
		text_printf(out, cap, "[--:--] ");
}

void format_iso(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		text_printf(out, cap, "1970-01-01T00:00:00Z");
}

void format_idle(uint64_t s, char *out, size_t cap)
{
	if (s < 60)
		text_printf(out, cap, "%us", (unsigned)s);
	else if (s < 3600)
		text_printf(out, cap, "%um", (unsigned)(s / 60));
	else if (s < 86400)
		text_printf(out, cap, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s % 3600 / 60));
	else
		text_printf(out, cap, "%llud%uh", (unsigned long long)(s / 86400),
			 (unsigned)(s % 86400 / 3600));
}

/* Colours other than the dimming: not on a dimmed (history) line. */
static bool vivid(const struct render_opts *o)
{
	return o->colour && !o->history;
}

/* before, a name in its colour (plain when colour is off or the line is
 * dimmed), after. */
static int put_name(struct buffer *out, const char *before, const char *name, size_t n,
		    const char *after, const struct render_opts *o)
{
	bool c = vivid(o);
	int r = put(out, before);

	if (c) {
		r |= put(out, "\033[");
		r |= put(out, name_colour_sgr(name_colour_index(name, n)));
		r |= put(out, "m");
	}
	r |= append_clean(out, name, n);
	if (c)
		r |= put(out, SGR_RESET);
	r |= put(out, after);
	return r ? -1 : 0;
}

static int put_text(struct buffer *out, const char *s, size_t n, bool mention,
		    const struct render_opts *o)
{
	int r = 0;
	bool c = mention && vivid(o);

	if (c)
		r |= put(out, SGR_MENTION);
	r |= append_clean(out, s, n);
	if (c)
		r |= put(out, SGR_RESET);
	return r ? -1 : 0;
}

static int begin(struct buffer *out, int64_t ms, const struct render_opts *o)
{
	char clock[32];

	format_clock(ms, clock, sizeof(clock));
	if (o->colour && o->history && put(out, SGR_DIM))
		return -1;
	if (put(out, clock))
		return -1;
	if (o->room && (append_clean(out, o->room, strlen(o->room)) || put(out, " ")))
		return -1;
	return 0;
}

static int end(struct buffer *out, const struct render_opts *o)
{
	if (o->colour && o->history)
		return put(out, SGR_RESET);
	return 0;
}

int render_event(struct buffer *out, const struct server_line *sl,
		 const struct render_opts *o, int *flags)
{
	const char *name = sl->word[0], *text = sl->rest;
	size_t nlen = sl->word_len[0], tlen = sl->rest_len;
	bool mention = false;
	int r = begin(out, sl->ms, o);

	/* A message kept while we were away: its own time, and marked. */
	if (sl->type == SL_WAITING)
		r |= put(out, "[waiting] ");
	*flags = 0;
	if ((sl->kind == EV_MSG || sl->kind == EV_ACTION || sl->kind == EV_PRIV) &&
	    text_mentions(text, tlen, o->self))
		mention = true;
	switch (sl->kind) {
	case EV_MSG:
		r |= put_name(out, "<", name, nlen, "> ", o);
		r |= put_text(out, text, tlen, mention, o);
		break;
	case EV_ACTION:
		r |= put_name(out, " * ", name, nlen, " ", o);
		r |= put_text(out, text, tlen, mention, o);
		break;
	case EV_PRIV:
		/* "*name*" never begins a room line ("<name>" or " * name"). */
		if (vivid(o))
			r |= put(out, SGR_PRIV);
		r |= put(out, "*");
		r |= append_clean(out, name, nlen);
		r |= put(out, "* (private)");
		if (vivid(o))
			r |= put(out, SGR_RESET);
		r |= put(out, " ");
		r |= put_text(out, text, tlen, mention, o);
		break;
	case EV_JOIN:
		r |= put_name(out, "--> ", name, nlen, " (", o);
		r |= append_clean(out, sl->word[1], sl->word_len[1]);
		r |= put(out, ") joined");
		break;
	case EV_LEAVE:
		r |= put_name(out, "<-- ", name, nlen, " left (", o);
		r |= append_clean(out, sl->word[2], sl->word_len[2]);
		if (tlen) {
			r |= put(out, ": ");
			r |= append_clean(out, text, tlen);
		}
		r |= put(out, ")");
		break;
	case EV_NICK:
		r |= put_name(out, "-!- ", name, nlen, " is now known as ", o);
		r |= put_name(out, "", sl->word[2], sl->word_len[2], "", o);
		break;
	case EV_NOTICE:
		/* A banner no user line can have: users' lines start with
		 * "<name>", " * name" or "*name*". */
		if (vivid(o)) {
			r |= put(out, SGR_NOTICE "-!- NOTICE" SGR_RESET " " SGR_BOLD);
			r |= append_clean(out, text, tlen);
			r |= put(out, SGR_RESET);
		} else {
			r |= put(out, "-!- NOTICE -!- ");
			r |= append_clean(out, text, tlen);
		}
		break;
	default:
		r |= put(out, "-?- ");
		r |= append_clean(out, text, tlen);
		break;
	}
	r |= end(out, o);
	if (mention && !o->history)
		*flags |= RENDER_MENTION;
	return r ? -1 : 0;
}

int render_own(struct buffer *out, int64_t ms, enum event_kind kind, const char *self,
	       const char *target, const char *text, const struct render_opts *o)
{
	size_t sl = strlen(self), tl = strlen(text);
	int r = begin(out, ms, o);

	switch (kind) {
	case EV_ACTION:
		r |= put_name(out, " * ", self, sl, " ", o);
		break;
	case EV_PRIV:
		if (o->colour)
			r |= put(out, SGR_PRIV);
		r |= put(out, "-> ");
		r |= append_clean(out, target, strlen(target));
		r |= put(out, ":");
		if (o->colour)
			r |= put(out, SGR_RESET);
		r |= put(out, " ");
		break;
	default:
		r |= put_name(out, "<", self, sl, "> ", o);
		break;
	}
	r |= append_clean(out, text, tl);
	r |= end(out, o);
	return r ? -1 : 0;
}

int render_status(struct buffer *out, int64_t ms, const char *text, const struct render_opts *o)
{
	int r = begin(out, ms, o);

	if (o->colour)
		r |= put(out, SGR_STATUS);
	r |= put(out, "-!- ");
	r |= append_clean(out, text, strlen(text));
	if (o->colour)
		r |= put(out, SGR_RESET);
	return r ? -1 : 0;
}

/* "-- TEXT --" in the colour sgr: the client's own lines between events. */
static int framed(struct buffer *out, const char *sgr, const char *text,
		  const struct render_opts *o)
{
	int r = 0;

	if (o->colour)
		r |= put(out, sgr);
	r |= put(out, "-- ");
	r |= append_clean(out, text, strlen(text));
	r |= put(out, " --");
	if (o->colour)
		r |= put(out, SGR_RESET);
	return r ? -1 : 0;
}

int render_separator(struct buffer *out, const char *text, const struct render_opts *o)
{
	return framed(out, SGR_DIM, text, o);
}

int render_marker(struct buffer *out, const char *text, const struct render_opts *o)
{
	return framed(out, SGR_MARKER, text, o);
}

static int put_iso(struct buffer *out, int64_t ms)
{
	char iso[40];

	format_iso(ms, iso, sizeof(iso));
	return put(out, iso);
}

int render_script_event(struct buffer *out, const struct server_line *sl)
{
	return render_script_room_event(out, sl, NULL);
}

int render_script_room_event(struct buffer *out, const struct server_line *sl, const char *room)
{
	int r = put_iso(out, sl->ms);

	if (room) {
		r |= put(out, " ");
		r |= append_clean(out, room, strlen(room));
	}

	r |= put(out, sl->type == SL_WAITING ? " WAITING-" : " ");
	r |= put(out, event_kind_name(sl->kind));
	for (int i = 0; i < 3; i++) {
		if (!sl->word[i])
			continue;
		r |= put(out, " ");
		r |= append_clean(out, sl->word[i], sl->word_len[i]);
	}
	if (sl->rest_len) {
		r |= put(out, " ");
		r |= append_clean(out, sl->rest, sl->rest_len);
	}
	return r ? -1 : 0;
}

int render_script_own(struct buffer *out, int64_t ms, enum event_kind kind,
		      const char *self, const char *target, const char *text)
{
	int r = put_iso(out, ms);

	if (kind == EV_PRIV) {
		r |= put(out, " PRIV-SENT ");
		r |= append_clean(out, target, strlen(target));
	} else {
		r |= put(out, kind == EV_ACTION ? " ACTION " : " MSG ");
		r |= append_clean(out, self, strlen(self));
	}
	r |= put(out, " ");
	r |= append_clean(out, text, strlen(text));
	return r ? -1 : 0;
}
