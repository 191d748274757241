/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* status.c - the status row's text (see status.h): fields in brackets,
 * dropped by importance when the row is narrow, cut and padded to the
 * exact width. Pure: no I/O, no clock of its own. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "sanitize.h"
#include "status.h"
#include "cut.h"
#include "wrap.h"

void status_room_name(const char *sock_path, char *out, size_t cap)
{
	const char *base = sock_path ? strrchr(sock_path, '/') : NULL;
	size_t n;

	if (cap == 0)
		return;
	base = base ? base + 1 : sock_path ? sock_path : "";
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".sock") == 0)
		n -= 5;
	text_sanitize(base, n, out, cap);
	if (!out[0])
		text_printf(out, cap, "lchat");
}

int64_t status_lag(const struct status_info *in)
{
	int64_t lag = in->lag_ms;

	if (in->link != STATUS_JOINED)
		return -1;
	if (in->ping_wait_ms >= 0 && in->ping_wait_ms / 1000 * 1000 > lag)
		lag = in->ping_wait_ms / 1000 * 1000;
	return lag >= STATUS_LAG_SHOWN_MS ? lag : -1;
}

void status_lag_text(int64_t ms, char *out, size_t cap)
{
	if (ms < 0)
		ms = 0;
	if (ms < 10000)
		text_printf(out, cap, "lag %d.%d s", (int)(ms / 1000), (int)(ms % 1000 / 100));
	else
		text_printf(out, cap, "lag %" PRId64 " s", ms / 1000);
}

/* The fields, in the order they are shown. */
enum { F_CLOCK, F_NAME, F_ROOM, F_LAG, F_WAITING, F_COUNT };

/* Which go first when the row is too narrow (the room's never). */
static const int drop_order[] = { F_CLOCK, F_LAG, F_NAME, F_WAITING };

/* "[#lchat: 12 people]" and the other states of the room's field. */
static void room_field(const struct status_info *in, const char *room, char *out, size_t cap)
{
	char what[64] = "";

	switch (in->link) {
	case STATUS_JOINED:
		if (in->members >= 0)
			text_printf(what, sizeof(what), ": %ld %s", in->members,
				 in->members == 1 ? "person" : "people");
		break;
	case STATUS_JOINING:
		text_printf(what, sizeof(what), ": joining");
		break;
	case STATUS_NAME:
		text_printf(what, sizeof(what), ": choose a name");
		break;
	case STATUS_OFFLINE:
		if (in->retry_ms < 0) {
			text_printf(what, sizeof(what), ": offline");
		} else {
			int64_t secs = (in->retry_ms + 999) / 1000;

			if (secs > 0)
				text_printf(what, sizeof(what), ": offline, reconnecting in %" PRId64 " s",
					 secs);
			else
				text_printf(what, sizeof(what), ": offline, reconnecting");
		}
		break;
	case STATUS_LEAVING:
		text_printf(what, sizeof(what), ": leaving");
		break;
	}
	text_printf(out, cap, "[#%s%s]", room, what);
}

/* Append s to out, cut at *left columns (never inside a character);
 * *left goes down by what was appended. */
static int append_cut(struct buffer *out, const char *s, int *left)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		int w;

		if (len == 0) {
			len = 1;
			cp = 0xFFFD;
		}
		w = wrap_cp_width(cp);
		if (w > *left)
			break;
		if (buffer_append(out, s + i, len) < 0)
			return -1;
		*left -= w;
		i += len;
	}
	return 0;
}

int status_format(struct buffer *out, const struct status_info *in, int width)
{
	char name[512], room[512], f[F_COUNT][640];
	int cols[F_COUNT], total = 0, shown = 0, left = width;
	bool on[F_COUNT] = { false };
	int64_t lag = status_lag(in);

	if (width < 1)
		return 0;
	for (int i = 0; i < F_COUNT; i++)
		f[i][0] = '\0';   /* a field not shown is measured too */
	text_sanitize(in->name ? in->name : "", in->name ? strlen(in->name) : 0, name,
		      sizeof(name));
	text_sanitize(in->room ? in->room : "", in->room ? strlen(in->room) : 0, room,
		      sizeof(room));
	if (!room[0])
		text_printf(room, sizeof(room), "lchat");

	format_clock(in->now_ms, f[F_CLOCK], sizeof(f[F_CLOCK]));
	f[F_CLOCK][strcspn(f[F_CLOCK], " ")] = '\0';	/* "[05:44]" */
	on[F_CLOCK] = true;
	text_printf(f[F_NAME], sizeof(f[F_NAME]), "[%s]", name);
	on[F_NAME] = name[0] != '\0';
	room_field(in, room, f[F_ROOM], sizeof(f[F_ROOM]));
	on[F_ROOM] = true;
	if (lag >= 0) {
		char t[32];

		status_lag_text(lag, t, sizeof(t));
		text_printf(f[F_LAG], sizeof(f[F_LAG]), "[%s]", t);
		on[F_LAG] = true;
	}
	text_printf(f[F_WAITING], sizeof(f[F_WAITING]), "[%u waiting]", in->waiting);
	on[F_WAITING] = in->waiting > 0;

	for (int i = 0; i < F_COUNT; i++) {
		cols[i] = wrap_columns(f[i]);
		if (on[i]) {
			total += cols[i] + (shown ? 1 : 0);
			shown++;
		}
	}
	for (size_t d = 0; total > width && d < sizeof(drop_order) / sizeof(drop_order[0]); d++) {
		int i = drop_order[d];

		if (on[i]) {
			on[i] = false;
			total -= cols[i] + 1;
		}
	}
	shown = 0;
	for (int i = 0; i < F_COUNT && left > 0; i++) {
		if (!on[i])
			continue;
		if (shown++ && append_cut(out, " ", &left) < 0)
			return -1;
		if (append_cut(out, f[i], &left) < 0)
			return -1;
	}
	while (left-- > 0)
		if (buffer_append(out, " ", 1) < 0)
			return -1;
	return 0;
}

int status_next_change(const struct status_info *in)
{
	int64_t next = 60000 - ((in->now_ms % 60000) + 60000) % 60000;

	if (in->link == STATUS_OFFLINE && in->retry_ms > 0) {
		int64_t secs = (in->retry_ms + 999) / 1000;
		int64_t t = in->retry_ms - (secs - 1) * 1000;

		if (t < next)
			next = t;
	}
	if (in->link == STATUS_JOINED && in->ping_wait_ms >= 0) {
		int64_t t = 1000 - in->ping_wait_ms % 1000;

		if (t < next)
			next = t;
	}
	if (next < 1)
		next = 1;
	return (int)next;
}
