/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* report.c - print each verb's result (see report.h). Everything that
 * came from the daemon is sanitized (safe.c) before it is printed. */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cut.h"
#include "duration.h"
#include "exitcodes.h"
#include "json.h"
#include "reply.h"
#include "safe.h"

static int bad_reply(const char *what, const char *line)
{
	fprintf(stderr, "lchat-admin: unexpected %s from the daemon: \"", what);
	safe_print(stderr, line, strlen(line));
	fprintf(stderr, "\"\n");
	return ADM_FAIL;
}

/* The OK line's words after "OK VERB", split at spaces into at most n
 * fields; the last field keeps the rest of the line. Returns how many. */
static int ok_fields(const struct reply *r, struct field *f, int n)
{
	const char *p = r->sl.rest, *e = r->sl.rest + r->sl.rest_len;
	int k = 0;

	while (p < e && k < n) {
		const char *sp = k == n - 1 ? NULL : memchr(p, ' ', (size_t)(e - p));
		f[k].s = p;
		f[k].n = (size_t)((sp ? sp : e) - p);
		k++;
		p = sp ? sp + 1 : e;
	}
	return k;
}

static void put_safe(const struct field *f)
{
	safe_print(stdout, f->s, f->n);
}

static void put_json(const struct field *f)
{
	char *t = safe_dup(f->s, f->n);

	if (t) {
		json_string(stdout, t, strlen(t));
		free(t);
	} else {
		fputs("null", stdout);
	}
}

/* A duration for people; 0 seconds is "0s", not "forever". */
static void fmt_secs(int64_t s, char *buf, size_t len)
{
	if (s <= 0)
		text_printf(buf, len, "0s");
	else
		duration_format(s, buf, len);
}

/* A duration for people from a field holding seconds or "forever"
 * (reply.h); 0 seconds has no end too. Returns whether it has none. */
static bool fmt_secs_field(const struct field *f, char *buf, size_t len)
{
	bool forever = false;
	int64_t s = 0;

	if (!parse_time_left(*f, &forever, &s)) {
		text_printf(buf, len, "?");
		return false;
	}
	if (forever)
		s = 0;
	duration_format(s, buf, len);     /* 0: "forever" */
	return s <= 0;
}

/* Zeroed room for a row per line of r (one at least: no lines is no
 * failure); NULL, with a message, if out of memory. */
static void *alloc_rows(const struct reply *r, size_t size)
{
	void *rows = calloc(r->n ? r->n : 1, size);

	if (!rows)
		fprintf(stderr, "lchat-admin: out of memory\n");
	return rows;
}

/* ---- who -------------------------------------------------------------- */

static int width(const struct field *f, int w)
{
	return (int)f->n > w ? (int)f->n : w;
}

/* f sanitized, then spaces up to the width w. */
static void put_padded(const struct field *f, int w)
{
	put_safe(f);
	printf("%*s", (int)f->n < w ? w - (int)f->n : 0, "");
}

/* A member's mute as the table shows it: -, forever, or the time left. */
static void fmt_muted(const struct who_row *w, char *buf, size_t len)
{
	if (!w->muted)
		text_printf(buf, len, "-");
	else if (w->muted_forever)
		text_printf(buf, len, "forever");
	else
		fmt_secs(w->muted_s, buf, len);
}

/* The rooms of a WHO line as a JSON array of names ("#cs101"). */
static void put_json_rooms(struct field list)
{
	struct field room;
	bool first = true;

	printf("[");
	while (who_rooms_next(&list, &room)) {
		printf("%s", first ? "" : ", ");
		put_json(&room);
		first = false;
	}
	printf("]");
}

int report_who(const struct reply *r, bool json)
{
	struct who_row *rows = alloc_rows(r, sizeof(*rows));
	int wname = 4, wlogin = 5, wmuted = 5;
	bool rooms = false;   /* the server says the members' rooms */

	if (!rows)
		return ADM_FAIL;
	for (size_t i = 0; i < r->n; i++) {
		if (!parse_who_line(r->lines[i], strlen(r->lines[i]), &rows[i])) {
			free(rows);
			return bad_reply("WHO line", r->lines[i]);
		}
		wname = width(&rows[i].name, wname);
		wlogin = width(&rows[i].login, wlogin);
		char muted[32];
		fmt_muted(&rows[i], muted, sizeof(muted));
		if ((int)strlen(muted) > wmuted)
			wmuted = (int)strlen(muted);
		rooms = rooms || rows[i].has_rooms;
	}
	if (json) {
		printf("[");
		for (size_t i = 0; i < r->n; i++) {
			struct who_row *w = &rows[i];
			printf("%s\n  {\"name\": ", i ? "," : "");
			put_json(&w->name);
			printf(", \"login\": ");
			put_json(&w->login);
			printf(", \"uid\": %" PRIu64 ", \"idle_seconds\": %" PRId64
			       ", \"joined_ms\": %" PRId64 ", \"connected_ms\": %" PRId64
			       ", \"muted\": ", w->uid, w->idle_s, w->joined_ms, w->connected_ms);
			if (!w->muted)
				printf("null");
			else if (w->muted_forever)
				printf("\"forever\"");
			else
				printf("%" PRId64, w->muted_s);
			printf(", \"away\": ");
			if (w->away.n)
				put_json(&w->away);
			else
				printf("null");
			if (w->has_rooms) {
				printf(", \"rooms\": ");
				put_json_rooms(w->rooms);
			}
			printf("}");
		}
		printf("%s]\n", r->n ? "\n" : "");
	} else if (r->n == 0) {
		printf("nobody is in the room\n");
	} else {
		printf("%-*s  %-*s  %10s  %8s  %-16s  ", wname, "NAME", wlogin, "LOGIN", "UID",
		       "IDLE", "CONNECTED");
		if (rooms)
			printf("%-*s  ROOMS\n", wmuted, "MUTED");
		else
			printf("MUTED\n");
		for (size_t i = 0; i < r->n; i++) {
			struct who_row *w = &rows[i];
			char idle[32], since[32], muted[32];
			time_t t = (time_t)(w->connected_ms / 1000);
			struct tm tm;
			fmt_secs(w->idle_s, idle, sizeof(idle));
			if (!localtime_r(&t, &tm) || !strftime(since, sizeof(since), "%Y-%m-%d %H:%M", &tm))
				text_printf(since, sizeof(since), "?");
			fmt_muted(w, muted, sizeof(muted));
			/* Names and logins are plain words; sanitized all the same. */
			put_padded(&w->name, wname);
			printf("  ");
			put_padded(&w->login, wlogin);
			printf("  %10" PRIu64 "  %8s  %-16s  ", w->uid, idle, since);
			if (rooms) {
				printf("%-*s  ", wmuted, muted);
				put_safe(w->has_rooms ? &w->rooms : &(struct field){ "-", 1 });
			} else {
				printf("%s", muted);
			}
			if (w->away.n) {
				printf("  away: ");
				put_safe(&w->away);
			}
			printf("\n");
		}
	}
	free(rows);
	return ADM_OK;
}

/* ---- bans -------------------------------------------------------------- */

int report_bans(const struct reply *r, bool json)
{
	struct sanction_row *rows = alloc_rows(r, sizeof(*rows));
	int wlogin = 5;

	if (!rows)
		return ADM_FAIL;
	for (size_t i = 0; i < r->n; i++) {
		if (!parse_sanction_line(r->lines[i], strlen(r->lines[i]), &rows[i])) {
			free(rows);
			return bad_reply("SANCTION line", r->lines[i]);
		}
		wlogin = width(&rows[i].login, wlogin);
	}
	if (json) {
		printf("[");
		for (size_t i = 0; i < r->n; i++) {
			struct sanction_row *s = &rows[i];
			printf("%s\n  {\"kind\": ", i ? "," : "");
			put_json(&s->kind);
			printf(", \"login\": ");
			put_json(&s->login);
			printf(", \"uid\": %" PRIu64 ", \"seconds_left\": ", s->uid);
			if (s->forever)
				printf("\"forever\"");
			else
				printf("%" PRId64, s->left_s);
			printf(", \"reason\": ");
			if (s->reason.n)
				put_json(&s->reason);
			else
				printf("null");
			printf("}");
		}
		printf("%s]\n", r->n ? "\n" : "");
	} else if (r->n == 0) {
		printf("no bans or mutes in force\n");
	} else {
		printf("%-4s  %-*s  %10s  %-8s  %s\n", "KIND", wlogin, "LOGIN", "UID", "LEFT", "REASON");
		for (size_t i = 0; i < r->n; i++) {
			struct sanction_row *s = &rows[i];
			char left[32];
			if (s->forever)
				text_printf(left, sizeof(left), "forever");
			else
				fmt_secs(s->left_s, left, sizeof(left));
			put_padded(&s->kind, 4);
			printf("  ");
			put_padded(&s->login, wlogin);
			printf("  %10" PRIu64 "  ", s->uid);
			if (s->reason.n) {
				printf("%-8s  ", left);
				put_safe(&s->reason);
				printf("\n");
			} else {
				printf("%s\n", left);
			}
		}
	}
	free(rows);
	return ADM_OK;
}

/* ---- status ------------------------------------------------------------ */

/* The keys this program knows get their label and unit from the table in
 * reply.c; others are shown as they come. */
static void status_human(const struct field *key, const struct field *val)
{
	enum status_key k;
	enum status_unit unit = UNIT_TEXT;
	uint64_t n;

	if (status_key_find(*key, &k)) {
		unit = status_key_unit(k);
		printf("%-15s ", status_key_label(k));
	} else {
		put_padded(key, 15);
		printf(" ");
	}
	if (unit == UNIT_SECONDS && proto_parse_u64(val->s, val->n, &n) && n <= INT64_MAX) {
		char buf[32];
		fmt_secs((int64_t)n, buf, sizeof(buf));
		printf("%s\n", buf);
	} else if (unit == UNIT_KIB && proto_parse_u64(val->s, val->n, &n)) {
		printf("%" PRIu64 " KiB\n", n);
	} else {
		put_safe(val);
		printf("\n");
	}
}

int report_status(const struct reply *r, bool json)
{
	if (json)
		printf("{");
	for (size_t i = 0; i < r->n; i++) {
		struct field key, val;
		if (!parse_status_line(r->lines[i], strlen(r->lines[i]), &key, &val))
			return bad_reply("STATUS line", r->lines[i]);
		if (!json) {
			status_human(&key, &val);
			continue;
		}
		char *k = safe_dup(key.s, key.n);
		printf("%s\n  ", i ? "," : "");
		if (k)
			json_key(stdout, k, strlen(k));
		free(k);
		printf(": ");
		if (json_is_integer(val.s, val.n))
			printf("%.*s", (int)val.n, val.s);
		else
			put_json(&val);
	}
	if (json)
		printf("%s}\n", r->n ? "\n" : "");
	return ADM_OK;
}

/* ---- reload --------------------------------------------------------------- */

/* A list from OK RELOAD ("-" for none, else names separated by commas). */
static void list_human(const struct field *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->s[i] == ',')
			printf(", ");
		else
			safe_print(stdout, f->s + i, 1);
	}
}

static void list_json(const struct field *f)
{
	printf("[");
	if (!field_is_none(*f)) {
		const char *p = f->s, *e = f->s + f->n;
		bool first = true;
		while (p < e) {
			const char *comma = memchr(p, ',', (size_t)(e - p));
			struct field item = { p, (size_t)((comma ? comma : e) - p) };
			if (item.n) {
				printf("%s", first ? "" : ", ");
				put_json(&item);
				first = false;
			}
			p = comma ? comma + 1 : e;
		}
	}
	printf("]");
}

int report_reload(const struct reply *r, bool json)
{
	struct field changed, restart;

	if (!parse_reload_reply(r->sl.rest, r->sl.rest_len, &changed, &restart))
		return bad_reply("reply", r->last);
	if (json) {
		printf("{\"changed\": ");
		list_json(&changed);
		printf(", \"restart_needed\": ");
		list_json(&restart);
		printf("}\n");
		return ADM_OK;
	}
	printf("configuration reloaded; changed: ");
	if (field_is_none(changed))
		printf("nothing");
	else
		list_human(&changed);
	printf("\n");
	if (!field_is_none(restart)) {
		printf("restart lchatd for these to take effect: ");
		list_human(&restart);
		printf("\n");
	}
	return ADM_OK;
}

/* ---- one-line results ------------------------------------------------------- */

/* Print the n words after "OK VERB" (the last keeps the rest of the line),
 * sanitized, between the n + 1 texts of `around`. */
static int print_fields(const struct reply *r, int n, const char *const around[])
{
	struct field f[4];

	if (n > 4 || ok_fields(r, f, n) < n)
		return bad_reply("reply", r->last);
	for (int i = 0; i < n; i++) {
		fputs(around[i], stdout);
		put_safe(&f[i]);
	}
	fputs(around[n], stdout);
	return ADM_OK;
}

/* "OK NOTICE seq", or with the terminals (notice --wall, or notice_wall):
 * "OK WALL|NOTICE seq written mesg-n in-chat timed-out failed". */
int report_notice(const struct reply *r, bool json)
{
	static const char *const keys[] = { "seq", "written", "mesg_n", "in_chat", "timed_out",
					     "failed" };
	struct field f[7];
	int n = ok_fields(r, f, 7);

	if (n == 1)    /* the room only: the same line with --json, as before */
		return print_fields(r, 1, (const char *const[]){ "notice posted (seq ", ")\n" });
	if (n != 1 && n != 6)
		return bad_reply("reply", r->last);
	for (int i = 0; i < n; i++)
		if (f[i].n == 0 || strspn(f[i].s, "0123456789") < f[i].n)
			return bad_reply("reply", r->last);
	if (json) {
		for (int i = 0; i < n; i++)
			printf("%s\"%s\": %.*s", i ? ", " : "{", keys[i], (int)f[i].n, f[i].s);
		printf("}\n");
		return ADM_OK;
	}
	printf("notice posted (seq %.*s); terminals written: %.*s; skipped: %.*s with mesg n, "
	       "%.*s of users in the chat; timed out: %.*s; failed: %.*s\n",
	       (int)f[0].n, f[0].s, (int)f[1].n, f[1].s, (int)f[2].n, f[2].s, (int)f[3].n, f[3].s,
	       (int)f[4].n, f[4].s, (int)f[5].n, f[5].s);
	return ADM_OK;
}

int report_kick(const struct reply *r, bool json)
{
	(void)json;
	return print_fields(r, 2, (const char *const[]){ "kicked ", " (seq ", ")\n" });
}

/* OK MUTE login uid seconds|forever, and for a ban sessions-closed. */
static int report_sanctioned(const struct reply *r, const char *done, bool ban)
{
	struct field f[4];
	char dur[32];
	int n = ban ? 4 : 3;

	if (ok_fields(r, f, n) < n)
		return bad_reply("reply", r->last);
	bool forever = fmt_secs_field(&f[2], dur, sizeof(dur));
	printf("%s ", done);
	put_safe(&f[0]);
	printf(" (uid ");
	put_safe(&f[1]);
	printf(") %s%s", forever ? "" : "for ", dur);
	if (ban) {
		printf("; sessions closed: ");
		put_safe(&f[3]);
	}
	printf("\n");
	return ADM_OK;
}

int report_mute(const struct reply *r, bool json)
{
	(void)json;
	return report_sanctioned(r, "muted", false);
}

int report_ban(const struct reply *r, bool json)
{
	(void)json;
	return report_sanctioned(r, "banned", true);
}

/* OK UNMUTE|UNBAN login uid */
int report_unmute(const struct reply *r, bool json)
{
	(void)json;
	return print_fields(r, 2, (const char *const[]){ "unmuted ", " (uid ", ")\n" });
}

int report_unban(const struct reply *r, bool json)
{
	(void)json;
	return print_fields(r, 2, (const char *const[]){ "unbanned ", " (uid ", ")\n" });
}

int report_shutdown(const struct reply *r, bool json)
{
	(void)r;
	(void)json;
	printf("lchatd is shutting down\n");
	return ADM_OK;
}

int report_ping(const struct reply *r, bool json)
{
	(void)json;
	if (r->sl.type != SL_PONG)
		return bad_reply("reply", r->last);
	printf("lchatd is alive\n");
	return ADM_OK;
}

/* ---- rooms ------------------------------------------------------------- */

/* "ROOM #room members kind group topic" */
struct room_row {
	struct field name, members, kind, group, topic;
};

static bool parse_room_line(const char *line, struct room_row *row)
{
	struct server_line sl;

	if (!proto_parse_server_line(line, strlen(line), &sl) || sl.type != SL_ROOM)
		return false;
	row->name = (struct field){ sl.word[0], sl.word_len[0] };
	const char *p = sl.rest, *e = sl.rest + sl.rest_len;
	struct field *f[] = { &row->members, &row->kind, &row->group };
	for (size_t i = 0; i < 3; i++) {
		if (p >= e)
			return false;
		f[i]->s = proto_next_word(&p, e, &f[i]->n);
	}
	row->topic = (struct field){ p, (size_t)(e - p) };
	return row->name.n > 1 && row->members.n > 0 &&
	       strspn(row->members.s, "0123456789") >= row->members.n;
}

int report_rooms(const struct reply *r, bool json)
{
	struct room_row *rows = alloc_rows(r, sizeof(*rows));
	int wname = 4, wgroup = 5;

	if (!rows)
		return ADM_FAIL;
	for (size_t i = 0; i < r->n; i++) {
		if (!parse_room_line(r->lines[i], &rows[i])) {
			free(rows);
			return bad_reply("ROOM line", r->lines[i]);
		}
		wname = width(&rows[i].name, wname);
		wgroup = width(&rows[i].group, wgroup);
	}
	if (json) {
		printf("[");
		for (size_t i = 0; i < r->n; i++) {
			struct room_row *w = &rows[i];
			printf("%s\n  {\"room\": ", i ? "," : "");
			put_json(&w->name);
			printf(", \"members\": %.*s, \"kind\": ", (int)w->members.n, w->members.s);
			put_json(&w->kind);
			printf(", \"group\": ");
			if (w->group.n == 1 && w->group.s[0] == '-')
				printf("null");
			else
				put_json(&w->group);
			printf(", \"topic\": ");
			put_json(&w->topic);
			printf("}");
		}
		printf("%s]\n", r->n ? "\n" : "");
	} else {
		printf("%-*s  %7s  %-6s  %-*s  %s\n", wname, "ROOM", "MEMBERS", "KIND", wgroup, "GROUP",
		       "TOPIC");
		for (size_t i = 0; i < r->n; i++) {
			struct room_row *w = &rows[i];
			put_padded(&w->name, wname);
			printf("  %7.*s  ", (int)w->members.n, w->members.s);
			put_padded(&w->kind, 6);
			printf("  ");
			put_padded(&w->group, wgroup);
			printf("  ");
			put_safe(&w->topic);
			printf("\n");
		}
	}
	free(rows);
	return ADM_OK;
}
