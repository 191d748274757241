/* reply.h - the lines of the control socket's longer replies, split into
 * fields: WHO (7 fields), SANCTION, STATUS, and OK RELOAD's lists.
 * Pure: pointers refer into the line, which is not modified. */
#ifndef LCHAT_ADMIN_REPLY_H
#define LCHAT_ADMIN_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A field: a pointer into the line and a length. */
struct field {
	const char *s;
	size_t n;
};

/* Is f exactly the text s? */
bool field_is(struct field f, const char *s);

/* WHO <name> <login> <uid> <idle-seconds> <joined-ms> <connected-ms> <muted> */
struct who_row {
	struct field name, login;
	uint64_t uid;
	int64_t idle_s, joined_ms, connected_ms;
	bool muted;             /* false: may speak */
	bool muted_forever;
	int64_t muted_s;        /* seconds the mute has left, unless forever */
};
bool parse_who_line(const char *line, size_t len, struct who_row *w);

/* SANCTION <kind> <login> <uid> <seconds-left-or-forever> [REASON] */
struct sanction_row {
	struct field kind, login, reason;   /* reason.n == 0: none */
	uint64_t uid;
	bool forever;
	int64_t left_s;         /* seconds left, unless forever */
};
bool parse_sanction_line(const char *line, size_t len, struct sanction_row *s);

/* STATUS <key> <value> (the value is the rest of the line) */
bool parse_status_line(const char *line, size_t len, struct field *key, struct field *value);

/* The value of `key=` in the words of s (e.g. "changed=motd,backlog"),
 * or false if there is none. */
bool find_key_value(const char *s, size_t n, const char *key, struct field *value);

#endif
