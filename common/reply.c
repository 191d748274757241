/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* reply.c - the control socket's longer reply lines, formatted and split
 * into fields (see reply.h). Each of their words is written here once. */
#include "reply.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buffer.h"
#include "cut.h"
#include "words.h"

/* Nothing: a member who may speak, an empty list of options. */
static const char none_word[] = "-";
/* A mute or ban with no end. */
static const char forever_word[] = "forever";
static const char rooms_word[] = "rooms";
/* The two lists of OK RELOAD. */
static const char changed_key[] = "changed";
static const char restart_key[] = "restart-needed";

static const struct {
	const char *word, *label;
	enum status_unit unit;
} status_keys[STATUS_KEY_COUNT] = {
	[STATUS_VERSION] = { "version", "version", UNIT_TEXT },
	[STATUS_PID] = { "pid", "daemon pid", UNIT_TEXT },
	[STATUS_SUPERVISOR_PID] = { "supervisor-pid", "supervisor pid", UNIT_TEXT },
	[STATUS_UPTIME] = { "uptime", "up", UNIT_SECONDS },
	[STATUS_DAEMON_UPTIME] = { "daemon-uptime", "daemon up", UNIT_SECONDS },
	[STATUS_RESTARTS] = { "restarts", "restarts", UNIT_TEXT },
	[STATUS_USERS] = { "users", "users", UNIT_TEXT },
	[STATUS_CONNECTIONS] = { "connections", "connections", UNIT_TEXT },
	[STATUS_MAX_USERS] = { "max-users", "max users", UNIT_TEXT },
	[STATUS_MESSAGES] = { "messages", "messages", UNIT_TEXT },
	[STATUS_LAST_SEQ] = { "last-seq", "last seq", UNIT_TEXT },
	[STATUS_MEMORY_KIB] = { "memory-kib", "memory", UNIT_KIB },
	[STATUS_BANS] = { "bans", "bans", UNIT_TEXT },
	[STATUS_MUTES] = { "mutes", "mutes", UNIT_TEXT },
	[STATUS_RELOADS] = { "reloads", "reloads", UNIT_TEXT },
	[STATUS_CONFIG] = { "config", "config", UNIT_TEXT },
};

/* The next space-separated word of [*p, e) (words.h), as a field. An
 * empty word (two spaces) is returned as such. */
static struct field next_field(const char **p, const char *e)
{
	struct field f;

	f.s = proto_next_word(p, e, &f.n);
	return f;
}

bool field_is(struct field f, const char *s)
{
	return proto_word_is(f.s, f.n, s);
}

bool field_is_none(struct field f)
{
	return f.n == 0 || field_is(f, none_word);
}

static bool field_u64(struct field f, uint64_t *v)
{
	return proto_parse_u64(f.s, f.n, v);
}

static bool field_i64(struct field f, int64_t *v)
{
	return proto_parse_i64(f.s, f.n, v);
}

/* Split exactly n words (no rest) from the line, after checking that its
 * first word is line type t's. */
static bool split(const char *line, size_t len, enum server_line_type t, struct field *w, int n,
		  struct field *rest)
{
	const char *p = line, *e = line + len;

	if (!field_is(next_field(&p, e), server_line_word(t)))
		return false;
	for (int i = 0; i < n; i++) {
		if (p >= e)
			return false;
		w[i] = next_field(&p, e);
		if (w[i].n == 0)
			return false;
	}
	if (rest) {
		rest->s = p;
		rest->n = (size_t)(e - p);
	} else if (p < e) {
		return false;
	}
	return true;
}

/* ---- time left ---------------------------------------------------------- */

const char *reply_time_left(int64_t s, char *buf, size_t len)
{
	if (s == REPLY_FOREVER)
		text_printf(buf, len, "%s", forever_word);
	else
		text_printf(buf, len, "%" PRId64, s);
	return buf;
}

bool parse_time_left(struct field f, bool *forever, int64_t *s)
{
	*forever = field_is(f, forever_word);
	return *forever || field_i64(f, s);
}

/* ---- WHO ------------------------------------------------------------------ */

int line_who_admin(struct buffer *out, const char *name, const char *login, uint64_t uid,
		   int64_t idle_s, int64_t joined_ms, int64_t connected_ms, int64_t muted_s,
		   const char *rooms, const char *away)
{
	char muted[24];
	bool is_away = away && away[0];

	if (muted_s == 0)
		text_printf(muted, sizeof(muted), "%s", none_word);
	else
		reply_time_left(muted_s, muted, sizeof(muted));
	return buffer_printf_line(out, "%s %s %s %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64
				  " %s%s%s%s%s%s%s",
				  server_line_word(SL_WHO), name, login, uid, idle_s, joined_ms,
				  connected_ms, muted, rooms ? " " : "", rooms ? rooms_word : "",
				  rooms ? " " : "", rooms ? (rooms[0] ? rooms : none_word) : "",
				  is_away ? " away " : "", is_away ? away : "");
}

bool parse_who_line(const char *line, size_t len, struct who_row *w)
{
	struct field f[7], rest;

	memset(w, 0, sizeof(*w));
	if (!split(line, len, SL_WHO, f, 7, &rest))
		return false;
	const char *p = rest.s, *e = rest.s + rest.n;
	if (rest.n > 0 && field_is(next_field(&p, e), rooms_word)) {
		w->rooms = next_field(&p, e);
		if (w->rooms.n == 0)
			return false;
		w->has_rooms = true;
		rest = (struct field){ p, (size_t)(e - p) };
	}
	if (rest.n > 0) {
		const char *reason;
		size_t n;
		/* who_line_away() wants the words after muted: none skipped. */
		if (!who_line_away(rest.s, rest.n, 0, &reason, &n))
			return false;
		w->away = (struct field){ reason, n };
	}
	w->name = f[0];
	w->login = f[1];
	if (!field_u64(f[2], &w->uid) || !field_i64(f[3], &w->idle_s) ||
	    !field_i64(f[4], &w->joined_ms) || !field_i64(f[5], &w->connected_ms))
		return false;
	if (field_is(f[6], none_word))
		return true;
	w->muted = true;
	return parse_time_left(f[6], &w->muted_forever, &w->muted_s);
}

bool who_rooms_next(struct field *list, struct field *room)
{
	if (list->n == 0 || field_is(*list, none_word))
		return false;
	const char *comma = memchr(list->s, ',', list->n);
	size_t n = comma ? (size_t)(comma - list->s) : list->n;
	*room = (struct field){ list->s, n };
	list->s += comma ? n + 1 : n;
	list->n -= comma ? n + 1 : n;
	return n > 0;
}

/* ---- SANCTION -------------------------------------------------------------- */

int line_sanction(struct buffer *out, const char *kind, const char *login, uint64_t uid,
		  int64_t left_s, const char *reason)
{
	char left[24];
	bool why = reason && reason[0];

	return buffer_printf_line(out, "%s %s %s %" PRIu64 " %s%s%s", server_line_word(SL_SANCTION),
				  kind, login, uid, reply_time_left(left_s, left, sizeof(left)),
				  why ? " " : "", why ? reason : "");
}

bool parse_sanction_line(const char *line, size_t len, struct sanction_row *s)
{
	struct field f[4];

	memset(s, 0, sizeof(*s));
	if (!split(line, len, SL_SANCTION, f, 4, &s->reason))
		return false;
	s->kind = f[0];
	s->login = f[1];
	if (!field_u64(f[2], &s->uid))
		return false;
	return parse_time_left(f[3], &s->forever, &s->left_s);
}

/* ---- STATUS ------------------------------------------------------------------ */

const char *status_key_word(enum status_key k)
{
	return (unsigned)k < STATUS_KEY_COUNT ? status_keys[k].word : "";
}

const char *status_key_label(enum status_key k)
{
	return (unsigned)k < STATUS_KEY_COUNT ? status_keys[k].label : "";
}

enum status_unit status_key_unit(enum status_key k)
{
	return (unsigned)k < STATUS_KEY_COUNT ? status_keys[k].unit : UNIT_TEXT;
}

bool status_key_find(struct field f, enum status_key *k)
{
	for (unsigned i = 0; i < STATUS_KEY_COUNT; i++)
		if (field_is(f, status_keys[i].word)) {
			*k = (enum status_key)i;
			return true;
		}
	return false;
}

int line_status(struct buffer *out, enum status_key k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = line_vformat(out, SL_STATUS, status_key_word(k), fmt, ap);
	va_end(ap);
	return rc;
}

bool parse_status_line(const char *line, size_t len, struct field *key, struct field *value)
{
	return split(line, len, SL_STATUS, key, 1, value);
}

/* ---- OK RELOAD ------------------------------------------------------------------ */

int line_ok_reload(struct buffer *out, const char *changed, const char *restart_needed)
{
	return line_ok(out, VERB_RELOAD, "%s=%s %s=%s", changed_key,
		       changed[0] ? changed : none_word, restart_key,
		       restart_needed[0] ? restart_needed : none_word);
}

bool parse_reload_reply(const char *s, size_t n, struct field *changed,
			struct field *restart_needed)
{
	return find_key_value(s, n, changed_key, changed) &&
	       find_key_value(s, n, restart_key, restart_needed);
}

bool find_key_value(const char *s, size_t n, const char *key, struct field *value)
{
	const char *p = s, *e = s + n;
	size_t kn = strlen(key);

	while (p < e) {
		struct field w = next_field(&p, e);
		if (w.n > kn && memcmp(w.s, key, kn) == 0 && w.s[kn] == '=') {
			value->s = w.s + kn + 1;
			value->n = w.n - kn - 1;
			return true;
		}
	}
	return false;
}
