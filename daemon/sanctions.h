/* SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE. */
/* sanctions.h - bans and mutes, kept per uid (not per name, which anyone
 * can change) by the daemon, and saved to state_dir/sanctions so that
 * they outlive a restart. Each may have an end time; expired ones are
 * dropped by sanctions_expire(). */
#ifndef LCHAT_SANCTIONS_H
#define LCHAT_SANCTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "room.h"

enum sanction_kind { SANCTION_BAN = 0, SANCTION_MUTE };

#define SANCTION_REASON_MAX 160

struct sanction {
	enum sanction_kind kind;
	uid_t uid;
	int64_t until_ms;                /* wall clock; 0: no end */
	char login[LOGIN_MAX + 1];
	char reason[SANCTION_REASON_MAX + 1];
};

struct sanctions {
	struct sanction *v;
	size_t n, cap;
	char path[4096];
};

/* Load state_dir/sanctions (a missing file is an empty list). Lines that
 * do not parse are skipped and logged. -1 only if out of memory. */
int sanctions_load(struct sanctions *s, const char *state_dir);
void sanctions_free(struct sanctions *s);
/* Write the list to its file, whole or not at all (a temporary file,
 * fsync'ed, renamed over it). -1 (logged, errno set) if not written. */
int sanctions_save(const struct sanctions *s);

/* An admin's changes: add or replace `add`, or remove kind's sanction on
 * uid, in the file first and then in memory. -1 with errno (ENOSPC, EIO,
 * ENOMEM...) if the file could not be written: then nothing changed, in
 * memory or in the file. sanctions_drop() returns 1 if it removed one, 0
 * if there was none. */
int sanctions_put(struct sanctions *s, const struct sanction *add);
int sanctions_drop(struct sanctions *s, enum sanction_kind kind, uid_t uid);

/* The sanction of this kind on uid that is in force at now_ms, or NULL. */
const struct sanction *sanctions_find(const struct sanctions *s, enum sanction_kind kind,
				      uid_t uid, int64_t now_ms);
/* Add or replace in memory only (loading; tests); -1 if out of memory. */
int sanctions_set(struct sanctions *s, const struct sanction *add);
/* Remove in memory only; false if there was none. */
bool sanctions_remove(struct sanctions *s, enum sanction_kind kind, uid_t uid);
/* Drop sanctions whose time is up, copying each to *gone (up to max);
 * returns how many were dropped. */
size_t sanctions_expire(struct sanctions *s, int64_t now_ms, struct sanction *gone, size_t max);
/* The earliest end time in the list, or 0 if none ends. */
int64_t sanctions_next_end(const struct sanctions *s);
size_t sanctions_count(const struct sanctions *s, enum sanction_kind kind);

/* The slot's muted_until value for a sanction (or none): INT64_MAX for
 * no end. */
int64_t sanction_mute_value(const struct sanction *m);
const char *sanction_kind_name(enum sanction_kind kind);

#endif
