/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* status.h - the status row of the interactive client: one row directly
 * above the input line, as irssi and WeeChat users expect, with the time,
 * the name, the room and who is in it (or that the connection is down
 * and when the next try is), the lag to the server, and the lines
 * waiting to be sent:
 *
 *   [05:44] [alice] [#lchat: 12 people] [lag 2.1 s] [3 waiting]
 *
 * This file is pure: what the row shows comes in a struct status_info
 * (times are arguments, so the unit tests, check_client_status.c, choose
 * them), and the text comes out exactly `width` columns wide. term.c
 * draws it; session.c measures the lag. */
#ifndef LCHAT_CLIENT_STATUS_H
#define LCHAT_CLIENT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "buffer.h"

/* The lag is shown from this much on (as irssi's lag_min_show): below
 * it, the connection is as good as local. */
#define STATUS_LAG_SHOWN_MS 1000

/* The connection, as the row says it. */
enum status_link {
	STATUS_JOINED = 0,  /* in the room: the member count */
	STATUS_JOINING,     /* connected, JOIN sent */
	STATUS_NAME,        /* the name was refused: asking for another */
	STATUS_OFFLINE,     /* no connection (maybe a try is due: retry_ms) */
	STATUS_LEAVING,     /* QUIT sent */
};

struct status_info {
	int64_t now_ms;        /* the wall clock: the time shown (local, TZ) */
	const char *name;      /* our name; NULL or "": not shown */
	const char *room;      /* the room, without '#' (status_room_name) */
	enum status_link link;
	long members;          /* STATUS_JOINED: people in the room, -1: not known */
	int64_t retry_ms;      /* STATUS_OFFLINE: ms until the next try, -1: none */
	int64_t lag_ms;        /* the last lag measured, -1: none yet */
	int64_t ping_wait_ms;  /* how long an unanswered lag PING has waited, -1: none */
	unsigned waiting;      /* lines waiting to be sent */
};

/* The room's name for the row, from the socket's path: its last part
 * without ".sock" ("/run/lchat/lchat.sock" is "lchat"), sanitized, at
 * most cap - 1 bytes (never a split character); "lchat" if that leaves
 * nothing. There is one room per socket today; when the server names its
 * rooms, the name comes from there instead. */
void status_room_name(const char *sock_path, char *out, size_t cap);

/* The lag to show (ms), or -1 if none is: the last measured, or the time
 * an unanswered PING has waited (in whole seconds) if that is more, when
 * it is at least STATUS_LAG_SHOWN_MS and the room is joined. */
int64_t status_lag(const struct status_info *in);

/* "lag 2.1 s" (one decimal below 10 s), "lag 12 s". */
void status_lag_text(int64_t ms, char *out, size_t cap);

/* Append the row to out: exactly width columns (as wrap_cp_width()
 * counts them), padded with spaces, always starting with "[" (no row of
 * lchat starts at column 0 with anything a message could forge). When
 * the fields do not all fit, the time goes first, then the lag, the name
 * and the waiting lines; the room's field is cut at the edge last. No
 * escape sequences: term.c adds the reverse video. width < 1: nothing.
 * Returns 0, or -1 when out of memory. */
int status_format(struct buffer *out, const struct status_info *in, int width);

/* Milliseconds until the row would change by itself (the clock's minute,
 * the countdown to the next try, the lag of an unanswered PING growing
 * by a second): when to draw it again. Always between 1 and 60000. */
int status_next_change(const struct status_info *in);

#endif
