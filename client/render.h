/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* render.h - how the client shows things: pure functions that turn server
 * lines into the text a person reads (timestamps, name colours, mention
 * highlighting, history dimming) or into the plain line format of the
 * scripting mode. Every string that came from the server is passed through
 * text_sanitize() here, so nothing the server sends reaches the terminal
 * raw. Nothing in this file does I/O. */
#ifndef LCHAT_CLIENT_RENDER_H
#define LCHAT_CLIENT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "protocol.h"

#define NAME_PALETTE_SIZE 12

struct render_opts {
	bool colour;          /* SGR escapes allowed */
	bool history;         /* the event is from before our join: dim it */
	const char *self;     /* our own name, for mentions (may be NULL) */
	const char *room;     /* an event of another room than the one typed
	                       * into: its name, after the time ("#cs101 <bob> hi");
	                       * NULL for the room typed into */
};

/* Flags render_event() returns. */
#define RENDER_MENTION 1  /* the line mentions us: ring the bell */

/* Index into the palette of a name's colour: a hash of its lower-case key,
 * so "Alice" and "alice" get the same colour everywhere. */
unsigned name_colour_index(const char *name, size_t n);
/* The SGR parameter of palette entry i ("31", "92", ...). */
const char *name_colour_sgr(unsigned i);

/* Does text mention name as a whole word, case-insensitively? */
bool text_mentions(const char *text, size_t n, const char *name);

/* Append a sanitized copy of s[0..n) to out. -1 if out of memory. */
int append_clean(struct buffer *out, const char *s, size_t n);

/* "[HH:MM] " in local time for a wall-clock time in ms. */
void format_clock(int64_t ms, char *out, size_t cap);
/* "2026-11-21T21:05:00Z" for a wall-clock time in ms. */
void format_iso(int64_t ms, char *out, size_t cap);
/* "42s", "5m", "1h05m", "3d2h": an idle time for people. */
void format_idle(uint64_t secs, char *out, size_t cap);

/* The line a person sees for an event (no "\n"). */
int render_event(struct buffer *out, const struct server_line *sl,
		 const struct render_opts *o, int *flags);
/* Our own message, shown when the server acknowledged it. kind is EV_MSG,
 * EV_ACTION or EV_PRIV (then target is the recipient). */
int render_own(struct buffer *out, int64_t ms, enum event_kind kind, const char *self,
	       const char *target, const char *text, const struct render_opts *o);
/* A status line of the client itself: "[HH:MM] -!- text" (text is
 * sanitized too: it may quote the server). */
int render_status(struct buffer *out, int64_t ms, const char *text, const struct render_opts *o);
/* A separator such as "-- end of history --". */
int render_separator(struct buffer *out, const char *text, const struct render_opts *o);
/* A marker that stands out, such as "-- unread --" (bold yellow), shaped
 * like the other separators ("-- end of history --"). */
int render_marker(struct buffer *out, const char *text, const struct render_opts *o);

/* The scripting mode's line for an event: "ISO-TIME KIND fields...";
 * "ISO-TIME #room KIND fields..." for one of another room than the one
 * written into (room not NULL). */
int render_script_event(struct buffer *out, const struct server_line *sl);
int render_script_room_event(struct buffer *out, const struct server_line *sl, const char *room);
/* The same for our own acknowledged message: "ISO-TIME MSG self text",
 * "ISO-TIME ACTION self text" or "ISO-TIME PRIV-SENT target text". */
int render_script_own(struct buffer *out, int64_t ms, enum event_kind kind,
		      const char *self, const char *target, const char *text);

#endif
