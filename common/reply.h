/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* reply.h - the control socket's longer replies (docs/protocol.md), each
 * kind of line with its formatter (the daemon's) beside its parser
 * (lchat-admin's): the admin WHO (7 fields), SANCTION, STATUS and its table
 * of keys, and OK RELOAD's lists. The lines both sockets send are in
 * lines.h.
 *
 * Parsers are pure: pointers refer into the line, which is not modified.
 * Formatters append one line and its "\n" to a buffer and return 0, or -1
 * when out of memory. */
#ifndef LCHAT_REPLY_H
#define LCHAT_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lines.h"

struct buffer;

/* A field: a pointer into the line and a length. */
struct field {
	const char *s;
	size_t n;
};

/* Is f exactly the text s? */
bool field_is(struct field f, const char *s);
/* Is f the word for nothing ("-": not muted, no names changed), or empty? */
bool field_is_none(struct field f);

/* ---- time left: seconds, or "forever" -------------------------------- */

/* A mute or ban with no end, for the formatters' seconds-left arguments. */
#define REPLY_FOREVER INT64_MAX

/* The wire form of seconds left s: "forever" for REPLY_FOREVER, else the
 * number, in buf (len bytes). Returns buf. */
const char *reply_time_left(int64_t s, char *buf, size_t len);
/* Read it back: *forever, or the seconds in *s. false if neither. */
bool parse_time_left(struct field f, bool *forever, int64_t *s);

/* ---- WHO <name> <login> <uid> <idle-s> <joined-ms> <connected-ms> <muted>
 *          [rooms <#a,#b>] [away <reason>] ---------------------------- */

struct who_row {
	struct field name, login;
	uint64_t uid;
	int64_t idle_s, joined_ms, connected_ms;
	bool muted;             /* false: may speak */
	bool muted_forever;
	int64_t muted_s;        /* seconds the mute has left, unless forever */
	struct field away;      /* the away reason; away.n == 0: not away */
	bool has_rooms;         /* the server said the member's rooms */
	struct field rooms;     /* "#a,#b" (who_rooms_next); "-" for none */
};
/* muted_s: 0 if the member may speak, REPLY_FOREVER, or the seconds left;
 * away: the member's away reason, NULL or "" if not away (then the line
 * ends with the muted field; else " away REASON" follows, as on the user
 * socket's WHO, lines.h); rooms: NULL (a chat of one room: not said), or
 * the member's rooms, "#a,#b", "" for none (sent as "-"), before away. */
int line_who_admin(struct buffer *out, const char *name, const char *login, uint64_t uid,
		   int64_t idle_s, int64_t joined_ms, int64_t connected_ms, int64_t muted_s,
		   const char *rooms, const char *away);
bool parse_who_line(const char *line, size_t len, struct who_row *w);
/* The next room ("#a") of a WHO line's rooms, taken off the front of
 * *list; false when there is none left. */
bool who_rooms_next(struct field *list, struct field *room);

/* ---- SANCTION <kind> <login> <uid> <seconds-left-or-forever> [REASON] - */

struct sanction_row {
	struct field kind, login, reason;   /* reason.n == 0: none */
	uint64_t uid;
	bool forever;
	int64_t left_s;         /* seconds left, unless forever */
};
/* left_s: the seconds left, or REPLY_FOREVER; reason NULL or "": none. */
int line_sanction(struct buffer *out, const char *kind, const char *login, uint64_t uid,
		  int64_t left_s, const char *reason);
bool parse_sanction_line(const char *line, size_t len, struct sanction_row *s);

/* ---- STATUS <key> <value> -------------------------------------------- */

/* The keys, in the order the daemon sends them. */
enum status_key {
	STATUS_VERSION = 0,
	STATUS_PID,
	STATUS_SUPERVISOR_PID,
	STATUS_UPTIME,
	STATUS_DAEMON_UPTIME,
	STATUS_RESTARTS,
	STATUS_USERS,
	STATUS_CONNECTIONS,
	STATUS_MAX_USERS,
	STATUS_MESSAGES,
	STATUS_LAST_SEQ,
	STATUS_MEMORY_KIB,
	STATUS_BANS,
	STATUS_MUTES,
	STATUS_RELOADS,
	STATUS_CONFIG,
	STATUS_KEY_COUNT
};

/* What a value counts, for showing it to people. */
enum status_unit { UNIT_TEXT, UNIT_SECONDS, UNIT_KIB };

/* The key as sent ("supervisor-pid"), its label for people ("supervisor
 * pid") and its unit. */
const char *status_key_word(enum status_key k);
const char *status_key_label(enum status_key k);
enum status_unit status_key_unit(enum status_key k);
/* The key named by f; false for one this program does not know (a newer
 * daemon's: shown as it comes). */
bool status_key_find(struct field f, enum status_key *k);

/* "STATUS key value", the value printf-formatted. */
int line_status(struct buffer *out, enum status_key k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The value is the rest of the line. */
bool parse_status_line(const char *line, size_t len, struct field *key, struct field *value);

/* ---- OK RELOAD changed=<list> restart-needed=<list> ------------------- */

/* The options a reload changed and those that need a restart, each a list
 * of names separated by commas ("" for none, sent as "-"). */
int line_ok_reload(struct buffer *out, const char *changed, const char *restart_needed);
/* The two lists from the words after "OK RELOAD"; false if one is missing. */
bool parse_reload_reply(const char *s, size_t n, struct field *changed,
			struct field *restart_needed);

/* The value of `key=` in the words of s (e.g. "changed=motd,backlog"),
 * or false if there is none. */
bool find_key_value(const char *s, size_t n, const char *key, struct field *value);

#endif
