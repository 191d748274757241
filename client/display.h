/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* display.h - what the interactive display adds around the rendered lines
 * (render.h): a line at each change of the local day, the joins and
 * leaves of a replayed history folded into one summary line per run, the
 * unread marker after a replayed history, and which events ring the bell.
 *
 * The first part is pure: times are arguments, so the unit tests
 * (check_client_display.c) choose them. The display_* hooks at the end are
 * called by session.c and print through the session's interface. The
 * scripting mode's output never goes through any of it. */
#ifndef LCHAT_CLIENT_DISPLAY_H
#define LCHAT_CLIENT_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "protocol.h"

/* ---- bells ---- */

enum bell_mode {
	BELL_NONE = 0,    /* never */
	BELL_MENTIONS,    /* a mention of your name, a private message, a notice */
	BELL_ALL,         /* also every message and action of the others */
};

/* "none", "mentions", "all" (n bytes): true and *m set, or false. */
bool bell_mode_parse(const char *s, size_t n, enum bell_mode *m);
const char *bell_mode_name(enum bell_mode m);
/* Does a live event of kind k, rendered with flags (render.h), ring? */
bool bell_rings(enum bell_mode m, enum event_kind k, int flags);

/* ---- days ---- */

/* The local day of a time in ms since the epoch, as year * 10000 +
 * month * 100 + day; 0 if it cannot be known. */
int local_day(int64_t ms);
/* "Thursday 3 December 2026": the local day, in the locale's words. */
void format_day(int64_t ms, char *out, size_t cap);
/* Does a day line go before a line of time ms, the line before it being
 * of day prev_day (0: it is the first)? The first line gets one when it
 * is not of today (now). */
bool day_line_due(int prev_day, int64_t ms, int64_t now);

/* ---- joins and leaves in a replayed history ---- */

/* How many names a summary lists before "+N more". */
#define RUN_NAMES_SHOWN 3

/* A run of joins and leaves with no other event between them. */
struct jl_run {
	unsigned joins, leaves;
	char **names;           /* the names (sanitized), each once, in order */
	size_t nnames, cap;
	int64_t first_ms;       /* the time of the first */
	struct buffer first;    /* its rendered line: a run of one shows it */
};

/* Add a join (EV_JOIN) or leave of name (n bytes) at ms. -1: no memory. */
int jl_run_add(struct jl_run *r, enum event_kind k, const char *name, size_t n, int64_t ms);
static inline unsigned jl_run_len(const struct jl_run *r)
{
	return r->joins + r->leaves;
}
/* "12 joins and 9 leaves (alice, bob, carol, +5 more)". */
void jl_run_summary(const struct jl_run *r, char *out, size_t cap);
/* Empty the run (its memory is kept for the next). */
void jl_run_clear(struct jl_run *r);
void jl_run_free(struct jl_run *r);

/* ---- the session's display state and hooks ---- */

struct display {
	bool on;                /* the additions above (the terminal, not scripts) */
	enum bell_mode bell;
	int day;                /* local day of the last timed line shown, 0: none */
	bool unread;            /* the unread marker goes before the next event */
	struct jl_run run;      /* joins and leaves of the history, not yet shown */
	int64_t (*now)(void);   /* the wall clock in ms (now_ms; tests set their own) */
};

struct session;
struct server_line;
struct input;

void display_init(struct display *d);
void display_free(struct display *d);
/* Print a rendered line of time ms (a day line before it if due). b is
 * emptied. */
void display_line(struct session *s, struct buffer *b, int64_t ms, bool bell);
/* Render and print an event (history: from the replay after a JOIN). */
void display_event(struct session *s, const struct server_line *sl, bool history);
/* Show the pending run of joins and leaves (before any other line). */
void display_flush(struct session *s);
/* The replay after a JOIN is over (shown: how many events it had). */
void display_synced(struct session *s, unsigned shown);
/* The user is at the terminal (typed): nothing is unread. */
void display_seen(struct display *d);
/* The terminal lost the focus: the next event comes after the marker. */
void display_away(struct display *d);
/* /set [NAME [VALUE]]. */
void display_set(struct session *s, const struct input *in);

#endif
