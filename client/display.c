/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* display.c - day lines, folded joins and leaves, the unread marker and
 * the bell policy of the interactive display (see display.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "commands.h"
#include "display.h"
#include "cut.h"
#include "render.h"
#include "sanitize.h"
#include "session.h"
#include "util.h"

/* ---- bells ---- */

static const char *const bell_names[] = {
	[BELL_NONE] = "none",
	[BELL_MENTIONS] = "mentions",
	[BELL_ALL] = "all",
};

bool bell_mode_parse(const char *s, size_t n, enum bell_mode *m)
{
	for (size_t i = 0; i < sizeof(bell_names) / sizeof(bell_names[0]); i++)
		if (strlen(bell_names[i]) == n && strncasecmp(s, bell_names[i], n) == 0) {
			*m = (enum bell_mode)i;
			return true;
		}
	return false;
}

const char *bell_mode_name(enum bell_mode m)
{
	return (unsigned)m < sizeof(bell_names) / sizeof(bell_names[0]) ? bell_names[m] : "?";
}

bool bell_rings(enum bell_mode m, enum event_kind k, int flags)
{
	bool addressed = (flags & RENDER_MENTION) || k == EV_PRIV || k == EV_NOTICE;

	switch (m) {
	case BELL_ALL:
		return addressed || k == EV_MSG || k == EV_ACTION;
	case BELL_MENTIONS:
		return addressed;
	default:
		return false;
	}
}

/* ---- days ---- */

static bool local_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms / 1000);

	return localtime_r(&t, tm) != NULL;
}

int local_day(int64_t ms)
{
	struct tm tm;

	if (!local_tm(ms, &tm))
		return 0;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

void format_day(int64_t ms, char *out, size_t cap)
{
	struct tm tm;

	if (!local_tm(ms, &tm) || strftime(out, cap, "%A %-d %B %Y", &tm) == 0)
		text_printf(out, cap, "another day");
}

bool day_line_due(int prev_day, int64_t ms, int64_t now)
{
	int day = local_day(ms);

	if (day == 0)
		return false;
	return day != (prev_day ? prev_day : local_day(now));
}

/* ---- joins and leaves ---- */

int jl_run_add(struct jl_run *r, enum event_kind k, const char *name, size_t n, int64_t ms)
{
	char clean[NAME_MAX_LEN * 10 + 1];

	if (jl_run_len(r) == 0)
		r->first_ms = ms;
	if (k == EV_JOIN)
		r->joins++;
	else
		r->leaves++;
	text_sanitize(name, n > NAME_MAX_LEN ? NAME_MAX_LEN : n, clean, sizeof(clean));
	for (size_t i = 0; i < r->nnames; i++)
		if (strcasecmp(r->names[i], clean) == 0)
			return 0;
	if (r->nnames == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		char **p = realloc(r->names, cap * sizeof(*p));

		if (!p)
			return -1;
		r->names = p;
		r->cap = cap;
	}
	if (!(r->names[r->nnames] = strdup(clean)))
		return -1;
	r->nnames++;
	return 0;
}

void jl_run_summary(const struct jl_run *r, char *out, size_t cap)
{
	size_t len = 0;

/* Append to out, cut at cap. */
#define ADD(...) do { \
		len += text_printf(out + len, cap - len, __VA_ARGS__); \
	} while (0)

	if (cap == 0)
		return;
	out[0] = '\0';
	if (r->joins)
		ADD("%u join%s", r->joins, r->joins == 1 ? "" : "s");
	if (r->leaves)
		ADD("%s%u leave%s", r->joins ? " and " : "", r->leaves, r->leaves == 1 ? "" : "s");
	for (size_t i = 0; i < r->nnames && i < RUN_NAMES_SHOWN; i++)
		ADD("%s%s", i ? ", " : " (", r->names[i]);
	if (r->nnames > RUN_NAMES_SHOWN)
		ADD(", +%zu more", r->nnames - RUN_NAMES_SHOWN);
	if (r->nnames)
		ADD(")");
#undef ADD
}

void jl_run_clear(struct jl_run *r)
{
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	r->nnames = 0;
	r->joins = r->leaves = 0;
	r->first.off = r->first.len = 0;
}

void jl_run_free(struct jl_run *r)
{
	jl_run_clear(r);
	free(r->names);
	r->names = NULL;
	r->cap = 0;
	buffer_free(&r->first);
}

/* ---- the session's hooks ---- */

void display_init(struct display *d)
{
	memset(d, 0, sizeof(*d));
	d->bell = BELL_MENTIONS;
	d->now = now_ms;
}

void display_free(struct display *d)
{
	jl_run_free(&d->run);
}

/* Print b as it is and empty it. */
static void emit(struct session *s, struct buffer *b, bool bell)
{
	if (buffer_append(b, "", 1) == 0)
		s->ui.print(s->ui.ctx, b->data + b->off, bell);
	b->off = b->len = 0;
}

/* display_line() without showing the pending run first. */
static void show_line(struct session *s, struct buffer *b, int64_t ms, bool bell)
{
	struct display *d = &s->disp;

	if (d->on) {
		if (day_line_due(d->day, ms, d->now())) {
			struct buffer sep = { 0 };
			char day[128];

			format_day(ms, day, sizeof(day));
			if (render_separator(&sep, day, &s->ropts) == 0)
				emit(s, &sep, false);
			buffer_free(&sep);
		}
		if (local_day(ms))
			d->day = local_day(ms);
	}
	emit(s, b, bell);
}

void display_line(struct session *s, struct buffer *b, int64_t ms, bool bell)
{
	display_flush(s);
	show_line(s, b, ms, bell);
}

void display_flush(struct session *s)
{
	struct jl_run *r = &s->disp.run;
	struct buffer b = { 0 };

	if (jl_run_len(r) == 0)
		return;
	if (jl_run_len(r) == 1) {
		show_line(s, &r->first, r->first_ms, false);
	} else {
		struct render_opts o = s->ropts;
		char text[512];

		jl_run_summary(r, text, sizeof(text));
		o.history = !s->resuming;
		if (render_status(&b, r->first_ms, text, &o) == 0)
			show_line(s, &b, r->first_ms, false);
	}
	buffer_free(&b);
	jl_run_clear(r);
}

void display_event(struct session *s, const struct server_line *sl, bool history)
{
	struct display *d = &s->disp;
	struct render_opts o = s->ropts;
	struct buffer b = { 0 };
	int flags = 0;

	o.history = history && !s->resuming;
	if (d->on && history && (sl->kind == EV_JOIN || sl->kind == EV_LEAVE)) {
		struct jl_run *r = &d->run;
		bool first = jl_run_len(r) == 0;

		if (first)
			r->first.off = r->first.len = 0;
		if (!first || render_event(&r->first, sl, &o, &flags) == 0) {
			/* (out of memory: counted, not named) */
			(void)jl_run_add(r, sl->kind, sl->word[0], sl->word_len[0], sl->ms);
			return;
		}
	}
	display_flush(s);
	if (render_event(&b, sl, &o, &flags) == 0) {
		if (d->on && d->unread && !history) {
			struct buffer m = { 0 };

			d->unread = false;
			if (render_marker(&m, "unread", &s->ropts) == 0)
				emit(s, &m, false);
			buffer_free(&m);
		}
		show_line(s, &b, sl->ms, !history && bell_rings(d->bell, sl->kind, flags));
	}
	buffer_free(&b);
}

void display_synced(struct session *s, unsigned shown)
{
	display_flush(s);
	if (s->disp.on && shown)
		s->disp.unread = true;
}

void display_seen(struct display *d)
{
	d->unread = false;
}

void display_away(struct display *d)
{
	if (d->on)
		d->unread = true;
}

void display_set(struct session *s, const struct input *in)
{
	enum bell_mode m;

	if (in->arg_len == 0) {
		session_status(s, "bell %s", bell_mode_name(s->disp.bell));
		return;
	}
	if (in->arg_len != 4 || strncasecmp(in->arg, "bell", 4) != 0) {
		session_status(s, "unknown setting %.*s (there is: bell)", (int)in->arg_len,
			       in->arg);
		return;
	}
	if (!in->text) {
		session_status(s, "bell %s", bell_mode_name(s->disp.bell));
		return;
	}
	if (!bell_mode_parse(in->text, in->text_len, &m)) {
		session_status(s, "usage: /set bell all|mentions|none");
		return;
	}
	s->disp.bell = m;
	session_status(s, "bell %s", bell_mode_name(m));
}
